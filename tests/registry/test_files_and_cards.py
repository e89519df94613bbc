"""``registry.json`` / ``champion.json`` in the seed 001 schema, rewritten from the
database, and the model card rendered from its template."""

from __future__ import annotations

import datetime as dt
import json
import uuid
from pathlib import Path
from typing import Any

import pytest

from shelfops.config import Settings
from shelfops.models import ModelStatus, ModelVersion
from shelfops.registry import cards, files, mirror
from tests.conftest import Tenant
from tests.registry.helpers import T0, Sessions, V, add_versions

SEED_001_KEYS = {"version", "feature_tier", "dataset", "mae", "status"}


def _row(
    version: str,
    status: ModelStatus,
    *,
    hours: int,
    mae: float | None = 12.3,
    model_name: str = "demand_forecast",
) -> ModelVersion:
    created = T0 + dt.timedelta(hours=hours)
    return ModelVersion(
        customer_id=uuid.uuid4(),
        model_name=model_name,
        version=version,
        status=status.value,
        feature_tier="cold_start",
        dataset="favorita",
        metrics={} if mae is None else {"mae": mae, "wape": 0.2},
        artifact_path=f"/var/artifacts/{version}",
        created_at=created,
        promoted_at=created if status is ModelStatus.CHAMPION else None,
    )


def _read(directory: Path) -> tuple[Any, Any]:
    registry = json.loads((directory / files.REGISTRY_FILE).read_text())
    champion = json.loads((directory / files.CHAMPION_FILE).read_text())
    return registry, champion


def test_registry_file_lists_every_version_in_the_seed_001_schema(tmp_path: Path) -> None:
    customer_id = uuid.uuid4()
    rows = [
        _row("v3", ModelStatus.CANDIDATE, hours=2, mae=11.0),
        _row("v1", ModelStatus.ARCHIVED, hours=0, mae=12.3),
        _row("v2", ModelStatus.CHAMPION, hours=1, mae=11.5),
        _row("v4", ModelStatus.CHALLENGER, hours=3, mae=None),
    ]
    directory = files.write(tmp_path, customer_id, rows)
    assert directory == tmp_path / str(customer_id)

    registry, champion = _read(directory)
    # Oldest first; every seed 001 field with its value.
    assert [{k: e[k] for k in sorted(SEED_001_KEYS)} for e in registry] == [
        {
            "dataset": "favorita",
            "feature_tier": "cold_start",
            "mae": 12.3,
            "status": "archived",
            "version": "v1",
        },
        {
            "dataset": "favorita",
            "feature_tier": "cold_start",
            "mae": 11.5,
            "status": "champion",
            "version": "v2",
        },
        {
            "dataset": "favorita",
            "feature_tier": "cold_start",
            "mae": 11.0,
            "status": "candidate",
            "version": "v3",
        },
        {
            "dataset": "favorita",
            "feature_tier": "cold_start",
            "mae": None,
            "status": "challenger",
            "version": "v4",
        },
    ]
    assert registry[1]["promoted_at"] == (T0 + dt.timedelta(hours=1)).isoformat()
    assert registry[1]["artifact_path"] == "/var/artifacts/v2"
    # champion.json is the champion's own registry entry.
    assert champion == registry[1]
    # Written atomically: no scratch files left beside them.
    assert sorted(p.name for p in directory.iterdir()) == ["champion.json", "registry.json"]


def test_champion_file_is_null_without_a_champion(tmp_path: Path) -> None:
    customer_id = uuid.uuid4()
    files.write(tmp_path, customer_id, [_row("v1", ModelStatus.CHALLENGER, hours=0)])
    registry, champion = _read(tmp_path / str(customer_id))
    assert [e["version"] for e in registry] == ["v1"]
    assert champion is None

    files.write(tmp_path, customer_id, [])
    assert _read(tmp_path / str(customer_id)) == ([], None)


def test_files_are_rewritten_not_appended(tmp_path: Path) -> None:
    customer_id = uuid.uuid4()
    files.write(tmp_path, customer_id, [_row("v1", ModelStatus.CHAMPION, hours=0)])
    files.write(
        tmp_path,
        customer_id,
        [_row("v1", ModelStatus.ARCHIVED, hours=0), _row("v2", ModelStatus.CHAMPION, hours=1)],
    )
    registry, champion = _read(tmp_path / str(customer_id))
    assert [(e["version"], e["status"]) for e in registry] == [
        ("v1", "archived"),
        ("v2", "champion"),
    ]
    assert champion["version"] == "v2"


def test_champion_file_names_each_models_champion_when_there_are_several(
    tmp_path: Path,
) -> None:
    customer_id = uuid.uuid4()
    files.write(
        tmp_path,
        customer_id,
        [
            _row("v1", ModelStatus.CHAMPION, hours=0),
            _row("v1", ModelStatus.CHAMPION, hours=1, model_name="promo_uplift", mae=3.0),
        ],
    )
    _, champion = _read(tmp_path / str(customer_id))
    assert set(champion) == {"demand_forecast", "promo_uplift"}
    assert champion["promo_uplift"]["mae"] == 3.0


