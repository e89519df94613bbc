"""Phantom stock: items whose sales stopped while the system shows stock, scored with
Poisson probability 1 − exp(−expected units), flagged as cycle-count recommendations and
resolved when sales come back."""

from __future__ import annotations

import datetime as dt
import math
import uuid
from typing import Any

import httpx
import numpy as np
import pytest
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from shelfops.config import Settings
from shelfops.kit.db import tenant_transaction
from shelfops.models import (
    AlertStatus,
    DemandForecast,
    InventorySnapshot,
    Product,
    Role,
    Sale,
    Store,
    Supplier,
)
from shelfops.models.base import utcnow
from shelfops.replenishment.phantom import probability_of_phantom
from shelfops.replenishment.service import run_replenishment
from tests.conftest import Tenant
from tests.replenishment import db_helpers as h

Sessions = async_sessionmaker[AsyncSession]

AS_OF = dt.date(2026, 3, 2)
SILENT = 10
LAST_SALE = AS_OF - dt.timedelta(days=SILENT + 1)
START = AS_OF - dt.timedelta(days=60)
ON_HAND = 30.0
COST = {"G1": 2.0, "G2": 4.0, "G3": 10.0, "G4": 3.0}


def _quantity(product: str, day: dt.date) -> float:
    """G1 sells 2 a day, G3 1 a day, until LAST_SALE; G2 sold 1.4 once in the 28 days up
    to LAST_SALE (0.05 a day); G4 sells 2 a day until LAST_SALE and has nothing left."""
    if day > LAST_SALE:
        return 0.0
    if product == "G2":
        return 1.4 if day == LAST_SALE else 0.0
    return {"G1": 2.0, "G3": 1.0, "G4": 2.0}[product]


async def _chain(sessions: Sessions, tenant: Tenant) -> dict[str, int]:
    """Store S1 reports every day up to AS_OF − 1; store S2's feed stopped after
    LAST_SALE (its G1 looks silent only if the feed is ignored). Returns the ids by code
    (store and product ids may coincide: the test decodes them by role)."""
    cid = tenant.customer_id
    ids: dict[str, int] = {}
    async with tenant_transaction(sessions, cid) as session:
        supplier = Supplier(customer_id=cid, supplier_code="V1", name="V", lead_time_days=2.0)
        session.add(supplier)
        await session.flush()
        stores = [Store(customer_id=cid, store_code=c, name=c) for c in ("S1", "S2")]
        products = [
            Product(
                customer_id=cid,
                product_code=code,
                name=f"Item {code}",
                category="Grocery",
                department="Grocery",
                supplier_id=supplier.supplier_id,
                unit_cost=cost,
                unit_price=cost * 2,
            )
            for code, cost in COST.items()
        ]
        session.add_all([*stores, *products])
        await session.flush()
        ids |= {s.store_code: s.store_id for s in stores}
        ids |= {p.product_code: p.product_id for p in products}
        series = [("S1", p) for p in COST] + [("S2", "G1")]
        for store, product in series:
            day = START
            end = AS_OF - dt.timedelta(days=1) if store == "S1" else LAST_SALE
            while day <= end:
                session.add(
                    Sale(
                        customer_id=cid,
                        store_id=ids[store],
                        product_id=ids[product],
                        sale_date=day,
                        quantity=_quantity(product, day),
                        unit_price=1.0,
                    )
                )
                day += dt.timedelta(days=1)
            session.add(
                InventorySnapshot(
                    customer_id=cid,
                    store_id=ids[store],
                    product_id=ids[product],
                    snapshot_date=AS_OF - dt.timedelta(days=1),
                    on_hand=0.0 if product == "G4" else ON_HAND,
                )
            )
        # G3's forecast issued the day after its last sale says 3 a day.
        for d in range(14):
            session.add(
                DemandForecast(
                    customer_id=cid,
                    store_id=ids["S1"],
                    product_id=ids["G3"],
                    issue_date=LAST_SALE + dt.timedelta(days=1),
                    forecast_date=LAST_SALE + dt.timedelta(days=1 + d),
                    model_version="v0",
                    forecasted_demand=3.0,
                )
            )
    return ids


