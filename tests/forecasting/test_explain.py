"""SHAP explanations of the global tree models (seed 001 §2).

The oracle is the data: every series is generated with demand three times higher on
promotion days, so on the log scale the model explains, the SHAP values of ``promo_flag``
on promoted rows must exceed those on other rows by about log(3), while ``discount_pct``
(pure noise here) must get almost no credit. Additivity is checked against ``predict``'s
own output, and explained rows against the input frame.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import math
import warnings
from pathlib import Path

import numpy as np
import polars as pl
import pytest

from shelfops.forecasting import explain
from shelfops.forecasting.errors import ForecastInputError
from shelfops.forecasting.models.baseline import SeasonalNaive
from shelfops.forecasting.models.gbm import GlobalGBM, LightGBMForecaster, XGBoostForecaster
from shelfops.forecasting.panel import FloatMatrix, Panel, build_panel

N_SERIES, HISTORY, H = 30, 200, 14
START = dt.date(2023, 12, 11)  # the 14-day forecast runs 2024-06-28 … 2024-07-11
JULY_4 = dt.date(2024, 7, 4)
PROMO_LIFT = 3.0
PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


def make_frame() -> pl.DataFrame:
    """History and forecast period of 30 series; promotions triple the Poisson mean."""
    rng = np.random.default_rng(7)
    days = [START + dt.timedelta(days=t) for t in range(HISTORY + H)]
    level = rng.uniform(5.0, 15.0, N_SERIES)
    promo = rng.random((N_SERIES, HISTORY + H)) < 0.2
    y = rng.poisson(level[:, None] * np.where(promo, PROMO_LIFT, 1.0)).astype(float)
    return pl.DataFrame(
        {
            "unique_id": np.repeat([f"s{i:02d}" for i in range(N_SERIES)], HISTORY + H),
            "ds": days * N_SERIES,
            "y": y.reshape(-1),
            "price": np.repeat(rng.uniform(2.0, 10.0, N_SERIES), HISTORY + H),
            "promo_flag": promo.reshape(-1).astype(float),
            # Unrelated to demand: a feature the explanation must not credit.
            "discount_pct": rng.uniform(0.0, 0.3, N_SERIES * (HISTORY + H)),
        }
    )


Fitted = tuple[GlobalGBM, Panel, FloatMatrix, pl.DataFrame]


@pytest.fixture(scope="module")
def frame() -> pl.DataFrame:
    return make_frame()


def fit(cls: type[GlobalGBM], frame: pl.DataFrame) -> Fitted:
    first_future = START + dt.timedelta(days=HISTORY)
    history = frame.filter(pl.col("ds") < first_future)
    future = frame.filter(pl.col("ds") >= first_future)
    panel = build_panel(history).with_future(future.drop("y"), H)
    # One thread: on a busy 2-core machine XGBoost's two OpenMP threads ran 20-40x slower.
    model = cls(n_estimators=50, learning_rate=0.2, train_window=None, threads=1)
    forecast = model.fit(panel).predict(H)
    return model, panel, forecast, future


@pytest.fixture(scope="module")
def lgb(frame: pl.DataFrame) -> Fitted:
    return fit(LightGBMForecaster, frame)


@pytest.fixture(scope="module")
def xgb(frame: pl.DataFrame) -> Fitted:
    return fit(XGBoostForecaster, frame)


@pytest.fixture(params=["lgb", "xgb"])
def fitted(request: pytest.FixtureRequest) -> Fitted:
    result: Fitted = request.getfixturevalue(request.param)
    return result


@pytest.fixture(scope="module")
def samples(lgb: Fitted, xgb: Fitted) -> dict[str, explain.ShapExplanation]:
    """SHAP values of each model's training sample (computed once: the slow part)."""
    return {
        "lightgbm": explain.explain_training_sample(lgb[0]),
        "xgboost": explain.explain_training_sample(xgb[0]),
    }


