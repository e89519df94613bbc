"""SHAP explanations of the global tree models (seed 001 §2, issue 3 item 7).

**What the numbers mean.** The global models train with a log-link objective (Tweedie
by default, or Poisson), so their trees add up on the *log* of expected demand. For
every explained row::

    base_value + sum(values) == log(forecast)

A SHAP value is therefore additive in log space and multiplicative in units:
``exp(value)`` is the factor by which that feature moves the forecast away from
``exp(base_value)`` (0.69 doubles it, -0.69 halves it). With an identity-link objective
(e.g. ``regression``) the values are in units of demand and add up to the forecast
itself. :attr:`ShapExplanation.scale` and every artifact say which.

**Which TreeSHAP.** ``shap.TreeExplainer(booster, feature_perturbation=
"tree_path_dependent")`` with no background data hands the work to the booster's own
C++ TreeSHAP (LightGBM ``pred_contrib``, XGBoost ``pred_contribs``): exact Shapley
values of the tree ensemble, no background pass, and categorical splits (day of week,
next holiday, store, category) followed exactly as the model follows them. The
interventional variant costs a factor of the background size more and shap refuses
XGBoost models with categorical splits under it. Path-dependent values explain against
the training distribution recorded in the trees' node counts, which is what "importance
in this model" should mean. (XGBoost records hessian sums as node covers, so under
Tweedie its values centre on a hessian-weighted mean that leans towards high-demand rows;
differences between rows mean the same in both boosters.) Cost grows with trees × leaves
× depth², so global summaries use the model's ``training_sample`` (at most 2,000 rows).

**Artifacts** (:func:`write_explanations`): ``shap_summary.png`` (beeswarm of the top 20
features), ``feature_importance.json`` (mean |SHAP| of every feature, ranked) and
``shap_local_<k>.png`` (waterfalls of 5 representative forecasts, see
:func:`representative_picks`). :func:`explain_forecast` explains one forecast cell.
"""

from __future__ import annotations

import datetime
import json
import math
import sys
import warnings
from collections.abc import Iterator, Sequence
from contextlib import AbstractContextManager, contextmanager, nullcontext
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Final, Literal

import numpy as np
import numpy.typing as npt

from shelfops.forecasting.charts import COLORWAY, PRIMARY, TEXT
from shelfops.forecasting.errors import ForecastInputError
from shelfops.forecasting.features import Float32Matrix
from shelfops.forecasting.models.base import Forecaster
from shelfops.forecasting.models.gbm import GlobalGBM, XGBoostForecaster, _categorical_safe
from shelfops.forecasting.panel import FloatMatrix

if TYPE_CHECKING:
    from matplotlib.figure import Figure

Scale = Literal["log", "identity"]

#: Objectives whose prediction is ``exp(raw margin)``.
LOG_LINK_OBJECTIVES: Final = frozenset(
    {"tweedie", "poisson", "gamma", "reg:tweedie", "count:poisson", "reg:gamma"}
)
#: Features shown in the global beeswarm (seed 001 §2).
TOP_FEATURES: Final = 20
#: Representative forecasts explained by waterfall plots (seed 001 §2).
LOCAL_EXPLANATIONS: Final = 5
#: Bars in a waterfall; the rest are summed into one bar by shap.
WATERFALL_FEATURES: Final = 12
#: Days from a holiday that still count as "holiday-adjacent" (the calendar's own reach).
HOLIDAY_REACH: Final = 14

# Raises demand: the primary token. Lowers demand: the second colour of the chart colorway.
_RAISES: Final = PRIMARY
_LOWERS: Final = COLORWAY[1]
_RAISES_LIGHT: Final = "#93C5FD"  # blue-300
_LOWERS_LIGHT: Final = "#FCD34D"  # amber-300


