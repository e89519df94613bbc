"""The chain-wide master data: suppliers and products, with their hidden demand traits.

Products carry both what products.csv shows (code, category, price, pack size, launch
and discontinuation dates) and what only the simulation knows (base demand rate, trend,
price elasticity, promotion calendar). All of it is drawn once per data set from the
catalog stream, vectorised over products.
"""

from __future__ import annotations

import datetime
import math
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from shelfops.synthetic.config import GenerationConfig
from shelfops.synthetic.pricing import charm_price, regular_prices
from shelfops.synthetic.seeds import Stream, rng_for
from shelfops.synthetic.taxonomy import (
    BRANDS,
    CATEGORIES,
    DEPARTMENTS,
    SUPPLIER_PREFIXES,
    SUPPLIER_PROFILES,
)

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]
BoolArray = npt.NDArray[np.bool_]

SLOW_MOVER_SHARE = 0.25
"""Share of SKUs whose base demand is below one unit per store-day."""
NEW_PRODUCT_SHARE = 0.12
"""Share of SKUs launched inside the history window."""
DISCONTINUED_SHARE = 0.08
"""Share of SKUs discontinued inside the history window."""
MIN_DAYS_FOR_LIFECYCLE = 28
"""Shorter windows get no launches/discontinuations: there is no 'mid-history' to speak of."""

_DISCOUNT_CHOICES = np.array([10, 15, 20, 25, 30, 33, 40, 50], dtype=np.int64)
_DISCOUNT_WEIGHTS = np.array([0.10, 0.20, 0.20, 0.20, 0.12, 0.08, 0.06, 0.04])
_PROMO_DURATIONS = np.array([3, 4, 7, 7, 7, 7, 10, 14], dtype=np.int64)


@dataclass(frozen=True)
class Suppliers:
    """Supplier master data, one entry per supplier."""

    codes: list[str]
    names: list[str]
    departments: list[str]
    lead_time_mean: FloatArray
    lead_time_std: FloatArray
    min_order_qty: IntArray

    def __len__(self) -> int:
        return len(self.codes)


@dataclass(frozen=True)
class Products:
    """Product master data plus hidden demand traits; arrays are indexed by product."""

    codes: list[str]
    names: list[str]
    category: IntArray
    """Index into `taxonomy.CATEGORIES`."""
    supplier: IntArray
    """Index into `Suppliers`."""
    pack_size: IntArray
    cost_ratio: FloatArray
    base_price: FloatArray
    """Regular price on the first day of history (already a retail price point)."""
    current_price: FloatArray
    """Regular price on the last day of history (shown in products.csv)."""
    launch_day: IntArray
    """First day on sale as a day index (negative: launched before the window)."""
    end_day: IntArray
    """First day no longer on sale as a day index (`days` if never discontinued)."""
    launched_on: list[datetime.date]
    discontinued_on: list[datetime.date | None]
    slow_mover: BoolArray
    base_rate: FloatArray
    """Mean units per store-day for an average store, before all effects."""
    trend_per_year: FloatArray
    """Log growth rate per year (0.05 ≈ +5 % a year)."""
    elasticity: FloatArray
    """Price elasticity of demand (positive number; demand ∝ price^-elasticity)."""
    dispersion: FloatArray
    """Negative-binomial shape k: small k = lumpy, many zero days."""
    change_day: IntArray
    change_log: FloatArray
    promo_start: IntArray
    promo_end: IntArray
    promo_pct: IntArray

    def __len__(self) -> int:
        return len(self.codes)

    def cover_days_range(self, lo: int, hi: int) -> tuple[FloatArray, FloatArray]:
        """Low and high order cover (days) of products `lo:hi`, from their categories."""
        table = np.array([c.cover_days_range for c in CATEGORIES], dtype=np.float64)
        chosen = table[self.category[lo:hi]]
        return chosen[:, 0], chosen[:, 1]

    @property
    def unit_cost(self) -> FloatArray:
        """Current purchase cost per unit, rounded to cents."""
        return np.asarray(np.round(self.current_price * self.cost_ratio, 2), dtype=np.float64)


@dataclass(frozen=True)
class Catalog:
    """Suppliers and products of one generated data set."""

    suppliers: Suppliers
    products: Products


def _code_width(count: int, minimum: int) -> int:
    # Zero-padded to a common width so that codes sort as strings in numeric order,
    # which keeps sales.csv sorted by (store, product, date) as plain text too.
    return max(minimum, len(str(count)))


