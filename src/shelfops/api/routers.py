"""Every domain router, registered under ``/api/v1``."""

from __future__ import annotations

from fastapi import APIRouter

from shelfops.catalog.router import router as catalog_router
from shelfops.ingest.router import router as ingest_router

api_router = APIRouter()
api_router.include_router(catalog_router)
api_router.include_router(ingest_router)
