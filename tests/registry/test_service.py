"""Registry services on the real databases: the gate's verdict applied to a candidate,
people's promotions, rollbacks, shadowing and archiving, with their decision and audit
rows, and the refusals (422 / 404 / 409) that leave everything as it was."""

from __future__ import annotations

import pytest

from shelfops.kit.db import tenant_transaction
from shelfops.kit.errors import Conflict, NotFound, ValidationFailed
from shelfops.models import DecisionAction, ModelStatus, Role
from shelfops.registry import repository, service
from shelfops.registry.gate import GatePolicy, Verdict, evaluate
from tests.conftest import Tenant
from tests.registry.helpers import (
    BUSINESS,
    Sessions,
    V,
    add_versions,
    audit_rows,
    decisions,
    principal,
    statuses,
    versions,
)

CHAMPION, CHALLENGER, CANDIDATE = (
    ModelStatus.CHAMPION,
    ModelStatus.CHALLENGER,
    ModelStatus.CANDIDATE,
)
SHADOW, ARCHIVED = ModelStatus.SHADOW, ModelStatus.ARCHIVED
MANAGER_KEY = "ml_manager key"  # the name tests/conftest.py gives the ml_manager key


def _verdict(candidate_mae: float, *, trigger: str = "scheduled") -> Verdict:
    """The gate's real verdict for a candidate vs a champion at MAE 20."""
    return evaluate(
        trigger=trigger,
        candidate={"mae": candidate_mae, **BUSINESS},
        champion={"mae": 20.0, **BUSINESS},
        baseline={"mae": 25.0},
        policy=GatePolicy(),
    )


async def _apply(
    sessionmaker: Sessions, tenant: Tenant, version: str, verdict: Verdict, trigger: str
) -> None:
    async with tenant_transaction(sessionmaker, tenant.customer_id) as session:
        row = await repository.get_version(
            session, customer_id=tenant.customer_id, model_name="demand_forecast", version=version
        )
        assert row is not None
        await service.apply_verdict(session, row, verdict=verdict, trigger=trigger)


async def _promote(
    sessionmaker: Sessions,
    tenant: Tenant,
    version: str,
    reason: str = "better on the holiday weeks",
    **kwargs: str,
) -> None:
    actor = await principal(sessionmaker, tenant)
    async with tenant_transaction(sessionmaker, tenant.customer_id) as session:
        await service.promote(session, version=version, actor=actor, reason=reason, **kwargs)


async def _rollback(sessionmaker: Sessions, tenant: Tenant, reason: str = "bad week") -> str:
    actor = await principal(sessionmaker, tenant)
    async with tenant_transaction(sessionmaker, tenant.customer_id) as session:
        row = await service.rollback(session, actor=actor, reason=reason)
        return row.version


async def _set_status(
    sessionmaker: Sessions, tenant: Tenant, version: str, status: ModelStatus, reason: str = "r"
) -> None:
    actor = await principal(sessionmaker, tenant)
    async with tenant_transaction(sessionmaker, tenant.customer_id) as session:
        await service.set_status(
            session, version=version, status=status, actor=actor, reason=reason
        )


# --- apply_verdict ----------------------------------------------------------------------


async def test_promoted_verdict_crowns_the_candidate_and_archives_champion_and_challenger(
    sessionmaker: Sessions, tenant_a: Tenant
) -> None:
    await add_versions(
        sessionmaker, tenant_a, V("v1", CHAMPION), V("v2", CHALLENGER), V("v3", CANDIDATE)
    )
    verdict = _verdict(15.0)
    assert verdict.promoted
    await _apply(sessionmaker, tenant_a, "v3", verdict, "scheduled")

    rows = await versions(sessionmaker, tenant_a)
    assert {v: r.status for v, r in rows.items()} == {
        "v1": "archived",
        "v2": "archived",
        "v3": "champion",
    }
    assert rows["v1"].archived_at is not None and rows["v2"].archived_at is not None
    assert rows["v3"].promoted_at is not None and rows["v3"].archived_at is None
    assert rows["v3"].promotion_decision is not None
    assert rows["v3"].promotion_decision["decided_by"] == "promotion_gate"
    assert rows["v3"].promotion_decision["reasons"] == verdict.reasons

    (promoted,) = await decisions(sessionmaker, tenant_a, "v3")
    assert promoted.action == DecisionAction.PROMOTED.value
    assert promoted.status_after == "champion"
    assert promoted.previous_champion == "v1"
    assert promoted.decided_by == "promotion_gate"
    assert promoted.trigger_type == "scheduled"
    assert promoted.reasons == verdict.reasons
    assert promoted.inputs == verdict.as_inputs()

    (old_champion,) = await decisions(sessionmaker, tenant_a, "v1")
    assert (old_champion.action, old_champion.status_after) == ("archived", "archived")
    assert old_champion.reasons == ["replaced as champion by v3"]
    (old_challenger,) = await decisions(sessionmaker, tenant_a, "v2")
    assert old_challenger.reasons == ["superseded as challenger by v3"]
    # The gate is not a person: no audit rows.
    assert await audit_rows(sessionmaker, tenant_a) == []


