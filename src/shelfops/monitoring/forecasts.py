"""``generate_forecasts``: the champion's daily forecasts, and the challenger's in shadow.

One run for one tenant and one issue date (default: the day after the latest sales):

1. **Read** (a short transaction): the champion and the challenger (or newest shadow
   version) of the model, and the tenant's last ``settings.retrain_history_days`` days of
   sales up to the day before the issue date.
2. **Forecast** (in a worker thread, no transaction open): each version's stored
   pipeline forecasts that history ``settings.retrain_horizon_days`` days ahead with
   :meth:`~shelfops.forecasting.pipeline.ForecastPipeline.forecast_from`. Local models
   refit on the new history; global models keep their trained trees.
3. **Write** (one transaction, so a crash leaves nothing half-written): the champion's
   ``demand_forecasts`` rows replace any earlier rows of the same tenant, issue date and
   version (and the accuracy rows scored from them, which the accuracy job recomputes);
   the challenger's ``shadow_predictions`` rows replace its own rows of that issue date.
   Running the job twice therefore leaves the same rows.

Row layout: one row per series and forecast day; ``forecasted_demand`` is the mean,
``lower_bound``/``upper_bound`` the lowest/highest quantile (0.1 and 0.9 by default) and
``quantiles`` every level, keyed ``f"{q:g}"``. Rows are built columnar from the forecast
matrices in chunks and inserted with executemany: no ORM object per row.

No champion, no sales, or history the pipeline refuses: the run is *skipped* with the
reason in the report. A champion whose artifact is missing is an error (raised): the
operator must restore it.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import json
import uuid
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from shelfops.config import Settings
from shelfops.forecasting.errors import ForecastInputError
from shelfops.forecasting.panel import Panel
from shelfops.forecasting.pipeline import Forecast
from shelfops.kit.db import tenant_transaction
from shelfops.kit.locks import FORECASTS, hold_tenant_lock
from shelfops.models import ModelVersion
from shelfops.models.base import utcnow
from shelfops.monitoring import forecasts_repository as repository
from shelfops.registry import artifacts
from shelfops.registry import service as registry
from shelfops.sales import repository as sales
from shelfops.sales.history import NoSalesHistory, TenantHistory, load_history

#: Rows per executemany; bounds memory for tenants with a million series.
CHUNK_ROWS = 10_000


@dataclass
class ForecastReport:
    """What one ``generate_forecasts`` run did (or why it did nothing)."""

    customer_id: uuid.UUID
    issue_date: dt.date | None = None
    model_name: str = registry.DEFAULT_MODEL
    champion_version: str | None = None
    challenger_version: str | None = None
    history_end: dt.date | None = None
    series: int = 0
    horizon: int = 0
    first_forecast_date: dt.date | None = None
    last_forecast_date: dt.date | None = None
    rows_written: int = 0
    rows_replaced: int = 0
    """Rows of an earlier run for the same issue date and version that were replaced."""
    accuracy_rows_removed: int = 0
    """Accuracy rows scored from the replaced forecasts (the accuracy job rescores)."""
    shadow_rows_written: int = 0
    shadow_rows_replaced: int = 0
    points_not_finite: int = 0
    """Series × day points whose forecast was NaN or infinite: not written."""
    notes: list[str] = field(default_factory=list)
    skipped: str | None = None

    def as_dict(self) -> dict[str, Any]:
        """JSON form (dates and ids as strings), e.g. for a task result or a log line."""
        plain: dict[str, Any] = json.loads(json.dumps(asdict(self), default=str))
        return plain


@dataclass(frozen=True)
class _Version:
    """What the compute step needs of a model version (no ORM object crosses threads)."""

    version: str
    artifact_path: str | None

    @classmethod
    def of(cls, row: ModelVersion) -> _Version:
        return cls(version=row.version, artifact_path=row.artifact_path)


@dataclass(frozen=True)
class _Inputs:
    issue_date: dt.date
    history: TenantHistory
    champion: _Version
    challenger: _Version | None


async def generate_forecasts(
    sessionmaker: async_sessionmaker[AsyncSession],
    settings: Settings,
    *,
    customer_id: uuid.UUID,
    issue_date: dt.date | None = None,
    model_name: str = registry.DEFAULT_MODEL,
) -> ForecastReport:
    """Write the champion's forecasts issued on ``issue_date`` (default: the day after the
    latest sales) and the challenger's shadow predictions; see the module docstring."""
    report = ForecastReport(customer_id=customer_id, issue_date=issue_date, model_name=model_name)
    async with tenant_transaction(sessionmaker, customer_id) as session:
        inputs = await _read(session, settings, report, issue_date, model_name)
    if inputs is None:
        return report
    report.issue_date = inputs.issue_date
    report.history_end = inputs.history.end
    report.series = inputs.history.panel.n_series
    if inputs.history.end < inputs.issue_date - dt.timedelta(days=1):
        report.notes.append(
            f"the latest sales before the issue date are from {inputs.history.end}; "
            f"forecasts start the day after it, not on {inputs.issue_date}"
        )

    try:
        champion = await asyncio.to_thread(
            _forecast, inputs.champion, inputs.history.panel, settings.retrain_horizon_days
        )
    except ForecastInputError as exc:
        report.skipped = (
            f"the champion {inputs.champion.version} cannot forecast this history: {exc}"
        )
        return report
    if champion.mean.shape[1] < settings.retrain_horizon_days:
        report.notes.append(
            f"the champion was calibrated for {champion.mean.shape[1]} days ahead, fewer than "
            f"the configured {settings.retrain_horizon_days}; forecasts cover "
            f"{champion.mean.shape[1]} days"
        )
    challenger = await _challenger_forecast(inputs, champion, report)

    dates: list[dt.date] = champion.dates.astype("datetime64[D]").tolist()
    report.horizon = len(dates)
    report.first_forecast_date, report.last_forecast_date = dates[0], dates[-1]
    keys = inputs.history.series_keys
    store_ids = [keys[str(uid)][0] for uid in champion.ids]
    product_ids = [keys[str(uid)][1] for uid in champion.ids]
    context = _RowContext(
        customer_id=customer_id,
        issue_date=inputs.issue_date,
        model_name=model_name,
        store_ids=store_ids,
        product_ids=product_ids,
        dates=dates,
        created_at=utcnow(),
    )
    async with tenant_transaction(sessionmaker, customer_id) as session:
        # Two runs for a tenant at once (a manual trigger during the nightly one) would
        # both delete the issue's rows and then both insert them: the second insert fails
        # on the primary key. Taken in turn, the later run replaces the earlier's rows.
        await hold_tenant_lock(session, customer_id, FORECASTS)
        report.rows_replaced, report.accuracy_rows_removed = await repository.delete_forecasts(
            session,
            customer_id=customer_id,
            model_name=model_name,
            model_version=inputs.champion.version,
            issue_date=inputs.issue_date,
        )
        for start in range(0, len(store_ids), _series_per_chunk(len(dates))):
            rows, not_finite = await asyncio.to_thread(
                _forecast_rows, context, inputs.champion.version, champion, start
            )
            report.rows_written += await repository.insert_forecasts(session, rows)
            report.points_not_finite += not_finite
        if challenger is not None and inputs.challenger is not None:
            report.shadow_rows_replaced = await repository.delete_shadow(
                session,
                customer_id=customer_id,
                model_name=model_name,
                challenger_version=inputs.challenger.version,
                issue_date=inputs.issue_date,
            )
            for start in range(0, len(store_ids), _series_per_chunk(len(dates))):
                rows = await asyncio.to_thread(
                    _shadow_rows,
                    context,
                    inputs.champion.version,
                    inputs.challenger.version,
                    champion,
                    challenger,
                    start,
                )
                report.shadow_rows_written += await repository.insert_shadow(session, rows)
    if report.points_not_finite:
        report.notes.append(
            f"{report.points_not_finite} series-day forecasts were not finite and were not written"
        )
    return report


