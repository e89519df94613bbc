"""The one decorator every background task goes through, and how work is handed to it.

Tasks take ids and plain values, build their own database engine (never one inherited
across a fork), run one async service call and dispose of the engine. They are
idempotent, acknowledged late (a worker killed mid-task leaves the message to be
redelivered, with the same task id) and store no results: the service writes status rows
instead.
"""

from __future__ import annotations

import asyncio
import inspect
from collections.abc import Awaitable, Callable
from typing import Any, ParamSpec

from celery import Celery, Task

from shelfops.config import Settings, get_settings
from shelfops.kit.db import sessionmaker_scope
from shelfops.kit.errors import ServiceUnavailable

P = ParamSpec("P")

TaskBody = Callable[..., Awaitable[Any]]

#: The queues tasks are routed to: ``ml`` (training, forecasts, planning) and ``sync``
#: (integrations). ``shelfops worker --queues`` accepts these names only.
QUEUES = ("ml", "sync")


def shelfops_task(
    celery_app: Celery,
    name: str,
    *,
    queue: str,
    max_retries: int = 3,
    soft_time_limit: int = 3600,
) -> Callable[[TaskBody], Task]:
    """Register ``body(settings, sessionmaker, *args, **kwargs)`` as the Celery task
    ``name`` on ``queue``. A body with a ``task_id`` parameter receives the Celery task id,
    which stays the same when a message is redelivered: the idempotency key."""

    if queue not in QUEUES:
        raise ValueError(f"task {name}: unknown queue {queue!r}, expected one of {QUEUES}")

    def decorator(body: TaskBody) -> Task:
        wants_id = "task_id" in inspect.signature(body).parameters

        def run(self: Task, *args: Any, **kwargs: Any) -> Any:
            if wants_id:
                kwargs.setdefault("task_id", self.request.id)
            return asyncio.run(_with_database(body, get_settings(), args, kwargs))

        run.__name__ = body.__name__
        run.__doc__ = body.__doc__
        # Routed by name (Celery 6 drops the per-task ``queue`` attribute).
        routes = dict(celery_app.conf.task_routes or {})
        routes[name] = {"queue": queue}
        celery_app.conf.task_routes = routes
        task: Task = celery_app.task(
            name=name,
            bind=True,
            acks_late=True,
            reject_on_worker_lost=True,
            ignore_result=True,
            max_retries=max_retries,
            soft_time_limit=soft_time_limit,
            time_limit=soft_time_limit + 60,
        )(run)
        task.body = body  # for in-process runs
        return task

    return decorator


async def _with_database(
    body: TaskBody, settings: Settings, args: tuple[Any, ...], kwargs: dict[str, Any]
) -> Any:
    async with sessionmaker_scope(settings) as sessionmaker:
        return await body(settings, sessionmaker, *args, **kwargs)


def send(task: Task, *, args: list[Any], kwargs: dict[str, Any], task_id: str | None = None) -> str:
    """Queue ``task`` on the broker; a broker that cannot be reached is a clean 503."""
    try:
        result = task.apply_async(args=args, kwargs=kwargs, task_id=task_id)
    except Exception as exc:  # kombu raises several unrelated connection error types
        raise ServiceUnavailable(
            f"the task queue is not reachable; retry ({type(exc).__name__})"
        ) from exc
    return str(result.id)
