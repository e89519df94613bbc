"""The panel: a long ``unique_id, ds, y`` frame as dense series × period matrices.

Every model and feature works on these matrices. Dense storage makes "a missing day of
a selling series is zero sales" explicit (the gap is filled with 0 between a series'
first observation and the end of the history), makes features simple shifted-array
operations whose leakage is easy to reason about (column ``t`` may only read columns
``< t``), and keeps memory predictable: 30,490 series × 1,941 days of float64 is 473 MB.

Conventions:

* ``y[i, t]`` is NaN before series ``i``'s first observation, a number after it.
* ``censored[i, t]`` is True when the observed ``y`` understates demand (the item was
  out of stock); models must not learn "demand was zero" from such a cell.
* ``covariates[name]`` has ``n_periods + n_future`` columns: known-in-advance values for
  the history and for ``n_future`` periods after it.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace

import numpy as np
import numpy.typing as npt
import polars as pl

from shelfops.forecasting.errors import ForecastInputError
from shelfops.forecasting.frequency import DateArray, Freq, Grid, grid_for, infer_freq

FloatMatrix = npt.NDArray[np.float64]
BoolMatrix = npt.NDArray[np.bool_]

#: Known-in-advance numeric covariates the library understands, in feature order.
COVARIATES: tuple[str, ...] = ("price", "promo_flag", "discount_pct", "is_holiday")
#: Static (per-series) attributes, used as categorical features by the global models.
STATICS: tuple[str, ...] = ("store_id", "product_id", "category")


@dataclass(frozen=True)
class Panel:
    """Dense history (and known future covariates) of many series on one calendar."""

    ids: npt.NDArray[np.str_]
    """Series ids, sorted; row ``i`` of every matrix is series ``ids[i]``."""
    grid: Grid
    """The calendar: column ``t`` is ``grid.dates(t, 1)``."""
    y: FloatMatrix
    """Observed target, shape (series, periods); NaN before a series' first observation."""
    censored: BoolMatrix
    """True where the observation understates demand (stock-out)."""
    covariates: Mapping[str, FloatMatrix] = field(default_factory=dict)
    """Known-in-advance covariates, shape (series, periods + n_future)."""
    statics: Mapping[str, npt.NDArray[np.str_]] = field(default_factory=dict)
    """Per-series attributes (store, product, category)."""

    @property
    def freq(self) -> Freq:
        """The panel's frequency."""
        return self.grid.freq

    @property
    def n_series(self) -> int:
        """Number of series."""
        return int(self.y.shape[0])

    @property
    def n_periods(self) -> int:
        """Number of history periods."""
        return int(self.y.shape[1])

    @property
    def n_future(self) -> int:
        """Periods after the history for which every covariate is known."""
        if not self.covariates:
            return 1 << 30  # no covariates: any horizon is covered
        return int(min(m.shape[1] for m in self.covariates.values())) - self.n_periods

    @property
    def dates(self) -> DateArray:
        """Dates of the history columns."""
        return self.grid.dates(0, self.n_periods)

    def future_dates(self, horizon: int) -> DateArray:
        """Dates of the ``horizon`` periods after the history."""
        return self.grid.dates(self.n_periods, horizon)

    @property
    def first(self) -> npt.NDArray[np.int64]:
        """Column of each series' first observation."""
        observed = ~np.isnan(self.y)
        first = np.asarray(np.argmax(observed, axis=1), dtype=np.int64)
        first[~observed.any(axis=1)] = self.n_periods
        return first

    @property
    def history_length(self) -> npt.NDArray[np.int64]:
        """Observed periods per series (from first observation to the end)."""
        return np.asarray(self.n_periods - self.first, dtype=np.int64)

    def demand(self) -> FloatMatrix:
        """``y`` with censored cells set to NaN: what models may learn demand from."""
        out = self.y.copy()
        out[self.censored] = np.nan
        return out

    def truncate(self, periods: int) -> Panel:
        """The first ``periods`` columns as history; later covariates become the future.

        Used by backtests: a model fitted on ``truncate(c)`` sees nothing of ``y`` at or
        after column ``c``, while known-in-advance covariates stay available.
        """
        if not 0 < periods <= self.n_periods:
            raise ValueError(f"cannot truncate {self.n_periods} periods to {periods}")
        return replace(self, y=self.y[:, :periods], censored=self.censored[:, :periods])

    def select(self, rows: npt.NDArray[np.int64] | npt.NDArray[np.bool_]) -> Panel:
        """A panel of a subset of the series (same calendar)."""
        return replace(
            self,
            ids=self.ids[rows],
            y=self.y[rows],
            censored=self.censored[rows],
            covariates={k: v[rows] for k, v in self.covariates.items()},
            statics={k: v[rows] for k, v in self.statics.items()},
        )

    def future_covariate(self, name: str, horizon: int) -> FloatMatrix:
        """Covariate ``name`` for the ``horizon`` periods after the history."""
        matrix = self.covariates[name]
        if matrix.shape[1] < self.n_periods + horizon:
            raise ForecastInputError(
                f"covariate {name!r} is known for {matrix.shape[1] - self.n_periods} future "
                f"periods, but the horizon is {horizon}; supply a future frame"
            )
        return matrix[:, self.n_periods : self.n_periods + horizon]

    def with_future(self, future: pl.DataFrame | None, horizon: int) -> Panel:
        """Extend every covariate ``horizon`` periods past the history.

        Values come from ``future`` (a long frame ``unique_id, ds, <covariates>`` for the
        forecast periods) when given; every covariate present in the history must then be
        given for every series and period, and a NaN is an error naming the row. Without
        a future frame the periods already known (the tail a :meth:`truncate` keeps) stay
        as they are and the documented assumption fills the rest: no promotion
        (``promo_flag`` and ``discount_pct`` 0), the last regular (undiscounted) price,
        ``price / (1 - discount_pct)`` of the last known period, and holidays carried
        from the same calendar date (month and day) of the latest known year, else 0.
        """
        if not self.covariates:
            return self
        have = min(m.shape[1] for m in self.covariates.values()) - self.n_periods
        if have >= horizon:
            return self
        if future is not None:
            extra = _future_from_frame(self, future, horizon)
            keep = self.n_periods
        else:
            # Known-in-advance values are facts; only the periods nobody knows are assumed.
            extra = _assumed_future(self, have, horizon)
            keep = self.n_periods + have
        covariates = {
            name: np.concatenate([m[:, :keep], extra[name]], axis=1)
            for name, m in self.covariates.items()
        }
        return replace(self, covariates=covariates)


