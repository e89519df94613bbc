"""Loading valid files: rows land with their codes mapped to the tenant's ids, a re-sent
file changes nothing, a changed value is updated, and every run is logged."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from shelfops.ingest import runs
from shelfops.ingest.schemas import IngestKind, Progress
from shelfops.ingest.service import IngestRejected
from shelfops.kit.errors import ValidationFailed
from tests.conftest import Tenant
from tests.ingest.helpers import (
    FILES,
    INVENTORY,
    SALES,
    SALES_HEADER,
    STORES,
    Load,
    codes_to_ids,
    load_catalog,
    snapshot,
    sync_log,
    write,
)


async def test_every_kind_loads_with_codes_mapped_to_ids(
    load: Load, tenant_a: Tenant, sessionmaker: async_sessionmaker[AsyncSession]
) -> None:
    reports = [await load(tenant_a.customer_id, kind, content) for kind, content in FILES.items()]

    assert [(r.kind, r.status, r.rows_received, r.inserted) for r in reports] == [
        (IngestKind.SUPPLIERS, "loaded", 2, 2),
        (IngestKind.STORES, "loaded", 2, 2),
        (IngestKind.PRODUCTS, "loaded", 3, 3),
        (IngestKind.SALES, "loaded", 6, 6),
        (IngestKind.INVENTORY, "loaded", 3, 3),
    ]
    ids = await codes_to_ids(sessionmaker, tenant_a.customer_id)
    rows = await snapshot(sessionmaker, tenant_a.customer_id)

    suppliers = {r.supplier_code: r for r in rows["suppliers"]}
    assert suppliers["SUP2"].name == "Bolt, Bread & Co"
    assert suppliers["SUP2"].lead_time_days == 2.5
    assert suppliers["SUP1"].min_order_qty == 12

    stores = {r.store_code: r for r in rows["stores"]}
    assert stores["S1"].timezone == "America/Chicago"
    assert stores["S1"].opened_on == dt.date(2020, 1, 15)
    assert (stores["S2"].region, stores["S2"].city, stores["S2"].opened_on) == (None, None, None)

    products = {r.product_code: r for r in rows["products"]}
    assert products["P1"].supplier_id == ids["SUP1"]
    assert products["P2"].supplier_id == ids["SUP2"]
    assert products["P3"].supplier_id is None
    assert products["P3"].discontinued_on == dt.date(2025, 1, 1)
    assert products["P1"].pack_size == 12

    sales = {(r.store_id, r.product_id, r.sale_date): r for r in rows["sales"]}
    assert len(sales) == 6
    promo = sales[(ids["S2"], ids["P1"], dt.date(2024, 1, 1))]
    assert (promo.quantity, promo.unit_price, promo.promo_flag, promo.discount_pct) == (
        3.0,
        0.95,
        True,
        0.2,
    )
    assert promo.on_hand_close is None
    assert sales[(ids["S1"], ids["P2"], dt.date(2024, 1, 1))].on_hand_close == 0.0
    assert sales[(ids["S1"], ids["P1"], dt.date(2024, 1, 2))].promo_flag is False
    assert sales[(ids["S2"], ids["P3"], dt.date(2024, 1, 2))].promo_flag is True
    assert sales[(ids["S2"], ids["P2"], dt.date(2024, 1, 3))].quantity == 2.5

    inventory = {
        (r.store_id, r.product_id, r.snapshot_date): r for r in rows["inventory_snapshots"]
    }
    assert inventory[(ids["S1"], ids["P1"], dt.date(2024, 1, 7))].on_order == 24.0
    assert inventory[(ids["S2"], ids["P3"], dt.date(2024, 1, 7))].on_hand == 4.0

    log = await sync_log(sessionmaker, tenant_a.customer_id)
    assert [(e.sync_type, e.sync_status, e.records_received) for e in log] == [
        ("suppliers", "success", 2),
        ("stores", "success", 2),
        ("products", "success", 3),
        ("sales", "success", 6),
        ("inventory", "success", 3),
    ]
    assert reports[3].sync_id == log[3].sync_id


@pytest.mark.parametrize("chunk_rows", [2, 500_000])
async def test_reingesting_the_same_files_changes_nothing(
    load: Load,
    tenant_a: Tenant,
    sessionmaker: async_sessionmaker[AsyncSession],
    chunk_rows: int,
) -> None:
    for kind, content in FILES.items():
        await load(tenant_a.customer_id, kind, content, chunk_rows=chunk_rows)
    before = await snapshot(sessionmaker, tenant_a.customer_id)

    again = [
        await load(tenant_a.customer_id, kind, content, chunk_rows=chunk_rows)
        for kind, content in FILES.items()
    ]

    assert [(r.inserted, r.updated, r.unchanged) for r in again] == [
        (0, 0, 2),
        (0, 0, 2),
        (0, 0, 3),
        (0, 0, 6),
        (0, 0, 3),
    ]
    # Not even updated_at moved: unchanged rows are not rewritten.
    assert await snapshot(sessionmaker, tenant_a.customer_id) == before


async def test_a_changed_quantity_is_updated_and_new_rows_inserted(
    load: Load, tenant_a: Tenant, sessionmaker: async_sessionmaker[AsyncSession]
) -> None:
    await load_catalog(load, tenant_a.customer_id)
    await load(tenant_a.customer_id, IngestKind.SALES, SALES)
    changed = SALES.replace("2024-01-02,S1,P1,7,", "2024-01-02,S1,P1,9,")
    changed += "2024-01-04,S1,P1,1,1.19,false,0,12\n"

    report = await load(tenant_a.customer_id, IngestKind.SALES, changed, chunk_rows=3)

    assert (report.inserted, report.updated, report.unchanged) == (1, 1, 5)
    ids = await codes_to_ids(sessionmaker, tenant_a.customer_id)
    sales = {
        (r.store_id, r.product_id, r.sale_date): r
        for r in (await snapshot(sessionmaker, tenant_a.customer_id))["sales"]
    }
    assert sales[(ids["S1"], ids["P1"], dt.date(2024, 1, 2))].quantity == 9.0
    assert sales[(ids["S1"], ids["P1"], dt.date(2024, 1, 4))].quantity == 1.0
    assert len(sales) == 7


async def test_a_changed_catalog_row_is_updated_in_place(
    load: Load, tenant_a: Tenant, sessionmaker: async_sessionmaker[AsyncSession]
) -> None:
    await load_catalog(load, tenant_a.customer_id)
    ids = await codes_to_ids(sessionmaker, tenant_a.customer_id)
    changed = STORES.replace("S2,Airport,,,", "S2,Airport T2,West,,") + (
        "S3,Mall,,,UTC,2024-05-01,\n"
    )

    report = await load(tenant_a.customer_id, IngestKind.STORES, changed)

    assert (report.inserted, report.updated, report.unchanged) == (1, 1, 1)
    stores = {
        r.store_code: r for r in (await snapshot(sessionmaker, tenant_a.customer_id))["stores"]
    }
    assert (stores["S2"].name, stores["S2"].region) == ("Airport T2", "West")
    # Same internal id: the time series that point at it stay attached.
    assert stores["S2"].store_id == ids["S2"]


async def test_tenants_do_not_see_or_touch_each_others_rows(
    load: Load,
    tenant_a: Tenant,
    tenant_b: Tenant,
    sessionmaker: async_sessionmaker[AsyncSession],
) -> None:
    for kind, content in FILES.items():
        await load(tenant_b.customer_id, kind, content)
    b_before = await snapshot(sessionmaker, tenant_b.customer_id)

    # Tenant A uses the same codes: they are A's own rows, with A's own ids.
    for kind, content in FILES.items():
        report = await load(tenant_a.customer_id, kind, content)
        assert report.inserted == report.rows_received

    assert await snapshot(sessionmaker, tenant_b.customer_id) == b_before
    a_ids = await codes_to_ids(sessionmaker, tenant_a.customer_id)
    b_ids = await codes_to_ids(sessionmaker, tenant_b.customer_id)
    for codes in (["S1", "S2"], ["P1", "P2", "P3"], ["SUP1", "SUP2"]):
        assert {a_ids[c] for c in codes}.isdisjoint(b_ids[c] for c in codes)
    a_rows = await snapshot(sessionmaker, tenant_a.customer_id)
    assert {r.store_id for r in a_rows["sales"]} <= {a_ids["S1"], a_ids["S2"]}


async def test_another_tenants_codes_are_unknown(
    load: Load,
    tenant_a: Tenant,
    tenant_b: Tenant,
    sessionmaker: async_sessionmaker[AsyncSession],
) -> None:
    await load_catalog(load, tenant_a.customer_id)
    await load(tenant_b.customer_id, IngestKind.STORES, STORES + "SB,B only,,,UTC,,\n")
    before = await snapshot(sessionmaker, tenant_a.customer_id)

    with pytest.raises(IngestRejected) as caught:
        await load(
            tenant_a.customer_id,
            IngestKind.SALES,
            f"{SALES_HEADER}\n2024-01-01,SB,P1,1,1,false,0,\n",
        )

    (problem,) = caught.value.report.problems
    assert (problem.rule, problem.row, problem.column, problem.value) == (
        "unknown_code",
        1,
        "store_code",
        "SB",
    )
    assert await snapshot(sessionmaker, tenant_a.customer_id) == before


async def test_progress_is_reported_per_chunk_up_to_done(load: Load, tenant_a: Tenant) -> None:
    await load_catalog(load, tenant_a.customer_id)
    events: list[Progress] = []

    await load(
        tenant_a.customer_id, IngestKind.SALES, SALES, chunk_rows=4, on_progress=events.append
    )

    validating = [e.rows_done for e in events if e.phase == "validating"]
    assert validating == [4, 6]
    assert {e.rows_total for e in events} == {6}
    assert [e.phase for e in events][-2:] == ["writing", "done"]


async def test_a_directory_loads_in_order_in_one_transaction(
    tenant_a: Tenant, sessionmaker: async_sessionmaker[AsyncSession], tmp_path: Path
) -> None:
    # Written in reverse: the load order, not the file order, decides.
    for kind in reversed(list(FILES)):
        write(tmp_path, kind, FILES[kind])

    reports = await runs.ingest_directory(
        sessionmaker, customer_id=tenant_a.customer_id, directory=tmp_path
    )

    assert [r.kind for r in reports] == list(IngestKind)
    rows = await snapshot(sessionmaker, tenant_a.customer_id)
    assert len(rows["sales"]) == 6
    assert len(rows["inventory_snapshots"]) == 3


async def test_a_bad_file_in_a_directory_leaves_the_tenant_unchanged(
    tenant_a: Tenant, sessionmaker: async_sessionmaker[AsyncSession], tmp_path: Path
) -> None:
    for kind, content in FILES.items():
        write(tmp_path, kind, content)
    write(tmp_path, IngestKind.INVENTORY, INVENTORY + "2024-01-07,S1,P9,1,0\n")

    with pytest.raises(IngestRejected) as caught:
        await runs.ingest_directory(
            sessionmaker, customer_id=tenant_a.customer_id, directory=tmp_path
        )

    assert caught.value.report.kind is IngestKind.INVENTORY
    assert caught.value.report.problems[0].value == "P9"
    assert all(rows == [] for rows in (await snapshot(sessionmaker, tenant_a.customer_id)).values())
    log = await sync_log(sessionmaker, tenant_a.customer_id)
    assert [(e.sync_type, e.sync_status) for e in log] == [("inventory", "rejected")]


async def test_a_directory_with_a_stray_csv_is_refused(
    tenant_a: Tenant, sessionmaker: async_sessionmaker[AsyncSession], tmp_path: Path
) -> None:
    write(tmp_path, IngestKind.STORES, STORES)
    write(tmp_path, "sale", SALES)

    with pytest.raises(ValidationFailed) as caught:
        await runs.ingest_directory(
            sessionmaker, customer_id=tenant_a.customer_id, directory=tmp_path
        )

    detail = caught.value.detail
    assert isinstance(detail, dict)
    assert detail["unexpected_files"] == ["sale.csv"]
    assert (await snapshot(sessionmaker, tenant_a.customer_id))["stores"] == []


async def test_a_spreadsheet_export_with_bom_and_crlf_loads(
    load: Load, tenant_a: Tenant, sessionmaker: async_sessionmaker[AsyncSession]
) -> None:
    await load_catalog(load, tenant_a.customer_id)
    content = b"\xef\xbb\xbf" + SALES.replace("\n", "\r\n").encode()

    report = await load(tenant_a.customer_id, IngestKind.SALES, content)

    assert (report.rows_received, report.inserted) == (6, 6)
    sales = (await snapshot(sessionmaker, tenant_a.customer_id))["sales"]
    assert sorted(r.on_hand_close for r in sales if r.on_hand_close is not None) == [
        0.0,
        4.0,
        13.0,
        20.0,
    ]
