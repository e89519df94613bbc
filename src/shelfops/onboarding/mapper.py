"""Source file + contract profile → canonical frames, or an explicit failure.

The steps, all vectorised over the whole file:

1. the profile must be able to represent the source: every required canonical field has
   a source column, a default or a derivation (else ``requires_custom_adapter``);
2. the file is read as the profile says (:mod:`.source`); every column the profile reads
   must exist, and none may hold nested JSON (``requires_custom_adapter``);
3. each canonical field is produced: read (numbers, dates, booleans in the profile's
   formats), converted (units, ids), derived, defaulted, and its empty cells handled by
   the null policy; returns follow the quantity sign policy;
4. the quality checks (:mod:`.quality`) decide which records are dropped and whether the
   file is rejected; duplicates are found among the records that survive;
5. transaction lines are aggregated to the daily store × product grain;
6. the canonical frames are checked with exactly the rules of the canonical ingest
   (:func:`shelfops.ingest.validate.validate_chunk`), so an import cannot fail later on
   something the report did not mention.

Every problem names the source line, record, column, value and what was expected.
"""

from __future__ import annotations

import datetime as dt
import difflib
import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

import polars as pl

from shelfops.ingest.schemas import SPECS, ColumnSpec, ColumnType, IngestKind
from shelfops.ingest.validate import Lookup, validate_chunk
from shelfops.onboarding import parsing
from shelfops.onboarding.profiles import (
    QUANTITY_FIELDS,
    AmountPerUnit,
    ContractProfile,
    DiscountFromRegularPrice,
    Grain,
    IdNormalisation,
    NullDefault,
    PromoWhenDiscounted,
    QuantitySignPolicy,
    unrepresentable,
)
from shelfops.onboarding.quality import DEFINITIONS, DROP_ORDER, Check, describe_failure, measure
from shelfops.onboarding.schemas import (
    KindOutcome,
    OnboardingProblem,
    Problems,
    QualityCheck,
    Severity,
)
from shelfops.onboarding.source import LINE, ROW, SourceTable, SourceUnreadable, read_source

MapStatus = Literal["ok", "rejected", "requires_custom_adapter"]
# How many records of a suspicious column are parsed as JSON to confirm nesting.
_NESTED_PROBES = 20
_REFERENCED: dict[str, IngestKind] = {
    "store_code": IngestKind.STORES,
    "product_code": IngestKind.PRODUCTS,
    "supplier_code": IngestKind.SUPPLIERS,
}


@dataclass(frozen=True)
class Catalog:
    """What the mapper knows of the tenant's stored catalog."""

    lookups: Mapping[IngestKind, Lookup]
    store_timezones: Mapping[str, str]

    @classmethod
    def empty(cls) -> Catalog:
        """A tenant with no catalog yet."""
        empty = Lookup.of([])
        return cls(lookups={kind: empty for kind in _REFERENCED.values()}, store_timezones={})


@dataclass
class MappedSource:
    """The canonical frames of a source, or why there are none.

    ``frames`` hold the canonical columns as canonical text (ISO dates, ``true``/``false``)
    plus ``__line``, the source line each canonical row came from (the first line of an
    aggregated day). They are empty unless ``status`` is ``ok``.
    """

    status: MapStatus
    reason: str | None
    records_in: int
    frames: dict[IngestKind, pl.DataFrame]
    outputs: list[KindOutcome]
    quality: list[QualityCheck]
    rows_dropped: dict[str, int]
    problems: Problems
    notes: list[str]
    columns: list[str]

    @property
    def records_dropped(self) -> int:
        """Source records left out of the canonical frames."""
        return sum(self.rows_dropped.values())


def map_source(
    profile: ContractProfile, data: bytes, *, catalog: Catalog, today: dt.date
) -> MappedSource:
    """Map the source file's bytes ``data`` with ``profile`` (see the module docstring).

    ``today`` is the run date (records dated after ``today + 1`` are future-dated).
    """
    problems = Problems()
    reasons = unrepresentable(profile)
    if reasons:
        for reason in reasons:
            problems.add(
                OnboardingProblem(rule="unrepresentable", severity=Severity.ERROR, message=reason)
            )
        return _failed("requires_custom_adapter", "; ".join(reasons), problems, records=0)
    used = profile.source_columns()
    try:
        table = read_source(data, profile.csv, used_columns=used)
    except SourceUnreadable as exc:
        for problem in exc.problems:
            problems.add(problem)
        return _failed(exc.status, exc.reason, problems, records=0)

    missing = [column for column in used if column not in table.columns]
    if missing:
        for column in missing:
            problems.add(_missing_column(column, used[column], table.columns))
        names = ", ".join(repr(c) for c in missing)
        reason = f"the file has no column {names}; columns found: {', '.join(table.columns)}"
        return _failed("rejected", reason, problems, records=table.records, source=table)
    nested = _nested_columns(table, list(used))
    if nested:
        for problem in nested:
            problems.add(problem)
        reason = (
            f"column {nested[0].column!r} holds nested structures (JSON objects or arrays); "
            "a contract profile maps flat columns only"
        )
        return _failed(
            "requires_custom_adapter", reason, problems, records=table.records, source=table
        )
    return _Mapper(profile, table, catalog, today, problems).run()


