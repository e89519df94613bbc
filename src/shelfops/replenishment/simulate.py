"""Replaying history under a replenishment policy, so that every policy claim is measured.

``shelfops simulate --input DIR --policy forecast|static`` reads the canonical files of
DIR (``sales.csv``, ``products.csv``, ``suppliers.csv``) and replays the last ``--days``
days of the history, one day at a time, for every store × SKU at once:

1. **Morning:** orders due today arrive (on the first day a series is on sale in the
   replay, its stock starts at the policy's own order-up-to level, in whole packs, so
   each policy starts in its own steady state and the first weeks do not measure the
   data's old policy).
2. **Day:** demand arrives and ``min(stock, demand)`` is sold; the rest is a lost sale
   (no back orders).
3. **Close:** the policy reviews the item (``R = 1`` day): when the inventory position
   (on hand + on order) is at or below its reorder point it orders
   ``max(S − IP, EOQ, MOQ)`` in whole packs (:func:`.policy.order_quantities`). The order
   arrives after a lead time drawn from the supplier's mean and standard deviation
   (normal, rounded to whole days, at least 1 — an order placed at close arrives the next
   morning at the earliest). The draws come from ``--seed`` and are the same for every
   policy (common random numbers), so policies differ only by their decisions.

**Demand.** From the data it is the recorded sales. On a day the data marks as a
stock-out (``on_hand_close = 0``) recorded sales understate demand; the replay still
uses them (a lower bound, the same for every policy, so no policy gains from how the
censored days are filled) and the report counts those days (``censored_demand_days``).
The benchmark, which generates its data, replays the generator's true (uncensored)
demand instead (:func:`synthetic_truth`).

**Policies.**

* ``forecast`` — :func:`.policy.compute_policies` on the forecast. A forecasting
  pipeline is fitted once on the history before the replay (minus a warm-up) and
  refreshed weekly (:meth:`ForecastPipeline.forecast_from`, no retraining) from the
  *recorded* history up to the refresh day; known future promotions and prices are
  visible, as in a real promotion calendar. σ_d is the root-mean-square error of the
  forecasts in force over the last ``error_window_days`` days of each series (stock-out
  days excluded; the warm-up before the replay provides the first weeks), or the
  calibrated band while fewer than ``min_error_days`` errors are known. The forecasts
  come from the recorded history, not from the replay's simulated sales, so every policy
  and every tuning step sees the same forecasts.
* ``static`` — what most retailers run: reorder point = average daily sales of the last
  28 days × lead time + a fixed safety stock of ``m`` days of average sales;
  order-up-to = reorder point + one review period of average sales; same EOQ, MOQ and
  pack rules. ``m`` is given (``--safety-days``) or tuned by bisection so the replay
  reaches the target service level.
* ``oracle`` (benchmark only) — the same policy math fed the true expected demand ``λ``
  and the true daily standard deviation of the generator's negative-binomial demand
  ``√(λ + λ²/r)`` instead of a forecast and its error: the limit better forecasting
  could reach with this policy.

**Metrics** (over the days each series is on sale in the data; stock left after a
product is discontinued is not counted): fill rate = units sold / units demanded; cycle
service level = share of completed replenishment cycles (from one receipt to the next)
without a lost sale; average on hand (units and value at unit cost, chain total at
close, averaged over days); stock-out days (series-days with a lost sale); orders
placed; holding cost = Σ on hand × unit cost × holding rate / 365 per day; lost-sales
cost = Σ lost units × (price that day − unit cost), at least 0; ordering cost = orders ×
order cost.

**Bad input.** A missing file, a negative ``on_hand_close``, a non-numeric or negative
cost, pack size or lead time, a cost, pack size, minimum order or lead time above the
maxima ingestion applies (:mod:`shelfops.kit.limits`: lead times ≤ 365 days, money ≤ 1e12,
units ≤ 2147483647), or a service level outside (0, 1) are errors naming the
file, line and column (or option). Products without a supplier, with a supplier missing
from suppliers.csv, or whose supplier has no lead time are left out of the replay and
listed in the report (``skipped``); an empty ``lead_time_std_days`` is taken as 0.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, NoReturn

import numpy as np
import numpy.typing as npt
import polars as pl

from shelfops.forecasting.panel import Panel
from shelfops.kit.errors import ValidationFailed
from shelfops.kit.limits import MAX_LEAD_TIME_DAYS, MAX_MONEY, MAX_UNITS
from shelfops.replenishment.policy import (
    DAYS_PER_YEAR,
    SERVICE_KINDS,
    PolicyArrays,
    PolicyBatch,
    compute_policies,
    economic_order_quantity,
    order_quantities,
    safety_levels,
)
from shelfops.synthetic.config import GenerationConfig

FloatArray = npt.NDArray[np.float64]
FloatMatrix = npt.NDArray[np.float64]
IntMatrix = npt.NDArray[np.int64]
BoolMatrix = npt.NDArray[np.bool_]
StrArray = npt.NDArray[np.str_]
Progress = Callable[[str], None]

POLICIES: tuple[str, ...] = ("forecast", "static", "oracle")
#: Policies the command line offers (the oracle needs the generator's true demand).
CLI_POLICIES: tuple[str, ...] = ("forecast", "static")
#: Bracket of the static policy's safety stock, in days of average sales.
SAFETY_DAYS_RANGE = (0.0, 60.0)
#: Bracket of a tuned service level (forecast and oracle policies).
SERVICE_LEVEL_RANGE = (0.5, 0.99999)


def _silent(_: str) -> None:
    return None


class SimulationInputError(ValidationFailed):
    """The simulation input is unusable; ``detail`` names the file, line and column or option."""


@dataclass(frozen=True)
class SimulationSettings:
    """How to replay: service target, costs, forecast refresh and error measurement."""

    service_level: float = 0.95
    service_kind: str = "fill_rate"
    """``fill_rate`` or ``cycle``: the target the policy (and tuning) aims at."""
    review_period_days: float = 1.0
    holding_rate_per_year: float = 0.25
    order_cost: float = 1.0
    """Cost of one order line; a store line rides on a shared delivery, so it is small."""
    refresh_days: int = 7
    """Days between forecast refreshes."""
    warmup_days: int = 56
    """Forecast refreshes before the replay, so that forecast errors are measured from day 1."""
    error_window_days: int = 56
    min_error_days: int = 28
    static_window_days: int = 28
    seed: int = 0
    model: str = "auto"

    def validate(self) -> None:
        """Raise :class:`SimulationInputError` naming the first invalid option."""
        if not 0.0 < self.service_level < 1.0 or math.isnan(self.service_level):
            _fail("service_level", self.service_level, "must lie strictly between 0 and 1")
        if self.service_kind not in SERVICE_KINDS:
            _fail("service_kind", self.service_kind, f"must be one of {', '.join(SERVICE_KINDS)}")
        for name in ("holding_rate_per_year", "order_cost"):
            value = getattr(self, name)
            if not value >= 0 or not math.isfinite(value):
                _fail(name, value, "must be a number ≥ 0")
        if not self.review_period_days >= 1:
            _fail("review_period_days", self.review_period_days, "must be at least 1 day")
        for name in ("refresh_days", "error_window_days", "min_error_days", "static_window_days"):
            if getattr(self, name) < 1:
                _fail(name, getattr(self, name), "must be at least 1")
        if self.warmup_days < 0:
            _fail("warmup_days", self.warmup_days, "must not be negative")
        if isinstance(self.seed, bool) or not isinstance(self.seed, int) or self.seed < 0:
            # numpy's generators only take a non-negative seed.
            _fail("seed", self.seed, "must be an integer ≥ 0")


@dataclass
class Replay:
    """Everything a replay needs that does not depend on the policy.

    Matrices are (series, replay days) unless noted; ``recorded*`` cover the whole
    history up to the end of the replay (panel columns ``0 … start + days``).
    """

    ids: StrArray
    dates: npt.NDArray[np.datetime64]
    start: int
    """Panel column of replay day 0."""
    demand: FloatMatrix
    active: BoolMatrix
    """The series is on sale (has a row in sales.csv) that day."""
    price: FloatMatrix
    unit_cost: FloatArray
    pack_size: FloatArray
    min_order_qty: FloatArray
    lead_time_mean: FloatArray
    lead_time_std: FloatArray
    lead_days: IntMatrix
    """Sampled lead time of an order placed at the close of each day."""
    recorded: FloatMatrix
    """Recorded sales (0 where the series was not yet on sale), (series, start + days)."""
    recorded_active: BoolMatrix
    censored: BoolMatrix
    """The data marks the day as a stock-out (recorded sales understate demand)."""
    demand_source: str = "recorded sales"
    skipped: list[dict[str, str]] = field(default_factory=list)

    @property
    def n_series(self) -> int:
        """Series replayed."""
        return int(self.demand.shape[0])

    @property
    def n_days(self) -> int:
        """Days replayed."""
        return int(self.demand.shape[1])

    @property
    def censored_demand_days(self) -> int:
        """Replayed series-days whose demand is recorded sales on a stock-out day."""
        if self.demand_source != "recorded sales":
            return 0
        window = self.censored[:, self.start : self.start + self.n_days]
        return int((window & self.active).sum())


@dataclass
class Plan:
    """A policy's knob-independent per-day quantities, (replay days, series) each.

    ``levels(knob)`` turns them into reorder points and order-up-to levels: the knob is
    the service level for ``forecast`` and ``oracle`` and the safety days ``m`` for
    ``static``.
    """

    policy: str
    service_kind: str
    eoq: FloatMatrix
    mu_l: FloatMatrix
    mu_p: FloatMatrix
    sd_l: FloatMatrix | None = None
    sd_p: FloatMatrix | None = None
    expected_q: FloatMatrix | None = None
    average: FloatMatrix | None = None
    """Static policy: average daily sales of the trailing window."""
    review_period_days: float = 1.0
    notes: dict[str, Any] = field(default_factory=dict)

    def levels(self, knob: float) -> tuple[FloatMatrix, FloatMatrix]:
        """Reorder points and order-up-to levels for ``knob``."""
        if self.policy == "static":
            assert self.average is not None
            reorder = self.mu_l + knob * self.average
            return reorder, reorder + self.review_period_days * self.average
        assert self.sd_l is not None and self.sd_p is not None and self.expected_q is not None
        reorder = np.empty_like(self.mu_l)
        up_to = np.empty_like(self.mu_l)
        for day in range(self.mu_l.shape[0]):
            _, _, reorder[day], up_to[day] = safety_levels(
                knob,
                self.service_kind,
                self.mu_l[day],
                self.sd_l[day],
                self.mu_p[day],
                self.sd_p[day],
                self.expected_q[day],
            )
        return reorder, up_to


@dataclass
class SimulationResult:
    """One replay's metrics and daily chain totals."""

    policy: str
    knob: float
    knob_name: str
    metrics: dict[str, float]
    daily: dict[str, FloatArray]
    seconds: float = 0.0

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready (NaN becomes None)."""
        return {
            "policy": self.policy,
            self.knob_name: self.knob,
            "metrics": {k: _finite(v) for k, v in self.metrics.items()},
            "seconds": self.seconds,
        }


@dataclass(frozen=True)
class Tuned:
    """The knob that reached the target, the replay at that knob, and the search."""

    knob: float
    result: SimulationResult
    steps: int
    reached: bool
    """The target was bracketed; False when even the bracket's end misses it."""


