"""Benchmark: the forecast-driven replenishment policy against the static rule and an oracle.

Usage::

    .venv/bin/python -m bench.replenishment                      # 20 stores × 500 products
    .venv/bin/python -m bench.replenishment --stores 5 --products 100   # quick run
    .venv/bin/python -m bench.replenishment --order-cost 0.1 --report reports/replenishment

It generates ``--history-days + --sim-days`` days with ``shelfops.synthetic`` (or reads
``--data-dir``, which must have been generated with the same sizes and seed), and replays
the last ``--sim-days`` days (:mod:`shelfops.replenishment.simulate`) under three policies:

* ``static`` — reorder point = 28-day average daily sales × lead time + ``m`` days of
  average sales (what most retailers run);
* ``forecast`` — the ShelfOps policy: weekly forecasts from the ``auto`` pipeline fitted on
  the history, safety stock from the measured forecast error (fill-rate formula);
* ``oracle`` — the same policy math fed the generator's true expected demand and its
  true negative-binomial variance: the limit better forecasts could reach.

Every policy replays the generator's *true* (uncensored) demand, with the same sampled
lead times, and each is tuned — one knob each: ``m`` for static, the policy service
level for forecast and oracle — by bisection until its achieved fill rate on the
simulated year is the target (95 %). Tuning on the simulated period itself is what
"both tuned to the same target" means: each policy gets the same hindsight (one scalar),
and the comparison is then of the inventory each needs for the same service.

Prints one table (achieved fill rate, cycle service level, average inventory in units and
value, stock-out days, orders, holding / lost-sales / ordering cost, wall time) and the
ratios forecast ÷ static and forecast ÷ oracle. Not part of the test suite.

``--lead-time-std-scale`` is a what-if (0.25 = suppliers four times as reliable) that shows
how much of the inventory is there for lead-time variability, which the static rule's
days of cover handles as well as any forecast.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from dataclasses import replace
from pathlib import Path
from typing import Any

import numpy as np

from shelfops.replenishment.simulate import (
    Plan,
    Replay,
    SimulationResult,
    SimulationSettings,
    Tuned,
    build_forecast_track,
    draw_lead_times,
    load_replay,
    plan_forecast,
    plan_oracle,
    plan_static,
    simulation_payload,
    synthetic_truth,
    tune_policy,
    with_true_demand,
)
from shelfops.synthetic import GenerationConfig, generate_dataset

#: (metric, header, width, format) of the printed table.
COLUMNS: tuple[tuple[str, str, int, str], ...] = (
    ("fill_rate", "fill rate", 9, "{:.2%}"),
    ("cycle_service_level", "CSL", 7, "{:.1%}"),
    ("avg_on_hand_units", "avg units", 10, "{:,.0f}"),
    ("avg_on_hand_value", "avg value", 10, "{:,.0f}"),
    ("stockout_days", "stock-out d", 11, "{:,.0f}"),
    ("orders_placed", "orders", 8, "{:,.0f}"),
    ("holding_cost", "holding", 9, "{:,.0f}"),
    ("lost_sales_cost", "lost sales", 10, "{:,.0f}"),
    ("ordering_cost", "ordering", 9, "{:,.0f}"),
    ("total_cost", "total", 9, "{:,.0f}"),
)


def _whole_days(text: str) -> int:
    """argparse type: a whole number of days, at least 1."""
    error = argparse.ArgumentTypeError(f"expected a whole number of days ≥ 1, got {text!r}")
    try:
        days = int(text)
    except ValueError:
        raise error from None
    if days < 1:
        raise error
    return days


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--stores", type=int, default=20)
    parser.add_argument("--products", type=int, default=500)
    parser.add_argument("--history-days", type=int, default=365)
    parser.add_argument("--sim-days", type=int, default=365)
    parser.add_argument("--seed", type=int, default=11)
    parser.add_argument("--target", type=float, default=0.95, help="fill rate to tune to")
    parser.add_argument("--order-cost", type=float, default=1.0, help="cost per order line")
    parser.add_argument("--holding-rate", type=float, default=0.25, help="per year")
    parser.add_argument("--model", default="auto", help="forecasting model of the pipeline")
    parser.add_argument(
        "--lead-time-std-scale",
        type=float,
        default=1.0,
        help="what-if: scale every supplier's lead-time std (policies and sampled lead times)",
    )
    parser.add_argument(
        "--static-window",
        type=_whole_days,
        default=SimulationSettings().static_window_days,
        help="what-if: days of sales the static rule averages",
    )
    parser.add_argument("--data-dir", type=Path, default=None, help="reuse generated files")
    parser.add_argument("--report", type=Path, default=None, help="write the report here")
    return parser.parse_args()


def check_truth(replay: Replay, truth: Any) -> str:
    """The re-derived demand must explain the written sales (else the oracle is wrong)."""
    rows = np.searchsorted(truth.ids, replay.ids)
    width = replay.recorded.shape[1]
    demand = truth.demand[rows, :width]
    sold = replay.recorded
    on_sale = replay.recorded_active
    in_stock = on_sale & ~replay.censored
    if (
        not (sold[on_sale] <= demand[on_sale]).all()
        or not (sold[in_stock] == demand[in_stock]).all()
    ):
        raise SystemExit("the re-derived demand does not match the generated sales")
    censored = int((on_sale & replay.censored).sum())
    return f"true demand re-derived: matches sales on every in-stock day ({censored:,} censored)"


def show_progress(message: str) -> None:
    """Print the pipeline fit and every tenth forecast refresh."""
    if "refresh" not in message or message.split()[-1].split("/")[0].endswith("0"):
        print(f"    {message}", flush=True)


def tune(
    name: str, replay: Replay, plan: Plan, settings: SimulationSettings, target: float
) -> Tuned:
    started = time.perf_counter()
    tuned = tune_policy(replay, plan, settings, target=target, metric="fill_rate")
    print(
        f"  {name}: {tuned.result.knob_name} {tuned.knob:.4g} after {tuned.steps} replays "
        f"({time.perf_counter() - started:.0f}s)",
        flush=True,
    )
    return tuned


def print_table(results: dict[str, SimulationResult], seconds: dict[str, float]) -> None:
    header = f"{'policy':<9}{'knob':>18}" + "".join(f"{h:>{w + 2}}" for _, h, w, _ in COLUMNS)
    print(header + f"{'wall s':>9}")
    for name, result in results.items():
        knob = f"{'m' if name == 'static' else 'β'}={result.knob:.4g}"
        cells = "".join(f"{fmt.format(result.metrics[key]):>{w + 2}}" for key, _, w, fmt in COLUMNS)
        print(f"{name:<9}{knob:>18}{cells}{seconds[name]:>9.0f}")


def change(value: float, reference: float) -> str:
    """``12.3% less`` or ``4.5% more``."""
    ratio = value / reference
    return f"{abs(1 - ratio):.1%} {'less' if ratio < 1 else 'more'}"


def ratios(results: dict[str, SimulationResult], target: float) -> list[str]:
    forecast = results["forecast"].metrics
    static = results["static"].metrics
    oracle = results["oracle"].metrics
    lines = []
    for key, label in (("avg_on_hand_units", "units"), ("avg_on_hand_value", "value")):
        lines.append(
            f"forecast vs static inventory ({label}): {forecast[key] / static[key]:.3f}x "
            f"({change(forecast[key], static[key])})"
        )
    for key, label in (("avg_on_hand_units", "units"), ("avg_on_hand_value", "value")):
        lines.append(
            f"forecast vs oracle inventory ({label}): {forecast[key] / oracle[key]:.3f}x; "
            f"static vs oracle: {static[key] / oracle[key]:.3f}x"
        )
    lines.append(
        f"forecast vs static total cost: {forecast['total_cost'] / static['total_cost']:.3f}x"
    )
    gap = abs(forecast["fill_rate"] - target)
    reduction = 1 - forecast["avg_on_hand_units"] / static["avg_on_hand_units"]
    lines.append(
        f"target: fill rate within 1 point of {target:.0%}: "
        f"{'met' if gap <= 0.01 else 'MISSED'} ({forecast['fill_rate']:.2%}); "
        f"≥20% less average inventory than static: "
        f"{'met' if reduction >= 0.20 else 'MISSED'} "
        f"({change(forecast['avg_on_hand_units'], static['avg_on_hand_units'])}, in units)"
    )
    return lines


def main() -> None:
    args = parse_args()
    days = args.history_days + args.sim_days
    config = GenerationConfig(stores=args.stores, products=args.products, days=days, seed=args.seed)
    settings = SimulationSettings(
        service_level=args.target,
        service_kind="fill_rate",
        order_cost=args.order_cost,
        holding_rate_per_year=args.holding_rate,
        model=args.model,
        seed=args.seed,
        static_window_days=args.static_window,
    )
    with tempfile.TemporaryDirectory() as tmp:
        data_dir = args.data_dir or Path(tmp) / "data"
        if args.data_dir is None:
            started = time.perf_counter()
            generate_dataset(config, data_dir)
            print(
                f"generated {args.stores * args.products:,} series × {days} days "
                f"in {time.perf_counter() - started:.0f}s"
            )
        started = time.perf_counter()
        replay, panel = load_replay(data_dir, days=args.sim_days, settings=settings)
        truth = synthetic_truth(config)
        print(check_truth(replay, truth))
        replay = with_true_demand(replay, truth)
        if args.lead_time_std_scale != 1.0:
            std = replay.lead_time_std * args.lead_time_std_scale
            replay = replace(
                replay,
                lead_time_std=std,
                lead_days=draw_lead_times(
                    np.random.default_rng(args.seed), replay.lead_time_mean, std, replay.n_days
                ),
            )
            print(f"what-if: lead-time std × {args.lead_time_std_scale:g}")
        print(
            f"loaded {replay.n_series:,} series; replaying {replay.n_days} days "
            f"({replay.dates[0]} to {replay.dates[-1]}) in {time.perf_counter() - started:.0f}s"
        )

    seconds: dict[str, float] = {}
    plans: dict[str, Plan] = {}
    started = time.perf_counter()
    plans["static"] = plan_static(replay, settings)
    seconds["static"] = time.perf_counter() - started
    started = time.perf_counter()
    track = build_forecast_track(panel, replay, settings, progress=show_progress)
    plans["forecast"] = plan_forecast(replay, track, settings)
    seconds["forecast"] = time.perf_counter() - started
    print(
        f"forecasts: {len(track.issue)} weekly refreshes in {track.seconds:.0f}s; "
        f"σ_d sources {plans['forecast'].notes['error_source_share']}"
    )
    for group, choice in track.summary["choice"].items():
        print(f"  {group}: {choice['model']} (validation WAPE {choice['validation_wape']:.3f})")
    started = time.perf_counter()
    plans["oracle"] = plan_oracle(replay, truth, settings)
    seconds["oracle"] = time.perf_counter() - started

    print(f"tuning every policy to a {args.target:.0%} fill rate on the simulated period")
    tuned: dict[str, Tuned] = {}
    for name in ("static", "forecast", "oracle"):
        started = time.perf_counter()
        tuned[name] = tune(name, replay, plans[name], settings, args.target)
        seconds[name] += time.perf_counter() - started
    results = {name: t.result for name, t in tuned.items()}
    print()
    print_table(results, seconds)
    print()
    for line in ratios(results, args.target):
        print(line)
    if args.report is not None:
        from shelfops.replenishment.simulate_report import write_report

        payload = simulation_payload(
            replay,
            results,
            settings,
            forecast={"selection": track.summary, "refreshes": len(track.issue)},
            tuned=tuned,
        )
        files = write_report(args.report, payload, results, replay.dates)
        print(f"report: {', '.join(str(f) for f in files)}")


if __name__ == "__main__":
    main()