@dataclass(frozen=True)
class ShapExplanation:
    """SHAP values of feature rows of one fitted model (like ``shap.Explanation``)."""

    values: FloatMatrix
    """SHAP value of each feature in each row, shape (rows, features)."""
    base_value: float
    """The model's expected output over its training data, on :attr:`scale`."""
    feature_names: list[str]
    data: Float32Matrix
    """The explained feature rows (category codes as the model saw them; -1 = none)."""
    scale: Scale
    """``log``: values add up to log(forecast); ``identity``: to the forecast itself."""
    model: str
    """Name of the explained model (``lightgbm`` / ``xgboost``)."""

    @property
    def margin(self) -> npt.NDArray[np.float64]:
        """Raw model output of each row: ``base_value + values.sum(axis=1)``."""
        return np.asarray(self.base_value + self.values.sum(axis=1), dtype=np.float64)

    @property
    def prediction(self) -> npt.NDArray[np.float64]:
        """The forecast each row stands for (``exp(margin)`` on the log scale)."""
        return _inverse_link(self.margin, self.scale)

    @property
    def multipliers(self) -> FloatMatrix:
        """``exp(values)``: the factor each feature multiplies the forecast by (log scale)."""
        if self.scale != "log":
            raise ValueError("multiplicative effects exist only for a log-link model")
        return np.exp(self.values)

    def to_shap(self) -> Any:
        """The same values as a ``shap.Explanation`` (for shap's plots)."""
        return _shap().Explanation(
            values=self.values,
            base_values=np.full(self.values.shape[0], self.base_value),
            data=self.data.astype(np.float64),
            feature_names=list(self.feature_names),
        )


@dataclass(frozen=True)
class FeatureContribution:
    """One feature's part in one forecast."""

    feature: str
    value: float | None
    """The feature's value in the forecast row; None when missing (NaN)."""
    shap: float
    multiplier: float | None
    """``exp(shap)`` on the log scale, else None."""

    def to_dict(self) -> dict[str, object]:
        """Plain JSON-ready mapping."""
        return {
            "feature": self.feature,
            "value": self.value,
            "shap": self.shap,
            "multiplier": self.multiplier,
        }


@dataclass(frozen=True)
class ForecastExplanation:
    """SHAP explanation of one forecast: one series on one forecast date."""

    series_id: str
    date: datetime.date
    step: int
    """Horizon step of ``date`` (1 = first forecast period)."""
    prediction: float
    """The forecast, equal to ``predict``'s output for this series and date."""
    base_value: float
    """Expected model output over the training data, on :attr:`scale`."""
    scale: Scale
    contributions: list[FeatureContribution]
    """Every feature, largest |SHAP| first."""

    @property
    def base_prediction(self) -> float:
        """The forecast the model starts from before looking at this row's features."""
        return float(_inverse_link(np.array([self.base_value]), self.scale)[0])

    def to_dict(self) -> dict[str, object]:
        """Plain JSON-ready mapping (for the API and run artifacts)."""
        return {
            "series_id": self.series_id,
            "date": self.date.isoformat(),
            "step": self.step,
            "prediction": self.prediction,
            "base_value": self.base_value,
            "base_prediction": self.base_prediction,
            "scale": self.scale,
            "meaning": _meaning(self.scale),
            "contributions": [c.to_dict() for c in self.contributions],
        }


@dataclass(frozen=True)
class Pick:
    """A representative forecast row and why it was chosen."""

    row: int
    """Row of ``prediction_features`` (series ``row // horizon``, step ``row % horizon``)."""
    reason: str


# -- SHAP values ---------------------------------------------------------------------------


def explain_rows(model: Forecaster, rows: Float32Matrix) -> ShapExplanation:
    """Exact TreeSHAP values of feature rows (training or forecast rows) of a fitted model.

    ``rows`` has one column per ``model.feature_names``. See the module docstring for the
    scale of the values and why the path-dependent TreeSHAP is used.
    """
    gbm = _tree_model(model)
    names = _fitted_names(gbm)
    matrix = np.asarray(rows, dtype=np.float32)
    if matrix.ndim != 2 or matrix.shape[0] == 0 or matrix.shape[1] != len(names):
        raise ForecastInputError(
            f"rows to explain must be a non-empty (rows, {len(names)}) matrix with one column "
            f"per model feature; got shape {matrix.shape}"
        )
    explainer = _shap().TreeExplainer(gbm.booster, feature_perturbation="tree_path_dependent")
    values = np.asarray(explainer.shap_values(_booster_input(gbm, matrix)), dtype=np.float64)
    # The native TreeSHAP returns the bias column as the expected value (the same in every row).
    base = float(np.ravel(explainer.expected_value)[0])
    return ShapExplanation(
        values=values.reshape(matrix.shape),
        base_value=base,
        feature_names=list(names),
        data=matrix,
        scale=_scale(gbm),
        model=gbm.name,
    )


