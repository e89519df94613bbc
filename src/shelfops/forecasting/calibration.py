"""Conformal quantiles: calibrated on backtest residuals, per horizon step and segment.

A model forecasts the mean; its uncertainty is learned from how wrong it was on
backtest windows it had not seen. Residuals are normalised by ``sqrt(forecast + 1)``
(count-like demand has a variance that grows with its mean, so one table of normalised
residuals serves slow and fast sellers), and for each horizon step, segment and
quantile level ``q`` the empirical ``q``-quantile of the normalised residuals is kept.
A forecast's quantile is then ``forecast + sqrt(forecast + 1) × offset``, clipped at 0
and made monotone across levels.

When a (segment, step) cell has fewer than :data:`MIN_CELL` residuals it widens to the
neighbouring steps, and a segment with too few residuals altogether borrows the table of
all series, so small panels still get bands.

A level needs enough residuals for its finite-sample rank: the 90 % level needs 9 (with
fewer, split conformal's quantile is unbounded). On a panel too small even for that (a
few weeks of history, one validation window, or no observed actual in it at all) the
level falls back to the Poisson quantile of the forecast — count demand whose variance
equals its mean — instead of reusing the largest residual, which gave a zero-width band
that could miss its own forecast.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
import numpy.typing as npt
from scipy.stats import poisson  # type: ignore[import-untyped]

from shelfops.forecasting.panel import FloatMatrix

#: Residuals a (segment, step) cell needs before its own quantiles are trusted.
MIN_CELL = 200
DEFAULT_QUANTILES: tuple[float, ...] = (0.1, 0.5, 0.9)


def parse_quantiles(text: str) -> tuple[float, ...]:
    """``"0.1,0.5,0.9"`` → sorted unique levels strictly between 0 and 1."""
    from shelfops.forecasting.errors import ForecastInputError

    try:
        levels = sorted({float(part) for part in text.split(",") if part.strip()})
    except ValueError:
        raise ForecastInputError(
            f"--quantiles {text!r}: expected comma-separated numbers such as 0.1,0.5,0.9"
        ) from None
    if not levels or any(not 0.0 < q < 1.0 for q in levels):
        raise ForecastInputError(f"--quantiles {text!r}: every level must lie in (0, 1)")
    return tuple(levels)


def _conformal_quantiles(values: npt.NDArray[np.float64], levels: Sequence[float]) -> FloatMatrix:
    """Empirical quantiles with split-conformal's finite-sample correction.

    With ``n`` calibration residuals, an upper level ``q`` uses the ``⌈(n + 1) q⌉``-th
    smallest residual (and a lower level the mirror image), so that a new residual falls
    below the offset with probability at least ``q`` — plain empirical quantiles
    under-cover on small panels.
    """
    ordered = np.sort(values)
    n = ordered.size
    out = np.empty(len(levels))
    for j, q in enumerate(levels):
        rank = int(np.ceil((n + 1) * q)) if q >= 0.5 else int(np.floor((n + 1) * q))
        # NaN: too few residuals for this level (see the module docstring).
        out[j] = ordered[rank - 1] if 1 <= rank <= n else np.nan
    return out


def _scale(forecast: FloatMatrix) -> FloatMatrix:
    return np.sqrt(np.clip(forecast, 0.0, None) + 1.0)


@dataclass
class ConformalCalibrator:
    """Per (segment, step) quantiles of normalised residuals."""

    levels: tuple[float, ...] = DEFAULT_QUANTILES
    offsets: dict[str, FloatMatrix] = field(default_factory=dict)
    """segment → (horizon, levels) offsets; key ``"*"`` pools every segment."""

    def fit(
        self,
        actual: FloatMatrix,
        forecast: FloatMatrix,
        segments: npt.NDArray[np.str_],
    ) -> ConformalCalibrator:
        """Learn offsets from backtest rows: ``actual`` NaN cells are ignored.

        ``actual``, ``forecast``: (rows, horizon); ``segments``: (rows,). Rows may repeat
        a series (one row per backtest window).
        """
        residual = (actual - forecast) / _scale(forecast)
        horizon = actual.shape[1]
        self.offsets = {"*": self._table(residual, horizon, None)}
        for segment in np.unique(segments):
            chosen = residual[segments == segment]
            self.offsets[str(segment)] = self._table(chosen, horizon, self.offsets["*"])
        return self

    def _table(
        self, residual: FloatMatrix, horizon: int, fallback: FloatMatrix | None
    ) -> FloatMatrix:
        table = np.empty((horizon, len(self.levels)))
        valid = ~np.isnan(residual)
        pooled = residual[valid]
        if pooled.size < MIN_CELL and fallback is not None:
            steps = np.minimum(np.arange(horizon), fallback.shape[0] - 1)
            return np.asarray(fallback[steps], dtype=np.float64)
        for k in range(horizon):
            # Widen the band of neighbouring steps until the cell holds MIN_CELL residuals:
            # per-step tables where data allow, smoothed ones for small panels.
            reach = 0
            while True:
                lo, hi = max(0, k - reach), min(horizon, k + reach + 1)
                cell = residual[:, lo:hi][valid[:, lo:hi]]
                if cell.size >= MIN_CELL or (lo == 0 and hi == horizon):
                    break
                reach += 1
            table[k] = _conformal_quantiles(cell, self.levels) if cell.size else np.nan
        return table

    def apply(
        self, forecast: FloatMatrix, segments: npt.NDArray[np.str_]
    ) -> dict[float, FloatMatrix]:
        """Quantile forecasts for every level: non-negative and monotone in the level."""
        if not self.offsets:
            raise RuntimeError("fit the calibrator first")
        horizon = forecast.shape[1]
        scale = _scale(forecast)
        stacked = np.empty((len(self.levels), *forecast.shape))
        for segment in np.unique(segments):
            table = self.offsets.get(str(segment), self.offsets["*"])
            rows = segments == segment
            steps = np.minimum(np.arange(horizon), table.shape[0] - 1)
            for j, level in enumerate(self.levels):
                offset = table[steps, j][None, :]
                band = forecast[rows] + scale[rows] * offset
                if np.isnan(offset).any():
                    fallback = poisson.ppf(level, np.clip(forecast[rows], 0.0, None))
                    band = np.where(np.isnan(band), fallback, band)
                stacked[j][rows] = band
        stacked = np.clip(stacked, 0.0, None)
        # Sorting along the level axis enforces monotone quantiles (no crossing).
        stacked.sort(axis=0)
        return {q: stacked[j] for j, q in enumerate(self.levels)}


def quantile_column(level: float) -> str:
    """Output column name for a quantile level: ``q0.1``, ``q0.5``, ``q0.95``."""
    return f"q{level:g}"