def _assumed_future(panel: Panel, known: int, horizon: int) -> dict[str, FloatMatrix]:
    """The documented future after the ``known`` periods (see ``with_future``)."""
    n, end = panel.n_series, panel.n_periods + known
    width = horizon - known
    out: dict[str, FloatMatrix] = {}
    for name, matrix in panel.covariates.items():
        past = matrix[:, :end]
        if name == "price":
            discount = panel.covariates.get("discount_pct")
            regular = past.copy()
            if discount is not None:
                regular = past / np.clip(1.0 - discount[:, :end], 1e-6, None)
            out[name] = np.repeat(_last_valid(regular)[:, None], width, axis=1)
        elif name == "is_holiday":
            out[name] = _holidays_by_calendar(panel, past, width)
        else:
            # promo_flag and discount_pct: no promotion is planned unless a frame says so.
            out[name] = np.zeros((n, width))
    return out


def _holidays_by_calendar(panel: Panel, past: FloatMatrix, width: int) -> FloatMatrix:
    """Holiday flags for ``width`` periods after ``past``, from the same month and day.

    Fixed-date holidays (Christmas, New Year) recur on the same calendar date, so the
    latest known period with the future period's month and day gives its flag; a date
    never seen before (a first December, a leap day) is taken as no holiday.
    """
    known = past.shape[1]
    latest = {key: t for t, key in enumerate(_month_day(panel.grid.dates(0, known)))}
    out = np.zeros((past.shape[0], width))
    for k, key in enumerate(_month_day(panel.grid.dates(known, width))):
        column = latest.get(key)
        if column is not None:
            out[:, k] = np.nan_to_num(past[:, column])
    return out


def _month_day(dates: DateArray) -> list[int]:
    """``month * 100 + day`` of each date (``1225`` for 25 December)."""
    days = dates.astype("datetime64[D]")
    months = days.astype("datetime64[M]")
    month = months.astype(np.int64) % 12 + 1
    day = (days - months.astype("datetime64[D]")).astype(np.int64) + 1
    return [int(v) for v in month * 100 + day]


def _last_valid(matrix: FloatMatrix) -> npt.NDArray[np.float64]:
    """Last non-NaN value of each row (NaN when the row has none)."""
    valid = ~np.isnan(matrix)
    last = matrix.shape[1] - 1 - np.argmax(valid[:, ::-1], axis=1)
    values = matrix[np.arange(matrix.shape[0]), last]
    values[~valid.any(axis=1)] = np.nan
    return np.asarray(values, dtype=np.float64)