async def test_blocked_verdict_makes_a_challenger_and_archives_the_older_one(
    sessionmaker: Sessions, tenant_a: Tenant
) -> None:
    await add_versions(
        sessionmaker, tenant_a, V("v1", CHAMPION), V("v2", CHALLENGER), V("v3", CANDIDATE)
    )
    verdict = _verdict(10.0, trigger="drift_detected")  # 50 % better, but drift never promotes
    await _apply(sessionmaker, tenant_a, "v3", verdict, "drift_detected")

    assert await statuses(sessionmaker, tenant_a) == {
        "v1": "champion",
        "v2": "archived",
        "v3": "challenger",
    }
    (kept,) = await decisions(sessionmaker, tenant_a, "v3")
    assert kept.action == DecisionAction.KEPT_AS_CHALLENGER.value
    assert kept.status_after == "challenger"
    assert kept.previous_champion is None
    assert kept.trigger_type == "drift_detected"
    assert kept.reasons[0].startswith("trigger 'drift_detected' never auto-promotes")
    (superseded,) = await decisions(sessionmaker, tenant_a, "v2")
    assert superseded.reasons == ["superseded as challenger by v3"]
    assert (await decisions(sessionmaker, tenant_a, "v1")) == []
    async with tenant_transaction(sessionmaker, tenant_a.customer_id) as session:
        champion = await service.champion(session)
        challenger = await service.challenger(session)
    assert champion is not None and champion.version == "v1"
    assert challenger is not None and challenger.version == "v3"


async def test_first_model_promoted_by_the_gate_replaces_nobody(
    sessionmaker: Sessions, tenant_a: Tenant
) -> None:
    await add_versions(sessionmaker, tenant_a, V("v1", CANDIDATE))
    verdict = evaluate(
        trigger="manual",
        candidate={"mae": 8.0},
        champion=None,
        baseline={"mae": 10.0},
        policy=GatePolicy(),
    )
    await _apply(sessionmaker, tenant_a, "v1", verdict, "manual")
    assert await statuses(sessionmaker, tenant_a) == {"v1": "champion"}
    (decision,) = await decisions(sessionmaker, tenant_a)
    assert (decision.action, decision.previous_champion) == ("promoted", None)


@pytest.mark.parametrize("status", [CHAMPION, CHALLENGER, SHADOW, ARCHIVED])
async def test_only_a_candidate_goes_through_the_gate(
    sessionmaker: Sessions, tenant_a: Tenant, status: ModelStatus
) -> None:
    await add_versions(sessionmaker, tenant_a, V("v1", status))
    with pytest.raises(Conflict, match="only a candidate goes through the gate"):
        await _apply(sessionmaker, tenant_a, "v1", _verdict(1.0), "scheduled")
    assert await statuses(sessionmaker, tenant_a) == {"v1": status.value}
    assert await decisions(sessionmaker, tenant_a) == []


# --- promote ----------------------------------------------------------------------------


