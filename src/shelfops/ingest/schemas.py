"""The canonical file specs (columns, types, rules) and the ingest report models.

The specs mirror ``docs/canonical-format.md``; text lengths come from the ORM columns so
that a value the database would refuse is reported as a validation problem instead. The
bounds of dates, amounts and counts are :mod:`shelfops.kit.limits`' (shared with the
catalog API and the simulator).
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

from shelfops.kit.limits import (
    EARLIEST_CATALOG_DATE,
    EARLIEST_DAY,
    INT32_MAX,
    LATEST_CATALOG_DATE,
    LATEST_DAY,
    MAX_LEAD_TIME_DAYS,
    MAX_MONEY,
    MAX_UNITS,
)
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
    CONTROL_CHARACTER = "control_character"
    MINIMUM = "minimum"
    MAXIMUM = "maximum"
    RANGE = "range"
    DATE_ORDER = "date_order"
    UNKNOWN_CODE = "unknown_code"
    DUPLICATE_KEY = "duplicate_key"


@dataclass(frozen=True)
class ColumnSpec:
    """One column of a canonical file.

    ``target`` is the table column the value lands in; for a code that references the
    catalog (``references``) it is the internal id column the code is mapped to.
    ``minimum`` and ``maximum`` bound a number or integer column, ``earliest`` and
    ``latest`` a date column (all inclusive). ``after`` names an earlier date column of
    the same row that this one may not precede (``strictly_after``: nor equal).
    """

    name: str
    type: ColumnType
    required: bool
    target: str
    minimum: float | None = None
    maximum: float | None = None
    # Exclusive upper bound (discount_pct < 1).
    below: float | None = None
    max_length: int | None = None
    references: IngestKind | None = None
    earliest: dt.date | None = None
    latest: dt.date | None = None
    after: str | None = None
    strictly_after: bool = False


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


def _number(
    name: str,
    *,
    maximum: float | None = None,
    required: bool = True,
    below: float | None = None,
) -> ColumnSpec:
    return ColumnSpec(
        name, ColumnType.NUMBER, required, name, minimum=0.0, maximum=maximum, below=below
    )


def _integer(name: str, *, minimum: int) -> ColumnSpec:
    # Every integer column is 32-bit on PostgreSQL.
    return ColumnSpec(name, ColumnType.INTEGER, True, name, minimum=minimum, maximum=INT32_MAX)


def _day(name: str, *, target: str) -> ColumnSpec:
    """The business day of a time-series row."""
    return ColumnSpec(name, ColumnType.DATE, True, target, earliest=EARLIEST_DAY, latest=LATEST_DAY)


def _catalog_date(name: str, *, after: str | None = None, strictly: bool = False) -> ColumnSpec:
    """An optional catalog date, not before the ``after`` column of the same row."""
    return ColumnSpec(
        name,
        ColumnType.DATE,
        False,
        name,
        earliest=EARLIEST_CATALOG_DATE,
        latest=LATEST_CATALOG_DATE,
        after=after,
        strictly_after=strictly,
    )


SPECS: dict[IngestKind, FileSpec] = {
    IngestKind.SUPPLIERS: FileSpec(
        kind=IngestKind.SUPPLIERS,
        columns=(
            _text("supplier_code", Supplier.supplier_code),
            _text("name", Supplier.name),
            _number("lead_time_days", maximum=MAX_LEAD_TIME_DAYS),
            _number("lead_time_std_days", maximum=MAX_LEAD_TIME_DAYS),
            _integer("min_order_qty", minimum=0),
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
            _catalog_date("opened_on"),
            # As in the API: a store may close on the day it opened.
            _catalog_date("closed_on", after="opened_on"),
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
            _number("unit_cost", maximum=MAX_MONEY),
            _number("unit_price", maximum=MAX_MONEY),
            _integer("pack_size", minimum=1),
            _catalog_date("launched_on"),
            # As in the API: discontinued_on is the first day no longer sold, so a
            # product is on sale for at least its launch day.
            _catalog_date("discontinued_on", after="launched_on", strictly=True),
        ),
        key=("product_code",),
        model=Product,
        is_catalog=True,
    ),
    IngestKind.SALES: FileSpec(
        kind=IngestKind.SALES,
        columns=(
            _day("date", target="sale_date"),
            _code_ref("store_code", IngestKind.STORES, "store_id"),
            _code_ref("product_code", IngestKind.PRODUCTS, "product_id"),
            _number("quantity", maximum=MAX_UNITS),
            _number("unit_price", maximum=MAX_MONEY),
            ColumnSpec("promo_flag", ColumnType.BOOLEAN, True, "promo_flag"),
            _number("discount_pct", below=1.0),
            _number("on_hand_close", maximum=MAX_UNITS, required=False),
        ),
        key=("store_code", "product_code", "date"),
        model=Sale,
        is_catalog=False,
    ),
    IngestKind.INVENTORY: FileSpec(
        kind=IngestKind.INVENTORY,
        columns=(
            _day("date", target="snapshot_date"),
            _code_ref("store_code", IngestKind.STORES, "store_id"),
            _code_ref("product_code", IngestKind.PRODUCTS, "product_id"),
            _number("on_hand", maximum=MAX_UNITS),
            _number("on_order", maximum=MAX_UNITS),
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