def explain_training_sample(model: Forecaster) -> ShapExplanation:
    """SHAP values of the model's ``training_sample`` (the basis of the global summaries)."""
    gbm = _tree_model(model)
    if gbm.training_sample is None:
        raise RuntimeError("fit the model before explaining it")
    return explain_rows(gbm, gbm.training_sample)


# -- global importance -----------------------------------------------------------------------


def feature_importance(source: Forecaster | ShapExplanation) -> dict[str, float]:
    """Mean |SHAP| of every feature, largest first (ties by name).

    ``source`` is a fitted global model (its ``training_sample`` is explained) or an
    explanation already computed, so a run explains its sample once for the JSON and the
    beeswarm. Values are on the explanation's scale (log of expected demand for Tweedie).
    """
    explanation = _global(source)
    means = np.abs(explanation.values).mean(axis=0)
    ranked = sorted(
        zip(explanation.feature_names, means.tolist(), strict=True),
        key=lambda item: (-item[1], item[0]),
    )
    return dict(ranked)


def write_feature_importance_json(
    importance: dict[str, float], path: Path | str, *, scale: Scale = "log"
) -> Path:
    """Write ``feature_importance.json``: every feature with its mean |SHAP| and rank.

    ``features`` is ordered by rank (1 = most important); ``scale`` names the unit of
    ``mean_abs_shap`` (``log``: log of expected demand).
    """
    ranked = sorted(importance.items(), key=lambda item: (-item[1], item[0]))
    document = {
        "measure": "mean_abs_shap",
        "scale": scale,
        "meaning": _meaning(scale),
        "features": [
            {"feature": name, "mean_abs_shap": float(value), "rank": rank}
            for rank, (name, value) in enumerate(ranked, start=1)
        ],
    }
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(json.dumps(document, indent=2) + "\n", encoding="utf-8")
    return target


def beeswarm_png(
    source: Forecaster | ShapExplanation, path: Path | str, top: int = TOP_FEATURES
) -> Path:
    """Write the global beeswarm of the ``top`` features by mean |SHAP| (``shap_summary.png``).

    ``source`` is as for :func:`feature_importance`. Each dot is one training row; its
    colour is the feature's value (amber low, blue high).
    """
    if top < 1:
        raise ForecastInputError(f"top must be at least 1, got {top}")
    explanation = _global(source)
    plt = _pyplot()
    shap = _shap()
    from matplotlib.colors import LinearSegmentedColormap

    colormap = LinearSegmentedColormap.from_list("shelfops", [_LOWERS, "#E5E7EB", _RAISES])
    target = _target(path)
    with _plot_style():
        figure = plt.figure()
        try:
            with warnings.catch_warnings():
                # shap colours dots by their feature's percentiles; a feature missing on
                # every row (lag_364 on a short history) has none, and numpy says so on
                # stderr for every backtest. It is drawn grey, as intended.
                warnings.filterwarnings("ignore", "All-NaN slice encountered", RuntimeWarning)
                shap.plots.beeswarm(
                    explanation.to_shap(), max_display=top, color=colormap, show=False
                )
            axes = figure.axes[0]
            axes.set_xlabel(f"SHAP value ({_axis_unit(explanation.scale)})")
            shown = min(top, len(explanation.feature_names))
            axes.set_title(
                f"{explanation.model}: top {shown} demand drivers "
                f"({explanation.values.shape[0]:,} training rows)",
                loc="left",
            )
            _save(figure, target)
        finally:
            plt.close(figure)
    return target


