"""The forecasting pipeline: validate, choose, calibrate, refit, forecast.

``ForecastPipeline(config).fit(panel, horizon)`` does, in order:

1. **Validation windows.** For each of ``config.validation_windows`` cutoffs
   ``T - h, T - 2h, …`` every candidate model is fitted on the history before the
   cutoff and forecasts the ``h`` periods after it (known covariates stay visible, the
   target does not).
2. **Selection** (``--model auto``). Per demand segment (:mod:`.segments`) the candidate
   or two-model blend (weights 0.1 … 0.9) with the lowest WAPE on those windows wins.
   With a single named model there is nothing to choose. ``ensemble`` blends the global
   tree models with weights chosen the same way for the whole panel.
3. **Calibration.** The chosen forecasts' residuals on the validation windows train the
   conformal quantiles (:mod:`.calibration`).
4. **Refit** of the chosen models on the whole history, then ``predict()``.

**Storing and forecasting later.** :meth:`ForecastPipeline.for_storage` is a copy without
the training history (small to pickle); :meth:`ForecastPipeline.forecast_from` forecasts
a newer panel with the stored choices, blends and calibration: global models keep their
trees or network and read the new history, local models (cheap) are refitted on it.

Evaluation uses *demand*: a censored (stock-out) day's sales understate demand, so it
is excluded from the validation error, never scored as if zero were right.
"""

from __future__ import annotations

import copy
import itertools
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Self

import numpy as np
import numpy.typing as npt
import polars as pl

from shelfops.forecasting.calibration import (
    DEFAULT_QUANTILES,
    ConformalCalibrator,
    quantile_column,
)
from shelfops.forecasting.errors import ForecastInputError
from shelfops.forecasting.frequency import DateArray, Freq
from shelfops.forecasting.models import is_available, make_model, split_variant
from shelfops.forecasting.models.base import Forecaster, check_horizon
from shelfops.forecasting.panel import FloatMatrix, Panel
from shelfops.forecasting.segments import classify

#: Candidates ``auto`` weighs by default: fast local baselines, an intermittent-demand
#: method, exponential smoothing and the global LightGBM.
AUTO_CANDIDATES: tuple[str, ...] = ("seasonal_naive", "moving_average", "tsb", "lightgbm")
#: Members of ``--model ensemble``.
ENSEMBLE_MEMBERS: tuple[str, ...] = ("lightgbm", "xgboost")
#: Blend weights tried for a pair of models.
BLEND_WEIGHTS: tuple[float, ...] = tuple(round(0.1 * k, 1) for k in range(1, 10))

Progress = Callable[[str], None]


def _silent(_: str) -> None:
    return None


@dataclass(frozen=True)
class PipelineConfig:
    """What to fit and how to calibrate it."""

    model: str = "auto"
    quantiles: tuple[float, ...] = DEFAULT_QUANTILES
    candidates: tuple[str, ...] = AUTO_CANDIDATES
    model_params: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)
    validation_windows: int = 1
    refit_global: bool = False
    """Refit global models on the full history. By default the model fitted for the
    validation window is reused (its trees, with the full history as lags): that model is
    the one whose errors calibrated the quantiles, and it halves the training time."""
    refit_all: bool = False
    """Refit every member, not only the chosen ones (backtests compare them all)."""
    compare: tuple[str, ...] = ()
    """Extra models fitted on the full history only for comparison, never chosen."""

    def members(self) -> tuple[str, ...]:
        """The models fitted in validation windows."""
        if self.model == "auto":
            return tuple(m for m in self.candidates if is_available(m))
        if self.model == "ensemble":
            return tuple(m for m in ENSEMBLE_MEMBERS if is_available(m))
        return (self.model,)


@dataclass(frozen=True)
class Blend:
    """A weighted combination of models (weights sum to 1)."""

    weights: Mapping[str, float]
    validation_wape: float

    def describe(self) -> str:
        """``lightgbm`` or ``0.7*lightgbm+0.3*tsb``."""
        if len(self.weights) == 1:
            return next(iter(self.weights))
        return "+".join(f"{w:g}*{m}" for m, w in self.weights.items())

    def combine(self, forecasts: Mapping[str, FloatMatrix]) -> FloatMatrix:
        """The blended forecast."""
        return sum(w * forecasts[m] for m, w in self.weights.items())  # type: ignore[return-value]


