"""The business calendar: dates, weekdays, season position and holiday lifts."""

from __future__ import annotations

import datetime
from dataclasses import dataclass

import holidays
import numpy as np
import numpy.typing as npt

# Multiplicative demand lift around each US holiday, keyed by the offset in days from
# the holiday (negative = before). Shoppers stock up in the days *before* a holiday;
# on Thanksgiving and Christmas Day many stores close early, so the day itself is weak,
# and the day after Thanksgiving (Black Friday) is one of the busiest of the year.
_STOCK_UP_HOLIDAYS: tuple[tuple[str, dict[int, float]], ...] = (
    ("thanksgiving", {-3: 1.15, -2: 1.30, -1: 1.60, 0: 0.60, 1: 1.50, 2: 1.20}),
    (
        "christmas",
        {-7: 1.10, -6: 1.15, -5: 1.20, -4: 1.25, -3: 1.35, -2: 1.45, -1: 1.60, 0: 0.50, 1: 1.10},
    ),
    ("new year", {-1: 1.35, 0: 0.80}),
    ("juneteenth", {0: 1.05}),  # checked before "independence day", which it contains
    ("independence day", {-3: 1.15, -2: 1.25, -1: 1.45, 0: 1.10}),
    ("memorial day", {-2: 1.15, -1: 1.30, 0: 1.15}),
    ("labor day", {-2: 1.15, -1: 1.30, 0: 1.15}),
)
# Federal holidays that barely move grocery demand (MLK Day, Presidents' Day, ...).
_MINOR_HOLIDAY: dict[int, float] = {0: 1.05}


@dataclass(frozen=True)
class Calendar:
    """Per-day arrays for the history window, all of length `days`."""

    start: datetime.date
    dates: npt.NDArray[np.datetime64]
    """`datetime64[D]` dates."""
    day_of_week: npt.NDArray[np.int64]
    """0 = Monday … 6 = Sunday."""
    day_of_year: npt.NDArray[np.float64]
    """1-based day of year, as float for the annual curve."""
    years_elapsed: npt.NDArray[np.float64]
    """Years since the start, for trends."""
    holiday_lift: npt.NDArray[np.float64]
    """Generic multiplicative holiday effect (1.0 on ordinary days)."""

    @property
    def days(self) -> int:
        """Number of days in the window."""
        return int(self.dates.shape[0])

    @property
    def sundays(self) -> npt.NDArray[np.bool_]:
        """Mask of Sundays (the weekly inventory count day)."""
        return np.asarray(self.day_of_week == 6)


def holiday_lift(start: datetime.date, days: int) -> npt.NDArray[np.float64]:
    """Generic holiday demand multiplier for each day of the window (US federal calendar)."""
    end = start + datetime.timedelta(days=days - 1)
    # One year either side so that lifts that straddle the window edge (New Year's Eve
    # before a January start) are still applied.
    calendar = holidays.country_holidays("US", years=range(start.year - 1, end.year + 2))
    lift = np.ones(days, dtype=np.float64)
    for day, name in sorted(calendar.items()):
        lowered = str(name).lower()
        if "observed" in lowered:
            # The observed Friday/Monday of a weekend holiday is a day off work, not a
            # second shopping event; the lift stays on the real date.
            continue
        effects = next((e for key, e in _STOCK_UP_HOLIDAYS if key in lowered), _MINOR_HOLIDAY)
        for offset, factor in effects.items():
            index = (day - start).days + offset
            if 0 <= index < days:
                lift[index] *= factor
    return lift


def build_calendar(start: datetime.date, days: int) -> Calendar:
    """Build the calendar for `days` consecutive days from `start`."""
    dates = np.datetime64(start, "D") + np.arange(days, dtype=np.int64)
    # 1970-01-01 was a Thursday (weekday 3 when Monday is 0).
    day_of_week = (dates.astype(np.int64) + 3) % 7
    years = dates.astype("datetime64[Y]")
    day_of_year = (dates - years.astype("datetime64[D]")).astype(np.int64) + 1
    return Calendar(
        start=start,
        dates=dates,
        day_of_week=day_of_week.astype(np.int64),
        day_of_year=day_of_year.astype(np.float64),
        years_elapsed=np.arange(days, dtype=np.float64) / 365.25,
        holiday_lift=holiday_lift(start, days),
    )
