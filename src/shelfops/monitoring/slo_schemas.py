"""Response body of ``GET /api/v1/slo``: the tenant's freshness objectives."""

from __future__ import annotations

import datetime as dt
from enum import StrEnum

from pydantic import BaseModel, Field


class SloStatus(StrEnum):
    """``ok`` (within the objective), ``breached`` (older than it), ``no_data`` (nothing to
    measure yet: no forecast issued, nothing scored, no configured source ever synced)."""

    OK = "ok"
    BREACHED = "breached"
    NO_DATA = "no_data"


class SloName(StrEnum):
    """The objectives ShelfOps keeps."""

    FORECAST_FRESHNESS = "forecast_freshness"
    ACCURACY_FRESHNESS = "accuracy_freshness"
    SYNC_FRESHNESS = "sync_freshness"


class SloRead(BaseModel):
    """One objective: how old the newest evidence is against the age allowed."""

    name: SloName
    status: SloStatus
    age_hours: float | None = Field(
        description="Hours since the measured event (None without data)."
    )
    objective_hours: float | None = Field(
        description="Largest age allowed (for sync: the SLA of the source measured; None "
        "when no configured source has synced)."
    )
    measured_at: dt.datetime | None = Field(description="When the measured event happened.")
    detail: str = Field(description="What was measured, in words.")


class SloReport(BaseModel):
    """Every objective of the tenant. ``status`` is the worst of them: ``breached`` if any
    is breached, else ``ok`` if any is ok, else ``no_data``."""

    status: SloStatus
    checked_at: dt.datetime
    objectives: list[SloRead]
