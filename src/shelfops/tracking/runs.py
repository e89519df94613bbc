"""Log one training or backtest run to MLflow, or to a JSON file when MLflow cannot take it.

Nothing here touches MLflow's process-wide state (``mlflow.set_tracking_uri``, active
runs): every call builds its own ``MlflowClient`` for the URI it is given.
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, TypeVar

from shelfops.tracking.errors import TrackingUnavailable
from shelfops.tracking.fallback import write_fallback
from shelfops.tracking.record import PreparedRun, RunRecord, TrackingResult, prepare
from shelfops.tracking.store import artifact_root, is_http, mlflow_call_env, probe, redact

if TYPE_CHECKING:
    from mlflow import MlflowClient

logger = logging.getLogger(__name__)

_V = TypeVar("_V")

#: Tag set on a run that MLflow accepted partially before failing (then marked FAILED).
TRACKING_ERROR_TAG = "shelfops.tracking_error"

# MLflow's per-request limits on log_batch (mlflow.utils.validation).
_PARAMS_OR_TAGS_PER_BATCH = 100
_METRICS_PER_BATCH = 1000
_REASON_CHARS = 500


@dataclass(frozen=True)
class _Logged:
    experiment_id: str
    run_id: str


class _PartialRunError(Exception):
    """MLflow created the run, then failed; the run id is kept for the fallback file."""

    def __init__(self, run_id: str) -> None:
        super().__init__(run_id)
        self.run_id = run_id


def log_run(
    record: RunRecord,
    *,
    tracking_uri: str,
    fallback_dir: Path,
    timeout_s: float = 3.0,
    request_timeout_s: float = 30.0,
) -> TrackingResult:
    """Track ``record`` in MLflow at ``tracking_uri``; on any failure write a JSON run file.

    For an http(s) URI the server's ``/health`` is asked first, waiting ``timeout_s``; an
    unreachable server goes straight to the fallback. Each MLflow HTTP request is then
    made once (no retries), waiting at most ``request_timeout_s`` for an answer (artifact
    uploads can be slow), so a server failing mid-run costs seconds, not minutes.

    If MLflow fails after it created the run (a server that dies, an artifact store that
    cannot be written, a value MLflow rejects), the run is marked FAILED in MLflow as far
    as MLflow still answers, and the complete run goes to the fallback file, which names
    the partial run's id. The result says which happened (``mode``, ``reason``).

    The first run into a new SQLite store takes a few seconds more: MLflow creates the
    database by running its own migrations (about 2 s of CPU here), once per store.

    Raises:
        TrackingUnavailable: neither MLflow nor the fallback directory took the run.
    """
    run = prepare(record)
    started_at = datetime.now(UTC)
    reason = probe(tracking_uri, timeout_s) if is_http(tracking_uri) else None
    partial_run_id: str | None = None
    if reason is None:
        try:
            # Bounded for every scheme: databricks:// and others speak HTTP underneath too.
            with mlflow_call_env(request_timeout_s):
                logged = _log_to_mlflow(run, tracking_uri, started_at)
        except _PartialRunError as failure:
            partial_run_id = failure.run_id
            reason = _describe(tracking_uri, failure.__cause__ or failure)
            reason += f" (MLflow run {partial_run_id} is incomplete and marked FAILED)"
        # Tracking must never lose a run: whatever MLflow raised (its own errors, SQLAlchemy,
        # requests, OSError from an artifact store), the run goes to the JSON file instead.
        except Exception as exc:
            reason = _describe(tracking_uri, exc)
        else:
            return TrackingResult(
                mode="mlflow",
                run_id=logged.run_id,
                location=_run_location(tracking_uri, logged),
                notes=run.notes,
            )
    try:
        path = write_fallback(
            run,
            directory=fallback_dir,
            started_at=started_at,
            reason=reason,
            tracking_uri=redact(tracking_uri),
            partial_run_id=partial_run_id,
        )
    except OSError as exc:
        raise TrackingUnavailable(
            f"{reason}; and the fallback run file could not be written in {fallback_dir}: {exc}"
        ) from exc
    logger.warning("run %r written to %s: %s", record.run_name, path, reason)
    return TrackingResult(
        mode="file", run_id=None, location=str(path), reason=reason, notes=run.notes
    )


def _log_to_mlflow(run: PreparedRun, tracking_uri: str, started_at: datetime) -> _Logged:
    """Create the run, log its content and finish it; raise ``_PartialRunError`` midway."""
    # Imported here, not at module level: MLflow takes ~2 s to import, and the CLI imports
    # this package for commands that never track anything.
    from mlflow import MlflowClient

    client = MlflowClient(tracking_uri=tracking_uri)
    experiment_id = _experiment_id(client, run.experiment, artifact_root(tracking_uri))
    created = client.create_run(
        experiment_id, start_time=_millis(started_at), run_name=run.run_name
    )
    run_id = created.info.run_id
    try:
        _log_content(client, run_id, run, _millis(started_at))
        client.set_terminated(run_id, status="FINISHED")
    except Exception as exc:
        _mark_failed(client, run_id, _describe(tracking_uri, exc))
        raise _PartialRunError(run_id) from exc
    return _Logged(experiment_id=experiment_id, run_id=run_id)


def _experiment_id(client: MlflowClient, name: str, root: Path | None) -> str:
    """The id of experiment ``name``, created (artifacts under ``root``) if it is new."""
    existing = client.get_experiment_by_name(name)
    if existing is not None:
        return str(existing.experiment_id)
    from mlflow.exceptions import MlflowException

    try:
        return client.create_experiment(
            name, artifact_location=root.as_uri() if root is not None else None
        )
    except MlflowException:
        # Another worker may have created it between the lookup and the create.
        existing = client.get_experiment_by_name(name)
        if existing is None:
            raise
        return str(existing.experiment_id)


def _log_content(client: MlflowClient, run_id: str, run: PreparedRun, timestamp: int) -> None:
    """Params, tags and metrics in batches within MLflow's limits, then the artifacts."""
    from mlflow.entities import Metric, Param, RunTag

    for params in _chunks(run.params, _PARAMS_OR_TAGS_PER_BATCH):
        client.log_batch(run_id, params=[Param(key, value) for key, value in params])
    for tags in _chunks(run.tags, _PARAMS_OR_TAGS_PER_BATCH):
        client.log_batch(run_id, tags=[RunTag(key, value) for key, value in tags])
    for metrics in _chunks(run.metrics, _METRICS_PER_BATCH):
        client.log_batch(
            run_id, metrics=[Metric(key, value, timestamp, 0) for key, value in metrics]
        )
    for path in run.artifacts:
        if path.is_dir():
            client.log_artifacts(run_id, str(path), artifact_path=path.name)
        else:
            client.log_artifact(run_id, str(path))


