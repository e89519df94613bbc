"""Small hand-written canonical files and helpers to inspect the tables."""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from shelfops.ingest.schemas import IngestKind, IngestReport
from shelfops.kit.db import tenant_transaction
from shelfops.models import IntegrationSyncLog, InventorySnapshot, Product, Sale, Store, Supplier

SUPPLIERS = """supplier_code,name,lead_time_days,lead_time_std_days,min_order_qty
SUP1,Acme Dairy,3,0.5,12
SUP2,"Bolt, Bread & Co",2.5,0,0
"""

STORES = """store_code,name,region,city,timezone,opened_on,closed_on
S1,Downtown,Midwest,Chicago,America/Chicago,2020-01-15,
S2,Airport,,,Europe/Berlin,,
"""

PRODUCTS_HEADER = (
    "product_code,name,category,department,supplier_code,"
    "unit_cost,unit_price,pack_size,launched_on,discontinued_on"
)
PRODUCTS = f"""{PRODUCTS_HEADER}
P1,Milk 1L,Dairy,Grocery,SUP1,0.6,1.19,12,,
P2,Rye bread,Bakery,Grocery,SUP2,1.1,2.49,6,2024-01-02,
P3,Batteries AA,Household,General,,2,4.99,1,,2025-01-01
"""

SALES_HEADER = (
    "date,store_code,product_code,quantity,unit_price,promo_flag,discount_pct,on_hand_close"
)
SALES = f"""{SALES_HEADER}
2024-01-01,S1,P1,5,1.19,false,0,20
2024-01-01,S1,P2,0,2.49,false,0,0
2024-01-01,S2,P1,3,0.95,true,0.2,
2024-01-02,S1,P1,7,1.19,0,0,13
2024-01-02,S2,P3,1,4.99,1,0.1,4
2024-01-03,S2,P2,2.5,2.49,FALSE,0,
"""

INVENTORY_HEADER = "date,store_code,product_code,on_hand,on_order"
INVENTORY = f"""{INVENTORY_HEADER}
2024-01-07,S1,P1,20,24
2024-01-07,S1,P2,0,6
2024-01-07,S2,P3,4,0
"""

CATALOG: list[tuple[IngestKind, str]] = [
    (IngestKind.SUPPLIERS, SUPPLIERS),
    (IngestKind.STORES, STORES),
    (IngestKind.PRODUCTS, PRODUCTS),
]
FILES: dict[IngestKind, str] = {
    **dict(CATALOG),
    IngestKind.SALES: SALES,
    IngestKind.INVENTORY: INVENTORY,
}

Load = Callable[..., Awaitable[IngestReport]]


def write(directory: Path, kind: IngestKind | str, content: str | bytes) -> Path:
    """Write a file named after ``kind`` into ``directory``."""
    name = kind.value if isinstance(kind, IngestKind) else kind
    path = directory / f"{name}.csv"
    if isinstance(content, bytes):
        path.write_bytes(content)
    else:
        path.write_text(content, encoding="utf-8")
    return path


async def load_catalog(load: Load, customer_id: uuid.UUID) -> None:
    """Load the three catalog files for a tenant."""
    for kind, content in CATALOG:
        await load(customer_id, kind, content)


TABLES: list[Any] = [Supplier, Store, Product, Sale, InventorySnapshot]


async def snapshot(
    sessionmaker: async_sessionmaker[AsyncSession], customer_id: uuid.UUID
) -> dict[str, list[Any]]:
    """Every row of the tenant's catalog and time-series tables, in key order."""
    tables: dict[str, list[Any]] = {}
    async with tenant_transaction(sessionmaker, customer_id) as session:
        for model in TABLES:
            table = model.__table__
            result = await session.execute(
                select(table)
                .where(table.c.customer_id == customer_id)
                .order_by(*table.primary_key.columns)
            )
            tables[table.name] = list(result)
    return tables


async def sync_log(
    sessionmaker: async_sessionmaker[AsyncSession], customer_id: uuid.UUID
) -> list[IntegrationSyncLog]:
    """The tenant's sync-log rows, oldest first."""
    async with tenant_transaction(sessionmaker, customer_id) as session:
        result = await session.execute(
            select(IntegrationSyncLog)
            .where(IntegrationSyncLog.customer_id == customer_id)
            .order_by(IntegrationSyncLog.started_at)
        )
        return list(result.scalars())


async def codes_to_ids(
    sessionmaker: async_sessionmaker[AsyncSession], customer_id: uuid.UUID
) -> dict[str, int]:
    """The tenant's store, product and supplier codes mapped to their internal ids."""
    mapping: dict[str, int] = {}
    async with tenant_transaction(sessionmaker, customer_id) as session:
        for code, id_ in await session.execute(
            select(Store.store_code, Store.store_id).where(Store.customer_id == customer_id)
        ):
            mapping[code] = id_
        for code, id_ in await session.execute(
            select(Product.product_code, Product.product_id).where(
                Product.customer_id == customer_id
            )
        ):
            mapping[code] = id_
        for code, id_ in await session.execute(
            select(Supplier.supplier_code, Supplier.supplier_id).where(
                Supplier.customer_id == customer_id
            )
        ):
            mapping[code] = id_
    return mapping
