"""The backtest jobs of seed 003: the daily T-1 validation and the weekly 90-day backtest.

**Daily (``run_daily_backtest``).** How good were the champion's real forecasts of one
day? For the forecast date (default: the latest day with scored forecasts) it takes, for
every store × product, the champion's ``forecast_accuracy`` row issued last (the
shortest horizon: T-1 when forecasts are issued daily), leaves out stock-out days (their
sales understate demand) and scores them with :func:`~shelfops.forecasting.metrics.
pooled_metrics`, where ``a`` is the sales, ``f`` the forecast mean and the stocking level
``s`` the forecast's upper bound (its highest quantile, 0.9 by default):

* ``mae = mean |f − a|``; ``mape = mean |f − a| / a`` over the points with ``a ≠ 0``;
* ``stockout_miss_rate`` = share of points with ``a > s`` (a shelf stocked to the upper
  bound would have run out);
* ``overstock_rate = Σ max(s − a, 0) / Σ s`` (share of the stocked units left over);
* the rest of the pooled metrics go to ``metrics`` (RMSE, WAPE, bias, sMAPE, pinball,
  coverage, lost sales …; stock valued at the day's selling price). MASE is scaled by
  each series' 7-day seasonal-naive error over the 56 days before the forecast date.

One ``backtest_results`` row (kind ``daily``) per version and date; a rerun replaces it.

**Weekly (``run_weekly_backtest``).** A real rolling-origin backtest of the champion's
*configuration* (``params["pipeline"]``) on the tenant's history: horizon 7, cutoffs 7
days apart, ``ceil(days / 7)`` windows (fewer when the history is too short, said in
the report). Each window refits the configuration on the history before its cutoff,
so it measures how the champion's recipe forecasts, week after week, data it has not
seen. One row (kind ``weekly``) per forecast date with the metrics of every series on
that date; a rerun replaces that version's weekly rows of those dates.

Both skip, with the reason, when there is no champion or nothing to score.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import json
import math
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, field
from typing import Any

import numpy as np
import numpy.typing as npt
import polars as pl
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from shelfops.config import Settings
from shelfops.forecasting.backtest import backtest
from shelfops.forecasting.errors import ForecastInputError
from shelfops.forecasting.metrics import EvaluationSet, mase_scale, pooled_metrics
from shelfops.forecasting.panel import Panel
from shelfops.forecasting.pipeline import PipelineConfig
from shelfops.kit.db import tenant_transaction
from shelfops.kit.locks import BACKTESTS, hold_tenant_lock
from shelfops.models.base import utcnow
from shelfops.monitoring import jobs_repository as repository
from shelfops.registry import service as registry
from shelfops.registry.training import config_from_dict
from shelfops.sales import repository as sales
from shelfops.sales.history import NoSalesHistory, load_history

DAILY = "daily"
WEEKLY = "weekly"
#: The columns ``backtest_results`` holds as columns; every other metric goes to JSON.
COLUMN_METRICS = ("mae", "mape", "stockout_miss_rate", "overstock_rate")
#: Days of sales before the forecast date that scale the daily MASE.
MASE_HISTORY_DAYS = 56
SEASON_DAYS = 7
WEEKLY_HORIZON = 7
WEEKLY_STEP = 7
DEFAULT_SERVICE_LEVEL = 0.9


@dataclass
class BacktestReport:
    """What one backtest run wrote (or why it wrote nothing)."""

    customer_id: uuid.UUID
    kind: str
    model_name: str = registry.DEFAULT_MODEL
    model_version: str | None = None
    model_id: uuid.UUID | None = None
    forecast_dates: list[dt.date] = field(default_factory=list)
    rows_written: int = 0
    rows_replaced: int = 0
    points: int = 0
    """Daily: forecasts scored. Weekly: series × days scored over all windows."""
    stockout_points_excluded: int = 0
    """Daily: scored forecasts left out because the day was a stock-out."""
    windows: int = 0
    windows_requested: int = 0
    metrics: dict[str, float | None] = field(default_factory=dict)
    """Daily: the metrics written. Weekly: pooled over all windows."""
    notes: list[str] = field(default_factory=list)
    skipped: str | None = None

    def as_dict(self) -> dict[str, Any]:
        """JSON form (dates and ids as strings)."""
        plain: dict[str, Any] = json.loads(json.dumps(asdict(self), default=str))
        return plain


def _clean(values: Mapping[str, float]) -> dict[str, float | None]:
    """JSON-safe metrics: NaN and infinities become None."""
    return {
        key: (None if isinstance(v, float) and not math.isfinite(v) else v)
        for key, v in values.items()
    }


def _result_row(
    *,
    customer_id: uuid.UUID,
    model_id: uuid.UUID,
    model_version: str,
    kind: str,
    forecast_date: dt.date,
    scores: Mapping[str, Any],
    extra: Mapping[str, Any],
    evaluated_at: dt.datetime,
) -> dict[str, Any]:
    return {
        "customer_id": customer_id,
        "model_id": model_id,
        "model_version": model_version,
        "backtest_kind": kind,
        "forecast_date": forecast_date,
        **{name: scores.get(name) for name in COLUMN_METRICS},
        "metrics": {
            **{k: v for k, v in scores.items() if k not in COLUMN_METRICS},
            **extra,
        },
        "evaluated_at": evaluated_at,
    }


# --- daily T-1 validation -------------------------------------------------------------------


async def run_daily_backtest(
    sessionmaker: async_sessionmaker[AsyncSession],
    settings: Settings,
    *,
    customer_id: uuid.UUID,
    forecast_date: dt.date | None = None,
    model_name: str = registry.DEFAULT_MODEL,
) -> BacktestReport:
    """Score the champion's forecasts of ``forecast_date`` (default: its latest scored
    day) and write the ``daily`` backtest row; see the module docstring."""
    report = BacktestReport(customer_id=customer_id, kind=DAILY, model_name=model_name)
    async with tenant_transaction(sessionmaker, customer_id) as session:
        champion = await registry.champion(session, model_name=model_name)
        if champion is None:
            report.skipped = f"no champion of {model_name!r} yet"
            return report
        report.model_version, report.model_id = champion.version, champion.model_id
        day = forecast_date or await repository.latest_scored_date(
            session, customer_id=customer_id, model_version=champion.version
        )
        if day is None:
            report.skipped = (
                f"no scored forecasts of the champion {champion.version} yet "
                "(forecasts are scored once their day's sales arrive)"
            )
            return report
        report.forecast_dates = [day]
        points = await repository.scored_points(
            session,
            customer_id=customer_id,
            model_name=model_name,
            model_version=champion.version,
            forecast_date=day,
        )
        usable = [p for p in points if not p["stockout"]]
        report.stockout_points_excluded = len(points) - len(usable)
        if not usable:
            report.skipped = (
                f"no scored forecasts of the champion {champion.version} for {day}"
                if not points
                else f"all {len(points)} scored forecasts for {day} were stock-out days"
            )
            return report
        history = await sales.actuals(
            session,
            customer_id=customer_id,
            start=day - dt.timedelta(days=MASE_HISTORY_DAYS),
            end=day - dt.timedelta(days=1),
        )
        scores, levels = await asyncio.to_thread(_daily_scores, usable, history, day)
        report.points = len(usable)
        report.metrics = {k: scores.get(k) for k in COLUMN_METRICS}
        # Runs of one tenant take turns replacing rows (the table has no natural key).
        await hold_tenant_lock(session, customer_id, BACKTESTS)
        report.rows_replaced = await repository.delete_backtests(
            session,
            customer_id=customer_id,
            model_id=champion.model_id,
            kind=DAILY,
            forecast_dates=[day],
        )
        issue_dates = sorted({p["issue_date"] for p in usable})
        row = _result_row(
            customer_id=customer_id,
            model_id=champion.model_id,
            model_version=champion.version,
            kind=DAILY,
            forecast_date=day,
            scores=scores,
            extra={
                "stockout_points_excluded": report.stockout_points_excluded,
                "issue_dates": [d.isoformat() for d in issue_dates],
                "quantile_levels": levels,
                "mase_history_days": MASE_HISTORY_DAYS,
            },
            evaluated_at=utcnow(),
        )
        report.rows_written = await repository.insert_backtests(session, [row])
    return report


def _daily_scores(
    points: Sequence[Mapping[str, Any]], history: pl.DataFrame, day: dt.date
) -> tuple[dict[str, float | None], list[float]]:
    """Pooled metrics of one day's forecasts (each a 1-period series) and the quantile
    levels used."""
    n = len(points)

    def column(key: str) -> npt.NDArray[np.float64]:
        values = [np.nan if p[key] is None else float(p[key]) for p in points]
        return np.array(values, dtype=np.float64).reshape(n, 1)

    # Levels every row has a finite value for (all rows, when one writer wrote them).
    keys: set[str] | None = None
    for p in points:
        present = {k for k, v in (p["quantiles"] or {}).items() if v is not None}
        keys = present if keys is None else keys & present
    levels = sorted((keys or set()), key=float)
    quantiles = {
        float(k): np.array([float(p["quantiles"][k]) for p in points]).reshape(n, 1) for k in levels
    }
    price = column("unit_price").reshape(n)
    ev = EvaluationSet(
        actual=column("actual_demand"),
        forecast=column("forecasted_demand"),
        quantiles=quantiles,
        scale=_mase_scale(points, history, day),
        # As in the weekly backtest: without a cost per unit, stock is valued at its price.
        unit_cost=price,
        unit_price=price,
        service_level=max(quantiles) if quantiles else DEFAULT_SERVICE_LEVEL,
    )
    return _clean(pooled_metrics(ev)), [float(k) for k in levels]


def _mase_scale(
    points: Sequence[Mapping[str, Any]], history: pl.DataFrame, day: dt.date
) -> npt.NDArray[np.float64]:
    """Per point, the seasonal-naive MAE of its series over the days before ``day``
    (stock-out days left out), the MASE denominator."""
    start = day - dt.timedelta(days=MASE_HISTORY_DAYS)
    rows = pl.DataFrame(
        {
            "store_id": [p["store_id"] for p in points],
            "product_id": [p["product_id"] for p in points],
            "row": range(len(points)),
        },
        schema={"store_id": pl.Int64, "product_id": pl.Int64, "row": pl.Int64},
    )
    observed = (
        history.filter(pl.col("on_hand_close").is_null() | (pl.col("on_hand_close") != 0))
        .join(rows, on=["store_id", "product_id"], how="inner")
        .with_columns((pl.col("sale_date") - pl.lit(start)).dt.total_days().alias("column"))
    )
    matrix = np.full((len(points), MASE_HISTORY_DAYS), np.nan)
    matrix[observed["row"].to_numpy(), observed["column"].to_numpy()] = observed[
        "quantity"
    ].to_numpy()
    return mase_scale(matrix, SEASON_DAYS)


# --- weekly rolling-origin backtest -----------------------------------------------------------


def max_windows(panel: Panel, config: PipelineConfig, *, horizon: int, step: int) -> int:
    """How many rolling-origin windows the history allows: the earliest window must still
    leave the pipeline the history its own validation needs (``horizon × validation
    windows`` plus a season)."""
    minimum = horizon * config.validation_windows + max(2, panel.freq.season_length)
    return max(0, (panel.n_periods - horizon - minimum) // step + 1)


async def run_weekly_backtest(
    sessionmaker: async_sessionmaker[AsyncSession],
    settings: Settings,
    *,
    customer_id: uuid.UUID,
    days: int = 90,
    model_name: str = registry.DEFAULT_MODEL,
) -> BacktestReport:
    """Backtest the champion's configuration over the last ``days`` days (7-day windows,
    7 days apart) and write one ``weekly`` row per forecast date; see the module
    docstring. The backtest runs in a worker thread with no transaction open; its rows
    are written in one transaction."""
    if days < 1:
        raise ValueError(f"days must be at least 1, got {days}")
    report = BacktestReport(customer_id=customer_id, kind=WEEKLY, model_name=model_name)
    report.windows_requested = math.ceil(days / WEEKLY_STEP)
    async with tenant_transaction(sessionmaker, customer_id) as session:
        champion = await registry.champion(session, model_name=model_name)
        if champion is None:
            report.skipped = f"no champion of {model_name!r} yet"
            return report
        report.model_version, report.model_id = champion.version, champion.model_id
        model_id, version = champion.model_id, champion.version
        stored = (champion.params or {}).get("pipeline")
        if not stored:
            report.skipped = (
                f"the champion {version} has no stored pipeline configuration to backtest"
            )
            return report
        config = config_from_dict(stored)
        try:
            history = await load_history(session, days=settings.retrain_history_days)
        except NoSalesHistory as exc:
            report.skipped = str(exc.detail)
            return report
        except ForecastInputError as exc:
            report.skipped = f"the sales history fails the forecasting input checks: {exc}"
            return report

    panel = history.panel
    allowed = max_windows(panel, config, horizon=WEEKLY_HORIZON, step=WEEKLY_STEP)
    if allowed < 1:
        report.skipped = (
            f"too little history: {panel.n_periods} days cannot hold one {WEEKLY_HORIZON}-day "
            f"window after the {WEEKLY_HORIZON * config.validation_windows + SEASON_DAYS} "
            "days the pipeline needs to fit"
        )
        return report
    report.windows = min(report.windows_requested, allowed)
    if report.windows < report.windows_requested:
        report.notes.append(
            f"the history ({panel.n_periods} days, {history.start} to {history.end}) holds "
            f"{report.windows} of the {report.windows_requested} weekly windows that "
            f"{days} days ask for; backtested {report.windows}"
        )
    try:
        result = await asyncio.to_thread(
            backtest,
            panel,
            config,
            horizon=WEEKLY_HORIZON,
            windows=report.windows,
            step=WEEKLY_STEP,
        )
    except ForecastInputError as exc:
        report.skipped = f"the champion's configuration cannot be backtested here: {exc}"
        return report
    by_date = await asyncio.to_thread(result.by_date)
    pooled = await asyncio.to_thread(lambda: _clean(pooled_metrics(result.evaluation())))
    report.points = int(pooled.get("n_points") or 0)
    report.metrics = pooled
    evaluated_at = utcnow()
    rows = [
        _result_row(
            customer_id=customer_id,
            model_id=model_id,
            model_version=version,
            kind=WEEKLY,
            forecast_date=entry["forecast_date"],
            scores={k: v for k, v in entry.items() if k not in ("forecast_date", "cutoff")},
            extra={
                "cutoff": entry["cutoff"].isoformat(),
                "horizon_step": (entry["forecast_date"] - entry["cutoff"]).days,
                "windows": report.windows,
                "model": config.model,
            },
            evaluated_at=evaluated_at,
        )
        for entry in by_date
    ]
    report.forecast_dates = [row["forecast_date"] for row in rows]
    async with tenant_transaction(sessionmaker, customer_id) as session:
        # Runs of one tenant take turns replacing rows (the table has no natural key).
        await hold_tenant_lock(session, customer_id, BACKTESTS)
        report.rows_replaced = await repository.delete_backtests(
            session,
            customer_id=customer_id,
            model_id=model_id,
            kind=WEEKLY,
            forecast_dates=report.forecast_dates,
        )
        report.rows_written = await repository.insert_backtests(session, rows)
    return report
