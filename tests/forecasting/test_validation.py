"""The three validation gates: what a user sees when their data breaks a rule."""

from __future__ import annotations

import datetime as dt
import logging

import numpy as np
import polars as pl
import pytest
from pandera.config import config_context

from shelfops.forecasting.errors import ForecastInputError
from shelfops.forecasting.validation import (
    check_features,
    validate_prediction_input,
    validate_training_frame,
)
from shelfops.kit.errors import BadRequest

DAY = dt.date(2024, 3, 1)
LOGGER = "shelfops.forecasting.validation"


def day(offset: int) -> dt.date:
    return DAY + dt.timedelta(days=offset)


def training_frame(n: int = 6) -> pl.DataFrame:
    """Two series of ``n // 2`` days with every optional column, all valid."""
    half = n // 2
    return pl.DataFrame(
        {
            "unique_id": ["s1"] * half + ["s2"] * (n - half),
            "ds": [day(i) for i in range(half)] + [day(i) for i in range(n - half)],
            "y": [float(i % 4) for i in range(n)],
            "price": [2.5] * n,
            "promo_flag": [i % 2 for i in range(n)],
            "discount_pct": [0.0, 0.25] * half + [0.0] * (n - 2 * half),
            "is_holiday": [False] * n,
            "in_stock": [True] * n,
            "store_id": ["st1"] * n,
            "product_id": ["p1"] * half + ["p2"] * (n - half),
            "category": ["dairy"] * n,
        }
    )


def set_cell(frame: pl.DataFrame, column: str, row: int, value: object) -> pl.DataFrame:
    """``frame`` with the cell at 0-based ``row`` replaced (dtype kept)."""
    values = frame[column].to_list()
    values[row] = value
    return frame.with_columns(pl.Series(column, values, dtype=frame[column].dtype))


def training_error(frame: pl.DataFrame) -> str:
    with pytest.raises(ForecastInputError) as caught:
        validate_training_frame(frame)
    return str(caught.value.detail)


# -- gate 1: training data -----------------------------------------------------------------


def test_valid_frame_is_returned_unchanged() -> None:
    frame = training_frame().with_columns(note=pl.lit("anything"))  # extra column: ignored
    out = validate_training_frame(frame)
    assert out is frame
    assert out.equals(training_frame().with_columns(note=pl.lit("anything")))


def test_minimal_frame_and_missing_prices_pass() -> None:
    frame = pl.DataFrame(
        {
            "unique_id": ["a", "a", "a"],
            "ds": [day(0), day(1), day(2)],
            "y": [0.0, 1.0, 2.0],
            "price": [1.0, None, float("nan")],  # an unknown price is allowed
        }
    )
    assert validate_training_frame(frame) is frame


@pytest.mark.parametrize(
    ("column", "value", "expected"),
    [
        ("y", -3.0, "row 3: column 'y' = -3.0 violates 'greater_than_or_equal_to(0)'"),
        ("y", float("nan"), "row 3: column 'y' = NaN violates 'not_nullable'"),
        ("y", None, "row 3: column 'y' = null violates 'not_nullable'"),
        ("y", float("inf"), "row 3: column 'y' = inf violates 'finite'"),
        ("ds", None, "row 3: column 'ds' = null violates 'not_nullable'"),
        ("unique_id", "", "row 3: column 'unique_id' = '' violates 'not_empty'"),
        ("unique_id", None, "row 3: column 'unique_id' = null violates 'not_nullable'"),
        ("discount_pct", 1.0, "row 3: column 'discount_pct' = 1.0 violates '0 <= value < 1'"),
        ("discount_pct", -0.1, "row 3: column 'discount_pct' = -0.1 violates '0 <= value < 1'"),
        ("promo_flag", 2, "row 3: column 'promo_flag' = 2 violates 'in {0, 1}'"),
        ("price", -1.0, "row 3: column 'price' = -1.0 violates 'greater_than_or_equal_to(0)'"),
        ("price", float("inf"), "row 3: column 'price' = inf violates 'finite'"),
    ],
)
def test_each_rule_names_row_column_value_and_rule(
    column: str, value: object, expected: str
) -> None:
    message = training_error(set_cell(training_frame(), column, 2, value))
    assert message.splitlines() == ["training data: 1 problem:", f"  {expected}"]


def test_holiday_flag_must_be_zero_or_one() -> None:
    frame = training_frame().with_columns(is_holiday=pl.Series([0, 0, 0, 0, 3, 0]))
    assert "row 5: column 'is_holiday' = 3 violates 'in {0, 1}'" in training_error(frame)


def test_duplicate_key_names_the_pair_and_its_first_row() -> None:
    frame = set_cell(training_frame(), "ds", 2, day(1))  # s1 has 2024-03-02 twice
    message = training_error(frame)
    assert "row 3: duplicate (unique_id, ds) = ('s1', 2024-03-02), first at row 2" in message
    assert message.startswith("training data: 1 problem:")