def _phantoms(rows: list[Any], ids: dict[str, int]) -> dict[tuple[str, str], Any]:
    stores = {ids[c]: c for c in ("S1", "S2")}
    products = {ids[c]: c for c in COST}
    return {
        (stores[a.store_id], products[a.product_id]): a
        for a in rows
        if a.alert_type == "phantom_stock"
    }


async def _run(sessions: Sessions, settings: Settings, tenant: Tenant, as_of: dt.date) -> Any:
    return await run_replenishment(sessions, settings, customer_id=tenant.customer_id, as_of=as_of)


def test_probability_is_one_minus_the_poisson_chance_of_no_sale() -> None:
    got = probability_of_phantom(np.array([20.0, 0.5, 0.0, 3.0]))
    assert got[0] == pytest.approx(1 - math.exp(-20), abs=1e-15)
    assert got[0] < 1.0  # the digits near 1 are kept
    assert got[1] == pytest.approx(1 - math.exp(-0.5))
    assert got[2] == 0.0
    assert got[3] == pytest.approx(0.9502129)


async def test_silent_items_with_stock_are_flagged_by_probability_and_value(
    sessionmaker: Sessions, migrated: Settings, tenant_a: Tenant
) -> None:
    ids = await _chain(sessionmaker, tenant_a)
    report = await _run(sessionmaker, migrated, tenant_a, AS_OF)

    # G4 has nothing on hand (a real stock-out); S2's feed stalled, so S2|G1 is not silent.
    assert report.phantom_candidates == 3
    assert report.phantom_flagged == 2
    assert report.phantom_value == pytest.approx(ON_HAND * (COST["G1"] + COST["G3"]))
    found = _phantoms(await h.alerts(sessionmaker, tenant_a), ids)
    assert set(found) == {("S1", "G1"), ("S1", "G3")}

    g1 = found[("S1", "G1")]
    assert g1.severity == "warning"
    meta = g1.alert_metadata
    assert meta["probability"] == pytest.approx(1 - math.exp(-20), abs=1e-12)
    assert meta["expected_units"] == pytest.approx(20.0)  # 2 a day × 10 days
    assert meta["expected_from"] == "recent_sales"
    assert meta["days_without_sales"] == SILENT
    assert meta["on_hand"] == ON_HAND
    assert meta["value"] == pytest.approx(ON_HAND * COST["G1"])
    assert meta["last_sale_date"] == LAST_SALE.isoformat()
    assert "count the shelf" in g1.message

    g3 = found[("S1", "G3")].alert_metadata
    # The forecast made the day after the last sale (3 a day), not the 1 a day it sold.
    assert g3["expected_from"] == "forecast"
    assert g3["expected_units"] == pytest.approx(30.0)
    assert g3["probability"] == pytest.approx(1 - math.exp(-30), abs=1e-12)


async def test_a_slow_seller_is_not_flagged_unless_the_threshold_says_so(
    sessionmaker: Sessions, migrated: Settings, tenant_a: Tenant, tenant_b: Tenant
) -> None:
    ids = await _chain(sessionmaker, tenant_a)
    await _run(sessionmaker, migrated, tenant_a, AS_OF)
    # G2 sells 0.05 a day: 10 silent days happen with probability e^-0.5 ≈ 0.61.
    assert ("S1", "G2") not in _phantoms(await h.alerts(sessionmaker, tenant_a), ids)

    lenient = migrated.model_copy(update={"phantom_probability_threshold": 0.35})
    ids_b = await _chain(sessionmaker, tenant_b)
    await _run(sessionmaker, lenient, tenant_b, AS_OF)
    g2 = _phantoms(await h.alerts(sessionmaker, tenant_b), ids_b)[("S1", "G2")]
    assert g2.alert_metadata["probability"] == pytest.approx(1 - math.exp(-0.5))
    assert g2.alert_metadata["expected_units"] == pytest.approx(0.5)