async def _read(
    session: AsyncSession,
    settings: Settings,
    report: ForecastReport,
    issue_date: dt.date | None,
    model_name: str,
) -> _Inputs | None:
    """Champion, challenger and history; None (with ``report.skipped`` set) to stop."""
    customer_id = report.customer_id
    if issue_date is None:
        latest = await sales.latest_sale_date(session, customer_id=customer_id)
        if latest is None:
            report.skipped = "the tenant has no sales yet"
            return None
        issue_date = latest + dt.timedelta(days=1)
    report.issue_date = issue_date
    champion = await registry.champion(session, model_name=model_name)
    if champion is None:
        report.skipped = f"no champion of {model_name!r} yet"
        return None
    report.champion_version = champion.version
    challenger = await registry.challenger(session, model_name=model_name)
    if challenger is not None:
        report.challenger_version = challenger.version
    try:
        history = await load_history(
            session,
            end=issue_date - dt.timedelta(days=1),
            days=settings.retrain_history_days,
        )
    except NoSalesHistory as exc:
        report.skipped = str(exc.detail)
        return None
    except ForecastInputError as exc:
        report.skipped = f"the sales history fails the forecasting input checks: {exc}"
        return None
    return _Inputs(
        issue_date=issue_date,
        history=history,
        champion=_Version.of(champion),
        challenger=_Version.of(challenger) if challenger is not None else None,
    )


