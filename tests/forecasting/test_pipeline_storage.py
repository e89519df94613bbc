"""A fitted pipeline stored without its history, then forecasting from newer history."""

from __future__ import annotations

import copy
import datetime as dt
import pickle
from typing import Any

import numpy as np
import polars as pl
import pytest

from shelfops.forecasting.errors import ForecastInputError
from shelfops.forecasting.frequency import Freq, Grid
from shelfops.forecasting.models import make_model
from shelfops.forecasting.models.gbm import GlobalGBM
from shelfops.forecasting.panel import Panel, build_panel
from shelfops.forecasting.pipeline import Forecast, ForecastPipeline, PipelineConfig
from tests.forecasting.conftest import START, mixed_frame

HORIZON = 7
SMALL_GBM: dict[str, Any] = {
    "lightgbm": {"n_estimators": 20},
    "xgboost": {"n_estimators": 20},
}
#: ``auto`` over cheap local models and LightGBM; ``refit_all`` keeps every member fitted,
#: so the stored copy carries a global model (trees) and local ones alike.
AUTO = PipelineConfig(
    model="auto",
    candidates=("seasonal_naive", "moving_average", "tsb", "lightgbm"),
    model_params=SMALL_GBM,
    refit_all=True,
)


def assert_same_forecast(got: Forecast, expected: Forecast) -> None:
    """Same series, dates, choices, means, bands and member forecasts."""
    np.testing.assert_array_equal(got.ids, expected.ids)
    np.testing.assert_array_equal(got.dates, expected.dates)
    np.testing.assert_array_equal(got.segments, expected.segments)
    np.testing.assert_array_equal(got.chosen, expected.chosen)
    np.testing.assert_allclose(got.mean, expected.mean, rtol=1e-9, atol=1e-9)
    assert set(got.quantiles) == set(expected.quantiles)
    for level, band in expected.quantiles.items():
        np.testing.assert_allclose(got.quantiles[level], band, rtol=1e-9, atol=1e-9)
    assert set(got.members) == set(expected.members)
    for name, values in expected.members.items():
        np.testing.assert_allclose(got.members[name], values, rtol=1e-9, atol=1e-9)


def round_trip(pipeline: ForecastPipeline) -> ForecastPipeline:
    """The stored copy, pickled and loaded back as an artifact store would."""
    loaded = pickle.loads(pickle.dumps(pipeline.for_storage()))
    assert isinstance(loaded, ForecastPipeline)
    return loaded


@pytest.fixture(scope="module")
def auto_pipeline(mixed_panel: Panel) -> tuple[ForecastPipeline, Forecast]:
    pipeline = ForecastPipeline(AUTO).fit(mixed_panel, HORIZON)
    return pipeline, pipeline.predict()


def test_forecast_from_the_training_panel_equals_predict(
    mixed_panel: Panel, auto_pipeline: tuple[ForecastPipeline, Forecast]
) -> None:
    pipeline, predicted = auto_pipeline
    assert "lightgbm" in pipeline.fitted
    assert_same_forecast(pipeline.forecast_from(mixed_panel), predicted)


def test_a_pickled_stored_copy_forecasts_the_same(
    mixed_panel: Panel, auto_pipeline: tuple[ForecastPipeline, Forecast]
) -> None:
    pipeline, predicted = auto_pipeline
    stored = round_trip(pipeline)
    assert_same_forecast(stored.forecast_from(mixed_panel), predicted)
    # What reports need survives storage: the choices and their validation evidence.
    assert stored.summary() == pipeline.summary()
    assert stored.horizon == HORIZON


def test_forecasting_from_new_history_leaves_the_pipeline_unchanged(
    mixed_panel: Panel, auto_pipeline: tuple[ForecastPipeline, Forecast]
) -> None:
    pipeline, predicted = auto_pipeline
    longer = build_panel(mixed_frame(days=200))
    pipeline.forecast_from(longer)
    pipeline.for_storage()
    assert_same_forecast(pipeline.predict(), predicted)


