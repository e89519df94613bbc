"""Rolling-origin backtests: cutoffs, no peeking, metrics, the weight sweep, coverage."""

from __future__ import annotations

import logging
from pathlib import Path

import numpy as np
import polars as pl
import pytest

from shelfops.forecasting.backtest import SWEEP_WEIGHTS, backtest
from shelfops.forecasting.errors import ForecastInputError
from shelfops.forecasting.io import read_input
from shelfops.forecasting.metrics import EvaluationSet, pooled_metrics
from shelfops.forecasting.panel import Panel, build_panel
from shelfops.forecasting.pipeline import PipelineConfig
from shelfops.synthetic import GenerationConfig, generate_dataset

CHEAP = PipelineConfig(model="auto", candidates=("seasonal_naive", "moving_average", "tsb"))
SMALL_GBM = {"lightgbm": {"n_estimators": 20}, "xgboost": {"n_estimators": 20}}


def test_windows_are_time_cutoffs_with_a_cutoff_column(mixed_panel: Panel) -> None:
    result = backtest(mixed_panel, CHEAP, horizon=14, windows=3)
    dates = mixed_panel.dates
    # Cutoffs are the last history day of each window: T−14−2·14, T−14−14, T−14.
    expected = [str(dates[n - 1]) for n in (180 - 42, 180 - 28, 180 - 14)]
    assert result.cutoffs == expected
    frame = result.frame()
    assert {"unique_id", "ds", "cutoff", "y", "forecast", "q0.1", "q0.9"} <= set(frame.columns)
    assert frame["cutoff"].n_unique() == 3
    # Every forecast date lies after its own cutoff, within the horizon.
    gap = (frame["ds"] - frame["cutoff"]).dt.total_days()
    assert gap.min() == 1 and gap.max() == 14


def test_a_window_never_sees_the_target_after_its_cutoff(mixed_panel: Panel) -> None:
    first = backtest(mixed_panel, CHEAP, horizon=14, windows=2)
    cutoff = first.windows[0].cutoff
    y = mixed_panel.y.copy()
    y[:, cutoff:] = y[:, cutoff:] * 10 + 50  # rewrite everything after window 1's cutoff
    changed = Panel(
        ids=mixed_panel.ids,
        grid=mixed_panel.grid,
        y=y,
        censored=mixed_panel.censored,
        covariates=mixed_panel.covariates,
        statics=mixed_panel.statics,
    )
    second = backtest(changed, CHEAP, horizon=14, windows=2)
    np.testing.assert_allclose(first.windows[0].forecast.mean, second.windows[0].forecast.mean)
    assert not np.allclose(first.windows[1].forecast.mean, second.windows[1].forecast.mean)


def test_metrics_pool_every_window_and_model(mixed_panel: Panel) -> None:
    config = PipelineConfig(
        model="auto", candidates=("seasonal_naive", "tsb"), refit_all=True, quantiles=(0.1, 0.9)
    )
    result = backtest(mixed_panel, config, horizon=7, windows=2)
    metrics = result.metrics()
    assert set(metrics["per_model"]) == {"seasonal_naive", "tsb"}
    for key in ("mae", "rmse", "wape", "mase", "smape", "mape", "bias", "pinball", "coverage"):
        assert metrics["pooled"][key] is not None, key
    for key in ("stockout_miss_rate", "overstock_rate", "overstock_value", "lost_sales"):
        assert key in metrics["pooled"]
    # Hand check: pooled MAE is the mean absolute error over both windows' scored cells.
    actual = np.concatenate([w.actual for w in result.windows])
    forecast = np.concatenate([w.forecast.mean for w in result.windows])
    mask = ~np.isnan(actual)
    assert metrics["pooled"]["mae"] == pytest.approx(np.abs(forecast - actual)[mask].mean())
    assert metrics["pooled"]["n_points"] == int(mask.sum())