# -- loading the canonical files ------------------------------------------------------------


def load_replay(
    input_dir: Path, *, days: int, settings: SimulationSettings
) -> tuple[Replay, Panel]:
    """Read DIR's canonical files into a :class:`Replay` of the last ``days`` days.

    Also returns the panel (the recorded history of the replayed series) for the
    forecasting pipeline. Raises :class:`SimulationInputError` (see the module docstring).
    """
    from shelfops.runs.inputs import load_panel

    settings.validate()
    if not input_dir.is_dir():
        _fail("input", str(input_dir), "is not a directory")
    paths = {name: input_dir / f"{name}.csv" for name in ("sales", "products", "suppliers")}
    for name, path in paths.items():
        if not path.is_file():
            raise SimulationInputError(
                {"file": path.name, "message": f"{path} is missing; the simulator needs {name}"}
            )
    _check_on_hand(paths["sales"])
    loaded = load_panel(paths["sales"], "D")
    panel = loaded.panel
    if isinstance(days, bool) or days < 1:
        _fail("days", days, "must be at least 1")
    if days >= panel.n_periods:
        _fail("days", days, f"must be shorter than the history ({panel.n_periods} days)")
    products = _read_products(paths["products"])
    suppliers = _read_suppliers(paths["suppliers"])

    product_of = panel.statics["product_id"]
    keep = np.ones(panel.n_series, dtype=bool)
    skipped: list[dict[str, str]] = []
    attrs = {k: np.zeros(panel.n_series) for k in ("cost", "price", "pack", "moq", "lt", "lts")}
    for code in np.unique(product_of):
        rows = product_of == code
        reason = None
        product = products.get(str(code))
        if product is None:
            reason = "not in products.csv"
        elif not product["supplier_code"]:
            reason = "no supplier"
        elif product["supplier_code"] not in suppliers:
            reason = f"supplier {product['supplier_code']} is not in suppliers.csv"
        elif suppliers[product["supplier_code"]]["lead_time_days"] is None:
            reason = f"supplier {product['supplier_code']} has no lead time"
        if reason is not None or product is None:
            keep[rows] = False
            skipped.append({"product_code": str(code), "reason": reason or "unknown product"})
            continue
        supplier = suppliers[product["supplier_code"]]
        attrs["cost"][rows] = product["unit_cost"]
        attrs["price"][rows] = product["unit_price"]
        attrs["pack"][rows] = product["pack_size"]
        attrs["moq"][rows] = supplier["min_order_qty"]
        attrs["lt"][rows] = supplier["lead_time_days"]
        attrs["lts"][rows] = supplier["lead_time_std_days"]
    if not keep.any():
        raise SimulationInputError(
            {"file": "products.csv", "message": "no product has a supplier with a lead time"}
        )

    frame = loaded.frame
    row_ids = np.searchsorted(panel.ids, frame["unique_id"].cast(pl.String).to_numpy())
    period, _ = panel.grid.index_of(frame["ds"].to_numpy().astype("datetime64[D]"))
    present = np.zeros(panel.y.shape, dtype=bool)
    present[row_ids, period] = True

    rows = np.flatnonzero(keep)
    panel = panel.select(rows)
    present = present[rows]
    attrs = {k: v[rows] for k, v in attrs.items()}
    total = panel.n_periods
    start = total - days
    recorded = np.nan_to_num(panel.y)
    if "price" in panel.covariates:
        price = np.asarray(panel.covariates["price"][:, start:total], dtype=np.float64)
        price = np.where(np.isfinite(price), price, attrs["price"][:, None])
    else:
        price = np.repeat(attrs["price"][:, None], days, axis=1)
    rng = np.random.default_rng(settings.seed)
    replay = Replay(
        ids=panel.ids,
        dates=panel.dates[start:total],
        start=start,
        demand=recorded[:, start:total].copy(),
        active=present[:, start:total],
        price=price,
        unit_cost=attrs["cost"],
        pack_size=attrs["pack"],
        min_order_qty=attrs["moq"],
        lead_time_mean=attrs["lt"],
        lead_time_std=attrs["lts"],
        lead_days=draw_lead_times(rng, attrs["lt"], attrs["lts"], days),
        recorded=recorded,
        recorded_active=present,
        censored=panel.censored,
        skipped=skipped,
    )
    return replay, panel


