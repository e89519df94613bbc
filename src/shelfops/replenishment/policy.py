"""Replenishment policy math for one store × SKU (or many at once): pure numpy/scipy.

No database, no I/O: :func:`compute_policy` takes a :class:`PolicyInputs` and returns a
:class:`PolicyDecision`; :func:`compute_policies` does the same for ``n`` series at once
(arrays in, arrays out) and is what the scalar function and the simulator both call, so
there is one implementation of every formula.

Notation: day 1 is tomorrow; ``μ_d`` is the daily forecast mean of day ``d``; ``L`` the
supplier's mean lead time and ``σ_L`` its standard deviation (days); ``R`` the review
period (days between two looks at the item; 1 = daily); ``c`` the unit cost; ``h`` the
holding rate per year; ``K`` the cost of placing one order line.

**Inventory position.** ``IP = on_hand + on_order − reserved``. Usable on hand is
``on_hand − reserved`` (reserved units are promised to customers and cannot be sold).

**Sums over a fractional number of days.** For ``T`` days, ``Σ_{d≤T} x_d`` adds the
first ``⌊T⌋`` days in full and the fraction ``T − ⌊T⌋`` of day ``⌊T⌋ + 1``. When the
forecast is shorter than the interval, the mean of its last 7 days (one weekly cycle)
is repeated (``details["forecast_days_extended"]`` says how many days were assumed).

**Lead-time demand.** Mean ``μ_LTD = Σ_{d≤L} μ_d``. Variance

    σ²_LTD = Σ_{d≤L} σ_d²  +  D̄² · σ_L²,      D̄ = μ_LTD / L (mean daily demand)

where ``σ_d`` is the standard deviation of the daily *forecast error* (actual − forecast),
not of demand around its own mean and never the spread of point forecasts:

* the measured ``error_std`` when it is given (root-mean-square of past residuals), or
  a per-day ``error_std_daily`` known exactly (batch only: the simulator's oracle);
* otherwise derived from the calibrated quantile band. Those quantiles are conformal:
  :mod:`shelfops.forecasting.calibration` builds them from backtest residuals, so the
  band *is* the forecast error distribution. With ``q⁺`` the highest level above 0.5,
  ``σ_d = max(0, Q_{q⁺,d} − μ_d) / z_{q⁺}`` — the normal that puts its ``q⁺`` quantile
  where the calibrated one is. The upper side is used because it is the side that runs
  out of stock, and because lower quantiles of slow sellers are clipped at 0 so a
  symmetric band would understate the error. Without a level above 0.5 the lowest
  level below it is mirrored (``(μ_d − Q_{q⁻,d}) / z_{1−q⁻}``);
* with neither (documented fallback for a brand-new series): Poisson, ``σ_d = √μ_d``.

``PolicyDecision.error_source`` says which one was used (``measured`` | ``band`` |
``poisson``). Daily errors are taken as independent (their variances add); a measured
``error_std`` from residuals already contains any bias, since it is a root-mean-square.

**Safety stock** for a target service level, with ``σ_LTD`` from above:

* cycle service level ``α`` (probability of no stock-out in a replenishment cycle):
  ``SS = z_α · σ_LTD`` with ``z_α = Φ⁻¹(α)``;
* fill rate ``β`` (share of demand served from the shelf): solve
  ``σ_LTD · G(k) = (1 − β) · Q`` for ``k``, where ``G(k) = φ(k) − k · (1 − Φ(k))`` is the
  standard normal loss function (expected units short per unit of σ per cycle) and ``Q``
  the expected order quantity ``max(EOQ, MOQ, pack size, μ_R)`` (``μ_R``: demand over one
  review period); then ``SS = k · σ_LTD``. ``k`` may be negative when the order quantity
  alone delivers the fill rate (a pack of 24 of an item selling 0.2 a day); the reorder
  point never goes below 0.

**Reorder point** ``ROP = max(0, μ_LTD + SS)``.

**Order-up-to level** over the protection interval ``P = L + R`` (an order placed now
must last until the order placed at the next review arrives):
``S = max(ROP, μ_P + f · σ_P)`` with ``μ_P``, ``σ_P`` computed like ``μ_LTD``, ``σ_LTD``
over ``P`` days and ``f`` the same safety factor (``z_α`` or ``k``).

**Economic order quantity** ``EOQ = √(2 · D · K / (h · c))`` with annual demand
``D = 365 · mean daily forecast`` (over the forecast horizon). With no holding cost
(``h · c = 0``) or no demand, EOQ is not applied (reported as 0).

**Order quantity.** 0 when ``IP > ROP`` or when nothing is needed (``S − IP ≤ 0``, e.g.
a zero forecast); else ``max(S − IP, EOQ, MOQ)`` rounded up to whole packs.

**Days of supply** ``= max(usable on hand, 0) / mean daily forecast`` (infinite when the
forecast is 0 and stock is left). **Stock status**, first match: ``out_of_stock`` (usable
on hand ≤ 0), ``critical`` (days of supply < L), ``low`` (IP ≤ ROP), ``ok``.

**Bad input** raises :class:`PolicyInputError` (422) naming the field: a service level
outside (0, 1), an unknown service kind, negative on hand, on order, reserved, lead
time (or its std), review period, costs or MOQ, a pack size ≤ 0, an empty, negative or
non-finite forecast, a quantile level outside (0, 1) or of the wrong shape.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import numpy.typing as npt
from scipy.special import ndtr, ndtri  # type: ignore[import-untyped]

from shelfops.kit.errors import ValidationFailed

FloatArray = npt.NDArray[np.float64]
FloatMatrix = npt.NDArray[np.float64]

SERVICE_KINDS: tuple[str, ...] = ("cycle", "fill_rate")
DAYS_PER_YEAR = 365.0
#: Days averaged to extend a forecast shorter than the protection interval (a week).
EXTENSION_WINDOW = 7
STOCK_STATUSES: tuple[str, ...] = ("out_of_stock", "critical", "low", "ok")
ERROR_SOURCES: tuple[str, ...] = ("measured", "band", "poisson")

# Bracket of the fill-rate safety factor: G(8.5) ≈ 1e-18, far below any useful target.
_K_HIGH = 8.5
_BISECTION_STEPS = 60
_ROUNDING_SLACK = 1e-9
_SQRT_2PI = math.sqrt(2.0 * math.pi)


class PolicyInputError(ValidationFailed):
    """A replenishment policy input is invalid; ``detail`` names the field and the rule."""


@dataclass(frozen=True)
class PolicyInputs:
    """Everything the policy needs for one store × SKU (see the module docstring)."""

    forecast_mean: FloatArray
    """(h,) daily forecast means, day 1 = tomorrow."""
    forecast_quantiles: Mapping[float, FloatArray]
    """level → (h,) calibrated (conformal) quantiles; may be empty."""
    error_std: float | None
    """Std (root-mean-square) of the daily forecast error on past forecasts; None if unknown."""
    lead_time_days: float
    lead_time_std_days: float = 0.0
    review_period_days: float = 1.0
    service_level: float = 0.95
    service_kind: str = "cycle"
    """``cycle`` (probability of no stock-out per cycle) or ``fill_rate``."""
    on_hand: float = 0.0
    on_order: float = 0.0
    reserved: float = 0.0
    unit_cost: float = 0.0
    holding_rate_per_year: float = 0.25
    order_cost: float = 25.0
    min_order_qty: float = 0.0
    pack_size: float = 1.0


@dataclass(frozen=True)
class PolicyDecision:
    """The policy for one store × SKU and what to order now."""

    inventory_position: float
    lead_time_demand_mean: float
    lead_time_demand_std: float
    safety_stock: float
    reorder_point: float
    order_up_to: float
    economic_order_qty: float
    order_quantity: float
    """0 when IP > ROP (or nothing is needed); else max(S − IP, EOQ, MOQ) in whole packs."""
    days_of_supply: float
    stock_status: str
    """``out_of_stock`` | ``critical`` | ``low`` | ``ok``."""
    details: dict[str, float]
    """Safety factor (``z`` or ``k``), sigmas used, protection interval, …"""
    error_source: str = "measured"
    """Where σ_d came from: ``measured`` | ``band`` | ``poisson``."""


@dataclass(frozen=True)
class PolicyBatch:
    """:class:`PolicyInputs` for ``n`` series: per-series fields are (n,) arrays or scalars.

    ``forecast_mean`` is (n, h); each quantile is (n, h); ``error_std`` is (n,) with NaN
    for "unknown" (or None: unknown for all).
    """

    forecast_mean: FloatMatrix
    forecast_quantiles: Mapping[float, FloatMatrix]
    error_std: FloatArray | None
    lead_time_days: FloatArray | float
    lead_time_std_days: FloatArray | float = 0.0
    review_period_days: FloatArray | float = 1.0
    service_level: FloatArray | float = 0.95
    service_kind: str = "cycle"
    on_hand: FloatArray | float = 0.0
    on_order: FloatArray | float = 0.0
    reserved: FloatArray | float = 0.0
    unit_cost: FloatArray | float = 0.0
    holding_rate_per_year: FloatArray | float = 0.25
    order_cost: FloatArray | float = 25.0
    min_order_qty: FloatArray | float = 0.0
    pack_size: FloatArray | float = 1.0
    error_std_daily: FloatMatrix | None = None
    """(n, h) σ_d per series and day when it is known exactly (the simulator's oracle,
    which knows the true demand distribution); overrides ``error_std`` and the band."""


@dataclass(frozen=True)
class PolicyArrays:
    """:class:`PolicyDecision` for ``n`` series, one (n,) array per field."""

    inventory_position: FloatArray
    lead_time_demand_mean: FloatArray
    lead_time_demand_std: FloatArray
    safety_stock: FloatArray
    reorder_point: FloatArray
    order_up_to: FloatArray
    economic_order_qty: FloatArray
    order_quantity: FloatArray
    days_of_supply: FloatArray
    stock_status: npt.NDArray[np.str_]
    error_source: npt.NDArray[np.str_]
    safety_factor: FloatArray
    """``z_α`` (cycle) or ``k`` (fill rate)."""
    details: dict[str, FloatArray] = field(default_factory=dict)


# -- public functions ---------------------------------------------------------------------


def compute_policy(inputs: PolicyInputs) -> PolicyDecision:
    """Inventory position, safety stock, reorder point, order-up-to and order quantity.

    Formulas in the module docstring. Raises :class:`PolicyInputError` naming the field.
    """
    mean = _vector("forecast_mean", inputs.forecast_mean)
    quantiles = {
        level: _vector(f"forecast_quantiles[{level:g}]", values)[None, :]
        for level, values in inputs.forecast_quantiles.items()
    }
    error = None if inputs.error_std is None else np.array([float(inputs.error_std)])
    if error is not None and not np.isfinite(error[0]):
        raise _invalid("error_std", inputs.error_std, "must be a finite number or None")
    batch = PolicyBatch(
        forecast_mean=mean[None, :],
        forecast_quantiles=quantiles,
        error_std=error,
        lead_time_days=inputs.lead_time_days,
        lead_time_std_days=inputs.lead_time_std_days,
        review_period_days=inputs.review_period_days,
        service_level=inputs.service_level,
        service_kind=inputs.service_kind,
        on_hand=inputs.on_hand,
        on_order=inputs.on_order,
        reserved=inputs.reserved,
        unit_cost=inputs.unit_cost,
        holding_rate_per_year=inputs.holding_rate_per_year,
        order_cost=inputs.order_cost,
        min_order_qty=inputs.min_order_qty,
        pack_size=inputs.pack_size,
    )
    out = compute_policies(batch, _scalar=True)
    factor_name = "z" if inputs.service_kind == "cycle" else "k"
    details = {key: float(values[0]) for key, values in out.details.items()}
    details[factor_name] = float(out.safety_factor[0])
    return PolicyDecision(
        inventory_position=float(out.inventory_position[0]),
        lead_time_demand_mean=float(out.lead_time_demand_mean[0]),
        lead_time_demand_std=float(out.lead_time_demand_std[0]),
        safety_stock=float(out.safety_stock[0]),
        reorder_point=float(out.reorder_point[0]),
        order_up_to=float(out.order_up_to[0]),
        economic_order_qty=float(out.economic_order_qty[0]),
        order_quantity=float(out.order_quantity[0]),
        days_of_supply=float(out.days_of_supply[0]),
        stock_status=str(out.stock_status[0]),
        details=details,
        error_source=str(out.error_source[0]),
    )


def compute_policies(batch: PolicyBatch, *, _scalar: bool = False) -> PolicyArrays:
    """:func:`compute_policy` for ``n`` series at once (the same formulas, vectorised).

    Raises :class:`PolicyInputError` naming the field (and the first bad row).
    """
    mean = np.asarray(batch.forecast_mean, dtype=np.float64)
    if mean.ndim != 2 or mean.shape[1] == 0:
        raise _invalid("forecast_mean", list(mean.shape), "must hold at least one day")
    n = mean.shape[0]
    _check_values("forecast_mean", mean, _scalar, minimum=0.0)
    if batch.service_kind not in SERVICE_KINDS:
        raise _invalid(
            "service_kind", batch.service_kind, f"must be one of {', '.join(SERVICE_KINDS)}"
        )
    level = _field("service_level", batch.service_level, n, _scalar)
    bad = ~((level > 0.0) & (level < 1.0))
    if bad.any():
        raise _invalid_row("service_level", level, bad, _scalar, "must lie strictly in (0, 1)")
    lead = _field("lead_time_days", batch.lead_time_days, n, _scalar, minimum=0.0)
    lead_std = _field("lead_time_std_days", batch.lead_time_std_days, n, _scalar, minimum=0.0)
    review = _field("review_period_days", batch.review_period_days, n, _scalar, minimum=0.0)
    on_hand = _field("on_hand", batch.on_hand, n, _scalar, minimum=0.0)
    on_order = _field("on_order", batch.on_order, n, _scalar, minimum=0.0)
    reserved = _field("reserved", batch.reserved, n, _scalar, minimum=0.0)
    unit_cost = _field("unit_cost", batch.unit_cost, n, _scalar, minimum=0.0)
    holding = _field("holding_rate_per_year", batch.holding_rate_per_year, n, _scalar, 0.0)
    order_cost = _field("order_cost", batch.order_cost, n, _scalar, minimum=0.0)
    moq = _field("min_order_qty", batch.min_order_qty, n, _scalar, minimum=0.0)
    pack = _field("pack_size", batch.pack_size, n, _scalar)
    bad = ~(pack > 0.0)
    if bad.any():
        raise _invalid_row("pack_size", pack, bad, _scalar, "must be greater than 0")
    sigma, source = daily_error_std(mean, batch.forecast_quantiles, batch.error_std, _scalar)
    if batch.error_std_daily is not None:
        sigma = np.asarray(batch.error_std_daily, dtype=np.float64)
        if sigma.shape != mean.shape:
            raise _invalid("error_std_daily", list(sigma.shape), "must have the forecast's shape")
        _check_values("error_std_daily", sigma, _scalar, minimum=0.0)
        source = np.full(n, "measured")

    protection = lead + review
    width = max(1, math.ceil(float(protection.max(initial=0.0)) - _ROUNDING_SLACK))
    ext_mean, extended = _extend(mean, width)
    ext_var, _ = _extend(sigma**2, width)
    mu_l = interval_sum(ext_mean, lead)
    mu_p = interval_sum(ext_mean, protection)
    rate_l = np.where(lead > 0, mu_l / np.where(lead > 0, lead, 1.0), ext_mean[:, 0])
    rate_p = np.where(protection > 0, mu_p / np.where(protection > 0, protection, 1.0), rate_l)
    var_lead_time = lead_std**2
    sd_l = np.sqrt(interval_sum(ext_var, lead) + rate_l**2 * var_lead_time)
    sd_p = np.sqrt(interval_sum(ext_var, protection) + rate_p**2 * var_lead_time)

    daily_rate = mean.mean(axis=1)
    annual = DAYS_PER_YEAR * daily_rate
    eoq = economic_order_quantity(annual, order_cost, holding * unit_cost)
    expected_q = np.maximum.reduce([eoq, moq, pack, mu_p - mu_l])
    factor, safety, reorder, up_to = safety_levels(
        level, batch.service_kind, mu_l, sd_l, mu_p, sd_p, expected_q
    )

    position = on_hand + on_order - reserved
    quantity = order_quantities(position, reorder, up_to, eoq, moq, pack)
    usable = on_hand - reserved
    supply = np.divide(
        np.maximum(usable, 0.0),
        daily_rate,
        out=np.where(usable > 0, np.inf, 0.0),
        where=daily_rate > 0,
    )
    status = np.where(
        usable <= 0,
        "out_of_stock",
        np.where(supply < lead, "critical", np.where(position <= reorder, "low", "ok")),
    )
    return PolicyArrays(
        inventory_position=position,
        lead_time_demand_mean=mu_l,
        lead_time_demand_std=sd_l,
        safety_stock=safety,
        reorder_point=reorder,
        order_up_to=up_to,
        economic_order_qty=eoq,
        order_quantity=quantity,
        days_of_supply=supply,
        stock_status=status.astype(str),
        error_source=source,
        safety_factor=factor,
        details={
            "service_level": level,
            "sigma_daily_mean": np.sqrt(interval_sum(ext_var, lead) / np.maximum(lead, 1e-12)),
            "sigma_demand_over_lead_time": np.sqrt(interval_sum(ext_var, lead)),
            "sigma_from_lead_time_variability": rate_l * lead_std,
            "protection_days": protection,
            "protection_demand_mean": mu_p,
            "protection_demand_std": sd_p,
            "mean_daily_forecast": daily_rate,
            "annual_demand": annual,
            "fill_rate_order_qty": expected_q,
            "usable_on_hand": usable,
            "forecast_days_extended": np.full(n, float(extended)),
        },
    )


def safety_levels(
    service_level: FloatArray | float,
    service_kind: str,
    lead_time_demand_mean: FloatArray,
    lead_time_demand_std: FloatArray,
    protection_demand_mean: FloatArray,
    protection_demand_std: FloatArray,
    fill_rate_order_qty: FloatArray,
) -> tuple[FloatArray, FloatArray, FloatArray, FloatArray]:
    """Safety factor, safety stock, reorder point and order-up-to level.

    ``z_α`` (cycle) or the ``k`` solving ``σ_LTD · G(k) = (1 − β) · Q`` (fill rate);
    ``SS = factor · σ_LTD``, ``ROP = max(0, μ_LTD + SS)``, ``S = max(ROP, μ_P + factor · σ_P)``.
    Split from :func:`compute_policies` so that a caller trying many service levels on the
    same demand (the simulator's tuning) computes the lead-time demand only once.
    """
    mu_l, sd_l = lead_time_demand_mean, lead_time_demand_std
    level = np.broadcast_to(np.asarray(service_level, dtype=np.float64), mu_l.shape)
    if service_kind == "cycle":
        factor = np.asarray(ndtri(level), dtype=np.float64)
    elif service_kind == "fill_rate":
        positive = sd_l > 0
        target = np.divide(
            (1.0 - level) * fill_rate_order_qty, sd_l, out=np.ones_like(mu_l), where=positive
        )
        # No uncertainty over the lead time (σ_LTD = 0): nothing to buffer, factor 0.
        factor = np.where(positive, fill_rate_safety_factor(target), 0.0)
    else:
        raise _invalid("service_kind", service_kind, f"must be one of {', '.join(SERVICE_KINDS)}")
    safety = np.where(sd_l > 0, factor * sd_l, 0.0)
    reorder = np.maximum(0.0, mu_l + safety)
    buffer = np.where(protection_demand_std > 0, factor * protection_demand_std, 0.0)
    up_to = np.maximum(reorder, protection_demand_mean + buffer)
    return factor, safety, reorder, up_to


def daily_error_std(
    mean: FloatMatrix,
    quantiles: Mapping[float, FloatMatrix],
    error_std: FloatArray | None,
    _scalar: bool = False,
) -> tuple[FloatMatrix, npt.NDArray[np.str_]]:
    """σ_d per series and day, and its source per series (see the module docstring).

    ``mean`` (n, h); ``quantiles`` level → (n, h); ``error_std`` (n,) with NaN = unknown.
    """
    n, horizon = mean.shape
    sigma = np.sqrt(mean)  # the Poisson fallback, replaced below where we know better
    source = np.full(n, "poisson", dtype=object)
    levels = sorted(quantiles)
    for level in levels:
        if not 0.0 < level < 1.0:
            raise _invalid("forecast_quantiles", level, "quantile levels must lie in (0, 1)")
        band = np.asarray(quantiles[level], dtype=np.float64)
        if band.shape != (n, horizon):
            raise _invalid(
                f"forecast_quantiles[{level:g}]",
                list(band.shape),
                f"must have the forecast's shape {[n, horizon] if not _scalar else [horizon]}",
            )
        _check_values(f"forecast_quantiles[{level:g}]", band, _scalar)
    upper = [q for q in levels if q > 0.5]
    lower = [q for q in levels if q < 0.5]
    if upper:
        q = upper[-1]
        band_sigma = np.clip(np.asarray(quantiles[q]) - mean, 0.0, None) / float(ndtri(q))
    elif lower:
        q = lower[0]
        band_sigma = np.clip(mean - np.asarray(quantiles[q]), 0.0, None) / float(ndtri(1.0 - q))
    if upper or lower:
        sigma = band_sigma
        source[:] = "band"
    if error_std is not None:
        measured = np.asarray(error_std, dtype=np.float64).reshape(-1)
        if measured.shape != (n,):
            raise _invalid("error_std", list(measured.shape), f"must have {n} values")
        negative = (measured < 0) | np.isinf(measured)
        if negative.any():
            raise _invalid_row(
                "error_std", measured, negative, _scalar, "must be finite and not negative"
            )
        known = np.isfinite(measured)
        sigma = np.where(known[:, None], measured[:, None], sigma)
        source[known] = "measured"
    return np.asarray(sigma, dtype=np.float64), source.astype(str)


def interval_sum(matrix: FloatMatrix, days: FloatArray) -> FloatArray:
    """Row sums over the first ``days[i]`` columns, the last one pro-rated.

    ``Σ_{d≤T} x_d = x_1 + … + x_⌊T⌋ + (T − ⌊T⌋) · x_{⌊T⌋+1}``; ``matrix`` must have at
    least ``⌈max(days)⌉`` columns.
    """
    n, width = matrix.shape
    cumulative = np.zeros((n, width + 1))
    np.cumsum(matrix, axis=1, out=cumulative[:, 1:])
    whole = np.floor(days + _ROUNDING_SLACK).astype(np.int64)
    whole = np.minimum(whole, width)
    fraction = np.clip(days - whole, 0.0, None)
    rows = np.arange(n)
    nxt = np.minimum(whole, width - 1)
    partial = np.where(fraction > _ROUNDING_SLACK, fraction * matrix[rows, nxt], 0.0)
    return np.asarray(cumulative[rows, whole] + partial, dtype=np.float64)


def standard_normal_loss(k: FloatArray | float) -> FloatArray:
    """``G(k) = φ(k) − k · (1 − Φ(k))``: expected shortfall E[(Z − k)⁺] of a standard normal."""
    k = np.asarray(k, dtype=np.float64)
    density = np.exp(-0.5 * k * k) / _SQRT_2PI
    return np.asarray(density - k * ndtr(-k), dtype=np.float64)


def fill_rate_safety_factor(target: FloatArray) -> FloatArray:
    """The ``k`` with ``G(k) = target`` for every element (vectorised bisection).

    ``G`` falls strictly from ``+∞`` (as ``k → −∞``, ``G(k) ≈ −k``) to 0, so every
    positive target has one solution. ``target = inf`` (no uncertainty) gives ``-inf``
    (the caller then uses no safety stock); targets below ``G(8.5) ≈ 1e-18`` give 8.5.
    """
    target = np.asarray(target, dtype=np.float64)
    finite = np.isfinite(target)
    goal = np.where(finite, target, 1.0)
    # G(k) > −k, so G(−goal − 1) > goal: a valid lower bracket for every element.
    low = -goal - 1.0
    high = np.full_like(goal, _K_HIGH)
    for _ in range(_BISECTION_STEPS):
        middle = 0.5 * (low + high)
        above = standard_normal_loss(middle) > goal
        low = np.where(above, middle, low)
        high = np.where(above, high, middle)
    return np.asarray(np.where(finite, 0.5 * (low + high), -np.inf), dtype=np.float64)


def economic_order_quantity(
    annual_demand: FloatArray,
    order_cost: FloatArray | float,
    holding_cost_per_unit_year: FloatArray | float,
) -> FloatArray:
    """``√(2 · D · K / (h · c))``; 0 (not applied) where there is no demand or holding cost."""
    annual = np.asarray(annual_demand, dtype=np.float64)
    holding = np.broadcast_to(
        np.asarray(holding_cost_per_unit_year, dtype=np.float64), annual.shape
    )
    ok = (holding > 0) & (annual > 0)
    ratio = np.divide(2.0 * annual * order_cost, holding, out=np.zeros_like(annual), where=ok)
    return np.asarray(np.sqrt(ratio), dtype=np.float64)


def order_quantities(
    position: FloatArray,
    reorder_point: FloatArray,
    order_up_to: FloatArray,
    eoq: FloatArray,
    min_order_qty: FloatArray,
    pack_size: FloatArray,
) -> FloatArray:
    """What to order now: 0 unless ``IP ≤ ROP`` and ``S − IP > 0``; then
    ``max(S − IP, EOQ, MOQ)`` rounded up to whole packs."""
    need = order_up_to - position
    raw = np.maximum(np.maximum(need, eoq), min_order_qty)
    packs = np.ceil(raw / pack_size - _ROUNDING_SLACK)
    ordering = (position <= reorder_point) & (need > 0)
    return np.asarray(np.where(ordering, packs * pack_size, 0.0), dtype=np.float64)


# -- helpers ------------------------------------------------------------------------------


def _extend(matrix: FloatMatrix, width: int) -> tuple[FloatMatrix, int]:
    """``matrix`` with at least ``width`` columns: missing days repeat the last week's mean."""
    horizon = matrix.shape[1]
    if horizon >= width:
        return matrix, 0
    tail = matrix[:, -min(EXTENSION_WINDOW, horizon) :].mean(axis=1, keepdims=True)
    extra = np.repeat(tail, width - horizon, axis=1)
    return np.concatenate([matrix, extra], axis=1), width - horizon


def _invalid(name: str, value: Any, message: str, **where: int) -> PolicyInputError:
    shown = value if isinstance(value, str | int | float | list) or value is None else repr(value)
    detail: dict[str, Any] = {"field": name, "value": shown, "message": f"{name} {message}"}
    return PolicyInputError(detail | where)


def _invalid_row(
    name: str, values: FloatArray, bad: npt.NDArray[np.bool_], scalar: bool, message: str
) -> PolicyInputError:
    row = int(np.flatnonzero(bad)[0])
    if scalar:
        return _invalid(name, float(values[row]), message)
    return _invalid(name, float(values[row]), message, row=row, rows=int(bad.sum()))


def _vector(name: str, values: Any) -> FloatArray:
    try:
        array = np.asarray(values, dtype=np.float64)
    except (TypeError, ValueError):
        raise _invalid(name, repr(values), "must be a sequence of numbers") from None
    if array.ndim != 1 or array.size == 0:
        raise _invalid(name, list(array.shape), "must be a non-empty 1-D sequence of days")
    return array


def _check_values(
    name: str, values: FloatMatrix, scalar: bool, minimum: float | None = None
) -> None:
    bad = ~np.isfinite(values)
    if bad.any():
        raise _invalid_cell(name, values, bad, scalar, "must be finite numbers")
    if minimum is not None:
        bad = values < minimum
        if bad.any():
            raise _invalid_cell(name, values, bad, scalar, f"must not be below {minimum:g}")


def _invalid_cell(
    name: str, values: FloatMatrix, bad: npt.NDArray[np.bool_], scalar: bool, message: str
) -> PolicyInputError:
    row, day = (int(v) for v in np.argwhere(bad)[0])
    where = {"day": day + 1} if scalar else {"day": day + 1, "row": row}
    return _invalid(name, float(values[row, day]), f"{message} (day {day + 1})", **where)


def _field(name: str, value: Any, n: int, scalar: bool, minimum: float | None = None) -> FloatArray:
    """A scalar or (n,) field as a float (n,) array, finite and ``≥ minimum``."""
    try:
        array = np.asarray(value, dtype=np.float64)
    except (TypeError, ValueError):
        raise _invalid(name, repr(value), "must be a number") from None
    if array.ndim == 0:
        array = np.full(n, float(array))
    if array.shape != (n,):
        raise _invalid(name, list(array.shape), f"must be a number or {n} numbers")
    bad = ~np.isfinite(array)
    if bad.any():
        raise _invalid_row(name, array, bad, scalar, "must be a finite number")
    if minimum is not None:
        bad = array < minimum
        if bad.any():
            raise _invalid_row(name, array, bad, scalar, f"must not be negative (≥ {minimum:g})")
    return array


__all__ = [
    "ERROR_SOURCES",
    "SERVICE_KINDS",
    "STOCK_STATUSES",
    "PolicyArrays",
    "PolicyBatch",
    "PolicyDecision",
    "PolicyInputError",
    "PolicyInputs",
    "compute_policies",
    "compute_policy",
    "daily_error_std",
    "economic_order_quantity",
    "fill_rate_safety_factor",
    "interval_sum",
    "order_quantities",
    "safety_levels",
    "standard_normal_loss",
]