def _forecast(version: _Version, panel: Panel, horizon: int) -> Forecast:
    """The stored pipeline's forecast of ``panel`` (at most as far as it was calibrated)."""
    if not version.artifact_path:
        raise artifacts.ArtifactMissing(f"model version {version.version} has no artifact path")
    pipeline = artifacts.load_pipeline(Path(version.artifact_path))
    return pipeline.forecast_from(panel, min(horizon, pipeline.horizon))


async def _challenger_forecast(
    inputs: _Inputs, champion: Forecast, report: ForecastReport
) -> Forecast | None:
    """The challenger's forecast, or None with a note: shadow forecasts are secondary, so
    a challenger that cannot forecast never stops the champion's forecasts."""
    if inputs.challenger is None:
        return None
    try:
        forecast = await asyncio.to_thread(
            _forecast,
            inputs.challenger,
            inputs.history.panel,
            champion.mean.shape[1],
        )
    except (ForecastInputError, artifacts.ArtifactMissing) as exc:
        report.notes.append(
            f"no shadow predictions: the challenger {inputs.challenger.version} could not "
            f"forecast ({exc})"
        )
        return None
    if not np.array_equal(forecast.ids, champion.ids):
        # Both forecast the same panel, so this cannot happen unless the library changes.
        raise RuntimeError("champion and challenger forecasts list different series")
    return forecast


@dataclass(frozen=True)
class _RowContext:
    customer_id: uuid.UUID
    issue_date: dt.date
    model_name: str
    store_ids: list[int]
    product_ids: list[int]
    dates: list[dt.date]
    created_at: dt.datetime


def _series_per_chunk(horizon: int) -> int:
    return max(1, CHUNK_ROWS // max(1, horizon))


def _finite(value: float) -> float | None:
    return value if np.isfinite(value) else None


def _forecast_rows(
    context: _RowContext, version: str, forecast: Forecast, start: int
) -> tuple[list[dict[str, Any]], int]:
    """The ``demand_forecasts`` rows of one chunk of series, and the points left out."""
    stop = min(start + _series_per_chunk(len(context.dates)), len(context.store_ids))
    h = len(context.dates)
    levels = sorted(forecast.quantiles)
    mean = forecast.mean[start:stop, :h].tolist()
    bands = {f"{q:g}": forecast.quantiles[q][start:stop, :h].tolist() for q in levels}
    low, high = (f"{levels[0]:g}", f"{levels[-1]:g}") if levels else (None, None)
    rows: list[dict[str, Any]] = []
    not_finite = 0
    for i in range(stop - start):
        store_id, product_id = context.store_ids[start + i], context.product_ids[start + i]
        for j, day in enumerate(context.dates):
            value = mean[i][j]
            if not np.isfinite(value):
                not_finite += 1
                continue
            quantiles = {key: _finite(band[i][j]) for key, band in bands.items()}
            rows.append(
                {
                    "customer_id": context.customer_id,
                    "store_id": store_id,
                    "product_id": product_id,
                    "issue_date": context.issue_date,
                    "forecast_date": day,
                    "model_name": context.model_name,
                    "model_version": version,
                    "forecasted_demand": value,
                    "lower_bound": quantiles[low] if low else None,
                    "upper_bound": quantiles[high] if high else None,
                    "quantiles": quantiles or None,
                    "created_at": context.created_at,
                }
            )
    return rows, not_finite


def _shadow_rows(
    context: _RowContext,
    champion_version: str,
    challenger_version: str,
    champion: Forecast,
    challenger: Forecast,
    start: int,
) -> list[dict[str, Any]]:
    """The ``shadow_predictions`` rows of one chunk of series (both forecasts finite)."""
    stop = min(start + _series_per_chunk(len(context.dates)), len(context.store_ids))
    h = min(len(context.dates), challenger.mean.shape[1])
    ours = champion.mean[start:stop, :h].tolist()
    theirs = challenger.mean[start:stop, :h].tolist()
    rows: list[dict[str, Any]] = []
    for i in range(stop - start):
        for j in range(h):
            a, b = ours[i][j], theirs[i][j]
            if not (np.isfinite(a) and np.isfinite(b)):
                continue
            rows.append(
                {
                    "customer_id": context.customer_id,
                    "store_id": context.store_ids[start + i],
                    "product_id": context.product_ids[start + i],
                    "model_name": context.model_name,
                    "issue_date": context.issue_date,
                    "forecast_date": context.dates[j],
                    "champion_version": champion_version,
                    "challenger_version": challenger_version,
                    "champion_prediction": a,
                    "challenger_prediction": b,
                    "created_at": context.created_at,
                }
            )
    return rows