def draw_lead_times(
    rng: np.random.Generator, mean: FloatArray, std: FloatArray, days: int
) -> IntMatrix:
    """Whole-day lead times ``≥ 1`` of an order placed at each close: ``round(N(mean, std))``."""
    noise = rng.standard_normal((mean.shape[0], days))
    lead = np.rint(mean[:, None] + std[:, None] * noise)
    return np.asarray(np.clip(lead, 1, None), dtype=np.int64)


def _check_on_hand(path: Path) -> None:
    try:
        header = pl.read_csv(path, n_rows=0, infer_schema=False).columns
    except (pl.exceptions.PolarsError, UnicodeDecodeError):
        # An empty or unreadable file: reading the sales (load_panel) next says what is
        # wrong with it, as it does for a header without rows.
        return
    if "on_hand_close" not in header:
        return
    column = (
        pl.scan_csv(path, infer_schema=False)
        .select(pl.col("on_hand_close").str.strip_chars().cast(pl.Float64, strict=False))
        .collect()["on_hand_close"]
    )
    negative = (column < 0).fill_null(False)
    if negative.any():
        index = int(negative.arg_true()[0])
        raise SimulationInputError(
            {
                "file": path.name,
                "line": index + 2,
                "column": "on_hand_close",
                "value": float(column[index]),
                "message": f"negative on hand ({int(negative.sum())} such rows); stock "
                "cannot be below zero — fix the counts before simulating",
            }
        )


def _read_table(path: Path, required: tuple[str, ...]) -> pl.DataFrame:
    try:
        frame = pl.read_csv(path, infer_schema=False)
    except (pl.exceptions.PolarsError, UnicodeDecodeError) as error:
        raise SimulationInputError(
            {"file": path.name, "message": f"not a readable CSV file: {error}"}
        ) from None
    missing = [c for c in required if c not in frame.columns]
    if missing:
        raise SimulationInputError(
            {"file": path.name, "message": f"missing column(s) {', '.join(missing)}"}
        )
    return frame


