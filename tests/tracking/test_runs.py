"""Runs are tracked in a real MLflow store, or land in a JSON run file when MLflow fails."""

from __future__ import annotations

import json
import math
import os
import re
import threading
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from mlflow import MlflowClient
from mlflow.entities import Run

from shelfops.tracking import (
    RunRecord,
    TrackingInputError,
    TrackingUnavailable,
    default_tracking_uri,
    log_run,
)
from shelfops.tracking.fallback import write_fallback
from shelfops.tracking.record import prepare

UNREACHABLE = "http://127.0.0.1:9"  # the discard port: nothing listens there
FALLBACK_NAME = re.compile(r"run_\d{8}T\d{12}\.json")
TAGS = {"dataset": "favorita", "trigger": "manual", "version": "v7"}


def _record(tmp_path: Path, **overrides: object) -> RunRecord:
    model = tmp_path / "xgboost.joblib"
    model.write_bytes(b"model bytes")
    charts = tmp_path / "charts"
    charts.mkdir(exist_ok=True)
    (charts / "forecast_vs_actual.html").write_text("<html></html>")
    fields: dict[str, object] = {
        "experiment": "backtests",
        "run_name": "lightgbm-2024-06-30",
        "params": {"tier": "cold_start", "n_estimators": 500, "learning_rate": 0.05},
        "metrics": {"mae": 12.25, "wape": 0.18},
        "tags": TAGS,
        "artifacts": [model, charts],
    }
    fields.update(overrides)
    return RunRecord(**fields)  # type: ignore[arg-type]


def _read_back(var_dir: Path, run_id: str) -> Run:
    # A client of its own, as the MLflow UI would be: nothing shared with log_run.
    return MlflowClient(tracking_uri=default_tracking_uri(var_dir)).get_run(run_id)


def _artifact_paths(var_dir: Path, run_id: str, path: str | None = None) -> set[str]:
    client = MlflowClient(tracking_uri=default_tracking_uri(var_dir))
    return {item.path for item in client.list_artifacts(run_id, path)}


def _only_fallback_file(directory: Path) -> dict[str, object]:
    files = list(directory.iterdir())
    assert len(files) == 1
    assert FALLBACK_NAME.fullmatch(files[0].name)
    content: dict[str, object] = json.loads(files[0].read_text())
    return content


def test_run_is_logged_to_the_local_store_and_reads_back(var_dir: Path, tmp_path: Path) -> None:
    reports = tmp_path / "reports"
    result = log_run(
        _record(tmp_path), tracking_uri=default_tracking_uri(var_dir), fallback_dir=reports
    )

    assert result.mode == "mlflow"
    assert result.reason is None
    assert result.notes == ()
    assert result.run_id is not None
    assert result.location == f"runs:/{result.run_id}"
    run = _read_back(var_dir, result.run_id)
    assert run.info.status == "FINISHED"
    assert run.info.run_name == "lightgbm-2024-06-30"
    assert run.data.params == {"tier": "cold_start", "n_estimators": "500", "learning_rate": "0.05"}
    assert run.data.metrics == {"mae": 12.25, "wape": 0.18}
    assert {key: run.data.tags[key] for key in TAGS} == TAGS
    assert _artifact_paths(var_dir, result.run_id) == {"xgboost.joblib", "charts"}
    assert _artifact_paths(var_dir, result.run_id, "charts") == {"charts/forecast_vs_actual.html"}
    # The embedded store keeps everything under var/, artifacts beside the database.
    stored = list((var_dir / "mlartifacts").rglob("xgboost.joblib"))
    assert [path.read_bytes() for path in stored] == [b"model bytes"]
    assert not reports.exists()


def test_a_second_run_joins_the_same_experiment(var_dir: Path, tmp_path: Path) -> None:
    uri = default_tracking_uri(var_dir)
    first = log_run(_record(tmp_path), tracking_uri=uri, fallback_dir=tmp_path / "reports")
    second = log_run(_record(tmp_path), tracking_uri=uri, fallback_dir=tmp_path / "reports")

    assert first.run_id is not None and second.run_id is not None
    assert first.run_id != second.run_id
    client = MlflowClient(tracking_uri=uri)
    experiment = client.get_experiment_by_name("backtests")
    assert experiment is not None
    runs = client.search_runs([experiment.experiment_id])
    assert {run.info.run_id for run in runs} == {first.run_id, second.run_id}


