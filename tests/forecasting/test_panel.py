"""``build_panel`` and the Panel's methods, on small hand-made long frames."""

from __future__ import annotations

import datetime as dt
from typing import Any

import numpy as np
import polars as pl
import pytest

from shelfops.forecasting.errors import ForecastInputError
from shelfops.forecasting.frequency import Freq
from shelfops.forecasting.panel import Panel, build_panel

NAN = np.nan


def day(n: int) -> dt.date:
    """Day ``n`` of the test calendar (day 0 = Monday 2024-01-01)."""
    return dt.date(2024, 1, 1) + dt.timedelta(days=n)


def long_frame(rows: list[dict[str, Any]]) -> pl.DataFrame:
    """A long frame from dict rows, with float covariates even when written as ints."""
    frame = pl.DataFrame(rows, infer_schema_length=None)
    floats = [c for c in ("y", "price", "promo_flag", "discount_pct", "is_holiday") if c in frame]
    return frame.with_columns(pl.col(floats).cast(pl.Float64))


# Two series over days 0..5. "a" is discontinued after day 3 and misses day 2; "b" starts
# on day 2 and misses days 3 and 4. Rows are deliberately not sorted.
ROWS: list[dict[str, Any]] = [
    {"unique_id": "b", "ds": day(2), "y": 1, "price": 2.0, "promo_flag": 1, "discount_pct": 0.1},
    {"unique_id": "a", "ds": day(0), "y": 5, "price": 4.0, "promo_flag": 0, "discount_pct": 0.0},
    {"unique_id": "a", "ds": day(1), "y": 4, "price": None, "promo_flag": 1, "discount_pct": 0.25},
    {"unique_id": "b", "ds": day(5), "y": 7, "price": 3.0, "promo_flag": 0, "discount_pct": 0.0},
    {"unique_id": "a", "ds": day(3), "y": 2, "price": 5.0, "promo_flag": 0, "discount_pct": 0.0},
]


@pytest.fixture
def panel() -> Panel:
    return build_panel(long_frame(ROWS))


# -- the y matrix --------------------------------------------------------------------------


def test_missing_days_are_zero_sales_from_the_first_row_to_the_end_of_the_panel(
    panel: Panel,
) -> None:
    assert panel.ids.tolist() == ["a", "b"]
    assert panel.freq is Freq.DAY
    assert [str(d) for d in panel.dates] == [str(day(d)) for d in range(6)]
    expected = np.array(
        [
            [5.0, 4.0, 0.0, 2.0, 0.0, 0.0],  # gap on day 2; no rows after day 3 → zeros
            [NAN, NAN, 1.0, 0.0, 0.0, 7.0],  # not yet selling before day 2 → NaN
        ]
    )
    np.testing.assert_array_equal(panel.y, expected)


def test_first_and_history_length(panel: Panel) -> None:
    assert panel.first.tolist() == [0, 2]
    assert panel.history_length.tolist() == [6, 4]
    assert (panel.n_series, panel.n_periods) == (2, 6)


def test_row_order_does_not_change_the_panel() -> None:
    ordered = sorted(ROWS, key=lambda r: (r["unique_id"], r["ds"]))
    shuffled = build_panel(long_frame(ROWS))
    sorted_ = build_panel(long_frame(ordered))
    reversed_ = build_panel(long_frame(ordered[::-1]))
    for other in (sorted_, reversed_):
        assert other.ids.tolist() == shuffled.ids.tolist()
        assert other.grid == shuffled.grid
        np.testing.assert_array_equal(other.y, shuffled.y)
        np.testing.assert_array_equal(other.censored, shuffled.censored)
        assert other.covariates.keys() == shuffled.covariates.keys()
        for name, matrix in shuffled.covariates.items():
            np.testing.assert_array_equal(other.covariates[name], matrix)


def test_a_series_of_length_one_and_an_all_zero_series_build() -> None:
    rows = [{"unique_id": "zero", "ds": day(d), "y": 0} for d in range(4)]
    rows.append({"unique_id": "new", "ds": day(3), "y": 6})
    panel = build_panel(long_frame(rows))
    np.testing.assert_array_equal(panel.y, [[NAN, NAN, NAN, 6.0], [0.0, 0.0, 0.0, 0.0]])
    assert panel.history_length.tolist() == [1, 4]


def test_a_panel_of_one_row_builds_when_the_frequency_is_given() -> None:
    frame = long_frame([{"unique_id": "only", "ds": day(0), "y": 3}])
    with pytest.raises(ForecastInputError, match="--freq"):
        build_panel(frame)
    panel = build_panel(frame, Freq.DAY)
    np.testing.assert_array_equal(panel.y, [[3.0]])
    assert str(panel.future_dates(2)[1]) == str(day(2))


