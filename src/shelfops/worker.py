"""The Celery application: queues ``ml`` (training, forecasting, monitoring) and ``sync``
(data in), and the beat schedule of seed 003.

``celery -A shelfops.worker worker`` (or ``shelfops worker``) imports this module;
``shelfops beat`` runs the scheduler. With no broker configured (embedded mode) tasks run
eagerly in the calling process and ``shelfops run-job`` runs a scheduled job by hand.

Every scheduled entry is a fan-out: ``shelfops.fan_out`` lists the active tenants and
queues the job once per tenant, so one slow tenant never delays the others. The nightly
ML jobs go to ``ml``; the integration jobs (file polling, event streams, SLA checks) run
at fixed intervals on ``sync``, fan-out included, so a worker serving only ``sync`` keeps
data flowing while ``ml`` is busy training.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from celery import Celery, signals
from celery.schedules import crontab

from shelfops.config import Settings, get_settings
from shelfops.kit import task_metrics
from shelfops.kit.logging import configure_logging

TASK_MODULES = [
    "shelfops.ingest.tasks",
    "shelfops.integrations.tasks",
    "shelfops.registry.tasks",
    "shelfops.monitoring.tasks",
    "shelfops.replenishment.tasks",
    "shelfops.scheduling",
    "shelfops.monitoring.slo_tasks",
]

#: Job name → (task, crontab, extra kwargs). The order of a night: actuals scored,
#: forecasts issued, drift checked, yesterday validated; Sunday adds retrain and the
#: 90-day backtest (seed 003 times, UTC).
SCHEDULED_JOBS: dict[str, tuple[str, crontab, dict[str, Any]]] = {
    "compute_forecast_accuracy": (
        "shelfops.monitoring.compute_forecast_accuracy",
        crontab(minute=30, hour=0),
        {},
    ),
    "generate_forecasts": ("shelfops.monitoring.generate_forecasts", crontab(minute=0, hour=1), {}),
    # After forecast generation: policies, stock alerts, suggested purchase orders.
    "run_replenishment": (
        "shelfops.replenishment.run_replenishment",
        crontab(minute=30, hour=1),
        {},
    ),
    "retrain_forecast_model": (
        "shelfops.registry.retrain_forecast_model",
        crontab(minute=0, hour=2, day_of_week="sun"),
        {"trigger": "scheduled"},
    ),
    "detect_model_drift": ("shelfops.monitoring.detect_model_drift", crontab(minute=0, hour=3), {}),
    "run_weekly_backtest": (
        "shelfops.monitoring.run_weekly_backtest",
        crontab(minute=0, hour=4, day_of_week="sun"),
        {},
    ),
    "run_daily_backtest": ("shelfops.monitoring.run_daily_backtest", crontab(minute=0, hour=6), {}),
}


#: How often the SLA check runs; an alert is at most this late.
SLA_CHECK_INTERVAL = dt.timedelta(minutes=15)
#: How often the SLO check runs (on ``sync``: training on ``ml`` must not delay it).
SLO_CHECK_INTERVAL = dt.timedelta(minutes=30)


def sync_jobs(settings: Settings) -> dict[str, tuple[str, dt.timedelta]]:
    """Job name → (task, interval) of the integration jobs (queue ``sync``)."""
    return {
        "poll_sync_sources": (
            "shelfops.integrations.poll_sync_sources",
            dt.timedelta(minutes=settings.sync_poll_minutes),
        ),
        "consume_sync_events": (
            "shelfops.integrations.consume_sync_events",
            dt.timedelta(seconds=settings.event_consume_seconds),
        ),
        "check_sync_sla": ("shelfops.integrations.check_sync_sla", SLA_CHECK_INTERVAL),
        "check_slos": ("shelfops.monitoring.check_slos", SLO_CHECK_INTERVAL),
    }


def beat_schedule(settings: Settings | None = None) -> dict[str, dict[str, Any]]:
    """Celery beat entries: each runs the fan-out for one job. A sync entry's messages
    expire after one interval, so a stopped worker finds one round waiting, not a pile."""
    schedule: dict[str, dict[str, Any]] = {
        name: {
            "task": "shelfops.fan_out",
            "schedule": when,
            "args": [task, kwargs],
            "options": {"queue": "ml"},
        }
        for name, (task, when, kwargs) in SCHEDULED_JOBS.items()
    }
    for name, (task, every) in sync_jobs(settings or get_settings()).items():
        seconds = every.total_seconds()
        schedule[name] = {
            "task": "shelfops.fan_out",
            "schedule": every,
            "args": [task, {}],
            "kwargs": {"queue": "sync", "expires_s": seconds},
            "options": {"queue": "sync", "expires": seconds},
        }
    return schedule


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
        # Logging is ours (``install_signals``): every line structured, secrets redacted.
        worker_hijack_root_logger=False,
        # A retrain can run for hours: Redis must not hand the unacknowledged message to
        # another worker before then (visibility timeout > the longest task time limit).
        broker_transport_options=_transport_options(settings),
        beat_schedule=beat_schedule(settings),
        timezone="UTC",
        enable_utc=True,
    )
    return app


def redelivery_sweep_seconds(visibility_timeout_s: int) -> int:
    """Seconds between a worker's sweeps for messages whose visibility timeout has passed:
    an eighth of the timeout, between 1 s and 60 s.

    kombu's Redis transport hands an overdue message back only in such a sweep, and by
    default really sweeps once in ten ticks of 10 s: a dead worker's task came back up to
    100 s after its timeout (measured: 89 s after a timeout of 8 s). One sweep per tick
    at this period bounds the delay to an eighth of the timeout (at most a minute) for
    the cost of one sorted-set range read per period."""
    return max(1, min(60, visibility_timeout_s // 8))


def _transport_options(settings: Settings) -> dict[str, Any]:
    timeout = settings.broker_visibility_timeout_s
    options: dict[str, Any] = {
        "visibility_timeout": timeout,
        "unacked_restore_interval": redelivery_sweep_seconds(timeout),
        "unacked_restore_throttle": 1,
    }
    if settings.broker_key_prefix:
        options["global_keyprefix"] = settings.broker_key_prefix
    return options


def _setup_logging(**_signal: Any) -> None:
    # Connected, this replaces Celery's own logging set-up in the worker and beat.
    configure_logging(get_settings())


def _serve_metrics(**_signal: Any) -> None:
    task_metrics.serve_worker_metrics(get_settings())


def install_signals() -> None:
    """Hook logging and task metrics into Celery (in the worker and for eager tasks).
    Connecting twice is harmless: each receiver has a fixed ``dispatch_uid``."""
    hooks: list[tuple[Any, Any]] = [
        (signals.setup_logging, _setup_logging),
        (signals.task_prerun, task_metrics.on_task_prerun),
        (signals.task_postrun, task_metrics.on_task_postrun),
        (signals.task_failure, task_metrics.on_task_failure),
        # The worker's main process, before it forks its pool: serve the port.
        (signals.worker_init, _serve_metrics),
        (signals.worker_process_shutdown, task_metrics.on_child_exit),
        (signals.worker_shutdown, task_metrics.remove_own_multiprocess_dir),
    ]
    for signal, receiver in hooks:
        signal.connect(receiver, weak=False, dispatch_uid=f"shelfops.{receiver.__name__}")


# Celery's command line needs a module-level app; it only holds configuration.
celery_app = create_celery(get_settings())
install_signals()
