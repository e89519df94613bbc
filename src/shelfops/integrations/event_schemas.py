"""The wire format of stream events, and turning a raw stream entry into a typed event.

A Redis Stream entry is a flat map of field → bytes. ShelfOps reads two fields:

* ``type`` — ``sale`` or ``inventory_adjustment``;
* ``payload`` — one JSON object (UTF-8), whose fields are those of :class:`SaleEvent` or
  :class:`InventoryAdjustmentEvent`.

Other entry fields are ignored (producers may add tracing ids); unknown *payload* fields
are refused, so a misspelt ``qty`` is reported instead of silently missing. Types are
strict: a number must be a JSON number (``"3"`` is refused), a flag a JSON boolean, a
timestamp an ISO 8601 string with a UTC offset. Every refusal becomes one sentence naming
the field and what was expected (it travels to the dead-letter stream as ``reason``).
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Mapping
from enum import StrEnum
from typing import Any

from pydantic import (
    AwareDatetime,
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    field_validator,
    model_validator,
)
from pydantic_core import ErrorDetails

from shelfops.kit.errors import ValidationFailed
from shelfops.kit.limits import EARLIEST_DAY, LATEST_DAY, MAX_MONEY, MAX_UNITS
from shelfops.kit.nul import NUL, NUL_MESSAGE, nul_locations
from shelfops.models import IntegrationEvent, Product, Store

# Longest reason kept; a payload with hundreds of bad fields still yields a readable line.
MAX_REASON_CHARS = 1_000


class EventType(StrEnum):
    """The ``type`` field of a stream entry."""

    SALE = "sale"
    INVENTORY_ADJUSTMENT = "inventory_adjustment"


def _max_length(column: Any) -> int:
    length = column.property.columns[0].type.length
    assert isinstance(length, int)
    return int(length)


class _Event(BaseModel):
    """Fields every event carries."""

    model_config = ConfigDict(strict=True, extra="forbid", frozen=True)

    event_id: str = Field(
        min_length=1,
        max_length=_max_length(IntegrationEvent.event_id),
        description="Unique per source across all event types; a repeated id is skipped.",
    )
    store_code: str = Field(min_length=1, max_length=_max_length(Store.store_code))
    product_code: str = Field(min_length=1, max_length=_max_length(Product.product_code))
    occurred_at: AwareDatetime = Field(
        description="When it happened, ISO 8601 with a UTC offset; its date in the store's "
        "timezone is the business date the event counts on."
    )

    @field_validator("occurred_at")
    @classmethod
    def _on_a_business_day(cls, value: dt.datetime) -> dt.datetime:
        # Its date in the store's timezone is a sales day, so it must lie where sales days
        # may (kit.limits); year 1 or 9999 would also overflow that conversion.
        if not EARLIEST_DAY <= value.date() <= LATEST_DAY:
            raise ValueError(
                f"occurred_at: expected a time from {EARLIEST_DAY} to {LATEST_DAY}, "
                f"got {value.isoformat()}"
            )
        return value


class SaleEvent(_Event):
    """Units sold (or, negative, returned) of one product in one store."""

    # Quantities, prices and stock levels share the canonical files' bounds (kit.limits):
    # beyond them a value is a producer bug, and bounding it keeps sums finite.

    quantity: float = Field(
        ge=-MAX_UNITS,
        le=MAX_UNITS,
        allow_inf_nan=False,
        description="Units; negative is a return.",
    )
    unit_price: float | None = Field(
        default=None,
        ge=0,
        le=MAX_MONEY,
        allow_inf_nan=False,
        description="Price charged per unit after discount; default: the product's price.",
    )
    promo_flag: bool = False
    discount_pct: float = Field(default=0.0, ge=0, lt=1, allow_inf_nan=False)

    @model_validator(mode="after")
    def _not_zero(self) -> SaleEvent:
        if self.quantity == 0:
            raise ValueError("quantity: expected a non-zero number (a sale of 0 units)")
        return self


class InventoryAdjustmentEvent(_Event):
    """A change of stock: ``delta`` shifts the units on hand, ``on_hand`` sets them."""

    delta: float | None = Field(default=None, ge=-MAX_UNITS, le=MAX_UNITS, allow_inf_nan=False)
    on_hand: float | None = Field(default=None, ge=0, le=MAX_UNITS, allow_inf_nan=False)
    reason: str = Field(
        min_length=1, max_length=100, description="Why: receipt, shrink, count, damage, …"
    )

    @model_validator(mode="after")
    def _exactly_one(self) -> InventoryAdjustmentEvent:
        if (self.delta is None) == (self.on_hand is None):
            given = "both" if self.delta is not None else "neither"
            raise ValueError(f"delta/on_hand: expected exactly one of them, got {given}")
        return self


Event = SaleEvent | InventoryAdjustmentEvent

EVENT_MODELS: dict[EventType, type[SaleEvent] | type[InventoryAdjustmentEvent]] = {
    EventType.SALE: SaleEvent,
    EventType.INVENTORY_ADJUSTMENT: InventoryAdjustmentEvent,
}


class MalformedEvent(ValidationFailed):
    """A stream entry that is not a valid event; ``reason`` says which field and why."""

    def __init__(self, reason: str, *, event_id: str | None = None) -> None:
        self.reason = reason[:MAX_REASON_CHARS]
        self.event_id = event_id
        super().__init__(self.reason)


#: A stream entry's fields as a Redis client returns them (text with ``decode_responses``).
EntryFields = Mapping[bytes, bytes] | Mapping[str, str]


def parse_entry(fields: EntryFields | None) -> Event:
    """The typed event of a stream entry's fields; raises :class:`MalformedEvent`.

    ``fields`` is what the Redis client returned (bytes or, with ``decode_responses``,
    text); an empty map is an entry deleted from the stream before it was read.
    """
    if not fields:
        raise MalformedEvent("entry: it has no fields (deleted from the stream before it was read)")
    entry: dict[str, bytes | str] = {_text(k, "field name"): v for k, v in fields.items()}
    expected_types = " or ".join(repr(t.value) for t in EventType)
    if "type" not in entry:
        raise MalformedEvent(f"type: required field is missing (expected {expected_types})")
    type_text = _text(entry["type"], "type")
    if "payload" not in entry:
        raise MalformedEvent("payload: required field is missing (expected a JSON object)")
    payload = _text(entry["payload"], "payload")
    event_id = _event_id_of(payload)
    try:
        event_type = EventType(type_text)
    except ValueError:
        raise MalformedEvent(
            f"type: unknown event type {type_text!r} (expected {expected_types})",
            event_id=event_id,
        ) from None
    if "\\u0000" in payload:
        # A raw NUL is not valid JSON (reported below); only the escape decodes to one.
        _refuse_nul_characters(payload, event_id)
    try:
        return EVENT_MODELS[event_type].model_validate_json(payload)
    except ValidationError as exc:
        reason = "; ".join(_describe_error(error) for error in exc.errors())
        raise MalformedEvent(reason, event_id=event_id) from None


def _refuse_nul_characters(payload: str, event_id: str | None) -> None:
    """Refuse a payload whose strings hold NUL: the event could not be stored on
    PostgreSQL, and its failed commit would hold up the rest of the batch."""
    try:
        data = json.loads(payload)
    except ValueError:
        return  # not JSON: the model's validation says so
    places = [".".join(str(part) for part in place) for place in nul_locations(data, ["payload"])]
    if places:
        raise MalformedEvent(f"{', '.join(places)}: {NUL_MESSAGE}", event_id=event_id)


def _text(value: bytes | str, what: str) -> str:
    if isinstance(value, str):
        return value
    try:
        return value.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise MalformedEvent(f"{what}: not UTF-8 text (byte {exc.start})") from None


def _event_id_of(payload: str) -> str | None:
    """The payload's event id if it has a usable one (for reports on a malformed event)."""
    try:
        data = json.loads(payload)
    except ValueError:
        return None
    event_id = data.get("event_id") if isinstance(data, dict) else None
    # An id with NUL could not be stored with the report on PostgreSQL.
    return event_id if isinstance(event_id, str) and NUL not in event_id else None


