"""Column lineage: for every canonical field, the source columns it comes from and the
transformations applied on the way, in order. Built from the profile (and the file's
header, for the columns nothing reads)."""

from __future__ import annotations

from pydantic import BaseModel, Field

from shelfops.ingest.schemas import SPECS, ColumnSpec, ColumnType, IngestKind
from shelfops.onboarding import parsing
from shelfops.onboarding.profiles import (
    QUANTITY_FIELDS,
    AmountPerUnit,
    ContractProfile,
    DiscountFromRegularPrice,
    Grain,
    IdNormalisation,
    NullDefault,
    QuantitySignPolicy,
)


class LineageEntry(BaseModel):
    """One canonical field: where it comes from and what happens to it."""

    canonical_field: str
    required: bool
    source_columns: list[str]
    transformations: list[str]


class LineageMap(BaseModel):
    """The lineage of every canonical field a profile produces."""

    profile_id: str
    profile_version: int
    source_file: str
    grain: str | None
    fields: list[LineageEntry] = Field(default_factory=list)
    dedupe: str = Field(description="which records count as duplicates, and which is kept")
    unused_source_columns: list[str] = Field(
        default_factory=list, description="columns of the file that no field reads"
    )


def lineage(profile: ContractProfile, *, source_file: str, columns: list[str]) -> LineageMap:
    """The lineage map of ``profile`` applied to a file with header ``columns``."""
    entries = [
        _entry(profile, kind, column) for kind in profile.kinds for column in SPECS[kind].columns
    ]
    used = profile.source_columns()
    return LineageMap(
        profile_id=profile.profile_id,
        profile_version=profile.version,
        source_file=source_file,
        grain=profile.grain.value if profile.grain else None,
        fields=entries,
        dedupe=_dedupe(profile),
        unused_source_columns=[c for c in columns if c not in used],
    )


def _dedupe(profile: ContractProfile) -> str:
    keep = f"the {profile.dedupe_keep} is kept"
    if profile.dedupe_keys:
        columns = ", ".join(repr(c) for c in profile.dedupe_keys)
        return f"records with equal source columns {columns} are duplicates; {keep}"
    if profile.grain is Grain.TRANSACTION_LINE or not profile.kinds:
        return "none (two equal transaction lines are two sales)"
    kind = profile.kinds[0]
    key = ", ".join(f"{kind.value}.{name}" for name in SPECS[kind].key)
    return f"records with an equal canonical key ({key}) are duplicates; {keep}"


def _entry(profile: ContractProfile, kind: IngestKind, spec: ColumnSpec) -> LineageEntry:
    label = f"{kind.value}.{spec.name}"
    column = profile.field_map.get(kind, {}).get(spec.name)
    recipe = profile.derivations.get(kind, {}).get(spec.name)
    steps: list[str] = []
    sources: list[str] = []
    if column is not None:
        sources.append(column)
        nulls = ", ".join(repr(v) for v in profile.csv.null_values)
        steps.append(f"read column {column!r}; trim spaces; {nulls} mean empty")
        steps += _reading(profile, kind, spec)
    elif spec.name in profile.defaults.get(kind, {}):
        steps.append(f"constant {profile.defaults[kind][spec.name]!r} (defaults)")
    elif isinstance(recipe, AmountPerUnit):
        sources.append(recipe.amount_column)
        steps.append(f"read column {recipe.amount_column!r} as a number")
        if profile.grain is Grain.TRANSACTION_LINE:
            steps.append(
                f"divide by {kind.value}.quantity (a line of quantity 0 is left out: zero_quantity)"
            )
        else:
            steps.append(f"divide by {kind.value}.quantity (empty when the quantity is 0)")
    elif isinstance(recipe, DiscountFromRegularPrice):
        sources.append(recipe.regular_price_column)
        steps.append(f"read column {recipe.regular_price_column!r} as a number (regular price)")
        steps.append(
            f"1 − {kind.value}.unit_price ÷ regular price (0 when the regular price is 0 "
            "or below the price)"
        )
    elif recipe is not None:
        steps.append(f"true when {kind.value}.discount_pct > 0")
    else:
        steps.append("not in the source: left empty")
    conversion = profile.unit_conversions.get(kind, {}).get(spec.name)
    if conversion is not None:
        what = f" ({conversion.label})" if conversion.label else ""
        if conversion.factor is not None:
            steps.append(f"multiply by {conversion.factor:g}{what}")
        else:
            assert conversion.factor_column is not None
            sources.append(conversion.factor_column)
            steps.append(f"multiply by column {conversion.factor_column!r}{what}")
    if spec.name not in profile.defaults.get(kind, {}) and (column or recipe):
        steps.append(_null_step(profile, kind, spec))
    if label == "sales.quantity":
        steps.append(_sign_step(profile.quantity_sign_policy))
    if profile.grain is Grain.TRANSACTION_LINE and kind is IngestKind.SALES:
        steps.append(_AGGREGATION[spec.name])
    steps.append(f"checked as canonical {label}: {_canonical(spec)}")
    return LineageEntry(
        canonical_field=label, required=spec.required, source_columns=sources, transformations=steps
    )


