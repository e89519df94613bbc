"""``/api/v1/forecasts``: the dashboard's reads of stored forecasts and their accuracy.

Any valid API key; every read is tenant-scoped. Nothing here imports the ML stack: the
SHAP explanation imports it inside the request (and answers 503 when it is not
installed), so the API starts without the ML extras.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any

from fastapi import APIRouter, Query

from shelfops.api.deps import (
    EndRequestTransaction,
    PrincipalDep,
    SessionDep,
    SessionmakerDep,
    SettingsDep,
)
from shelfops.monitoring import forecast_views as views
from shelfops.monitoring.forecast_views_schemas import (
    AccuracyPoint,
    ForecastExplanationRead,
    ForecastFreshness,
    ForecastSeries,
)
from shelfops.registry.service import DEFAULT_MODEL

router = APIRouter(prefix="/forecasts", tags=["forecasts"])

# Ids are BIGINT columns: a larger value would fail in the database driver, not 422.
_MAX_ID = 2**63 - 1
StoreId = Annotated[int, Query(ge=1, le=_MAX_ID, description="The store's `store_id`.")]
ProductId = Annotated[int, Query(ge=1, le=_MAX_ID, description="The product's `product_id`.")]
ModelName = Annotated[
    str, Query(min_length=1, max_length=100, description="The model (default demand_forecast).")
]

_SERIES_NOT_FOUND: dict[int | str, dict[str, Any]] = {
    404: {"description": "No such store or product for this tenant."}
}


@router.get("/series", operation_id="getForecastSeries", responses=_SERIES_NOT_FOUND)
async def get_forecast_series(
    session: SessionDep,
    store_id: StoreId,
    product_id: ProductId,
    history_days: Annotated[int, Query(ge=1, le=730)] = 90,
    model_name: ModelName = DEFAULT_MODEL,
) -> ForecastSeries:
    """One store × product: its daily sales over the ``history_days`` days ending at the
    tenant's latest sales date (a day without a sales row is 0 units), the champion's
    latest issued forecast (mean, interval and quantiles per day), and the scored
    forecasts of the history window (the latest issue per day)."""
    return await views.forecast_series(
        session,
        store_id=store_id,
        product_id=product_id,
        history_days=history_days,
        model_name=model_name,
    )


@router.get(
    "/explanation",
    operation_id="explainForecast",
    dependencies=[EndRequestTransaction],
    responses={
        404: {"description": "No forecast of the champion for that series and date."},
        409: {"description": "The series' blend has no tree model (no SHAP values)."},
        503: {"description": "The ML packages or the model artifact are missing."},
    },
)
async def explain_forecast(
    principal: PrincipalDep,
    sessionmaker: SessionmakerDep,
    settings: SettingsDep,
    store_id: StoreId,
    product_id: ProductId,
    date: Annotated[dt.date, Query(description="The forecast day to explain.")],
    model_name: ModelName = DEFAULT_MODEL,
) -> ForecastExplanationRead:
    """Why the champion forecast what it did for one store × product on ``date``: the
    real TreeSHAP value of every feature (largest effect first), recomputed by the stored
    model from the same history the forecast was issued from, so ``prediction`` equals
    the stored forecast. On the log scale (Tweedie/Poisson models) ``base_value + sum of
    shap = log(prediction)`` and ``multiplier = exp(shap)`` is the factor a feature
    multiplies the forecast by."""
    from shelfops.monitoring.forecast_explanations import explain_stored_forecast

    return await explain_stored_forecast(
        sessionmaker,
        settings,
        customer_id=principal.customer_id,
        store_id=store_id,
        product_id=product_id,
        day=date,
        model_name=model_name,
    )


@router.get("/accuracy-trend", operation_id="getAccuracyTrend")
async def get_accuracy_trend(
    session: SessionDep,
    days: Annotated[int, Query(ge=1, le=365)] = 30,
    model_name: ModelName = DEFAULT_MODEL,
) -> list[AccuracyPoint]:
    """Accuracy of the stored forecasts on each of the last ``days`` forecast dates that
    have scored rows, oldest first. Per date and series the latest issue counts (the
    shortest horizon). ``wape = Σ|error| / Σ actual``, ``bias = mean(forecast − actual)``,
    ``coverage`` = share of rows inside the 80 % interval; stock-out rows are included
    and counted in ``stockout_days``."""
    return await views.accuracy_trend(session, days=days, model_name=model_name)


@router.get("/freshness", operation_id="getForecastFreshness")
async def get_forecast_freshness(session: SessionDep) -> ForecastFreshness:
    """The tenant's latest sales date, latest forecast issue and forecast day, and latest
    scored forecast day: stale dates mean a job has not run."""
    return await views.freshness(session)
