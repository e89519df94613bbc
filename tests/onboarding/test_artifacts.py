"""The four artifacts of a run: the JSON and Markdown validation reports, the column
lineage map and the canonical schema snapshot."""

from __future__ import annotations

import json
from pathlib import Path

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from shelfops.ingest.schemas import SPECS, IngestKind
from shelfops.onboarding.profiles import load_profile
from shelfops.onboarding.service import onboard_file
from tests.conftest import Tenant
from tests.onboarding.helpers import DC_PROFILE, DC_SAMPLE, POS_PROFILE, POS_SAMPLE


async def _dry_run(
    sessionmaker: async_sessionmaker[AsyncSession],
    tenant: Tenant,
    profile: Path,
    source: Path,
    report: Path,
) -> None:
    result = await onboard_file(
        sessionmaker,
        customer_id=tenant.customer_id,
        profile=load_profile(profile),
        source=source,
        dry_run=True,
        report_dir=report,
    )
    assert result.status == "validated"


async def test_the_lineage_map_follows_each_field_from_its_columns(
    shop: Tenant, sessionmaker: async_sessionmaker[AsyncSession], tmp_path: Path
) -> None:
    await _dry_run(sessionmaker, shop, DC_PROFILE, DC_SAMPLE, tmp_path)
    lineage = json.loads((tmp_path / "column_lineage_map.json").read_text())

    assert (lineage["profile_id"], lineage["source_file"], lineage["grain"]) == (
        "acme-dc-positions",
        "dc_positions_20250309.txt",
        "inventory_snapshot",
    )
    fields = {f["canonical_field"]: f for f in lineage["fields"]}
    assert list(fields) == [f"inventory.{c}" for c in SPECS[IngestKind.INVENTORY].column_names]
    on_hand = fields["inventory.on_hand"]
    assert on_hand["source_columns"] == ["OH_CASES", "CASE_PACK"]
    assert on_hand["transformations"] == [
        "read column 'OH_CASES'; trim spaces; '', 'NULL', 'N/A' mean empty",
        "parse a number (decimal separator '.')",
        "multiply by column 'CASE_PACK' (cases → units)",
        "if empty: a missing required value (tolerated up to a rate of 0)",
        "checked as canonical inventory.on_hand: number, required, ≥ 0",
    ]
    assert fields["inventory.product_code"]["transformations"][1:3] == [
        "remove the prefix 'sku:'",
        "upper-case",
    ]
    assert fields["inventory.date"]["transformations"][1] == (
        "parse as a date in the format '%Y%m%d' (e.g. '20250307')"
    )
    assert lineage["unused_source_columns"] == ["UOM"]
    assert lineage["dedupe"] == (
        "records with an equal canonical key (inventory.store_code, inventory.product_code, "
        "inventory.date) are duplicates; the first is kept"
    )


async def test_the_schema_snapshot_and_the_reports(
    shop: Tenant, sessionmaker: async_sessionmaker[AsyncSession], tmp_path: Path
) -> None:
    await _dry_run(sessionmaker, shop, POS_PROFILE, POS_SAMPLE, tmp_path)

    snapshot = json.loads((tmp_path / "canonical_schema_snapshot.json").read_text())
    assert list(snapshot["files"]) == ["sales"]
    sales = snapshot["files"]["sales"]
    assert sales["natural_key"] == ["store_code", "product_code", "date"]
    assert [c["name"] for c in sales["columns"]] == SPECS[IngestKind.SALES].column_names
    discount = next(c for c in sales["columns"] if c["name"] == "discount_pct")
    assert (discount["minimum"], discount["below"], discount["required"]) == (0.0, 1.0, True)
    store = next(c for c in sales["columns"] if c["name"] == "store_code")
    assert store["references"] == "stores"

    report = json.loads((tmp_path / "contract_validation_report.json").read_text())
    assert [q["name"] for q in report["quality"]] == [
        "date_parse_rate",
        "quantity_parse_rate",
        "required_null_rate",
        "duplicate_rate",
        "future_date_rate",
        "reference_integrity_rate",
    ]
    assert [(p["severity"], p["rule"], p["line"]) for p in report["problems"]] == [
        ("dropped", "return_dropped", 8),
        ("dropped", "duplicate", 9),
    ]
    assert report["artifacts"] == [
        str(tmp_path / name)
        for name in (
            "contract_validation_report.json",
            "contract_validation_report.md",
            "column_lineage_map.json",
            "canonical_schema_snapshot.json",
        )
    ]

    markdown = (tmp_path / "contract_validation_report.md").read_text()
    assert markdown.startswith("# Contract validation report — corner-shop-pos\n")
    assert "| status | **validated** (dry run: nothing written) |" in markdown
    assert "| sales | 7 | 2025-03-07 | 2025-03-08 |  |  |  |" in markdown
    assert "| duplicate_rate | 0.0909 | <= 0.1 | pass | 1 | 11 |" in markdown
    assert (
        "| dropped | duplicate | 9 | receipt_id |  | R1004 | the same receipt_id/line_no as "
        "line 7 (the first is kept) |" in markdown
    )
    assert (
        "| sales.unit_price | line_total | read column 'line_total' as a number → divide by"
        in markdown
    )
    assert "Source columns not used: description" in markdown
