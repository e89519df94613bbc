"""``GET /api/v1/slo``: the tenant's freshness objectives. Any valid API key."""

from __future__ import annotations

from fastapi import APIRouter

from shelfops.api.deps import SessionDep, SettingsDep
from shelfops.monitoring import slo
from shelfops.monitoring.slo_schemas import SloReport

router = APIRouter(prefix="/slo", tags=["slo"])


@router.get("", operation_id="getSlo")
async def get_slo(session: SessionDep, settings: SettingsDep) -> SloReport:
    """Forecast, accuracy-scoring and integration-sync freshness against their objectives
    (``ok``, ``breached`` or ``no_data`` each), evaluated now. Reading changes nothing: the
    scheduled check raises the ``slo_breached`` alerts."""
    return await slo.evaluate(session, settings=settings)
