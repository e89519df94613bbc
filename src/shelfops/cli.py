"""The ``shelfops`` command line."""

from __future__ import annotations

import datetime as dt
import math
import os
import shutil
import sys
import uuid
from collections.abc import Callable, Coroutine, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated, Any, TypeVar

import typer
from rich.markup import escape
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from shelfops.config import Settings, get_settings
from shelfops.edi.cli import register as register_edi
from shelfops.integrations.cli import register as register_sync
from shelfops.integrations.credentials_cli import register as register_credentials
from shelfops.kit import migrate
from shelfops.kit.cli import (
    ShelfOpsGroup,
    TenantOption,
    console,
    err_console,
    fail,
    output_path,
    run_command,
)
from shelfops.kit.db import sessionmaker_scope, tenant_transaction
from shelfops.kit.errors import ShelfOpsError, ValidationFailed
from shelfops.models import Role
from shelfops.onboarding.cli import register as register_onboarding
from shelfops.tenants import admin as tenant_admin
from shelfops.tenants import service as tenants

app = typer.Typer(
    cls=ShelfOpsGroup,  # errors escaping a command: one line, exit code 1 (kit/cli.py)
    help="ShelfOps: demand forecasting and replenishment for retailers.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
)
register_onboarding(app)
register_edi(app)
register_sync(app)
register_credentials(app)

T = TypeVar("T")

# Seed 003's SQL names this tenant; the demo creates it with exactly this id.
DEMO_CUSTOMER_ID = uuid.UUID("00000000-0000-0000-0000-000000000001")


def _run(coro: Coroutine[Any, Any, T]) -> T:
    """Run ``coro``; deliberate errors become a one-line message and exit code 1."""
    return run_command(coro)


@app.command()
def init(
    name: Annotated[str, typer.Option(help="Tenant display name.")] = "Demo Retail",
    slug: Annotated[str, typer.Option(help="Tenant slug (lowercase, digits, '-').")] = "demo",
) -> None:
    """Migrate the database, create a tenant (if new) and print a fresh admin API key."""
    name = _guard(lambda: tenants.check_name("name", name))
    _guard(lambda: tenants.check_slug(slug))
    settings = get_settings()
    customer_id, key = _run(_init(settings, name=name, slug=slug))
    console.print(f"tenant [bold]{slug}[/bold] ({customer_id})")
    console.print(f"admin API key (shown once): [bold green]{key}[/bold green]")


async def _init(
    settings: Settings, *, name: str, slug: str, customer_id: uuid.UUID | None = None
) -> tuple[uuid.UUID, str]:
    settings.var_dir.mkdir(parents=True, exist_ok=True)
    await migrate.upgrade(settings)
    existing = {t.slug: t for t in await tenant_admin.list_tenants(settings)}
    if slug in existing:
        customer_id = existing[slug].customer_id
    customer_id = customer_id or uuid.uuid4()
    async with (
        sessionmaker_scope(settings) as sessionmaker,
        tenant_transaction(sessionmaker, customer_id) as session,
    ):
        if slug not in existing:
            await tenants.create_customer(session, name=name, slug=slug, customer_id=customer_id)
        _, key = await tenants.issue_api_key(
            session, customer_id=customer_id, name="admin (shelfops init)", role=Role.ADMIN
        )
    return customer_id, key


@app.command("migrate")
def migrate_database() -> None:
    """Migrate the database to the newest schema (and nothing else: no tenant, no key).
    Safe to run on every deployment; an up-to-date database is left as it is."""
    settings = get_settings()
    if not settings.is_postgres:
        settings.var_dir.mkdir(parents=True, exist_ok=True)
    _run(migrate.upgrade(settings))
    console.print("database schema is up to date")