def test_datetime_ds_builds_the_same_panel_as_dates() -> None:
    frame = long_frame(ROWS)
    as_datetime = frame.with_columns(pl.col("ds").cast(pl.Datetime))
    np.testing.assert_array_equal(build_panel(as_datetime).y, build_panel(frame).y)


def test_text_dates_build_and_an_unparseable_one_names_its_row() -> None:
    frame = pl.DataFrame(
        {"unique_id": ["a", "a"], "ds": ["2024-01-01", "2024-01-02"], "y": [1.0, 2.0]}
    )
    assert [str(d) for d in build_panel(frame).dates] == ["2024-01-01", "2024-01-02"]
    bad = frame.with_columns(pl.Series("ds", ["2024-01-01", "01/02/2024"]))
    with pytest.raises(ForecastInputError, match=r"^row 2: ds '01/02/2024' .*not a date"):
        build_panel(bad)


def test_a_month_end_panel_keeps_month_ends_in_its_future() -> None:
    ends = [dt.date(2024, 1, 31), dt.date(2024, 2, 29), dt.date(2024, 3, 31)]
    panel = build_panel(long_frame([{"unique_id": "m", "ds": d, "y": 1} for d in ends]))
    assert panel.freq is Freq.MONTH
    assert [str(d) for d in panel.future_dates(2)] == ["2024-04-30", "2024-05-31"]


# -- bad input -----------------------------------------------------------------------------


def test_a_duplicate_series_and_date_names_the_repeating_row() -> None:
    rows = [
        {"unique_id": "a", "ds": day(0), "y": 1},
        {"unique_id": "b", "ds": day(0), "y": 1},
        {"unique_id": "a", "ds": day(1), "y": 1},
        {"unique_id": "b", "ds": day(0), "y": 9},  # repeats row 2
    ]
    with pytest.raises(ForecastInputError) as raised:
        build_panel(long_frame(rows))
    message = str(raised.value)
    assert message.startswith("row 4: duplicate (unique_id, ds) = (b, 2024-01-01)")
    assert "row 2" in message


def test_errors_name_source_lines_when_the_frame_carries_them() -> None:
    rows = [{"unique_id": "a", "ds": day(d), "y": 1, "_line": d + 2} for d in range(3)]
    rows.append({"unique_id": "a", "ds": day(1), "y": 1, "_line": 5})
    with pytest.raises(ForecastInputError, match=r"^line 5: duplicate .* already given on line 3"):
        build_panel(long_frame(rows))


def test_a_date_off_the_weekly_calendar_names_its_row() -> None:
    rows = [
        {"unique_id": "a", "ds": dt.date(2024, 1, 3), "y": 1},
        {"unique_id": "a", "ds": dt.date(2024, 1, 10), "y": 1},
        {"unique_id": "a", "ds": dt.date(2024, 1, 18), "y": 1},  # a Thursday
    ]
    with pytest.raises(ForecastInputError, match=r"^row 3: ds 2024-01-18 .* starts 2024-01-03"):
        build_panel(long_frame(rows), Freq.WEEK)


def test_a_static_that_changes_within_a_series_names_the_row() -> None:
    rows = [
        {"unique_id": "a", "ds": day(0), "y": 1, "category": "Dairy"},
        {"unique_id": "b", "ds": day(0), "y": 1, "category": "Bakery"},
        {"unique_id": "a", "ds": day(1), "y": 1, "category": "Dairy"},
        {"unique_id": "a", "ds": day(2), "y": 1, "category": "Produce"},
    ]
    with pytest.raises(ForecastInputError) as raised:
        build_panel(long_frame(rows))
    message = str(raised.value)
    assert message.startswith("row 4: category 'Produce' differs from 'Dairy' on row 1")
    assert "'a'" in message


def test_statics_are_one_value_per_series() -> None:
    rows = [
        {"unique_id": "b", "ds": day(0), "y": 1, "store_id": "S2", "category": "Bakery"},
        {"unique_id": "a", "ds": day(0), "y": 1, "store_id": "S1", "category": None},
        {"unique_id": "a", "ds": day(1), "y": 1, "store_id": "S1", "category": None},
    ]
    panel = build_panel(long_frame(rows))
    assert panel.statics["store_id"].tolist() == ["S1", "S2"]
    assert panel.statics["category"].tolist() == ["", "Bakery"]  # missing → empty text


# -- stock-outs ------------------------------------------------------------------------------


