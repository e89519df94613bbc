"""The purchase-order service below the API: two planners deciding at once, dates from the
supplier's lead time, and how a receipt books stock around existing inventory counts."""

from __future__ import annotations

import asyncio
import datetime as dt
import uuid

import pytest
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from shelfops.kit.db import tenant_transaction
from shelfops.kit.errors import Conflict, ValidationFailed
from shelfops.models import Role
from shelfops.replenishment import orders_service as service
from shelfops.replenishment.orders_schemas import (
    ApproveLine,
    POApprove,
    POReceive,
    ReasonCode,
    ReceiveLine,
)
from shelfops.tenants import service as tenants
from shelfops.tenants.service import Principal
from tests.conftest import Tenant
from tests.replenishment.orders_helpers import (
    decisions_in_db,
    make_catalog,
    make_po,
    put_snapshot,
    snapshots,
)

DAY = dt.date(2026, 11, 23)
LINES = {"MILK": (24.0, 0.8), "EGGS": (12.0, 2.5)}


async def _planner(sessionmaker: async_sessionmaker[AsyncSession], tenant: Tenant) -> Principal:
    async with tenant_transaction(sessionmaker, tenant.customer_id) as session:
        return await tenants.authenticate(session, tenant.keys[Role.PLANNER])


async def test_two_planners_deciding_at_once_one_wins_the_other_is_refused(
    sessionmaker: async_sessionmaker[AsyncSession], tenant_a: Tenant
) -> None:
    catalog = await make_catalog(sessionmaker, tenant_a)
    po_id = uuid.UUID(await make_po(sessionmaker, tenant_a, catalog, LINES))
    planner = await _planner(sessionmaker, tenant_a)

    async with sessionmaker() as first, sessionmaker() as second:
        first.info["customer_id"] = second.info["customer_id"] = tenant_a.customer_id
        approved = await service.approve(
            first, po_id=po_id, data=POApprove(), actor=planner, default_lead_time_days=7
        )
        assert approved.purchase_order.status == "approved"
        # The second planner edits the same order before the first has committed.
        racing = asyncio.create_task(
            service.approve(
                second,
                po_id=po_id,
                data=POApprove(
                    lines=[ApproveLine(product_id=catalog.pid("MILK"), quantity=12)],
                    reason_code=ReasonCode.BUDGET,
                ),
                actor=planner,
                default_lead_time_days=7,
            )
        )
        await asyncio.sleep(0.5)
        assert not racing.done()  # held by the first planner's lock
        await first.commit()
        with pytest.raises(Conflict, match="its status is 'approved'"):
            await asyncio.wait_for(racing, timeout=30)
        await second.rollback()

    assert [d.decision for d in await decisions_in_db(sessionmaker, tenant_a, str(po_id))] == [
        "approved"
    ]
    async with tenant_transaction(sessionmaker, tenant_a.customer_id) as session:
        order = await service.get_order(session, po_id=po_id)
    assert {line.product_code: line.quantity for line in order.lines} == {
        "EGGS": 12.0,
        "MILK": 24.0,
    }


@pytest.mark.parametrize(("lead_time", "days"), [(4.5, 5), (3.0, 3), (0.0, 0), (0.2, 1)])
async def test_expected_delivery_is_the_order_date_plus_the_lead_time_rounded_up(
    sessionmaker: async_sessionmaker[AsyncSession],
    tenant_a: Tenant,
    lead_time: float,
    days: int,
) -> None:
    catalog = await make_catalog(sessionmaker, tenant_a, lead_time_days=lead_time)
    po_id = uuid.UUID(await make_po(sessionmaker, tenant_a, catalog, LINES))
    planner = await _planner(sessionmaker, tenant_a)
    async with tenant_transaction(sessionmaker, tenant_a.customer_id) as session:
        result = await service.approve(
            session,
            po_id=po_id,
            data=POApprove(),
            actor=planner,
            default_lead_time_days=7,
            today=DAY,
        )
    assert result.purchase_order.order_date == DAY
    assert result.purchase_order.expected_delivery_date == DAY + dt.timedelta(days=days)
    assert result.decision.changes is not None
    assert result.decision.changes["lead_time_days"] == lead_time