def test_ensemble_and_lstm_pipelines_round_trip(mixed_panel: Panel) -> None:
    bare = build_panel(mixed_frame().select("unique_id", "ds", "y"))
    configs = [PipelineConfig(model="ensemble", model_params=SMALL_GBM)]
    try:
        import torch  # noqa: F401

        lstm = {"hidden_size": 8, "max_windows": 500, "epochs": 1}
        configs.append(PipelineConfig(model="lstm", model_params={"lstm": lstm}))
    except ImportError:  # the optional 'deep' extra is not installed
        pass
    for config in configs:
        pipeline = ForecastPipeline(config).fit(mixed_panel, HORIZON)
        stored = round_trip(pipeline)
        assert_same_forecast(stored.forecast_from(mixed_panel), pipeline.predict())
        # Trained weights read inputs of a fixed shape: a panel without the covariates
        # they were trained on is refused by name, not fed to them.
        with pytest.raises(ForecastInputError, match="price"):
            stored.forecast_from(bare)


def test_a_stored_copy_is_much_smaller_than_the_fitted_pipeline() -> None:
    panel = random_panel(series=200, days=400, seed=3)
    pipeline = ForecastPipeline(AUTO).fit(panel, 14)
    full = len(pickle.dumps(pipeline))
    stored = pickle.dumps(pipeline.for_storage())
    # Measured: 4.2 MB against 0.32 MB. History, feature builders and the validation run
    # dominate the former; nearly all of the latter is LightGBM's trees and its bounded
    # 2,000-row feature sample (kept for global explanations).
    assert full > 8 * len(stored), (full, len(stored))
    loaded = pickle.loads(stored)
    assert_same_forecast(loaded.forecast_from(panel), pipeline.predict())


def test_the_stored_copy_cannot_reach_the_training_history(
    mixed_panel: Panel, auto_pipeline: tuple[ForecastPipeline, Forecast]
) -> None:
    pipeline, _ = auto_pipeline
    stored = round_trip(pipeline)
    with pytest.raises(RuntimeError, match=r"stored without its training history.*forecast_from"):
        stored.predict()
    assert stored.validation is None
    # Neither can any of its models forecast without being given a history.
    for model in stored.fitted.values():
        with pytest.raises(RuntimeError):
            model.predict(HORIZON)
    with pytest.raises(RuntimeError, match="fit the pipeline before"):
        ForecastPipeline(AUTO).for_storage()
    with pytest.raises(RuntimeError, match="fit the pipeline before"):
        ForecastPipeline(AUTO).forecast_from(mixed_panel)


def test_a_longer_history_is_forecast_from_its_own_last_date() -> None:
    longer = build_panel(mixed_frame(days=187))
    training = longer.truncate(180)
    pipeline = ForecastPipeline(AUTO).fit(training, HORIZON)
    stored = round_trip(pipeline)
    forecast = stored.forecast_from(longer)
    last = longer.dates[-1]
    assert last == np.datetime64(START + dt.timedelta(days=186))
    assert forecast.dates[0] == last + np.timedelta64(1, "D")
    np.testing.assert_array_equal(forecast.dates, longer.future_dates(HORIZON))
    assert forecast.dates[0] > pipeline.predict().dates[-1]
    # Local models are refitted on the new history: exactly a fresh fit on it.
    np.testing.assert_allclose(
        forecast.members["seasonal_naive"],
        make_model("seasonal_naive").fit(longer).predict(HORIZON),
    )
    # The global model keeps its trees and reads the new history (lags of the last days).
    trees = copy.deepcopy(pipeline.fitted["lightgbm"])
    assert isinstance(trees, GlobalGBM)
    gbm = trees.rebase(longer.with_future(None, HORIZON))
    np.testing.assert_allclose(forecast.members["lightgbm"], gbm.predict(HORIZON))
    assert not np.allclose(forecast.members["lightgbm"], pipeline.predict().members["lightgbm"])


