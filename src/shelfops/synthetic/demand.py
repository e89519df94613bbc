"""The demand model.

Expected demand of product p in store s on day t is

    base_rate[p]
    x weekly[category, weekday] x yearly[category, day of year] x holiday[category, t]
    x exp(trend[p] x years) x (regular_price / first_price) ^ (-elasticity / 2)
    x (1 - discount) ^ (-elasticity)                                  (promotion lift)
    x store_scale[s] x affinity[s, p] x day_noise[s, t]

and the drawn demand is negative binomial (a gamma-Poisson mixture) around it, so slow
movers with a low mean and a small shape parameter have many zero days. Everything but
the last line is the same in every store and computed once per product block
(`ChainBlock`); the last line and the draws are per store (`draw_demand`).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from shelfops.synthetic.calendar import Calendar
from shelfops.synthetic.catalog import Products
from shelfops.synthetic.pricing import discount_percents, regular_prices, shelf_prices
from shelfops.synthetic.taxonomy import CATEGORIES

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]
BoolArray = npt.NDArray[np.bool_]

REGULAR_PRICE_ELASTICITY_SHARE = 0.5
"""Shoppers react less to a permanent price step than to a temporary promotion."""
HOLIDAY_FLOOR = 0.2
"""Lowest holiday multiplier (a category very sensitive to a closed-early day)."""


@dataclass(frozen=True)
class ChainBlock:
    """Chain-wide per-day arrays for products `lo:hi` (rows) over the whole window."""

    lo: int
    hi: int
    active: BoolArray
    """The product is on sale that day (launched and not yet discontinued)."""
    regular_price: FloatArray
    discount_pct: IntArray
    """Promotional discount in whole percent (0 = no promotion)."""
    unit_price: FloatArray
    baseline: FloatArray
    """Expected units per day in an average store without promotion (0 when inactive)."""
    promo_lift: FloatArray
    """Demand multiplier from the promotional discount (1 when none)."""
    dispersion: FloatArray
    """Negative-binomial shape per product, shape (rows, 1)."""


def _category_curves(calendar: Calendar) -> tuple[FloatArray, FloatArray, FloatArray]:
    """Weekly, yearly and holiday multipliers per category (rows) and day (columns)."""
    weekly_table = np.array([c.weekly_profile for c in CATEGORIES], dtype=np.float64)
    weekly_table /= weekly_table.mean(axis=1, keepdims=True)
    weekly = weekly_table[:, calendar.day_of_week]
    amplitude = np.array([c.yearly_amplitude for c in CATEGORIES])[:, None]
    peak = np.array([c.peak_day_of_year for c in CATEGORIES], dtype=np.float64)[:, None]
    # A smooth cosine around the category's peak; its mean over a year is 1.
    yearly = 1.0 + amplitude * np.cos(2.0 * np.pi * (calendar.day_of_year[None, :] - peak) / 365.25)
    sensitivity = np.array([c.holiday_sensitivity for c in CATEGORIES])[:, None]
    holiday = np.maximum(HOLIDAY_FLOOR, 1.0 + sensitivity * (calendar.holiday_lift[None, :] - 1.0))
    return weekly, yearly, holiday


def chain_block(products: Products, calendar: Calendar, lo: int, hi: int) -> ChainBlock:
    """Expand products `lo:hi` into chain-wide per-day prices and expected demand."""
    days = calendar.days
    day_index = np.arange(days, dtype=np.int64)
    category = products.category[lo:hi]
    active = (day_index[None, :] >= products.launch_day[lo:hi, None]) & (
        day_index[None, :] < products.end_day[lo:hi, None]
    )

    regular = regular_prices(
        products.base_price[lo:hi],
        products.change_day[lo:hi],
        products.change_log[lo:hi],
        day_index,
    )
    discount = discount_percents(
        products.promo_start[lo:hi], products.promo_end[lo:hi], products.promo_pct[lo:hi], days
    )
    elasticity = products.elasticity[lo:hi, None]

    weekly, yearly, holiday = _category_curves(calendar)
    trend = np.exp(products.trend_per_year[lo:hi, None] * calendar.years_elapsed[None, :])
    price_effect = (regular / products.base_price[lo:hi, None]) ** (
        -REGULAR_PRICE_ELASTICITY_SHARE * elasticity
    )
    baseline = (
        products.base_rate[lo:hi, None]
        * weekly[category]
        * yearly[category]
        * holiday[category]
        * trend
        * price_effect
    )
    baseline = np.where(active, baseline, 0.0)
    promo_lift = (1.0 - discount / 100.0) ** (-elasticity)
    return ChainBlock(
        lo=lo,
        hi=hi,
        active=np.asarray(active, dtype=np.bool_),
        regular_price=regular,
        discount_pct=discount,
        unit_price=shelf_prices(regular, discount),
        baseline=np.asarray(baseline, dtype=np.float64),
        promo_lift=np.asarray(promo_lift, dtype=np.float64),
        dispersion=products.dispersion[lo:hi, None],
    )


def store_day_noise(rng: np.random.Generator, days: int) -> FloatArray:
    """Store-wide daily shocks (weather, local events) shared by all its products."""
    return np.asarray(rng.lognormal(-0.5 * 0.08**2, 0.08, size=days), dtype=np.float64)


def store_affinity(rng: np.random.Generator, products: int) -> FloatArray:
    """How much better or worse each product sells in this store than in the average one."""
    return np.asarray(rng.lognormal(-0.5 * 0.25**2, 0.25, size=products), dtype=np.float64)


def draw_demand(rng: np.random.Generator, expected: FloatArray, dispersion: FloatArray) -> IntArray:
    """Negative-binomial demand with mean `expected` and shape `dispersion` (gamma-Poisson)."""
    rate = rng.gamma(dispersion, expected / dispersion)
    return np.asarray(rng.poisson(rate), dtype=np.int64)
