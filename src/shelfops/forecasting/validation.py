"""The three data-validation gates of the forecasting pipeline (seed 001 §4), on Pandera.

=================  ====================================  ===========================
Gate               Schema                                On failure
=================  ====================================  ===========================
training data      ``TrainingDataSchema``                :class:`ForecastInputError`
features           ``ColdStartFeaturesSchema`` /         warnings, returned and
                   ``ProductionFeaturesSchema``          logged
prediction input   ``PredictionInputSchema``             :class:`ForecastInputError`
=================  ====================================  ===========================

Frames are polars and can hold tens of millions of rows, so every rule is a polars
expression (Pandera's polars backend), validation is lazy (all rules run, every failure
is counted) and each rule keeps at most :data:`MAX_SHOWN` failure cases: a column that is
wrong on every row must not build a failure table as large as the input.

Failures are rendered for people, not as Pandera's report: the number of problems, then
at most :data:`MAX_SHOWN` lines such as
``row 12: column 'y' = -3.0 violates 'greater_than_or_equal_to(0)'``. Rows are 1-based
positions in the frame; when the frame carries the source file's line numbers in a
``_line`` column, lines are named instead (``line 14: …``).
"""

from __future__ import annotations

import logging
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt
import pandera.polars as pa
import polars as pl
from pandera.api.polars.types import PolarsData
from pandera.config import ValidationDepth, config_context
from pandera.errors import SchemaError, SchemaErrorReason, SchemaErrors

from shelfops.forecasting.errors import ForecastInputError
from shelfops.forecasting.models.base import check_horizon

logger = logging.getLogger(__name__)

#: Failures listed in an error message (the total is always given).
MAX_SHOWN = 5
#: Default largest share of NaN in one feature column before the features gate warns.
MAX_NAN_SHARE = 0.5
#: The source-file line-number column a reader may add; reported instead of row numbers.
LINE_COLUMN = "_line"
#: The series key: one row per series and period.
KEY = ("unique_id", "ds")
#: Covariates that are 0/1 flags (numeric or boolean).
FLAGS = ("promo_flag", "is_holiday")
#: Features (or feature-name prefixes) that only the production tier has.
PRODUCTION_FEATURES = ("price", "promo_flag", "discount_pct")

_CHECK_OUTPUT = "check_output"  # Pandera's name for a rule's boolean result column.


# -- rules ---------------------------------------------------------------------------------
# A rule returns True (skip) when the column's type makes it meaningless: the type rule
# reports that column once instead of a cascade of crashes inside value rules.

Predicate = Callable[[pl.Expr], pl.Expr]


def _is_number(dtype: pl.DataType) -> bool:
    return dtype.is_numeric()


def _is_flag_type(dtype: pl.DataType) -> bool:
    return dtype.is_numeric() or dtype == pl.Boolean


def _value_rule(
    name: str, predicate: Predicate, applies: Callable[[pl.DataType], bool]
) -> pa.Check:
    """A vectorised per-row rule named ``name``; nulls pass (nullability is its own rule)."""

    def check(data: PolarsData) -> pl.LazyFrame | bool:
        if not applies(data.lazyframe.collect_schema()[data.key]):
            return True
        return data.lazyframe.select(predicate(pl.col(data.key)))

    return pa.Check(check, name=name, error=name, n_failure_cases=MAX_SHOWN)


def _type_rule(expected: str, accepts: Callable[[pl.DataType], bool]) -> pa.Check:
    """A column-type rule for columns that accept several types (e.g. any number)."""

    def check(data: PolarsData) -> pl.LazyFrame:
        accepted = accepts(data.lazyframe.collect_schema()[data.key])
        return _broadcast(data, pl.lit(accepted))

    return pa.Check(check, name="dtype", error=expected, n_failure_cases=MAX_SHOWN)


