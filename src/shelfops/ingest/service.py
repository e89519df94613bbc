"""Ingesting the canonical files: validate everything, then write all or nothing.

Services flush, never commit. A rejected file raises :class:`IngestRejected` (a 422
``ValidationFailed``) carrying its report; by then nothing has been written to the
domain tables (catalog files are validated before any write; time series are staged in a
TEMP table and merged only when the whole file is valid), and the caller's rollback
discards the rest. Because the rollback would also discard a sync-log row, the edge
records the rejection in a transaction of its own (:func:`record_rejection`, used by
:mod:`shelfops.ingest.runs`).

Re-ingesting a file changes nothing: rows are upserted on their natural keys and an
unchanged row is not rewritten.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import time
import uuid
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

import polars as pl
from sqlalchemy.ext.asyncio import AsyncSession

from shelfops.ingest import reader, repository
from shelfops.ingest.schemas import (
    LOAD_ORDER,
    SPECS,
    FileSpec,
    IngestKind,
    IngestReport,
    Phase,
    Problem,
    Progress,
    ProgressCallback,
    Rule,
)
from shelfops.ingest.validate import (
    Lookup,
    ProblemLog,
    check_header,
    file_problem,
    find_duplicate_keys,
    validate_chunk,
)
from shelfops.kit.errors import ValidationFailed
from shelfops.kit.locks import CATALOG, hold_tenant_lock
from shelfops.models.base import utcnow

DEFAULT_CHUNK_ROWS = 500_000
# How many listed problems a rejected run keeps in its sync-log metadata.
_LOGGED_PROBLEMS = 10


class IngestRejected(ValidationFailed):
    """A file failed validation; nothing was written. ``detail`` is the report."""

    def __init__(self, report: IngestReport) -> None:
        super().__init__(report.model_dump(mode="json"))
        self.report = report

    @property
    def name(self) -> str:
        """Shown to clients as the generic validation error."""
        return "ValidationFailed"


@dataclass
class _Run:
    """State of one file run."""

    spec: FileSpec
    file_name: str
    started_at: dt.datetime
    clock: float
    problems: ProblemLog
    on_progress: ProgressCallback | None
    rows: int = 0
    rows_total: int | None = None

    def progress(self, phase: Phase) -> None:
        if self.on_progress is not None:
            self.on_progress(
                Progress(
                    kind=self.spec.kind,
                    phase=phase,
                    rows_done=self.rows,
                    rows_total=self.rows_total,
                )
            )

    def report(self, *, inserted: int = 0, updated: int = 0) -> IngestReport:
        rejected = bool(self.problems)
        return IngestReport(
            kind=self.spec.kind,
            file_name=self.file_name,
            status="rejected" if rejected else "loaded",
            rows_received=self.rows,
            inserted=inserted,
            updated=updated,
            unchanged=0 if rejected else self.rows - inserted - updated,
            problem_count=self.problems.total,
            problem_counts=dict(self.problems.counts),
            problems=self.problems.sorted_problems(),
            problems_truncated=self.problems.total > len(self.problems.listed),
            started_at=self.started_at,
            completed_at=utcnow(),
            seconds=round(time.perf_counter() - self.clock, 3),
        )

    def reject(self) -> IngestRejected:
        return IngestRejected(self.report())


async def ingest_file(
    session: AsyncSession,
    *,
    customer_id: uuid.UUID,
    kind: IngestKind,
    path: Path,
    file_name: str | None = None,
    on_progress: ProgressCallback | None = None,
    chunk_rows: int = DEFAULT_CHUNK_ROWS,
    record_run: bool = True,
) -> IngestReport:
    """Validate the canonical file ``path`` of ``kind`` and upsert it for the tenant.

    Raises :class:`IngestRejected` listing every problem (by data row, file line, column,
    value and rule) when anything is wrong; nothing is written then. On success records
    the run in ``integration_sync_log`` and returns the report (inserted, updated and
    unchanged rows). ``file_name`` names the file in the report (default: the path's).
    The session must be bound to ``customer_id``. ``record_run=False`` leaves the sync
    log to a caller that records the run as a whole (onboarding logs one row per source
    file, not one per canonical file it produced).
    """
    _check_tenant(session, customer_id)
    spec = SPECS[kind]
    run = _Run(
        spec=spec,
        file_name=file_name or path.name,
        started_at=utcnow(),
        clock=time.perf_counter(),
        problems=ProblemLog(columns=spec.column_names),
        on_progress=on_progress,
    )
    try:
        header = await asyncio.to_thread(reader.read_header, path)
    except reader.UnreadableFile as exc:
        run.problems.add(Problem(rule=Rule.MALFORMED_CSV, line=exc.line, message=exc.message))
        raise run.reject() from None
    if header is None:
        run.problems.add(file_problem(Rule.EMPTY_FILE, "the file is empty (not even a header)"))
        raise run.reject()
    for problem in check_header(spec, header.columns):
        run.problems.add(problem)
    if run.problems:
        raise run.reject()

    # Codes are resolved under the tenant's catalog lock (shared), so a store or product
    # deleted meanwhile either waits for this file or is gone before its code is looked
    # up; no row is written for a deleted code. A catalog file also takes its table's
    # load lock now, so that its inserted/updated counts (from the rows stored before
    # the upsert) cannot be skewed by a concurrent load of the same table.
    await hold_tenant_lock(session, customer_id, CATALOG, shared=True)
    if spec.is_catalog:
        await hold_tenant_lock(session, customer_id, repository.load_lock(spec))
    lookups = {
        column.references: await repository.lookup(
            session, customer_id=customer_id, kind=column.references
        )
        for column in spec.columns
        if column.references is not None
    }
    try:
        if spec.is_catalog:
            inserted, updated = await _ingest_catalog(
                session, run, customer_id=customer_id, path=path, header=header, lookups=lookups
            )
        else:
            inserted, updated = await _ingest_series(
                session,
                run,
                customer_id=customer_id,
                path=path,
                header=header,
                lookups=lookups,
                chunk_rows=chunk_rows,
            )
    except reader.UnreadableFile as exc:
        run.problems.add(Problem(rule=Rule.MALFORMED_CSV, line=exc.line, message=exc.message))
        raise run.reject() from None

    report = run.report(inserted=inserted, updated=updated)
    if not record_run:
        run.progress("done")
        return report
    report.sync_id = await repository.add_sync_log(
        session,
        customer_id=customer_id,
        name=report.file_name,
        sync_type=spec.kind.value,
        status="success",
        received=report.rows_received,
        synced=report.rows_received,
        started_at=report.started_at,
        completed_at=report.completed_at,
        error_message=None,
        metadata={
            "inserted": report.inserted,
            "updated": report.updated,
            "unchanged": report.unchanged,
            "seconds": report.seconds,
        },
    )
    run.progress("done")
    return report


async def ingest_directory(
    session: AsyncSession,
    *,
    customer_id: uuid.UUID,
    directory: Path,
    on_progress: ProgressCallback | None = None,
    chunk_rows: int = DEFAULT_CHUNK_ROWS,
) -> list[IngestReport]:
    """Ingest the canonical files found in ``directory`` in load order (suppliers →
    stores → products → sales → inventory), all in the caller's transaction.

    Absent files are skipped; other ``*.csv`` files are an error (they would otherwise be
    silently ignored). The first rejected file raises :class:`IngestRejected`, and since
    everything ran in one transaction the caller's rollback leaves the tenant's data as it
    was: a directory loads all or nothing.
    """
    present = await asyncio.to_thread(_canonical_files, directory)
    return [
        await ingest_file(
            session,
            customer_id=customer_id,
            kind=kind,
            path=path,
            on_progress=on_progress,
            chunk_rows=chunk_rows,
        )
        for kind, path in present
    ]


def _canonical_files(directory: Path) -> list[tuple[IngestKind, Path]]:
    """The canonical files in ``directory``, in load order; other CSV files are an error."""
    if not directory.is_dir():
        raise ValidationFailed({"directory": str(directory), "message": "not a directory"})
    known = {SPECS[kind].file_name for kind in LOAD_ORDER}
    strangers = sorted(
        p.name for p in directory.iterdir() if p.suffix.lower() == ".csv" and p.name not in known
    )
    present = [
        (kind, directory / SPECS[kind].file_name)
        for kind in LOAD_ORDER
        if (directory / SPECS[kind].file_name).is_file()
    ]
    names = ", ".join(SPECS[kind].file_name for kind in LOAD_ORDER)
    if strangers:
        raise ValidationFailed(
            {
                "directory": str(directory),
                "unexpected_files": strangers,
                "message": f"a directory holds only the canonical files: {names}",
            }
        )
    if not present:
        raise ValidationFailed(
            {
                "directory": str(directory),
                "message": f"no canonical file found; expected one or more of: {names}",
            }
        )
    return present


async def record_rejection(
    session: AsyncSession, *, customer_id: uuid.UUID, report: IngestReport
) -> uuid.UUID:
    """Record a rejected run in ``integration_sync_log`` (call it in a fresh transaction,
    after the rejected one was rolled back); returns the log row's id."""
    _check_tenant(session, customer_id)
    counts = ", ".join(f"{rule.value}: {n}" for rule, n in sorted(report.problem_counts.items()))
    return await repository.add_sync_log(
        session,
        customer_id=customer_id,
        name=report.file_name,
        sync_type=report.kind.value,
        status="rejected",
        received=report.rows_received,
        synced=0,
        started_at=report.started_at,
        completed_at=report.completed_at,
        error_message=f"rejected, nothing written: {report.problem_count} problem(s) ({counts})",
        metadata={
            "problem_counts": {rule.value: n for rule, n in report.problem_counts.items()},
            "problems": [p.model_dump(mode="json") for p in report.problems[:_LOGGED_PROBLEMS]],
        },
    )


async def record_failure(
    session: AsyncSession,
    *,
    customer_id: uuid.UUID,
    name: str,
    sync_type: str,
    started_at: dt.datetime,
    error: BaseException,
) -> uuid.UUID:
    """Record a run that crashed (not a validation problem) in ``integration_sync_log``.

    Only the error's type is stored: database messages can carry SQL and values.
    """
    _check_tenant(session, customer_id)
    return await repository.add_sync_log(
        session,
        customer_id=customer_id,
        name=name,
        sync_type=sync_type,
        status="failed",
        received=0,
        synced=0,
        started_at=started_at,
        completed_at=utcnow(),
        error_message=f"failed with {type(error).__name__}; nothing written (see server logs)",
        metadata={"error_type": type(error).__name__},
    )


# ---------------------------------------------------------------------------------------
# Catalog files: small, read whole, validated, then upserted.
# ---------------------------------------------------------------------------------------


async def _ingest_catalog(
    session: AsyncSession,
    run: _Run,
    *,
    customer_id: uuid.UUID,
    path: Path,
    header: reader.Header,
    lookups: dict[IngestKind, Lookup],
) -> tuple[int, int]:
    spec = run.spec
    frame = await asyncio.to_thread(reader.read_all, path, header.columns)
    run.rows = run.rows_total = frame.height
    if frame.height == 0:
        run.problems.add(file_problem(Rule.HEADER_ONLY, "the file has a header but no rows"))
        raise run.reject()
    run.progress("validating")
    result = await asyncio.to_thread(validate_chunk, spec, frame, first_row=1, lookups=lookups)
    run.problems.merge(result.counts, result.examples)
    duplicates, examples = find_duplicate_keys(spec, result.keys, lookups=lookups)
    run.problems.merge(Counter({Rule.DUPLICATE_KEY: duplicates}), examples)
    if run.problems:
        raise run.reject()

    run.progress("writing")
    existing = await repository.lookup(session, customer_id=customer_id, kind=spec.kind)
    codes = result.typed.get_column(spec.key[0])
    inserted = int((~codes.is_in(existing.codes.implode())).sum())
    written = await repository.upsert_catalog(
        session, customer_id=customer_id, spec=spec, frame=result.typed
    )
    return inserted, written - inserted


# ---------------------------------------------------------------------------------------
# Time series: large, read in chunks; each valid chunk is staged while the next one is
# read and validated in a worker thread; the stage is merged once the whole file passed.
# ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Chunk:
    rows: int
    counts: Counter[Rule]
    examples: list[Problem]
    keys: pl.DataFrame
    first_date: dt.date | None
    last_date: dt.date | None
    payload: repository.StagePayload | None


async def _ingest_series(
    session: AsyncSession,
    run: _Run,
    *,
    customer_id: uuid.UUID,
    path: Path,
    header: reader.Header,
    lookups: dict[IngestKind, Lookup],
    chunk_rows: int,
) -> tuple[int, int]:
    spec = run.spec
    dialect = await repository.dialect_name(session)
    if run.on_progress is not None:
        run.rows_total = await asyncio.to_thread(reader.count_rows, path, header.columns)
    chunks = reader.iter_chunks(path, header.columns, chunk_rows)
    date_target = spec.column("date").target

    def prepare(first_row: int, encode: bool) -> _Chunk | None:
        # Runs in a worker thread: polars releases the GIL, so reading and validating
        # the next chunk overlaps with the database ingesting the current one.
        raw = next(chunks, None)
        if raw is None:
            return None
        result = validate_chunk(spec, raw, first_row=first_row, lookups=lookups)
        dates = result.typed.get_column(date_target)
        clean = not result.counts
        return _Chunk(
            rows=raw.height,
            counts=result.counts,
            examples=result.examples,
            keys=result.keys,
            first_date=dates.min() if clean else None,  # type: ignore[arg-type]
            last_date=dates.max() if clean else None,  # type: ignore[arg-type]
            payload=repository.encode_stage_rows(dialect, result.typed)
            if encode and clean
            else None,
        )

    stage = await repository.create_stage(session, spec)
    keys: list[pl.DataFrame] = []
    first_date: dt.date | None = None
    last_date: dt.date | None = None
    pending: asyncio.Future[_Chunk | None] | None = asyncio.ensure_future(
        asyncio.to_thread(prepare, 1, True)
    )
    try:
        while pending is not None:
            chunk = await pending
            pending = None
            if chunk is None:
                break
            run.rows += chunk.rows
            run.problems.merge(chunk.counts, chunk.examples)
            keys.append(chunk.keys)
            # Once the file is known to be bad, keep validating (to report everything)
            # but stop encoding and staging rows that will never be written.
            pending = asyncio.ensure_future(
                asyncio.to_thread(prepare, run.rows + 1, not run.problems)
            )
            if not run.problems and chunk.payload is not None:
                await repository.load_stage(session, stage, chunk.payload)
                first_date = _earlier(first_date, chunk.first_date)
                last_date = _later(last_date, chunk.last_date)
            run.progress("validating")
    finally:
        if pending is not None:
            # Never leave a worker thread reading the file behind an error.
            with contextlib.suppress(Exception):
                await pending

    if run.rows == 0:
        run.problems.add(file_problem(Rule.HEADER_ONLY, "the file has a header but no rows"))
    else:
        # Duplicates can sit in different chunks, so they are checked over the whole file.
        duplicates, examples = await asyncio.to_thread(
            find_duplicate_keys, spec, pl.concat(keys), lookups=lookups
        )
        run.problems.merge(Counter({Rule.DUPLICATE_KEY: duplicates}), examples)
    del keys
    if run.problems or first_date is None or last_date is None:
        await repository.drop_stage(session, stage)
        raise run.reject()

    run.progress("writing")
    inserted, updated = await repository.merge_stage(
        session,
        customer_id=customer_id,
        spec=spec,
        stage=stage,
        first_date=first_date,
        last_date=last_date,
    )
    await repository.drop_stage(session, stage)
    return inserted, updated


def _earlier(a: dt.date | None, b: dt.date | None) -> dt.date | None:
    return b if a is None else a if b is None else min(a, b)


def _later(a: dt.date | None, b: dt.date | None) -> dt.date | None:
    return b if a is None else a if b is None else max(a, b)


def _check_tenant(session: AsyncSession, customer_id: uuid.UUID) -> None:
    bound = session.info.get("customer_id")
    if bound != customer_id:
        # On PostgreSQL row-level security would refuse the writes anyway; fail clearly.
        raise RuntimeError(f"session is bound to tenant {bound}, not {customer_id}")
