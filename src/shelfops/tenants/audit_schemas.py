"""Schemas of the audit-log endpoint."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Annotated, Any, Self

from pydantic import AfterValidator, AwareDatetime, BaseModel, ConfigDict, Field, model_validator

from shelfops.kit.pagination import Page, PageParams


def _in_utc(value: dt.datetime) -> dt.datetime:
    """``value`` converted to UTC, which is how the rows' times are stored and compared.

    A time that is valid in its own offset can fall outside Python's years 1 to 9999 in
    UTC (``0001-01-01T00:00:00+01:00``, ``9999-12-31T23:59:59-05:00``); that is a 422
    naming the parameter, not an OverflowError (500) when the query is built."""
    try:
        return value.astimezone(dt.UTC)
    except OverflowError:
        raise ValueError(
            f"{value.isoformat()} is out of range in UTC: expected a time from "
            "0001-01-01T00:00:00Z to 9999-12-31T23:59:59.999999Z"
        ) from None


# An ISO 8601 time with a timezone, as UTC.
UtcBound = Annotated[AwareDatetime, AfterValidator(_in_utc)]


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
    since: UtcBound | None = Field(
        default=None, description="Only rows at or after this time (ISO 8601 with a timezone)."
    )
    until: UtcBound | None = Field(
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