def test_duplicates_are_found_in_an_unsorted_frame() -> None:
    frame = training_frame(8)
    shuffled = frame[[7, 0, 5, 2, 6, 1, 3, 4]]
    assert validate_training_frame(shuffled) is shuffled  # unsorted but unique: valid
    repeated = pl.concat([shuffled, frame[[1]]])  # row 9 repeats frame row 1 (= row 6 here)
    message = training_error(repeated)
    assert "row 9: duplicate (unique_id, ds) = ('s1', 2024-03-02), first at row 6" in message
    assert message.startswith("training data: 1 problem:")


def test_source_line_numbers_are_reported_when_present() -> None:
    frame = training_frame().with_columns(_line=pl.Series([2, 3, 4, 7, 8, 9]))
    frame = set_cell(frame, "y", 3, -1.0)
    frame = set_cell(frame, "ds", 5, day(1))  # duplicates row 5 (line 8): s2, 2024-03-02
    message = training_error(frame)
    assert "line 7: column 'y' = -1.0 violates 'greater_than_or_equal_to(0)'" in message
    assert "line 9: duplicate (unique_id, ds) = ('s2', 2024-03-02), first at line 8" in message
    assert "row " not in message


def test_message_lists_five_failures_and_the_total() -> None:
    frame = training_frame(10).with_columns(y=pl.Series([-1.0] * 8 + [1.0, 1.0]))
    frame = set_cell(frame, "promo_flag", 9, 5)
    lines = training_error(frame).splitlines()
    assert lines[0] == "training data: 9 problems (first 5 shown):"
    assert lines[1:] == [
        f"  row {r}: column 'y' = -1.0 violates 'greater_than_or_equal_to(0)'" for r in range(1, 6)
    ]


def test_failures_are_listed_earliest_row_first_across_rules() -> None:
    frame = set_cell(training_frame(), "price", 4, -2.0)
    frame = set_cell(frame, "y", 1, -1.0)
    lines = training_error(frame).splitlines()
    assert lines[1].startswith("  row 2: column 'y'")
    assert lines[2].startswith("  row 5: column 'price'")


def test_missing_and_mistyped_columns_are_one_line_each() -> None:
    missing = training_frame().drop("y")
    assert training_error(missing).splitlines() == [
        "training data: 1 problem:",
        "  column 'y' is missing",
    ]
    # A text column gets one type line, not one line per row from its value rules.
    mistyped = training_frame().with_columns(
        pl.col("price").cast(pl.String), pl.col("ds").cast(pl.Datetime)
    )
    lines = training_error(mistyped).splitlines()
    assert lines[0] == "training data: 2 problems:"
    assert "  column 'price' has type String; expected a number" in lines
    assert any(line.startswith("  column 'ds' has type Datetime") for line in lines)


def test_error_is_a_bad_request_without_a_traceback() -> None:
    frame = set_cell(set_cell(training_frame(), "y", 0, -1.0), "ds", 1, None)
    with pytest.raises(BadRequest) as caught:
        validate_training_frame(frame)
    assert caught.value.status_code == 400
    message = str(caught.value.detail)
    for noise in ("Traceback", "SchemaError", "pandera", "failure_case", "┌"):
        assert noise not in message


def test_a_callers_pandera_settings_cannot_switch_the_gate_off() -> None:
    frame = set_cell(training_frame(), "y", 0, -1.0)
    with config_context(validation_enabled=False), pytest.raises(ForecastInputError):
        validate_training_frame(frame)


# -- gate 3: prediction input --------------------------------------------------------------


def future_frame() -> pl.DataFrame:
    return pl.DataFrame(
        {
            "unique_id": ["s1", "s1", "s2", "s2"],
            "ds": [day(10), day(11), day(10), day(11)],
            "price": [2.5, 2.0, 3.0, 3.0],
            "promo_flag": [0, 1, 0, 0],
            "discount_pct": [0.0, 0.2, 0.0, 0.0],
        }
    )


COVARIATES = ("price", "promo_flag", "discount_pct")


def prediction_error(frame: pl.DataFrame, horizon: int = 2) -> str:
    with pytest.raises(ForecastInputError) as caught:
        validate_prediction_input(frame, covariates=COVARIATES, horizon=horizon)
    return str(caught.value.detail)


def test_valid_future_frame_is_returned_unchanged() -> None:
    frame = future_frame()
    assert validate_prediction_input(frame, covariates=COVARIATES, horizon=2) is frame


@pytest.mark.parametrize("horizon", [0, -3])
def test_horizon_below_one_is_rejected(horizon: int) -> None:
    message = prediction_error(future_frame(), horizon=horizon)
    assert f"got {horizon}" in message
    assert "at least 1" in message


