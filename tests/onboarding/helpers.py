"""Paths of the shipped examples, a catalog for pure mapper tests, and table readers."""

from __future__ import annotations

import datetime as dt
import uuid
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from shelfops.ingest.schemas import IngestKind
from shelfops.ingest.validate import Lookup
from shelfops.kit.db import tenant_transaction
from shelfops.models import IntegrationSyncLog, InventorySnapshot, Product, Sale, Store
from shelfops.onboarding.mapper import Catalog, MappedSource, map_source
from shelfops.onboarding.profiles import ContractProfile, load_profile, parse_profile

EXAMPLES = Path(__file__).resolve().parents[2] / "examples" / "contracts"
CATALOG_DIR = EXAMPLES / "catalog"
SAMPLES = EXAMPLES / "samples"
POS_PROFILE = EXAMPLES / "smb-pos-transactions.yaml"
POS_SAMPLE = SAMPLES / "corner_shop_pos_2025-03-08.csv"
DAILY_PROFILE = EXAMPLES / "smb-daily-store-item.yaml"
DAILY_SAMPLE = SAMPLES / "filiale_tagesumsatz_2025-03-02.csv"
DC_PROFILE = EXAMPLES / "enterprise-dc-positions.yaml"
DC_SAMPLE = SAMPLES / "dc_positions_20250309.txt"

# The run date of the pure mapper tests (the samples are from early March 2025).
TODAY = dt.date(2025, 3, 10)

STORE_ZONES = {
    "S1": "America/Chicago",
    "S2": "America/Chicago",
    "B1": "Europe/Berlin",
    "B2": "Europe/Berlin",
}
PRODUCTS = ["P1001", "P1002", "P2001", "P3001"]
SUPPLIERS = ["SUP-DAIRY", "SUP-BAKE", "SUP-HOME"]


def catalog(stores: dict[str, str] | None = None, products: list[str] | None = None) -> Catalog:
    """The examples' catalog (or another) as the mapper sees it, without a database."""
    zones = STORE_ZONES if stores is None else stores

    def lookup(codes: list[str]) -> Lookup:
        return Lookup.of([(code, i) for i, code in enumerate(codes, start=1)])

    return Catalog(
        lookups={
            IngestKind.STORES: lookup(list(zones)),
            IngestKind.PRODUCTS: lookup(PRODUCTS if products is None else products),
            IngestKind.SUPPLIERS: lookup(SUPPLIERS),
        },
        store_timezones=zones,
    )


def profile_from(text: str) -> ContractProfile:
    """A profile from YAML text (validated like a file)."""
    return parse_profile(text)


def run(
    profile: ContractProfile | Path | str,
    data: bytes | str,
    *,
    today: dt.date = TODAY,
    with_catalog: Catalog | None = None,
) -> MappedSource:
    """Map ``data`` with ``profile`` against the examples' catalog."""
    if isinstance(profile, Path):
        profile = load_profile(profile)
    elif isinstance(profile, str):
        profile = parse_profile(profile)
    raw = data.encode("utf-8") if isinstance(data, str) else data
    return map_source(profile, raw, catalog=with_catalog or catalog(), today=today)


def rows(mapped: MappedSource, kind: IngestKind = IngestKind.SALES) -> list[dict[str, Any]]:
    """The canonical rows of ``kind`` (text values, without the source line)."""
    return mapped.frames[kind].drop("__line").to_dicts()


def problem_tuples(
    mapped: MappedSource,
) -> list[tuple[str, str, int | None, str | None, str | None]]:
    """(severity, rule, line, column, value) of every listed problem, in report order."""
    return [(p.severity.value, p.rule, p.line, p.column, p.value) for p in mapped.problems.sorted()]


async def sales_by_code(
    sessionmaker: async_sessionmaker[AsyncSession], customer_id: uuid.UUID
) -> dict[tuple[str, str, dt.date], Sale]:
    """The tenant's sales keyed by (store code, product code, date)."""
    async with tenant_transaction(sessionmaker, customer_id) as session:
        result = await session.execute(
            select(Store.store_code, Product.product_code, Sale)
            .join(Store, Store.store_id == Sale.store_id)
            .join(Product, Product.product_id == Sale.product_id)
            .where(Sale.customer_id == customer_id)
        )
        return {(s, p, sale.sale_date): sale for s, p, sale in result}


async def inventory_by_code(
    sessionmaker: async_sessionmaker[AsyncSession], customer_id: uuid.UUID
) -> dict[tuple[str, str, dt.date], InventorySnapshot]:
    """The tenant's inventory snapshots keyed by (store code, product code, date)."""
    async with tenant_transaction(sessionmaker, customer_id) as session:
        result = await session.execute(
            select(Store.store_code, Product.product_code, InventorySnapshot)
            .join(Store, Store.store_id == InventorySnapshot.store_id)
            .join(Product, Product.product_id == InventorySnapshot.product_id)
            .where(InventorySnapshot.customer_id == customer_id)
        )
        return {(s, p, snap.snapshot_date): snap for s, p, snap in result}


async def sync_rows(
    sessionmaker: async_sessionmaker[AsyncSession], customer_id: uuid.UUID
) -> list[IntegrationSyncLog]:
    """The tenant's onboarding sync-log rows, oldest first (not the canonical ingest's
    rows of the catalog the fixture loaded)."""
    async with tenant_transaction(sessionmaker, customer_id) as session:
        result = await session.execute(
            select(IntegrationSyncLog)
            .where(
                IntegrationSyncLog.customer_id == customer_id,
                IntegrationSyncLog.integration_type != "csv",
            )
            .order_by(IntegrationSyncLog.started_at)
        )
        return list(result.scalars())
