"""MLflow's model registry mirrors ShelfOps': one registered model per tenant and model,
one MLflow version per ShelfOps version (idempotent), and ``champion`` / ``challenger``
aliases that :func:`mirror.sync` moves to wherever the database says."""

from __future__ import annotations

import json
import logging
import uuid
from pathlib import Path

import pytest
from mlflow import MlflowClient

from shelfops.config import Settings
from shelfops.kit.db import tenant_transaction
from shelfops.models import ModelStatus
from shelfops.registry import mirror, service
from shelfops.tracking import RunRecord, default_tracking_uri, log_run
from shelfops.tracking.model_registry import (
    alias_versions,
    register_version,
    registered_name,
    sync_aliases,
)
from tests.conftest import Tenant
from tests.registry.helpers import Sessions, V, add_versions, principal
from tests.tracking.conftest import migrated_database, var_dir  # noqa: F401 - fixtures

MODEL = "demand_forecast"


def _run(var_dir: Path, version: str) -> str:  # noqa: F811
    """An MLflow run that logged the version's artifact directory (named ``version``)."""
    artifacts = var_dir / "artifacts-src" / version
    artifacts.mkdir(parents=True)
    (artifacts / "metrics.json").write_text(json.dumps({"mae": 10.0}))
    (artifacts / "pipeline.pkl").write_bytes(b"not a real pipeline")
    result = log_run(
        RunRecord(
            experiment="shelfops.test.demand_forecast",
            run_name=f"demand_forecast {version}",
            metrics={"mae": 10.0},
            tags={"dataset": "favorita", "trigger": "manual", "version": version},
            artifacts=[artifacts],
        ),
        tracking_uri=default_tracking_uri(var_dir),
        fallback_dir=var_dir / "runs",
    )
    assert result.mode == "mlflow" and result.run_id, result
    return result.run_id


def _register(uri: str, customer_id: uuid.UUID, version: str, run_id: str) -> str:
    return register_version(
        uri,
        customer_id=customer_id,
        model_name=MODEL,
        version=version,
        run_id=run_id,
        artifact_path=version,
    )


def test_registering_a_version_twice_returns_the_same_mlflow_version(
    var_dir: Path,  # noqa: F811
) -> None:
    uri = default_tracking_uri(var_dir)
    customer_id = uuid.uuid4()
    run_1, run_2 = _run(var_dir, "v1"), _run(var_dir, "v2")

    first = _register(uri, customer_id, "v1", run_1)
    again = _register(uri, customer_id, "v1", run_1)  # a redelivered task
    second = _register(uri, customer_id, "v2", run_2)
    assert (first, again, second) == ("1", "1", "2")

    client = MlflowClient(tracking_uri=uri, registry_uri=uri)
    name = registered_name(customer_id, MODEL)
    assert name == f"shelfops.{customer_id}.demand_forecast"
    assert client.get_registered_model(name).tags == {"shelfops.tenant": str(customer_id)}
    assert len(client.search_model_versions(f"name = '{name}'")) == 2
    registered = client.get_model_version(name, "1")
    assert registered.run_id == run_1
    assert registered.tags["shelfops.version"] == "v1"
    # The model version points at the run's logged artifact directory.
    assert str(registered.source).endswith("/v1")
    assert {a.path for a in client.list_artifacts(run_1, "v1")} == {
        "v1/metrics.json",
        "v1/pipeline.pkl",
    }


def test_the_same_version_name_of_two_tenants_are_two_registered_models(
    var_dir: Path,  # noqa: F811
) -> None:
    uri = default_tracking_uri(var_dir)
    a, b = uuid.uuid4(), uuid.uuid4()
    assert _register(uri, a, "v1", _run(var_dir, "v1")) == "1"
    (var_dir / "artifacts-src").rename(var_dir / "artifacts-a")
    assert _register(uri, b, "v1", _run(var_dir, "v1")) == "1"
    sync_aliases(uri, customer_id=a, model_name=MODEL, aliases={"champion": "v1"})
    assert alias_versions(uri, customer_id=a, model_name=MODEL) == {"champion": "v1"}
    assert alias_versions(uri, customer_id=b, model_name=MODEL) == {}


