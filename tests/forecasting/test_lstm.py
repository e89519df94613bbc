"""The global LSTM (optional ``deep`` extra).

Torch-dependent tests take the ``lstm`` fixture, which skips them cleanly when torch is
not installed; the registry test at the bottom runs either way (it simulates absence).
"""

from __future__ import annotations

import copy
import importlib.util
from datetime import date, timedelta
from typing import TYPE_CHECKING, Any

import numpy as np
import polars as pl
import pytest

import shelfops.forecasting.models as registry
from shelfops.forecasting.errors import ForecastInputError, ModelUnavailable
from shelfops.forecasting.frequency import Freq
from shelfops.forecasting.panel import Panel, build_panel

if TYPE_CHECKING:
    from shelfops.forecasting.models.lstm import LSTMForecaster

START = date(2024, 1, 1)  # a Monday
DAYS = 300
HOLDOUT = 14
N_REGULAR = 40
#: Strong weekly pattern (Monday … Sunday), mean 1.
WEEK = np.array([0.5, 0.6, 0.8, 1.0, 1.3, 1.8, 1.0])
WEEK = WEEK / WEEK.mean()
#: Small but enough to learn the weekly shape in a few seconds on one loaded core.
QUICK: dict[str, Any] = {
    "hidden_size": 32,
    "max_windows": 6000,
    "epochs": 4,
    "learning_rate": 1e-2,
    "max_horizon": 14,
}


@pytest.fixture(scope="module")
def lstm() -> type[LSTMForecaster]:
    """The model class; skips the test when the 'deep' extra (torch) is absent."""
    pytest.importorskip("torch")
    from shelfops.forecasting.models.lstm import LSTMForecaster

    return LSTMForecaster


def synthetic() -> tuple[Panel, dict[str, float]]:
    """40 weekly-seasonal Poisson series of levels 1…100, plus three special series.

    * ``censored_tail`` (level 40): its last 10 training days are censored zeros;
    * ``all_out``: every day censored — no observed demand at all;
    * ``new``: observed only for the last 12 training days (shorter than the window).

    Returns the panel and each series' true level.
    """
    rng = np.random.default_rng(7)
    days = [START + timedelta(days=k) for k in range(DAYS)]
    weekday = np.array([d.weekday() for d in days])
    levels = {f"s{i:02d}": float(np.exp(rng.uniform(0.0, np.log(100.0)))) for i in range(N_REGULAR)}
    levels["censored_tail"] = 40.0
    levels["new"] = 20.0
    rows: list[tuple[str, date, float, bool]] = []
    train_end = DAYS - HOLDOUT
    for uid, level in levels.items():
        values = rng.poisson(level * WEEK[weekday]).astype(float)
        in_stock = np.ones(DAYS, dtype=bool)
        first = train_end - 12 if uid == "new" else 0
        if uid == "censored_tail":
            values[train_end - 10 : train_end] = 0.0
            in_stock[train_end - 10 : train_end] = False
        rows += [(uid, days[k], values[k], bool(in_stock[k])) for k in range(first, DAYS)]
    rows += [("all_out", d, 0.0, False) for d in days]
    frame = pl.DataFrame(rows, schema=["unique_id", "ds", "y", "in_stock"], orient="row")
    return build_panel(frame), levels


@pytest.fixture(scope="module")
def fitted(lstm: type[LSTMForecaster]) -> tuple[Panel, LSTMForecaster, np.ndarray[Any, Any]]:
    """The synthetic panel, a model fitted on all but its last 14 days, and its forecast."""
    panel, _ = synthetic()
    model = lstm(**QUICK, seed=3).fit(panel.truncate(DAYS - HOLDOUT))
    return panel, model, model.predict(HOLDOUT)


def rows_of(panel: Panel, uids: list[str]) -> np.ndarray[Any, Any]:
    return np.array([list(panel.ids).index(u) for u in uids])


def test_beats_a_flat_mean_on_held_out_weekly_data(
    fitted: tuple[Panel, LSTMForecaster, np.ndarray[Any, Any]],
) -> None:
    panel, _, forecast = fitted
    _, levels = synthetic()
    uids = [f"s{i:02d}" for i in range(N_REGULAR)]
    regular = rows_of(panel, uids)
    actual = panel.y[regular, DAYS - HOLDOUT :]
    history = panel.y[regular, DAYS - HOLDOUT - 28 : DAYS - HOLDOUT]
    flat = np.repeat(history.mean(axis=1, keepdims=True), HOLDOUT, axis=1)
    lstm_mae = np.abs(forecast[regular] - actual).mean()
    flat_mae = np.abs(flat - actual).mean()
    # The weekly swing (0.5x … 1.8x) is what a flat forecast misses; learning it must
    # cut the error clearly, not by a rounding margin.
    assert lstm_mae < 0.85 * flat_mae, (lstm_mae, flat_mae)
    # Oracle: the true means (level × weekday factor) leave only Poisson noise; a model
    # that learned the pattern is not far behind them.
    weekday = (panel.dates[DAYS - HOLDOUT :].astype("datetime64[D]").astype(np.int64) + 3) % 7
    truth = np.array([levels[u] for u in uids])[:, None] * WEEK[weekday][None, :]
    assert lstm_mae < 1.4 * np.abs(truth - actual).mean()
    # And the shape is right: pooled over series, Saturday forecasts exceed Monday's.
    dates = panel.dates[DAYS - HOLDOUT :].astype("datetime64[D]").astype(object)
    saturday = [k for k, d in enumerate(dates) if d.weekday() == 5]
    monday = [k for k, d in enumerate(dates) if d.weekday() == 0]
    assert forecast[regular][:, saturday].sum() > 2.0 * forecast[regular][:, monday].sum()