def _broadcast(data: PolarsData, verdict: pl.Expr) -> pl.LazyFrame:
    """A whole-column verdict repeated on every row.

    Pandera's polars backend cannot mix a rule that returns a bare bool with other
    failures in one report (it fails to stack the failure cases), so whole-column rules
    answer row by row like every other rule.
    """
    return data.lazyframe.select(pl.repeat(verdict, pl.len()).alias(_CHECK_OUTPUT))


def _finite() -> pa.Check:
    # NaN is a missing value (the nullability rule's business), so only ±inf fail here.
    return _value_rule("finite", lambda c: c.is_infinite().not_(), _is_number)


def _at_least_zero() -> pa.Check:
    return _value_rule("greater_than_or_equal_to(0)", lambda c: c >= 0, _is_number)


def _zero_or_one() -> pa.Check:
    # Booleans are 0/1 by construction.
    return _value_rule("in {0, 1}", lambda c: (c == 0) | (c == 1), _is_number)


def _fraction() -> pa.Check:
    return _value_rule("0 <= value < 1", lambda c: (c >= 0) & (c < 1), _is_number)


def _not_empty() -> pa.Check:
    return _value_rule("not_empty", lambda c: c.str.len_bytes() > 0, lambda t: t == pl.String)


def _unique_key() -> pa.Check:
    """One row per (unique_id, ds): every repeat after the first occurrence fails."""

    def check(data: PolarsData) -> pl.LazyFrame | bool:
        schema = data.lazyframe.collect_schema()
        if schema.get(KEY[0]) != pl.String or schema.get(KEY[1]) != pl.Date:
            return True  # the missing or mistyped column is reported on its own
        return pl.LazyFrame({_CHECK_OUTPUT: _first_of_key(_series_day_key(data.lazyframe))})

    return pa.Check(check, name="unique_key", error="unique_key", n_failure_cases=MAX_SHOWN)


def _series_day_key(frame: pl.LazyFrame) -> pl.Series:
    """``(unique_id, ds)`` as one exact Int64 (null when either is null).

    Series are numbered in order of first appearance and each owns a disjoint block of
    2**32 days, so equal keys mean equal pairs. An integer key is what makes the
    duplicate test fast: hashing tens of millions of distinct (string, date) pairs is
    several times slower than sorting one integer column.
    """
    uid, ds = pl.col(KEY[0]), pl.col(KEY[1])
    ids = frame.select(uid.drop_nulls().unique(maintain_order=True)).collect().to_series()
    numbers = pl.int_range(ids.len(), dtype=pl.Int64, eager=True)
    code = uid.replace_strict(ids, numbers, default=None, return_dtype=pl.Int64)
    key = code * 2**32 + ds.cast(pl.Int32)
    return frame.select(key.alias("key")).collect().to_series()


def _first_of_key(key: pl.Series) -> pl.Series:
    """True where the key is seen for the first time (or is null)."""
    present = key.drop_nulls()
    # Most frames come grouped by series in date order: keys then strictly increase.
    if bool((present.diff().drop_nulls() > 0).all()) or not bool(
        (present.sort().diff().drop_nulls() == 0).any()
    ):
        return pl.repeat(True, key.len(), eager=True)
    # Sort (stably, so the earliest row of a key comes first) rather than hash: the
    # failure path of a file loaded twice is as large as the file.
    rows = pl.DataFrame({"row": pl.int_range(key.len(), eager=True), "key": key})
    order = rows.sort("key", maintain_order=True)["row"]
    repeat = (key.gather(order).diff() == 0).fill_null(False)
    first = pl.repeat(True, key.len(), eager=True)
    return first.scatter(order.filter(repeat), False)


def _covariate_column(name: str, *, nullable: bool, required: bool) -> pa.Column:
    """The column schema of a known covariate (or of any other numeric covariate)."""
    if name in FLAGS:
        checks = [_type_rule("a number or boolean", _is_flag_type), _zero_or_one()]
    elif name == "discount_pct":
        checks = [_type_rule("a number", _is_number), _fraction()]
    elif name == "price":
        checks = [_type_rule("a number", _is_number), _finite(), _at_least_zero()]
    else:
        checks = [_type_rule("a number", _is_number), _finite()]
    return pa.Column(None, checks=checks, nullable=nullable, required=required, name=name)