def _future_from_frame(panel: Panel, future: pl.DataFrame, horizon: int) -> dict[str, FloatMatrix]:
    missing = [c for c in ("unique_id", "ds", *panel.covariates) if c not in future.columns]
    if missing:
        raise ForecastInputError(f"the future frame lacks column(s) {', '.join(missing)}")
    frame = future.with_row_index("_row")
    series = _series_index(panel.ids, frame["unique_id"].cast(pl.String))
    dates = _dates(frame["ds"], lambda row: f"future frame row {row + 1}")
    period, on_grid = panel.grid.index_of(dates)
    step = period - panel.n_periods
    inside = on_grid & (step >= 0) & (step < horizon) & (series >= 0)
    out: dict[str, FloatMatrix] = {}
    for name in panel.covariates:
        values = frame[name].cast(pl.Float64, strict=False).to_numpy()
        bad = np.flatnonzero(inside & np.isnan(values))
        if bad.size:
            row = int(frame["_row"][int(bad[0])]) + 1
            raise ForecastInputError(
                f"future frame row {row}: column {name!r} is empty or not a number "
                f"({bad.size} such rows); future covariates must be known"
            )
        matrix = np.full((panel.n_series, horizon), np.nan)
        matrix[series[inside], step[inside]] = values[inside]
        holes = np.argwhere(np.isnan(matrix))
        if holes.size:
            i, k = holes[0]
            date = panel.future_dates(horizon)[k]
            raise ForecastInputError(
                f"the future frame has no {name!r} for series {str(panel.ids[i])!r} on {date} "
                f"({len(holes)} missing values); give every series every forecast period"
            )
        out[name] = matrix
    return out


def _series_index(ids: npt.NDArray[np.str_], values: pl.Series) -> npt.NDArray[np.int64]:
    """Row of each value in the sorted ``ids`` array, -1 when absent."""
    # Not ``astype(ids.dtype)``: a fixed-width cast would cut "s10x" to a known "s10".
    wanted = np.asarray(values.fill_null("").to_numpy(), dtype=str)
    position = np.searchsorted(ids, wanted)
    position = np.clip(position, 0, len(ids) - 1)
    found = ids[position] == wanted
    return np.where(found, position, -1).astype(np.int64)


def _dates(column: pl.Series, where: Callable[[int], str]) -> DateArray:
    """A date, datetime or ``YYYY-MM-DD`` text column as ``datetime64[D]``.

    A missing or unparseable date is an error naming its row (``where(row)``), not a NaT
    that would scatter to a nonsense period.
    """
    if column.dtype == pl.String:
        parsed = column.str.strip_chars().str.to_date("%Y-%m-%d", strict=False)
    elif column.dtype == pl.Date or isinstance(column.dtype, pl.Datetime):
        parsed = column.cast(pl.Date)
    else:
        raise ForecastInputError(f"column 'ds' has type {column.dtype}; expected dates")
    if parsed.null_count():
        row = int(parsed.is_null().arg_true()[0])
        raise ForecastInputError(
            f"{where(row)}: ds {column[row]!r} is missing or not a date (YYYY-MM-DD)"
        )
    return parsed.to_numpy().astype("datetime64[D]")


def _where(frame: pl.DataFrame) -> Callable[[int], str]:
    """How to name row ``i`` of ``frame``: its source line when known, else its position."""
    if "_line" in frame.columns:
        lines = frame["_line"]
        return lambda row: f"line {lines[row]}"
    return lambda row: f"row {row + 1}"


def build_panel(frame: pl.DataFrame, freq: Freq | None = None) -> Panel:
    """Scatter a validated long frame into a :class:`Panel`.

    ``frame`` has ``unique_id`` (string), ``ds`` (date), ``y`` (float, ≥ 0, not null),
    optional covariates (:data:`COVARIATES`), optional ``in_stock`` (bool; False marks a
    censored observation) and optional statics (:data:`STATICS`). Rows may come in any
    order. Duplicate ``(unique_id, ds)`` pairs, dates off the frequency's grid and
    statics that change within a series are errors naming the first offending row.
    """
    if frame.height == 0:
        raise ForecastInputError("the input has no rows")
    where = _where(frame)
    dates = _dates(frame["ds"], where)
    freq = freq or infer_freq(dates)
    grid = grid_for(dates, freq)
    period, on_grid = grid.index_of(dates)
    if not on_grid.all():
        row = int(np.flatnonzero(~on_grid)[0])
        raise ForecastInputError(
            f"{where(row)}: ds {dates[row]} does not fall on the {freq.value} calendar "
            f"that starts {grid.dates(0, 1)[0]}; every date must be one period apart"
        )
    codes = frame["unique_id"].cast(pl.String).rank("dense").to_numpy().astype(np.int64) - 1
    ids = np.asarray(frame["unique_id"].cast(pl.String).unique().sort().to_numpy(), dtype=str)
    n, periods = len(ids), int(period.max()) + 1
    flat = codes * periods + period
    counts = np.bincount(flat, minlength=n * periods)
    if counts.max() > 1:
        dup, original = _first_repeat(flat)
        raise ForecastInputError(
            f"{where(dup)}: duplicate (unique_id, ds) = ({ids[codes[dup]]}, {dates[dup]}), "
            f"already given on {where(original)}; each series may have one value per period"
        )
    values = np.full(n * periods, np.nan)
    values[flat] = frame["y"].cast(pl.Float64).to_numpy()
    y = values.reshape(n, periods)
    first = np.full(n, periods, dtype=np.int64)
    np.minimum.at(first, codes, period)
    # Missing periods of a selling series are zero sales, from its first row to the end.
    alive = np.arange(periods)[None, :] >= first[:, None]
    y[alive & np.isnan(y)] = 0.0
    censored = np.zeros(n * periods, dtype=bool)
    if "in_stock" in frame.columns:
        censored[flat] = ~frame["in_stock"].cast(pl.Boolean).fill_null(True).to_numpy()
    covariates: dict[str, FloatMatrix] = {}
    for name in COVARIATES:
        if name in frame.columns:
            covariates[name] = _covariate_matrix(frame[name], flat, n, periods, alive, name)
    statics = {
        name: _static_values(frame, name, codes, n, ids, where)
        for name in STATICS
        if name in frame.columns
    }
    return Panel(
        ids=ids,
        grid=grid,
        y=y,
        censored=censored.reshape(n, periods),
        covariates=covariates,
        statics=statics,
    )


