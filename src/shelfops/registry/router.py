"""``/api/v1/models``: health, backtests, history, promotion, rollback, retrains (seed 003).

Reads need any valid API key; promotion, rollback, shadowing, archiving and queueing a
retrain need ``ml_manager`` or ``admin``. Nothing here imports the ML stack: training runs
on the worker (or, embedded, in-process after the response), never inside the request.
"""

from __future__ import annotations

import pathlib
import uuid
from typing import Annotated, Any

from fastapi import APIRouter, BackgroundTasks, Path, Query, status
from sqlalchemy.ext.asyncio import AsyncSession

from shelfops.api.deps import (
    EndRequestTransaction,
    MLManagerDep,
    SessionDep,
    SessionmakerDep,
    SettingsDep,
)
from shelfops.config import Settings
from shelfops.kit.db import tenant_of, tenant_transaction
from shelfops.kit.errors import NotFound
from shelfops.kit.extras import require_ml
from shelfops.models import ModelStatus
from shelfops.registry import artifacts, health, repository, service
from shelfops.registry.deps import MirrorLaterDep
from shelfops.registry.schemas import (
    BacktestSeries,
    FeatureImportance,
    HistoryParams,
    HumanDecision,
    ModelCard,
    ModelHealth,
    RetrainRead,
    RetrainRequest,
    VersionPage,
    VersionRead,
)
from shelfops.tenants import audit

router = APIRouter(prefix="/models", tags=["models"])

Version = Annotated[
    str, Path(min_length=1, max_length=32, description="A version name such as v3.")
]
ModelName = Annotated[
    str, Query(max_length=100, description="The model (default demand_forecast).")
]

_NOT_FOUND: dict[int | str, dict[str, Any]] = {404: {"description": "No such version."}}
_DECIDE: dict[int | str, dict[str, Any]] = {
    **_NOT_FOUND,
    403: {"description": "The API key's role is below ml_manager."},
    409: {"description": "Not allowed from the version's status (archived, already champion…)."},
    422: {"description": "The reason is missing."},
}


@router.get("/health", operation_id="getModelHealth")
async def get_model_health(
    session: SessionDep, settings: SettingsDep, model_name: ModelName = service.DEFAULT_MODEL
) -> ModelHealth:
    """Champion and challenger: version, live 7-day MAE, trend, and whether the challenger
    is eligible for promotion on its shadow forecasts."""
    return await health.model_health(session, settings=settings, model_name=model_name)


@router.get("/history", operation_id="listModelHistory")
async def list_model_history(
    session: SessionDep, params: Annotated[HistoryParams, Query()]
) -> VersionPage:
    """Every version, newest first, with every decision about it: the gate's verdicts
    (with the numbers they compared) and people's promotions, rollbacks and archiving."""
    return await health.history(session, params=params)


@router.get("/retrains", operation_id="listRetrains")
async def list_retrains(
    session: SessionDep, limit: Annotated[int, Query(ge=1, le=500)] = 20
) -> list[RetrainRead]:
    """The latest retraining events (``model_retraining_log``), newest first."""
    rows = await repository.recent_retrains(session, customer_id=tenant_of(session), limit=limit)
    return [RetrainRead.model_validate(r) for r in rows]


@router.get("/retrains/{retrain_id}", operation_id="getRetrain", responses=_NOT_FOUND)
async def get_retrain(session: SessionDep, retrain_id: uuid.UUID) -> RetrainRead:
    """One retrain: poll this after ``POST /models/retrain``."""
    row = await repository.get_retrain(
        session, customer_id=tenant_of(session), retrain_id=retrain_id
    )
    if row is None:
        raise NotFound(f"no retrain {retrain_id} (it may not have started yet)")
    return RetrainRead.model_validate(row)


@router.post(
    "/retrain",
    operation_id="queueRetrain",
    dependencies=[EndRequestTransaction],
    status_code=status.HTTP_202_ACCEPTED,
    responses={
        403: _DECIDE[403],
        503: {
            "description": "The task queue is not reachable, or (no queue) this installation "
            "lacks the ML packages a retrain runs on."
        },
    },
)
async def queue_retrain(
    body: RetrainRequest,
    principal: MLManagerDep,
    sessionmaker: SessionmakerDep,
    settings: SettingsDep,
    background: BackgroundTasks,
) -> dict[str, str]:
    """Queue a retrain of the caller's tenant; answers at once with the retrain id to poll
    at ``/models/retrains/{id}``. The result goes through the promotion gate."""
    # Light: no ML imports at module level.
    from shelfops.registry.retrain import check_model_name, parse_trigger

    parse_trigger(body.trigger)
    if body.model is not None:
        check_model_name(body.model)
    retrain_id = uuid.uuid4()
    if settings.tasks_in_process:
        # Without a queue the retrain runs here, after the response: say now, not in a
        # failed background task, when this installation cannot train.
        require_ml("retraining without a task queue")
        from shelfops.registry.retrain import retrain_forecast_model

        background.add_task(
            retrain_forecast_model,
            sessionmaker,
            settings,
            customer_id=principal.customer_id,
            trigger=body.trigger,
            retrain_id=retrain_id,
            model=body.model,
        )
    else:
        from shelfops.kit.tasks import send
        from shelfops.registry.tasks import retrain_forecast_model as task

        send(
            task,
            args=[str(principal.customer_id)],
            kwargs={"trigger": body.trigger, "model": body.model},
            task_id=str(retrain_id),
        )
    # Recorded once the work is handed over, so the log never claims a retrain that a
    # missing broker refused.
    async with tenant_transaction(sessionmaker, principal.customer_id) as session:
        await audit.record(
            session,
            actor=principal,
            action="model.retrain",
            resource_type="retrain",
            resource_id=str(retrain_id),
            after={"status": "queued", "trigger": body.trigger, "model": body.model},
        )
    return {"retrain_id": str(retrain_id), "status": "queued"}