def _failed(
    status: MapStatus,
    reason: str,
    problems: Problems,
    *,
    records: int,
    source: SourceTable | None = None,
) -> MappedSource:
    return MappedSource(
        status=status,
        reason=reason,
        records_in=records,
        frames={},
        outputs=[],
        quality=[],
        rows_dropped={},
        problems=problems,
        notes=list(source.notes) if source else [],
        columns=list(source.columns) if source else [],
    )


def _missing_column(column: str, uses: list[str], found: list[str]) -> OnboardingProblem:
    close = difflib.get_close_matches(column, found, n=1, cutoff=0.6)
    folded = [name for name in found if name.casefold() == column.casefold()]
    suggestion = folded or close
    hint = f"; did you mean {suggestion[0]!r}?" if suggestion else ""
    return OnboardingProblem(
        rule="missing_column",
        severity=Severity.ERROR,
        column=column,
        message=f"the profile reads column {column!r} (for {', '.join(uses)}) but the file has "
        f"no such column; columns found: {', '.join(found)}{hint}",
    )


def _nested_columns(table: SourceTable, columns: list[str]) -> list[OnboardingProblem]:
    found: list[OnboardingProblem] = []
    for column in columns:
        suspects = table.frame.filter(
            pl.col(column).str.contains(r"^\s*(?:\{[\s\S]*\}|\[[\s\S]*\])\s*$")
        ).head(_NESTED_PROBES)
        for line, value in suspects.select(LINE, column).iter_rows():
            try:
                parsed = json.loads(value)
            except ValueError:
                continue
            if isinstance(parsed, dict | list):
                found.append(
                    OnboardingProblem(
                        rule="nested_structure",
                        severity=Severity.ERROR,
                        line=line,
                        column=column,
                        value=value[:200],
                        message="a nested JSON value; a profile maps one flat value per cell",
                    )
                )
                break
    return found


# ---------------------------------------------------------------------------------------
# The mapping of one readable file
# ---------------------------------------------------------------------------------------


Explain = Callable[[str | None, Any], str]


@dataclass(frozen=True)
class _Mask:
    """Records that fail one rule for one field, and how to explain each of them."""

    name: str
    rule: str
    column: str | None
    field: str | None
    explain: Explain
    # A thresholded check, or None for a rule that rejects outright (or drops, see drop).
    check: Check | None = None
    # A drop policy of the profile (null_dropped, return_dropped): dropped, never rejected.
    drop: str | None = None
    # Work column shown to ``explain`` as its second argument.
    extra: str | None = None


def _v(kind: IngestKind, name: str) -> str:
    return f"v|{kind.value}.{name}"


def _instant(kind: IngestKind) -> str:
    return f"t|{kind.value}.date"


