"""``shelfops forecast`` / ``shelfops backtest`` as a user runs them (real subprocesses)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

SHELFOPS = [sys.executable, "-m", "shelfops"]


def run(tmp_path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    """Run the CLI with its own var/ and an MLflow server that is not there."""
    env = {
        **os.environ,
        "SHELFOPS_VAR_DIR": str(tmp_path / "var"),
        "SHELFOPS_MLFLOW_TRACKING_URI": "http://127.0.0.1:9",
    }
    return subprocess.run(
        [*SHELFOPS, *args],
        env=env,
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


def test_forecast_command_writes_the_csv_and_says_mlflow_was_unreachable(
    tmp_path: Path, input_csv: Path
) -> None:
    out = tmp_path / "f.csv"
    result = run(
        tmp_path,
        "forecast",
        "--input",
        str(input_csv),
        "--horizon",
        "7",
        "--model",
        "seasonal_naive",
        "--quantiles",
        "0.05,0.5,0.95",
        "--output",
        str(out),
    )
    assert result.returncode == 0, result.stderr
    header = out.read_text().splitlines()[0]
    assert header == "unique_id,ds,forecast,q0.05,q0.5,q0.95"
    assert "MLflow unreachable" in result.stderr
    run_files = list((tmp_path / "reports").glob("run_*.json"))
    assert len(run_files) == 1
    assert json.loads(run_files[0].read_text())["params"]["horizon"] == "7"


def test_backtest_command_writes_metrics_json(tmp_path: Path, input_csv: Path) -> None:
    report = tmp_path / "report"
    result = run(
        tmp_path,
        "backtest",
        "--input",
        str(input_csv),
        "--horizon",
        "7",
        "--windows",
        "2",
        "--model",
        "tsb",
        "--report",
        str(report),
        "--no-png",
    )
    assert result.returncode == 0, result.stderr
    metrics = json.loads((report / "metrics.json").read_text())
    assert metrics["model"] == "tsb" and metrics["windows"] == 2
    assert "wape" in result.stdout


def test_bad_input_is_one_line_without_a_traceback(tmp_path: Path, input_csv: Path) -> None:
    cases = [
        (["--freq", "X"], "unknown frequency 'X'"),
        (["--model", "prophet"], "unknown model 'prophet'"),
        (["--quantiles", "0.5,2"], "(0, 1)"),
    ]
    for extra, message in cases:
        args = ["forecast", "--input", str(input_csv), "--output", str(tmp_path / "x.csv")]
        if "--horizon" not in extra:
            args += ["--horizon", "7"]
        result = run(tmp_path, *args, *extra)
        assert result.returncode == 1, extra
        assert message in result.stderr, (extra, result.stderr)
        assert "Traceback" not in result.stderr
    missing = run(
        tmp_path, "forecast", "--input", "nope.csv", "--horizon", "3", "--output", "x.csv"
    )
    assert missing.returncode == 1 and "does not exist" in missing.stderr


def test_a_count_below_one_is_a_usage_error(tmp_path: Path, input_csv: Path) -> None:
    """Like every other count option, ``--horizon`` and ``--windows`` are checked by the
    command line itself: exit 2, the option named, nothing read or written."""
    common = ["--input", str(input_csv)]
    cases = [
        ["forecast", *common, "--horizon", "0", "--output", str(tmp_path / "x.csv")],
        ["backtest", *common, "--horizon", "-1", "--windows", "2", "--report", str(tmp_path / "r")],
        ["backtest", *common, "--horizon", "7", "--windows", "0", "--report", str(tmp_path / "r")],
    ]
    for args in cases:
        result = run(tmp_path, *args)
        assert result.returncode == 2, (args, result.stderr)
        flat = " ".join(result.stderr.replace("│", " ").split())  # click's box wraps lines
        assert "Invalid value for '--" in flat and "greater than or equal to 1" in flat, flat
        assert "Traceback" not in result.stderr
    assert not (tmp_path / "x.csv").exists() and not (tmp_path / "r").exists()
