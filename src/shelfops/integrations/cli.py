"""The ``shelfops sync`` commands: run a tenant's integrations now, in this process.

``shelfops.cli`` calls :func:`register` to mount them. Each command is a plain typer
command on :data:`sync_app` that resolves the tenant, calls a service inside
:func:`run_command` (deliberate errors become one line on stderr and exit code 1) and
prints what happened::

    shelfops sync poll [--tenant SLUG] [--source NAME] [--retry-failed]
    shelfops sync consume [--tenant SLUG] [--source NAME] [--max-events N]
"""

from __future__ import annotations

from typing import Annotated, Any, TypeVar

import typer
from rich.markup import escape

from shelfops.config import Settings, get_settings
from shelfops.kit.cli import TenantOption, console, err_console, run_command
from shelfops.kit.db import sessionmaker_scope
from shelfops.tenants import admin as tenant_admin

T = TypeVar("T")

sync_app = typer.Typer(
    help="Run a tenant's integrations now: poll SFTP servers and inbox folders, drain "
    "event streams.",
    no_args_is_help=True,
)
SourceOption = Annotated[
    str | None, typer.Option("--source", help="Only this source (its profile's source_name).")
]


def register(app: typer.Typer) -> None:
    """Mount the ``sync`` commands on the ``shelfops`` command."""
    app.add_typer(sync_app, name="sync")


# ---------------------------------------------------------------------------------------
# shelfops sync poll
# ---------------------------------------------------------------------------------------


@sync_app.command("poll")
def poll_command(
    tenant: TenantOption = None,
    source: SourceOption = None,
    retry_failed: Annotated[
        bool,
        typer.Option(
            "--retry-failed",
            help="Process files again that were rejected or failed (same content).",
        ),
    ] = False,
) -> None:
    """Fetch, import and archive the new files of a tenant's SFTP and inbox sources.

    Exits 1 when a source could not be reached or a file was rejected or failed.
    """
    settings = get_settings()
    slug, reports = run_command(_poll(settings, tenant, source, retry_failed))
    if not reports:
        console.print(
            f"tenant {escape(slug)} has no source with a transport "
            f"(profiles in {escape(str(settings.contracts_dir / slug))})"
        )
        return
    for report in reports:
        _print_poll(report)
    if not all(report.ok for report in reports):
        raise typer.Exit(1)


async def _poll(
    settings: Settings, tenant_ref: str | None, source: str | None, retry_failed: bool
) -> tuple[str, list[Any]]:
    from shelfops.integrations.polling import poll_tenant

    customer = await tenant_admin.resolve_tenant(settings, tenant_ref)
    async with sessionmaker_scope(settings) as sessionmaker:
        reports = await poll_tenant(
            sessionmaker,
            settings,
            customer.customer_id,
            customer.slug,
            source_name=source,
            retry_failed=retry_failed,
        )
    return customer.slug, list(reports)


def _print_poll(report: Any) -> None:
    counts = ", ".join(
        f"{report.count(status)} {status}"
        for status in ("imported", "rejected", "failed", "skipped")
        if report.count(status)
    )
    console.print(
        f"[bold]{escape(report.source_name)}[/bold] ({escape(report.where)}): "
        f"{counts or 'no files'}"
    )
    for outcome in report.files:
        parts = [f"{outcome.status:<8}", outcome.file_name]
        if outcome.status == "imported":
            parts.append(f"{outcome.records_written:,} records")
        if outcome.reason:
            parts.append(outcome.reason)
        if outcome.archived_to:
            parts.append(f"archived to {outcome.archived_to}")
        if outcome.note:
            parts.append(outcome.note)
        if outcome.report_dir and outcome.status != "skipped":
            parts.append(f"report {outcome.report_dir}")
        line = "  " + " · ".join(parts)
        target = err_console if outcome.status in {"rejected", "failed"} else console
        target.print(escape(line))
    if report.error:
        err_console.print(f"  [red]error[/red] {escape(report.error)}")


# ---------------------------------------------------------------------------------------
# shelfops sync consume
# ---------------------------------------------------------------------------------------


@sync_app.command("consume")
def consume_command(
    tenant: TenantOption = None,
    source: SourceOption = None,
    max_events: Annotated[
        int | None,
        typer.Option("--max-events", min=1, help="Stop after this many entries per source."),
    ] = None,
) -> None:
    """Drain a tenant's event streams once: apply sale and inventory-adjustment events.

    Exits 1 when a source's run failed (its entries stay pending and are read again).
    """
    from shelfops.integrations.events import consume_command as consume
    from shelfops.integrations.events import report_table

    reports = run_command(
        consume(get_settings(), tenant_ref=tenant, source=source, max_events=max_events)
    )
    console.print(report_table(reports))
    for report in reports:
        for letter in report.dead_letters:
            err_console.print(
                f"[yellow]dead letter[/yellow] {letter.entry_id} ({letter.event_id or '-'}): "
                f"{escape(letter.reason)}"
            )
    if not all(report.ok for report in reports):
        raise typer.Exit(1)