# What a pydantic error type means, said for someone writing a producer.
_EXPECTED = {
    "missing": "required field is missing",
    "extra_forbidden": "unknown field (not part of the event)",
    "float_type": "expected a JSON number",
    "string_type": "expected a JSON string",
    "bool_type": "expected true or false",
    "finite_number": "expected a finite number",
    "timezone_aware": "expected a timestamp with a UTC offset (e.g. +02:00 or Z)",
    "datetime_type": "expected an ISO 8601 timestamp string with a UTC offset",
    "datetime_parsing": "expected an ISO 8601 timestamp with a UTC offset",
    "datetime_from_date_parsing": "expected an ISO 8601 timestamp with a UTC offset",
    "model_type": "expected a JSON object",
    "json_invalid": "not valid JSON",
}


def _describe_error(error: ErrorDetails) -> str:
    """One pydantic error as ``payload.<field>: <expected>, got <value>``."""
    location = ".".join(["payload", *(str(part) for part in error["loc"])])
    kind = error["type"]
    if kind == "value_error":
        # Our own validators word the whole sentence, field name first.
        message = str(error["msg"]).removeprefix("Value error, ")
        return f"payload.{message}"
    if kind == "json_invalid":
        detail = str(error.get("ctx", {}).get("error", ""))
        return f"payload: not valid JSON ({detail})" if detail else "payload: not valid JSON"
    expected = _EXPECTED.get(kind)
    context = error.get("ctx", {})
    if kind == "string_too_long":
        expected = f"expected at most {context.get('max_length')} characters"
    elif kind == "string_too_short":
        expected = "expected a non-empty string"
    elif expected is None:
        # Range and length rules: pydantic's wording already says what was expected.
        expected = str(error["msg"]).replace("Input should", "expected to").lower()
    if kind == "missing":
        return f"{location}: {expected}"
    return f"{location}: {expected}, got {_json_kind(error.get('input'))}"


def _json_kind(value: Any) -> str:
    """How a JSON value looks, for a message (``the string 'abc'``, ``a list``)."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        shown = value if len(value) <= 40 else value[:37] + "..."
        return f"the string {shown!r}"
    if isinstance(value, int | float):
        return f"the number {value!r}"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, dict):
        return "an object"
    return repr(value)
