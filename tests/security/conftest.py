"""Fixtures for the security tests: the real app, called from a chosen client address."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest
from fastapi import FastAPI

from shelfops.api.app import create_app
from shelfops.config import Settings


def secured_app(settings: Settings) -> FastAPI:
    """The real app (its factory installs the security headers and the audit-log route)."""
    return create_app(settings)


def client_at(app: FastAPI, address: str) -> httpx.AsyncClient:
    """An in-process client of ``app`` calling from ``address`` (no lifespan of its own)."""
    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False, client=(address, 40000))
    return httpx.AsyncClient(transport=transport, base_url="http://test")


async def open_client(
    app: FastAPI, address: str = "192.0.2.10"
) -> AsyncIterator[httpx.AsyncClient]:
    """An in-process client for ``app`` (lifespan included) calling from ``address``."""
    async with app.router.lifespan_context(app), client_at(app, address) as http:
        yield http


@pytest.fixture(scope="session")
async def secure_client(migrated: Settings) -> AsyncIterator[httpx.AsyncClient]:
    """A client of the secured app on this session's database."""
    async for http in open_client(secured_app(migrated)):
        yield http
