"""Request and response bodies of ``/api/v1/models`` (shapes of seed 003).

Request bodies refuse unknown fields, like every other body of the API: a misspelt
``reason`` or ``trigger`` must be a 422 naming it, not silently ignored (an ignored field
on ``POST /models/retrain`` would still queue a real retrain).
"""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from shelfops.kit.pagination import Page, PageParams


class ChampionHealth(BaseModel):
    """The champion's live accuracy."""

    version: str
    status: str = Field(
        description="healthy | degraded (7-day MAE beyond the drift threshold of its backtest "
        "MAE) | no_data (no actuals evaluated yet)"
    )
    mae_7d: float | None = Field(description="MAE of its forecasts over the last 7 evaluated days")
    trend: str = Field(
        description="improving | stable | degrading | unknown (vs the 7 days before)"
    )
    baseline_mae: float | None = Field(description="The version's backtest MAE")
    evaluated_points: int


class ChallengerHealth(BaseModel):
    """The challenger's shadow accuracy, on the same rows as the champion's."""

    version: str
    status: str
    mae_7d: float | None
    champion_mae_7d: float | None = Field(description="Champion MAE on the same shadow rows")
    promotion_eligible: bool = Field(
        description="Shadow MAE beats the champion's on the same rows by the gate's margin"
    )
    evaluated_points: int


class ModelHealth(BaseModel):
    """``GET /models/health``."""

    model_name: str
    champion: ChampionHealth | None
    challenger: ChallengerHealth | None


class BacktestPoint(BaseModel):
    """One forecast date of a version's backtest."""

    model_config = ConfigDict(from_attributes=True)

    forecast_date: dt.date
    backtest_kind: str
    mae: float | None
    mape: float | None
    stockout_miss_rate: float | None
    overstock_rate: float | None


class BacktestSeries(BaseModel):
    """``GET /models/backtest/{version}``: the last 90 days of backtest results."""

    model_name: str
    version: str
    days: int
    points: list[BacktestPoint]


class DecisionRead(BaseModel):
    """One decision about a version."""

    model_config = ConfigDict(from_attributes=True)

    decision_id: uuid.UUID
    version: str
    action: str
    status_after: str
    previous_champion: str | None
    decided_by: str
    trigger_type: str | None
    reasons: list[str]
    inputs: dict[str, Any]
    created_at: dt.datetime


class VersionRead(BaseModel):
    """A model version with every decision about it (oldest first)."""

    model_config = ConfigDict(from_attributes=True)

    model_id: uuid.UUID
    model_name: str
    version: str
    status: str
    feature_tier: str | None
    dataset: str | None
    metrics: dict[str, Any]
    params: dict[str, Any]
    artifact_path: str | None
    mlflow_run_id: str | None
    training_window_start: dt.date | None
    training_window_end: dt.date | None
    created_at: dt.datetime
    promoted_at: dt.datetime | None
    archived_at: dt.datetime | None
    decisions: list[DecisionRead] = Field(default_factory=list)


class VersionPage(Page[VersionRead]):
    """``GET /models/history``: versions newest first."""


class HistoryParams(PageParams):
    """Filters of the version history."""

    model_name: str = "demand_forecast"


class _Input(BaseModel):
    model_config = ConfigDict(extra="forbid")


class HumanDecision(_Input):
    """A person's reason for a promotion, rollback, shadowing or archiving."""

    reason: str = Field(min_length=1, max_length=2000)


class RetrainRequest(_Input):
    """``POST /models/retrain``: queue a retrain of the caller's tenant."""

    trigger: str = Field(
        default="manual", description="scheduled | manual | drift_detected | new_data"
    )
    model: str | None = Field(default=None, description="Forecasting model (default from settings)")


class RetrainRead(BaseModel):
    """A row of ``model_retraining_log``."""

    model_config = ConfigDict(from_attributes=True)

    retrain_id: uuid.UUID
    model_name: str
    trigger_type: str
    status: str
    version_produced: str | None
    started_at: dt.datetime
    completed_at: dt.datetime | None
    error_message: str | None


class ModelCard(BaseModel):
    """``GET /models/{version}/card``: the version's ``model_card.md``."""

    model_name: str
    version: str
    markdown: str


class FeatureImportanceItem(BaseModel):
    """One feature's global importance."""

    feature: str
    importance: float = Field(description="Mean |SHAP| over the training sample")


class FeatureImportance(BaseModel):
    """``GET /models/{version}/feature-importance``: recorded at training time."""

    model_name: str
    version: str
    available: bool
    reason: str | None = Field(description="Why there are no importances (when not available)")
    measure: str | None = Field(default=None, description="mean_abs_shap")
    scale: str | None = Field(
        default=None, description="Unit of the importances: log (of expected demand) or identity"
    )
    model: str | None = Field(default=None, description="The explained tree model")
    sample_rows: int | None = Field(default=None, description="Training rows explained")
    features: list[FeatureImportanceItem] = Field(description="Most important first")
