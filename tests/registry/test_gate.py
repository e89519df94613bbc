"""The promotion gate on hand-worked numbers (pure: no database).

Rules under test (seed 003, DESIGN.md "Governance loop"): a first model must beat the
seasonal-naive baseline; later ones must improve MAE by ≥ 5 % with no business metric
worse by more than 2 %; only ``scheduled`` and ``manual`` retrains auto-promote; anything
the gate cannot verify blocks (fail closed) and says which metric it was.
"""

from __future__ import annotations

import json
import math
from typing import Any

import pytest

from shelfops.models import ModelStatus
from shelfops.registry.gate import BUSINESS_METRICS, GatePolicy, Verdict, evaluate
from tests.registry.helpers import BUSINESS

POLICY = GatePolicy()  # min_improvement 0.05, business_tolerance 0.02 (the defaults)


def _against_champion(
    candidate: dict[str, Any],
    champion: dict[str, Any] | None = None,
    *,
    trigger: str = "scheduled",
    policy: GatePolicy = POLICY,
) -> Verdict:
    """Candidate vs a champion at MAE 20 with the reference business metrics; the
    candidate has the same business metrics unless it overrides them."""
    return evaluate(
        trigger=trigger,
        candidate={**BUSINESS, **candidate},
        champion={"mae": 20.0, **BUSINESS} if champion is None else champion,
        baseline={"mae": 25.0},
        policy=policy,
    )


def _text(verdict: Verdict) -> str:
    return "\n".join(verdict.reasons)


# --- a tenant's first model -------------------------------------------------------------


def test_first_model_that_beats_the_seasonal_naive_baseline_becomes_champion() -> None:
    verdict = evaluate(
        trigger="scheduled",
        candidate={"mae": 8.0},
        champion=None,
        baseline={"mae": 10.0},
        policy=POLICY,
    )
    assert verdict.status is ModelStatus.CHAMPION
    assert verdict.promoted
    assert verdict.reasons == ["first model: MAE 8 beats the seasonal-naive baseline 10"]
    assert verdict.checks["baseline_mae"] == 10.0
    assert verdict.checks["candidate_mae"] == 8.0


@pytest.mark.parametrize("candidate_mae", [10.0, 10.5])
def test_first_model_that_does_not_beat_the_baseline_stays_challenger(
    candidate_mae: float,
) -> None:
    # Equal to the baseline is not beating it: only strictly lower MAE passes.
    verdict = evaluate(
        trigger="scheduled",
        candidate={"mae": candidate_mae},
        champion=None,
        baseline={"mae": 10.0},
        policy=POLICY,
    )
    assert verdict.status is ModelStatus.CHALLENGER
    assert not verdict.promoted
    assert f"MAE {candidate_mae:.4g} does not beat the seasonal-naive baseline 10" in _text(verdict)


@pytest.mark.parametrize("baseline", [None, {}, {"mae": None}, {"mae": math.nan}])
def test_first_model_without_a_baseline_mae_fails_closed(baseline: dict[str, Any] | None) -> None:
    verdict = evaluate(
        trigger="manual", candidate={"mae": 1.0}, champion=None, baseline=baseline, policy=POLICY
    )
    assert verdict.status is ModelStatus.CHALLENGER
    assert "seasonal-naive baseline MAE" in _text(verdict)
    assert "fails closed" in _text(verdict)


# --- the 5 % MAE improvement ------------------------------------------------------------


def test_exactly_five_percent_better_mae_is_promoted() -> None:
    # (20.0 − 19.0) / 20.0 = 1.0 / 20.0 = 0.05 — exactly the 5 % the gate asks for.
    verdict = _against_champion({"mae": 19.0})
    assert verdict.status is ModelStatus.CHAMPION
    assert verdict.checks["mae_improvement"] == pytest.approx(0.05)
    assert "MAE 19 vs champion 20: +5.0% (needs ≥ 5%)" in verdict.reasons
    assert "no business metric worsens beyond tolerance" in verdict.reasons


def test_four_point_nine_percent_better_mae_stays_challenger() -> None:
    # (20.0 − 19.02) / 20.0 = 0.98 / 20.0 = 0.049 — 4.9 %, short of 5 %.
    verdict = _against_champion({"mae": 19.02})
    assert verdict.status is ModelStatus.CHALLENGER
    assert verdict.checks["mae_improvement"] == pytest.approx(0.049)
    assert "MAE 19.02 vs champion 20: +4.9% (needs ≥ 5%)" in verdict.reasons