def _key_columns() -> dict[str, pa.Column]:
    return {
        "unique_id": pa.Column(pl.String, checks=[_not_empty()], nullable=False),
        "ds": pa.Column(pl.Date, nullable=False),
    }


def training_schema() -> pa.DataFrameSchema:
    """``TrainingDataSchema``: the long training frame after parsing, before features.

    ``unique_id`` (non-empty string), ``ds`` (date) and ``y`` (finite float ≥ 0) are
    required and never null; ``(unique_id, ds)`` is unique. Optional: ``price`` (a
    finite number ≥ 0, may be missing), ``promo_flag`` and ``is_holiday`` (0/1 or
    boolean), ``discount_pct`` (0 ≤ d < 1), ``in_stock`` (boolean, missing = in stock)
    and the statics ``store_id``, ``product_id``, ``category`` (strings). Other columns
    are ignored.
    """
    columns = _key_columns()
    columns["y"] = pa.Column(pl.Float64, checks=[_finite(), _at_least_zero()], nullable=False)
    columns["price"] = _covariate_column("price", nullable=True, required=False)
    for name in ("promo_flag", "discount_pct", "is_holiday"):
        columns[name] = _covariate_column(name, nullable=False, required=False)
    columns["in_stock"] = pa.Column(pl.Boolean, nullable=True, required=False)
    for name in ("store_id", "product_id", "category"):
        columns[name] = pa.Column(pl.String, nullable=True, required=False)
    return pa.DataFrameSchema(
        columns, checks=[_unique_key()], strict=False, name="TrainingDataSchema"
    )


def prediction_input_schema(covariates: Sequence[str]) -> pa.DataFrameSchema:
    """``PredictionInputSchema``: the future frame ``unique_id, ds, <covariates>``.

    Every named covariate is required and known on every row (no null or NaN); values
    follow the training rules; ``(unique_id, ds)`` is unique.
    """
    columns = _key_columns()
    for name in covariates:
        columns[name] = _covariate_column(name, nullable=False, required=True)
    return pa.DataFrameSchema(
        columns, checks=[_unique_key()], strict=False, name="PredictionInputSchema"
    )


# -- reports -------------------------------------------------------------------------------


@dataclass(frozen=True)
class GateReport:
    """The outcome of a gate: the problem count and the first few, ready for people."""

    gate: str
    problems: int = 0
    lines: tuple[str, ...] = ()
    """At most :data:`MAX_SHOWN` lines: column problems, then rows in order."""

    @property
    def ok(self) -> bool:
        """True when nothing failed."""
        return self.problems == 0

    @property
    def message(self) -> str:
        """``<gate>: N problems …`` followed by the shown lines, one per line."""
        noun = "problem" if self.problems == 1 else "problems"
        head = f"{self.gate}: {self.problems} {noun}"
        if self.problems > len(self.lines):
            head += f" (first {len(self.lines)} shown)"
        return "\n".join([head + ":", *(f"  {line}" for line in self.lines)])

    def raise_if_failed(self) -> None:
        """Raise :class:`ForecastInputError` with :attr:`message` unless :attr:`ok`."""
        if not self.ok:
            raise ForecastInputError(self.message)


def _failures(frame: pl.DataFrame, schema: pa.DataFrameSchema) -> list[SchemaError]:
    """Run every rule of ``schema`` over ``frame``; the failed ones (empty when valid)."""
    # Pinned so PANDERA_VALIDATION_ENABLED / _DEPTH in the environment cannot switch a
    # gate off or down to schema-only checks.
    with config_context(validation_enabled=True, validation_depth=ValidationDepth.SCHEMA_AND_DATA):
        try:
            schema.validate(frame, lazy=True)
        except SchemaErrors as errors:
            return list(errors.schema_errors)
        except SchemaError as error:  # lazy validation collects; this is a safety net
            return [error]
    return []


