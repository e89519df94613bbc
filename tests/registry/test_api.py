"""``/api/v1/models`` (seed 003): health with hand-computed live MAE, backtests, history,
promotion / rollback / shadow / archive with roles and tenant isolation, the retraining
log, bad input, and seed 003's own SQL next to what the API answers."""

from __future__ import annotations

import asyncio
import datetime as dt
import json
import sqlite3
import uuid
from typing import Any

import httpx
import pytest
from sqlalchemy import select, text

from shelfops.config import Settings
from shelfops.kit.db import tenant_transaction
from shelfops.models import (
    BacktestResult,
    ForecastAccuracy,
    ModelRetrainingLog,
    ModelStatus,
    Role,
    RunStatus,
    ShadowPrediction,
)
from tests.conftest import Tenant
from tests.registry.helpers import (
    API,
    T0,
    Sessions,
    V,
    add_versions,
    audit_rows,
    decisions,
    problem_fields,
    statuses,
    store_and_product,
    versions,
)

CHAMPION, CHALLENGER, CANDIDATE = (
    ModelStatus.CHAMPION,
    ModelStatus.CHALLENGER,
    ModelStatus.CANDIDATE,
)
SHADOW, ARCHIVED = ModelStatus.SHADOW, ModelStatus.ARCHIVED
MANAGER = Role.ML_MANAGER
REASON = {"reason": "better on the holiday weeks"}


async def _get(client: httpx.AsyncClient, tenant: Tenant, path: str, **params: Any) -> Any:
    response = await client.get(f"{API}{path}", params=params, headers=tenant.headers(Role.VIEWER))
    assert response.status_code == 200, response.text
    return response.json()


async def _post(
    client: httpx.AsyncClient,
    tenant: Tenant,
    path: str,
    body: dict[str, Any] | None = None,
    *,
    role: Role = MANAGER,
) -> httpx.Response:
    return await client.post(f"{API}{path}", json=body, headers=tenant.headers(role))


# --- /models/health ---------------------------------------------------------------------


async def test_health_without_versions_has_no_champion(
    client: httpx.AsyncClient, tenant_a: Tenant
) -> None:
    assert await _get(client, tenant_a, "/health") == {
        "model_name": "demand_forecast",
        "champion": None,
        "challenger": None,
    }


async def test_health_of_a_champion_without_evaluated_forecasts(
    client: httpx.AsyncClient, sessionmaker: Sessions, tenant_a: Tenant
) -> None:
    await add_versions(sessionmaker, tenant_a, V("v1", CHAMPION, {"mae": 4.0}))
    body = await _get(client, tenant_a, "/health")
    assert body["champion"] == {
        "version": "v1",
        "status": "no_data",
        "mae_7d": None,
        "trend": "unknown",
        "baseline_mae": 4.0,
        "evaluated_points": 0,
    }
    assert body["challenger"] is None


D = dt.date(2026, 2, 20)  # the champion's latest evaluated forecast date


async def _accuracy(
    sessionmaker: Sessions, tenant: Tenant, rows: list[tuple[dt.date, int, str, float, bool]]
) -> None:
    """(forecast date, issue-days-before, version, absolute error, stock-out) rows."""
    store_id, product_id = await store_and_product(sessionmaker, tenant)
    async with tenant_transaction(sessionmaker, tenant.customer_id) as session:
        for day, lead, version, error, stockout in rows:
            session.add(
                ForecastAccuracy(
                    customer_id=tenant.customer_id,
                    store_id=store_id,
                    product_id=product_id,
                    issue_date=day - dt.timedelta(days=lead),
                    forecast_date=day,
                    model_version=version,
                    forecasted_demand=20.0 + error,
                    actual_demand=20.0,
                    absolute_error=error,
                    percentage_error=error / 20.0,
                    stockout=stockout,
                )
            )


