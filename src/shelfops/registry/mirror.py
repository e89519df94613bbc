"""Mirrors of the registry outside the database: MLflow (run, model version, aliases) and
the per-tenant ``registry.json`` / ``champion.json`` files.

The database is the source of truth and is committed before anything here runs. A
mirror that fails (MLflow down, disk trouble) is logged and caught up by the next
:func:`sync`, which always rewrites everything from the database.
"""

from __future__ import annotations

import asyncio
import logging
import uuid
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from shelfops.config import Settings
from shelfops.kit.db import tenant_transaction
from shelfops.kit.errors import ServiceUnavailable
from shelfops.kit.extras import installed
from shelfops.registry import files, repository, service
from shelfops.tracking.store import default_tracking_uri

if TYPE_CHECKING:  # the API does not import the ML stack, the worker not FastAPI
    from fastapi import BackgroundTasks

    from shelfops.registry.training import Trained

log = logging.getLogger(__name__)


def tracking_uri(settings: Settings) -> str:
    """The MLflow store of this deployment (the embedded SQLite store by default)."""
    return settings.mlflow_tracking_uri or default_tracking_uri(settings.var_dir)


def _flat(metrics: dict[str, Any] | None, prefix: str = "") -> dict[str, float]:
    out: dict[str, float] = {}
    for key, value in (metrics or {}).items():
        if isinstance(value, int | float) and not isinstance(value, bool):
            out[f"{prefix}{key}"] = float(value)
    return out


async def track_version(
    sessionmaker: async_sessionmaker[AsyncSession],
    settings: Settings,
    *,
    customer_id: uuid.UUID,
    model_name: str,
    version: str,
    trigger: str,
    trained: Trained,
) -> None:
    """Log the version's training run (params, metrics, artifacts) and register it in
    MLflow's model registry; store the run id on the version."""
    from shelfops.runs.commands import track
    from shelfops.tracking.model_registry import register_version

    async with tenant_transaction(sessionmaker, customer_id) as session:
        row = await repository.get_version(
            session, customer_id=customer_id, model_name=model_name, version=version
        )
        if row is None or not row.artifact_path:
            return
        artifact_dir, dataset, params = Path(row.artifact_path), row.dataset, dict(row.params)
    metrics = {
        **_flat(trained.candidate),
        **_flat(trained.champion, "champion."),
        **_flat(trained.baseline, "baseline."),
    }
    try:
        result = await asyncio.to_thread(
            track,
            settings,
            experiment=f"shelfops.{customer_id}.{model_name}",
            run_name=f"{model_name} {version}",
            params={"model": params["pipeline"]["model"], "horizon": params["horizon_days"]},
            metrics=metrics,
            dataset=dataset or "unknown",
            trigger=trigger,
            version=version,
            artifacts=[artifact_dir],
            fallback_dir=settings.var_dir / "runs",
        )
        mlflow: dict[str, Any] = {"mode": result.mode, "location": result.location}
        if result.mode == "mlflow" and result.run_id:
            mlflow["model_version"] = await asyncio.to_thread(
                register_version,
                tracking_uri(settings),
                customer_id=customer_id,
                model_name=model_name,
                version=version,
                run_id=result.run_id,
                artifact_path=artifact_dir.name,
            )
    except Exception as exc:  # the database is the truth; MLflow only mirrors it
        log.warning("MLflow mirror of %s %s failed: %s", model_name, version, exc)
        return
    async with tenant_transaction(sessionmaker, customer_id) as session:
        row = await repository.get_version(
            session, customer_id=customer_id, model_name=model_name, version=version
        )
        if row is not None:
            row.mlflow_run_id = result.run_id
            row.params = {**row.params, "mlflow": mlflow}


async def sync(
    sessionmaker: async_sessionmaker[AsyncSession],
    settings: Settings,
    *,
    customer_id: uuid.UUID,
    model_name: str = service.DEFAULT_MODEL,
) -> None:
    """Rewrite the tenant's registry files and move MLflow's aliases to match the database."""
    async with tenant_transaction(sessionmaker, customer_id) as session:
        versions, _ = await repository.list_versions(
            session, customer_id=customer_id, model_name=model_name, limit=10_000, offset=0
        )
        others = await repository.all_versions(session, customer_id=customer_id)
        champion = await service.champion(session, model_name=model_name)
        challenger = await service.challenger(session, model_name=model_name)
    try:
        await asyncio.to_thread(files.write, settings.artifacts_dir, customer_id, others)
    except OSError as exc:
        log.warning("registry files of %s not written: %s", customer_id, exc)
    aliases = {
        "champion": champion.version if champion else None,
        "challenger": challenger.version if challenger else None,
    }
    if not any(v.mlflow_run_id for v in versions):
        return
    if not installed("mlflow"):
        _hand_aliases_to_worker(settings, customer_id=customer_id, model_name=model_name)
        return
    try:
        from shelfops.tracking.model_registry import sync_aliases

        await asyncio.to_thread(
            sync_aliases,
            tracking_uri(settings),
            customer_id=customer_id,
            model_name=model_name,
            aliases=aliases,
        )
    except Exception as exc:  # the database is the truth; MLflow only mirrors it
        log.warning("MLflow aliases of %s %s not synced: %s", customer_id, model_name, exc)


def _hand_aliases_to_worker(settings: Settings, *, customer_id: uuid.UUID, model_name: str) -> None:
    """The API image has no MLflow client: the ML worker moves the aliases instead."""
    if settings.tasks_in_process:
        log.info(
            "MLflow is not installed here; aliases of %s %s left as they are",
            customer_id,
            model_name,
        )
        return
    from shelfops.kit.tasks import send
    from shelfops.registry.tasks import sync_registry_mirror

    try:
        send(sync_registry_mirror, args=[str(customer_id)], kwargs={"model_name": model_name})
    except ServiceUnavailable as exc:  # the next decision or retrain catches up
        log.warning("MLflow aliases of %s %s not queued: %s", customer_id, model_name, exc)


def sync_after_response(
    background: BackgroundTasks,
    sessionmaker: async_sessionmaker[AsyncSession],
    settings: Settings,
    *,
    customer_id: uuid.UUID,
    model_name: str = service.DEFAULT_MODEL,
) -> None:
    """Schedule :func:`sync` after an HTTP response, i.e. after the request's transaction
    committed the change it mirrors."""
    background.add_task(
        sync, sessionmaker, settings, customer_id=customer_id, model_name=model_name
    )