def build_suppliers(count: int, rng: np.random.Generator) -> Suppliers:
    """Draw `count` suppliers, spread round-robin over the departments."""
    width = _code_width(count, 3)
    codes, names, departments = [], [], []
    means = np.empty(count, dtype=np.float64)
    stds = np.empty(count, dtype=np.float64)
    moqs = np.empty(count, dtype=np.int64)
    for i in range(count):
        department = DEPARTMENTS[i % len(DEPARTMENTS)]
        suffixes, (low, high), moq_choices = SUPPLIER_PROFILES[department]
        prefix = SUPPLIER_PREFIXES[i % len(SUPPLIER_PREFIXES)]
        repeat = i // len(SUPPLIER_PREFIXES)
        name = f"{prefix} {suffixes[int(rng.integers(len(suffixes)))]}"
        codes.append(f"SUP{i + 1:0{width}d}")
        names.append(name if repeat == 0 else f"{name} {repeat + 1}")
        departments.append(department)
        # Means on half days and std 10-40 % of the mean: suppliers differ in reliability.
        means[i] = round(float(rng.uniform(low, high)) * 2) / 2
        stds[i] = round(means[i] * float(rng.uniform(0.10, 0.40)), 1)
        moqs[i] = moq_choices[int(rng.integers(len(moq_choices)))]
    return Suppliers(codes, names, departments, means, stds, moqs)


def _exact_share(rng: np.random.Generator, count: int, share: float) -> BoolArray:
    """A random mask with exactly round(share x count) set (at least one if count > 1).

    Exact rather than Bernoulli draws so that small catalogs show the designed mix too.
    """
    chosen = max(round(share * count), 1 if count > 1 else 0)
    mask = np.zeros(count, dtype=np.bool_)
    mask[rng.permutation(count)[:chosen]] = True
    return mask


def _allocate_categories(count: int, rng: np.random.Generator) -> IntArray:
    """Category of each product: proportional to weights, every category present if possible."""
    weights = np.array([c.weight for c in CATEGORIES])
    n_categories = len(CATEGORIES)
    if count >= n_categories:
        # One of each first, the rest by largest remainder, so small catalogs (as in the
        # tests) still cover every category deterministically.
        extra = (count - n_categories) * weights / weights.sum()
        counts = np.floor(extra).astype(np.int64) + 1
        remainder = count - int(counts.sum())
        counts[np.argsort(-(extra - np.floor(extra)), kind="stable")[:remainder]] += 1
        allocation = np.repeat(np.arange(n_categories, dtype=np.int64), counts)
    else:
        allocation = rng.choice(n_categories, size=count, p=weights / weights.sum())
    return np.asarray(rng.permutation(allocation), dtype=np.int64)


def _promotion_events(
    rng: np.random.Generator, count: int, days: int, slow: BoolArray
) -> tuple[IntArray, IntArray, IntArray]:
    """Chain-wide promotion events (start, end exclusive, percent) per product."""
    slots = days // 21 + 2
    gaps = rng.integers(21, 91, size=(count, slots))
    durations = rng.choice(_PROMO_DURATIONS, size=(count, slots))
    percents = rng.choice(_DISCOUNT_CHOICES, size=(count, slots), p=_DISCOUNT_WEIGHTS)
    first = (rng.random(count) * gaps[:, 0]).astype(np.int64)
    # Slow movers are promoted less often: promotions are spent where they move volume.
    promoted = rng.random(count) < np.where(slow, 0.35, 0.75)
    steps = durations[:, :-1] + gaps[:, 1:]
    starts = first[:, None] + np.concatenate(
        [np.zeros((count, 1), dtype=np.int64), np.cumsum(steps, axis=1)], axis=1
    )
    ends = starts + durations
    percents = np.where(promoted[:, None] & (starts < days), percents, 0)
    return (
        np.asarray(starts, dtype=np.int64),
        np.asarray(ends, dtype=np.int64),
        np.asarray(percents, dtype=np.int64),
    )


def _price_steps(rng: np.random.Generator, count: int, days: int) -> tuple[IntArray, FloatArray]:
    """Dated regular-price changes: mostly inflation-driven increases, a few cuts."""
    slots = max(1, math.ceil(days / 365 * 3))
    n_changes = np.minimum(rng.poisson(1.2 * days / 365, size=count), slots)
    change_day = np.sort(rng.integers(1, max(days, 2), size=(count, slots)), axis=1)
    used = np.arange(slots)[None, :] < n_changes[:, None]
    change_day = np.where(used & (days > 1), change_day, -1)
    increase = np.clip(rng.normal(0.06, 0.025, size=(count, slots)), 0.02, 0.15)
    decrease = -rng.uniform(0.04, 0.10, size=(count, slots))
    change_log = np.where(rng.random((count, slots)) < 0.8, increase, decrease)
    return np.asarray(change_day, dtype=np.int64), np.asarray(change_log, dtype=np.float64)


def _lifecycle(rng: np.random.Generator, count: int, days: int) -> tuple[IntArray, IntArray]:
    """Launch day and end day (exclusive) of each product as day indices."""
    # Established products were launched 3 months to 10 years before the window.
    launch = -rng.integers(90, 3650, size=count)
    end = np.full(count, days, dtype=np.int64)
    if days < MIN_DAYS_FOR_LIFECYCLE:
        return np.asarray(launch, dtype=np.int64), end
    is_new = _exact_share(rng, count, NEW_PRODUCT_SHARE)
    new_launch = rng.integers(max(1, int(0.05 * days)), max(2, int(0.85 * days)), size=count)
    launch = np.where(is_new, new_launch, launch)
    is_discontinued = _exact_share(rng, count, DISCONTINUED_SHARE)
    # At least four weeks on sale before a discontinuation, and never before 15 % of
    # the window, so that there is history both before and after the event.
    earliest_end = np.maximum(np.maximum(launch, 0) + 28, int(0.15 * days))
    draw = rng.random(count)
    candidate = earliest_end + (draw * (days - earliest_end)).astype(np.int64)
    end = np.where(is_discontinued & (earliest_end < days), candidate, end)
    return np.asarray(launch, dtype=np.int64), np.asarray(end, dtype=np.int64)