@dataclass
class _Mapper:
    profile: ContractProfile
    table: SourceTable
    catalog: Catalog
    today: dt.date
    problems: Problems
    work: pl.DataFrame = field(init=False)
    masks: list[_Mask] = field(default_factory=list)
    measured: dict[Check, list[str]] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.work = self.table.frame
        self.notes = list(self.table.notes)

    # -- helpers --------------------------------------------------------------------

    def _add(self, **columns: pl.Expr) -> None:
        self.work = self.work.with_columns(**columns)

    def _mask(self, expr: pl.Expr, **spec: Any) -> None:
        name = f"m|{len(self.masks)}"
        self._add(**{name: expr.fill_null(False)})
        self.masks.append(_Mask(name=name, **spec))

    def _measure(self, check: Check, expr: pl.Expr) -> None:
        name = f"p|{check.value}|{len(self.measured.get(check, []))}"
        self._add(**{name: expr.fill_null(False)})
        self.measured.setdefault(check, []).append(name)

    def _clean(self, column: str) -> pl.Expr:
        return parsing.clean(column, self.profile.csv.null_values)

    def _number(self, column: str, strip_chars: str | None) -> parsing.Parsed:
        csv = self.profile.csv
        return parsing.parse_number(
            self._clean(column),
            decimal=csv.decimal_separator,
            thousands=csv.thousands_separator,
            strip_chars=strip_chars,
        )

    def _number_explain(self, prefix: str = "") -> Explain:
        csv = self.profile.csv

        def explain(value: str | None, _extra: Any) -> str:
            text = parsing.number_hint(
                value or "", decimal=csv.decimal_separator, thousands=csv.thousands_separator
            )
            return prefix + text

        return explain

    # -- the run --------------------------------------------------------------------

    def run(self) -> MappedSource:
        profile = self.profile
        for kind in profile.kinds:
            for column in SPECS[kind].columns:
                self._field(kind, column)
            # Each derived field gets its null policy right after it is derived, so the
            # next derivation sees the filled value.
            self._derive(kind)
            derived = profile.derivations.get(kind, {})
            for column in SPECS[kind].columns:
                if column.name not in derived:
                    self._nulls(kind, column)
        self._returns()
        self._dates_and_codes()

        quality, rejected = self._judge()
        self._list(quality, rejected)
        keep = pl.col("__drop").is_null()
        dropped_counts = (
            self.work.filter(~keep).group_by("__drop").len().rows() if not rejected else []
        )
        found = {str(reason): int(n) for reason, n in dropped_counts}
        rows_dropped = {reason: found[reason] for reason in DROP_ORDER if reason in found}
        records = self.table.records
        if rejected or self.problems.has_errors():
            failed = [describe_failure(q) for q in quality if not q.passed]
            reason = "; ".join(failed) if failed else self._first_error("cannot be read")
            return self._result("rejected", reason, quality, {}, records)

        kept = self.work.filter(keep)
        frames = {kind: self._canonical(kind, kept) for kind in profile.kinds}
        for kind, frame in frames.items():
            self._validate(kind, frame)
        if self.problems.has_errors():
            reason = self._first_error("break the canonical format's rules")
            return self._result("rejected", reason, quality, rows_dropped, records)
        return self._result("ok", None, quality, rows_dropped, records, frames)

    def _first_error(self, what: str) -> str:
        errors = [p for p in self.problems.sorted() if p.severity is Severity.ERROR]
        first = errors[0]
        where = f"line {first.line}" + (f", column {first.column!r}" if first.column else "")
        return f"{self.problems.errors} value(s) {what}; the first: {where}: {first.message}"

    def _result(
        self,
        status: MapStatus,
        reason: str | None,
        quality: list[QualityCheck],
        rows_dropped: dict[str, int],
        records: int,
        frames: dict[IngestKind, pl.DataFrame] | None = None,
    ) -> MappedSource:
        frames = frames or {}
        return MappedSource(
            status=status,
            reason=reason,
            records_in=records,
            frames=frames,
            outputs=[_outcome(kind, frame) for kind, frame in frames.items()],
            quality=quality,
            rows_dropped=rows_dropped,
            problems=self.problems,
            notes=self.notes,
            columns=list(self.table.columns),
        )

    # -- step 3: fields ---------------------------------------------------------------

    def _field(self, kind: IngestKind, spec: ColumnSpec) -> None:
        profile = self.profile
        label = f"{kind.value}.{spec.name}"
        column = profile.field_map.get(kind, {}).get(spec.name)
        target = _v(kind, spec.name)
        if column is None:
            if spec.name in profile.defaults.get(kind, {}):
                self._add(**{target: _literal(spec, profile.defaults[kind][spec.name])})
            elif spec.name not in profile.derivations.get(kind, {}):
                self._add(**{target: pl.lit(None, dtype=_dtype(spec))})
            return
        hint = profile.type_map.get(kind, {}).get(spec.name)
        self._add(**{f"e|{label}": self._clean(column).is_null()})
        if spec.type is ColumnType.DATE:
            self._date_field(kind, spec, column)
        elif spec.type in (ColumnType.NUMBER, ColumnType.INTEGER):
            parsed = self._number(column, hint.strip_chars if hint else None)
            value = self._convert(kind, spec, parsed)
            quantity = (kind, spec.name) in QUANTITY_FIELDS
            check = Check.QUANTITY_PARSE if quantity else None
            if quantity:
                self._measure(Check.QUANTITY_PARSE, parsed.present)
            self._mask(
                parsed.present & ~parsed.ok,
                rule="quantity_parse" if quantity else "number",
                column=column,
                field=label,
                explain=self._number_explain(),
                check=check,
            )
            if spec.type is ColumnType.INTEGER:
                self._mask(
                    value.is_not_null() & (value.round(0) != value),
                    rule="integer",
                    column=column,
                    field=label,
                    explain=lambda _v, _e: "not a whole number",
                )
                value = value.round(0).cast(pl.Int64)
            self._add(**{target: value})
        elif spec.type is ColumnType.BOOLEAN:
            trues = hint.true_values if hint else None
            falses = hint.false_values if hint else None
            parsed = parsing.parse_boolean(self._clean(column), trues, falses)
            message = parsing.boolean_hint(trues, falses)
            self._mask(
                parsed.present & ~parsed.ok,
                rule="boolean",
                column=column,
                field=label,
                explain=lambda _v, _e: message,
            )
            self._add(**{target: parsed.value})
        elif spec.references is not None or spec.name in _REFERENCED:
            rule = profile.id_normalisation.get(spec.name)  # type: ignore[call-overload]
            self._add(**{target: _normalise(self._clean(column), rule)})
        else:
            self._add(**{target: self._clean(column)})

    def _convert(self, kind: IngestKind, spec: ColumnSpec, parsed: parsing.Parsed) -> pl.Expr:
        conversion = self.profile.unit_conversions.get(kind, {}).get(spec.name)
        if conversion is None:
            return parsed.value
        if conversion.factor is not None:
            return parsed.value * conversion.factor
        assert conversion.factor_column is not None
        factor = self._number(conversion.factor_column, None)
        quantity = (kind, spec.name) in QUANTITY_FIELDS
        self._mask(
            parsed.present & ~factor.ok,
            rule="quantity_parse" if quantity else "number",
            column=conversion.factor_column,
            field=f"{kind.value}.{spec.name}",
            explain=self._number_explain(prefix="the unit factor is missing or "),
            check=Check.QUANTITY_PARSE if quantity else None,
        )
        # A case pack of 0 would silently turn every case into 0 units.
        self._mask(
            parsed.present & factor.ok & (factor.value <= 0),
            rule="quantity_parse" if quantity else "number",
            column=conversion.factor_column,
            field=f"{kind.value}.{spec.name}",
            explain=lambda value, _e: f"the unit factor must be above 0, got {value!r}",
            check=Check.QUANTITY_PARSE if quantity else None,
        )
        return parsed.value * factor.value

    def _date_field(self, kind: IngestKind, spec: ColumnSpec, column: str) -> None:
        profile = self.profile
        zone = profile.timezone.source
        parsed = parsing.parse_time(
            self._clean(column),
            date_format=profile.date_format,
            source_zone=zone,
            decimal=profile.csv.decimal_separator,
        )
        label = f"{kind.value}.{spec.name}"
        date_format = profile.date_format
        self._measure(Check.DATE_PARSE, parsed.present)
        self._mask(
            parsed.present & ~parsed.ok,
            rule="date_parse",
            column=column,
            field=label,
            explain=lambda value, _e: parsing.date_hint(
                value or "", date_format=date_format, source_zone=zone
            ),
            check=Check.DATE_PARSE,
        )
        if spec.name == "date":
            # The business day: decided after the store codes are known (step "dates").
            self._add(**{_instant(kind): parsed.instant, f"d|{kind.value}": parsed.day})
            return
        self._add(
            **{
                _v(kind, spec.name): pl.coalesce(
                    parsed.day, parsing.local_date(parsed.instant, zone)
                )
            }
        )

    def _derive(self, kind: IngestKind) -> None:
        """The derived fields, each followed by its null policy.

        Besides the value, each derivation writes ``w|<field>``: why a record has no
        value, set only when the derivation's own inputs are at fault (an empty amount or
        regular price, a zero quantity). A record whose input is missing upstream (an
        empty quantity, a price that could not be derived) is reported there, once.
        """
        recipes = self.profile.derivations.get(kind, {})
        # Fixed order: a discount may use the derived price, a promo the derived discount.
        for name in ("unit_price", "discount_pct", "promo_flag"):
            recipe = recipes.get(name)
            if recipe is None:
                continue
            target = _v(kind, name)
            label = f"{kind.value}.{name}"
            if isinstance(recipe, AmountPerUnit):
                amount = self._number(recipe.amount_column, self._strip(kind, name))
                self._mask(
                    amount.present & ~amount.ok,
                    rule="number",
                    column=recipe.amount_column,
                    field=label,
                    explain=self._number_explain(),
                )
                quantity = pl.col(_v(kind, "quantity"))
                value: pl.Expr = pl.when(quantity != 0).then(amount.value / quantity)
                conversion = self.profile.unit_conversions.get(kind, {}).get(name)
                if conversion is not None and conversion.factor is not None:
                    value = value * conversion.factor
                lines = self.profile.grain is Grain.TRANSACTION_LINE
                if lines:
                    self._zero_quantity_lines(kind, recipe.amount_column)
                # Any other row of zero units (a zero-sales day): the null policy decides.
                why: pl.Expr = (
                    pl.when(~amount.present)
                    .then(pl.lit(f"{recipe.amount_column!r} is empty"))
                    .when(pl.lit(not lines) & (quantity == 0))
                    .then(pl.lit("the quantity is 0"))
                )
                self._add(**{target: value, f"w|{label}": why})
            elif isinstance(recipe, DiscountFromRegularPrice):
                regular = self._number(recipe.regular_price_column, self._strip(kind, "unit_price"))
                self._mask(
                    regular.present & ~regular.ok,
                    rule="number",
                    column=recipe.regular_price_column,
                    field=label,
                    explain=self._number_explain(),
                )
                price = pl.col(_v(kind, "unit_price"))
                # A regular price of 0 (an open-price or give-away item) has nothing to
                # discount from: the discount is 0, not a division by zero. A price above
                # the regular one (a surcharge, a catalog not yet updated) is no discount
                # either; a negative discount is not a sales fact and would fail the file.
                value = (
                    pl.when(regular.value > 0)
                    .then((1 - price / regular.value).clip(lower_bound=0.0))
                    .when(regular.value == 0)
                    .then(pl.lit(0.0))
                )
                column = recipe.regular_price_column
                why = (
                    pl.when(price.is_null())
                    .then(pl.lit(None, dtype=pl.String))
                    .when(~regular.present)
                    .then(pl.lit(f"{column!r} is empty"))
                    .when(regular.value < 0)
                    .then(pl.lit(f"the regular price {column!r} is negative"))
                )
                self._add(**{target: value, f"w|{label}": why})
            elif isinstance(recipe, PromoWhenDiscounted):
                # Empty only when the discount is, which is reported for the discount.
                self._add(
                    **{
                        target: pl.col(_v(kind, "discount_pct")) > 0,
                        f"w|{label}": pl.lit(None, dtype=pl.String),
                    }
                )
            self._nulls(kind, SPECS[kind].column(name))

    def _zero_quantity_lines(self, kind: IngestKind, amount_column: str) -> None:
        """A transaction line of zero units (a voided line, a price-only correction) adds
        nothing to the day's units and has no unit price (amount ÷ 0): it is left out and
        listed, like a dropped return, instead of failing the file."""
        column = self.profile.field_map[kind].get("quantity")
        self._mask(
            pl.col(_v(kind, "quantity")) == 0,
            rule="zero_quantity",
            column=column,
            field=f"{kind.value}.quantity",
            explain=lambda _v, _e: (
                f"a quantity of 0 adds no units and has no unit price ({amount_column!r} ÷ 0); "
                "the line is left out"
            ),
            drop="zero_quantity",
        )

    def _strip(self, kind: IngestKind, name: str) -> str | None:
        hint = self.profile.type_map.get(kind, {}).get(name)
        return hint.strip_chars if hint else None

    def _nulls(self, kind: IngestKind, spec: ColumnSpec) -> None:
        profile = self.profile
        label = f"{kind.value}.{spec.name}"
        if spec.name in profile.defaults.get(kind, {}):
            return
        column = profile.field_map.get(kind, {}).get(spec.name)
        recipe = profile.derivations.get(kind, {}).get(spec.name)
        if column is None and recipe is None:
            return  # an optional field the source does not carry: empty
        reason: str | None = None
        if column is not None:
            empty = pl.col(f"e|{label}")
            shown: str | None = column
        else:
            # A derived value is empty when its own inputs give no value (``w|`` says
            # why, e.g. an empty amount); a record whose inputs did not parse is reported
            # for that already, so it does not count as empty too.
            parse_rules = ("number", "quantity_parse", "integer", "boolean")
            inputs_failed = [
                pl.col(m.name)
                for m in self.masks
                if m.rule in parse_rules and (m.field or "").startswith(f"{kind.value}.")
            ]
            reason = f"w|{label}"
            empty = pl.col(reason).is_not_null() & ~pl.any_horizontal(*inputs_failed, pl.lit(False))
            shown = _recipe_column(recipe)  # None for a promo flag: no column of its own
        rule = profile.null_policy.get(kind, {}).get(spec.name)
        if rule is None:
            rule = "reject" if spec.required else None
        formula = _recipe_text(recipe)

        def why(cause: Any) -> str:
            return "is empty" if column is not None else f"cannot be derived ({formula}: {cause})"

        if rule == "reject":
            self._measure(Check.REQUIRED_NULL, pl.lit(True))
            self._mask(
                empty,
                rule="required_null",
                column=shown,
                field=label,
                explain=lambda _v, cause: (
                    f"{label} is required but {why(cause)} (null_policy: reject)"
                ),
                check=Check.REQUIRED_NULL,
                extra=reason,
            )
        elif rule == "drop_row":
            self._mask(
                empty,
                rule="null_dropped",
                column=shown,
                field=label,
                explain=lambda _v, cause: (
                    f"{label} {why(cause)}; the record is dropped (null_policy: drop_row)"
                ),
                drop="null_dropped",
                extra=reason,
            )
        elif isinstance(rule, NullDefault):
            filled = int(self.work.select(empty.sum()).item())
            if filled:
                self.notes.append(
                    f"{label}: {filled} empty value(s) filled with {rule.default!r} (null_policy)"
                )
            if spec.name == "date":
                default = dt.date.fromisoformat(str(rule.default))
                self._add(
                    **{
                        f"d|{kind.value}": pl.when(empty)
                        .then(pl.lit(default))
                        .otherwise(pl.col(f"d|{kind.value}"))
                    }
                )
            else:
                value = pl.col(_v(kind, spec.name))
                self._add(
                    **{
                        _v(kind, spec.name): pl.when(empty)
                        .then(_literal(spec, rule.default))
                        .otherwise(value)
                    }
                )

    def _returns(self) -> None:
        if IngestKind.SALES not in self.profile.kinds:
            return
        quantity = pl.col(_v(IngestKind.SALES, "quantity"))
        column = self.profile.field_map[IngestKind.SALES].get("quantity")
        policy = self.profile.quantity_sign_policy
        if policy is QuantitySignPolicy.REJECT:
            self._mask(
                quantity < 0,
                rule="negative_quantity",
                column=column,
                field="sales.quantity",
                explain=lambda _v, _e: (
                    "a negative quantity (a return), but quantity_sign_policy "
                    "is reject; choose drop_returns, net or net_clip_zero"
                ),
            )
        elif policy is QuantitySignPolicy.DROP_RETURNS:
            self._mask(
                quantity < 0,
                rule="return_dropped",
                column=column,
                field="sales.quantity",
                explain=lambda _v, _e: (
                    "a return (negative quantity); dropped (quantity_sign_policy: drop_returns)"
                ),
                drop="return_dropped",
            )

    def _dates_and_codes(self) -> None:
        """Business days (which may need the store's zone), future dates, unknown codes."""
        profile = self.profile
        tomorrow = self.today + dt.timedelta(days=1)
        for kind in profile.kinds:
            names = SPECS[kind].column_names
            if "date" in names and "date" in profile.field_map.get(kind, {}):
                self._add(**{_v(kind, "date"): self._business_day(kind)})
            if "date" in names:
                date = pl.col(_v(kind, "date"))
                self._measure(Check.FUTURE_DATE, date.is_not_null())
                self._mask(
                    date > tomorrow,
                    rule="future_date",
                    column=profile.field_map.get(kind, {}).get("date"),
                    field=f"{kind.value}.date",
                    explain=lambda _v, day: (
                        f"dated {day} (business day), after tomorrow ({tomorrow})"
                    ),
                    check=Check.FUTURE_DATE,
                    extra=_v(kind, "date"),
                )
            for name, refers in _REFERENCED.items():
                if name not in names or (kind, name) == (refers, name):
                    continue  # a catalog file's own code is not a reference
                code = pl.col(_v(kind, name))
                known = code.is_in(self.catalog.lookups[refers].codes.implode())
                self._measure(Check.REFERENCE_INTEGRITY, code.is_not_null())
                column = profile.field_map.get(kind, {}).get(name)
                self._mask(
                    code.is_not_null() & ~known,
                    rule="unknown_code",
                    column=column,
                    field=f"{kind.value}.{name}",
                    explain=_unknown_code(name, refers),
                    check=Check.REFERENCE_INTEGRITY,
                    extra=_v(kind, name),
                )

    def _business_day(self, kind: IngestKind) -> pl.Expr:
        day = pl.col(f"d|{kind.value}")
        instant = pl.col(_instant(kind))
        business = self.profile.timezone.business_day
        if business == "source":
            local = parsing.local_date(instant, self.profile.timezone.source)
        elif business != "store":
            local = parsing.local_date(instant, business)
        else:
            zones = dict(self.catalog.store_timezones)
            store = pl.col(_v(kind, "store_code"))
            zone = store.replace_strict(zones, default=None, return_dtype=pl.String)
            local = pl.lit(None, dtype=pl.Date)
            for name in sorted(set(zones.values())):
                local = (
                    pl.when(zone == name).then(parsing.local_date(instant, name)).otherwise(local)
                )
        return pl.coalesce(day, local)

    # -- step 4: quality -----------------------------------------------------------------

    def _judge(self) -> tuple[list[QualityCheck], bool]:
        """Measure the checks, mark dropped records (``__drop``) and say if it's rejected."""
        thresholds = self.profile.quality
        by_check: dict[Check, list[_Mask]] = {}
        for mask in self.masks:
            if mask.check is not None:
                by_check.setdefault(mask.check, []).append(mask)

        def any_of(names: list[str]) -> pl.Expr:
            return pl.any_horizontal(*(pl.col(n) for n in names)) if names else pl.lit(False)

        stats = (
            self.work.select(
                *(
                    any_of([m.name for m in masks]).sum().alias(f"f|{c.value}")
                    for c, masks in by_check.items()
                ),
                *(any_of(names).sum().alias(f"n|{c.value}") for c, names in self.measured.items()),
            ).row(0, named=True)
            if (by_check or self.measured)
            else {}
        )
        quality: dict[Check, QualityCheck] = {}
        for check in Check:
            if check is Check.DUPLICATE:
                continue
            if check not in self.measured and check not in by_check:
                continue
            quality[check] = measure(
                check,
                failing=int(stats.get(f"f|{check.value}", 0) or 0),
                measured=int(stats.get(f"n|{check.value}", 0) or 0),
                thresholds=thresholds,
            )
        # The first reason (in DROP_ORDER) a record is dropped for.
        reasons: dict[str, list[str]] = {}
        for mask in self.masks:
            reason = mask.drop or (DEFINITIONS[mask.check].rule if mask.check else None)
            if reason is not None:
                reasons.setdefault(reason, []).append(mask.name)
        drop: pl.Expr = pl.lit(None, dtype=pl.String)
        for reason in reversed(DROP_ORDER):
            if reason in reasons:
                drop = pl.when(any_of(reasons[reason])).then(pl.lit(reason)).otherwise(drop)
        self._add(__drop=drop)

        duplicate = self._duplicates()
        if duplicate is not None:
            quality[Check.DUPLICATE] = duplicate
        ordered = [quality[c] for c in Check if c in quality]
        return ordered, any(not q.passed for q in ordered)

    def _duplicates(self) -> QualityCheck | None:
        """Mark records repeating the dedupe key of a kept record (kept: the first or the
        last, as the profile says), among the records nothing else drops."""
        profile = self.profile
        if profile.dedupe_keys:
            keys = [self._clean(c).alias(f"k|{i}") for i, c in enumerate(profile.dedupe_keys)]
            label = "/".join(profile.dedupe_keys)
            column: str | None = profile.dedupe_keys[0]
        elif profile.grain is Grain.TRANSACTION_LINE:
            return None  # two equal sale lines are two sales
        else:
            kind = profile.kinds[0]
            spec = SPECS[kind]
            keys = [pl.col(_v(kind, name)).alias(f"k|{i}") for i, name in enumerate(spec.key)]
            label = "/".join(f"{kind.value}.{name}" for name in spec.key)
            column = profile.field_map.get(kind, {}).get(spec.key[0])
        fatal = [m.name for m in self.masks if m.check is None and m.drop is None]
        survivors = pl.col("__drop").is_null() & ~pl.any_horizontal(
            *(pl.col(n) for n in fatal), pl.lit(False)
        )
        names = [f"k|{i}" for i in range(len(keys))]
        considered = (
            self.work.filter(survivors)
            .select(ROW, LINE, *keys)
            .filter(pl.all_horizontal(pl.col(n).is_not_null() for n in names))
        )
        keep_first = profile.dedupe_keep == "first"
        repeated = ~(
            pl.struct(names).is_first_distinct()
            if keep_first
            else pl.struct(names).is_last_distinct()
        )
        kept_line = (pl.col(LINE).first() if keep_first else pl.col(LINE).last()).over(names)
        flagged = considered.select(
            ROW, repeated.alias("__dup"), kept_line.alias("__kept_line")
        ).filter(pl.col("__dup"))
        self.work = self.work.join(flagged, on=ROW, how="left").with_columns(
            pl.col("__dup").fill_null(False)
        )
        keep = "first" if keep_first else "last"
        self.masks.append(
            _Mask(
                name="__dup",
                rule="duplicate",
                column=column,
                field=None,
                explain=lambda _v, line: f"the same {label} as line {line} (the {keep} is kept)",
                check=Check.DUPLICATE,
                extra="__kept_line",
            )
        )
        self._add(
            __drop=pl.when(pl.col("__dup")).then(pl.lit("duplicate")).otherwise(pl.col("__drop"))
        )
        return measure(
            Check.DUPLICATE,
            failing=flagged.height,
            measured=self.table.records,
            thresholds=profile.quality,
        )

    def _list(self, quality: list[QualityCheck], rejected: bool) -> None:
        """List the failing records of every mask (counted in full, the first few shown).

        A record is reported once per rule and source column: two canonical files fed
        by the same column (sales.date and inventory.date) fail on the same records.
        """
        failed = {Check(q.name) for q in quality if not q.passed}
        keep = pl.col("__drop").is_null()
        seen: dict[tuple[str, str | None], pl.Series] = {}
        for mask in self.masks:
            if mask.check is not None:
                severity = Severity.ERROR if mask.check in failed else Severity.DROPPED
                where = pl.col(mask.name)
            elif mask.drop is not None:
                severity = Severity.DROPPED
                where = pl.col(mask.name)
            else:
                severity = Severity.ERROR
                # Records another (tolerated) rule drops anyway are not held against the file.
                where = pl.col(mask.name) & (keep if not rejected else pl.lit(True))
            key = (mask.rule, mask.column)
            if key in seen:
                where = where & ~pl.col(ROW).is_in(seen[key].implode())
            failing = self.work.filter(where)
            if failing.height == 0:
                continue
            rows = failing.get_column(ROW)
            seen[key] = pl.concat([seen[key], rows]) if key in seen else rows
            shown = [LINE, ROW]
            if mask.column is not None:
                shown.append(mask.column)
            if mask.extra is not None:
                shown.append(mask.extra)
            listed = failing.select(shown).head(20).rows(named=True)
            for row in listed:
                value = row.get(mask.column) if mask.column else None
                extra = row.get(mask.extra) if mask.extra else None
                self.problems.add(
                    OnboardingProblem(
                        rule=mask.rule,
                        severity=severity,
                        line=row[LINE],
                        row=row[ROW],
                        column=mask.column,
                        field=mask.field,
                        value=value,
                        message=mask.explain(value, extra),
                    )
                )
            self.problems.count(mask.rule, failing.height - len(listed), severity=severity)

    # -- step 5: canonical frames ---------------------------------------------------------

    def _canonical(self, kind: IngestKind, kept: pl.DataFrame) -> pl.DataFrame:
        spec = SPECS[kind]
        columns = [pl.col(_v(kind, c.name)).alias(c.name) for c in spec.columns]
        if _instant(kind) in kept.columns:
            # Kept for ordering a day's lines (the last on-hand value of the day).
            columns.append(pl.col(_instant(kind)).alias("__instant"))
        frame = kept.select(LINE, *columns)
        if self.profile.grain is Grain.TRANSACTION_LINE and kind is IngestKind.SALES:
            frame = self._aggregate(frame)
        if (
            kind is IngestKind.SALES
            and self.profile.quantity_sign_policy is QuantitySignPolicy.NET_CLIP_ZERO
        ):
            negative = frame.filter(pl.col("quantity") < 0)
            for line, quantity in negative.select(LINE, "quantity").head(20).iter_rows():
                self.problems.add(
                    OnboardingProblem(
                        rule="net_clipped",
                        severity=Severity.WARNING,
                        line=line,
                        field="sales.quantity",
                        column=self.profile.field_map[kind].get("quantity"),
                        value=f"{quantity:g}",
                        message="returns exceed sales on this day; the net quantity is set to 0 "
                        "(quantity_sign_policy: net_clip_zero)",
                    )
                )
            self.problems.count(
                "net_clipped", max(0, negative.height - 20), severity=Severity.WARNING
            )
            frame = frame.with_columns(pl.col("quantity").clip(lower_bound=0))
        return frame.select(LINE, *(_as_text(c) for c in spec.columns))

    def _aggregate(self, lines: pl.DataFrame) -> pl.DataFrame:
        """Transaction lines → one row per store × product × business day.

        quantity: the sum; unit_price and discount_pct: means weighted by units (a return
        weighs its units too; a day of zero units takes the plain mean); promo_flag: any
        line on promotion; on_hand_close: the last line's value (by timestamp, then file
        order); the row's line: the day's first line.
        """
        weight = pl.col("quantity").abs()
        total = weight.sum()

        def weighted(name: str) -> pl.Expr:
            value = pl.col(name)
            return (
                pl.when(total > 0)
                .then((value * weight).sum() / total)
                .otherwise(value.mean())
                .alias(name)
            )

        order = [c for c in ("__instant", LINE) if c in lines.columns]
        grouped = lines.sort(order).group_by(
            ["store_code", "product_code", "date"], maintain_order=True
        )
        out = grouped.agg(
            pl.col(LINE).min(),
            pl.col("quantity").sum(),
            weighted("unit_price"),
            pl.col("promo_flag").any(),
            weighted("discount_pct"),
            pl.col("on_hand_close").drop_nulls().last(),
            pl.len().alias("__lines"),
        )
        collapsed = lines.height - out.height
        if collapsed:
            self.notes.append(
                f"{lines.height} transaction line(s) were aggregated into {out.height} daily "
                "store × product row(s)"
            )
        return out.sort(LINE)

    # -- step 6: the canonical rules ------------------------------------------------------

    def _validate(self, kind: IngestKind, frame: pl.DataFrame) -> None:
        spec = SPECS[kind]
        lookups = {
            c.references: self.catalog.lookups[c.references]
            for c in spec.columns
            if c.references is not None
        }
        result = validate_chunk(spec, frame.drop(LINE), first_row=1, lookups=lookups)
        if not result.counts:
            return
        lines = frame.get_column(LINE)
        for example in result.examples:
            position = (example.row or 1) - 1
            name = example.column or ""
            self.problems.add(
                OnboardingProblem(
                    rule=example.rule.value,
                    severity=Severity.ERROR,
                    line=int(lines[position]),
                    column=self.profile.field_map.get(kind, {}).get(name),
                    field=f"{kind.value}.{name}",
                    value=example.value,
                    message=f"{example.message} (canonical {kind.value}.{name})",
                )
            )
        listed = len(result.examples)
        self.problems.count(
            "canonical", sum(result.counts.values()) - listed, severity=Severity.ERROR
        )


