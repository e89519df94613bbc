"""The policy formulas, checked against arithmetic worked by hand (in the comments)."""

from __future__ import annotations

import itertools
import math
from dataclasses import replace

import numpy as np
import pytest

from shelfops.replenishment.policy import (
    PolicyBatch,
    PolicyInputError,
    PolicyInputs,
    compute_policies,
    compute_policy,
    fill_rate_safety_factor,
    standard_normal_loss,
)

Z95 = 1.6448536269514722  # Φ⁻¹(0.95)
Z90 = 1.2815515655446004  # Φ⁻¹(0.90)


def flat(value: float, days: int = 14) -> np.ndarray:
    return np.full(days, value)


BASE = PolicyInputs(
    forecast_mean=flat(10.0),
    forecast_quantiles={},
    error_std=3.0,
    lead_time_days=4.0,
    lead_time_std_days=1.0,
    review_period_days=1.0,
    service_level=0.95,
    on_hand=20.0,
    on_order=15.0,
    reserved=5.0,
)


def test_cycle_service_level_worked_example() -> None:
    decision = compute_policy(BASE)
    # IP = 20 + 15 − 5 = 30
    assert decision.inventory_position == pytest.approx(30.0)
    # μ_LTD = 4 days × 10 = 40
    assert decision.lead_time_demand_mean == pytest.approx(40.0)
    # σ²_LTD = 4 × 3² + 10² × 1² = 36 + 100 = 136
    assert decision.lead_time_demand_std == pytest.approx(math.sqrt(136.0))
    # SS = z₀.₉₅ × √136 = 1.644854 × 11.661904 = 19.18213
    assert decision.safety_stock == pytest.approx(Z95 * math.sqrt(136.0))
    assert decision.safety_stock == pytest.approx(19.18213, abs=1e-4)
    # ROP = 40 + 19.18213
    assert decision.reorder_point == pytest.approx(40.0 + Z95 * math.sqrt(136.0))
    # P = L + R = 5: μ_P = 50, σ²_P = 5 × 9 + 100 = 145, S = 50 + z × √145 = 69.80693
    assert decision.order_up_to == pytest.approx(50.0 + Z95 * math.sqrt(145.0))
    # No unit cost → no holding cost → EOQ not applied.
    assert decision.economic_order_qty == 0.0
    # IP 30 ≤ ROP 59.18 → order S − IP = 39.807, rounded up to whole units (pack 1) = 40
    assert decision.order_quantity == 40.0
    # usable = 20 − 5 = 15 units at 10 a day = 1.5 days < lead time 4 → critical
    assert decision.days_of_supply == pytest.approx(1.5)
    assert decision.stock_status == "critical"
    assert decision.error_source == "measured"
    assert decision.details["z"] == pytest.approx(Z95)


def test_fractional_lead_time_is_pro_rated() -> None:
    mean = np.array([1.0, 2.0, 3.0, 4.0, 5.0, 6.0])
    decision = compute_policy(
        replace(BASE, forecast_mean=mean, error_std=2.0, lead_time_days=2.5, lead_time_std_days=0.0)
    )
    # μ_LTD = 1 + 2 + 0.5 × 3 = 4.5
    assert decision.lead_time_demand_mean == pytest.approx(4.5)
    # σ²_LTD = 2.5 days × 2² = 10
    assert decision.lead_time_demand_std == pytest.approx(math.sqrt(10.0))
    # P = 3.5: μ_P = 1 + 2 + 3 + 0.5 × 4 = 8, σ²_P = 3.5 × 4 = 14
    assert decision.details["protection_demand_mean"] == pytest.approx(8.0)
    assert decision.order_up_to == pytest.approx(8.0 + Z95 * math.sqrt(14.0))


def test_lead_time_variability_uses_mean_daily_demand_over_the_lead_time() -> None:
    mean = np.array([2.0, 4.0, 6.0, 8.0, 10.0])
    decision = compute_policy(
        replace(BASE, forecast_mean=mean, error_std=1.0, lead_time_days=3.0, lead_time_std_days=2.0)
    )
    # μ_LTD = 2 + 4 + 6 = 12, D̄ = 12 / 3 = 4; σ² = 3 × 1² + 4² × 2² = 3 + 64 = 67
    assert decision.lead_time_demand_std == pytest.approx(math.sqrt(67.0))
    assert decision.details["sigma_from_lead_time_variability"] == pytest.approx(8.0)


