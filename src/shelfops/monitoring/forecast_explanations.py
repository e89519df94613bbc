"""``explain_stored_forecast``: real TreeSHAP values of one stored champion forecast.

1. **Read** (one short transaction): the champion of the model, its latest stored
   forecast of the series for the day, and the sales history that forecast was issued
   from: the same window the forecast job reads (``settings.retrain_history_days`` days
   up to the day before the issue date).
2. **Explain** (in a worker thread, no transaction open): the champion's stored pipeline
   is loaded and forecasts the series again with
   :meth:`~shelfops.forecasting.pipeline.ForecastPipeline.forecast_from`, which gives
   every blend member's own forecast. A blend is linear (Σ weight × member), so each
   member's part of the stored forecast is exact; the heaviest tree member (LightGBM or
   XGBoost) is rebased on the same history and
   :func:`shelfops.forecasting.explain.explain_forecast` explains the day's row. A blend
   without a tree member has no SHAP values (409). Features of the global models are per
   series (lags, windows, calendar, the series' own prices; statics encoded with the
   training levels), so the one series is taken out of the tenant panel (same calendar)
   and forecast alone: the values equal those of the full run at a fraction of its cost.

The ML stack is imported only inside the worker thread: without it (API-only install)
the answer is 503, and so it is when the version's artifact is missing.
"""

from __future__ import annotations

import asyncio
import copy
import datetime as dt
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from shelfops.config import Settings
from shelfops.kit.db import tenant_transaction
from shelfops.kit.errors import Conflict, NotFound
from shelfops.kit.extras import ml_unavailable
from shelfops.models import DemandForecast
from shelfops.monitoring.forecast_views_schemas import (
    BlendMember,
    FeatureContribution,
    ForecastExplanationRead,
)
from shelfops.registry import service as registry

if TYPE_CHECKING:
    from shelfops.forecasting.panel import Panel


@dataclass(frozen=True)
class _Stored:
    """What the explanation needs of the database (no ORM object crosses threads)."""

    version: str
    artifact_path: str | None
    issue_date: dt.date
    mean: float
    panel: Panel
    series_id: str
    history_end: dt.date


async def explain_stored_forecast(
    sessionmaker: async_sessionmaker[AsyncSession],
    settings: Settings,
    *,
    customer_id: uuid.UUID,
    store_id: int,
    product_id: int,
    day: dt.date,
    model_name: str,
) -> ForecastExplanationRead:
    """Explain the champion's stored forecast of one store × product for ``day``.

    Raises NotFound (no champion forecast of that series and day), Conflict (the
    champion forecasts the series with no tree model, so there are no SHAP values) and
    ServiceUnavailable (ML packages not installed, artifact missing).
    """
    try:
        async with tenant_transaction(sessionmaker, customer_id) as session:
            stored = await _read(
                session,
                settings,
                customer_id=customer_id,
                store_id=store_id,
                product_id=product_id,
                day=day,
                model_name=model_name,
            )
        return await asyncio.to_thread(
            _explain,
            stored,
            settings.retrain_horizon_days,
            store_id=store_id,
            product_id=product_id,
            day=day,
            model_name=model_name,
        )
    except ImportError as exc:
        raise ml_unavailable("explaining a forecast", exc.name) from None