def _numbers(
    frame: pl.DataFrame,
    name: str,
    column: str,
    *,
    minimum: float,
    maximum: float,
    strict_minimum: bool = False,
    allow_empty: bool = False,
) -> list[float | None]:
    """A numeric column in ``[minimum, maximum]``; the first bad value is an error naming
    its line."""
    text = frame[column].str.strip_chars()
    values = text.cast(pl.Float64, strict=False)
    empty = text.is_null() | (text == "")
    for index in range(frame.height):
        value = values[index]
        if empty[index]:
            if allow_empty:
                continue
            message = "is empty; a number is required"
        elif value is None or not math.isfinite(value):
            message = "is not a number"
        elif value < minimum or (strict_minimum and value == minimum):
            bound = ">" if strict_minimum else "≥"
            message = f"must be {bound} {minimum:g}"
        elif value > maximum:
            message = f"must be ≤ {maximum:.0f}"
        else:
            continue
        raise SimulationInputError(
            {
                "file": name,
                "line": index + 2,
                "column": column,
                "value": frame[column][index],
                "message": f"{column} {message}",
            }
        )
    return [None if empty[i] else values[i] for i in range(frame.height)]


def _read_products(path: Path) -> dict[str, dict[str, Any]]:
    frame = _read_table(
        path, ("product_code", "supplier_code", "unit_cost", "unit_price", "pack_size")
    )
    cost = _numbers(frame, path.name, "unit_cost", minimum=0.0, maximum=MAX_MONEY)
    price = _numbers(frame, path.name, "unit_price", minimum=0.0, maximum=MAX_MONEY)
    pack = _numbers(
        frame, path.name, "pack_size", minimum=0.0, maximum=MAX_UNITS, strict_minimum=True
    )
    supplier = frame["supplier_code"].str.strip_chars().fill_null("").to_list()
    return {
        str(code).strip(): {
            "supplier_code": supplier[i],
            "unit_cost": cost[i],
            "unit_price": price[i],
            "pack_size": pack[i],
        }
        for i, code in enumerate(frame["product_code"].to_list())
    }


def _read_suppliers(path: Path) -> dict[str, dict[str, Any]]:
    frame = _read_table(
        path, ("supplier_code", "lead_time_days", "lead_time_std_days", "min_order_qty")
    )
    lead, std = (
        _numbers(
            frame, path.name, column, minimum=0.0, maximum=MAX_LEAD_TIME_DAYS, allow_empty=True
        )
        for column in ("lead_time_days", "lead_time_std_days")
    )
    moq = _numbers(
        frame, path.name, "min_order_qty", minimum=0.0, maximum=MAX_UNITS, allow_empty=True
    )
    return {
        str(code).strip(): {
            "lead_time_days": lead[i],
            "lead_time_std_days": std[i] or 0.0,
            "min_order_qty": moq[i] or 0.0,
        }
        for i, code in enumerate(frame["supplier_code"].to_list())
    }


# -- the synthetic truth (benchmark) -------------------------------------------------------


@dataclass(frozen=True)
class DemandTruth:
    """The generator's hidden demand: expected ``λ`` and the drawn (uncensored) demand."""

    ids: StrArray
    """``STORE|PRODUCT``, sorted like a panel's ids."""
    expected: FloatMatrix
    demand: IntMatrix
    dispersion: FloatArray
    """Negative-binomial shape ``r`` per series: variance = λ + λ²/r."""


def synthetic_truth(config: GenerationConfig) -> DemandTruth:
    """Re-derive the demand ``shelfops.synthetic.generate_dataset(config)`` drew.

    The generator draws, per store and product block, from the stream
    ``(seed, STORE_BLOCK, store, block)``: first the store's product affinities, then the
    negative-binomial demand around ``baseline × promotion lift × store scale × affinity ×
    store-day noise``. Replaying the same calls in the same order gives the same numbers
    (checked against the written sales in the tests), without changing the generator.
    """
    from shelfops.synthetic.calendar import build_calendar
    from shelfops.synthetic.catalog import build_catalog
    from shelfops.synthetic.demand import (
        chain_block,
        draw_demand,
        store_affinity,
        store_day_noise,
    )
    from shelfops.synthetic.generator import product_blocks
    from shelfops.synthetic.seeds import Stream, rng_for
    from shelfops.synthetic.stores import build_stores

    calendar = build_calendar(config.start, config.days)
    catalog = build_catalog(config)
    stores = build_stores(config)
    blocks = product_blocks(config.products, config.days)
    chains = [chain_block(catalog.products, calendar, lo, hi) for lo, hi in blocks]
    ids: list[str] = []
    expected: list[FloatMatrix] = []
    demand: list[IntMatrix] = []
    dispersion: list[FloatArray] = []
    for s, store_code in enumerate(stores.codes):
        noise = store_day_noise(rng_for(config.seed, Stream.STORE_DAYS, s), calendar.days)
        for index, chain in enumerate(chains):
            rng = rng_for(config.seed, Stream.STORE_BLOCK, s, index)
            local = float(stores.scale[s]) * store_affinity(rng, chain.hi - chain.lo)[:, None]
            lam = chain.baseline * chain.promo_lift * local * noise[None, :]
            demand.append(draw_demand(rng, lam, chain.dispersion))
            expected.append(lam)
            dispersion.append(chain.dispersion[:, 0])
            ids.extend(
                f"{store_code}|{code}" for code in catalog.products.codes[chain.lo : chain.hi]
            )
    order = np.argsort(np.asarray(ids))
    return DemandTruth(
        ids=np.asarray(ids)[order],
        expected=np.concatenate(expected)[order],
        demand=np.concatenate(demand)[order],
        dispersion=np.concatenate(dispersion)[order],
    )


def with_true_demand(replay: Replay, truth: DemandTruth) -> Replay:
    """The replay with the generator's uncensored demand instead of recorded sales."""
    rows = _rows_of(truth.ids, replay.ids)
    window = truth.demand[rows, replay.start : replay.start + replay.n_days]
    return replace(
        replay,
        demand=np.where(replay.active, window, 0.0).astype(np.float64),
        demand_source="true demand (generator)",
    )