def future_value(future: pl.DataFrame, series: str, day: dt.date, column: str) -> float:
    row = future.filter((pl.col("unique_id") == series) & (pl.col("ds") == day))
    return float(row[column][0])


# -- values ----------------------------------------------------------------------------------


def test_shap_values_add_up_to_the_log_of_each_forecast(fitted: Fitted) -> None:
    model, _, forecast, _ = fitted
    assert model.prediction_features is not None
    result = explain.explain_rows(model, model.prediction_features)
    assert result.scale == "log"
    assert result.values.shape == (N_SERIES * H, len(model.feature_names))
    # Row i * H + k is series i at step k, the layout of predict's (series, horizon) output.
    np.testing.assert_allclose(result.margin, np.log(forecast.reshape(-1)), atol=1e-4, rtol=0)
    np.testing.assert_allclose(result.prediction, forecast.reshape(-1), rtol=1e-4)
    np.testing.assert_allclose(result.multipliers, np.exp(result.values))


def test_promotion_effect_is_attributed_to_promo_flag(
    fitted: Fitted, samples: dict[str, explain.ShapExplanation]
) -> None:
    model, *_ = fitted
    sample = samples[model.name]
    assert sample.values.shape == (2000, len(model.feature_names))
    promo = sample.feature_names.index("promo_flag")
    promoted = sample.data[:, promo] > 0
    values = sample.values[:, promo]
    assert promoted.any()
    assert not promoted.all()
    # The data multiply demand by 3 on promotion days: log(3) apart on the log scale.
    gap = values[promoted].mean() - values[~promoted].mean()
    assert gap == pytest.approx(math.log(PROMO_LIFT), rel=0.1)
    assert (values[promoted] > 0).all()
    assert (values[~promoted] < 0).all()

    importance = explain.feature_importance(sample)
    assert next(iter(importance)) == "promo_flag"
    assert importance["discount_pct"] < 0.1 * importance["promo_flag"]


@pytest.mark.parametrize("name", ["lightgbm", "xgboost"])
def test_a_feature_the_trees_never_split_on_gets_no_credit(
    samples: dict[str, explain.ShapExplanation], name: str
) -> None:
    # No stock-outs in the data: the censoring flag is always 0, so no tree can use it.
    sample = samples[name]
    column = sample.feature_names.index("censored_share_28")
    assert (sample.values[:, column] == 0.0).all()
    assert explain.feature_importance(sample)["censored_share_28"] == 0.0


def test_feature_importance_ranks_every_feature(lgb: Fitted) -> None:
    model, *_ = lgb
    importance = explain.feature_importance(model)
    assert set(importance) == set(model.feature_names)
    values = list(importance.values())
    assert values == sorted(values, reverse=True)
    assert all(v >= 0 for v in values)


def test_identity_objective_adds_up_in_units(frame: pl.DataFrame) -> None:
    panel = build_panel(frame.filter(pl.col("ds") < START + dt.timedelta(days=HISTORY)))
    panel = panel.select(np.arange(8)).with_future(None, 3)
    model = LightGBMForecaster(
        objective="regression", n_estimators=20, train_window=None, threads=1
    )
    forecast = model.fit(panel).predict(3)
    assert model.prediction_features is not None
    result = explain.explain_rows(model, model.prediction_features)
    assert result.scale == "identity"
    np.testing.assert_allclose(result.margin, forecast.reshape(-1), rtol=1e-5)
    with pytest.raises(ValueError, match="log-link"):
        _ = result.multipliers


# -- one forecast ----------------------------------------------------------------------------


