"""``GET /models/{version}/card`` and ``/feature-importance``, and the
``feature_importance.json`` a retrain stages next to ``metrics.json``."""

from __future__ import annotations

import datetime as dt
import json
import time
from pathlib import Path

import httpx
import numpy as np
import numpy.typing as npt
import pytest

from shelfops.config import Settings
from shelfops.forecasting import explain
from shelfops.forecasting.frequency import Freq
from shelfops.forecasting.io import read_input
from shelfops.forecasting.models.gbm import GlobalGBM
from shelfops.forecasting.panel import build_panel
from shelfops.forecasting.pipeline import ForecastPipeline, PipelineConfig
from shelfops.forecasting.validation import validate_training_frame
from shelfops.ingest import runs
from shelfops.models import ModelStatus, Role
from shelfops.registry import artifacts
from shelfops.registry.retrain import retrain_forecast_model
from shelfops.registry.training import IMPORTANCE_ROWS, importance_document
from shelfops.synthetic import GenerationConfig, generate_dataset
from tests.conftest import Tenant
from tests.registry.helpers import API, Sessions, V, add_versions, versions
from tests.tracking.conftest import migrated_database, var_dir  # noqa: F401 - fixtures

DATA = GenerationConfig(stores=3, products=10, days=200, seed=11, start=dt.date(2025, 1, 6))


@pytest.fixture(scope="module")
def generated(tmp_path_factory: pytest.TempPathFactory) -> Path:
    directory = tmp_path_factory.mktemp("importance-data")
    generate_dataset(DATA, directory)
    return directory


def _files(settings: Settings, tenant: Tenant, version: str) -> Path:
    directory = artifacts.version_dir(
        settings.artifacts_dir, tenant.customer_id, "demand_forecast", version
    )
    directory.mkdir(parents=True, exist_ok=True)
    return directory


async def test_card_and_importance_read_the_version_files(
    client: httpx.AsyncClient,
    sessionmaker: Sessions,
    migrated: Settings,
    tenant_a: Tenant,
    tenant_b: Tenant,
) -> None:
    await add_versions(
        sessionmaker,
        tenant_a,
        V("v1", ModelStatus.ARCHIVED),
        V("v2", ModelStatus.CHAMPION),
        V("v3", ModelStatus.CANDIDATE),
    )
    v1 = _files(migrated, tenant_a, "v1")
    (v1 / artifacts.CARD_FILE).write_text("# Model card — demand_forecast v1\n")
    (v1 / artifacts.FEATURE_IMPORTANCE_FILE).write_text(
        json.dumps(
            {
                "available": True,
                "reason": None,
                "measure": "mean_abs_shap",
                "scale": "log",
                "model": "lightgbm",
                "sample_rows": 500,
                "features": [
                    {"feature": "dow", "importance": 0.1},
                    {"feature": "lag_1", "importance": 0.4},
                ],
            }
        )
    )
    # v2 was explained by the forecasting CLI's own layout of the file.
    explain.write_feature_importance_json(
        {"price": 0.2, "lag_7": 0.3}, _files(migrated, tenant_a, "v2") / "feature_importance.json"
    )
    viewer = tenant_a.headers(Role.VIEWER)

    card = (await client.get(f"{API}/v1/card", headers=viewer)).json()
    assert card == {
        "model_name": "demand_forecast",
        "version": "v1",
        "markdown": "# Model card — demand_forecast v1\n",
    }
    no_card = await client.get(f"{API}/v2/card", headers=viewer)
    assert no_card.status_code == 404 and "model_card.md is missing" in no_card.text
    unknown = await client.get(f"{API}/v9/card", headers=viewer)
    assert unknown.status_code == 404 and "no version 'v9'" in unknown.text
    assert (await client.get(f"{API}/v1/card", headers=tenant_b.headers())).status_code == 404

    ranked = (await client.get(f"{API}/v1/feature-importance", headers=viewer)).json()
    assert (ranked["available"], ranked["reason"], ranked["model"]) == (True, None, "lightgbm")
    assert ranked["features"] == [
        {"feature": "lag_1", "importance": 0.4},
        {"feature": "dow", "importance": 0.1},
    ]
    cli = (await client.get(f"{API}/v2/feature-importance", headers=viewer)).json()
    assert [f["feature"] for f in cli["features"]] == ["lag_7", "price"]
    assert cli["available"] is True
    never = (await client.get(f"{API}/v3/feature-importance", headers=viewer)).json()
    assert never == {
        "model_name": "demand_forecast",
        "version": "v3",
        "available": False,
        "reason": "not recorded for this version",
        "measure": None,
        "scale": None,
        "model": None,
        "sample_rows": None,
        "features": [],
    }
    missing = await client.get(f"{API}/v9/feature-importance", headers=viewer)
    assert missing.status_code == 404