def test_a_new_series_gets_a_forecast_and_a_removed_one_none(mixed_panel: Panel) -> None:
    # Trained without the two late launches: the stored blends have no "new" segment.
    established = mixed_panel.select(~np.isin(mixed_panel.ids, ["s18", "s19"]))
    pipeline = ForecastPipeline(AUTO).fit(established, HORIZON)
    assert "new" not in pipeline.blends
    stored = round_trip(pipeline)
    frame = mixed_frame().filter(pl.col("unique_id") != "s00")
    launch = frame.filter(pl.col("unique_id") == "s05").tail(10)
    frame = pl.concat([frame, launch.with_columns(pl.lit("s99").alias("unique_id"))])
    forecast = stored.forecast_from(build_panel(frame))
    ids = list(forecast.ids)
    assert "s00" not in ids and {"s18", "s19", "s99"} <= set(ids)
    new = np.isin(forecast.ids, ["s18", "s19", "s99"])
    assert (forecast.segments[new] == "new").all()
    assert (forecast.mean[new] > 0).all()
    assert (forecast.quantiles[0.9][new] >= forecast.mean[new]).all()
    # Documented fallback: the blend of the segment with the most training series.
    largest = max(pipeline.summary()["segments"].items(), key=lambda item: item[1])[0]
    assert largest == "smooth"
    assert set(forecast.chosen[new]) == {pipeline.blends["smooth"].describe()}


def test_a_new_store_does_not_shift_the_trees_view_of_the_known_stores() -> None:
    # Stores b and c in training; the new panel adds store a, which sorts before both.
    frame = mixed_frame().with_columns(
        pl.when(pl.col("unique_id").str.slice(2).cast(pl.Int64) % 2 == 0)
        .then(pl.lit("b"))
        .otherwise(pl.lit("c"))
        .alias("store_id")
    )
    panel = build_panel(frame)
    pipeline = ForecastPipeline(PipelineConfig(model="lightgbm", model_params=SMALL_GBM))
    stored = round_trip(pipeline.fit(panel, HORIZON))
    base = stored.forecast_from(panel)
    opened = frame.filter(pl.col("unique_id") == "s03").with_columns(
        pl.lit("s50").alias("unique_id"), pl.lit("a").alias("store_id")
    )
    wider = stored.forecast_from(build_panel(pl.concat([frame, opened])))
    known = np.isin(wider.ids, base.ids)
    # Each series' forecast depends on its own features only: adding a store must not
    # change what the trees see for stores b and c.
    np.testing.assert_allclose(wider.mean[known], base.mean)
    assert wider.mean[~known].shape == (1, HORIZON)
    assert np.isfinite(wider.mean).all()


def test_requests_the_stored_pipeline_cannot_honour_are_readable(
    mixed_panel: Panel, auto_pipeline: tuple[ForecastPipeline, Forecast]
) -> None:
    pipeline, _ = auto_pipeline
    stored = round_trip(pipeline)
    with pytest.raises(ForecastInputError, match=r"calibrated for 7 periods ahead"):
        stored.forecast_from(mixed_panel, horizon=8)
    shorter = stored.forecast_from(mixed_panel, horizon=3)
    np.testing.assert_allclose(shorter.mean, pipeline.predict().mean[:, :3])
    weekly = build_panel(
        mixed_frame().with_columns(pl.col("ds").dt.truncate("1w")).unique(["unique_id", "ds"])
    )
    assert weekly.freq is Freq.WEEK
    with pytest.raises(ForecastInputError, match="fitted on D data but the panel is W"):
        stored.forecast_from(weekly)
    bare = build_panel(mixed_frame().select("unique_id", "ds", "y"))
    with pytest.raises(ForecastInputError, match=r"missing: \[.*'price'.*\]"):
        stored.forecast_from(bare)


def random_panel(series: int, days: int, seed: int) -> Panel:
    """``series`` weekly-seasonal Poisson series with a price and promotions."""
    rng = np.random.default_rng(seed)
    level = rng.uniform(1.0, 30.0, size=(series, 1))
    weekly = np.array([1.0, 1.0, 1.1, 1.2, 1.5, 1.8, 0.7])[np.arange(days) % 7]
    promo = (rng.random((series, days + 14)) < 0.05).astype(float)
    y = rng.poisson(level * weekly[None, :] * (1 + promo[:, :days])).astype(float)
    return Panel(
        ids=np.array([f"s{i:04d}" for i in range(series)]),
        grid=Grid(Freq.DAY, int(np.datetime64(START, "D").astype(np.int64)), 0),
        y=y,
        censored=np.zeros_like(y, dtype=bool),
        covariates={
            "promo_flag": promo,
            "price": 3.0 * (1 - 0.2 * promo),
            "discount_pct": 0.2 * promo,
        },
    )
