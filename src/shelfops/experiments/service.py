"""The experiment workflow of seed 003.

Status flow::

    proposed ─┬─ approve ─→ approved ─ start ─→ in_progress ─ shadow ─→ shadow_testing
              └─ reject ──→ rejected (final)         │                       │
                            approved / in_progress / shadow_testing ─ complete ─→ completed

Completing is allowed straight from ``approved`` (the seed's own curl sequence is
propose → approve → complete). Any other move is a 409 naming the current status and the
statuses it may move to; the row is left as it was.

Deciding ``adopt`` or ``partial_adopt`` promotes the experimental version to champion
through the model registry, and ``rollback`` restores the previous champion, in the same
transaction as the experiment's completion: if the registry refuses (unknown version,
archived version, no previous champion) its error propagates, the request's transaction
rolls back and the experiment keeps its status.

Every change writes an audit row (``experiment.<action>``, status before and after).
Services flush, never commit: the request's transaction commits.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from shelfops.experiments import repository
from shelfops.experiments.schemas import (
    PROMOTING_DECISIONS,
    Decision,
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
from shelfops.kit.db import tenant_of
from shelfops.kit.errors import Conflict, NotFound, ValidationFailed
from shelfops.models import ExperimentStatus, ModelExperiment
from shelfops.models.base import utcnow
from shelfops.registry import repository as registry_versions
from shelfops.registry import service as registry
from shelfops.tenants import audit
from shelfops.tenants.service import Principal

RESOURCE_TYPE = "model_experiment"

S = ExperimentStatus


@dataclass(frozen=True)
class Transition:
    """One workflow action: the statuses it may start from and the status it ends in."""

    sources: tuple[ExperimentStatus, ...]
    target: ExperimentStatus


TRANSITIONS: dict[str, Transition] = {
    "approve": Transition((S.PROPOSED,), S.APPROVED),
    "reject": Transition((S.PROPOSED,), S.REJECTED),
    "start": Transition((S.APPROVED,), S.IN_PROGRESS),
    "shadow": Transition((S.IN_PROGRESS,), S.SHADOW_TESTING),
    "complete": Transition((S.APPROVED, S.IN_PROGRESS, S.SHADOW_TESTING), S.COMPLETED),
}


def next_statuses(status: ExperimentStatus) -> list[ExperimentStatus]:
    """The statuses an experiment in ``status`` may move to, in workflow order."""
    targets = {t.target for t in TRANSITIONS.values() if status in t.sources}
    return [s for s in ExperimentStatus if s in targets]


def _invalid(field: str, message: str) -> ValidationFailed:
    """A 422 naming a body field, in the same shape as the API's request-validation errors."""
    return ValidationFailed.at(["body", field], message)


async def _check_version(
    session: AsyncSession, *, model_name: str, version: str | None, field: str
) -> None:
    """A 422 naming ``field`` unless ``version`` (when given) is a version of
    ``model_name`` in the tenant's registry. Versions are per model name: ``v3`` of one
    model is not ``v3`` of another, and another tenant's versions do not count."""
    if version is None:
        return
    row = await registry_versions.get_version(
        session, customer_id=tenant_of(session), model_name=model_name, version=version
    )
    if row is None:
        raise _invalid(
            field,
            f"model {model_name!r} has no version {version!r} in this tenant's registry; "
            f"expected one of its versions (GET /api/v1/models/history?model_name={model_name})",
        )


def _snapshot(experiment: ModelExperiment) -> dict[str, Any]:
    """What the audit trail keeps of an experiment's state."""
    return {
        "status": experiment.status,
        "approved_by": experiment.approved_by,
        "experimental_version": experiment.experimental_version,
        "decision": experiment.decision,
    }


async def _experiment(
    session: AsyncSession, experiment_id: uuid.UUID, *, for_update: bool = False
) -> ModelExperiment:
    experiment = await repository.get_experiment(
        session,
        customer_id=tenant_of(session),
        experiment_id=experiment_id,
        for_update=for_update,
    )
    if experiment is None:
        # The same answer whether the id is unused or another tenant's: never reveal which.
        raise NotFound(f"no experiment with id {experiment_id}")
    return experiment


async def _begin(
    session: AsyncSession, experiment_id: uuid.UUID, action: str
) -> tuple[ModelExperiment, dict[str, Any]]:
    """Lock the experiment, check that ``action`` may run from its status, and return it
    with its state before the change (for the audit row)."""
    experiment = await _experiment(session, experiment_id, for_update=True)
    transition = TRANSITIONS[action]
    status = ExperimentStatus(experiment.status)
    if status not in transition.sources:
        allowed = ", ".join(f"'{s.value}'" for s in next_statuses(status)) or "none (final)"
        needed = " or ".join(f"'{s.value}'" for s in transition.sources)
        raise Conflict(
            f"cannot {action} experiment {experiment_id}: its status is '{status.value}' "
            f"and {action} needs {needed}. Allowed next statuses from '{status.value}': "
            f"{allowed}."
        )
    return experiment, _snapshot(experiment)


