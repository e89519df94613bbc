"""Fixtures for tracking tests: a real MLflow SQLite store per test, made fast.

A brand-new MLflow SQLite store runs MLflow's ~70 Alembic migrations (2-3 s). The store is
migrated once per session and each test gets a copy of that database, which is what
MLflow's own test suite does; a copy opens in ~0.1 s.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from mlflow import MlflowClient

from shelfops.tracking import default_tracking_uri
from shelfops.tracking.store import DATABASE_FILE


@pytest.fixture(scope="session")
def migrated_database(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """An empty MLflow tracking database at the current schema head."""
    template_dir = tmp_path_factory.mktemp("mlflow-template")
    MlflowClient(tracking_uri=default_tracking_uri(template_dir)).search_experiments()
    return template_dir / DATABASE_FILE


@pytest.fixture
def var_dir(tmp_path: Path, migrated_database: Path) -> Path:
    """A fresh ``var/`` directory holding its own (copied) MLflow store."""
    var = tmp_path / "var"
    var.mkdir()
    shutil.copyfile(migrated_database, var / DATABASE_FILE)
    return var
