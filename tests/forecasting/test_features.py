"""Feature values against an independent oracle, leakage, and the recursive forecast."""

from __future__ import annotations

import datetime as dt
from typing import Any, ClassVar

import numpy as np
import pandas as pd
import polars as pl
import pytest

from shelfops.forecasting import features as features_module
from shelfops.forecasting.features import (
    FeatureBuilder,
    FeatureConfig,
    FeatureTier,
    calendar_features,
)
from shelfops.forecasting.frequency import Freq
from shelfops.forecasting.models.gbm import GlobalGBM, TrainingSet
from shelfops.forecasting.panel import Panel, build_panel

START = dt.date(2024, 1, 1)


def _frame(n_series: int = 4, days: int = 120, seed: int = 3) -> pl.DataFrame:
    rng = np.random.default_rng(seed)
    rows: list[dict[str, Any]] = []
    for i in range(n_series):
        first = i * 5  # later series start later
        for d in range(first, days):
            rows.append(
                {
                    "unique_id": f"s{i}",
                    "ds": START + dt.timedelta(days=d),
                    "y": float(rng.poisson(3 + i)),
                    "in_stock": bool(rng.random() > 0.1),
                    "price": 2.0 + 0.1 * i + (0.5 if d % 30 < 3 else 0.0),
                    "promo_flag": float(d % 11 == 0),
                    "discount_pct": 0.2 if d % 11 == 0 else 0.0,
                    "store_id": f"st{i % 2}",
                    "category": "c",
                }
            )
    return pl.DataFrame(rows)


def _panel() -> Panel:
    return build_panel(_frame())


def _oracle(frame: pl.DataFrame) -> pd.DataFrame:
    """Features by pandas group-wise shift/rolling — written independently of the library."""
    df = frame.to_pandas().sort_values(["unique_id", "ds"])
    df["demand"] = df["y"].where(df["in_stock"])
    g = df.groupby("unique_id")["demand"]
    for k in (1, 7, 28):
        df[f"lag_{k}"] = g.shift(k)
    for w in (7, 28):
        df[f"mean_{w}"] = g.transform(lambda s, w=w: s.shift(1).rolling(w, min_periods=1).mean())
    df["zero_share_28"] = g.transform(
        lambda s: (
            (s.shift(1) == 0)
            .astype(float)
            .where(s.shift(1).notna())
            .rolling(28, min_periods=1)
            .mean()
        )
    )
    return df


def _builder_rows(panel: Panel) -> pd.DataFrame:
    builder = FeatureBuilder.from_panel(panel, FeatureConfig())
    columns = np.arange(panel.n_periods)
    block = builder.feature_block(columns)
    out = pd.DataFrame(block, columns=builder.names)
    out["unique_id"] = np.repeat(panel.ids, panel.n_periods)
    out["ds"] = np.tile(pd.to_datetime(panel.dates), panel.n_series)
    return out


def test_lags_rolling_means_and_zero_share_match_a_pandas_oracle() -> None:
    frame = _frame()
    ours = _builder_rows(build_panel(frame))
    oracle = _oracle(frame)
    oracle["ds"] = pd.to_datetime(oracle["ds"])
    merged = oracle.merge(ours, on=["unique_id", "ds"], suffixes=("_oracle", ""))
    assert len(merged) == frame.height
    for name in ("lag_1", "lag_7", "lag_28", "mean_7", "mean_28", "zero_share_28"):
        expected = merged[f"{name}_oracle"].to_numpy(dtype=float)
        got = merged[name].to_numpy(dtype=float)
        np.testing.assert_allclose(got, expected, rtol=1e-5, atol=1e-6, err_msg=name)


def test_a_feature_row_never_reads_the_target_at_or_after_its_own_date() -> None:
    panel = _panel()
    t = 90
    base = FeatureBuilder.from_panel(panel, FeatureConfig()).feature_block(np.arange(t + 1))
    changed_y = panel.y.copy()
    changed_y[:, t:] = 1000.0  # the future, including day t itself
    changed = Panel(
        ids=panel.ids,
        grid=panel.grid,
        y=changed_y,
        censored=panel.censored,
        covariates=panel.covariates,
        statics=panel.statics,
    )
    after = FeatureBuilder.from_panel(changed, FeatureConfig()).feature_block(np.arange(t + 1))
    np.testing.assert_array_equal(np.isnan(base), np.isnan(after))
    np.testing.assert_allclose(np.nan_to_num(base), np.nan_to_num(after))


def test_censored_days_are_missing_lags_not_zero_sales() -> None:
    frame = pl.DataFrame(
        {
            "unique_id": ["a"] * 10,
            "ds": [START + dt.timedelta(days=d) for d in range(10)],
            "y": [5.0, 5, 5, 5, 5, 5, 5, 5, 0, 5],
            "in_stock": [True] * 8 + [False, True],
        }
    )
    panel = build_panel(frame)
    builder = FeatureBuilder.from_panel(panel, FeatureConfig(tier=FeatureTier.COLD_START))
    row = builder.feature_block(np.array([9]))[0]
    names = builder.names
    assert np.isnan(row[names.index("lag_1")])  # day 8 was a stock-out
    assert row[names.index("mean_7")] == pytest.approx(5.0)  # the stock-out is not a zero
    assert row[names.index("zero_share_28")] == pytest.approx(0.0)