# -- local explanations ------------------------------------------------------------------------


def representative_picks(model: Forecaster, horizon: int) -> list[Pick]:
    """Five representative rows of the last forecast, deterministic and distinct.

    In order: the lowest, median and highest forecast (what the model does across its
    range); a promotion day (median forecast among promoted rows) when ``promo_flag`` is a
    feature and some forecast row is promoted; the row nearest a holiday (median forecast
    among the nearest, within 14 days) when the holiday features exist. Missing picks
    are filled with the 25th, 75th, 10th and 90th percentile forecasts. Ties between equal
    forecasts go to the lower row. ``horizon`` is the one given to ``predict``.
    """
    gbm = _tree_model(model)
    features = _forecast_rows(gbm)
    if horizon < 1 or features.shape[0] % horizon:
        raise ForecastInputError(
            f"the last forecast has {features.shape[0]} rows, not a whole number of series "
            f"for horizon {horizon}; pass the horizon given to predict"
        )
    forecast = _forecast_values(gbm, features)
    order = np.argsort(forecast, kind="stable").astype(np.int64)
    names = gbm.feature_names
    picks: list[Pick] = []

    def take(candidates: npt.NDArray[np.int64], quantile: float) -> int | None:
        if len(picks) >= LOCAL_EXPLANATIONS:
            return None
        return _free(candidates, quantile, {p.row for p in picks})

    for quantile, reason in ((0.0, "lowest"), (0.5, "median"), (1.0, "highest")):
        if (row := take(order, quantile)) is not None:
            picks.append(Pick(row, f"{reason} forecast"))
    if "promo_flag" in names:
        promoted = order[features[order, names.index("promo_flag")] > 0]
        if (row := take(promoted, 0.5)) is not None:
            picks.append(Pick(row, "promotion"))
    distance, phrases = _holiday_distance(features, names)
    if distance is not None and float(distance.min()) <= HOLIDAY_REACH:
        nearest = order[distance[order] == distance.min()]
        if (row := take(nearest, 0.5)) is not None:
            picks.append(Pick(row, phrases[row]))
    for quantile in (0.25, 0.75, 0.1, 0.9):
        if (row := take(order, quantile)) is not None:
            picks.append(Pick(row, f"{round(quantile * 100)}th percentile forecast"))
    return picks


def representative_rows(model: Forecaster, horizon: int) -> list[int]:
    """Rows of :func:`representative_picks` (rows of ``model.prediction_features``)."""
    return [pick.row for pick in representative_picks(model, horizon)]


def waterfall_pngs(
    model: Forecaster, directory: Path | str, rows: Sequence[int], labels: Sequence[str]
) -> list[Path]:
    """Write ``shap_local_<k>.png`` (k = 1, 2, …): a waterfall for each forecast row.

    ``rows`` index ``model.prediction_features``; ``labels`` title the plots. Each plot
    starts at the base value and adds the features' SHAP values up to the forecast row's
    output; the title gives the forecast in units.
    """
    gbm = _tree_model(model)
    features = _forecast_rows(gbm)
    if len(rows) != len(labels):
        raise ForecastInputError(f"{len(rows)} rows but {len(labels)} labels; give one per row")
    bad = [r for r in rows if not 0 <= r < features.shape[0]]
    if bad:
        raise ForecastInputError(
            f"row {bad[0]} is not a row of the last forecast (0 … {features.shape[0] - 1})"
        )
    if not rows:
        return []
    explanation = explain_rows(gbm, features[np.asarray(rows, dtype=np.int64)])
    as_shap = explanation.to_shap()
    plt = _pyplot()
    shap = _shap()
    out: list[Path] = []
    folder = Path(directory)
    with _plot_style():
        for k, label in enumerate(labels):
            target = _target(folder / f"shap_local_{k + 1}.png")
            figure = plt.figure()
            try:
                shap.plots.waterfall(as_shap[k], max_display=WATERFALL_FEATURES, show=False)
                # Padded: shap writes E[f(X)] just under the axis.
                figure.axes[0].set_xlabel(_axis_unit(explanation.scale), labelpad=22)
                figure.suptitle(
                    f"{label}\n{_forecast_sentence(explanation, k)}",
                    x=0.02,
                    ha="left",
                    fontsize=11,
                    y=1.0,
                )
                _save(figure, target)
            finally:
                plt.close(figure)
            out.append(target)
    return out


