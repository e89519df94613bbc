"""Contract profiles: what one source of one customer means, as reviewable YAML.

A profile says which canonical file(s) a source feeds (its *grain*), which source column
feeds which canonical field, how values are read (CSV dialect, date format, decimal
separators, booleans), how they are converted (units, ids, returns), what an empty cell
means, which rows are duplicates, and how much bad data is tolerated before a file is
rejected. The transport sections (SFTP, inbox, event stream) say how the data arrives.

:func:`load_profile` checks a YAML file against the JSON schema generated from
:class:`ContractProfile` (committed as ``contract_profile.schema.json`` for editors), then
against the model's cross-field rules, and reports every problem with its YAML path and
line. Every section that is keyed by canonical file and field (``field_map``,
``defaults``, ``null_policy`` …) uses the names of ``docs/canonical-format.md``.
"""

from __future__ import annotations

import codecs
import json
from enum import StrEnum
from functools import lru_cache
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from shelfops.config import Settings
from shelfops.ingest.schemas import SPECS, ColumnSpec, ColumnType, IngestKind
from shelfops.integrations.config import EventStreamConfig, InboxTransport, SftpTransport
from shelfops.kit.errors import ValidationFailed
from shelfops.kit.timezones import is_timezone_name
from shelfops.onboarding import profile_yaml
from shelfops.onboarding.parsing import date_format_problem, iso_date_problem

SLUG_PATTERN = r"^[a-z0-9][a-z0-9-]{0,62}$"
PROFILE_ID_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$"


class SourceType(StrEnum):
    """Where a source comes from; decides its transport and its default freshness SLA."""

    SMB_CSV = "smb_csv"
    SMB_SFTP = "smb_sftp"
    ENTERPRISE_EDI = "enterprise_edi"
    ENTERPRISE_SFTP = "enterprise_sftp"
    ENTERPRISE_EVENT = "enterprise_event"


# Sources whose files the CSV mapper reads (EDI and events have adapters of their own).
MAPPED_SOURCE_TYPES = frozenset(
    {SourceType.SMB_CSV, SourceType.SMB_SFTP, SourceType.ENTERPRISE_SFTP}
)


class Grain(StrEnum):
    """What one row of the source is."""

    TRANSACTION_LINE = "transaction_line"
    DAILY_STORE_ITEM = "daily_store_item"
    INVENTORY_SNAPSHOT = "inventory_snapshot"
    CATALOG_PRODUCTS = "catalog_products"
    CATALOG_STORES = "catalog_stores"
    CATALOG_SUPPLIERS = "catalog_suppliers"


# The canonical files each grain can feed.
GRAIN_KINDS: dict[Grain, tuple[IngestKind, ...]] = {
    Grain.TRANSACTION_LINE: (IngestKind.SALES,),
    Grain.DAILY_STORE_ITEM: (IngestKind.SALES, IngestKind.INVENTORY),
    Grain.INVENTORY_SNAPSHOT: (IngestKind.INVENTORY,),
    Grain.CATALOG_PRODUCTS: (IngestKind.PRODUCTS,),
    Grain.CATALOG_STORES: (IngestKind.STORES,),
    Grain.CATALOG_SUPPLIERS: (IngestKind.SUPPLIERS,),
}

# Numeric fields that count units: their parse failures are measured by the
# quantity parse rate (other numbers must all parse).
QUANTITY_FIELDS: frozenset[tuple[IngestKind, str]] = frozenset(
    {
        (IngestKind.SALES, "quantity"),
        (IngestKind.SALES, "on_hand_close"),
        (IngestKind.INVENTORY, "on_hand"),
        (IngestKind.INVENTORY, "on_order"),
    }
)

CodeField = Literal["store_code", "product_code", "supplier_code"]
CODE_FIELDS: tuple[str, ...] = ("store_code", "product_code", "supplier_code")


