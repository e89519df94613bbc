"""Stores, products and suppliers: list, read, create, update, delete.

Every function takes the tenant-bound session first; the tenant is the session's, so a
caller can never reach another tenant's rows by passing an id. Services flush, never
commit: the request (or CLI command) that opened the transaction commits it.

Deleting never takes history with it. The time-series tables (sales, inventory,
forecasts, purchase orders, ...) reference stores and products with cascading foreign
keys, so a store or product that anything references is refused with 409 and can be
retired with ``is_active = false`` instead; likewise a supplier that products or
purchase orders still name. Only a row nothing points at (say, created by mistake) is
actually deleted.
"""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from shelfops.catalog import repository
from shelfops.catalog.schemas import (
    ProductCreate,
    ProductFilters,
    ProductPage,
    ProductRead,
    ProductUpdate,
    StoreCreate,
    StoreFilters,
    StorePage,
    StoreRead,
    StoreUpdate,
    SupplierCreate,
    SupplierFilters,
    SupplierPage,
    SupplierRead,
    SupplierUpdate,
)
from shelfops.kit.db import tenant_of
from shelfops.kit.errors import Conflict, NotFound, ValidationFailed
from shelfops.kit.locks import CATALOG, hold_tenant_lock
from shelfops.models import Product, Store, Supplier
from shelfops.tenants import audit
from shelfops.tenants.service import Principal


async def _audit(
    session: AsyncSession,
    actor: Principal | None,
    resource: str,
    verb: str,
    resource_id: int,
    before: dict[str, Any] | None,
    after: dict[str, Any] | None,
) -> None:
    # Catalog rows drive every plan (lead times, pack sizes, costs, active flags): who
    # created, changed or deleted one, and what it was before, is kept.
    await audit.record(
        session,
        actor=actor,
        action=f"{resource}.{verb}",
        resource_type=resource,
        resource_id=str(resource_id),
        before=before,
        after=after,
    )


async def _hold_catalog_for_delete(session: AsyncSession, customer_id: uuid.UUID) -> None:
    # Exclusively: writers that resolve codes into references hold the lock shared, so
    # the reference check below sees what they wrote, and they cannot write a row for a
    # code this delete removes. A second delete of the same row waits, then finds it
    # gone (404) instead of also answering 204 and writing a second audit row.
    await hold_tenant_lock(session, customer_id, CATALOG)


def _dump(row: StoreRead | SupplierRead | ProductRead) -> dict[str, Any]:
    return row.model_dump(mode="json")


def _invalid(field: str, message: str, kind: str = "value_error") -> ValidationFailed:
    """A 422 in the same shape as the API's request-validation errors."""
    return ValidationFailed.at(["body", field], message, kind)


def _check_order(
    values: dict[str, Any],
    current: Any,
    *,
    start: str,
    end: str,
    strict: bool,
) -> None:
    """After a partial update, ``end`` must still come after ``start`` (one of the two may
    be the stored value). Names the field the request sent, so the caller knows what to fix."""
    first: dt.date | None = values.get(start, getattr(current, start))
    last: dt.date | None = values.get(end, getattr(current, end))
    if first is None or last is None:
        return
    if last > first or (not strict and last == first):
        return
    relation = "after" if strict else "on or after"
    if end in values:
        raise _invalid(end, f"must be {relation} {start} ({first.isoformat()})")
    raise _invalid(
        start, f"must be {'before' if strict else 'on or before'} {end} ({last.isoformat()})"
    )


def _referenced(kind: str, code: str, tables: list[str], remedy: str) -> Conflict:
    names = ", ".join(t.replace("_", " ") for t in tables)
    return Conflict(f"{kind} {code!r} cannot be deleted: it is referenced by {names}. {remedy}")


# --- stores ---------------------------------------------------------------------------


async def _store(session: AsyncSession, customer_id: uuid.UUID, store_id: int) -> Store:
    store = await repository.get_store(session, customer_id=customer_id, store_id=store_id)
    if store is None:
        # The same answer whether the id is unused or another tenant's: never reveal which.
        raise NotFound(f"no store with id {store_id}")
    return store


async def _ensure_store_code_free(session: AsyncSession, customer_id: uuid.UUID, code: str) -> None:
    existing = await repository.get_store_by_code(session, customer_id=customer_id, store_code=code)
    if existing is not None:
        raise Conflict(f"a store with store_code {code!r} already exists (id {existing.store_id})")