@app.command("create-key")
def create_key(
    role: Annotated[Role, typer.Option(help="Role of the new key.")],
    name: Annotated[str, typer.Option(help="A label to tell keys apart.")],
    tenant: TenantOption = None,
) -> None:
    """Issue an API key for a tenant and print it once."""
    name = _guard(lambda: tenants.check_name("name", name))
    settings = get_settings()
    key = _run(_create_key(settings, tenant, role=role, name=name))
    console.print(key)


async def _create_key(settings: Settings, tenant_ref: str | None, *, role: Role, name: str) -> str:
    customer = await tenant_admin.resolve_tenant(settings, tenant_ref)
    async with (
        sessionmaker_scope(settings) as sessionmaker,
        tenant_transaction(sessionmaker, customer.customer_id) as session,
    ):
        _, key = await tenants.issue_api_key(
            session, customer_id=customer.customer_id, name=name, role=role
        )
    return key


@app.command()
def generate(
    out: Annotated[Path, typer.Option(help="Directory to write the five CSV files to.")],
    stores: Annotated[int, typer.Option(min=1, help="Number of stores.")] = 5,
    products: Annotated[int, typer.Option(min=1, help="Number of products.")] = 100,
    days: Annotated[int, typer.Option(min=1, help="Days of history.")] = 540,
    seed: Annotated[int, typer.Option(help="Random seed; same seed, same files.")] = 7,
    start: Annotated[
        dt.datetime, typer.Option(formats=["%Y-%m-%d"], help="First day of history.")
    ] = dt.datetime(2024, 1, 1),
) -> None:
    """Write a realistic synthetic retail data set in the canonical format."""
    summary = _generate(
        out, stores=stores, products=products, days=days, seed=seed, start=start.date()
    )
    for path, rows in summary:
        console.print(f"{path}: {rows:,} rows")


def _generate(
    out: Path, *, stores: int, products: int, days: int, seed: int, start: dt.date
) -> list[tuple[Path, int]]:
    from shelfops.synthetic import GenerationConfig, generate_dataset

    try:
        config = GenerationConfig(
            stores=stores, products=products, days=days, seed=seed, start=start
        )
        with _progress() as progress:
            task = progress.add_task("generating stores", total=stores)
            summary = generate_dataset(
                config, out, on_progress=lambda done, total: progress.update(task, completed=done)
            )
    except (ValueError, OSError) as exc:
        # Bad sizes or an unusable output path: say so in one line, no traceback.
        err_console.print(f"[red]error[/red] {escape(str(exc))}")
        raise typer.Exit(1) from None
    return summary.files()


@app.command()
def ingest(
    directory: Annotated[
        Path, typer.Argument(exists=True, file_okay=False, help="Folder of canonical CSV files.")
    ],
    tenant: TenantOption = None,
) -> None:
    """Validate and load the canonical CSV files of DIRECTORY into a tenant's tables."""
    settings = get_settings()
    _run(_ingest(settings, tenant, directory))


async def _ingest(settings: Settings, tenant_ref: str | None, directory: Path) -> None:
    from shelfops.ingest.commands import ingest_directory_command, report_table, rich_progress
    from shelfops.ingest.service import IngestRejected

    customer = await tenant_admin.resolve_tenant(settings, tenant_ref)
    try:
        with rich_progress(err_console) as progress:
            reports = await ingest_directory_command(
                settings, customer.customer_id, directory, progress
            )
    except IngestRejected as rejected:
        _print_rejection(rejected)
        raise typer.Exit(1) from None
    console.print(report_table(reports))


def _print_rejection(rejected: Any) -> None:
    report = rejected.report
    err_console.print(
        f"[red]rejected[/red] {report.file_name}: {report.problem_count:,} problem(s), "
        "nothing was written"
    )
    for rule, count in report.problem_counts.items():
        err_console.print(f"  {rule}: {count:,}")
    for problem in report.problems:
        if problem.row:
            where = f"row {problem.row} (line {problem.line})"
        elif problem.line:
            # A malformed row (too many fields, bad UTF-8) has a line but no data row.
            where = f"line {problem.line}"
        else:
            where = "file"
        column = f", column {problem.column}" if problem.column else ""
        value = f", value {problem.value!r}" if problem.value is not None else ""
        err_console.print(escape(f"  {where}{column}{value}: {problem.message} [{problem.rule}]"))
    if report.problems_truncated:
        err_console.print(f"  … only the first {len(report.problems)} are listed")


