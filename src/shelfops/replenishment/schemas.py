"""Request and response models of the inventory, reorder-policy, service-level-target,
stock-alert and phantom-stock APIs (``/api/v1/inventory`` …).

Request bodies refuse unknown fields (a misspelt ``servicelevel`` must not silently
change nothing), and a service level must lie strictly between 0 and 1: both are a 422
naming the field before anything is written.
"""

from __future__ import annotations

import datetime as dt
import uuid
from enum import StrEnum
from typing import Annotated, Any, ClassVar, Self

from pydantic import BaseModel, ConfigDict, Field, Strict, StringConstraints, model_validator

from shelfops.kit.pagination import Page, PageParams
from shelfops.models import AlertStatus, Severity

NOTES_LENGTH = 2000
LABEL_LENGTH = 100
_MAX_ID = 2**63 - 1

Id = Annotated[int, Field(ge=1, le=_MAX_ID)]
# In a JSON body an id and a service level are numbers, never the strings "5" or "0.95"
# nor booleans (pydantic's lax mode would take them); query strings keep ``Id``.
BodyId = Annotated[Id, Strict()]
ServiceLevel = Annotated[
    float,
    Strict(),
    Field(
        gt=0,
        lt=1,
        allow_inf_nan=False,
        description="Target service level, strictly between 0 and 1 (0.95 = 95 %).",
    ),
]
Category = Annotated[
    str, StringConstraints(strip_whitespace=True, min_length=1, max_length=LABEL_LENGTH)
]


class StockStatus(StrEnum):
    """Where a store × product stands (first match): ``out_of_stock`` (nothing usable on
    hand), ``critical`` (fewer days of supply than the lead time), ``low`` (inventory
    position at or below the reorder point), ``ok``."""

    OUT_OF_STOCK = "out_of_stock"
    CRITICAL = "critical"
    LOW = "low"
    OK = "ok"


class ServiceKind(StrEnum):
    """``cycle``: probability of no stock-out per replenishment cycle; ``fill_rate``:
    share of demand served from the shelf."""

    CYCLE = "cycle"
    FILL_RATE = "fill_rate"


class InventorySort(StrEnum):
    """Sort keys of ``GET /inventory``."""

    DAYS_OF_SUPPLY = "days_of_supply"
    VALUE = "value"
    PRODUCT_CODE = "product_code"


class SortOrder(StrEnum):
    """Ascending or descending."""

    ASC = "asc"
    DESC = "desc"


# --- inventory ------------------------------------------------------------------------------


class InventoryFilters(PageParams):
    """Filters and order of ``GET /inventory``; an unknown status or sort key is a 422."""

    status: StockStatus | None = Field(default=None, description="Only this stock status.")
    store_id: Id | None = Field(default=None, description="Only this store.")
    product_id: Id | None = Field(default=None, description="Only this product.")
    category: str | None = Field(
        default=None, max_length=LABEL_LENGTH, description="Only products of this category."
    )
    q: str | None = Field(
        default=None,
        max_length=200,
        description="Case-insensitive text to find in the product code or name.",
    )
    sort: InventorySort = Field(
        default=InventorySort.DAYS_OF_SUPPLY,
        description="`days_of_supply` (default; most urgent first), `value` (on-hand × "
        "unit cost; largest first) or `product_code`.",
    )
    order: SortOrder | None = Field(
        default=None,
        description="`asc` or `desc`; by default ascending, except `value` (descending). "
        "Rows without a value (no demand: no days of supply) come last either way.",
    )


class InventorySummaryFilters(BaseModel):
    """Filters of ``GET /inventory/summary``."""

    model_config = ConfigDict(extra="ignore")

    store_id: Id | None = Field(default=None, description="Only this store.")
    category: str | None = Field(
        default=None, max_length=LABEL_LENGTH, description="Only products of this category."
    )


class InventoryItem(BaseModel):
    """One store × product as the last daily run saw it, and what it recommends."""

    policy_id: int = Field(description="The reorder policy's id (`/reorder-policies/{id}`).")
    store_id: int
    store_code: str
    product_id: int
    product_code: str
    product_name: str
    category: str
    stock_status: StockStatus | None
    on_hand: float | None = Field(description="Units on hand (latest count).")
    on_order: float | None = Field(
        description="Units on order: the count's on-order plus approved, unreceived POs."
    )
    reserved: float | None = Field(description="Units on the shelf promised to customers.")
    inventory_position: float | None = Field(description="on_hand + on_order − reserved.")
    days_of_supply: float | None = Field(
        description="Usable on hand / mean daily forecast; null when no demand is expected."
    )
    lead_time_days: float | None
    safety_stock: float | None
    reorder_point: float | None
    order_up_to: float | None
    recommended_quantity: float | None = Field(description="What to order now (0: nothing).")
    unit_cost: float
    on_hand_value: float | None = Field(description="on_hand × unit cost.")
    computed_at: dt.datetime | None


