"""Demand segments: which kind of series is this, judged from its own history.

* ``new``: fewer than ``max(2 × season, 28)`` observed periods — too little history for
  seasonal or lag-heavy methods to be trusted on their own.
* ``intermittent``: average demand interval (ADI, periods per non-zero demand) above
  1.32 over the recent history (Syntetos & Boylan's cut-off).
* ``smooth``: everything else.

``auto`` chooses a model (or blend) per segment from backtest evidence.
"""

from __future__ import annotations

from enum import StrEnum

import numpy as np
import numpy.typing as npt

from shelfops.forecasting.panel import Panel

#: Syntetos–Boylan ADI cut-off between smooth/erratic and intermittent/lumpy demand.
ADI_CUTOFF = 1.32
#: Periods of recent history the ADI is measured over (in seasons).
_RECENT_SEASONS = 13


class Segment(StrEnum):
    """A demand segment."""

    SMOOTH = "smooth"
    INTERMITTENT = "intermittent"
    NEW = "new"


def new_threshold(panel: Panel) -> int:
    """Observed periods below which a series counts as new."""
    return max(2 * panel.freq.season_length, 28 if panel.freq.value == "D" else 4)


def classify(panel: Panel) -> npt.NDArray[np.str_]:
    """The segment of every series (array of :class:`Segment` values)."""
    demand = panel.demand()
    window = min(panel.n_periods, max(_RECENT_SEASONS * panel.freq.season_length, 12))
    recent = demand[:, -window:]
    observed = (~np.isnan(recent)).sum(axis=1)
    positive = (recent > 0).sum(axis=1)
    with np.errstate(divide="ignore", invalid="ignore"):
        adi = np.where(positive > 0, observed / np.maximum(positive, 1), np.inf)
    out = np.full(panel.n_series, Segment.SMOOTH.value, dtype=object)
    out[adi > ADI_CUTOFF] = Segment.INTERMITTENT.value
    out[panel.history_length < new_threshold(panel)] = Segment.NEW.value
    return out.astype(str)
