"""``shelfops simulate`` as a user runs it (real subprocesses)."""

from __future__ import annotations

import datetime as dt
import json
import subprocess
from pathlib import Path

import polars as pl
import pytest

from shelfops.synthetic import GenerationConfig, generate_dataset
from tests.runs.test_cli import run


@pytest.fixture(scope="module")
def chain(tmp_path_factory: pytest.TempPathFactory) -> Path:
    directory = tmp_path_factory.mktemp("sim-chain")
    generate_dataset(
        GenerationConfig(stores=1, products=6, days=200, seed=5, start=dt.date(2025, 1, 6)),
        directory,
    )
    return directory


def _simulate(tmp_path: Path, chain: Path, *extra: str) -> subprocess.CompletedProcess[str]:
    return run(
        tmp_path,
        "simulate",
        "--input",
        str(chain),
        "--report",
        str(tmp_path / "report"),
        "--days",
        "30",
        *extra,
    )


def test_static_policy_tuned_to_the_target_writes_the_report(tmp_path: Path, chain: Path) -> None:
    done = _simulate(tmp_path, chain, "--policy", "static", "--service-level", "0.9")

    assert done.returncode == 0, done.stderr
    report = json.loads((tmp_path / "report" / "simulation.json").read_text())
    metrics = report["policies"]["static"]["metrics"]
    assert 0 <= metrics["fill_rate"] <= 1 and metrics["orders_placed"] > 0
    # Every demanded unit was either sold or lost.
    assert metrics["sold_units"] + metrics["lost_units"] == pytest.approx(metrics["demand_units"])
    assert (tmp_path / "report" / "simulation.html").is_file()
    assert "fill_rate" in done.stdout


def test_a_service_level_outside_0_1_is_one_line_and_writes_nothing(
    tmp_path: Path, chain: Path
) -> None:
    done = _simulate(tmp_path, chain, "--policy", "static", "--service-level", "1.5")

    assert done.returncode == 1
    assert "service" in done.stderr and "Traceback" not in done.stderr
    assert not (tmp_path / "report").exists()


@pytest.mark.parametrize(
    ("extra", "expected"),
    [
        (("--seed", "-1"), "Invalid value for '--seed'"),
        (("--days", "0"), "Invalid value for '--days'"),
    ],
)
def test_a_bad_seed_or_zero_days_is_a_usage_error_and_writes_nothing(
    tmp_path: Path, chain: Path, extra: tuple[str, ...], expected: str
) -> None:
    # --days 0 used to replay 90 days, a negative seed to end in a numpy traceback. Like
    # every other count option, the command line refuses them: exit 2, the option named.
    # (The simulator checks them again for callers that do not come through it.)
    done = _simulate(tmp_path, chain, "--policy", "static", *extra)

    assert done.returncode == 2, done.stdout
    flat = " ".join(done.stderr.replace("│", " ").split())  # click's box wraps lines
    assert expected in flat and "Traceback" not in done.stderr
    assert not (tmp_path / "report").exists()


def test_an_empty_sales_file_says_what_was_expected(tmp_path: Path, chain: Path) -> None:
    data = tmp_path / "data"
    data.mkdir()
    for name in ("products.csv", "suppliers.csv"):
        (data / name).write_bytes((chain / name).read_bytes())
    (data / "sales.csv").write_bytes(b"")

    done = run(
        tmp_path,
        "simulate",
        "--input",
        str(data),
        "--policy",
        "static",
        "--report",
        str(tmp_path / "report"),
    )

    assert done.returncode == 1
    assert "sales.csv is empty: expected a header row" in done.stderr
    assert "Traceback" not in done.stderr
    assert not (tmp_path / "report").exists()


def test_a_report_path_that_is_a_file_is_refused_before_the_replay(
    tmp_path: Path, chain: Path
) -> None:
    (tmp_path / "report").write_text("keep me")

    done = _simulate(tmp_path, chain, "--policy", "static")

    assert done.returncode == 2
    flat = " ".join(done.stderr.replace("│", " ").split())  # click's box wraps lines
    assert "Invalid value for '--report'" in flat and "exists and is not a folder" in flat
    assert "Traceback" not in done.stderr
    assert (tmp_path / "report").read_text() == "keep me"


def test_a_report_folder_that_cannot_be_created_is_one_line(tmp_path: Path, chain: Path) -> None:
    done = run(
        tmp_path,
        "simulate",
        "--input",
        str(chain),
        "--policy",
        "static",
        "--days",
        "30",
        "--report",
        "/proc/shelfops-nope",
    )

    assert done.returncode == 1
    assert "error: /proc/shelfops-nope" in done.stderr
    assert "Traceback" not in done.stderr


def test_a_history_without_demand_says_there_is_nothing_to_tune(
    tmp_path: Path, chain: Path
) -> None:
    data = tmp_path / "data"
    data.mkdir()
    for name in ("products.csv", "suppliers.csv"):
        (data / name).write_bytes((chain / name).read_bytes())
    sales = pl.read_csv(chain / "sales.csv", infer_schema_length=0)
    sales.with_columns(quantity=pl.lit("0")).write_csv(data / "sales.csv")

    done = _simulate(tmp_path, data, "--policy", "static")

    assert done.returncode == 0, done.stderr
    assert "safety_days: 0" in done.stdout
    assert "no demand: nothing to tune safety_days on" in " ".join(done.stdout.split())
    report = json.loads((tmp_path / "report" / "simulation.json").read_text())
    assert report["policies"]["static"]["tuning"]["reached"] is False
