"""Global gradient-boosted models (LightGBM, XGBoost): one model across all series.

Training rows are (series, column) pairs of the last ``train_window`` columns whose
demand was observed (censored and not-yet-started cells are never targets). The
objective is Tweedie by default: retail demand is non-negative counts with many zeros,
and a log-link objective lets one model serve series whose scales differ by orders of
magnitude. Forecasts are recursive (see :mod:`shelfops.forecasting.features`).
"""

from __future__ import annotations

import copy
from abc import abstractmethod
from dataclasses import dataclass
from typing import Any, ClassVar, Self

import numpy as np
import numpy.typing as npt

from shelfops.forecasting.errors import ForecastInputError
from shelfops.forecasting.features import (
    FeatureBuilder,
    FeatureConfig,
    FeatureTier,
    Float32Matrix,
)
from shelfops.forecasting.models.base import Forecaster, check_horizon, finalize
from shelfops.forecasting.panel import FloatMatrix, Panel
from shelfops.forecasting.validation import check_features

#: Training rows kept with a fitted model for global explanations.
SAMPLE_ROWS = 2000
#: Training rows the feature gate inspects.
GATE_ROWS = 100_000


@dataclass(frozen=True)
class TrainingSet:
    """Feature rows and targets a global model is trained on."""

    features: Float32Matrix
    target: npt.NDArray[np.float32]
    names: list[str]
    categorical: list[str]


def training_set(
    builder: FeatureBuilder, n_periods: int, train_window: int | None, threads: int = 1
) -> TrainingSet:
    """Rows of observed demand in the last ``train_window`` columns (all when None),
    built on up to ``threads`` threads."""
    start = 1 if train_window is None else max(1, n_periods - train_window)
    columns = np.arange(start, n_periods, dtype=np.int64)
    features = builder.feature_block(columns, threads=threads)
    target = builder.demand[:, columns].reshape(-1)
    keep = builder.observed[:, columns].reshape(-1)
    return TrainingSet(
        features=features[keep],
        target=target[keep].astype(np.float32),
        names=builder.names,
        categorical=builder.categorical,
    )


