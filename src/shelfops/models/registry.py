"""Model versions, the retraining log and shadow predictions (seed 003 column names)."""

from __future__ import annotations

import datetime as dt
import uuid
from enum import StrEnum
from typing import Any

from sqlalchemy import Float, ForeignKey, Index, String, Text, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column

from shelfops.models.base import Base, BigIntPK, JSONType, TenantMixin, one_of, utcnow


class ModelStatus(StrEnum):
    """Status flow: candidate → champion | challenger | shadow | archived."""

    CANDIDATE = "candidate"
    CHAMPION = "champion"
    CHALLENGER = "challenger"
    SHADOW = "shadow"
    ARCHIVED = "archived"


class RetrainTrigger(StrEnum):
    """Why a retrain ran; only scheduled and manual runs may auto-promote."""

    SCHEDULED = "scheduled"
    MANUAL = "manual"
    DRIFT_DETECTED = "drift_detected"
    NEW_DATA = "new_data"


class RunStatus(StrEnum):
    """Life of a background run."""

    RUNNING = "running"
    COMPLETED = "completed"
    FAILED = "failed"
    # Not run, on purpose (another retrain of the tenant was running, too little history);
    # the reason is in ``error_message``.
    SKIPPED = "skipped"


class ModelVersion(TenantMixin, Base):
    """One trained model version of one tenant; archived versions are never deleted."""

    __tablename__ = "model_versions"
    __tenant_index__ = False
    __table_args__ = (
        UniqueConstraint("customer_id", "model_name", "version"),
        one_of("status", [s.value for s in ModelStatus]),
        Index("ix_model_versions_customer_model_status", "customer_id", "model_name", "status"),
    )

    model_id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    model_name: Mapped[str] = mapped_column(String(100), default="demand_forecast")
    version: Mapped[str] = mapped_column(String(32))
    status: Mapped[str] = mapped_column(String(16), default=ModelStatus.CANDIDATE.value)
    feature_tier: Mapped[str | None] = mapped_column(String(32))
    dataset: Mapped[str | None] = mapped_column(String(100))
    # JSONB on PostgreSQL: seed 003 reads metrics->>'mae', metrics->>'mape', metrics->>'tier'.
    metrics: Mapped[dict[str, Any]] = mapped_column(default=dict)
    params: Mapped[dict[str, Any]] = mapped_column(default=dict)
    artifact_path: Mapped[str | None] = mapped_column(Text)
    mlflow_run_id: Mapped[str | None] = mapped_column(String(64))
    training_window_start: Mapped[dt.date | None]
    training_window_end: Mapped[dt.date | None]
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    promoted_at: Mapped[dt.datetime | None]
    archived_at: Mapped[dt.datetime | None]
    # The promotion gate's decision and its reasons, for /models/history.
    promotion_decision: Mapped[dict[str, Any] | None]


class ModelRetrainingLog(TenantMixin, Base):
    """One retrain run: what triggered it, what it produced, how it ended."""

    __tablename__ = "model_retraining_log"
    __tenant_index__ = False
    __table_args__ = (
        one_of("trigger_type", [t.value for t in RetrainTrigger]),
        one_of("status", [s.value for s in RunStatus]),
        Index("ix_model_retraining_log_customer_started", "customer_id", "started_at"),
        # The per-tenant retrain lock: at most one running retrain per tenant and model,
        # enforced by the database on both dialects (a partial unique index).
        Index(
            "uq_model_retraining_log_running",
            "customer_id",
            "model_name",
            unique=True,
            sqlite_where=text("status = 'running'"),
            postgresql_where=text("status = 'running'"),
        ),
    )

    retrain_id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    model_name: Mapped[str] = mapped_column(String(100), default="demand_forecast")
    trigger_type: Mapped[str] = mapped_column(String(32))
    trigger_metadata: Mapped[dict[str, Any] | None]
    status: Mapped[str] = mapped_column(String(16), default=RunStatus.RUNNING.value)
    version_produced: Mapped[str | None] = mapped_column(String(32))
    started_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    completed_at: Mapped[dt.datetime | None]
    error_message: Mapped[str | None] = mapped_column(Text)


class ShadowPrediction(TenantMixin, Base):
    """A challenger's forecast made alongside the champion's, scored when actuals arrive."""

    __tablename__ = "shadow_predictions"
    __tenant_index__ = False
    __table_args__ = (
        UniqueConstraint(
            "store_id", "product_id", "forecast_date", "issue_date", "challenger_version"
        ),
        Index("ix_shadow_predictions_customer_forecast_date", "customer_id", "forecast_date"),
    )

    shadow_id: Mapped[int] = mapped_column(BigIntPK, primary_key=True, autoincrement=True)
    store_id: Mapped[int] = mapped_column(ForeignKey("stores.store_id", ondelete="CASCADE"))
    product_id: Mapped[int] = mapped_column(ForeignKey("products.product_id", ondelete="CASCADE"))
    model_name: Mapped[str] = mapped_column(String(100), default="demand_forecast")
    issue_date: Mapped[dt.date]
    forecast_date: Mapped[dt.date]
    champion_version: Mapped[str] = mapped_column(String(32))
    challenger_version: Mapped[str] = mapped_column(String(32))
    champion_prediction: Mapped[float] = mapped_column(Float)
    challenger_prediction: Mapped[float] = mapped_column(Float)
    actual_demand: Mapped[float | None] = mapped_column(Float)
    champion_error: Mapped[float | None] = mapped_column(Float)
    challenger_error: Mapped[float | None] = mapped_column(Float)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)


class DecisionAction(StrEnum):
    """What a governance decision did to a model version."""

    PROMOTED = "promoted"
    KEPT_AS_CHALLENGER = "kept_as_challenger"
    REJECTED = "rejected"
    SHADOWED = "shadowed"
    ARCHIVED = "archived"
    ROLLED_BACK = "rolled_back"


class ModelDecision(TenantMixin, Base):
    """One governance decision about a version: the gate's verdict at the end of a retrain,
    or a person's promotion, rollback, shadowing or archiving. Never updated or deleted;
    ``/models/history`` shows them with their inputs and reasons."""

    __tablename__ = "model_decisions"
    __tenant_index__ = False
    __table_args__ = (
        one_of("action", [a.value for a in DecisionAction]),
        Index("ix_model_decisions_customer_created", "customer_id", "created_at"),
    )

    decision_id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    model_name: Mapped[str] = mapped_column(String(100), default="demand_forecast")
    version: Mapped[str] = mapped_column(String(32))
    action: Mapped[str] = mapped_column(String(32))
    # Resulting status of ``version`` and the champion it replaced (if any).
    status_after: Mapped[str] = mapped_column(String(16))
    previous_champion: Mapped[str | None] = mapped_column(String(32))
    # "gate" for automatic decisions, otherwise the person (API key name) who decided.
    decided_by: Mapped[str] = mapped_column(String(200))
    trigger_type: Mapped[str | None] = mapped_column(String(32))
    reasons: Mapped[list[str]] = mapped_column(JSONType, default=list)
    # Everything the decision looked at: both versions' backtest metrics, thresholds.
    inputs: Mapped[dict[str, Any]] = mapped_column(default=dict)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