@app.command()
def serve(
    host: Annotated[str | None, typer.Option(help="Bind address.")] = None,
    port: Annotated[int | None, typer.Option(min=1, max=65535, help="Port.")] = None,
    workers: Annotated[
        int | None,
        typer.Option(
            min=1,
            help="API processes (default SHELFOPS_API_WORKERS, 1). More than one needs "
            "SHELFOPS_BROKER_URL: the failed-authentication counters must be shared.",
        ),
    ] = None,
) -> None:
    """Serve the API, and the dashboard (``frontend/dist``, built by ``make``) at /."""
    import uvicorn

    from shelfops.api.app import create_app
    from shelfops.kit.logging import configure_logging

    settings = get_settings()
    configure_logging(settings)
    processes = workers or settings.api_workers
    if processes > 1 and not settings.broker_url:
        # Without Redis each process would count failed authentications on its own, and
        # the brute-force limit would be multiplied by the number of processes.
        err_console.print(
            f"[red]error[/red] {processes} workers need SHELFOPS_BROKER_URL (Redis), where the "
            "API processes "
            "share their failed-authentication counters; set it or serve one process"
        )
        raise typer.Exit(1)
    options: dict[str, Any] = {
        "host": host or settings.api_host,
        "port": port or settings.api_port,
        # Ours, not uvicorn's: every line through structlog (kit/logging.py).
        "log_config": None,
        "log_level": settings.log_level.lower(),
    }
    if processes == 1:
        uvicorn.run(create_app(settings, freeze_startup_heap=True), **options)
        return
    # Python runs one request at a time per process; more processes use more cores.
    # Each worker is a fresh interpreter that builds its own app, settings, logging and
    # database engine from the environment (never an engine shared across a fork).
    uvicorn.run(
        "shelfops.api.app:create_app_from_environment", factory=True, workers=processes, **options
    )


@app.command()
def openapi(
    out: Annotated[
        Path | None,
        typer.Option(
            help="File to write; standard output when omitted.",
            callback=output_path(directory=False),
        ),
    ] = None,
) -> None:
    """Print (or write) the API's OpenAPI document, from which the dashboard's typed
    client is generated."""
    import json

    from shelfops.api.app import create_app

    document = json.dumps(create_app(get_settings()).openapi(), indent=2, sort_keys=True) + "\n"
    if out is None:
        sys.stdout.write(document)
    else:
        out.write_text(document)
        console.print(f"wrote {out}")


def _known_queues(value: str) -> str:
    """``--queues`` with its names checked: an unknown one would be consumed by no task."""
    from shelfops.kit.tasks import QUEUES

    names = [name.strip() for name in value.split(",")]
    if not all(name in QUEUES for name in names):
        raise typer.BadParameter(
            f"expected a comma-separated list of {', '.join(QUEUES)}, got {value!r}"
        )
    return ",".join(dict.fromkeys(names))


@app.command()
def worker(
    queues: Annotated[
        str, typer.Option(help="Comma-separated queues to consume.", callback=_known_queues)
    ] = "ml,sync",
    concurrency: Annotated[int, typer.Option(min=1, help="Worker processes.")] = 2,
) -> None:
    """Run a Celery worker (needs SHELFOPS_BROKER_URL)."""
    settings = get_settings()
    if settings.tasks_in_process:
        err_console.print(
            "[red]error[/red] no broker configured (SHELFOPS_BROKER_URL); "
            "in embedded mode background work runs in-process and needs no worker"
        )
        raise typer.Exit(1)
    from shelfops.kit.logging import configure_logging
    from shelfops.worker import celery_app

    configure_logging(settings)
    celery_app.worker_main(
        ["worker", "--loglevel=INFO", f"--queues={queues}", f"--concurrency={concurrency}"]
    )


