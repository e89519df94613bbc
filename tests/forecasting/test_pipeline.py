"""The pipeline: validation window, per-segment choice, blends, calibration, refit."""

from __future__ import annotations

import datetime as dt

import numpy as np
import polars as pl
import pytest

from shelfops.forecasting.errors import ForecastInputError
from shelfops.forecasting.frequency import Freq
from shelfops.forecasting.models import make_model
from shelfops.forecasting.panel import Panel, build_panel
from shelfops.forecasting.pipeline import (
    Blend,
    ForecastPipeline,
    PipelineConfig,
    ValidationRun,
    select_blends,
    wape,
)

CHEAP = ("seasonal_naive", "moving_average", "tsb")
SMALL_GBM = {"lightgbm": {"n_estimators": 20}, "xgboost": {"n_estimators": 20}}


def test_auto_chooses_per_segment_from_validation_evidence(mixed_panel: Panel) -> None:
    pipeline = ForecastPipeline(PipelineConfig(model="auto", candidates=CHEAP))
    forecast = pipeline.fit(mixed_panel, 14).predict()
    segments = dict(zip(mixed_panel.ids, forecast.segments, strict=True))
    assert segments["s00"] == "smooth"
    assert segments["s12"] == "intermittent"
    assert segments["s19"] == "new"
    # Strongly weekly series: repeating last week beats a flat average, so the smooth
    # segment's choice puts weight on seasonal_naive.
    assert "seasonal_naive" in pipeline.blends["smooth"].weights
    # The chosen blend is the best of every candidate on the validation window.
    run = pipeline.validation
    assert run is not None
    rows = run.segments == "smooth"
    best_single = min(wape(run.actual[rows], run.forecasts[m][rows]) for m in CHEAP)
    assert pipeline.blends["smooth"].validation_wape <= best_single + 1e-12


def test_forecast_frame_has_quantile_columns_and_every_series(mixed_panel: Panel) -> None:
    pipeline = ForecastPipeline(PipelineConfig(model="auto", candidates=CHEAP))
    frame = pipeline.fit(mixed_panel, 7).predict().to_frame()
    assert frame.columns == ["unique_id", "ds", "forecast", "q0.1", "q0.5", "q0.9"]
    assert frame.height == mixed_panel.n_series * 7
    assert frame["ds"].min() == mixed_panel.future_dates(1)[0].astype(object)
    values = frame.select("q0.1", "q0.5", "q0.9").to_numpy()
    assert (values >= 0).all() and (np.diff(values, axis=1) >= 0).all()


def test_a_named_model_forecasts_exactly_what_that_model_does(mixed_panel: Panel) -> None:
    forecast = (
        ForecastPipeline(PipelineConfig(model="seasonal_naive")).fit(mixed_panel, 7).predict()
    )
    direct = make_model("seasonal_naive").fit(mixed_panel).predict(7)
    np.testing.assert_allclose(forecast.mean, direct)
    assert set(forecast.chosen) == {"seasonal_naive"}


def test_ensemble_blends_the_two_tree_models(mixed_panel: Panel) -> None:
    pipeline = ForecastPipeline(PipelineConfig(model="ensemble", model_params=SMALL_GBM))
    forecast = pipeline.fit(mixed_panel, 7).predict()
    assert set(pipeline.blends) == {"*"}
    assert set(pipeline.blends["*"].weights) <= {"lightgbm", "xgboost"}
    assert np.isfinite(forecast.mean).all() and (forecast.mean >= 0).all()


def test_blend_selection_finds_the_weight_that_is_exactly_right() -> None:
    actual = np.array([[2.0, 4.0], [6.0, 8.0]])
    run = ValidationRun(
        actual=actual,
        forecasts={"a": actual - 1.0, "b": actual + 1.0, "c": actual * 3},
        segments=np.array(["smooth", "smooth"]),
    )
    chosen = select_blends(run, ["a", "b", "c"], per_segment=True)["smooth"]
    # 0.5·(actual − 1) + 0.5·(actual + 1) = actual: WAPE 0.
    assert chosen.weights == {"a": 0.5, "b": 0.5}
    assert chosen.validation_wape == pytest.approx(0.0)
    assert Blend({"a": 1.0}, 0.1).describe() == "a"


def test_new_and_single_day_series_still_get_a_forecast(mixed_panel: Panel) -> None:
    forecast = (
        ForecastPipeline(PipelineConfig(model="auto", candidates=CHEAP))
        .fit(mixed_panel, 7)
        .predict()
    )
    new = np.isin(forecast.ids, ["s18", "s19"])
    assert (forecast.mean[new] > 0).all()


