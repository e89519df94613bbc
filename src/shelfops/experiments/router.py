"""HTTP routes of the experiment workflow (``/api/v1/experiments``, seed 003).

Reading needs any valid API key; proposing needs planner; deciding (approve, reject,
start, shadow, complete) needs ml_manager. Route docstrings are the OpenAPI text.
"""

from __future__ import annotations

import uuid
from typing import Annotated, Any

from fastapi import APIRouter, Body, Path, Query, status

from shelfops.api.deps import MLManagerDep, PlannerDep, SessionDep
from shelfops.experiments import service
from shelfops.experiments.schemas import (
    ExperimentApprove,
    ExperimentComplete,
    ExperimentCreate,
    ExperimentFilters,
    ExperimentPage,
    ExperimentRead,
    ExperimentReject,
    ExperimentResults,
    ExperimentShadow,
    ExperimentStart,
)
from shelfops.registry.deps import MirrorLaterDep

router = APIRouter(prefix="/experiments", tags=["experiments"])

ExperimentId = Annotated[uuid.UUID, Path(description="The experiment's id.")]

_NOT_FOUND: dict[int | str, dict[str, Any]] = {
    404: {"description": "No such experiment for this tenant (other tenants' look the same)."}
}
_DECIDE: dict[int | str, dict[str, Any]] = {
    **_NOT_FOUND,
    403: {"description": "The API key's role is below ml_manager."},
    409: {
        "description": "The experiment's status does not allow this step; the detail names "
        "the current status and the allowed next ones."
    },
}


@router.get("", operation_id="listExperiments")
async def list_experiments(
    session: SessionDep, filters: Annotated[ExperimentFilters, Query()]
) -> ExperimentPage:
    """List the tenant's experiments, newest first.

    `status` filters by status and may be repeated: the seed's "active experiments" are
    `status=proposed&status=approved&status=in_progress&status=shadow_testing`.
    """
    return await service.list_experiments(session, filters=filters)


@router.post(
    "",
    operation_id="proposeExperiment",
    status_code=status.HTTP_201_CREATED,
    responses={403: {"description": "The API key's role is below planner."}},
)
async def propose_experiment(
    principal: PlannerDep, session: SessionDep, body: ExperimentCreate
) -> ExperimentRead:
    """Propose an experiment: a hypothesis about the models to be approved or rejected
    by an ML manager. It starts in status `proposed`. Needs the planner role."""
    return await service.propose(session, data=body, actor=principal)


@router.get("/{experiment_id}", operation_id="getExperiment", responses=_NOT_FOUND)
async def get_experiment(session: SessionDep, experiment_id: ExperimentId) -> ExperimentRead:
    """One experiment with everything recorded about it."""
    return await service.get_experiment(session, experiment_id=experiment_id)


@router.patch("/{experiment_id}/approve", operation_id="approveExperiment", responses=_DECIDE)
async def approve_experiment(
    principal: MLManagerDep,
    session: SessionDep,
    experiment_id: ExperimentId,
    body: ExperimentApprove,
) -> ExperimentRead:
    """Approve a `proposed` experiment (→ `approved`, `approved_at` set). `approved_by`
    defaults to the API key's name. Needs the ml_manager role."""
    return await service.approve(session, experiment_id=experiment_id, data=body, actor=principal)


@router.patch("/{experiment_id}/reject", operation_id="rejectExperiment", responses=_DECIDE)
async def reject_experiment(
    principal: MLManagerDep,
    session: SessionDep,
    experiment_id: ExperimentId,
    body: ExperimentReject,
) -> ExperimentRead:
    """Reject a `proposed` experiment (→ `rejected`, final). Who rejected and why are
    kept in `approval_rationale` as `rejected by <who>: <why>` and in the audit log;
    `approved_by` stays empty. Needs the ml_manager role."""
    return await service.reject(session, experiment_id=experiment_id, data=body, actor=principal)


@router.patch("/{experiment_id}/start", operation_id="startExperiment", responses=_DECIDE)
async def start_experiment(
    principal: MLManagerDep,
    session: SessionDep,
    experiment_id: ExperimentId,
    body: Annotated[ExperimentStart | None, Body()] = None,
) -> ExperimentRead:
    """Mark an `approved` experiment as being implemented (→ `in_progress`). The body is
    optional and may name the `experimental_version` being built. Needs the ml_manager
    role."""
    return await service.start(session, experiment_id=experiment_id, data=body, actor=principal)


@router.patch("/{experiment_id}/shadow", operation_id="shadowTestExperiment", responses=_DECIDE)
async def shadow_test_experiment(
    principal: MLManagerDep,
    session: SessionDep,
    experiment_id: ExperimentId,
    body: ExperimentShadow,
) -> ExperimentRead:
    """Mark an `in_progress` experiment as shadow testing `experimental_version`
    (→ `shadow_testing`). Needs the ml_manager role."""
    return await service.shadow(session, experiment_id=experiment_id, data=body, actor=principal)


@router.post(
    "/{experiment_id}/complete",
    operation_id="completeExperiment",
    responses={
        **_DECIDE,
        404: {"description": "No such experiment, or the version to adopt is unknown."},
        409: {
            "description": "The experiment's status does not allow completing it, or the "
            "registry refused the promotion or rollback (archived version, already "
            "champion, no previous champion)."
        },
    },
)
async def complete_experiment(
    principal: MLManagerDep,
    session: SessionDep,
    experiment_id: ExperimentId,
    body: ExperimentComplete,
    mirror_later: MirrorLaterDep,
) -> ExperimentRead:
    """Complete an `approved`, `in_progress` or `shadow_testing` experiment with its
    decision and measured results (→ `completed`, `completed_at` set).

    `adopt` and `partial_adopt` promote `experimental_version` to champion through the
    model registry (the previous champion is archived, the decision recorded); `rollback`
    restores the previous champion; `reject` changes no model. If the registry refuses,
    nothing changes: the experiment keeps its status. Needs the ml_manager role.
    """
    completed = await service.complete(
        session, experiment_id=experiment_id, data=body, actor=principal
    )
    if completed.decision in ("adopt", "partial_adopt", "rollback"):
        mirror_later(principal.customer_id, completed.model_name)
    return completed


@router.get(
    "/{experiment_id}/results",
    operation_id="getExperimentResults",
    responses={
        **_NOT_FOUND,
        409: {"description": "The experiment is not completed, so it has no results yet."},
    },
)
async def get_experiment_results(
    session: SessionDep, experiment_id: ExperimentId
) -> ExperimentResults:
    """The decision and measured results of a `completed` experiment (409 before)."""
    return await service.get_results(session, experiment_id=experiment_id)
