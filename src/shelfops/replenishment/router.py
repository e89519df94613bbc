"""HTTP routes of inventory, reorder policies, service-level targets, stock alerts and
phantom stock (``/api/v1/inventory`` …).

Any valid API key (viewer and up) reads; changing a policy or a target and acting on an
alert needs the planner role. Ids of other tenants answer 404, like unused ids. Route
docstrings are the OpenAPI descriptions.
"""

from __future__ import annotations

import uuid
from typing import Annotated, Any

from fastapi import APIRouter, Body, Path, Query, status

from shelfops.api.deps import PlannerDep, SessionDep, SettingsDep
from shelfops.replenishment import alerts_service, inventory, phantom, service
from shelfops.replenishment.schemas import (
    AlertAction,
    InventoryFilters,
    InventoryPage,
    InventorySummary,
    InventorySummaryFilters,
    PhantomFilters,
    PhantomPage,
    PolicyFilters,
    PolicyOverride,
    PolicyPage,
    PolicyUpdateResult,
    ReorderPolicyRead,
    ServiceLevelTargetRead,
    ServiceLevelTargetWrite,
    StockAlertActionRequest,
    StockAlertFilters,
    StockAlertPage,
    StockAlertRead,
    TargetFilters,
    TargetPage,
)

router = APIRouter(tags=["replenishment"])

_MAX_ID = 2**63 - 1
PolicyId = Annotated[int, Path(ge=1, le=_MAX_ID, description="The reorder policy's id.")]
TargetId = Annotated[int, Path(ge=1, le=_MAX_ID, description="The target's id.")]
AlertId = Annotated[uuid.UUID, Path(description="The stock alert's `alert_id`.")]
ActionBody = Annotated[StockAlertActionRequest | None, Body()]

_NOT_FOUND: dict[int | str, dict[str, Any]] = {
    404: {"description": "No such id for this tenant (other tenants' ids look the same)."}
}
_PLANNER: dict[int | str, dict[str, Any]] = {
    403: {"description": "The API key's role is below planner."}
}
_ALERT_ACTION: dict[int | str, dict[str, Any]] = {
    **_NOT_FOUND,
    **_PLANNER,
    409: {"description": "The alert's status does not allow this action; nothing changed."},
}

# --- inventory ------------------------------------------------------------------------------


@router.get("/inventory/summary", operation_id="getInventorySummary")
async def get_inventory_summary(
    session: SessionDep, filters: Annotated[InventorySummaryFilters, Query()]
) -> InventorySummary:
    """Store × products per stock status (`out_of_stock`, `critical`, `low`, `ok`), the
    total on-hand value (on hand × unit cost) and how many are at or below their reorder
    point, optionally for one `store_id` or `category`. The numbers are those of the last
    daily replenishment run."""
    return await inventory.summary(session, filters=filters)


@router.get("/inventory", operation_id="listInventory")
async def list_inventory(
    session: SessionDep, filters: Annotated[InventoryFilters, Query()]
) -> InventoryPage:
    """Every store × product with its stock, days of supply, reorder point and what to
    order, as the last daily run computed them.

    Filters: `status`, `store_id`, `product_id`, `category`, and `q` (text in the product
    code or name). `sort` by `days_of_supply` (default, most urgent first), `value`
    (on-hand value, largest first) or `product_code`; `order` reverses. Items without
    days of supply (no demand expected) come last; equal values by on hand. `total`
    counts every match (one of 10,000 or more may be up to 5 s old).
    """
    return await inventory.list_inventory(session, filters=filters)


# --- reorder policies -----------------------------------------------------------------------


@router.get("/reorder-policies", operation_id="listReorderPolicies")
async def list_reorder_policies(
    session: SessionDep, filters: Annotated[PolicyFilters, Query()]
) -> PolicyPage:
    """The tenant's reorder policies (one per store × product the daily job planned), by
    product code. Filter by `store_id`, `product_id` or `overridden`. A `total` of 10,000
    or more may be up to 5 s old."""
    return await service.list_policies(session, filters=filters)


@router.get("/reorder-policies/{policy_id}", operation_id="getReorderPolicy", responses=_NOT_FOUND)
async def get_reorder_policy(session: SessionDep, policy_id: PolicyId) -> ReorderPolicyRead:
    """One policy with the inputs it was computed from (`details`: forecast source,
    inventory source, lead-time source, service-level source, error source, sigmas)."""
    return await service.get_policy(session, policy_id=policy_id)


@router.patch(
    "/reorder-policies/{policy_id}",
    operation_id="overrideReorderPolicy",
    responses={
        **_NOT_FOUND,
        **_PLANNER,
        422: {"description": "service_level not strictly between 0 and 1, or unknown kind."},
    },
)
async def override_reorder_policy(
    principal: PlannerDep,
    session: SessionDep,
    settings: SettingsDep,
    policy_id: PolicyId,
    body: PolicyOverride,
) -> PolicyUpdateResult:
    """Set this store × product's own service level (`service_level` strictly between 0
    and 1, optional `service_level_kind`: `cycle` or `fill_rate`), or remove it with
    `{"service_level": null}` (the product's, category's or tenant's target applies
    again). The policy's numbers are recomputed at once; alerts and suggested orders
    follow at the next daily run. Writes an audit row. Needs the planner role."""
    return await service.override_policy(
        session, settings, policy_id=policy_id, change=body, actor=principal
    )


