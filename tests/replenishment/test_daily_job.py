"""The replenishment daily job on a hand-built chain: policies equal to the policy math on
the same inputs, documented fallbacks named in the report, stock alerts raised once and
auto-resolved, suggested purchase orders grouped by supplier and replaced on a rerun."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

import numpy as np
import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from shelfops.config import Settings
from shelfops.kit.db import tenant_transaction
from shelfops.models import AlertStatus, POStatus, Product, PurchaseOrder, ReorderPolicy, Role
from shelfops.replenishment import orders_service
from shelfops.replenishment.orders_schemas import POApprove, POReceive, ReceiveLine
from shelfops.replenishment.policy import PolicyDecision
from shelfops.replenishment.service import run_replenishment
from shelfops.tenants import service as tenants
from tests.conftest import Tenant
from tests.replenishment import db_helpers as h
from tests.replenishment.db_helpers import LEAD, PLANNED, expected

Sessions = async_sessionmaker[AsyncSession]


def _assert_policy(row: ReorderPolicy, want: PolicyDecision) -> None:
    approx = pytest.approx
    assert row.inventory_position == approx(want.inventory_position)
    assert row.lead_time_demand_mean == approx(want.lead_time_demand_mean)
    assert row.lead_time_demand_std == approx(want.lead_time_demand_std)
    assert row.safety_stock == approx(want.safety_stock)
    assert row.reorder_point == approx(want.reorder_point)
    assert row.order_up_to == approx(want.order_up_to)
    assert row.economic_order_qty == approx(want.economic_order_qty)
    assert row.recommended_quantity == approx(want.order_quantity)
    assert row.stock_status == want.stock_status
    if np.isfinite(want.days_of_supply):
        assert row.days_of_supply == approx(want.days_of_supply)
    else:
        assert row.days_of_supply is None


async def _run(sessionmaker: Sessions, settings: Settings, tenant: Tenant, **kw: Any) -> Any:
    return await run_replenishment(
        sessionmaker, settings, customer_id=tenant.customer_id, as_of=kw.pop("as_of", h.AS_OF)
    )


async def test_policies_equal_the_policy_math_on_the_same_inputs(
    sessionmaker: Sessions, migrated: Settings, tenant_a: Tenant
) -> None:
    chain = await h.build_chain(sessionmaker, tenant_a)
    report = await _run(sessionmaker, migrated, tenant_a)

    assert report.skipped is None
    assert report.series == 7
    assert report.policies_written == 6
    stored = await h.policies(sessionmaker, chain)
    assert set(stored) == set(PLANNED)
    for store, product in PLANNED:
        row = stored[(store, product)]
        _assert_policy(row, expected(store, product))
        assert row.lead_time_days == LEAD[product][0]
        assert (row.service_level, row.service_level_kind) == h.LEVEL[product]
        assert row.service_level_overridden is False
    # Where each number came from is kept with the policy.
    s1p1 = stored[("S1", "P1")]
    assert s1p1.details is not None
    assert s1p1.details["forecast_source"] == "champion"
    assert s1p1.details["error_source"] == "measured"
    assert s1p1.details["service_level_source"] == "category"
    assert s1p1.model_version == h.VERSION
    assert stored[("S1", "P2")].details["service_level_source"] == "product"  # type: ignore[index]
    assert stored[("S2", "P2")].details["error_source"] == "poisson"  # type: ignore[index]
    assert stored[("S2", "P1")].details["on_order_open_purchase_orders"] == h.APPROVED_PO_QTY  # type: ignore[index]
    assert s1p1.stock_status == "critical"
    assert stored[("S1", "P2")].stock_status == "ok"


async def test_fallbacks_are_named_in_the_report_and_the_policy(
    sessionmaker: Sessions, migrated: Settings, tenant_a: Tenant
) -> None:
    chain = await h.build_chain(sessionmaker, tenant_a)
    report = await _run(sessionmaker, migrated, tenant_a)

    # S1|P4: no snapshot and no on-hand in its sales rows.
    assert report.skipped_series == {"no_inventory": 1}
    assert report.skipped_examples == ["S1|P4: no_inventory"]
    assert report.fallbacks["no_forecast"] == 2  # S1|P3, S2|P3
    assert report.fallbacks["missing_supplier"] == 2
    assert report.fallbacks["on_hand_from_sales"] == 1  # S2|P3
    assert report.missing_supplier_products == ["P3"]
    stored = await h.policies(sessionmaker, chain)
    p3 = stored[("S1", "P3")].details
    assert p3 is not None
    assert p3["notes"] == ["missing_supplier", "no_forecast"]
    assert p3["lead_time_source"] == "default"
    assert p3["forecast_source"] == "recent_sales"
    assert stored[("S1", "P3")].lead_time_days == migrated.replenishment_default_lead_time_days
    assert stored[("S2", "P3")].details["inventory_source"] == "sales_on_hand_close"  # type: ignore[index]
    assert ("S1", "P4") not in stored
    # The report is plain JSON for the task log.
    assert report.as_dict()["as_of"] == h.AS_OF.isoformat()


async def test_stock_alerts_are_raised_once_and_resolved_when_cleared(
    sessionmaker: Sessions, migrated: Settings, tenant_a: Tenant
) -> None:
    chain = await h.build_chain(sessionmaker, tenant_a)
    first = await _run(sessionmaker, migrated, tenant_a)

    want_stockout = {
        s
        for s in PLANNED
        if (d := expected(*s)).stock_status == "out_of_stock" or d.days_of_supply < LEAD[s[1]][0]
    }
    want_reorder = {s for s in PLANNED if expected(*s).order_quantity > 0}
    assert ("S1", "P1") in want_stockout and ("S2", "P2") in want_stockout
    assert ("S1", "P2") not in want_stockout | want_reorder

    rows = await h.alerts(sessionmaker, tenant_a)
    by_type: dict[str, dict[tuple[str, str], Any]] = {}
    for alert in rows:
        assert alert.store_id is not None and alert.product_id is not None
        by_type.setdefault(alert.alert_type, {})[chain.code(alert.store_id, alert.product_id)] = (
            alert
        )
    assert set(by_type["stockout_predicted"]) == want_stockout
    assert set(by_type["reorder_recommended"]) == want_reorder
    assert first.alerts_raised["stockout_predicted"] == len(want_stockout)
    critical = by_type["stockout_predicted"][("S1", "P1")]
    assert critical.severity == "critical"  # 0.4 days of supply
    warning = by_type["stockout_predicted"][("S2", "P2")]
    assert warning.severity == "warning"  # 1.5 days against a 5-day lead time
    assert warning.alert_metadata["days_of_supply"] == pytest.approx(1.5)
    assert warning.alert_metadata["lead_time_days"] == 5.0
    assert warning.dedupe_key == f"stockout_predicted:{chain.stores['S2']}:{chain.products['P2']}"

    # A second run raises nothing new: the open alerts are refreshed, not duplicated.
    second = await _run(sessionmaker, migrated, tenant_a)
    assert sum(second.alerts_raised.values()) == 0
    assert second.alerts_refreshed == len(rows)
    again = await h.alerts(sessionmaker, tenant_a)
    assert sorted(a.alert_id for a in again) == sorted(a.alert_id for a in rows)

    # Stock arrives for S1|P1: its stock-out and reorder alerts resolve themselves.
    await h.set_snapshot(sessionmaker, chain, "S1", "P1", on_hand=500.0)
    third = await _run(sessionmaker, migrated, tenant_a)
    assert third.alerts_resolved["stockout_predicted"] == 1
    assert third.alerts_resolved["reorder_recommended"] == 1
    after = {a.alert_id: a for a in await h.alerts(sessionmaker, tenant_a)}
    resolved = after[critical.alert_id]
    assert resolved.status == AlertStatus.RESOLVED.value
    assert resolved.resolved_at is not None
    assert (resolved.alert_metadata or {})["auto_resolved_on"] == h.AS_OF.isoformat()
    assert after[warning.alert_id].status == AlertStatus.OPEN.value
    # Resolved alerts stay as history; nothing new was raised.
    assert len(after) == len(rows)


async def test_a_dismissed_alert_comes_back_when_the_condition_persists(
    sessionmaker: Sessions, migrated: Settings, tenant_a: Tenant, client: Any
) -> None:
    chain = await h.build_chain(sessionmaker, tenant_a)
    await _run(sessionmaker, migrated, tenant_a)
    target = next(
        a
        for a in await h.alerts(sessionmaker, tenant_a)
        if a.alert_type == "stockout_predicted"
        and a.store_id == chain.stores["S2"]
        and a.product_id == chain.products["P2"]
    )
    response = await client.patch(
        f"/api/v1/alerts/{target.alert_id}/dismiss", headers=tenant_a.headers(Role.PLANNER)
    )
    assert response.status_code == 200, response.text
    report = await _run(sessionmaker, migrated, tenant_a)
    assert report.alerts_raised["stockout_predicted"] == 1
    same_key = [
        a for a in await h.alerts(sessionmaker, tenant_a) if a.dedupe_key == target.dedupe_key
    ]
    assert sorted(a.status for a in same_key) == ["dismissed", "open"]


async def test_suggested_orders_are_grouped_by_supplier_and_replaced_on_a_rerun(
    sessionmaker: Sessions, migrated: Settings, tenant_a: Tenant
) -> None:
    chain = await h.build_chain(sessionmaker, tenant_a)
    report = await _run(sessionmaker, migrated, tenant_a)

    suggested = [
        (po, lines)
        for po, lines in await h.orders(sessionmaker, tenant_a)
        if po.status == POStatus.SUGGESTED.value
    ]
    want = {
        (s, p): expected(s, p).order_quantity
        for s, p in PLANNED
        if expected(s, p).order_quantity > 0 and p != "P3"  # P3 has no supplier
    }
    assert want, "the chain must need at least one order"
    got: dict[tuple[str, str], float] = {}
    seen: set[tuple[int, int | None]] = set()
    product_supplier = {chain.products["P1"]: "V1", chain.products["P2"]: "V2"}
    for po, lines in suggested:
        assert re.fullmatch(r"PO-20260302-\d+", po.po_number or "")
        assert po.source == "suggested" and po.order_date == h.AS_OF
        assert (po.store_id, po.supplier_id) not in seen  # one order per store × supplier
        seen.add((po.store_id, po.supplier_id))
        for line in lines:
            assert chain.suppliers[product_supplier[line.product_id]] == po.supplier_id
            assert line.quantity == line.suggested_quantity
            got[chain.code(po.store_id, line.product_id)] = line.quantity
        assert po.total_cost == pytest.approx(
            sum(ln.quantity * (ln.unit_cost or 0) for ln in lines)
        )
    assert got == pytest.approx(want)
    assert report.purchase_orders == len(suggested)
    assert report.purchase_order_lines == len(want)
    lead = next(po for po, _ in suggested if po.supplier_id == chain.suppliers["V2"])
    assert lead.expected_delivery_date == h.AS_OF + dt.timedelta(days=5)
    # P1 at S1 comes in packs of 6.
    assert got[("S1", "P1")] % 6 == 0

    # Rerun: the day's suggestions are replaced, not added to.
    again = await _run(sessionmaker, migrated, tenant_a)
    assert again.purchase_orders_replaced == len(suggested)
    rerun = [po for po, _ in await h.orders(sessionmaker, tenant_a) if po.status == "suggested"]
    assert sorted(po.po_number or "" for po in rerun) == sorted(
        po.po_number or "" for po, _ in suggested
    )

    # A planner approves S1's order: a rerun leaves it alone and does not suggest its
    # quantity again (it now counts as on order).
    s1 = next(po for po in rerun if po.store_id == chain.stores["S1"])
    async with tenant_transaction(sessionmaker, tenant_a.customer_id) as session:
        row = await session.get(PurchaseOrder, s1.po_id)
        assert row is not None
        row.status = POStatus.APPROVED.value
    await _run(sessionmaker, migrated, tenant_a)
    final = await h.orders(sessionmaker, tenant_a)
    approved = [po for po, _ in final if po.po_id == s1.po_id]
    assert approved and approved[0].status == "approved"
    assert approved[0].po_number == s1.po_number
    still = {
        chain.code(po.store_id, line.product_id)
        for po, lines in final
        if po.status == "suggested"
        for line in lines
    }
    assert ("S1", "P1") not in still
    stored = await h.policies(sessionmaker, chain)
    assert stored[("S1", "P1")].details["on_order_open_purchase_orders"] == pytest.approx(  # type: ignore[index]
        got[("S1", "P1")]
    )
    # New numbers never collide with the approved order's.
    numbers = [po.po_number for po, _ in final]
    assert len(numbers) == len(set(numbers))


async def test_a_tenant_with_nothing_to_plan_is_skipped_with_the_reason(
    sessionmaker: Sessions, migrated: Settings, tenant_a: Tenant
) -> None:
    report = await _run(sessionmaker, migrated, tenant_a)
    assert report.skipped is not None and "nothing to plan" in report.skipped
    assert report.policies_written == 0


async def test_the_default_day_is_the_day_after_the_latest_sales(
    sessionmaker: Sessions, migrated: Settings, tenant_a: Tenant
) -> None:
    await h.build_chain(sessionmaker, tenant_a)
    report = await run_replenishment(sessionmaker, migrated, customer_id=tenant_a.customer_id)
    assert report.as_of == h.AS_OF
    assert report.forecast_issue_date == h.AS_OF
    assert report.champion_version == h.VERSION


async def test_without_a_champion_every_series_uses_its_recent_sales(
    sessionmaker: Sessions, migrated: Settings, tenant_a: Tenant
) -> None:
    chain = await h.build_chain(sessionmaker, tenant_a)
    async with tenant_transaction(sessionmaker, tenant_a.customer_id) as session:
        from shelfops.models import ModelVersion

        version = await session.scalar(
            select(ModelVersion).where(ModelVersion.customer_id == tenant_a.customer_id)
        )
        assert version is not None
        version.status = "archived"
    report = await _run(sessionmaker, migrated, tenant_a)
    assert any("no champion" in note for note in report.notes)
    assert report.fallbacks["no_forecast"] == 6
    stored = await h.policies(sessionmaker, chain)
    row = stored[("S1", "P1")]
    sales = h.recent_sales("S1", "P1")
    want = expected(
        "S1",
        "P1",
        forecast_mean=np.full(14, sales.mean()),
        forecast_quantiles={},
        error_std=float(sales.std(ddof=1)),
    )
    _assert_policy(row, want)
    assert row.model_version is None


async def test_a_negative_on_hand_is_skipped_and_nothing_of_it_is_written(
    sessionmaker: Sessions, migrated: Settings, tenant_a: Tenant
) -> None:
    chain = await h.build_chain(sessionmaker, tenant_a)
    # Sales feeds do report negative on-hand (unrecorded receipts): S2|P3's last close.
    async with tenant_transaction(sessionmaker, tenant_a.customer_id) as session:
        from shelfops.models import Sale

        last = await session.scalar(
            select(Sale).where(
                Sale.customer_id == tenant_a.customer_id,
                Sale.store_id == chain.stores["S2"],
                Sale.product_id == chain.products["P3"],
                Sale.sale_date == h.AS_OF - dt.timedelta(days=1),
            )
        )
        assert last is not None
        last.on_hand_close = -3.0
    report = await _run(sessionmaker, migrated, tenant_a)
    assert report.skipped_series["negative_on_hand"] == 1
    assert "S2|P3: negative_on_hand" in report.skipped_examples
    stored = await h.policies(sessionmaker, chain)
    assert ("S2", "P3") not in stored
    assert report.policies_written == 5


async def test_the_next_days_plan_supersedes_suggestions_nobody_acted_on(
    sessionmaker: Sessions, migrated: Settings, tenant_a: Tenant
) -> None:
    await h.build_chain(sessionmaker, tenant_a)
    first = await _run(sessionmaker, migrated, tenant_a)
    assert first.purchase_orders > 0

    later = await _run(sessionmaker, migrated, tenant_a, as_of=h.AS_OF + dt.timedelta(days=1))

    # Yesterday's untouched suggestions are gone; only today's remain (no stale duplicates).
    suggested = [po for po, _ in await h.orders(sessionmaker, tenant_a) if po.status == "suggested"]
    assert later.purchase_orders_replaced == first.purchase_orders
    assert {po.order_date for po in suggested} == {h.AS_OF + dt.timedelta(days=1)}


async def test_a_delivery_received_on_the_plan_day_counts_as_on_hand_once(
    sessionmaker: Sessions, migrated: Settings, tenant_a: Tenant
) -> None:
    """Goods received on the plan day are in no count the plan reads (counts before the
    day) and their order no longer counts as on order: they are added to on hand, so a
    rerun neither reports the item out of stock nor orders the same units again. The next
    day's plan reads them from the receipt's count and does not add them twice."""
    chain = await h.build_chain(sessionmaker, tenant_a)
    await _run(sessionmaker, migrated, tenant_a)
    p1 = chain.products["P1"]
    order, lines = next(
        (po, lines)
        for po, lines in await h.orders(sessionmaker, tenant_a)
        if po.store_id == chain.stores["S1"] and any(ln.product_id == p1 for ln in lines)
    )
    quantity = next(ln.quantity for ln in lines if ln.product_id == p1)
    async with tenant_transaction(sessionmaker, tenant_a.customer_id) as session:
        planner = await tenants.authenticate(session, tenant_a.keys[Role.PLANNER])
        await orders_service.approve(
            session,
            po_id=order.po_id,
            data=POApprove(),
            actor=planner,
            default_lead_time_days=7,
            today=h.AS_OF,
        )
    async with tenant_transaction(sessionmaker, tenant_a.customer_id) as session:
        await orders_service.receive(
            session,
            po_id=order.po_id,
            data=POReceive(
                received_date=h.AS_OF,
                lines=[ReceiveLine(product_id=p1, received_quantity=quantity)],
            ),
            actor=planner,
            today=h.AS_OF,
        )

    await _run(sessionmaker, migrated, tenant_a)
    on_hand = h.SNAPSHOTS[("S1", "P1")][0] + quantity
    row = (await h.policies(sessionmaker, chain))[("S1", "P1")]
    assert row.details is not None
    assert row.details["on_hand"] == on_hand
    assert row.details["received_after_count"] == quantity
    assert row.details["on_order_open_purchase_orders"] == 0
    _assert_policy(row, expected("S1", "P1", on_hand=on_hand))
    assert row.stock_status != "out_of_stock"

    # The next day: the receipt's count (dated the plan day) holds the delivery.
    await _run(sessionmaker, migrated, tenant_a, as_of=h.AS_OF + dt.timedelta(days=1))
    row = (await h.policies(sessionmaker, chain))[("S1", "P1")]
    assert row.details is not None
    assert row.details["inventory_date"] == h.AS_OF.isoformat()
    assert row.details["on_hand"] == on_hand
    assert row.details["received_after_count"] == 0


async def test_a_discontinued_product_is_sold_off_not_reordered_or_alerted(
    sessionmaker: Sessions, migrated: Settings, tenant_a: Tenant
) -> None:
    """From its ``discontinued_on`` a product keeps its policy (stock and days of supply
    stay visible) but gets no suggested order and no stock alert; the alerts it had
    resolve themselves."""
    chain = await h.build_chain(sessionmaker, tenant_a)
    await _run(sessionmaker, migrated, tenant_a)
    before = await h.alerts(sessionmaker, tenant_a)
    assert any(a.product_id == chain.products["P1"] for a in before)

    async with tenant_transaction(sessionmaker, tenant_a.customer_id) as session:
        product = await session.get(Product, chain.products["P1"])
        assert product is not None
        product.discontinued_on = h.AS_OF
    report = await _run(sessionmaker, migrated, tenant_a)

    assert report.fallbacks["discontinued"] == 2  # S1|P1 and S2|P1
    stored = await h.policies(sessionmaker, chain)
    for store in ("S1", "S2"):
        row = stored[(store, "P1")]
        assert row.recommended_quantity == 0
        assert row.details is not None and "discontinued" in row.details["notes"]
    # S1|P1 is still out of stock soon: shown, but no longer alerted or ordered.
    assert stored[("S1", "P1")].stock_status == "critical"
    open_p1 = [
        a
        for a in await h.alerts(sessionmaker, tenant_a)
        if a.product_id == chain.products["P1"] and a.status == AlertStatus.OPEN.value
    ]
    assert open_p1 == []
    suggested = [
        line.product_id
        for po, lines in await h.orders(sessionmaker, tenant_a)
        if po.status == POStatus.SUGGESTED.value
        for line in lines
    ]
    assert chain.products["P1"] not in suggested and suggested  # P2 is still ordered

    # Until its discontinuation day it is planned as before.
    async with tenant_transaction(sessionmaker, tenant_a.customer_id) as session:
        product = await session.get(Product, chain.products["P1"])
        assert product is not None
        product.discontinued_on = h.AS_OF + dt.timedelta(days=1)
    await _run(sessionmaker, migrated, tenant_a)
    row = (await h.policies(sessionmaker, chain))[("S1", "P1")]
    _assert_policy(row, expected("S1", "P1"))
    assert (row.recommended_quantity or 0) > 0