def test_out_of_stock_rows_are_censored_and_hidden_from_demand() -> None:
    rows = [
        {"unique_id": "a", "ds": day(0), "y": 3, "in_stock": True},
        {"unique_id": "a", "ds": day(1), "y": 1, "in_stock": False},
        {"unique_id": "a", "ds": day(2), "y": 2, "in_stock": None},  # unknown → in stock
        {"unique_id": "a", "ds": day(4), "y": 0, "in_stock": False},
    ]
    panel = build_panel(long_frame(rows))
    assert panel.censored.tolist() == [[False, True, False, False, True]]
    # y keeps what was sold; demand() refuses to call a sold-out day's sales demand.
    np.testing.assert_array_equal(panel.y, [[3.0, 1.0, 2.0, 0.0, 0.0]])
    np.testing.assert_array_equal(panel.demand(), [[3.0, NAN, 2.0, 0.0, NAN]])


def test_without_in_stock_nothing_is_censored(panel: Panel) -> None:
    assert not panel.censored.any()
    np.testing.assert_array_equal(panel.demand(), panel.y)


# -- covariates ------------------------------------------------------------------------------


def test_promo_and_discount_gaps_are_zero_and_price_is_carried_over_gaps(panel: Panel) -> None:
    np.testing.assert_array_equal(
        panel.covariates["promo_flag"], [[0, 1, 0, 0, 0, 0], [0, 0, 1, 0, 0, 0]]
    )
    np.testing.assert_array_equal(
        panel.covariates["discount_pct"], [[0, 0.25, 0, 0, 0, 0], [0, 0, 0.1, 0, 0, 0]]
    )
    # a: empty price on day 1 and no rows on days 2, 4, 5 take the last known price;
    # b: the gap before its first row takes its first price (back-filled).
    np.testing.assert_array_equal(
        panel.covariates["price"], [[4, 4, 4, 5, 5, 5], [2, 2, 2, 2, 2, 3]]
    )


def test_truncate_hides_y_after_the_cutoff_but_keeps_future_covariates(panel: Panel) -> None:
    cut = panel.truncate(4)
    assert cut.n_periods == 4
    np.testing.assert_array_equal(cut.y, panel.y[:, :4])
    np.testing.assert_array_equal(cut.censored, panel.censored[:, :4])
    assert cut.n_future == 2
    np.testing.assert_array_equal(cut.future_covariate("price", 2), [[5, 5], [2, 3]])
    assert [str(d) for d in cut.future_dates(2)] == [str(day(4)), str(day(5))]
    for bad in (0, 7):
        with pytest.raises(ValueError, match="cannot truncate"):
            panel.truncate(bad)


def test_select_keeps_rows_in_every_matrix_and_static() -> None:
    rows = [dict(r, store_id=f"S-{r['unique_id']}") for r in ROWS]
    panel = build_panel(long_frame(rows))
    only_b = panel.select(np.array([1]))
    assert only_b.ids.tolist() == ["b"]
    np.testing.assert_array_equal(only_b.y, panel.y[[1]])
    np.testing.assert_array_equal(only_b.covariates["price"], [[2, 2, 2, 2, 2, 3]])
    assert only_b.statics["store_id"].tolist() == ["S-b"]
    assert only_b.grid == panel.grid
    masked = panel.select(np.array([True, False]))
    assert masked.ids.tolist() == ["a"]


def test_future_covariate_beyond_what_is_known_is_an_error(panel: Panel) -> None:
    with pytest.raises(ForecastInputError, match=r"known for 0 future periods.*horizon is 3"):
        panel.future_covariate("price", 3)


# -- with_future -----------------------------------------------------------------------------


def test_without_a_future_frame_the_future_has_no_promotion_and_the_regular_price() -> None:
    rows = [
        {"unique_id": "a", "ds": day(0), "y": 1, "price": 10, "promo_flag": 0, "discount_pct": 0},
        {"unique_id": "a", "ds": day(1), "y": 1, "price": 8, "promo_flag": 1, "discount_pct": 0.2},
        {"unique_id": "b", "ds": day(0), "y": 1, "price": 3, "promo_flag": 0, "discount_pct": 0},
        {"unique_id": "b", "ds": day(1), "y": 1, "price": 2, "promo_flag": 1, "discount_pct": 0.5},
    ]
    panel = build_panel(long_frame(rows)).with_future(None, 3)
    assert panel.n_future == 3
    # Last day: 8 at 20% off → regular 10; 2 at 50% off → regular 4.
    np.testing.assert_allclose(panel.future_covariate("price", 3), [[10, 10, 10], [4, 4, 4]])
    np.testing.assert_array_equal(panel.future_covariate("promo_flag", 3), np.zeros((2, 3)))
    np.testing.assert_array_equal(panel.future_covariate("discount_pct", 3), np.zeros((2, 3)))
    # The history columns are untouched.
    np.testing.assert_array_equal(panel.covariates["price"][:, :2], [[10, 8], [3, 2]])


