"""The beat schedule of seed 003 and the fan-out's choice of tenants."""

from __future__ import annotations

from celery.schedules import crontab
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from shelfops.config import Settings
from shelfops.kit.db import tenant_transaction
from shelfops.models import Customer, CustomerStatus
from shelfops.scheduling import active_tenants
from shelfops.worker import beat_schedule
from tests.conftest import make_tenant


def test_beat_runs_the_seed_003_jobs_at_the_seed_times() -> None:
    schedule = beat_schedule()

    def when(job: str) -> crontab:
        entry = schedule[job]
        assert entry["task"] == "shelfops.fan_out"
        return entry["schedule"]

    assert when("retrain_forecast_model") == crontab(minute=0, hour=2, day_of_week="sun")
    assert when("run_daily_backtest") == crontab(minute=0, hour=6)
    assert when("run_weekly_backtest") == crontab(minute=0, hour=4, day_of_week="sun")
    assert when("detect_model_drift") == crontab(minute=0, hour=3)
    assert schedule["retrain_forecast_model"]["args"] == [
        "shelfops.registry.retrain_forecast_model",
        {"trigger": "scheduled"},
    ]
    # Forecasts are issued after the night's actuals are scored, before drift is checked.
    assert {"generate_forecasts", "compute_forecast_accuracy"} <= set(schedule)
    # Replenishment runs on the day's fresh forecasts.
    assert when("run_replenishment") == crontab(minute=30, hour=1)


async def test_fan_out_reaches_active_and_trial_tenants_but_not_suspended_ones(
    migrated: Settings, sessionmaker: async_sessionmaker[AsyncSession]
) -> None:
    active = await make_tenant(sessionmaker, "act")
    trial = await make_tenant(sessionmaker, "trial")
    suspended = await make_tenant(sessionmaker, "susp")
    for tenant, status in ((trial, CustomerStatus.TRIAL), (suspended, CustomerStatus.SUSPENDED)):
        async with tenant_transaction(sessionmaker, tenant.customer_id) as session:
            customer = await session.get(Customer, tenant.customer_id)
            assert customer is not None
            customer.status = status.value

    chosen = set(await active_tenants(migrated))

    assert {str(active.customer_id), str(trial.customer_id)} <= chosen
    assert str(suspended.customer_id) not in chosen
