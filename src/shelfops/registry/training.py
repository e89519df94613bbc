"""The compute half of a retrain: score candidate, champion and baseline on the same
backtest windows, then fit the candidate on the full history. No database in here; the
retrain service runs it in a worker thread."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from shelfops.forecasting.backtest import BacktestResult, backtest
from shelfops.forecasting.models import split_variant
from shelfops.forecasting.panel import Panel
from shelfops.forecasting.pipeline import ForecastPipeline, PipelineConfig

BASELINE_MODEL = "seasonal_naive"
GLOBAL_MODELS = ("lightgbm", "xgboost", "lstm")


@dataclass(frozen=True)
class Trained:
    """Everything a retrain learned, ready to be registered."""

    pipeline: ForecastPipeline
    """The candidate fitted on the full history, stripped of it (for storage)."""
    candidate: dict[str, Any]
    champion: dict[str, Any] | None
    baseline: dict[str, Any]
    segments: dict[str, dict[str, float | None]]
    summary: dict[str, Any]
    cutoffs: list[str]


def config_to_dict(config: PipelineConfig) -> dict[str, Any]:
    """A pipeline configuration as stored with a version (JSON)."""
    return {
        "model": config.model,
        "quantiles": list(config.quantiles),
        "candidates": list(config.candidates),
        "validation_windows": config.validation_windows,
        "model_params": {k: dict(v) for k, v in config.model_params.items()},
    }


def config_from_dict(data: Mapping[str, Any]) -> PipelineConfig:
    """The configuration a version was trained with (inverse of :func:`config_to_dict`)."""
    default = PipelineConfig()
    return PipelineConfig(
        model=str(data.get("model", default.model)),
        quantiles=tuple(float(q) for q in data.get("quantiles", default.quantiles)),
        candidates=tuple(data.get("candidates", default.candidates)),
        validation_windows=int(data.get("validation_windows", default.validation_windows)),
        model_params=dict(data.get("model_params", {})),
    )


def feature_tier(config: PipelineConfig) -> str:
    """The feature tier of the configuration's global models (seed 001), or ``none`` when
    it uses only local statistical models."""
    tiers = set()
    for member in config.members():
        base, variant = split_variant(member)
        if base in GLOBAL_MODELS:
            tiers.add(str(variant.get("tier", "production")))
    return ",".join(sorted(tiers)) or "none"


def _score(result: BacktestResult) -> dict[str, Any]:
    return dict(result.metrics()["pooled"])


def train(
    panel: Panel,
    *,
    candidate: PipelineConfig,
    champion: PipelineConfig | None,
    horizon: int,
    windows: int,
    progress: Callable[[str], None] | None = None,
) -> Trained:
    """Backtest candidate, champion (if any) and the seasonal-naive baseline on the same
    rolling-origin windows, then fit the candidate on all of ``panel``."""
    report = progress or (lambda _: None)
    report("backtest candidate")
    cand = backtest(panel, candidate, horizon=horizon, windows=windows)
    champ_scores: dict[str, Any] | None = None
    if champion is not None:
        # The same configuration on the same windows gives the same numbers: no refit.
        if champion == candidate:
            champ_scores = _score(cand)
        else:
            report("backtest champion")
            champ_scores = _score(backtest(panel, champion, horizon=horizon, windows=windows))
    report("backtest baseline")
    baseline_config = PipelineConfig(model=BASELINE_MODEL, quantiles=candidate.quantiles)
    base = backtest(panel, baseline_config, horizon=horizon, windows=windows)
    report("fit candidate on the full history")
    final = ForecastPipeline(candidate).fit(panel, horizon)
    return Trained(
        pipeline=final.for_storage(),
        candidate=_score(cand),
        champion=champ_scores,
        baseline=_score(base),
        segments=cand.by_segment(),
        summary=final.summary(),
        cutoffs=cand.cutoffs,
    )
