"""``registry.json`` and ``champion.json`` per tenant (seed 001 §3 schema), rewritten from
the database — the source of truth — after every change, so the files never disagree
with it for longer than one write."""

from __future__ import annotations

import json
import uuid
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from shelfops.models import ModelStatus, ModelVersion
from shelfops.registry.artifacts import tenant_dir, write_text

REGISTRY_FILE = "registry.json"
CHAMPION_FILE = "champion.json"


def entry(row: ModelVersion) -> dict[str, Any]:
    """One version in the seed 001 registry schema (plus where its files are)."""
    mae = (row.metrics or {}).get("mae")
    return {
        "model_name": row.model_name,
        "version": row.version,
        "feature_tier": row.feature_tier,
        "dataset": row.dataset,
        "mae": mae,
        "status": row.status,
        "created_at": row.created_at.isoformat() if row.created_at else None,
        "promoted_at": row.promoted_at.isoformat() if row.promoted_at else None,
        "artifact_path": row.artifact_path,
    }


def write(root: Path, customer_id: uuid.UUID, versions: Sequence[ModelVersion]) -> Path:
    """Rewrite the tenant's two files from ``versions`` (all of its versions)."""
    directory = tenant_dir(root, customer_id)
    entries = [entry(v) for v in sorted(versions, key=lambda v: (v.model_name, v.created_at))]
    write_text(directory / REGISTRY_FILE, json.dumps(entries, indent=2) + "\n")
    champions = [e for e in entries if e["status"] == ModelStatus.CHAMPION.value]
    # One champion per model name; the seed's file describes "the current production
    # model", so with a single model name it is that model's entry itself.
    payload: Any = champions[0] if len(champions) == 1 else {c["model_name"]: c for c in champions}
    write_text(directory / CHAMPION_FILE, json.dumps(payload or None, indent=2) + "\n")
    return directory
