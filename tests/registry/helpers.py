"""Rows and readers shared by the model registry tests.

Versions, decisions and accuracy rows are written straight into the database (one
committed transaction each, as a retrain or a job would leave them), so every test
starts from a state it chose and reads the outcome back in a fresh transaction.
"""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass
from typing import Any

import httpx
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from shelfops.kit.db import tenant_transaction
from shelfops.models import (
    AuditLog,
    ModelDecision,
    ModelStatus,
    ModelVersion,
    Product,
    Role,
    Store,
)
from shelfops.tenants import service as tenants
from shelfops.tenants.service import Principal
from tests.conftest import Tenant

Sessions = async_sessionmaker[AsyncSession]

API = "/api/v1/models"
MODEL = "demand_forecast"
# Versions are created an hour apart from here, so "newest first" is unambiguous.
T0 = dt.datetime(2026, 3, 1, 6, 0, tzinfo=dt.UTC)
# Every business metric the gate checks, at a value the candidate in a test can match.
BUSINESS = {
    "stockout_miss_rate": 0.10,
    "overstock_rate": 0.20,
    "overstock_value": 1000.0,
    "lost_sales": 50.0,
}


@dataclass(frozen=True)
class V:
    """A version to insert: name, status and (optionally) its backtest metrics."""

    version: str
    status: ModelStatus
    metrics: dict[str, Any] | None = None
    model_name: str = MODEL
    mlflow_run_id: str | None = None


async def add_versions(sessionmaker: Sessions, tenant: Tenant, *specs: V) -> None:
    """Insert ``specs`` for ``tenant``, the first oldest (created one hour apart, after
    any versions the tenant already has)."""
    async with tenant_transaction(sessionmaker, tenant.customer_id) as session:
        existing = len(
            (
                await session.scalars(
                    select(ModelVersion.version).where(
                        ModelVersion.customer_id == tenant.customer_id
                    )
                )
            ).all()
        )
        for i, spec in enumerate(specs, start=existing):
            created = T0 + dt.timedelta(hours=i)
            session.add(
                ModelVersion(
                    customer_id=tenant.customer_id,
                    model_name=spec.model_name,
                    version=spec.version,
                    status=spec.status.value,
                    feature_tier="cold_start",
                    dataset="favorita",
                    metrics=spec.metrics if spec.metrics is not None else {"mae": 10.0},
                    mlflow_run_id=spec.mlflow_run_id,
                    created_at=created,
                    promoted_at=created if spec.status is ModelStatus.CHAMPION else None,
                    archived_at=created if spec.status is ModelStatus.ARCHIVED else None,
                )
            )


async def versions(sessionmaker: Sessions, tenant: Tenant) -> dict[str, ModelVersion]:
    """The tenant's versions by name, read in a fresh transaction."""
    async with tenant_transaction(sessionmaker, tenant.customer_id) as session:
        rows = await session.scalars(
            select(ModelVersion).where(ModelVersion.customer_id == tenant.customer_id)
        )
        return {row.version: row for row in rows}


async def statuses(sessionmaker: Sessions, tenant: Tenant) -> dict[str, str]:
    """version → status of the tenant's versions."""
    return {name: row.status for name, row in (await versions(sessionmaker, tenant)).items()}


async def decisions(
    sessionmaker: Sessions, tenant: Tenant, version: str | None = None
) -> list[ModelDecision]:
    """The tenant's decisions (about ``version`` only, when given), oldest first."""
    async with tenant_transaction(sessionmaker, tenant.customer_id) as session:
        query = select(ModelDecision).where(ModelDecision.customer_id == tenant.customer_id)
        if version is not None:
            query = query.where(ModelDecision.version == version)
        rows = await session.scalars(query.order_by(ModelDecision.created_at))
        return list(rows)


async def audit_rows(sessionmaker: Sessions, tenant: Tenant) -> list[AuditLog]:
    """The tenant's audit rows about model versions, oldest first."""
    async with tenant_transaction(sessionmaker, tenant.customer_id) as session:
        rows = await session.scalars(
            select(AuditLog)
            .where(
                AuditLog.customer_id == tenant.customer_id,
                AuditLog.resource_type == "model_version",
            )
            .order_by(AuditLog.created_at)
        )
        return list(rows)


async def principal(
    sessionmaker: Sessions, tenant: Tenant, role: Role = Role.ML_MANAGER
) -> Principal:
    """The caller behind the tenant's key of ``role`` (named ``"<role> key"``)."""
    async with tenant_transaction(sessionmaker, tenant.customer_id) as session:
        return await tenants.authenticate(session, tenant.keys[role])


async def store_and_product(sessionmaker: Sessions, tenant: Tenant) -> tuple[int, int]:
    """One store and one product of the tenant, for accuracy and shadow rows."""
    async with tenant_transaction(sessionmaker, tenant.customer_id) as session:
        store = Store(customer_id=tenant.customer_id, store_code="S001", name="Store S001")
        product = Product(
            customer_id=tenant.customer_id,
            product_code="P001",
            name="Milk",
            category="Dairy",
            department="Grocery",
            unit_cost=0.8,
            unit_price=1.49,
        )
        session.add_all([store, product])
        await session.flush()
        return store.store_id, product.product_id


def problem_fields(response: httpx.Response) -> set[str]:
    """The field names a 422 names: the last element of each problem's location."""
    assert response.status_code == 422, response.text
    body = response.json()
    assert body["error"] == "ValidationFailed", body
    return {str(problem["location"][-1]) for problem in body["detail"]}


def new_id() -> uuid.UUID:
    """A fresh uuid (for ids nobody has)."""
    return uuid.uuid4()