@pytest.mark.parametrize(
    ("prior_error", "trend", "baseline", "status"),
    [
        # prior 7 days MAE 8.0: (6.0 − 8.0) / 8.0 = −25 % → improving;
        # baseline 5.0 × 1.15 = 5.75 < 6.0 → degraded.
        (8.0, "improving", 5.0, "degraded"),
        # (6.0 − 6.2) / 6.2 = −3.2 % → stable; 5.5 × 1.15 = 6.325 ≥ 6.0 → healthy.
        (6.2, "stable", 5.5, "healthy"),
        # (6.0 − 5.0) / 5.0 = +20 % → degrading; 10 × 1.15 = 11.5 → healthy.
        (5.0, "degrading", 10.0, "healthy"),
    ],
)
async def test_health_champion_mae_trend_and_status_by_hand(
    client: httpx.AsyncClient,
    sessionmaker: Sessions,
    tenant_a: Tenant,
    tenant_b: Tenant,
    prior_error: float,
    trend: str,
    baseline: float,
    status: str,
) -> None:
    await add_versions(sessionmaker, tenant_a, V("v1", CHAMPION, {"mae": baseline}))
    rows: list[tuple[dt.date, int, str, float, bool]] = []
    for k in range(7):  # the last 7 evaluated dates, D−6 … D
        day = D - dt.timedelta(days=k)
        # Two forecasts of each date (issued 1 and 2 days before) with errors k+3 and
        # 9−k: each date sums to 12, so MAE = 7 × 12 / 14 = 6.0.
        rows += [(day, 1, "v1", float(k + 3), False), (day, 2, "v1", float(9 - k), False)]
    for k in range(7, 14):  # the 7 days before, D−13 … D−7: one forecast each
        rows.append((D - dt.timedelta(days=k), 1, "v1", prior_error, False))
    rows += [
        (D - dt.timedelta(days=14), 1, "v1", 999.0, False),  # older than both windows
        (D - dt.timedelta(days=3), 3, "v1", 90.0, True),  # stock-out: actual censored
        (D + dt.timedelta(days=1), 1, "v1", 50.0, True),  # a later stock-out moves nothing
        (D, 3, "v0", 1000.0, False),  # another version's forecast
    ]
    await _accuracy(sessionmaker, tenant_a, rows)

    champion = (await _get(client, tenant_a, "/health"))["champion"]
    assert champion["version"] == "v1"
    assert champion["mae_7d"] == pytest.approx(6.0)
    assert champion["evaluated_points"] == 14
    assert champion["trend"] == trend
    assert champion["status"] == status
    assert champion["baseline_mae"] == baseline
    # Another tenant sees none of it.
    assert (await _get(client, tenant_b, "/health"))["champion"] is None


async def _shadow(
    sessionmaker: Sessions,
    tenant: Tenant,
    rows: list[tuple[dt.date, str, float | None, float | None]],
) -> None:
    """(forecast date, challenger version, champion error, challenger error) rows."""
    store_id, product_id = await store_and_product(sessionmaker, tenant)
    async with tenant_transaction(sessionmaker, tenant.customer_id) as session:
        for day, challenger, champion_error, challenger_error in rows:
            session.add(
                ShadowPrediction(
                    customer_id=tenant.customer_id,
                    store_id=store_id,
                    product_id=product_id,
                    issue_date=day - dt.timedelta(days=1),
                    forecast_date=day,
                    champion_version="v1",
                    challenger_version=challenger,
                    champion_prediction=30.0,
                    challenger_prediction=30.0,
                    actual_demand=None if challenger_error is None else 30.0,
                    champion_error=champion_error,
                    challenger_error=challenger_error,
                )
            )


@pytest.mark.parametrize(
    ("gap", "challenger_mae", "eligible"),
    [
        # Challenger 0.6 below the champion each day: 9.4 vs 10.0 = (10 − 9.4) / 10 = 6 %.
        (0.6, 9.4, True),
        # 0.4 below: 9.6 vs 10.0 = 4 %, short of the gate's 5 %.
        (0.4, 9.6, False),
    ],
)
async def test_health_challenger_is_scored_on_the_same_shadow_rows(
    client: httpx.AsyncClient,
    sessionmaker: Sessions,
    tenant_a: Tenant,
    gap: float,
    challenger_mae: float,
    eligible: bool,
) -> None:
    await add_versions(sessionmaker, tenant_a, V("v1", CHAMPION), V("v2", CHALLENGER))
    s = dt.date(2026, 2, 10)
    champion_errors = [10.0, 12.0, 8.0, 10.0, 11.0, 9.0, 10.0]  # sum 70 over 7 → 10.0
    rows: list[tuple[dt.date, str, float | None, float | None]] = [
        (s - dt.timedelta(days=k), "v2", e, e - gap) for k, e in enumerate(champion_errors)
    ]
    rows += [
        (s - dt.timedelta(days=7), "v2", 50.0, 0.0),  # the 8th day back: outside the window
        (s + dt.timedelta(days=1), "v2", None, None),  # not scored yet: moves nothing
        (s, "v9", 1.0, 0.0),  # another challenger's shadow forecast
    ]
    await _shadow(sessionmaker, tenant_a, rows)

    challenger = (await _get(client, tenant_a, "/health"))["challenger"]
    assert challenger["version"] == "v2"
    assert challenger["status"] == "challenger"
    assert challenger["mae_7d"] == pytest.approx(challenger_mae)
    assert challenger["champion_mae_7d"] == pytest.approx(10.0)
    assert challenger["evaluated_points"] == 7
    assert challenger["promotion_eligible"] is eligible


async def test_health_shows_a_shadow_version_when_there_is_no_challenger(
    client: httpx.AsyncClient, sessionmaker: Sessions, tenant_a: Tenant
) -> None:
    await add_versions(sessionmaker, tenant_a, V("v1", CHAMPION), V("v2", SHADOW))
    challenger = (await _get(client, tenant_a, "/health"))["challenger"]
    assert challenger == {
        "version": "v2",
        "status": "shadow",
        "mae_7d": None,
        "champion_mae_7d": None,
        "promotion_eligible": False,
        "evaluated_points": 0,
    }