def _reading(profile: ContractProfile, kind: IngestKind, spec: ColumnSpec) -> list[str]:
    hint = profile.type_map.get(kind, {}).get(spec.name)
    csv = profile.csv
    if spec.type is ColumnType.DATE:
        steps = [f"parse as {parsing.describe_date_format(profile.date_format)}"]
        if parsing.has_time(profile.date_format):
            steps.append(f"timestamps without a UTC offset are in {profile.timezone.source}")
            if spec.name == "date":
                business = profile.timezone.business_day
                zone = {
                    "source": profile.timezone.source,
                    "store": "the store's time zone (catalog)",
                }.get(business, business)
                steps.append(f"business day = the calendar day in {zone}")
        return steps
    if spec.type in (ColumnType.NUMBER, ColumnType.INTEGER):
        thousands = (
            f", thousands separator {csv.thousands_separator!r}" if csv.thousands_separator else ""
        )
        steps = []
        if hint and hint.strip_chars:
            steps.append(f"remove the characters {hint.strip_chars!r}")
        steps.append(f"parse a number (decimal separator {csv.decimal_separator!r}{thousands})")
        if spec.type is ColumnType.INTEGER:
            steps.append("must be a whole number")
        return steps
    if spec.type is ColumnType.BOOLEAN:
        trues = ", ".join(hint.true_values or []) if hint and hint.true_values else None
        falses = ", ".join(hint.false_values or []) if hint and hint.false_values else None
        return [
            f"true: {trues or ', '.join(parsing.DEFAULT_TRUE)}; "
            f"false: {falses or ', '.join(parsing.DEFAULT_FALSE)} (case-insensitive)"
        ]
    rule = profile.id_normalisation.get(spec.name)  # type: ignore[call-overload]
    return _id_steps(rule) if isinstance(rule, IdNormalisation) else []


def _id_steps(rule: IdNormalisation) -> list[str]:
    steps: list[str] = []
    if rule.remove_prefixes:
        steps.append("remove the prefix " + " or ".join(repr(p) for p in rule.remove_prefixes))
    if rule.case != "keep":
        steps.append(f"{rule.case}-case")
    if rule.strip_leading_zeros:
        steps.append("strip leading zeros")
    if rule.zero_pad_to:
        steps.append(f"left-pad with zeros to {rule.zero_pad_to} characters")
    return steps


def _null_step(profile: ContractProfile, kind: IngestKind, spec: ColumnSpec) -> str:
    rule = profile.null_policy.get(kind, {}).get(spec.name)
    if isinstance(rule, NullDefault):
        return f"if empty: {rule.default!r} (null_policy)"
    if rule == "drop_row":
        return "if empty: the record is dropped (null_policy: drop_row)"
    if rule == "reject" or (rule is None and spec.required):
        threshold = profile.quality.max_required_null_rate
        return f"if empty: a missing required value (tolerated up to a rate of {threshold:g})"
    parse = (
        f"; if unparseable: counted by the quantity parse rate (min "
        f"{profile.quality.min_quantity_parse_rate:g})"
        if (kind, spec.name) in QUANTITY_FIELDS
        else ""
    )
    return f"if empty: left empty{parse}"


def _sign_step(policy: QuantitySignPolicy) -> str:
    return {
        QuantitySignPolicy.REJECT: "if negative (a return): the file is rejected",
        QuantitySignPolicy.DROP_RETURNS: "if negative (a return): the record is dropped",
        QuantitySignPolicy.NET: "returns are netted into the day (a negative day is an error)",
        QuantitySignPolicy.NET_CLIP_ZERO: "returns are netted into the day; a negative day is 0",
    }[policy]


_AGGREGATION = {
    "date": "group key: store × product × business day",
    "store_code": "group key: store × product × business day",
    "product_code": "group key: store × product × business day",
    "quantity": "sum over the day's lines",
    "unit_price": "mean over the day's lines, weighted by units",
    "promo_flag": "true when any line of the day is on promotion",
    "discount_pct": "mean over the day's lines, weighted by units",
    "on_hand_close": "the day's last line (by timestamp, then file order)",
}


def _canonical(spec: ColumnSpec) -> str:
    parts = [spec.type.value, "required" if spec.required else "optional"]
    if spec.minimum is not None:
        parts.append(
            f"in [{spec.minimum:g}, {spec.below:g})" if spec.below else f"≥ {spec.minimum:g}"
        )
    if spec.max_length:
        parts.append(f"at most {spec.max_length} characters")
    if spec.references is not None:
        parts.append(f"must exist in the tenant's {spec.references.value}")
    return ", ".join(parts)