@app.command()
def demo(
    stores: Annotated[int, typer.Option(min=1)] = 5,
    products: Annotated[int, typer.Option(min=1)] = 100,
    days: Annotated[int, typer.Option(min=60)] = 540,
    seed: Annotated[int, typer.Option()] = 7,
    held_back: Annotated[
        int, typer.Option(min=1, max=14, help="Days of actuals that 'arrive' during the demo.")
    ] = 3,
    serve_api: Annotated[bool, typer.Option("--serve/--no-serve", help="Serve the API.")] = True,
) -> None:
    """From nothing to a running API with a governed model loop on demo data: generate,
    init, ingest, train the first champion, run the loop over a few days, serve."""
    from shelfops.demo import split_history

    settings = get_settings()
    data_dir = settings.var_dir / "demo-data"
    if data_dir.exists():
        shutil.rmtree(data_dir)
    # History ends yesterday, so the demo's "today" is the real today.
    start = dt.date.today() - dt.timedelta(days=days)
    _generate(data_dir, stores=stores, products=products, days=days, seed=seed, start=start)
    early, arriving = split_history(data_dir, held_back)
    customer_id, key = _run(
        _init(settings, name="Demo Retail", slug="demo", customer_id=DEMO_CUSTOMER_ID)
    )
    _run(_ingest(settings, str(customer_id), early))
    lines = _run(_demo_loop(settings, customer_id, key, arriving))
    for line in lines:
        console.print(f"  {escape(line)}")
    base = f"http://{settings.api_host}:{settings.api_port}"
    auth = f"-H 'Authorization: Bearer {key}'"
    console.print(f"\n[bold]ShelfOps demo[/bold] tenant 'demo' ({customer_id})")
    console.print(f"admin API key: [bold green]{key}[/bold green]\n")
    console.print("try:")
    console.print(f"  curl {base}/health")
    console.print(f"  curl {auth} '{base}/api/v1/products?limit=5'")
    console.print(f"  curl {auth} {base}/api/v1/models/health")
    console.print(f"  curl {auth} {base}/api/v1/models/history")
    console.print(f"  curl {auth} '{base}/api/v1/ml-alerts?status=unread'")
    console.print(f"  curl {auth} {base}/api/v1/experiments")
    console.print(f"  open {base}/docs\n")
    console.print(f"dashboard: [bold]{base}/[/bold] (sign in with the admin key above)\n")
    if serve_api:
        serve(host=None, port=None)


async def _demo_loop(
    settings: Settings, customer_id: uuid.UUID, key: str, arriving: list[tuple[dt.date, Path]]
) -> list[str]:
    from shelfops.demo import run_loop
    from shelfops.registry import mirror

    async with sessionmaker_scope(settings) as sessionmaker:
        async with tenant_transaction(sessionmaker, customer_id) as session:
            actor = await tenants.authenticate(session, key)
        with _steps() as step:
            log = await run_loop(
                sessionmaker,
                settings,
                customer_id=customer_id,
                actor=actor,
                days=arriving,
                progress=step,
            )
        await mirror.sync(sessionmaker, settings, customer_id=customer_id)
    return log.lines


