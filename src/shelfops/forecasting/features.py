"""Feature engineering for the global models, in two tiers (seed 001).

* ``cold_start``: calendar (and holidays) plus the series' own demand history — lags,
  rolling means and spread, same-season means, share of zero days.
* ``production``: adds known-in-advance price and promotion covariates, price relative
  to the recent price, store / category attributes and the recent stock-out share.

The set is deliberately lean: on generated retail data (10,000 series) the 4-week and
13-week means carry most of the gain, and lags 2–6, 21, day of month/year, year, age
and a yesterday-stock-out flag together moved WAPE by less than 0.1% while costing a
third of the training time (``bench/forecast.py``).

**No leakage.** The feature row for column ``t`` reads demand only from columns ``< t``
(lags start at 1) and covariates at ``t`` only when they are known in advance (price,
promotion and holidays are planned). Every feature is computed by one function,
:func:`feature_block`, for training rows and for forecast steps alike, so training and
serving cannot drift apart.

**Censoring.** Demand history is ``Panel.demand()``: stock-out cells are NaN, so a lag
that falls on a stock-out day is missing (the trees route it) instead of a false zero,
rolling means average only uncensored days, and censored days are never training
targets.

**Multi-step forecasts are recursive.** Step ``k`` of a forecast reads lags from the
extended matrix in which steps ``1 … k-1`` already hold the model's own predictions
(:meth:`FeatureBuilder.extend`). Two history-shape features are the exception and are
documented as such: ``zero_share`` and ``censored_share`` count only observed days in
their window (a predicted mean is not an observation), so they age with the horizon.
"""

from __future__ import annotations

import datetime
import functools
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field, replace
from enum import StrEnum

import holidays as holiday_calendars
import numpy as np
import numpy.typing as npt

from shelfops.forecasting.errors import ForecastInputError
from shelfops.forecasting.frequency import DateArray, Freq
from shelfops.forecasting.panel import FloatMatrix, Panel

Float32Matrix = npt.NDArray[np.float32]
IntArray = npt.NDArray[np.int64]

#: How far back a holiday-distance feature looks (days); lifts further away are noise.
_HOLIDAY_REACH = 14
# Years whose holiday names fix the codes of next_holiday (see _holiday_codes).
_HOLIDAY_CODE_YEARS = range(1990, 2061)


class FeatureTier(StrEnum):
    """Which feature set a global model uses (seed 001)."""

    COLD_START = "cold_start"
    PRODUCTION = "production"


@dataclass(frozen=True)
class FeatureConfig:
    """Feature choices; the defaults depend on the frequency (see :func:`for_freq`)."""

    tier: FeatureTier = FeatureTier.PRODUCTION
    lags: tuple[int, ...] = (1, 7, 14, 28)
    windows: tuple[int, ...] = (7, 28, 91)
    seasonal_lags: tuple[int, ...] = (7, 14, 21, 28)
    yearly_lag: int | None = 364
    holiday_country: str | None = "US"
    statics: tuple[str, ...] = ("store_id", "category")

    @staticmethod
    def for_freq(
        freq: Freq, tier: FeatureTier = FeatureTier.PRODUCTION, holiday_country: str | None = "US"
    ) -> FeatureConfig:
        """Sensible lags and windows for a frequency (a season is ``freq.season_length``)."""
        m = freq.season_length
        if freq is Freq.DAY:
            return FeatureConfig(tier=tier, holiday_country=holiday_country)
        if freq is Freq.WEEK:
            return FeatureConfig(
                tier=tier,
                lags=(1, 2, 3, 4, 8, 13, 26),
                windows=(4, 13, 52),
                seasonal_lags=(),
                yearly_lag=52,
                holiday_country=holiday_country,
            )
        lags = tuple(sorted({1, 2, 3, m} - {0}))
        return FeatureConfig(
            tier=tier,
            lags=lags,
            windows=tuple(w for w in (3, m) if w > 1) or (2,),
            seasonal_lags=(),
            yearly_lag=None,
            holiday_country=None,
        )

    @property
    def window_reach(self) -> int:
        """Columns before ``t`` the rolling statistics read (the longest window)."""
        return int(max((*self.windows, 28)))

    @property
    def lookback(self) -> int:
        """Columns of history a feature row reads (the recursion keeps only this tail)."""
        longest = max((*self.lags, *self.windows, *self.seasonal_lags, self.yearly_lag or 0, 28))
        return int(longest) + 1