def test_bad_requests_are_readable(mixed_panel: Panel) -> None:
    with pytest.raises(ForecastInputError, match="at least 1"):
        ForecastPipeline(PipelineConfig(model="seasonal_naive")).fit(mixed_panel, 0)
    with pytest.raises(ForecastInputError, match="unknown model 'prophet'"):
        ForecastPipeline(PipelineConfig(model="prophet")).fit(mixed_panel, 7)
    short = mixed_panel.truncate(20)
    with pytest.raises(ForecastInputError, match="needs at least"):
        ForecastPipeline(PipelineConfig(model="seasonal_naive")).fit(short, 28)


def test_a_series_that_never_sold_gets_a_zero_forecast_and_band(mixed_panel: Panel) -> None:
    y = mixed_panel.y.copy()
    y[0, ~np.isnan(y[0])] = 0.0
    panel = Panel(
        ids=mixed_panel.ids,
        grid=mixed_panel.grid,
        y=y,
        censored=mixed_panel.censored,
        covariates=mixed_panel.covariates,
        statics=mixed_panel.statics,
    )
    forecast = (
        ForecastPipeline(PipelineConfig(model="auto", candidates=CHEAP)).fit(panel, 7).predict()
    )
    assert (forecast.mean[0] == 0).all()
    for band in forecast.quantiles.values():
        assert (band[0] == 0).all()
    assert (forecast.quantiles[0.9][1] > 0).all()


def _with(mixed_panel: Panel, *, y: np.ndarray, censored: np.ndarray | None = None) -> Panel:
    return Panel(
        ids=mixed_panel.ids,
        grid=mixed_panel.grid,
        y=y,
        censored=mixed_panel.censored if censored is None else censored,
        covariates=mixed_panel.covariates,
        statics=mixed_panel.statics,
    )


@pytest.mark.parametrize("model", ["lightgbm", "xgboost", "auto"])
def test_a_panel_that_never_sold_is_forecast_zero_not_refused(
    mixed_panel: Panel, model: str
) -> None:
    # LightGBM's Tweedie objective refuses labels that sum to zero (a traceback from
    # `shelfops forecast`, `retrain` and `simulate` on a shop with no sales yet).
    y = np.where(np.isnan(mixed_panel.y), np.nan, 0.0)
    forecast = (
        ForecastPipeline(PipelineConfig(model=model)).fit(_with(mixed_panel, y=y), 7).predict()
    )
    assert (forecast.mean == 0).all()
    for band in forecast.quantiles.values():
        assert (band == 0).all()


def test_a_panel_without_one_in_stock_period_is_refused_in_one_sentence(
    mixed_panel: Panel,
) -> None:
    censored = np.ones_like(mixed_panel.censored, dtype=bool)
    with pytest.raises(ForecastInputError) as raised:
        ForecastPipeline(PipelineConfig(model="lightgbm")).fit(
            _with(mixed_panel, y=mixed_panel.y, censored=censored), 7
        )
    assert str(raised.value) == (
        "the lightgbm model has no period of observed demand to learn from: every period "
        "of the training window is a stock-out (censored) or before its series started"
    )


def test_three_yearly_periods_are_refused_up_front() -> None:
    # Two yearly periods of history (what one validation window leaves of three) give a
    # global model no lagged row to train on.
    frame = pl.DataFrame(
        {
            "unique_id": ["A"] * 4,
            "ds": [dt.date(2000 + i, 1, 1) for i in range(4)],
            "y": [100.0, 101.0, 102.0, 103.0],
        }
    )
    three = build_panel(frame.head(3), freq=Freq.YEAR)
    with pytest.raises(ForecastInputError, match=r"has 3 periods; .* needs at least 4"):
        ForecastPipeline(PipelineConfig(model="auto")).fit(three, 1)
    forecast = ForecastPipeline(PipelineConfig(model="auto")).fit(
        build_panel(frame, freq=Freq.YEAR), 1
    )
    assert np.isfinite(forecast.predict().mean).all()


def test_a_series_never_seen_in_stock_keeps_a_band_around_its_forecast(
    mixed_panel: Panel,
) -> None:
    # Its demand is unknown, not zero: the zero band of a series that never sold would
    # lie entirely below the forecast the global model gives it.
    censored = mixed_panel.censored.copy()
    censored[0] = True
    forecast = (
        ForecastPipeline(PipelineConfig(model="lightgbm"))
        .fit(_with(mixed_panel, y=mixed_panel.y, censored=censored), 7)
        .predict()
    )
    assert (forecast.mean[0] > 0).all()
    assert (forecast.quantiles[0.1][0] <= forecast.mean[0]).all()
    assert (forecast.quantiles[0.9][0] >= forecast.mean[0]).all()
    assert (forecast.quantiles[0.9][0] > forecast.quantiles[0.1][0]).all()