# --- /models/backtest/{version} -------------------------------------------------------


async def test_backtest_returns_the_last_90_days_in_date_order(
    client: httpx.AsyncClient, sessionmaker: Sessions, tenant_a: Tenant, tenant_b: Tenant
) -> None:
    await add_versions(sessionmaker, tenant_a, V("v1", CHAMPION), V("v2", CHALLENGER))
    end = dt.date(2026, 2, 28)
    # (days before the latest result, kind, version); inserted out of order on purpose.
    specs = [
        (45, "daily", "v1"),
        (0, "daily", "v1"),
        (90, "daily", "v1"),  # 91st day back: outside the 90 days
        (89, "daily", "v1"),  # the 90th day, inclusive
        (45, "weekly", "v1"),
        (1, "daily", "v1"),
        (0, "daily", "v2"),  # another version
    ]
    async with tenant_transaction(sessionmaker, tenant_a.customer_id) as session:
        for back, kind, version in specs:
            session.add(
                BacktestResult(
                    customer_id=tenant_a.customer_id,
                    model_version=version,
                    backtest_kind=kind,
                    forecast_date=end - dt.timedelta(days=back),
                    mae=10.0 + back,
                    mape=0.1,
                    stockout_miss_rate=0.05,
                    overstock_rate=0.2,
                )
            )

    body = await _get(client, tenant_a, "/backtest/v1")
    assert (body["model_name"], body["version"], body["days"]) == ("demand_forecast", "v1", 90)
    got = [(p["forecast_date"], p["backtest_kind"], p["mae"]) for p in body["points"]]
    assert got == [
        ((end - dt.timedelta(days=89)).isoformat(), "daily", 99.0),
        ((end - dt.timedelta(days=45)).isoformat(), "daily", 55.0),
        ((end - dt.timedelta(days=45)).isoformat(), "weekly", 55.0),
        ((end - dt.timedelta(days=1)).isoformat(), "daily", 11.0),
        (end.isoformat(), "daily", 10.0),
    ]
    assert body["points"][0] == {
        "forecast_date": (end - dt.timedelta(days=89)).isoformat(),
        "backtest_kind": "daily",
        "mae": 99.0,
        "mape": 0.1,
        "stockout_miss_rate": 0.05,
        "overstock_rate": 0.2,
    }
    # A version without results answers an empty series, not an error.
    assert (await _get(client, tenant_a, "/backtest/v2"))["points"] == [
        {
            "forecast_date": end.isoformat(),
            "backtest_kind": "daily",
            "mae": 10.0,
            "mape": 0.1,
            "stockout_miss_rate": 0.05,
            "overstock_rate": 0.2,
        }
    ]

    for tenant, version in [(tenant_a, "v7"), (tenant_b, "v1")]:
        missing = await client.get(f"{API}/backtest/{version}", headers=tenant.headers())
        assert missing.status_code == 404
        assert missing.json() == {
            "error": "NotFound",
            "detail": f"model 'demand_forecast' has no version '{version}'",
        }


async def test_backtest_of_a_version_without_results_is_empty(
    client: httpx.AsyncClient, sessionmaker: Sessions, tenant_a: Tenant
) -> None:
    await add_versions(sessionmaker, tenant_a, V("v1", CANDIDATE))
    assert (await _get(client, tenant_a, "/backtest/v1"))["points"] == []


# --- /models/history --------------------------------------------------------------------