class InventoryPage(Page[InventoryItem]):
    """A page of the inventory list."""


class StatusCounts(BaseModel):
    """Store × products per stock status."""

    out_of_stock: int = 0
    critical: int = 0
    low: int = 0
    ok: int = 0


class InventorySummary(BaseModel):
    """The tenant's (or a store's, a category's) inventory at a glance."""

    items: int = Field(description="Store × products with a policy.")
    by_status: StatusCounts
    total_on_hand_value: float = Field(description="Σ on_hand × unit cost.")
    below_reorder_point: int = Field(
        description="Items whose inventory position is at or below the reorder point "
        "(the policy's trigger to order)."
    )
    computed_at: dt.datetime | None = Field(description="When the newest policy was computed.")


# --- reorder policies ---------------------------------------------------------------------


class PolicyFilters(PageParams):
    """Filters of ``GET /reorder-policies``."""

    store_id: Id | None = Field(default=None, description="Only this store.")
    product_id: Id | None = Field(default=None, description="Only this product.")
    overridden: bool | None = Field(
        default=None, description="Only policies whose service level a planner set (or not)."
    )


class ReorderPolicyRead(BaseModel):
    """A store × product's replenishment policy and the state it was computed from.

    `details` holds the inputs and intermediate numbers: where the forecast, inventory,
    lead time, service level and error came from, the safety factor and the sigmas."""

    model_config = ConfigDict(from_attributes=True)

    COLUMNS: ClassVar[tuple[str, ...]] = (
        "policy_id",
        "store_id",
        "product_id",
        "service_level",
        "service_level_kind",
        "service_level_overridden",
        "lead_time_days",
        "safety_stock",
        "reorder_point",
        "order_up_to",
        "economic_order_qty",
        "min_order_qty",
        "pack_size",
        "inventory_position",
        "lead_time_demand_mean",
        "lead_time_demand_std",
        "days_of_supply",
        "recommended_quantity",
        "stock_status",
        "model_version",
        "computed_at",
        "details",
        "created_at",
        "updated_at",
    )

    policy_id: int
    store_id: int
    store_code: str
    product_id: int
    product_code: str
    product_name: str
    service_level: float
    service_level_kind: ServiceKind
    service_level_overridden: bool = Field(
        description="A planner set this store × product's service level."
    )
    lead_time_days: float | None
    safety_stock: float | None
    reorder_point: float | None
    order_up_to: float | None
    economic_order_qty: float | None
    min_order_qty: int | None
    pack_size: int | None
    inventory_position: float | None
    lead_time_demand_mean: float | None
    lead_time_demand_std: float | None
    days_of_supply: float | None
    recommended_quantity: float | None
    stock_status: StockStatus | None
    model_version: str | None = Field(description="The champion version whose forecast was used.")
    computed_at: dt.datetime | None
    details: dict[str, Any] | None
    created_at: dt.datetime
    updated_at: dt.datetime


class PolicyPage(Page[ReorderPolicyRead]):
    """A page of reorder policies."""


class PolicyOverride(BaseModel):
    """Body of ``PATCH /reorder-policies/{policy_id}``."""

    model_config = ConfigDict(extra="forbid")

    service_level: ServiceLevel | None = Field(
        description="This store × product's own service level, strictly between 0 and 1; "
        "`null` removes the override (the product's, the category's or the tenant's target "
        "applies again)."
    )
    service_level_kind: ServiceKind | None = Field(
        default=None,
        description="`cycle` or `fill_rate`; left out: the policy's current kind.",
    )


class PolicyUpdateResult(ReorderPolicyRead):
    """The policy after the change."""

    recomputed: bool = Field(
        description="The numbers were recomputed with the new service level now; false when "
        "the store × product cannot be computed at the moment (see `recompute_note`), in "
        "which case the next daily run does it."
    )
    recompute_note: str | None = None


# --- service-level targets ----------------------------------------------------------------


class TargetFilters(PageParams):
    """Filters of ``GET /service-level-targets``."""

    category: str | None = Field(default=None, max_length=LABEL_LENGTH)
    product_id: Id | None = None