@app.command()
def retrain(
    tenant: TenantOption = None,
    trigger: Annotated[str, typer.Option(help="scheduled | manual | drift_detected | new_data")] = (
        "manual"
    ),
    data_dir: Annotated[
        Path | None, typer.Option(help="Train from this folder of canonical CSV files.")
    ] = None,
    model: Annotated[
        str | None, typer.Option(help="Forecasting model (default: settings).")
    ] = None,
) -> None:
    """Retrain a tenant's demand model now, in this process, and run the promotion gate."""
    _guard(lambda: _check_retrain(trigger=trigger, data_dir=data_dir, model=model))
    settings = get_settings()
    outcome = _run(_retrain(settings, tenant, trigger=trigger, data_dir=data_dir, model=model))
    console.print(f"retrain {outcome.retrain_id}: {outcome.status.value}")
    if outcome.version:
        console.print(f"{outcome.version} → [bold]{outcome.model_status}[/bold]")
    for reason in outcome.reasons:
        console.print(f"  {escape(reason)}")
    if outcome.message:
        console.print(escape(outcome.message))


def _check_retrain(*, trigger: str, data_dir: Path | None, model: str | None) -> None:
    """Refuse what the retrain would only skip (logging a row): the API's checks of the
    trigger and the model name, and a data folder without the canonical sales.csv."""
    from shelfops.registry.retrain import check_model_name, parse_trigger

    parse_trigger(trigger)
    if model is not None:
        check_model_name(model)
    if data_dir is not None and not (data_dir / "sales.csv").is_file():
        raise ValidationFailed(
            {
                "field": "data_dir",
                "value": str(data_dir),
                "expected": "a folder holding the canonical sales.csv",
            }
        )


async def _retrain(
    settings: Settings,
    tenant_ref: str | None,
    *,
    trigger: str,
    data_dir: Path | None,
    model: str | None,
) -> Any:
    from shelfops.registry.retrain import retrain_forecast_model

    customer = await tenant_admin.resolve_tenant(settings, tenant_ref)
    async with sessionmaker_scope(settings) as sessionmaker:
        return await retrain_forecast_model(
            sessionmaker,
            settings,
            customer_id=customer.customer_id,
            trigger=trigger,
            data_dir=data_dir,
            model=model,
        )


@app.command("run-job")
def run_job_command(
    job: Annotated[
        str,
        typer.Argument(
            help="A scheduled job: generate_forecasts, "
            "compute_forecast_accuracy, run_daily_backtest, "
            "run_weekly_backtest, detect_model_drift, "
            "retrain_forecast_model, run_replenishment, "
            "poll_sync_sources, consume_sync_events, check_sync_sla, check_slos."
        ),
    ],
    tenant: TenantOption = None,
) -> None:
    """Run one scheduled job for a tenant now, in this process (what beat would queue)."""
    settings = get_settings()
    report = _run(_run_job(settings, tenant, job))
    console.print(escape(repr(report)))
    if not getattr(report, "ok", True):  # a sync job whose source failed
        raise typer.Exit(1)


async def _run_job(settings: Settings, tenant_ref: str | None, job: str) -> Any:
    from shelfops.jobs import run_job

    customer = await tenant_admin.resolve_tenant(settings, tenant_ref)
    async with sessionmaker_scope(settings) as sessionmaker:
        return await run_job(job, sessionmaker, settings, customer_id=customer.customer_id)


@app.command()
def beat() -> None:
    """Run the Celery beat scheduler (seed 003 schedule; needs SHELFOPS_BROKER_URL)."""
    settings = get_settings()
    if settings.tasks_in_process:
        err_console.print(
            "[red]error[/red] no broker configured (SHELFOPS_BROKER_URL); in embedded mode "
            "run jobs with `shelfops run-job`"
        )
        raise typer.Exit(1)
    from shelfops.worker import celery_app

    schedule = settings.var_dir / "celerybeat-schedule"
    settings.var_dir.mkdir(parents=True, exist_ok=True)
    celery_app.start(["beat", "--loglevel=INFO", f"--schedule={schedule}"])


def _guard(action: Callable[[], T]) -> T:
    """Run a synchronous command; deliberate errors become one line and exit code 1."""
    try:
        return action()
    except ShelfOpsError as exc:
        fail(exc)


