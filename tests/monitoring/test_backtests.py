"""The daily T-1 validation and the weekly rolling-origin backtest write the numbers a
direct computation gives, one row per version and date, and reruns replace them."""

from __future__ import annotations

import asyncio
import datetime as dt
import math
import uuid
from pathlib import Path

import polars as pl
import pytest
from sqlalchemy import text

from shelfops.config import Settings
from shelfops.forecasting.backtest import backtest
from shelfops.forecasting.pipeline import PipelineConfig
from shelfops.kit.db import tenant_transaction
from shelfops.models import BacktestResult, ForecastAccuracy, ModelStatus, ModelVersion
from shelfops.monitoring.accuracy import compute_accuracy
from shelfops.monitoring.backtests import run_daily_backtest, run_weekly_backtest
from shelfops.monitoring.forecasts import generate_forecasts
from tests.conftest import Tenant
from tests.monitoring.jobs_helpers import (
    EARLIER,
    END,
    HORIZON,
    JAN1,
    Sessions,
    add_version,
    forecast,
    history,
    small_tenant,
    table_rows,
    tenant_with_sales,
    write_dataset,
)

# Seed 003, "Get Backtest Trend (Last 30 Days)", verbatim.
SEED_BACKTEST_TREND = """
SELECT
    forecast_date,
    mae,
    mape,
    stockout_miss_rate,
    overstock_rate
FROM backtest_results
WHERE
    customer_id = '00000000-0000-0000-0000-000000000001'
    AND forecast_date >= CURRENT_DATE - INTERVAL '30 days'
ORDER BY forecast_date ASC;
"""
SEED_TENANT = "00000000-0000-0000-0000-000000000001"