async def list_stores(session: AsyncSession, *, filters: StoreFilters) -> StorePage:
    """The tenant's stores matching ``filters``, one page at a time, by store code."""
    rows, total = await repository.list_stores(
        session,
        customer_id=tenant_of(session),
        q=filters.q,
        region=filters.region,
        active=filters.active,
        limit=filters.limit,
        offset=filters.offset,
    )
    return StorePage.build(map(StoreRead.model_validate, rows), total=total, params=filters)


async def get_store(session: AsyncSession, *, store_id: int) -> StoreRead:
    """One store of the tenant; 404 when the tenant has none with this id."""
    return StoreRead.model_validate(await _store(session, tenant_of(session), store_id))


async def create_store(
    session: AsyncSession, *, data: StoreCreate, actor: Principal | None = None
) -> StoreRead:
    """Create a store (audited); 409 when the tenant already has its code."""
    customer_id = tenant_of(session)
    await _ensure_store_code_free(session, customer_id, data.store_code)
    store = Store(customer_id=customer_id, **data.model_dump())
    await repository.add(session, store)
    created = StoreRead.model_validate(store)
    await _audit(session, actor, "store", "create", store.store_id, None, _dump(created))
    return created


async def update_store(
    session: AsyncSession, *, store_id: int, changes: StoreUpdate, actor: Principal | None = None
) -> StoreRead:
    """Change the fields sent in ``changes`` (audited with the row before and after);
    404 for an unknown id, 409 when the new code is taken, 422 when the dates would end
    up out of order."""
    customer_id = tenant_of(session)
    store = await _store(session, customer_id, store_id)
    before = _dump(StoreRead.model_validate(store))
    values = changes.model_dump(exclude_unset=True)
    if values.get("store_code", store.store_code) != store.store_code:
        await _ensure_store_code_free(session, customer_id, values["store_code"])
    _check_order(values, store, start="opened_on", end="closed_on", strict=False)
    for name, value in values.items():
        setattr(store, name, value)
    await repository.flush(session)
    updated = StoreRead.model_validate(store)
    await _audit(session, actor, "store", "update", store_id, before, _dump(updated))
    return updated


async def delete_store(
    session: AsyncSession, *, store_id: int, actor: Principal | None = None
) -> None:
    """Delete a store that nothing references; 409 naming the history otherwise.
    The audit log keeps the row as it was and who deleted it."""
    customer_id = tenant_of(session)
    await _hold_catalog_for_delete(session, customer_id)
    store = await _store(session, customer_id, store_id)
    tables = await repository.referenced_by(
        session, customer_id=customer_id, column=Store.__table__.c.store_id, value=store_id
    )
    if tables:
        raise _referenced(
            "store",
            store.store_code,
            tables,
            "Its history is kept; to retire the store, update it with is_active=false.",
        )
    before = _dump(StoreRead.model_validate(store))
    if not await repository.delete(session, store):
        raise NotFound(f"no store with id {store_id}")
    await _audit(session, actor, "store", "delete", store_id, before, None)


# --- suppliers ------------------------------------------------------------------------


async def _supplier(session: AsyncSession, customer_id: uuid.UUID, supplier_id: int) -> Supplier:
    supplier = await repository.get_supplier(
        session, customer_id=customer_id, supplier_id=supplier_id
    )
    if supplier is None:
        raise NotFound(f"no supplier with id {supplier_id}")
    return supplier


async def _ensure_supplier_code_free(
    session: AsyncSession, customer_id: uuid.UUID, code: str
) -> None:
    existing = await repository.get_supplier_by_code(
        session, customer_id=customer_id, supplier_code=code
    )
    if existing is not None:
        raise Conflict(
            f"a supplier with supplier_code {code!r} already exists (id {existing.supplier_id})"
        )


async def list_suppliers(session: AsyncSession, *, filters: SupplierFilters) -> SupplierPage:
    """The tenant's suppliers matching ``filters``, one page at a time, by supplier code."""
    rows, total = await repository.list_suppliers(
        session,
        customer_id=tenant_of(session),
        q=filters.q,
        limit=filters.limit,
        offset=filters.offset,
    )
    return SupplierPage.build(map(SupplierRead.model_validate, rows), total=total, params=filters)


