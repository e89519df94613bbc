"""onboard_file against a real database (SQLite and PostgreSQL): the three samples land in
the tables, a re-sent file changes nothing, a dry run writes nothing, a rejected file
writes nothing but its sync-log row, and every run leaves its four artifacts."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from shelfops.models import Sale
from shelfops.onboarding.artifacts import ARTIFACT_NAMES
from shelfops.onboarding.profiles import load_profile, parse_profile
from shelfops.onboarding.service import onboard_file
from tests.conftest import Tenant
from tests.onboarding.helpers import (
    DAILY_PROFILE,
    DAILY_SAMPLE,
    DC_PROFILE,
    DC_SAMPLE,
    EXAMPLES,
    POS_PROFILE,
    POS_SAMPLE,
    inventory_by_code,
    sales_by_code,
    sync_rows,
)

Maker = async_sessionmaker[AsyncSession]


def _values(
    sales: dict[tuple[str, str, dt.date], Sale],
) -> dict[tuple[str, str, dt.date], tuple[object, ...]]:
    return {
        key: (s.quantity, s.unit_price, s.promo_flag, s.discount_pct, s.on_hand_close)
        for key, s in sales.items()
    }


async def test_the_pos_sample_lands_and_a_resend_changes_nothing(
    shop: Tenant, sessionmaker: Maker, tmp_path: Path
) -> None:
    profile = load_profile(POS_PROFILE)
    first = await onboard_file(
        sessionmaker,
        customer_id=shop.customer_id,
        profile=profile,
        source=POS_SAMPLE,
        dry_run=False,
        report_dir=tmp_path / "first",
    )
    assert (first.status, first.records_in, first.records_written, first.records_rejected) == (
        "imported",
        11,
        7,
        2,
    )
    (sales,) = first.outputs
    assert (sales.rows, sales.inserted, sales.updated, sales.unchanged) == (7, 7, 0, 0)
    assert (sales.first_date, sales.last_date) == (dt.date(2025, 3, 7), dt.date(2025, 3, 8))

    stored = await sales_by_code(sessionmaker, shop.customer_id)
    assert len(stored) == 7
    milk = stored[("S1", "P1001", dt.date(2025, 3, 7))]
    assert milk.quantity == 5
    assert milk.unit_price == pytest.approx(1.046)
    assert milk.promo_flag is True
    assert milk.discount_pct == pytest.approx(3 * (1 - 0.95 / 1.19) / 5)
    bread = stored[("S1", "P2001", dt.date(2025, 3, 7))]
    assert (bread.quantity, bread.unit_price, bread.promo_flag) == (3, 2.49, False)

    (log,) = await sync_rows(sessionmaker, shop.customer_id)
    assert log.sync_id == first.sync_id
    assert (
        log.integration_type,
        log.integration_name,
        log.sync_type,
        log.sync_status,
        log.records_received,
        log.records_synced,
    ) == ("smb_csv", "corner-shop-pos", "onboard:sales", "success", 11, 7)
    assert log.sync_metadata is not None
    assert log.sync_metadata["rows_dropped"] == {"return_dropped": 1, "duplicate": 1}
    assert log.sync_metadata["outputs"]["sales"]["inserted"] == 7

    second = await onboard_file(
        sessionmaker,
        customer_id=shop.customer_id,
        profile=profile,
        source=POS_SAMPLE,
        dry_run=False,
        report_dir=None,
    )
    (again,) = second.outputs
    assert (second.status, again.inserted, again.updated, again.unchanged) == (
        "imported",
        0,
        0,
        7,
    )
    assert _values(await sales_by_code(sessionmaker, shop.customer_id)) == _values(stored)
    assert len(await sync_rows(sessionmaker, shop.customer_id)) == 2


async def test_the_german_daily_summary_lands(shop: Tenant, sessionmaker: Maker) -> None:
    result = await onboard_file(
        sessionmaker,
        customer_id=shop.customer_id,
        profile=load_profile(DAILY_PROFILE),
        source=DAILY_SAMPLE,
        dry_run=False,
        report_dir=None,
    )
    assert (result.status, result.records_in, result.records_written) == ("imported", 5, 5)
    stored = await sales_by_code(sessionmaker, shop.customer_id)
    big = stored[("B1", "P1001", dt.date(2025, 3, 1))]
    assert (big.quantity, big.unit_price, big.on_hand_close) == (1250, 1.19, 340)
    promo = stored[("B1", "P2001", dt.date(2025, 3, 1))]
    assert (promo.promo_flag, promo.discount_pct, promo.unit_price) == (True, 0.2, 1.99)
    assert stored[("B2", "P1001", dt.date(2025, 3, 1))].on_hand_close is None
    assert stored[("B1", "P2001", dt.date(2025, 3, 2))].quantity == 0
    (log,) = await sync_rows(sessionmaker, shop.customer_id)
    assert (log.integration_type, log.integration_name) == ("smb_sftp", "filiale-tagesumsatz")


async def test_the_enterprise_positions_land_in_units(shop: Tenant, sessionmaker: Maker) -> None:
    result = await onboard_file(
        sessionmaker,
        customer_id=shop.customer_id,
        profile=load_profile(DC_PROFILE),
        source=DC_SAMPLE,
        dry_run=False,
        report_dir=None,
        file_name="outbound/dc_positions_20250309.txt",
    )
    assert (result.status, result.file_name, result.records_written) == (
        "imported",
        "outbound/dc_positions_20250309.txt",
        5,
    )
    stored = await inventory_by_code(sessionmaker, shop.customer_id)
    day = dt.date(2025, 3, 9)
    assert {key: (s.on_hand, s.on_order) for key, s in stored.items()} == {
        ("S1", "P1001", day): (42, 24),
        ("S1", "P1002", day): (6, 0),
        ("S2", "P1001", day): (0, 48),
        ("B1", "P2001", day): (12, 6),
        ("B1", "P3001", day): (12, 0),
    }
    (log,) = await sync_rows(sessionmaker, shop.customer_id)
    assert (log.integration_type, log.sync_type) == ("enterprise_sftp", "onboard:inventory")


async def test_one_source_can_feed_sales_and_inventory_together(
    shop: Tenant, sessionmaker: Maker, tmp_path: Path
) -> None:
    profile = parse_profile(
        """\
