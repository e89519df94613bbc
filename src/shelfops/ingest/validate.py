"""Pure validation: text frames in, typed frames and problems out. No I/O, no database.

Every check is a vectorised polars expression. Values are cast with ``strict=False`` and
a failure is found by comparing nulls: a value that was present in the file but is null
after the cast did not parse. Nothing loops over rows in Python; only the (capped)
problems that end up in a report are turned into Python objects.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import polars as pl

from shelfops.ingest.schemas import (
    MAX_LISTED_PROBLEMS,
    ColumnSpec,
    ColumnType,
    FileSpec,
    IngestKind,
    Problem,
    Rule,
)
from shelfops.kit.limits import date_range_message
from shelfops.kit.text import ONE_LINE_RULE
from shelfops.kit.timezones import timezone_names

# Accepted spellings of booleans (the format says true/false, also 1/0).
_BOOLEANS: dict[str, bool] = {
    "true": True,
    "True": True,
    "TRUE": True,
    "1": True,
    "false": False,
    "False": False,
    "FALSE": False,
    "0": False,
}
_ISO_DATE_LENGTH = len("2024-01-31")
# Digits with an optional sign: a whole number, even one too large for 64 bits (which
# is then reported as out of range, not as "not a whole number").
_WHOLE_NUMBER = r"^[+-]?[0-9]+$"
# Unicode category Cc (U+0000-U+001F, U+007F-U+009F): the characters kit/text.py keeps out
# of codes, names and labels.
_CONTROL_CHARACTER = r"[\x00-\x1F\x7F-\x{9F}]"


@dataclass(frozen=True)
class Lookup:
    """One tenant's codes of a catalog kind with their internal ids."""

    codes: pl.Series
    ids: pl.Series

    @classmethod
    def of(cls, pairs: Sequence[tuple[str, int]]) -> Lookup:
        """Build from (code, id) pairs."""
        return cls(
            codes=pl.Series("code", [code for code, _ in pairs], dtype=pl.String),
            ids=pl.Series("id", [id_ for _, id_ in pairs], dtype=pl.Int64),
        )

    def to_ids(self, codes: pl.Expr) -> pl.Expr:
        """Map codes to ids; unknown codes become null."""
        return codes.replace_strict(self.codes, self.ids, default=None, return_dtype=pl.Int64)

    def to_codes(self, ids: pl.Series) -> pl.Series:
        """Map ids back to codes (for messages)."""
        return ids.replace_strict(self.ids, self.codes, default=None, return_dtype=pl.String)


@dataclass
class ProblemLog:
    """All problems of a run: every one is counted per rule, the first few are listed."""

    # Columns in file-spec order: problems of one row are listed in this order.
    columns: Sequence[str] = ()
    counts: Counter[Rule] = field(default_factory=Counter)
    listed: list[Problem] = field(default_factory=list)
    limit: int = MAX_LISTED_PROBLEMS

    def add(self, problem: Problem) -> None:
        """Count and (while there is room) list one problem."""
        self.counts[problem.rule] += 1
        if len(self.listed) < self.limit:
            self.listed.append(problem)

    def merge(self, counts: Mapping[Rule, int], examples: Sequence[Problem]) -> None:
        """Add a chunk's counts and, in file order, as many of its examples as fit."""
        self.counts.update({rule: n for rule, n in counts.items() if n})
        room = self.limit - len(self.listed)
        if room > 0:
            self.listed.extend(sorted(examples, key=self._order)[:room])

    @property
    def total(self) -> int:
        """How many problems were found in all."""
        return sum(self.counts.values())

    def __bool__(self) -> bool:
        return self.total > 0

    def sorted_problems(self) -> list[Problem]:
        """Listed problems, file-level first, then by row and column."""
        return sorted(self.listed, key=self._order)

    def _order(self, problem: Problem) -> tuple[int, int]:
        columns = list(self.columns)
        position = columns.index(problem.column) if problem.column in columns else len(columns)
        return (problem.row or 0, position)


def file_problem(rule: Rule, message: str, *, column: str | None = None) -> Problem:
    """A problem with the file as a whole (no row)."""
    return Problem(rule=rule, column=column, message=message)


