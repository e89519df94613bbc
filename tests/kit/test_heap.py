"""Start-up objects are exempt from garbage collection while the app runs."""

from __future__ import annotations

import gc
import weakref
from pathlib import Path

import pytest
from fastapi import FastAPI

from shelfops.api.app import create_app
from shelfops.config import Settings
from shelfops.kit.heap import freeze_startup_objects, release_startup_objects


class _Node:
    def __init__(self) -> None:
        self.me = self  # a reference cycle: only the cyclic collector frees it


def test_freeze_collects_startup_garbage_and_exempts_the_rest() -> None:
    garbage = _Node()
    freed = weakref.ref(garbage)
    kept = _Node()
    del garbage
    assert freed() is not None  # a cycle outlives its last name until a collection
    try:
        exempt = freeze_startup_objects()
        assert exempt == gc.get_freeze_count() > 1_000
        tracked = {id(obj) for obj in gc.get_objects()}
        # The dead cycle was freed before the freeze; the live one is out of the
        # collector's sight (a full collection no longer walks it).
        assert freed() is None
        assert id(kept) not in tracked
    finally:
        release_startup_objects()
    assert gc.get_freeze_count() == 0
    assert id(kept) in {id(obj) for obj in gc.get_objects()}


def _settings(tmp_path: Path) -> Settings:
    return Settings(
        env="dev", database_url=f"sqlite+aiosqlite:///{tmp_path / 'heap.db'}", var_dir=tmp_path
    )


async def _frozen_while_running(app: FastAPI) -> int:
    assert gc.get_freeze_count() == 0
    async with app.router.lifespan_context(app):
        frozen = gc.get_freeze_count()
    assert gc.get_freeze_count() == 0  # released on shutdown
    return frozen


async def test_a_serving_app_freezes_after_startup_only_when_asked(tmp_path: Path) -> None:
    assert await _frozen_while_running(create_app(_settings(tmp_path))) == 0
    assert (
        await _frozen_while_running(create_app(_settings(tmp_path), freeze_startup_heap=True))
        > 1_000
    )


async def test_shelfops_serve_builds_freezing_apps(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Both apps ``shelfops serve`` runs freeze: the one it builds for one process, and
    the one the factory builds in each of several worker processes."""
    import uvicorn

    from shelfops import cli
    from shelfops.api.app import create_app_from_environment
    from shelfops.config import get_settings

    monkeypatch.setenv("SHELFOPS_ENV", "dev")
    monkeypatch.setenv("SHELFOPS_DATABASE_URL", f"sqlite+aiosqlite:///{tmp_path / 'heap.db'}")
    monkeypatch.setenv("SHELFOPS_VAR_DIR", str(tmp_path))
    get_settings.cache_clear()
    served: list[object] = []
    # Capture what serve would run instead of binding a port.
    monkeypatch.setattr(uvicorn, "run", lambda app, **_: served.append(app))
    try:
        cli.serve(host=None, port=None, workers=1)
        assert isinstance(served[0], FastAPI)
        assert await _frozen_while_running(served[0]) > 1_000
        assert await _frozen_while_running(create_app_from_environment()) > 1_000
    finally:
        get_settings.cache_clear()