def test_aliases_follow_and_none_removes(var_dir: Path) -> None:  # noqa: F811
    uri = default_tracking_uri(var_dir)
    customer_id = uuid.uuid4()
    _register(uri, customer_id, "v1", _run(var_dir, "v1"))
    _register(uri, customer_id, "v2", _run(var_dir, "v2"))

    def move(**aliases: str | None) -> dict[str, str | None]:
        return sync_aliases(uri, customer_id=customer_id, model_name=MODEL, aliases=aliases)

    assert move(champion="v1", challenger="v2") == {"champion": "1", "challenger": "2"}
    assert alias_versions(uri, customer_id=customer_id, model_name=MODEL) == {
        "champion": "v1",
        "challenger": "v2",
    }
    # v2 promoted, no challenger left: the challenger alias is deleted.
    assert move(champion="v2", challenger=None) == {"champion": "2", "challenger": None}
    assert alias_versions(uri, customer_id=customer_id, model_name=MODEL) == {"champion": "v2"}
    # Removing an alias that is already gone is fine (sync repeats itself).
    assert move(challenger=None) == {"challenger": None}
    # A ShelfOps version MLflow does not know (its mirror failed) drops the alias
    # rather than leaving it on a stale version.
    assert move(champion="v9") == {"champion": None}
    assert alias_versions(uri, customer_id=customer_id, model_name=MODEL) == {}


def test_aliases_of_a_model_mlflow_never_saw_are_a_no_op(var_dir: Path) -> None:  # noqa: F811
    uri = default_tracking_uri(var_dir)
    result = sync_aliases(
        uri,
        customer_id=uuid.uuid4(),
        model_name=MODEL,
        aliases={"champion": "v1", "challenger": None},
    )
    assert result == {"champion": None, "challenger": None}


# --- mirror.sync: database → MLflow aliases + files -------------------------------------


async def test_sync_moves_the_aliases_to_match_the_database(
    sessionmaker: Sessions,
    tenant_a: Tenant,
    migrated: Settings,
    var_dir: Path,  # noqa: F811
) -> None:
    settings = migrated.model_copy(update={"var_dir": var_dir})
    uri = mirror.tracking_uri(settings)
    assert uri == default_tracking_uri(var_dir)
    run_1, run_2 = _run(var_dir, "v1"), _run(var_dir, "v2")
    _register(uri, tenant_a.customer_id, "v1", run_1)
    _register(uri, tenant_a.customer_id, "v2", run_2)
    await add_versions(
        sessionmaker,
        tenant_a,
        V("v1", ModelStatus.CHAMPION, mlflow_run_id=run_1),
        V("v2", ModelStatus.CHALLENGER, mlflow_run_id=run_2),
    )

    await mirror.sync(sessionmaker, settings, customer_id=tenant_a.customer_id)
    assert alias_versions(uri, customer_id=tenant_a.customer_id, model_name=MODEL) == {
        "champion": "v1",
        "challenger": "v2",
    }

    actor = await principal(sessionmaker, tenant_a)
    async with tenant_transaction(sessionmaker, tenant_a.customer_id) as session:
        await service.promote(session, version="v2", actor=actor, reason="better")
    await mirror.sync(sessionmaker, settings, customer_id=tenant_a.customer_id)
    assert alias_versions(uri, customer_id=tenant_a.customer_id, model_name=MODEL) == {
        "champion": "v2"
    }
    champion = json.loads(
        (settings.artifacts_dir / str(tenant_a.customer_id) / "champion.json").read_text()
    )
    assert (champion["version"], champion["status"]) == ("v2", "champion")


async def test_sync_with_mlflow_down_still_writes_the_files(
    sessionmaker: Sessions,
    tenant_a: Tenant,
    migrated: Settings,
    tmp_path: Path,
    caplog: pytest.LogCaptureFixture,
) -> None:
    # Nothing listens on the discard port: MLflow is unreachable, the database is the truth.
    settings = migrated.model_copy(
        update={"var_dir": tmp_path, "mlflow_tracking_uri": "http://127.0.0.1:9"}
    )
    await add_versions(
        sessionmaker, tenant_a, V("v1", ModelStatus.CHAMPION, mlflow_run_id="0" * 32)
    )
    with caplog.at_level(logging.WARNING, logger="shelfops.registry.mirror"):
        await mirror.sync(sessionmaker, settings, customer_id=tenant_a.customer_id)
    assert any("MLflow aliases" in r.getMessage() for r in caplog.records)
    champion = json.loads(
        (settings.artifacts_dir / str(tenant_a.customer_id) / "champion.json").read_text()
    )
    assert champion["version"] == "v1"