def test_without_a_future_frame_known_future_values_are_kept(panel: Panel) -> None:
    # After truncate(5) day 5 is known (b: price 3); the assumption starts from it.
    future = panel.truncate(5).with_future(None, 3)
    np.testing.assert_array_equal(future.future_covariate("price", 3), [[5, 5, 5], [3, 3, 3]])
    # After truncate(1) days 1..5 are known, promotions included; days 6 and 7 are assumed.
    longer = panel.truncate(1).with_future(None, 7)
    np.testing.assert_array_equal(
        longer.future_covariate("promo_flag", 7), [[1, 0, 0, 0, 0, 0, 0], [0, 1, 0, 0, 0, 0, 0]]
    )
    np.testing.assert_array_equal(
        longer.future_covariate("price", 7), [[4, 4, 5, 5, 5, 5, 5], [2, 2, 2, 2, 3, 3, 3]]
    )


def test_without_a_future_frame_holidays_recur_on_the_same_calendar_date() -> None:
    start = dt.date(2023, 1, 1)
    rows = [
        {
            "unique_id": "a",
            "ds": start + dt.timedelta(days=d),
            "y": 1,
            "is_holiday": float((start + dt.timedelta(days=d)).strftime("%m-%d") == "01-01"),
        }
        for d in range(362)  # 2023-01-01 … 2023-12-28
    ]
    panel = build_panel(long_frame(rows)).with_future(None, 5)
    assert [str(d) for d in panel.future_dates(5)][3] == "2024-01-01"
    np.testing.assert_array_equal(panel.future_covariate("is_holiday", 5), [[0, 0, 0, 1, 0]])


def test_a_future_frame_supplies_the_covariates(panel: Panel) -> None:
    future = pl.DataFrame(
        {
            "unique_id": ["b", "a", "a", "b"],
            "ds": [day(6), day(6), day(7), day(7)],
            "price": [2.5, 6.0, 6.5, 3.5],
            "promo_flag": [1.0, 0.0, 0.0, 1.0],
            "discount_pct": [0.1, 0.0, 0.0, 0.3],
        }
    )
    extended = panel.with_future(future, 2)
    np.testing.assert_array_equal(extended.future_covariate("price", 2), [[6, 6.5], [2.5, 3.5]])
    np.testing.assert_array_equal(
        extended.future_covariate("discount_pct", 2), [[0, 0], [0.1, 0.3]]
    )


def test_a_future_frame_row_of_an_unknown_series_is_not_mistaken_for_a_known_one() -> None:
    rows = [{"unique_id": "s1", "ds": day(d), "y": 1, "price": 1.0} for d in range(2)]
    panel = build_panel(long_frame(rows))
    future = pl.DataFrame(
        {"unique_id": ["s1", "s1x"], "ds": [day(2), day(2)], "price": [5.0, 99.0]}
    )
    np.testing.assert_array_equal(panel.with_future(future, 1).future_covariate("price", 1), [[5]])
    only_other = future.filter(pl.col("unique_id") == "s1x")
    with pytest.raises(ForecastInputError, match="no 'price' for series 's1' on 2024-01-03"):
        panel.with_future(only_other, 1)


def test_a_nan_in_the_future_frame_names_its_row(panel: Panel) -> None:
    future = pl.DataFrame(
        {
            "unique_id": ["a", "b"],
            "ds": [day(6), day(6)],
            "price": [6.0, None],
            "promo_flag": [0.0, 0.0],
            "discount_pct": [0.0, 0.0],
        }
    )
    with pytest.raises(ForecastInputError, match=r"future frame row 2: column 'price'"):
        panel.with_future(future, 1)


def test_a_missing_series_date_in_the_future_frame_names_series_and_date(panel: Panel) -> None:
    future = pl.DataFrame(
        {
            "unique_id": ["a", "b", "a"],
            "ds": [day(6), day(6), day(7)],
            "price": [6.0, 2.0, 6.0],
            "promo_flag": [0.0, 0.0, 0.0],
            "discount_pct": [0.0, 0.0, 0.0],
        }
    )
    with pytest.raises(ForecastInputError, match=r"for series 'b' on 2024-01-08"):
        panel.with_future(future, 2)


def test_a_future_frame_without_a_covariate_column_is_an_error(panel: Panel) -> None:
    future = pl.DataFrame({"unique_id": ["a"], "ds": [day(6)], "price": [1.0]})
    with pytest.raises(ForecastInputError, match="promo_flag, discount_pct"):
        panel.with_future(future, 1)


def test_with_future_on_a_panel_without_covariates_changes_nothing() -> None:
    panel = build_panel(long_frame([{"unique_id": "a", "ds": day(d), "y": 1} for d in range(3)]))
    assert panel.with_future(None, 5) is panel
    assert panel.n_future >= 5
