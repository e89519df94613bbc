"""The purchase-order workflow through the API: suggested → approved | edited | rejected →
received, the inventory a receipt books, bad input, roles and tenant isolation."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

import httpx
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from shelfops.models import Role
from shelfops.replenishment.orders_schemas import MAX_QUANTITY
from tests.conftest import Tenant
from tests.replenishment.orders_helpers import (
    API,
    act,
    audit_trail,
    decisions_in_db,
    fetch,
    make_catalog,
    make_po,
    problems,
    put_snapshot,
    quantities,
    snapshots,
    today,
)

SUGGESTED = {"MILK": (24.0, 0.8), "EGGS": (12.0, 2.5)}


def _recent(stamp: str) -> bool:
    moment = dt.datetime.fromisoformat(stamp)
    return moment.tzinfo is not None and abs(dt.datetime.now(dt.UTC) - moment).total_seconds() < 60


async def test_approve_as_suggested_then_receive_in_full(
    client: httpx.AsyncClient,
    sessionmaker: async_sessionmaker[AsyncSession],
    tenant_a: Tenant,
) -> None:
    catalog = await make_catalog(sessionmaker, tenant_a)
    po_id = await make_po(sessionmaker, tenant_a, catalog, SUGGESTED)
    # The store counted this morning: 5 bottles on hand, 24 on order (this order).
    await put_snapshot(sessionmaker, tenant_a, catalog, "MILK", today(), on_hand=5, on_order=24)

    suggested = await fetch(client, tenant_a, po_id)
    assert suggested["status"] == "suggested"
    assert suggested["order_date"] is None and suggested["expected_delivery_date"] is None

    answer = await act(client, tenant_a, po_id, "approve")
    order = answer["purchase_order"]
    assert order["status"] == "approved"
    assert order["order_date"] == today().isoformat()
    # Lead time 4.5 days is rounded up: delivery is expected on the 5th day.
    assert order["expected_delivery_date"] == (today() + dt.timedelta(days=5)).isoformat()
    assert quantities(order) == {"EGGS": 12.0, "MILK": 24.0}
    assert order["total_cost"] == 49.2
    decision = answer["decision"]
    assert decision["decision"] == "approved"
    assert decision["decided_by"] == "planner key"
    assert decision["reason_code"] is None
    assert _recent(decision["decided_at"])
    assert decision["changes"]["lines"] == [
        {"product_id": catalog.pid("EGGS"), "product_code": "EGGS", "before": 12.0, "after": 12.0},
        {"product_id": catalog.pid("MILK"), "product_code": "MILK", "before": 24.0, "after": 24.0},
    ]
    assert await fetch(client, tenant_a, po_id) == order

    received = await act(
        client,
        tenant_a,
        po_id,
        "receive",
        {
            "received_date": today().isoformat(),
            "lines": [
                {"product_id": catalog.pid("MILK"), "received_quantity": 24},
                {"product_id": catalog.pid("EGGS"), "received_quantity": 12},
            ],
        },
    )
    order = received["purchase_order"]
    assert order["status"] == "received"
    assert order["received_date"] == today().isoformat()
    assert {line["product_code"]: line["received_quantity"] for line in order["lines"]} == {
        "EGGS": 12.0,
        "MILK": 24.0,
    }
    assert all(line["short"] == 0 for line in received["receipt"]["lines"])
    # MILK's count of today: +24 on hand; the feed's on-order stays (this order now counts
    # as received, not as on order). EGGS had no count at all: from 0.
    assert await snapshots(sessionmaker, tenant_a, catalog, "MILK") == {today(): (29.0, 24.0, 0.0)}
    assert await snapshots(sessionmaker, tenant_a, catalog, "EGGS") == {today(): (12.0, 0.0, 0.0)}

    history = await fetch(client, tenant_a, po_id, "/decisions")
    assert [(d["decision"], d["decided_by"]) for d in history] == [
        ("approved", "planner key"),
        ("received", "planner key"),
    ]
    trail = await audit_trail(sessionmaker, tenant_a, po_id)
    assert [
        (r.action, (r.before or {}).get("status"), (r.after or {}).get("status")) for r in trail
    ] == [
        ("purchase_order.approve", "suggested", "approved"),
        ("purchase_order.receive", "approved", "received"),
    ]
    assert trail[0].actor == "planner key"
    assert (trail[1].after or {})["received"] == {"EGGS": 12.0, "MILK": 24.0}


async def test_edit_with_reason_then_short_receipt_books_from_the_previous_count(
    client: httpx.AsyncClient,
    sessionmaker: async_sessionmaker[AsyncSession],
    tenant_a: Tenant,
) -> None:
    catalog = await make_catalog(sessionmaker, tenant_a)
    po_id = await make_po(sessionmaker, tenant_a, catalog, SUGGESTED)
    three_days_ago = today() - dt.timedelta(days=3)
    await put_snapshot(
        sessionmaker, tenant_a, catalog, "MILK", three_days_ago, on_hand=7, on_order=30, reserved=2
    )
    await put_snapshot(
        sessionmaker, tenant_a, catalog, "EGGS", three_days_ago, on_hand=4, on_order=6
    )

    answer = await act(
        client,
        tenant_a,
        po_id,
        "approve",
        {
            "lines": [{"product_id": catalog.pid("MILK"), "quantity": 36}],
            "reason_code": "promotion",
            "notes": "milk promo next week",
        },
    )
    order = answer["purchase_order"]
    assert order["status"] == "edited"
    assert quantities(order) == {"EGGS": 12.0, "MILK": 36.0}
    milk = next(line for line in order["lines"] if line["product_code"] == "MILK")
    assert milk["suggested_quantity"] == 24.0
    assert milk["line_cost"] == 28.8
    assert order["total_cost"] == 58.8
    decision = answer["decision"]
    assert (decision["decision"], decision["reason_code"], decision["notes"]) == (
        "edited",
        "promotion",
        "milk promo next week",
    )
    assert {c["product_code"]: (c["before"], c["after"]) for c in decision["changes"]["lines"]} == {
        "EGGS": (12.0, 12.0),
        "MILK": (24.0, 36.0),
    }
    assert decision["changes"]["total_cost"] == {"before": 49.2, "after": 58.8}

    # 30 bottles arrived of 36; the eggs were not delivered at all (not named).
    received = await act(
        client,
        tenant_a,
        po_id,
        "receive",
        {
            "received_date": today().isoformat(),
            "lines": [{"product_id": catalog.pid("MILK"), "received_quantity": 30}],
            "notes": "driver said the rest comes Monday",
        },
    )
    assert received["purchase_order"]["status"] == "received"
    receipt = received["receipt"]
    assert {
        r["product_code"]: (r["ordered"], r["received"], r["short"]) for r in receipt["lines"]
    } == {
        "EGGS": (12.0, 0.0, 12.0),
        "MILK": (36.0, 30.0, 6.0),
    }
    # The discrepancy is kept with the decision.
    stored = (await decisions_in_db(sessionmaker, tenant_a, po_id))[-1]
    assert stored.decision == "received"
    assert stored.notes == "driver said the rest comes Monday"
    assert stored.changes is not None
    assert {r["product_code"]: r["short"] for r in stored.changes["lines"]} == {
        "EGGS": 12.0,
        "MILK": 6.0,
    }

    # Today had no count: it starts from the count of three days ago (kept as it was).
    assert await snapshots(sessionmaker, tenant_a, catalog, "MILK") == {
        three_days_ago: (7.0, 30.0, 2.0),
        today(): (37.0, 30.0, 2.0),  # 7 + 30 received; the feed's on-order is kept
    }
    assert await snapshots(sessionmaker, tenant_a, catalog, "EGGS") == {
        three_days_ago: (4.0, 6.0, 0.0),
        today(): (4.0, 6.0, 0.0),  # nothing arrived
    }
    milk_change = next(c for c in receipt["inventory"] if c["product_code"] == "MILK")
    assert milk_change == {
        "product_id": catalog.pid("MILK"),
        "product_code": "MILK",
        "snapshot_date": today().isoformat(),
        "started_from": three_days_ago.isoformat(),
        "on_hand_before": 7.0,
        "on_hand_after": 37.0,
        "on_order_before": 30.0,
        # The feed's on-order is left alone; this order stops counting once received.
        "on_order_after": 30.0,
    }
    trail = await audit_trail(sessionmaker, tenant_a, po_id)
    assert [r.action for r in trail] == ["purchase_order.edit", "purchase_order.receive"]
    assert (trail[0].after or {})["reason_code"] == "promotion"


async def test_dropped_line_is_not_ordered_received_or_booked(
    client: httpx.AsyncClient,
    sessionmaker: async_sessionmaker[AsyncSession],
    tenant_a: Tenant,
) -> None:
    catalog = await make_catalog(sessionmaker, tenant_a)
    po_id = await make_po(sessionmaker, tenant_a, catalog, SUGGESTED)
    edited = await act(
        client,
        tenant_a,
        po_id,
        "approve",
        {"lines": [{"product_id": catalog.pid("EGGS"), "quantity": 0}], "reason_code": "budget"},
    )
    assert quantities(edited["purchase_order"]) == {"EGGS": 0.0, "MILK": 24.0}
    assert edited["purchase_order"]["total_cost"] == 19.2

    # Receiving a dropped line is receiving more than ordered.
    over = await act(
        client,
        tenant_a,
        po_id,
        "receive",
        {
            "received_date": today().isoformat(),
            "lines": [{"product_id": catalog.pid("EGGS"), "received_quantity": 6}],
        },
        expect=422,
    )
    assert "body.lines.0.received_quantity" in problems(over)

    received = await act(
        client,
        tenant_a,
        po_id,
        "receive",
        {
            "received_date": today().isoformat(),
            "lines": [{"product_id": catalog.pid("MILK"), "received_quantity": 24}],
        },
    )
    assert [c["product_code"] for c in received["receipt"]["inventory"]] == ["MILK"]
    assert await snapshots(sessionmaker, tenant_a, catalog, "EGGS") == {}


async def test_reject_needs_a_reason_code_and_is_final(
    client: httpx.AsyncClient,
    sessionmaker: async_sessionmaker[AsyncSession],
    tenant_a: Tenant,
) -> None:
    catalog = await make_catalog(sessionmaker, tenant_a)
    po_id = await make_po(sessionmaker, tenant_a, catalog, SUGGESTED)

    missing = await act(client, tenant_a, po_id, "reject", {}, expect=422)
    assert "body.reason_code" in problems(missing)
    unknown = await act(client, tenant_a, po_id, "reject", {"reason_code": "meh"}, expect=422)
    assert "body.reason_code" in problems(unknown)
    other = await act(client, tenant_a, po_id, "reject", {"reason_code": "other"}, expect=422)
    assert "notes" in problems(other)["body.notes"]
    assert (await fetch(client, tenant_a, po_id))["status"] == "suggested"
    assert await decisions_in_db(sessionmaker, tenant_a, po_id) == []

    answer = await act(
        client,
        tenant_a,
        po_id,
        "reject",
        {"reason_code": "shelf_space", "notes": "the chiller is full"},
    )
    assert answer["purchase_order"]["status"] == "rejected"
    assert answer["purchase_order"]["order_date"] is None
    decision = answer["decision"]
    assert (decision["decision"], decision["reason_code"], decision["notes"]) == (
        "rejected",
        "shelf_space",
        "the chiller is full",
    )

    # Final: neither approving nor receiving it is possible any more.
    again = await act(client, tenant_a, po_id, "approve", expect=409)
    assert "'rejected'" in again["detail"]
    late = await act(
        client,
        tenant_a,
        po_id,
        "receive",
        {
            "received_date": today().isoformat(),
            "lines": [{"product_id": catalog.pid("MILK"), "received_quantity": 1}],
        },
        expect=409,
    )
    assert "'rejected'" in late["detail"]
    history = await fetch(client, tenant_a, po_id, "/decisions")
    assert [d["decision"] for d in history] == ["rejected"]
    trail = await audit_trail(sessionmaker, tenant_a, po_id)
    assert [(r.action, r.note) for r in trail] == [("purchase_order.reject", "the chiller is full")]


async def test_approving_twice_is_409_and_changes_nothing(
    client: httpx.AsyncClient,
    sessionmaker: async_sessionmaker[AsyncSession],
    tenant_a: Tenant,
) -> None:
    catalog = await make_catalog(sessionmaker, tenant_a)
    po_id = await make_po(sessionmaker, tenant_a, catalog, SUGGESTED)
    await act(client, tenant_a, po_id, "approve")
    before = await fetch(client, tenant_a, po_id)

    twice = await act(client, tenant_a, po_id, "approve", expect=409)
    assert twice["error"] == "Conflict"
    assert "its status is 'approved'" in twice["detail"]
    assert "PO-20261123-1" in twice["detail"]
    # Nor may it be edited or rejected now.
    await act(
        client,
        tenant_a,
        po_id,
        "approve",
        {"lines": [{"product_id": catalog.pid("MILK"), "quantity": 12}], "reason_code": "budget"},
        expect=409,
    )
    await act(client, tenant_a, po_id, "reject", {"reason_code": "budget"}, expect=409)

    assert await fetch(client, tenant_a, po_id) == before
    assert [d.decision for d in await decisions_in_db(sessionmaker, tenant_a, po_id)] == [
        "approved"
    ]
    assert len(await audit_trail(sessionmaker, tenant_a, po_id)) == 1


async def test_edit_without_reason_code_is_422_and_changes_nothing(
    client: httpx.AsyncClient,
    sessionmaker: async_sessionmaker[AsyncSession],
    tenant_a: Tenant,
) -> None:
    catalog = await make_catalog(sessionmaker, tenant_a)
    po_id = await make_po(sessionmaker, tenant_a, catalog, SUGGESTED)
    before = await fetch(client, tenant_a, po_id)

    answer = await act(
        client,
        tenant_a,
        po_id,
        "approve",
        {"lines": [{"product_id": catalog.pid("MILK"), "quantity": 12}]},
        expect=422,
    )
    found = problems(answer)
    assert set(found) == {"body.reason_code"}
    assert (
        "MILK" in found["body.reason_code"] and "forecast_disagreement" in found["body.reason_code"]
    )
    assert await fetch(client, tenant_a, po_id) == before
    assert await decisions_in_db(sessionmaker, tenant_a, po_id) == []
    assert await audit_trail(sessionmaker, tenant_a, po_id) == []

    # Sending the quantities as they are is no change: a plain approval, no reason needed.
    same = await act(
        client,
        tenant_a,
        po_id,
        "approve",
        {"lines": [{"product_id": catalog.pid("MILK"), "quantity": 24}]},
    )
    assert same["purchase_order"]["status"] == "approved"


async def test_edited_quantities_must_respect_pack_size_and_minimum(
    client: httpx.AsyncClient,
    sessionmaker: async_sessionmaker[AsyncSession],
    tenant_a: Tenant,
) -> None:
    catalog = await make_catalog(sessionmaker, tenant_a)
    po_id = await make_po(sessionmaker, tenant_a, catalog, {**SUGGESTED, "SALT": (20.0, 0.4)})
    before = await fetch(client, tenant_a, po_id)

    async def refused(lines: list[dict[str, Any]]) -> dict[str, str]:
        answer = await act(
            client,
            tenant_a,
            po_id,
            "approve",
            {"lines": lines, "reason_code": "budget"},
            expect=422,
        )
        return problems(answer)

    milk, eggs, salt = catalog.pid("MILK"), catalog.pid("EGGS"), catalog.pid("SALT")
    found = await refused(
        [{"product_id": milk, "quantity": 24}, {"product_id": eggs, "quantity": 8}]
    )
    assert set(found) == {"body.lines.1.quantity"}
    assert "EGGS" in found["body.lines.1.quantity"]
    assert "pack size 6" in found["body.lines.1.quantity"]
    assert "6 or 12" in found["body.lines.1.quantity"]

    # SALT comes by the unit, but the supplier's minimum is 12 per line.
    found = await refused([{"product_id": salt, "quantity": 5}])
    assert "minimum order quantity 12" in found["body.lines.0.quantity"]
    assert "SALT" in found["body.lines.0.quantity"]
    found = await refused([{"product_id": salt, "quantity": 12.5}])
    assert "pack size 1" in found["body.lines.0.quantity"]

    found = await refused([{"product_id": 999_999_999, "quantity": 12}])
    assert "not on purchase order" in found["body.lines.0.product_id"]
    found = await refused(
        [{"product_id": milk, "quantity": 12}, {"product_id": milk, "quantity": 36}]
    )
    assert "twice" in found["body.lines.1.product_id"]
    found = await refused([{"product_id": milk, "quantity": -12}])
    assert "body.lines.0.quantity" in found
    found = await refused(
        [
            {"product_id": milk, "quantity": 0},
            {"product_id": eggs, "quantity": 0},
            {"product_id": salt, "quantity": 0},
        ]
    )
    assert "reject" in found["body.lines"]
    # Several problems at once are all reported.
    found = await refused(
        [{"product_id": milk, "quantity": 13}, {"product_id": eggs, "quantity": 7}]
    )
    assert set(found) == {"body.lines.0.quantity", "body.lines.1.quantity"}
    # A misspelt field is refused rather than ignored.
    answer = await act(
        client, tenant_a, po_id, "approve", {"lines": [], "reason": "budget"}, expect=422
    )
    assert "body.reason" in problems(answer)

    assert await fetch(client, tenant_a, po_id) == before
    assert await decisions_in_db(sessionmaker, tenant_a, po_id) == []

    # Valid: multiples of the pack, at least the minimum, or 0.
    answer = await act(
        client,
        tenant_a,
        po_id,
        "approve",
        {
            "lines": [
                {"product_id": milk, "quantity": 12},
                {"product_id": eggs, "quantity": 18},
                {"product_id": salt, "quantity": 0},
            ],
            "reason_code": "shelf_space",
        },
    )
    assert quantities(answer["purchase_order"]) == {"EGGS": 18.0, "MILK": 12.0, "SALT": 0.0}


async def test_absurd_quantities_are_422_and_change_nothing(
    client: httpx.AsyncClient,
    sessionmaker: async_sessionmaker[AsyncSession],
    tenant_a: Tenant,
) -> None:
    # 1.2e300 is "a multiple of" any pack size in floating point; it must not get past the
    # schema (it was stored, and then the X12 export failed with a 500).
    catalog = await make_catalog(sessionmaker, tenant_a)
    po_id = await make_po(sessionmaker, tenant_a, catalog, SUGGESTED)
    before = await fetch(client, tenant_a, po_id)
    milk = catalog.pid("MILK")
    for quantity in (1.2e300, MAX_QUANTITY + 12, "Infinity", "NaN", "1e400"):
        answer = await act(
            client,
            tenant_a,
            po_id,
            "approve",
            {"lines": [{"product_id": milk, "quantity": quantity}], "reason_code": "budget"},
            expect=422,
        )
        found = problems(answer)
        assert set(found) == {"body.lines.0.quantity"}, quantity
        if isinstance(quantity, float):
            assert f"less than or equal to {MAX_QUANTITY}" in found["body.lines.0.quantity"]
    assert await fetch(client, tenant_a, po_id) == before
    assert await decisions_in_db(sessionmaker, tenant_a, po_id) == []

    # Up to the bound a quantity is fine, and it exports: the largest multiple of MILK's
    # pack of 12 within it.
    biggest = MAX_QUANTITY // 12 * 12
    answer = await act(
        client,
        tenant_a,
        po_id,
        "approve",
        {"lines": [{"product_id": milk, "quantity": biggest}], "reason_code": "promotion"},
    )
    assert quantities(answer["purchase_order"])["MILK"] == biggest
    exported = await client.get(f"{API}/{po_id}/x12", headers=tenant_a.headers(Role.VIEWER))
    assert exported.status_code == 200, exported.text
    assert f"*{biggest}*EA*" in exported.text
    for quantity in (1.2e300, MAX_QUANTITY + 1, "Infinity"):
        answer = await act(
            client,
            tenant_a,
            po_id,
            "receive",
            {
                "received_date": today().isoformat(),
                "lines": [{"product_id": milk, "received_quantity": quantity}],
            },
            expect=422,
        )
        assert set(problems(answer)) == {"body.lines.0.received_quantity"}, quantity
    assert (await fetch(client, tenant_a, po_id))["status"] == "edited"
    assert await snapshots(sessionmaker, tenant_a, catalog, "MILK") == {}


async def test_x12_export_of_an_unrenderable_stored_quantity_is_409_not_500(
    client: httpx.AsyncClient,
    sessionmaker: async_sessionmaker[AsyncSession],
    tenant_a: Tenant,
) -> None:
    # A row written before quantities were bounded (or by another writer).
    catalog = await make_catalog(sessionmaker, tenant_a)
    po_id = await make_po(
        sessionmaker, tenant_a, catalog, {"MILK": (1.2e300, 0.8)}, status="approved"
    )
    response = await client.get(f"{API}/{po_id}/x12", headers=tenant_a.headers(Role.VIEWER))
    assert response.status_code == 409, response.text
    body = response.json()
    assert body["error"] == "Conflict"
    assert "MILK" in body["detail"] and "quantity" in body["detail"]


async def test_receiving_more_than_ordered_is_422_and_books_nothing(
    client: httpx.AsyncClient,
    sessionmaker: async_sessionmaker[AsyncSession],
    tenant_a: Tenant,
) -> None:
    catalog = await make_catalog(sessionmaker, tenant_a)
    po_id = await make_po(sessionmaker, tenant_a, catalog, SUGGESTED)
    await put_snapshot(sessionmaker, tenant_a, catalog, "MILK", today(), on_hand=5, on_order=24)
    await act(client, tenant_a, po_id, "approve")
    before = await fetch(client, tenant_a, po_id)

    answer = await act(
        client,
        tenant_a,
        po_id,
        "receive",
        {
            "received_date": today().isoformat(),
            "lines": [
                {"product_id": catalog.pid("EGGS"), "received_quantity": 12},
                {"product_id": catalog.pid("MILK"), "received_quantity": 25},
            ],
        },
        expect=422,
    )
    found = problems(answer)
    assert set(found) == {"body.lines.1.received_quantity"}
    message = found["body.lines.1.received_quantity"]
    assert "MILK" in message and "25" in message and "24 ordered" in message
    assert "Over-deliveries are refused" in message

    # Nothing half-written: not the valid EGGS line, not the order, not the inventory.
    assert await fetch(client, tenant_a, po_id) == before
    assert await snapshots(sessionmaker, tenant_a, catalog, "MILK") == {today(): (5.0, 24.0, 0.0)}
    assert await snapshots(sessionmaker, tenant_a, catalog, "EGGS") == {}
    assert [d.decision for d in await decisions_in_db(sessionmaker, tenant_a, po_id)] == [
        "approved"
    ]


async def test_receive_refuses_wrong_status_dates_and_lines(
    client: httpx.AsyncClient,
    sessionmaker: async_sessionmaker[AsyncSession],
    tenant_a: Tenant,
) -> None:
    catalog = await make_catalog(sessionmaker, tenant_a)
    po_id = await make_po(sessionmaker, tenant_a, catalog, SUGGESTED)
    milk = catalog.pid("MILK")
    body = {
        "received_date": today().isoformat(),
        "lines": [{"product_id": milk, "received_quantity": 24}],
    }

    # A suggested order has not been ordered: it cannot arrive.
    answer = await act(client, tenant_a, po_id, "receive", body, expect=409)
    assert "its status is 'suggested'" in answer["detail"]
    assert "'approved' or 'edited'" in answer["detail"]
    assert (await fetch(client, tenant_a, po_id))["status"] == "suggested"
    assert await snapshots(sessionmaker, tenant_a, catalog, "MILK") == {}

    await act(client, tenant_a, po_id, "approve")
    tomorrow = (today() + dt.timedelta(days=1)).isoformat()
    yesterday = (today() - dt.timedelta(days=1)).isoformat()
    for received_date, words in [(tomorrow, "in the future"), (yesterday, "before the order date")]:
        answer = await act(
            client, tenant_a, po_id, "receive", {**body, "received_date": received_date}, expect=422
        )
        assert words in problems(answer)["body.received_date"]
    answer = await act(client, tenant_a, po_id, "receive", {**body, "lines": []}, expect=422)
    assert "body.lines" in problems(answer)
    answer = await act(
        client,
        tenant_a,
        po_id,
        "receive",
        {**body, "lines": [{"product_id": milk, "received_quantity": 1}] * 2},
        expect=422,
    )
    assert "twice" in problems(answer)["body.lines.1.product_id"]
    answer = await act(client, tenant_a, po_id, "receive", {"lines": body["lines"]}, expect=422)
    assert "body.received_date" in problems(answer)
    assert (await fetch(client, tenant_a, po_id))["status"] == "approved"
    assert await snapshots(sessionmaker, tenant_a, catalog, "MILK") == {}

    await act(client, tenant_a, po_id, "receive", body)
    answer = await act(client, tenant_a, po_id, "receive", body, expect=409)
    assert "its status is 'received'" in answer["detail"]
    # Received once: the second receipt booked nothing.
    assert await snapshots(sessionmaker, tenant_a, catalog, "MILK") == {today(): (24.0, 0.0, 0.0)}


async def test_viewer_reads_but_cannot_decide(
    client: httpx.AsyncClient,
    sessionmaker: async_sessionmaker[AsyncSession],
    tenant_a: Tenant,
) -> None:
    catalog = await make_catalog(sessionmaker, tenant_a)
    po_id = await make_po(sessionmaker, tenant_a, catalog, SUGGESTED)
    before = await fetch(client, tenant_a, po_id)
    for action, body in [
        ("approve", None),
        ("reject", {"reason_code": "budget"}),
        (
            "receive",
            {
                "received_date": today().isoformat(),
                "lines": [{"product_id": catalog.pid("MILK"), "received_quantity": 1}],
            },
        ),
    ]:
        answer = await act(client, tenant_a, po_id, action, body, expect=403, role=Role.VIEWER)
        assert answer["error"] == "Forbidden"
        assert "planner" in answer["detail"], action
    assert await fetch(client, tenant_a, po_id) == before
    assert await fetch(client, tenant_a, po_id, "/decisions") == []

    # Roles are ordered: an admin may act too.
    answer = await act(client, tenant_a, po_id, "approve", role=Role.ADMIN)
    assert answer["decision"]["decided_by"] == "admin key"
    assert (await client.post(f"{API}/{po_id}/approve")).status_code == 401


async def test_another_tenants_order_does_not_exist(
    client: httpx.AsyncClient,
    sessionmaker: async_sessionmaker[AsyncSession],
    tenant_a: Tenant,
    tenant_b: Tenant,
) -> None:
    catalog = await make_catalog(sessionmaker, tenant_a)
    po_id = await make_po(sessionmaker, tenant_a, catalog, SUGGESTED)
    await make_catalog(sessionmaker, tenant_b)
    before = await fetch(client, tenant_a, po_id)

    for suffix in ("", "/decisions", "/x12"):
        response = await client.get(f"{API}/{po_id}{suffix}", headers=tenant_b.headers())
        assert response.status_code == 404, suffix
        assert response.json()["error"] == "NotFound"
    for action, body in [
        ("approve", None),
        ("reject", {"reason_code": "budget"}),
        (
            "receive",
            {
                "received_date": today().isoformat(),
                "lines": [{"product_id": catalog.pid("MILK"), "received_quantity": 1}],
            },
        ),
    ]:
        answer = await act(client, tenant_b, po_id, action, body, expect=404, role=Role.ADMIN)
        assert po_id in answer["detail"]
    for path in ("", "/suggested"):
        listed = await client.get(f"{API}{path}", headers=tenant_b.headers(Role.VIEWER))
        assert listed.json()["total"] == 0
    # An id nobody has looks exactly the same.
    unknown = await client.get(f"{API}/{uuid.uuid4()}", headers=tenant_a.headers())
    assert unknown.status_code == 404
    assert await fetch(client, tenant_a, po_id) == before


async def test_list_filters_paginates_newest_first(
    client: httpx.AsyncClient,
    sessionmaker: async_sessionmaker[AsyncSession],
    tenant_a: Tenant,
) -> None:
    catalog = await make_catalog(sessionmaker, tenant_a)
    other = await make_catalog(sessionmaker, tenant_a, suffix="-B")
    start = dt.datetime.now(dt.UTC) - dt.timedelta(hours=5)
    ids = {}
    for hour, (number, status, cat) in enumerate(
        [
            ("PO-1", "suggested", catalog),
            ("PO-2", "approved", catalog),
            ("PO-3", "edited", catalog),
            ("PO-4", "rejected", other),
            ("PO-5", "suggested", other),
        ]
    ):
        ids[number] = await make_po(
            sessionmaker,
            tenant_a,
            cat,
            {"MILK": (12.0, 0.8)},
            po_number=number,
            status=status,
            created_at=start + dt.timedelta(hours=hour),
        )

    async def numbers(query: str) -> tuple[list[str], int]:
        response = await client.get(f"{API}{query}", headers=tenant_a.headers(Role.VIEWER))
        assert response.status_code == 200, response.text
        page = response.json()
        return [item["po_number"] for item in page["items"]], page["total"]

    assert await numbers("") == (["PO-5", "PO-4", "PO-3", "PO-2", "PO-1"], 5)
    assert await numbers("?limit=2&offset=1") == (["PO-4", "PO-3"], 5)
    assert await numbers("?status=approved&status=edited") == (["PO-3", "PO-2"], 2)
    assert await numbers(f"?store_id={other.store_id}") == (["PO-5", "PO-4"], 2)
    assert await numbers(f"?supplier_id={catalog.supplier_id}&status=suggested") == (["PO-1"], 1)

    page = (await client.get(f"{API}?limit=1", headers=tenant_a.headers(Role.VIEWER))).json()
    item = page["items"][0]
    assert item["po_id"] == ids["PO-5"]
    assert item["store"] == {
        "store_id": other.store_id,
        "store_code": "S001-B",
        "name": "Main Street",
    }
    assert item["supplier"]["supplier_code"] == "V001-B"
    assert item["line_count"] == 1
    assert "lines" not in item

    bad = await client.get(f"{API}?status=shipped", headers=tenant_a.headers(Role.VIEWER))
    assert bad.status_code == 422
    assert "status" in {str(p["location"][-2]) for p in bad.json()["detail"]} | {
        str(p["location"][-1]) for p in bad.json()["detail"]
    }


async def test_list_filters_by_ids_past_64_bits_are_422(
    client: httpx.AsyncClient, tenant_a: Tenant
) -> None:
    # Ids are BIGINT: a larger one used to crash the database driver (a 500).
    for path in (API, f"{API}/suggested"):
        for name in ("store_id", "supplier_id"):
            response = await client.get(
                path, params={name: 2**63}, headers=tenant_a.headers(Role.VIEWER)
            )
            assert response.status_code == 422, (path, response.text)
            assert [p["location"] for p in response.json()["detail"]] == [["query", name]]


async def test_suggested_worklist_groups_supplier_store_lines_and_cost(
    client: httpx.AsyncClient,
    sessionmaker: async_sessionmaker[AsyncSession],
    tenant_a: Tenant,
) -> None:
    catalog = await make_catalog(sessionmaker, tenant_a)
    other = await make_catalog(sessionmaker, tenant_a, suffix="-A")  # V001-A sorts after V001
    await make_po(sessionmaker, tenant_a, other, {"SALT": (24.0, 0.4)}, po_number="PO-A")
    await make_po(sessionmaker, tenant_a, catalog, SUGGESTED, po_number="PO-B")
    await make_po(sessionmaker, tenant_a, catalog, SUGGESTED, po_number="PO-C", status="approved")

    response = await client.get(f"{API}/suggested", headers=tenant_a.headers(Role.VIEWER))
    assert response.status_code == 200
    page = response.json()
    assert page["total"] == 2
    assert [item["po_number"] for item in page["items"]] == ["PO-B", "PO-A"]
    first = page["items"][0]
    assert first["status"] == "suggested"
    assert first["supplier"] == {
        "supplier_id": catalog.supplier_id,
        "supplier_code": "V001",
        "name": "Dairy Co",
        "lead_time_days": 4.5,
        "min_order_qty": 12,
    }
    assert first["store"]["store_code"] == "S001"
    assert first["total_cost"] == 49.2
    assert first["lines"] == [
        {
            "product_id": catalog.pid("EGGS"),
            "product_code": "EGGS",
            "product_name": "Eggs, dozen",
            "pack_size": 6,
            "suggested_quantity": 12.0,
            "quantity": 12.0,
            "unit_cost": 2.5,
            "line_cost": 30.0,
            "received_quantity": None,
        },
        {
            "product_id": catalog.pid("MILK"),
            "product_code": "MILK",
            "product_name": "Whole milk 1L",
            "pack_size": 12,
            "suggested_quantity": 24.0,
            "quantity": 24.0,
            "unit_cost": 0.8,
            "line_cost": 19.2,
            "received_quantity": None,
        },
    ]
    only = await client.get(
        f"{API}/suggested?supplier_id={other.supplier_id}", headers=tenant_a.headers(Role.VIEWER)
    )
    assert [item["po_number"] for item in only.json()["items"]] == ["PO-A"]


async def test_x12_export_of_an_approved_order(
    client: httpx.AsyncClient,
    sessionmaker: async_sessionmaker[AsyncSession],
    tenant_a: Tenant,
) -> None:
    catalog = await make_catalog(sessionmaker, tenant_a)
    po_id = await make_po(sessionmaker, tenant_a, catalog, SUGGESTED)
    url = f"{API}/{po_id}/x12"

    early = await client.get(url, headers=tenant_a.headers(Role.VIEWER))
    assert early.status_code == 409
    assert "'suggested'" in early.json()["detail"]

    await act(
        client,
        tenant_a,
        po_id,
        "approve",
        {"lines": [{"product_id": catalog.pid("EGGS"), "quantity": 0}], "reason_code": "budget"},
    )
    response = await client.get(url, headers=tenant_a.headers(Role.VIEWER))
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/plain")
    assert 'filename="PO-20261123-1.850.x12"' in response.headers["content-disposition"]
    segments = [s.split("*") for s in response.text.split("~") if s]
    tags = [s[0] for s in segments]
    assert tags == [
        "ISA",
        "GS",
        "ST",
        "BEG",
        "DTM",
        "N1",
        "N1",
        "PO1",
        "CTT",
        "AMT",
        "SE",
        "GE",
        "IEA",
    ]
    by_tag = {s[0]: s for s in segments}
    isa = by_tag["ISA"]
    assert isa[6] == tenant_a.slug.upper().ljust(15)
    assert isa[8] == "V001".ljust(15)
    assert by_tag["BEG"][3] == "PO-20261123-1"
    assert by_tag["BEG"][5] == today().strftime("%Y%m%d")
    assert by_tag["DTM"] == ["DTM", "002", (today() + dt.timedelta(days=5)).strftime("%Y%m%d")]
    # The dropped EGGS line is not ordered.
    assert by_tag["PO1"] == ["PO1", "1", "24", "EA", "0.8", "", "BP", "MILK"]
    assert by_tag["CTT"] == ["CTT", "1", "24"]
    assert by_tag["AMT"] == ["AMT", "TT", "19.2"]
    assert [s[1:] for s in segments if s[0] == "N1"] == [
        ["ST", "Main Street", "92", "S001"],
        ["VN", "Dairy Co", "92", "V001"],
    ]
    # The same order exports with the same control number: a re-send is a duplicate.
    again = await client.get(url, headers=tenant_a.headers(Role.VIEWER))
    assert again.text.split("*")[13] == isa[13]

    custom = await client.get(
        url,
        params={
            "sender_id": "RETAILER01",
            "sender_qualifier": "01",
            "receiver_id": "DAIRYCO",
            "control_number": 42,
            "test": "true",
        },
        headers=tenant_a.headers(Role.VIEWER),
    )
    isa = custom.text.split("~")[0].split("*")
    assert (isa[5], isa[6], isa[8], isa[13], isa[15]) == (
        "01",
        "RETAILER01".ljust(15),
        "DAIRYCO".ljust(15),
        "000000042",
        "T",
    )
    assert custom.text.endswith("IEA*1*000000042~")
    bad = await client.get(
        url, params={"sender_id": "WAY*TOO*LONG*FOR*ISA"}, headers=tenant_a.headers(Role.VIEWER)
    )
    assert bad.status_code == 422
    assert "sender_id" in {str(p["location"][-1]) for p in bad.json()["detail"]}


async def test_x12_export_refuses_orders_that_cannot_be_sent(
    client: httpx.AsyncClient,
    sessionmaker: async_sessionmaker[AsyncSession],
    tenant_a: Tenant,
) -> None:
    catalog = await make_catalog(sessionmaker, tenant_a)
    rejected = await make_po(sessionmaker, tenant_a, catalog, SUGGESTED, po_number="PO-R")
    await act(client, tenant_a, rejected, "reject", {"reason_code": "budget"})
    no_supplier = await make_po(
        sessionmaker, tenant_a, catalog, SUGGESTED, po_number="PO-N", supplier=False
    )
    approved = await act(client, tenant_a, no_supplier, "approve")
    # Without a supplier the configured default lead time (7 days) is used.
    assert (
        approved["purchase_order"]["expected_delivery_date"]
        == (today() + dt.timedelta(days=7)).isoformat()
    )
    assert approved["decision"]["changes"]["lead_time_source"] == "default"

    for po_id, words in [(rejected, "'rejected'"), (no_supplier, "no supplier")]:
        response = await client.get(f"{API}/{po_id}/x12", headers=tenant_a.headers(Role.VIEWER))
        assert response.status_code == 409
        assert words in response.json()["detail"]


async def test_every_route_is_documented_with_an_operation_id(client: httpx.AsyncClient) -> None:
    document = (await client.get("/openapi.json")).json()
    operations = {
        operation["operationId"]: (method, path)
        for path, item in document["paths"].items()
        if path.startswith(API)
        for method, operation in item.items()
    }
    assert operations == {
        "listPurchaseOrders": ("get", API),
        "listSuggestedPurchaseOrders": ("get", f"{API}/suggested"),
        "getPurchaseOrder": ("get", f"{API}/{{po_id}}"),
        "approvePurchaseOrder": ("post", f"{API}/{{po_id}}/approve"),
        "rejectPurchaseOrder": ("post", f"{API}/{{po_id}}/reject"),
        "receivePurchaseOrder": ("post", f"{API}/{{po_id}}/receive"),
        "listPurchaseOrderDecisions": ("get", f"{API}/{{po_id}}/decisions"),
        "exportPurchaseOrderX12": ("get", f"{API}/{{po_id}}/x12"),
    }
    reason = document["components"]["schemas"]["ReasonCode"]
    assert reason["enum"] == [
        "budget",
        "shelf_space",
        "promotion",
        "supplier_constraint",
        "forecast_disagreement",
        "other",
    ]