async def test_history_lists_versions_newest_first_with_their_decisions(
    client: httpx.AsyncClient, sessionmaker: Sessions, tenant_a: Tenant, tenant_b: Tenant
) -> None:
    await add_versions(
        sessionmaker,
        tenant_a,
        V("v1", CHAMPION),
        V("v2", CHALLENGER),
        V("v3", CANDIDATE),
        V("v1", CHAMPION, model_name="other_model"),
    )
    await add_versions(sessionmaker, tenant_b, V("v9", CHAMPION))
    assert (await _post(client, tenant_a, "/v2/promote", REASON)).status_code == 200
    assert (await _post(client, tenant_a, "/v3/shadow", {"reason": "look"})).status_code == 200
    assert (await _post(client, tenant_a, "/v3/archive", {"reason": "no"})).status_code == 200

    body = await _get(client, tenant_a, "/history")
    assert (body["total"], body["limit"], body["offset"]) == (3, 50, 0)
    assert [(i["version"], i["status"]) for i in body["items"]] == [
        ("v3", "archived"),
        ("v2", "champion"),
        ("v1", "archived"),
    ]
    by_version = {i["version"]: i for i in body["items"]}
    (promoted,) = by_version["v2"]["decisions"]
    assert promoted["action"] == "promoted"
    assert promoted["previous_champion"] == "v1"
    assert promoted["decided_by"] == "ml_manager key"
    assert promoted["reasons"] == [REASON["reason"]]
    assert promoted["inputs"]["source"] == "api"
    assert [d["action"] for d in by_version["v1"]["decisions"]] == ["archived"]
    assert by_version["v1"]["decisions"][0]["reasons"] == ["replaced as champion by v2"]
    # Each version's decisions oldest first.
    assert [(d["action"], d["reasons"]) for d in by_version["v3"]["decisions"]] == [
        ("shadowed", ["look"]),
        ("rejected", ["no"]),
    ]
    assert by_version["v2"]["metrics"] == {"mae": 10.0}
    assert by_version["v2"]["feature_tier"] == "cold_start"

    page = await _get(client, tenant_a, "/history", limit=2, offset=1)
    assert [i["version"] for i in page["items"]] == ["v2", "v1"]
    assert page["total"] == 3
    other = await _get(client, tenant_a, "/history", model_name="other_model")
    assert [i["version"] for i in other["items"]] == ["v1"]
    # Tenant B sees only its own version.
    assert [i["version"] for i in (await _get(client, tenant_b, "/history"))["items"]] == ["v9"]


async def test_history_rejects_a_bad_page(client: httpx.AsyncClient, tenant_a: Tenant) -> None:
    response = await client.get(f"{API}/history?limit=0", headers=tenant_a.headers())
    assert problem_fields(response) == {"limit"}


# --- promote ----------------------------------------------------------------------------


async def test_ml_manager_promotes_with_a_reason(
    client: httpx.AsyncClient,
    sessionmaker: Sessions,
    tenant_a: Tenant,
    migrated: Settings,
) -> None:
    await add_versions(sessionmaker, tenant_a, V("v1", CHAMPION), V("v2", CHALLENGER))
    response = await _post(client, tenant_a, "/v2/promote", REASON)
    assert response.status_code == 200, response.text
    body = response.json()
    assert (body["version"], body["status"]) == ("v2", "champion")
    assert body["promoted_at"] is not None

    health = await _get(client, tenant_a, "/health")
    assert health["champion"]["version"] == "v2"
    assert health["challenger"] is None  # v2 left the challenger seat; v1 is archived
    assert await statuses(sessionmaker, tenant_a) == {"v1": "archived", "v2": "champion"}
    (audit,) = await audit_rows(sessionmaker, tenant_a)
    assert (audit.action, audit.actor, audit.note) == (
        "model.promote",
        "ml_manager key",
        "api: better on the holiday weeks",
    )
    # After the response the registry files were rewritten from the database.
    tenant_dir = migrated.artifacts_dir / str(tenant_a.customer_id)
    champion_file = json.loads((tenant_dir / "champion.json").read_text())
    assert (champion_file["version"], champion_file["status"]) == ("v2", "champion")
    registry = json.loads((tenant_dir / "registry.json").read_text())
    assert {e["version"]: e["status"] for e in registry} == {"v1": "archived", "v2": "champion"}


async def test_admin_may_promote_too(
    client: httpx.AsyncClient, sessionmaker: Sessions, tenant_a: Tenant
) -> None:
    await add_versions(sessionmaker, tenant_a, V("v1", SHADOW))
    response = await _post(client, tenant_a, "/v1/promote", REASON, role=Role.ADMIN)
    assert response.status_code == 200
    (decision,) = await decisions(sessionmaker, tenant_a)
    assert decision.decided_by == "admin key"


@pytest.mark.parametrize("role", [Role.PLANNER, Role.VIEWER])
async def test_planner_and_viewer_cannot_decide(
    client: httpx.AsyncClient, sessionmaker: Sessions, tenant_a: Tenant, role: Role
) -> None:
    await add_versions(sessionmaker, tenant_a, V("v1", CHAMPION), V("v2", CHALLENGER))
    await add_versions(sessionmaker, tenant_a, V("v3", SHADOW))
    for path in ["/v2/promote", "/rollback", "/v3/shadow", "/v2/archive"]:
        response = await _post(client, tenant_a, path, REASON, role=role)
        assert response.status_code == 403, (path, response.text)
        assert response.json() == {
            "error": "Forbidden",
            "detail": f"this action needs the ml_manager role; your key is {role.value}",
        }
    assert await statuses(sessionmaker, tenant_a) == {
        "v1": "champion",
        "v2": "challenger",
        "v3": "shadow",
    }
    assert await decisions(sessionmaker, tenant_a) == []


async def test_no_key_is_401(client: httpx.AsyncClient) -> None:
    assert (await client.get(f"{API}/health")).status_code == 401
    assert (await client.post(f"{API}/v1/promote", json=REASON)).status_code == 401