def test_weight_sweep_scores_real_blends_from_xgboost_to_the_other_model(
    mixed_panel: Panel,
) -> None:
    config = PipelineConfig(model="ensemble", model_params=SMALL_GBM, refit_all=True)
    result = backtest(mixed_panel, config, horizon=7, windows=2)
    sweep = result.metrics()["weight_sweep"]
    assert [row["xgboost_weight"] for row in sweep] == list(SWEEP_WEIGHTS)
    assert sweep[0]["xgboost_weight"] == 1.0 and sweep[-1]["xgboost_weight"] == 0.0
    per_model = result.metrics()["per_model"]
    assert sweep[0]["wape"] == pytest.approx(per_model["xgboost"]["wape"])
    assert sweep[-1]["wape"] == pytest.approx(per_model["lightgbm"]["wape"])
    # The 0.3 row is the score of the actual 0.3/0.7 blend, computed independently.
    xgb = result.evaluation("xgboost")
    lgb = result.evaluation("lightgbm")
    blend = 0.3 * xgb.forecast + 0.7 * lgb.forecast
    mask = ~np.isnan(xgb.actual)
    expected = np.abs(blend - xgb.actual)[mask].sum() / np.abs(xgb.actual[mask]).sum()
    row = next(r for r in sweep if r["xgboost_weight"] == 0.3)
    assert row["wape"] == pytest.approx(expected)


def test_too_many_windows_for_the_history_is_a_clear_error(mixed_panel: Panel) -> None:
    with pytest.raises(ForecastInputError, match=r"10 window\(s\) of 28 periods"):
        backtest(mixed_panel, CHEAP, horizon=28, windows=10)
    with pytest.raises(ForecastInputError, match="at least 1"):
        backtest(mixed_panel, CHEAP, horizon=28, windows=0)


def test_held_out_coverage_on_generated_retail_data_is_within_3_points(tmp_path: Path) -> None:
    generate_dataset(GenerationConfig(stores=4, products=50, days=400, seed=2), tmp_path)
    panel = build_panel(read_input(tmp_path / "sales.csv"))
    logging.disable(logging.WARNING)  # feature-gate warnings are expected on short data
    try:
        config = PipelineConfig(model="auto", model_params={"lightgbm": {"n_estimators": 60}})
        result = backtest(panel, config, horizon=28, windows=2)
    finally:
        logging.disable(logging.NOTSET)
    pooled = result.metrics()["pooled"]
    assert pooled["coverage_nominal"] == pytest.approx(0.8)
    assert abs(pooled["coverage"] - 0.8) <= 0.03
    # …and the model beats repeating last week on the same windows.
    ev = result.evaluation()
    naive = EvaluationSet(
        actual=ev.actual,
        forecast=np.concatenate(
            [np.tile(panel.y[:, w.cutoff - 7 : w.cutoff], 4) for w in result.windows]
        ),
        quantiles={},
        scale=ev.scale,
    )
    assert pooled["wape"] < pooled_metrics(naive)["wape"]


def test_backtest_frame_round_trips_to_csv(mixed_panel: Panel, tmp_path: Path) -> None:
    result = backtest(mixed_panel, CHEAP, horizon=7, windows=1)
    path = tmp_path / "backtest.csv"
    result.frame().write_csv(path)
    back = pl.read_csv(path, try_parse_dates=True)
    assert back.height == result.frame().height


def test_the_windows_are_checked_against_the_file_not_the_first_window(
    mixed_panel: Panel,
) -> None:
    # Each window's pipeline calibrates on one 7-period window plus a season (7 daily
    # periods): 14 before the first cutoff. With 3 windows of 7 that is 14 + 21 = 35.
    short = mixed_panel.truncate(34)
    with pytest.raises(ForecastInputError) as raised:
        backtest(short, CHEAP, horizon=7, windows=3)
    assert str(raised.value) == (
        "3 window(s) of 7 periods, 7 apart, need at least 35 periods of history (each "
        "window's forecast is calibrated on at least 14 periods before it); the history "
        "has 34"
    )
    assert len(backtest(mixed_panel.truncate(35), CHEAP, horizon=7, windows=3).windows) == 3
