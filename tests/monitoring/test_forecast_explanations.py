"""``GET /api/v1/forecasts/explanation``: real SHAP values of a stored champion forecast
(a LightGBM champion whose forecasts were written by the forecast job), and its errors."""

from __future__ import annotations

import datetime as dt
import math
import sys
from pathlib import Path

import httpx
import pytest

import shelfops.forecasting
from shelfops.config import Settings
from shelfops.models import DemandForecast, Role
from shelfops.monitoring.forecasts import generate_forecasts
from shelfops.registry import artifacts
from tests.conftest import Tenant
from tests.monitoring.jobs_helpers import (
    END,
    HORIZON,
    Sessions,
    add_version,
    table_rows,
    tenant_with_sales,
    write_dataset,
)

API = "/api/v1/forecasts/explanation"
ISSUE = END - dt.timedelta(days=HORIZON - 1)


@pytest.fixture(scope="module")
def generated(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_dataset(tmp_path_factory.mktemp("explanations"))


async def _forecast(
    sessionmaker: Sessions,
    settings: Settings,
    generated: Path,
    model: str,
    blend: dict[str, float] | None = None,
) -> tuple[Tenant, list[DemandForecast], str]:
    """A tenant whose ``model`` champion (or ``blend``) issued forecasts on ISSUE; its rows
    and artifact."""
    tenant = await tenant_with_sales(sessionmaker, generated, label=model[:4])
    champion = await add_version(
        sessionmaker, settings, tenant.customer_id, model=model, blend=blend
    )
    report = await generate_forecasts(
        sessionmaker, settings, customer_id=tenant.customer_id, issue_date=ISSUE
    )
    assert report.skipped is None and report.rows_written > 0
    rows = await table_rows(sessionmaker, tenant.customer_id, DemandForecast)
    assert champion.artifact_path is not None
    return tenant, rows, champion.artifact_path


def _params(row: DemandForecast) -> dict[str, str | int]:
    return {
        "store_id": row.store_id,
        "product_id": row.product_id,
        "date": row.forecast_date.isoformat(),
    }


async def test_explanation_reproduces_the_stored_forecast(
    client: httpx.AsyncClient, sessionmaker: Sessions, migrated: Settings, generated: Path
) -> None:
    tenant, rows, _ = await _forecast(sessionmaker, migrated, generated, "lightgbm")
    # A later day (recursive lags) of the busiest series, and a first day of another.
    ranked = sorted(rows, key=lambda r: (-r.forecasted_demand, r.store_id, r.product_id))
    picks = [
        next(r for r in ranked if r.forecast_date == ISSUE + dt.timedelta(days=5)),
        next(r for r in ranked[::-1] if r.forecast_date == ISSUE),
    ]
    for row in picks:
        response = await client.get(API, params=_params(row), headers=tenant.headers(Role.VIEWER))

        assert response.status_code == 200, response.text
        body = response.json()
        assert (body["model_version"], body["issue_date"], body["model"]) == (
            "v1",
            ISSUE.isoformat(),
            "lightgbm",
        )
        assert body["step"] == (row.forecast_date - ISSUE).days + 1
        # The explanation's forecast is the stored one.
        assert body["prediction"] == pytest.approx(row.forecasted_demand, rel=1e-6, abs=1e-9)
        assert body["stored_forecast"] == pytest.approx(row.forecasted_demand)
        # explain.py's contract: base + Σ SHAP = the model's raw output (log of the forecast).
        assert body["scale"] == "log" and "log" in body["meaning"]
        total = body["base_value"] + sum(c["shap"] for c in body["contributions"])
        assert total == pytest.approx(math.log(body["prediction"]), abs=1e-6)
        contributions = body["contributions"]
        magnitudes = [abs(c["shap"]) for c in contributions]
        assert magnitudes == sorted(magnitudes, reverse=True)
        assert len(contributions) > 10 and "lag_1" in {c["feature"] for c in contributions}
        for c in contributions:
            assert c["multiplier"] == pytest.approx(math.exp(c["shap"]))
        assert body["blend"] == [
            {
                "model": "lightgbm",
                "weight": 1.0,
                "prediction": pytest.approx(body["prediction"]),
                "explained": True,
            }
        ]


async def test_a_blend_explains_its_tree_member_and_gives_every_members_part(
    client: httpx.AsyncClient, sessionmaker: Sessions, migrated: Settings, generated: Path
) -> None:
    weights = {"moving_average": 0.3, "xgboost": 0.2, "lightgbm": 0.5}
    tenant, rows, _ = await _forecast(sessionmaker, migrated, generated, "lightgbm", weights)
    busiest = max(
        (r for r in rows if r.forecast_date == ISSUE + dt.timedelta(days=3)),
        key=lambda r: (r.forecasted_demand, -r.store_id, -r.product_id),
    )
    response = await client.get(API, params=_params(busiest), headers=tenant.headers())

    assert response.status_code == 200, response.text
    body = response.json()
    # Heaviest first; the heaviest tree member is the one explained.
    assert [(m["model"], m["weight"], m["explained"]) for m in body["blend"]] == [
        ("lightgbm", 0.5, True),
        ("moving_average", 0.3, False),
        ("xgboost", 0.2, False),
    ]
    parts = {m["model"]: m["prediction"] for m in body["blend"]}
    # The members' weighted forecasts make the stored forecast exactly (a blend is linear).
    stored = sum(weights[m] * parts[m] for m in weights)
    assert stored == pytest.approx(busiest.forecasted_demand, rel=1e-6)
    assert body["stored_forecast"] == pytest.approx(busiest.forecasted_demand)
    # The contributions explain LightGBM's own forecast, not the blend's.
    assert body["model"] == "lightgbm"
    assert body["prediction"] == pytest.approx(parts["lightgbm"], rel=1e-6)
    assert parts["lightgbm"] != pytest.approx(parts["moving_average"])
    total = body["base_value"] + sum(c["shap"] for c in body["contributions"])
    assert total == pytest.approx(math.log(parts["lightgbm"]), abs=1e-6)


async def test_explanation_errors(
    client: httpx.AsyncClient,
    sessionmaker: Sessions,
    migrated: Settings,
    generated: Path,
    tenant_b: Tenant,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    tenant, rows, artifact = await _forecast(sessionmaker, migrated, generated, "lightgbm")
    row = rows[0]
    headers = tenant.headers()

    # No forecast of that day (the day before the issue), and another tenant's series.
    before = {**_params(row), "date": (ISSUE - dt.timedelta(days=1)).isoformat()}
    missing = await client.get(API, params=before, headers=headers)
    assert missing.status_code == 404 and "no forecast of the champion v1" in missing.text
    assert (await client.get(API, params=_params(row), headers=tenant_b.headers())).status_code == (
        404
    )

    # The ML packages are not installed: 503, saying so.
    monkeypatch.setitem(sys.modules, "shelfops.forecasting.explain", None)
    monkeypatch.delattr(shelfops.forecasting, "explain", raising=False)
    no_ml = await client.get(API, params=_params(row), headers=headers)
    assert no_ml.status_code == 503 and "ML packages" in no_ml.text
    monkeypatch.undo()

    # The artifact is gone from this machine: 503.
    pipeline = Path(artifact) / artifacts.PIPELINE_FILE
    pipeline.rename(pipeline.with_suffix(".moved"))
    try:
        gone = await client.get(API, params=_params(row), headers=headers)
    finally:
        pipeline.with_suffix(".moved").rename(pipeline)
    assert gone.status_code == 503 and "missing" in gone.text

    # A champion without trees, alone or blended: 409 naming its models.
    local, local_rows, _ = await _forecast(sessionmaker, migrated, generated, "moving_average")
    conflict = await client.get(API, params=_params(local_rows[0]), headers=local.headers())
    assert conflict.status_code == 409, conflict.text
    assert "moving_average" in conflict.json()["detail"]
    local_blend = {"moving_average": 0.5, "seasonal_naive": 0.5}
    mixed, mixed_rows, _ = await _forecast(
        sessionmaker, migrated, generated, "moving_average", local_blend
    )
    conflict = await client.get(API, params=_params(mixed_rows[0]), headers=mixed.headers())
    assert conflict.status_code == 409, conflict.text
    assert "0.5*moving_average+0.5*seasonal_naive" in conflict.json()["detail"]
