"""Importing the sample interchanges on both backends: exactly which rows land, a re-sent
interchange changes nothing, and a rejected one writes nothing but its sync-log row."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from shelfops.edi.schemas import EdiImportResult
from shelfops.edi.service import import_edi_file
from shelfops.kit.db import tenant_transaction
from shelfops.kit.errors import BadRequest
from shelfops.models import POStatus, Sale
from tests.conftest import Tenant
from tests.edi.helpers import (
    BREAD_COUNT_DAY,
    Sessions,
    as_dict,
    example,
    make_catalog,
    replace_in,
    segments,
    sync_logs,
    tables,
)

SOURCE = "dairy-co-edi"
MARCH = {day: dt.date(2026, 3, day) for day in range(1, 8)}
BREAD_COUNT = {("S001", "BREAD", BREAD_COUNT_DAY): (7.0, 2.0, 0.0)}


async def run(sessionmaker: Sessions, tenant: Tenant, path: Path) -> EdiImportResult:
    return await import_edi_file(
        sessionmaker, customer_id=tenant.customer_id, path=path, source_name=SOURCE
    )


async def test_846_lands_as_snapshots_and_a_second_import_changes_nothing(
    sessionmaker: Sessions, tenant_a: Tenant
) -> None:
    await make_catalog(sessionmaker, tenant_a)
    path = example("846_inventory_advice.x12")
    result = await import_edi_file(
        sessionmaker, customer_id=tenant_a.customer_id, path=path, source_name=SOURCE
    )

    assert result.status == "imported", result.problems
    assert (result.records_received, result.records_written) == (3, 3)
    assert result.written == {
        "inventory_snapshots": 3,
        "sales": 0,
        "purchase_orders": 0,
        "products": 0,
    }
    assert result.ignored == {"846 QTY*02": 1}
    assert (result.interchange_control, result.sender, result.receiver) == (
        "000000846",
        "ZZ:DAIRYCO",
        "ZZ:SHELFOPS",
    )
    after = await tables(sessionmaker, tenant_a)
    assert after.snapshots == {
        **BREAD_COUNT,
        ("S001", "MILK", MARCH[2]): (40.0, 24.0, 0.0),
        ("S001", "EGGS", MARCH[2]): (18.0, 0.0, 0.0),  # 3 cases of 6
        ("S002", "MILK", MARCH[1]): (15.0, 0.0, 0.0),
    }
    assert after.sales == {}
    ack = segments(result.ack_997)
    assert [s for s in ack if s[0] in ("AK1", "AK2", "AK5", "AK9")] == [
        ["AK1", "IB", "846"],
        ["AK2", "846", "0001"],
        ["AK5", "A"],
        ["AK9", "A", "1", "1", "1"],
    ]

    again = await import_edi_file(
        sessionmaker, customer_id=tenant_a.customer_id, path=path, source_name=SOURCE
    )
    assert again.status == "imported"
    assert (again.records_received, again.records_written) == (3, 0)
    assert await tables(sessionmaker, tenant_a) == after

    logs = await sync_logs(sessionmaker, tenant_a)
    assert [
        (
            log.integration_type,
            log.integration_name,
            log.sync_type,
            log.sync_status,
            log.records_received,
            log.records_synced,
        )
        for log in logs
    ] == [
        ("enterprise_edi", SOURCE, "x12", "success", 3, 3),
        # The re-sent file wrote nothing, but none of its records was rejected.
        ("enterprise_edi", SOURCE, "x12", "success", 3, 3),
    ]
    assert logs[0].sync_id == result.sync_id and logs[1].sync_id == again.sync_id
    metadata = as_dict(logs[0].sync_metadata)
    assert metadata["file_name"] == "846_inventory_advice.x12"
    assert metadata["records_by_set"] == {"846/0001": 3}
    assert metadata["ack_997"] == result.ack_997


async def test_852_lands_as_sales_and_snapshots(sessionmaker: Sessions, tenant_a: Tenant) -> None:
    await make_catalog(sessionmaker, tenant_a)
    result = await run(sessionmaker, tenant_a, example("852_product_activity.x12"))

    assert result.status == "imported", result.problems
    after = await tables(sessionmaker, tenant_a)
    day = MARCH[2]
    assert after.sales == {
        ("S001", "MILK", day): (12.0, 1.19, False, 0.0),  # CTP RES price
        ("S002", "MILK", day): (5.0, 1.19, False, 0.0),
        ("S001", "EGGS", day): (4.0, 2.49, False, 0.0),  # no CTP: the catalog price
    }
    assert after.snapshots == {
        **BREAD_COUNT,
        ("S001", "MILK", day): (30.0, 24.0, 0.0),
        ("S002", "MILK", day): (9.0, 0.0, 0.0),
        ("S001", "EGGS", day): (6.0, 0.0, 0.0),  # 1 case of 6
    }
    assert result.written == {
        "inventory_snapshots": 3,
        "sales": 3,
        "purchase_orders": 0,
        "products": 0,
    }
    assert result.records_received == 8
    (log,) = await sync_logs(sessionmaker, tenant_a)
    assert as_dict(log.sync_metadata)["receipts"] == [
        {
            "store_code": "S002",
            "product_code": "MILK",
            "date": "2026-03-02",
            "units": 12.0,
            "transaction_set": "852/0001",
        }
    ]
    again = await run(sessionmaker, tenant_a, example("852_product_activity.x12"))
    assert again.records_written == 0
    assert await tables(sessionmaker, tenant_a) == after


async def test_852_over_point_of_sale_rows_keeps_their_promotion(
    sessionmaker: Sessions, tenant_a: Tenant
) -> None:
    catalog = await make_catalog(sessionmaker, tenant_a)
    async with tenant_transaction(sessionmaker, tenant_a.customer_id) as session:
        for product, price in (("EGGS", 1.99), ("MILK", 1.50)):
            session.add(
                Sale(
                    customer_id=tenant_a.customer_id,
                    store_id=catalog.stores["S001"],
                    product_id=catalog.products[product],
                    sale_date=MARCH[2],
                    quantity=3.0,
                    unit_price=price,
                    promo_flag=True,
                    discount_pct=0.2,
                    on_hand_close=5.0,
                )
            )
    await run(sessionmaker, tenant_a, example("852_product_activity.x12"))
    sales = (await tables(sessionmaker, tenant_a)).sales
    # The quantity is the 852's; the price only where the 852 gives one (CTP on MILK).
    assert sales[("S001", "EGGS", MARCH[2])] == (4.0, 1.99, True, 0.2)
    assert sales[("S001", "MILK", MARCH[2])] == (12.0, 1.19, True, 0.2)


async def test_856_links_the_order_and_counts_an_outside_order_as_on_order(
    sessionmaker: Sessions, tenant_a: Tenant
) -> None:
    await make_catalog(sessionmaker, tenant_a)
    path = example("856_ship_notice.x12")
    result = await run(sessionmaker, tenant_a, path)

    assert result.status == "imported", result.problems
    after = await tables(sessionmaker, tenant_a)
    # PO-1001 stays approved (counted as on order by the daily job), arriving on DTM*017.
    assert after.orders == {"PO-1001": ("approved", MARCH[6])}
    # EXT-555 is no order of ours: its 10 breads are on order at S001 from the ship date,
    # on top of the 2 of the count before (7 on hand carried over).
    assert after.snapshots == {**BREAD_COUNT, ("S001", "BREAD", MARCH[3]): (7.0, 12.0, 0.0)}
    assert result.written == {
        "inventory_snapshots": 1,
        "sales": 0,
        "purchase_orders": 1,
        "products": 0,
    }
    (log,) = await sync_logs(sessionmaker, tenant_a)
    asns = as_dict(log.sync_metadata)["asns"]
    common = {
        "shipment_id": "SHIP-77",
        "ship_to": "S001",
        "ship_date": "2026-03-03",
        "arrival_date": "2026-03-06",
        "transaction_set": "856/0001",
    }
    assert asns == [
        {
            **common,
            "po_number": "PO-1001",
            "linked": True,
            "order_status": "approved",
            "lines": [
                {"product_code": "MILK", "shipped_units": 24.0, "ordered_units": 24.0},
                {"product_code": "EGGS", "shipped_units": 6.0, "ordered_units": 12.0},
            ],
        },
        {
            **common,
            "po_number": "EXT-555",
            "linked": False,
            "order_status": None,
            "lines": [{"product_code": "BREAD", "shipped_units": 10.0}],
        },
    ]
    again = await run(sessionmaker, tenant_a, path)
    assert again.records_written == 0
    assert await tables(sessionmaker, tenant_a) == after


async def test_856_against_a_received_order_changes_no_date(
    sessionmaker: Sessions, tenant_a: Tenant
) -> None:
    await make_catalog(sessionmaker, tenant_a, po_status=POStatus.RECEIVED)
    result = await run(sessionmaker, tenant_a, example("856_ship_notice.x12"))
    assert result.status == "imported"
    assert (await tables(sessionmaker, tenant_a)).orders == {"PO-1001": ("received", MARCH[7])}


async def test_810_sets_the_unit_cost(sessionmaker: Sessions, tenant_a: Tenant) -> None:
    await make_catalog(sessionmaker, tenant_a)
    result = await run(sessionmaker, tenant_a, example("810_invoice.x12"))

    assert result.status == "imported", result.problems
    after = await tables(sessionmaker, tenant_a)
    # MILK at 0.85 each; EGGS at 9.60 a case of 6 = 1.60 each; prices untouched.
    assert after.products == {
        "MILK": (0.85, 1.29),
        "EGGS": (1.6, 2.49),
        "BREAD": (1.10, 2.19),
    }
    assert result.written["products"] == 2
    (log,) = await sync_logs(sessionmaker, tenant_a)
    assert as_dict(log.sync_metadata)["invoices"] == [
        {
            "invoice_number": "INV-9001",
            "invoice_date": "2026-03-04",
            "po_number": "PO-1001",
            "ship_to": "S001",
            "total": "30",
            "transaction_set": "810/0001",
            "lines": [
                {
                    "product_code": "MILK",
                    "quantity": "24",
                    "unit": "EA",
                    "unit_price": "0.85",
                    "unit_cost": 0.85,
                },
                {
                    "product_code": "EGGS",
                    "quantity": "1",
                    "unit": "CA",
                    "unit_price": "9.6",
                    "unit_cost": 1.6,
                },
            ],
        }
    ]
    again = await run(sessionmaker, tenant_a, example("810_invoice.x12"))
    assert again.records_written == 0


async def test_several_groups_and_sets_in_one_interchange(
    sessionmaker: Sessions, tenant_a: Tenant
) -> None:
    await make_catalog(sessionmaker, tenant_a)
    result = await import_edi_file(
        sessionmaker,
        customer_id=tenant_a.customer_id,
        path=example("several_sets.x12"),
        source_name=SOURCE,
        file_name="inbox/several.x12",
    )

    assert result.status == "imported", result.problems
    assert result.file_name == "inbox/several.x12"
    assert [
        (s.group, s.transaction_set, s.control, s.records, s.status)
        for s in result.transaction_sets
    ] == [
        ("IB/11", "846", "1001", 1, "accepted"),
        ("IB/11", "846", "1002", 1, "accepted"),
        ("PD/12", "852", "2001", 1, "accepted"),
        ("IN/13", "810", "3001", 1, "accepted"),
    ]
    after = await tables(sessionmaker, tenant_a)
    assert after.snapshots == {
        **BREAD_COUNT,
        ("S001", "BREAD", MARCH[5]): (7.0, 2.0, 0.0),
        ("S002", "BREAD", MARCH[5]): (3.0, 0.0, 0.0),
    }
    assert after.sales == {("S002", "BREAD", MARCH[5]): (6.0, 2.19, False, 0.0)}
    assert after.products["BREAD"] == (1.15, 2.19)
    assert (result.records_received, result.records_written) == (4, 4)
    ack = segments(result.ack_997)
    assert [s[:2] for s in ack if s[0] in ("ST", "AK1", "AK2", "AK5")] == [
        ["ST", "997"],
        ["AK1", "IB"],
        ["AK2", "846"],
        ["AK5", "A"],
        ["AK2", "846"],
        ["AK5", "A"],
        ["ST", "997"],
        ["AK1", "PD"],
        ["AK2", "852"],
        ["AK5", "A"],
        ["ST", "997"],
        ["AK1", "IN"],
        ["AK2", "810"],
        ["AK5", "A"],
    ]


# --- rejections: nothing written ------------------------------------------------------


async def test_an_unknown_store_with_several_items_is_one_problem(
    sessionmaker: Sessions, tenant_a: Tenant, tmp_path: Path
) -> None:
    # Main Street's N1 holds two items; its store is looked up for each, reported once.
    await make_catalog(sessionmaker, tenant_a)
    path = replace_in(
        "846_inventory_advice.x12", "Main Street*92*S001", "Main Street*92*S999", tmp_path
    )
    text = path.read_text()

    result = await run(sessionmaker, tenant_a, path)

    assert result.status == "rejected"
    assert [(p.segment, p.offset, p.value) for p in result.problems] == [
        ("N1", text.index("N1*ST*Main Street"), "S999")
    ]


async def test_unknown_store_and_product_reject_the_whole_interchange(
    sessionmaker: Sessions, tenant_a: Tenant, tmp_path: Path
) -> None:
    await make_catalog(sessionmaker, tenant_a)
    before = await tables(sessionmaker, tenant_a)
    path = replace_in("846_inventory_advice.x12", "Harbour*92*S002", "Harbour*92*S999", tmp_path)
    path.write_text(path.read_text().replace("LIN*2*BP*EGGS", "LIN*2*BP*EGGZ"))
    text = path.read_text()

    result = await run(sessionmaker, tenant_a, path)

    assert result.status == "rejected"
    assert [
        (p.segment, p.segment_index, p.offset, p.element, p.value, p.transaction_set)
        for p in result.problems
    ] == [
        ("LIN", 11, text.index("LIN*2"), 3, "EGGZ", "846/0001"),
        ("N1", 14, text.index("N1*ST*Harbour"), 4, "S999", "846/0001"),
    ]
    assert result.problems[0].message == (
        "product BP 'EGGZ' is not one of the tenant's product codes (LIN03): expected a "
        "known product_code"
    )
    # The valid first item (MILK at S001) was not written either.
    assert await tables(sessionmaker, tenant_a) == before
    (log,) = await sync_logs(sessionmaker, tenant_a)
    assert (log.sync_status, log.records_received, log.records_synced) == ("rejected", 3, 0)
    assert log.sync_id == result.sync_id
    assert log.error_message is not None
    assert log.error_message.startswith(
        "rejected, nothing written: 2 problem(s); first: segment 11 (LIN) element LIN03"
    )
    assert as_dict(log.sync_metadata)["problem_count"] == 2
    ack = segments(result.ack_997)
    assert [s for s in ack if s[0].startswith("AK")] == [
        ["AK1", "IB", "846"],
        ["AK2", "846", "0001"],
        ["AK3", "LIN", "9", "", "8"],
        ["AK4", "3", "", "7", "EGGZ"],
        ["AK3", "N1", "12", "", "8"],
        ["AK4", "4", "", "7", "S999"],
        ["AK5", "R", "5"],
        ["AK9", "R", "1", "1", "0"],
    ]


async def test_another_tenants_codes_are_unknown(
    sessionmaker: Sessions, tenant_a: Tenant, tenant_b: Tenant
) -> None:
    await make_catalog(sessionmaker, tenant_a)
    before = await tables(sessionmaker, tenant_a)
    result = await run(sessionmaker, tenant_b, example("846_inventory_advice.x12"))
    assert result.status == "rejected"
    assert {p.value for p in result.problems} == {"S001", "S002", "MILK", "EGGS"}
    assert await tables(sessionmaker, tenant_a) == before
    assert await sync_logs(sessionmaker, tenant_a) == []


async def test_two_different_positions_for_one_day_are_a_conflict(
    sessionmaker: Sessions, tenant_a: Tenant, tmp_path: Path
) -> None:
    await make_catalog(sessionmaker, tenant_a)
    path = replace_in(
        "846_inventory_advice.x12", "LIN*2*BP*EGGS~QTY*33*3*CA", "LIN*2*BP*MILK~QTY*17*41", tmp_path
    )
    result = await run(sessionmaker, tenant_a, path)
    assert result.status == "rejected"
    (problem,) = result.problems
    assert (problem.segment, problem.segment_index) == ("LIN", 11)
    assert problem.message == (
        "store S001, product MILK on 2026-03-02 already has a different stock position at "
        "segment 7 (846/0001): expected one per store, product and day"
    )


@pytest.mark.parametrize(
    ("po_status", "old", "new", "expected"),
    [
        (
            POStatus.SUGGESTED,
            "",
            "",
            ("PRF", 12, 1, "PO-1001", "purchase order PO-1001 is 'suggested': it was never sent"),
        ),
        (
            POStatus.APPROVED,
            "Main Street*92*S001",
            "Harbour*92*S002",
            ("N1", 10, 4, "S002", "ship-to store 'S002' is not the store of purchase order"),
        ),
        (
            POStatus.APPROVED,
            "HL*6*5*I",
            "HL*6*2*I",
            ("LIN", 22, 3, "BREAD", "product 'BREAD' is not on purchase order PO-1001"),
        ),
    ],
)
async def test_856_against_an_order_it_cannot_belong_to(
    sessionmaker: Sessions,
    tenant_a: Tenant,
    tmp_path: Path,
    po_status: POStatus,
    old: str,
    new: str,
    expected: tuple[str, int, int, str, str],
) -> None:
    await make_catalog(sessionmaker, tenant_a, po_status=po_status)
    before = await tables(sessionmaker, tenant_a)
    path = (
        replace_in("856_ship_notice.x12", old, new, tmp_path)
        if old
        else example("856_ship_notice.x12")
    )
    result = await run(sessionmaker, tenant_a, path)
    assert result.status == "rejected"
    found = [(p.segment, p.segment_index, p.element, p.value, p.message) for p in result.problems]
    assert len(found) >= 1
    assert found[0][:4] == expected[:4]
    assert found[0][4].startswith(expected[4])
    assert await tables(sessionmaker, tenant_a) == before


SEVERAL = example("several_sets.x12").read_text()
# Cut inside the 852's first ZA: the set, its group and the interchange lack trailers.
TRUNCATED = SEVERAL[: SEVERAL.index("ZA|QS") + len("ZA|QS")]


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        pytest.param(
            "date,store_code,product_code,on_hand\n2026-03-01,S001,MILK,4\n",
            [("dat", 1, None, "an X12 interchange starts with 'ISA'")],
            id="not-x12",
        ),
        pytest.param(
            TRUNCATED,
            [
                ("LIN", 23, None, "the data ends after segment 23 (LIN) without an IEA"),
                ("LIN", 23, None, "the data ends inside functional group PD/12: expected GE"),
                ("LIN", 23, None, "the data ends after segment 23 (LIN) inside transaction set"),
                ("ZA", 24, None, "the data ends inside segment 'ZA' without its terminator"),
            ],
            id="truncated",
        ),
        pytest.param(
            example("846_inventory_advice.x12").read_text().replace("QTY*17*40*EA", "QTY*17*4O*EA"),
            [("QTY", 8, 2, "QTY02 (quantity 17) must be a decimal number")],
            id="bad-quantity",
        ),
        pytest.param(
            example("846_inventory_advice.x12").read_text().replace("SE*16*0001", "SE*15*0001"),
            [("SE", 18, 1, "SE01 says '15' segments but transaction set 846/0001 has 16")],
            id="wrong-count",
        ),
        pytest.param(
            example("846_inventory_advice.x12")
            .read_text()
            .replace("IEA*1*000000846", "IEA*1*000000847"),
            [("IEA", 20, 2, "IEA02 '000000847' does not match ISA13 '000000846'")],
            id="wrong-control-number",
        ),
        pytest.param(
            example("846_inventory_advice.x12").read_text().replace("ST*846*0001", "ST*847*0001"),
            [("ST", 3, 1, "transaction set 847 is not read by ShelfOps")],
            id="unknown-set",
        ),
    ],
)
async def test_bad_input_is_rejected_precisely_and_nothing_is_written(
    sessionmaker: Sessions,
    tenant_a: Tenant,
    tmp_path: Path,
    content: str,
    expected: list[tuple[str | None, int | None, int | None, str]],
) -> None:
    await make_catalog(sessionmaker, tenant_a)
    before = await tables(sessionmaker, tenant_a)
    path = tmp_path / "in.x12"
    path.write_text(content)
    result = await run(sessionmaker, tenant_a, path)

    assert result.status == "rejected"
    found = [(p.segment, p.segment_index, p.element, p.message) for p in result.problems]
    assert len(found) == len(expected), found
    for (segment, index, element, message), want in zip(found, expected, strict=True):
        assert (segment, index, element) == want[:3]
        assert message.startswith(want[3]), message
    assert await tables(sessionmaker, tenant_a) == before
    (log,) = await sync_logs(sessionmaker, tenant_a)
    assert (log.sync_status, log.records_synced) == ("rejected", 0)
    if content.startswith("ISA"):
        assert "AK5*R" in result.ack_997
    else:
        assert result.ack_997 == ""


# --- values beyond the bounds of shelfops.kit.limits ------------------------------------

DAYS = "must be between 1971-01-01 and 2199-12-31"
UNITS = "is too large: must be at most 2147483647"
MONEY = "is too large: must be at most 1000000000000"


async def assert_refused(
    sessionmaker: Sessions,
    tenant: Tenant,
    path: Path,
    expected: tuple[str, int, int, str, str],
    code: str,
) -> None:
    """Importing ``path`` is rejected for exactly one problem, ``expected`` = (segment,
    index, element, value, message), acknowledged with AK4 error ``code``; nothing is
    written but the rejected sync-log row."""
    before = await tables(sessionmaker, tenant)
    result = await run(sessionmaker, tenant, path)

    assert result.status == "rejected"
    assert [
        (p.segment, p.segment_index, p.element, p.value, p.message) for p in result.problems
    ] == [expected]
    assert await tables(sessionmaker, tenant) == before
    (log,) = await sync_logs(sessionmaker, tenant)
    assert (log.sync_status, log.records_synced) == ("rejected", 0)
    ack = segments(result.ack_997)
    position = str(expected[2])
    assert [s for s in ack if s[0] in ("AK4", "AK5")] == [
        ["AK4", position, "", code, expected[3]],
        ["AK5", "R", "5"],
    ]


_DAYS_OUTSIDE = [
    # Segment indexes: 846 BIA 4, DTM 5 and 15; 852 XQ 4, ZA*QS of EGGS 18;
    # 856 DTM*017 8; 810 BIG 4.
    pytest.param(
        "852_product_activity.x12",
        "XQ*H*20260302",
        "XQ*H*99991231",
        ("XQ", 4, 2, "99991231", f"XQ02 (reporting period start) {DAYS}"),
        id="852-period-9999",
    ),
    pytest.param(
        "852_product_activity.x12",
        "ZA*QS*4*EA",
        "ZA*QS*4*EA*002*22000101",
        ("ZA", 18, 5, "22000101", f"ZA05 (activity date) {DAYS}"),
        id="852-activity-day-after-the-last",
    ),
    pytest.param(
        "846_inventory_advice.x12",
        "INV-20260302*20260302",
        "INV-20260302*99991231",
        ("BIA", 4, 4, "99991231", f"BIA04 (report date) {DAYS}"),
        id="846-report-date-9999",
    ),
    pytest.param(
        "846_inventory_advice.x12",
        "DTM*007*20260302",
        "DTM*007*00010101",
        ("DTM", 5, 2, "00010101", f"DTM02 (date 007) {DAYS}"),
        id="846-year-1",
    ),
    pytest.param(
        "846_inventory_advice.x12",
        "DTM*007*20260301",
        "DTM*007*19000101",
        ("DTM", 15, 2, "19000101", f"DTM02 (date 007) {DAYS}"),
        id="846-1900",
    ),
    pytest.param(
        "846_inventory_advice.x12",
        "DTM*007*20260301",
        "DTM*007*19701231",
        ("DTM", 15, 2, "19701231", f"DTM02 (date 007) {DAYS}"),
        id="846-day-before-the-first",
    ),
    pytest.param(
        "856_ship_notice.x12",
        "DTM*017*20260306",
        "DTM*017*99991231",
        ("DTM", 8, 2, "99991231", f"DTM02 (date 017) {DAYS}"),
        id="856-arrival-9999",
    ),
    pytest.param(
        "810_invoice.x12",
        "BIG*20260304",
        "BIG*99991231",
        ("BIG", 4, 1, "99991231", f"BIG01 (invoice date) {DAYS}"),
        id="810-invoice-date-9999",
    ),
]


_AMOUNTS_ABOVE = [
    # Segment indexes: 846 QTY*17 8, QTY*63 9, QTY*33 12; 852 CTP 8, SDQ of QS 10,
    # ZA*QS/QA of EGGS 18/19, SDQ of QR 16; 856 SN1 of EGGS 18; 810 IT1 7 and 8.
    pytest.param(
        "846_inventory_advice.x12",
        "QTY*17*40*EA",
        "QTY*17*999999999999999*EA",
        ("QTY", 8, 2, "999999999999999", f"QTY02 (quantity 17) {UNITS}"),
        id="846-units",
    ),
    pytest.param(
        "846_inventory_advice.x12",
        "QTY*17*40*EA",
        "QTY*17*12345678901234567890123456*EA",
        ("QTY", 8, 2, "12345678901234567890123456", f"QTY02 (quantity 17) {UNITS}"),
        id="846-26-digits",
    ),
    pytest.param(
        "852_product_activity.x12",
        "S001*12*S002*5",
        "S001*12*S002*2147483648",
        ("SDQ", 10, 6, "2147483648", f"SDQ06 (quantity at S002) {UNITS}"),
        id="852-sdq-units",
    ),
    # Cases within the bound that are too many units at the product's pack size.
    pytest.param(
        "846_inventory_advice.x12",
        "QTY*33*3*CA",
        "QTY*33*999999999*CA",
        (
            *("QTY", 12, 2, "999999999"),
            f"QTY02 999999999 CA is 5999999994 units of product EGGS (pack size 6), which {UNITS}",
        ),
        id="846-on-hand-cases",
    ),
    pytest.param(
        "846_inventory_advice.x12",
        "QTY*63*24*EA",
        "QTY*63*200000000*CA",
        (
            *("QTY", 9, 2, "200000000"),
            f"QTY02 200000000 CA is 2400000000 units of product MILK (pack size 12), which {UNITS}",
        ),
        id="846-on-order-cases",
    ),
    pytest.param(
        "852_product_activity.x12",
        "ZA*QS*4*EA",
        "ZA*QS*400000000*CA",
        (
            *("ZA", 18, 2, "400000000"),
            f"ZA02 400000000 CA is 2400000000 units of product EGGS (pack size 6), which {UNITS}",
        ),
        id="852-sold-cases",
    ),
    pytest.param(
        "852_product_activity.x12",
        "ZA*QA*1*CA",
        "ZA*QA*400000000*CA",
        (
            *("ZA", 19, 2, "400000000"),
            f"ZA02 400000000 CA is 2400000000 units of product EGGS (pack size 6), which {UNITS}",
        ),
        id="852-on-hand-cases",
    ),
    pytest.param(
        "852_product_activity.x12",
        "SDQ*EA*92*S002*12~",
        "SDQ*CA*92*S002*200000000~",
        (
            *("SDQ", 16, 4, "200000000"),
            f"SDQ04 200000000 CA is 2400000000 units of product MILK (pack size 12), which {UNITS}",
        ),
        id="852-received-cases",
    ),
    pytest.param(
        "856_ship_notice.x12",
        "SN1*2*1*CA",
        "SN1*2*400000000*CA",
        (
            *("SN1", 18, 2, "400000000"),
            f"SN102 400000000 CA is 2400000000 units of product EGGS (pack size 6), which {UNITS}",
        ),
        id="856-shipped-cases",
    ),
    pytest.param(
        "810_invoice.x12",
        "IT1*2*1*CA",
        "IT1*2*400000000*CA",
        (
            *("IT1", 8, 2, "400000000"),
            f"IT102 400000000 CA is 2400000000 units of product EGGS (pack size 6), which {UNITS}",
        ),
        id="810-invoiced-cases",
    ),
    pytest.param(
        "810_invoice.x12",
        "IT1*1*24*EA*0.85",
        "IT1*1*24*EA*1000000000000.01",
        ("IT1", 7, 4, "1000000000000.01", f"IT104 (unit price) {MONEY}"),
        id="810-unit-price",
    ),
    pytest.param(
        "852_product_activity.x12",
        "CTP**RES*1.19",
        "CTP**RES*99999999999999",
        ("CTP", 8, 3, "99999999999999", f"CTP03 (retail unit price) {MONEY}"),
        id="852-retail-price",
    ),
]


@pytest.mark.parametrize(
    ("name", "old", "new", "expected", "code"),
    # A real day outside the business days is reported as an invalid date (AK403 8, like
    # 20261302); a well-formed number ShelfOps cannot take as an unknown code (AK403 7).
    [pytest.param(*case.values, "8", id=case.id) for case in _DAYS_OUTSIDE]
    + [pytest.param(*case.values, "7", id=case.id) for case in _AMOUNTS_ABOVE],
)
async def test_a_value_beyond_the_limits_is_rejected_and_nothing_is_written(
    sessionmaker: Sessions,
    tenant_a: Tenant,
    tmp_path: Path,
    name: str,
    old: str,
    new: str,
    expected: tuple[str, int, int, str, str],
    code: str,
) -> None:
    await make_catalog(sessionmaker, tenant_a)
    path = replace_in(name, old, new, tmp_path)
    await assert_refused(sessionmaker, tenant_a, path, expected, code)


async def test_a_missing_file_is_a_bad_request(
    sessionmaker: Sessions, tenant_a: Tenant, tmp_path: Path
) -> None:
    with pytest.raises(BadRequest, match="cannot read the EDI file"):
        await run(sessionmaker, tenant_a, tmp_path / "absent.x12")