class ServiceLevelTargetWrite(BaseModel):
    """Body of ``PUT /service-level-targets``: the target of one category or one product
    (all stores); exactly one of `category` and `product_id`."""

    model_config = ConfigDict(extra="forbid")

    category: Category | None = Field(default=None, description="A product category.")
    product_id: BodyId | None = Field(default=None, description="A product's id.")
    service_level: ServiceLevel
    kind: ServiceKind = ServiceKind.CYCLE

    @model_validator(mode="after")
    def _one_scope(self) -> Self:
        if (self.category is None) == (self.product_id is None):
            raise ValueError("give exactly one of category and product_id")
        return self


class ServiceLevelTargetRead(BaseModel):
    """A category's or a product's service-level target."""

    target_id: int
    category: str | None
    product_id: int | None
    product_code: str | None
    service_level: float
    kind: ServiceKind
    updated_at: dt.datetime


class TargetPage(Page[ServiceLevelTargetRead]):
    """A page of service-level targets: categories first, then products by code."""


# --- stock alerts -------------------------------------------------------------------------


class AlertAction(StrEnum):
    """What a planner does with a stock alert."""

    ACKNOWLEDGE = "acknowledge"
    RESOLVE = "resolve"
    DISMISS = "dismiss"


class StockAlertType(StrEnum):
    """The kinds of stock alert: the daily job's three and sync health's late source."""

    STOCKOUT_PREDICTED = "stockout_predicted"
    REORDER_RECOMMENDED = "reorder_recommended"
    PHANTOM_STOCK = "phantom_stock"
    INTEGRATION_SLA_BREACH = "integration_sla_breach"


class StockAlertFilters(PageParams):
    """Filters of ``GET /alerts``; an unknown status, type or severity is a 422."""

    status: list[AlertStatus] | None = Field(
        default=None,
        description="Only alerts in these statuses; repeat for several "
        "(status=open&status=acknowledged).",
    )
    type: StockAlertType | None = Field(default=None, description="Only this alert type.")
    severity: Severity | None = Field(default=None, description="Only this severity.")
    store_id: Id | None = Field(default=None, description="Only this store.")
    product_id: Id | None = Field(default=None, description="Only this product.")


class StockAlertRead(BaseModel):
    """A stock alert, what it is about and where it stands."""

    ALERT_COLUMNS: ClassVar[tuple[str, ...]] = (
        "alert_id",
        "alert_type",
        "severity",
        "status",
        "message",
        "dedupe_key",
        "store_id",
        "product_id",
        "created_at",
        "acknowledged_at",
        "resolved_at",
    )

    alert_id: uuid.UUID
    alert_type: str
    severity: Severity
    status: AlertStatus
    message: str
    metadata: dict[str, Any] | None = Field(
        description="The numbers behind the alert (days of supply, lead time, quantities)."
    )
    dedupe_key: str | None = Field(
        description="What the alert is about; at most one open alert per key."
    )
    store_id: int | None
    store_code: str | None
    product_id: int | None
    product_code: str | None
    product_name: str | None
    created_at: dt.datetime
    acknowledged_at: dt.datetime | None
    resolved_at: dt.datetime | None = Field(description="When it was resolved or dismissed.")


class StockAlertPage(Page[StockAlertRead]):
    """A page of stock alerts, most severe first, then newest first."""


class StockAlertActionRequest(BaseModel):
    """Optional body of the alert actions."""

    model_config = ConfigDict(extra="forbid")

    notes: Annotated[
        str | None, StringConstraints(strip_whitespace=True, max_length=NOTES_LENGTH)
    ] = Field(default=None, description="Why; kept in the audit log.")


# --- phantom stock --------------------------------------------------------------------------


class PhantomFilters(PageParams):
    """Filters of ``GET /phantom-stock``."""

    store_id: Id | None = Field(default=None, description="Only this store.")


class PhantomStockItem(BaseModel):
    """A cycle-count recommendation: stock the system shows that is probably not there."""

    alert_id: uuid.UUID
    status: AlertStatus
    store_id: int | None
    store_code: str | None
    product_id: int | None
    product_code: str | None
    product_name: str | None
    probability: float = Field(
        description="1 − P(no sale in those days | expected demand) = 1 − exp(−expected_units)."
    )
    value: float = Field(description="on_hand × unit cost at risk.")
    score: float = Field(description="value × probability (the list's order).")
    on_hand: float
    days_without_sales: int
    expected_units: float = Field(description="Units expected to sell over those days.")
    last_sale_date: dt.date | None
    expected_from: str | None = Field(
        description="`forecast` (the forecast issued the day after the last sale) or "
        "`recent_sales` (the average of the 28 days before the silence)."
    )
    recommended_count_date: dt.date = Field(description="Count the shelf on this day (today).")
    created_at: dt.datetime


class PhantomPage(Page[PhantomStockItem]):
    """A page of phantom-stock recommendations, highest value × probability first."""
