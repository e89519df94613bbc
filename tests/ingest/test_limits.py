"""Bounds of the canonical files: dates in a plausible range, dates in order, integers
within 32 bits and amounts below documented maxima. Each bad value is a row-level
problem naming the row, column, value and rule, and nothing is written."""

from __future__ import annotations

from typing import Any

import polars as pl
import pytest
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from shelfops.ingest.schemas import SPECS, IngestKind, Problem
from shelfops.ingest.validate import Lookup, validate_chunk
from tests.conftest import Tenant
from tests.ingest.helpers import INVENTORY_HEADER, PRODUCTS_HEADER, SALES_HEADER, Load
from tests.ingest.test_rejections import (
    STORES_HEADER,
    SUPPLIERS_HEADER,
    _assert_rejected_without_writes,
    _sales,
)

LOOKUPS = {
    IngestKind.SUPPLIERS: Lookup.of([("SUP1", 1)]),
    IngestKind.STORES: Lookup.of([("S1", 1)]),
    IngestKind.PRODUCTS: Lookup.of([("P1", 1)]),
}


def _validate(kind: IngestKind, text: str) -> list[Problem]:
    """The problems ``validate_chunk`` finds in a whole file's text (no database)."""
    spec = SPECS[kind]
    lines = text.strip("\n").split("\n")
    header = lines[0].split(",")
    rows = [dict(zip(header, line.split(","), strict=True)) for line in lines[1:]]
    frame = pl.DataFrame(rows, schema=dict.fromkeys(header, pl.String()))
    result = validate_chunk(spec, frame, first_row=1, lookups=LOOKUPS)
    assert sum(result.counts.values()) == len(result.examples)
    return sorted(
        result.examples, key=lambda p: (p.row or 0, spec.column_names.index(p.column or ""))
    )


def _problems(problems: list[Problem]) -> list[tuple[str, int | None, str | None, str | None]]:
    return [(p.rule, p.row, p.column, p.value) for p in problems]


STORE_ROW = "S1,Downtown,,,UTC,2020-01-15,"
SALE_ROW = "2024-01-05,S1,P1,5,1.19,false,0,20"


def _file(header: str, *rows: str) -> str:
    return "\n".join([header, *rows]) + "\n"