@router.get("/backtest/{version}", operation_id="getModelBacktest", responses=_NOT_FOUND)
async def get_model_backtest(
    session: SessionDep, version: Version, model_name: ModelName = service.DEFAULT_MODEL
) -> BacktestSeries:
    """The version's backtest time series over the last 90 days (daily T-1 results and
    the weekly 90-day backtest): MAE, MAPE, stock-out miss rate, overstock rate."""
    return await health.backtest_series(session, version=version, model_name=model_name)


@router.get(
    "/{version}/card",
    operation_id="getModelCard",
    responses={404: {"description": "No such version, or its model card file is missing."}},
)
async def get_model_card(
    session: SessionDep,
    settings: SettingsDep,
    version: Version,
    model_name: ModelName = service.DEFAULT_MODEL,
) -> ModelCard:
    """The version's model card (``model_card.md``, markdown) written when it was trained:
    data window, backtest comparison with the champion and the seasonal-naive baseline,
    per-segment metrics and the promotion gate's decision."""
    directory = await _version_dir(session, settings, version=version, model_name=model_name)
    markdown = artifacts.read_card(directory)
    if markdown is None:
        raise NotFound(
            f"model {model_name!r} version {version!r} has no model card "
            f"({artifacts.CARD_FILE} is missing from its artifact directory)"
        )
    return ModelCard(model_name=model_name, version=version, markdown=markdown)


@router.get(
    "/{version}/feature-importance", operation_id="getFeatureImportance", responses=_NOT_FOUND
)
async def get_feature_importance(
    session: SessionDep,
    settings: SettingsDep,
    version: Version,
    model_name: ModelName = service.DEFAULT_MODEL,
) -> FeatureImportance:
    """The version's global feature importance, recorded at training time: mean |SHAP|
    over a small training sample, most important first. ``available`` is false, with the
    reason, for models without trees and for versions trained before it was recorded."""
    directory = await _version_dir(session, settings, version=version, model_name=model_name)
    recorded = artifacts.read_feature_importance(directory)
    if recorded is None:
        return FeatureImportance(
            model_name=model_name,
            version=version,
            available=False,
            reason="not recorded for this version",
            features=[],
        )
    return FeatureImportance.model_validate(
        {**recorded, "model_name": model_name, "version": version}
    )


async def _version_dir(
    session: AsyncSession, settings: Settings, *, version: str, model_name: str
) -> pathlib.Path:
    """The version's artifact directory (404 for a version the tenant does not have)."""
    customer_id = tenant_of(session)
    row = await repository.get_version(
        session, customer_id=customer_id, model_name=model_name, version=version
    )
    if row is None:
        raise NotFound(f"model {model_name!r} has no version {version!r}")
    if row.artifact_path:
        return pathlib.Path(row.artifact_path)
    return artifacts.version_dir(settings.artifacts_dir, customer_id, model_name, version)


@router.post("/{version}/promote", operation_id="promoteModel", responses=_DECIDE)
async def promote_model(
    version: Version,
    body: HumanDecision,
    session: SessionDep,
    principal: MLManagerDep,
    mirror_later: MirrorLaterDep,
    model_name: ModelName = service.DEFAULT_MODEL,
) -> VersionRead:
    """Make ``version`` the champion (the current champion is archived). A person's
    decision: recorded with the reason, the caller and the gate's own verdict."""
    row = await service.promote(
        session, version=version, actor=principal, reason=body.reason, model_name=model_name
    )
    mirror_later(principal.customer_id, model_name)
    return VersionRead.model_validate(row)


@router.post("/rollback", operation_id="rollbackModel", responses=_DECIDE)
async def rollback_model(
    body: HumanDecision,
    session: SessionDep,
    principal: MLManagerDep,
    mirror_later: MirrorLaterDep,
    model_name: ModelName = service.DEFAULT_MODEL,
) -> VersionRead:
    """Return to the previous champion in one call; the current one is archived."""
    row = await service.rollback(
        session, actor=principal, reason=body.reason, model_name=model_name
    )
    mirror_later(principal.customer_id, model_name)
    return VersionRead.model_validate(row)


@router.post("/{version}/shadow", operation_id="shadowModel", responses=_DECIDE)
async def shadow_model(
    version: Version,
    body: HumanDecision,
    session: SessionDep,
    principal: MLManagerDep,
    mirror_later: MirrorLaterDep,
    model_name: ModelName = service.DEFAULT_MODEL,
) -> VersionRead:
    """Put ``version`` in shadow: it forecasts beside the champion without serving."""
    row = await service.set_status(
        session,
        version=version,
        status=ModelStatus.SHADOW,
        actor=principal,
        reason=body.reason,
        model_name=model_name,
    )
    mirror_later(principal.customer_id, model_name)
    return VersionRead.model_validate(row)


@router.post("/{version}/archive", operation_id="archiveModel", responses=_DECIDE)
async def archive_model(
    version: Version,
    body: HumanDecision,
    session: SessionDep,
    principal: MLManagerDep,
    mirror_later: MirrorLaterDep,
    model_name: ModelName = service.DEFAULT_MODEL,
) -> VersionRead:
    """Reject ``version``: archived for good (kept, never deleted)."""
    row = await service.set_status(
        session,
        version=version,
        status=ModelStatus.ARCHIVED,
        actor=principal,
        reason=body.reason,
        model_name=model_name,
    )
    mirror_later(principal.customer_id, model_name)
    return VersionRead.model_validate(row)