profile_id: till-summary
version: 1
source_name: till-summary
source_type: smb_csv
grain: daily_store_item
field_map:
  sales: {date: day, store_code: store, product_code: sku, quantity: sold, unit_price: price}
  inventory: {date: day, store_code: store, product_code: sku, on_hand: stock, on_order: ordered}
defaults:
  sales: {promo_flag: false, discount_pct: 0}
"""
    )
    source = tmp_path / "summary.csv"
    source.write_text("day,store,sku,sold,price,stock,ordered\n2025-03-04,S2,P3001,2,4.99,10,24\n")
    result = await onboard_file(
        sessionmaker,
        customer_id=shop.customer_id,
        profile=profile,
        source=source,
        dry_run=False,
        report_dir=None,
    )
    assert [(o.kind.value, o.inserted) for o in result.outputs] == [("sales", 1), ("inventory", 1)]
    assert result.records_written == 2
    key = ("S2", "P3001", dt.date(2025, 3, 4))
    assert (await sales_by_code(sessionmaker, shop.customer_id))[key].quantity == 2
    snapshot = (await inventory_by_code(sessionmaker, shop.customer_id))[key]
    assert (snapshot.on_hand, snapshot.on_order) == (10, 24)
    (log,) = await sync_rows(sessionmaker, shop.customer_id)
    assert log.sync_type == "onboard:sales+inventory"


async def test_a_dry_run_writes_the_artifacts_and_nothing_else(
    shop: Tenant, sessionmaker: Maker, tmp_path: Path
) -> None:
    report = tmp_path / "report"
    result = await onboard_file(
        sessionmaker,
        customer_id=shop.customer_id,
        profile=load_profile(POS_PROFILE),
        source=POS_SAMPLE,
        dry_run=True,
        report_dir=report,
    )
    assert (result.status, result.dry_run, result.records_written, result.sync_id) == (
        "validated",
        True,
        0,
        None,
    )
    assert result.outputs[0].rows == 7
    assert await sales_by_code(sessionmaker, shop.customer_id) == {}
    assert await sync_rows(sessionmaker, shop.customer_id) == []
    assert sorted(p.name for p in report.iterdir()) == sorted(ARTIFACT_NAMES)
    assert result.artifacts == [str(report / name) for name in ARTIFACT_NAMES]
    saved = json.loads((report / "contract_validation_report.json").read_text())
    assert (saved["status"], saved["records_in"], saved["rows_dropped"]) == (
        "validated",
        11,
        {"return_dropped": 1, "duplicate": 1},
    )


async def test_a_rejected_file_writes_nothing_but_its_log_and_report(
    shop: Tenant, sessionmaker: Maker, tmp_path: Path
) -> None:
    source = tmp_path / "pos.csv"
    # One line of a store the tenant does not have: nothing of the file may land.
    source.write_text(
        POS_SAMPLE.read_text() + "R1008,1,2025-03-08T18:00:00Z,S9,p1001,Milk,1,1.19,1.19\n"
    )
    report = tmp_path / "report"
    result = await onboard_file(
        sessionmaker,
        customer_id=shop.customer_id,
        profile=load_profile(POS_PROFILE),
        source=source,
        dry_run=False,
        report_dir=report,
    )
    assert (result.status, result.records_written, result.records_rejected) == ("rejected", 0, 12)
    assert result.reason == "reference_integrity_rate 0.9167 < 1 (1 record(s))"
    errors = [p for p in result.problems if p.severity == "error"]
    assert [(p.rule, p.line, p.column, p.value) for p in errors] == [
        ("unknown_code", 13, "store", "S9")
    ]
    assert await sales_by_code(sessionmaker, shop.customer_id) == {}
    (log,) = await sync_rows(sessionmaker, shop.customer_id)
    assert (log.sync_id, log.sync_status, log.integration_type, log.records_synced) == (
        result.sync_id,
        "rejected",
        "smb_csv",
        0,
    )
    assert log.error_message == (
        "rejected, nothing written: reference_integrity_rate 0.9167 < 1 (1 record(s))"
    )
    markdown = (report / "contract_validation_report.md").read_text()
    assert "**rejected**" in markdown
    assert "| error | unknown_code | 13 | store |" in markdown


async def test_another_tenants_catalog_does_not_count(
    shop: Tenant, tenant_b: Tenant, sessionmaker: Maker
) -> None:
    result = await onboard_file(
        sessionmaker,
        customer_id=tenant_b.customer_id,
        profile=load_profile(DC_PROFILE),
        source=DC_SAMPLE,
        dry_run=False,
        report_dir=None,
    )
    assert result.status == "rejected"
    assert result.problem_counts == {"unknown_code": 10}  # 5 stores + 5 products unknown
    assert await inventory_by_code(sessionmaker, shop.customer_id) == {}


async def test_an_edi_profile_needs_its_own_adapter(
    shop: Tenant, sessionmaker: Maker, tmp_path: Path
) -> None:
    source = tmp_path / "interchange.x12"
    source.write_text("ISA*00*...~")
    result = await onboard_file(
        sessionmaker,
        customer_id=shop.customer_id,
        profile=load_profile(EXAMPLES / "enterprise-edi-van.yaml"),
        source=source,
        dry_run=False,
        report_dir=tmp_path / "report",
    )
    assert result.status == "requires_custom_adapter"
    assert result.reason == (
        "a enterprise_edi source is not a delimited file the mapper reads; its EDI adapter "
        "(shelfops.edi) imports it"
    )
    (log,) = await sync_rows(sessionmaker, shop.customer_id)
    assert (log.sync_status, log.integration_type, log.integration_name, log.sync_type) == (
        "rejected",
        "enterprise_edi",
        "acme-edi",
        "onboard",
    )
    assert log.error_message is not None
    assert log.error_message.startswith("requires a custom adapter, nothing written")
    assert (tmp_path / "report" / "column_lineage_map.json").is_file()