@pytest.fixture(scope="module")
def generated(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_dataset(tmp_path_factory.mktemp("backtest-jobs"))


async def plain_champion(sessions: Sessions, tenant: Tenant) -> ModelVersion:
    """A champion row without an artifact (the daily backtest reads only stored scores)."""
    row = ModelVersion(
        customer_id=tenant.customer_id, version="v1", status=ModelStatus.CHAMPION.value
    )
    async with tenant_transaction(sessions, tenant.customer_id) as session:
        session.add(row)
    return row


async def test_daily_metrics_equal_the_hand_computation(
    sessionmaker: Sessions, migrated: Settings, tmp_path: Path
) -> None:
    tenant, ids = await small_tenant(sessionmaker, tmp_path)
    cid = tenant.customer_id
    champion = await plain_champion(sessionmaker, tenant)
    async with tenant_transaction(sessionmaker, cid) as session:
        session.add_all(
            [
                # S1|P1 sold 5 at 1.19; stocked to the upper bound 4.5 it would run out.
                forecast(cid, ids, "S1|P1", JAN1, 4.0, (2.0, 4.5)),
                # Issued earlier (a longer horizon): the daily check uses the newest.
                forecast(cid, ids, "S1|P1", JAN1, 10.0, (8.0, 12.0), issue=EARLIER),
                # A stock-out day: its sales understate demand, so it is left out.
                forecast(cid, ids, "S1|P2", JAN1, 1.0, (0.0, 2.0)),
                # S2|P1 sold 3 at 0.95; 6 stocked, 3 left over.
                forecast(cid, ids, "S2|P1", JAN1, 5.0, (4.0, 6.0)),
            ]
        )
    await compute_accuracy(sessionmaker, migrated, customer_id=cid)

    report = await run_daily_backtest(sessionmaker, migrated, customer_id=cid)

    assert report.skipped is None
    assert report.forecast_dates == [JAN1]
    assert (report.points, report.stockout_points_excluded) == (2, 1)
    rows = await table_rows(sessionmaker, cid, BacktestResult)
    assert len(rows) == 1
    row = rows[0]
    assert (row.backtest_kind, row.model_id, row.model_version) == (
        "daily",
        champion.model_id,
        "v1",
    )
    assert row.forecast_date == JAN1
    assert row.mae == pytest.approx((1 + 2) / 2)
    assert row.mape == pytest.approx((1 / 5 + 2 / 3) / 2)
    assert row.stockout_miss_rate == pytest.approx(1 / 2)  # 5 > 4.5; 3 ≤ 6
    assert row.overstock_rate == pytest.approx((0 + 3) / (4.5 + 6))
    assert row.metrics is not None
    assert row.metrics["n_points"] == 2
    assert row.metrics["rmse"] == pytest.approx(math.sqrt((1 + 4) / 2))
    assert row.metrics["bias"] == pytest.approx((-1 + 2) / 2)
    assert row.metrics["wape"] == pytest.approx(3 / 8)
    assert row.metrics["coverage"] == 0.0  # 5 > 4.5 and 3 < 4: neither inside
    assert row.metrics["lost_sales"] == pytest.approx(0.5)
    assert row.metrics["lost_sales_value"] == pytest.approx(0.5 * 1.19)
    assert row.metrics["overstock_value"] == pytest.approx(3 * 0.95)
    assert row.metrics["issue_dates"] == ["2023-12-31"]
    assert row.metrics["stockout_points_excluded"] == 1
    assert report.metrics["mae"] == row.mae


async def _one_forecast_of_the_champion(sessionmaker: Sessions, tmp_path: Path) -> uuid.UUID:
    """A small tenant whose champion forecast S1|P1 for JAN1 (4.0, band 2.0-6.0)."""
    tenant, ids = await small_tenant(sessionmaker, tmp_path)
    cid = tenant.customer_id
    await plain_champion(sessionmaker, tenant)
    async with tenant_transaction(sessionmaker, cid) as session:
        session.add(forecast(cid, ids, "S1|P1", JAN1, 4.0, (2.0, 6.0)))
    return cid


async def test_a_daily_rerun_replaces_its_row(
    sessionmaker: Sessions, migrated: Settings, tmp_path: Path
) -> None:
    cid = await _one_forecast_of_the_champion(sessionmaker, tmp_path)
    await compute_accuracy(sessionmaker, migrated, customer_id=cid)
    await run_daily_backtest(sessionmaker, migrated, customer_id=cid, forecast_date=JAN1)

    again = await run_daily_backtest(sessionmaker, migrated, customer_id=cid, forecast_date=JAN1)

    rows = await table_rows(sessionmaker, cid, BacktestResult)
    assert (again.rows_written, again.rows_replaced, len(rows)) == (1, 1, 1)
    assert rows[0].mae == 1.0


async def test_scoring_and_daily_backtests_run_at_once_write_each_row_once(
    sessionmaker: Sessions, migrated: Settings, tmp_path: Path
) -> None:
    # Two scoring runs each inserted the same unscored rows (the second failed on the
    # unique key); daily backtests each deleted, then each inserted their row (two rows,
    # the table has no natural key). The tenant locks make them take turns.
    cid = await _one_forecast_of_the_champion(sessionmaker, tmp_path)
    scored = await asyncio.gather(
        *(compute_accuracy(sessionmaker, migrated, customer_id=cid) for _ in range(3))
    )
    assert sorted(r.accuracy_rows for r in scored) == [0, 0, 1]
    backtests = await asyncio.gather(
        *(
            run_daily_backtest(sessionmaker, migrated, customer_id=cid, forecast_date=JAN1)
            for _ in range(3)
        )
    )
    assert [r.rows_written for r in backtests] == [1, 1, 1]
    assert len(await table_rows(sessionmaker, cid, BacktestResult)) == 1


async def test_daily_skips_without_a_champion_or_scores(
    sessionmaker: Sessions, migrated: Settings, tmp_path: Path
) -> None:
    tenant, _ = await small_tenant(sessionmaker, tmp_path)

    no_champion = await run_daily_backtest(sessionmaker, migrated, customer_id=tenant.customer_id)
    await plain_champion(sessionmaker, tenant)
    no_scores = await run_daily_backtest(sessionmaker, migrated, customer_id=tenant.customer_id)
    no_day = await run_daily_backtest(
        sessionmaker, migrated, customer_id=tenant.customer_id, forecast_date=JAN1
    )

    assert no_champion.skipped == "no champion of 'demand_forecast' yet"
    assert no_scores.skipped is not None and "no scored forecasts of the champion v1" in (
        no_scores.skipped
    )
    assert no_day.skipped == "no scored forecasts of the champion v1 for 2024-01-01"
    assert await table_rows(sessionmaker, tenant.customer_id, BacktestResult) == []


async def test_daily_on_real_forecasts_uses_the_shortest_horizon(
    sessionmaker: Sessions, migrated: Settings, generated: Path
) -> None:
    tenant = await tenant_with_sales(sessionmaker, generated)
    cid = tenant.customer_id
    await add_version(sessionmaker, migrated, cid)
    for issue in (END - dt.timedelta(days=HORIZON - 1), END - dt.timedelta(days=2)):
        await generate_forecasts(sessionmaker, migrated, customer_id=cid, issue_date=issue)
    await compute_accuracy(sessionmaker, migrated, customer_id=cid)

    report = await run_daily_backtest(sessionmaker, migrated, customer_id=cid)

    # Direct: END's scores issued last (END − 2), stock-out days left out.
    scored = [
        r
        for r in await table_rows(sessionmaker, cid, ForecastAccuracy)
        if r.forecast_date == END and r.issue_date == END - dt.timedelta(days=2)
    ]
    kept = [r for r in scored if not r.stockout]
    assert report.forecast_dates == [END]
    assert report.points == len(kept) > 0
    assert report.stockout_points_excluded == len(scored) - len(kept)
    (row,) = await table_rows(sessionmaker, cid, BacktestResult)
    assert row.mae == pytest.approx(sum(r.absolute_error for r in kept) / len(kept))
    nonzero = [r for r in kept if r.actual_demand != 0]
    assert row.mape == pytest.approx(sum(r.percentage_error or 0 for r in nonzero) / len(nonzero))
    assert row.metrics is not None
    assert row.metrics["issue_dates"] == [(END - dt.timedelta(days=2)).isoformat()]
    assert row.metrics["mase"] is not None and row.metrics["mase"] > 0


async def test_weekly_backtest_writes_one_row_per_forecast_date(
    sessionmaker: Sessions, migrated: Settings, generated: Path
) -> None:
    tenant = await tenant_with_sales(sessionmaker, generated)
    cid = tenant.customer_id
    champion = await add_version(sessionmaker, migrated, cid)

    report = await run_weekly_backtest(sessionmaker, migrated, customer_id=cid, days=90)

    assert report.skipped is None
    assert (report.windows_requested, report.windows) == (13, 13)
    rows = await table_rows(sessionmaker, cid, BacktestResult)
    assert report.rows_written == len(rows) == 13 * 7
    assert sorted(r.forecast_date for r in rows) == [
        END - dt.timedelta(days=k) for k in range(13 * 7 - 1, -1, -1)
    ]
    assert {(r.backtest_kind, r.model_id, r.model_version) for r in rows} == {
        ("weekly", champion.model_id, "v1")
    }
    # Oracle: the same backtest's long frame (forecast and sales per series and day),
    # averaged per date over the in-stock days.
    data = await history(sessionmaker, cid)
    frame = backtest(
        data.panel, PipelineConfig(model="moving_average"), horizon=7, windows=13, step=7
    ).frame()
    expected = (
        frame.filter(pl.col("in_stock"))
        .group_by("ds")
        .agg((pl.col("forecast") - pl.col("y")).abs().mean().alias("mae"))
    )
    by_date = {r.forecast_date: r for r in rows}
    for ds, mae in expected.iter_rows():
        assert by_date[ds].mae == pytest.approx(mae)
    assert by_date[END].metrics is not None
    assert by_date[END].metrics["cutoff"] == (END - dt.timedelta(days=7)).isoformat()
    assert by_date[END].metrics["horizon_step"] == 7


async def test_a_weekly_rerun_replaces_its_rows_and_short_history_is_said(
    sessionmaker: Sessions, migrated: Settings, generated: Path
) -> None:
    tenant = await tenant_with_sales(sessionmaker, generated)
    cid = tenant.customer_id
    await add_version(sessionmaker, migrated, cid)
    await run_weekly_backtest(sessionmaker, migrated, customer_id=cid, days=28)

    again = await run_weekly_backtest(sessionmaker, migrated, customer_id=cid, days=28)
    longer = await run_weekly_backtest(sessionmaker, migrated, customer_id=cid, days=400)

    assert (again.rows_written, again.rows_replaced) == (28, 28)
    # 150 days: the first window must leave 7 + 7 days to fit on → (150 − 7 − 14) // 7 + 1.
    assert (longer.windows_requested, longer.windows) == (58, 19)
    assert any("holds 19 of the 58 weekly windows" in note for note in longer.notes)
    assert longer.rows_replaced == 28
    rows = await table_rows(sessionmaker, cid, BacktestResult)
    assert len(rows) == longer.rows_written == 19 * 7


async def test_weekly_skips_without_a_champion_or_enough_history(
    sessionmaker: Sessions, migrated: Settings, tmp_path: Path
) -> None:
    tenant, _ = await small_tenant(sessionmaker, tmp_path)
    cid = tenant.customer_id

    no_champion = await run_weekly_backtest(sessionmaker, migrated, customer_id=cid)
    async with tenant_transaction(sessionmaker, cid) as session:
        session.add(
            ModelVersion(
                customer_id=cid,
                version="v1",
                status=ModelStatus.CHAMPION.value,
                params={"pipeline": {"model": "moving_average"}},
            )
        )
    short = await run_weekly_backtest(sessionmaker, migrated, customer_id=cid)

    assert no_champion.skipped == "no champion of 'demand_forecast' yet"
    assert short.skipped is not None and short.skipped.startswith("too little history: 3 days")
    assert await table_rows(sessionmaker, cid, BacktestResult) == []


async def test_seed_backtest_trend_query_returns_the_rows_written(
    sessionmaker: Sessions, migrated: Settings, generated: Path, backend: str
) -> None:
    if backend == "sqlite":
        pytest.skip("seed 003's SQL uses PostgreSQL's INTERVAL syntax; SQLite cannot parse it")
    tenant = await tenant_with_sales(sessionmaker, generated)
    cid = tenant.customer_id
    await add_version(sessionmaker, migrated, cid)
    await generate_forecasts(
        sessionmaker, migrated, customer_id=cid, issue_date=END - dt.timedelta(days=HORIZON - 1)
    )
    await compute_accuracy(sessionmaker, migrated, customer_id=cid)
    await run_daily_backtest(sessionmaker, migrated, customer_id=cid)
    await run_weekly_backtest(sessionmaker, migrated, customer_id=cid, days=90)

    async with tenant_transaction(sessionmaker, cid) as session:
        today = (await session.execute(text("SELECT CURRENT_DATE"))).scalar_one()
        result = await session.execute(text(SEED_BACKTEST_TREND.replace(SEED_TENANT, str(cid))))
        trend = [tuple(row) for row in result]

    rows = await table_rows(sessionmaker, cid, BacktestResult)
    since = today - dt.timedelta(days=30)
    recent = [r for r in rows if r.forecast_date >= since]
    # The daily row and a weekly row per day from `since` to END. END was fixed when the
    # tests were imported (yesterday then); a run that crosses midnight UTC has one day
    # fewer in the window, since the seed query counts from the database's CURRENT_DATE.
    assert len(trend) == len(recent) >= 1 + (END - since).days + 1
    assert [t[0] for t in trend] == sorted(r.forecast_date for r in recent)
    assert sorted(trend, key=repr) == sorted(
        ((r.forecast_date, r.mae, r.mape, r.stockout_miss_rate, r.overstock_rate) for r in recent),
        key=repr,
    )
