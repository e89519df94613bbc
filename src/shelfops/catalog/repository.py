"""SQL for stores, products and suppliers.

Every query takes the tenant explicitly and filters on ``customer_id``: that is what
isolates tenants on SQLite, and it keeps PostgreSQL's row-level security a second line of
defence rather than the only one.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from typing import Any

from sqlalchemy import ColumnElement, Select, Table, exists, func, select
from sqlalchemy import delete as sa_delete
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import object_mapper

from shelfops.kit.errors import Conflict
from shelfops.models import Base, Product, Store, Supplier
from shelfops.models.base import SOFT_REFERENCES


def _contains(column: Any, text: str) -> ColumnElement[bool]:
    """Case-insensitive substring match; ``%`` and ``_`` in ``text`` match themselves."""
    escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    match: ColumnElement[bool] = column.ilike(f"%{escaped}%", escape="\\")
    return match


async def _count(session: AsyncSession, query: Select[Any]) -> int:
    total = await session.scalar(select(func.count()).select_from(query.order_by(None).subquery()))
    return int(total or 0)


# --- stores ---------------------------------------------------------------------------


async def list_stores(
    session: AsyncSession,
    *,
    customer_id: uuid.UUID,
    q: str | None,
    region: str | None,
    active: bool | None,
    limit: int,
    offset: int,
) -> tuple[list[Store], int]:
    """One page of the tenant's stores in store-code order, and the number matching."""
    query = select(Store).where(Store.customer_id == customer_id)
    if q:
        query = query.where(_contains(Store.store_code, q) | _contains(Store.name, q))
    if region is not None:
        query = query.where(Store.region == region)
    if active is not None:
        query = query.where(Store.is_active == active)
    total = await _count(session, query)
    rows = await session.scalars(query.order_by(Store.store_code).limit(limit).offset(offset))
    return list(rows), total


async def get_store(
    session: AsyncSession, *, customer_id: uuid.UUID, store_id: int
) -> Store | None:
    """The tenant's store with this id, or None (also when another tenant owns it)."""
    return await session.scalar(
        select(Store).where(Store.customer_id == customer_id, Store.store_id == store_id)
    )


async def get_store_by_code(
    session: AsyncSession, *, customer_id: uuid.UUID, store_code: str
) -> Store | None:
    """The tenant's store with this code, or None."""
    return await session.scalar(
        select(Store).where(Store.customer_id == customer_id, Store.store_code == store_code)
    )


# --- suppliers ------------------------------------------------------------------------


async def list_suppliers(
    session: AsyncSession,
    *,
    customer_id: uuid.UUID,
    q: str | None,
    limit: int,
    offset: int,
) -> tuple[list[Supplier], int]:
    """One page of the tenant's suppliers in supplier-code order, and the number matching."""
    query = select(Supplier).where(Supplier.customer_id == customer_id)
    if q:
        query = query.where(_contains(Supplier.supplier_code, q) | _contains(Supplier.name, q))
    total = await _count(session, query)
    rows = await session.scalars(query.order_by(Supplier.supplier_code).limit(limit).offset(offset))
    return list(rows), total


async def get_supplier(
    session: AsyncSession, *, customer_id: uuid.UUID, supplier_id: int
) -> Supplier | None:
    """The tenant's supplier with this id, or None (also when another tenant owns it)."""
    return await session.scalar(
        select(Supplier).where(
            Supplier.customer_id == customer_id, Supplier.supplier_id == supplier_id
        )
    )


async def get_supplier_by_code(
    session: AsyncSession, *, customer_id: uuid.UUID, supplier_code: str
) -> Supplier | None:
    """The tenant's supplier with this code, or None."""
    return await session.scalar(
        select(Supplier).where(
            Supplier.customer_id == customer_id, Supplier.supplier_code == supplier_code
        )
    )


# --- products -------------------------------------------------------------------------