async def get_supplier(session: AsyncSession, *, supplier_id: int) -> SupplierRead:
    """One supplier of the tenant; 404 when the tenant has none with this id."""
    return SupplierRead.model_validate(await _supplier(session, tenant_of(session), supplier_id))


async def create_supplier(
    session: AsyncSession, *, data: SupplierCreate, actor: Principal | None = None
) -> SupplierRead:
    """Create a supplier (audited); 409 when the tenant already has its code."""
    customer_id = tenant_of(session)
    await _ensure_supplier_code_free(session, customer_id, data.supplier_code)
    supplier = Supplier(customer_id=customer_id, **data.model_dump())
    await repository.add(session, supplier)
    created = SupplierRead.model_validate(supplier)
    await _audit(session, actor, "supplier", "create", supplier.supplier_id, None, _dump(created))
    return created


async def update_supplier(
    session: AsyncSession,
    *,
    supplier_id: int,
    changes: SupplierUpdate,
    actor: Principal | None = None,
) -> SupplierRead:
    """Change the fields sent in ``changes`` (audited with the row before and after);
    404 for an unknown id, 409 when the new code is taken."""
    customer_id = tenant_of(session)
    supplier = await _supplier(session, customer_id, supplier_id)
    before = _dump(SupplierRead.model_validate(supplier))
    values = changes.model_dump(exclude_unset=True)
    if values.get("supplier_code", supplier.supplier_code) != supplier.supplier_code:
        await _ensure_supplier_code_free(session, customer_id, values["supplier_code"])
    for name, value in values.items():
        setattr(supplier, name, value)
    await repository.flush(session)
    updated = SupplierRead.model_validate(supplier)
    await _audit(session, actor, "supplier", "update", supplier_id, before, _dump(updated))
    return updated


async def delete_supplier(
    session: AsyncSession, *, supplier_id: int, actor: Principal | None = None
) -> None:
    """Delete a supplier that no product or purchase order names; 409 otherwise.
    The audit log keeps the row as it was and who deleted it."""
    customer_id = tenant_of(session)
    await _hold_catalog_for_delete(session, customer_id)
    supplier = await _supplier(session, customer_id, supplier_id)
    tables = await repository.referenced_by(
        session,
        customer_id=customer_id,
        column=Supplier.__table__.c.supplier_id,
        value=supplier_id,
    )
    if tables:
        # The foreign keys would silently unlink those rows (SET NULL); make it explicit.
        raise _referenced(
            "supplier",
            supplier.supplier_code,
            tables,
            "Move its products to another supplier (or set their supplier_code to null) first.",
        )
    before = _dump(SupplierRead.model_validate(supplier))
    if not await repository.delete(session, supplier):
        raise NotFound(f"no supplier with id {supplier_id}")
    await _audit(session, actor, "supplier", "delete", supplier_id, before, None)


# --- products -------------------------------------------------------------------------


async def _product(session: AsyncSession, customer_id: uuid.UUID, product_id: int) -> Product:
    product = await repository.get_product(session, customer_id=customer_id, product_id=product_id)
    if product is None:
        raise NotFound(f"no product with id {product_id}")
    return product


async def _ensure_product_code_free(
    session: AsyncSession, customer_id: uuid.UUID, code: str
) -> None:
    existing = await repository.get_product_by_code(
        session, customer_id=customer_id, product_code=code
    )
    if existing is not None:
        raise Conflict(
            f"a product with product_code {code!r} already exists (id {existing.product_id})"
        )


async def _supplier_id_of(
    session: AsyncSession, customer_id: uuid.UUID, supplier_code: str | None
) -> int | None:
    """The tenant's supplier id for ``supplier_code``; 422 when the tenant has no such
    supplier (looked up within the tenant only, so another tenant's code never matches)."""
    if supplier_code is None:
        return None
    supplier = await repository.get_supplier_by_code(
        session, customer_id=customer_id, supplier_code=supplier_code
    )
    if supplier is None:
        raise _invalid(
            "supplier_code", f"no supplier with code {supplier_code!r}", "unknown_reference"
        )
    return supplier.supplier_id


