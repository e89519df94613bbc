"""``shelfops demo`` leaves every seed 003 endpoint with real data, and on PostgreSQL
every seed 003 SQL query runs verbatim for the demo tenant and agrees with the API."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import httpx
import pytest
from sqlalchemy import text

from shelfops.api.app import create_app
from shelfops.config import Settings
from shelfops.kit.db import engine_scope
from tests.conftest import new_database
from tests.kit.test_migrations import SEED_003_QUERIES, SEED_TENANT

KEY = re.compile(r"so_[0-9a-f]{32}_[A-Za-z0-9_-]{43}")


@pytest.fixture(scope="module")
def demo_database(backend: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Settings]:
    """A fresh, empty database of the backend for the demo to migrate and fill."""
    with new_database(backend, tmp_path_factory.mktemp(f"demo-{backend}")) as settings:
        yield settings


@pytest.fixture(scope="module")
def demo_run(demo_database: Settings) -> tuple[Path, str]:
    """A small demo run in its own var dir: (var dir, the admin key it printed)."""
    var = demo_database.var_dir / "var"
    env = {k: v for k, v in os.environ.items() if not k.startswith("SHELFOPS_")}
    env["SHELFOPS_VAR_DIR"] = str(var)
    env["SHELFOPS_DATABASE_URL"] = demo_database.resolved_database_url
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "shelfops",
            "demo",
            "--stores",
            "2",
            "--products",
            "12",
            "--days",
            "200",
            "--held-back",
            "3",
            "--no-serve",
        ],
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert done.returncode == 0, done.stderr[-4000:]
    keys = KEY.findall(done.stdout)
    assert keys, done.stdout
    return var, keys[-1]


@pytest.fixture
async def demo_api(
    demo_run: tuple[Path, str], demo_database: Settings
) -> AsyncIterator[httpx.AsyncClient]:
    var, key = demo_run
    app = create_app(demo_database.model_copy(update={"var_dir": var}))
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(
            transport=transport,
            base_url="http://demo",
            headers={"Authorization": f"Bearer {key}"},
        ) as client:
            yield client


async def test_demo_fills_every_seed_003_endpoint(demo_api: httpx.AsyncClient) -> None:
    health = (await demo_api.get("/api/v1/models/health")).json()
    champion = health["champion"]
    assert champion["version"] and champion["mae_7d"] is not None, health
    assert champion["evaluated_points"] > 0 and champion["trend"] in {
        "improving",
        "stable",
        "degrading",
        "unknown",
    }
    challenger = health["challenger"]
    assert challenger is not None

    backtest = (await demo_api.get(f"/api/v1/models/backtest/{champion['version']}")).json()
    kinds = {p["backtest_kind"] for p in backtest["points"]}
    assert kinds == {"daily", "weekly"} and all(p["mae"] is not None for p in backtest["points"])

    history = (await demo_api.get("/api/v1/models/history")).json()
    assert history["total"] >= 2
    assert all(v["decisions"] for v in history["items"])
    made_by = {v["version"]: v["decisions"][0]["trigger_type"] for v in history["items"]}
    if made_by[challenger["version"]] != "drift_detected":
        # The experiment's challenger forecast in shadow through the played days and its
        # errors were measured on the same rows as the champion's.
        assert challenger["mae_7d"] is not None and challenger["champion_mae_7d"] is not None
    retrains = (await demo_api.get("/api/v1/models/retrains")).json()
    assert len(retrains) >= 2 and all(r["status"] == "completed" for r in retrains)

    alerts = (await demo_api.get("/api/v1/ml-alerts")).json()
    assert alerts["total"] > 0
    one = (await demo_api.get(f"/api/v1/ml-alerts/{alerts['items'][0]['ml_alert_id']}")).json()
    assert one["title"]
    stats = (await demo_api.get("/api/v1/ml-alerts/stats")).json()
    assert stats["total_unread"] == alerts["total"]

    experiments = (await demo_api.get("/api/v1/experiments")).json()
    assert experiments["total"] == 1
    experiment = experiments["items"][0]
    assert experiment["status"] in {"approved", "shadow_testing"}
    got = await demo_api.get(f"/api/v1/experiments/{experiment['experiment_id']}")
    assert got.status_code == 200


async def test_demo_shows_todays_suggested_orders_stock_alerts_and_inventory(
    demo_api: httpx.AsyncClient,
) -> None:
    suggested = (await demo_api.get("/api/v1/purchase-orders/suggested")).json()
    assert suggested["total"] > 0 and all(po["lines"] for po in suggested["items"])
    alerts = (await demo_api.get("/api/v1/alerts")).json()
    assert alerts["total"] > 0
    summary = (await demo_api.get("/api/v1/inventory/summary")).json()
    inventory = (await demo_api.get("/api/v1/inventory", params={"limit": 5})).json()
    # The summary counts exactly the items the list pages through, by status.
    assert inventory["total"] > 0 and summary["items"] == inventory["total"]
    assert sum(summary["by_status"].values()) == summary["items"]


def test_demo_writes_registry_files_and_model_cards(demo_run: tuple[Path, str]) -> None:
    var, _ = demo_run
    (tenant_dir,) = [p for p in (var / "artifacts").iterdir() if p.is_dir()]
    assert (tenant_dir / "registry.json").is_file() and (tenant_dir / "champion.json").is_file()
    cards = list(tenant_dir.glob("demand_forecast/v*/model_card.md"))
    assert len(cards) >= 2


async def test_seed_003_sql_runs_verbatim_for_the_demo_tenant(
    backend: str, demo_run: tuple[Path, str], demo_database: Settings, demo_api: httpx.AsyncClient
) -> None:
    if backend != "postgres":
        pytest.skip("seed 003's SQL is PostgreSQL (INTERVAL, uuid literals)")
    # As the operator would run it: the schema owner, with the RLS context of seed 003's
    # troubleshooting note set (the application role sees the same rows with it).
    async with engine_scope(demo_database) as engine, engine.connect() as connection:
        await connection.execute(
            text("SELECT set_config('app.current_customer_id', :id, false)"), {"id": SEED_TENANT}
        )
        rows = {
            name: (await connection.execute(text(sql))).mappings().all()
            for name, sql in SEED_003_QUERIES.items()
        }

    retrains = (await demo_api.get("/api/v1/models/retrains", params={"limit": 10})).json()
    assert [r["version_produced"] for r in rows["retraining"]] == [
        r["version_produced"] for r in retrains
    ]
    health = (await demo_api.get("/api/v1/models/health")).json()
    (champion,) = rows["champion"]
    assert champion["version"] == health["champion"]["version"]
    assert float(champion["mae"]) == pytest.approx(health["champion"]["baseline_mae"])
    assert champion["tier"] == "production"
    backtest = (
        await demo_api.get(f"/api/v1/models/backtest/{health['champion']['version']}")
    ).json()
    # Every backtest result of the last 30 days is the champion's, as the API shows them.
    shown = {(p["forecast_date"], p["mae"]) for p in backtest["points"]}
    queried = {(r["forecast_date"].isoformat(), r["mae"]) for r in rows["backtest"]}
    assert queried and queried <= shown
    unread = (await demo_api.get("/api/v1/ml-alerts", params={"status": "unread"})).json()
    assert sorted(r["title"] for r in rows["ml_alerts"]) == sorted(
        a["title"] for a in unread["items"]
    )
    active = (
        await demo_api.get(
            "/api/v1/experiments",
            params=[
                ("status", s) for s in ("proposed", "approved", "in_progress", "shadow_testing")
            ],
        )
    ).json()
    assert [r["experiment_name"] for r in rows["experiments"]] == [
        e["experiment_name"] for e in active["items"]
    ]