def _report(frame: pl.DataFrame, errors: Sequence[SchemaError], gate: str) -> GateReport:
    """Render Pandera's failures as a :class:`GateReport` (no Pandera text leaks out)."""
    where = _locator(frame)
    column_level: list[str] = []
    row_level: list[tuple[int, str]] = []
    problems = 0
    # A column of the wrong type gets one line, not a cascade from its value rules.
    mistyped = {_column_of(e) for e in errors if _is_type_problem(e)}
    for error in errors:
        column = _column_of(error)
        if error.reason_code == SchemaErrorReason.COLUMN_NOT_IN_DATAFRAME:
            column_level.append(f"column {str(error.failure_cases)!r} is missing")
            problems += 1
        elif _is_type_problem(error):
            column_level.append(
                f"column {column!r} has type {frame.schema[str(column)]}; "
                f"expected {_expected_type(error)}"
            )
            problems += 1
        elif column in mistyped:
            continue
        elif isinstance(error.failure_cases, pl.DataFrame) and error.check_output is not None:
            rows = _failing_rows(error)
            problems += rows.len()
            for row in rows.head(MAX_SHOWN).to_list():
                row_level.append((row, _row_line(frame, error, column, row, where)))
        else:  # a rule that could not run: name it, without a traceback
            subject = "the frame" if column is None else f"column {column!r}"
            column_level.append(f"rule {_rule_name(error)!r} could not be checked on {subject}")
            problems += 1
    row_level.sort(key=lambda item: item[0])
    lines = (column_level + [line for _, line in row_level])[:MAX_SHOWN]
    return GateReport(gate=gate, problems=problems, lines=tuple(lines))


def _failing_rows(error: SchemaError) -> pl.Series:
    """0-based positions where the rule's boolean output is False."""
    output = error.check_output
    assert isinstance(output, pl.DataFrame)
    return output.select(pl.col(_CHECK_OUTPUT).not_().arg_true()).to_series()


def _is_type_problem(error: SchemaError) -> bool:
    if error.reason_code == SchemaErrorReason.WRONG_DATATYPE:
        return True
    return isinstance(error.check, pa.Check) and error.check.name == "dtype"


def _expected_type(error: SchemaError) -> str:
    if error.reason_code == SchemaErrorReason.WRONG_DATATYPE:
        return str(error.schema.dtype)
    return _rule_name(error)


def _rule_name(error: SchemaError) -> str:
    """The rule's name; Pandera's own rules (e.g. ``not_nullable``) are plain strings."""
    check = error.check
    if isinstance(check, pa.Check):
        return str(check.error or check.name)
    return str(check)


def _column_of(error: SchemaError) -> str | None:
    if error.column_name is not None:
        return str(error.column_name)
    name = getattr(error.schema, "name", None)
    return None if isinstance(error.schema, pa.DataFrameSchema) or name is None else str(name)


Locator = Callable[[int], str]


def _locator(frame: pl.DataFrame) -> Locator:
    """``row N`` (1-based position) or ``line N`` from the ``_line`` column."""
    lines = frame[LINE_COLUMN] if LINE_COLUMN in frame.columns else None

    def where(row: int) -> str:
        line = None if lines is None else lines[row]
        return f"row {row + 1}" if line is None else f"line {line}"

    return where


def _row_line(
    frame: pl.DataFrame, error: SchemaError, column: str | None, row: int, where: Locator
) -> str:
    if _rule_name(error) == "unique_key":
        key = ", ".join(_show(frame[k][row]) for k in KEY)
        first = _first_occurrence(frame, row)
        return f"{where(row)}: duplicate (unique_id, ds) = ({key}), first at {where(first)}"
    if column is None:
        return f"{where(row)}: violates {_rule_name(error)!r}"
    value = _show(frame[column][row])
    return f"{where(row)}: column {column!r} = {value} violates {_rule_name(error)!r}"