async def test_receipt_starts_from_the_latest_earlier_count_and_leaves_later_counts(
    sessionmaker: async_sessionmaker[AsyncSession], tenant_a: Tenant
) -> None:
    catalog = await make_catalog(sessionmaker, tenant_a)
    po_id = uuid.UUID(await make_po(sessionmaker, tenant_a, catalog, LINES))
    planner = await _planner(sessionmaker, tenant_a)
    received_on = DAY + dt.timedelta(days=5)
    counts = {
        DAY - dt.timedelta(days=10): (50.0, 0.0, 0.0),
        DAY + dt.timedelta(days=2): (10.0, 24.0, 1.0),  # the latest before the receipt
        DAY + dt.timedelta(days=7): (31.0, 0.0, 1.0),  # counted after the delivery
    }
    for day, (on_hand, on_order, reserved) in counts.items():
        await put_snapshot(
            sessionmaker,
            tenant_a,
            catalog,
            "MILK",
            day,
            on_hand=on_hand,
            on_order=on_order,
            reserved=reserved,
        )
    # EGGS: counted on the receipt day itself, with less on order than this order.
    await put_snapshot(sessionmaker, tenant_a, catalog, "EGGS", received_on, on_hand=3, on_order=5)

    async with tenant_transaction(sessionmaker, tenant_a.customer_id) as session:
        await service.approve(
            session,
            po_id=po_id,
            data=POApprove(),
            actor=planner,
            default_lead_time_days=7,
            today=DAY,
        )
    async with tenant_transaction(sessionmaker, tenant_a.customer_id) as session:
        result = await service.receive(
            session,
            po_id=po_id,
            data=POReceive(
                received_date=received_on,
                lines=[
                    ReceiveLine(product_id=catalog.pid("MILK"), received_quantity=20),
                    ReceiveLine(product_id=catalog.pid("EGGS"), received_quantity=12),
                ],
            ),
            actor=planner,
            today=DAY + dt.timedelta(days=8),
        )

    assert await snapshots(sessionmaker, tenant_a, catalog, "MILK") == {
        **counts,
        received_on: (30.0, 24.0, 1.0),  # the feed's on-order is not ShelfOps' to change
    }
    assert await snapshots(sessionmaker, tenant_a, catalog, "EGGS") == {
        received_on: (15.0, 5.0, 0.0)
    }
    assert result.receipt is not None
    changes = {c.product_code: c for c in result.receipt.inventory}
    assert changes["MILK"].started_from == DAY + dt.timedelta(days=2)
    assert (changes["MILK"].on_hand_before, changes["MILK"].on_hand_after) == (10.0, 30.0)
    assert changes["EGGS"].started_from == received_on
    assert (changes["EGGS"].on_order_before, changes["EGGS"].on_order_after) == (5.0, 5.0)
    assert {line.product_code: line.short for line in result.receipt.lines} == {
        "EGGS": 0.0,
        "MILK": 4.0,
    }


async def test_other_reason_needs_notes(
    sessionmaker: async_sessionmaker[AsyncSession], tenant_a: Tenant
) -> None:
    catalog = await make_catalog(sessionmaker, tenant_a)
    po_id = uuid.UUID(await make_po(sessionmaker, tenant_a, catalog, LINES))
    planner = await _planner(sessionmaker, tenant_a)
    edit = POApprove(
        lines=[ApproveLine(product_id=catalog.pid("MILK"), quantity=36)],
        reason_code=ReasonCode.OTHER,
    )
    with pytest.raises(ValidationFailed) as refused:
        async with tenant_transaction(sessionmaker, tenant_a.customer_id) as session:
            await service.approve(
                session, po_id=po_id, data=edit, actor=planner, default_lead_time_days=7
            )
    detail = refused.value.detail
    assert isinstance(detail, list)
    assert [p["location"] for p in detail] == [["body", "notes"]]
    async with tenant_transaction(sessionmaker, tenant_a.customer_id) as session:
        result = await service.approve(
            session,
            po_id=po_id,
            data=edit.model_copy(update={"notes": "store manager's call"}),
            actor=planner,
            default_lead_time_days=7,
        )
    assert result.purchase_order.status == "edited"
    assert result.decision.notes == "store manager's call"