# --- service-level targets ------------------------------------------------------------------


@router.get("/service-level-targets", operation_id="listServiceLevelTargets")
async def list_service_level_targets(
    session: SessionDep, filters: Annotated[TargetFilters, Query()]
) -> TargetPage:
    """Service-level targets by category or product (all stores). The most specific
    wins: a store × product override, then the product's target, then its category's,
    then the tenant default (0.95 cycle)."""
    return await service.list_targets(session, filters=filters)


@router.put(
    "/service-level-targets",
    operation_id="putServiceLevelTarget",
    responses={
        **_PLANNER,
        422: {
            "description": "Not exactly one of category and product_id, an unknown product "
            "or category, or a service level not strictly between 0 and 1."
        },
    },
)
async def put_service_level_target(
    principal: PlannerDep, session: SessionDep, body: ServiceLevelTargetWrite
) -> ServiceLevelTargetRead:
    """Create or replace the target of one `category` or one `product_id`. Policies use it
    from the next daily run. Writes an audit row. Needs the planner role."""
    return await service.put_target(session, data=body, actor=principal)


@router.delete(
    "/service-level-targets/{target_id}",
    operation_id="deleteServiceLevelTarget",
    status_code=status.HTTP_204_NO_CONTENT,
    responses={**_NOT_FOUND, **_PLANNER},
)
async def delete_service_level_target(
    principal: PlannerDep, session: SessionDep, target_id: TargetId
) -> None:
    """Remove a target; the next broader one applies from the next daily run. Writes an
    audit row. Needs the planner role."""
    await service.delete_target(session, target_id=target_id, actor=principal)


# --- stock alerts ---------------------------------------------------------------------------


@router.get("/alerts", operation_id="listStockAlerts")
async def list_stock_alerts(
    session: SessionDep, filters: Annotated[StockAlertFilters, Query()]
) -> StockAlertPage:
    """Stock alerts (`stockout_predicted`, `reorder_recommended`, `phantom_stock`), most
    severe first, then newest. Filter by `status` (repeatable), `type`, `severity`,
    `store_id`, `product_id`. A `total` of 10,000 or more may be up to 5 s old."""
    return await alerts_service.list_alerts(session, filters=filters)


@router.get("/alerts/{alert_id}", operation_id="getStockAlert", responses=_NOT_FOUND)
async def get_stock_alert(session: SessionDep, alert_id: AlertId) -> StockAlertRead:
    """One stock alert with its metadata."""
    return await alerts_service.get_alert(session, alert_id=alert_id)


@router.patch(
    "/alerts/{alert_id}/acknowledge", operation_id="acknowledgeStockAlert", responses=_ALERT_ACTION
)
async def acknowledge_stock_alert(
    principal: PlannerDep, session: SessionDep, alert_id: AlertId, body: ActionBody = None
) -> StockAlertRead:
    """open → acknowledged (someone is on it). Any other status is a 409. Optional
    `notes` go to the audit row. Needs the planner role."""
    return await alerts_service.act_on_alert(
        session,
        alert_id=alert_id,
        action=AlertAction.ACKNOWLEDGE,
        actor=principal,
        notes=body.notes if body else None,
    )


@router.patch(
    "/alerts/{alert_id}/resolve", operation_id="resolveStockAlert", responses=_ALERT_ACTION
)
async def resolve_stock_alert(
    principal: PlannerDep, session: SessionDep, alert_id: AlertId, body: ActionBody = None
) -> StockAlertRead:
    """open or acknowledged → resolved (final). A resolved or dismissed alert is a 409.
    Needs the planner role."""
    return await alerts_service.act_on_alert(
        session,
        alert_id=alert_id,
        action=AlertAction.RESOLVE,
        actor=principal,
        notes=body.notes if body else None,
    )


@router.patch(
    "/alerts/{alert_id}/dismiss", operation_id="dismissStockAlert", responses=_ALERT_ACTION
)
async def dismiss_stock_alert(
    principal: PlannerDep, session: SessionDep, alert_id: AlertId, body: ActionBody = None
) -> StockAlertRead:
    """open or acknowledged → dismissed (final; if the condition persists, the next daily
    run raises a new alert). A resolved or dismissed alert is a 409. Needs the planner
    role."""
    return await alerts_service.act_on_alert(
        session,
        alert_id=alert_id,
        action=AlertAction.DISMISS,
        actor=principal,
        notes=body.notes if body else None,
    )


# --- phantom stock --------------------------------------------------------------------------


@router.get("/phantom-stock", operation_id="listPhantomStock")
async def list_phantom_stock(
    session: SessionDep, filters: Annotated[PhantomFilters, Query()]
) -> PhantomPage:
    """Cycle-count recommendations: store × products whose sales stopped although the
    system shows stock and demand was expected (open `phantom_stock` alerts), highest
    value × probability first, each to be counted today. `probability` is
    1 − exp(−expected units over the silent days) under Poisson demand."""
    return await phantom.list_phantom_stock(session, filters=filters)
