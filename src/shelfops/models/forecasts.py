"""Demand forecasts (mean + quantiles, per issue date) and their measured accuracy."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import Float, ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from shelfops.models.base import Base, BigIntPK, TenantMixin, utcnow


class DemandForecast(TenantMixin, Base):
    """One model version's forecast, issued on ``issue_date``, for ``forecast_date``."""

    __tablename__ = "demand_forecasts"
    __tenant_index__ = False
    __table_args__ = (
        UniqueConstraint("store_id", "product_id", "forecast_date", "issue_date", "model_version"),
        Index("ix_demand_forecasts_customer_forecast_date", "customer_id", "forecast_date"),
    )

    forecast_id: Mapped[int] = mapped_column(BigIntPK, primary_key=True, autoincrement=True)
    store_id: Mapped[int] = mapped_column(ForeignKey("stores.store_id", ondelete="CASCADE"))
    product_id: Mapped[int] = mapped_column(ForeignKey("products.product_id", ondelete="CASCADE"))
    issue_date: Mapped[dt.date]
    forecast_date: Mapped[dt.date]
    model_name: Mapped[str] = mapped_column(String(100), default="demand_forecast")
    model_version: Mapped[str] = mapped_column(String(32))
    forecasted_demand: Mapped[float] = mapped_column(Float)
    # Central 80% interval, duplicated from ``quantiles`` for plain-SQL reads.
    lower_bound: Mapped[float | None] = mapped_column(Float)
    upper_bound: Mapped[float | None] = mapped_column(Float)
    # {"0.1": …, "0.5": …, "0.9": …}: every quantile the model produced.
    quantiles: Mapped[dict[str, Any] | None]
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)


class ForecastAccuracy(TenantMixin, Base):
    """A forecast compared with what actually sold, once actuals arrived."""

    __tablename__ = "forecast_accuracy"
    __tenant_index__ = False
    __table_args__ = (
        UniqueConstraint("store_id", "product_id", "forecast_date", "issue_date", "model_version"),
        Index("ix_forecast_accuracy_customer_forecast_date", "customer_id", "forecast_date"),
    )

    accuracy_id: Mapped[int] = mapped_column(BigIntPK, primary_key=True, autoincrement=True)
    store_id: Mapped[int] = mapped_column(ForeignKey("stores.store_id", ondelete="CASCADE"))
    product_id: Mapped[int] = mapped_column(ForeignKey("products.product_id", ondelete="CASCADE"))
    issue_date: Mapped[dt.date]
    forecast_date: Mapped[dt.date]
    model_version: Mapped[str] = mapped_column(String(32))
    forecasted_demand: Mapped[float] = mapped_column(Float)
    actual_demand: Mapped[float] = mapped_column(Float)
    absolute_error: Mapped[float] = mapped_column(Float)
    # NULL when the actual was zero (a percentage of zero is undefined).
    percentage_error: Mapped[float | None] = mapped_column(Float)
    within_interval: Mapped[bool | None]
    # The day was a stock-out: the actual is censored and excluded from accuracy stats.
    stockout: Mapped[bool] = mapped_column(default=False)
    evaluated_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