def test_error_std_none_uses_the_calibrated_band() -> None:
    # q0.9 = mean + 1.281552 × 2 → the normal with that 90% quantile has σ_d = 2
    band = {0.1: flat(10.0 - Z90 * 2.0), 0.5: flat(10.0), 0.9: flat(10.0 + Z90 * 2.0)}
    from_band = compute_policy(replace(BASE, forecast_quantiles=band, error_std=None))
    measured = compute_policy(replace(BASE, forecast_quantiles=band, error_std=2.0))
    assert from_band.error_source == "band"
    assert measured.error_source == "measured"
    # σ²_LTD = 4 × 2² + 10² × 1² = 116 in both cases
    assert from_band.lead_time_demand_std == pytest.approx(math.sqrt(116.0))
    assert from_band.safety_stock == pytest.approx(measured.safety_stock)
    # The measured error wins over the band when both are given.
    wide = compute_policy(replace(BASE, forecast_quantiles=band, error_std=5.0))
    assert wide.lead_time_demand_std == pytest.approx(math.sqrt(4 * 25.0 + 100.0))


def test_band_uses_the_upper_side_when_lower_quantiles_are_clipped_at_zero() -> None:
    # A slow seller: mean 0.3, q0.1 clipped to 0, q0.9 = 1.5 → σ_d = (1.5 − 0.3) / 1.281552
    band = {0.1: flat(0.0), 0.9: flat(1.5)}
    decision = compute_policy(
        replace(
            BASE,
            forecast_mean=flat(0.3),
            forecast_quantiles=band,
            error_std=None,
            lead_time_std_days=0.0,
        )
    )
    sigma_d = 1.2 / Z90
    assert decision.lead_time_demand_std == pytest.approx(2.0 * sigma_d)  # √(4 σ_d²)


def test_only_lower_quantiles_are_mirrored() -> None:
    band = {0.2: flat(10.0 - 0.8416212335729143 * 3.0)}  # Φ⁻¹(0.8) = 0.841621
    decision = compute_policy(
        replace(BASE, forecast_quantiles=band, error_std=None, lead_time_std_days=0.0)
    )
    assert decision.lead_time_demand_std == pytest.approx(6.0)  # √(4 × 3²)


def test_without_error_or_band_falls_back_to_poisson() -> None:
    decision = compute_policy(replace(BASE, error_std=None, lead_time_std_days=0.0))
    # σ_d = √10, σ²_LTD = 4 × 10 = 40
    assert decision.error_source == "poisson"
    assert decision.lead_time_demand_std == pytest.approx(math.sqrt(40.0))


def test_fill_rate_factor_zero_when_the_loss_equals_g_of_zero() -> None:
    # G(0) = φ(0) = 0.398942. With σ_LTD = √(4 × 3²) = 6 and Q = MOQ = 100:
    # σ · G(k) = (1 − β) · Q  ⇔  G(k) = (1 − β) × 100 / 6; pick β so that this is G(0).
    g0 = 1.0 / math.sqrt(2.0 * math.pi)
    beta = 1.0 - g0 * 6.0 / 100.0  # 0.9760635
    decision = compute_policy(
        replace(
            BASE,
            lead_time_std_days=0.0,
            service_kind="fill_rate",
            service_level=beta,
            min_order_qty=100.0,
        )
    )
    assert decision.details["k"] == pytest.approx(0.0, abs=1e-9)
    assert decision.safety_stock == pytest.approx(0.0, abs=1e-8)
    assert decision.reorder_point == pytest.approx(40.0)


def test_fill_rate_solve_plugs_back_in() -> None:
    inputs = replace(
        BASE,
        lead_time_std_days=0.0,
        service_kind="fill_rate",
        service_level=0.999,
        unit_cost=2.0,
        holding_rate_per_year=0.25,
        order_cost=25.0,
    )
    decision = compute_policy(inputs)
    # D = 365 × 10 = 3650; h·c = 0.25 × 2 = 0.5; EOQ = √(2 × 3650 × 25 / 0.5) = √365000
    assert decision.economic_order_qty == pytest.approx(math.sqrt(365000.0))
    q = decision.details["fill_rate_order_qty"]
    assert q == pytest.approx(math.sqrt(365000.0))  # EOQ dominates MOQ, pack and μ_R
    k = decision.details["k"]
    sigma = decision.lead_time_demand_std  # √(4 × 9) = 6
    assert sigma == pytest.approx(6.0)
    assert sigma * float(standard_normal_loss(k)) == pytest.approx((1 - 0.999) * q, rel=1e-9)
    assert decision.safety_stock == pytest.approx(k * sigma)