def _first_repeat(flat: npt.NDArray[np.int64]) -> tuple[int, int]:
    """The first row whose cell an earlier row already filled, and that earlier row."""
    order = np.argsort(flat, kind="stable")
    ordered = flat[order]
    repeats = order[1:][ordered[1:] == ordered[:-1]]
    row = int(repeats.min())
    return row, int(np.flatnonzero(flat == flat[row])[0])


def _covariate_matrix(
    column: pl.Series,
    flat: npt.NDArray[np.int64],
    n: int,
    periods: int,
    alive: BoolMatrix,
    name: str,
) -> FloatMatrix:
    """Scatter one covariate; gap days take the series' last known value (documented)."""
    values = np.full(n * periods, np.nan)
    values[flat] = column.cast(pl.Float64).to_numpy()
    matrix = values.reshape(n, periods)
    if name in ("promo_flag", "discount_pct", "is_holiday"):
        # A day with no sales row had no recorded promotion.
        matrix[np.isnan(matrix)] = 0.0
        return matrix
    return _forward_fill(matrix, alive)


def _forward_fill(matrix: FloatMatrix, alive: BoolMatrix) -> FloatMatrix:
    """Carry each row's last value forward over NaN gaps (and back over a leading gap)."""
    valid = ~np.isnan(matrix)
    index = np.where(valid, np.arange(matrix.shape[1])[None, :], 0)
    np.maximum.accumulate(index, axis=1, out=index)
    filled = matrix[np.arange(matrix.shape[0])[:, None], index]
    first_valid = np.argmax(valid, axis=1)
    lead = np.arange(matrix.shape[1])[None, :] < first_valid[:, None]
    filled[lead] = matrix[np.arange(matrix.shape[0]), first_valid][:, None].repeat(
        matrix.shape[1], axis=1
    )[lead]
    return np.asarray(filled)


def _static_values(
    frame: pl.DataFrame,
    name: str,
    codes: npt.NDArray[np.int64],
    n: int,
    ids: npt.NDArray[np.str_],
    where: Callable[[int], str],
) -> npt.NDArray[np.str_]:
    # Work in polars, per series: turning a 59-million-row text column into numpy strings
    # would cost gigabytes for a handful of distinct values.
    values = frame[name].cast(pl.String).fill_null("")
    per_series = (
        pl.DataFrame({"code": codes, "value": values})
        .with_row_index("row")
        .group_by("code")
        .agg(
            pl.col("value").first(),
            pl.col("value").n_unique().alias("distinct"),
            pl.col("row").first(),
        )
    )
    changed = per_series.filter(pl.col("distinct") > 1)
    if changed.height:
        # Failure path only: name the first row that differs from its series' first row.
        first_row = dict(
            zip(per_series["code"].to_list(), per_series["row"].to_list(), strict=True)
        )
        first_value = dict(
            zip(per_series["code"].to_list(), per_series["value"].to_list(), strict=True)
        )
        reference = pl.Series(codes).replace_strict(first_value, return_dtype=pl.String)
        row = int((reference != values).arg_true()[0])
        code = int(codes[row])
        raise ForecastInputError(
            f"{where(row)}: {name} {values[row]!r} differs from {first_value[code]!r} "
            f"on {where(int(first_row[code]))} for series {str(ids[code])!r}; static "
            "attributes must be constant within a series"
        )
    out = np.empty(n, dtype=object)
    out[per_series["code"].to_numpy()] = per_series["value"].to_numpy()
    return out.astype(str)
