"""``retrain_forecast_model``: train a candidate for one tenant and put it through the gate.

One retrain, start to end:

1. **Claim** the tenant's retrain lock by inserting a ``running`` row into
   ``model_retraining_log`` (a partial unique index allows one per tenant and model). A
   second concurrent retrain is recorded as ``skipped`` with the reason. A redelivered
   task (same ``retrain_id``, after a worker died) takes its own row over; a finished one
   is not run twice.
2. **Load** the tenant's sales (or a directory of canonical CSV files).
3. **Train** (in a thread): candidate, current champion and seasonal-naive baseline are
   backtested on the same windows; the candidate is fitted on the full history.
4. **Register** in one transaction: allocate ``v<n>``, move the staged artifact directory
   into place, insert the version, run the gate, record the decision, write the model
   card and finish the log row. Nothing of a version exists unless all of it does.
5. **Mirror** to MLflow (run, model version, aliases) and rewrite ``registry.json`` /
   ``champion.json`` from the database.

Too little history ends the run as ``skipped`` with the library's explanation; any other
error ends it as ``failed`` with the message, and is raised.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from shelfops.config import Settings
from shelfops.forecasting.errors import ForecastInputError
from shelfops.forecasting.panel import Panel
from shelfops.forecasting.pipeline import PipelineConfig
from shelfops.kit.db import tenant_transaction
from shelfops.kit.errors import BadRequest, ValidationFailed
from shelfops.models import ModelRetrainingLog, ModelStatus, ModelVersion, RetrainTrigger, RunStatus
from shelfops.models.base import utcnow
from shelfops.registry import artifacts, cards, repository, service
from shelfops.registry.gate import GatePolicy, Verdict, evaluate
from shelfops.registry.training import (
    Trained,
    config_from_dict,
    config_to_dict,
    feature_tier,
    train,
)

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class RetrainOutcome:
    """How a retrain ended (also what the Celery task returns)."""

    retrain_id: uuid.UUID
    status: RunStatus
    version: str | None = None
    model_status: str | None = None
    reasons: list[str] = field(default_factory=list)
    message: str | None = None

    def as_dict(self) -> dict[str, Any]:
        """JSON form."""
        return {
            "retrain_id": str(self.retrain_id),
            "status": self.status.value,
            "version": self.version,
            "model_status": self.model_status,
            "reasons": self.reasons,
            "message": self.message,
        }


@dataclass(frozen=True)
class _Data:
    panel: Panel
    dataset: str
    rows: int
    start: dt.date
    end: dt.date


def parse_trigger(trigger: str) -> RetrainTrigger:
    """A trigger name, or a 422 naming the allowed ones."""
    try:
        return RetrainTrigger(trigger)
    except ValueError:
        allowed = ", ".join(t.value for t in RetrainTrigger)
        raise ValidationFailed.at(
            ["body", "trigger"], f"unknown trigger {trigger!r}; expected one of {allowed}"
        ) from None


def check_model_name(name: str) -> None:
    """A model the forecasting library knows, or a 422 naming the choices (checked before a
    retrain is queued or started, so that a typo is refused rather than logged as skipped)."""
    from shelfops.forecasting.models import model_names, split_variant

    base, _ = split_variant(name)
    if name in ("auto", "ensemble") or base in model_names():
        return
    choices = ", ".join(("auto", "ensemble", *model_names()))
    raise ValidationFailed.at(
        ["body", "model"], f"unknown model {name!r}; expected one of {choices}"
    )


async def retrain_forecast_model(
    sessionmaker: async_sessionmaker[AsyncSession],
    settings: Settings,
    *,
    customer_id: uuid.UUID,
    trigger: str = RetrainTrigger.MANUAL.value,
    data_dir: Path | None = None,
    retrain_id: uuid.UUID | None = None,
    model: str | None = None,
    model_name: str = service.DEFAULT_MODEL,
    trigger_metadata: dict[str, Any] | None = None,
) -> RetrainOutcome:
    """Run one retrain of ``customer_id``'s ``model_name`` (see the module docstring)."""
    kind = parse_trigger(trigger)
    retrain_id = retrain_id or uuid.uuid4()
    claimed = await _claim(
        sessionmaker, settings, customer_id, retrain_id, kind, model_name, trigger_metadata
    )
    if claimed is not None:
        return claimed
    # Holding the lock: scratch directories of this tenant can only be leftovers of a run
    # that died (a killed worker), never of a live one.
    artifacts.discard_staging(settings.artifacts_dir, customer_id)
    try:
        data = await _load(sessionmaker, settings, customer_id, data_dir)
        candidate_config = PipelineConfig(model=model or settings.retrain_model)
        async with tenant_transaction(sessionmaker, customer_id) as session:
            current = await service.champion(session, model_name=model_name)
            champion_config = (
                config_from_dict(current.params.get("pipeline", {})) if current else None
            )
            champion_version = current.version if current else None
        trained = await asyncio.to_thread(
            train,
            data.panel,
            candidate=candidate_config,
            champion=champion_config,
            horizon=settings.retrain_horizon_days,
            windows=settings.retrain_backtest_windows,
        )
    except (ForecastInputError, BadRequest) as exc:
        return await _finish(sessionmaker, customer_id, retrain_id, RunStatus.SKIPPED, str(exc))
    except Exception as exc:
        await _finish(sessionmaker, customer_id, retrain_id, RunStatus.FAILED, repr(exc)[:2000])
        raise
    try:
        outcome = await _register(
            sessionmaker,
            settings,
            customer_id=customer_id,
            retrain_id=retrain_id,
            trigger=kind,
            model_name=model_name,
            data=data,
            trained=trained,
            config=candidate_config,
            champion_version=champion_version,
        )
    except Exception as exc:
        # e.g. the disk filled while the artifact was written: the registry is unchanged
        # (the write is atomic), and the log must not say "running" until it goes stale.
        await _finish(sessionmaker, customer_id, retrain_id, RunStatus.FAILED, repr(exc)[:2000])
        raise
    await _mirror(sessionmaker, settings, customer_id, model_name, outcome, trained, kind)
    return outcome