def _unknown_code(name: str, refers: IngestKind) -> Explain:
    def explain(value: str | None, code: Any) -> str:
        read = f" (read from {value!r})" if value is not None and value != code else ""
        return (
            f"unknown {name} {code!r}{read}: this tenant's catalog has no such {refers.value[:-1]}"
        )

    return explain


def _recipe_column(recipe: Any) -> str | None:
    if isinstance(recipe, AmountPerUnit):
        return recipe.amount_column
    if isinstance(recipe, DiscountFromRegularPrice):
        return recipe.regular_price_column
    return None


def _recipe_text(recipe: Any) -> str:
    if isinstance(recipe, AmountPerUnit):
        return f"{recipe.amount_column!r} ÷ quantity"
    if isinstance(recipe, DiscountFromRegularPrice):
        return f"1 − unit_price ÷ {recipe.regular_price_column!r}"
    return "discount_pct > 0"


def _normalise(code: pl.Expr, rule: IdNormalisation | None) -> pl.Expr:
    """A code cleaned as the profile says: prefixes removed, case, leading zeros."""
    if rule is None:
        return code
    if rule.remove_prefixes:
        stripped: pl.Expr = code
        for prefix in reversed(rule.remove_prefixes):
            stripped = (
                pl.when(code.str.starts_with(prefix))
                .then(code.str.slice(len(prefix)))
                .otherwise(stripped)
            )
        code = stripped
    if rule.case == "upper":
        code = code.str.to_uppercase()
    elif rule.case == "lower":
        code = code.str.to_lowercase()
    if rule.strip_leading_zeros:
        trimmed = code.str.strip_chars_start("0")
        code = pl.when((trimmed == "") & (code != "")).then(pl.lit("0")).otherwise(trimmed)
    if rule.zero_pad_to is not None:
        code = code.str.zfill(rule.zero_pad_to)
    # A code that was only a prefix is no code at all.
    return pl.when(code == "").then(None).otherwise(code)