BAD: list[Any] = [
    # --- dates outside the accepted range (bug 1) ---
    pytest.param(
        IngestKind.SALES,
        _file(SALES_HEADER, SALE_ROW, "9999-12-31,S1,P1,5,1.19,false,0,20"),
        [("range", 2, "date", "9999-12-31")],
        id="sale-in-year-9999",
    ),
    pytest.param(
        IngestKind.SALES,
        _file(SALES_HEADER, "0001-01-01,S1,P1,5,1.19,false,0,20"),
        [("range", 1, "date", "0001-01-01")],
        id="sale-in-year-1",
    ),
    pytest.param(
        IngestKind.SALES,
        _file(SALES_HEADER, "1970-12-31,S1,P1,5,1.19,false,0,20"),
        [("range", 1, "date", "1970-12-31")],
        id="sale-before-1971",
    ),
    pytest.param(
        IngestKind.SALES,
        _file(SALES_HEADER, "2200-01-01,S1,P1,5,1.19,false,0,20"),
        [("range", 1, "date", "2200-01-01")],
        id="sale-after-2199",
    ),
    pytest.param(
        IngestKind.INVENTORY,
        _file(INVENTORY_HEADER, "9999-12-31,S1,P1,20,24"),
        [("range", 1, "date", "9999-12-31")],
        id="snapshot-in-year-9999",
    ),
    pytest.param(
        IngestKind.STORES,
        _file(STORES_HEADER, "S1,Downtown,,,UTC,0001-01-01,", "S2,Mall,,,UTC,,9999-12-31"),
        [("range", 1, "opened_on", "0001-01-01"), ("range", 2, "closed_on", "9999-12-31")],
        id="store-dates-out-of-range",
    ),
    pytest.param(
        IngestKind.PRODUCTS,
        _file(
            PRODUCTS_HEADER,
            "P1,Milk,Dairy,Grocery,,0.6,1.19,12,0001-01-01,",
            "P2,Tea,Drinks,Grocery,,1,2,1,,9999-12-31",
        ),
        [("range", 1, "launched_on", "0001-01-01"), ("range", 2, "discontinued_on", "9999-12-31")],
        id="product-dates-out-of-range",
    ),
    # --- dates out of order (bug 2) ---
    pytest.param(
        IngestKind.STORES,
        _file(STORES_HEADER, STORE_ROW, "S2,Mall,,,UTC,2024-03-01,2024-02-29"),
        [("date_order", 2, "closed_on", "2024-02-29")],
        id="store-closed-before-it-opened",
    ),
    pytest.param(
        IngestKind.PRODUCTS,
        _file(PRODUCTS_HEADER, "P1,Milk,Dairy,Grocery,,0.6,1.19,12,2024-03-01,2024-02-01"),
        [("date_order", 1, "discontinued_on", "2024-02-01")],
        id="product-discontinued-before-launch",
    ),
    pytest.param(
        IngestKind.PRODUCTS,
        _file(PRODUCTS_HEADER, "P1,Milk,Dairy,Grocery,,0.6,1.19,12,2024-03-01,2024-03-01"),
        [("date_order", 1, "discontinued_on", "2024-03-01")],
        id="product-discontinued-on-launch-day",
    ),
    # --- 32-bit integers (bug 3) ---
    pytest.param(
        IngestKind.PRODUCTS,
        _file(PRODUCTS_HEADER, "P1,Milk,Dairy,Grocery,,0.6,1.19,3000000000,,"),
        [("maximum", 1, "pack_size", "3000000000")],
        id="pack-size-over-int32",
    ),
    pytest.param(
        IngestKind.SUPPLIERS,
        _file(SUPPLIERS_HEADER, "SUP1,Acme,3,0.5,3000000000"),
        [("maximum", 1, "min_order_qty", "3000000000")],
        id="min-order-over-int32",
    ),
    pytest.param(
        IngestKind.SUPPLIERS,
        _file(SUPPLIERS_HEADER, "SUP1,Acme,3,0.5,99999999999999999999"),
        [("maximum", 1, "min_order_qty", "99999999999999999999")],
        id="min-order-beyond-int64",
    ),
    pytest.param(
        IngestKind.PRODUCTS,
        _file(PRODUCTS_HEADER, "P1,Milk,Dairy,Grocery,,0.6,1.19,-99999999999999999999,,"),
        [("minimum", 1, "pack_size", "-99999999999999999999")],
        id="pack-size-beyond-int64-negative",
    ),
    # --- huge amounts (bug 4) ---
    pytest.param(
        IngestKind.SUPPLIERS,
        _file(SUPPLIERS_HEADER, "SUP1,Acme,1e300,0.5,1", "SUP2,Bolt,3,366,1"),
        [("maximum", 1, "lead_time_days", "1e300"), ("maximum", 2, "lead_time_std_days", "366")],
        id="lead-times-over-a-year",
    ),
    pytest.param(
        IngestKind.PRODUCTS,
        _file(PRODUCTS_HEADER, "P1,Milk,Dairy,Grocery,,1e300,1e308,12,,"),
        [("maximum", 1, "unit_cost", "1e300"), ("maximum", 1, "unit_price", "1e308")],
        id="product-money-too-large",
    ),
    pytest.param(
        IngestKind.SALES,
        _file(SALES_HEADER, "2024-01-05,S1,P1,1e300,1e300,false,0,1e300"),
        [
            ("maximum", 1, "quantity", "1e300"),
            ("maximum", 1, "unit_price", "1e300"),
            ("maximum", 1, "on_hand_close", "1e300"),
        ],
        id="sale-amounts-too-large",
    ),
    pytest.param(
        IngestKind.INVENTORY,
        _file(INVENTORY_HEADER, "2024-01-07,S1,P1,1e300,2147483648"),
        [("maximum", 1, "on_hand", "1e300"), ("maximum", 1, "on_order", "2147483648")],
        id="inventory-amounts-too-large",
    ),
]


@pytest.mark.parametrize(("kind", "content", "expected"), BAD)
def test_out_of_bounds_values_are_row_problems(
    kind: IngestKind, content: str, expected: list[Any]
) -> None:
    problems = _validate(kind, content)

    assert _problems(problems) == expected
    for problem in problems:
        assert problem.row is not None and problem.line == problem.row + 1
        assert problem.message