async def _claim(
    sessionmaker: async_sessionmaker[AsyncSession],
    settings: Settings,
    customer_id: uuid.UUID,
    retrain_id: uuid.UUID,
    trigger: RetrainTrigger,
    model_name: str,
    metadata: dict[str, Any] | None,
) -> RetrainOutcome | None:
    """Take the lock; None means "go on", an outcome means "already done / skipped"."""
    stale = utcnow() - dt.timedelta(seconds=settings.retrain_stale_after_s)
    try:
        async with tenant_transaction(sessionmaker, customer_id) as session:
            await repository.fail_stale_retrains(
                session, customer_id=customer_id, model_name=model_name, older_than=stale
            )
            existing = await repository.get_retrain(
                session, customer_id=customer_id, retrain_id=retrain_id
            )
            if existing is not None:
                if existing.status == RunStatus.RUNNING.value:
                    log.info("retrain %s redelivered: taking over its own run", retrain_id)
                    return None
                return _outcome_of(existing)
            session.add(
                ModelRetrainingLog(
                    retrain_id=retrain_id,
                    customer_id=customer_id,
                    model_name=model_name,
                    trigger_type=trigger.value,
                    trigger_metadata=metadata,
                    status=RunStatus.RUNNING.value,
                )
            )
            await session.flush()
    except IntegrityError:
        async with tenant_transaction(sessionmaker, customer_id) as session:
            running = await repository.running_retrain(
                session, customer_id=customer_id, model_name=model_name
            )
            reason = "another retrain of this tenant's model is running" + (
                f" ({running.retrain_id}, started {running.started_at:%Y-%m-%d %H:%M:%S} UTC)"
                if running
                else ""
            )
            session.add(
                ModelRetrainingLog(
                    retrain_id=retrain_id,
                    customer_id=customer_id,
                    model_name=model_name,
                    trigger_type=trigger.value,
                    trigger_metadata=metadata,
                    status=RunStatus.SKIPPED.value,
                    completed_at=utcnow(),
                    error_message=reason,
                )
            )
        return RetrainOutcome(retrain_id, RunStatus.SKIPPED, message=reason)
    return None


