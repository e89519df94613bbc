"""``shelfops edi …`` commands. :func:`register` adds them to the ``shelfops`` app::

    shelfops edi import FILE --source NAME [--tenant SLUG] [--ack-out FILE]

Exit code 0 when the interchange was imported, 1 when it was rejected (nothing written;
the problems are printed) or the command failed. The 997 is written to ``--ack-out``
either way (when the interchange had an ISA and a GS to acknowledge).
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.markup import escape
from rich.table import Table

from shelfops.config import Settings, get_settings
from shelfops.kit.cli import TenantOption, console, err_console, run_command
from shelfops.kit.db import sessionmaker_scope
from shelfops.tenants import admin as tenant_admin
from shelfops.tenants.service import check_name

if TYPE_CHECKING:  # the importer's modules load only when the command runs
    from shelfops.edi.schemas import EdiImportResult


def register(app: typer.Typer) -> None:
    """Add the ``edi`` command group to ``app``."""
    edi = typer.Typer(help="EDI X12: import 846/852/856/810 interchanges.", no_args_is_help=True)
    edi.command("import")(import_command)
    app.add_typer(edi, name="edi")


def import_command(
    file: Annotated[Path, typer.Argument(exists=True, dir_okay=False, help="The X12 interchange.")],
    source: Annotated[str, typer.Option("--source", help="Name of the EDI source (partner).")],
    tenant: TenantOption = None,
    ack_out: Annotated[
        Path | None, typer.Option("--ack-out", dir_okay=False, help="Write the 997 here.")
    ] = None,
) -> None:
    """Import one X12 interchange (846, 852, 856, 810) into a tenant, all or nothing."""
    # The 997 is written after the import has committed, so a folder it cannot go to must
    # stop the command before anything is imported.
    if ack_out is not None and not os.access(ack_out.absolute().parent, os.W_OK | os.X_OK):
        raise typer.BadParameter(
            f"cannot write {ack_out}: its folder does not exist or is not writable",
            param_hint="'--ack-out'",
        )
    result = run_command(_import(get_settings(), tenant, file, source))
    if ack_out is not None and result.ack_997:
        ack_out.write_text(result.ack_997, encoding="ascii")
        err_console.print(f"997 written to {escape(str(ack_out))}")
    if result.status == "rejected":
        _print_rejection(result)
        raise typer.Exit(1)
    console.print(_summary(result))


async def _import(
    settings: Settings, tenant_ref: str | None, file: Path, source: str
) -> EdiImportResult:
    from shelfops.edi.service import import_edi_file

    # The name goes to the sync log and sync health, as a tenant's or a key's name does.
    source = check_name("source", source)
    customer = await tenant_admin.resolve_tenant(settings, tenant_ref)
    async with sessionmaker_scope(settings) as sessionmaker:
        return await import_edi_file(
            sessionmaker, customer_id=customer.customer_id, path=file, source_name=source
        )


def _summary(result: EdiImportResult) -> Table:
    table = Table(title=f"EDI {result.file_name} (interchange {result.interchange_control})")
    for name in ("group", "set", "control", "records"):
        table.add_column(name, justify="right" if name == "records" else "left")
    for item in result.transaction_sets:
        table.add_row(item.group, item.transaction_set, item.control, f"{item.records:,}")
    written = ", ".join(f"{table_name} {count:,}" for table_name, count in result.written.items())
    table.caption = (
        f"{result.records_received:,} records read, {result.records_written:,} rows written "
        f"({written})"
    )
    return table


def _print_rejection(result: EdiImportResult) -> None:
    err_console.print(
        f"[red]rejected[/red] {escape(result.file_name)}: {len(result.problems)} problem(s), "
        "nothing was written"
    )
    for problem in result.problems:
        where = (
            f"segment {problem.segment_index} ({problem.segment}) at offset {problem.offset}"
            if problem.segment_index is not None
            else f"offset {problem.offset}"
        )
        if problem.element is not None:
            where += f", {problem.segment}{problem.element:02d}"
        if problem.value is not None:
            where += f" = {problem.value!r}"
        scope = f" [{problem.transaction_set}]" if problem.transaction_set else ""
        err_console.print(escape(f"  {where}{scope}: {problem.message}"))