@pytest.mark.parametrize("body", [{}, {"reason": ""}, {"reason": "   "}, {"reason": None}, None])
async def test_promote_without_a_reason_is_422_naming_reason(
    client: httpx.AsyncClient,
    sessionmaker: Sessions,
    tenant_a: Tenant,
    body: dict[str, Any] | None,
) -> None:
    await add_versions(sessionmaker, tenant_a, V("v1", CHAMPION), V("v2", CHALLENGER))
    response = await _post(client, tenant_a, "/v2/promote", body)
    if body is None:  # no body at all: the body itself is what is missing
        assert problem_fields(response) == {"body"}
    else:
        assert problem_fields(response) == {"reason"}
    assert await statuses(sessionmaker, tenant_a) == {"v1": "champion", "v2": "challenger"}
    assert await decisions(sessionmaker, tenant_a) == []


async def test_promote_refusals_by_state(
    client: httpx.AsyncClient, sessionmaker: Sessions, tenant_a: Tenant, tenant_b: Tenant
) -> None:
    await add_versions(sessionmaker, tenant_a, V("v0", ARCHIVED), V("v1", CHAMPION))
    await add_versions(sessionmaker, tenant_b, V("v5", CHALLENGER))
    cases = [
        ("v0", 409, "Conflict", "v0 is archived; archived versions cannot be promoted"),
        ("v1", 409, "Conflict", "v1 is already the champion"),
        ("v9", 404, "NotFound", "model 'demand_forecast' has no version 'v9'"),
        # Tenant B's version: the same answer as for a version nobody has.
        ("v5", 404, "NotFound", "model 'demand_forecast' has no version 'v5'"),
    ]
    for version, code, name, detail in cases:
        response = await _post(client, tenant_a, f"/{version}/promote", REASON)
        assert response.status_code == code, response.text
        assert response.json() == {"error": name, "detail": detail}
    assert await statuses(sessionmaker, tenant_a) == {"v0": "archived", "v1": "champion"}
    assert await statuses(sessionmaker, tenant_b) == {"v5": "challenger"}
    assert await decisions(sessionmaker, tenant_a) == []
    assert await decisions(sessionmaker, tenant_b) == []


async def test_a_too_long_version_name_is_422(client: httpx.AsyncClient, tenant_a: Tenant) -> None:
    response = await _post(client, tenant_a, f"/{'v' * 33}/promote", REASON)
    assert problem_fields(response) == {"version"}


# --- rollback, shadow, archive ----------------------------------------------------------


async def test_rollback_through_the_api(
    client: httpx.AsyncClient, sessionmaker: Sessions, tenant_a: Tenant
) -> None:
    await add_versions(sessionmaker, tenant_a, V("v1", CHAMPION), V("v2", CHALLENGER))
    assert (await _post(client, tenant_a, "/v2/promote", REASON)).status_code == 200

    response = await _post(client, tenant_a, "/rollback", {"reason": "stock-outs doubled"})
    assert response.status_code == 200, response.text
    body = response.json()
    assert (body["version"], body["status"], body["archived_at"]) == ("v1", "champion", None)
    assert (await _get(client, tenant_a, "/health"))["champion"]["version"] == "v1"
    assert await statuses(sessionmaker, tenant_a) == {"v1": "champion", "v2": "archived"}

    missing = await _post(client, tenant_a, "/rollback", {})
    assert problem_fields(missing) == {"reason"}


async def test_rollback_without_an_earlier_champion_is_409(
    client: httpx.AsyncClient, sessionmaker: Sessions, tenant_a: Tenant, tenant_b: Tenant
) -> None:
    nothing = await _post(client, tenant_a, "/rollback", REASON)
    assert nothing.status_code == 409
    assert nothing.json()["detail"] == "model 'demand_forecast' has no champion to roll back from"

    await add_versions(sessionmaker, tenant_a, V("v1", CHAMPION))
    # Tenant B's promotions are no history of A's.
    await add_versions(sessionmaker, tenant_b, V("v1", CHAMPION), V("v2", CHALLENGER))
    assert (await _post(client, tenant_b, "/v2/promote", REASON)).status_code == 200
    first = await _post(client, tenant_a, "/rollback", REASON)
    assert first.status_code == 409
    assert first.json() == {
        "error": "Conflict",
        "detail": "v1 replaced no earlier champion; nothing to roll back to",
    }
    assert await statuses(sessionmaker, tenant_a) == {"v1": "champion"}