def _rows_of(ids: StrArray, wanted: StrArray) -> npt.NDArray[np.int64]:
    rows = np.searchsorted(ids, wanted)
    rows = np.clip(rows, 0, len(ids) - 1)
    if not (ids[rows] == wanted).all():
        missing = wanted[ids[rows] != wanted][0]
        raise SimulationInputError({"message": f"series {missing!r} is not in the truth"})
    return np.asarray(rows, dtype=np.int64)


# -- forecasts -----------------------------------------------------------------------------


@dataclass
class ForecastTrack:
    """Weekly forecasts over the warm-up and the replay, and the measured errors."""

    issue: npt.NDArray[np.int64]
    """Panel column each refresh forecasts first (it saw columns before it)."""
    mean: npt.NDArray[np.float32]
    """(refreshes, series, horizon)."""
    upper: npt.NDArray[np.float32]
    """The highest calibrated quantile, same shape (the band σ_d when no error is known)."""
    upper_level: float
    error_rmse: npt.NDArray[np.float32]
    """(replay days, series) RMSE of the forecasts in force; NaN while too few are known."""
    summary: dict[str, Any]
    seconds: float


def forecast_horizon(replay: Replay, settings: SimulationSettings) -> int:
    """Days a refresh must cover: up to a week of ageing plus the protection interval."""
    protection = float(replay.lead_time_mean.max()) + settings.review_period_days
    return settings.refresh_days + math.ceil(protection)


def build_forecast_track(
    panel: Panel, replay: Replay, settings: SimulationSettings, progress: Progress = _silent
) -> ForecastTrack:
    """Fit the pipeline before the warm-up, refresh weekly, measure the errors in force."""
    from shelfops.forecasting.pipeline import ForecastPipeline, PipelineConfig

    started = time.perf_counter()
    horizon = forecast_horizon(replay, settings)
    first = replay.start - settings.warmup_days
    needed = 2 * horizon + 28
    if first < needed:
        _fail(
            "days",
            replay.n_days,
            f"leaves {max(first, 0)} days to train on (after a {settings.warmup_days}-day "
            f"warm-up); the forecast policy needs at least {needed}",
        )
    progress(f"fit forecasting pipeline on {first} days")
    pipeline = ForecastPipeline(PipelineConfig(model=settings.model)).fit(
        panel.truncate(first), horizon
    )
    stored = pipeline.for_storage()
    end = replay.start + replay.n_days
    issue = np.arange(first, min(end, panel.n_periods) + 1, settings.refresh_days)
    n = replay.n_series
    mean = np.empty((len(issue), n, horizon), dtype=np.float32)
    upper = np.empty_like(mean)
    levels = sorted(pipeline.config.quantiles)
    upper_level = max(levels)
    for k, column in enumerate(issue):
        progress(f"forecast refresh {k + 1}/{len(issue)}")
        forecast = stored.forecast_from(panel.truncate(int(column)), horizon)
        mean[k] = forecast.mean
        upper[k] = forecast.quantiles[upper_level]
    rmse = _rolling_rmse(replay, issue, mean, first, settings)
    return ForecastTrack(
        issue=issue,
        mean=mean,
        upper=upper,
        upper_level=upper_level,
        error_rmse=rmse,
        summary=pipeline.summary(),
        seconds=time.perf_counter() - started,
    )


def _rolling_rmse(
    replay: Replay,
    issue: npt.NDArray[np.int64],
    mean: npt.NDArray[np.float32],
    first: int,
    settings: SimulationSettings,
) -> npt.NDArray[np.float32]:
    """RMSE of the forecast in force for each day, over a trailing window, per series."""
    end = replay.start + replay.n_days
    span = end - first
    squared = np.zeros((replay.n_series, span))
    valid = np.zeros((replay.n_series, span), dtype=bool)
    for offset in range(span):
        column = first + offset
        k = int(np.searchsorted(issue, column, side="right")) - 1
        step = column - int(issue[k])
        error = replay.recorded[:, column] - mean[k, :, step]
        ok = replay.recorded_active[:, column] & ~replay.censored[:, column]
        squared[:, offset] = np.where(ok, error**2, 0.0)
        valid[:, offset] = ok
    sums = np.zeros((replay.n_series, span + 1))
    counts = np.zeros((replay.n_series, span + 1))
    np.cumsum(squared, axis=1, out=sums[:, 1:])
    np.cumsum(valid, axis=1, out=counts[:, 1:])
    out = np.full((replay.n_days, replay.n_series), np.nan, dtype=np.float32)
    for day in range(replay.n_days):
        # Errors known at the close of the review day: days up to and including it.
        stop = replay.start + day - first + 1
        lo = max(0, stop - settings.error_window_days)
        count = counts[:, stop] - counts[:, lo]
        total = sums[:, stop] - sums[:, lo]
        known = count >= settings.min_error_days
        out[day] = np.where(known, np.sqrt(total / np.maximum(count, 1)), np.nan)
    return out


# -- plans: the per-day policy quantities --------------------------------------------------


def _components(
    replay: Replay, settings: SimulationSettings, batch_args: Mapping[str, Any]
) -> PolicyArrays:
    """The knob-independent policy quantities of one review day (knob applied later)."""
    batch = PolicyBatch(
        lead_time_days=replay.lead_time_mean,
        lead_time_std_days=replay.lead_time_std,
        review_period_days=settings.review_period_days,
        service_level=0.5,  # the knob is applied later (safety_levels)
        service_kind="cycle",
        unit_cost=replay.unit_cost,
        holding_rate_per_year=settings.holding_rate_per_year,
        order_cost=settings.order_cost,
        min_order_qty=replay.min_order_qty,
        pack_size=replay.pack_size,
        **batch_args,
    )
    return compute_policies(batch)


def _empty_plan(replay: Replay, policy: str, settings: SimulationSettings) -> Plan:
    shape = (replay.n_days, replay.n_series)
    return Plan(
        policy=policy,
        service_kind=settings.service_kind,
        eoq=np.zeros(shape),
        mu_l=np.zeros(shape),
        mu_p=np.zeros(shape),
        sd_l=np.zeros(shape),
        sd_p=np.zeros(shape),
        expected_q=np.zeros(shape),
        review_period_days=settings.review_period_days,
    )


