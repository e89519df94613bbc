"""Every domain router, registered under ``/api/v1``."""

from __future__ import annotations

from fastapi import APIRouter, Depends

from shelfops.api.nul_guard import reject_nul_characters
from shelfops.catalog.router import router as catalog_router
from shelfops.experiments.router import router as experiments_router
from shelfops.ingest.router import router as ingest_router
from shelfops.integrations.router import router as integrations_router
from shelfops.monitoring.alerts_router import router as ml_alerts_router
from shelfops.monitoring.forecast_views_router import router as forecasts_router
from shelfops.monitoring.slo_router import router as slo_router
from shelfops.registry.router import router as models_router
from shelfops.replenishment.orders_router import router as purchase_orders_router
from shelfops.replenishment.router import router as replenishment_router
from shelfops.tenants.audit_router import router as audit_router
from shelfops.tenants.router import router as tenants_router

# Every route also refuses NUL characters in its input (PostgreSQL cannot store them).
api_router = APIRouter(dependencies=[Depends(reject_nul_characters)])
# A request is matched against the routes in this order, one by one, so the dashboard's
# most frequent requests (forecast series, inventory and alert pages, order approvals)
# come first: under load, matching them after sixty other routes cost several percent of
# the server's time (bench/api_load.py). No two routers' paths overlap, so the order
# changes nothing else (and the OpenAPI document only in the order of its paths).
api_router.include_router(forecasts_router)
api_router.include_router(replenishment_router)
api_router.include_router(purchase_orders_router)
api_router.include_router(tenants_router)
api_router.include_router(catalog_router)
api_router.include_router(ingest_router)
api_router.include_router(integrations_router)
api_router.include_router(models_router)
api_router.include_router(ml_alerts_router)
api_router.include_router(slo_router)
api_router.include_router(experiments_router)
api_router.include_router(audit_router)