@contextmanager
def _steps() -> Iterator[Callable[[str], None]]:
    """A one-line progress display of the current step, with elapsed time."""
    with _progress() as progress:
        task = progress.add_task("starting", total=None)
        yield lambda message: progress.update(task, description=message)


def _print_tracking(outcome: Any) -> None:
    for note in outcome.notes:
        err_console.print(f"[yellow]note[/yellow] {escape(note)}")
    tracking = outcome.tracking
    if tracking is None:
        return
    if tracking.mode == "mlflow":
        console.print(f"tracked in MLflow: {tracking.location}")
    else:
        err_console.print(
            f"[yellow]MLflow unreachable[/yellow] ({escape(tracking.reason or '')}); "
            f"run written to {tracking.location}"
        )


InputOption = Annotated[
    Path, typer.Option("--input", help="Long CSV (unique_id, ds, y, …) or canonical sales.csv.")
]
HorizonOption = Annotated[int, typer.Option("--horizon", min=1, help="Periods to forecast.")]
FreqOption = Annotated[
    str | None, typer.Option("--freq", help="D, W, M, Q or Y (inferred when omitted).")
]
ModelOption = Annotated[
    str, typer.Option("--model", help="auto, ensemble or a model name (see README).")
]
QuantilesOption = Annotated[
    str, typer.Option("--quantiles", help="Comma-separated quantile levels.")
]


@app.command()
def forecast(
    input_path: InputOption,
    horizon: HorizonOption,
    output: Annotated[
        Path,
        typer.Option(
            "--output",
            help="CSV to write the forecasts to.",
            callback=output_path(directory=False),
        ),
    ],
    freq: FreqOption = None,
    model: ModelOption = "auto",
    quantiles: QuantilesOption = "0.1,0.5,0.9",
    future: Annotated[
        Path | None,
        typer.Option(help="CSV of known future covariates (unique_id, ds, price, …)."),
    ] = None,
) -> None:
    """Forecast HORIZON periods for every series of a file (no database needed)."""
    from shelfops.forecasting.calibration import parse_quantiles
    from shelfops.runs.commands import forecast_file

    settings = get_settings()

    def action() -> Any:
        levels = parse_quantiles(quantiles)
        with _steps() as step:
            return forecast_file(
                settings,
                input_path=input_path,
                horizon=horizon,
                output=output,
                freq=freq,
                model=model,
                quantiles=levels,
                future_path=future,
                progress=step,
            )

    outcome = _guard(action)
    console.print(f"wrote {output}")
    for group, choice in outcome.metrics["selection"]["choice"].items():
        console.print(
            f"  {group}: {choice['model']} (validation WAPE {choice['validation_wape']:.3f})"
        )
    _print_tracking(outcome)


@app.command()
def backtest(
    input_path: InputOption,
    horizon: HorizonOption,
    windows: Annotated[int, typer.Option("--windows", min=1, help="Rolling-origin windows.")],
    report: Annotated[
        Path,
        typer.Option(
            "--report", help="Folder for metrics and charts.", callback=output_path(directory=True)
        ),
    ],
    freq: FreqOption = None,
    model: ModelOption = "auto",
    quantiles: QuantilesOption = "0.1,0.5,0.9",
    png: Annotated[bool, typer.Option("--png/--no-png", help="Also export PNG charts.")] = True,
) -> None:
    """Rolling-origin backtest of a file; writes REPORT/metrics.json and the charts."""
    from shelfops.forecasting.calibration import parse_quantiles
    from shelfops.runs.commands import backtest_file

    settings = get_settings()

    def action() -> Any:
        levels = parse_quantiles(quantiles)
        with _steps() as step:
            return backtest_file(
                settings,
                input_path=input_path,
                horizon=horizon,
                windows=windows,
                report_dir=report,
                freq=freq,
                model=model,
                quantiles=levels,
                png=png,
                progress=step,
            )

    outcome = _guard(action)
    pooled = outcome.metrics["pooled"]
    console.print(f"wrote {report}/metrics.json and {len(outcome.files) - 1} other file(s)")
    for key in ("wape", "mae", "mase", "pinball", "coverage"):
        if pooled.get(key) is not None:
            console.print(f"  {key}: {pooled[key]:.4f}")
    _print_tracking(outcome)


