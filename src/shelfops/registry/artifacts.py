"""Model artifacts on disk: ``<artifacts_dir>/<tenant>/<model>/<version>/``.

A version directory holds ``pipeline.pkl`` (the trained pipeline without its training
history), ``metrics.json``, ``config.json``, ``feature_importance.json`` (global mean
|SHAP| of a tree model, or why there is none) and ``model_card.md``. It is written into a
scratch directory beside its final place and renamed in one step, so a crash or a full
disk never leaves a half-written version behind; the database row that names the
directory is committed only after the rename.

``pipeline.pkl`` is a pickle: only ever load artifacts this deployment wrote itself.
"""

from __future__ import annotations

import json
import os
import pickle
import shutil
import uuid
from pathlib import Path
from typing import Any

from shelfops.forecasting.pipeline import ForecastPipeline
from shelfops.kit.errors import ServiceUnavailable

PIPELINE_FILE = "pipeline.pkl"
METRICS_FILE = "metrics.json"
CONFIG_FILE = "config.json"
CARD_FILE = "model_card.md"
FEATURE_IMPORTANCE_FILE = "feature_importance.json"


class ArtifactMissing(ServiceUnavailable):
    """A version's artifact directory or pipeline file is not on this machine."""


def version_dir(root: Path, customer_id: uuid.UUID, model_name: str, version: str) -> Path:
    """Where one version's files live."""
    return root / str(customer_id) / model_name / version


def tenant_dir(root: Path, customer_id: uuid.UUID) -> Path:
    """The tenant's artifact directory (holds ``registry.json`` and ``champion.json``)."""
    return root / str(customer_id)


def stage(
    root: Path,
    customer_id: uuid.UUID,
    *,
    pipeline: ForecastPipeline,
    metrics: dict[str, Any],
    config: dict[str, Any],
    feature_importance: dict[str, Any] | None = None,
) -> Path:
    """Write a version's files into a fresh scratch directory under the tenant's folder
    (``feature_importance``, when given, as ``feature_importance.json``)."""
    scratch = tenant_dir(root, customer_id) / f".staging-{uuid.uuid4().hex}"
    scratch.mkdir(parents=True)
    try:
        with (scratch / PIPELINE_FILE).open("wb") as out:
            pickle.dump(pipeline, out, protocol=pickle.HIGHEST_PROTOCOL)
        _write_json(scratch / METRICS_FILE, metrics)
        _write_json(scratch / CONFIG_FILE, config)
        if feature_importance is not None:
            _write_json(scratch / FEATURE_IMPORTANCE_FILE, feature_importance)
    except BaseException:
        shutil.rmtree(scratch, ignore_errors=True)
        raise
    return scratch


def publish(scratch: Path, target: Path) -> Path:
    """Move a staged directory to its version path in one rename. A directory already
    there can only be a leftover of a run that died before committing its row (the
    database allocates each version once), so it is replaced."""
    target.parent.mkdir(parents=True, exist_ok=True)
    if target.exists():
        shutil.rmtree(target)
    scratch.rename(target)
    return target


def discard(path: Path) -> None:
    """Remove a staged or published directory whose database row was not committed."""
    shutil.rmtree(path, ignore_errors=True)


def discard_staging(root: Path, customer_id: uuid.UUID) -> None:
    """Remove the tenant's leftover scratch directories (call only while holding the
    tenant's retrain lock, when no live retrain can be writing one)."""
    directory = tenant_dir(root, customer_id)
    if directory.is_dir():
        for scratch in directory.glob(".staging-*"):
            shutil.rmtree(scratch, ignore_errors=True)


def load_pipeline(path: Path) -> ForecastPipeline:
    """The stored pipeline of a version directory."""
    file = path / PIPELINE_FILE
    if not file.is_file():
        raise ArtifactMissing(f"the model artifact {file} is missing on this machine")
    with file.open("rb") as source:
        pipeline = pickle.load(source)  # noqa: S301 - our own artifact (module docstring)
    if not isinstance(pipeline, ForecastPipeline):
        raise ArtifactMissing(f"{file} does not hold a forecasting pipeline")
    return pipeline


def write_text(path: Path, text: str) -> None:
    """Write a text file atomically (write beside it, then rename). A failed write (a
    full disk) leaves the old file as it was and no scratch file behind."""
    path.parent.mkdir(parents=True, exist_ok=True)
    scratch = path.with_name(f".{path.name}.{uuid.uuid4().hex}")
    try:
        scratch.write_text(text, encoding="utf-8")
        os.replace(scratch, path)
    except BaseException:
        scratch.unlink(missing_ok=True)
        raise


def read_card(directory: Path) -> str | None:
    """The version's ``model_card.md``, or None when the file is not there."""
    file = directory / CARD_FILE
    return file.read_text(encoding="utf-8") if file.is_file() else None


def read_feature_importance(directory: Path) -> dict[str, Any] | None:
    """The version's ``feature_importance.json`` as ``available``, ``reason``, ``measure``,
    ``scale``, ``model``, ``sample_rows`` and ``features`` (``[{feature, importance}]``,
    most important first), or None when the file is not there.

    Also reads the forecasting CLI's layout of the same file (``mean_abs_shap`` per
    feature, no ``available`` key), so a run directory copied in is understood."""
    file = directory / FEATURE_IMPORTANCE_FILE
    if not file.is_file():
        return None
    document: dict[str, Any] = json.loads(file.read_text(encoding="utf-8"))
    features = sorted(
        (
            (str(item["feature"]), float(item.get("importance", item.get("mean_abs_shap", 0.0))))
            for item in document.get("features", [])
        ),
        key=lambda pair: (-pair[1], pair[0]),
    )
    return {
        "available": bool(document.get("available", bool(features))),
        "reason": document.get("reason"),
        "measure": document.get("measure"),
        "scale": document.get("scale"),
        "model": document.get("model"),
        "sample_rows": document.get("sample_rows"),
        "features": [{"feature": name, "importance": value} for name, value in features],
    }


def _write_json(path: Path, payload: dict[str, Any]) -> None:
    path.write_text(json.dumps(payload, indent=2, sort_keys=True, default=str), encoding="utf-8")
