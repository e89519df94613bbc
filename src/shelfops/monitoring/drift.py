"""``detect_model_drift``: is the champion getting worse, or is its input moving?

**MAE drift.** The champion's MAE over its last 7 scored forecast dates (all issue dates
and horizons, stock-out days left out: :func:`shelfops.registry.repository.
accuracy_window`) is compared with the MAE its backtest measured when it was trained
(``model_versions.metrics["mae"]``). When ``mae_7d / baseline − 1 >
settings.drift_mae_threshold`` (15 % by default) a **critical** ``drift_detected`` ML alert
is raised (key ``drift:mae:<model>``) naming a new retrain id. Only when that alert was
really created — not when an open one already exists — the report carries
``retrain_to_queue = (retrain_id, "drift_detected")``: the caller queues
``retrain_forecast_model`` with that id as its task id *after* the commit, so approving
the alert later promotes exactly that retrain's version.

**Feature drift.** For sales ``quantity``, ``unit_price`` and ``discount_pct`` the
population stability index (:mod:`.psi`) of the last 28 days of sales against the 90
days up to the champion's ``training_window_end`` (the data it learned from). PSI >
``settings.drift_psi_threshold`` (0.2 by default) raises a **warning** ``feature_drift``
alert (key ``drift:feature:<feature>``). Very large tenants are compared on a
deterministic sample of whole series (the same series in both windows), said in the
report.

Everything runs in one transaction: the alerts exist only if the run completed. No
champion is a skip with the reason; a check that cannot run (no scored forecasts yet,
no baseline, no training window, no sales since training) is noted in the report and
the other check still runs.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import json
import math
import uuid
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from typing import Any

import numpy as np
import numpy.typing as npt
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from shelfops.config import Settings
from shelfops.kit.db import tenant_transaction
from shelfops.models import ModelVersion, RetrainTrigger, Severity
from shelfops.monitoring import jobs_repository as repository
from shelfops.monitoring.alerts_service import DRIFT_ALERT_TYPE, raise_alert
from shelfops.monitoring.psi import population_stability_index
from shelfops.registry import repository as registry_repository
from shelfops.registry import service as registry
from shelfops.sales import repository as sales

FEATURE_ALERT_TYPE = "feature_drift"
FEATURES = ("quantity", "unit_price", "discount_pct")
MAE_WINDOW_DAYS = 7
CURRENT_DAYS = 28
REFERENCE_DAYS = 90
#: Largest number of sales rows read per window before sampling whole series.
MAX_ROWS_PER_WINDOW = 2_000_000
ACTION_URL = "/api/v1/models/health"


@dataclass
class FeatureDrift:
    """One feature's PSI and what became of it."""

    feature: str
    psi: float | None
    alert: str
    """``raised``, ``deduped`` (an open alert exists), ``none`` or ``not computed``."""
    note: str | None = None


@dataclass
class DriftReport:
    """Every number the drift job computed, and the alerts it raised or found open."""

    customer_id: uuid.UUID
    model_name: str = registry.DEFAULT_MODEL
    champion_version: str | None = None
    mae_7d: float | None = None
    mae_points: int = 0
    mae_window_end: dt.date | None = None
    baseline_mae: float | None = None
    mae_change: float | None = None
    """``mae_7d / baseline_mae − 1`` (0.2 = 20 % worse than the backtest)."""
    mae_threshold: float = 0.0
    mae_drift: bool = False
    psi_threshold: float = 0.0
    reference_window: tuple[dt.date, dt.date] | None = None
    current_window: tuple[dt.date, dt.date] | None = None
    reference_rows: int = 0
    current_rows: int = 0
    sample_every: int = 1
    """1 = every series; k = the series whose key is divisible by k (about 1/k of them)."""
    features: list[FeatureDrift] = field(default_factory=list)
    alerts_raised: list[str] = field(default_factory=list)
    """Dedupe keys of the alerts created by this run."""
    alerts_deduped: list[str] = field(default_factory=list)
    """Dedupe keys that were due but already had an open alert (nothing created)."""
    alert_ids: list[uuid.UUID] = field(default_factory=list)
    retrain_to_queue: tuple[uuid.UUID, str] | None = None
    """(retrain id, trigger) the caller must queue after the commit, if any."""
    notes: list[str] = field(default_factory=list)
    skipped: str | None = None

    def as_dict(self) -> dict[str, Any]:
        """JSON form (dates and ids as strings)."""
        plain: dict[str, Any] = json.loads(json.dumps(asdict(self), default=str))
        return plain


