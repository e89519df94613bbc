"""The API image's promise, on a real installation: a fresh virtualenv with only
``pip install '<repo>[api]'`` has none of the ML packages, initialises a database with
the real ``shelfops`` command (each backend), serves the API, answers every
parameterless GET without a 5xx other than the clear ML 503, answers the ML requests with
that 503, and never logs an ImportError. Slow (a pip install; pip's cache makes reruns
quicker), still part of the suite."""

from __future__ import annotations

import os
import re
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.conftest import new_database
from tests.deploy.api_sweep import (
    ML_MODULES,
    ML_REQUESTS,
    is_ml_unavailable,
    parameterless_gets,
    problem,
)

REPO = Path(__file__).resolve().parents[2]
LOCK = REPO / "requirements.lock"
KEY = re.compile(r"so_[0-9a-f]{32}_[A-Za-z0-9_-]+")

pytestmark = [pytest.mark.slow, pytest.mark.timeout(900)]


# Session scope, not module scope: the tests are ordered by database backend first, which
# splits this module into runs; a module fixture was installed again for each (three pip
# installs of 35-45 s instead of one). `make unit` sends a whole file to one test process
# (pytest-xdist's loadfile), so that process installs it once for all three.
@pytest.fixture(scope="session")
def api_venv(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A new virtualenv with the project and its ``api`` extra only; its ``bin`` folder."""
    venv = tmp_path_factory.mktemp("api-only") / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
    constraints = ["-c", str(LOCK)] if LOCK.is_file() else []
    pip = [str(venv / "bin" / "python"), "-m", "pip", "install", "--quiet"]
    install = subprocess.run(
        [*pip, *constraints, f"{REPO}[api]"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert install.returncode == 0, install.stderr[-3000:]
    return venv / "bin"


SMALL_DATA = ("--stores", "2", "--products", "12", "--days", "120")


def _env(var_dir: Path, database_url: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SHELFOPS_", "VIRTUAL_ENV"))}
    env.update(
        SHELFOPS_ENV="test",
        SHELFOPS_VAR_DIR=str(var_dir),
        SHELFOPS_DATABASE_URL=database_url,
        SHELFOPS_DASHBOARD_DIR=str(var_dir / "no-dashboard"),
        COLUMNS="250",
        NO_COLOR="1",
    )
    return env


def _shelfops(bin_dir: Path, env: dict[str, str], *args: str) -> str:
    result = subprocess.run(
        [str(bin_dir / "shelfops"), *args], env=env, capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, f"shelfops {' '.join(args)}: {result.stderr[-3000:]}"
    return result.stdout


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture
def served(api_venv: Path, backend: str, tmp_path: Path) -> Iterator[tuple[str, str, Path]]:
    """``shelfops serve`` from the api-only virtualenv on a database of ``backend`` with a
    little ingested data: (base URL, admin key, the server's stderr file)."""
    with new_database(backend, tmp_path) as settings:
        assert settings.database_url is not None
        env = _env(tmp_path / "var", settings.database_url)
        key_match = KEY.search(_shelfops(api_venv, env, "init", "--slug", "api-only"))
        assert key_match is not None, "shelfops init printed no admin key"
        # A small data set: the point is every endpoint answering, not the volume.
        data = str(tmp_path / "data")
        _shelfops(api_venv, env, "generate", "--out", data, *SMALL_DATA)
        _shelfops(api_venv, env, "ingest", data)
        port = _free_port()
        stderr = tmp_path / "serve.stderr"
        with stderr.open("w") as err:
            server = subprocess.Popen(
                [str(api_venv / "shelfops"), "serve", "--host", "127.0.0.1", "--port", str(port)],
                env=env,
                stdout=subprocess.DEVNULL,
                stderr=err,
            )
        base = f"http://127.0.0.1:{port}"
        try:
            _wait_until_up(server, base, stderr)
            yield base, key_match.group(0), stderr
        finally:
            server.terminate()
            server.wait(timeout=30)


def _wait_until_up(server: subprocess.Popen[bytes], base: str, stderr: Path) -> None:
    deadline = time.monotonic() + 90  # a bound on waiting, not an assertion on speed
    while time.monotonic() < deadline:
        assert server.poll() is None, f"shelfops serve exited: {stderr.read_text()[-3000:]}"
        try:
            if httpx.get(f"{base}/health", timeout=2).status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.2)
    pytest.fail(f"shelfops serve never answered /health: {stderr.read_text()[-3000:]}")


def test_api_only_install_has_no_ml_packages(api_venv: Path) -> None:
    check = "import importlib.util as u, sys; print(*(m for m in sys.argv[1:] if u.find_spec(m)))"
    present = subprocess.run(
        [str(api_venv / "python"), "-c", check, *ML_MODULES, "fastapi", "uvicorn", "celery"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.split()
    assert present == ["fastapi", "uvicorn", "celery"]


def test_api_only_install_serves_every_endpoint(served: tuple[str, str, Path]) -> None:
    base, key, stderr = served
    with httpx.Client(base_url=base, headers={"Authorization": f"Bearer {key}"}) as client:
        assert client.get("/health").status_code == 200
        paths = parameterless_gets(client.get("/openapi.json").json())
        assert "/api/v1/models/health" in paths and len(paths) > 20
        answers = {path: client.get(path) for path in paths}
        ml = {
            f"{method} {path}": client.request(method, path, params=params, json=body)
            for method, path, params, body in ML_REQUESTS
        }
    problems = [p for path, r in answers.items() if (p := problem(path, r.status_code, r.text))]
    assert not problems, problems
    assert '"total":2' in answers["/api/v1/stores"].text  # the ingested data is served
    for request, response in ml.items():
        assert is_ml_unavailable(response.status_code, response.text), (request, response.text)
    log = stderr.read_text()
    assert "ImportError" not in log and "ModuleNotFoundError" not in log, log[-3000:]
