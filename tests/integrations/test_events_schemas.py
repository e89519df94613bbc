"""Parsing stream entries into events: what is accepted, and the reason for what is not."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import pytest

from shelfops.integrations.event_schemas import (
    InventoryAdjustmentEvent,
    MalformedEvent,
    SaleEvent,
    parse_entry,
)

SALE = {
    "event_id": "e1",
    "store_code": "S1",
    "product_code": "P1",
    "occurred_at": "2024-03-05T04:30:00Z",
    "quantity": 3,
}
ADJUSTMENT = {
    "event_id": "a1",
    "store_code": "S1",
    "product_code": "P1",
    "occurred_at": "2024-03-05T10:00:00+01:00",
    "reason": "receipt",
}


def entry(kind: str, payload: dict[str, Any]) -> dict[bytes, bytes]:
    return {b"type": kind.encode(), b"payload": json.dumps(payload).encode()}


def reason_of(fields: Any) -> str:
    with pytest.raises(MalformedEvent) as caught:
        parse_entry(fields)
    return caught.value.reason


def test_a_sale_with_defaults() -> None:
    event = parse_entry(entry("sale", SALE))
    assert event == SaleEvent(
        event_id="e1",
        store_code="S1",
        product_code="P1",
        occurred_at=dt.datetime(2024, 3, 5, 4, 30, tzinfo=dt.UTC),
        quantity=3.0,
        unit_price=None,
        promo_flag=False,
        discount_pct=0.0,
    )


def test_text_fields_from_a_decoding_client_and_extra_entry_fields_are_accepted() -> None:
    fields = {"type": "sale", "payload": json.dumps(SALE), "trace_id": "t-9"}
    assert parse_entry(fields).event_id == "e1"


def test_an_adjustment_keeps_its_offset_and_takes_exactly_one_of_delta_or_on_hand() -> None:
    event = parse_entry(entry("inventory_adjustment", ADJUSTMENT | {"on_hand": 12}))
    assert isinstance(event, InventoryAdjustmentEvent)
    assert (event.on_hand, event.delta) == (12.0, None)
    assert event.occurred_at.utcoffset() == dt.timedelta(hours=1)
    assert reason_of(entry("inventory_adjustment", ADJUSTMENT)) == (
        "payload.delta/on_hand: expected exactly one of them, got neither"
    )
    both = ADJUSTMENT | {"on_hand": 12, "delta": 1}
    assert reason_of(entry("inventory_adjustment", both)) == (
        "payload.delta/on_hand: expected exactly one of them, got both"
    )


@pytest.mark.parametrize(
    ("fields", "reason"),
    [
        ({}, "entry: it has no fields (deleted from the stream before it was read)"),
        (
            {b"payload": b"{}"},
            "type: required field is missing (expected 'sale' or 'inventory_adjustment')",
        ),
        ({b"type": b"sale"}, "payload: required field is missing (expected a JSON object)"),
        ({b"type": b"sale", b"payload": b"\xff{}"}, "payload: not UTF-8 text (byte 0)"),
        ({b"type": b"sale", b"payload": b"[1]"}, "payload: expected a JSON object, got a list"),
        (
            {b"type": b"sale", b"payload": b""},
            "payload: not valid JSON (EOF while parsing a value at line 1 column 0)",
        ),
    ],
)
def test_broken_entries(fields: dict[bytes, bytes], reason: str) -> None:
    assert reason_of(fields) == reason


@pytest.mark.parametrize(
    ("change", "reason"),
    [
        ({"quantity": 0}, "payload.quantity: expected a non-zero number (a sale of 0 units)"),
        ({"quantity": True}, "payload.quantity: expected a JSON number, got true"),
        ({"quantity": None}, "payload.quantity: expected a JSON number, got null"),
        ({"quantity": {"n": 1}}, "payload.quantity: expected a JSON number, got an object"),
        (
            {"quantity": 3e9},
            "payload.quantity: expected to be less than or equal to 2147483647, "
            "got the number 3000000000.0",
        ),
        ({"qty": 3}, "payload.qty: unknown field (not part of the event), got the number 3"),
        (
            {"discount_pct": 1},
            "payload.discount_pct: expected to be less than 1, got the number 1",
        ),
        (
            {"unit_price": -0.5},
            "payload.unit_price: expected to be greater than or equal to 0, got the number -0.5",
        ),
        ({"event_id": ""}, "payload.event_id: expected a non-empty string, got the string ''"),
        (
            {"store_code": "S" * 65},
            "payload.store_code: expected at most 64 characters, got the string "
            "'SSSSSSSSSSSSSSSSSSSSSSSSSSSSSSSSSSSSS...'",
        ),
        (
            {"occurred_at": "2024-03-05"},
            "payload.occurred_at: expected an ISO 8601 timestamp with a UTC offset, "
            "got the string '2024-03-05'",
        ),
        (
            {"occurred_at": "0001-01-01T00:00:00+01:00"},
            "payload.occurred_at: expected a time from 1971-01-01 to 2199-12-31, "
            "got 0001-01-01T00:00:00+01:00",
        ),
        (
            {"occurred_at": "9999-12-31T23:59:59-05:00"},
            "payload.occurred_at: expected a time from 1971-01-01 to 2199-12-31, "
            "got 9999-12-31T23:59:59-05:00",
        ),
        (
            {"occurred_at": 1709613000},
            "payload.occurred_at: expected an ISO 8601 timestamp string with a UTC offset, "
            "got the number 1709613000",
        ),
    ],
)
def test_a_bad_sale_field_is_named_with_what_was_expected(
    change: dict[str, Any], reason: str
) -> None:
    assert reason_of(entry("sale", SALE | change)) == reason


def test_every_problem_of_an_event_is_listed_and_the_event_id_kept() -> None:
    payload = {k: v for k, v in SALE.items() if k != "product_code"} | {"quantity": "3"}
    with pytest.raises(MalformedEvent) as caught:
        parse_entry(entry("sale", payload))
    assert caught.value.event_id == "e1"
    assert caught.value.reason == (
        "payload.product_code: required field is missing; "
        "payload.quantity: expected a JSON number, got the string '3'"
    )


def test_text_with_nul_is_refused_naming_each_place() -> None:
    # PostgreSQL cannot store U+0000; stored, the event would fail its batch's commit.
    adjustment = ADJUSTMENT | {"event_id": "a\u00001", "reason": "da\u0000mage"}
    with pytest.raises(MalformedEvent) as caught:
        parse_entry(entry("inventory_adjustment", adjustment))
    assert caught.value.reason == (
        "payload.event_id, payload.reason: text must not contain NUL characters (U+0000)"
    )
    assert caught.value.event_id is None  # an id with NUL is not reported either
    sale = SALE | {"vendor": {"note\u0000": 1}}
    assert reason_of(entry("sale", sale)) == (
        "payload.vendor: text must not contain NUL characters (U+0000)"
    )