def build_products(
    count: int, days: int, start: datetime.date, suppliers: Suppliers, rng: np.random.Generator
) -> Products:
    """Draw `count` products for a `days`-day window starting on `start`."""
    category = _allocate_categories(count, rng)
    specs = [CATEGORIES[c] for c in category]

    # Suppliers specialise by department; each product buys from one of its department.
    by_department: dict[str, list[int]] = {}
    for index, department in enumerate(suppliers.departments):
        by_department.setdefault(department, []).append(index)
    supplier_pick = rng.random(count)
    supplier = np.empty(count, dtype=np.int64)
    for i, spec in enumerate(specs):
        pool = by_department.get(spec.department) or list(range(len(suppliers)))
        supplier[i] = pool[int(supplier_pick[i] * len(pool))]

    low = np.array([s.price_range[0] for s in specs])
    high = np.array([s.price_range[1] for s in specs])
    # Log-uniform within the category range: cheap items are more common than dear ones.
    base_price = charm_price(np.exp(rng.uniform(np.log(low), np.log(high))))
    cost_low = np.array([s.cost_ratio_range[0] for s in specs])
    cost_high = np.array([s.cost_ratio_range[1] for s in specs])
    cost_ratio = rng.uniform(cost_low, cost_high)
    pack_pick = rng.random(count)
    pack_size = np.array(
        [s.pack_sizes[int(u * len(s.pack_sizes))] for s, u in zip(specs, pack_pick, strict=True)],
        dtype=np.int64,
    )

    slow = _exact_share(rng, count, SLOW_MOVER_SHARE)
    median = np.array([s.median_daily_units for s in specs])
    fast_rate = np.maximum(1.3, median * rng.lognormal(0.0, 0.6, size=count))
    slow_rate = np.exp(rng.uniform(np.log(0.08), np.log(0.7), size=count))
    base_rate = np.where(slow, slow_rate, fast_rate)
    trend = np.clip(rng.normal(0.0, 0.08, size=count), -0.2, 0.2)
    elasticity = rng.uniform(1.0, 2.2, size=count)
    dispersion = np.where(
        slow, rng.uniform(0.4, 1.5, size=count), rng.uniform(2.0, 8.0, size=count)
    )

    change_day, change_log = _price_steps(rng, count, days)
    promo_start, promo_end, promo_pct = _promotion_events(rng, count, days, slow)
    launch_day, end_day = _lifecycle(rng, count, days)
    current_price = regular_prices(
        base_price, change_day, change_log, np.array([days - 1], dtype=np.int64)
    )[:, 0]

    brand_pick = rng.integers(len(BRANDS), size=count)
    item_pick = rng.random(count)
    size_pick = rng.random(count)
    names = []
    for brand, spec, u, v in zip(brand_pick, specs, item_pick, size_pick, strict=True):
        item, sizes = spec.items[int(u * len(spec.items))]
        names.append(f"{BRANDS[brand]} {item} {sizes[int(v * len(sizes))]}")
    width = _code_width(count, 5)
    return Products(
        codes=[f"P{i + 1:0{width}d}" for i in range(count)],
        names=names,
        category=category,
        supplier=supplier,
        pack_size=pack_size,
        cost_ratio=np.asarray(cost_ratio, dtype=np.float64),
        base_price=base_price,
        current_price=current_price,
        launch_day=launch_day,
        end_day=end_day,
        launched_on=[start + datetime.timedelta(days=int(d)) for d in launch_day],
        discontinued_on=[
            start + datetime.timedelta(days=int(d)) if d < days else None for d in end_day
        ],
        slow_mover=np.asarray(slow, dtype=np.bool_),
        base_rate=np.asarray(base_rate, dtype=np.float64),
        trend_per_year=np.asarray(trend, dtype=np.float64),
        elasticity=np.asarray(elasticity, dtype=np.float64),
        dispersion=np.asarray(dispersion, dtype=np.float64),
        change_day=change_day,
        change_log=change_log,
        promo_start=promo_start,
        promo_end=promo_end,
        promo_pct=promo_pct,
    )


def build_catalog(config: GenerationConfig) -> Catalog:
    """Suppliers and products for `config`, drawn from the catalog stream."""
    rng = rng_for(config.seed, Stream.CATALOG)
    # Roughly one supplier per 25 SKUs, at least one per department.
    n_suppliers = int(np.clip(config.products // 25, len(DEPARTMENTS), 60))
    suppliers = build_suppliers(n_suppliers, rng)
    products = build_products(config.products, config.days, config.start, suppliers, rng)
    return Catalog(suppliers=suppliers, products=products)
