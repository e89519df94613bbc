"""Fixtures of the onboarding tests: a tenant with the examples' catalog loaded."""

from __future__ import annotations

import pytest
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from shelfops.ingest import runs
from tests.conftest import Tenant, make_tenant
from tests.onboarding.helpers import CATALOG_DIR


@pytest.fixture
async def shop(sessionmaker: async_sessionmaker[AsyncSession]) -> Tenant:
    """A fresh tenant whose catalog is examples/contracts/catalog (loaded through the
    canonical ingest): stores S1, S2 (Chicago), B1, B2 (Berlin); products P1001, P1002,
    P2001, P3001."""
    tenant = await make_tenant(sessionmaker, "shop")
    await runs.ingest_directory(sessionmaker, customer_id=tenant.customer_id, directory=CATALOG_DIR)
    return tenant
