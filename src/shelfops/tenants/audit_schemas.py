"""Schemas of the audit-log endpoint."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any, Self

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, model_validator

from shelfops.kit.pagination import Page, PageParams


class AuditFilters(PageParams):
    """Which audit rows to list (all filters combine)."""

    action: str | None = Field(
        default=None,
        max_length=100,
        description="Exact action (`model.promote`), or a family ending in `.*` (`model.*`).",
    )
    actor: str | None = Field(
        default=None, max_length=200, description="Exact actor: the API key's name, or `system`."
    )
    resource_type: str | None = Field(default=None, max_length=64)
    since: AwareDatetime | None = Field(
        default=None, description="Only rows at or after this time (ISO 8601 with a timezone)."
    )
    until: AwareDatetime | None = Field(
        default=None, description="Only rows before this time (ISO 8601 with a timezone)."
    )

    @model_validator(mode="after")
    def _ordered(self) -> Self:
        if self.since is not None and self.until is not None and self.until <= self.since:
            raise ValueError("until must be later than since")
        return self


class AuditEntry(BaseModel):
    """One recorded action: who, what, on which resource, when, and the state before and
    after (``null`` where there was none, e.g. ``after`` of a deletion)."""

    model_config = ConfigDict(from_attributes=True)

    audit_id: int
    created_at: dt.datetime
    actor: str = Field(description="The API key's name, or `system` for scheduled jobs.")
    actor_api_key_id: uuid.UUID | None
    action: str
    resource_type: str
    resource_id: str | None
    before: dict[str, Any] | None
    after: dict[str, Any] | None
    note: str | None


class AuditPage(Page[AuditEntry]):
    """One page of the audit log, newest first."""