def test_production_tier_adds_covariates_and_cold_start_does_not() -> None:
    panel = _panel()
    cold = FeatureBuilder.from_panel(panel, FeatureConfig(tier=FeatureTier.COLD_START)).names
    production = FeatureBuilder.from_panel(panel, FeatureConfig()).names
    for name in ("price", "promo_flag", "discount_pct", "price_ratio_28", "censored_share_28"):
        assert name in production
        assert name not in cold
    assert set(cold) < set(production)


def test_holiday_features_count_days_to_thanksgiving() -> None:
    dates = np.arange(
        np.datetime64("2024-11-20"), np.datetime64("2024-11-30"), dtype="datetime64[D]"
    )
    calendar = calendar_features(dates, Freq.DAY, "US")
    until = calendar.values[:, calendar.names.index("days_to_holiday")]
    since = calendar.values[:, calendar.names.index("days_since_holiday")]
    # Thanksgiving 2024 is Thursday 28 November (index 8); Veterans Day was 11 November.
    # After Thanksgiving the next holiday (Christmas) is out of reach: capped at 15.
    assert until.tolist() == [8, 7, 6, 5, 4, 3, 2, 1, 0, 15]
    assert since[0] == 9 and since[8] == 0 and since[9] == 1


class _LagModel(GlobalGBM):
    """A 'trained' model with a known formula: 0.5 × lag_1 + 0.5 × lag_7 + 1."""

    name: ClassVar[str] = "lag_model"

    def _train(self, data: TrainingSet) -> None:
        self._names = data.names

    def _predict_rows(self, rows: np.ndarray) -> np.ndarray:
        lag1 = rows[:, self._names.index("lag_1")].astype(np.float64)
        lag7 = rows[:, self._names.index("lag_7")].astype(np.float64)
        return 0.5 * lag1 + 0.5 * lag7 + 1.0

    @property
    def booster(self) -> Any:
        return None


def test_recursive_forecast_rolls_lags_forward_as_worked_by_hand() -> None:
    # History of 14 days: 1, 2, …, 14.
    frame = pl.DataFrame(
        {
            "unique_id": ["a"] * 14,
            "ds": [START + dt.timedelta(days=d) for d in range(14)],
            "y": [float(v) for v in range(1, 15)],
        }
    )
    model = _LagModel(tier=FeatureTier.COLD_START, train_window=None).fit(build_panel(frame))
    forecast = model.predict(3)[0]
    # Step 1 reads lag_1 = 14 (day 14) and lag_7 = 8 (day 8): 0.5·14 + 0.5·8 + 1 = 12.
    # Step 2 reads its own previous prediction as lag_1: 0.5·12 + 0.5·9 + 1 = 11.5.
    # Step 3: 0.5·11.5 + 0.5·10 + 1 = 11.75.
    np.testing.assert_allclose(forecast, [12.0, 11.5, 11.75])
    # The feature rows kept for explanations are those of the three steps, in order.
    assert model.prediction_features is not None
    lag1 = model.prediction_features[:, model.feature_names.index("lag_1")]
    np.testing.assert_allclose(lag1, [14.0, 12.0, 11.5])


def test_training_rows_exclude_censored_and_unstarted_cells() -> None:
    panel = _panel()
    builder = FeatureBuilder.from_panel(panel, FeatureConfig())
    from shelfops.forecasting.models.gbm import training_set

    data = training_set(builder, panel.n_periods, train_window=None)
    observed = ~np.isnan(panel.demand()[:, 1:])
    assert len(data.target) == int(observed.sum())
    assert not np.isnan(data.target).any()


def test_one_step_rows_equal_the_same_rows_of_a_training_block() -> None:
    # A recursive step computes windows directly; training uses prefix sums. Same numbers.
    panel = _panel()
    builder = FeatureBuilder.from_panel(panel, FeatureConfig())
    block = builder.feature_block(np.arange(100, 110)).reshape(panel.n_series, 10, -1)
    for offset, column in ((0, 100), (9, 109)):
        single = builder.feature_block(np.array([column]))
        np.testing.assert_allclose(single, block[:, offset, :], rtol=1e-6, equal_nan=True)


@pytest.mark.parametrize("threads", [1, 2])
def test_a_block_filled_in_chunks_of_series_equals_one_filled_whole(
    monkeypatch: pytest.MonkeyPatch, threads: int
) -> None:
    # Chunks of a few series, filled on one or two threads, must give exactly the block
    # one pass over every series gives: the production tier reads covariates and statics
    # per series too, so a chunk that took the wrong rows of any of them would show.
    panel = build_panel(_frame(n_series=7, days=150))
    builder = FeatureBuilder.from_panel(panel, FeatureConfig())
    columns = np.arange(30, 150)
    whole = builder.feature_block(columns)
    monkeypatch.setattr(features_module, "_CHUNK_CELLS", 2 * (columns.size + 91))
    chunked = builder.feature_block(columns, threads=threads)
    np.testing.assert_array_equal(chunked, whole)
    step = builder.feature_block(np.array([149]), threads=threads)
    last = whole.reshape(7, columns.size, -1)[:, -1, :]
    np.testing.assert_allclose(step, last, rtol=1e-6, equal_nan=True)
