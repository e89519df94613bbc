"""The one decorator every background task goes through.

Tasks take ids and plain values, build their own database engine (never one inherited
across a fork), run one async service call and dispose of the engine. They are
idempotent, acknowledged late (a worker killed mid-task leaves the message to be
redelivered) and store no results: the service writes status rows instead.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any, ParamSpec

from celery import Celery, Task

from shelfops.config import Settings, get_settings
from shelfops.kit.db import sessionmaker_scope

P = ParamSpec("P")

TaskBody = Callable[..., Awaitable[Any]]


def shelfops_task(
    celery_app: Celery,
    name: str,
    *,
    queue: str,
    max_retries: int = 3,
    soft_time_limit: int = 3600,
) -> Callable[[TaskBody], Task]:
    """Register ``body(settings, sessionmaker, **kwargs)`` as a Celery task ``name`` on
    ``queue``. The registered task takes only the keyword arguments."""

    def decorator(body: TaskBody) -> Task:
        def run(**kwargs: Any) -> Any:
            return asyncio.run(_with_database(body, get_settings(), kwargs))

        run.__name__ = body.__name__
        run.__doc__ = body.__doc__
        task: Task = celery_app.task(
            name=name,
            queue=queue,
            acks_late=True,
            reject_on_worker_lost=True,
            ignore_result=True,
            max_retries=max_retries,
            soft_time_limit=soft_time_limit,
            time_limit=soft_time_limit + 60,
        )(run)
        return task

    return decorator


async def _with_database(body: TaskBody, settings: Settings, kwargs: dict[str, Any]) -> Any:
    async with sessionmaker_scope(settings) as sessionmaker:
        return await body(settings, sessionmaker, **kwargs)