async def test_promote_records_who_why_where_from_and_the_gates_verdict(
    sessionmaker: Sessions, tenant_a: Tenant
) -> None:
    await add_versions(sessionmaker, tenant_a, V("v1", CHAMPION), V("v2", CANDIDATE))
    # The gate kept v2 as challenger (drift retrain); a person overrides it.
    await _apply(
        sessionmaker, tenant_a, "v2", _verdict(15.0, trigger="drift_detected"), "drift_detected"
    )
    gate_verdict = (await versions(sessionmaker, tenant_a))["v2"].promotion_decision

    await _promote(sessionmaker, tenant_a, "v2", "  reviewed the backtest  ", source="ml_alert:42")

    rows = await versions(sessionmaker, tenant_a)
    assert {v: r.status for v, r in rows.items()} == {"v1": "archived", "v2": "champion"}
    assert rows["v2"].promoted_at is not None
    assert rows["v1"].archived_at is not None

    promoted = (await decisions(sessionmaker, tenant_a, "v2"))[-1]
    assert promoted.action == "promoted"
    assert promoted.decided_by == MANAGER_KEY
    assert promoted.reasons == ["reviewed the backtest"]
    assert promoted.previous_champion == "v1"
    assert promoted.inputs["source"] == "ml_alert:42"
    assert promoted.inputs["status_before"] == "challenger"
    assert promoted.inputs["gate"] == gate_verdict
    assert promoted.inputs["gate"]["decided_by"] == "promotion_gate"
    (archived,) = await decisions(sessionmaker, tenant_a, "v1")
    assert (archived.action, archived.decided_by) == ("archived", MANAGER_KEY)

    (audit,) = await audit_rows(sessionmaker, tenant_a)
    assert audit.action == "model.promote"
    assert audit.actor == MANAGER_KEY
    assert audit.resource_id == "demand_forecast:v2"
    assert audit.before == {"status": "challenger", "champion": "v1"}
    assert audit.after == {"status": "champion", "decision_id": str(promoted.decision_id)}
    assert audit.note == "ml_alert:42: reviewed the backtest"


async def test_promote_records_the_gates_verdict_even_after_a_person_shadowed_the_version(
    sessionmaker: Sessions, tenant_a: Tenant
) -> None:
    # The gate kept v2 as challenger; a person put it in shadow, then promoted it. The
    # promotion must still show the gate's verdict (so a reviewer sees the override),
    # not the shadowing that happened in between.
    await add_versions(sessionmaker, tenant_a, V("v1", CHAMPION), V("v2", CANDIDATE))
    verdict = _verdict(15.0, trigger="drift_detected")
    await _apply(sessionmaker, tenant_a, "v2", verdict, "drift_detected")
    await _set_status(sessionmaker, tenant_a, "v2", SHADOW, "watch it a week")

    await _promote(sessionmaker, tenant_a, "v2")

    promoted = (await decisions(sessionmaker, tenant_a, "v2"))[-1]
    assert promoted.inputs["status_before"] == "shadow"
    gate = promoted.inputs["gate"]
    assert gate is not None
    assert gate["decided_by"] == "promotion_gate", gate
    assert gate["reasons"] == verdict.reasons


async def test_promote_from_the_api_by_default(sessionmaker: Sessions, tenant_a: Tenant) -> None:
    await add_versions(sessionmaker, tenant_a, V("v1", SHADOW))
    await _promote(sessionmaker, tenant_a, "v1")
    (decision,) = await decisions(sessionmaker, tenant_a)
    assert decision.inputs == {"source": "api", "status_before": "shadow", "gate": None}
    assert decision.previous_champion is None


@pytest.mark.parametrize("reason", ["", "   ", "\n\t"])
async def test_promote_without_a_reason_is_refused_and_changes_nothing(
    sessionmaker: Sessions, tenant_a: Tenant, reason: str
) -> None:
    await add_versions(sessionmaker, tenant_a, V("v1", CHAMPION), V("v2", CHALLENGER))
    with pytest.raises(ValidationFailed) as refused:
        await _promote(sessionmaker, tenant_a, "v2", reason)
    assert refused.value.status_code == 422
    assert isinstance(refused.value.detail, list)
    assert [p["location"] for p in refused.value.detail] == [["body", "reason"]]
    assert await statuses(sessionmaker, tenant_a) == {"v1": "champion", "v2": "challenger"}
    assert await decisions(sessionmaker, tenant_a) == []
    assert await audit_rows(sessionmaker, tenant_a) == []


@pytest.mark.parametrize(
    ("version", "error", "message"),
    [
        ("v0", Conflict, "v0 is archived; archived versions cannot be promoted"),
        ("v1", Conflict, "v1 is already the champion"),
        ("v9", NotFound, "model 'demand_forecast' has no version 'v9'"),
    ],
)
async def test_promote_refusals_leave_everything_as_it_was(
    sessionmaker: Sessions,
    tenant_a: Tenant,
    version: str,
    error: type[Exception],
    message: str,
) -> None:
    await add_versions(sessionmaker, tenant_a, V("v0", ARCHIVED), V("v1", CHAMPION))
    before = await versions(sessionmaker, tenant_a)
    with pytest.raises(error) as refused:
        await _promote(sessionmaker, tenant_a, version)
    assert refused.value.detail == message  # type: ignore[attr-defined]
    after = await versions(sessionmaker, tenant_a)
    assert {v: (r.status, r.promoted_at, r.archived_at) for v, r in after.items()} == {
        v: (r.status, r.promoted_at, r.archived_at) for v, r in before.items()
    }
    assert await decisions(sessionmaker, tenant_a) == []
    assert await audit_rows(sessionmaker, tenant_a) == []


