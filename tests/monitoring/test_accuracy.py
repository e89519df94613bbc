"""``compute_accuracy`` scores stored forecasts and shadow predictions against the sales
that arrived, exactly as worked out by hand, once."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import polars as pl
import pytest

from shelfops.config import Settings
from shelfops.kit.db import tenant_transaction
from shelfops.models import DemandForecast, ForecastAccuracy, ShadowPrediction
from shelfops.monitoring.accuracy import compute_accuracy
from shelfops.monitoring.forecasts import generate_forecasts
from tests.conftest import Tenant
from tests.ingest.helpers import codes_to_ids
from tests.monitoring.jobs_helpers import (
    EARLIER,
    END,
    HORIZON,
    ISSUE,
    JAN1,
    Sessions,
    add_version,
    forecast,
    small_tenant,
    table_rows,
    tenant_with_sales,
    write_dataset,
)

JAN3, JAN5 = dt.date(2024, 1, 3), dt.date(2024, 1, 5)


@pytest.fixture(scope="module")
def generated(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_dataset(tmp_path_factory.mktemp("accuracy-jobs"))


async def scores(sessions: Sessions, tenant: Tenant, ids: dict[str, int]) -> dict[Any, Any]:
    # Store, product and supplier ids are separate sequences: map pairs, not single ids.
    series = {(ids[s], ids[p]): f"{s}|{p}" for s in ("S1", "S2") for p in ("P1", "P2", "P3")}
    rows = await table_rows(sessions, tenant.customer_id, ForecastAccuracy)
    return {
        (series[(r.store_id, r.product_id)], r.forecast_date, r.issue_date): (
            r.forecasted_demand,
            r.actual_demand,
            r.absolute_error,
            r.percentage_error,
            r.within_interval,
            r.stockout,
        )
        for r in rows
    }


async def test_scores_equal_the_hand_computation(
    sessionmaker: Sessions, migrated: Settings, tmp_path: Path
) -> None:
    tenant, ids = await small_tenant(sessionmaker, tmp_path)
    cid = tenant.customer_id
    async with tenant_transaction(sessionmaker, cid) as session:
        session.add_all(
            [
                forecast(cid, ids, "S1|P1", JAN1, 4.0, (2.0, 6.0)),
                forecast(cid, ids, "S1|P1", JAN1, 10.0, (8.0, 12.0), issue=EARLIER),
                forecast(cid, ids, "S1|P2", JAN1, 1.0, (0.0, 2.0)),
                forecast(cid, ids, "S2|P1", JAN1, 5.0, (4.0, 6.0)),
                forecast(cid, ids, "S2|P2", JAN3, 2.5, None),
                forecast(cid, ids, "S1|P1", JAN5, 6.0, (4.0, 8.0)),  # no sales yet
            ]
        )

    report = await compute_accuracy(sessionmaker, migrated, customer_id=cid)

    assert (report.accuracy_rows, report.skipped) == (5, None)
    assert await scores(sessionmaker, tenant, ids) == {
        # forecast, actual, |e|, |e|/actual, lower ≤ actual ≤ upper, on_hand_close = 0
        ("S1|P1", JAN1, ISSUE): (4.0, 5.0, 1.0, pytest.approx(0.2), True, False),
        ("S1|P1", JAN1, EARLIER): (10.0, 5.0, 5.0, pytest.approx(1.0), False, False),
        # Zero sold: no percentage; the shelf was empty at close, so a stock-out.
        ("S1|P2", JAN1, ISSUE): (1.0, 0.0, 1.0, None, True, True),
        # Stock at close not recorded: not a stock-out.
        ("S2|P1", JAN1, ISSUE): (5.0, 3.0, 2.0, pytest.approx(2 / 3), False, False),
        # No interval stored: whether the actual lies inside is unknown.
        ("S2|P2", JAN3, ISSUE): (2.5, 2.5, 0.0, 0.0, None, False),
    }


async def test_a_second_run_scores_nothing_and_says_why(
    sessionmaker: Sessions, migrated: Settings, tmp_path: Path
) -> None:
    tenant, ids = await small_tenant(sessionmaker, tmp_path)
    cid = tenant.customer_id
    async with tenant_transaction(sessionmaker, cid) as session:
        session.add(forecast(cid, ids, "S1|P1", JAN1, 4.0, (2.0, 6.0)))
    await compute_accuracy(sessionmaker, migrated, customer_id=cid)
    before = await scores(sessionmaker, tenant, ids)

    again = await compute_accuracy(sessionmaker, migrated, customer_id=cid)

    assert (again.accuracy_rows, again.shadow_rows) == (0, 0)
    assert again.skipped == "no actuals since the last run for any stored forecast"
    assert await scores(sessionmaker, tenant, ids) == before
    assert len(before) == 1


async def test_shadow_predictions_get_the_actual_and_both_errors(
    sessionmaker: Sessions, migrated: Settings, tmp_path: Path
) -> None:
    tenant, ids = await small_tenant(sessionmaker, tmp_path)
    cid = tenant.customer_id

    def shadow(series: str, day: dt.date, champion: float, challenger: float) -> ShadowPrediction:
        store, product = series.split("|")
        return ShadowPrediction(
            customer_id=cid,
            store_id=ids[store],
            product_id=ids[product],
            issue_date=ISSUE,
            forecast_date=day,
            champion_version="v1",
            challenger_version="v2",
            champion_prediction=champion,
            challenger_prediction=challenger,
        )

    async with tenant_transaction(sessionmaker, cid) as session:
        session.add_all(
            [
                shadow("S1|P1", JAN1, 4.0, 6.5),
                shadow("S2|P1", JAN1, 5.0, 2.5),
                shadow("S1|P1", JAN5, 4.0, 6.0),  # no sales yet
            ]
        )

    report = await compute_accuracy(sessionmaker, migrated, customer_id=cid)
    again = await compute_accuracy(sessionmaker, migrated, customer_id=cid)

    assert (report.shadow_rows, again.shadow_rows) == (2, 0)
    rows = await table_rows(sessionmaker, cid, ShadowPrediction)
    got = {
        (r.store_id, r.forecast_date): (r.actual_demand, r.champion_error, r.challenger_error)
        for r in rows
    }
    assert got == {
        (ids["S1"], JAN1): (5.0, 1.0, 1.5),
        (ids["S2"], JAN1): (3.0, 2.0, 0.5),
        (ids["S1"], JAN5): (None, None, None),
    }


async def test_generated_forecasts_are_scored_against_their_sales(
    sessionmaker: Sessions, migrated: Settings, generated: Path
) -> None:
    tenant = await tenant_with_sales(sessionmaker, generated)
    cid = tenant.customer_id
    await add_version(sessionmaker, migrated, cid)
    issue = END - dt.timedelta(days=HORIZON - 1)
    await generate_forecasts(sessionmaker, migrated, customer_id=cid, issue_date=issue)
    future = await generate_forecasts(sessionmaker, migrated, customer_id=cid)  # no actuals

    report = await compute_accuracy(sessionmaker, migrated, customer_id=cid)

    # The sales file, keyed by database ids: the oracle.
    ids = await codes_to_ids(sessionmaker, cid)
    sales = {
        (ids[r["store_code"]], ids[r["product_code"]], r["date"]): r
        for r in pl.read_csv(generated / "sales.csv", try_parse_dates=True).iter_rows(named=True)
    }
    forecasts = {
        (f.store_id, f.product_id, f.forecast_date): f
        for f in await table_rows(sessionmaker, cid, DemandForecast)
        if f.issue_date == issue
    }
    expected = {key for key in forecasts if key in sales}
    rows = await table_rows(sessionmaker, cid, ForecastAccuracy)
    assert report.accuracy_rows == len(rows) == len(expected) > 0
    assert future.rows_written > 0 and {r.issue_date for r in rows} == {issue}
    for r in rows:
        key = (r.store_id, r.product_id, r.forecast_date)
        sale, f = sales[key], forecasts[key]
        actual = float(sale["quantity"])
        assert r.forecasted_demand == f.forecasted_demand
        assert r.actual_demand == actual
        assert r.absolute_error == pytest.approx(abs(f.forecasted_demand - actual))
        if actual == 0:
            assert r.percentage_error is None
        else:
            assert r.percentage_error == pytest.approx(abs(f.forecasted_demand - actual) / actual)
        assert f.lower_bound is not None and f.upper_bound is not None
        assert r.within_interval is (f.lower_bound <= actual <= f.upper_bound)
        assert r.stockout is (sale["on_hand_close"] == 0)
    # The data exercise every branch above.
    assert any(r.actual_demand == 0 for r in rows)
    assert any(r.stockout for r in rows)
    assert {r.within_interval for r in rows} == {True, False}
