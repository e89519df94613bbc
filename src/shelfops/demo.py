"""The demo's governed loop on generated data, all in this process (embedded mode).

The generated history ends yesterday. The demo loads it without its last few days, then
plays those days forward the way production runs them:

1. a first retrain: the gate makes it champion only if it beats the seasonal-naive
   baseline on the same backtest windows;
2. an experiment (a cold-start feature tier) is proposed, approved and its model trained
   by a second retrain, which the gate keeps as challenger unless it wins by ≥ 5 %; it
   forecasts in shadow beside the champion;
3. each held-back day: forecasts are issued from the history before it, the day's sales
   arrive, accuracy (and the shadow errors) are computed, and the T-1 backtest runs;
4. the weekly rolling-origin backtest and drift detection run; forecasts are issued for
   today;
5. replenishment: policies for every store × product, stock alerts, phantom stock and
   today's suggested purchase orders.

Every number the API then shows was computed by these jobs from the data.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import polars as pl
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from shelfops.config import Settings
from shelfops.ingest import runs
from shelfops.jobs import run_job
from shelfops.kit.db import tenant_transaction
from shelfops.tenants.service import Principal

EXPERIMENT_MODEL = "lightgbm:cold_start"


@dataclass
class DemoLog:
    """What each step of the loop reported, for the summary the CLI prints."""

    lines: list[str] = field(default_factory=list)

    def add(self, line: str) -> None:
        """Record one line."""
        self.lines.append(line)


def split_history(directory: Path, held_back_days: int) -> tuple[Path, list[tuple[dt.date, Path]]]:
    """Write ``early/`` (every file, sales without the last ``held_back_days`` days) and
    one ``day-<date>/sales.csv`` per held-back day under ``directory``."""
    sales = pl.read_csv(directory / "sales.csv", infer_schema_length=0)
    last = dt.date.fromisoformat(str(sales["date"].max()))
    first_held = last - dt.timedelta(days=held_back_days - 1)
    early = directory / "early"
    early.mkdir(exist_ok=True)
    for file in directory.glob("*.csv"):
        if file.name != "sales.csv":
            (early / file.name).write_bytes(file.read_bytes())
    sales.filter(pl.col("date") < first_held.isoformat()).write_csv(early / "sales.csv")
    days = []
    for offset in range(held_back_days):
        day = first_held + dt.timedelta(days=offset)
        folder = directory / f"day-{day.isoformat()}"
        folder.mkdir(exist_ok=True)
        sales.filter(pl.col("date") == day.isoformat()).write_csv(folder / "sales.csv")
        days.append((day, folder))
    return early, days


async def run_loop(
    sessionmaker: async_sessionmaker[AsyncSession],
    settings: Settings,
    *,
    customer_id: uuid.UUID,
    actor: Principal,
    days: list[tuple[dt.date, Path]],
    progress: Callable[[str], None],
) -> DemoLog:
    """Steps 1–4 of the module docstring for one tenant whose early history is loaded."""
    log = DemoLog()

    async def job(name: str, **kwargs: Any) -> Any:
        return await run_job(name, sessionmaker, settings, customer_id=customer_id, **kwargs)

    progress("retrain: first model (backtests candidate and seasonal-naive baseline)")
    first = await job("retrain_forecast_model", trigger="manual")
    log.add(f"retrain {first.version}: {first.model_status} — {'; '.join(first.reasons)}")

    progress("experiment: cold-start feature tier")
    experiment_id = await _propose_and_approve(sessionmaker, customer_id, actor)
    second = await job("retrain_forecast_model", trigger="manual", model=EXPERIMENT_MODEL)
    log.add(
        f"retrain {second.version} ({EXPERIMENT_MODEL}): {second.model_status} — "
        f"{'; '.join(second.reasons)}"
    )
    if second.version and second.model_status == "challenger":
        await _shadow(sessionmaker, customer_id, actor, experiment_id, second.version)

    for day, folder in days:
        progress(f"{day}: forecasts, then the day's sales arrive, accuracy, T-1 backtest")
        await job("generate_forecasts", issue_date=day)
        await runs.ingest_directory(sessionmaker, customer_id=customer_id, directory=folder)
        scored = await job("compute_forecast_accuracy")
        await job("run_daily_backtest", forecast_date=day)
        log.add(
            f"{day}: {scored.accuracy_rows} forecasts and {scored.shadow_rows} shadow "
            "forecasts scored"
        )

    progress("weekly backtest (rolling origin)")
    weekly = await job("run_weekly_backtest", days=28)
    log.add(f"weekly backtest: {weekly.rows_written} forecast dates over {weekly.windows} windows")
    progress("drift detection (a new MAE drift alert retrains, as challenger only)")
    drift = await job("detect_model_drift")
    log.add(_describe_drift(drift))
    progress("forecasts for today")
    await job("generate_forecasts")
    progress("replenishment: policies, stock alerts, suggested purchase orders")
    stock = await job("run_replenishment")
    log.add(
        f"replenishment: {stock.policies_written} policies "
        f"({', '.join(f'{n} {s}' for s, n in sorted(stock.stock_status.items()))}), "
        f"{sum(stock.alerts_raised.values())} stock alerts, {stock.phantom_flagged} phantom "
        f"stock, {stock.purchase_orders} suggested purchase orders"
    )
    return log


def _describe_drift(report: Any) -> str:
    if report.skipped:
        return f"drift: skipped ({report.skipped})"
    psi = ", ".join(f"{f.feature} {f.psi:.3f}" for f in report.features if f.psi is not None)
    line = f"drift: PSI {psi or '—'}"
    if report.mae_7d is not None and report.baseline_mae:
        line += (
            f"; live MAE {report.mae_7d:.3f} vs backtest {report.baseline_mae:.3f} "
            f"({report.mae_change:+.0%}, threshold {report.mae_threshold:.0%})"
        )
    if report.alerts_raised:
        line += f"; alerts raised: {', '.join(report.alerts_raised)}"
    if report.retrain_to_queue:
        line += "; drift_detected retrain ran (its result can only become challenger)"
    return line


async def _propose_and_approve(
    sessionmaker: async_sessionmaker[AsyncSession], customer_id: uuid.UUID, actor: Principal
) -> uuid.UUID:
    from shelfops.experiments import service
    from shelfops.experiments.schemas import ExperimentApprove, ExperimentCreate

    async with tenant_transaction(sessionmaker, customer_id) as session:
        proposed = await service.propose(
            session,
            data=ExperimentCreate(
                experiment_name="Cold-start feature tier",
                hypothesis=(
                    "LightGBM on calendar and own-history features only (no price, promotion "
                    "or store attributes) forecasts as well as the production tier, so new "
                    "tenants can start before their price feeds are mapped."
                ),
                experiment_type="feature_tier",
                proposed_by=actor.key_name,
            ),
            actor=actor,
        )
        await service.approve(
            session,
            experiment_id=proposed.experiment_id,
            data=ExperimentApprove(rationale="Worth a shadow run on the demo chain"),
            actor=actor,
        )
    return proposed.experiment_id


async def _shadow(
    sessionmaker: async_sessionmaker[AsyncSession],
    customer_id: uuid.UUID,
    actor: Principal,
    experiment_id: uuid.UUID,
    version: str,
) -> None:
    from shelfops.experiments import service
    from shelfops.experiments.schemas import ExperimentShadow

    async with tenant_transaction(sessionmaker, customer_id) as session:
        await service.start(session, experiment_id=experiment_id, data=None, actor=actor)
        await service.shadow(
            session,
            experiment_id=experiment_id,
            data=ExperimentShadow(experimental_version=version),
            actor=actor,
        )
