"""Start-up objects are exempt from garbage collection while the app runs."""

from __future__ import annotations

import gc
import weakref
from pathlib import Path

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


async def test_the_app_freezes_after_startup_and_releases_on_shutdown(tmp_path: Path) -> None:
    settings = Settings(
        env="dev", database_url=f"sqlite+aiosqlite:///{tmp_path / 'heap.db'}", var_dir=tmp_path
    )
    app = create_app(settings)
    assert gc.get_freeze_count() == 0
    async with app.router.lifespan_context(app):
        assert gc.get_freeze_count() > 1_000
    assert gc.get_freeze_count() == 0