def _outcome_of(row: ModelRetrainingLog) -> RetrainOutcome:
    return RetrainOutcome(
        row.retrain_id,
        RunStatus(row.status),
        version=row.version_produced,
        message=row.error_message or "this retrain already ran; nothing was redone",
    )


async def _finish(
    sessionmaker: async_sessionmaker[AsyncSession],
    customer_id: uuid.UUID,
    retrain_id: uuid.UUID,
    status: RunStatus,
    message: str,
) -> RetrainOutcome:
    async with tenant_transaction(sessionmaker, customer_id) as session:
        row = await repository.get_retrain(session, customer_id=customer_id, retrain_id=retrain_id)
        if row is not None:
            row.status = status.value
            row.completed_at = utcnow()
            row.error_message = message
    log.warning("retrain %s %s: %s", retrain_id, status.value, message)
    return RetrainOutcome(retrain_id, status, message=message)


async def _load(
    sessionmaker: async_sessionmaker[AsyncSession],
    settings: Settings,
    customer_id: uuid.UUID,
    data_dir: Path | None,
) -> _Data:
    if data_dir is not None:
        from shelfops.runs.inputs import load_panel

        sales = Path(data_dir) / "sales.csv"
        if not sales.is_file():
            raise BadRequest(f"data_dir {data_dir} has no sales.csv (canonical layout)")
        loaded = await asyncio.to_thread(load_panel, sales, "D")
        dates = loaded.panel.dates
        return _Data(
            loaded.panel, str(data_dir), loaded.frame.height, dates[0].item(), dates[-1].item()
        )
    from shelfops.sales.history import load_history

    async with tenant_transaction(sessionmaker, customer_id) as session:
        history = await load_history(session, days=settings.retrain_history_days)
    return _Data(history.panel, "tenant database", history.frame.height, history.start, history.end)


async def _register(
    sessionmaker: async_sessionmaker[AsyncSession],
    settings: Settings,
    *,
    customer_id: uuid.UUID,
    retrain_id: uuid.UUID,
    trigger: RetrainTrigger,
    model_name: str,
    data: _Data,
    trained: Trained,
    config: PipelineConfig,
    champion_version: str | None,
) -> RetrainOutcome:
    root = settings.artifacts_dir
    tier = feature_tier(config)
    metrics = {**trained.candidate, "tier": tier}
    stored_config = {
        "pipeline": config_to_dict(config),
        "horizon_days": settings.retrain_horizon_days,
        "backtest_windows": settings.retrain_backtest_windows,
        "backtest_cutoffs": trained.cutoffs,
        "choice": trained.summary.get("choice", {}),
    }
    scratch = await asyncio.to_thread(
        artifacts.stage,
        root,
        customer_id,
        pipeline=trained.pipeline,
        metrics={
            "candidate": trained.candidate,
            "champion": trained.champion,
            "baseline": trained.baseline,
            "segments": trained.segments,
        },
        config=stored_config,
        feature_importance=trained.importance,
    )
    published: Path | None = None
    try:
        async with tenant_transaction(sessionmaker, customer_id) as session:
            version = await repository.next_version(
                session, customer_id=customer_id, model_name=model_name
            )
            target = artifacts.version_dir(root, customer_id, model_name, version)
            published = artifacts.publish(scratch, target)
            row = ModelVersion(
                customer_id=customer_id,
                model_name=model_name,
                version=version,
                status=ModelStatus.CANDIDATE.value,
                feature_tier=tier,
                dataset=data.dataset,
                metrics=metrics,
                params=stored_config,
                artifact_path=str(published),
                training_window_start=data.start,
                training_window_end=data.end,
            )
            session.add(row)
            await session.flush()
            verdict = evaluate(
                trigger=trigger.value,
                candidate=trained.candidate,
                champion=trained.champion,
                baseline=trained.baseline,
                policy=GatePolicy(
                    settings.promotion_min_improvement, settings.promotion_business_tolerance
                ),
            )
            verdict.checks["champion_version"] = champion_version
            await service.apply_verdict(session, row, verdict=verdict, trigger=trigger.value)
            await _announce(session, row, verdict, trigger, retrain_id)
            artifacts.write_text(
                published / artifacts.CARD_FILE,
                _card(row, data, trained, verdict, trigger, retrain_id, customer_id),
            )
            log_row = await repository.get_retrain(
                session, customer_id=customer_id, retrain_id=retrain_id
            )
            if log_row is not None:
                log_row.status = RunStatus.COMPLETED.value
                log_row.version_produced = version
                log_row.completed_at = utcnow()
    except BaseException:
        artifacts.discard(published or scratch)
        raise
    return RetrainOutcome(
        retrain_id,
        RunStatus.COMPLETED,
        version=version,
        model_status=row.status,
        reasons=verdict.reasons,
    )