def test_fill_rate_with_a_big_lot_can_need_negative_safety_stock() -> None:
    # A pack of 24 of an item selling 0.2 a day: the lot alone serves most demand.
    decision = compute_policy(
        replace(
            BASE,
            forecast_mean=flat(0.2),
            error_std=0.5,
            lead_time_std_days=0.0,
            service_kind="fill_rate",
            pack_size=24.0,
        )
    )
    # σ_LTD = √(4 × 0.25) = 1; G(k) = 0.05 × 24 / 1 = 1.2 > G(0) → k < 0
    assert decision.details["k"] < 0
    assert float(standard_normal_loss(decision.details["k"])) == pytest.approx(1.2)
    assert decision.reorder_point >= 0.0


def test_standard_normal_loss_known_values() -> None:
    # G(0) = φ(0); G(1) = φ(1) − (1 − Φ(1)) = 0.241971 − 0.158655 = 0.083316
    assert float(standard_normal_loss(0.0)) == pytest.approx(0.3989423, abs=1e-7)
    assert float(standard_normal_loss(1.0)) == pytest.approx(0.0833155, abs=1e-6)
    targets = np.array([5.0, 1.0, 0.3989423, 0.0833155, 1e-4])
    k = fill_rate_safety_factor(targets)
    assert np.allclose(standard_normal_loss(k), targets, rtol=1e-9)
    assert np.all(np.diff(k) > 0)


@pytest.mark.parametrize("kind", ["cycle", "fill_rate"])
def test_higher_service_level_means_more_safety_stock(kind: str) -> None:
    levels = [0.5, 0.8, 0.9, 0.95, 0.98, 0.995]
    stocks = [
        compute_policy(
            replace(BASE, service_kind=kind, service_level=level, min_order_qty=30.0)
        ).safety_stock
        for level in levels
    ]
    assert all(b > a for a, b in itertools.pairwise(stocks))


def test_more_forecast_error_or_lead_time_variability_means_more_safety_stock() -> None:
    low = compute_policy(replace(BASE, error_std=1.0)).safety_stock
    high = compute_policy(replace(BASE, error_std=4.0)).safety_stock
    assert high > low
    steady = compute_policy(replace(BASE, lead_time_std_days=0.0)).safety_stock
    assert compute_policy(BASE).safety_stock > steady


@pytest.mark.parametrize(
    ("need_inputs", "expected"),
    [
        # S − IP = 69.807 − 30 = 39.807; MOQ 20; pack 6 → max = 39.807 → 7 packs = 42
        ({"min_order_qty": 20.0, "pack_size": 6.0}, 42.0),
        # MOQ 50 > need 39.807 → 50 → pack 12 → 5 packs = 60
        ({"min_order_qty": 50.0, "pack_size": 12.0}, 60.0),
        # MOQ 48 is already whole packs of 12 → 48
        ({"min_order_qty": 48.0, "pack_size": 12.0}, 48.0),
        # EOQ √365000 = 604.15 dominates → 605 units (pack 1)
        ({"unit_cost": 2.0}, 605.0),
        # EOQ 604.15, pack 24 → 26 packs = 624
        ({"unit_cost": 2.0, "pack_size": 24.0}, 624.0),
    ],
)
def test_order_quantity_respects_eoq_moq_and_pack(
    need_inputs: dict[str, float], expected: float
) -> None:
    decision = compute_policy(replace(BASE, **need_inputs))  # type: ignore[arg-type]
    assert decision.order_quantity == expected
    assert decision.order_quantity % need_inputs.get("pack_size", 1.0) == 0


def test_no_order_above_the_reorder_point_and_exactly_at_it() -> None:
    rop = compute_policy(BASE).reorder_point
    above = compute_policy(replace(BASE, on_hand=rop + 0.01, on_order=0.0, reserved=0.0))
    assert above.order_quantity == 0.0
    assert above.stock_status == "ok"
    at = compute_policy(replace(BASE, on_hand=rop, on_order=0.0, reserved=0.0))
    assert at.order_quantity > 0
    assert at.stock_status == "low"


def test_zero_forecast_orders_nothing_even_with_a_moq() -> None:
    zero = replace(BASE, forecast_mean=flat(0.0), error_std=0.0, min_order_qty=12.0, reserved=0)
    decision = compute_policy(replace(zero, on_hand=0, on_order=0))
    assert decision.reorder_point == 0.0
    assert decision.order_quantity == 0.0
    assert decision.stock_status == "out_of_stock"
    stocked = compute_policy(replace(zero, on_hand=3))
    assert math.isinf(stocked.days_of_supply)