@pytest.mark.parametrize(
    ("column", "value", "expected"),
    [
        ("price", None, "row 2: column 'price' = null violates 'not_nullable'"),
        ("price", float("nan"), "row 2: column 'price' = NaN violates 'not_nullable'"),
        ("price", -1.0, "row 2: column 'price' = -1.0 violates 'greater_than_or_equal_to(0)'"),
        ("promo_flag", 2, "row 2: column 'promo_flag' = 2 violates 'in {0, 1}'"),
        ("promo_flag", None, "row 2: column 'promo_flag' = null violates 'not_nullable'"),
        ("discount_pct", 1.0, "row 2: column 'discount_pct' = 1.0 violates '0 <= value < 1'"),
        ("ds", day(10), "row 2: duplicate (unique_id, ds) = ('s1', 2024-03-11), first at row 1"),
    ],
)
def test_prediction_rules_name_row_column_and_rule(
    column: str, value: object, expected: str
) -> None:
    message = prediction_error(set_cell(future_frame(), column, 1, value))
    assert message.splitlines() == ["prediction input: 1 problem:", f"  {expected}"]


def test_every_named_covariate_must_be_present() -> None:
    message = prediction_error(future_frame().drop("discount_pct"))
    assert message.splitlines() == [
        "prediction input: 1 problem:",
        "  column 'discount_pct' is missing",
    ]


# -- gate 2: features ----------------------------------------------------------------------


def clean_features() -> pl.DataFrame:
    """Lags NaN at the start of the series (2 of 5 rows: 40 %), prices varying."""
    nan = float("nan")
    return pl.DataFrame(
        {
            "lag_1": [nan, 1.0, 2.0, 0.0, 3.0],
            "lag_2": [nan, nan, 1.0, 2.0, 0.0],
            "price": [2.0, 2.5, 2.5, 2.0, 1.5],
            "promo_flag": [0.0, 1.0, 0.0, 0.0, 1.0],
        },
        schema={
            "lag_1": pl.Float32,
            "lag_2": pl.Float32,
            "price": pl.Float64,
            "promo_flag": pl.Float64,
        },
    )


def test_clean_features_give_no_warning(caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.WARNING, logger=LOGGER):
        assert check_features(clean_features(), "production") == []
    assert caplog.records == []


def test_infinite_nan_heavy_and_constant_features_warn_and_log(
    caplog: pytest.LogCaptureFixture,
) -> None:
    nan, inf = float("nan"), float("inf")
    features = clean_features().with_columns(
        pl.Series("lag_1", [nan, 1.0, inf, 0.0, -inf], dtype=pl.Float32),
        pl.Series("lag_7", [nan, nan, nan, 4.0, 5.0], dtype=pl.Float32),  # 3 of 5 = 60 %
        pl.Series("year", [2024.0] * 5, dtype=pl.Float32),
    )
    with caplog.at_level(logging.WARNING, logger=LOGGER):
        warnings = check_features(features, "production")
    assert sorted(warnings) == sorted(
        [
            "feature 'lag_1' has 2 infinite value(s), first at row 3",
            "feature 'lag_7' is NaN on 60.0% of rows (more than 50%)",
            "feature 'year' is constant (2024.0)",
        ]
    )
    logged = [r.getMessage() for r in caplog.records if r.name == LOGGER]
    assert len(logged) == 3
    assert all(r.levelno == logging.WARNING for r in caplog.records)
    assert all(m.startswith("ProductionFeaturesSchema: feature ") for m in logged)


def test_nan_threshold_is_inclusive_and_configurable() -> None:
    nan = float("nan")
    features = clean_features().with_columns(
        pl.Series("lag_7", [nan, nan, 1.0, 2.0, nan], dtype=pl.Float32)  # 3 of 5 = 60 %
    )
    assert check_features(features, "production", max_nan_share=0.6) == []
    assert check_features(features, "production", max_nan_share=0.59) == [
        "feature 'lag_7' is NaN on 60.0% of rows (more than 59%)"
    ]


def test_a_matrix_with_names_is_checked_like_a_frame() -> None:
    matrix = clean_features().to_numpy().astype(np.float32)
    matrix[1, 2] = np.inf
    warnings = check_features(matrix, "production", names=clean_features().columns)
    assert warnings == ["feature 'price' has 1 infinite value(s), first at row 2"]


def test_non_float_feature_is_flagged() -> None:
    features = clean_features().with_columns(pl.Series("store_id", [1, 2, 3, 1, 2]))
    assert check_features(features, "production") == [
        "feature 'store_id' has type Int64; expected float32 or float64"
    ]


def test_tier_contents_are_checked_against_the_expected_names() -> None:
    features = clean_features()
    expected = [*features.columns, "discount_pct"]
    assert check_features(features, "production", expected=expected) == [
        "feature 'discount_pct' of the production tier is missing"
    ]
    cold = features.select("lag_1", "lag_2")
    assert check_features(cold, "cold_start") == []
    [no_price] = check_features(cold, "production")
    assert "no price or promotion feature" in no_price
    [leak] = check_features(features, "cold_start")
    assert leak == "the cold_start tier holds production features: price, promo_flag"


def test_data_problems_never_raise() -> None:
    nan = float("nan")
    all_missing = pl.DataFrame({"price": [nan, nan, nan]})
    assert check_features(all_missing, "production") == [
        "feature 'price' is NaN on 100.0% of rows (more than 50%)"
    ]
    empty = clean_features().head(0)
    assert check_features(empty, "production") == ["the feature table has no rows"]
