"""Response bodies of the dashboard's forecast reads (``/api/v1/forecasts/…``)."""

from __future__ import annotations

import datetime as dt

from pydantic import BaseModel, Field


class SeriesHistoryPoint(BaseModel):
    """One day of a series' sales (a day without a sales row is 0 units, in stock)."""

    date: dt.date
    quantity: float
    stockout: bool = Field(
        description="Closed the day with nothing on hand (on_hand_close = 0): the quantity "
        "understates demand"
    )


class SeriesForecastPoint(BaseModel):
    """One day of the latest issued forecast."""

    date: dt.date
    mean: float
    lower: float | None = Field(description="Lowest stored quantile (0.1 by default)")
    upper: float | None = Field(description="Highest stored quantile (0.9 by default)")
    quantiles: dict[str, float] = Field(
        description='Every stored quantile, keyed by level ("0.1", "0.5", "0.9")'
    )


class SeriesActualPoint(BaseModel):
    """A scored forecast: what was forecast for a day against what sold."""

    date: dt.date
    issue_date: dt.date
    model_version: str
    forecast: float
    actual: float
    absolute_error: float
    within_interval: bool | None
    stockout: bool


class ForecastSeries(BaseModel):
    """``GET /forecasts/series``: one store × product, history and forecast."""

    store_id: int
    product_id: int
    store_name: str
    product_name: str
    sku: str | None = Field(description="The product code")
    store_code: str | None = None
    model_name: str
    model_version: str | None = Field(
        description="Version of the champion forecast shown (None: no forecast yet)"
    )
    issue_date: dt.date | None = Field(description="Issue date of the forecast shown")
    history_start: dt.date | None = None
    history_end: dt.date | None = Field(
        default=None, description="The tenant's latest sales date (the window's last day)"
    )
    history: list[SeriesHistoryPoint]
    forecast: list[SeriesForecastPoint]
    actuals: list[SeriesActualPoint] = Field(
        description="Scored forecasts of days in the history window (latest issue per day)"
    )


class FeatureContribution(BaseModel):
    """One feature's part in one forecast."""

    feature: str
    value: float | None = Field(description="The feature's value (None when missing)")
    shap: float = Field(description="SHAP value, on the explanation's scale")
    multiplier: float | None = Field(
        description="exp(shap): the factor the feature multiplies the forecast by (log scale only)"
    )


class BlendMember(BaseModel):
    """One model of the blend that forecast the series, and its forecast of the day."""

    model: str
    weight: float = Field(description="Its weight in the blend (the weights sum to 1)")
    prediction: float = Field(description="Its own forecast of the day, in units")
    explained: bool = Field(description="Whether the contributions explain this model")


class ForecastExplanationRead(BaseModel):
    """``GET /forecasts/explanation``: real TreeSHAP values of one stored forecast.

    The stored forecast is a blend: Σ weight × prediction over ``blend`` (one model of
    weight 1 when the champion chose a single model). The contributions explain the
    blend's heaviest tree model; the other members' parts are their own forecasts.
    """

    store_id: int
    product_id: int
    date: dt.date
    model_name: str
    model_version: str
    model: str = Field(description="The explained tree model (lightgbm or xgboost)")
    issue_date: dt.date
    step: int = Field(description="Days ahead of the issue (1 = first forecast day)")
    prediction: float = Field(
        description="The explained model's forecast in units (the stored mean when it is "
        "the only member of the blend)"
    )
    stored_forecast: float = Field(description="The stored forecast mean of that day")
    base_value: float = Field(description="The model's expected output, on `scale`")
    base_prediction: float = Field(description="base_value in units of demand")
    scale: str = Field(description="log (log-link objective) or identity")
    meaning: str = Field(description="How to read the values")
    contributions: list[FeatureContribution] = Field(
        description="Every feature, largest |shap| first"
    )
    blend: list[BlendMember] = Field(
        description="The models whose weighted forecasts make the stored one, heaviest first"
    )


class AccuracyPoint(BaseModel):
    """The champion's accuracy on one forecast date, over every scored series."""

    date: dt.date
    series: int = Field(description="Scored rows (series) of the day")
    mae: float
    wape: float | None = Field(description="sum |error| / sum actual (None when nothing sold)")
    bias: float = Field(description="mean(forecast − actual): positive means over-forecast")
    coverage: float | None = Field(
        description="Share of rows inside the 80 % interval (None when no row has one)"
    )
    stockout_days: int = Field(description="Rows whose day was a stock-out (censored actual)")


class ForecastFreshness(BaseModel):
    """``GET /forecasts/freshness``: how current the tenant's data and forecasts are."""

    latest_sales_date: dt.date | None
    latest_issue_date: dt.date | None
    latest_forecast_date: dt.date | None
    latest_accuracy_date: dt.date | None
    checked_at: dt.datetime