async def test_shadow_and_archive_through_the_api(
    client: httpx.AsyncClient, sessionmaker: Sessions, tenant_a: Tenant, tenant_b: Tenant
) -> None:
    await add_versions(sessionmaker, tenant_a, V("v1", CHAMPION), V("v2", CHALLENGER))
    shadowed = await _post(client, tenant_a, "/v2/shadow", {"reason": "a week beside v1"})
    assert shadowed.status_code == 200
    assert shadowed.json()["status"] == "shadow"
    assert (await _get(client, tenant_a, "/health"))["challenger"]["status"] == "shadow"

    champion = await _post(client, tenant_a, "/v1/archive", {"reason": "x"})
    assert champion.status_code == 409
    assert champion.json()["detail"] == "v1 is the champion; promote another version or roll back"

    archived = await _post(client, tenant_a, "/v2/archive", {"reason": "worse on dairy"})
    assert archived.status_code == 200
    assert archived.json()["archived_at"] is not None
    again = await _post(client, tenant_a, "/v2/shadow", {"reason": "second thoughts"})
    assert again.status_code == 409
    assert again.json()["detail"] == "v2 is archived; archived is final"
    other = await _post(client, tenant_b, "/v2/archive", {"reason": "x"})
    assert other.status_code == 404

    assert await statuses(sessionmaker, tenant_a) == {"v1": "champion", "v2": "archived"}
    assert (await _get(client, tenant_a, "/health"))["challenger"] is None


# --- the retraining log ---------------------------------------------------------------

# (trigger, status, version produced, days after T0, error)
RETRAINS = [
    ("scheduled", RunStatus.COMPLETED, "v1", 0, None),
    ("drift_detected", RunStatus.FAILED, None, 1, "out of memory"),
    ("manual", RunStatus.COMPLETED, "v2", 2, None),
    ("new_data", RunStatus.SKIPPED, None, 3, "another retrain was running"),
    ("manual", RunStatus.RUNNING, None, 4, None),
]


async def _retrains(sessionmaker: Sessions, tenant: Tenant) -> list[uuid.UUID]:
    """The RETRAINS rows of ``tenant`` (inserted newest-in-the-middle); their ids in order."""
    rows = []
    async with tenant_transaction(sessionmaker, tenant.customer_id) as session:
        for trigger, status, version, days, error in [RETRAINS[2], *RETRAINS[:2], *RETRAINS[3:]]:
            started = T0 + dt.timedelta(days=days)
            row = ModelRetrainingLog(
                customer_id=tenant.customer_id,
                trigger_type=trigger,
                status=status.value,
                version_produced=version,
                started_at=started,
                completed_at=None
                if status is RunStatus.RUNNING
                else started + dt.timedelta(minutes=12),
                error_message=error,
                trigger_metadata={"by": "test"},
            )
            session.add(row)
            rows.append((days, row))
        await session.flush()
        return [row.retrain_id for _, row in sorted(rows, key=lambda r: r[0])]


async def test_retrains_are_listed_newest_first(
    client: httpx.AsyncClient, sessionmaker: Sessions, tenant_a: Tenant, tenant_b: Tenant
) -> None:
    ids = await _retrains(sessionmaker, tenant_a)
    await _retrains(sessionmaker, tenant_b)
    listed = await _get(client, tenant_a, "/retrains")
    assert [r["retrain_id"] for r in listed] == [str(i) for i in reversed(ids)]
    assert [(r["trigger_type"], r["status"], r["version_produced"]) for r in listed] == [
        ("manual", "running", None),
        ("new_data", "skipped", None),
        ("manual", "completed", "v2"),
        ("drift_detected", "failed", None),
        ("scheduled", "completed", "v1"),
    ]
    assert listed[3]["error_message"] == "out of memory"
    assert listed[0]["completed_at"] is None
    assert [r["retrain_id"] for r in await _get(client, tenant_a, "/retrains", limit=2)] == [
        str(ids[4]),
        str(ids[3]),
    ]
    bad = await client.get(f"{API}/retrains?limit=0", headers=tenant_a.headers())
    assert problem_fields(bad) == {"limit"}


async def test_one_retrain_and_tenant_isolation(
    client: httpx.AsyncClient, sessionmaker: Sessions, tenant_a: Tenant, tenant_b: Tenant
) -> None:
    ids_a = await _retrains(sessionmaker, tenant_a)
    ids_b = await _retrains(sessionmaker, tenant_b)
    one = await _get(client, tenant_a, f"/retrains/{ids_a[2]}")
    assert one == {
        "retrain_id": str(ids_a[2]),
        "model_name": "demand_forecast",
        "trigger_type": "manual",
        "status": "completed",
        "version_produced": "v2",
        "started_at": one["started_at"],
        "completed_at": one["completed_at"],
        "error_message": None,
    }
    started = dt.datetime.fromisoformat(one["started_at"])
    assert started == T0 + dt.timedelta(days=2)
    assert dt.datetime.fromisoformat(one["completed_at"]) - started == dt.timedelta(minutes=12)

    for retrain_id in [ids_b[2], uuid.uuid4()]:
        response = await client.get(f"{API}/retrains/{retrain_id}", headers=tenant_a.headers())
        assert response.status_code == 404
        assert response.json()["error"] == "NotFound"
    not_an_id = await client.get(f"{API}/retrains/not-an-id", headers=tenant_a.headers())
    assert problem_fields(not_an_id) == {"retrain_id"}