def test_short_forecast_is_extended_with_its_last_week() -> None:
    decision = compute_policy(
        replace(BASE, forecast_mean=np.array([2.0, 2.0, 2.0]), lead_time_days=5.0)
    )
    # μ_LTD = 5 × 2 = 10; P = 6 days need 3 assumed days
    assert decision.lead_time_demand_mean == pytest.approx(10.0)
    assert decision.details["forecast_days_extended"] == 3.0


def test_batch_matches_the_scalar_function_row_by_row() -> None:
    rng = np.random.default_rng(3)
    n, h = 6, 21
    mean = rng.gamma(2.0, 3.0, size=(n, h))
    upper = mean + rng.uniform(0.5, 3.0, size=(n, h))
    error = np.array([1.0, np.nan, 2.5, np.nan, 0.7, 3.0])
    lead = np.array([2.0, 3.5, 7.0, 1.0, 10.25, 4.0])
    batch = PolicyBatch(
        forecast_mean=mean,
        forecast_quantiles={0.9: upper},
        error_std=error,
        lead_time_days=lead,
        lead_time_std_days=0.5,
        service_level=0.97,
        service_kind="fill_rate",
        on_hand=np.array([0.0, 5.0, 50.0, 10.0, 200.0, 1.0]),
        unit_cost=3.0,
        min_order_qty=6.0,
        pack_size=np.array([1.0, 6.0, 12.0, 1.0, 4.0, 24.0]),
    )
    arrays = compute_policies(batch)
    for i in range(n):
        single = compute_policy(
            PolicyInputs(
                forecast_mean=mean[i],
                forecast_quantiles={0.9: upper[i]},
                error_std=None if np.isnan(error[i]) else float(error[i]),
                lead_time_days=float(lead[i]),
                lead_time_std_days=0.5,
                service_level=0.97,
                service_kind="fill_rate",
                on_hand=float(np.asarray(batch.on_hand)[i]),
                unit_cost=3.0,
                min_order_qty=6.0,
                pack_size=float(np.asarray(batch.pack_size)[i]),
            )
        )
        assert single.reorder_point == pytest.approx(arrays.reorder_point[i])
        assert single.order_up_to == pytest.approx(arrays.order_up_to[i])
        assert single.order_quantity == arrays.order_quantity[i]
        assert single.stock_status == arrays.stock_status[i]
        assert single.error_source == arrays.error_source[i]


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"service_level": 0.0}, "service_level"),
        ({"service_level": 1.0}, "service_level"),
        ({"service_level": 1.2}, "service_level"),
        ({"service_level": float("nan")}, "service_level"),
        ({"service_kind": "availability"}, "service_kind"),
        ({"on_hand": -1.0}, "on_hand"),
        ({"on_order": -2.0}, "on_order"),
        ({"lead_time_days": -1.0}, "lead_time_days"),
        ({"lead_time_std_days": -0.5}, "lead_time_std_days"),
        ({"pack_size": 0.0}, "pack_size"),
        ({"pack_size": -6.0}, "pack_size"),
        ({"min_order_qty": -1.0}, "min_order_qty"),
        ({"error_std": -1.0}, "error_std"),
        ({"error_std": float("inf")}, "error_std"),
        ({"forecast_mean": np.array([])}, "forecast_mean"),
        ({"forecast_mean": np.array([1.0, -2.0])}, "forecast_mean"),
        ({"forecast_mean": np.array([1.0, np.nan])}, "forecast_mean"),
        ({"forecast_quantiles": {1.5: flat(1.0)}}, "forecast_quantiles"),
        ({"forecast_quantiles": {0.9: flat(1.0, 3)}}, "forecast_quantiles[0.9]"),
    ],
)
def test_bad_input_names_the_field(change: dict[str, object], field: str) -> None:
    with pytest.raises(PolicyInputError) as raised:
        compute_policy(replace(BASE, **change))  # type: ignore[arg-type]
    detail = raised.value.detail
    assert raised.value.status_code == 422
    assert isinstance(detail, dict)
    assert detail["field"] == field
    assert field.split("[")[0] in detail["message"]


def test_batch_error_names_the_first_bad_row() -> None:
    batch = PolicyBatch(
        forecast_mean=np.ones((3, 7)),
        forecast_quantiles={},
        error_std=None,
        lead_time_days=np.array([2.0, 3.0, 4.0]),
        on_hand=np.array([1.0, 2.0, -3.0]),
    )
    with pytest.raises(PolicyInputError) as raised:
        compute_policies(batch)
    detail = raised.value.detail
    assert isinstance(detail, dict)
    assert (detail["field"], detail["row"], detail["value"]) == ("on_hand", 2, -3.0)
