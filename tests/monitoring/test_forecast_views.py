"""``/api/v1/forecasts/series``, ``/accuracy-trend`` and ``/freshness`` on a small
hand-worked example written through the ORM (both backends), with tenant isolation."""

from __future__ import annotations

import datetime as dt

import httpx
import pytest
from sqlalchemy import event

from shelfops.kit.db import tenant_transaction
from shelfops.models import (
    DemandForecast,
    ForecastAccuracy,
    ModelStatus,
    ModelVersion,
    Product,
    Role,
    Sale,
    Store,
)
from shelfops.monitoring.forecast_views import forecast_series
from tests.conftest import Tenant
from tests.monitoring.jobs_helpers import Sessions

API = "/api/v1/forecasts"
D = [dt.date(2024, 3, 1) + dt.timedelta(days=k) for k in range(8)]  # D[0] = March 1
ISSUE_OLD, ISSUE_NEW = D[3], D[4]  # March 4 and March 5


def _accuracy(
    ids: dict[str, int],
    product: str,
    day: dt.date,
    issue: dt.date,
    forecast: float,
    actual: float,
    *,
    within: bool | None,
    stockout: bool = False,
    version: str = "v1",
) -> ForecastAccuracy:
    error = abs(forecast - actual)
    return ForecastAccuracy(
        store_id=ids["S1"],
        product_id=ids[product],
        issue_date=issue,
        forecast_date=day,
        model_version=version,
        forecasted_demand=forecast,
        actual_demand=actual,
        absolute_error=error,
        percentage_error=error / actual if actual else None,
        within_interval=within,
        stockout=stockout,
    )


async def _example(sessionmaker: Sessions, tenant: Tenant) -> dict[str, int]:
    """One store, two products, sales March 1–5, forecasts and scored forecasts.

    S1|P1 sales: 1, 2, (no row), 2 (closed at 0 on hand: a stock-out), 0.
    Scored rows (latest issue per day counts):
    * March 4: P1 forecast 4 vs 2 (inside, stock-out) and P2 1 vs 3 (outside); an older
      issue of P1 (10 vs 2) is superseded.
    * March 5: P1 forecast 3 vs 0, no interval; another model's row the same day is
      not counted.
    """
    customer = tenant.customer_id
    async with tenant_transaction(sessionmaker, customer) as session:
        store = Store(customer_id=customer, store_code="S1", name="Store One")
        p1 = Product(
            customer_id=customer,
            product_code="P1",
            name="Milk",
            category="Dairy",
            department="Grocery",
            unit_cost=0.8,
            unit_price=1.5,
        )
        p2 = Product(
            customer_id=customer,
            product_code="P2",
            name="Bread",
            category="Bakery",
            department="Grocery",
            unit_cost=0.5,
            unit_price=1.0,
        )
        session.add_all([store, p1, p2])
        await session.flush()
        ids = {"S1": store.store_id, "P1": p1.product_id, "P2": p2.product_id}
        for name, model_name, status in (
            ("v0", "demand_forecast", ModelStatus.ARCHIVED),
            ("v1", "demand_forecast", ModelStatus.CHAMPION),
            ("x1", "other_model", ModelStatus.CHAMPION),
        ):
            session.add(
                ModelVersion(
                    customer_id=customer, model_name=model_name, version=name, status=status.value
                )
            )
        for day, quantity, on_hand in (
            (D[0], 1.0, 5.0),
            (D[1], 2.0, None),
            (D[3], 2.0, 0.0),
            (D[4], 0.0, 3.0),
        ):
            session.add(
                Sale(
                    customer_id=customer,
                    store_id=ids["S1"],
                    product_id=ids["P1"],
                    sale_date=day,
                    quantity=quantity,
                    unit_price=1.5,
                    on_hand_close=on_hand,
                )
            )
        session.add(
            Sale(
                customer_id=customer,
                store_id=ids["S1"],
                product_id=ids["P2"],
                sale_date=D[4],
                quantity=3.0,
                unit_price=1.0,
            )
        )
        for issue, days in ((ISSUE_OLD, D[4:6]), (ISSUE_NEW, D[5:7])):
            for k, day in enumerate(days):
                mean = 2.0 + k + (issue == ISSUE_NEW)
                session.add(
                    DemandForecast(
                        customer_id=customer,
                        store_id=ids["S1"],
                        product_id=ids["P1"],
                        issue_date=issue,
                        forecast_date=day,
                        model_version="v1",
                        forecasted_demand=mean,
                        lower_bound=mean - 1,
                        upper_bound=mean + 1,
                        quantiles={"0.1": mean - 1, "0.5": mean, "0.9": mean + 1},
                    )
                )
        rows = [
            _accuracy(ids, "P1", D[3], D[1], 10.0, 2.0, within=False),
            _accuracy(ids, "P1", D[3], D[2], 4.0, 2.0, within=True, stockout=True),
            _accuracy(ids, "P2", D[3], D[2], 1.0, 3.0, within=False),
            _accuracy(ids, "P1", D[4], D[3], 3.0, 0.0, within=None),
            _accuracy(ids, "P2", D[4], D[3], 9.0, 3.0, within=True, version="x1"),
        ]
        for row in rows:
            row.customer_id = customer
        session.add_all(rows)
    return ids


