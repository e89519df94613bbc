"""Rejected files: every rule names the row, column, value and rule, all problems are
collected, and the tenant's tables are exactly as before (nothing half-written)."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from shelfops.ingest.schemas import MAX_LISTED_PROBLEMS, IngestKind
from shelfops.ingest.service import IngestRejected
from tests.conftest import Tenant
from tests.ingest.helpers import (
    INVENTORY_HEADER,
    PRODUCTS_HEADER,
    SALES,
    SALES_HEADER,
    Load,
    load_catalog,
    snapshot,
    sync_log,
)

STORES_HEADER = "store_code,name,region,city,timezone,opened_on,closed_on"
SUPPLIERS_HEADER = "supplier_code,name,lead_time_days,lead_time_std_days,min_order_qty"

# Two valid rows first (a new row and a change to a stored one), so a half-applied file
# would show. With chunk_rows=2 they sit in an earlier chunk than the bad row, which is
# data row 3 (file line 4).
GOOD_SALES = "2024-01-05,S1,P1,99,1.19,false,0,1\n2024-01-01,S1,P1,42,1.19,false,0,20\n"


def _sales(bad_row: str) -> str:
    return f"{SALES_HEADER}\n{GOOD_SALES}{bad_row}\n"


Expected = list[tuple[str, int | None, str | None, str | None]]

ROW_CASES: list[Any] = [
    pytest.param(
        IngestKind.SALES,
        _sales("2024-02-30,S1,P2,1,2.49,false,0,"),
        [("date", 3, "date", "2024-02-30")],
        id="impossible-date",
    ),
    pytest.param(
        IngestKind.SALES,
        _sales("05/01/2024,S1,P2,1,2.49,false,0,"),
        [("date", 3, "date", "05/01/2024")],
        id="non-iso-date",
    ),
    pytest.param(
        IngestKind.SALES,
        _sales("2024-1-5,S1,P2,1,2.49,false,0,"),
        [("date", 3, "date", "2024-1-5")],
        id="unpadded-date",
    ),
    pytest.param(
        IngestKind.SALES,
        _sales("2024-01-05,S1,P2,abc,2.49,false,0,"),
        [("number", 3, "quantity", "abc")],
        id="unparseable-number",
    ),
    pytest.param(
        IngestKind.SALES,
        _sales("2024-01-05,S1,P2,NaN,2.49,false,0,"),
        [("number", 3, "quantity", "NaN")],
        id="nan-is-not-a-quantity",
    ),
    pytest.param(
        IngestKind.SALES,
        _sales("2024-01-05,S1,P2,-1,2.49,false,0,"),
        [("minimum", 3, "quantity", "-1")],
        id="negative-quantity",
    ),
    pytest.param(
        IngestKind.SALES,
        _sales("2024-01-05,S1,P2,1,2.49,false,0,-2"),
        [("minimum", 3, "on_hand_close", "-2")],
        id="negative-on-hand",
    ),
    pytest.param(
        IngestKind.SALES,
        _sales("2024-01-05,S1,P2,1,2.49,true,1,"),
        [("range", 3, "discount_pct", "1")],
        id="discount-of-one",
    ),
    pytest.param(
        IngestKind.SALES,
        _sales("2024-01-05,S1,P2,1,2.49,true,-0.1,"),
        [("range", 3, "discount_pct", "-0.1")],
        id="negative-discount",
    ),
    pytest.param(
        IngestKind.SALES,
        _sales("2024-01-05,S1,P2,1,2.49,yes,0,"),
        [("boolean", 3, "promo_flag", "yes")],
        id="bad-boolean",
    ),
    pytest.param(
        IngestKind.SALES,
        _sales("2024-01-05,S1,P2,,2.49,false,0,"),
        [("required", 3, "quantity", None)],
        id="missing-required-value",
    ),
    pytest.param(
        IngestKind.SALES,
        _sales("2024-01-05,S9,P2,1,2.49,false,0,"),
        [("unknown_code", 3, "store_code", "S9")],
        id="unknown-store",
    ),
    pytest.param(
        IngestKind.SALES,
        _sales("2024-01-05,S1,P9,1,2.49,false,0,"),
        [("unknown_code", 3, "product_code", "P9")],
        id="unknown-product",
    ),
    pytest.param(
        IngestKind.SALES,
        # Repeats row 1's key; with chunk_rows=2 the two rows are in different chunks.
        _sales("2024-01-05,S1,P1,3,1.19,false,0,1"),
        [("duplicate_key", 3, "store_code,product_code,date", "S1,P1,2024-01-05")],
        id="duplicate-key-across-chunks",
    ),
    pytest.param(
        IngestKind.INVENTORY,
        f"{INVENTORY_HEADER}\n2024-01-07,S1,P1,1,0\n2024-01-07,S1,P2,1,0\n2024-01-07,S2,P1,5,-3\n",
        [("minimum", 3, "on_order", "-3")],
        id="negative-on-order",
    ),
    pytest.param(
        IngestKind.STORES,
        f"{STORES_HEADER}\nS1,Downtown,,,America/Chicago,,\nS3,Mall,,,Mars/Olympus,,\n",
        [("timezone", 2, "timezone", "Mars/Olympus")],
        id="bad-timezone",
    ),
    pytest.param(
        IngestKind.STORES,
        f"{STORES_HEADER}\nS3,Mall,,,UTC,,\nS4,  ,,,UTC,,\nS3,Mall again,,,UTC,,\n",
        [("required", 2, "name", "  "), ("duplicate_key", 3, "store_code", "S3")],
        id="blank-name-and-duplicate-code",
    ),
    pytest.param(
        IngestKind.STORES,
        f"{STORES_HEADER}\nS3,Mall,,,UTC,2024-13-01,\n",
        [("date", 1, "opened_on", "2024-13-01")],
        id="bad-optional-date",
    ),
    pytest.param(
        IngestKind.SUPPLIERS,
        f"{SUPPLIERS_HEADER}\nSUP3,Cheese Co,4,1,2.5\nSUP4,Fish Co,-1,0,1\n",
        [("integer", 1, "min_order_qty", "2.5"), ("minimum", 2, "lead_time_days", "-1")],
        id="fractional-integer-and-negative-lead-time",
    ),
    pytest.param(
        IngestKind.SUPPLIERS,
        f"{SUPPLIERS_HEADER}\n{'X' * 65},Long Co,1,0,0\n",
        [("max_length", 1, "supplier_code", "X" * 65)],
        id="code-too-long",
    ),
    pytest.param(
        IngestKind.STORES,
        f"{STORES_HEADER}\nS3,Mall\tEast,North\x1b[0m,,UTC,,\nS4,Fine,South,,UTC,,\n",
        [
            ("control_character", 1, "name", "Mall\tEast"),
            ("control_character", 1, "region", "North\x1b[0m"),
        ],
        id="control-characters-in-catalog-text",
    ),
    pytest.param(
        IngestKind.PRODUCTS,
        f"{PRODUCTS_HEADER}\nP4,Tea,Drinks,Grocery,SUP9,1,2,0,,\n",
        [("unknown_code", 1, "supplier_code", "SUP9"), ("minimum", 1, "pack_size", "0")],
        id="unknown-supplier-and-zero-pack",
    ),
]

FILE_CASES: list[Any] = [
    pytest.param(
        IngestKind.SALES,
        "date,store_code,product_code,quantity,unit_price,discount_pct,on_hand_close\n"
        "2024-01-05,S1,P1,1,1.19,0,1\n",
        [("missing_column", None, "promo_flag", None)],
        id="missing-required-column",
    ),
    pytest.param(
        IngestKind.SALES,
        f"{SALES_HEADER},colour\n2024-01-05,S1,P1,1,1.19,false,0,1,red\n",
        [("unknown_column", None, "colour", None)],
        id="unknown-extra-column",
    ),
    pytest.param(
        IngestKind.INVENTORY,
        f"{INVENTORY_HEADER},on_hand\n2024-01-07,S1,P1,1,0,1\n",
        [("duplicate_column", None, "on_hand", None)],
        id="repeated-column",
    ),
    pytest.param(IngestKind.SALES, "", [("empty_file", None, None, None)], id="empty-file"),
    pytest.param(
        IngestKind.SALES, f"{SALES_HEADER}\n", [("header_only", None, None, None)], id="header-only"
    ),
    pytest.param(
        IngestKind.STORES, f"{STORES_HEADER}\n", [("header_only", None, None, None)], id="no-stores"
    ),
]


async def _assert_rejected_without_writes(
    load: Load,
    tenant: Tenant,
    sessionmaker: async_sessionmaker[AsyncSession],
    kind: IngestKind,
    content: str | bytes,
) -> IngestRejected:
    await load_catalog(load, tenant.customer_id)
    await load(tenant.customer_id, IngestKind.SALES, SALES)
    before = await snapshot(sessionmaker, tenant.customer_id)

    with pytest.raises(IngestRejected) as caught:
        await load(tenant.customer_id, kind, content, chunk_rows=2)

    assert caught.value.report.status == "rejected"
    assert await snapshot(sessionmaker, tenant.customer_id) == before
    last = (await sync_log(sessionmaker, tenant.customer_id))[-1]
    assert (last.sync_type, last.sync_status, last.records_synced) == (kind.value, "rejected", 0)
    assert caught.value.report.sync_id == last.sync_id
    return caught.value


@pytest.mark.parametrize(("kind", "content", "expected"), [*ROW_CASES, *FILE_CASES])
async def test_a_bad_file_is_rejected_naming_the_problem_and_writes_nothing(
    load: Load,
    tenant_a: Tenant,
    sessionmaker: async_sessionmaker[AsyncSession],
    kind: IngestKind,
    content: str,
    expected: Expected,
) -> None:
    rejected = await _assert_rejected_without_writes(load, tenant_a, sessionmaker, kind, content)

    report = rejected.report
    assert [(p.rule, p.row, p.column, p.value) for p in report.problems] == expected
    assert report.problem_count == len(expected)
    for problem in report.problems:
        assert problem.line == (None if problem.row is None else problem.row + 1)
        assert problem.message


async def test_a_row_with_too_many_fields_is_located_by_line(
    load: Load, tenant_a: Tenant, sessionmaker: async_sessionmaker[AsyncSession]
) -> None:
    content = _sales("2024-01-05,S1,P2,1,2.49,false,0,,surplus")

    rejected = await _assert_rejected_without_writes(
        load, tenant_a, sessionmaker, IngestKind.SALES, content
    )

    (problem,) = rejected.report.problems
    assert (problem.rule, problem.line) == ("malformed_csv", 4)
    assert "9 fields" in problem.message


async def test_invalid_utf8_is_located_by_line(
    load: Load, tenant_a: Tenant, sessionmaker: async_sessionmaker[AsyncSession]
) -> None:
    content = _sales("2024-01-05,S1,P\xff,1,2.49,false,0,").encode("latin-1")

    rejected = await _assert_rejected_without_writes(
        load, tenant_a, sessionmaker, IngestKind.SALES, content
    )

    (problem,) = rejected.report.problems
    assert (problem.rule, problem.line) == ("malformed_csv", 4)
    assert "UTF-8" in problem.message


async def test_all_problems_are_collected_not_just_the_first(
    load: Load, tenant_a: Tenant, sessionmaker: async_sessionmaker[AsyncSession]
) -> None:
    content = (
        f"{SALES_HEADER}\n"
        "2024-01-05,S1,P1,1,1.19,false,0,1\n"
        "2024-01-05,S9,P1,x,1.19,maybe,0,1\n"
        "2024-01-06,S1,P1,1,1.19,false,0,1\n"
        "2024-01-32,S1,P2,-4,1.19,false,2,1\n"
        "2024-01-05,S1,P1,1,1.19,false,0,1\n"
    )

    rejected = await _assert_rejected_without_writes(
        load, tenant_a, sessionmaker, IngestKind.SALES, content
    )

    report = rejected.report
    assert [(p.row, p.column, p.rule) for p in report.problems] == [
        (2, "store_code", "unknown_code"),
        (2, "quantity", "number"),
        (2, "promo_flag", "boolean"),
        (4, "date", "date"),
        (4, "quantity", "minimum"),
        (4, "discount_pct", "range"),
        (5, "store_code,product_code,date", "duplicate_key"),
    ]
    assert report.problems[-1].message == "the same store_code/product_code/date as row 1"
    assert report.problem_count == 7
    assert report.rows_received == 5


async def test_many_problems_are_all_counted_but_only_the_first_are_listed(
    load: Load, tenant_a: Tenant, sessionmaker: async_sessionmaker[AsyncSession]
) -> None:
    bad_rows = "".join(f"2024-01-{day:02d},S1,P1,-1,1.19,false,0,\n" for day in range(1, 29))
    bad_rows += "".join(f"2024-02-{day:02d},S1,P1,1,1.19,nope,0,\n" for day in range(1, 29))
    content = f"{SALES_HEADER}\n{bad_rows}"

    rejected = await _assert_rejected_without_writes(
        load, tenant_a, sessionmaker, IngestKind.SALES, content
    )

    report = rejected.report
    assert report.problem_counts == {"minimum": 28, "boolean": 28}
    assert report.problem_count == 56
    assert len(report.problems) == MAX_LISTED_PROBLEMS
    assert report.problems_truncated
    assert [p.row for p in report.problems] == list(range(1, MAX_LISTED_PROBLEMS + 1))
