"""Model versions and the decisions about them. Services flush, never commit.

Status flow (seed 003): a trained version is a ``candidate`` until the promotion gate
(``gate.py``) makes it ``champion`` or ``challenger``; people may promote a challenger or
shadow version, put a version in ``shadow``, archive it, or roll back to the previous
champion. ``archived`` is final and rows are never deleted. There is at most one
champion and one challenger per tenant and model: a newer challenger archives the older.

Every change writes a :class:`ModelDecision` (what, why, on which numbers, by whom) and,
when a person made it, an audit row — in the same transaction as the change.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from shelfops.kit.db import tenant_of
from shelfops.kit.errors import Conflict, NotFound, ValidationFailed
from shelfops.kit.locks import hold_tenant_lock, registry_lock
from shelfops.models import DecisionAction, ModelDecision, ModelStatus, ModelVersion
from shelfops.models.base import utcnow
from shelfops.registry import repository
from shelfops.registry.gate import Verdict
from shelfops.tenants import audit
from shelfops.tenants.service import Principal

DEFAULT_MODEL = "demand_forecast"
GATE_ACTOR = "promotion_gate"


async def _hold_registry(session: AsyncSession, model_name: str) -> None:
    # Before any version is read: a row lock on the champion is not enough, because a
    # second promotion waiting on it re-reads only that row (no longer champion) under
    # READ COMMITTED, never sees the newly crowned one, and crowns its own beside it.
    await hold_tenant_lock(session, tenant_of(session), registry_lock(model_name))


async def _version(
    session: AsyncSession, customer_id: uuid.UUID, model_name: str, version: str
) -> ModelVersion:
    row = await repository.get_version(
        session, customer_id=customer_id, model_name=model_name, version=version, for_update=True
    )
    if row is None:
        raise NotFound(f"model {model_name!r} has no version {version!r}")
    return row


async def champion(
    session: AsyncSession, *, model_name: str = DEFAULT_MODEL, lock: bool = False
) -> ModelVersion | None:
    """The tenant's current champion of ``model_name``, if any (``lock``: row-locked
    until the transaction ends, for a change of champion)."""
    rows = await repository.versions_with_status(
        session,
        customer_id=tenant_of(session),
        model_name=model_name,
        status=ModelStatus.CHAMPION,
        for_update=lock,
    )
    return rows[0] if rows else None


async def challenger(
    session: AsyncSession, *, model_name: str = DEFAULT_MODEL
) -> ModelVersion | None:
    """The version forecasting in shadow beside the champion: the challenger, or else the
    newest version a person put in ``shadow``."""
    customer_id = tenant_of(session)
    for status in (ModelStatus.CHALLENGER, ModelStatus.SHADOW):
        rows = await repository.versions_with_status(
            session, customer_id=customer_id, model_name=model_name, status=status
        )
        if rows:
            return rows[0]
    return None


async def _record(
    session: AsyncSession,
    row: ModelVersion,
    *,
    action: DecisionAction,
    decided_by: str,
    reasons: Sequence[str],
    inputs: dict[str, Any],
    previous_champion: str | None = None,
    trigger_type: str | None = None,
) -> ModelDecision:
    decision = ModelDecision(
        customer_id=row.customer_id,
        model_name=row.model_name,
        version=row.version,
        action=action.value,
        status_after=row.status,
        previous_champion=previous_champion,
        decided_by=decided_by,
        trigger_type=trigger_type,
        reasons=list(reasons),
        inputs=inputs,
    )
    session.add(decision)
    if decided_by == GATE_ACTOR and action in (
        DecisionAction.PROMOTED,
        DecisionAction.KEPT_AS_CHALLENGER,
    ):
        # The gate's own verdict stays on the row; a person's later decisions do not
        # overwrite it (a manual promotion shows it next to the person's reason).
        row.promotion_decision = {
            "action": action.value,
            "decided_by": decided_by,
            "reasons": list(reasons),
            "at": utcnow().isoformat(),
        }
    await session.flush()
    return decision


async def _archive(session: AsyncSession, row: ModelVersion, *, why: str, by: str) -> None:
    row.status = ModelStatus.ARCHIVED.value
    row.archived_at = utcnow()
    await _record(
        session, row, action=DecisionAction.ARCHIVED, decided_by=by, reasons=[why], inputs={}
    )


async def _crown(session: AsyncSession, row: ModelVersion, *, by: str) -> str | None:
    """Make ``row`` champion; the current champion is archived. Returns the old one."""
    old = await champion(session, model_name=row.model_name, lock=True)
    previous = None
    if old is not None and old.version != row.version:
        previous = old.version
        await _archive(session, old, why=f"replaced as champion by {row.version}", by=by)
    row.status = ModelStatus.CHAMPION.value
    row.promoted_at = utcnow()
    return previous


async def _demote_other_challengers(session: AsyncSession, row: ModelVersion, *, by: str) -> None:
    others = await repository.versions_with_status(
        session,
        customer_id=row.customer_id,
        model_name=row.model_name,
        status=ModelStatus.CHALLENGER,
        for_update=True,
    )
    for other in others:
        if other.version != row.version:
            await _archive(session, other, why=f"superseded as challenger by {row.version}", by=by)


async def apply_verdict(
    session: AsyncSession, row: ModelVersion, *, verdict: Verdict, trigger: str
) -> ModelDecision:
    """Move a freshly registered ``candidate`` to the status the gate decided."""
    await _hold_registry(session, row.model_name)
    if row.status != ModelStatus.CANDIDATE.value:
        raise Conflict(f"{row.version} is {row.status}; only a candidate goes through the gate")
    previous = None
    if verdict.promoted:
        previous = await _crown(session, row, by=GATE_ACTOR)
        action = DecisionAction.PROMOTED
    else:
        row.status = ModelStatus.CHALLENGER.value
        action = DecisionAction.KEPT_AS_CHALLENGER
    await _demote_other_challengers(session, row, by=GATE_ACTOR)
    return await _record(
        session,
        row,
        action=action,
        decided_by=GATE_ACTOR,
        reasons=verdict.reasons,
        inputs=verdict.as_inputs(),
        previous_champion=previous,
        trigger_type=trigger,
    )


def _check_reason(reason: str) -> str:
    reason = (reason or "").strip()
    if not reason:
        raise ValidationFailed.at(["body", "reason"], "a person's decision needs a reason")
    return reason


async def promote(
    session: AsyncSession,
    *,
    version: str,
    actor: Principal,
    reason: str,
    source: str = "api",
    model_name: str = DEFAULT_MODEL,
) -> ModelVersion:
    """A person makes ``version`` champion (the old champion is archived).

    This is the human decision the gate defers to: it is recorded with the reason, who
    made it, where it came from (``api``, ``ml_alert:<id>``, ``experiment:<id>``) and the
    gate's own verdict on the version from its retrain, so a reviewer sees when a person
    overrode the gate. Archived versions and the current champion cannot be promoted.
    """
    reason = _check_reason(reason)
    await _hold_registry(session, model_name)
    row = await _version(session, tenant_of(session), model_name, version)
    if row.status == ModelStatus.ARCHIVED.value:
        raise Conflict(f"{version} is archived; archived versions cannot be promoted")
    if row.status == ModelStatus.CHAMPION.value:
        raise Conflict(f"{version} is already the champion")
    before = {"status": row.status}
    gate_verdict = row.promotion_decision
    previous = await _crown(session, row, by=actor.key_name)
    decision = await _record(
        session,
        row,
        action=DecisionAction.PROMOTED,
        decided_by=actor.key_name,
        reasons=[reason],
        inputs={"source": source, "status_before": before["status"], "gate": gate_verdict},
        previous_champion=previous,
    )
    await audit.record(
        session,
        actor=actor,
        action="model.promote",
        resource_type="model_version",
        resource_id=f"{model_name}:{version}",
        before={**before, "champion": previous},
        after={"status": row.status, "decision_id": str(decision.decision_id)},
        note=f"{source}: {reason}",
    )
    return row


async def rollback(
    session: AsyncSession, *, actor: Principal, reason: str, model_name: str = DEFAULT_MODEL
) -> ModelVersion:
    """Make the champion before the current one champion again (one call); the current
    champion is archived. 409 when there is no earlier champion to return to."""
    reason = _check_reason(reason)
    customer_id = tenant_of(session)
    await _hold_registry(session, model_name)
    current = await champion(session, model_name=model_name, lock=True)
    if current is None:
        raise Conflict(f"model {model_name!r} has no champion to roll back from")
    promotion = await repository.last_promotion(
        session, customer_id=customer_id, model_name=model_name, version=current.version
    )
    previous = promotion.previous_champion if promotion else None
    if previous is None:
        raise Conflict(f"{current.version} replaced no earlier champion; nothing to roll back to")
    target = await _version(session, customer_id, model_name, previous)
    await _archive(session, current, why=f"rolled back to {previous}", by=actor.key_name)
    target.status = ModelStatus.CHAMPION.value
    target.promoted_at = utcnow()
    target.archived_at = None
    decision = await _record(
        session,
        target,
        action=DecisionAction.ROLLED_BACK,
        decided_by=actor.key_name,
        reasons=[reason],
        inputs={"rolled_back_from": current.version},
        previous_champion=current.version,
    )
    await audit.record(
        session,
        actor=actor,
        action="model.rollback",
        resource_type="model_version",
        resource_id=f"{model_name}:{previous}",
        before={"champion": current.version},
        after={"champion": previous, "decision_id": str(decision.decision_id)},
        note=reason,
    )
    return target


async def set_status(
    session: AsyncSession,
    *,
    version: str,
    status: ModelStatus,
    actor: Principal,
    reason: str,
    model_name: str = DEFAULT_MODEL,
) -> ModelVersion:
    """A person puts a version in ``shadow`` or ``archived`` (manual review of seed 003).
    The champion cannot be archived this way: promote or roll back instead."""
    reason = _check_reason(reason)
    if status not in (ModelStatus.SHADOW, ModelStatus.ARCHIVED):
        raise ValidationFailed.at(["body", "status"], "only shadow or archived")
    await _hold_registry(session, model_name)
    row = await _version(session, tenant_of(session), model_name, version)
    if row.status == ModelStatus.ARCHIVED.value:
        raise Conflict(f"{version} is archived; archived is final")
    if row.status == ModelStatus.CHAMPION.value:
        raise Conflict(f"{version} is the champion; promote another version or roll back")
    if row.status == status.value:
        raise Conflict(f"{version} is already {status.value}")
    before = row.status
    row.status = status.value
    if status is ModelStatus.ARCHIVED:
        row.archived_at = utcnow()
    action = DecisionAction.SHADOWED if status is ModelStatus.SHADOW else DecisionAction.REJECTED
    await _record(
        session, row, action=action, decided_by=actor.key_name, reasons=[reason], inputs={}
    )
    await audit.record(
        session,
        actor=actor,
        action="model.shadow" if status is ModelStatus.SHADOW else "model.archive",
        resource_type="model_version",
        resource_id=f"{model_name}:{version}",
        before={"status": before},
        after={"status": row.status},
        note=reason,
    )
    return row