@app.command("simulate")
def simulate_cmd(
    input_dir: Annotated[
        Path,
        typer.Option("--input", help="Folder of canonical CSV files (sales, products, suppliers)."),
    ],
    policy: Annotated[str, typer.Option("--policy", help="forecast or static.")],
    report: Annotated[
        Path,
        typer.Option(
            "--report",
            help="Folder for simulation.json, .md and the chart.",
            callback=output_path(directory=True),
        ),
    ],
    service_level: Annotated[
        float, typer.Option("--service-level", help="Target service level in (0, 1).")
    ] = 0.95,
    days: Annotated[
        int | None,
        typer.Option("--days", min=1, help="Days replayed at the end of the history (default 90)."),
    ] = None,
    service_kind: Annotated[
        str, typer.Option("--service-kind", help="fill_rate or cycle.")
    ] = "fill_rate",
    model: ModelOption = "auto",
    seed: Annotated[int, typer.Option("--seed", min=0, help="Seed of the sampled lead times.")] = 0,
    order_cost: Annotated[
        float, typer.Option("--order-cost", help="Cost of one order line.")
    ] = 1.0,
    holding_rate: Annotated[
        float, typer.Option("--holding-rate", help="Yearly holding cost, share of unit cost.")
    ] = 0.25,
    safety_days: Annotated[
        float | None,
        typer.Option(
            "--safety-days",
            help="static: safety stock in days of average sales (default: tuned to the target).",
        ),
    ] = None,
    tune: Annotated[
        bool,
        typer.Option(
            "--tune/--no-tune",
            help="forecast: search the policy service level that makes the replay reach the "
            "target (default: use the target as the policy's service level).",
        ),
    ] = False,
) -> None:
    """Replay the end of the history under a replenishment policy; writes REPORT/simulation.*."""
    from shelfops.replenishment.simulate import simulate_command

    def action() -> Any:
        with _steps() as step:
            return simulate_command(
                input_dir,
                policy=policy,
                service_level=service_level,
                report_dir=report,
                days=days,
                service_kind=service_kind,
                model=model,
                seed=seed,
                order_cost=order_cost,
                holding_rate=holding_rate,
                safety_days=safety_days,
                tune=tune,
                progress=step,
            )

    outcome = _guard(action)
    result = outcome.result
    console.print(f"wrote {report}/simulation.json, simulation.md and simulation.html")
    console.print(f"  {result.knob_name}: {result.knob:.4g}")
    if outcome.tuned is not None and math.isnan(outcome.tuned.result.metrics["fill_rate"]):
        console.print(
            f"[yellow]note[/yellow] the replayed days have no demand: nothing to tune "
            f"{result.knob_name} on; the lowest was used"
        )
    elif outcome.tuned is not None and not outcome.tuned.reached:
        console.print(
            f"[yellow]note[/yellow] no {result.knob_name} in the search range reaches "
            f"{service_level:.2%} exactly; the closest end was used"
        )
    for key in (
        "fill_rate",
        "cycle_service_level",
        "avg_on_hand_units",
        "avg_on_hand_value",
        "stockout_days",
        "orders_placed",
        "holding_cost",
        "lost_sales_cost",
        "total_cost",
    ):
        value = result.metrics[key]
        console.print(f"  {key}: {value:,.4f}" if value == value else f"  {key}: n/a")


def _progress() -> Progress:
    return Progress(
        TextColumn("[progress.description]{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=err_console,
        disable=not sys.stderr.isatty() and not os.environ.get("SHELFOPS_PROGRESS"),
    )