def _store(plan: Plan, day: int, out: PolicyArrays) -> None:
    assert plan.sd_l is not None and plan.sd_p is not None and plan.expected_q is not None
    plan.eoq[day] = out.economic_order_qty
    plan.mu_l[day] = out.lead_time_demand_mean
    plan.sd_l[day] = out.lead_time_demand_std
    plan.mu_p[day] = out.details["protection_demand_mean"]
    plan.sd_p[day] = out.details["protection_demand_std"]
    plan.expected_q[day] = out.details["fill_rate_order_qty"]


def plan_forecast(replay: Replay, track: ForecastTrack, settings: SimulationSettings) -> Plan:
    """The forecast policy's lead-time demand per day, from the forecast in force."""
    plan = _empty_plan(replay, "forecast", settings)
    sources: dict[str, int] = {}
    for day in range(replay.n_days):
        column = replay.start + day + 1  # the review at close plans from tomorrow on
        k = int(np.searchsorted(track.issue, column, side="right")) - 1
        offset = column - int(track.issue[k])
        out = _components(
            replay,
            settings,
            {
                "forecast_mean": np.asarray(track.mean[k, :, offset:], dtype=np.float64),
                "forecast_quantiles": {
                    track.upper_level: np.asarray(track.upper[k, :, offset:], dtype=np.float64)
                },
                "error_std": np.asarray(track.error_rmse[day], dtype=np.float64),
            },
        )
        _store(plan, day, out)
        active = replay.active[:, day]
        for name, count in zip(
            *np.unique(out.error_source[active], return_counts=True), strict=True
        ):
            sources[str(name)] = sources.get(str(name), 0) + int(count)
    total = max(1, sum(sources.values()))
    plan.notes["error_source_share"] = {k: v / total for k, v in sorted(sources.items())}
    return plan


def plan_oracle(replay: Replay, truth: DemandTruth, settings: SimulationSettings) -> Plan:
    """The oracle's lead-time demand: true λ and negative-binomial σ_d = √(λ + λ²/r)."""
    rows = _rows_of(truth.ids, replay.ids)
    expected = truth.expected[rows]
    dispersion = truth.dispersion[rows]
    width = math.ceil(float(replay.lead_time_mean.max()) + settings.review_period_days) + 1
    plan = _empty_plan(replay, "oracle", settings)
    for day in range(replay.n_days):
        column = replay.start + day + 1
        lam = expected[:, column : column + width]
        if lam.shape[1] < width:
            # Past the generated window: repeat its last week (the policy's own rule).
            tail = expected[:, -7:].mean(axis=1, keepdims=True)
            lam = np.concatenate([lam, np.repeat(tail, width - lam.shape[1], axis=1)], axis=1)
        out = _components(
            replay,
            settings,
            {
                "forecast_mean": lam,
                "forecast_quantiles": {},
                "error_std": None,
                "error_std_daily": np.sqrt(lam + lam**2 / dispersion[:, None]),
            },
        )
        _store(plan, day, out)
    return plan


def plan_static(replay: Replay, settings: SimulationSettings) -> Plan:
    """The static rule: trailing average daily sales × lead time (+ m days, see levels)."""
    window = settings.static_window_days
    sums = np.zeros((replay.n_series, replay.recorded.shape[1] + 1))
    counts = np.zeros_like(sums)
    np.cumsum(np.where(replay.recorded_active, replay.recorded, 0.0), axis=1, out=sums[:, 1:])
    np.cumsum(replay.recorded_active, axis=1, out=counts[:, 1:])
    shape = (replay.n_days, replay.n_series)
    average = np.zeros(shape)
    for day in range(replay.n_days):
        stop = replay.start + day + 1  # sales up to and including the review day
        lo = max(0, stop - window)
        count = counts[:, stop] - counts[:, lo]
        average[day] = (sums[:, stop] - sums[:, lo]) / np.maximum(count, 1)
    eoq = economic_order_quantity(
        DAYS_PER_YEAR * average,
        settings.order_cost,
        settings.holding_rate_per_year * replay.unit_cost[None, :],
    )
    return Plan(
        policy="static",
        service_kind=settings.service_kind,
        eoq=eoq,
        mu_l=average * replay.lead_time_mean[None, :],
        mu_p=average * (replay.lead_time_mean[None, :] + settings.review_period_days),
        average=average,
        review_period_days=settings.review_period_days,
    )


# -- the replay ----------------------------------------------------------------------------


