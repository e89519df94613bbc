"""Request and response models for stores, products and suppliers.

Each resource has a *create* model (every required field), an *update* model (PATCH: only
the fields sent change; ``null`` clears an optional field and is refused for a required
one), a *read* model and a *filters* model for its list route. Lengths match the columns
in :mod:`shelfops.models.catalog`, so an over-long value is a 422 here rather than a
database error. Dates, amounts and counts have the bounds of :mod:`shelfops.kit.limits`,
the same ones ingestion applies to the canonical files. Products name their supplier by
``supplier_code``, the retailer's own code, never by an internal id.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any, Self

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    Strict,
    StringConstraints,
    ValidationInfo,
    field_validator,
)

from shelfops.kit.limits import (
    EARLIEST_CATALOG_DATE,
    INT32_MAX,
    LATEST_CATALOG_DATE,
    MAX_LEAD_TIME_DAYS,
    MAX_MONEY,
    date_range_message,
)
from shelfops.kit.pagination import Page, PageParams
from shelfops.kit.text import OneLine
from shelfops.kit.timezones import is_timezone_name
from shelfops.models import Product

# Column lengths of models/catalog.py.
CODE_LENGTH = 64
NAME_LENGTH = 200
LABEL_LENGTH = 100
TIMEZONE_LENGTH = 64


def _check_timezone(value: str) -> str:
    if not is_timezone_name(value):
        raise ValueError(f"{value!r} is not an IANA time zone name such as 'America/Chicago'")
    return value


# Surrounding whitespace is trimmed so that " S001" and "S001" cannot become two stores.
Code = Annotated[
    str, StringConstraints(strip_whitespace=True, min_length=1, max_length=CODE_LENGTH), OneLine
]
Name = Annotated[
    str, StringConstraints(strip_whitespace=True, min_length=1, max_length=NAME_LENGTH), OneLine
]
Label = Annotated[
    str, StringConstraints(strip_whitespace=True, min_length=1, max_length=LABEL_LENGTH), OneLine
]
Timezone = Annotated[
    str,
    StringConstraints(strip_whitespace=True, min_length=1, max_length=TIMEZONE_LENGTH),
    AfterValidator(_check_timezone),
    Field(description="IANA time zone name, e.g. 'America/Chicago'.", examples=["UTC"]),
]
# Numbers and flags in a body are JSON numbers and booleans (Strict): pydantic's lax mode
# would read the string "12" as 12 and ``true`` as 1 unit, hiding a client's bug.
Money = Annotated[float, Strict(), Field(ge=0, le=MAX_MONEY, allow_inf_nan=False)]
Days = Annotated[float, Strict(), Field(ge=0, le=MAX_LEAD_TIME_DAYS, allow_inf_nan=False)]
PackSize = Annotated[int, Strict(), Field(ge=1, le=INT32_MAX, description="Units per case.")]
MinOrderQty = Annotated[
    int,
    Strict(),
    Field(ge=0, le=INT32_MAX, description="Minimum units per purchase-order line."),
]
Flag = Annotated[bool, Strict()]
Search = Annotated[
    str | None,
    Field(
        max_length=NAME_LENGTH,
        description="Case-insensitive text to find in the code or the name.",
    ),
]


def _check_catalog_date(value: dt.date) -> dt.date:
    if not EARLIEST_CATALOG_DATE <= value <= LATEST_CATALOG_DATE:
        raise ValueError(date_range_message(EARLIEST_CATALOG_DATE, LATEST_CATALOG_DATE))
    return value


# A store's or product's date (opened, closed, launched, discontinued).
CatalogDate = Annotated[dt.date, AfterValidator(_check_catalog_date)]


def _as_utc(value: dt.datetime) -> dt.datetime:
    # Timestamps are written in UTC, but SQLite hands them back without a zone; without
    # this the same row would read "…Z" on PostgreSQL and zone-less on SQLite.
    return value.replace(tzinfo=dt.UTC) if value.tzinfo is None else value.astimezone(dt.UTC)


UtcDatetime = Annotated[dt.datetime, AfterValidator(_as_utc)]


def _not_null(value: Any) -> Any:
    """In a PATCH body, ``null`` for a required field is an error, not "leave unchanged"."""
    if value is None:
        raise ValueError("this field cannot be null; leave it out to keep its current value")
    return value


# Marks a PATCH field whose column is NOT NULL. It only runs on values actually sent:
# pydantic does not validate the ``None`` default of a field that was left out.
NotNull = BeforeValidator(_not_null)


def _after(
    value: dt.date | None, info: ValidationInfo, *, earlier: str, strict: bool
) -> dt.date | None:
    """Check ``value`` against the ``earlier`` date of the same body, when both are sent.
    (Updates that send only one date are checked against the stored row by the service.)"""
    start = info.data.get(earlier)
    if value is None or not isinstance(start, dt.date):
        return value
    if value < start or (strict and value == start):
        relation = "after" if strict else "on or after"
        raise ValueError(f"must be {relation} {earlier} ({start.isoformat()})")
    return value


class _Input(BaseModel):
    # A misspelt or unknown field (say ``supplier_id`` instead of ``supplier_code``) is
    # a 422 naming it, not silently ignored.
    model_config = ConfigDict(extra="forbid")


class _Output(BaseModel):
    model_config = ConfigDict(from_attributes=True)


# --- stores ---------------------------------------------------------------------------


class StoreCreate(_Input):
    """A new store."""

    store_code: Code = Field(description="The retailer's store code, unique per tenant.")
    name: Name
    region: Label | None = None
    city: Label | None = None
    timezone: Timezone = "UTC"
    opened_on: CatalogDate | None = None
    closed_on: CatalogDate | None = Field(
        default=None, description="Last day of trading; on or after opened_on."
    )
    is_active: Flag = True

    @field_validator("closed_on")
    @classmethod
    def _closed_after_opened(cls, value: dt.date | None, info: ValidationInfo) -> dt.date | None:
        return _after(value, info, earlier="opened_on", strict=False)


class StoreUpdate(_Input):
    """Changes to a store: only the fields sent are changed."""

    store_code: Annotated[Code | None, NotNull] = None
    name: Annotated[Name | None, NotNull] = None
    region: Label | None = None
    city: Label | None = None
    timezone: Annotated[Timezone | None, NotNull] = None
    opened_on: CatalogDate | None = None
    closed_on: CatalogDate | None = None
    is_active: Annotated[Flag | None, NotNull] = None

    @field_validator("closed_on")
    @classmethod
    def _closed_after_opened(cls, value: dt.date | None, info: ValidationInfo) -> dt.date | None:
        return _after(value, info, earlier="opened_on", strict=False)


class StoreRead(_Output):
    """A store."""

    store_id: int = Field(description="ShelfOps' id of the store (used in URLs).")
    store_code: str
    name: str
    region: str | None
    city: str | None
    timezone: str
    opened_on: dt.date | None
    closed_on: dt.date | None
    is_active: bool
    created_at: UtcDatetime
    updated_at: UtcDatetime


class StoreFilters(PageParams):
    """Filters of ``GET /stores``."""

    q: Search = None
    region: str | None = Field(default=None, description="Only stores of this region (exact).")
    active: bool | None = Field(default=None, description="Only active (or inactive) stores.")


class StorePage(Page[StoreRead]):
    """A page of stores, ordered by store code."""


# --- suppliers ------------------------------------------------------------------------


class SupplierCreate(_Input):
    """A new supplier."""

    supplier_code: Code = Field(description="The retailer's supplier code, unique per tenant.")
    name: Name
    lead_time_days: Days = Field(description="Mean days from order to delivery.")
    lead_time_std_days: Days = Field(
        default=0.0, description="Standard deviation of the lead time, in days."
    )
    min_order_qty: MinOrderQty = 0


class SupplierUpdate(_Input):
    """Changes to a supplier: only the fields sent are changed."""

    supplier_code: Annotated[Code | None, NotNull] = None
    name: Annotated[Name | None, NotNull] = None
    lead_time_days: Annotated[Days | None, NotNull] = None
    lead_time_std_days: Annotated[Days | None, NotNull] = None
    min_order_qty: Annotated[MinOrderQty | None, NotNull] = None


class SupplierRead(_Output):
    """A supplier."""

    supplier_id: int = Field(description="ShelfOps' id of the supplier (used in URLs).")
    supplier_code: str
    name: str
    lead_time_days: float
    lead_time_std_days: float
    min_order_qty: int
    created_at: UtcDatetime
    updated_at: UtcDatetime


class SupplierFilters(PageParams):
    """Filters of ``GET /suppliers``."""

    q: Search = None


class SupplierPage(Page[SupplierRead]):
    """A page of suppliers, ordered by supplier code."""


# --- products -------------------------------------------------------------------------


class ProductCreate(_Input):
    """A new product (SKU)."""

    product_code: Code = Field(description="The retailer's SKU, unique per tenant.")
    name: Name
    category: Label = Field(examples=["Dairy"])
    department: Label = Field(examples=["Grocery"])
    supplier_code: Code | None = Field(
        default=None, description="Code of an existing supplier of this tenant."
    )
    unit_cost: Money = Field(description="Purchase cost per unit.")
    unit_price: Money = Field(description="Regular shelf price per unit.")
    pack_size: PackSize = 1
    launched_on: CatalogDate | None = Field(default=None, description="First day on sale.")
    discontinued_on: CatalogDate | None = Field(
        default=None, description="First day no longer sold; after launched_on."
    )
    is_active: Flag = True

    @field_validator("discontinued_on")
    @classmethod
    def _discontinued_after_launch(
        cls, value: dt.date | None, info: ValidationInfo
    ) -> dt.date | None:
        return _after(value, info, earlier="launched_on", strict=True)


class ProductUpdate(_Input):
    """Changes to a product: only the fields sent are changed; ``supplier_code: null``
    unlinks the supplier."""

    product_code: Annotated[Code | None, NotNull] = None
    name: Annotated[Name | None, NotNull] = None
    category: Annotated[Label | None, NotNull] = None
    department: Annotated[Label | None, NotNull] = None
    supplier_code: Code | None = None
    unit_cost: Annotated[Money | None, NotNull] = None
    unit_price: Annotated[Money | None, NotNull] = None
    pack_size: Annotated[PackSize | None, NotNull] = None
    launched_on: CatalogDate | None = None
    discontinued_on: CatalogDate | None = None
    is_active: Annotated[Flag | None, NotNull] = None

    @field_validator("discontinued_on")
    @classmethod
    def _discontinued_after_launch(
        cls, value: dt.date | None, info: ValidationInfo
    ) -> dt.date | None:
        return _after(value, info, earlier="launched_on", strict=True)


class ProductRead(_Output):
    """A product (SKU)."""

    product_id: int = Field(description="ShelfOps' id of the product (used in URLs).")
    product_code: str
    name: str
    category: str
    department: str
    supplier_id: int | None = Field(description="ShelfOps' id of the supplier, if any.")
    supplier_code: str | None = Field(description="The supplier's code, if any.")
    unit_cost: float
    unit_price: float
    pack_size: int
    launched_on: dt.date | None
    discontinued_on: dt.date | None
    is_active: bool
    created_at: UtcDatetime
    updated_at: UtcDatetime

    @classmethod
    def of(cls, product: Product, supplier_code: str | None) -> Self:
        """The read model of an ORM product whose supplier's code is ``supplier_code``."""
        values = {
            name: getattr(product, name) for name in cls.model_fields if name != "supplier_code"
        }
        return cls.model_validate({**values, "supplier_code": supplier_code})


class ProductFilters(PageParams):
    """Filters of ``GET /products``."""

    q: Search = None
    category: str | None = Field(default=None, description="Only this category (exact).")
    department: str | None = Field(default=None, description="Only this department (exact).")
    active: bool | None = Field(default=None, description="Only active (or inactive) products.")


class ProductPage(Page[ProductRead]):
    """A page of products, ordered by product code."""