@pytest.mark.parametrize("when", ["2024-07-03", dt.date(2024, 7, 3), np.datetime64("2024-07-03")])
def test_explain_forecast_explains_the_predicted_cell(
    fitted: Fitted, when: str | dt.date | np.datetime64
) -> None:
    model, panel, forecast, future = fitted
    result = explain.explain_forecast(model, panel.ids, panel.future_dates(H), "s07", when)
    step = (dt.date(2024, 7, 3) - dt.date(2024, 6, 28)).days
    assert result.series_id == "s07"
    assert result.date == dt.date(2024, 7, 3)
    assert result.step == step + 1
    assert result.prediction == pytest.approx(forecast[7, step], rel=1e-5)
    shap_total = sum(c.shap for c in result.contributions)
    assert result.base_value + shap_total == pytest.approx(math.log(forecast[7, step]), abs=1e-4)
    assert [c.feature for c in result.contributions] != model.feature_names
    assert sorted(c.feature for c in result.contributions) == sorted(model.feature_names)
    sizes = [abs(c.shap) for c in result.contributions]
    assert sizes == sorted(sizes, reverse=True)

    # The explained row is this series on this date, as the input frame has it.
    value = {c.feature: c.value for c in result.contributions}
    day = dt.date(2024, 7, 3)
    assert value["promo_flag"] == future_value(future, "s07", day, "promo_flag")
    assert value["discount_pct"] == pytest.approx(
        future_value(future, "s07", day, "discount_pct"), abs=1e-6
    )
    assert value["day_of_week"] == day.weekday()  # Monday = 0
    assert value["lag_364"] is None  # 200 days of history: no value a year back


def test_forecast_explanation_to_dict_is_strict_json(lgb: Fitted) -> None:
    model, panel, forecast, _ = lgb
    result = explain.explain_forecast(model, panel.ids, panel.future_dates(H), "s02", "2024-06-28")
    document = json.loads(json.dumps(result.to_dict(), allow_nan=False))
    assert document["series_id"] == "s02"
    assert document["date"] == "2024-06-28"
    assert document["scale"] == "log"
    assert document["prediction"] == pytest.approx(forecast[2, 0], rel=1e-5)
    assert document["base_prediction"] == pytest.approx(math.exp(document["base_value"]))
    top = document["contributions"][0]
    assert set(top) == {"feature", "value", "shap", "multiplier"}
    assert top["multiplier"] == pytest.approx(math.exp(top["shap"]))


def test_unknown_series_is_named(lgb: Fitted) -> None:
    model, panel, *_ = lgb
    with pytest.raises(ForecastInputError, match="unknown series 'store9_item9'"):
        explain.explain_forecast(model, panel.ids, panel.future_dates(H), "store9_item9", JULY_4)


@pytest.mark.parametrize("when", ["2024-06-27", "2024-07-12", "2025-01-01"])
def test_date_outside_the_horizon_is_named(lgb: Fitted, when: str) -> None:
    model, panel, *_ = lgb
    with pytest.raises(ForecastInputError, match=f"date {when} is outside the forecast horizon"):
        explain.explain_forecast(model, panel.ids, panel.future_dates(H), "s01", when)


def test_malformed_date_is_rejected(lgb: Fitted) -> None:
    model, panel, *_ = lgb
    with pytest.raises(ForecastInputError, match="'next tuesday' is not a date"):
        explain.explain_forecast(model, panel.ids, panel.future_dates(H), "s01", "next tuesday")


def test_ids_and_dates_must_describe_the_last_forecast(lgb: Fitted) -> None:
    model, panel, *_ = lgb
    with pytest.raises(ForecastInputError, match=r"30 series × 7 dates do not match"):
        explain.explain_forecast(model, panel.ids, panel.future_dates(7), "s01", JULY_4)


def test_models_without_trees_or_forecasts_are_refused(lgb: Fitted) -> None:
    _, panel, *_ = lgb
    naive = SeasonalNaive().fit(panel)
    with pytest.raises(ForecastInputError, match="no trees to explain"):
        explain.explain_forecast(naive, panel.ids, panel.future_dates(H), "s01", JULY_4)
    with pytest.raises(RuntimeError, match="fit the model"):
        explain.feature_importance(LightGBMForecaster())


