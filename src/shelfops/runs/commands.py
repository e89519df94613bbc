"""``shelfops forecast`` and ``shelfops backtest`` on files, with tracking.

Both work on a file and need no database. Every run is tracked: in MLflow at the
configured URI (a SQLite store under ``var/`` by default), or, when MLflow cannot be
reached, in ``reports/run_<timestamp>.json`` — the result says which.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from shelfops.config import Settings
from shelfops.forecasting.backtest import BacktestResult, backtest
from shelfops.forecasting.calibration import DEFAULT_QUANTILES
from shelfops.forecasting.io import read_future
from shelfops.forecasting.models.base import check_horizon
from shelfops.forecasting.models.gbm import GlobalGBM
from shelfops.forecasting.pipeline import ForecastPipeline, PipelineConfig
from shelfops.forecasting.validation import validate_prediction_input
from shelfops.runs.inputs import load_panel
from shelfops.runs.report import write_backtest_report
from shelfops.tracking.record import RunRecord, TrackingResult
from shelfops.tracking.runs import log_run
from shelfops.tracking.store import default_tracking_uri

Progress = Callable[[str], None]

#: The cold-start-tier LightGBM a backtest adds so the tier comparison is measured.
COLD_START_VARIANT = "lightgbm:cold_start"


@dataclass
class RunOutcome:
    """What a command produced: files, headline metrics and where it was tracked."""

    files: list[Path] = field(default_factory=list)
    metrics: dict[str, Any] = field(default_factory=dict)
    tracking: TrackingResult | None = None
    notes: list[str] = field(default_factory=list)


def pipeline_config(model: str, quantiles: tuple[float, ...] | None) -> PipelineConfig:
    """The pipeline for a ``--model`` choice."""
    return PipelineConfig(model=model, quantiles=quantiles or DEFAULT_QUANTILES)


def forecast_file(
    settings: Settings,
    *,
    input_path: Path,
    horizon: int,
    output: Path,
    freq: str | None = None,
    model: str = "auto",
    quantiles: tuple[float, ...] | None = None,
    future_path: Path | None = None,
    progress: Progress | None = None,
) -> RunOutcome:
    """Fit on ``input_path`` and write ``horizon`` periods of forecasts to ``output``."""
    check_horizon(horizon)
    report = progress or (lambda _: None)
    started = time.perf_counter()
    report("reading input")
    loaded = load_panel(input_path, freq)
    panel = loaded.panel
    future = None
    if future_path is not None:
        future = validate_prediction_input(
            read_future(future_path), covariates=list(panel.covariates), horizon=horizon
        )
    panel = panel.with_future(future, horizon)
    config = pipeline_config(model, quantiles)
    pipeline = ForecastPipeline(config).fit(panel, horizon, progress=report)
    forecast = pipeline.predict()
    frame = forecast.to_frame(panel.statics)
    output.parent.mkdir(parents=True, exist_ok=True)
    frame.write_csv(output)
    summary = pipeline.summary()
    outcome = RunOutcome(files=[output], metrics={"selection": summary})
    seconds = time.perf_counter() - started
    outcome.tracking = track(
        settings,
        experiment="shelfops-forecast",
        run_name=f"forecast-{input_path.stem}",
        params={**_params(config, horizon, panel.freq.value), **_model_params(pipeline)},
        metrics={
            # "*" (one choice for every series) is not a character MLflow allows in a name.
            f"validation_wape_{'all' if group == '*' else group}": choice["validation_wape"]
            for group, choice in summary["choice"].items()
        }
        | {"seconds": seconds, "series": float(panel.n_series)},
        dataset=input_path.stem,
        trigger="cli",
        version="forecast",
        artifacts=[output],
    )
    return outcome


def backtest_file(
    settings: Settings,
    *,
    input_path: Path,
    horizon: int,
    windows: int,
    report_dir: Path,
    freq: str | None = None,
    model: str = "auto",
    quantiles: tuple[float, ...] | None = None,
    compare_tiers: bool = True,
    png: bool = True,
    progress: Progress | None = None,
) -> RunOutcome:
    """Rolling-origin backtest of ``input_path``; the report goes to ``report_dir``."""
    report = progress or (lambda _: None)
    timings: dict[str, float] = {}
    started = time.perf_counter()
    report("reading input")
    loaded = load_panel(input_path, freq)
    timings["read_validate"] = time.perf_counter() - started
    base = pipeline_config(model, quantiles)
    compare = (COLD_START_VARIANT,) if compare_tiers and "lightgbm" in base.members() else ()
    config = PipelineConfig(
        model=base.model, quantiles=base.quantiles, refit_all=True, compare=compare
    )
    step = time.perf_counter()
    result = backtest(loaded.panel, config, horizon=horizon, windows=windows, progress=report)
    timings["backtest"] = time.perf_counter() - step
    metrics = result.metrics()
    explain_model = _explainable(result)
    params = _params(config, horizon, loaded.panel.freq.value) | {"windows": windows}
    step = time.perf_counter()
    report("writing report")
    files = write_backtest_report(
        result,
        report_dir,
        metrics=metrics,
        params=params,
        timings=timings,
        explain_model=explain_model,
        png=png,
    )
    timings["report"] = time.perf_counter() - step
    outcome = RunOutcome(files=files.files, metrics=metrics)
    if png and files.png_skipped_reason:
        outcome.notes.append(f"PNG charts skipped: {files.png_skipped_reason}")
    outcome.tracking = track(
        settings,
        experiment="shelfops-backtest",
        run_name=f"backtest-{input_path.stem}",
        params=params,
        metrics=_flat_metrics(metrics),
        dataset=input_path.stem,
        trigger="cli",
        version="backtest",
        artifacts=[f for f in files.files if f.suffix != ".js"],
        fallback_dir=report_dir,
    )
    return outcome


def _explainable(result: BacktestResult) -> GlobalGBM | None:
    """The last window's fitted production-tier tree model, if there is one."""
    for name in ("lightgbm", "xgboost"):
        model = result.last_models.get(name)
        if isinstance(model, GlobalGBM):
            return model
    return None


