"""Fixtures for run tests: an input CSV and a var/ folder with a ready MLflow store."""

from __future__ import annotations

from pathlib import Path

import pytest

from shelfops.config import Environment, Settings
from tests.forecasting.conftest import mixed_frame
from tests.tracking.conftest import migrated_database, var_dir

__all__ = ["migrated_database", "var_dir"]


@pytest.fixture
def input_csv(tmp_path: Path) -> Path:
    """A generic long CSV: 20 series × 180 days with promo/price covariates."""
    path = tmp_path / "history.csv"
    mixed_frame().write_csv(path)
    return path


@pytest.fixture
def run_settings(var_dir: Path) -> Settings:
    """Settings whose MLflow store is the copied local one under ``var_dir``."""
    return Settings(env=Environment.TEST, var_dir=var_dir)