def _first_occurrence(frame: pl.DataFrame, row: int) -> int:
    uid, ds = frame[KEY[0]][row], frame[KEY[1]][row]
    same = frame.select(((pl.col(KEY[0]) == uid) & (pl.col(KEY[1]) == ds)).arg_true().first())
    return int(same.item())


def _show(value: Any) -> str:
    """A cell as a person reads it: strings quoted, null and NaN named."""
    if value is None:
        return "null"
    if isinstance(value, float) and math.isnan(value):
        return "NaN"
    if isinstance(value, str):
        return repr(value)
    return str(value)


# -- gates ---------------------------------------------------------------------------------


def validate_training_frame(frame: pl.DataFrame) -> pl.DataFrame:
    """Gate 1 (fail hard): check the long training frame against ``TrainingDataSchema``.

    Returns ``frame`` itself when it is valid. Otherwise raises
    :class:`ForecastInputError` whose message gives the number of problems and the first
    :data:`MAX_SHOWN`, each naming the row (or source line), column, value and rule.
    """
    _report(frame, _failures(frame, training_schema()), "training data").raise_if_failed()
    return frame


def validate_prediction_input(
    future: pl.DataFrame, *, covariates: Sequence[str], horizon: int
) -> pl.DataFrame:
    """Gate 3 (fail hard): check the future frame before predicting ``horizon`` periods.

    ``future`` has ``unique_id``, ``ds`` and every name in ``covariates``, all known (no
    null or NaN), within the training rules, one row per ``(unique_id, ds)``. Returns
    ``future`` itself when valid; raises :class:`ForecastInputError` otherwise.
    """
    check_horizon(horizon)
    errors = _failures(future, prediction_input_schema(covariates))
    _report(future, errors, "prediction input").raise_if_failed()
    return future


# -- features ------------------------------------------------------------------------------


def features_schema(
    names: Sequence[str], tier: str, *, max_nan_share: float = MAX_NAN_SHARE
) -> pa.DataFrameSchema:
    """``ColdStartFeaturesSchema`` / ``ProductionFeaturesSchema`` over ``names``.

    Every named feature must be present and float32/float64, hold no ±inf, be NaN on at
    most ``max_nan_share`` of the rows (lags are legitimately NaN at a series' start)
    and not be constant.
    """
    title = {"cold_start": "ColdStartFeaturesSchema", "production": "ProductionFeaturesSchema"}
    if tier not in title:
        raise ValueError(f"unknown feature tier {tier!r}; expected one of {sorted(title)}")
    checks = [
        _type_rule("float32 or float64", lambda dtype: dtype in (pl.Float32, pl.Float64)),
        _value_rule("finite", lambda c: c.is_infinite().not_(), _is_number),
        _column_rule("nan_share", f"NaN share <= {max_nan_share:g}", _at_most(max_nan_share)),
        # An all-missing column has no spread; the NaN rule already reports it.
        _column_rule("constant", "not constant", lambda c: _spread(c).fill_null(1.0) > 0),
    ]
    columns = {name: pa.Column(None, checks=checks, nullable=True, name=name) for name in names}
    return pa.DataFrameSchema(columns, strict=False, name=title[tier])


def _at_most(max_nan_share: float) -> Predicate:
    return lambda column: _nan_share(column) <= max_nan_share


def _column_rule(name: str, error: str, predicate: Predicate) -> pa.Check:
    """A whole-column rule (one verdict for the column), skipped for non-float columns."""

    def check(data: PolarsData) -> pl.LazyFrame | bool:
        if data.lazyframe.collect_schema()[data.key] not in (pl.Float32, pl.Float64):
            return True
        return _broadcast(data, predicate(pl.col(data.key)))

    return pa.Check(check, name=name, error=error, n_failure_cases=MAX_SHOWN)