# -- representative forecasts and artifacts ------------------------------------------------------


def test_representative_rows_cover_range_promotion_and_holiday(lgb: Fitted) -> None:
    model, panel, forecast, future = lgb
    picks = explain.representative_picks(model, H)
    rows = [p.row for p in picks]
    assert explain.representative_rows(model, H) == rows  # deterministic
    assert len(rows) == 5
    assert len(set(rows)) == 5
    flat = forecast.reshape(-1)
    assert rows[0] == int(np.argmin(flat))
    assert flat[rows[1]] == pytest.approx(np.median(flat), rel=0.05)
    assert rows[2] == int(np.argmax(flat))
    dates = panel.future_dates(H).astype(dt.date)
    promo_row, holiday_row = picks[3], picks[4]
    assert promo_row.reason == "promotion"
    series, step = panel.ids[promo_row.row // H], promo_row.row % H
    assert future_value(future, str(series), dates[step], "promo_flag") == 1.0
    assert holiday_row.reason == "holiday"
    assert dates[holiday_row.row % H] == JULY_4


def test_write_explanations_writes_the_seed_artifacts(lgb: Fitted, tmp_path: Path) -> None:
    model, panel, *_ = lgb
    written = explain.write_explanations(model, tmp_path, panel.ids, panel.future_dates(H))
    local = [f"shap_local_{k}.png" for k in range(1, 6)]
    assert sorted(written) == sorted(["shap_summary.png", "feature_importance.json", *local])
    for name in ["shap_summary.png", *local]:
        path = tmp_path / name
        assert written[name] == path
        assert path.read_bytes()[:8] == PNG_MAGIC
        assert path.stat().st_size > 10_000  # a drawn plot, not an empty canvas
    document = json.loads((tmp_path / "feature_importance.json").read_text())
    assert document["scale"] == "log"
    features = document["features"]
    assert len(features) == len(model.feature_names)
    assert [f["rank"] for f in features] == list(range(1, len(features) + 1))
    scores = [f["mean_abs_shap"] for f in features]
    assert scores == sorted(scores, reverse=True)
    assert features[0]["feature"] == "promo_flag"


def test_beeswarm_of_xgboost_is_written(
    samples: dict[str, explain.ShapExplanation], tmp_path: Path
) -> None:
    target = tmp_path / "nested" / "shap_summary.png"
    path = explain.beeswarm_png(samples["xgboost"], target, top=5)
    assert path == target
    assert path.read_bytes()[:8] == PNG_MAGIC


def test_waterfall_arguments_are_checked(lgb: Fitted, tmp_path: Path) -> None:
    model, *_ = lgb
    with pytest.raises(ForecastInputError, match="2 rows but 1 labels"):
        explain.waterfall_pngs(model, tmp_path, [0, 1], ["only one"])
    with pytest.raises(ForecastInputError, match="row 420 is not a row of the last forecast"):
        explain.waterfall_pngs(model, tmp_path, [420], ["past the end"])


def test_a_feature_missing_on_every_row_draws_without_a_warning(
    samples: dict[str, explain.ShapExplanation], tmp_path: Path
) -> None:
    # On a short history a long lag (lag_364) is missing on every row; numpy's
    # "All-NaN slice" warning about it used to reach stderr in every short backtest.
    sample = samples["lightgbm"]
    data = sample.data.copy()
    # The beeswarm colours only the features it shows: blank out the first of them.
    data[:, int(np.abs(sample.values).mean(axis=0).argmax())] = np.nan
    missing = dataclasses.replace(sample, data=data)
    with warnings.catch_warnings():
        warnings.simplefilter("error", RuntimeWarning)
        path = explain.beeswarm_png(missing, tmp_path / "shap_summary.png", top=5)
    assert path.read_bytes()[:8] == PNG_MAGIC
