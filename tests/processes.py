"""Helpers for the tests that run ShelfOps as real processes (servers, workers)."""

from __future__ import annotations

import subprocess
from typing import Any


def stop(process: subprocess.Popen[Any], timeout: float = 30) -> None:
    """Ask ``process`` to stop (SIGTERM), and kill it if it has not within ``timeout``
    seconds, so a hung child never outlives its test."""
    process.terminate()
    try:
        process.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()