async def test_sync_writes_the_files_from_the_database(
    sessionmaker: Sessions, tenant_a: Tenant, migrated: Settings, tmp_path: Path
) -> None:
    # No version has an MLflow run, so sync only writes the files.
    settings = migrated.model_copy(update={"var_dir": tmp_path})
    await add_versions(
        sessionmaker,
        tenant_a,
        V("v1", ModelStatus.ARCHIVED, {"mae": 12.3}),
        V("v2", ModelStatus.CHAMPION, {"mae": 11.5}),
        V("v1", ModelStatus.CANDIDATE, {"mae": 3.0}, model_name="promo_uplift"),
    )
    await mirror.sync(sessionmaker, settings, customer_id=tenant_a.customer_id)

    registry, champion = _read(settings.artifacts_dir / str(tenant_a.customer_id))
    assert [(e["model_name"], e["version"], e["status"], e["mae"]) for e in registry] == [
        ("demand_forecast", "v1", "archived", 12.3),
        ("demand_forecast", "v2", "champion", 11.5),
        ("promo_uplift", "v1", "candidate", 3.0),
    ]
    assert champion == registry[1]
    assert not (tmp_path / "mlflow.db").exists()  # MLflow was not touched


# --- model cards ------------------------------------------------------------------------

SEGMENTS = {
    "smooth": {"series": 12, "mae": 3.14159, "wape": 0.25, "mase": 0.8, "coverage": 0.9},
    "intermittent": {"series": 5, "mae": 1.5, "wape": 0.6, "mase": 1.1, "coverage": 0.85},
}
CANDIDATE = {"mae": 9.5, "wape": 0.21, "stockout_miss_rate": 0.1, "lost_sales": 40.0}
CHAMPION = {"mae": 10.0, "wape": 0.23, "stockout_miss_rate": 0.1, "lost_sales": 41.0}
BASELINE = {"mae": 14.0, "wape": 0.3}


def _fields() -> dict[str, Any]:
    """Every field the template names, as a retrain fills them."""
    return {
        "model_name": "demand_forecast",
        "version": "v3",
        "status": "champion",
        "tenant": "00000000-0000-0000-0000-000000000001",
        "mlflow_run_id": "abc123",
        "model_config": "auto",
        "feature_tier": "cold_start",
        "retrain_id": "7d0c3e9a",
        "trigger": "scheduled",
        "choice": "smooth: lightgbm; intermittent: tsb",
        "horizon": 14,
        "dataset": "favorita",
        "window_start": "2025-01-06",
        "window_end": "2025-07-24",
        "series": 17,
        "rows": 3400,
        "windows": 3,
        "comparison_table": cards.comparison_table(
            {"candidate": CANDIDATE, "champion": CHAMPION, "seasonal naive": BASELINE}
        ),
        "segment_table": cards.segment_table(SEGMENTS),
        "decision": "**champion** — MAE 9.5 vs champion 10: +5.0% (needs ≥ 5%)",
        "config": {"pipeline": {"model": "auto"}, "horizon_days": 14},
    }


def test_model_card_has_the_tables_the_decision_and_the_config() -> None:
    card = cards.render(_fields())
    assert card.startswith("# Model card — demand_forecast v3\n")
    assert "**champion**" in card
    assert (
        "## Promotion decision\n\n**champion** — MAE 9.5 vs champion 10: +5.0% (needs ≥ 5%)" in card
    )
    # The segment table, sorted by segment name, numbers to 4 significant digits.
    assert (
        "| segment | series | mae | wape | mase | coverage |\n"
        "|---|---|---|---|---|---|\n"
        "| intermittent | 5 | 1.5 | 0.6 | 1.1 | 0.85 |\n"
        "| smooth | 12 | 3.142 | 0.25 | 0.8 | 0.9 |"
    ) in card
    # The comparison table: one column per version, a dash where a metric is missing.
    assert "| metric | candidate | champion | seasonal naive |" in card
    assert "| mae | 9.5 | 10 | 14 |" in card
    assert "| lost_sales | 40 | 41 | — |" in card
    assert "(rolling-origin backtest, 3 windows × 14 days)" in card
    assert "- **Window:** 2025-01-06 to 2025-07-24 (17 series, 3400 rows)" in card
    assert json.dumps({"horizon_days": 14, "pipeline": {"model": "auto"}}, indent=2) in card
    # Every placeholder was filled.
    assert "$" not in card
    assert "UTC on " not in card and " UTC. Status" in card


def test_model_card_uses_the_given_generation_time() -> None:
    card = cards.render({**_fields(), "generated_at": "2026-03-01 06:00 UTC"})
    assert "from the model registry on 2026-03-01 06:00 UTC." in card


@pytest.mark.parametrize("missing", ["decision", "segment_table", "tenant", "config"])
def test_model_card_with_a_missing_field_is_an_error(missing: str) -> None:
    fields = _fields()
    del fields[missing]
    # "config" fills the template's $config_json.
    with pytest.raises(KeyError, match="config_json" if missing == "config" else missing):
        cards.render(fields)


def test_segment_and_comparison_tables_of_nothing() -> None:
    assert cards.segment_table({}) == "No segment had evaluated points."
    table = cards.comparison_table({"candidate": {"mae": 2.0}, "champion": None})
    assert table.splitlines()[:3] == ["| metric | candidate |", "|---|---|", "| mae | 2 |"]
    assert "| wape | — |" in table