async def test_accuracy_trend_matches_the_hand_worked_example(
    client: httpx.AsyncClient, sessionmaker: Sessions, tenant_a: Tenant
) -> None:
    await _example(sessionmaker, tenant_a)
    viewer = tenant_a.headers(Role.VIEWER)

    trend = (await client.get(f"{API}/accuracy-trend", headers=viewer)).json()

    assert trend == [
        # |4-2| + |1-3| = 4 over 2 rows; Σ actual 5; bias (2 - 2) / 2; one of two inside.
        {
            "date": "2024-03-04",
            "series": 2,
            "mae": 2.0,
            "wape": pytest.approx(0.8),
            "bias": 0.0,
            "coverage": 0.5,
            "stockout_days": 1,
        },
        # Nothing sold: no WAPE; no row with an interval: no coverage.
        {
            "date": "2024-03-05",
            "series": 1,
            "mae": 3.0,
            "wape": None,
            "bias": 3.0,
            "coverage": None,
            "stockout_days": 0,
        },
    ]
    last = (await client.get(f"{API}/accuracy-trend?days=1", headers=viewer)).json()
    assert [p["date"] for p in last] == ["2024-03-05"]
    other = await client.get(f"{API}/accuracy-trend?model_name=other_model", headers=viewer)
    assert [(p["date"], p["mae"], p["wape"]) for p in other.json()] == [("2024-03-05", 6.0, 2.0)]
    assert (await client.get(f"{API}/accuracy-trend?days=0", headers=viewer)).status_code == 422


async def test_series_history_forecast_and_actuals(
    client: httpx.AsyncClient, sessionmaker: Sessions, tenant_a: Tenant
) -> None:
    ids = await _example(sessionmaker, tenant_a)
    params = {"store_id": ids["S1"], "product_id": ids["P1"], "history_days": 5}

    response = await client.get(f"{API}/series", params=params, headers=tenant_a.headers())

    assert response.status_code == 200, response.text
    body = response.json()
    assert (body["store_name"], body["product_name"], body["sku"]) == ("Store One", "Milk", "P1")
    assert (body["model_version"], body["issue_date"]) == ("v1", "2024-03-05")
    # March 1–5 (the tenant's latest sales day): the missing March 3 is 0, in stock.
    assert [(p["date"], p["quantity"], p["stockout"]) for p in body["history"]] == [
        ("2024-03-01", 1.0, False),
        ("2024-03-02", 2.0, False),
        ("2024-03-03", 0.0, False),
        ("2024-03-04", 2.0, True),
        ("2024-03-05", 0.0, False),
    ]
    assert body["forecast"] == [
        {
            "date": "2024-03-06",
            "mean": 3.0,
            "lower": 2.0,
            "upper": 4.0,
            "quantiles": {"0.1": 2.0, "0.5": 3.0, "0.9": 4.0},
        },
        {
            "date": "2024-03-07",
            "mean": 4.0,
            "lower": 3.0,
            "upper": 5.0,
            "quantiles": {"0.1": 3.0, "0.5": 4.0, "0.9": 5.0},
        },
    ]
    actuals = [
        (
            a["date"],
            a["issue_date"],
            a["forecast"],
            a["actual"],
            a["within_interval"],
            a["stockout"],
        )
        for a in body["actuals"]
    ]
    assert actuals == [
        ("2024-03-04", "2024-03-03", 4.0, 2.0, True, True),
        ("2024-03-05", "2024-03-04", 3.0, 0.0, None, False),
    ]
    short = await client.get(
        f"{API}/series", params={**params, "history_days": 1}, headers=tenant_a.headers()
    )
    assert [p["date"] for p in short.json()["history"]] == ["2024-03-05"]
    assert [a["date"] for a in short.json()["actuals"]] == ["2024-03-05"]


async def test_series_read_is_two_statements(sessionmaker: Sessions, tenant_a: Tenant) -> None:
    """The names and latest sales day, then history, actuals and forecast as one union:
    the dashboard's most frequent read costs two round trips besides the transaction's."""
    ids = await _example(sessionmaker, tenant_a)
    statements: list[str] = []

    def _record(_conn: object, _cursor: object, statement: str, *_: object) -> None:
        if "set_config" not in statement:  # PostgreSQL's tenant binding, not the read's
            statements.append(statement)

    engine = sessionmaker.kw["bind"]
    event.listen(engine.sync_engine, "before_cursor_execute", _record)
    try:
        async with tenant_transaction(sessionmaker, tenant_a.customer_id) as session:
            series = await forecast_series(
                session,
                store_id=ids["S1"],
                product_id=ids["P1"],
                history_days=5,
                model_name="demand_forecast",
            )
    finally:
        event.remove(engine.sync_engine, "before_cursor_execute", _record)
    assert len(statements) == 2, statements
    assert "UNION ALL" in statements[1]
    assert (len(series.history), len(series.forecast), len(series.actuals)) == (5, 2, 2)


