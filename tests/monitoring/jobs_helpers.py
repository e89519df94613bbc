"""Shared set-up of the monitoring job tests: a small generated chain whose sales end
yesterday, ingested for a fresh tenant, and real model versions whose artifacts were
written by the registry's own ``stage``/``publish``."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from shelfops.config import Settings
from shelfops.forecasting.pipeline import Blend, ForecastPipeline, PipelineConfig
from shelfops.ingest import runs
from shelfops.kit.db import tenant_transaction
from shelfops.models import (
    BacktestResult,
    DemandForecast,
    ForecastAccuracy,
    MLAlert,
    ModelStatus,
    ModelVersion,
    ShadowPrediction,
)
from shelfops.registry import artifacts
from shelfops.registry.training import config_to_dict
from shelfops.sales.history import TenantHistory, load_history
from shelfops.synthetic import GenerationConfig, generate_dataset
from tests.conftest import Tenant, make_tenant
from tests.ingest.helpers import FILES, codes_to_ids, write

Sessions = async_sessionmaker[AsyncSession]

# Yesterday in UTC: forecasts and backtests land in "the last 30 days" of seed 003's SQL.
END = dt.datetime.now(dt.UTC).date() - dt.timedelta(days=1)
DAYS = 150
# Seed 3 keeps the natural PSI of quantity, price and discount well below 0.2 between
# the last 28 days and the 90 days before END − 30 (measured for 45 end dates across
# a year: at most 0.05, 0.12 and 0.01), so "no shift" tests do not depend on the date.
CONFIG = GenerationConfig(
    stores=3, products=8, days=DAYS, seed=3, start=END - dt.timedelta(days=DAYS - 1)
)
#: Where the test champions' training data ends (the drift reference ends here).
TRAIN_END = END - dt.timedelta(days=30)
HORIZON = 14
# The hand-written small files (tests/ingest/helpers.py) have sales on 2024-01-01..03.
JAN1 = dt.date(2024, 1, 1)
ISSUE, EARLIER = dt.date(2023, 12, 31), dt.date(2023, 12, 29)
JOB_TABLES: list[Any] = [
    DemandForecast,
    ForecastAccuracy,
    ShadowPrediction,
    BacktestResult,
    MLAlert,
]


def write_dataset(directory: Path) -> Path:
    """Write the chain's canonical files into ``directory``."""
    summary = generate_dataset(CONFIG, directory)
    assert summary.stockout_rows > 0  # stock-outs must be exercised
    return directory


async def tenant_with_sales(sessions: Sessions, directory: Path, label: str = "m") -> Tenant:
    """A fresh tenant with the generated chain ingested."""
    tenant = await make_tenant(sessions, label)
    await runs.ingest_directory(sessions, customer_id=tenant.customer_id, directory=directory)
    return tenant


async def small_tenant(sessions: Sessions, directory: Path) -> tuple[Tenant, dict[str, int]]:
    """The ingest tests' hand-written files: on 2024-01-01 S1|P1 sold 5 (20 left), S1|P2
    sold 0 and was out of stock, S2|P1 sold 3 (stock not recorded); on 2024-01-03 S2|P2
    sold 2.5."""
    for kind, content in FILES.items():
        write(directory, kind, content)
    tenant = await make_tenant(sessions, "small")
    await runs.ingest_directory(sessions, customer_id=tenant.customer_id, directory=directory)
    return tenant, await codes_to_ids(sessions, tenant.customer_id)


def forecast(
    customer_id: uuid.UUID,
    ids: dict[str, int],
    series: str,
    day: dt.date,
    mean: float,
    band: tuple[float, float] | None,
    *,
    issue: dt.date = ISSUE,
) -> DemandForecast:
    store, product = series.split("|")
    return DemandForecast(
        customer_id=customer_id,
        store_id=ids[store],
        product_id=ids[product],
        issue_date=issue,
        forecast_date=day,
        model_version="v1",
        forecasted_demand=mean,
        lower_bound=band[0] if band else None,
        upper_bound=band[1] if band else None,
        quantiles={"0.1": band[0], "0.5": mean, "0.9": band[1]} if band else None,
    )


async def history(
    sessions: Sessions, customer_id: uuid.UUID, end: dt.date | None = None
) -> TenantHistory:
    """The tenant's sales history up to ``end``."""
    async with tenant_transaction(sessions, customer_id) as session:
        return await load_history(session, end=end)


async def add_version(
    sessions: Sessions,
    settings: Settings,
    customer_id: uuid.UUID,
    *,
    version: str = "v1",
    status: ModelStatus = ModelStatus.CHAMPION,
    model: str = "moving_average",
    mae: float = 1.0,
    train_end: dt.date = TRAIN_END,
    horizon: int = HORIZON,
    blend: Mapping[str, float] | None = None,
) -> ModelVersion:
    """A version fitted on the tenant's history up to ``train_end``, its artifact written
    by the registry's stage/publish, registered with ``status``.

    ``blend`` (model → weight, ``model`` among them) replaces the fitted choice with that
    blend for every series: the choice is the data's, and a test may need a given one.
    """
    others = tuple(m for m in blend or {} if m != model)
    config = PipelineConfig(model=model, compare=others)
    data = await history(sessions, customer_id, train_end)
    pipeline = ForecastPipeline(config).fit(data.panel, horizon)
    if blend is not None:
        pipeline.blends = {"*": Blend(weights=dict(blend), validation_wape=float("nan"))}
    pipeline = pipeline.for_storage()
    root = settings.artifacts_dir
    scratch = artifacts.stage(
        root, customer_id, pipeline=pipeline, metrics={"mae": mae}, config=config_to_dict(config)
    )
    target = artifacts.publish(
        scratch, artifacts.version_dir(root, customer_id, "demand_forecast", version)
    )
    row = ModelVersion(
        customer_id=customer_id,
        version=version,
        status=status.value,
        params={"pipeline": config_to_dict(config)},
        metrics={"mae": mae},
        artifact_path=str(target),
        training_window_start=data.start,
        training_window_end=data.end,
    )
    async with tenant_transaction(sessions, customer_id) as session:
        session.add(row)
    return row


async def set_champion_mae(sessions: Sessions, customer_id: uuid.UUID, mae: float) -> None:
    """Overwrite the champion's backtest MAE (the drift baseline)."""
    async with tenant_transaction(sessions, customer_id) as session:
        row = await session.scalar(
            select(ModelVersion).where(
                ModelVersion.customer_id == customer_id,
                ModelVersion.status == ModelStatus.CHAMPION.value,
            )
        )
        assert row is not None
        row.metrics = {**row.metrics, "mae": mae}


async def table_rows(sessions: Sessions, customer_id: uuid.UUID, model: Any) -> list[Any]:
    """Every row of ``model``'s table that belongs to ``customer_id`` (as ORM objects)."""
    async with tenant_transaction(sessions, customer_id) as session:
        result = await session.scalars(select(model).where(model.customer_id == customer_id))
        return list(result)


async def snapshot(sessions: Sessions, customer_id: uuid.UUID) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of the jobs' tables owned by ``customer_id``, as sorted tuples."""
    out: dict[str, list[tuple[Any, ...]]] = {}
    async with tenant_transaction(sessions, customer_id) as session:
        for model in JOB_TABLES:
            table = model.__table__
            result = await session.execute(select(table).where(table.c.customer_id == customer_id))
            out[table.name] = sorted((tuple(row) for row in result), key=repr)
    return out
