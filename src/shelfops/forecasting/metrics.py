"""Forecast accuracy and business metrics, per series and pooled.

Inputs are dense ``(n_series, horizon)`` matrices held in an :class:`EvaluationSet`. A
cell whose actual is NaN is *not evaluated* (censored by a stock-out, missing, or before
a series started): it is left out of every sum, count and mean below. Forecasts and
quantiles must be finite wherever the actual is evaluated.

Notation, over the evaluated points of one series (per-series metrics) or of all series
together (pooled metrics): ``a`` actual, ``f`` point forecast (mean), ``f_q`` forecast
of quantile level ``q``, ``e = f - a``, ``n`` the number of points, ``s`` the stocking
level, ``Q`` the set of quantile levels, ``lo = min Q``, ``hi = max Q``. A ratio whose
denominator is 0 is NaN.

==================== ========================================================= ==========
key                  formula                                                   when 0/0
==================== ========================================================= ==========
n_points             n (evaluated points)
mae                  mean |e|                                                  NaN
rmse                 sqrt(mean e²)                                             NaN
bias                 mean e (units; positive = over-forecast)                  NaN
bias_pct             sum e / sum a                                             NaN
wape                 sum |e| / sum |a|                                         NaN
mase                 series i: mae_i / scale_i; pooled: mean of the finite     NaN
                     series values (series with scale_i finite and > 0 and at
                     least one evaluated point)
mase_series          (pooled only) number of series averaged into ``mase``
smape                mean 2|e| / (|a| + |f|), a 0/0 term counts as 0; 0..2    NaN
mape                 mean |e| / |a| over points with a != 0                    NaN
pinball_q<q>         mean max(q(a - f_q), (q - 1)(a - f_q))                    NaN
pinball              mean over q in Q of pinball_q<q>                          NaN
coverage             share of points with f_lo <= a <= f_hi (needs |Q| >= 2)   NaN
coverage_nominal     hi - lo, the coverage a calibrated interval would have
coverage_q<q>        share of points with a <= f_q (calibrated: about q)       NaN
stockout_miss_rate   share of points with a > s                                NaN
overstock_rate       sum max(s - a, 0) / sum s                                 NaN
overstock_units      sum max(s - a, 0)                                         0
overstock_value      sum max(s - a, 0) · unit_cost_i (NaN without unit_cost)   0
lost_sales           sum max(a - s, 0) (units)                                 0
lost_sales_value     sum max(a - s, 0) · unit_price_i (NaN without unit_price) 0
==================== ========================================================= ==========

``<q>`` is the level formatted with ``f"{q:g}"`` (``pinball_q0.1``, ``coverage_q0.9``).
Without quantiles the pinball and coverage keys are absent (not NaN); with a single
quantile level ``coverage`` and ``coverage_nominal`` are absent.

**Pooled vs per series.** Pooled sums, counts and means run over all evaluated points of
all series, not over per-series values: pooled WAPE is ``sum |e| / sum |a|`` over the
whole panel, so big series weigh more. The exception is MASE, whose point is to put
series of different sizes on one scale: it is the plain mean of the per-series values.
Sums (``n_points``, ``overstock_*``, ``lost_sales*``) therefore add up across the
per-series rows to the pooled value.

**MASE scale.** ``scale_i`` is the in-sample mean absolute error of the seasonal naive
forecast of series ``i`` (:func:`mase_scale`), so MASE < 1 beats seasonal naive.

**Business metrics: a per-period newsvendor view.** The stocking level ``s`` is the
forecast quantile at ``service_level`` when the quantiles include that level, else the
point forecast. Each period is stocked to ``s`` on its own, with no carry-over: units
left at the end of a period are counted as overstock of that period and do not serve
the next one, and unmet demand is lost, not back-ordered. This scores the forecast, not a
replenishment policy (which would net inventory across periods).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, fields, replace
from typing import Any

import numpy as np
import numpy.typing as npt
import polars as pl

from shelfops.forecasting.errors import ForecastInputError
from shelfops.forecasting.panel import FloatMatrix

FloatVector = npt.NDArray[np.float64]
_ROW_BLOCK = 2048


class MetricsInputError(ForecastInputError, ValueError):
    """Arrays handed to the metrics do not fit together (shapes, levels, finiteness).

    Also a ``ValueError``, so numeric callers that catch ``ValueError`` keep working.
    """


@dataclass(frozen=True)
class EvaluationSet:
    """Actuals, forecasts and the per-series context needed to score them.

    Validated on construction: every matrix is ``(n_series, horizon)``, every vector
    ``(n_series,)``, quantile levels lie in (0, 1), and forecasts are finite wherever the
    actual is evaluated.
    """

    actual: FloatMatrix
    """(n, h); NaN = not evaluated (censored, missing, before the series started)."""
    forecast: FloatMatrix
    """(n, h) point forecast (mean)."""
    quantiles: Mapping[float, FloatMatrix]
    """Quantile level -> (n, h) forecast of that quantile; may be empty."""
    scale: FloatVector
    """(n,) MASE denominator per series, from :func:`mase_scale`."""
    unit_cost: FloatVector | None = None
    """(n,) cost of one unit, for ``overstock_value``."""
    unit_price: FloatVector | None = None
    """(n,) selling price of one unit, for ``lost_sales_value``."""
    service_level: float = 0.9
    """Quantile level the shelf is stocked to (point forecast if not among the levels)."""

    def __post_init__(self) -> None:
        _validate(self)

    @property
    def n_series(self) -> int:
        """Number of series (rows)."""
        return int(self.actual.shape[0])

    @property
    def levels(self) -> list[float]:
        """Quantile levels, ascending."""
        return sorted(float(q) for q in self.quantiles)

    def stocking_level(self) -> FloatMatrix:
        """The quantity stocked per period: quantile at ``service_level``, else the mean."""
        for q in self.quantiles:
            # Levels usually come from parsing "0.1,0.5,0.9"; tolerate float noise.
            if np.isclose(float(q), self.service_level, rtol=0.0, atol=1e-9):
                return np.asarray(self.quantiles[q], dtype=np.float64)
        return np.asarray(self.forecast, dtype=np.float64)


def mase_scale(history: FloatMatrix, season_length: int) -> FloatVector:
    """Per series, the mean absolute error of the in-sample seasonal naive forecast.

    ``mean |y_t - y_{t-m}|`` with ``m = season_length``, over the pairs where both values
    are finite (``history`` holds NaN before a series starts and on censored cells). A
    series without a single such pair falls back to lag 1 (the naive forecast); with no
    lag-1 pair either its scale is NaN and it is left out of the pooled MASE.
    """
    y = np.asarray(history, dtype=np.float64)
    if y.ndim != 2:
        raise MetricsInputError(
            f"history must be a (n_series, n_periods) matrix, got shape {y.shape}"
        )
    if season_length < 1:
        raise MetricsInputError(f"season_length must be at least 1, got {season_length}")
    scale = _mean_abs_lag_diff(y, season_length)
    no_pair = np.isnan(scale)
    if season_length > 1 and no_pair.any():
        scale[no_pair] = _mean_abs_lag_diff(y[no_pair], 1)
    return scale


def pooled_metrics(ev: EvaluationSet) -> dict[str, float]:
    """Every metric over all evaluated points of all series (MASE: mean over series).

    Keys and formulas are listed in this module's docstring.
    """
    per_series = _sums(ev)
    columns = _finish(per_series.total(), ev, mase=np.array([np.nan]))
    mase_i = _series_mase(per_series, ev.scale)
    counted = np.isfinite(mase_i)
    out: dict[str, float] = {}
    for key, column in columns.items():
        value = column[0]
        out[key] = int(value) if key == "n_points" else float(value)
        if key == "mase":
            out[key] = float(mase_i[counted].mean()) if counted.any() else float("nan")
            out["mase_series"] = int(counted.sum())
    return out


def per_series_metrics(ev: EvaluationSet, ids: Sequence[str] | npt.NDArray[Any]) -> pl.DataFrame:
    """One row per series: ``unique_id`` then the pooled keys except ``mase_series``.

    Row ``i`` scores row ``i`` of the matrices; ``ids`` names the rows, in that order.
    """
    if len(ids) != ev.n_series:
        raise MetricsInputError(
            f"ids has {len(ids)} entries but the evaluation set has {ev.n_series} series"
        )
    sums = _sums(ev)
    columns = _finish(sums, ev, mase=_series_mase(sums, ev.scale))
    data: dict[str, pl.Series] = {"unique_id": pl.Series([str(i) for i in ids], dtype=pl.String)}
    for key, column in columns.items():
        dtype: type[pl.DataType] = pl.Int64 if key == "n_points" else pl.Float64
        data[key] = pl.Series(column, dtype=dtype)
    return pl.DataFrame(data)


@dataclass(frozen=True)
class _Sums:
    """Per-row sums over evaluated points; metrics are ratios of these.

    Keeping sums (not means) makes pooling exact: the pooled row is the column sum.
    """

    n: FloatVector
    abs_error: FloatVector
    sq_error: FloatVector
    error: FloatVector
    actual: FloatVector
    abs_actual: FloatVector
    smape_terms: FloatVector
    ape_terms: FloatVector
    nonzero: FloatVector
    stocked: FloatVector
    missed: FloatVector
    over_units: FloatVector
    over_value: FloatVector
    lost_units: FloatVector
    lost_value: FloatVector
    covered: FloatVector
    pinball: Mapping[float, FloatVector]
    below: Mapping[float, FloatVector]

    def total(self) -> _Sums:
        """The same sums over all rows, as a one-row ``_Sums``."""
        summed: dict[str, Any] = {}
        for f in fields(self):
            value = getattr(self, f.name)
            if isinstance(value, Mapping):
                summed[f.name] = {q: _sum_rows(v) for q, v in value.items()}
            else:
                summed[f.name] = _sum_rows(value)
        return replace(self, **summed)


def _sums(ev: EvaluationSet) -> _Sums:
    evaluated = ~np.isnan(ev.actual)
    # Zero the cells that are not evaluated so that plain row sums skip them.
    a = np.where(evaluated, ev.actual, 0.0)
    f = np.where(evaluated, ev.forecast, 0.0)
    e = f - a
    abs_e = np.abs(e)
    denom = np.abs(a) + np.abs(f)
    # 0/0 (actual and forecast both zero) is a perfect forecast: term 0, not NaN.
    smape = np.divide(2.0 * abs_e, denom, out=np.zeros_like(abs_e), where=denom > 0)
    nonzero = evaluated & (a != 0)
    ape = np.divide(abs_e, np.abs(a), out=np.zeros_like(abs_e), where=nonzero)

    s = np.where(evaluated, ev.stocking_level(), 0.0)
    over = np.maximum(s - a, 0.0)
    lost = np.maximum(a - s, 0.0)
    over_units = over.sum(axis=1)
    lost_units = lost.sum(axis=1)

    pinball: dict[float, FloatVector] = {}
    below: dict[float, FloatVector] = {}
    for q in ev.levels:
        fq = np.where(evaluated, _quantile(ev, q), 0.0)
        u = a - fq
        pinball[q] = np.maximum(q * u, (q - 1.0) * u).sum(axis=1)
        below[q] = (evaluated & (a <= fq)).sum(axis=1).astype(np.float64)
    covered = np.zeros(ev.n_series)
    if len(ev.levels) >= 2:
        lo = np.where(evaluated, _quantile(ev, ev.levels[0]), 0.0)
        hi = np.where(evaluated, _quantile(ev, ev.levels[-1]), 0.0)
        inside = evaluated & (lo <= a) & (a <= hi)
        covered = inside.sum(axis=1).astype(np.float64)

    return _Sums(
        n=evaluated.sum(axis=1).astype(np.float64),
        abs_error=abs_e.sum(axis=1),
        sq_error=(e * e).sum(axis=1),
        error=e.sum(axis=1),
        actual=a.sum(axis=1),
        abs_actual=np.abs(a).sum(axis=1),
        smape_terms=smape.sum(axis=1),
        ape_terms=ape.sum(axis=1),
        nonzero=nonzero.sum(axis=1).astype(np.float64),
        stocked=s.sum(axis=1),
        missed=(evaluated & (a > s)).sum(axis=1).astype(np.float64),
        over_units=over_units,
        over_value=_value(over_units, ev.unit_cost),
        lost_units=lost_units,
        lost_value=_value(lost_units, ev.unit_price),
        covered=covered,
        pinball=pinball,
        below=below,
    )


def _finish(s: _Sums, ev: EvaluationSet, mase: FloatVector) -> dict[str, FloatVector]:
    """Turn sums into metric columns, in the order of the module docstring's table."""
    out: dict[str, FloatVector] = {
        "n_points": s.n,
        "mae": _ratio(s.abs_error, s.n),
        "rmse": np.sqrt(_ratio(s.sq_error, s.n)),
        "bias": _ratio(s.error, s.n),
        "bias_pct": _ratio(s.error, s.actual),
        "wape": _ratio(s.abs_error, s.abs_actual),
        "mase": mase,
        "smape": _ratio(s.smape_terms, s.n),
        "mape": _ratio(s.ape_terms, s.nonzero),
    }
    levels = ev.levels
    if levels:
        per_level = {q: _ratio(s.pinball[q], s.n) for q in levels}
        out["pinball"] = np.mean(np.stack(list(per_level.values())), axis=0)
        for q, value in per_level.items():
            out[f"pinball_q{q:g}"] = value
        if len(levels) >= 2:
            out["coverage"] = _ratio(s.covered, s.n)
            out["coverage_nominal"] = np.full_like(s.n, levels[-1] - levels[0])
        for q in levels:
            out[f"coverage_q{q:g}"] = _ratio(s.below[q], s.n)
    out["stockout_miss_rate"] = _ratio(s.missed, s.n)
    out["overstock_rate"] = _ratio(s.over_units, s.stocked)
    out["overstock_units"] = s.over_units
    out["overstock_value"] = s.over_value
    out["lost_sales"] = s.lost_units
    out["lost_sales_value"] = s.lost_value
    return out