async def test_another_tenants_version_cannot_be_promoted(
    sessionmaker: Sessions, tenant_a: Tenant, tenant_b: Tenant
) -> None:
    await add_versions(sessionmaker, tenant_a, V("v1", CHAMPION), V("v2", CHALLENGER))
    with pytest.raises(NotFound):
        await _promote(sessionmaker, tenant_b, "v2")
    assert await statuses(sessionmaker, tenant_a) == {"v1": "champion", "v2": "challenger"}
    assert await statuses(sessionmaker, tenant_b) == {}


async def test_promotion_in_one_tenant_leaves_another_tenants_champion_alone(
    sessionmaker: Sessions, tenant_a: Tenant, tenant_b: Tenant
) -> None:
    await add_versions(sessionmaker, tenant_a, V("v1", CHAMPION), V("v2", CHALLENGER))
    await add_versions(sessionmaker, tenant_b, V("v1", CHAMPION), V("v2", CHALLENGER))
    await _promote(sessionmaker, tenant_a, "v2")
    assert await statuses(sessionmaker, tenant_a) == {"v1": "archived", "v2": "champion"}
    assert await statuses(sessionmaker, tenant_b) == {"v1": "champion", "v2": "challenger"}


async def test_champion_is_per_model_name(sessionmaker: Sessions, tenant_a: Tenant) -> None:
    await add_versions(
        sessionmaker,
        tenant_a,
        V("v1", CHAMPION),
        V("v1", CHAMPION, model_name="other_model"),
        V("v2", CHALLENGER),
    )
    await _promote(sessionmaker, tenant_a, "v2")
    async with tenant_transaction(sessionmaker, tenant_a.customer_id) as session:
        other = await service.champion(session, model_name="other_model")
        main = await service.champion(session)
    assert other is not None and other.status == "champion"
    assert main is not None and main.version == "v2"


# --- rollback ---------------------------------------------------------------------------


async def test_rollback_returns_to_the_previous_champion(
    sessionmaker: Sessions, tenant_a: Tenant
) -> None:
    await add_versions(sessionmaker, tenant_a, V("v1", CHAMPION), V("v2", CHALLENGER))
    await _promote(sessionmaker, tenant_a, "v2")
    promoted_before = (await versions(sessionmaker, tenant_a))["v1"].promoted_at

    assert await _rollback(sessionmaker, tenant_a, "stock-outs doubled") == "v1"

    rows = await versions(sessionmaker, tenant_a)
    assert {v: r.status for v, r in rows.items()} == {"v1": "champion", "v2": "archived"}
    assert rows["v1"].archived_at is None  # cleared on the restored champion
    assert rows["v1"].promoted_at is not None and promoted_before is not None
    assert rows["v1"].promoted_at > promoted_before
    assert rows["v2"].archived_at is not None

    rolled = (await decisions(sessionmaker, tenant_a, "v1"))[-1]
    assert rolled.action == DecisionAction.ROLLED_BACK.value
    assert rolled.status_after == "champion"
    assert rolled.decided_by == MANAGER_KEY
    assert rolled.reasons == ["stock-outs doubled"]
    assert rolled.inputs == {"rolled_back_from": "v2"}
    archived = (await decisions(sessionmaker, tenant_a, "v2"))[-1]
    assert archived.reasons == ["rolled back to v1"]

    audit = (await audit_rows(sessionmaker, tenant_a))[-1]
    assert audit.action == "model.rollback"
    assert audit.resource_id == "demand_forecast:v1"
    assert audit.before == {"champion": "v2"}
    assert audit.after is not None and audit.after["champion"] == "v1"
    assert audit.note == "stock-outs doubled"