@pytest.mark.parametrize(
    ("champion_mae", "candidate_mae"),
    [
        # 12.0 × 0.95 = 11.4: (12.0 − 11.4) / 12.0 is 0.6 / 12.0 = 0.05 on paper, but
        # 0.04999999999999997 in binary floating point.
        (12.0, 11.4),
        # Seed 003's champion MAE 11.2 × 0.95 = 10.64 (float: 0.04999999999999989).
        (11.2, 10.64),
    ],
)
def test_exactly_five_percent_better_mae_is_promoted_despite_float_rounding(
    champion_mae: float, candidate_mae: float
) -> None:
    # A candidate exactly 5 % better must pass for every MAE, not only those whose
    # difference happens to be exact in binary (see the report: gate.py needs a tolerance).
    verdict = _against_champion({"mae": candidate_mae}, {"mae": champion_mae, **BUSINESS})
    assert verdict.status is ModelStatus.CHAMPION, verdict.reasons


def test_policy_threshold_comes_from_the_policy() -> None:
    # 8 % better: promoted at the default 5 %, not when settings ask for 10 %.
    # (20.0 − 18.4) / 20.0 = 1.6 / 20.0 = 0.08.
    assert _against_champion({"mae": 18.4}).promoted
    strict = _against_champion(
        {"mae": 18.4}, policy=GatePolicy(min_improvement=0.10, business_tolerance=0.02)
    )
    assert strict.status is ModelStatus.CHALLENGER
    assert "+8.0% (needs ≥ 10%)" in _text(strict)


def test_worse_mae_is_reported_as_a_negative_change() -> None:
    # (20.0 − 22.0) / 20.0 = −0.10.
    verdict = _against_champion({"mae": 22.0})
    assert verdict.status is ModelStatus.CHALLENGER
    assert "MAE 22 vs champion 20: -10.0% (needs ≥ 5%)" in verdict.reasons


def test_champion_mae_of_zero_cannot_be_improved_on() -> None:
    # No relative improvement over a perfect champion: the candidate is not promoted.
    verdict = _against_champion({"mae": 0.5}, {"mae": 0.0, **BUSINESS})
    assert verdict.status is ModelStatus.CHALLENGER
    assert verdict.checks["mae_improvement"] == 0.0


# --- business metrics (2 % tolerance) ----------------------------------------------------

# metric → (champion, worse by 3 % = blocked, worse by 1.5 % = accepted)
BUSINESS_CASES = {
    "stockout_miss_rate": (0.10, 0.103, 0.1015),
    "overstock_rate": (0.20, 0.206, 0.203),
    "overstock_value": (1000.0, 1030.0, 1015.0),
    "lost_sales": (50.0, 51.5, 50.75),
}


def test_the_cases_cover_every_business_metric_of_the_gate() -> None:
    assert set(BUSINESS_CASES) == set(BUSINESS_METRICS) == set(BUSINESS)


@pytest.mark.parametrize("metric", sorted(BUSINESS_CASES))
def test_business_metric_worse_beyond_tolerance_blocks_a_much_better_mae(metric: str) -> None:
    champion_value, blocked, _ = BUSINESS_CASES[metric]
    # MAE 15 vs 20 is 25 % better, yet a 3 % worse business metric blocks.
    verdict = _against_champion({"mae": 15.0, metric: blocked})
    assert verdict.status is ModelStatus.CHALLENGER
    assert (
        f"{metric} worsens from {champion_value:.4g} to {blocked:.4g} (tolerance 2%)"
        in verdict.reasons
    )
    assert verdict.checks["business"][metric]["regressed"] is True
    # Only that metric is reported as regressed.
    others = [m for m in BUSINESS_METRICS if m != metric]
    assert all(verdict.checks["business"][m]["regressed"] is False for m in others)


@pytest.mark.parametrize("metric", sorted(BUSINESS_CASES))
def test_business_metric_worse_within_tolerance_passes(metric: str) -> None:
    _, _, accepted = BUSINESS_CASES[metric]
    verdict = _against_champion({"mae": 15.0, metric: accepted})
    assert verdict.status is ModelStatus.CHAMPION, verdict.reasons
    assert verdict.checks["business"][metric]["regressed"] is False


def test_business_metric_exactly_at_the_tolerance_passes() -> None:
    # 1000 × 1.02 = 1020 and 50 × 1.02 = 51: at the limit, not beyond it.
    verdict = _against_champion({"mae": 15.0, "overstock_value": 1020.0, "lost_sales": 51.0})
    assert verdict.status is ModelStatus.CHAMPION, verdict.reasons


def test_business_metric_better_than_the_champion_passes() -> None:
    verdict = _against_champion({"mae": 15.0, "stockout_miss_rate": 0.01, "lost_sales": 0.0})
    assert verdict.promoted


