"""HTTP routes for stores, products and suppliers (``/api/v1/stores`` etc.).

Reads need any valid API key (viewer and up), creating and changing need planner, and
deleting needs admin. Route docstrings are the OpenAPI descriptions.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Path, Query, status

from shelfops.api.deps import AdminDep, PlannerDep, SessionDep
from shelfops.catalog import service
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

router = APIRouter()

# Ids are 64-bit in the database; a larger number cannot name anything, so it is a 422
# rather than a database overflow error.
_MAX_ID = 2**63 - 1
StoreId = Annotated[int, Path(ge=1, le=_MAX_ID, description="ShelfOps' id of the store.")]
SupplierId = Annotated[int, Path(ge=1, le=_MAX_ID, description="ShelfOps' id of the supplier.")]
ProductId = Annotated[int, Path(ge=1, le=_MAX_ID, description="ShelfOps' id of the product.")]

_NOT_FOUND: dict[int | str, dict[str, Any]] = {
    404: {"description": "No such id for this tenant (ids of other tenants look the same)."}
}
_WRITE: dict[int | str, dict[str, Any]] = {
    403: {"description": "The API key's role is below planner."},
    409: {"description": "The code is already used by another row of this tenant."},
}
_DELETE: dict[int | str, dict[str, Any]] = {
    **_NOT_FOUND,
    403: {"description": "The API key is not an admin key."},
    409: {"description": "Other records (sales, forecasts, orders, ...) reference the row."},
}

# --- stores ---------------------------------------------------------------------------


@router.get("/stores", operation_id="listStores", tags=["stores"])
async def list_stores(session: SessionDep, filters: Annotated[StoreFilters, Query()]) -> StorePage:
    """List the tenant's stores, ordered by store code.

    `q` finds text in the code or the name (case-insensitive); `region` and `active`
    filter exactly. `total` counts every match, not just this page.
    """
    return await service.list_stores(session, filters=filters)


@router.post(
    "/stores",
    operation_id="createStore",
    tags=["stores"],
    status_code=status.HTTP_201_CREATED,
    responses=_WRITE,
)
async def create_store(principal: PlannerDep, session: SessionDep, body: StoreCreate) -> StoreRead:
    """Create a store. Its `store_code` must be new for this tenant (409 otherwise).
    Needs the planner role."""
    return await service.create_store(session, data=body, actor=principal)


@router.get("/stores/{store_id}", operation_id="getStore", tags=["stores"], responses=_NOT_FOUND)
async def get_store(session: SessionDep, store_id: StoreId) -> StoreRead:
    """One store."""
    return await service.get_store(session, store_id=store_id)


@router.patch(
    "/stores/{store_id}",
    operation_id="updateStore",
    tags=["stores"],
    responses={**_NOT_FOUND, **_WRITE},
)
async def update_store(
    principal: PlannerDep, session: SessionDep, store_id: StoreId, body: StoreUpdate
) -> StoreRead:
    """Change a store. Only the fields sent change; `null` clears an optional field.
    Set `is_active` to false to retire a store while keeping its history. Needs the
    planner role."""
    return await service.update_store(session, store_id=store_id, changes=body, actor=principal)


@router.delete(
    "/stores/{store_id}",
    operation_id="deleteStore",
    tags=["stores"],
    status_code=status.HTTP_204_NO_CONTENT,
    responses=_DELETE,
)
async def delete_store(principal: AdminDep, session: SessionDep, store_id: StoreId) -> None:
    """Delete a store that has no history. Needs the admin role.

    History is never deleted: a store that sales, inventory snapshots, forecasts,
    purchase orders, policies or alerts refer to is refused with 409, and the detail
    names what refers to it. Retire such a store with `PATCH` and `is_active: false`
    instead. Only a store nothing refers to (for example one created by mistake) is
    removed, answering 204.
    """
    await service.delete_store(session, store_id=store_id, actor=principal)


# --- suppliers ------------------------------------------------------------------------


@router.get("/suppliers", operation_id="listSuppliers", tags=["suppliers"])
async def list_suppliers(
    session: SessionDep, filters: Annotated[SupplierFilters, Query()]
) -> SupplierPage:
    """List the tenant's suppliers, ordered by supplier code.

    `q` finds text in the code or the name (case-insensitive). `total` counts every
    match, not just this page.
    """
    return await service.list_suppliers(session, filters=filters)


@router.post(
    "/suppliers",
    operation_id="createSupplier",
    tags=["suppliers"],
    status_code=status.HTTP_201_CREATED,
    responses=_WRITE,
)
async def create_supplier(
    principal: PlannerDep, session: SessionDep, body: SupplierCreate
) -> SupplierRead:
    """Create a supplier. Its `supplier_code` must be new for this tenant (409
    otherwise). Needs the planner role."""
    return await service.create_supplier(session, data=body, actor=principal)


@router.get(
    "/suppliers/{supplier_id}",
    operation_id="getSupplier",
    tags=["suppliers"],
    responses=_NOT_FOUND,
)
async def get_supplier(session: SessionDep, supplier_id: SupplierId) -> SupplierRead:
    """One supplier."""
    return await service.get_supplier(session, supplier_id=supplier_id)


@router.patch(
    "/suppliers/{supplier_id}",
    operation_id="updateSupplier",
    tags=["suppliers"],
    responses={**_NOT_FOUND, **_WRITE},
)
async def update_supplier(
    principal: PlannerDep, session: SessionDep, supplier_id: SupplierId, body: SupplierUpdate
) -> SupplierRead:
    """Change a supplier. Only the fields sent change. Needs the planner role."""
    return await service.update_supplier(
        session, supplier_id=supplier_id, changes=body, actor=principal
    )


@router.delete(
    "/suppliers/{supplier_id}",
    operation_id="deleteSupplier",
    tags=["suppliers"],
    status_code=status.HTTP_204_NO_CONTENT,
    responses=_DELETE,
)
async def delete_supplier(
    principal: AdminDep, session: SessionDep, supplier_id: SupplierId
) -> None:
    """Delete a supplier that nothing refers to. Needs the admin role.

    A supplier still named by products or purchase orders is refused with 409 (the
    detail says which), rather than silently unlinking them: move its products to
    another supplier, or set their `supplier_code` to null, first. Answers 204 once
    deleted.
    """
    await service.delete_supplier(session, supplier_id=supplier_id, actor=principal)


# --- products -------------------------------------------------------------------------


@router.get("/products", operation_id="listProducts", tags=["products"])
async def list_products(
    session: SessionDep, filters: Annotated[ProductFilters, Query()]
) -> ProductPage:
    """List the tenant's products, ordered by product code.

    `q` finds text in the code or the name (case-insensitive); `category`,
    `department` and `active` filter exactly. `total` counts every match, not just
    this page.
    """
    return await service.list_products(session, filters=filters)


@router.post(
    "/products",
    operation_id="createProduct",
    tags=["products"],
    status_code=status.HTTP_201_CREATED,
    responses=_WRITE,
)
async def create_product(
    principal: PlannerDep, session: SessionDep, body: ProductCreate
) -> ProductRead:
    """Create a product. Its `product_code` must be new for this tenant (409
    otherwise); `supplier_code`, when given, must name one of the tenant's suppliers
    (422 otherwise). Needs the planner role."""
    return await service.create_product(session, data=body, actor=principal)


@router.get(
    "/products/{product_id}",
    operation_id="getProduct",
    tags=["products"],
    responses=_NOT_FOUND,
)
async def get_product(session: SessionDep, product_id: ProductId) -> ProductRead:
    """One product."""
    return await service.get_product(session, product_id=product_id)


@router.patch(
    "/products/{product_id}",
    operation_id="updateProduct",
    tags=["products"],
    responses={**_NOT_FOUND, **_WRITE},
)
async def update_product(
    principal: PlannerDep, session: SessionDep, product_id: ProductId, body: ProductUpdate
) -> ProductRead:
    """Change a product. Only the fields sent change; `null` clears an optional field
    (`supplier_code: null` unlinks the supplier). Set `is_active` to false to retire a
    product while keeping its history. Needs the planner role."""
    return await service.update_product(
        session, product_id=product_id, changes=body, actor=principal
    )


@router.delete(
    "/products/{product_id}",
    operation_id="deleteProduct",
    tags=["products"],
    status_code=status.HTTP_204_NO_CONTENT,
    responses=_DELETE,
)
async def delete_product(principal: AdminDep, session: SessionDep, product_id: ProductId) -> None:
    """Delete a product that has no history. Needs the admin role.

    History is never deleted: a product that sales, inventory snapshots, forecasts,
    purchase-order lines, policies or alerts refer to is refused with 409, and the
    detail names what refers to it. Retire such a product with `PATCH` and
    `is_active: false` instead. Only a product nothing refers to is removed, answering
    204.
    """
    await service.delete_product(session, product_id=product_id, actor=principal)
