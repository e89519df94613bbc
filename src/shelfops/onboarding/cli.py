"""The ``shelfops onboard`` and ``shelfops profile`` commands.

:func:`register` adds them to the main ``shelfops`` app::

    shelfops onboard --profile P --source FILE [--dry-run] [--report DIR] [--tenant SLUG]
    shelfops profile validate P
    shelfops profile schema

``onboard`` exits 0 when the file was validated (dry run) or imported, 1 when it was
rejected or needs a custom adapter (the problems are printed; the artifacts say more).
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, TypeVar

import typer
from rich.markup import escape
from rich.table import Table

from shelfops.config import Settings, get_settings
from shelfops.kit.cli import console, err_console, run_command
from shelfops.kit.db import sessionmaker_scope
from shelfops.kit.errors import BadRequest
from shelfops.tenants import admin as tenant_admin

# The profile and mapper modules (polars, jsonschema) load only when a command runs, so
# every other `shelfops` command starts as fast as before.
if TYPE_CHECKING:
    from shelfops.onboarding.profiles import ContractProfile
    from shelfops.onboarding.schemas import OnboardingResult

T = TypeVar("T")


# How many problems the terminal shows (the report lists more).
_SHOWN_PROBLEMS = 25


def register(app: typer.Typer) -> None:
    """Add ``onboard`` and the ``profile`` commands to ``app``."""
    app.command("onboard")(onboard)
    profile_app = typer.Typer(
        help="Contract profiles: check one, print their JSON schema.", no_args_is_help=True
    )
    profile_app.command("validate")(validate_profile)
    profile_app.command("schema")(print_schema)
    app.add_typer(profile_app, name="profile")


def onboard(
    profile: Annotated[
        Path, typer.Option("--profile", help="Contract profile (YAML) describing the source.")
    ],
    source: Annotated[
        Path,
        typer.Option("--source", exists=True, dir_okay=False, help="The source file to onboard."),
    ],
    dry_run: Annotated[
        bool,
        typer.Option("--dry-run", help="Map and validate only; write no data."),
    ] = False,
    report: Annotated[
        Path | None,
        typer.Option("--report", file_okay=False, help="Folder to write the run's artifacts to."),
    ] = None,
    tenant: Annotated[
        str | None,
        typer.Option("--tenant", help="Tenant slug or id (default: the profile's tenant)."),
    ] = None,
) -> None:
    """Map a customer's source file with its contract profile, validate it, and import it
    (all or nothing) unless --dry-run."""
    settings = get_settings()
    result = run_command(
        _onboard(settings, profile, source, dry_run=dry_run, report=report, tenant=tenant)
    )
    _print_result(result)
    if result.status in ("rejected", "requires_custom_adapter"):
        raise typer.Exit(1)


async def _onboard(
    settings: Settings,
    profile_path: Path,
    source: Path,
    *,
    dry_run: bool,
    report: Path | None,
    tenant: str | None,
) -> OnboardingResult:
    from shelfops.onboarding.profiles import load_profile
    from shelfops.onboarding.service import onboard_file

    profile = load_profile(profile_path)
    customer = await tenant_admin.resolve_tenant(settings, tenant or profile.tenant)
    if profile.tenant is not None and customer.slug != profile.tenant:
        raise BadRequest(
            f"the profile is for tenant {profile.tenant!r}, not {customer.slug!r}; "
            "drop --tenant or use the tenant's own profile"
        )
    async with sessionmaker_scope(settings) as sessionmaker:
        return await onboard_file(
            sessionmaker,
            customer_id=customer.customer_id,
            profile=profile,
            source=source,
            dry_run=dry_run,
            report_dir=report,
        )


def validate_profile(
    path: Annotated[Path, typer.Argument(help="Contract profile (YAML).")],
) -> None:
    """Check a contract profile against the schema and its rules; list every problem."""
    from shelfops.onboarding.profiles import ProfileInvalid, load_profile, unrepresentable

    try:
        profile = load_profile(path)
    except ProfileInvalid as exc:
        err_console.print(f"[red]invalid[/red] {escape(str(path))}: {len(exc.errors)} problem(s)")
        for error in exc.errors:
            err_console.print(f"  {escape(error)}")
        raise typer.Exit(1) from None
    console.print(escape(f"valid: {_summary(profile)}"))
    for reason in unrepresentable(profile):
        console.print(
            escape(f"  note: {reason}; onboarding a file stops with requires_custom_adapter")
        )


def print_schema() -> None:
    """Print the JSON schema of contract profiles (for editors and CI checks)."""
    from shelfops.onboarding.profiles import schema_text

    sys.stdout.write(schema_text())


def _summary(profile: ContractProfile) -> str:
    kinds = ", ".join(kind.value for kind in profile.kinds) or "no canonical file"
    grain = f", grain {profile.grain}" if profile.grain else ""
    transport = f", transport {profile.transport.kind}" if profile.transport else ""
    stream = f", stream {profile.stream.stream}" if profile.stream else ""
    return (
        f"{profile.profile_id} v{profile.version} ({profile.source_type}{grain}) → "
        f"{kinds}{transport}{stream}"
    )


def _print_result(result: OnboardingResult) -> None:
    out = console if result.status in ("validated", "imported") else err_console
    colour = {"validated": "green", "imported": "green"}.get(result.status, "red")
    suffix = " (dry run: nothing written)" if result.dry_run else ""
    out.print(
        f"[{colour}]{result.status}[/{colour}] {escape(result.file_name)} with "
        f"{escape(result.profile_id)} v{result.profile_version}{suffix}"
    )
    if result.reason:
        out.print(f"  reason: {escape(result.reason)}")
    dropped = ", ".join(f"{reason} {n:,}" for reason, n in result.rows_dropped.items())
    out.print(
        f"  records: {result.records_in:,} in, {result.records_written:,} canonical rows "
        f"written, {result.records_rejected:,} not imported" + (f" ({dropped})" if dropped else "")
    )
    for o in result.outputs:
        counts = (
            f": {o.inserted:,} inserted, {o.updated:,} updated, {o.unchanged:,} unchanged"
            if o.inserted is not None and o.updated is not None and o.unchanged is not None
            else ""
        )
        span = f" from {o.first_date} to {o.last_date}" if o.first_date else ""
        out.print(f"  {o.kind.value}: {o.rows:,} row(s){span}{counts}")
    if result.quality:
        table = Table(title="Quality checks", title_justify="left")
        for name in ("check", "value", "threshold", "result", "failing"):
            table.add_column(name, justify="left" if name == "check" else "right")
        for q in result.quality:
            table.add_row(
                q.name,
                "-" if q.value is None else f"{q.value:.4f}",
                f"{q.comparison} {q.threshold:g}",
                "pass" if q.passed else "[red]FAIL[/red]",
                f"{q.failing_rows:,}",
            )
        out.print(table)
    for problem in result.problems[:_SHOWN_PROBLEMS]:
        where = f"line {problem.line}" if problem.line else "file"
        column = f", column {problem.column!r}" if problem.column else ""
        value = f", value {problem.value!r}" if problem.value is not None else ""
        out.print(
            escape(
                f"  [{problem.severity}] {where}{column}{value}: {problem.message} ({problem.rule})"
            )
        )
    if result.problem_count > min(len(result.problems), _SHOWN_PROBLEMS):
        out.print(f"  … {result.problem_count:,} problem(s) in all; see the report for the list")
    for note in result.notes:
        out.print(escape(f"  note: {note}"))
    for path in result.artifacts:
        out.print(escape(f"  artifact: {path}"))
    if result.sync_id:
        out.print(f"  sync log: {result.sync_id}")