async def _finish(
    session: AsyncSession,
    experiment: ModelExperiment,
    *,
    action: str,
    actor: Principal,
    before: dict[str, Any],
    note: str | None,
    extra: dict[str, Any] | None = None,
) -> ExperimentRead:
    await repository.flush(session)
    await audit.record(
        session,
        actor=actor,
        action=f"experiment.{action}",
        resource_type=RESOURCE_TYPE,
        resource_id=str(experiment.experiment_id),
        before=before,
        after={**_snapshot(experiment), **(extra or {})},
        note=note,
    )
    return ExperimentRead.model_validate(experiment)


async def list_experiments(session: AsyncSession, *, filters: ExperimentFilters) -> ExperimentPage:
    """The tenant's experiments matching ``filters``, newest first, one page at a time."""
    rows, total = await repository.list_experiments(
        session,
        customer_id=tenant_of(session),
        statuses=[s.value for s in filters.status] if filters.status else None,
        limit=filters.limit,
        offset=filters.offset,
    )
    return ExperimentPage.build(
        map(ExperimentRead.model_validate, rows), total=total, params=filters
    )


async def get_experiment(session: AsyncSession, *, experiment_id: uuid.UUID) -> ExperimentRead:
    """One experiment of the tenant; 404 when the tenant has none with this id."""
    return ExperimentRead.model_validate(await _experiment(session, experiment_id))


async def propose(
    session: AsyncSession, *, data: ExperimentCreate, actor: Principal
) -> ExperimentRead:
    """Record a proposed experiment (status ``proposed``); ``baseline_version``, when
    given, must be a version of ``model_name`` in the tenant's registry (422 otherwise)."""
    await _check_version(
        session,
        model_name=data.model_name,
        version=data.baseline_version,
        field="baseline_version",
    )
    experiment = ModelExperiment(
        customer_id=tenant_of(session),
        status=ExperimentStatus.PROPOSED.value,
        created_at=utcnow(),
        **data.model_dump(),
    )
    await repository.add(session, experiment)
    await audit.record(
        session,
        actor=actor,
        action="experiment.propose",
        resource_type=RESOURCE_TYPE,
        resource_id=str(experiment.experiment_id),
        before=None,
        after=_snapshot(experiment),
        note=f"{data.experiment_name} (proposed by {data.proposed_by})",
    )
    return ExperimentRead.model_validate(experiment)


async def approve(
    session: AsyncSession,
    *,
    experiment_id: uuid.UUID,
    data: ExperimentApprove,
    actor: Principal,
) -> ExperimentRead:
    """Approve a proposed experiment; ``approved_by`` defaults to the API key's name."""
    experiment, before = await _begin(session, experiment_id, "approve")
    experiment.status = ExperimentStatus.APPROVED.value
    experiment.approved_by = data.approved_by or actor.key_name
    experiment.approval_rationale = data.rationale
    experiment.approved_at = utcnow()
    return await _finish(
        session, experiment, action="approve", actor=actor, before=before, note=data.rationale
    )


async def reject(
    session: AsyncSession,
    *,
    experiment_id: uuid.UUID,
    data: ExperimentReject,
    actor: Principal,
) -> ExperimentRead:
    """Reject a proposed experiment (final).

    ``approved_by`` and ``approved_at`` stay empty: they mean approval, and the seed's
    "active experiments" query reads ``approved_by``. Who rejected and why go into
    ``approval_rationale`` as ``rejected by <who>: <why>`` — the manager's decision
    record, next to where an approval's rationale would be — and into the audit row,
    which also carries the API key and the time.
    """
    experiment, before = await _begin(session, experiment_id, "reject")
    rejected_by = data.rejected_by or actor.key_name
    experiment.status = ExperimentStatus.REJECTED.value
    experiment.approval_rationale = f"rejected by {rejected_by}: {data.rationale}"
    return await _finish(
        session,
        experiment,
        action="reject",
        actor=actor,
        before=before,
        note=experiment.approval_rationale,
        extra={"rejected_by": rejected_by},
    )


