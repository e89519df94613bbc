"""Writing a backtest's report folder: metrics, frames, the five charts, SHAP files."""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import polars as pl

from shelfops.forecasting import charts
from shelfops.forecasting.backtest import PIPELINE_COLUMN, BacktestResult
from shelfops.forecasting.calibration import quantile_column
from shelfops.forecasting.models.gbm import GlobalGBM

#: Series drawn in forecast_vs_actual: the best sellers, where errors cost most.
CHART_SERIES = 6
TIER_KEYS = ("mae", "wape", "mase", "coverage")


@dataclass
class ReportFiles:
    """Everything a report folder holds."""

    directory: Path
    files: list[Path] = field(default_factory=list)
    png_skipped_reason: str | None = None


def write_json(path: Path, payload: Mapping[str, Any]) -> Path:
    """Pretty JSON with NaN written as null (JSON has no NaN)."""
    path.write_text(json.dumps(payload, indent=2, default=_json_default, allow_nan=False) + "\n")
    return path


def _json_default(value: object) -> object:
    if isinstance(value, np.generic):
        return value.item()
    return str(value)


def write_backtest_report(
    result: BacktestResult,
    directory: Path,
    *,
    metrics: Mapping[str, Any],
    params: Mapping[str, object],
    timings: Mapping[str, float],
    explain_model: GlobalGBM | None = None,
    png: bool = True,
) -> ReportFiles:
    """Write ``metrics.json``, the backtest frames, the charts and SHAP explanations."""
    directory.mkdir(parents=True, exist_ok=True)
    out = ReportFiles(directory=directory)
    out.files.append(write_json(directory / "metrics.json", metrics))
    frame = result.frame()
    frame.write_csv(directory / "backtest.csv")
    out.files.append(directory / "backtest.csv")
    result.per_series().write_csv(directory / "per_series_metrics.csv")
    out.files.append(directory / "per_series_metrics.csv")

    importance: dict[str, float] = {}
    if explain_model is not None:
        from shelfops.forecasting import explain

        written = explain.write_explanations(
            explain_model,
            directory,
            result.windows[-1].forecast.ids,
            result.windows[-1].forecast.dates,
        )
        out.files.extend(written.values())
        importance = explain.feature_importance(explain_model)

    figures = {
        "forecast_vs_actual": _forecast_chart(result, frame),
        "error_distribution": charts.error_distribution(_errors(result)),
        "tier_comparison": charts.tier_comparison(_comparable(metrics), TIER_KEYS),
        "training_summary": charts.training_summary(
            {k: v for k, v in metrics["pooled"].items() if isinstance(v, int | float)},
            params,
            timings,
        ),
    }
    if importance:
        figures["feature_importance"] = charts.feature_importance(importance)
    written_charts = charts.write_charts(figures, directory, png=png)
    out.files.extend(written_charts.html.values())
    out.files.extend(written_charts.png.values())
    if written_charts.plotlyjs is not None:
        out.files.append(written_charts.plotlyjs)
    out.png_skipped_reason = written_charts.png_skipped_reason
    return out


def _forecast_chart(result: BacktestResult, frame: pl.DataFrame) -> Any:
    last = result.windows[-1]
    cutoff = result.panel.dates[last.cutoff - 1]
    window = frame.filter(pl.col("cutoff") == cutoff)
    volume = (
        window.group_by("unique_id")
        .agg(pl.col("y").sum())
        .sort(["y", "unique_id"], descending=[True, False])
    )
    series = volume["unique_id"].head(CHART_SERIES).to_list()
    levels = result.config.quantiles
    band = (quantile_column(min(levels)), quantile_column(max(levels))) if len(levels) > 1 else None
    rows = np.flatnonzero(np.isin(result.panel.ids, series))
    start = max(0, last.cutoff - 8 * result.horizon)
    dates = result.panel.dates[start : last.cutoff]
    history = pl.DataFrame(
        {
            "unique_id": np.repeat(result.panel.ids[rows], len(dates)),
            "ds": np.tile(dates, len(rows)),
            "y": result.panel.y[rows, start : last.cutoff].reshape(-1),
        }
    ).with_columns(pl.col("ds").cast(pl.Date))
    shown = window.filter(pl.col("unique_id").is_in(series)).select(
        "unique_id", "ds", PIPELINE_COLUMN, "y", *(band or ())
    )
    return charts.forecast_vs_actual(history.drop_nans(), shown, series, band)


def _errors(result: BacktestResult) -> dict[str, np.ndarray]:
    out: dict[str, np.ndarray] = {}
    for model in (PIPELINE_COLUMN, *result.models):
        ev = result.evaluation(model)
        mask = ~np.isnan(ev.actual)
        out[model] = (ev.forecast - ev.actual)[mask]
    return out


def _comparable(metrics: Mapping[str, Any]) -> dict[str, dict[str, float]]:
    """Per-model (and per-tier) metrics for the comparison chart; NaN when absent."""
    rows: dict[str, dict[str, float]] = {}
    named = {PIPELINE_COLUMN: metrics["pooled"], **metrics["per_model"]}
    for name, values in named.items():
        rows[name] = {
            k: float(values[k]) if values.get(k) is not None else float("nan") for k in TIER_KEYS
        }
    return rows
