"""The Celery application: queues ``ml`` (training, forecasting) and ``sync`` (data in).

``celery -A shelfops.worker worker`` (or ``shelfops worker``) imports this module. With no
broker configured (embedded mode) tasks run eagerly in the calling process.
"""

from __future__ import annotations

from celery import Celery

from shelfops.config import Settings, get_settings

TASK_MODULES = ["shelfops.ingest.tasks"]


def create_celery(settings: Settings) -> Celery:
    """A Celery app configured from ``settings``."""
    app = Celery("shelfops", broker=settings.broker_url or "memory://", include=TASK_MODULES)
    app.conf.update(
        task_always_eager=settings.tasks_in_process,
        task_eager_propagates=True,
        task_default_queue="sync",
        task_acks_late=True,
        task_reject_on_worker_lost=True,
        # One message at a time per process: long ML tasks must not hoard the queue.
        worker_prefetch_multiplier=1,
        task_ignore_result=True,
        broker_connection_retry_on_startup=True,
        broker_transport_options=(
            {"global_keyprefix": settings.broker_key_prefix} if settings.broker_key_prefix else {}
        ),
        timezone="UTC",
        enable_utc=True,
    )
    return app


# Celery's command line needs a module-level app; it only holds configuration.
celery_app = create_celery(get_settings())
