"""Fixtures of the fault tests: a private ``redis-server`` that a test may stop and
restart (the shared Redis on 6379 is never touched), free ports, and the worker pool of
the governance worker tests (re-exported here)."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import redis

# The worker pool, its environment and the small model-loop data set are shared with
# the governance worker tests.
from tests.worker.test_governance_worker import (  # noqa: F401
    chain_data,
    worker_env,
    workers,
)


def free_port() -> int:
    """A TCP port on loopback that nothing listens on right now."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


class RedisServer:
    """A ``redis-server`` of this test on its own port: no persistence, so a restart
    comes back empty, as a Redis that lost its memory does."""

    def __init__(self, directory: Path) -> None:
        self.port = free_port()
        self.directory = directory
        self.pidfile = directory / "redis.pid"

    @property
    def url(self) -> str:
        """The broker URL of this server."""
        return f"redis://127.0.0.1:{self.port}/0"

    def client(self) -> redis.Redis:
        """A client of this server (short timeouts: a down server answers at once)."""
        return redis.Redis(port=self.port, socket_connect_timeout=1, socket_timeout=2)

    def start(self) -> None:
        """Start the server and wait until it answers PING."""
        subprocess.run(
            [
                "redis-server",
                "--port",
                str(self.port),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "no",
                "--daemonize",
                "yes",
                "--dir",
                str(self.directory),
                "--pidfile",
                str(self.pidfile),
                "--logfile",
                str(self.directory / "redis.log"),
            ],
            check=True,
        )
        self._wait(up=True)

    def stop(self) -> None:
        """Stop the server (its own pid only) and wait until the port refuses."""
        if not self.pidfile.exists():
            return
        pid = int(self.pidfile.read_text().strip())
        try:
            os.kill(pid, signal.SIGTERM)
        except ProcessLookupError:
            return
        self._wait(up=False)

    def _wait(self, *, up: bool, seconds: float = 20) -> None:
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            try:
                answered = bool(self.client().ping())
            except redis.exceptions.ConnectionError:
                answered = False
            if answered == up and (up or not self.pidfile.exists()):
                return
            time.sleep(0.1)
        raise AssertionError(
            f"redis-server on port {self.port} did not {'start' if up else 'stop'}"
        )


@pytest.fixture
def private_redis(tmp_path: Path) -> Iterator[RedisServer]:
    """A Redis of this test only, not yet started; stopped afterwards."""
    directory = tmp_path / "redis"
    directory.mkdir()
    server = RedisServer(directory)
    try:
        yield server
    finally:
        server.stop()
