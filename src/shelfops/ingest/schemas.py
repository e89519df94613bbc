"""The canonical file specs (columns, types, rules) and the ingest report models.

The specs mirror ``docs/canonical-format.md``; text lengths come from the ORM columns so
that a value the database would refuse is reported as a validation problem instead.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import String

from shelfops.models import InventorySnapshot, Product, Sale, Store, Supplier
from shelfops.models.base import Base

# How many problems a report lists; all of them are still counted per rule.
MAX_LISTED_PROBLEMS = 50


class IngestKind(StrEnum):
    """The five canonical files, in load order."""

    SUPPLIERS = "suppliers"
    STORES = "stores"
    PRODUCTS = "products"
    SALES = "sales"
    INVENTORY = "inventory"


# Documented load order: a file may reference codes loaded by an earlier one.
LOAD_ORDER: tuple[IngestKind, ...] = tuple(IngestKind)


class ColumnType(StrEnum):
    """How a column's text is parsed."""

    TEXT = "text"
    NUMBER = "number"
    INTEGER = "integer"
    DATE = "date"
    BOOLEAN = "boolean"
    TIMEZONE = "timezone"


class Rule(StrEnum):
    """Why a file or a value was rejected (the ``rule`` of a :class:`Problem`)."""

    EMPTY_FILE = "empty_file"
    HEADER_ONLY = "header_only"
    MALFORMED_CSV = "malformed_csv"
    MISSING_COLUMN = "missing_column"
    UNKNOWN_COLUMN = "unknown_column"
    DUPLICATE_COLUMN = "duplicate_column"
    REQUIRED = "required"
    NUMBER = "number"
    INTEGER = "integer"
    DATE = "date"
    BOOLEAN = "boolean"
    TIMEZONE = "timezone"
    MAX_LENGTH = "max_length"
    MINIMUM = "minimum"
    RANGE = "range"
    UNKNOWN_CODE = "unknown_code"
    DUPLICATE_KEY = "duplicate_key"


@dataclass(frozen=True)
class ColumnSpec:
    """One column of a canonical file.

    ``target`` is the table column the value lands in; for a code that references the
    catalog (``references``) it is the internal id column the code is mapped to.
    """

    name: str
    type: ColumnType
    required: bool
    target: str
    minimum: float | None = None
    # Exclusive upper bound (discount_pct < 1).
    below: float | None = None
    max_length: int | None = None
    references: IngestKind | None = None


@dataclass(frozen=True)
class FileSpec:
    """A canonical file: its columns, natural key and destination table."""

    kind: IngestKind
    columns: tuple[ColumnSpec, ...]
    # Natural key, as file column names.
    key: tuple[str, ...]
    model: type[Base]
    # Catalog files are small and upserted directly; time series go through a stage.
    is_catalog: bool

    @property
    def file_name(self) -> str:
        """The file's name inside an ingest directory."""
        return f"{self.kind.value}.csv"

    @property
    def column_names(self) -> list[str]:
        """Column names in documented order."""
        return [c.name for c in self.columns]

    def column(self, name: str) -> ColumnSpec:
        """The spec of column ``name``."""
        for column in self.columns:
            if column.name == name:
                return column
        raise KeyError(name)

    @property
    def key_targets(self) -> list[str]:
        """The natural key as table columns (codes mapped to ids)."""
        return [self.column(name).target for name in self.key]

    @property
    def value_targets(self) -> list[str]:
        """Table columns that are not part of the natural key (what an update changes)."""
        return [c.target for c in self.columns if c.name not in self.key]


def _length(column: Any) -> int | None:
    """The declared length of a String ORM column (None when unbounded)."""
    column_type = column.property.columns[0].type
    return column_type.length if isinstance(column_type, String) else None


def _text(
    name: str, column: Any, *, required: bool = True, target: str | None = None
) -> ColumnSpec:
    return ColumnSpec(name, ColumnType.TEXT, required, target or name, max_length=_length(column))


def _code_ref(name: str, refers: IngestKind, target: str, *, required: bool = True) -> ColumnSpec:
    return ColumnSpec(name, ColumnType.TEXT, required, target, references=refers)


def _number(name: str, *, required: bool = True, below: float | None = None) -> ColumnSpec:
    return ColumnSpec(name, ColumnType.NUMBER, required, name, minimum=0.0, below=below)


def _date(name: str, *, required: bool = False, target: str | None = None) -> ColumnSpec:
    return ColumnSpec(name, ColumnType.DATE, required, target or name)


