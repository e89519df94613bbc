"""A real retrain end to end on both databases: data → backtests of candidate, champion
and baseline on the same windows → version, decision, artifacts, model card, registry
files, MLflow version and aliases; plus the lock, redelivery and too-little-history."""

from __future__ import annotations

import datetime as dt
import json
import uuid
from pathlib import Path

import httpx
import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from shelfops.config import Settings
from shelfops.forecasting.pipeline import PipelineConfig
from shelfops.ingest import runs
from shelfops.kit.db import tenant_transaction
from shelfops.kit.errors import ValidationFailed
from shelfops.models import (
    DecisionAction,
    ModelDecision,
    ModelRetrainingLog,
    ModelStatus,
    ModelVersion,
    Role,
    RunStatus,
)
from shelfops.registry import artifacts, files
from shelfops.registry.retrain import retrain_forecast_model
from shelfops.registry.training import config_to_dict
from shelfops.synthetic import GenerationConfig, generate_dataset
from shelfops.tracking import default_tracking_uri
from shelfops.tracking.model_registry import alias_versions
from tests.conftest import Tenant
from tests.tracking.conftest import migrated_database, var_dir  # noqa: F401 - fixtures

Sessions = async_sessionmaker[AsyncSession]

# Three stores × ten products × 200 days: enough for two 7-day backtest windows with a
# validation window inside each, small enough to train in seconds.
DATA = GenerationConfig(stores=3, products=10, days=200, seed=11, start=dt.date(2025, 1, 6))