def test_the_messages_say_what_was_expected() -> None:
    messages = {
        (p.column, p.value): p.message
        for kind, content in [
            (IngestKind.SALES, _file(SALES_HEADER, "9999-12-31,S1,P1,5,1.19,false,0,20")),
            (IngestKind.SUPPLIERS, _file(SUPPLIERS_HEADER, "SUP1,Acme,1e300,0,9" + "9" * 19)),
            (IngestKind.PRODUCTS, _file(PRODUCTS_HEADER, "P1,M,D,G,,1e300,1,3000000000,,")),
            (IngestKind.STORES, _file(STORES_HEADER, "S2,Mall,,,UTC,2024-03-01,2024-02-29")),
            (IngestKind.PRODUCTS, _file(PRODUCTS_HEADER, "P1,M,D,G,,1,1,1,2024-03-01,2024-03-01")),
        ]
        for p in _validate(kind, content)
    }
    assert messages == {
        ("date", "9999-12-31"): "must be between 1971-01-01 and 2199-12-31",
        ("lead_time_days", "1e300"): "must be at most 365",
        ("min_order_qty", "9" * 20): "must be at most 2147483647",
        ("unit_cost", "1e300"): "must be at most 1000000000000",
        ("pack_size", "3000000000"): "must be at most 2147483647",
        ("closed_on", "2024-02-29"): "must be on or after opened_on (2024-03-01)",
        ("discontinued_on", "2024-03-01"): "must be after launched_on (2024-03-01)",
    }


GOOD: list[Any] = [
    pytest.param(
        IngestKind.SALES,
        _file(
            SALES_HEADER,
            "1971-01-01,S1,P1,2147483647,1000000000000,false,0,2147483647",
            "2199-12-31,S1,P1,0,0,false,0,0",
        ),
        id="sales-at-the-bounds",
    ),
    pytest.param(
        IngestKind.INVENTORY,
        _file(INVENTORY_HEADER, "1971-01-01,S1,P1,2147483647,2147483647"),
        id="inventory-at-the-bounds",
    ),
    pytest.param(
        IngestKind.SUPPLIERS,
        _file(SUPPLIERS_HEADER, "SUP1,Acme,365,365,2147483647"),
        id="suppliers-at-the-bounds",
    ),
    pytest.param(
        IngestKind.STORES,
        # A store can have opened long before the first sale ShelfOps will ever see;
        # closing on the opening day is allowed (as in the API).
        _file(
            STORES_HEADER, "S1,Old Town,,,UTC,1800-01-01,", "S2,Pop-up,,,UTC,2024-05-01,2024-05-01"
        ),
        id="stores-old-and-same-day",
    ),
    pytest.param(
        IngestKind.PRODUCTS,
        _file(
            PRODUCTS_HEADER,
            "P1,Milk,Dairy,Grocery,SUP1,1000000000000,1000000000000,2147483647,1800-01-01,2199-12-31",
            "P2,Tea,Drinks,Grocery,,1,2,1,,2024-01-01",
            "P3,Jam,Food,Grocery,,1,2,1,2024-01-01,",
        ),
        id="products-at-the-bounds",
    ),
]


@pytest.mark.parametrize(("kind", "content"), GOOD)
def test_values_at_the_bounds_are_accepted(kind: IngestKind, content: str) -> None:
    assert _validate(kind, content) == []


CASES_WRITTEN: list[Any] = [
    pytest.param(
        IngestKind.SALES,
        _sales("9999-12-31,S1,P2,1,2.49,false,0,"),
        [("range", 3, "date", "9999-12-31")],
        id="sale-in-year-9999",
    ),
    pytest.param(
        IngestKind.STORES,
        _file(STORES_HEADER, "S1,Downtown,,,America/Chicago,2020-01-15,2019-01-01"),
        [("date_order", 1, "closed_on", "2019-01-01")],
        id="store-closed-before-it-opened",
    ),
    pytest.param(
        IngestKind.PRODUCTS,
        _file(PRODUCTS_HEADER, "P1,Milk 1L,Dairy,Grocery,SUP1,0.6,1.19,3000000000,,"),
        [("maximum", 1, "pack_size", "3000000000")],
        id="pack-size-over-int32",
    ),
    pytest.param(
        IngestKind.SUPPLIERS,
        _file(SUPPLIERS_HEADER, "SUP1,Acme Dairy,1e300,0.5,12"),
        [("maximum", 1, "lead_time_days", "1e300")],
        id="lead-time-1e300",
    ),
    pytest.param(
        IngestKind.INVENTORY,
        _file(INVENTORY_HEADER, "2024-01-07,S1,P1,1e300,0"),
        [("maximum", 1, "on_hand", "1e300")],
        id="on-hand-1e300",
    ),
]


@pytest.mark.parametrize(("kind", "content", "expected"), CASES_WRITTEN)
async def test_out_of_bounds_files_are_rejected_without_writes(
    load: Load,
    tenant_a: Tenant,
    sessionmaker: async_sessionmaker[AsyncSession],
    kind: IngestKind,
    content: str,
    expected: list[Any],
) -> None:
    rejected = await _assert_rejected_without_writes(load, tenant_a, sessionmaker, kind, content)

    assert _problems(rejected.report.problems) == expected
    assert rejected.report.problem_count == len(expected)