async def _product_read(
    session: AsyncSession, customer_id: uuid.UUID, product: Product
) -> ProductRead:
    supplier_code = None
    if product.supplier_id is not None:
        supplier = await repository.get_supplier(
            session, customer_id=customer_id, supplier_id=product.supplier_id
        )
        supplier_code = supplier.supplier_code if supplier else None
    return ProductRead.of(product, supplier_code)


async def list_products(session: AsyncSession, *, filters: ProductFilters) -> ProductPage:
    """The tenant's products matching ``filters``, one page at a time, by product code."""
    rows, total = await repository.list_products(
        session,
        customer_id=tenant_of(session),
        q=filters.q,
        category=filters.category,
        department=filters.department,
        active=filters.active,
        limit=filters.limit,
        offset=filters.offset,
    )
    items = (ProductRead.of(product, code) for product, code in rows)
    return ProductPage.build(items, total=total, params=filters)


async def get_product(session: AsyncSession, *, product_id: int) -> ProductRead:
    """One product of the tenant; 404 when the tenant has none with this id."""
    customer_id = tenant_of(session)
    return await _product_read(
        session, customer_id, await _product(session, customer_id, product_id)
    )


async def create_product(
    session: AsyncSession, *, data: ProductCreate, actor: Principal | None = None
) -> ProductRead:
    """Create a product (audited); 409 when the tenant already has its code, 422 when
    ``supplier_code`` names no supplier of the tenant."""
    customer_id = tenant_of(session)
    await _ensure_product_code_free(session, customer_id, data.product_code)
    if data.supplier_code is not None:
        # Shared catalog lock: a supplier deleted meanwhile is either gone now (422) or
        # sees this product and refuses (409), instead of silently unlinking it.
        await hold_tenant_lock(session, customer_id, CATALOG, shared=True)
    supplier_id = await _supplier_id_of(session, customer_id, data.supplier_code)
    product = Product(
        customer_id=customer_id,
        supplier_id=supplier_id,
        **data.model_dump(exclude={"supplier_code"}),
    )
    await repository.add(session, product)
    created = ProductRead.of(product, data.supplier_code)
    await _audit(session, actor, "product", "create", product.product_id, None, _dump(created))
    return created


async def update_product(
    session: AsyncSession,
    *,
    product_id: int,
    changes: ProductUpdate,
    actor: Principal | None = None,
) -> ProductRead:
    """Change the fields sent in ``changes`` (``supplier_code: null`` unlinks the
    supplier; audited with the row before and after); 404 for an unknown id, 409 when
    the new code is taken, 422 for an unknown supplier code or dates out of order."""
    customer_id = tenant_of(session)
    product = await _product(session, customer_id, product_id)
    before = _dump(await _product_read(session, customer_id, product))
    values = changes.model_dump(exclude_unset=True)
    if values.get("product_code", product.product_code) != product.product_code:
        await _ensure_product_code_free(session, customer_id, values["product_code"])
    if values.get("supplier_code") is not None:
        await hold_tenant_lock(session, customer_id, CATALOG, shared=True)
    if "supplier_code" in values:
        values["supplier_id"] = await _supplier_id_of(
            session, customer_id, values.pop("supplier_code")
        )
    _check_order(values, product, start="launched_on", end="discontinued_on", strict=True)
    for name, value in values.items():
        setattr(product, name, value)
    await repository.flush(session)
    updated = await _product_read(session, customer_id, product)
    await _audit(session, actor, "product", "update", product_id, before, _dump(updated))
    return updated


async def delete_product(
    session: AsyncSession, *, product_id: int, actor: Principal | None = None
) -> None:
    """Delete a product that nothing references; 409 naming the history otherwise.
    The audit log keeps the row as it was and who deleted it."""
    customer_id = tenant_of(session)
    await _hold_catalog_for_delete(session, customer_id)
    product = await _product(session, customer_id, product_id)
    tables = await repository.referenced_by(
        session,
        customer_id=customer_id,
        column=Product.__table__.c.product_id,
        value=product_id,
    )
    if tables:
        raise _referenced(
            "product",
            product.product_code,
            tables,
            "Its history is kept; to retire the product, update it with is_active=false.",
        )
    before = _dump(await _product_read(session, customer_id, product))
    if not await repository.delete(session, product):
        raise NotFound(f"no product with id {product_id}")
    await _audit(session, actor, "product", "delete", product_id, before, None)