def simulate(
    replay: Replay, plan: Plan, knob: float, settings: SimulationSettings
) -> SimulationResult:
    """Replay every day under ``plan`` at ``knob`` and measure the outcome."""
    started = time.perf_counter()
    reorder, up_to = plan.levels(knob)
    n, days = replay.n_series, replay.n_days
    pack, moq, cost = replay.pack_size, replay.min_order_qty, replay.unit_cost
    ring = int(replay.lead_days.max(initial=1)) + 1
    pipeline = np.zeros((ring, n))
    on_hand = np.zeros(n)
    on_order = np.zeros(n)
    started_series = np.zeros(n, dtype=bool)
    cycle_open = np.zeros(n, dtype=bool)
    cycle_short = np.zeros(n, dtype=bool)
    cycles = 0
    short_cycles = 0
    daily = {
        name: np.zeros(days)
        for name in ("on_hand", "on_hand_value", "demand", "sold", "lost", "on_order", "orders")
    }
    stockout_days = 0
    holding = 0.0
    lost_cost = 0.0
    orders = 0
    ordered_units = 0.0
    received_units = 0.0
    active_days = 0
    daily_holding = settings.holding_rate_per_year / DAYS_PER_YEAR
    for day in range(days):
        active = replay.active[:, day]
        slot = day % ring
        arriving = pipeline[slot].copy()
        pipeline[slot] = 0.0
        on_hand += arriving
        on_order -= arriving
        received_units += float(arriving.sum())
        received = arriving > 0
        closing = received & cycle_open
        cycles += int(closing.sum())
        short_cycles += int((closing & cycle_short).sum())
        cycle_short[received] = False
        cycle_open |= received
        # The first day on sale: start at the policy's own order-up-to level (whole packs).
        new = active & ~started_series
        if new.any():
            on_hand[new] += np.ceil(up_to[day, new] / pack[new] - 1e-9) * pack[new]
            started_series |= new
            cycle_open |= new

        demand = np.where(active, replay.demand[:, day], 0.0)
        sold = np.minimum(demand, on_hand)
        lost = demand - sold
        on_hand -= sold
        short = lost > 0
        cycle_short |= short
        stockout_days += int(short.sum())
        margin = np.maximum(replay.price[:, day] - cost, 0.0)
        lost_cost += float((lost * margin).sum())
        stock = np.where(active, on_hand, 0.0)
        holding += float((stock * cost).sum()) * daily_holding
        active_days += int(active.sum())

        position = on_hand + on_order
        quantity = order_quantities(position, reorder[day], up_to[day], plan.eoq[day], moq, pack)
        quantity = np.where(active, quantity, 0.0)
        placing = quantity > 0
        if placing.any():
            where = np.flatnonzero(placing)
            due = (day + replay.lead_days[where, day]) % ring
            np.add.at(pipeline, (due, where), quantity[where])
            on_order += quantity
            orders += int(placing.sum())
            ordered_units += float(quantity.sum())
        daily["on_hand"][day] = stock.sum()
        daily["on_hand_value"][day] = (stock * cost).sum()
        daily["demand"][day] = demand.sum()
        daily["sold"][day] = sold.sum()
        daily["lost"][day] = lost.sum()
        daily["on_order"][day] = np.where(active, on_order, 0.0).sum()
        daily["orders"][day] = placing.sum()

    demanded = float(daily["demand"].sum())
    served = float(daily["sold"].sum())
    ordering = orders * settings.order_cost
    metrics = {
        "fill_rate": served / demanded if demanded > 0 else float("nan"),
        "cycle_service_level": 1.0 - short_cycles / cycles if cycles else float("nan"),
        "cycles": float(cycles),
        "cycles_with_stockout": float(short_cycles),
        "demand_units": demanded,
        "sold_units": served,
        "lost_units": float(daily["lost"].sum()),
        "avg_on_hand_units": float(daily["on_hand"].mean()),
        "avg_on_hand_value": float(daily["on_hand_value"].mean()),
        "avg_on_hand_units_per_series_day": float(daily["on_hand"].sum()) / max(active_days, 1),
        "stockout_days": float(stockout_days),
        "stockout_day_share": stockout_days / max(active_days, 1),
        "orders_placed": float(orders),
        "units_ordered": ordered_units,
        "avg_order_units": ordered_units / orders if orders else float("nan"),
        "units_received": received_units,
        "holding_cost": holding,
        "lost_sales_cost": lost_cost,
        "ordering_cost": ordering,
        "total_cost": holding + lost_cost + ordering,
        "series": float(n),
        "days": float(days),
        "active_series_days": float(active_days),
    }
    return SimulationResult(
        policy=plan.policy,
        knob=float(knob),
        knob_name="safety_days" if plan.policy == "static" else "policy_service_level",
        metrics=metrics,
        daily=daily,
        seconds=time.perf_counter() - started,
    )


# -- tuning --------------------------------------------------------------------------------


def tune_to_fill_rate(
    evaluate: Callable[[float], SimulationResult],
    *,
    target: float,
    low: float,
    high: float,
    metric: str = "fill_rate",
    log_odds: bool = False,
    tolerance: float = 0.0005,
    max_steps: int = 18,
) -> Tuned:
    """Bisection on a knob until ``metric`` (by default the fill rate) reaches ``target``.

    ``evaluate(knob)`` replays at ``knob``; the metric must grow with the knob (more
    safety stock, more service). ``log_odds`` bisects a probability (a service level) in
    ``log(p / (1 − p))``, where equal steps matter equally near 0.5 and near 1. Stops at
    ``|metric − target| ≤ tolerance``; returns the replay at the knob found. When even
    ``high`` misses the target (or ``low`` exceeds it), that end is returned with
    ``reached=False``; so is ``low`` when the metric is undefined (a replay without
    demand).
    """

    def forward(x: float) -> float:
        return math.log(x / (1.0 - x)) if log_odds else x

    def back(u: float) -> float:
        return 1.0 / (1.0 + math.exp(-u)) if log_odds else u

    lo, hi = forward(low), forward(high)
    low_result = evaluate(back(lo))
    steps = 1
    if math.isnan(low_result.metrics[metric]):
        # No demand in the replay: the metric is undefined at every knob, so nothing can
        # be tuned; the least stock is kept, not the far end of a search of NaNs.
        return Tuned(back(lo), low_result, steps, False)
    if low_result.metrics[metric] >= target - tolerance:
        return Tuned(back(lo), low_result, steps, low_result.metrics[metric] <= target + tolerance)
    high_result = evaluate(back(hi))
    steps += 1
    if high_result.metrics[metric] < target - tolerance:
        return Tuned(back(hi), high_result, steps, False)
    best = high_result
    while steps < max_steps:
        middle = 0.5 * (lo + hi)
        result = evaluate(back(middle))
        steps += 1
        value = result.metrics[metric]
        if value >= target - tolerance:
            best = result
        if abs(value - target) <= tolerance:
            return Tuned(back(middle), result, steps, True)
        if value < target:
            lo = middle
        else:
            hi = middle
    return Tuned(best.knob, best, steps, True)