def _series_mase(s: _Sums, scale: FloatVector) -> FloatVector:
    """MAE_i / scale_i; NaN where the scale is not finite and positive or MAE is NaN."""
    mae = _ratio(s.abs_error, s.n)
    usable = np.isfinite(scale) & (scale > 0)
    return np.divide(mae, scale, out=np.full_like(mae, np.nan), where=usable)


def _quantile(ev: EvaluationSet, level: float) -> FloatMatrix:
    for q, matrix in ev.quantiles.items():
        if float(q) == level:
            return np.asarray(matrix, dtype=np.float64)
    raise KeyError(level)  # unreachable: levels come from ev.quantiles


def _value(units: FloatVector, per_unit: FloatVector | None) -> FloatVector:
    if per_unit is None:
        return np.full_like(units, np.nan)
    # A NaN price stays NaN even when no unit was involved: the value is unknown, not 0.
    return units * np.asarray(per_unit, dtype=np.float64)


def _ratio(num: FloatVector, den: FloatVector) -> FloatVector:
    return np.divide(num, den, out=np.full_like(num, np.nan), where=den != 0)


def _sum_rows(v: FloatVector) -> FloatVector:
    return np.array([v.sum()], dtype=np.float64)


def _mean_abs_lag_diff(y: FloatMatrix, lag: int) -> FloatVector:
    out = np.full(y.shape[0], np.nan)
    if y.shape[1] <= lag:
        return out
    # Row blocks keep the temporaries small on a 30k × 2k history (a full copy is ~0.5 GB).
    for start in range(0, y.shape[0], _ROW_BLOCK):
        block = y[start : start + _ROW_BLOCK]
        with np.errstate(invalid="ignore"):
            diff = np.abs(block[:, lag:] - block[:, :-lag])
        # NaN or inf on either side of a pair (not started, censored) drops the pair.
        pair = np.isfinite(diff)
        total = np.where(pair, diff, 0.0).sum(axis=1)
        out[start : start + _ROW_BLOCK] = _ratio(total, pair.sum(axis=1).astype(np.float64))
    return out