async def detect_model_drift(
    sessionmaker: async_sessionmaker[AsyncSession],
    settings: Settings,
    *,
    customer_id: uuid.UUID,
    model_name: str = registry.DEFAULT_MODEL,
) -> DriftReport:
    """Check the champion for MAE drift and its inputs for feature drift, raising ML
    alerts (see the module docstring)."""
    report = DriftReport(
        customer_id=customer_id,
        model_name=model_name,
        mae_threshold=settings.drift_mae_threshold,
        psi_threshold=settings.drift_psi_threshold,
    )
    async with tenant_transaction(sessionmaker, customer_id) as session:
        champion = await registry.champion(session, model_name=model_name)
        if champion is None:
            report.skipped = f"no champion of {model_name!r} yet"
            return report
        report.champion_version = champion.version
        await _mae_drift(session, champion, report)
        await _feature_drift(session, champion, report)
    return report


def _baseline(metrics: Mapping[str, Any] | None) -> float | None:
    value = (metrics or {}).get("mae")
    try:
        baseline = float(value) if value is not None else None
    except (TypeError, ValueError):
        return None
    return baseline if baseline is not None and math.isfinite(baseline) else None


async def _mae_drift(session: AsyncSession, champion: ModelVersion, report: DriftReport) -> None:
    mae, points, end = await registry_repository.accuracy_window(
        session,
        customer_id=report.customer_id,
        model_version=champion.version,
        days=MAE_WINDOW_DAYS,
    )
    report.mae_7d, report.mae_points, report.mae_window_end = mae, points, end
    report.baseline_mae = baseline = _baseline(champion.metrics)
    if mae is None or end is None:
        report.notes.append(
            f"MAE drift not checked: the champion {champion.version} has no scored "
            "forecasts (outside stock-out days) yet"
        )
        return
    if baseline is None or baseline <= 0:
        report.notes.append(
            f"MAE drift not checked: the champion {champion.version} has no positive "
            "backtest MAE (metrics['mae']) to compare with"
        )
        return
    report.mae_change = mae / baseline - 1.0
    report.mae_drift = report.mae_change > report.mae_threshold
    if not report.mae_drift:
        return
    key = f"drift:mae:{report.model_name}"
    retrain_id = uuid.uuid4()
    alert = await raise_alert(
        session,
        alert_type=DRIFT_ALERT_TYPE,
        severity=Severity.CRITICAL,
        title=f"Model drift detected: {report.model_name} {champion.version}",
        message=(
            f"The champion {champion.version}'s MAE over the {MAE_WINDOW_DAYS} forecast days "
            f"to {end} is {mae:.3f} ({points} forecasts), {report.mae_change:.0%} above its "
            f"backtest MAE of {baseline:.3f}; the drift threshold is "
            f"{report.mae_threshold:.0%}. A drift retrain ({retrain_id}) is queued; approve "
            "this alert to promote its result once it has finished."
        ),
        dedupe_key=key,
        metadata={
            "mae_7d": mae,
            "baseline_mae": baseline,
            "threshold": report.mae_threshold,
            "mae_change": report.mae_change,
            "mae_points": points,
            "window_end": end.isoformat(),
            "champion_version": champion.version,
            "retrain_id": str(retrain_id),
        },
        action_url=ACTION_URL,
    )
    if alert is None:
        report.alerts_deduped.append(key)
        return
    report.alerts_raised.append(key)
    report.alert_ids.append(alert.ml_alert_id)
    report.retrain_to_queue = (retrain_id, RetrainTrigger.DRIFT_DETECTED.value)