class GlobalGBM(Forecaster):
    """Shared logic of the global tree models: features, training rows, recursion."""

    name: ClassVar[str] = "gbm"
    #: Boosting rounds and learning rate when none are given (each library sets its own).
    default_rounds: ClassVar[int] = 100
    default_learning_rate: ClassVar[float] = 0.15

    def __init__(
        self,
        *,
        tier: FeatureTier | str = FeatureTier.PRODUCTION,
        n_estimators: int | None = None,
        learning_rate: float | None = None,
        num_leaves: int = 63,
        objective: str = "tweedie",
        train_window: int | None = 365,
        holiday_country: str | None = "US",
        threads: int = 2,
        seed: int = 0,
    ) -> None:
        self.tier = FeatureTier(tier)
        self.n_estimators = self.default_rounds if n_estimators is None else n_estimators
        self.learning_rate = self.default_learning_rate if learning_rate is None else learning_rate
        self.num_leaves = num_leaves
        self.objective = objective
        self.train_window = train_window
        self.holiday_country = holiday_country
        self.threads = threads
        self.seed = seed
        self._panel: Panel | None = None
        self._builder: FeatureBuilder | None = None
        self.feature_names: list[str] = []
        self.categorical: list[str] = []
        self.feature_warnings: list[str] = []
        self.training_sample: Float32Matrix | None = None
        """A random sample of training rows (for global SHAP summaries)."""
        self.prediction_features: Float32Matrix | None = None
        """Feature rows of the last ``predict`` (series-major, step-minor), for SHAP."""
        self.static_levels: dict[str, npt.NDArray[np.str_]] = {}
        """Sorted values of each categorical static at training time: the trees split on
        their positions, so a rebased panel must encode its statics the same way."""

    def params(self) -> dict[str, object]:
        """Hyper-parameters, including the feature tier."""
        return {
            "feature_tier": self.tier.value,
            "n_estimators": self.n_estimators,
            "learning_rate": self.learning_rate,
            "num_leaves": self.num_leaves,
            "objective": self.objective,
            "train_window": self.train_window,
            "holiday_country": self.holiday_country,
        }

    def fit(self, panel: Panel) -> Self:
        """Build features over the history and train on observed demand."""
        config = FeatureConfig.for_freq(panel.freq, self.tier, self.holiday_country)
        builder = FeatureBuilder.from_panel(panel, config)
        data = training_set(builder, panel.n_periods, self.train_window, self.threads)
        if not len(data.target):
            raise ForecastInputError(
                f"the {self.name} model has no period of observed demand to learn from: "
                "every period of the training window is a stock-out (censored) or before "
                "its series started"
            )
        self.feature_names = data.names
        self.categorical = data.categorical
        rng = np.random.default_rng(self.seed)
        take = rng.choice(len(data.target), size=min(SAMPLE_ROWS, len(data.target)), replace=False)
        self.training_sample = data.features[np.sort(take)]
        # Gate 2 (warn and log) on a sample: NaN shares, infinities and constant columns
        # are properties of the table that a 100k-row sample measures well enough.
        gate = rng.choice(len(data.target), size=min(GATE_ROWS, len(data.target)), replace=False)
        self.feature_warnings = check_features(
            data.features[np.sort(gate)], self.tier.value, names=data.names
        )
        self._train(data)
        self.static_levels = {
            name: np.unique(np.asarray(panel.statics[name], dtype=str)) for name in builder.statics
        }
        self._panel = panel
        self._builder = builder
        return self

    def rebase(self, panel: Panel) -> Self:
        """Keep the trained trees but forecast from ``panel``'s history.

        Lets a pipeline reuse the model it validated instead of training a second time,
        and a stored model forecast from newer history. ``panel`` may be longer and hold
        other series than the training panel; it must yield the same features (same
        covariates). Static categories are encoded as they were in training; a value the
        trees never saw (a new store) is given as missing.
        """
        config = FeatureConfig.for_freq(panel.freq, self.tier, self.holiday_country)
        builder = FeatureBuilder.from_panel(panel, config)
        if self.feature_names and builder.names != self.feature_names:
            missing = [n for n in self.feature_names if n not in builder.names]
            extra = [n for n in builder.names if n not in self.feature_names]
            raise ForecastInputError(
                f"the {self.name} model was trained on other features than this panel "
                f"gives (missing: {missing or 'none'}, new: {extra or 'none'}); forecast "
                "from a panel with the same covariates and frequency or train a new model"
            )
        # getattr: a model pickled before static_levels existed encodes as before.
        for name, levels in getattr(self, "static_levels", {}).items():
            if name in builder.statics:
                builder.statics[name] = _encode(panel.statics[name], levels)
        self._builder = builder
        self._panel = panel
        return self

    def for_storage(self) -> Self:
        """A copy with the trained booster and no reference to any history.

        The copy keeps ``training_sample`` (at most :data:`SAMPLE_ROWS` feature rows, for
        global explanations) and must be :meth:`rebase`-d before it can predict.
        """
        out = copy.copy(self)
        out._panel = None
        out._builder = None
        out.prediction_features = None
        return out

    def predict(self, horizon: int) -> FloatMatrix:
        """Recursive forecast: each step's prediction becomes the next step's lag 1."""
        check_horizon(horizon)
        if self._builder is None or self._panel is None:
            if self.feature_names:
                raise RuntimeError(f"the {self.name} model holds no history: rebase it first")
            raise RuntimeError("fit the model before predicting")
        panel = self._panel
        if panel.covariates and panel.n_future < horizon and self.tier is FeatureTier.PRODUCTION:
            raise ForecastInputError(
                f"known covariates reach {panel.n_future} periods ahead; horizon is {horizon}"
            )
        builder = self._builder.tail(self._builder.config.lookback + 1)
        if builder.calendar.values.shape[0] < panel.n_periods + horizon:
            builder.calendar = FeatureBuilder.from_panel(
                panel, builder.config, horizon=horizon
            ).calendar
        steps: list[Float32Matrix] = []
        out = np.empty((panel.n_series, horizon))
        for k in range(horizon):
            column = np.array([panel.n_periods + k], dtype=np.int64)
            rows = np.ascontiguousarray(builder.feature_block(column, self.threads))
            steps.append(rows)
            out[:, k] = finalize(self._predict_rows(rows))
            builder.extend(out[:, k])
        # Series-major layout: row i * horizon + k is series i at step k.
        self.prediction_features = np.stack(steps, axis=1).reshape(-1, len(self.feature_names))
        return out

    @abstractmethod
    def _train(self, data: TrainingSet) -> None: ...

    @abstractmethod
    def _predict_rows(self, rows: Float32Matrix) -> npt.NDArray[np.float64]: ...

    @property
    @abstractmethod
    def booster(self) -> Any:
        """The fitted library booster (for SHAP)."""