def test_non_finite_metrics_are_left_out_and_named(var_dir: Path, tmp_path: Path) -> None:
    record = _record(
        tmp_path, metrics={"mae": 3.5, "mase": math.nan, "smape": math.inf, "bias": -0.5}
    )

    result = log_run(
        record, tracking_uri=default_tracking_uri(var_dir), fallback_dir=tmp_path / "reports"
    )

    assert result.mode == "mlflow" and result.run_id is not None
    run = _read_back(var_dir, result.run_id)
    assert run.data.metrics == {"mae": 3.5, "bias": -0.5}
    assert run.data.tags["shelfops.skipped_metrics"] == "mase, smape"
    assert result.notes == (
        "metric 'mase' is nan and was not logged",
        "metric 'smape' is inf and was not logged",
    )


def test_a_missing_artifact_is_named_and_the_rest_is_still_logged(
    var_dir: Path, tmp_path: Path
) -> None:
    ghost = tmp_path / "shap_summary.png"
    record = _record(tmp_path, artifacts=[tmp_path / "xgboost.joblib", tmp_path / "charts", ghost])

    result = log_run(
        record, tracking_uri=default_tracking_uri(var_dir), fallback_dir=tmp_path / "reports"
    )

    assert result.mode == "mlflow" and result.run_id is not None
    run = _read_back(var_dir, result.run_id)
    assert run.info.status == "FINISHED"
    assert run.data.metrics == {"mae": 12.25, "wape": 0.18}
    assert run.data.tags["shelfops.missing_artifacts"] == "shap_summary.png"
    assert _artifact_paths(var_dir, result.run_id) == {"xgboost.joblib", "charts"}
    assert result.notes == (f"artifact {str(ghost)!r} does not exist and was not logged",)


def test_unreachable_server_writes_the_run_file_within_seconds(tmp_path: Path) -> None:
    reports = tmp_path / "reports"
    record = _record(tmp_path, metrics={"mae": 12.25, "mase": math.nan})

    started = time.perf_counter()
    result = log_run(record, tracking_uri=UNREACHABLE, fallback_dir=reports, timeout_s=1.0)
    elapsed = time.perf_counter() - started

    assert elapsed < 5
    assert result.mode == "file"
    assert result.run_id is None
    assert result.reason is not None and "unreachable" in result.reason
    assert "127.0.0.1:9" in result.reason
    content = _only_fallback_file(reports)
    assert result.location == str(next(reports.iterdir()))
    assert content["reason"] == result.reason
    assert content["experiment"] == "backtests"
    assert content["run_name"] == "lightgbm-2024-06-30"
    assert content["params"] == {
        "tier": "cold_start",
        "n_estimators": "500",
        "learning_rate": "0.05",
    }
    assert content["metrics"] == {"mae": 12.25}
    assert content["skipped_metrics"] == {"mase": "nan"}
    assert content["tags"] == {**TAGS, "shelfops.skipped_metrics": "mase"}
    assert content["artifacts"] == [
        str((tmp_path / "xgboost.joblib").resolve()),
        str((tmp_path / "charts").resolve()),
    ]
    assert content["partial_mlflow_run_id"] is None
    started_at = datetime.fromisoformat(str(content["started_at"]))
    assert started_at.tzinfo is not None
    assert abs((datetime.now(UTC) - started_at).total_seconds()) < 60


def test_a_password_in_the_tracking_uri_is_not_written_to_the_run_file(tmp_path: Path) -> None:
    reports = tmp_path / "reports"

    result = log_run(
        _record(tmp_path),
        tracking_uri="http://admin:hunter2@127.0.0.1:9",
        fallback_dir=reports,
        timeout_s=1.0,
    )

    assert result.mode == "file"
    text = next(reports.iterdir()).read_text()
    assert "hunter2" not in text
    assert "admin:***@127.0.0.1:9" in text


class _HealthyButBroken(BaseHTTPRequestHandler):
    """An MLflow server whose /health answers but whose API is down (HTTP 503)."""

    def _answer(self) -> None:
        status = 200 if self.path == "/health" else 503
        self.send_response(status)
        self.send_header("Content-Length", "2")
        self.end_headers()
        self.wfile.write(b"OK" if status == 200 else b"no")

    do_GET = do_POST = _answer  # noqa: N815 - http.server's naming

    def log_message(self, format: str, *args: object) -> None:
        """Keep the test output quiet."""


@pytest.fixture
def broken_server() -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _HealthyButBroken)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