async def _retrain_count(sessionmaker: Sessions, tenant: Tenant) -> int:
    async with tenant_transaction(sessionmaker, tenant.customer_id) as session:
        rows = await session.scalars(
            select(ModelRetrainingLog).where(ModelRetrainingLog.customer_id == tenant.customer_id)
        )
        return len(rows.all())


async def test_retrain_with_an_unknown_trigger_is_422_naming_trigger(
    client: httpx.AsyncClient, sessionmaker: Sessions, tenant_a: Tenant
) -> None:
    response = await _post(client, tenant_a, "/retrain", {"trigger": "whenever"})
    assert problem_fields(response) == {"trigger"}
    assert response.json()["detail"] == [
        {
            "location": ["body", "trigger"],
            "message": "unknown trigger 'whenever'; expected one of scheduled, manual, "
            "drift_detected, new_data",
            "type": "value_error",
        }
    ]

    wrong_type = await _post(client, tenant_a, "/retrain", {"trigger": ["manual"]})
    assert problem_fields(wrong_type) == {"trigger"}
    assert await _retrain_count(sessionmaker, tenant_a) == 0


async def test_retrain_with_an_unknown_field_is_422_and_queues_nothing(
    client: httpx.AsyncClient, sessionmaker: Sessions, tenant_a: Tenant
) -> None:
    # Like every other body: a misspelt field is refused, not ignored (a 202 here started
    # a real retrain). The invalid trigger is there so that, were the unknown field still
    # ignored, no retrain would start: the answer would name trigger instead.
    response = await _post(client, tenant_a, "/retrain", {"bogus": 1, "trigger": "whenever"})
    assert problem_fields(response) == {"bogus"}
    assert response.json()["detail"][0]["type"] == "extra_forbidden"
    assert await _retrain_count(sessionmaker, tenant_a) == 0


async def test_decisions_with_an_unknown_field_are_422_and_change_nothing(
    client: httpx.AsyncClient, sessionmaker: Sessions, tenant_a: Tenant
) -> None:
    await add_versions(sessionmaker, tenant_a, V("v1", CHAMPION), V("v2", CHALLENGER))
    for path in ("/v2/promote", "/v2/shadow", "/v2/archive", "/rollback"):
        response = await _post(client, tenant_a, path, {**REASON, "resaon": "typo"})
        assert problem_fields(response) == {"resaon"}, path
    assert await statuses(sessionmaker, tenant_a) == {"v1": "champion", "v2": "challenger"}
    assert await decisions(sessionmaker, tenant_a) == []
    assert await audit_rows(sessionmaker, tenant_a) == []


@pytest.mark.parametrize("role", [Role.PLANNER, Role.VIEWER])
async def test_retrain_needs_an_ml_manager(
    client: httpx.AsyncClient, sessionmaker: Sessions, tenant_a: Tenant, role: Role
) -> None:
    # An invalid trigger on purpose (no retrain may start here): the role is checked first.
    response = await _post(client, tenant_a, "/retrain", {"trigger": "whenever"}, role=role)
    assert response.status_code == 403
    assert response.json()["error"] == "Forbidden"
    assert await _retrain_count(sessionmaker, tenant_a) == 0


# --- seed 003's SQL, verbatim -------------------------------------------------------------

SEED_ID = "00000000-0000-0000-0000-000000000001"
CHAMPION_METRICS_SQL = """
SELECT
    version,
    metrics->>'mae' AS mae,
    metrics->>'mape' AS mape,
    metrics->>'tier' AS tier,
    promoted_at
FROM model_versions
WHERE
    customer_id = '00000000-0000-0000-0000-000000000001'
    AND model_name = 'demand_forecast'
    AND status = 'champion';
"""
RECENT_RETRAINS_SQL = """
SELECT
    model_name,
    trigger_type,
    version_produced,
    status,
    started_at,
    completed_at
FROM model_retraining_log
WHERE customer_id = '00000000-0000-0000-0000-000000000001'
ORDER BY started_at DESC
LIMIT 10;
"""


def _literal(tenant: Tenant, backend: str) -> str:
    # PostgreSQL compares the uuid as the seed writes it; SQLAlchemy's Uuid type stores
    # 32 hex digits without dashes on SQLite, so there the literal is that spelling.
    return str(tenant.customer_id) if backend == "postgres" else tenant.customer_id.hex


def _utc(value: dt.datetime | str | None) -> dt.datetime | None:
    """A timestamp as raw SQL returns it (text on SQLite) as an aware UTC datetime."""
    if value is None:
        return None
    parsed = dt.datetime.fromisoformat(value) if isinstance(value, str) else value
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=dt.UTC)