def _mark_failed(client: MlflowClient, run_id: str, reason: str) -> None:
    """Best effort: MLflow may be the thing that failed, and the fallback file follows."""
    with contextlib.suppress(Exception):
        client.set_tag(run_id, TRACKING_ERROR_TAG, reason)
    with contextlib.suppress(Exception):
        client.set_terminated(run_id, status="FAILED")


def _chunks(items: Mapping[str, _V], size: int) -> Iterator[list[tuple[str, _V]]]:
    pairs = list(items.items())
    for start in range(0, len(pairs), size):
        yield pairs[start : start + size]


def _describe(tracking_uri: str, exc: BaseException) -> str:
    """One line on why MLflow failed; MLflow messages can carry whole SQL statements."""
    lines = str(exc).strip().splitlines()
    message = lines[0] if lines else ""
    if len(message) > _REASON_CHARS:
        message = message[: _REASON_CHARS - 1] + "…"
    return f"MLflow at {redact(tracking_uri)} failed: {type(exc).__name__}: {message}"


def _run_location(tracking_uri: str, logged: _Logged) -> str:
    """A link to the run in the MLflow UI for a server; the ``runs:/`` URI otherwise."""
    if is_http(tracking_uri):
        base = redact(tracking_uri).rstrip("/")
        return f"{base}/#/experiments/{logged.experiment_id}/runs/{logged.run_id}"
    return f"runs:/{logged.run_id}"


def _millis(moment: datetime) -> int:
    return int(moment.timestamp() * 1000)
