"""The catalog API refuses values outside the bounds ingestion applies: dates outside a
plausible range, lead times over a year, money and unit counts beyond documented maxima."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from pydantic import ValidationError

from shelfops.catalog.schemas import (
    ProductCreate,
    ProductUpdate,
    StoreCreate,
    StoreUpdate,
    SupplierCreate,
    SupplierUpdate,
)
from tests.catalog.helpers import API, problem_fields, product_body, store_body, supplier_body
from tests.conftest import Tenant


def _refused(model: Any, body: dict[str, Any]) -> set[str]:
    with pytest.raises(ValidationError) as raised:
        model.model_validate(body)
    return {str(error["loc"][-1]) for error in raised.value.errors()}


@pytest.mark.parametrize(
    ("model", "body", "field"),
    [
        (StoreCreate, store_body(opened_on="0001-01-01"), "opened_on"),
        (StoreCreate, store_body(closed_on="9999-12-31"), "closed_on"),
        (StoreUpdate, {"opened_on": "2200-01-01"}, "opened_on"),
        (ProductCreate, product_body(launched_on="0001-01-01"), "launched_on"),
        (ProductCreate, product_body(discontinued_on="9999-12-31"), "discontinued_on"),
        (ProductUpdate, {"discontinued_on": "9999-12-31"}, "discontinued_on"),
        (SupplierCreate, supplier_body(lead_time_days=1e300), "lead_time_days"),
        (SupplierCreate, supplier_body(lead_time_days=365.5), "lead_time_days"),
        (SupplierCreate, supplier_body(lead_time_std_days=1e300), "lead_time_std_days"),
        (SupplierUpdate, {"lead_time_days": 1e300}, "lead_time_days"),
        (ProductCreate, product_body(unit_cost=1e300), "unit_cost"),
        (ProductCreate, product_body(unit_price=1e308), "unit_price"),
        (ProductUpdate, {"unit_price": 1.0000001e12}, "unit_price"),
        (ProductCreate, product_body(pack_size=3_000_000_000), "pack_size"),
        # Codes, names and labels are one line of text.
        (StoreCreate, store_body(name="Store\x1b[31m red"), "name"),
        (StoreUpdate, {"region": "North\nSouth"}, "region"),
        (ProductCreate, product_body(product_code="P\t001"), "product_code"),
        (SupplierCreate, supplier_body(supplier_code="V001\x7f"), "supplier_code"),
    ],
)
def test_out_of_bounds_values_are_refused(model: Any, body: dict[str, Any], field: str) -> None:
    assert _refused(model, body) == {field}


def test_date_range_message_says_what_was_expected() -> None:
    with pytest.raises(ValidationError) as raised:
        StoreCreate.model_validate(store_body(opened_on="0001-01-01"))
    assert "must be between 1800-01-01 and 2199-12-31" in str(raised.value)


def test_values_at_the_bounds_are_accepted() -> None:
    StoreCreate.model_validate(store_body(opened_on="1800-01-01", closed_on="2199-12-31"))
    SupplierCreate.model_validate(
        supplier_body(lead_time_days=365, lead_time_std_days=365, min_order_qty=2**31 - 1)
    )
    ProductCreate.model_validate(
        product_body(
            unit_cost=1e12,
            unit_price=1e12,
            pack_size=2**31 - 1,
            launched_on="1800-01-01",
            discontinued_on="2199-12-31",
        )
    )


@pytest.mark.parametrize(
    ("resource", "body", "field"),
    [
        ("suppliers", supplier_body(lead_time_days=1e300), "lead_time_days"),
        ("products", product_body(unit_cost=1e300), "unit_cost"),
        ("products", product_body(unit_price=1e308), "unit_price"),
        ("stores", store_body(opened_on="0001-01-01"), "opened_on"),
    ],
)
async def test_out_of_bounds_values_are_422(
    client: httpx.AsyncClient, tenant_a: Tenant, resource: str, body: dict[str, Any], field: str
) -> None:
    response = await client.post(f"{API}/{resource}", json=body, headers=tenant_a.headers())

    assert response.status_code == 422
    assert problem_fields(response.json()) == {field}