def _nan_share(column: pl.Expr) -> pl.Expr:
    return (column.is_nan() | column.is_null()).mean()


def _spread(column: pl.Expr) -> pl.Expr:
    """max - min of the non-missing values (null when there are none)."""
    values = column.fill_nan(None)
    return values.max() - values.min()


def check_features(
    features: pl.DataFrame | npt.NDArray[np.floating[Any]],
    tier: str,
    *,
    names: Sequence[str] | None = None,
    expected: Sequence[str] | None = None,
    max_nan_share: float = MAX_NAN_SHARE,
) -> list[str]:
    """Gate 2 (warn and log): check a feature table; returns the warnings (empty = clean).

    ``features`` is a polars frame, or a 2-D matrix whose columns are ``names``. ``tier``
    is ``"cold_start"`` or ``"production"``; ``expected`` lists the features the caller
    built for that tier (default: the columns given), each of which must be present. A
    production table without any price or promotion feature is flagged, and so is a
    cold-start table with one. Every warning is also logged (logger
    ``shelfops.forecasting.validation``). Data problems never raise; an unknown tier or
    ``names`` that do not fit the matrix do (those are programming errors).
    """
    frame = _feature_frame(features, names)
    wanted = list(expected) if expected is not None else list(frame.columns)
    present = [name for name in wanted if name in frame.columns]
    schema = features_schema(present, tier, max_nan_share=max_nan_share)
    warnings = _tier_warnings(wanted, tier)
    warnings += [
        f"feature {name!r} of the {tier} tier is missing" for name in wanted if name not in present
    ]
    if frame.height == 0:
        warnings.append("the feature table has no rows")
    else:
        errors = _failures(frame.select(present), schema)
        warnings += [_feature_warning(frame, error, max_nan_share) for error in errors]
    for warning in warnings:
        logger.warning("%s: %s", schema.name, warning)
    return warnings


def _feature_frame(
    features: pl.DataFrame | npt.NDArray[np.floating[Any]], names: Sequence[str] | None
) -> pl.DataFrame:
    if isinstance(features, pl.DataFrame):
        return features
    if names is None:
        raise ValueError("a feature matrix needs its column names (names=...)")
    if features.ndim != 2 or features.shape[1] != len(names):
        raise ValueError(f"{len(names)} feature names for a matrix of shape {features.shape}")
    return pl.from_numpy(features, schema=list(names), orient="row")


def _tier_warnings(names: Sequence[str], tier: str) -> list[str]:
    production = [n for n in names if n.startswith(PRODUCTION_FEATURES)]
    if tier == "production" and not production:
        return [
            "the production tier has no price or promotion feature "
            f"({', '.join(PRODUCTION_FEATURES)}); it is effectively cold start"
        ]
    if tier == "cold_start" and production:
        return [f"the cold_start tier holds production features: {', '.join(production)}"]
    return []


def _feature_warning(frame: pl.DataFrame, error: SchemaError, max_nan_share: float) -> str:
    """One warning for a failed (feature, rule), with the measured number."""
    name = str(_column_of(error))
    column = frame[name]
    rule = error.check.name if isinstance(error.check, pa.Check) else None
    if rule == "dtype":
        return f"feature {name!r} has type {column.dtype}; expected float32 or float64"
    if rule == "finite":
        rows = _failing_rows(error)
        return (
            f"feature {name!r} has {rows.len()} infinite value(s), first at row {int(rows[0]) + 1}"
        )
    if rule == "nan_share":
        share = float(frame.select(_nan_share(pl.col(name))).item())
        return f"feature {name!r} is NaN on {share:.1%} of rows (more than {max_nan_share:.0%})"
    if rule == "constant":
        value = column.fill_nan(None).drop_nulls()[0]
        return f"feature {name!r} is constant ({_show(value)})"
    return f"feature {name!r} violates {_rule_name(error)!r}"
