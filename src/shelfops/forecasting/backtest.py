"""Rolling-origin backtests: fit before a cutoff, forecast after it, score, repeat.

Cutoffs are time points, never a row split: window ``k`` of ``K`` fits on every period
before ``cutoff_k = T − h − (K − 1 − k) × step`` and forecasts the ``h`` periods after it.
Each window runs the whole pipeline (its own validation, selection and conformal
calibration inside the window's history), so the quantiles scored here were calibrated
without seeing the window — held-out coverage, not in-sample coverage.

Scores use demand: a stock-out day's sales understate demand, so it is not scored
(``in_stock`` is False in the output frame for such rows).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import numpy.typing as npt
import polars as pl

from shelfops.forecasting.errors import ForecastInputError
from shelfops.forecasting.metrics import (
    EvaluationSet,
    mase_scale,
    per_series_metrics,
    pooled_metrics,
)
from shelfops.forecasting.models.base import Forecaster, check_horizon
from shelfops.forecasting.panel import FloatMatrix, Panel
from shelfops.forecasting.pipeline import Forecast, ForecastPipeline, PipelineConfig

#: Column of the backtest frame holding the pipeline's own (possibly blended) forecast.
PIPELINE_COLUMN = "forecast"
#: The seed-002 week-5 sweep: the xgboost weight from 1.0 down to 0.0.
SWEEP_WEIGHTS: tuple[float, ...] = tuple(round(1.0 - 0.1 * k, 1) for k in range(11))


@dataclass
class WindowResult:
    """One backtest window: its cutoff column and everything forecast in it."""

    cutoff: int
    forecast: Forecast
    actual: FloatMatrix
    """Demand (NaN = censored or not started)."""
    observed: FloatMatrix
    """Sales as recorded (censored days included)."""
    scale: npt.NDArray[np.float64]
    price: npt.NDArray[np.float64] | None
    summary: dict[str, Any] = field(default_factory=dict)


@dataclass
class BacktestResult:
    """All windows, with metrics pooled across them."""

    panel: Panel
    horizon: int
    windows: list[WindowResult]
    config: PipelineConfig
    last_models: dict[str, Forecaster] = field(default_factory=dict)
    """The last window's fitted models (for explanations)."""

    @property
    def cutoffs(self) -> list[str]:
        """Cutoff dates (the last history date of each window), ISO formatted."""
        return [str(self.panel.dates[w.cutoff - 1]) for w in self.windows]

    def _stack(self, pick: Callable[[WindowResult], FloatMatrix]) -> FloatMatrix:
        return np.concatenate([pick(w) for w in self.windows])

    def evaluation(self, model: str = PIPELINE_COLUMN) -> EvaluationSet:
        """Every window's rows stacked, for ``model`` (a member name or the pipeline)."""

        def point(w: WindowResult) -> FloatMatrix:
            return w.forecast.mean if model == PIPELINE_COLUMN else w.forecast.members[model]

        quantiles: dict[float, FloatMatrix] = {}
        if model == PIPELINE_COLUMN:
            for level in self.config.quantiles:
                quantiles[level] = np.concatenate(
                    [w.forecast.quantiles[level] for w in self.windows]
                )
        price = None
        if all(w.price is not None for w in self.windows):
            price = np.concatenate([w.price for w in self.windows if w.price is not None])
        return EvaluationSet(
            actual=self._stack(lambda w: w.actual),
            forecast=self._stack(point),
            quantiles=quantiles,
            scale=np.concatenate([w.scale for w in self.windows]),
            # Without a cost column, stock is valued at its selling price (documented).
            unit_cost=price,
            unit_price=price,
            service_level=max(self.config.quantiles),
        )

    @property
    def models(self) -> list[str]:
        """Member models present in every window."""
        names = set(self.windows[0].forecast.members)
        for w in self.windows[1:]:
            names &= set(w.forecast.members)
        return sorted(names)

    def metrics(self) -> dict[str, Any]:
        """Pooled metrics of the pipeline and of each member, plus the weight sweep."""
        out: dict[str, Any] = {
            "horizon": self.horizon,
            "windows": len(self.windows),
            "cutoffs": self.cutoffs,
            "freq": self.panel.freq.value,
            "series": self.panel.n_series,
            "model": self.config.model,
            "quantiles": list(self.config.quantiles),
            "pooled": _clean(pooled_metrics(self.evaluation())),
            "per_model": {m: _clean(pooled_metrics(self.evaluation(m))) for m in self.models},
            "selection": [w.summary for w in self.windows],
        }
        sweep = self.weight_sweep()
        if sweep:
            out["weight_sweep"] = sweep
        return out

    def per_series(self, model: str = PIPELINE_COLUMN) -> pl.DataFrame:
        """Per-series metrics of ``model`` (windows pooled per series)."""
        ev = self.evaluation(model)
        ids = np.tile(self.panel.ids, len(self.windows))
        return per_series_metrics(ev, ids)

    def by_segment(self, model: str = PIPELINE_COLUMN) -> dict[str, dict[str, float | None]]:
        """Pooled metrics of ``model`` within each segment (smooth, intermittent, new),
        each window's series classified as they were at its cutoff."""
        ev = self.evaluation(model)
        segments = np.concatenate([w.forecast.segments for w in self.windows])
        out: dict[str, dict[str, float | None]] = {}
        for segment in np.unique(segments):
            rows = segments == segment
            scores = _clean(pooled_metrics(_subset(ev, rows, slice(None))))
            out[str(segment)] = {"series": float(rows.sum()) / len(self.windows), **scores}
        return out

    def by_date(self, model: str = PIPELINE_COLUMN) -> list[dict[str, Any]]:
        """Pooled metrics of ``model`` per forecast date (every series on that date), in
        date order. Windows that overlap contribute each of their forecasts of a date."""
        rows: list[dict[str, Any]] = []
        for w in self.windows:
            one = BacktestResult(self.panel, self.horizon, [w], self.config)
            ev = one.evaluation(model)
            for step in range(self.horizon):
                column = slice(step, step + 1)
                if np.isnan(ev.actual[:, column]).all():
                    continue
                scores = _clean(pooled_metrics(_subset(ev, slice(None), column)))
                rows.append(
                    {
                        "forecast_date": self.panel.dates[w.cutoff + step].item(),
                        "cutoff": self.panel.dates[w.cutoff - 1].item(),
                        **scores,
                    }
                )
        return sorted(rows, key=lambda row: (row["forecast_date"], row["cutoff"]))

    def weight_sweep(self) -> list[dict[str, Any]]:
        """Seed 002 week 5: ``w × xgboost + (1 − w) × other`` for w = 1.0 … 0.0.

        ``other`` is the LSTM when it was fitted, else LightGBM. Each weight's blend is
        built from the real backtest forecasts of both models and scored on the same
        windows — every row is measured, none interpolated.
        """
        models = self.models
        if "xgboost" not in models:
            return []
        other = "lstm" if "lstm" in models else "lightgbm" if "lightgbm" in models else None
        if other is None:
            return []
        base = self.evaluation("xgboost")
        xgb = base.forecast
        alt = self.evaluation(other).forecast
        rows: list[dict[str, Any]] = []
        for w in SWEEP_WEIGHTS:
            blended = EvaluationSet(
                actual=base.actual,
                forecast=w * xgb + (1 - w) * alt,
                quantiles={},
                scale=base.scale,
                unit_cost=base.unit_cost,
                unit_price=base.unit_price,
                service_level=base.service_level,
            )
            scores = pooled_metrics(blended)
            rows.append(
                {
                    "xgboost_weight": w,
                    f"{other}_weight": round(1 - w, 1),
                    **{k: scores[k] for k in ("mae", "wape", "rmse", "bias") if k in scores},
                }
            )
        return _clean_rows(rows)

    def frame(self) -> pl.DataFrame:
        """Long output: the pipeline's forecast frame plus ``cutoff, y, in_stock``, each
        member's forecast, the segment and the chosen model."""
        parts: list[pl.DataFrame] = []
        for w in self.windows:
            f = w.forecast
            h = f.mean.shape[1]
            extra: dict[str, Any] = {
                "cutoff": self.panel.dates[w.cutoff - 1],
                "y": w.observed.reshape(-1),
                "in_stock": ~np.isnan(w.actual.reshape(-1)) | np.isnan(w.observed.reshape(-1)),
                **{name: f.members[name].reshape(-1) for name in self.models},
                "segment": np.repeat(f.segments, h),
                "chosen": np.repeat(f.chosen, h),
            }
            parts.append(
                f.to_frame().with_columns(
                    pl.lit(extra.pop("cutoff")).cast(pl.Date).alias("cutoff"),
                    *[pl.Series(name, values) for name, values in extra.items()],
                )
            )
        return pl.concat(parts).filter(pl.col("y").is_not_nan())


