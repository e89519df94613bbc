"""What an EDI import returns."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Literal

from pydantic import BaseModel, Field


class EdiProblem(BaseModel):
    """One problem of an interchange: the segment (id, 1-based position in the
    interchange, character offset), the element when one is at fault, and what was
    expected."""

    segment: str | None = Field(description="segment id, e.g. LIN")
    segment_index: int | None = Field(description="1-based position in the interchange")
    offset: int | None = Field(description="character offset of the segment")
    element: int | None = Field(default=None, description="1-based element position")
    value: str | None = None
    message: str
    group: str | None = Field(default=None, description="functional group, e.g. IB/846")
    transaction_set: str | None = Field(default=None, description="e.g. 846/0001")


class EdiSetSummary(BaseModel):
    """One transaction set of the interchange and how it was acknowledged."""

    group: str
    transaction_set: str
    control: str
    records: int = Field(description="item records read from it")
    status: Literal["accepted", "rejected"]


class EdiImportResult(BaseModel):
    """The outcome of importing one interchange (all or nothing)."""

    status: Literal["imported", "rejected"]
    source_name: str
    file_name: str
    sync_id: uuid.UUID | None = Field(description="the integration_sync_log row")
    interchange_control: str | None = None
    sender: str | None = None
    receiver: str | None = None
    transaction_sets: list[EdiSetSummary] = Field(default_factory=list)
    records_received: int = Field(description="item records read (LIN items, ZA quantities…)")
    records_written: int = Field(description="rows inserted or changed, all tables")
    written: dict[str, int] = Field(default_factory=dict, description="rows per table")
    ignored: dict[str, int] = Field(
        default_factory=dict, description="values read that ShelfOps has no place for"
    )
    notes: list[str] = Field(default_factory=list)
    problems: list[EdiProblem] = Field(default_factory=list)
    ack_997: str = Field(description="the 997 for the interchange ('' if it has no ISA/GS)")
    started_at: dt.datetime
    completed_at: dt.datetime
