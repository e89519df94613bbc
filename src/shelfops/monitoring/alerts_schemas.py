"""Request and response models of the ML alerts API (``/api/v1/ml-alerts``, seed 003).

Field names follow the ``ml_alerts`` columns, except ``alert_metadata`` (a name the ORM
needs because ``metadata`` is reserved there), which the API shows as ``metadata``.
"""

from __future__ import annotations

import datetime as dt
import uuid
from enum import StrEnum
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from shelfops.kit.pagination import Page, PageParams
from shelfops.models import MLAlertStatus, Severity

NOTES_LENGTH = 2000


class AlertAction(StrEnum):
    """What a person does with an alert: approve (→ actioned) or dismiss (→ dismissed)."""

    APPROVE = "approve"
    DISMISS = "dismiss"


class MLAlertFilters(PageParams):
    """Filters of ``GET /ml-alerts``; an unknown status or severity is a 422 naming it."""

    status: MLAlertStatus | None = Field(default=None, description="Only alerts in this status.")
    severity: Severity | None = Field(default=None, description="Only alerts of this severity.")


class MLAlertRead(BaseModel):
    """An ML alert with its whole history (read, actioned or dismissed, by whom, why)."""

    model_config = ConfigDict(from_attributes=True, populate_by_name=True)

    ml_alert_id: uuid.UUID = Field(description="The alert's id (used in URLs).")
    alert_type: str = Field(description="What happened, e.g. `drift_detected`.")
    severity: Severity
    title: str
    message: str
    metadata: dict[str, Any] | None = Field(
        default=None,
        validation_alias="alert_metadata",
        description="Details of what raised the alert (for drift: the metrics and `retrain_id`).",
    )
    status: MLAlertStatus
    action_url: str | None
    dedupe_key: str | None = Field(
        description="What the alert is about; at most one open alert per key and tenant."
    )
    created_at: dt.datetime
    read_at: dt.datetime | None
    actioned_at: dt.datetime | None = Field(description="When it was approved or dismissed.")
    actioned_by: str | None = Field(description="Name of the API key that approved or dismissed.")
    action_notes: str | None


class MLAlertPage(Page[MLAlertRead]):
    """A page of ML alerts, most severe first, then newest first."""


class MLAlertActionRequest(BaseModel):
    """Body of ``PATCH /ml-alerts/{id}/action``."""

    # A misspelt field (``note`` for ``notes``) is a 422 naming it, not silently ignored.
    model_config = ConfigDict(extra="forbid")

    action: AlertAction = Field(description="`approve` (→ actioned) or `dismiss` (→ dismissed).")
    notes: Annotated[
        str | None, StringConstraints(strip_whitespace=True, max_length=NOTES_LENGTH)
    ] = Field(default=None, description="Why; kept on the alert and in the audit log.")


class MLAlertActionResult(MLAlertRead):
    """The alert after the action, and the model version it promoted (if any)."""

    promoted_version: str | None = Field(
        default=None,
        description="The version made champion by approving a drift alert; null otherwise.",
    )


class SeverityCounts(BaseModel):
    """A count per severity."""

    critical: int = 0
    warning: int = 0
    info: int = 0


class StatusCounts(BaseModel):
    """A count per alert status."""

    unread: int = 0
    read: int = 0
    actioned: int = 0
    dismissed: int = 0


class MLAlertStats(BaseModel):
    """How many alerts wait to be read, by severity, and how many there are in each status."""

    unread: SeverityCounts
    total_unread: int
    by_status: StatusCounts