def check_header(spec: FileSpec, columns: Sequence[str]) -> list[Problem]:
    """Problems with the header: missing required, unknown and repeated columns.

    Extra columns are rejected rather than ignored: the canonical format is exact, and an
    ignored misspelt optional column (``on_hand_clsoe``) would silently drop its data.
    """
    problems: list[Problem] = []
    expected = ", ".join(spec.column_names)
    seen: set[str] = set()
    for name in columns:
        if name in seen:
            problems.append(
                file_problem(Rule.DUPLICATE_COLUMN, "the column appears twice", column=name)
            )
        seen.add(name)
    known = set(spec.column_names)
    for name in columns:
        if name not in known:
            problems.append(
                file_problem(
                    Rule.UNKNOWN_COLUMN,
                    f"{spec.file_name} has no such column; expected: {expected}",
                    column=name,
                )
            )
    for column in spec.columns:
        if column.name not in seen:
            if column.required:
                message = "the required column is missing"
            else:
                # Optional means the *value* may be empty; the header still names it, so
                # that a misspelt header is caught instead of read as "all unknown".
                message = "the column is missing (its values are optional, the column is not)"
            problems.append(file_problem(Rule.MISSING_COLUMN, message, column=column.name))
    return problems


@dataclass(frozen=True)
class ChunkResult:
    """A validated chunk.

    ``typed`` has one column per table column (codes mapped to ids), invalid cells null;
    it is only meaningful when ``counts`` is empty. ``keys`` holds the natural key as
    table columns for the file-wide duplicate check.
    """

    typed: pl.DataFrame
    keys: pl.DataFrame
    counts: Counter[Rule]
    examples: list[Problem]


@dataclass(frozen=True)
class _Check:
    column: ColumnSpec
    rule: Rule
    mask: pl.Expr
    message: str
    # Text added to the message row by row, in parentheses (e.g. the other date).
    detail: pl.Expr | None = None


