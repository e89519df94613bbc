"""The inventory views: every store × product as the last daily run saw it (from its
reorder policy), and a summary of the whole tenant, a store or a category.

Nothing here computes: the numbers are the daily job's (:mod:`.service`), so the list,
the summary, the alerts and the suggested orders always agree with each other.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from shelfops.kit.db import tenant_of
from shelfops.replenishment import repository
from shelfops.replenishment.schemas import (
    InventoryFilters,
    InventoryItem,
    InventoryPage,
    InventorySort,
    InventorySummary,
    InventorySummaryFilters,
    SortOrder,
    StatusCounts,
    StockStatus,
)


def _number(details: dict[str, Any], key: str) -> float | None:
    value = details.get(key)
    return float(value) if isinstance(value, int | float) else None


def _item(row: repository.PolicyRow) -> InventoryItem:
    policy, store_code, product_code, product_name, category, unit_cost = row
    details = policy.details or {}
    on_hand = _number(details, "on_hand")
    return InventoryItem(
        policy_id=policy.policy_id,
        store_id=policy.store_id,
        store_code=store_code,
        product_id=policy.product_id,
        product_code=product_code,
        product_name=product_name,
        category=category,
        stock_status=StockStatus(policy.stock_status) if policy.stock_status else None,
        on_hand=on_hand,
        on_order=_number(details, "on_order"),
        reserved=_number(details, "reserved"),
        inventory_position=policy.inventory_position,
        days_of_supply=policy.days_of_supply,
        lead_time_days=policy.lead_time_days,
        safety_stock=policy.safety_stock,
        reorder_point=policy.reorder_point,
        order_up_to=policy.order_up_to,
        recommended_quantity=policy.recommended_quantity,
        unit_cost=unit_cost,
        on_hand_value=on_hand * unit_cost if on_hand is not None else None,
        computed_at=policy.computed_at,
    )


async def list_inventory(session: AsyncSession, *, filters: InventoryFilters) -> InventoryPage:
    """One page of the tenant's store × products with their stock status, filtered and
    sorted as asked (by default the fewest days of supply first)."""
    descending = (
        filters.order is SortOrder.DESC
        if filters.order is not None
        else filters.sort is InventorySort.VALUE
    )
    rows, total = await repository.list_policies(
        session,
        customer_id=tenant_of(session),
        status=filters.status.value if filters.status else None,
        store_id=filters.store_id,
        product_id=filters.product_id,
        category=filters.category,
        q=filters.q,
        sort=filters.sort.value,
        descending=descending,
        limit=filters.limit,
        offset=filters.offset,
    )
    return InventoryPage.build(map(_item, rows), total=total, params=filters)


async def summary(session: AsyncSession, *, filters: InventorySummaryFilters) -> InventorySummary:
    """Store × products per stock status, the on-hand value and how many are at or below
    their reorder point."""
    by_status, value, below, computed_at = await repository.inventory_summary(
        session,
        customer_id=tenant_of(session),
        store_id=filters.store_id,
        category=filters.category,
    )
    counts = {status.value: by_status.get(status.value, 0) for status in StockStatus}
    return InventorySummary(
        items=sum(by_status.values()),
        by_status=StatusCounts(**counts),
        total_on_hand_value=value,
        below_reorder_point=below,
        computed_at=computed_at,
    )