async def test_series_forecast_is_the_champions_not_a_newer_issue_of_another_version(
    client: httpx.AsyncClient, sessionmaker: Sessions, tenant_a: Tenant
) -> None:
    # A challenger issued a newer forecast of the series: the view keeps showing the
    # champion's latest issue.
    ids = await _example(sessionmaker, tenant_a)
    async with tenant_transaction(sessionmaker, tenant_a.customer_id) as session:
        session.add(
            ModelVersion(
                customer_id=tenant_a.customer_id,
                model_name="demand_forecast",
                version="v2",
                status=ModelStatus.CHALLENGER.value,
            )
        )
        session.add(
            DemandForecast(
                customer_id=tenant_a.customer_id,
                store_id=ids["S1"],
                product_id=ids["P1"],
                issue_date=D[5],
                forecast_date=D[6],
                model_version="v2",
                forecasted_demand=99.0,
                lower_bound=98.0,
                upper_bound=100.0,
                quantiles={},
            )
        )
    params = {"store_id": ids["S1"], "product_id": ids["P1"], "history_days": 5}

    body = (await client.get(f"{API}/series", params=params, headers=tenant_a.headers())).json()

    assert (body["model_version"], body["issue_date"]) == ("v1", "2024-03-05")
    assert [(p["date"], p["mean"]) for p in body["forecast"]] == [
        ("2024-03-06", 3.0),
        ("2024-03-07", 4.0),
    ]


async def test_series_of_a_product_without_forecasts_or_sales(
    client: httpx.AsyncClient, sessionmaker: Sessions, tenant_a: Tenant
) -> None:
    ids = await _example(sessionmaker, tenant_a)
    params = {"store_id": ids["S1"], "product_id": ids["P2"], "history_days": 2}

    body = (await client.get(f"{API}/series", params=params, headers=tenant_a.headers())).json()

    assert (body["model_version"], body["issue_date"], body["forecast"]) == (None, None, [])
    assert [(p["date"], p["quantity"]) for p in body["history"]] == [
        ("2024-03-04", 0.0),
        ("2024-03-05", 3.0),
    ]
    # Only other_model's row scored P2 on March 5; the champion model's March 4 row counts.
    assert [(a["date"], a["forecast"]) for a in body["actuals"]] == [("2024-03-04", 1.0)]


async def test_series_is_tenant_scoped_and_404s_name_what_is_missing(
    client: httpx.AsyncClient, sessionmaker: Sessions, tenant_a: Tenant, tenant_b: Tenant
) -> None:
    ids = await _example(sessionmaker, tenant_a)
    params = {"store_id": ids["S1"], "product_id": ids["P1"]}

    other = await client.get(f"{API}/series", params=params, headers=tenant_b.headers())
    assert other.status_code == 404
    assert other.json()["error"] == "NotFound"
    assert f"no store {ids['S1']}" in other.text

    missing = await client.get(
        f"{API}/series",
        params={**params, "product_id": ids["P2"] + 1000},
        headers=tenant_a.headers(),
    )
    assert missing.status_code == 404 and "no product" in missing.text
    assert (await client.get(f"{API}/series", params=params)).status_code == 401
    assert (await client.get(f"{API}/accuracy-trend", headers=tenant_b.headers())).json() == []


async def test_freshness(
    client: httpx.AsyncClient, sessionmaker: Sessions, tenant_a: Tenant, tenant_b: Tenant
) -> None:
    await _example(sessionmaker, tenant_a)

    body = (await client.get(f"{API}/freshness", headers=tenant_a.headers(Role.VIEWER))).json()

    assert {k: v for k, v in body.items() if k != "checked_at"} == {
        "latest_sales_date": "2024-03-05",
        "latest_issue_date": "2024-03-05",
        "latest_forecast_date": "2024-03-07",
        "latest_accuracy_date": "2024-03-05",
    }
    assert dt.datetime.fromisoformat(body["checked_at"]).tzinfo is not None
    empty = (await client.get(f"{API}/freshness", headers=tenant_b.headers())).json()
    assert empty["latest_sales_date"] is None and empty["latest_accuracy_date"] is None


async def test_series_ids_past_64_bits_are_422_naming_the_parameter(
    client: httpx.AsyncClient, tenant_a: Tenant
) -> None:
    # Ids are BIGINT: a larger one used to crash the database driver (a 500).
    for name in ("store_id", "product_id"):
        params = {"store_id": 1, "product_id": 1, name: 2**63}
        response = await client.get(f"{API}/series", params=params, headers=tenant_a.headers())
        assert response.status_code == 422, response.text
        assert [p["location"] for p in response.json()["detail"]] == [["query", name]]
