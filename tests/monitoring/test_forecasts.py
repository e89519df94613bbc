"""``generate_forecasts`` writes the champion's forecasts (and the challenger's in shadow)
with the right shape, values and keys, and a rerun leaves the same rows."""

from __future__ import annotations

import asyncio
import datetime as dt
import shutil
from pathlib import Path

import pytest

from shelfops.config import Settings
from shelfops.models import DemandForecast, ForecastAccuracy, ModelStatus, ShadowPrediction
from shelfops.monitoring.accuracy import compute_accuracy
from shelfops.monitoring.backtests import run_daily_backtest, run_weekly_backtest
from shelfops.monitoring.drift import detect_model_drift
from shelfops.monitoring.forecasts import generate_forecasts
from shelfops.registry import artifacts
from shelfops.sales.history import TenantHistory
from tests.conftest import make_tenant
from tests.monitoring.jobs_helpers import (
    END,
    HORIZON,
    Sessions,
    add_version,
    history,
    snapshot,
    table_rows,
    tenant_with_sales,
    write_dataset,
)

ISSUE = END - dt.timedelta(days=HORIZON - 1)  # every forecast day has actuals


@pytest.fixture(scope="module")
def generated(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_dataset(tmp_path_factory.mktemp("forecast-jobs"))


def expected_means(
    data: TenantHistory, version_path: str, horizon: int = HORIZON
) -> dict[tuple[int, int, dt.date], float]:
    """What the stored pipeline forecasts for ``data``, keyed like the table rows."""
    forecast = artifacts.load_pipeline(Path(version_path)).forecast_from(data.panel, horizon)
    dates = forecast.dates.astype("datetime64[D]").tolist()
    out: dict[tuple[int, int, dt.date], float] = {}
    for i, uid in enumerate(forecast.ids):
        store_id, product_id = data.series_keys[str(uid)]
        for j, day in enumerate(dates):
            out[(store_id, product_id, day)] = float(forecast.mean[i, j])
    return out


async def test_champion_forecasts_one_row_per_series_and_day(
    sessionmaker: Sessions, migrated: Settings, generated: Path
) -> None:
    tenant = await tenant_with_sales(sessionmaker, generated)
    champion = await add_version(sessionmaker, migrated, tenant.customer_id)
    data = await history(sessionmaker, tenant.customer_id, ISSUE - dt.timedelta(days=1))

    report = await generate_forecasts(
        sessionmaker, migrated, customer_id=tenant.customer_id, issue_date=ISSUE
    )

    assert report.skipped is None
    assert report.champion_version == "v1"
    assert (report.first_forecast_date, report.last_forecast_date) == (ISSUE, END)
    rows = await table_rows(sessionmaker, tenant.customer_id, DemandForecast)
    assert report.rows_written == len(rows) == data.panel.n_series * HORIZON == 24 * HORIZON
    keys = {(r.store_id, r.product_id, r.forecast_date) for r in rows}
    assert len(keys) == len(rows)  # one row per series × day
    assert {r.forecast_date for r in rows} == {ISSUE + dt.timedelta(days=k) for k in range(HORIZON)}
    assert {r.issue_date for r in rows} == {ISSUE}
    assert {(r.model_name, r.model_version) for r in rows} == {("demand_forecast", "v1")}
    # The stored pipeline's own forecast of the same history, mapped back to the ids.
    assert champion.artifact_path is not None
    expected = expected_means(data, champion.artifact_path)
    assert set(expected) == keys
    for r in rows:
        assert r.forecasted_demand == pytest.approx(
            expected[(r.store_id, r.product_id, r.forecast_date)]
        )
        assert r.quantiles is not None and set(r.quantiles) == {"0.1", "0.5", "0.9"}
        assert r.lower_bound == r.quantiles["0.1"]
        assert r.upper_bound == r.quantiles["0.9"]
        assert r.lower_bound <= r.quantiles["0.5"] <= r.upper_bound


async def test_default_issue_date_is_the_day_after_the_latest_sales(
    sessionmaker: Sessions, migrated: Settings, generated: Path
) -> None:
    tenant = await tenant_with_sales(sessionmaker, generated)
    await add_version(sessionmaker, migrated, tenant.customer_id)

    report = await generate_forecasts(sessionmaker, migrated, customer_id=tenant.customer_id)

    tomorrow = END + dt.timedelta(days=1)
    assert report.issue_date == tomorrow
    assert report.history_end == END
    assert report.first_forecast_date == tomorrow
    assert report.last_forecast_date == END + dt.timedelta(days=HORIZON)
    assert report.notes == []


async def test_a_second_run_replaces_its_rows_and_their_scores(
    sessionmaker: Sessions, migrated: Settings, generated: Path
) -> None:
    tenant = await tenant_with_sales(sessionmaker, generated)
    await add_version(sessionmaker, migrated, tenant.customer_id)
    first = await generate_forecasts(
        sessionmaker, migrated, customer_id=tenant.customer_id, issue_date=ISSUE
    )
    before = {
        (r.store_id, r.product_id, r.forecast_date): r.forecasted_demand
        for r in await table_rows(sessionmaker, tenant.customer_id, DemandForecast)
    }
    scored = await compute_accuracy(sessionmaker, migrated, customer_id=tenant.customer_id)

    again = await generate_forecasts(
        sessionmaker, migrated, customer_id=tenant.customer_id, issue_date=ISSUE
    )

    after = {
        (r.store_id, r.product_id, r.forecast_date): r.forecasted_demand
        for r in await table_rows(sessionmaker, tenant.customer_id, DemandForecast)
    }
    assert after == before
    assert again.rows_written == first.rows_written == again.rows_replaced
    # The replaced forecasts' scores went with them; the accuracy job scores the new rows.
    assert again.accuracy_rows_removed == scored.accuracy_rows > 0
    assert await table_rows(sessionmaker, tenant.customer_id, ForecastAccuracy) == []
    rescored = await compute_accuracy(sessionmaker, migrated, customer_id=tenant.customer_id)
    assert rescored.accuracy_rows == scored.accuracy_rows


async def test_two_runs_at_once_both_finish_and_leave_one_set_of_rows(
    sessionmaker: Sessions, migrated: Settings, generated: Path
) -> None:
    # A manual trigger during the nightly run: both delete the issue's rows, then both
    # insert them. Without the tenant's forecast lock the second insert hit the primary key.
    tenant = await tenant_with_sales(sessionmaker, generated)
    await add_version(sessionmaker, migrated, tenant.customer_id)
    runs = [
        generate_forecasts(sessionmaker, migrated, customer_id=tenant.customer_id, issue_date=ISSUE)
        for _ in range(3)
    ]
    reports = await asyncio.gather(*runs)
    rows = await table_rows(sessionmaker, tenant.customer_id, DemandForecast)
    assert len(rows) == reports[0].rows_written > 0
    assert {report.rows_written for report in reports} == {len(rows)}
    # Taken in turn: each later run replaced exactly the rows the earlier one wrote.
    assert sorted(report.rows_replaced for report in reports) == [0, len(rows), len(rows)]


async def test_the_challenger_forecasts_in_shadow(
    sessionmaker: Sessions, migrated: Settings, generated: Path
) -> None:
    tenant = await tenant_with_sales(sessionmaker, generated)
    await add_version(sessionmaker, migrated, tenant.customer_id)
    challenger = await add_version(
        sessionmaker,
        migrated,
        tenant.customer_id,
        version="v2",
        status=ModelStatus.CHALLENGER,
        model="seasonal_naive",
    )
    data = await history(sessionmaker, tenant.customer_id, ISSUE - dt.timedelta(days=1))

    report = await generate_forecasts(
        sessionmaker, migrated, customer_id=tenant.customer_id, issue_date=ISSUE
    )
    again = await generate_forecasts(
        sessionmaker, migrated, customer_id=tenant.customer_id, issue_date=ISSUE
    )

    assert report.challenger_version == "v2"
    shadow = await table_rows(sessionmaker, tenant.customer_id, ShadowPrediction)
    assert report.shadow_rows_written == again.shadow_rows_written == len(shadow) == 24 * HORIZON
    assert again.shadow_rows_replaced == len(shadow)
    champion_rows = {
        (r.store_id, r.product_id, r.forecast_date): r.forecasted_demand
        for r in await table_rows(sessionmaker, tenant.customer_id, DemandForecast)
    }
    assert challenger.artifact_path is not None
    theirs = expected_means(data, challenger.artifact_path)
    for s in shadow:
        key = (s.store_id, s.product_id, s.forecast_date)
        assert (s.champion_version, s.challenger_version, s.issue_date) == ("v1", "v2", ISSUE)
        assert s.champion_prediction == champion_rows[key]
        assert s.challenger_prediction == pytest.approx(theirs[key])
        assert s.actual_demand is None and s.challenger_error is None
    # Seasonal naive and moving average really differ, so the comparison means something.
    assert any(s.champion_prediction != pytest.approx(s.challenger_prediction) for s in shadow)


async def test_without_a_champion_or_sales_the_run_is_skipped(
    sessionmaker: Sessions, migrated: Settings, generated: Path
) -> None:
    with_sales = await tenant_with_sales(sessionmaker, generated)
    empty = await make_tenant(sessionmaker, "empty")

    no_champion = await generate_forecasts(
        sessionmaker, migrated, customer_id=with_sales.customer_id
    )
    no_sales = await generate_forecasts(sessionmaker, migrated, customer_id=empty.customer_id)

    assert no_champion.skipped == "no champion of 'demand_forecast' yet"
    assert no_sales.skipped == "the tenant has no sales yet"
    assert no_champion.rows_written == no_sales.rows_written == 0
    assert await table_rows(sessionmaker, with_sales.customer_id, DemandForecast) == []


async def test_a_missing_champion_artifact_is_an_error_and_writes_nothing(
    sessionmaker: Sessions, migrated: Settings, generated: Path
) -> None:
    tenant = await tenant_with_sales(sessionmaker, generated)
    champion = await add_version(sessionmaker, migrated, tenant.customer_id)
    await generate_forecasts(sessionmaker, migrated, customer_id=tenant.customer_id)
    before = await snapshot(sessionmaker, tenant.customer_id)
    assert champion.artifact_path is not None
    shutil.rmtree(champion.artifact_path)

    with pytest.raises(artifacts.ArtifactMissing, match=r"pipeline\.pkl"):
        await generate_forecasts(sessionmaker, migrated, customer_id=tenant.customer_id)

    assert await snapshot(sessionmaker, tenant.customer_id) == before


async def test_a_challenger_that_cannot_forecast_does_not_stop_the_champion(
    sessionmaker: Sessions, migrated: Settings, generated: Path
) -> None:
    tenant = await tenant_with_sales(sessionmaker, generated)
    await add_version(sessionmaker, migrated, tenant.customer_id)
    challenger = await add_version(
        sessionmaker, migrated, tenant.customer_id, version="v2", status=ModelStatus.SHADOW
    )
    assert challenger.artifact_path is not None
    shutil.rmtree(challenger.artifact_path)

    report = await generate_forecasts(sessionmaker, migrated, customer_id=tenant.customer_id)

    assert report.rows_written == 24 * HORIZON
    assert report.shadow_rows_written == 0
    assert any("challenger v2 could not forecast" in note for note in report.notes)


async def test_jobs_for_one_tenant_never_touch_anothers_rows(
    sessionmaker: Sessions, migrated: Settings, generated: Path
) -> None:
    a = await tenant_with_sales(sessionmaker, generated, "a")
    b = await tenant_with_sales(sessionmaker, generated, "b")
    for tenant in (a, b):
        await add_version(sessionmaker, migrated, tenant.customer_id, mae=0.01)
        await add_version(
            sessionmaker,
            migrated,
            tenant.customer_id,
            version="v2",
            status=ModelStatus.CHALLENGER,
            model="seasonal_naive",
        )
    # B's jobs have run once: it has rows of every kind that A's jobs could disturb.
    for tenant in (b, a):
        cid = tenant.customer_id
        await generate_forecasts(sessionmaker, migrated, customer_id=cid, issue_date=ISSUE)
        await compute_accuracy(sessionmaker, migrated, customer_id=cid)
        await run_daily_backtest(sessionmaker, migrated, customer_id=cid)
        await detect_model_drift(sessionmaker, migrated, customer_id=cid)
    theirs = await snapshot(sessionmaker, b.customer_id)
    assert all(theirs.values()), {name: len(rows) for name, rows in theirs.items()}

    cid = a.customer_id
    await generate_forecasts(sessionmaker, migrated, customer_id=cid, issue_date=ISSUE)
    await generate_forecasts(sessionmaker, migrated, customer_id=cid)
    await compute_accuracy(sessionmaker, migrated, customer_id=cid)
    await run_daily_backtest(sessionmaker, migrated, customer_id=cid)
    await run_weekly_backtest(sessionmaker, migrated, customer_id=cid, days=14)
    drift = await detect_model_drift(sessionmaker, migrated, customer_id=cid)

    assert await snapshot(sessionmaker, b.customer_id) == theirs
    # A's own jobs did write (so the comparison above is not vacuous) ...
    mine = await snapshot(sessionmaker, a.customer_id)
    assert len(mine["demand_forecasts"]) == 2 * 24 * HORIZON
    assert drift.alerts_deduped == ["drift:mae:demand_forecast"]
    # ... and no row of either tenant carries the other's store or product ids.
    store_ids = {r.store_id for r in await table_rows(sessionmaker, b.customer_id, DemandForecast)}
    assert not store_ids & {r.store_id for r in await table_rows(sessionmaker, cid, DemandForecast)}
    assert all(mine.values())