@pytest.fixture(scope="module")
def generated(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The canonical files of a small chain (written once per module)."""
    directory = tmp_path_factory.mktemp("retrain-data")
    generate_dataset(DATA, directory)
    return directory


@pytest.fixture
def retrain_settings(migrated: Settings, var_dir: Path) -> Settings:  # noqa: F811
    """Small horizon and windows; artifacts and MLflow under the test's own var dir."""
    return migrated.model_copy(
        update={
            "var_dir": var_dir,
            "retrain_horizon_days": 7,
            "retrain_backtest_windows": 2,
            "retrain_model": "auto",
        }
    )


async def _ingest(sessionmaker: Sessions, tenant: Tenant, directory: Path) -> None:
    await runs.ingest_directory(sessionmaker, customer_id=tenant.customer_id, directory=directory)


async def _versions(sessionmaker: Sessions, tenant: Tenant) -> dict[str, ModelVersion]:
    async with tenant_transaction(sessionmaker, tenant.customer_id) as session:
        rows = await session.scalars(
            select(ModelVersion).where(ModelVersion.customer_id == tenant.customer_id)
        )
        return {r.version: r for r in rows}


async def _log(sessionmaker: Sessions, tenant: Tenant, retrain_id: uuid.UUID) -> ModelRetrainingLog:
    async with tenant_transaction(sessionmaker, tenant.customer_id) as session:
        row = await session.scalar(
            select(ModelRetrainingLog).where(ModelRetrainingLog.retrain_id == retrain_id)
        )
        assert row is not None
        return row


async def _decisions(sessionmaker: Sessions, tenant: Tenant, version: str) -> list[ModelDecision]:
    async with tenant_transaction(sessionmaker, tenant.customer_id) as session:
        rows = await session.scalars(
            select(ModelDecision)
            .where(
                ModelDecision.customer_id == tenant.customer_id, ModelDecision.version == version
            )
            .order_by(ModelDecision.created_at)
        )
        return list(rows)


async def test_first_retrain_becomes_champion_with_artifacts_card_files_and_mlflow(
    sessionmaker: Sessions, tenant_a: Tenant, generated: Path, retrain_settings: Settings
) -> None:
    await _ingest(sessionmaker, tenant_a, generated)

    outcome = await retrain_forecast_model(
        sessionmaker, retrain_settings, customer_id=tenant_a.customer_id, trigger="manual"
    )

    assert outcome.status is RunStatus.COMPLETED and outcome.version == "v1"
    # The first model must beat the seasonal-naive baseline scored on the same windows.
    assert outcome.model_status == ModelStatus.CHAMPION.value, outcome.reasons
    assert "beats the seasonal-naive baseline" in outcome.reasons[0]
    log = await _log(sessionmaker, tenant_a, outcome.retrain_id)
    assert (log.status, log.trigger_type, log.version_produced) == ("completed", "manual", "v1")
    assert log.completed_at is not None and log.completed_at >= log.started_at

    v1 = (await _versions(sessionmaker, tenant_a))["v1"]
    assert v1.status == "champion" and v1.promoted_at is not None
    assert v1.metrics["mae"] > 0 and "stockout_miss_rate" in v1.metrics
    assert v1.metrics["tier"] == "production"
    assert v1.training_window_end == DATA.start + dt.timedelta(days=DATA.days - 1)
    decision = (await _decisions(sessionmaker, tenant_a, "v1"))[-1]
    assert (
        decision.action == DecisionAction.PROMOTED.value and decision.decided_by == "promotion_gate"
    )
    assert decision.inputs["checks"]["candidate_mae"] == pytest.approx(v1.metrics["mae"])
    assert decision.inputs["checks"]["baseline_mae"] > v1.metrics["mae"]

    directory = Path(v1.artifact_path or "")
    assert directory == artifacts.version_dir(
        retrain_settings.artifacts_dir, tenant_a.customer_id, "demand_forecast", "v1"
    )
    pipeline = artifacts.load_pipeline(directory)
    assert pipeline.config.model == "auto"
    card = (directory / artifacts.CARD_FILE).read_text()
    assert "# Model card — demand_forecast v1" in card and "### By segment" in card
    assert "seasonal naive" in card and "**champion**" in card

    tenant_files = artifacts.tenant_dir(retrain_settings.artifacts_dir, tenant_a.customer_id)
    registry = json.loads((tenant_files / files.REGISTRY_FILE).read_text())
    assert [(e["version"], e["status"]) for e in registry] == [("v1", "champion")]
    champion = json.loads((tenant_files / files.CHAMPION_FILE).read_text())
    assert champion["version"] == "v1" and champion["mae"] == pytest.approx(v1.metrics["mae"])

    assert v1.mlflow_run_id
    uri = default_tracking_uri(retrain_settings.var_dir)
    assert alias_versions(uri, customer_id=tenant_a.customer_id, model_name="demand_forecast") == {
        "champion": "v1"
    }


async def _seed_champion(sessionmaker: Sessions, tenant: Tenant, config: PipelineConfig) -> None:
    """A champion trained with ``config`` (its numbers are re-measured by the retrain)."""
    async with tenant_transaction(sessionmaker, tenant.customer_id) as session:
        session.add(
            ModelVersion(
                customer_id=tenant.customer_id,
                version="v1",
                status=ModelStatus.CHAMPION.value,
                metrics={"mae": 1.0},
                params={"pipeline": config_to_dict(config)},
                promoted_at=dt.datetime.now(dt.UTC),
            )
        )


async def test_scheduled_retrain_auto_promotes_a_clearly_better_model(
    sessionmaker: Sessions, tenant_a: Tenant, generated: Path, retrain_settings: Settings
) -> None:
    await _ingest(sessionmaker, tenant_a, generated)
    await _seed_champion(sessionmaker, tenant_a, PipelineConfig(model="seasonal_naive"))

    outcome = await retrain_forecast_model(
        sessionmaker, retrain_settings, customer_id=tenant_a.customer_id, trigger="scheduled"
    )

    assert outcome.version == "v2" and outcome.model_status == "champion", outcome.reasons
    versions = await _versions(sessionmaker, tenant_a)
    assert versions["v1"].status == "archived" and versions["v1"].archived_at is not None
    decision = (await _decisions(sessionmaker, tenant_a, "v2"))[-1]
    assert decision.previous_champion == "v1" and decision.trigger_type == "scheduled"
    checks = decision.inputs["checks"]
    # Both were scored on the same windows; the champion's MAE is re-measured there.
    assert checks["mae_improvement"] >= 0.05
    assert checks["champion_mae"] > checks["candidate_mae"]
    assert all(b["regressed"] is False for b in checks["business"].values())


async def test_drift_triggered_retrain_never_auto_promotes(
    sessionmaker: Sessions, tenant_a: Tenant, generated: Path, retrain_settings: Settings
) -> None:
    await _ingest(sessionmaker, tenant_a, generated)
    await _seed_champion(sessionmaker, tenant_a, PipelineConfig(model="naive"))

    outcome = await retrain_forecast_model(
        sessionmaker, retrain_settings, customer_id=tenant_a.customer_id, trigger="drift_detected"
    )

    assert outcome.model_status == "challenger"
    assert "never auto-promotes" in outcome.reasons[0]
    versions = await _versions(sessionmaker, tenant_a)
    assert versions["v1"].status == "champion" and versions["v2"].status == "challenger"


async def test_same_configuration_again_is_kept_as_challenger(
    sessionmaker: Sessions, tenant_a: Tenant, generated: Path, retrain_settings: Settings
) -> None:
    await _ingest(sessionmaker, tenant_a, generated)
    await _seed_champion(sessionmaker, tenant_a, PipelineConfig(model="moving_average"))
    settings = retrain_settings.model_copy(update={"retrain_model": "moving_average"})

    outcome = await retrain_forecast_model(
        sessionmaker, settings, customer_id=tenant_a.customer_id, trigger="scheduled"
    )

    # Same configuration, same windows: 0 % improvement, below the 5 % the gate needs.
    assert outcome.model_status == "challenger"
    assert any("+0.0%" in r and "needs ≥ 5%" in r for r in outcome.reasons), outcome.reasons


async def test_retrain_from_a_data_directory(
    sessionmaker: Sessions, tenant_a: Tenant, generated: Path, retrain_settings: Settings
) -> None:
    # Nothing ingested: the data comes from the canonical files (seed 003's data_dir).
    outcome = await retrain_forecast_model(
        sessionmaker,
        retrain_settings.model_copy(update={"retrain_model": "moving_average"}),
        customer_id=tenant_a.customer_id,
        trigger="manual",
        data_dir=generated,
    )

    assert outcome.status is RunStatus.COMPLETED and outcome.version == "v1"
    v1 = (await _versions(sessionmaker, tenant_a))["v1"]
    assert v1.dataset == str(generated)


async def test_too_little_history_is_a_recorded_skip(
    sessionmaker: Sessions, tenant_a: Tenant, tmp_path: Path, retrain_settings: Settings
) -> None:
    short = GenerationConfig(stores=1, products=3, days=12, seed=3, start=dt.date(2025, 1, 6))
    generate_dataset(short, tmp_path)
    await _ingest(sessionmaker, tenant_a, tmp_path)

    outcome = await retrain_forecast_model(
        sessionmaker, retrain_settings, customer_id=tenant_a.customer_id
    )

    assert outcome.status is RunStatus.SKIPPED and outcome.version is None
    log = await _log(sessionmaker, tenant_a, outcome.retrain_id)
    assert log.status == "skipped" and "history" in (log.error_message or "")
    assert await _versions(sessionmaker, tenant_a) == {}


async def test_a_second_concurrent_retrain_is_skipped_and_says_why(
    sessionmaker: Sessions, tenant_a: Tenant, retrain_settings: Settings
) -> None:
    running = uuid.uuid4()
    async with tenant_transaction(sessionmaker, tenant_a.customer_id) as session:
        session.add(
            ModelRetrainingLog(
                retrain_id=running,
                customer_id=tenant_a.customer_id,
                trigger_type="scheduled",
                status="running",
            )
        )

    outcome = await retrain_forecast_model(
        sessionmaker, retrain_settings, customer_id=tenant_a.customer_id
    )

    assert outcome.status is RunStatus.SKIPPED
    assert str(running) in (outcome.message or "")
    log = await _log(sessionmaker, tenant_a, outcome.retrain_id)
    assert log.status == "skipped" and str(running) in (log.error_message or "")
    assert (await _log(sessionmaker, tenant_a, running)).status == "running"


async def test_a_finished_retrain_redelivered_is_not_run_again(
    sessionmaker: Sessions, tenant_a: Tenant, generated: Path, retrain_settings: Settings
) -> None:
    await _ingest(sessionmaker, tenant_a, generated)
    settings = retrain_settings.model_copy(update={"retrain_model": "moving_average"})
    first = await retrain_forecast_model(sessionmaker, settings, customer_id=tenant_a.customer_id)

    again = await retrain_forecast_model(
        sessionmaker, settings, customer_id=tenant_a.customer_id, retrain_id=first.retrain_id
    )

    assert again.status is RunStatus.COMPLETED and again.version == first.version
    assert set(await _versions(sessionmaker, tenant_a)) == {"v1"}


async def test_an_unknown_trigger_is_rejected_before_anything_is_written(
    sessionmaker: Sessions, tenant_a: Tenant, retrain_settings: Settings
) -> None:
    with pytest.raises(ValidationFailed) as error:
        await retrain_forecast_model(
            sessionmaker, retrain_settings, customer_id=tenant_a.customer_id, trigger="hourly"
        )
    detail = error.value.detail
    assert isinstance(detail, list)
    assert [problem["location"] for problem in detail] == [["body", "trigger"]]


async def test_api_queues_a_retrain_and_it_can_be_polled_to_its_end(
    client: httpx.AsyncClient, sessionmaker: Sessions, tenant_a: Tenant, generated: Path
) -> None:
    await _ingest(sessionmaker, tenant_a, generated)

    queued = await client.post(
        "/api/v1/models/retrain",
        json={"trigger": "manual", "model": "moving_average"},
        headers=tenant_a.headers(Role.ML_MANAGER),
    )

    assert queued.status_code == 202, queued.text
    retrain_id = queued.json()["retrain_id"]
    # Embedded mode trains after the response, in the API process (never inside the
    # request); the in-process transport returns once that background work is done.
    polled = await client.get(
        f"/api/v1/models/retrains/{retrain_id}", headers=tenant_a.headers(Role.VIEWER)
    )
    assert polled.status_code == 200
    assert (polled.json()["status"], polled.json()["version_produced"]) == ("completed", "v1")


async def test_api_refuses_an_unknown_model_before_queueing(
    client: httpx.AsyncClient, tenant_a: Tenant
) -> None:
    answer = await client.post(
        "/api/v1/models/retrain",
        json={"model": "prophet"},
        headers=tenant_a.headers(Role.ML_MANAGER),
    )
    assert answer.status_code == 422
    assert [p["location"] for p in answer.json()["detail"]] == [["body", "model"]]
    listed = await client.get("/api/v1/models/retrains", headers=tenant_a.headers(Role.VIEWER))
    assert listed.json() == []
