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
#: Training rows explained for ``feature_importance.json``: TreeSHAP costs grow with
#: rows × trees × leaves × depth², and 500 evenly spread rows of the model's own
#: training sample (at most 2,000) rank the features as well as all of them.
IMPORTANCE_ROWS = 500


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
    importance: dict[str, Any] | None = None
    """``feature_importance.json`` of the candidate (see :func:`importance_document`)."""


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
    stored = final.for_storage()
    report("feature importance")
    return Trained(
        pipeline=stored,
        importance=importance_document(stored),
        candidate=_score(cand),
        champion=champ_scores,
        baseline=_score(base),
        segments=cand.by_segment(),
        summary=final.summary(),
        cutoffs=cand.cutoffs,
    )


def importance_document(pipeline: ForecastPipeline) -> dict[str, Any]:
    """``feature_importance.json`` of a fitted pipeline: mean |SHAP| of every feature of
    its main tree model over :data:`IMPORTANCE_ROWS` rows of that model's training sample.

    The main tree model is the LightGBM/XGBoost member with the most blend weight across
    segments. Without one (local models, the LSTM) or without the ``shap`` package the
    document says ``available: false`` and why; it never fails a retrain.
    """
    from shelfops.forecasting.models.gbm import GlobalGBM

    weights: dict[str, float] = {}
    for blend in pipeline.blends.values():
        for name, weight in blend.weights.items():
            weights[name] = weights.get(name, 0.0) + weight
    trees = [
        (weights.get(name, 0.0), name, model)
        for name, model in pipeline.fitted.items()
        if isinstance(model, GlobalGBM) and weights.get(name, 0.0) > 0
    ]
    chosen = ", ".join(sorted(weights)) or pipeline.config.model
    if not trees:
        return _unavailable(
            f"no tree model in the forecast ({chosen}): SHAP importances cover lightgbm and xgboost"
        )
    _, name, model = max(trees, key=lambda item: (item[0], item[1]))
    sample = model.training_sample
    if sample is None or sample.shape[0] == 0:
        return _unavailable(f"the {name} model kept no training sample to explain")
    rows = sample[_spread(sample.shape[0], IMPORTANCE_ROWS)]
    try:
        from shelfops.forecasting import explain

        explanation = explain.explain_rows(model, rows)
    except ImportError as exc:
        return _unavailable(f"the shap package is not installed ({exc})")
    except Exception as exc:
        # An extra of the version, never a reason to lose the retrain: say why instead.
        return _unavailable(f"SHAP values of the {name} model failed: {exc}")
    importance = explain.feature_importance(explanation)
    return {
        "available": True,
        "reason": None,
        "measure": "mean_abs_shap",
        "scale": explanation.scale,
        "model": name,
        "sample_rows": int(rows.shape[0]),
        "features": [
            {"feature": feature, "importance": float(value)}
            for feature, value in importance.items()
        ],
    }


def _unavailable(reason: str) -> dict[str, Any]:
    return {"available": False, "reason": reason, "features": []}


def _spread(total: int, count: int) -> Any:
    """``count`` row indices spread evenly over ``total`` rows (all when fewer)."""
    import numpy as np

    if total <= count:
        return np.arange(total)
    return np.linspace(0, total - 1, count).round().astype(np.int64)
