"""Supported frequencies and the calendar arithmetic on them.

A frequency is one of ``D`` (day), ``W`` (week), ``M`` (month), ``Q`` (quarter) or ``Y``
(year). Periods are numbered as integers so that a long frame scatters into a dense
matrix with one vectorised subtraction: days since the epoch for ``D`` and ``W`` (a week
is 7 days, anchored on the weekday of the first date), months since the epoch for ``M``,
``Q`` (step 3) and ``Y`` (step 12), where every date must fall on the same day of month.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

import numpy as np
import numpy.typing as npt

from shelfops.forecasting.errors import ForecastInputError

DateArray = npt.NDArray[np.datetime64]


class Freq(StrEnum):
    """A series frequency, as given on the command line (``--freq``)."""

    DAY = "D"
    WEEK = "W"
    MONTH = "M"
    QUARTER = "Q"
    YEAR = "Y"

    @property
    def season_length(self) -> int:
        """Periods in one seasonal cycle: the seasonal-naive lag and the MASE scale."""
        return {"D": 7, "W": 52, "M": 12, "Q": 4, "Y": 1}[self.value]

    @property
    def step(self) -> int:
        """Width of one period in the frequency's base unit (days for D/W, months else)."""
        return {"D": 1, "W": 7, "M": 1, "Q": 3, "Y": 12}[self.value]

    @property
    def monthly(self) -> bool:
        """Whether periods are counted in months (M, Q, Y) rather than days (D, W)."""
        return self in (Freq.MONTH, Freq.QUARTER, Freq.YEAR)

    @property
    def periods_per_year(self) -> float:
        """Average periods per year (used to size history windows in a frequency-free way)."""
        return {"D": 365.25, "W": 365.25 / 7, "M": 12.0, "Q": 4.0, "Y": 1.0}[self.value]


def parse_freq(text: str) -> Freq:
    """``D|W|M|Q|Y`` (case-insensitive) → :class:`Freq`, with a readable error otherwise."""
    try:
        return Freq(text.strip().upper())
    except ValueError:
        allowed = ", ".join(f.value for f in Freq)
        raise ForecastInputError(
            f"unknown frequency {text!r}: expected one of {allowed} "
            "(day, week, month, quarter, year)"
        ) from None


def base_units(dates: DateArray, freq: Freq) -> npt.NDArray[np.int64]:
    """Dates as integers in the frequency's base unit: days, or months, since 1970."""
    days = dates.astype("datetime64[D]")
    if not freq.monthly:
        return days.astype(np.int64)
    return days.astype("datetime64[M]").astype(np.int64)


def infer_freq(dates: DateArray) -> Freq:
    """The frequency of a set of dates, from the smallest gap between distinct dates.

    Works on the distinct dates of the whole frame, so a gap in one series (a missing
    day) does not mislead it. One distinct date cannot tell a frequency: that is an error
    asking for ``--freq``.
    """
    unique = np.unique(dates.astype("datetime64[D]"))
    if unique.size < 2:
        raise ForecastInputError(
            "cannot infer the frequency from a single date; pass --freq D|W|M|Q|Y"
        )
    gap = int(np.diff(unique.astype(np.int64)).min())
    if gap == 1:
        return Freq.DAY
    if gap == 7:
        return Freq.WEEK
    months = np.diff(unique.astype("datetime64[M]").astype(np.int64))
    month_gap = int(months.min())
    if 28 <= gap <= 31 and month_gap == 1:
        return Freq.MONTH
    if 89 <= gap <= 92 and month_gap == 3:
        return Freq.QUARTER
    if 365 <= gap <= 366 and month_gap == 12:
        return Freq.YEAR
    raise ForecastInputError(
        f"cannot infer the frequency: the smallest gap between dates is {gap} days, "
        "which is not a day, week, month, quarter or year; pass --freq D|W|M|Q|Y"
    )


@dataclass(frozen=True)
class Grid:
    """A regular calendar of periods: ``origin`` (base units) plus ``k * freq.step``."""

    freq: Freq
    origin: int
    """Base-unit value of the first period."""
    anchor_day: int
    """Day of month every date falls on (monthly frequencies; 0 for D/W; -1 = month end)."""

    def dates(self, start: int, count: int) -> DateArray:
        """``count`` period dates starting at period index ``start``."""
        units = self.origin + (start + np.arange(count, dtype=np.int64)) * self.freq.step
        if not self.freq.monthly:
            return units.astype("datetime64[D]")
        months = units.astype("datetime64[M]")
        if self.anchor_day == MONTH_END:
            ends = (months + 1).astype("datetime64[D]") - np.timedelta64(1, "D")
            return ends.astype("datetime64[D]")
        anchored = months.astype("datetime64[D]") + np.timedelta64(self.anchor_day - 1, "D")
        return anchored.astype("datetime64[D]")

    def index_of(self, dates: DateArray) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.bool_]]:
        """Period index of each date, and a mask of dates that lie on the grid."""
        units = base_units(dates, self.freq)
        offset = units - self.origin
        on_grid = offset % self.freq.step == 0
        if self.freq.monthly:
            on_grid &= _day_of_month(dates) == self.anchor_day
            if self.anchor_day == MONTH_END:
                on_grid = _is_month_end(dates) & (offset % self.freq.step == 0)
        return offset // self.freq.step, on_grid


MONTH_END = -1


def _day_of_month(dates: DateArray) -> npt.NDArray[np.int64]:
    days = dates.astype("datetime64[D]")
    return np.asarray((days - days.astype("datetime64[M]")).astype(np.int64) + 1, dtype=np.int64)


def _is_month_end(dates: DateArray) -> npt.NDArray[np.bool_]:
    days = dates.astype("datetime64[D]")
    following = (days + np.timedelta64(1, "D")).astype("datetime64[M]")
    return np.asarray(following != days.astype("datetime64[M]"), dtype=np.bool_)


def grid_for(dates: DateArray, freq: Freq) -> Grid:
    """The grid anchored on the earliest date (its weekday, its day of month, or month end).

    Monthly dates that are all month ends (``2024-01-31``, ``2024-02-29``) anchor on the
    month end rather than on day 31, which February does not have. A first date of
    February 28th is ambiguous (day 28 or month end), so the other dates decide: when they
    are all month ends and some fall after the 28th, the series is a month-end series.
    """
    days = dates.astype("datetime64[D]")
    first = days.min()
    anchor_day = 0
    if freq.monthly:
        anchor_day = int(_day_of_month(np.array([first]))[0])
        if _is_month_end(np.array([first]))[0] and (
            anchor_day > 28
            or (bool(_is_month_end(days).all()) and bool((_day_of_month(days) > 28).any()))
        ):
            anchor_day = MONTH_END
    return Grid(
        freq=freq, origin=int(base_units(np.array([first]), freq)[0]), anchor_day=anchor_day
    )
