"""Prometheus metrics of background tasks, recorded from Celery's task signals.

Tasks run in a Celery worker's child processes in production and inside the calling
process when embedded (eager tasks send the same signals). In both cases the metrics live
in ``prometheus_client``'s process registry:

* embedded, the API's ``GET /metrics`` includes them;
* in a worker with ``SHELFOPS_WORKER_METRICS_PORT`` set, the worker's main process serves
  them on that port. A prefork worker's tasks run in child processes, so the worker uses
  ``prometheus_client``'s multiprocess mode: every child writes its samples to files in
  ``PROMETHEUS_MULTIPROC_DIR`` (a fresh temporary folder unless the operator sets one)
  and the main process adds them up at scrape time. That mode is chosen when
  ``prometheus_client`` is first imported, which is why it is imported here only inside
  functions, after the folder is set.

The context variables of a task (its name, id and tenant) are bound for its log lines
as well.
"""

from __future__ import annotations

import functools
import logging
import os
import shutil
import sys
import tempfile
import time
import uuid
from typing import TYPE_CHECKING, Any

import structlog

from shelfops.config import Settings

if TYPE_CHECKING:
    from prometheus_client import Counter, Histogram

log = logging.getLogger(__name__)

MULTIPROC_ENV = "PROMETHEUS_MULTIPROC_DIR"
# Tasks last from milliseconds (a fan-out) to hours (a retrain).
DURATION_BUCKETS = (0.1, 0.5, 1, 5, 15, 60, 300, 900, 1800, 3600, 7200, 14400, float("inf"))
_STARTED = "shelfops_started_at"
_OWN_DIR = "SHELFOPS_OWN_METRICS_DIR"


class TaskMetrics:
    """The task metrics of this process."""

    def __init__(self) -> None:
        from prometheus_client import Counter, Histogram

        self.duration: Histogram = Histogram(
            "shelfops_task_duration_seconds",
            "Run time of background tasks, by task name and final state.",
            ["task", "state"],
            buckets=DURATION_BUCKETS,
        )
        self.failures: Counter = Counter(
            "shelfops_task_failures",
            "Background task runs that raised, by task name and exception type.",
            ["task", "exception"],
        )


@functools.cache
def task_metrics() -> TaskMetrics:
    """The process's task metrics, created on first use (after multiprocess set-up)."""
    return TaskMetrics()


def _tenant_of(args: Any, kwargs: Any) -> str | None:
    """The tenant a task runs for: every tenant task takes ``customer_id`` first."""
    candidate = (kwargs or {}).get("customer_id") or (args[0] if args else None)
    try:
        return str(uuid.UUID(str(candidate)))
    except ValueError:
        return None


def on_task_prerun(task: Any = None, task_id: str | None = None, **signal: Any) -> None:
    """Start the clock and bind the task's log context."""
    if task is None:
        return
    setattr(task.request, _STARTED, time.perf_counter())
    structlog.contextvars.clear_contextvars()
    structlog.contextvars.bind_contextvars(task=task.name, task_id=task_id)
    customer_id = _tenant_of(signal.get("args"), signal.get("kwargs"))
    if customer_id is not None:
        structlog.contextvars.bind_contextvars(customer_id=customer_id)


def on_task_postrun(task: Any = None, state: str | None = None, **_signal: Any) -> None:
    """Record the run's duration under its final state; forget its log context."""
    if task is None:
        return
    started = getattr(task.request, _STARTED, None)
    if state is None:
        # An eager task whose error propagates to its caller (embedded mode) ends without
        # a state and without the failure signal; the error is still in flight here.
        error = sys.exc_info()[1]
        if error is not None:
            state = "FAILURE"
            on_task_failure(sender=task, exception=error)
    if started is not None:
        task_metrics().duration.labels(task.name, state or "UNKNOWN").observe(
            time.perf_counter() - started
        )
    structlog.contextvars.clear_contextvars()


def on_task_failure(
    sender: Any = None, exception: BaseException | None = None, **_signal: Any
) -> None:
    """Count a failed run."""
    name = getattr(sender, "name", None) or "unknown"
    kind = type(exception).__name__ if exception is not None else "unknown"
    task_metrics().failures.labels(name, kind).inc()


def prepare_multiprocess_dir() -> None:
    """Point ``prometheus_client`` at a fresh multiprocess folder unless one is set. Must
    run before ``prometheus_client`` is imported in this process (and before forking)."""
    if os.environ.get(MULTIPROC_ENV):
        return
    if "prometheus_client" in sys.modules:
        log.warning(
            "prometheus_client was imported before the worker set %s: tasks run in child "
            "processes will not be visible; set %s before starting the worker",
            MULTIPROC_ENV,
            MULTIPROC_ENV,
        )
        return
    os.environ[MULTIPROC_ENV] = tempfile.mkdtemp(prefix="shelfops-worker-metrics-")
    os.environ[_OWN_DIR] = os.environ[MULTIPROC_ENV]


def serve_worker_metrics(settings: Settings) -> None:
    """In a worker's main process: serve the tasks' metrics on
    ``SHELFOPS_WORKER_METRICS_PORT`` (summed over the child processes)."""
    if settings.worker_metrics_port is None:
        return
    prepare_multiprocess_dir()
    from prometheus_client import CollectorRegistry, start_http_server
    from prometheus_client.multiprocess import MultiProcessCollector

    registry = CollectorRegistry()
    if os.environ.get(MULTIPROC_ENV):
        MultiProcessCollector(registry)  # type: ignore[no-untyped-call]
    else:  # pragma: no cover - only when the warning above was logged
        from prometheus_client import REGISTRY

        registry = REGISTRY
    task_metrics()  # the families exist (at zero) before the first task
    start_http_server(settings.worker_metrics_port, registry=registry)
    log.info("worker metrics served on port %d", settings.worker_metrics_port)


def on_child_exit(pid: int | None = None, **_signal: Any) -> None:
    """A child process ended: let the multiprocess files forget its live values."""
    if os.environ.get(MULTIPROC_ENV) and "prometheus_client" in sys.modules:
        from prometheus_client import multiprocess

        multiprocess.mark_process_dead(pid or os.getpid())  # type: ignore[no-untyped-call]


def remove_own_multiprocess_dir(**_signal: Any) -> None:
    """At worker shutdown, delete the multiprocess folder this worker created."""
    own = os.environ.get(_OWN_DIR)
    if own and os.environ.get(MULTIPROC_ENV) == own:
        shutil.rmtree(own, ignore_errors=True)
