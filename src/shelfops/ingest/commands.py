"""What the ``shelfops ingest`` CLI command calls.

Typer stays out of this module: the CLI parses its options, resolves the tenant and calls
:func:`ingest_directory_command` (or :func:`ingest_file_command`). Progress is reported
through a plain callback; :func:`rich_progress` provides one that draws a ``rich`` progress
bar per file, and :func:`report_table` renders the reports. For example::

    with rich_progress() as progress:
        reports = asyncio.run(
            ingest_directory_command(settings, tenant.customer_id, directory, progress)
        )
    Console().print(report_table(reports))

A rejected file raises :class:`~shelfops.ingest.service.IngestRejected` (a
``ValidationFailed``) whose ``report`` lists the problems; nothing was written then.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    TaskID,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)
from rich.progress import Progress as RichProgress
from rich.table import Table

from shelfops.config import Settings
from shelfops.ingest import runs
from shelfops.ingest.schemas import IngestKind, IngestReport, Progress, ProgressCallback
from shelfops.kit.db import sessionmaker_scope


async def ingest_directory_command(
    settings: Settings,
    customer_id: uuid.UUID,
    directory: Path,
    progress: ProgressCallback | None = None,
) -> list[IngestReport]:
    """Ingest the canonical files of ``directory`` for a tenant, all or nothing.

    Builds its own engine (CLI processes own theirs), loads suppliers → stores →
    products → sales → inventory (whichever are present) in one transaction and
    returns one report per file.
    """
    async with sessionmaker_scope(settings) as sessionmaker:
        return await runs.ingest_directory(
            sessionmaker,
            customer_id=customer_id,
            directory=directory,
            on_progress=progress,
            chunk_rows=settings.ingest_chunk_rows,
        )


async def ingest_file_command(
    settings: Settings,
    customer_id: uuid.UUID,
    kind: IngestKind,
    path: Path,
    progress: ProgressCallback | None = None,
) -> IngestReport:
    """Ingest one canonical file of ``kind`` for a tenant."""
    async with sessionmaker_scope(settings) as sessionmaker:
        return await runs.ingest_file(
            sessionmaker,
            customer_id=customer_id,
            kind=kind,
            path=path,
            on_progress=progress,
            chunk_rows=settings.ingest_chunk_rows,
        )


@contextmanager
def rich_progress(console: Console | None = None) -> Iterator[ProgressCallback]:
    """A progress callback drawing one ``rich`` bar per file while the block runs."""
    columns = (
        TextColumn("{task.description:<22}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        TimeRemainingColumn(),
    )
    with RichProgress(*columns, console=console, transient=False) as bar:
        tasks: dict[IngestKind, TaskID] = {}

        def update(event: Progress) -> None:
            description = f"{event.kind.value} · {event.phase}"
            if event.kind not in tasks:
                tasks[event.kind] = bar.add_task(description, total=event.rows_total)
            task = tasks[event.kind]
            bar.update(
                task, description=description, completed=event.rows_done, total=event.rows_total
            )

        yield update


def report_table(reports: Sequence[IngestReport]) -> Table:
    """The reports as a ``rich`` table (one line per file)."""
    table = Table(title="Ingest")
    for name in ("file", "rows", "inserted", "updated", "unchanged", "seconds"):
        table.add_column(name, justify="left" if name == "file" else "right")
    for report in reports:
        table.add_row(
            report.file_name,
            f"{report.rows_received:,}",
            f"{report.inserted:,}",
            f"{report.updated:,}",
            f"{report.unchanged:,}",
            f"{report.seconds:.1f}",
        )
    return table