def tune_policy(
    replay: Replay, plan: Plan, settings: SimulationSettings, *, target: float, metric: str
) -> Tuned:
    """Tune ``plan``'s knob so the replay reaches ``target`` on ``metric``."""

    def evaluate(knob: float) -> SimulationResult:
        return simulate(replay, plan, knob, settings)

    if plan.policy == "static":
        low, high = SAFETY_DAYS_RANGE
        return tune_to_fill_rate(evaluate, target=target, low=low, high=high, metric=metric)
    low, high = SERVICE_LEVEL_RANGE
    return tune_to_fill_rate(
        evaluate, target=target, low=low, high=high, metric=metric, log_odds=True
    )


# -- the command ---------------------------------------------------------------------------


@dataclass
class SimulationOutcome:
    """What ``shelfops simulate`` produced."""

    result: SimulationResult
    files: list[Path]
    payload: dict[str, Any]
    tuned: Tuned | None = None
    """The search, when the knob was tuned (``reached`` False: the bracket missed the target)."""


def simulate_command(
    input_dir: Path,
    *,
    policy: str,
    service_level: float,
    report_dir: Path,
    days: int | None = None,
    service_kind: str = "fill_rate",
    model: str = "auto",
    seed: int = 0,
    order_cost: float = 1.0,
    holding_rate: float = 0.25,
    safety_days: float | None = None,
    tune: bool = False,
    progress: Progress = _silent,
) -> SimulationOutcome:
    """Replay the last ``days`` days of DIR under ``policy``; write the report.

    ``forecast`` uses ``service_level`` as the policy's target (``tune=True`` instead
    searches the policy service level that makes the replay reach it). ``static`` uses
    ``safety_days`` when given, else tunes ``m`` so the replay reaches ``service_level``
    (the fixed safety stock "sized to reach the same target"). Writes
    ``simulation.json``, ``simulation.md`` and ``simulation.html`` to ``report_dir``.
    """
    from shelfops.replenishment.simulate_report import write_report

    if policy not in CLI_POLICIES:
        _fail("policy", policy, f"must be one of {', '.join(CLI_POLICIES)}")
    settings = SimulationSettings(
        service_level=service_level,
        service_kind=service_kind,
        order_cost=order_cost,
        holding_rate_per_year=holding_rate,
        seed=seed,
        model=model,
    )
    settings.validate()
    if safety_days is not None and not (safety_days >= 0 and math.isfinite(safety_days)):
        _fail("safety_days", safety_days, "must be a number ≥ 0")
    metric = "fill_rate" if service_kind == "fill_rate" else "cycle_service_level"
    progress("reading input")
    replay, panel = load_replay(input_dir, days=90 if days is None else days, settings=settings)
    forecast_info: dict[str, Any] = {}
    if policy == "forecast":
        track = build_forecast_track(panel, replay, settings, progress)
        plan = plan_forecast(replay, track, settings)
        forecast_info = {
            "selection": track.summary,
            "refreshes": len(track.issue),
            "seconds": track.seconds,
            **plan.notes,
        }
    else:
        plan = plan_static(replay, settings)
    progress("replaying")
    tuned: Tuned | None = None
    if policy == "static" and safety_days is not None:
        result = simulate(replay, plan, safety_days, settings)
    elif policy == "static" or tune:
        tuned = tune_policy(replay, plan, settings, target=service_level, metric=metric)
        result = tuned.result
    else:
        result = simulate(replay, plan, service_level, settings)
    payload = simulation_payload(
        replay, {policy: result}, settings, forecast=forecast_info, tuned={policy: tuned}
    )
    files = write_report(report_dir, payload, {policy: result}, replay.dates)
    return SimulationOutcome(result=result, files=files, payload=payload, tuned=tuned)


def simulation_payload(
    replay: Replay,
    results: Mapping[str, SimulationResult],
    settings: SimulationSettings,
    *,
    forecast: Mapping[str, Any] | None = None,
    tuned: Mapping[str, Tuned | None] | None = None,
) -> dict[str, Any]:
    """The JSON report: settings, data summary, per-policy metrics and daily totals."""
    policies: dict[str, Any] = {}
    for name, result in results.items():
        entry = result.to_dict()
        search = (tuned or {}).get(name)
        if search is not None:
            entry["tuning"] = {"steps": search.steps, "reached": search.reached}
        entry["daily"] = {
            k: [round(float(v), 4) for v in values] for k, values in result.daily.items()
        }
        policies[name] = entry
    return {
        "settings": {
            "service_level": settings.service_level,
            "service_kind": settings.service_kind,
            "review_period_days": settings.review_period_days,
            "holding_rate_per_year": settings.holding_rate_per_year,
            "order_cost": settings.order_cost,
            "refresh_days": settings.refresh_days,
            "error_window_days": settings.error_window_days,
            "seed": settings.seed,
            "model": settings.model,
        },
        "data": {
            "series": replay.n_series,
            "days": replay.n_days,
            "first_day": str(replay.dates[0]),
            "last_day": str(replay.dates[-1]),
            "demand_source": replay.demand_source,
            "censored_demand_days": replay.censored_demand_days,
            "skipped_products": replay.skipped,
        },
        "forecast": dict(forecast or {}),
        "policies": policies,
        "dates": [str(d) for d in replay.dates],
    }


# -- helpers -------------------------------------------------------------------------------


def _fail(name: str, value: Any, message: str) -> NoReturn:
    shown = value if isinstance(value, str | int | float) or value is None else repr(value)
    raise SimulationInputError({"field": name, "value": shown, "message": f"{name} {message}"})


def _finite(value: float) -> float | None:
    return None if value is None or not math.isfinite(value) else float(value)


__all__ = [
    "CLI_POLICIES",
    "POLICIES",
    "DemandTruth",
    "ForecastTrack",
    "Plan",
    "Replay",
    "SimulationInputError",
    "SimulationOutcome",
    "SimulationResult",
    "SimulationSettings",
    "Tuned",
    "build_forecast_track",
    "draw_lead_times",
    "load_replay",
    "plan_forecast",
    "plan_oracle",
    "plan_static",
    "simulate",
    "simulate_command",
    "simulation_payload",
    "synthetic_truth",
    "tune_policy",
    "tune_to_fill_rate",
    "with_true_demand",
]
