"""Onboarding one source file: map and validate it with its contract profile, write the
run's artifacts, and (unless it is a dry run) import it all or nothing.

The import reuses the canonical ingest: the mapped frames are written as canonical CSV
files into a scratch folder and loaded with :func:`shelfops.ingest.service.ingest_file`,
in load order and in **one** tenant transaction, so validation and upsert rules are
exactly those of ``shelfops ingest`` and a re-sent file changes nothing. The run is
recorded as one ``integration_sync_log`` row (type = the profile's source type, name =
its source name); a rejected run is recorded in a transaction of its own after the
rollback, so nothing of the file reaches the domain tables. A dry run touches no table at
all (not even the sync log: it must not count as fresh data for the sync health).
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from shelfops.ingest import repository as ingest_repository
from shelfops.ingest import service as ingest_service
from shelfops.ingest.schemas import LOAD_ORDER, SPECS, IngestKind, IngestReport
from shelfops.kit.db import tenant_transaction
from shelfops.models.base import utcnow
from shelfops.onboarding import repository
from shelfops.onboarding.artifacts import artifact_paths, write_artifacts
from shelfops.onboarding.lineage import lineage
from shelfops.onboarding.mapper import Catalog, MappedSource, map_source
from shelfops.onboarding.profiles import ContractProfile
from shelfops.onboarding.schemas import (
    KindOutcome,
    OnboardingProblem,
    OnboardingResult,
    OnboardingStatus,
    Problems,
    Severity,
)
from shelfops.onboarding.source import LINE

log = logging.getLogger(__name__)

# How many listed problems a rejected run keeps in its sync-log metadata.
_LOGGED_PROBLEMS = 10


async def onboard_file(
    sessionmaker: async_sessionmaker[AsyncSession],
    *,
    customer_id: uuid.UUID,
    profile: ContractProfile,
    source: Path,
    dry_run: bool,
    report_dir: Path | None,
    file_name: str | None = None,
) -> OnboardingResult:
    """Onboard the file ``source`` for a tenant with ``profile``.

    Maps and validates the whole file; writes the four artifacts into ``report_dir``
    when given; imports the canonical rows unless ``dry_run`` (all or nothing, upserted
    on natural keys) and records the run in ``integration_sync_log``. ``file_name``
    names the file in reports (default: the path's name).

    The result's ``status`` is ``validated`` (dry run, importable), ``imported``,
    ``rejected`` or ``requires_custom_adapter``; a bad source is a result, not an
    exception. Only programming and I/O errors raise (a crash during the import is
    recorded as a ``failed`` run first).
    """
    started_at = utcnow()
    clock = time.perf_counter()
    name = file_name or source.name
    data = await asyncio.to_thread(source.read_bytes)
    async with tenant_transaction(sessionmaker, customer_id) as session:
        catalog = await _catalog(session, customer_id, profile)
    mapped = await asyncio.to_thread(
        map_source, profile, data, catalog=catalog, today=started_at.date()
    )

    status: OnboardingStatus = "validated" if mapped.status == "ok" else mapped.status
    result = _result(profile, mapped, status, name=name, data=data, dry_run=dry_run)
    result.started_at = started_at

    if status == "validated" and not dry_run:
        result = await _import(sessionmaker, customer_id, profile, mapped, result)
    if result.status in ("rejected", "requires_custom_adapter") and not dry_run:
        result.sync_id = await _record_rejection(sessionmaker, customer_id, profile, result)

    result.completed_at = utcnow()
    result.seconds = round(time.perf_counter() - clock, 3)
    if report_dir is not None:
        result.artifacts = [str(p) for p in artifact_paths(report_dir)]
        trace = lineage(profile, source_file=name, columns=mapped.columns)
        await asyncio.to_thread(write_artifacts, report_dir, result, trace, profile.kinds)
    return result


async def _catalog(
    session: AsyncSession, customer_id: uuid.UUID, profile: ContractProfile
) -> Catalog:
    lookups = {
        kind: await ingest_repository.lookup(session, customer_id=customer_id, kind=kind)
        for kind in (IngestKind.SUPPLIERS, IngestKind.STORES, IngestKind.PRODUCTS)
    }
    zones = (
        await repository.store_timezones(session, customer_id=customer_id)
        if profile.timezone.business_day == "store"
        else {}
    )
    return Catalog(lookups=lookups, store_timezones=zones)


def _result(
    profile: ContractProfile,
    mapped: MappedSource,
    status: OnboardingStatus,
    *,
    name: str,
    data: bytes,
    dry_run: bool,
) -> OnboardingResult:
    problems = mapped.problems
    failed = status in ("rejected", "requires_custom_adapter")
    now = utcnow()
    return OnboardingResult(
        status=status,
        dry_run=dry_run,
        reason=mapped.reason,
        profile_id=profile.profile_id,
        profile_version=profile.version,
        source_name=profile.source_name,
        source_type=profile.source_type.value,
        grain=profile.grain.value if profile.grain else None,
        file_name=name,
        file_sha256=hashlib.sha256(data).hexdigest(),
        size_bytes=len(data),
        records_in=mapped.records_in,
        records_rejected=mapped.records_in if failed else mapped.records_dropped,
        rows_dropped=mapped.rows_dropped,
        outputs=mapped.outputs,
        quality=mapped.quality,
        problem_count=problems.total,
        problem_counts=dict(problems.counts),
        problems=problems.sorted(),
        problems_truncated=problems.total > len(problems.listed),
        notes=mapped.notes,
        started_at=now,
        completed_at=now,
    )


async def _import(
    sessionmaker: async_sessionmaker[AsyncSession],
    customer_id: uuid.UUID,
    profile: ContractProfile,
    mapped: MappedSource,
    result: OnboardingResult,
) -> OnboardingResult:
    """Load the canonical frames in one transaction and log the run in it."""
    try:
        async with tenant_transaction(sessionmaker, customer_id) as session:
            reports = await _load(session, customer_id, mapped, result.file_name)
            result.status = "imported"
            result.records_written = sum(r.rows_received for r in reports)
            result.outputs = [_with_counts(o, reports) for o in result.outputs]
            result.sync_id = await ingest_repository.add_sync_log(
                session,
                customer_id=customer_id,
                integration_type=profile.source_type.value,
                name=profile.source_name,
                sync_type=_sync_type(profile),
                status="success",
                received=result.records_in,
                synced=result.records_written,
                started_at=result.started_at,
                completed_at=utcnow(),
                error_message=None,
                metadata=_metadata(result),
            )
        return result
    except ingest_service.IngestRejected as exc:
        # The mapper checks the canonical rules itself, so this means the catalog changed
        # between the check and the import (e.g. a store was deleted meanwhile).
        return _rejected_by_ingest(result, mapped, exc.report)
    except Exception as exc:
        await _record_failure(sessionmaker, customer_id, profile, result, exc)
        raise


async def _load(
    session: AsyncSession, customer_id: uuid.UUID, mapped: MappedSource, file_name: str
) -> list[IngestReport]:
    reports: list[IngestReport] = []
    with tempfile.TemporaryDirectory(prefix="shelfops-onboard-") as scratch:
        for kind in LOAD_ORDER:
            frame = mapped.frames.get(kind)
            if frame is None:
                continue
            path = Path(scratch) / SPECS[kind].file_name
            await asyncio.to_thread(frame.drop(LINE).write_csv, path)
            reports.append(
                await ingest_service.ingest_file(
                    session,
                    customer_id=customer_id,
                    kind=kind,
                    path=path,
                    file_name=f"{file_name} ({kind.value})",
                    record_run=False,
                )
            )
    return reports


def _with_counts(outcome: KindOutcome, reports: list[IngestReport]) -> KindOutcome:
    for report in reports:
        if report.kind is outcome.kind:
            return outcome.model_copy(
                update={
                    "inserted": report.inserted,
                    "updated": report.updated,
                    "unchanged": report.unchanged,
                }
            )
    return outcome


def _rejected_by_ingest(
    result: OnboardingResult, mapped: MappedSource, report: IngestReport
) -> OnboardingResult:
    problems = Problems()
    lines = mapped.frames[report.kind].get_column(LINE)
    for problem in report.problems:
        line = int(lines[problem.row - 1]) if problem.row and problem.row <= len(lines) else None
        problems.add(
            OnboardingProblem(
                rule=problem.rule.value,
                severity=Severity.ERROR,
                line=line,
                field=f"{report.kind.value}.{problem.column}" if problem.column else None,
                value=problem.value,
                message=f"{problem.message} (canonical {report.kind.value})",
            )
        )
    problems.count(
        "canonical", report.problem_count - len(report.problems), severity=Severity.ERROR
    )
    return result.model_copy(
        update={
            "status": "rejected",
            "reason": f"the canonical {report.kind.value} rows were rejected on import "
            f"({report.problem_count} problem(s)); nothing was written",
            "records_written": 0,
            "records_rejected": result.records_in,
            "problem_count": problems.total,
            "problem_counts": dict(problems.counts),
            "problems": problems.sorted(),
            "problems_truncated": problems.total > len(problems.listed),
        }
    )


def _sync_type(profile: ContractProfile) -> str:
    kinds = "+".join(kind.value for kind in profile.kinds)
    return f"onboard:{kinds}" if kinds else "onboard"


def _metadata(result: OnboardingResult) -> dict[str, Any]:
    return {
        "status": result.status,
        "profile_id": result.profile_id,
        "profile_version": result.profile_version,
        "file_name": result.file_name,
        "file_sha256": result.file_sha256,
        "grain": result.grain,
        "outputs": {
            o.kind.value: o.model_dump(mode="json", exclude={"kind"}) for o in result.outputs
        },
        "rows_dropped": result.rows_dropped,
        "problem_counts": result.problem_counts,
        "problems": [p.model_dump(mode="json") for p in result.problems[:_LOGGED_PROBLEMS]],
    }


async def _record_rejection(
    sessionmaker: async_sessionmaker[AsyncSession],
    customer_id: uuid.UUID,
    profile: ContractProfile,
    result: OnboardingResult,
) -> uuid.UUID | None:
    """Log a rejected run in its own transaction (the import's was rolled back, or never
    began)."""
    prefix = (
        "requires a custom adapter" if result.status == "requires_custom_adapter" else "rejected"
    )
    return await _record_unwritten_run(
        sessionmaker,
        customer_id,
        profile,
        result,
        status="rejected",
        error_message=f"{prefix}, nothing written: {result.reason}",
        metadata=_metadata(result),
    )


async def _record_failure(
    sessionmaker: async_sessionmaker[AsyncSession],
    customer_id: uuid.UUID,
    profile: ContractProfile,
    result: OnboardingResult,
    error: BaseException,
) -> None:
    """Log a crashed import (only the error's type: database messages carry values)."""
    await _record_unwritten_run(
        sessionmaker,
        customer_id,
        profile,
        result,
        status="failed",
        error_message=f"failed with {type(error).__name__}; nothing written (see server logs)",
        metadata={"error_type": type(error).__name__, "file_name": result.file_name},
    )


async def _record_unwritten_run(
    sessionmaker: async_sessionmaker[AsyncSession],
    customer_id: uuid.UUID,
    profile: ContractProfile,
    result: OnboardingResult,
    *,
    status: str,
    error_message: str,
    metadata: dict[str, Any],
) -> uuid.UUID | None:
    """One sync-log row for a run that wrote nothing, in a transaction of its own. Best
    effort: a logging failure must not hide the outcome being logged."""
    try:
        async with tenant_transaction(sessionmaker, customer_id) as session:
            return await ingest_repository.add_sync_log(
                session,
                customer_id=customer_id,
                integration_type=profile.source_type.value,
                name=profile.source_name,
                sync_type=_sync_type(profile),
                status=status,
                received=result.records_in,
                synced=0,
                started_at=result.started_at,
                completed_at=utcnow(),
                error_message=error_message,
                metadata=metadata,
            )
    except Exception:
        log.exception("could not record the %s onboarding run of %s", status, result.file_name)
        return None