def explain_forecast(
    model: Forecaster,
    ids: Sequence[str] | npt.NDArray[np.str_],
    dates: Sequence[datetime.date] | npt.NDArray[np.datetime64],
    series_id: str,
    date: datetime.date | str | np.datetime64,
) -> ForecastExplanation:
    """Explain the last forecast of ``series_id`` on ``date`` with its real SHAP values.

    ``ids`` and ``dates`` describe that forecast: ``panel.ids`` and
    ``panel.future_dates(h)`` of the ``predict(h)`` call. A series that is not among
    ``ids`` or a date outside the forecast dates is a :class:`ForecastInputError`.
    """
    gbm = _tree_model(model)
    features = _forecast_rows(gbm)
    series, days = _layout(features, ids, dates)
    matches = np.flatnonzero(series == str(series_id))
    if matches.size == 0:
        raise ForecastInputError(
            f"unknown series {series_id!r}: the forecast covers {series.size} series "
            f"({series[0]!r} … {series[-1]!r})"
        )
    day = _as_day(date)
    steps = np.flatnonzero(days == day)
    if steps.size == 0:
        raise ForecastInputError(
            f"date {day} is outside the forecast horizon {days[0]} … {days[-1]} "
            f"({days.size} periods)"
        )
    i, k = int(matches[0]), int(steps[0])
    row = i * days.size + k
    explanation = explain_rows(gbm, features[row : row + 1])
    values = explanation.values[0]
    data = explanation.data[0]
    order = sorted(
        range(values.size), key=lambda j: (-abs(values[j]), explanation.feature_names[j])
    )
    contributions = [
        FeatureContribution(
            feature=explanation.feature_names[j],
            value=None if math.isnan(float(data[j])) else float(data[j]),
            shap=float(values[j]),
            multiplier=math.exp(float(values[j])) if explanation.scale == "log" else None,
        )
        for j in order
    ]
    return ForecastExplanation(
        series_id=str(series_id),
        date=day.astype(datetime.date),
        step=k + 1,
        prediction=float(explanation.prediction[0]),
        base_value=explanation.base_value,
        scale=explanation.scale,
        contributions=contributions,
    )


def write_explanations(
    model: Forecaster,
    directory: Path | str,
    ids: Sequence[str] | npt.NDArray[np.str_],
    dates: Sequence[datetime.date] | npt.NDArray[np.datetime64],
) -> dict[str, Path]:
    """Write the seed 001 §2 artifacts of a fitted model and its last forecast.

    ``shap_summary.png``, ``feature_importance.json`` and ``shap_local_1.png`` …
    ``shap_local_5.png`` (see :func:`representative_picks`); ``ids`` and ``dates`` are
    ``panel.ids`` and ``panel.future_dates(h)`` of the ``predict(h)`` call and name the
    series and dates in the waterfall titles. Returns file name → path.
    """
    gbm = _tree_model(model)
    series, days = _layout(_forecast_rows(gbm), ids, dates)
    folder = Path(directory)
    folder.mkdir(parents=True, exist_ok=True)
    sample = explain_training_sample(gbm)
    out: dict[str, Path] = {
        "shap_summary.png": beeswarm_png(sample, folder / "shap_summary.png"),
        "feature_importance.json": write_feature_importance_json(
            feature_importance(sample), folder / "feature_importance.json", scale=sample.scale
        ),
    }
    picks = representative_picks(gbm, days.size)
    labels = [
        f"{p.reason}: {series[p.row // days.size]} on {days[p.row % days.size]}" for p in picks
    ]
    for path in waterfall_pngs(gbm, folder, [p.row for p in picks], labels):
        out[path.name] = path
    return out