def backtest(
    panel: Panel,
    config: PipelineConfig,
    *,
    horizon: int,
    windows: int,
    step: int | None = None,
    progress: Callable[[str], None] | None = None,
) -> BacktestResult:
    """Run ``windows`` rolling-origin windows of ``horizon`` periods, ``step`` apart."""
    check_horizon(horizon)
    if windows < 1:
        raise ForecastInputError(f"--windows must be at least 1, got {windows}")
    step = step or horizon
    # Checked up front against the first window, whose history is the shortest: a
    # failure inside it would quote that window's history, not the file's.
    first = panel.n_periods - horizon - (windows - 1) * step
    calibration = ForecastPipeline(config).minimum_history(horizon, panel.freq)
    if first < calibration:
        raise ForecastInputError(
            f"{windows} window(s) of {horizon} periods, {step} apart, need at least "
            f"{panel.n_periods - first + calibration} periods of history (each window's "
            f"forecast is calibrated on at least {calibration} periods before it); the "
            f"history has {panel.n_periods}"
        )
    report = progress or (lambda _: None)
    results: list[WindowResult] = []
    last_models: dict[str, Forecaster] = {}
    demand = panel.demand()
    season = panel.freq.season_length
    for k in range(windows):
        cutoff = panel.n_periods - horizon - (windows - 1 - k) * step
        history = panel.truncate(cutoff)
        pipeline = ForecastPipeline(config).fit(
            history, horizon, progress=_prefixed(report, f"window {k + 1}/{windows}")
        )
        forecast = pipeline.predict()
        last_models = pipeline.fitted
        price = None
        if "price" in panel.covariates:
            price = np.nanmean(panel.covariates["price"][:, cutoff : cutoff + horizon], axis=1)
        results.append(
            WindowResult(
                cutoff=cutoff,
                forecast=forecast,
                actual=demand[:, cutoff : cutoff + horizon],
                observed=panel.y[:, cutoff : cutoff + horizon],
                scale=mase_scale(demand[:, :cutoff], season),
                price=price,
                summary=pipeline.summary(),
            )
        )
    return BacktestResult(
        panel=panel, horizon=horizon, windows=results, config=config, last_models=last_models
    )


def _subset(ev: EvaluationSet, rows: Any, columns: slice) -> EvaluationSet:
    """The evaluation set restricted to some series rows and horizon columns."""

    def pick(vector: npt.NDArray[np.float64] | None) -> npt.NDArray[np.float64] | None:
        return None if vector is None else vector[rows]

    return EvaluationSet(
        actual=ev.actual[rows][:, columns],
        forecast=ev.forecast[rows][:, columns],
        quantiles={q: m[rows][:, columns] for q, m in ev.quantiles.items()},
        scale=ev.scale[rows],
        unit_cost=pick(ev.unit_cost),
        unit_price=pick(ev.unit_price),
        service_level=ev.service_level,
    )


def _prefixed(report: Callable[[str], None], label: str) -> Callable[[str], None]:
    """A progress callback that prefixes every message with ``label``."""

    def prefixed(message: str) -> None:
        report(f"{label}: {message}")

    return prefixed


def _clean(values: Mapping[str, float]) -> dict[str, float | None]:
    """JSON-safe metrics: NaN becomes None (JSON has no NaN)."""
    return {
        k: (None if isinstance(v, float) and not np.isfinite(v) else v) for k, v in values.items()
    }


def _clean_rows(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [_clean(row) for row in rows]