async def test_phantom_alerts_are_not_duplicated_and_resolve_when_sales_return(
    sessionmaker: Sessions, migrated: Settings, tenant_a: Tenant
) -> None:
    ids = await _chain(sessionmaker, tenant_a)
    await _run(sessionmaker, migrated, tenant_a, AS_OF)
    second = await _run(sessionmaker, migrated, tenant_a, AS_OF)
    assert second.alerts_raised["phantom_stock"] == 0
    assert len(_phantoms(await h.alerts(sessionmaker, tenant_a), ids)) == 2

    # G1 sells again on AS_OF (the others report zero): the next day's run resolves it.
    async with tenant_transaction(sessionmaker, tenant_a.customer_id) as session:
        for product in COST:
            session.add(
                Sale(
                    customer_id=tenant_a.customer_id,
                    store_id=ids["S1"],
                    product_id=ids[product],
                    sale_date=AS_OF,
                    quantity=2.0 if product == "G1" else 0.0,
                    unit_price=1.0,
                )
            )
    later = await _run(sessionmaker, migrated, tenant_a, AS_OF + dt.timedelta(days=1))
    assert later.alerts_resolved["phantom_stock"] == 1
    found = _phantoms(await h.alerts(sessionmaker, tenant_a), ids)
    assert found[("S1", "G1")].status == AlertStatus.RESOLVED.value
    assert found[("S1", "G3")].status == AlertStatus.OPEN.value
    # Still silent, one more day: the open alert shows today's numbers.
    assert found[("S1", "G3")].alert_metadata["days_without_sales"] == SILENT + 1


async def test_phantom_stock_api_lists_count_recommendations_by_value_times_probability(
    sessionmaker: Sessions,
    migrated: Settings,
    tenant_a: Tenant,
    tenant_b: Tenant,
    client: httpx.AsyncClient,
) -> None:
    ids = await _chain(sessionmaker, tenant_a)
    await _run(sessionmaker, migrated, tenant_a, AS_OF)

    response = await client.get("/api/v1/phantom-stock", headers=tenant_a.headers(Role.VIEWER))
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["total"] == 2
    assert [item["product_code"] for item in body["items"]] == ["G3", "G1"]
    first = body["items"][0]
    assert first["store_code"] == "S1"
    assert first["value"] == pytest.approx(ON_HAND * COST["G3"])
    assert first["score"] == pytest.approx(first["value"] * first["probability"])
    assert first["days_without_sales"] == SILENT
    assert first["recommended_count_date"] == utcnow().date().isoformat()
    assert first["last_sale_date"] == LAST_SALE.isoformat()

    page = await client.get(
        "/api/v1/phantom-stock",
        params={"limit": 1, "offset": 1, "store_id": ids["S1"]},
        headers=tenant_a.headers(Role.VIEWER),
    )
    assert [i["product_code"] for i in page.json()["items"]] == ["G1"]
    assert page.json()["total"] == 2

    # Counted and settled: a resolved alert leaves the list.
    alert_id = first["alert_id"]
    done = await client.patch(
        f"/api/v1/alerts/{alert_id}/resolve", headers=tenant_a.headers(Role.PLANNER)
    )
    assert done.status_code == 200, done.text
    after = await client.get("/api/v1/phantom-stock", headers=tenant_a.headers(Role.VIEWER))
    assert [i["product_code"] for i in after.json()["items"]] == ["G1"]

    other = await client.get("/api/v1/phantom-stock", headers=tenant_b.headers(Role.VIEWER))
    assert other.json()["total"] == 0
    anonymous = await client.get("/api/v1/phantom-stock")
    assert anonymous.status_code == 401
    assert uuid.UUID(alert_id)


async def test_a_discontinued_product_is_not_phantom_stock(
    sessionmaker: Sessions, migrated: Settings, tenant_a: Tenant
) -> None:
    # It stops selling on purpose: the silence says nothing about the shelf. Its open
    # alert resolves itself; the other one stays.
    ids = await _chain(sessionmaker, tenant_a)
    await _run(sessionmaker, migrated, tenant_a, AS_OF)
    async with tenant_transaction(sessionmaker, tenant_a.customer_id) as session:
        product = await session.get(Product, ids["G1"])
        assert product is not None
        product.discontinued_on = LAST_SALE + dt.timedelta(days=1)
    report = await _run(sessionmaker, migrated, tenant_a, AS_OF)

    assert report.phantom_flagged == 1
    found = _phantoms(await h.alerts(sessionmaker, tenant_a), ids)
    assert found[("S1", "G1")].status == "resolved"
    assert found[("S1", "G3")].status == "open"
