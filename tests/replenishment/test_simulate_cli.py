"""``shelfops simulate`` as a user runs it (real subprocesses)."""

from __future__ import annotations

import datetime as dt
import json
import subprocess
from pathlib import Path

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
