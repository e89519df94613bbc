"""Model experiments: proposed → approved | rejected → in_progress → shadow_testing →
completed (seed 003)."""

from __future__ import annotations

import datetime as dt
import uuid
from enum import StrEnum
from typing import Any

from sqlalchemy import Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from shelfops.models.base import Base, TenantMixin, one_of, utcnow


class ExperimentStatus(StrEnum):
    """The experiment status flow of seed 003."""

    PROPOSED = "proposed"
    APPROVED = "approved"
    REJECTED = "rejected"
    IN_PROGRESS = "in_progress"
    SHADOW_TESTING = "shadow_testing"
    COMPLETED = "completed"


class ModelExperiment(TenantMixin, Base):
    """A hypothesis about the models, its approval and its measured result."""

    __tablename__ = "model_experiments"
    __tenant_index__ = False
    __table_args__ = (
        one_of("status", [s.value for s in ExperimentStatus]),
        Index("ix_model_experiments_customer_status", "customer_id", "status"),
    )

    experiment_id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    experiment_name: Mapped[str] = mapped_column(String(200))
    hypothesis: Mapped[str] = mapped_column(Text)
    experiment_type: Mapped[str] = mapped_column(String(64))
    model_name: Mapped[str] = mapped_column(String(100), default="demand_forecast")
    status: Mapped[str] = mapped_column(String(16), default=ExperimentStatus.PROPOSED.value)
    proposed_by: Mapped[str] = mapped_column(String(200))
    approved_by: Mapped[str | None] = mapped_column(String(200))
    approval_rationale: Mapped[str | None] = mapped_column(Text)
    baseline_version: Mapped[str | None] = mapped_column(String(32))
    experimental_version: Mapped[str | None] = mapped_column(String(32))
    results: Mapped[dict[str, Any] | None]
    decision: Mapped[str | None] = mapped_column(String(32))
    decision_rationale: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    approved_at: Mapped[dt.datetime | None]
    completed_at: Mapped[dt.datetime | None]
