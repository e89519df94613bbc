"""The API without the ML packages, in-process and cheap: a child process makes pandas,
scikit-learn, LightGBM, MLflow, SHAP, PyTorch… unimportable (as an installation without
them would), builds the app on a real database of each backend with a little ingested
data, and sends every parameterless GET and every ML request. The fresh-virtualenv test
(test_api_only_install.py) proves the same on a real ``pip install '.[api]'``."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from shelfops.config import Settings
from tests.conftest import new_database
from tests.deploy.api_sweep import ML_REQUESTS, problem
from tests.deploy.noml_probe import REPORT_MARK

REPO = Path(__file__).resolve().parents[2]


def test_api_answers_without_the_ml_packages(backend: str, tmp_path: Path) -> None:
    with new_database(backend, tmp_path) as settings:
        report = _probe(settings, tmp_path)
    answers = report["answers"]
    assert "/health" in answers and answers["/health"][0] == 200
    assert answers["/api/v1/stores"][0] == 200 and '"total":2' in answers["/api/v1/stores"][1]
    problems = [p for path, (status, body) in answers.items() if (p := problem(path, status, body))]
    assert not problems, problems
    # The ML endpoints say what is missing instead of failing.
    assert [m["request"] for m in report["ml"]] == [f"{m} {p}" for m, p, _, _ in ML_REQUESTS]
    assert all(m["status"] == 503 and m["clear_503"] for m in report["ml"]), report["ml"]
    assert report["loaded"] == []


def _probe(settings: Settings, tmp_path: Path) -> dict:  # type: ignore[type-arg]
    assert settings.database_url is not None
    result = subprocess.run(
        [sys.executable, "-m", "tests.deploy.noml_probe", settings.database_url, str(tmp_path)],
        cwd=REPO,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    assert "ModuleNotFoundError" not in result.stderr and "ImportError" not in result.stderr
    lines = [line for line in result.stdout.splitlines() if line.startswith(REPORT_MARK)]
    assert len(lines) == 1, result.stdout[-3000:]
    report: dict = json.loads(lines[0][len(REPORT_MARK) :])  # type: ignore[type-arg]
    return report