class _Section(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class CsvOptions(_Section):
    """How the source file is read."""

    delimiter: str = Field(default=",", min_length=1, max_length=1, description="Field separator.")
    encoding: str = Field(
        default="utf-8",
        description="Text encoding (a Python codec name: utf-8, cp1252, latin-1, utf-16…). "
        "A UTF-8 byte-order mark is tolerated and stripped.",
    )
    quotechar: str = Field(default='"', min_length=1, max_length=1)
    decimal_separator: Literal[".", ","] = "."
    thousands_separator: str | None = Field(
        default=None,
        min_length=1,
        max_length=1,
        description="Digit-group separator in numbers (e.g. '.' in 1.234,50); unset: none.",
    )
    header_line: int = Field(
        default=1,
        ge=1,
        description="1-based line holding the column names; lines above it "
        "(report titles) are skipped.",
    )
    skip_footer_rows: int = Field(
        default=0, ge=0, description="Records at the end to ignore (e.g. a 'Total' line)."
    )
    null_values: list[str] = Field(
        default_factory=lambda: ["", "NULL", "N/A"],
        description="Cell values (after trimming spaces) that mean 'no value'.",
    )


class TimezoneHandling(_Section):
    """How timestamps become business dates (date-only values are business dates already)."""

    source: str = Field(
        default="UTC",
        description="IANA zone of timestamps that carry no UTC offset.",
    )
    business_day: str = Field(
        default="source",
        description="Whose calendar day a timestamp belongs to: 'source' (the source zone), "
        "'store' (the store's zone from the catalog) or an IANA zone name.",
    )


class TypeHint(_Section):
    """How a source value is read as its canonical type."""

    true_values: list[str] | None = Field(
        default=None, description="Boolean fields: spellings of true (case-insensitive)."
    )
    false_values: list[str] | None = Field(
        default=None, description="Boolean fields: spellings of false (case-insensitive)."
    )
    strip_chars: str | None = Field(
        default=None,
        min_length=1,
        description="Number fields: characters removed before parsing (e.g. '€$ ').",
    )


class UnitConversion(_Section):
    """Multiply a number by a fixed factor or by another column (cases → units, cents → €)."""

    # Finite: an infinite factor turns every value into NaN or infinity downstream.
    factor: float | None = Field(default=None, gt=0, allow_inf_nan=False)
    factor_column: str | None = Field(
        default=None, min_length=1, description="Source column holding a per-row factor."
    )
    label: str | None = Field(default=None, description="What the conversion is, for reports.")

    @model_validator(mode="after")
    def _one_factor(self) -> UnitConversion:
        if (self.factor is None) == (self.factor_column is None):
            raise ValueError("give exactly one of factor or factor_column")
        return self


DefaultValue = str | int | float | bool


class NullDefault(_Section):
    """Fill empty cells with this value."""

    default: DefaultValue


NullRule = Literal["reject", "drop_row"] | NullDefault


class AmountPerUnit(_Section):
    """``sales.unit_price`` = the amount column ÷ the (converted) quantity."""

    method: Literal["amount_per_unit"]
    amount_column: str = Field(min_length=1)


class DiscountFromRegularPrice(_Section):
    """``sales.discount_pct`` = 1 − unit_price ÷ the regular-price column (never below 0)."""

    method: Literal["discount_from_regular_price"]
    regular_price_column: str = Field(min_length=1)


class PromoWhenDiscounted(_Section):
    """``sales.promo_flag`` = discount_pct > 0."""

    method: Literal["promo_when_discounted"]


Derivation = Annotated[
    AmountPerUnit | DiscountFromRegularPrice | PromoWhenDiscounted, Field(discriminator="method")
]
# The one canonical field each derivation produces.
DERIVATION_TARGETS: dict[str, tuple[IngestKind, str]] = {
    "amount_per_unit": (IngestKind.SALES, "unit_price"),
    "discount_from_regular_price": (IngestKind.SALES, "discount_pct"),
    "promo_when_discounted": (IngestKind.SALES, "promo_flag"),
}


class IdNormalisation(_Section):
    """How a code column is cleaned before it is looked up in the catalog (after the
    surrounding spaces every cell loses): prefixes removed, then case, then zeros."""

    case: Literal["keep", "upper", "lower"] = "keep"
    remove_prefixes: list[str] = Field(
        default_factory=list, description="Prefixes removed (the first that matches)."
    )
    strip_leading_zeros: bool = False
    zero_pad_to: int | None = Field(
        default=None, ge=1, le=64, description="Left-pad with zeros to this width."
    )

    @model_validator(mode="after")
    def _no_contradiction(self) -> IdNormalisation:
        if self.strip_leading_zeros and self.zero_pad_to is not None:
            raise ValueError("strip_leading_zeros and zero_pad_to contradict each other")
        return self


class QuantitySignPolicy(StrEnum):
    """What a negative ``sales.quantity`` (a return) means. Canonical sales are ≥ 0."""

    REJECT = "reject"
    DROP_RETURNS = "drop_returns"
    NET = "net"
    NET_CLIP_ZERO = "net_clip_zero"


class QualityThresholds(_Section):
    """Tolerances, as fractions of the rows. Rows failing a tolerated check are dropped and
    listed; a check beyond its threshold rejects the whole file."""

    min_date_parse_rate: float = Field(default=1.0, ge=0, le=1)
    max_required_null_rate: float = Field(default=0.0, ge=0, le=1)
    max_duplicate_rate: float = Field(default=0.0, ge=0, le=1)
    min_quantity_parse_rate: float = Field(default=1.0, ge=0, le=1)
    max_future_date_rate: float = Field(default=0.0, ge=0, le=1)
    min_reference_integrity_rate: float = Field(default=1.0, ge=0, le=1)


class ContractProfile(BaseModel):
    """One source of one customer: what its data means and how it arrives."""

    model_config = ConfigDict(
        extra="forbid",
        frozen=True,
        title="ShelfOps contract profile",
    )

    profile_id: str = Field(pattern=PROFILE_ID_PATTERN, description="Stable id of the profile.")
    version: int = Field(ge=1, description="Raised on every change of meaning.")
    tenant: str | None = Field(default=None, pattern=SLUG_PATTERN, description="Tenant slug.")
    source_name: str = Field(
        min_length=1,
        max_length=200,
        description="Name of the source in the sync log and sync health (unique per tenant).",
    )
    source_type: SourceType
    description: str | None = None
    sla_hours: float | None = Field(
        default=None,
        gt=0,
        # Finite: an infinite SLA could never be breached, and is shown as null.
        allow_inf_nan=False,
        description="Freshness SLA; unset: the default of the source type.",
    )
    grain: Grain | None = Field(default=None, description="What one source row is.")
    csv: CsvOptions = Field(default_factory=CsvOptions)
    date_format: str = Field(
        default="iso",
        description="'iso', 'excel_serial' (day numbers like 45123) or a strftime format "
        "such as '%d.%m.%Y' or '%m/%d/%Y %H:%M'.",
    )
    timezone: TimezoneHandling = Field(default_factory=TimezoneHandling)
    field_map: dict[IngestKind, dict[str, str]] = Field(
        default_factory=dict, description="Canonical file → canonical field → source column."
    )
    defaults: dict[IngestKind, dict[str, DefaultValue]] = Field(
        default_factory=dict, description="Values of canonical fields the source does not carry."
    )
    derivations: dict[IngestKind, dict[str, Derivation]] = Field(
        default_factory=dict, description="Canonical fields computed from other values."
    )
    type_map: dict[IngestKind, dict[str, TypeHint]] = Field(default_factory=dict)
    unit_conversions: dict[IngestKind, dict[str, UnitConversion]] = Field(default_factory=dict)
    null_policy: dict[IngestKind, dict[str, NullRule]] = Field(
        default_factory=dict,
        description="Empty cells: 'reject' (default for required fields), 'drop_row', or "
        "{default: value}.",
    )
    id_normalisation: dict[CodeField, IdNormalisation] = Field(default_factory=dict)
    quantity_sign_policy: QuantitySignPolicy = QuantitySignPolicy.REJECT
    dedupe_keys: list[str] | None = Field(
        default=None,
        min_length=1,
        description="Source columns identifying a row (e.g. receipt + line); unset: the "
        "canonical natural key (none for transaction lines).",
    )
    dedupe_keep: Literal["first", "last"] = "first"
    quality: QualityThresholds = Field(default_factory=QualityThresholds)
    transport: Annotated[SftpTransport | InboxTransport, Field(discriminator="kind")] | None = None
    stream: EventStreamConfig | None = None

    @model_validator(mode="after")
    def _consistent(self) -> ContractProfile:
        problems = _semantic_problems(self)
        if problems:
            # One line per problem, each starting with its path (load_profile splits them).
            raise ValueError("\n".join(problems))
        return self

    @property
    def kinds(self) -> tuple[IngestKind, ...]:
        """The canonical files this profile produces, in load order."""
        return tuple(kind for kind in IngestKind if kind in self.field_map)

    def source_columns(self) -> dict[str, list[str]]:
        """Every source column the profile reads → what it feeds (for messages)."""
        used: dict[str, list[str]] = {}
        for kind, fields in self.field_map.items():
            for name, column in fields.items():
                used.setdefault(column, []).append(f"{kind.value}.{name}")
        for kind, derived in self.derivations.items():
            for name, recipe in derived.items():
                if isinstance(recipe, AmountPerUnit):
                    used.setdefault(recipe.amount_column, []).append(f"{kind.value}.{name}")
                elif isinstance(recipe, DiscountFromRegularPrice):
                    used.setdefault(recipe.regular_price_column, []).append(f"{kind.value}.{name}")
        for kind, conversions in self.unit_conversions.items():
            for name, conversion in conversions.items():
                if conversion.factor_column is not None:
                    used.setdefault(conversion.factor_column, []).append(f"{kind.value}.{name}")
        for column in self.dedupe_keys or []:
            used.setdefault(column, []).append("dedupe_keys")
        return used


# ---------------------------------------------------------------------------------------
# Cross-field rules
# ---------------------------------------------------------------------------------------


def _semantic_problems(profile: ContractProfile) -> list[str]:
    problems: list[str] = []
    problems += _transport_problems(profile)
    if profile.source_type in MAPPED_SOURCE_TYPES:
        if profile.grain is None:
            problems.append(f"grain: required for a {profile.source_type} source")
        if not profile.field_map:
            problems.append(f"field_map: required for a {profile.source_type} source")
    elif profile.grain is not None or profile.field_map:
        problems.append(
            f"field_map: a {profile.source_type} source is read by "
            f"{_adapter(profile.source_type)}, not by the CSV mapper; leave grain and "
            "field_map out"
        )
    if profile.grain is not None:
        allowed = GRAIN_KINDS[profile.grain]
        for kind in profile.field_map:
            if kind not in allowed:
                names = ", ".join(k.value for k in allowed)
                problems.append(
                    f"field_map.{kind.value}: a {profile.grain} source feeds {names} only"
                )
    problems += _field_name_problems(profile)
    problems += _overlap_problems(profile)
    problems += _value_problems(profile)
    problems += _time_problems(profile)
    problem = encoding_problem(profile.csv.encoding)
    if problem:
        problems.append(f"csv.encoding: {problem}")
    thousands = profile.csv.thousands_separator
    if thousands is not None and (
        thousands == profile.csv.decimal_separator or thousands.isdigit()
    ):
        problems.append(
            "csv.thousands_separator: must differ from the decimal separator and not be a digit"
        )
    if profile.csv.delimiter in (profile.csv.quotechar, "\n", "\r"):
        problems.append("csv.delimiter: must differ from the quote character and the newline")
    return problems


# Codecs that map text to text but cannot read a file: IDNA and Punycode encode domain
# names (they fail on ordinary file content), "undefined" refuses every byte.
_NOT_FILE_ENCODINGS = frozenset({"idna", "punycode", "undefined"})
_EXPECTED_ENCODING = "a text encoding such as utf-8, cp1252, latin-1 or utf-16"


def encoding_problem(name: str) -> str | None:
    """Why ``name`` cannot be the text encoding of a source file (None when it can).

    A codec that is not a text encoding (``rot13``, ``base64``, ``hex``, ``zlib`` …
    transform text into text or bytes into bytes) would pass ``codecs.lookup`` and then
    fail the first file read with it.
    """
    try:
        info = codecs.lookup(name)
    except LookupError:
        return f"unknown encoding {name!r}; expected {_EXPECTED_ENCODING}"
    if not info._is_text_encoding or info.name in _NOT_FILE_ENCODINGS:
        return (
            f"{name!r} is not a text encoding of files (it is the {info.name} codec); "
            f"expected {_EXPECTED_ENCODING}"
        )
    return None


def _adapter(source_type: SourceType) -> str:
    if source_type is SourceType.ENTERPRISE_EDI:
        return "its EDI adapter (shelfops.edi)"
    return "its event-stream consumer (shelfops.integrations.events)"


def _transport_problems(profile: ContractProfile) -> list[str]:
    problems: list[str] = []
    kind = profile.source_type
    if kind is SourceType.ENTERPRISE_EVENT:
        if profile.stream is None:
            problems.append("stream: required for an enterprise_event source")
        if profile.transport is not None:
            problems.append("transport: an enterprise_event source arrives on its stream")
    elif profile.stream is not None:
        problems.append(f"stream: only an enterprise_event source has a stream, not {kind}")
    if (
        kind in (SourceType.SMB_SFTP, SourceType.ENTERPRISE_SFTP)
        and profile.transport is not None
        and not isinstance(profile.transport, SftpTransport)
    ):
        problems.append(f"transport.kind: a {kind} source needs an sftp transport")
    return problems


def _sections(profile: ContractProfile) -> list[tuple[str, dict[IngestKind, dict[str, Any]]]]:
    return [
        ("field_map", dict(profile.field_map)),
        ("defaults", dict(profile.defaults)),
        ("derivations", dict(profile.derivations)),
        ("type_map", dict(profile.type_map)),
        ("unit_conversions", dict(profile.unit_conversions)),
        ("null_policy", dict(profile.null_policy)),
    ]


def _field_name_problems(profile: ContractProfile) -> list[str]:
    problems: list[str] = []
    produced = set(profile.field_map)
    for section, per_kind in _sections(profile):
        for kind, fields in per_kind.items():
            if section != "field_map" and kind not in produced:
                problems.append(
                    f"{section}.{kind.value}: the profile produces no {kind.value} "
                    "(map at least one field in field_map first)"
                )
            names = SPECS[kind].column_names
            for name in fields:
                if name not in names:
                    problems.append(
                        f"{section}.{kind.value}.{name}: {kind.value} has no field {name!r}; "
                        f"fields: {', '.join(names)}"
                    )
    return problems


def _overlap_problems(profile: ContractProfile) -> list[str]:
    problems: list[str] = []
    for kind in IngestKind:
        mapped = set(profile.field_map.get(kind, {}))
        defaulted = set(profile.defaults.get(kind, {}))
        derived = set(profile.derivations.get(kind, {}))
        for name in sorted(mapped & defaulted):
            problems.append(
                f"defaults.{kind.value}.{name}: the field is mapped to a column; use "
                "null_policy {default: …} to fill its empty cells"
            )
        for name in sorted(derived & (mapped | defaulted)):
            problems.append(
                f"derivations.{kind.value}.{name}: the field already has a column or a default"
            )
        for name, recipe in profile.derivations.get(kind, {}).items():
            target = DERIVATION_TARGETS[recipe.method]
            if (kind, name) != target:
                problems.append(
                    f"derivations.{kind.value}.{name}: {recipe.method} computes "
                    f"{target[0].value}.{target[1]} only"
                )
        for name in profile.null_policy.get(kind, {}):
            if name in defaulted:
                problems.append(
                    f"null_policy.{kind.value}.{name}: the field is a constant default; "
                    "it has no empty cells"
                )
    return problems


def _spec(kind: IngestKind, name: str) -> ColumnSpec | None:
    try:
        return SPECS[kind].column(name)
    except KeyError:
        return None


def _value_problems(profile: ContractProfile) -> list[str]:
    problems: list[str] = []
    for kind, values in profile.defaults.items():
        for name, value in values.items():
            spec = _spec(kind, name)
            if spec is not None:
                problem = default_problem(spec, value)
                if problem:
                    problems.append(f"defaults.{kind.value}.{name}: {problem}")
    for kind, rules in profile.null_policy.items():
        for name, rule in rules.items():
            spec = _spec(kind, name)
            if spec is not None and isinstance(rule, NullDefault):
                problem = default_problem(spec, rule.default)
                if problem:
                    problems.append(f"null_policy.{kind.value}.{name}.default: {problem}")
    for kind, hints in profile.type_map.items():
        for name, hint in hints.items():
            spec = _spec(kind, name)
            if spec is None:
                continue
            where = f"type_map.{kind.value}.{name}"
            is_bool = spec.type is ColumnType.BOOLEAN
            if (hint.true_values or hint.false_values) and not is_bool:
                problems.append(f"{where}: true_values/false_values apply to boolean fields only")
            if is_bool and (hint.true_values is None) != (hint.false_values is None):
                problems.append(f"{where}: give both true_values and false_values")
            if hint.true_values and hint.false_values:
                both = {v.lower() for v in hint.true_values} & {
                    v.lower() for v in hint.false_values
                }
                if both:
                    problems.append(f"{where}: {sorted(both)} cannot be both true and false")
            if hint.strip_chars and spec.type not in (ColumnType.NUMBER, ColumnType.INTEGER):
                problems.append(f"{where}: strip_chars applies to number fields only")
    for kind, conversions in profile.unit_conversions.items():
        for name in conversions:
            spec = _spec(kind, name)
            if spec is not None and spec.type not in (ColumnType.NUMBER, ColumnType.INTEGER):
                problems.append(
                    f"unit_conversions.{kind.value}.{name}: only number fields are converted"
                )
    return problems


def default_problem(spec: ColumnSpec, value: DefaultValue) -> str | None:
    """Why ``value`` cannot stand for canonical column ``spec`` (None when it can)."""
    if spec.type is ColumnType.BOOLEAN:
        return None if isinstance(value, bool) else f"expected true or false, got {value!r}"
    if spec.type in (ColumnType.NUMBER, ColumnType.INTEGER):
        if isinstance(value, bool) or not isinstance(value, int | float):
            return f"expected a number, got {value!r}"
        if spec.type is ColumnType.INTEGER and not float(value).is_integer():
            return f"expected a whole number, got {value!r}"
        if spec.minimum is not None and value < spec.minimum:
            return f"must be ≥ {spec.minimum:g}, got {value!r}"
        if spec.below is not None and value >= spec.below:
            return f"must be below {spec.below:g}, got {value!r}"
        return None
    if not isinstance(value, str):
        return f"expected text, got {value!r}"
    if spec.type is ColumnType.DATE:
        return iso_date_problem(value)
    if spec.type is ColumnType.TIMEZONE and not is_timezone_name(value):
        return f"not an IANA time zone name: {value!r}"
    if spec.max_length is not None and len(value) > spec.max_length:
        return f"longer than {spec.max_length} characters"
    return None


def _time_problems(profile: ContractProfile) -> list[str]:
    problems: list[str] = []
    problem = date_format_problem(profile.date_format)
    if problem:
        problems.append(f"date_format: {problem}")
    if not is_timezone_name(profile.timezone.source):
        problems.append(f"timezone.source: not an IANA time zone name: {profile.timezone.source!r}")
    business = profile.timezone.business_day
    if business not in ("source", "store") and not is_timezone_name(business):
        problems.append(
            f"timezone.business_day: expected 'source', 'store' or an IANA zone, got {business!r}"
        )
    if business == "store":
        for kind in profile.field_map:
            if (
                "store_code" not in SPECS[kind].column_names
                or "date" not in SPECS[kind].column_names
            ):
                problems.append(
                    f"timezone.business_day: 'store' needs store_code and date; "
                    f"{kind.value} has no store day"
                )
    return problems


def unrepresentable(profile: ContractProfile) -> list[str]:
    """Why the profile cannot produce complete canonical rows (empty when it can).

    A required canonical field needs a source column, a default or a derivation; without
    one the source needs a custom adapter (onboarding stops with
    ``requires_custom_adapter`` instead of importing part of it).
    """
    if profile.source_type not in MAPPED_SOURCE_TYPES:
        return [
            f"a {profile.source_type} source is not a delimited file the mapper reads; "
            f"{_adapter(profile.source_type)} imports it"
        ]
    reasons: list[str] = []
    for kind in profile.kinds:
        for column in SPECS[kind].columns:
            if not column.required:
                continue
            if (
                column.name in profile.field_map.get(kind, {})
                or column.name in profile.defaults.get(kind, {})
                or column.name in profile.derivations.get(kind, {})
            ):
                continue
            reasons.append(
                f"{kind.value}.{column.name} is required but the profile maps no source column "
                "to it and declares no default or derivation"
            )
    return reasons


# ---------------------------------------------------------------------------------------
# JSON schema
# ---------------------------------------------------------------------------------------


def _canonical_names(schema: dict[str, Any]) -> None:
    """Spell out the canonical files and fields of the per-field sections, so that the
    schema (and an editor using it) knows ``field_map.sales.quantity`` but not
    ``field_map.sales.qty``."""
    properties = schema.get("properties", {})

    def per_kind(section: str, value: dict[str, Any], keep: Any = None) -> None:
        if section not in properties:
            return
        kinds: dict[str, Any] = {}
        for kind, spec in SPECS.items():
            fields = {
                column.name: {**value, "description": _describe(column)}
                for column in spec.columns
                if keep is None or keep(kind, column)
            }
            if fields:
                kinds[kind.value] = {
                    "type": "object",
                    "properties": fields,
                    "additionalProperties": False,
                }
        old = properties[section]
        properties[section] = {
            key: old[key] for key in ("title", "description", "default") if key in old
        } | {"type": "object", "properties": kinds, "additionalProperties": False}

    numeric = (ColumnType.NUMBER, ColumnType.INTEGER)
    per_kind("field_map", {"type": "string", "minLength": 1})
    per_kind("defaults", properties["defaults"]["additionalProperties"]["additionalProperties"])
    per_kind(
        "derivations",
        properties["derivations"]["additionalProperties"]["additionalProperties"],
        lambda kind, column: (kind, column.name) in DERIVATION_TARGETS.values(),
    )
    per_kind(
        "type_map",
        properties["type_map"]["additionalProperties"]["additionalProperties"],
        lambda _kind, column: column.type in (*numeric, ColumnType.BOOLEAN),
    )
    per_kind(
        "unit_conversions",
        properties["unit_conversions"]["additionalProperties"]["additionalProperties"],
        lambda _kind, column: column.type in numeric,
    )
    per_kind(
        "null_policy", properties["null_policy"]["additionalProperties"]["additionalProperties"]
    )


def _describe(column: ColumnSpec) -> str:
    required = "required" if column.required else "optional"
    reference = f", must exist in {column.references.value}" if column.references else ""
    return f"{column.type.value}, {required}{reference}"


@lru_cache(maxsize=1)
def json_schema() -> dict[str, Any]:
    """The JSON schema of a contract profile (what ``contract_profile.schema.json`` holds)."""
    schema = ContractProfile.model_json_schema()
    _canonical_names(schema)
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    return schema


SCHEMA_FILE = Path(__file__).with_name("contract_profile.schema.json")


def schema_text() -> str:
    """The schema as committed: indented JSON with a final newline."""
    return json.dumps(json_schema(), indent=2, ensure_ascii=False) + "\n"


# ---------------------------------------------------------------------------------------
# Loading
# ---------------------------------------------------------------------------------------


class ProfileInvalid(ValidationFailed):
    """A contract profile is not valid; ``detail['errors']`` lists every problem with its
    YAML path (and line)."""

    def __init__(self, path: Path | str, errors: list[str]) -> None:
        super().__init__(
            {
                "profile": str(path),
                "errors": errors,
                "message": f"the contract profile is invalid ({len(errors)} problem(s)): "
                + "; ".join(errors),
            }
        )
        self.errors = errors


def load_profile(path: Path) -> ContractProfile:
    """Read and validate the YAML contract profile at ``path``.

    Raises :class:`ProfileInvalid` naming every problem, e.g.
    ``line 12: field_map.sales.quantity: expected string, got 3``.
    """
    try:
        text = path.read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        raise ProfileInvalid(path, ["the file does not exist"]) from None
    except UnicodeDecodeError as exc:
        raise ProfileInvalid(path, [f"the profile is not UTF-8 text ({exc.reason})"]) from None
    return parse_profile(text, origin=path)


def parse_profile(text: str, *, origin: Path | str = "<profile>") -> ContractProfile:
    """Validate YAML ``text`` as a contract profile (see :func:`load_profile`)."""
    from shelfops.onboarding.profile_schema import schema_errors

    try:
        data, lines = profile_yaml.parse(text)
    except profile_yaml.YamlProblem as exc:
        raise ProfileInvalid(origin, exc.messages) from None
    errors = schema_errors(data, json_schema(), lines)
    if errors:
        raise ProfileInvalid(origin, errors)
    try:
        return ContractProfile.model_validate(data)
    except ValidationError as exc:
        raise ProfileInvalid(origin, _pydantic_errors(exc, lines)) from None


def _pydantic_errors(exc: ValidationError, lines: profile_yaml.LineIndex) -> list[str]:
    found: list[tuple[int, str]] = []
    for error in exc.errors():
        loc = tuple(error["loc"])
        message = str(error["msg"]).removeprefix("Value error, ")
        if error["type"] == "value_error" and not loc:
            # The model's cross-field rules: one "path: message" per line.
            for text in message.splitlines():
                path = text.partition(": ")[0]
                line = lines.line_of(tuple(path.split(".")))
                found.append((line or 0, _with_line(line, text)))
            continue
        if error["type"] == "finite_number":
            # YAML's .inf and .nan are numbers to the JSON schema; only the model refuses them.
            message = f"expected a finite number, got {error['input']!r}"
        path = ".".join(str(part) for part in loc if not str(part).startswith("function-"))
        line = lines.line_of(loc)
        found.append((line or 0, _with_line(line, f"{path or '(profile)'}: {message}")))
    return [text for _, text in sorted(found, key=lambda item: item[0])]


def _with_line(line: int | None, message: str) -> str:
    return f"line {line}: {message}" if line is not None else message


def tenant_profiles(settings: Settings, tenant_slug: str) -> list[ContractProfile]:
    """The contract profiles of a tenant: ``<contracts_dir>/<slug>/*.yaml`` (and ``*.yml``),
    sorted by file name, each with ``tenant`` set to the slug.

    A missing folder means no profiles. Any invalid profile raises :class:`ProfileInvalid`
    listing every file's problems (a broken profile must be fixed, not skipped silently);
    so do a profile naming another tenant and two profiles with the same source name.
    """
    folder = settings.contracts_dir / tenant_slug
    if not folder.is_dir():
        return []
    paths = sorted([*folder.glob("*.yaml"), *folder.glob("*.yml")])
    profiles: list[ContractProfile] = []
    errors: list[str] = []
    names: dict[str, Path] = {}
    for path in paths:
        try:
            profile = load_profile(path)
        except ProfileInvalid as exc:
            errors += [f"{path.name}: {error}" for error in exc.errors]
            continue
        if profile.tenant not in (None, tenant_slug):
            errors.append(
                f"{path.name}: tenant: the profile is for tenant {profile.tenant!r} but sits "
                f"in the folder of {tenant_slug!r}"
            )
            continue
        if profile.source_name in names:
            errors.append(
                f"{path.name}: source_name: {profile.source_name!r} is already used by "
                f"{names[profile.source_name].name}"
            )
            continue
        names[profile.source_name] = path
        profiles.append(profile.model_copy(update={"tenant": tenant_slug}))
    if errors:
        raise ProfileInvalid(folder, errors)
    return profiles