def test_forecast_shape_is_finite_non_negative_and_zero_without_observations(
    fitted: tuple[Panel, LSTMForecaster, np.ndarray[Any, Any]],
) -> None:
    panel, model, forecast = fitted
    assert forecast.shape == (panel.n_series, HOLDOUT)
    assert np.isfinite(forecast).all()
    assert (forecast >= 0).all()
    # A series that never had an observed (uncensored) day is forecast 0, as documented.
    assert (forecast[rows_of(panel, ["all_out"])[0]] == 0).all()
    # A shorter horizon is the first steps of the same direct forecast.
    np.testing.assert_allclose(model.predict(5), forecast[:, :5])


def test_censored_zeros_do_not_drag_the_forecast_to_zero(
    fitted: tuple[Panel, LSTMForecaster, np.ndarray[Any, Any]],
) -> None:
    panel, model, forecast = fitted
    _, levels = synthetic()
    row = rows_of(panel, ["censored_tail"])[0]
    level = levels["censored_tail"]
    assert 0.7 * level < forecast[row].mean() < 1.3 * level
    # Control: the same ten zeros marked as real sales do pull it down, so the masking
    # (not luck) is what keeps the level.
    history = panel.truncate(DAYS - HOLDOUT)
    believed = Panel(
        ids=history.ids,
        grid=history.grid,
        y=history.y,
        censored=np.zeros_like(history.censored),
        covariates=history.covariates,
        statics=history.statics,
    )
    other = copy.deepcopy(model).rebase(believed)
    assert other.predict(HOLDOUT)[row].mean() < 0.85 * forecast[row].mean()


def test_series_shorter_than_the_window_get_a_forecast_near_their_level(
    fitted: tuple[Panel, LSTMForecaster, np.ndarray[Any, Any]],
) -> None:
    panel, _, forecast = fitted
    _, levels = synthetic()
    row = rows_of(panel, ["new"])[0]
    assert 0.5 * levels["new"] < forecast[row].mean() < 1.5 * levels["new"]


def test_same_seed_same_forecast_and_seed_matters(lstm: type[LSTMForecaster]) -> None:
    panel, _ = synthetic()
    tiny: dict[str, Any] = {"hidden_size": 8, "max_windows": 600, "epochs": 1, "max_horizon": 7}
    first = lstm(**tiny, seed=11).fit(panel).predict(7)
    again = lstm(**tiny, seed=11).fit(panel).predict(7)
    other = lstm(**tiny, seed=12).fit(panel).predict(7)
    np.testing.assert_array_equal(first, again)
    assert not np.array_equal(first, other)


def test_fit_and_predict_restore_torch_threads(lstm: type[LSTMForecaster]) -> None:
    import torch

    panel, _ = synthetic()
    before = torch.get_num_threads()
    model = lstm(hidden_size=8, max_windows=200, epochs=1, max_horizon=7, threads=before + 1)
    model.fit(panel).predict(7)
    assert torch.get_num_threads() == before


def test_horizon_beyond_max_horizon_is_a_clear_error(
    fitted: tuple[Panel, LSTMForecaster, np.ndarray[Any, Any]],
) -> None:
    _, model, _ = fitted
    with pytest.raises(ForecastInputError, match=r"at most 14 periods.*max_horizon=15"):
        model.predict(15)
    with pytest.raises(ForecastInputError, match="at least 1"):
        model.predict(0)


def test_one_period_of_history_forecasts_its_value(lstm: type[LSTMForecaster]) -> None:
    # No (input, target) window exists, so nothing is trained: the documented flat mean.
    frame = pl.DataFrame({"unique_id": ["a", "b"], "ds": [START, START], "y": [4.0, 0.0]})
    panel = build_panel(frame, freq=Freq.DAY)
    forecast = lstm(max_horizon=3).fit(panel).predict(3)
    np.testing.assert_array_equal(forecast, [[4.0] * 3, [0.0] * 3])


def test_bad_parameters_are_rejected_by_name(lstm: type[LSTMForecaster]) -> None:
    with pytest.raises(ForecastInputError, match="max_horizon must be at least 1"):
        lstm(max_horizon=0)


def test_registry_without_torch_names_the_deep_extra(monkeypatch: pytest.MonkeyPatch) -> None:
    real = importlib.util.find_spec

    def find_spec(name: str, package: str | None = None) -> Any:
        return None if name == "torch" else real(name, package)

    monkeypatch.setattr("shelfops.forecasting.models.importlib.util.find_spec", find_spec)
    assert not registry.is_available("lstm")
    with pytest.raises(ModelUnavailable, match=r"'deep' extra"):
        registry.make_model("lstm")
    # Other models are unaffected.
    assert registry.is_available("seasonal_naive")