async def _feature_drift(
    session: AsyncSession, champion: ModelVersion, report: DriftReport
) -> None:
    trained_until = champion.training_window_end
    if trained_until is None:
        report.notes.append(
            f"feature drift not checked: the champion {champion.version} records no "
            "training window end to take the reference from"
        )
        return
    latest = await sales.latest_sale_date(session, customer_id=report.customer_id)
    if latest is None or latest <= trained_until:
        report.notes.append(
            f"feature drift not checked: no sales after the champion's training window "
            f"(ends {trained_until})"
        )
        return
    reference = (trained_until - dt.timedelta(days=REFERENCE_DAYS - 1), trained_until)
    current = (latest - dt.timedelta(days=CURRENT_DAYS - 1), latest)
    report.reference_window, report.current_window = reference, current
    if current[0] <= reference[1]:
        report.notes.append(
            f"the current window {current[0]}…{current[1]} overlaps the reference window, "
            "which makes a shift harder to see"
        )
    customer_id = report.customer_id
    rows = [
        await repository.count_sales(session, customer_id=customer_id, start=s, end=e)
        for s, e in (reference, current)
    ]
    report.sample_every = max(1, math.ceil(max(rows) / MAX_ROWS_PER_WINDOW))
    if report.sample_every > 1:
        report.notes.append(
            f"windows of {rows[0]:,} and {rows[1]:,} sales rows: compared on every "
            f"{report.sample_every}th series (a deterministic sample, the same in both)"
        )
    ref_values, cur_values = [
        await repository.sales_values(
            session,
            customer_id=customer_id,
            start=s,
            end=e,
            columns=FEATURES,
            every=report.sample_every,
        )
        for s, e in (reference, current)
    ]
    report.reference_rows = len(ref_values[FEATURES[0]])
    report.current_rows = len(cur_values[FEATURES[0]])
    scores = await asyncio.to_thread(_psi_all, ref_values, cur_values)
    for feature in FEATURES:
        psi = scores[feature]
        if psi is None:
            report.features.append(
                FeatureDrift(
                    feature,
                    None,
                    "not computed",
                    note="a window has no sales rows",
                )
            )
            continue
        if psi <= report.psi_threshold:
            report.features.append(FeatureDrift(feature, psi, "none"))
            continue
        outcome = await _raise_feature_alert(session, champion, report, feature, psi)
        report.features.append(FeatureDrift(feature, psi, outcome))


def _psi_all(
    reference: Mapping[str, npt.NDArray[np.float64]],
    current: Mapping[str, npt.NDArray[np.float64]],
) -> dict[str, float | None]:
    out: dict[str, float | None] = {}
    for feature in FEATURES:
        ref, cur = reference[feature], current[feature]
        out[feature] = population_stability_index(ref, cur) if ref.size and cur.size else None
    return out


async def _raise_feature_alert(
    session: AsyncSession,
    champion: ModelVersion,
    report: DriftReport,
    feature: str,
    psi: float,
) -> str:
    assert report.reference_window is not None and report.current_window is not None
    (ref_start, ref_end), (cur_start, cur_end) = report.reference_window, report.current_window
    key = f"drift:feature:{feature}"
    alert = await raise_alert(
        session,
        alert_type=FEATURE_ALERT_TYPE,
        severity=Severity.WARNING,
        title=f"Feature drift: {feature}",
        message=(
            f"The distribution of sales {feature} over {cur_start}…{cur_end} moved away from "
            f"the 90 days the champion {champion.version} was trained up to "
            f"({ref_start}…{ref_end}): PSI {psi:.3f} > {report.psi_threshold:.2f}."
        ),
        dedupe_key=key,
        metadata={
            "feature": feature,
            "psi": psi,
            "threshold": report.psi_threshold,
            "reference_window": [ref_start.isoformat(), ref_end.isoformat()],
            "current_window": [cur_start.isoformat(), cur_end.isoformat()],
            "reference_rows": report.reference_rows,
            "current_rows": report.current_rows,
            "sample_every": report.sample_every,
            "champion_version": champion.version,
        },
        action_url=ACTION_URL,
    )
    if alert is None:
        report.alerts_deduped.append(key)
        return "deduped"
    report.alerts_raised.append(key)
    report.alert_ids.append(alert.ml_alert_id)
    return "raised"