# -- helpers ---------------------------------------------------------------------------------


def _tree_model(model: Forecaster) -> GlobalGBM:
    if not isinstance(model, GlobalGBM):
        raise ForecastInputError(
            f"model {model.name!r} has no trees to explain; SHAP explanations cover the "
            "global models lightgbm and xgboost"
        )
    return model


def _fitted_names(model: GlobalGBM) -> list[str]:
    if not model.feature_names:
        raise RuntimeError("fit the model before explaining it")
    return model.feature_names


def _forecast_rows(model: GlobalGBM) -> Float32Matrix:
    _fitted_names(model)
    if model.prediction_features is None:
        raise RuntimeError("call predict(h) before explaining its forecasts")
    return model.prediction_features


def _global(source: Forecaster | ShapExplanation) -> ShapExplanation:
    if isinstance(source, ShapExplanation):
        return source
    return explain_training_sample(source)


def _scale(model: GlobalGBM) -> Scale:
    return "log" if model.objective in LOG_LINK_OBJECTIVES else "identity"


def _inverse_link(margin: npt.NDArray[np.float64], scale: Scale) -> npt.NDArray[np.float64]:
    return np.exp(margin) if scale == "log" else margin


def _meaning(scale: Scale) -> str:
    if scale == "log":
        return (
            "SHAP values are on the log of expected demand (log-link objective): base_value "
            "+ sum of SHAP values = log(forecast); exp(SHAP) is the factor a feature "
            "multiplies the forecast by"
        )
    return "SHAP values are in units of demand: base_value + sum of SHAP values = forecast"


def _axis_unit(scale: Scale) -> str:
    return "log of expected demand" if scale == "log" else "units of demand"


def _forecast_sentence(explanation: ShapExplanation, k: int) -> str:
    forecast = float(explanation.prediction[k])
    base = float(_inverse_link(np.array([explanation.base_value]), explanation.scale)[0])
    if explanation.scale == "log":
        return f"forecast {forecast:,.2f} = exp(f(x));  exp(E[f(X)]) = {base:,.2f}"
    return f"forecast {forecast:,.2f} = f(x);  E[f(X)] = {base:,.2f}"


def _booster_input(model: GlobalGBM, rows: Float32Matrix) -> Any:
    """The rows in the form the booster predicted them from."""
    if not isinstance(model, XGBoostForecaster):
        # LightGBM reads a negative category code as missing, as it did in training.
        return rows
    import xgboost as xgb

    names = model.feature_names
    return xgb.DMatrix(
        # The same -1 → missing mapping the model was trained and predicts with.
        _categorical_safe(rows, names, model.categorical),
        feature_names=names,
        feature_types=["c" if n in model.categorical else "q" for n in names],
        enable_categorical=True,
        nthread=model.threads,
    )


def _forecast_values(model: GlobalGBM, rows: Float32Matrix) -> npt.NDArray[np.float64]:
    """Forecasts of feature rows from the booster's raw output (no TreeSHAP: it is cheap)."""
    data = _booster_input(model, rows)
    if isinstance(model, XGBoostForecaster):
        margin = model.booster.predict(data, output_margin=True)
    else:
        margin = model.booster.predict(data, raw_score=True, num_threads=model.threads)
    return _inverse_link(np.asarray(margin, dtype=np.float64), _scale(model))


def _free(candidates: npt.NDArray[np.int64], quantile: float, taken: set[int]) -> int | None:
    """The candidate at ``quantile`` of ``candidates`` (in forecast order), else the nearest
    one not taken yet; None when all are taken."""
    if candidates.size == 0:
        return None
    centre = round(quantile * (candidates.size - 1))
    for offset in range(candidates.size):
        for position in (centre - offset, centre + offset):
            if 0 <= position < candidates.size and int(candidates[position]) not in taken:
                return int(candidates[position])
    return None