async def list_products(
    session: AsyncSession,
    *,
    customer_id: uuid.UUID,
    q: str | None,
    category: str | None,
    department: str | None,
    active: bool | None,
    limit: int,
    offset: int,
) -> tuple[list[tuple[Product, str | None]], int]:
    """One page of the tenant's products in product-code order, each with its supplier's
    code (or None), and the number matching."""
    query = select(Product).where(Product.customer_id == customer_id)
    if q:
        query = query.where(_contains(Product.product_code, q) | _contains(Product.name, q))
    if category is not None:
        query = query.where(Product.category == category)
    if department is not None:
        query = query.where(Product.department == department)
    if active is not None:
        query = query.where(Product.is_active == active)
    total = await _count(session, query)
    page = (
        query.add_columns(Supplier.supplier_code)
        .outerjoin(
            Supplier,
            (Supplier.supplier_id == Product.supplier_id)
            & (Supplier.customer_id == Product.customer_id),
        )
        .order_by(Product.product_code)
        .limit(limit)
        .offset(offset)
    )
    rows = await session.execute(page)
    return [(product, code) for product, code in rows], total


async def get_product(
    session: AsyncSession, *, customer_id: uuid.UUID, product_id: int
) -> Product | None:
    """The tenant's product with this id, or None (also when another tenant owns it)."""
    return await session.scalar(
        select(Product).where(Product.customer_id == customer_id, Product.product_id == product_id)
    )


async def get_product_by_code(
    session: AsyncSession, *, customer_id: uuid.UUID, product_code: str
) -> Product | None:
    """The tenant's product with this code, or None."""
    return await session.scalar(
        select(Product).where(
            Product.customer_id == customer_id, Product.product_code == product_code
        )
    )


# --- writes and references ------------------------------------------------------------


async def add(session: AsyncSession, row: Store | Supplier | Product) -> None:
    """Insert ``row`` (flushed, so its id is known)."""
    session.add(row)
    await flush(session)


async def flush(session: AsyncSession) -> None:
    """Send pending changes. A unique-key race that slipped past the service's own check
    (two requests creating the same code at once) becomes a 409, not a 500."""
    try:
        await session.flush()
    except IntegrityError as exc:
        raise Conflict("the change conflicts with an existing row; retry after reloading") from exc


async def delete(session: AsyncSession, row: Store | Supplier | Product) -> bool:
    """Delete ``row``; False when it was no longer there (another transaction deleted it
    after it was read). Callers check :func:`referenced_by` first: the foreign keys of the
    history tables cascade, and a delete must never take history with it."""
    # A DELETE by primary key with its row count: the ORM's ``session.delete`` only warns
    # when it matches no row, so two concurrent deletes would both report success.
    mapper = object_mapper(row)
    table = mapper.local_table
    assert isinstance(table, Table)
    keys = mapper.primary_key_from_instance(row)
    result = await session.execute(
        sa_delete(table).where(*(c == v for c, v in zip(mapper.primary_key, keys, strict=True)))
    )
    session.expunge(row)
    return bool(getattr(result, "rowcount", 0))


async def referenced_by(
    session: AsyncSession, *, customer_id: uuid.UUID, column: Any, value: int
) -> list[str]:
    """Names of the tables holding rows of this tenant whose foreign key points at
    ``column = value`` (e.g. ``["sales", "inventory_snapshots"]``).

    The referencing tables are read from the metadata rather than listed by hand, so a
    table added later by another domain is covered without touching this code; both real
    foreign keys and the fact tables' declared soft references count. One
    round trip: a single SELECT of one EXISTS per table, each stopping at the first row.
    """
    names: list[str] = []
    checks: list[ColumnElement[bool]] = []
    for table, referring in _references_to(column):
        conditions: list[ColumnElement[bool]] = [referring == value]
        if "customer_id" in table.c:
            conditions.append(table.c.customer_id == customer_id)
        checks.append(exists().where(*conditions).label(f"ref_{len(checks)}"))
        names.append(table.name)
    if not checks:
        return []
    found: Sequence[Any] = (await session.execute(select(*checks))).one()
    return sorted({name for name, hit in zip(names, found, strict=True) if hit})


def _references_to(column: Any) -> list[tuple[Table, Any]]:
    """(table, referring column) for every foreign key or soft reference to ``column``."""
    target = f"{column.table.name}.{column.name}"
    found: list[tuple[Table, Any]] = []
    for table in Base.metadata.sorted_tables:
        for fk in table.foreign_keys:
            if fk.column is column:
                found.append((table, fk.parent))
        for name, refers_to in table.info.get(SOFT_REFERENCES, {}).items():
            if refers_to == target:
                found.append((table, table.c[name]))
    return found
