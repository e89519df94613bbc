"""Backtest results and ML alerts (seed 003 column names)."""

from __future__ import annotations

import datetime as dt
import uuid
from enum import StrEnum
from typing import Any

from sqlalchemy import Float, ForeignKey, Index, String, Text, text
from sqlalchemy.orm import Mapped, mapped_column

from shelfops.models.base import Base, BigIntPK, TenantMixin, one_of, utcnow


class MLAlertStatus(StrEnum):
    """unread → read → actioned | dismissed."""

    UNREAD = "unread"
    READ = "read"
    ACTIONED = "actioned"
    DISMISSED = "dismissed"


class Severity(StrEnum):
    """Alert severity, shared by ML and stock alerts."""

    INFO = "info"
    WARNING = "warning"
    CRITICAL = "critical"


class BacktestResult(TenantMixin, Base):
    """A model version's error on one forecast date (daily T-1 and weekly 90-day runs)."""

    __tablename__ = "backtest_results"
    __tenant_index__ = False
    __table_args__ = (
        Index("ix_backtest_results_customer_forecast_date", "customer_id", "forecast_date"),
    )

    backtest_id: Mapped[int] = mapped_column(BigIntPK, primary_key=True, autoincrement=True)
    model_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("model_versions.model_id", ondelete="SET NULL"), index=True
    )
    model_version: Mapped[str | None] = mapped_column(String(32))
    backtest_kind: Mapped[str] = mapped_column(String(16), default="daily")
    forecast_date: Mapped[dt.date]
    mae: Mapped[float | None] = mapped_column(Float)
    mape: Mapped[float | None] = mapped_column(Float)
    stockout_miss_rate: Mapped[float | None] = mapped_column(Float)
    overstock_rate: Mapped[float | None] = mapped_column(Float)
    # Every other metric of the run (WAPE, MASE, pinball, coverage, …).
    metrics: Mapped[dict[str, Any] | None]
    evaluated_at: Mapped[dt.datetime] = mapped_column(default=utcnow)


class MLAlert(TenantMixin, Base):
    """A model-health alert for people to read and act on."""

    __tablename__ = "ml_alerts"
    __tenant_index__ = False
    __table_args__ = (
        one_of("status", [s.value for s in MLAlertStatus]),
        one_of("severity", [s.value for s in Severity]),
        Index("ix_ml_alerts_customer_status", "customer_id", "status"),
        # An open alert (unread or read) is never duplicated: a second alert with the
        # same key while one is open is refused by the database itself.
        Index(
            "uq_ml_alerts_open_dedupe_key",
            "customer_id",
            "dedupe_key",
            unique=True,
            sqlite_where=text("status IN ('unread', 'read') AND dedupe_key IS NOT NULL"),
            postgresql_where=text("status IN ('unread', 'read') AND dedupe_key IS NOT NULL"),
        ),
    )

    ml_alert_id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    alert_type: Mapped[str] = mapped_column(String(64))
    severity: Mapped[str] = mapped_column(String(16))
    title: Mapped[str] = mapped_column(String(300))
    message: Mapped[str] = mapped_column(Text)
    alert_metadata: Mapped[dict[str, Any] | None]
    status: Mapped[str] = mapped_column(String(16), default=MLAlertStatus.UNREAD.value)
    action_url: Mapped[str | None] = mapped_column(String(500))
    # What the alert is about (e.g. "drift:mae:demand_forecast"); see the unique index.
    dedupe_key: Mapped[str | None] = mapped_column(String(200))
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    read_at: Mapped[dt.datetime | None]
    actioned_at: Mapped[dt.datetime | None]
    actioned_by: Mapped[str | None] = mapped_column(String(200))
    action_notes: Mapped[str | None] = mapped_column(Text)