def test_server_failing_after_the_health_check_falls_back_without_retrying(
    broken_server: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # MLflow's default (7 retries of a 503 with exponential back-off) takes minutes; the
    # caller's own settings must come back unchanged afterwards.
    monkeypatch.setenv("MLFLOW_HTTP_REQUEST_MAX_RETRIES", "7")
    monkeypatch.delenv("MLFLOW_HTTP_REQUEST_TIMEOUT", raising=False)
    reports = tmp_path / "reports"

    started = time.perf_counter()
    result = log_run(_record(tmp_path), tracking_uri=broken_server, fallback_dir=reports)
    elapsed = time.perf_counter() - started

    assert elapsed < 5
    assert result.mode == "file"
    assert result.reason is not None and "503" in result.reason
    assert _only_fallback_file(reports)["metrics"] == {"mae": 12.25, "wape": 0.18}
    assert os.environ["MLFLOW_HTTP_REQUEST_MAX_RETRIES"] == "7"
    assert "MLFLOW_HTTP_REQUEST_TIMEOUT" not in os.environ


def test_failure_midway_marks_the_mlflow_run_failed_and_writes_the_whole_run_to_file(
    var_dir: Path, tmp_path: Path
) -> None:
    # An artifact store that cannot be written: its location runs through a regular file.
    blocker = tmp_path / "blocker"
    blocker.write_text("not a directory")
    uri = default_tracking_uri(var_dir)
    MlflowClient(tracking_uri=uri).create_experiment(
        "backtests", artifact_location=(blocker / "artifacts").as_uri()
    )
    reports = tmp_path / "reports"

    result = log_run(_record(tmp_path), tracking_uri=uri, fallback_dir=reports)

    assert result.mode == "file"
    content = _only_fallback_file(reports)
    partial_id = content["partial_mlflow_run_id"]
    assert isinstance(partial_id, str)
    assert result.reason is not None and partial_id in result.reason
    # Everything reached the file, including what MLflow had already accepted.
    assert content["params"] == {
        "tier": "cold_start",
        "n_estimators": "500",
        "learning_rate": "0.05",
    }
    assert content["metrics"] == {"mae": 12.25, "wape": 0.18}
    assert len(content["artifacts"]) == 2  # type: ignore[arg-type]
    # MLflow does not present the incomplete run as a finished one.
    partial = _read_back(var_dir, partial_id)
    assert partial.info.status == "FAILED"
    assert "failed" in partial.data.tags["shelfops.tracking_error"]


def test_when_the_run_file_cannot_be_written_either_the_caller_gets_an_error(
    tmp_path: Path,
) -> None:
    not_a_directory = tmp_path / "reports"
    not_a_directory.write_text("in the way")

    with pytest.raises(TrackingUnavailable, match=r"unreachable.*could not be written"):
        log_run(
            _record(tmp_path),
            tracking_uri=UNREACHABLE,
            fallback_dir=not_a_directory,
            timeout_s=1.0,
        )


def test_run_files_written_in_the_same_microsecond_do_not_overwrite(tmp_path: Path) -> None:
    run = prepare(_record(tmp_path))
    moment = datetime(2024, 6, 30, 12, 0, 0, 123456, tzinfo=UTC)
    paths = [
        write_fallback(
            run,
            directory=tmp_path / "reports",
            started_at=moment,
            reason=f"attempt {attempt}",
            tracking_uri=UNREACHABLE,
            partial_run_id=None,
        )
        for attempt in (1, 2)
    ]

    assert [path.name for path in paths] == [
        "run_20240630T120000123456.json",
        "run_20240630T120000123456-2.json",
    ]
    assert [json.loads(path.read_text())["reason"] for path in paths] == ["attempt 1", "attempt 2"]


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"tags": {"dataset": "favorita"}}, "missing trigger, version"),
        ({"experiment": " "}, "experiment: expected a non-empty string"),
        ({"metrics": {"mae": "12"}}, "metrics['mae']: expected a number"),
        ({"tags": {**TAGS, "owner": 7}}, "tags['owner']: expected a string"),
    ],
)
def test_unusable_records_are_rejected_with_the_field_named(
    tmp_path: Path, overrides: dict[str, object], message: str
) -> None:
    with pytest.raises(TrackingInputError, match=re.escape(message)):
        _record(tmp_path, **overrides)


def test_artifacts_sharing_a_name_are_rejected(tmp_path: Path) -> None:
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    twins = [tmp_path / "a" / "model.joblib", tmp_path / "b" / "model.joblib"]

    with pytest.raises(TrackingInputError, match=re.escape("share the name model.joblib")):
        _record(tmp_path, artifacts=twins)


def test_default_store_is_a_sqlite_database_under_var(tmp_path: Path) -> None:
    uri = default_tracking_uri(tmp_path / "var")

    assert uri == f"sqlite:///{(tmp_path / 'var' / 'mlflow.db').resolve()}"