@dataclass
class Forecast:
    """Point and quantile forecasts for every series of a panel."""

    ids: npt.NDArray[np.str_]
    dates: DateArray
    mean: FloatMatrix
    quantiles: dict[float, FloatMatrix]
    segments: npt.NDArray[np.str_]
    chosen: npt.NDArray[np.str_]
    """Per series: the model or blend that produced its forecast."""
    members: dict[str, FloatMatrix] = field(default_factory=dict)
    """Each fitted member's own forecast (for reports and backtests)."""

    def to_frame(self, statics: Mapping[str, npt.NDArray[np.str_]] | None = None) -> pl.DataFrame:
        """Long output: ``unique_id, ds, forecast, q…`` (+ ``store_id, product_id``)."""
        n, h = self.mean.shape
        columns: dict[str, Any] = {
            "unique_id": np.repeat(self.ids, h),
            "ds": np.tile(self.dates.astype("datetime64[D]"), n),
            "forecast": self.mean.reshape(-1),
        }
        for level in sorted(self.quantiles):
            columns[quantile_column(level)] = self.quantiles[level].reshape(-1)
        for name in ("store_id", "product_id"):
            if statics and name in statics:
                columns[name] = np.repeat(statics[name], h)
        return pl.DataFrame(columns).with_columns(pl.col("ds").cast(pl.Date))


def wape(actual: FloatMatrix, forecast: FloatMatrix) -> float:
    """Σ|forecast − actual| / Σ|actual| over cells where ``actual`` is known."""
    mask = ~np.isnan(actual)
    denominator = float(np.abs(actual[mask]).sum())
    if denominator == 0:
        return float(np.abs(forecast[mask]).sum()) if mask.any() else float("nan")
    return float(np.abs(forecast[mask] - actual[mask]).sum() / denominator)


@dataclass
class ValidationRun:
    """Forecasts of every member on the validation windows, stacked window by window."""

    actual: FloatMatrix
    """(windows × series, horizon) demand; NaN where censored or not started."""
    forecasts: dict[str, FloatMatrix]
    segments: npt.NDArray[np.str_]


def select_blends(
    run: ValidationRun, members: Sequence[str], *, per_segment: bool
) -> dict[str, Blend]:
    """The best single model or two-model blend, per segment or for all (key ``"*"``)."""
    groups = np.unique(run.segments) if per_segment else np.array(["*"])
    chosen: dict[str, Blend] = {}
    for group in groups:
        rows = run.segments == group if per_segment else np.ones(len(run.segments), bool)
        actual = run.actual[rows]
        scores = {m: wape(actual, run.forecasts[m][rows]) for m in members}
        ranked = sorted(members, key=lambda m: (np.nan_to_num(scores[m], nan=np.inf), m))
        best = Blend({ranked[0]: 1.0}, scores[ranked[0]])
        for a, b in itertools.combinations(ranked[:3], 2):
            for w in BLEND_WEIGHTS:
                blended = w * run.forecasts[a][rows] + (1 - w) * run.forecasts[b][rows]
                score = wape(actual, blended)
                if score < best.validation_wape - 1e-12:
                    best = Blend({a: w, b: round(1 - w, 1)}, score)
        chosen[str(group)] = best
    return chosen