class LightGBMForecaster(GlobalGBM):
    """Global LightGBM with a Tweedie (or Poisson) objective."""

    name: ClassVar[str] = "lightgbm"
    # Half the rounds at twice the rate: on the 10,000-series benchmark, over four seeds,
    # holdout WAPE 0.5550 against 0.5529 for 100 × 0.15, in half the training time
    # (README, "Benchmark: bench/forecast.py").
    default_rounds: ClassVar[int] = 50
    default_learning_rate: ClassVar[float] = 0.3

    def _train(self, data: TrainingSet) -> None:
        import lightgbm as lgb

        params: dict[str, Any] = {
            "objective": self.objective,
            "learning_rate": self.learning_rate,
            "num_leaves": self.num_leaves,
            "min_data_in_leaf": 100,
            # 63 bins instead of 255: several times faster on millions of rows, and the
            # backtests showed no accuracy difference on retail demand.
            "max_bin": 63,
            "feature_fraction": 0.8,
            "bagging_fraction": 0.8,
            "bagging_freq": 1,
            "lambda_l2": 1.0,
            "num_threads": self.threads,
            "seed": self.seed,
            "verbosity": -1,
            "deterministic": True,
            "force_row_wise": True,
        }
        if self.objective == "tweedie":
            params["tweedie_variance_power"] = 1.2
        if not data.target.any():
            # Nothing sold in the window: LightGBM's log-link objectives refuse labels
            # that sum to zero. Least squares fits the constant 0 they would approach.
            params["objective"] = "regression"
        dataset = lgb.Dataset(
            data.features,
            label=data.target,
            feature_name=data.names,
            categorical_feature=data.categorical,
            free_raw_data=True,
            params={"max_bin": 63},
        )
        self._booster = lgb.train(params, dataset, num_boost_round=self.n_estimators)

    def _predict_rows(self, rows: Float32Matrix) -> npt.NDArray[np.float64]:
        return np.asarray(self._booster.predict(rows, num_threads=self.threads), dtype=np.float64)

    @property
    def booster(self) -> Any:
        """The fitted ``lightgbm.Booster``."""
        return self._booster


class XGBoostForecaster(GlobalGBM):
    """Global XGBoost (histogram trees) with a Tweedie (or Poisson) objective."""

    name: ClassVar[str] = "xgboost"

    def _train(self, data: TrainingSet) -> None:
        import xgboost as xgb

        objective = {"tweedie": "reg:tweedie", "poisson": "count:poisson"}.get(
            self.objective, self.objective
        )
        params: dict[str, Any] = {
            "objective": objective,
            "eta": self.learning_rate,
            "max_leaves": self.num_leaves,
            "max_depth": 0,
            "grow_policy": "lossguide",
            "tree_method": "hist",
            "max_bin": 63,
            "min_child_weight": 10,
            "subsample": 0.8,
            "colsample_bytree": 0.8,
            "lambda": 1.0,
            "nthread": self.threads,
            "seed": self.seed,
            "max_cat_to_onehot": 1,
        }
        if objective == "reg:tweedie":
            params["tweedie_variance_power"] = 1.2
        self._types = ["c" if n in data.categorical else "q" for n in data.names]
        matrix = xgb.QuantileDMatrix(
            _categorical_safe(data.features, data.names, data.categorical),
            label=data.target,
            feature_names=data.names,
            feature_types=self._types,
            enable_categorical=True,
            nthread=self.threads,
            max_bin=63,
        )
        self._booster = xgb.train(params, matrix, num_boost_round=self.n_estimators)

    def _predict_rows(self, rows: Float32Matrix) -> npt.NDArray[np.float64]:
        import xgboost as xgb

        matrix = xgb.DMatrix(
            _categorical_safe(
                rows,
                self.feature_names,
                [n for n, t in zip(self.feature_names, self._types, strict=True) if t == "c"],
            ),
            feature_names=self.feature_names,
            feature_types=self._types,
            enable_categorical=True,
            nthread=self.threads,
        )
        return np.asarray(self._booster.predict(matrix), dtype=np.float64)

    @property
    def booster(self) -> Any:
        """The fitted ``xgboost.Booster``."""
        return self._booster


def _encode(values: npt.NDArray[np.str_], levels: npt.NDArray[np.str_]) -> Float32Matrix:
    """Position of each value in the sorted training ``levels``; -1 (missing) if absent."""
    wanted = np.asarray(values, dtype=str)
    if levels.size == 0:
        return np.full(wanted.shape, -1.0, dtype=np.float32)
    position = np.clip(np.searchsorted(levels, wanted), 0, levels.size - 1)
    return np.where(levels[position] == wanted, position, -1).astype(np.float32)


def _categorical_safe(
    rows: Float32Matrix, names: list[str], categorical: list[str]
) -> Float32Matrix:
    """XGBoost categories must be non-negative: map the 'none' code -1 to NaN (missing)."""
    if not categorical:
        return rows
    out = rows.copy()
    for name in categorical:
        j = names.index(name)
        column = out[:, j]
        column[column < 0] = np.nan
    return out