async def test_seed_champion_metrics_sql_matches_the_api(
    client: httpx.AsyncClient,
    sessionmaker: Sessions,
    tenant_a: Tenant,
    tenant_b: Tenant,
    backend: str,
) -> None:
    if backend == "sqlite" and sqlite3.sqlite_version_info < (3, 38, 0):
        pytest.skip(f"SQLite {sqlite3.sqlite_version} has no ->> operator (needs 3.38)")
    seed_metrics = {"mae": 11.2, "mape": 0.18, "tier": "cold_start", "wape": 0.2}
    await add_versions(
        sessionmaker,
        tenant_a,
        V("v1", ARCHIVED, {"mae": 12.8, "mape": 0.2, "tier": "cold_start"}),
        V("v2", CHALLENGER, seed_metrics),
        V("v1", CHAMPION, {"mae": 1.0, "mape": 0.01, "tier": "x"}, model_name="other_model"),
    )
    await add_versions(sessionmaker, tenant_b, V("v1", CHAMPION, {"mae": 2.0}))
    assert (await _post(client, tenant_a, "/v2/promote", REASON)).status_code == 200

    sql = CHAMPION_METRICS_SQL.replace(SEED_ID, _literal(tenant_a, backend))
    async with tenant_transaction(sessionmaker, tenant_a.customer_id) as session:
        (row,) = (await session.execute(text(sql))).all()

    health = (await _get(client, tenant_a, "/health"))["champion"]
    history = {i["version"]: i for i in (await _get(client, tenant_a, "/history"))["items"]}
    assert row.version == health["version"] == "v2"
    # ->> gives text on PostgreSQL and the JSON number on SQLite; same value either way.
    assert float(row.mae) == health["baseline_mae"] == 11.2
    assert float(row.mape) == history["v2"]["metrics"]["mape"] == 0.18
    assert row.tier == history["v2"]["metrics"]["tier"] == "cold_start"
    assert _utc(row.promoted_at) == dt.datetime.fromisoformat(history["v2"]["promoted_at"])


async def test_seed_recent_retraining_events_sql_matches_the_api(
    client: httpx.AsyncClient,
    sessionmaker: Sessions,
    tenant_a: Tenant,
    tenant_b: Tenant,
    backend: str,
) -> None:
    await _retrains(sessionmaker, tenant_a)
    await _retrains(sessionmaker, tenant_b)
    sql = RECENT_RETRAINS_SQL.replace(SEED_ID, _literal(tenant_a, backend))
    async with tenant_transaction(sessionmaker, tenant_a.customer_id) as session:
        rows = (await session.execute(text(sql))).all()

    api = await _get(client, tenant_a, "/retrains", limit=10)
    assert len(rows) == len(api) == 5
    assert [
        (
            r.model_name,
            r.trigger_type,
            r.version_produced,
            r.status,
            _utc(r.started_at),
            _utc(r.completed_at),
        )
        for r in rows
    ] == [
        (
            a["model_name"],
            a["trigger_type"],
            a["version_produced"],
            a["status"],
            _utc(a["started_at"]),
            _utc(a["completed_at"]),
        )
        for a in api
    ]


async def test_an_api_promotion_is_committed(
    client: httpx.AsyncClient, sessionmaker: Sessions, tenant_a: Tenant
) -> None:
    # A fresh transaction sees what the API answered: the request's transaction committed.
    await add_versions(sessionmaker, tenant_a, V("v1", SHADOW))
    answer = (await _post(client, tenant_a, "/v1/promote", REASON)).json()
    row = (await versions(sessionmaker, tenant_a))["v1"]
    assert row.status == answer["status"] == "champion"
    assert row.promoted_at == dt.datetime.fromisoformat(answer["promoted_at"])


async def test_promotions_and_rollbacks_at_once_leave_exactly_one_champion(
    client: httpx.AsyncClient, sessionmaker: Sessions, tenant_a: Tenant
) -> None:
    # Each waited for the champion's row lock, then re-read only that row (no longer
    # champion) and crowned its own version beside the other's: two champions. With the
    # tenant's registry lock they take turns; each sees the champion the last one made.
    await add_versions(
        sessionmaker,
        tenant_a,
        V("v1", CHAMPION),
        V("v2", CANDIDATE),
        V("v3", CANDIDATE),
        V("v4", CANDIDATE),
    )
    answers = await asyncio.gather(
        _post(client, tenant_a, "/v2/promote", REASON),
        _post(client, tenant_a, "/v3/promote", REASON),
        _post(client, tenant_a, "/v4/promote", REASON),
        _post(client, tenant_a, "/rollback", REASON),
    )
    assert all(a.status_code in (200, 409) for a in answers), [a.text for a in answers]
    now = await statuses(sessionmaker, tenant_a)
    assert list(now.values()).count("champion") == 1, now
    # Every version that was champion and was replaced is archived, never left beside it.
    assert set(now.values()) <= {"champion", "archived", "candidate"}