SPECS: dict[IngestKind, FileSpec] = {
    IngestKind.SUPPLIERS: FileSpec(
        kind=IngestKind.SUPPLIERS,
        columns=(
            _text("supplier_code", Supplier.supplier_code),
            _text("name", Supplier.name),
            _number("lead_time_days"),
            _number("lead_time_std_days"),
            ColumnSpec("min_order_qty", ColumnType.INTEGER, True, "min_order_qty", minimum=0),
        ),
        key=("supplier_code",),
        model=Supplier,
        is_catalog=True,
    ),
    IngestKind.STORES: FileSpec(
        kind=IngestKind.STORES,
        columns=(
            _text("store_code", Store.store_code),
            _text("name", Store.name),
            _text("region", Store.region, required=False),
            _text("city", Store.city, required=False),
            ColumnSpec("timezone", ColumnType.TIMEZONE, True, "timezone"),
            _date("opened_on"),
            _date("closed_on"),
        ),
        key=("store_code",),
        model=Store,
        is_catalog=True,
    ),
    IngestKind.PRODUCTS: FileSpec(
        kind=IngestKind.PRODUCTS,
        columns=(
            _text("product_code", Product.product_code),
            _text("name", Product.name),
            _text("category", Product.category),
            _text("department", Product.department),
            _code_ref("supplier_code", IngestKind.SUPPLIERS, "supplier_id", required=False),
            _number("unit_cost"),
            _number("unit_price"),
            ColumnSpec("pack_size", ColumnType.INTEGER, True, "pack_size", minimum=1),
            _date("launched_on"),
            _date("discontinued_on"),
        ),
        key=("product_code",),
        model=Product,
        is_catalog=True,
    ),
    IngestKind.SALES: FileSpec(
        kind=IngestKind.SALES,
        columns=(
            _date("date", required=True, target="sale_date"),
            _code_ref("store_code", IngestKind.STORES, "store_id"),
            _code_ref("product_code", IngestKind.PRODUCTS, "product_id"),
            _number("quantity"),
            _number("unit_price"),
            ColumnSpec("promo_flag", ColumnType.BOOLEAN, True, "promo_flag"),
            _number("discount_pct", below=1.0),
            _number("on_hand_close", required=False),
        ),
        key=("store_code", "product_code", "date"),
        model=Sale,
        is_catalog=False,
    ),
    IngestKind.INVENTORY: FileSpec(
        kind=IngestKind.INVENTORY,
        columns=(
            _date("date", required=True, target="snapshot_date"),
            _code_ref("store_code", IngestKind.STORES, "store_id"),
            _code_ref("product_code", IngestKind.PRODUCTS, "product_id"),
            _number("on_hand"),
            _number("on_order"),
        ),
        key=("store_code", "product_code", "date"),
        model=InventorySnapshot,
        is_catalog=False,
    ),
}


# ---------------------------------------------------------------------------------------
# Reports
# ---------------------------------------------------------------------------------------


class Problem(BaseModel):
    """One thing wrong with a file.

    ``row`` counts data rows from 1 (the first row after the header is row 1);
    ``line`` is the file line (the header is line 1, so ``line == row + 1``; a quoted
    value spanning several lines shifts the lines after it). Both are empty for
    problems of the file as a whole (header, encoding).
    """

    model_config = ConfigDict(frozen=True)

    rule: Rule
    row: int | None = Field(default=None, description="1-based data row (header excluded)")
    line: int | None = Field(default=None, description="1-based file line (header is 1)")
    column: str | None = None
    value: str | None = None
    message: str


class IngestReport(BaseModel):
    """What an ingest run did with one file (or why it was rejected)."""

    kind: IngestKind
    file_name: str
    status: Literal["loaded", "rejected"]
    rows_received: int = Field(description="data rows in the file (header excluded)")
    inserted: int = 0
    updated: int = 0
    unchanged: int = Field(default=0, description="rows identical to what was stored")
    problem_count: int = 0
    problem_counts: dict[Rule, int] = Field(
        default_factory=dict, description="every problem found, counted per rule"
    )
    problems: list[Problem] = Field(
        default_factory=list, description=f"the first {MAX_LISTED_PROBLEMS} problems"
    )
    problems_truncated: bool = False
    started_at: dt.datetime
    completed_at: dt.datetime
    seconds: float
    sync_id: uuid.UUID | None = Field(
        default=None, description="the integration_sync_log row recording this run"
    )


# ---------------------------------------------------------------------------------------
# Progress
# ---------------------------------------------------------------------------------------


Phase = Literal["validating", "writing", "done"]


@dataclass(frozen=True)
class Progress:
    """A progress event. ``rows_total`` is an estimate from a newline count (None when
    not counted); ``phase`` is ``validating`` while rows are read, checked and staged,
    ``writing`` while they are merged into the tables, ``done`` at the end."""

    kind: IngestKind
    phase: Phase
    rows_done: int
    rows_total: int | None


ProgressCallback = Callable[[Progress], None]