async def start(
    session: AsyncSession,
    *,
    experiment_id: uuid.UUID,
    data: ExperimentStart | None,
    actor: Principal,
) -> ExperimentRead:
    """Mark an approved experiment as being implemented (``in_progress``), optionally
    naming the version being built (a version of the experiment's model in the tenant's
    registry; 422 otherwise)."""
    experiment, before = await _begin(session, experiment_id, "start")
    if data is not None:
        await _check_version(
            session,
            model_name=experiment.model_name,
            version=data.experimental_version,
            field="experimental_version",
        )
    experiment.status = ExperimentStatus.IN_PROGRESS.value
    if data is not None and data.experimental_version is not None:
        experiment.experimental_version = data.experimental_version
    return await _finish(session, experiment, action="start", actor=actor, before=before, note=None)


async def shadow(
    session: AsyncSession,
    *,
    experiment_id: uuid.UUID,
    data: ExperimentShadow,
    actor: Principal,
) -> ExperimentRead:
    """Mark an in-progress experiment as shadow testing ``experimental_version`` (a
    version of the experiment's model in the tenant's registry; 422 otherwise)."""
    experiment, before = await _begin(session, experiment_id, "shadow")
    await _check_version(
        session,
        model_name=experiment.model_name,
        version=data.experimental_version,
        field="experimental_version",
    )
    experiment.status = ExperimentStatus.SHADOW_TESTING.value
    experiment.experimental_version = data.experimental_version
    return await _finish(
        session, experiment, action="shadow", actor=actor, before=before, note=None
    )


def _decided_version(experiment: ModelExperiment, data: ExperimentComplete) -> str | None:
    """The experimental version the decision is about: the one sent, else the recorded one.

    A shadow-tested experiment decides about the version it shadow tested; adopting
    another one would promote a model the test never saw, so that is a conflict.
    """
    recorded = experiment.experimental_version
    sent = data.experimental_version
    if (
        experiment.status == ExperimentStatus.SHADOW_TESTING.value
        and sent is not None
        and recorded is not None
        and sent != recorded
    ):
        raise Conflict(
            f"experiment {experiment.experiment_id} shadow tested version {recorded!r}; "
            f"it cannot be completed with experimental_version {sent!r}. Send {recorded!r} "
            "or leave experimental_version out."
        )
    return sent or recorded


async def complete(
    session: AsyncSession,
    *,
    experiment_id: uuid.UUID,
    data: ExperimentComplete,
    actor: Principal,
) -> ExperimentRead:
    """Record the outcome of an approved, in-progress or shadow-testing experiment.

    * ``adopt`` / ``partial_adopt``: the experimental version becomes champion through
      the registry (422 if no version is known; the registry's 404 or 409 otherwise).
    * ``rollback``: the registry restores the previous champion (409 if there is none).
    * ``reject``: no model changes.

    For ``reject`` and ``rollback`` an ``experimental_version`` sent must still be a
    version in the tenant's registry (422 naming it); for the promoting decisions the
    registry's own 404 answers an unknown one, as before.

    A registry error leaves the experiment as it was (the whole request rolls back).
    """
    experiment, before = await _begin(session, experiment_id, "complete")
    version = _decided_version(experiment, data)
    if data.decision not in PROMOTING_DECISIONS:
        await _check_version(
            session,
            model_name=experiment.model_name,
            version=data.experimental_version,
            field="experimental_version",
        )
    reason = f"experiment {experiment.experiment_name}: {data.decision_rationale}"
    extra: dict[str, Any] = {}
    if data.decision in PROMOTING_DECISIONS:
        if version is None:
            raise _invalid(
                "experimental_version",
                f"decision '{data.decision.value}' promotes a model version: name it in "
                "experimental_version",
            )
        champion = await registry.promote(
            session,
            version=version,
            actor=actor,
            reason=reason,
            source=f"experiment:{experiment.experiment_id}",
            model_name=experiment.model_name,
        )
        extra["champion"] = champion.version
    elif data.decision == Decision.ROLLBACK:
        restored = await registry.rollback(
            session, actor=actor, reason=reason, model_name=experiment.model_name
        )
        extra["champion"] = restored.version
    experiment.status = ExperimentStatus.COMPLETED.value
    experiment.decision = data.decision.value
    experiment.decision_rationale = data.decision_rationale
    experiment.results = data.results_dict()
    experiment.experimental_version = version
    experiment.completed_at = utcnow()
    return await _finish(
        session,
        experiment,
        action="complete",
        actor=actor,
        before=before,
        note=data.decision_rationale,
        extra=extra,
    )


async def get_results(session: AsyncSession, *, experiment_id: uuid.UUID) -> ExperimentResults:
    """The outcome of a completed experiment; 409 while it is not completed."""
    experiment = await _experiment(session, experiment_id)
    if experiment.status != ExperimentStatus.COMPLETED.value:
        raise Conflict(
            f"experiment {experiment_id} has no results: its status is "
            f"'{experiment.status}', and results exist once it is 'completed'"
        )
    return ExperimentResults.model_validate(experiment)
