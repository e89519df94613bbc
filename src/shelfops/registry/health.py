"""What ``/models/health``, ``/models/backtest/{version}`` and ``/models/history`` show.

* Champion ``mae_7d``: mean absolute error of its stored forecasts over the 7 calendar
  days ending at its latest forecast date with evaluated actuals (all issue dates and
  horizons; stock-out days left out). ``status`` is ``degraded`` when that exceeds its
  backtest MAE by more than the drift threshold (the same rule as drift detection);
  ``trend`` compares with the 7 days before (±5 % is ``stable``).
* Challenger ``mae_7d``: its shadow forecasts' MAE over its last 7 scored days, next to
  the champion's MAE on exactly the same rows; ``promotion_eligible`` when it beats that
  by the gate's margin. Eligible is advice: promotion is still a person's decision (or
  the next scheduled retrain's gate).
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy.ext.asyncio import AsyncSession

from shelfops.config import Settings
from shelfops.kit.db import tenant_of
from shelfops.kit.errors import NotFound
from shelfops.registry import repository, service
from shelfops.registry.gate import EPSILON
from shelfops.registry.schemas import (
    BacktestPoint,
    BacktestSeries,
    ChallengerHealth,
    ChampionHealth,
    DecisionRead,
    HistoryParams,
    ModelHealth,
    VersionPage,
    VersionRead,
)

TREND_BAND = 0.05
BACKTEST_DAYS = 90


def trend(current: float | None, previous: float | None) -> str:
    """``improving`` / ``degrading`` beyond ±5 % of the previous MAE, else ``stable``."""
    if current is None or previous is None or previous <= 0:
        return "unknown"
    change = (current - previous) / previous
    if change < -TREND_BAND:
        return "improving"
    if change > TREND_BAND:
        return "degrading"
    return "stable"


async def model_health(
    session: AsyncSession, *, settings: Settings, model_name: str = service.DEFAULT_MODEL
) -> ModelHealth:
    """Champion and challenger health (seed 003 shape)."""
    customer_id = tenant_of(session)
    champion = await service.champion(session, model_name=model_name)
    champion_health = None
    if champion is not None:
        mae, points, end = await repository.accuracy_window(
            session, customer_id=customer_id, model_version=champion.version
        )
        previous = None
        if end is not None:
            previous, _, _ = await repository.accuracy_window(
                session,
                customer_id=customer_id,
                model_version=champion.version,
                end=end - dt.timedelta(days=7),
            )
        baseline = champion.metrics.get("mae")
        status = "no_data"
        if mae is not None:
            limit = float(baseline) * (1 + settings.drift_mae_threshold) if baseline else None
            status = "degraded" if limit is not None and mae > limit else "healthy"
        champion_health = ChampionHealth(
            version=champion.version,
            status=status,
            mae_7d=mae,
            trend=trend(mae, previous),
            baseline_mae=baseline,
            evaluated_points=points,
        )
    challenger = await service.challenger(session, model_name=model_name)
    challenger_health = None
    if challenger is not None:
        ch_mae, champ_mae, n = await repository.shadow_window(
            session, customer_id=customer_id, challenger_version=challenger.version
        )
        eligible = (
            ch_mae is not None
            and champ_mae is not None
            and champ_mae > 0
            and (champ_mae - ch_mae) / champ_mae >= settings.promotion_min_improvement - EPSILON
        )
        challenger_health = ChallengerHealth(
            version=challenger.version,
            status=challenger.status,
            mae_7d=ch_mae,
            champion_mae_7d=champ_mae,
            promotion_eligible=eligible,
            evaluated_points=n,
        )
    return ModelHealth(
        model_name=model_name, champion=champion_health, challenger=challenger_health
    )


async def backtest_series(
    session: AsyncSession, *, version: str, model_name: str = service.DEFAULT_MODEL
) -> BacktestSeries:
    """The version's daily and weekly backtest results over the last 90 days."""
    customer_id = tenant_of(session)
    row = await repository.get_version(
        session, customer_id=customer_id, model_name=model_name, version=version
    )
    if row is None:
        raise NotFound(f"model {model_name!r} has no version {version!r}")
    points = await repository.backtest_points(
        session, customer_id=customer_id, model_version=version, days=BACKTEST_DAYS
    )
    return BacktestSeries(
        model_name=model_name,
        version=version,
        days=BACKTEST_DAYS,
        points=[BacktestPoint.model_validate(p) for p in points],
    )


async def history(session: AsyncSession, *, params: HistoryParams) -> VersionPage:
    """Versions newest first, each with every decision about it."""
    customer_id = tenant_of(session)
    rows, total = await repository.list_versions(
        session,
        customer_id=customer_id,
        model_name=params.model_name,
        limit=params.limit,
        offset=params.offset,
    )
    decisions = await repository.decisions_for(
        session,
        customer_id=customer_id,
        model_name=params.model_name,
        versions=[r.version for r in rows],
    )
    items = []
    for row in rows:
        item = VersionRead.model_validate(row)
        item.decisions = [
            DecisionRead.model_validate(d) for d in decisions if d.version == row.version
        ]
        items.append(item)
    return VersionPage.build(items, total=total, params=params)
