"""The dashboard is served at ``/``; the API's own answers for unknown paths are kept."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from shelfops.api.app import create_app
from shelfops.config import Settings

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture
def dist(tmp_path: Path) -> Path:
    """A stand-in build: index.html, one fingerprinted asset, one root file."""
    build = tmp_path / "dist"
    (build / "assets").mkdir(parents=True)
    (build / "index.html").write_text("<!doctype html><div id=root></div>")
    (build / "assets" / "index-abc123.js").write_text("console.log(1)")
    (build / "favicon.svg").write_text("<svg/>")
    return build


def _client(dist: Path, tmp_path: Path) -> TestClient:
    settings = Settings(SHELFOPS_DASHBOARD_DIR=dist, var_dir=tmp_path / "var")
    return TestClient(create_app(settings))


def test_client_routes_get_the_page_and_files_are_served(dist: Path, tmp_path: Path) -> None:
    http = _client(dist, tmp_path)
    for path in ("/", "/replenishment", "/models/v3"):
        response = http.get(path)
        assert response.status_code == 200, path
        assert "id=root" in response.text
        assert response.headers["cache-control"] == "no-cache"
    assert http.get("/assets/index-abc123.js").text == "console.log(1)"
    assert http.get("/favicon.svg").text == "<svg/>"


def test_api_paths_keep_their_errors(dist: Path, tmp_path: Path) -> None:
    http = _client(dist, tmp_path)
    missing = http.get("/api/v1/no-such-thing")
    assert missing.status_code == 404
    assert missing.json()["error"] == "NotFound"
    assert http.post("/api/v1/stores/1").status_code == 405
    assert http.post("/replenishment").status_code == 404
    assert http.get("/assets/missing.js").status_code == 404


def test_paths_outside_the_build_are_never_served(dist: Path, tmp_path: Path) -> None:
    (tmp_path / "secret.txt").write_text("do not serve")
    http = _client(dist, tmp_path)
    for path in ("/../secret.txt", "/%2e%2e/secret.txt", "/assets/../../secret.txt"):
        assert "do not serve" not in http.get(path).text, path


def test_an_unbuilt_dashboard_says_how_to_build_it(tmp_path: Path) -> None:
    http = _client(tmp_path / "nothing-here", tmp_path)
    response = http.get("/")
    assert response.status_code == 404
    assert "make demo" in response.text
    assert http.get("/health").status_code in (200, 503)


def test_the_committed_openapi_document_is_current(tmp_path: Path) -> None:
    """The dashboard's typed client is generated from ``frontend/openapi.json``; it must
    match the API (regenerate with ``shelfops openapi --out frontend/openapi.json``)."""
    committed = json.loads((REPO / "frontend" / "openapi.json").read_text())
    current = create_app(Settings(var_dir=tmp_path / "var")).openapi()
    assert committed == current, "run: shelfops openapi --out frontend/openapi.json"


def test_operation_ids_are_clean() -> None:
    """Every operation has a hand-written camelCase id (they name the client's calls)."""
    document = create_app(Settings()).openapi()
    ids = [op["operationId"] for ops in document["paths"].values() for op in ops.values()]
    assert len(ids) == len(set(ids))
    assert all(i.isidentifier() and i[0].islower() and "_" not in i for i in ids), ids