def _params(config: PipelineConfig, horizon: int, freq: str) -> dict[str, object]:
    return {
        "model": config.model,
        "candidates": ",".join(config.members()),
        "horizon": horizon,
        "freq": freq,
        "quantiles": ",".join(f"{q:g}" for q in config.quantiles),
        "validation_windows": config.validation_windows,
        "feature_tier": "production",
    }


def _model_params(pipeline: ForecastPipeline) -> dict[str, object]:
    out: dict[str, object] = {}
    for name, model in pipeline.fitted.items():
        for key, value in model.params().items():
            out[f"{name}.{key}"] = value
    return out


def _flat_metrics(metrics: Mapping[str, Any]) -> dict[str, float]:
    out: dict[str, float] = {}
    for key, value in metrics["pooled"].items():
        if isinstance(value, int | float):
            out[key] = float(value)
    for model, values in metrics["per_model"].items():
        for key in ("mae", "wape", "mase", "rmse", "bias"):
            value = values.get(key)
            if isinstance(value, int | float):
                out[f"{model.replace(':', '_')}.{key}"] = float(value)
    return out


def track(
    settings: Settings,
    *,
    experiment: str,
    run_name: str,
    params: Mapping[str, object],
    metrics: Mapping[str, float],
    dataset: str,
    trigger: str,
    version: str,
    artifacts: list[Path],
    fallback_dir: Path | None = None,
) -> TrackingResult:
    """Log a run to MLflow, or to a JSON file in ``fallback_dir`` (default ``reports/``)."""
    uri = settings.mlflow_tracking_uri or default_tracking_uri(settings.var_dir)
    record = RunRecord(
        experiment=experiment,
        run_name=run_name,
        params=params,
        metrics=metrics,
        tags={"dataset": dataset, "trigger": trigger, "version": version},
        artifacts=artifacts,
    )
    return log_run(record, tracking_uri=uri, fallback_dir=fallback_dir or Path("reports"))


__all__ = [
    "RunOutcome",
    "backtest_file",
    "forecast_file",
    "track",
]