@dataclass
class CalendarColumns:
    """Per-column calendar features (shared by every series)."""

    names: list[str]
    values: Float32Matrix
    """Shape (columns, len(names))."""


def calendar_features(dates: DateArray, freq: Freq, country: str | None) -> CalendarColumns:
    """Calendar features of each date: position in week / month / year, and holidays.

    Holidays come from the ``holidays`` package for ``country`` (they are known years in
    advance); for each day: days until the next holiday (0 = a holiday) and since the
    last one (capped at 15) and which holiday is next (an integer id; one extra id means
    none is within reach), because each holiday moves demand differently.
    """
    days = dates.astype("datetime64[D]")
    months = days.astype("datetime64[M]").astype(np.int64) % 12 + 1
    day_of_year = (days - days.astype("datetime64[Y]")).astype(np.int64) + 1
    columns: dict[str, npt.NDArray[np.float64]] = {"month": months.astype(np.float64)}
    if freq in (Freq.DAY, Freq.WEEK):
        columns["week_of_year"] = ((day_of_year - 1) // 7 + 1).astype(np.float64)
    if freq is Freq.DAY:
        columns["day_of_week"] = ((days.astype(np.int64) + 3) % 7).astype(np.float64)
        if country:
            columns.update(_holiday_columns(days, country))
    names = list(columns)
    values = np.stack([columns[n] for n in names], axis=1).astype(np.float32)
    return CalendarColumns(names=names, values=values)


@functools.lru_cache(maxsize=8)
def _holiday_codes(country: str) -> dict[str, int]:
    """A fixed code per holiday name of ``country``, the same whatever years a panel
    covers: a stored model forecasting a later panel must read the codes it was trained
    on (a name that first appears in some year, such as an "observed" day, would
    otherwise renumber the others)."""
    calendar = holiday_calendars.country_holidays(country, years=_HOLIDAY_CODE_YEARS)
    return {name: code for code, name in enumerate(sorted({str(n) for n in calendar.values()}))}


def _holiday_columns(days: DateArray, country: str) -> dict[str, npt.NDArray[np.float64]]:
    first = days.min().astype(datetime.date)
    last = days.max().astype(datetime.date)
    try:
        calendar = holiday_calendars.country_holidays(
            country, years=range(first.year - 1, last.year + 2)
        )
    except NotImplementedError:
        raise ForecastInputError(
            f"unknown holiday country {country!r}; use an ISO code such as US, GB, DE"
        ) from None
    codes = _holiday_codes(country)
    holiday_days = np.array(sorted(calendar.keys()), dtype="datetime64[D]")
    holiday_ids = np.array([codes[str(calendar[d])] for d in sorted(calendar.keys())])
    as_int = days.astype(np.int64)
    marks = holiday_days.astype(np.int64)
    nxt = np.searchsorted(marks, as_int, side="left")
    prev = np.searchsorted(marks, as_int, side="right") - 1
    until = np.where(nxt < len(marks), marks[np.minimum(nxt, len(marks) - 1)] - as_int, 99)
    since = np.where(prev >= 0, as_int - marks[np.maximum(prev, 0)], 99)
    # "No holiday within reach" is a category of its own (the last code), not missing.
    next_id = np.where(
        until <= _HOLIDAY_REACH, holiday_ids[np.minimum(nxt, len(marks) - 1)], len(codes)
    )
    return {
        "days_to_holiday": np.minimum(until, _HOLIDAY_REACH + 1).astype(np.float64),
        "days_since_holiday": np.minimum(since, _HOLIDAY_REACH + 1).astype(np.float64),
        "next_holiday": next_id.astype(np.float64),
    }


#: Cells (series × columns) of demand history one chunk of a feature block reads: its
#: float64 temporaries are 2 MiB each, small enough to stay in cache.
_CHUNK_CELLS = 1 << 18
#: Features the global models treat as categorical.
CATEGORICAL = ("day_of_week", "next_holiday", "store_id", "category", "product_id")


@dataclass
class FeatureBuilder:
    """Computes feature rows from a demand matrix that may be extended by predictions.

    ``demand`` holds the history (NaN = censored or not started) and, after
    :meth:`extend`, the recursive predictions; ``observed`` marks real observations.
    """

    config: FeatureConfig
    freq: Freq
    demand: FloatMatrix
    observed: npt.NDArray[np.bool_]
    censored: npt.NDArray[np.bool_]
    first: IntArray
    covariates: dict[str, FloatMatrix]
    statics: dict[str, npt.NDArray[np.float32]]
    calendar: CalendarColumns
    origin: int = 0
    """Panel column of ``demand[:, 0]`` (the recursion keeps only a tail)."""
    names: list[str] = field(default_factory=list)

    @classmethod
    def from_panel(cls, panel: Panel, config: FeatureConfig, horizon: int = 0) -> FeatureBuilder:
        """A builder over ``panel``'s history; the calendar covers ``horizon`` more columns.

        Covariates are kept whole: their future columns are known in advance.
        """
        dates = panel.grid.dates(0, panel.n_periods + horizon)
        calendar = calendar_features(dates, panel.freq, config.holiday_country)
        covariates: dict[str, FloatMatrix] = {}
        if config.tier is FeatureTier.PRODUCTION:
            covariates = dict(panel.covariates)
        statics: dict[str, npt.NDArray[np.float32]] = {}
        if config.tier is FeatureTier.PRODUCTION:
            for name in config.statics:
                if name in panel.statics:
                    _, codes = np.unique(panel.statics[name], return_inverse=True)
                    statics[name] = codes.astype(np.float32)
        demand = panel.demand()
        builder = cls(
            config=config,
            freq=panel.freq,
            demand=demand,
            observed=~np.isnan(demand),
            censored=panel.censored.copy(),
            first=panel.first,
            covariates=covariates,
            statics=statics,
            calendar=calendar,
        )
        builder.names = builder._feature_names()
        return builder

    # -- layout -------------------------------------------------------------------
    def _feature_names(self) -> list[str]:
        c = self.config
        names = [f"lag_{k}" for k in c.lags]
        names += [f"mean_{w}" for w in c.windows]
        names += ["std_28", "seasonal_mean", "zero_share_28"]
        if c.yearly_lag:
            names.append(f"lag_{c.yearly_lag}")
        names += self.calendar.names
        if c.tier is FeatureTier.PRODUCTION:
            names += sorted(self.covariates)
            if "price" in self.covariates:
                names.append("price_ratio_28")
            names.append("censored_share_28")
            names += list(self.statics)
        return names

    @property
    def categorical(self) -> list[str]:
        """Names of the categorical features present."""
        return [n for n in self.names if n in CATEGORICAL]

    # -- computation ----------------------------------------------------------------
    def feature_block(self, columns: IntArray, threads: int = 1) -> Float32Matrix:
        """Feature rows for every series at each of ``columns`` (panel column numbers).

        Returns shape (n_series * len(columns), n_features), row ``i * len(columns) + j``
        being series ``i`` at ``columns[j]``, in column-major (Fortran) order: each
        feature is written as one contiguous block, which is several times faster than
        filling row-major rows feature by feature; copy with ``np.ascontiguousarray`` where
        row-major matters. Reads ``demand`` only at columns ``< c``.

        Series are independent, so the block is filled a few hundred series at a time,
        on up to ``threads`` threads (NumPy releases the GIL in its loops). Small chunks
        keep every temporary in cache and reuse the same memory, where whole-panel
        temporaries of tens of MB each cost a page fault per 4 KiB on first touch: on
        10,000 series × 365 days the block takes a third of the time (``bench/forecast.py``).
        """
        local = np.asarray(columns, dtype=np.int64) - self.origin
        n, width = self.demand.shape[0], local.size
        out = np.empty((len(self.names), n, width), dtype=np.float32)
        span = width + self.config.window_reach
        step = max(1, _CHUNK_CELLS // span)
        chunks = [slice(start, min(n, start + step)) for start in range(0, n, step)]

        def fill(rows: slice) -> None:
            self._series(rows)._fill(out[:, rows, :], local)

        if threads > 1 and len(chunks) > 1:
            with ThreadPoolExecutor(min(threads, len(chunks))) as pool:
                list(pool.map(fill, chunks))
        else:
            for rows in chunks:
                fill(rows)
        return out.reshape(len(self.names), n * width).T

    def _series(self, rows: slice) -> FeatureBuilder:
        """A view of this builder over the series ``rows`` (no copies)."""
        return replace(
            self,
            demand=self.demand[rows],
            observed=self.observed[rows],
            censored=self.censored[rows],
            first=self.first[rows],
            covariates={name: values[rows] for name, values in self.covariates.items()},
            statics={name: values[rows] for name, values in self.statics.items()},
        )

    def _fill(self, out: npt.NDArray[np.float32], local: IntArray) -> None:
        """Write every feature of every series at ``local`` columns into ``out``
        (shape: features × series × columns)."""
        # The rolling statistics read only the `reach` columns before each t, so they are
        # computed on that span alone: a recursive step (one column) then touches about 91
        # columns instead of the whole lookback the yearly lag keeps. Lags index the full
        # matrix directly.
        lo = max(0, int(local.min(initial=0)) - self.config.window_reach)
        hi = max(lo, min(int(local.max(initial=0)), self.demand.shape[1]))
        near = local - lo
        demand = self.demand[:, lo:hi]
        held = ~np.isnan(demand)
        # Demand holds no infinities; np.where is a third of nan_to_num's cost.
        values = np.where(held, demand, 0.0)
        j = 0
        c = self.config
        for k in c.lags:
            out[j] = self._lag(local, k)
            j += 1
        # One pass of prefix sums serves every window of the demand (and mean_28 twice).
        demand_means = RollingMeans(values, held, near)
        for w in c.windows:
            out[j] = demand_means.mean(w)
            j += 1
        mean28 = demand_means.mean(28)
        square28 = window_mean(values * values, held, near, 28)
        out[j] = np.sqrt(np.clip(square28 - mean28 * mean28, 0.0, None))
        out[j + 1] = _nanmean_stack([self._lag(local, k) for k in c.seasonal_lags or c.lags[:1]])
        zeros = (values == 0).astype(np.float64)
        out[j + 2] = window_mean(zeros, self.observed[:, lo:hi], near, 28)
        j += 3
        if c.yearly_lag:
            out[j] = self._lag(local, c.yearly_lag)
            j += 1
        calendar = self.calendar.values[local + self.origin]
        out[j : j + calendar.shape[1]] = calendar.T[:, None, :]
        j += calendar.shape[1]
        if c.tier is FeatureTier.PRODUCTION:
            for name in sorted(self.covariates):
                out[j] = self.covariates[name][:, local + self.origin]
                j += 1
            if "price" in self.covariates:
                out[j] = self._price_ratio(near, lo)
                j += 1
            censored = self.censored[:, lo:hi].astype(np.float64)
            out[j] = window_mean(censored, np.ones_like(held), near, 28)
            j += 1
            for name in self.statics:
                out[j] = self.statics[name][:, None]
                j += 1

    def _lag(self, local: IntArray, k: int) -> FloatMatrix:
        source = local - k
        valid = source >= 0
        out = np.full((self.demand.shape[0], local.size), np.nan)
        out[:, valid] = self.demand[:, source[valid]]
        return out

    def _price_ratio(self, near: IntArray, lo: int) -> FloatMatrix:
        """Price at ``t`` relative to the mean price of the 28 columns before it
        (``near``: the columns counted from local column ``lo``)."""
        start = self.origin + lo
        price = self.covariates["price"][:, start : start + int(near.max(initial=0)) + 1]
        known = ~np.isnan(price)
        recent = window_mean(np.where(known, price, 0.0), known, near, 28)
        now = price[:, near]
        with np.errstate(divide="ignore", invalid="ignore"):
            return np.where(recent > 0, now / recent, np.nan)

    # -- recursion --------------------------------------------------------------------
    def tail(self, periods: int) -> FeatureBuilder:
        """A builder over only the last ``periods`` columns (what a recursion reads)."""
        keep = min(periods, self.demand.shape[1])
        cut = self.demand.shape[1] - keep
        out = FeatureBuilder(
            config=self.config,
            freq=self.freq,
            demand=self.demand[:, cut:].copy(),
            observed=self.observed[:, cut:].copy(),
            censored=self.censored[:, cut:].copy(),
            first=self.first,
            covariates=self.covariates,
            statics=self.statics,
            calendar=self.calendar,
            origin=self.origin + cut,
            names=self.names,
        )
        return out

    def extend(self, prediction: npt.NDArray[np.float64]) -> None:
        """Append one predicted column: later steps read it as their lag 1."""
        column = prediction.reshape(-1, 1)
        self.demand = np.concatenate([self.demand, column], axis=1)
        self.observed = np.concatenate([self.observed, np.zeros_like(column, dtype=bool)], axis=1)
        self.censored = np.concatenate([self.censored, np.zeros_like(column, dtype=bool)], axis=1)


def _nanmean_stack(arrays: list[FloatMatrix]) -> FloatMatrix:
    """Element-wise mean of the non-NaN values of several arrays (NaN where none)."""
    stacked = np.stack(arrays)
    count = (~np.isnan(stacked)).sum(axis=0)
    total = np.nansum(stacked, axis=0)
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(count > 0, total / np.maximum(count, 1), np.nan)


class RollingMeans:
    """Means of ``values`` over trailing windows ``[t − w, t)`` where ``counted``, for each
    ``t`` of ``local``; NaN where no cell counts.

    Many columns at once (training) go through prefix sums, computed once for every
    window asked; a few columns (one recursive step) are summed directly, which reads only
    the window instead of the whole matrix.
    """

    def __init__(
        self, values: FloatMatrix, counted: npt.NDArray[np.bool_], local: IntArray
    ) -> None:
        self.values = values
        self.counted = counted
        self.local = local
        self.direct = local.size <= 4
        self._means: dict[int, FloatMatrix] = {}
        if not self.direct:
            self.sums = _prefix(np.where(counted, values, 0.0))
            self.counts = _prefix(counted.astype(np.float64))

    def mean(self, w: int) -> FloatMatrix:
        """The window-``w`` mean at each column of ``local`` (computed once per ``w``)."""
        if w not in self._means:
            self._means[w] = self._mean(w)
        return self._means[w]

    def _mean(self, w: int) -> FloatMatrix:
        values, counted, local = self.values, self.counted, self.local
        if self.direct:
            total = np.empty((values.shape[0], local.size))
            count = np.empty((values.shape[0], local.size))
            for j, t in enumerate(local):
                start, stop = max(0, int(t) - w), max(0, min(int(t), values.shape[1]))
                mask = counted[:, start:stop]
                total[:, j] = np.where(mask, values[:, start:stop], 0.0).sum(axis=1)
                count[:, j] = mask.sum(axis=1)
        else:
            upper = np.clip(local, 0, self.sums.shape[1] - 1)
            lower = np.clip(local - w, 0, self.sums.shape[1] - 1)
            total = self.sums[:, _as_slice(upper)] - self.sums[:, _as_slice(lower)]
            count = self.counts[:, _as_slice(upper)] - self.counts[:, _as_slice(lower)]
        with np.errstate(divide="ignore", invalid="ignore"):
            return np.where(count > 0, total / np.maximum(count, 1e-12), np.nan)


def _as_slice(index: IntArray) -> IntArray | slice:
    """``index`` as a slice when it is a run of consecutive columns (training reads whole
    ranges): a view instead of a gathered copy."""
    if index.size > 1 and index[-1] - index[0] == index.size - 1 and (np.diff(index) == 1).all():
        return slice(int(index[0]), int(index[-1]) + 1)
    return index


def window_mean(
    values: FloatMatrix, counted: npt.NDArray[np.bool_], local: IntArray, w: int
) -> FloatMatrix:
    """Mean of ``values`` over columns ``[t − w, t)`` where ``counted``, for each ``t``
    (one window; see :class:`RollingMeans` for several over the same matrix)."""
    return RollingMeans(values, counted, local).mean(w)


def _prefix(values: FloatMatrix) -> FloatMatrix:
    """Prefix sums with a leading zero column: ``out[:, j]`` = sum of columns ``< j``."""
    out = np.zeros((values.shape[0], values.shape[1] + 1))
    np.cumsum(values, axis=1, out=out[:, 1:])
    return out