@pytest.mark.parametrize("metric", sorted(BUSINESS_CASES))
def test_champion_business_metric_of_zero_blocks_any_increase(metric: str) -> None:
    champion = {"mae": 20.0, **BUSINESS, metric: 0.0}
    worse = _against_champion({"mae": 15.0, metric: 0.001}, champion)
    assert worse.status is ModelStatus.CHALLENGER
    assert f"{metric} worsens from 0 to 0.001" in _text(worse)
    # Still zero: no worsening.
    assert _against_champion({"mae": 15.0, metric: 0.0}, champion).promoted


# --- fail closed ---------------------------------------------------------------------

BAD_VALUES: dict[str, Any] = {
    "None": None,
    "NaN": math.nan,
    "inf": math.inf,
    "bool": True,
    "text": "12.5",
}
ALL_METRICS = ["mae", *BUSINESS_METRICS]


@pytest.mark.parametrize("side", ["candidate", "champion"])
@pytest.mark.parametrize("metric", ALL_METRICS)
@pytest.mark.parametrize("bad", [*BAD_VALUES, "missing"])
def test_missing_or_unusable_metric_blocks_and_names_the_metric(
    side: str, metric: str, bad: str
) -> None:
    # A 50 % better MAE and equal business metrics would promote; one bad metric on
    # either side must keep the candidate out, and the reasons must say which metric.
    candidate: dict[str, Any] = {"mae": 10.0, **BUSINESS}
    champion: dict[str, Any] = {"mae": 20.0, **BUSINESS}
    target = candidate if side == "candidate" else champion
    if bad == "missing":
        del target[metric]
    else:
        target[metric] = BAD_VALUES[bad]
    verdict = evaluate(
        trigger="scheduled", candidate=candidate, champion=champion, baseline=None, policy=POLICY
    )
    assert verdict.status is ModelStatus.CHALLENGER
    blocking = [r for r in verdict.reasons if "fail" in r]
    assert blocking, verdict.reasons
    assert any(metric.lower() in r.lower() and side in r for r in blocking), verdict.reasons


@pytest.mark.parametrize("bad", [None, math.nan, True, "8"])
def test_first_model_with_an_unusable_mae_blocks(bad: Any) -> None:
    verdict = evaluate(
        trigger="scheduled",
        candidate={"mae": bad},
        champion=None,
        baseline={"mae": 10.0},
        policy=POLICY,
    )
    assert verdict.status is ModelStatus.CHALLENGER
    assert "candidate has no finite MAE: the gate fails closed" in verdict.reasons


def test_verdict_inputs_are_storable_json_even_with_nan_metrics() -> None:
    # Decisions are stored as JSON(B); PostgreSQL rejects NaN, so the verdict must not
    # carry the raw non-finite values it refused.
    verdict = _against_champion({"mae": math.nan, "lost_sales": math.inf})
    stored = json.loads(json.dumps(verdict.as_inputs(), allow_nan=False))
    assert stored["status"] == "challenger"
    assert stored["checks"]["candidate_mae"] is None
    assert stored["checks"]["business"]["lost_sales"]["candidate"] is None


# --- triggers ---------------------------------------------------------------------------


@pytest.mark.parametrize("trigger", ["drift_detected", "new_data"])
def test_drift_and_new_data_retrains_never_auto_promote(trigger: str) -> None:
    # (20.0 − 10.0) / 20.0 = 50 % better, every business metric equal: still challenger.
    verdict = _against_champion({"mae": 10.0}, trigger=trigger)
    assert verdict.status is ModelStatus.CHALLENGER
    assert verdict.reasons[0].startswith(f"trigger '{trigger}' never auto-promotes")
    # The numbers are still reported for the person who decides.
    assert "MAE 10 vs champion 20: +50.0% (needs ≥ 5%)" in verdict.reasons
    assert verdict.checks["trigger"] == trigger


@pytest.mark.parametrize("trigger", ["drift_detected", "new_data"])
def test_drift_and_new_data_first_models_never_auto_promote(trigger: str) -> None:
    verdict = evaluate(
        trigger=trigger,
        candidate={"mae": 5.0},
        champion=None,
        baseline={"mae": 10.0},
        policy=POLICY,
    )
    assert verdict.status is ModelStatus.CHALLENGER
    assert "a person must approve" in verdict.reasons[0]


@pytest.mark.parametrize("trigger", ["scheduled", "manual"])
def test_scheduled_and_manual_retrains_auto_promote(trigger: str) -> None:
    verdict = _against_champion({"mae": 10.0}, trigger=trigger)
    assert verdict.promoted
    assert verdict.as_inputs()["status"] == "champion"
    assert verdict.as_inputs()["checks"]["policy"] == {
        "min_improvement": 0.05,
        "business_tolerance": 0.02,
    }
