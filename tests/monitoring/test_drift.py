"""``detect_model_drift``: MAE drift raises one critical alert and asks for one retrain;
a price shift raises a feature-drift warning; nothing is raised without a cause."""

from __future__ import annotations

import datetime as dt
import uuid
from pathlib import Path

import polars as pl
import pytest
from sqlalchemy import update

from shelfops.config import Settings
from shelfops.kit.db import tenant_transaction
from shelfops.models import ForecastAccuracy, MLAlert, Sale
from shelfops.monitoring.accuracy import compute_accuracy
from shelfops.monitoring.drift import detect_model_drift
from shelfops.monitoring.forecasts import generate_forecasts
from shelfops.monitoring.psi import population_stability_index
from tests.conftest import Tenant, make_tenant
from tests.monitoring.jobs_helpers import (
    END,
    HORIZON,
    TRAIN_END,
    Sessions,
    add_version,
    set_champion_mae,
    table_rows,
    tenant_with_sales,
    write_dataset,
)

CURRENT = (END - dt.timedelta(days=27), END)
REFERENCE = (TRAIN_END - dt.timedelta(days=89), TRAIN_END)


@pytest.fixture(scope="module")
def generated(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_dataset(tmp_path_factory.mktemp("drift-jobs"))


async def scored_tenant(
    sessions: Sessions, settings: Settings, directory: Path, *, mae: float
) -> Tenant:
    """A tenant whose champion (backtest MAE ``mae``) forecast the last 14 days, scored."""
    tenant = await tenant_with_sales(sessions, directory)
    cid = tenant.customer_id
    await add_version(sessions, settings, cid, mae=mae)
    issue = END - dt.timedelta(days=HORIZON - 1)
    await generate_forecasts(sessions, settings, customer_id=cid, issue_date=issue)
    await compute_accuracy(sessions, settings, customer_id=cid)
    return tenant


async def mae_7d(sessions: Sessions, tenant: Tenant) -> float:
    """Oracle: mean absolute error of the in-stock scores of the last 7 forecast days."""
    rows = [
        r
        for r in await table_rows(sessions, tenant.customer_id, ForecastAccuracy)
        if r.forecast_date > END - dt.timedelta(days=7) and not r.stockout
    ]
    return float(sum(r.absolute_error for r in rows)) / len(rows)


async def test_mae_drift_raises_one_critical_alert_and_one_retrain(
    sessionmaker: Sessions, migrated: Settings, generated: Path
) -> None:
    tenant = await scored_tenant(sessionmaker, migrated, generated, mae=0.01)

    first = await detect_model_drift(sessionmaker, migrated, customer_id=tenant.customer_id)
    second = await detect_model_drift(sessionmaker, migrated, customer_id=tenant.customer_id)

    expected_mae = await mae_7d(sessionmaker, tenant)
    assert first.mae_7d == pytest.approx(expected_mae)
    assert first.mae_window_end == END
    assert first.baseline_mae == 0.01
    assert first.mae_change == pytest.approx(expected_mae / 0.01 - 1)
    assert first.mae_drift and second.mae_drift
    assert first.alerts_raised == ["drift:mae:demand_forecast"]
    assert first.retrain_to_queue is not None
    retrain_id, trigger = first.retrain_to_queue
    assert trigger == "drift_detected"
    # The second run finds the open alert: nothing new, and no second retrain.
    assert second.alerts_raised == [] and second.alerts_deduped == ["drift:mae:demand_forecast"]
    assert second.retrain_to_queue is None
    alerts = await table_rows(sessionmaker, tenant.customer_id, MLAlert)
    assert len(alerts) == 1
    alert = alerts[0]
    assert alert.ml_alert_id == first.alert_ids[0]
    assert (alert.alert_type, alert.severity, alert.status) == (
        "drift_detected",
        "critical",
        "unread",
    )
    assert alert.dedupe_key == "drift:mae:demand_forecast"
    assert alert.action_url == "/api/v1/models/health"
    assert alert.alert_metadata is not None
    assert alert.alert_metadata["retrain_id"] == str(retrain_id)
    assert uuid.UUID(alert.alert_metadata["retrain_id"]) == retrain_id
    assert alert.alert_metadata["mae_7d"] == pytest.approx(expected_mae)
    assert alert.alert_metadata["baseline_mae"] == 0.01
    assert alert.alert_metadata["threshold"] == 0.15
    assert alert.alert_metadata["champion_version"] == "v1"
    assert f"{expected_mae:.3f}" in alert.message and "0.010" in alert.message


async def test_the_threshold_separates_drift_from_noise(
    sessionmaker: Sessions, migrated: Settings, generated: Path
) -> None:
    tenant = await scored_tenant(sessionmaker, migrated, generated, mae=1000.0)
    cid = tenant.customer_id
    measured = await mae_7d(sessionmaker, tenant)

    healthy = await detect_model_drift(sessionmaker, migrated, customer_id=cid)
    await set_champion_mae(sessionmaker, cid, measured / 1.14)  # 14 % worse: within 15 %
    within = await detect_model_drift(sessionmaker, migrated, customer_id=cid)
    assert await table_rows(sessionmaker, cid, MLAlert) == []
    await set_champion_mae(sessionmaker, cid, measured / 1.16)  # 16 % worse: drift
    beyond = await detect_model_drift(sessionmaker, migrated, customer_id=cid)

    assert healthy.mae_change is not None and healthy.mae_change < 0
    assert not healthy.mae_drift and healthy.retrain_to_queue is None
    assert within.mae_change == pytest.approx(0.14)
    assert not within.mae_drift and within.alerts_raised == []
    assert beyond.mae_change == pytest.approx(0.16)
    assert beyond.mae_drift and beyond.alerts_raised == ["drift:mae:demand_forecast"]
    assert beyond.retrain_to_queue is not None
    # Unshifted sales: no feature moved past 0.2 (measured, not assumed).
    assert [f.feature for f in healthy.features] == ["quantity", "unit_price", "discount_pct"]
    assert all(f.psi is not None and f.psi <= 0.2 and f.alert == "none" for f in healthy.features)
    assert [a.alert_type for a in await table_rows(sessionmaker, cid, MLAlert)] == [
        "drift_detected"
    ]


async def test_a_price_shift_raises_a_feature_drift_warning(
    sessionmaker: Sessions, migrated: Settings, generated: Path
) -> None:
    tenant = await scored_tenant(sessionmaker, migrated, generated, mae=1000.0)
    cid = tenant.customer_id
    async with tenant_transaction(sessionmaker, cid) as session:
        await session.execute(
            update(Sale)
            .where(Sale.customer_id == cid, Sale.sale_date >= CURRENT[0])
            .values(unit_price=Sale.unit_price * 3)
        )

    report = await detect_model_drift(sessionmaker, migrated, customer_id=cid)
    again = await detect_model_drift(sessionmaker, migrated, customer_id=cid)

    assert (report.reference_window, report.current_window) == (REFERENCE, CURRENT)
    # Oracle: the PSI of the file's values in the same windows (prices tripled).
    sales = pl.read_csv(generated / "sales.csv", try_parse_dates=True)
    ref = sales.filter(pl.col("date").is_between(*REFERENCE))
    cur = sales.filter(pl.col("date").is_between(*CURRENT))
    assert (report.reference_rows, report.current_rows) == (ref.height, cur.height)
    psi = {f.feature: f for f in report.features}
    assert psi["unit_price"].psi == pytest.approx(
        population_stability_index(ref["unit_price"].to_numpy(), cur["unit_price"].to_numpy() * 3)
    )
    assert psi["quantity"].psi == pytest.approx(
        population_stability_index(ref["quantity"].to_numpy(), cur["quantity"].to_numpy())
    )
    assert psi["unit_price"].alert == "raised"
    assert (psi["quantity"].alert, psi["discount_pct"].alert) == ("none", "none")
    assert report.alerts_raised == ["drift:feature:unit_price"]
    assert report.retrain_to_queue is None  # only MAE drift asks for a retrain
    assert again.alerts_deduped == ["drift:feature:unit_price"] and again.alerts_raised == []
    alerts = await table_rows(sessionmaker, cid, MLAlert)
    assert len(alerts) == 1
    alert = alerts[0]
    assert (alert.alert_type, alert.severity, alert.dedupe_key) == (
        "feature_drift",
        "warning",
        "drift:feature:unit_price",
    )
    assert alert.alert_metadata is not None
    assert alert.alert_metadata["psi"] == pytest.approx(psi["unit_price"].psi)
    assert alert.alert_metadata["current_window"] == [d.isoformat() for d in CURRENT]
    assert alert.alert_metadata["reference_window"] == [d.isoformat() for d in REFERENCE]


async def test_nothing_to_compare_is_said_not_raised(
    sessionmaker: Sessions, migrated: Settings, generated: Path
) -> None:
    empty = await make_tenant(sessionmaker, "empty")
    tenant = await tenant_with_sales(sessionmaker, generated)
    # A champion trained on everything up to yesterday, whose forecasts were never scored.
    await add_version(sessionmaker, migrated, tenant.customer_id, train_end=END, mae=0.01)

    no_champion = await detect_model_drift(sessionmaker, migrated, customer_id=empty.customer_id)
    unscored = await detect_model_drift(sessionmaker, migrated, customer_id=tenant.customer_id)

    assert no_champion.skipped == "no champion of 'demand_forecast' yet"
    assert unscored.skipped is None and unscored.mae_7d is None and not unscored.mae_drift
    assert unscored.notes == [
        "MAE drift not checked: the champion v1 has no scored forecasts (outside stock-out "
        "days) yet",
        f"feature drift not checked: no sales after the champion's training window (ends {END})",
    ]
    assert unscored.retrain_to_queue is None
    assert await table_rows(sessionmaker, tenant.customer_id, MLAlert) == []