async def test_second_rollback_with_no_earlier_champion_is_refused(
    sessionmaker: Sessions, tenant_a: Tenant
) -> None:
    # v1 was the first champion; v2 replaced it; a rollback returned to v1. v1 itself
    # replaced nobody, so there is nothing further back: 409, and v2 stays archived
    # ("archived is final" — the rollback must not bounce back to the version it left).
    await add_versions(sessionmaker, tenant_a, V("v1", CHAMPION), V("v2", CHALLENGER))
    await _promote(sessionmaker, tenant_a, "v2")
    await _rollback(sessionmaker, tenant_a)

    with pytest.raises(Conflict, match="nothing to roll back to"):
        await _rollback(sessionmaker, tenant_a)
    assert await statuses(sessionmaker, tenant_a) == {"v1": "champion", "v2": "archived"}


async def test_rollbacks_walk_back_through_the_champions(
    sessionmaker: Sessions, tenant_a: Tenant
) -> None:
    # v1 → v2 → v3 by promotion; rolling back twice goes v3 → v2 → v1.
    await add_versions(sessionmaker, tenant_a, V("v1", CHAMPION), V("v2", SHADOW), V("v3", SHADOW))
    await _promote(sessionmaker, tenant_a, "v2")
    await _promote(sessionmaker, tenant_a, "v3")
    assert await _rollback(sessionmaker, tenant_a) == "v2"
    assert await _rollback(sessionmaker, tenant_a) == "v1"
    assert await statuses(sessionmaker, tenant_a) == {
        "v1": "champion",
        "v2": "archived",
        "v3": "archived",
    }


async def test_rollback_of_a_first_champion_is_refused(
    sessionmaker: Sessions, tenant_a: Tenant
) -> None:
    await add_versions(sessionmaker, tenant_a, V("v1", CANDIDATE))
    await _apply(
        sessionmaker,
        tenant_a,
        "v1",
        evaluate(
            trigger="scheduled",
            candidate={"mae": 5.0},
            champion=None,
            baseline={"mae": 10.0},
            policy=GatePolicy(),
        ),
        "scheduled",
    )
    with pytest.raises(Conflict, match="v1 replaced no earlier champion"):
        await _rollback(sessionmaker, tenant_a)
    assert await statuses(sessionmaker, tenant_a) == {"v1": "champion"}
    assert await audit_rows(sessionmaker, tenant_a) == []


async def test_rollback_without_a_champion_is_refused(
    sessionmaker: Sessions, tenant_a: Tenant
) -> None:
    await add_versions(sessionmaker, tenant_a, V("v1", CHALLENGER))
    with pytest.raises(Conflict, match="has no champion to roll back from"):
        await _rollback(sessionmaker, tenant_a)
    with pytest.raises(ValidationFailed):
        await _rollback(sessionmaker, tenant_a, " ")
    assert await statuses(sessionmaker, tenant_a) == {"v1": "challenger"}


async def test_rollback_after_a_gate_promotion_returns_to_the_replaced_champion(
    sessionmaker: Sessions, tenant_a: Tenant
) -> None:
    await add_versions(sessionmaker, tenant_a, V("v1", CHAMPION), V("v2", CANDIDATE))
    await _apply(sessionmaker, tenant_a, "v2", _verdict(15.0), "scheduled")
    assert await _rollback(sessionmaker, tenant_a) == "v1"
    assert await statuses(sessionmaker, tenant_a) == {"v1": "champion", "v2": "archived"}


# --- shadow / archive -------------------------------------------------------------------


async def test_shadow_then_archive_a_challenger(sessionmaker: Sessions, tenant_a: Tenant) -> None:
    await add_versions(sessionmaker, tenant_a, V("v1", CHAMPION), V("v2", CHALLENGER))
    await _set_status(sessionmaker, tenant_a, "v2", SHADOW, "watch it a week")
    assert (await statuses(sessionmaker, tenant_a))["v2"] == "shadow"
    async with tenant_transaction(sessionmaker, tenant_a.customer_id) as session:
        beside = await service.challenger(session)
    assert beside is not None and beside.version == "v2"  # a shadow forecasts beside too

    await _set_status(sessionmaker, tenant_a, "v2", ARCHIVED, "worse on dairy")
    rows = await versions(sessionmaker, tenant_a)
    assert rows["v2"].status == "archived" and rows["v2"].archived_at is not None

    shadowed, rejected = await decisions(sessionmaker, tenant_a, "v2")
    assert (shadowed.action, shadowed.status_after, shadowed.reasons) == (
        "shadowed",
        "shadow",
        ["watch it a week"],
    )
    assert (rejected.action, rejected.status_after, rejected.reasons) == (
        "rejected",
        "archived",
        ["worse on dairy"],
    )
    assert [(a.action, a.before, a.after) for a in await audit_rows(sessionmaker, tenant_a)] == [
        ("model.shadow", {"status": "challenger"}, {"status": "shadow"}),
        ("model.archive", {"status": "shadow"}, {"status": "archived"}),
    ]


