"""Frequency inference, parsing and the calendar grid, on hand-written date lists."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pytest

from shelfops.forecasting.errors import ForecastInputError
from shelfops.forecasting.frequency import Freq, grid_for, infer_freq, parse_freq


def days(*dates: str) -> np.ndarray:
    """ISO date strings as the ``datetime64[D]`` array the library works on."""
    return np.array(dates, dtype="datetime64[D]")


def iso(array: np.ndarray) -> list[str]:
    return [str(d) for d in array.astype("datetime64[D]")]


# -- infer_freq ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("dates", "expected"),
    [
        (days("2024-01-01", "2024-01-02", "2024-01-03"), Freq.DAY),
        (days("2024-01-03", "2024-01-10", "2024-01-17", "2024-01-24"), Freq.WEEK),
        (days("2024-01-01", "2024-02-01", "2024-03-01", "2024-04-01"), Freq.MONTH),
        (days("2024-01-31", "2024-02-29", "2024-03-31", "2024-04-30"), Freq.MONTH),
        (days("2023-01-01", "2023-04-01", "2023-07-01", "2023-10-01"), Freq.QUARTER),
        (days("2023-03-31", "2023-06-30", "2023-09-30", "2023-12-31"), Freq.QUARTER),
        (days("2020-01-01", "2021-01-01", "2022-01-01"), Freq.YEAR),
    ],
    ids=["day", "week", "month-start", "month-end", "quarter-start", "quarter-end", "year"],
)
def test_infer_freq_recognises_each_frequency(dates: np.ndarray, expected: Freq) -> None:
    assert infer_freq(dates) is expected


def test_a_series_with_missing_days_does_not_turn_a_daily_frame_into_another_frequency() -> None:
    # Series A sells every day; series B only every third day. Together: still daily.
    full = [dt.date(2024, 1, 1) + dt.timedelta(days=d) for d in range(10)]
    sparse = full[::3]
    dates = np.array(full + sparse, dtype="datetime64[D]")
    assert infer_freq(dates) is Freq.DAY
    # Alone, the sparse series is not any supported frequency, which is an error, not D.
    with pytest.raises(ForecastInputError, match="3 days"):
        infer_freq(np.array(sparse, dtype="datetime64[D]"))


def test_a_single_distinct_date_asks_for_freq() -> None:
    with pytest.raises(ForecastInputError, match="--freq"):
        infer_freq(days("2024-05-01", "2024-05-01", "2024-05-01"))


def test_an_irregular_gap_asks_for_freq() -> None:
    with pytest.raises(ForecastInputError, match=r"10 days.*--freq"):
        infer_freq(days("2024-01-01", "2024-01-11", "2024-01-21"))


# -- parse_freq ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [("D", Freq.DAY), ("w", Freq.WEEK), ("m", Freq.MONTH), (" q ", Freq.QUARTER), ("y", Freq.YEAR)],
)
def test_parse_freq_accepts_any_case(text: str, expected: Freq) -> None:
    assert parse_freq(text) is expected


def test_parse_freq_rejects_an_unknown_letter_listing_the_choices() -> None:
    with pytest.raises(ForecastInputError) as raised:
        parse_freq("X")
    message = str(raised.value)
    assert "'X'" in message
    assert "D, W, M, Q, Y" in message


def test_season_lengths_are_the_calendar_cycles() -> None:
    # The seasonal-naive lag and the MASE scale: a week of days, a year of weeks/months/…
    assert [f.season_length for f in Freq] == [7, 52, 12, 4, 1]


# -- the grid --------------------------------------------------------------------------------


def test_month_start_dates_round_trip_through_the_grid() -> None:
    dates = days("2023-11-01", "2023-12-01", "2024-01-01", "2024-02-01")
    grid = grid_for(dates, Freq.MONTH)
    index, on_grid = grid.index_of(dates)
    assert index.tolist() == [0, 1, 2, 3]
    assert on_grid.all()
    assert iso(grid.dates(0, 6)) == [
        "2023-11-01",
        "2023-12-01",
        "2024-01-01",
        "2024-02-01",
        "2024-03-01",
        "2024-04-01",
    ]


def test_month_end_dates_round_trip_through_the_grid_across_a_leap_february() -> None:
    dates = days("2024-01-31", "2024-02-29", "2024-03-31", "2024-04-30")
    grid = grid_for(dates, Freq.MONTH)
    index, on_grid = grid.index_of(dates)
    assert index.tolist() == [0, 1, 2, 3]
    assert on_grid.all()
    # The future stays on month ends (not day 31, which June does not have).
    assert iso(grid.dates(4, 3)) == ["2024-05-31", "2024-06-30", "2024-07-31"]
    # The 28th of a leap February is not a month end, so it is off this grid.
    _, on = grid.index_of(days("2024-02-28"))
    assert not on[0]


def test_month_end_series_that_starts_on_february_28th_is_still_month_end() -> None:
    # 2023-02-28 is both "day 28" and "month end"; the later dates (31st, 30th) decide.
    dates = days("2023-02-28", "2023-03-31", "2023-04-30")
    grid = grid_for(dates, Freq.MONTH)
    index, on_grid = grid.index_of(dates)
    assert index.tolist() == [0, 1, 2]
    assert on_grid.all()
    assert iso(grid.dates(3, 2)) == ["2023-05-31", "2023-06-30"]


def test_dates_all_on_february_28th_stay_on_day_28() -> None:
    # Documented: with no later-than-28th date to say "month end", day 28 is kept.
    dates = days("2021-02-28", "2022-02-28", "2023-02-28")
    grid = grid_for(dates, Freq.YEAR)
    assert grid.index_of(dates)[1].all()
    assert iso(grid.dates(3, 1)) == ["2024-02-28"]


def test_quarter_end_grid_steps_three_months() -> None:
    dates = days("2023-03-31", "2023-06-30", "2023-09-30", "2023-12-31")
    grid = grid_for(dates, Freq.QUARTER)
    index, on_grid = grid.index_of(dates)
    assert index.tolist() == [0, 1, 2, 3]
    assert on_grid.all()
    assert iso(grid.dates(4, 2)) == ["2024-03-31", "2024-06-30"]
    # A month end that is not a quarter step is off the grid.
    assert not grid.index_of(days("2024-01-31"))[1][0]


def test_weekly_grid_is_anchored_on_the_first_dates_weekday() -> None:
    # 2024-01-03 is a Wednesday, and the earliest date even when listed last.
    dates = days("2024-01-17", "2024-01-10", "2024-01-03")
    grid = grid_for(dates, Freq.WEEK)
    index, on_grid = grid.index_of(dates)
    assert index.tolist() == [2, 1, 0]
    assert on_grid.all()
    future = grid.dates(3, 2)
    assert iso(future) == ["2024-01-24", "2024-01-31"]
    assert all(dt.date.fromisoformat(d).weekday() == 2 for d in iso(future))


def test_a_date_off_the_grid_is_reported() -> None:
    weekly = grid_for(days("2024-01-03"), Freq.WEEK)
    _, on_grid = weekly.index_of(days("2024-01-10", "2024-01-11", "2024-01-17"))
    assert on_grid.tolist() == [True, False, True]

    monthly = grid_for(days("2024-01-01"), Freq.MONTH)
    _, on_grid = monthly.index_of(days("2024-02-01", "2024-03-15", "2024-04-01"))
    assert on_grid.tolist() == [True, False, True]

    quarterly = grid_for(days("2024-01-01"), Freq.QUARTER)
    _, on_grid = quarterly.index_of(days("2024-04-01", "2024-05-01"))
    assert on_grid.tolist() == [True, False]


def test_daily_grid_counts_days_across_a_year_boundary() -> None:
    grid = grid_for(days("2023-12-30"), Freq.DAY)
    index, on_grid = grid.index_of(days("2023-12-30", "2024-01-01", "2024-03-01"))
    # 2024 is a leap year: Jan (31) + Feb (29) days after 2024-01-01 → day 2 + 60.
    assert index.tolist() == [0, 2, 62]
    assert on_grid.all()
