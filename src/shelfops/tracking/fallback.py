"""The JSON run file written when MLflow cannot take a run (seed 001 §1)."""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path

from shelfops.tracking.record import PreparedRun

#: Identifies the file layout, so a later import into MLflow can check what it reads.
SCHEMA = "shelfops.run/1"


def write_fallback(
    run: PreparedRun,
    *,
    directory: Path,
    started_at: datetime,
    reason: str,
    tracking_uri: str,
    partial_run_id: str | None,
) -> Path:
    """Write ``run`` to ``directory/run_<UTC YYYYmmddTHHMMSSffffff>.json`` and return it.

    The file holds everything MLflow would have held (params, metrics, tags, artifact
    paths) plus why MLflow was not used and, if MLflow had already created the run before
    failing, that run's id so the two can be matched up. Never overwrites: a second run
    in the same microsecond gets a ``-2`` suffix.
    """
    content = {
        "schema": SCHEMA,
        "experiment": run.experiment,
        "run_name": run.run_name,
        "started_at": started_at.isoformat(),
        "reason": reason,
        "tracking_uri": tracking_uri,
        "partial_mlflow_run_id": partial_run_id,
        "params": run.params,
        "metrics": run.metrics,
        "skipped_metrics": run.skipped_metrics,
        "tags": run.tags,
        "artifacts": [str(path) for path in run.artifacts],
        "missing_artifacts": [str(path) for path in run.missing_artifacts],
    }
    text = json.dumps(content, indent=2, sort_keys=False, allow_nan=False) + "\n"
    directory.mkdir(parents=True, exist_ok=True)
    stem = f"run_{started_at.strftime('%Y%m%dT%H%M%S%f')}"
    suffix = 1
    while True:
        path = directory / (f"{stem}.json" if suffix == 1 else f"{stem}-{suffix}.json")
        try:
            # "x" creates the file only if it is new: two workers cannot clobber each other.
            with path.open("x", encoding="utf-8") as handle:
                handle.write(text)
        except FileExistsError:
            suffix += 1
            continue
        return path