async def test_challenger_is_preferred_to_the_newest_shadow(
    sessionmaker: Sessions, tenant_a: Tenant
) -> None:
    await add_versions(
        sessionmaker, tenant_a, V("v1", SHADOW), V("v2", CHALLENGER), V("v3", SHADOW)
    )
    async with tenant_transaction(sessionmaker, tenant_a.customer_id) as session:
        first = await service.challenger(session)
    await _set_status(sessionmaker, tenant_a, "v2", ARCHIVED)
    async with tenant_transaction(sessionmaker, tenant_a.customer_id) as session:
        then = await service.challenger(session)
    assert first is not None and first.version == "v2"
    assert then is not None and then.version == "v3"


@pytest.mark.parametrize(
    ("version", "target", "message"),
    [
        ("v1", ARCHIVED, "v1 is the champion; promote another version or roll back"),
        ("v1", SHADOW, "v1 is the champion; promote another version or roll back"),
        ("v0", SHADOW, "v0 is archived; archived is final"),
        ("v0", ARCHIVED, "v0 is archived; archived is final"),
        ("v2", SHADOW, "v2 is already shadow"),
    ],
)
async def test_set_status_refusals_leave_everything_as_it_was(
    sessionmaker: Sessions,
    tenant_a: Tenant,
    version: str,
    target: ModelStatus,
    message: str,
) -> None:
    await add_versions(
        sessionmaker, tenant_a, V("v0", ARCHIVED), V("v1", CHAMPION), V("v2", SHADOW)
    )
    with pytest.raises(Conflict) as refused:
        await _set_status(sessionmaker, tenant_a, version, target)
    assert refused.value.status_code == 409
    assert refused.value.detail == message
    assert await statuses(sessionmaker, tenant_a) == {
        "v0": "archived",
        "v1": "champion",
        "v2": "shadow",
    }
    assert await decisions(sessionmaker, tenant_a) == []
    assert await audit_rows(sessionmaker, tenant_a) == []


@pytest.mark.parametrize("target", [CHAMPION, CHALLENGER, CANDIDATE])
async def test_set_status_only_shadows_or_archives(
    sessionmaker: Sessions, tenant_a: Tenant, target: ModelStatus
) -> None:
    await add_versions(sessionmaker, tenant_a, V("v1", SHADOW))
    with pytest.raises(ValidationFailed) as refused:
        await _set_status(sessionmaker, tenant_a, "v1", target)
    assert isinstance(refused.value.detail, list)
    assert [p["location"] for p in refused.value.detail] == [["body", "status"]]
    assert await statuses(sessionmaker, tenant_a) == {"v1": "shadow"}


async def test_set_status_needs_a_reason_and_an_existing_version(
    sessionmaker: Sessions, tenant_a: Tenant, tenant_b: Tenant
) -> None:
    await add_versions(sessionmaker, tenant_a, V("v1", CHALLENGER))
    with pytest.raises(ValidationFailed):
        await _set_status(sessionmaker, tenant_a, "v1", SHADOW, reason="  ")
    with pytest.raises(NotFound):
        await _set_status(sessionmaker, tenant_a, "v7", SHADOW)
    with pytest.raises(NotFound):  # another tenant's version is nobody's
        await _set_status(sessionmaker, tenant_b, "v1", ARCHIVED)
    assert await statuses(sessionmaker, tenant_a) == {"v1": "challenger"}


async def test_a_viewer_key_is_recorded_by_name_too(
    sessionmaker: Sessions, tenant_a: Tenant
) -> None:
    # The service records whoever the router let through; the name is the key's.
    await add_versions(sessionmaker, tenant_a, V("v1", CHALLENGER))
    admin = await principal(sessionmaker, tenant_a, Role.ADMIN)
    async with tenant_transaction(sessionmaker, tenant_a.customer_id) as session:
        await service.set_status(
            session, version="v1", status=SHADOW, actor=admin, reason="compare"
        )
    (decision,) = await decisions(sessionmaker, tenant_a)
    assert decision.decided_by == "admin key"
    assert (await audit_rows(sessionmaker, tenant_a))[0].actor == "admin key"
