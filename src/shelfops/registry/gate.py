"""The promotion gate: may a freshly trained candidate replace the champion?

A pure function of numbers, so that every decision can be replayed from its stored
inputs. It fails closed: anything it cannot verify (a missing or non-finite metric, a
trigger that may not auto-promote) keeps the candidate out of production.

Rules (seed 003, DESIGN.md "Governance loop"):

1. Only ``scheduled`` and ``manual`` retrains may auto-promote; any other trigger
   (``drift_detected``, ``new_data``) ends as challenger for a person to review.
2. With no champion (a tenant's first model) the candidate must beat the seasonal-naive
   baseline's MAE on the same backtest windows.
3. Otherwise its MAE must improve on the champion's by at least ``min_improvement``
   (relative: ``(champion − candidate) / champion``), and
4. no business metric may worsen by more than ``business_tolerance`` (relative to the
   champion's value; when the champion's value is 0 any increase is a worsening).

Both versions are always scored by the same backtest windows, so the numbers compare.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from typing import Any

from shelfops.models import ModelStatus, RetrainTrigger

AUTO_PROMOTING = frozenset({RetrainTrigger.SCHEDULED.value, RetrainTrigger.MANUAL.value})
ACCURACY_METRIC = "mae"
# Lower is better for every one of them.
BUSINESS_METRICS = ("stockout_miss_rate", "overstock_rate", "overstock_value", "lost_sales")
# Float noise of (a − b) / a: 12.0 vs 11.4 is 0.04999999999999997, which is 5 %.
EPSILON = 1e-9


@dataclass(frozen=True)
class GatePolicy:
    """Thresholds of the gate (from settings)."""

    min_improvement: float = 0.05
    business_tolerance: float = 0.02


@dataclass(frozen=True)
class Verdict:
    """The gate's decision with everything it looked at."""

    status: ModelStatus
    """``champion`` when promoted, else ``challenger``."""
    reasons: list[str]
    checks: dict[str, Any] = field(default_factory=dict)

    @property
    def promoted(self) -> bool:
        """Whether the candidate becomes champion."""
        return self.status is ModelStatus.CHAMPION

    def as_inputs(self) -> dict[str, Any]:
        """The verdict as stored with the decision."""
        return {"status": self.status.value, "reasons": self.reasons, "checks": self.checks}


def _value(metrics: Mapping[str, Any] | None, name: str) -> float | None:
    """A finite float, or None when missing, null or non-finite."""
    if metrics is None:
        return None
    raw = metrics.get(name)
    if isinstance(raw, bool) or not isinstance(raw, int | float):
        return None
    return float(raw) if math.isfinite(raw) else None


def evaluate(
    *,
    trigger: str,
    candidate: Mapping[str, Any],
    champion: Mapping[str, Any] | None,
    baseline: Mapping[str, Any] | None,
    policy: GatePolicy,
) -> Verdict:
    """Decide champion or challenger for ``candidate`` (backtest metrics of each version on
    the same windows; ``champion`` is None for a tenant's first model)."""
    checks: dict[str, Any] = {"trigger": trigger, "policy": asdict(policy)}
    blocking: list[str] = []
    passed: list[str] = []
    cand_mae = _value(candidate, ACCURACY_METRIC)
    if cand_mae is None:
        blocking.append("candidate has no finite MAE: the gate fails closed")

    if champion is None:
        base_mae = _value(baseline, ACCURACY_METRIC)
        checks["baseline_mae"] = base_mae
        checks["candidate_mae"] = cand_mae
        if base_mae is None:
            blocking.append("no seasonal-naive baseline MAE to compare with: fails closed")
        elif cand_mae is not None:
            if cand_mae < base_mae:
                passed.append(
                    f"first model: MAE {cand_mae:.4g} beats the seasonal-naive baseline "
                    f"{base_mae:.4g}"
                )
            else:
                blocking.append(
                    f"first model: MAE {cand_mae:.4g} does not beat the seasonal-naive "
                    f"baseline {base_mae:.4g}"
                )
    else:
        _compare_with_champion(candidate, champion, policy, checks, blocking, passed)

    if trigger not in AUTO_PROMOTING:
        blocking.insert(
            0,
            f"trigger '{trigger}' never auto-promotes (only scheduled and manual do); "
            "a person must approve",
        )
    if blocking:
        return Verdict(ModelStatus.CHALLENGER, blocking + passed, checks)
    return Verdict(ModelStatus.CHAMPION, passed, checks)


def _compare_with_champion(
    candidate: Mapping[str, Any],
    champion: Mapping[str, Any],
    policy: GatePolicy,
    checks: dict[str, Any],
    blocking: list[str],
    passed: list[str],
) -> None:
    cand_mae = _value(candidate, ACCURACY_METRIC)
    champ_mae = _value(champion, ACCURACY_METRIC)
    checks["candidate_mae"], checks["champion_mae"] = cand_mae, champ_mae
    if champ_mae is None:
        blocking.append("champion has no finite MAE on these windows: the gate fails closed")
    elif cand_mae is not None:
        improvement = (champ_mae - cand_mae) / champ_mae if champ_mae > 0 else 0.0
        checks["mae_improvement"] = improvement
        text = (
            f"MAE {cand_mae:.4g} vs champion {champ_mae:.4g}: {improvement:+.1%} "
            f"(needs ≥ {policy.min_improvement:.0%})"
        )
        (passed if improvement >= policy.min_improvement - EPSILON else blocking).append(text)

    business: dict[str, Any] = {}
    business_ok = True
    for name in BUSINESS_METRICS:
        cand, champ = _value(candidate, name), _value(champion, name)
        if cand is None or champ is None:
            who = "candidate" if cand is None else "champion"
            blocking.append(f"{name} is missing for the {who}: the gate fails closed")
            business[name] = {"candidate": cand, "champion": champ, "regressed": None}
            business_ok = False
            continue
        limit = champ * (1 + policy.business_tolerance)
        regressed = cand > limit
        business[name] = {
            "candidate": cand,
            "champion": champ,
            "limit": limit,
            "regressed": regressed,
        }
        if regressed:
            business_ok = False
            blocking.append(
                f"{name} worsens from {champ:.4g} to {cand:.4g} (tolerance "
                f"{policy.business_tolerance:.0%})"
            )
    checks["business"] = business
    if business_ok:
        passed.append("no business metric worsens beyond tolerance")