def _number_text(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else str(value)


def _column_exprs(
    column: ColumnSpec, lookups: Mapping[IngestKind, Lookup]
) -> tuple[pl.Expr, list[_Check]]:
    """The typed expression of one column and the checks on it."""
    raw = pl.col(column.name)
    if column.type is ColumnType.TEXT and column.references is None:
        # Catalog text: a value of only spaces counts as empty.
        present = raw.is_not_null() & (raw.str.strip_chars() != "")
    else:
        # Codes and typed values are not stripped (a padded number is reported, a padded
        # code is unknown); an empty quoted value ("") is empty.
        present = raw.is_not_null() & (raw != "")
    checks: list[_Check] = []
    if column.required:
        checks.append(_Check(column, Rule.REQUIRED, ~present, "a value is required"))

    typed: pl.Expr
    ok: pl.Expr
    if column.references is not None:
        typed = lookups[column.references].to_ids(raw)
        ok = typed.is_not_null()
        checks.append(
            _Check(
                column,
                Rule.UNKNOWN_CODE,
                present & ~ok,
                f"unknown {column.name}: this tenant has no such code in {column.references}",
            )
        )
    elif column.type is ColumnType.TEXT:
        typed = raw
        ok = present
        if column.max_length is not None:
            checks.append(
                _Check(
                    column,
                    Rule.MAX_LENGTH,
                    present & (raw.str.len_chars() > column.max_length),
                    f"longer than {column.max_length} characters",
                )
            )
        # Catalog codes, names and labels are one line, as the API requires: a tab, line
        # break or escape would split a log line or an export, or recolour a terminal.
        checks.append(
            _Check(
                column,
                Rule.CONTROL_CHARACTER,
                present & raw.str.contains(_CONTROL_CHARACTER),
                f"contains a control character; expected {ONE_LINE_RULE}",
            )
        )
    elif column.type is ColumnType.TIMEZONE:
        typed = raw
        ok = raw.is_in(list(timezone_names()))
        checks.append(
            _Check(
                column,
                Rule.TIMEZONE,
                present & ~ok,
                "not an IANA time zone name (e.g. America/Chicago)",
            )
        )
    elif column.type is ColumnType.DATE:
        typed = raw.str.to_date("%Y-%m-%d", strict=False)
        # The length check keeps the format strict (to_date alone accepts "2024-1-5").
        ok = typed.is_not_null() & (raw.str.len_bytes() == _ISO_DATE_LENGTH)
        checks.append(_Check(column, Rule.DATE, present & ~ok, "not a date in YYYY-MM-DD form"))
    elif column.type is ColumnType.BOOLEAN:
        typed = raw.replace_strict(_BOOLEANS, default=None, return_dtype=pl.Boolean)
        ok = typed.is_not_null()
        checks.append(
            _Check(column, Rule.BOOLEAN, present & ~ok, "not a boolean (true/false or 1/0)")
        )
    elif column.type is ColumnType.INTEGER:
        typed = raw.cast(pl.Int64, strict=False)
        # A whole number too large for 64 bits does not cast; it is still a whole number,
        # and the bounds below (compared as a float) report it as out of range.
        ok = typed.is_not_null() | raw.str.contains(_WHOLE_NUMBER)
        checks.append(_Check(column, Rule.INTEGER, present & ~ok, "not a whole number"))
    else:
        typed = raw.cast(pl.Float64, strict=False)
        # "nan" and "inf" cast fine but are not quantities.
        ok = typed.is_not_null() & typed.is_finite()
        checks.append(_Check(column, Rule.NUMBER, present & ~ok, "not a (finite) number"))

    checks.extend(_bound_checks(column, raw, typed, ok))
    return pl.when(present & ok).then(typed).alias(column.target), checks


def _bound_checks(column: ColumnSpec, raw: pl.Expr, typed: pl.Expr, ok: pl.Expr) -> list[_Check]:
    """The checks of a parsed value against the column's bounds."""
    if column.earliest is not None and column.latest is not None:
        bad = ok & ((typed < column.earliest) | (typed > column.latest))
        return [_Check(column, Rule.RANGE, bad, date_range_message(column.earliest, column.latest))]
    lower, upper = column.minimum, column.maximum
    value = typed
    if column.type is ColumnType.INTEGER:
        value = pl.when(typed.is_not_null()).then(typed.cast(pl.Float64))
        value = value.otherwise(raw.cast(pl.Float64, strict=False))
    checks: list[_Check] = []
    if lower is not None and column.below is not None:
        bounds = f"[{_number_text(lower)}, {_number_text(column.below)})"
        bad = ok & ((value < lower) | (value >= column.below))
        checks.append(_Check(column, Rule.RANGE, bad, f"must be in {bounds}"))
    elif lower is not None:
        message = f"must be ≥ {_number_text(lower)}"
        checks.append(_Check(column, Rule.MINIMUM, ok & (value < lower), message))
    if upper is not None:
        message = f"must be at most {_number_text(upper)}"
        checks.append(_Check(column, Rule.MAXIMUM, ok & (value > upper), message))
    return checks


def _order_checks(spec: FileSpec, typed: Mapping[str, pl.Expr]) -> list[_Check]:
    """Dates of one row in the wrong order (a store closed before it opened).

    Only pairs of valid dates are compared: an empty or unparseable date is reported (or
    allowed) by its own column's checks.
    """
    checks: list[_Check] = []
    for column in spec.columns:
        if column.after is None:
            continue
        this, earlier = typed[column.name], typed[column.after]
        wrong = (this <= earlier) if column.strictly_after else (this < earlier)
        relation = "after" if column.strictly_after else "on or after"
        checks.append(
            _Check(
                column,
                Rule.DATE_ORDER,
                this.is_not_null() & earlier.is_not_null() & wrong,
                f"must be {relation} {column.after}",
                detail=earlier.dt.to_string("%Y-%m-%d"),
            )
        )
    return checks


def validate_chunk(
    spec: FileSpec,
    raw: pl.DataFrame,
    *,
    first_row: int,
    lookups: Mapping[IngestKind, Lookup],
    example_limit: int = MAX_LISTED_PROBLEMS,
) -> ChunkResult:
    """Check and type one chunk of text rows whose first row is data row ``first_row``.

    Problems are counted per rule; up to ``example_limit`` per rule are returned with
    their row, column and value.
    """
    typed_exprs: list[pl.Expr] = []
    checks: list[_Check] = []
    for column in spec.columns:
        expr, column_checks = _column_exprs(column, lookups)
        typed_exprs.append(expr)
        checks.extend(column_checks)
    by_name = {column.name: expr for column, expr in zip(spec.columns, typed_exprs, strict=True)}
    checks.extend(_order_checks(spec, by_name))
    masks = [check.mask.fill_null(False).alias(f"__check_{i}") for i, check in enumerate(checks)]
    details = [
        check.detail.alias(f"__detail_{i}")
        for i, check in enumerate(checks)
        if check.detail is not None
    ]
    # One select so that polars evaluates all columns and checks in parallel.
    out = raw.select(*typed_exprs, *masks, *details)
    helper_names = [expr.meta.output_name() for expr in [*masks, *details]]
    mask_names = [f"__check_{i}" for i in range(len(checks))]
    totals = out.select(pl.col(mask_names).sum()).row(0) if checks else ()

    counts: Counter[Rule] = Counter()
    examples: list[Problem] = []
    for index, (check, name, total) in enumerate(zip(checks, mask_names, totals, strict=True)):
        if not total:
            continue
        counts[check.rule] += int(total)
        positions = out.get_column(name).arg_true().head(example_limit)
        values = raw.get_column(check.column.name).gather(positions).to_list()
        messages = [check.message] * len(values)
        if check.detail is not None:
            extra = out.get_column(f"__detail_{index}").gather(positions).to_list()
            messages = [f"{check.message} ({detail})" for detail in extra]
        for position, value, message in zip(positions.to_list(), values, messages, strict=True):
            row = first_row + position
            examples.append(
                Problem(
                    rule=check.rule,
                    row=row,
                    line=row + 1,
                    column=check.column.name,
                    value=value,
                    message=message,
                )
            )
    typed = out.drop(helper_names)
    return ChunkResult(
        typed=typed, keys=typed.select(spec.key_targets), counts=counts, examples=examples
    )


def find_duplicate_keys(
    spec: FileSpec,
    keys: pl.DataFrame,
    *,
    lookups: Mapping[IngestKind, Lookup],
    example_limit: int = MAX_LISTED_PROBLEMS,
) -> tuple[int, list[Problem]]:
    """Rows whose natural key repeats an earlier row of the file.

    ``keys`` holds the key (as table columns) of every data row in file order, null where
    a key value was invalid (those rows are already reported and are skipped here). Each
    repeat is one problem naming the row it repeats.
    """
    names = list(keys.columns)
    complete = pl.all_horizontal(pl.col(names).is_not_null())
    repeated = complete & ~pl.struct(names).is_first_distinct()
    flagged = keys.with_row_index("__row", offset=1).filter(repeated)
    if flagged.height == 0:
        return 0, []
    shown = flagged.head(example_limit)
    firsts = (
        keys.with_row_index("__first", offset=1)
        .join(shown.select(names), on=names, how="semi", nulls_equal=False)
        .group_by(names)
        .agg(pl.col("__first").min())
    )
    shown = shown.join(firsts, on=names, how="left").sort("__row")
    display = _key_display(spec, shown, lookups)
    problems = [
        Problem(
            rule=Rule.DUPLICATE_KEY,
            row=row,
            line=row + 1,
            column=",".join(spec.key),
            value=value,
            message=f"the same {'/'.join(spec.key)} as row {first}",
        )
        for row, first, value in zip(
            shown.get_column("__row").to_list(),
            shown.get_column("__first").to_list(),
            display,
            strict=True,
        )
    ]
    return flagged.height, problems


def _key_display(
    spec: FileSpec, rows: pl.DataFrame, lookups: Mapping[IngestKind, Lookup]
) -> list[str]:
    """The natural key of ``rows`` as the file spelt it (ids mapped back to codes)."""
    parts: list[list[str]] = []
    for name in spec.key:
        column = spec.column(name)
        values = rows.get_column(column.target)
        if column.references is not None:
            values = lookups[column.references].to_codes(values)
        parts.append([str(v) for v in values.to_list()])
    return [",".join(items) for items in zip(*parts, strict=True)]