class ForecastPipeline:
    """Fit → choose → calibrate → refit → forecast (see the module docstring)."""

    def __init__(self, config: PipelineConfig | None = None) -> None:
        self.config = config or PipelineConfig()
        self.blends: dict[str, Blend] = {}
        self.calibrator = ConformalCalibrator(levels=self.config.quantiles)
        self.validation: ValidationRun | None = None
        self.fitted: dict[str, Forecaster] = {}
        self._panel: Panel | None = None
        self._horizon = 0
        self._segments: npt.NDArray[np.str_] = np.array([], dtype=str)
        self._segment_counts: dict[str, int] = {}
        self._freq: Freq | None = None
        self._stored = False

    @property
    def horizon(self) -> int:
        """The horizon the pipeline was fitted and calibrated for (0 before ``fit``)."""
        return self._horizon

    def _new(self, name: str) -> Forecaster:
        base, _ = split_variant(name)
        params = dict(self.config.model_params.get(base, {}))
        if base == "lstm":
            # The LSTM forecasts its horizon directly, so it must be trained for it.
            params.setdefault("max_horizon", self._horizon)
        return make_model(name, **params)

    def fit(self, panel: Panel, horizon: int, progress: Progress = _silent) -> Self:
        """Run validation windows, choose, calibrate and refit on ``panel``."""
        check_horizon(horizon)
        self._horizon = horizon
        # Known covariates must reach the horizon; without a future frame the documented
        # assumption of Panel.with_future applies (no promotion, last regular price).
        panel = panel.with_future(None, horizon)
        members = self.config.members()
        if not members:
            raise ForecastInputError(f"no model available for --model {self.config.model}")
        self._segments = classify(panel)
        self._segment_counts = _counts(self._segments)
        self._freq = panel.freq
        self.validation = self._validate(panel, horizon, members, progress)
        per_segment = self.config.model == "auto"
        self.blends = select_blends(self.validation, members, per_segment=per_segment)
        blended = self._blend(self.validation.forecasts, self.validation.segments)
        self.calibrator.fit(self.validation.actual, blended, self.validation.segments)
        needed = sorted({m for blend in self.blends.values() for m in blend.weights})
        if self.config.refit_all:
            needed = sorted(members)
        for name in needed:
            progress(f"fit {name} on full history")
            model = self.fitted.get(name)
            if model is not None and not self.config.refit_global and hasattr(model, "rebase"):
                model.rebase(panel)
            else:
                self.fitted[name] = self._new(name).fit(panel)
        self.fitted = {k: v for k, v in self.fitted.items() if k in needed}
        for name in self.config.compare:
            if name not in self.fitted and is_available(name):
                progress(f"fit {name} for comparison")
                self.fitted[name] = self._new(name).fit(panel)
        self._panel, self._horizon = panel, horizon
        return self

    def minimum_history(self, horizon: int, freq: Freq) -> int:
        """Periods of history :meth:`fit` needs for a ``horizon``-period forecast: its
        validation windows plus a season (three periods at least: a window's history must
        leave a global model lagged rows to train on; two yearly periods left none)."""
        return horizon * self.config.validation_windows + max(3, freq.season_length)

    def _validate(
        self, panel: Panel, horizon: int, members: Sequence[str], progress: Progress
    ) -> ValidationRun:
        windows = self.config.validation_windows
        minimum = self.minimum_history(horizon, panel.freq)
        if panel.n_periods < minimum:
            raise ForecastInputError(
                f"the history has {panel.n_periods} periods; calibrating a {horizon}-period "
                f"forecast on {windows} validation window(s) needs at least {minimum}"
            )
        demand = panel.demand()
        actual_rows: list[FloatMatrix] = []
        forecasts: dict[str, list[FloatMatrix]] = {m: [] for m in members}
        for window in range(windows, 0, -1):
            cutoff = panel.n_periods - window * horizon
            history = panel.truncate(cutoff)
            actual_rows.append(demand[:, cutoff : cutoff + horizon])
            for name in members:
                progress(f"validation window {windows - window + 1}/{windows}: {name}")
                model = self._new(name).fit(history)
                forecasts[name].append(model.predict(horizon))
                if window == 1:
                    self.fitted[name] = model
        return ValidationRun(
            actual=np.concatenate(actual_rows),
            forecasts={m: np.concatenate(f) for m, f in forecasts.items()},
            segments=np.tile(self._segments, windows),
        )

    def _blend_of(self, segment: str) -> Blend:
        """The stored blend that forecasts series of ``segment``.

        Its own blend when validation saw the segment; else the ``"*"`` blend (every
        mode but ``auto`` has only that one); else — a segment the training panel did not
        have, such as ``new`` series appearing later — the blend of the segment that held
        the most training series, the choice backed by the most evidence.
        """
        if segment in self.blends:
            return self.blends[segment]
        if "*" in self.blends:
            return self.blends["*"]
        if not self.blends:
            raise RuntimeError("fit the pipeline before forecasting")
        largest = max(self.blends, key=lambda g: (self._segment_counts.get(g, 0), g))
        return self.blends[largest]

    def _blend(
        self, forecasts: Mapping[str, FloatMatrix], segments: npt.NDArray[np.str_]
    ) -> FloatMatrix:
        shape = next(iter(forecasts.values())).shape
        out = np.zeros(shape)
        for group in np.unique(segments):
            rows = segments == group
            blend = self._blend_of(str(group))
            out[rows] = blend.combine({m: forecasts[m][rows] for m in blend.weights})
        return out

    def _assemble(
        self,
        panel: Panel,
        segments: npt.NDArray[np.str_],
        members: dict[str, FloatMatrix],
        horizon: int,
    ) -> Forecast:
        """Blend the members' forecasts of ``panel``, calibrate, and package them."""
        mean = self._blend(members, segments)
        quantiles = self.calibrator.apply(mean, segments)
        # A series seen in stock that never sold gets a zero band, not one borrowed from
        # other series: there is no evidence of any demand to cover. One never seen in
        # stock (every period censored) is unknown, not zero: it keeps its band.
        demand = panel.demand()
        observed = ~np.isnan(demand)
        never_sold = observed.any(axis=1) & ~(np.nan_to_num(demand) > 0).any(axis=1)
        for band in quantiles.values():
            band[never_sold] = 0.0
        chosen = np.empty(len(segments), dtype=object)
        for group in np.unique(segments):
            chosen[segments == group] = self._blend_of(str(group)).describe()
        return Forecast(
            ids=panel.ids,
            dates=panel.future_dates(horizon),
            mean=mean,
            quantiles=quantiles,
            segments=segments,
            chosen=chosen.astype(str),
            members=members,
        )

    def predict(self) -> Forecast:
        """Point and calibrated quantile forecasts for the fitted horizon."""
        if self._panel is None:
            if self._stored:
                raise RuntimeError(
                    "this pipeline was stored without its training history "
                    "(for_storage); forecast with forecast_from(panel)"
                )
            raise RuntimeError("fit the pipeline before predicting")
        members = {name: model.predict(self._horizon) for name, model in self.fitted.items()}
        return self._assemble(self._panel, self._segments, members, self._horizon)

    def for_storage(self) -> ForecastPipeline:
        """A copy to store as an artifact: the choices without the training history.

        Kept: the config, the chosen blends (with their validation WAPE), the conformal
        calibrator, the horizon and frequency, per-segment series counts, and the
        trained state of global models (boosters, network weights, a bounded feature
        sample for explanations). Dropped: the training panel, feature builders, the
        validation run and local models' per-series fits (``forecast_from`` refits those
        on the new history anyway; an unfitted instance keeps their parameters). The
        copy cannot :meth:`predict` — it only forecasts with :meth:`forecast_from`.
        This pipeline is left unchanged.
        """
        if not self.blends:
            raise RuntimeError("fit the pipeline before storing it")
        out = ForecastPipeline(self.config)
        out.blends = dict(self.blends)
        out.calibrator = copy.deepcopy(self.calibrator)
        out._horizon = self._horizon
        out._freq = self._freq
        out._segment_counts = dict(self._segment_counts)
        out._stored = True
        for name, model in self.fitted.items():
            stored = getattr(model, "for_storage", None)
            out.fitted[name] = stored() if callable(stored) else self._new(name)
        return out

    def forecast_from(
        self, panel: Panel, horizon: int | None = None, progress: Progress = _silent
    ) -> Forecast:
        """Forecast every series of ``panel`` with the stored choices, without retraining.

        ``panel`` is the latest history: it may be longer than the training panel and
        hold series the training panel lacked (or lack some it had). Known future
        covariates are extended as in :meth:`fit` (give a future frame with
        ``panel.with_future(frame, h)`` first to override the assumption). Segments are
        classified on ``panel``; global models (those with ``rebase``) keep their trained
        trees or network and read ``panel``'s history; local models are refitted on it.
        Each segment takes its stored blend (see :meth:`_blend_of` for a segment the
        training panel did not have) and the stored calibration. ``horizon`` defaults to
        the fitted one and may not exceed it: the quantiles were calibrated only that far.
        The pipeline itself is not changed.
        """
        if not self.blends:
            raise RuntimeError("fit the pipeline before forecasting")
        horizon = self._horizon if horizon is None else horizon
        check_horizon(horizon)
        if horizon > self._horizon:
            raise ForecastInputError(
                f"the pipeline was calibrated for {self._horizon} periods ahead; "
                f"a {horizon}-period forecast needs a pipeline fitted for that horizon"
            )
        if self._freq is not None and panel.freq is not self._freq:
            raise ForecastInputError(
                f"the pipeline was fitted on {self._freq.value} data but the panel is "
                f"{panel.freq.value}; forecast from a panel of the same frequency"
            )
        panel = panel.with_future(None, horizon)
        segments = classify(panel)
        members: dict[str, FloatMatrix] = {}
        for name, model in self.fitted.items():
            if hasattr(model, "rebase"):
                progress(f"forecast {name} from the new history")
                # A copy: the stored model stays as it was (shared trees, new history).
                current = copy.copy(model).rebase(panel)
            else:
                progress(f"fit {name} on the new history")
                current = self._new(name).fit(panel)
            members[name] = current.predict(horizon)
        return self._assemble(panel, segments, members, horizon)

    def summary(self) -> dict[str, Any]:
        """What was chosen, per segment, with its validation WAPE (for reports)."""
        return {
            "model": self.config.model,
            "segments": dict(self._segment_counts),
            "choice": {
                group: {"model": blend.describe(), "validation_wape": blend.validation_wape}
                for group, blend in self.blends.items()
            },
        }


def _counts(segments: npt.NDArray[np.str_]) -> dict[str, int]:
    """Series per segment."""
    values, counts = np.unique(segments, return_counts=True)
    return {str(v): int(c) for v, c in zip(values, counts, strict=True)}
