"""``forecast_file`` and ``backtest_file``: outputs, reports, tracking, bad input."""

from __future__ import annotations

import json
import logging
from pathlib import Path

import polars as pl
import pytest
from mlflow import MlflowClient

from shelfops.config import Environment, Settings
from shelfops.forecasting.errors import ForecastInputError
from shelfops.runs.commands import backtest_file, forecast_file
from shelfops.tracking import default_tracking_uri

FAST = "seasonal_naive"


@pytest.fixture(autouse=True)
def _quiet_feature_gate() -> None:
    # The feature gate warns about short histories by design; keep test logs readable.
    logging.getLogger("shelfops.forecasting.validation").setLevel(logging.ERROR)


def test_forecast_writes_one_row_per_series_and_day_and_tracks_the_run(
    run_settings: Settings, input_csv: Path, tmp_path: Path
) -> None:
    output = tmp_path / "out" / "forecast.csv"
    outcome = forecast_file(
        run_settings, input_path=input_csv, horizon=14, output=output, model="auto"
    )
    frame = pl.read_csv(output, try_parse_dates=True)
    assert frame.columns == ["unique_id", "ds", "forecast", "q0.1", "q0.5", "q0.9"]
    assert frame.height == 20 * 14
    assert str(frame["ds"].min()) == "2024-06-29"  # the day after the history ends
    assert outcome.tracking is not None and outcome.tracking.mode == "mlflow"
    client = MlflowClient(tracking_uri=default_tracking_uri(run_settings.var_dir))
    run = client.get_run(outcome.tracking.run_id or "")
    assert run.data.params["horizon"] == "14"
    assert run.data.tags["trigger"] == "cli"
    assert "lightgbm.feature_tier" in run.data.params


def test_a_forecast_with_one_model_for_all_series_is_tracked_in_mlflow(
    run_settings: Settings, input_csv: Path, tmp_path: Path
) -> None:
    # One choice for every series is the group "*", which MLflow refuses in a metric name;
    # the run then ended FAILED and fell back to a JSON report.
    outcome = forecast_file(
        run_settings, input_path=input_csv, horizon=7, output=tmp_path / "o.csv", model=FAST
    )
    assert outcome.tracking is not None and outcome.tracking.mode == "mlflow"
    client = MlflowClient(tracking_uri=default_tracking_uri(run_settings.var_dir))
    run = client.get_run(outcome.tracking.run_id or "")
    assert run.info.status == "FINISHED"
    assert "validation_wape_all" in run.data.metrics


def test_backtest_report_holds_metrics_charts_and_explanations(
    run_settings: Settings, input_csv: Path, tmp_path: Path
) -> None:
    report = tmp_path / "report"
    outcome = backtest_file(
        run_settings,
        input_path=input_csv,
        horizon=7,
        windows=2,
        report_dir=report,
        model="lightgbm",
        png=False,
    )
    metrics = json.loads((report / "metrics.json").read_text())
    assert metrics["windows"] == 2 and len(metrics["cutoffs"]) == 2
    assert set(metrics["per_model"]) == {"lightgbm", "lightgbm:cold_start"}
    assert metrics["pooled"]["wape"] == pytest.approx(outcome.metrics["pooled"]["wape"])
    for chart in (
        "forecast_vs_actual",
        "feature_importance",
        "error_distribution",
        "tier_comparison",
        "training_summary",
    ):
        assert (report / f"{chart}.html").is_file(), chart
    importance = json.loads((report / "feature_importance.json").read_text())
    assert importance["features"][0]["rank"] == 1
    assert (report / "shap_summary.png").read_bytes()[:4] == b"\x89PNG"
    backtest = pl.read_csv(report / "backtest.csv", try_parse_dates=True)
    assert backtest["cutoff"].n_unique() == 2
    assert outcome.tracking is not None and outcome.tracking.mode == "mlflow"


def test_unreachable_mlflow_writes_the_run_to_a_json_file(input_csv: Path, tmp_path: Path) -> None:
    settings = Settings(
        env=Environment.TEST,
        var_dir=tmp_path / "var",
        mlflow_tracking_uri="http://127.0.0.1:9",
    )
    report = tmp_path / "report"
    outcome = backtest_file(
        settings,
        input_path=input_csv,
        horizon=7,
        windows=1,
        report_dir=report,
        model=FAST,
        png=False,
    )
    assert outcome.tracking is not None and outcome.tracking.mode == "file"
    run_file = Path(outcome.tracking.location)
    assert run_file.parent == report and run_file.name.startswith("run_")
    content = json.loads(run_file.read_text())
    assert content["metrics"]["wape"] == pytest.approx(outcome.metrics["pooled"]["wape"])


def test_negative_sales_are_rejected_with_the_line(run_settings: Settings, tmp_path: Path) -> None:
    path = tmp_path / "bad.csv"
    path.write_text("unique_id,ds,y\na,2024-01-01,1\na,2024-01-02,-3\na,2024-01-03,2\n")
    with pytest.raises(ForecastInputError, match=r"line 3.*'y'"):
        forecast_file(run_settings, input_path=path, horizon=2, output=tmp_path / "o.csv")
    assert not (tmp_path / "o.csv").exists()


def test_nan_in_the_future_frame_is_an_error(
    run_settings: Settings, input_csv: Path, tmp_path: Path
) -> None:
    future = tmp_path / "future.csv"
    rows = [f"s{i:02d},2024-06-{29 + d},3.0,0,0.0" for i in range(20) for d in range(2)]
    rows[5] = "s02,2024-06-30,,0,0.0"
    future.write_text("unique_id,ds,price,promo_flag,discount_pct\n" + "\n".join(rows) + "\n")
    with pytest.raises(ForecastInputError, match="price"):
        forecast_file(
            run_settings,
            input_path=input_csv,
            horizon=2,
            output=tmp_path / "o.csv",
            model=FAST,
            future_path=future,
        )


@pytest.mark.parametrize(
    ("content", "message"),
    [("", "future.csv is empty: expected a header row"), (None, "is a folder, not a file")],
)
def test_an_empty_or_missing_future_file_is_an_input_error(
    run_settings: Settings, input_csv: Path, tmp_path: Path, content: str | None, message: str
) -> None:
    future = tmp_path / "future.csv"
    if content is None:
        future.mkdir()
    else:
        future.write_text(content)
    with pytest.raises(ForecastInputError, match=message):
        forecast_file(
            run_settings,
            input_path=input_csv,
            horizon=2,
            output=tmp_path / "o.csv",
            model=FAST,
            future_path=future,
        )
    assert not (tmp_path / "o.csv").exists()


def test_future_covariates_from_a_frame_reach_the_forecast(
    run_settings: Settings, input_csv: Path, tmp_path: Path
) -> None:
    future = tmp_path / "future.csv"
    rows = [f"s{i:02d},2024-06-{29 + d},3.0,0,0.0" for i in range(20) for d in range(2)]
    future.write_text("unique_id,ds,price,promo_flag,discount_pct\n" + "\n".join(rows) + "\n")
    output = tmp_path / "o.csv"
    forecast_file(
        run_settings,
        input_path=input_csv,
        horizon=2,
        output=output,
        model=FAST,
        future_path=future,
    )
    assert pl.read_csv(output).height == 40