def _dtype(spec: ColumnSpec) -> pl.DataType:
    return {
        ColumnType.DATE: pl.Date(),
        ColumnType.NUMBER: pl.Float64(),
        ColumnType.INTEGER: pl.Int64(),
        ColumnType.BOOLEAN: pl.Boolean(),
    }.get(spec.type, pl.String())


def _literal(spec: ColumnSpec, value: Any) -> pl.Expr:
    if spec.type is ColumnType.DATE:
        return pl.lit(dt.date.fromisoformat(str(value)), dtype=pl.Date)
    if spec.type is ColumnType.NUMBER:
        return pl.lit(float(value), dtype=pl.Float64)
    if spec.type is ColumnType.INTEGER:
        return pl.lit(int(value), dtype=pl.Int64)
    if spec.type is ColumnType.BOOLEAN:
        return pl.lit(bool(value), dtype=pl.Boolean)
    return pl.lit(str(value), dtype=pl.String)


def _as_text(spec: ColumnSpec) -> pl.Expr:
    """A typed canonical column written as the canonical CSV spells it."""
    value = pl.col(spec.name)
    if spec.type is ColumnType.DATE:
        return value.dt.to_string("%Y-%m-%d").alias(spec.name)
    if spec.type is ColumnType.BOOLEAN:
        return (
            pl.when(value).then(pl.lit("true")).when(~value).then(pl.lit("false")).alias(spec.name)
        )
    return value.cast(pl.String).alias(spec.name)


def _outcome(kind: IngestKind, frame: pl.DataFrame) -> KindOutcome:
    first = last = None
    if "date" in frame.columns and frame.height:
        dates = frame.get_column("date")
        first, last = (
            dt.date.fromisoformat(str(dates.min())),
            dt.date.fromisoformat(str(dates.max())),
        )
    return KindOutcome(kind=kind, rows=frame.height, first_date=first, last_date=last)