def _validate(ev: EvaluationSet) -> None:
    actual = np.asarray(ev.actual)
    if actual.ndim != 2:
        raise MetricsInputError(f"actual must be a (n_series, horizon) matrix, got {actual.shape}")
    if np.isinf(actual).any():
        raise MetricsInputError("actual has infinite values; use NaN for points not evaluated")
    evaluated = ~np.isnan(actual)
    matrices = {"forecast": ev.forecast} | {f"quantile {q:g}": m for q, m in ev.quantiles.items()}
    for name, matrix in matrices.items():
        m = np.asarray(matrix)
        if m.shape != actual.shape:
            raise MetricsInputError(
                f"{name} has shape {m.shape} but actual has shape {actual.shape}; "
                "both must be (n_series, horizon)"
            )
        bad = evaluated & ~np.isfinite(m)
        if bad.any():
            row, col = (int(i) for i in np.argwhere(bad)[0])
            raise MetricsInputError(
                f"{name} is not finite at series row {row}, step {col}, where the actual "
                f"is evaluated ({int(bad.sum())} such points); forecasts must be numbers"
            )
    for q in ev.quantiles:
        if not 0.0 < float(q) < 1.0:
            raise MetricsInputError(f"quantile level {q} must lie strictly between 0 and 1")
    vectors = {"scale": ev.scale, "unit_cost": ev.unit_cost, "unit_price": ev.unit_price}
    for name, vector in vectors.items():
        if vector is not None and np.shape(vector) != (actual.shape[0],):
            raise MetricsInputError(
                f"{name} has shape {np.shape(vector)} but must be ({actual.shape[0]},), "
                "one value per series row of actual"
            )
    if not 0.0 < ev.service_level < 1.0:
        raise MetricsInputError(
            f"service_level must lie strictly between 0 and 1, got {ev.service_level}"
        )