def _holiday_distance(
    features: Float32Matrix, names: list[str]
) -> tuple[npt.NDArray[np.float64] | None, list[str]]:
    """Days from each row to the nearest holiday, and a phrase for each row."""
    if "days_to_holiday" not in names:
        return None, []
    to = features[:, names.index("days_to_holiday")].astype(np.float64)
    since = (
        features[:, names.index("days_since_holiday")].astype(np.float64)
        if "days_since_holiday" in names
        else np.full_like(to, np.inf)
    )
    distance = np.minimum(to, since)
    phrases = [
        "holiday"
        if d == 0
        else f"{int(t)} day{'s' if t != 1 else ''} before a holiday"
        if t <= s
        else f"{int(s)} day{'s' if s != 1 else ''} after a holiday"
        for d, t, s in zip(distance.tolist(), to.tolist(), since.tolist(), strict=True)
    ]
    return distance, phrases


def _layout(
    features: Float32Matrix,
    ids: Sequence[str] | npt.NDArray[np.str_],
    dates: Sequence[datetime.date] | npt.NDArray[np.datetime64],
) -> tuple[npt.NDArray[np.str_], npt.NDArray[np.datetime64]]:
    """Series ids and forecast days, checked against the rows of the last forecast."""
    series = np.asarray([str(s) for s in ids], dtype=str)
    days = np.asarray(dates, dtype="datetime64[D]")
    if series.size == 0 or days.size == 0 or series.size * days.size != features.shape[0]:
        raise ForecastInputError(
            f"{series.size} series × {days.size} dates do not match the last forecast "
            f"({features.shape[0]} rows); pass panel.ids and panel.future_dates(h) of the "
            "predict(h) call"
        )
    return series, days


def _as_day(value: datetime.date | str | np.datetime64) -> np.datetime64:
    try:
        day: np.datetime64 = np.asarray([value]).astype("datetime64[D]")[0]
    except ValueError:
        raise ForecastInputError(f"date {value!r} is not a date; expected YYYY-MM-DD") from None
    if np.isnat(day):
        raise ForecastInputError(f"date {value!r} is not a date; expected YYYY-MM-DD")
    return day


# -- plotting --------------------------------------------------------------------------------


def _pyplot() -> Any:
    """``matplotlib.pyplot``, on the headless Agg backend unless the caller chose one."""
    import matplotlib

    if "matplotlib.pyplot" not in sys.modules:
        # Workers have no display; a caller that imported pyplot already keeps its backend.
        matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


def _shap() -> Any:
    """The ``shap`` package; imported after the backend choice because it imports pyplot."""
    _pyplot()
    import shap  # type: ignore[import-untyped]

    return shap


def _font_family() -> list[str]:
    """Inter (the design token) when installed, else matplotlib's bundled DejaVu Sans."""
    from matplotlib import font_manager

    try:
        font_manager.findfont("Inter", fallback_to_default=False)
    except ValueError:
        return ["DejaVu Sans"]
    return ["Inter", "DejaVu Sans"]


@contextmanager
def _plot_style() -> Iterator[None]:
    """Design tokens for shap's matplotlib plots, restored afterwards."""
    import importlib

    import matplotlib.pyplot as plt

    # shap's colour settings live in an experimental module; without it plots keep shap's colours.
    try:
        style_context = importlib.import_module("shap.plots._style").style_context
    except (ImportError, AttributeError):
        style_context = None
    colours: AbstractContextManager[object] = (
        style_context(
            primary_color_positive=_RAISES,
            primary_color_negative=_LOWERS,
            secondary_color_positive=_RAISES_LIGHT,
            secondary_color_negative=_LOWERS_LIGHT,
        )
        if style_context is not None
        else nullcontext()
    )
    with (
        plt.rc_context(
            {
                "font.family": _font_family(),
                "text.color": TEXT,
                "axes.labelcolor": TEXT,
                "figure.facecolor": "#FFFFFF",
                "savefig.facecolor": "#FFFFFF",
            }
        ),
        colours,
    ):
        yield


def _target(path: Path | str) -> Path:
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    return target


def _save(figure: Figure, target: Path) -> None:
    figure.savefig(target, format="png", dpi=150, bbox_inches="tight")