def test_importance_document_of_tree_and_local_models(generated: Path) -> None:
    panel = build_panel(validate_training_frame(read_input(generated / "sales.csv")), Freq.DAY)
    tree = ForecastPipeline(PipelineConfig(model="lightgbm")).fit(panel, 7).for_storage()

    started = time.perf_counter()
    document = importance_document(tree)
    seconds = time.perf_counter() - started

    assert document["available"] is True and document["model"] == "lightgbm"
    assert document["scale"] == "log" and document["sample_rows"] == IMPORTANCE_ROWS
    values = [f["importance"] for f in document["features"]]
    assert values == sorted(values, reverse=True) and values[0] > 0
    model = tree.fitted["lightgbm"]
    assert isinstance(model, GlobalGBM) and model.training_sample is not None
    sample = model.training_sample[_rows(model.training_sample.shape[0])]
    assert [f["feature"] for f in document["features"]] == list(
        explain.feature_importance(explain.explain_rows(model, sample))
    )
    assert seconds < 5, f"feature importance took {seconds:.1f} s"

    local = ForecastPipeline(PipelineConfig(model="moving_average")).fit(panel, 7).for_storage()
    assert importance_document(local) == {
        "available": False,
        "reason": "no tree model in the forecast (moving_average): SHAP importances cover "
        "lightgbm and xgboost",
        "features": [],
    }


def _rows(total: int) -> npt.NDArray[np.int64]:
    """The rows ``importance_document`` explains: evenly spread over the sample."""
    return np.linspace(0, total - 1, min(total, IMPORTANCE_ROWS)).round().astype(np.int64)


async def test_a_retrain_records_feature_importance_with_its_artifacts(
    client: httpx.AsyncClient,
    sessionmaker: Sessions,
    migrated: Settings,
    var_dir: Path,  # noqa: F811
    tenant_a: Tenant,
    generated: Path,
) -> None:
    settings = migrated.model_copy(
        update={
            "var_dir": var_dir,
            "retrain_horizon_days": 7,
            "retrain_backtest_windows": 2,
            "retrain_model": "lightgbm",
        }
    )
    await runs.ingest_directory(sessionmaker, customer_id=tenant_a.customer_id, directory=generated)

    outcome = await retrain_forecast_model(
        sessionmaker, settings, customer_id=tenant_a.customer_id, trigger="manual"
    )

    assert outcome.version == "v1"
    directory = Path((await versions(sessionmaker, tenant_a))["v1"].artifact_path or "")
    stored = json.loads((directory / artifacts.FEATURE_IMPORTANCE_FILE).read_text())
    assert stored["available"] is True and stored["model"] == "lightgbm"
    assert stored["sample_rows"] == IMPORTANCE_ROWS
    pipeline = artifacts.load_pipeline(directory)
    assert {f["feature"] for f in stored["features"]} == set(
        pipeline.fitted["lightgbm"].feature_names  # type: ignore[attr-defined]
    )
    assert not list(directory.parent.parent.glob(".staging-*"))