async def _read(
    session: AsyncSession,
    settings: Settings,
    *,
    customer_id: uuid.UUID,
    store_id: int,
    product_id: int,
    day: dt.date,
    model_name: str,
) -> _Stored:
    from shelfops.forecasting.errors import ForecastInputError
    from shelfops.sales.history import NoSalesHistory, load_history

    champion = await registry.champion(session, model_name=model_name)
    if champion is None:
        raise NotFound(f"no champion of {model_name!r}: nothing to explain")
    f = DemandForecast
    series = (
        f.customer_id == customer_id,
        f.store_id == store_id,
        f.product_id == product_id,
        f.model_name == model_name,
        f.model_version == champion.version,
        f.forecast_date == day,
    )
    issue: dt.date | None = await session.scalar(select(func.max(f.issue_date)).where(*series))
    if issue is None:
        raise NotFound(
            f"no forecast of the champion {champion.version} for store {store_id}, "
            f"product {product_id} on {day}"
        )
    mean = await session.scalar(select(f.forecasted_demand).where(*series, f.issue_date == issue))
    try:
        history = await load_history(
            session, end=issue - dt.timedelta(days=1), days=settings.retrain_history_days
        )
    except (NoSalesHistory, ForecastInputError) as exc:
        raise Conflict(
            f"the sales history the forecast was issued from on {issue} cannot be read again: {exc}"
        ) from None
    series_id = next(
        (sid for sid, key in history.series_keys.items() if key == (store_id, product_id)),
        None,
    )
    if series_id is None:
        raise Conflict(
            f"the sales history before {issue} no longer holds store {store_id}, product "
            f"{product_id}; the forecast cannot be explained again"
        )
    index = [str(i) for i in history.panel.ids.tolist()].index(series_id)
    return _Stored(
        version=champion.version,
        artifact_path=champion.artifact_path,
        issue_date=issue,
        mean=float(mean or 0.0),
        panel=history.panel.select(np.array([index], dtype=np.int64)),
        series_id=series_id,
        history_end=history.end,
    )


def _explain(
    stored: _Stored,
    horizon_days: int,
    *,
    store_id: int,
    product_id: int,
    day: dt.date,
    model_name: str,
) -> ForecastExplanationRead:
    """The ML half (worker thread): forecast the series again, explain its tree member."""
    from shelfops.forecasting import explain
    from shelfops.forecasting.models.gbm import GlobalGBM
    from shelfops.forecasting.segments import classify
    from shelfops.registry import artifacts

    if not stored.artifact_path:
        raise artifacts.ArtifactMissing(f"model version {stored.version} has no artifact path")
    pipeline = artifacts.load_pipeline(Path(stored.artifact_path))
    horizon = min(horizon_days, pipeline.horizon)
    panel = stored.panel.with_future(None, horizon)
    segment = str(classify(panel)[0])
    # The blend forecast_from applies to this segment (private, but the same rule).
    blend = pipeline._blend_of(segment)
    trees = {
        name: model
        for name in blend.weights
        if isinstance(model := pipeline.fitted.get(name), GlobalGBM)
    }
    if not trees:
        raise Conflict(
            f"the champion {stored.version} forecasts this series ({segment} segment) with "
            f"{blend.describe()}, which has no tree model: SHAP explanations cover "
            "lightgbm and xgboost only"
        )
    step = (day - stored.history_end).days
    if not 1 <= step <= horizon:
        raise Conflict(
            f"{day} is {step} days after the history the forecast was issued from "
            f"(ending {stored.history_end}); the champion forecasts 1 to {horizon} days ahead"
        )
    explained = max(trees, key=lambda m: (blend.weights[m], m))
    members = pipeline.forecast_from(panel, horizon).members
    current = copy.copy(trees[explained]).rebase(panel)
    current.predict(horizon)
    result = explain.explain_forecast(
        current, panel.ids, panel.future_dates(horizon), stored.series_id, day
    )
    parts = [
        BlendMember(
            model=name,
            weight=weight,
            prediction=float(members[name][0, step - 1]),
            explained=name == explained,
        )
        for name, weight in sorted(blend.weights.items(), key=lambda item: (-item[1], item[0]))
    ]
    return ForecastExplanationRead(
        store_id=store_id,
        product_id=product_id,
        date=day,
        model_name=model_name,
        model_version=stored.version,
        model=current.name,
        issue_date=stored.issue_date,
        step=result.step,
        prediction=result.prediction,
        stored_forecast=stored.mean,
        base_value=result.base_value,
        base_prediction=result.base_prediction,
        scale=result.scale,
        meaning=str(result.to_dict()["meaning"]),
        contributions=[
            FeatureContribution(
                feature=c.feature, value=c.value, shap=c.shap, multiplier=c.multiplier
            )
            for c in result.contributions
        ],
        blend=parts,
    )