async def _announce(
    session: AsyncSession,
    row: ModelVersion,
    verdict: Verdict,
    trigger: RetrainTrigger,
    retrain_id: uuid.UUID,
) -> None:
    """An ML alert for people: a new champion (info) or a challenger to review (warning)."""
    from shelfops.models import Severity
    from shelfops.monitoring.alerts_service import raise_alert

    promoted = verdict.promoted
    await raise_alert(
        session,
        alert_type="model_promoted" if promoted else "challenger_ready",
        severity=Severity.INFO if promoted else Severity.WARNING,
        title=(
            f"{row.model_name} {row.version} is the new champion"
            if promoted
            else f"{row.model_name} {row.version} awaits review as challenger"
        ),
        message=f"{trigger.value} retrain: " + "; ".join(verdict.reasons),
        dedupe_key=f"retrain:{row.model_name}:{row.version}",
        metadata={
            "version": row.version,
            "retrain_id": str(retrain_id),
            "trigger": trigger.value,
            "checks": verdict.checks,
        },
        action_url="/api/v1/models/history",
    )


def _card(
    row: ModelVersion,
    data: _Data,
    trained: Trained,
    verdict: Verdict,
    trigger: RetrainTrigger,
    retrain_id: uuid.UUID,
    customer_id: uuid.UUID,
) -> str:
    choice = "; ".join(
        f"{segment}: {c.get('model')}" for segment, c in trained.summary.get("choice", {}).items()
    )
    comparison = {
        "candidate": trained.candidate,
        "champion": trained.champion,
        "seasonal naive": trained.baseline,
    }
    return cards.render(
        {
            "model_name": row.model_name,
            "version": row.version,
            "status": row.status,
            "tenant": str(customer_id),
            "mlflow_run_id": row.mlflow_run_id or "recorded after registration",
            "model_config": row.params["pipeline"]["model"],
            "feature_tier": row.feature_tier or "none",
            "retrain_id": str(retrain_id),
            "trigger": trigger.value,
            "choice": choice or "—",
            "horizon": row.params["horizon_days"],
            "dataset": data.dataset,
            "window_start": data.start.isoformat(),
            "window_end": data.end.isoformat(),
            "series": data.panel.n_series,
            "rows": data.rows,
            "windows": row.params["backtest_windows"],
            "comparison_table": cards.comparison_table(comparison),
            "segment_table": cards.segment_table(trained.segments),
            "decision": f"**{verdict.status.value}** — " + "; ".join(verdict.reasons),
            "config": row.params,
        }
    )


async def _mirror(
    sessionmaker: async_sessionmaker[AsyncSession],
    settings: Settings,
    customer_id: uuid.UUID,
    model_name: str,
    outcome: RetrainOutcome,
    trained: Trained,
    trigger: RetrainTrigger,
) -> None:
    """MLflow run + model version + aliases, then the registry files. The database is
    already committed: a failure here is logged and repaired by the next sync."""
    from shelfops.registry import mirror

    await mirror.track_version(
        sessionmaker,
        settings,
        customer_id=customer_id,
        model_name=model_name,
        version=outcome.version or "",
        trigger=trigger.value,
        trained=trained,
    )
    await mirror.sync(sessionmaker, settings, customer_id=customer_id, model_name=model_name)
