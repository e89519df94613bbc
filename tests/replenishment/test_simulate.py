"""The replay, its metrics (worked by hand), tuning, the synthetic truth and bad input."""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import polars as pl
import pytest

from shelfops.replenishment.simulate import (
    Plan,
    Replay,
    SimulationInputError,
    SimulationResult,
    SimulationSettings,
    build_forecast_track,
    load_replay,
    plan_forecast,
    plan_oracle,
    plan_static,
    simulate,
    simulate_command,
    synthetic_truth,
    tune_policy,
    tune_to_fill_rate,
    with_true_demand,
)
from shelfops.synthetic import GenerationConfig, generate_dataset

SETTINGS = SimulationSettings(order_cost=2.0, holding_rate_per_year=0.25)
TINY = GenerationConfig(stores=2, products=8, days=200, seed=3)


def one_series_replay(
    demand: list[float],
    *,
    active: list[bool] | None = None,
    lead: int = 2,
    pack: float = 1.0,
    moq: float = 0.0,
) -> Replay:
    days = len(demand)
    on_sale = np.array([active or [True] * days])
    return Replay(
        ids=np.array(["S1|P1"]),
        dates=np.arange(np.datetime64("2025-01-01"), np.datetime64("2025-01-01") + days),
        start=0,
        demand=np.array([demand], dtype=np.float64),
        active=on_sale,
        price=np.full((1, days), 10.0),
        unit_cost=np.array([4.0]),
        pack_size=np.array([pack]),
        min_order_qty=np.array([moq]),
        lead_time_mean=np.array([float(lead)]),
        lead_time_std=np.array([0.0]),
        lead_days=np.full((1, days), lead, dtype=np.int64),
        recorded=np.array([demand], dtype=np.float64),
        recorded_active=on_sale,
        censored=np.zeros((1, days), dtype=bool),
    )


def fixed_plan(days: int, *, reorder: float, average: float) -> Plan:
    """A static plan with a constant reorder point (at m = 0) and S = ROP + 1 day."""
    shape = (days, 1)
    return Plan(
        policy="static",
        service_kind="fill_rate",
        eoq=np.zeros(shape),
        mu_l=np.full(shape, reorder),
        mu_p=np.full(shape, reorder + average),
        average=np.full(shape, average),
    )


def test_hand_worked_replay() -> None:
    replay = one_series_replay([3, 4, 5, 2, 6])
    # ROP = 4, S = 4 + 2 = 6, lead time 2 days, pack 1, no MOQ, no EOQ.
    result = simulate(replay, fixed_plan(5, reorder=4.0, average=2.0), 0.0, SETTINGS)
    m = result.metrics
    # day 0: start at S = 6; sell 3 → 3; IP 3 ≤ 4 → order 3 (arrives day 2)
    # day 1: sell 3 of 4 (lost 1) → 0; IP 0 + 3 ≤ 4 → order 3 (arrives day 3)
    # day 2: +3 (closes cycle 1, which had a stock-out); sell 3 of 5 (lost 2) → 0; order 3
    # day 3: +3 (closes cycle 2, stock-out); sell 2 → 1; IP 1 + 3 = 4 ≤ 4 → order 2
    # day 4: +3 (closes cycle 3, no stock-out); sell 4 of 6 (lost 2) → 0; IP 0 + 2 → order 4
    assert result.daily["on_hand"].tolist() == [3, 0, 0, 1, 0]
    assert m["demand_units"] == 20
    assert m["sold_units"] == 15
    assert m["lost_units"] == 5
    assert m["fill_rate"] == pytest.approx(15 / 20)
    assert (m["cycles"], m["cycles_with_stockout"]) == (3, 2)
    assert m["cycle_service_level"] == pytest.approx(1 / 3)
    assert m["stockout_days"] == 3  # days 1, 2 and 4
    assert m["orders_placed"] == 5
    assert m["units_ordered"] == 3 + 3 + 3 + 2 + 4
    assert m["units_received"] == 9
    assert m["avg_on_hand_units"] == pytest.approx(4 / 5)  # (3 + 0 + 0 + 1 + 0) / 5 days
    assert m["avg_on_hand_value"] == pytest.approx(4 * 4 / 5)  # unit cost 4
    # 4 unit-days × 4 cost × 0.25 / 365
    assert m["holding_cost"] == pytest.approx(4 * 4 * 0.25 / 365)
    assert m["lost_sales_cost"] == pytest.approx(5 * (10 - 4))  # lost units × margin
    assert m["ordering_cost"] == pytest.approx(5 * 2.0)
    assert m["total_cost"] == pytest.approx(m["holding_cost"] + 30 + 10)


def test_launch_mid_replay_pack_and_moq_rounding() -> None:
    replay = one_series_replay(
        [9, 1, 1, 1, 1], active=[False, True, True, True, True], lead=1, pack=6.0, moq=10.0
    )
    # ROP 2, S 3. Day 0 not on sale: its demand of 9 does not count, no order.
    # Day 1 (first day on sale): start at S = 3 → one pack of 6; sell 1 → 5; no order.
    # Days 2-3: 4, 3. Day 4: 2 ≤ ROP → max(S − IP = 1, MOQ 10) = 10 → 2 packs = 12.
    result = simulate(replay, fixed_plan(5, reorder=2.0, average=1.0), 0.0, SETTINGS)
    m = result.metrics
    assert result.daily["on_hand"].tolist() == [0, 5, 4, 3, 2]
    assert m["demand_units"] == 4
    assert m["fill_rate"] == 1.0
    assert (m["orders_placed"], m["units_ordered"]) == (1, 12)
    assert m["active_series_days"] == 4
    assert math.isnan(m["cycle_service_level"])  # no receipt closed a cycle


def test_more_safety_days_serve_more_and_hold_more() -> None:
    rng = np.random.default_rng(1)
    replay = one_series_replay(rng.poisson(5.0, size=120).astype(float).tolist(), lead=3)
    plan = fixed_plan(120, reorder=15.0, average=5.0)
    lean, rich = simulate(replay, plan, 0.0, SETTINGS), simulate(replay, plan, 3.0, SETTINGS)
    assert rich.metrics["fill_rate"] > lean.metrics["fill_rate"]
    assert rich.metrics["avg_on_hand_units"] > lean.metrics["avg_on_hand_units"]


def test_static_rule_averages_the_trailing_window_of_days_on_sale() -> None:
    # Window 2, day 2 not on sale: each review day averages itself and the day before,
    # over the days on sale only.
    replay = one_series_replay([3, 4, 0, 2, 6], active=[True, True, False, True, True])
    short = plan_static(replay, SimulationSettings(static_window_days=2)).average
    assert short is not None
    assert short[:, 0].tolist() == [3.0, 3.5, 4.0, 2.0, 4.0]
    # A window longer than the history averages everything seen so far.
    long = plan_static(replay, SimulationSettings(static_window_days=28)).average
    assert long is not None
    assert long[:, 0].tolist() == [3.0, 3.5, 3.5, 3.0, 3.75]


def test_tune_to_fill_rate_bisects_to_the_target() -> None:
    calls: list[float] = []

    def evaluate(knob: float) -> SimulationResult:
        calls.append(knob)
        # A made-up monotone response: fill rate 1 − 0.5 · e^(−knob)
        rate = 1.0 - 0.5 * math.exp(-knob)
        return SimulationResult("static", knob, "safety_days", {"fill_rate": rate}, {})

    tuned = tune_to_fill_rate(evaluate, target=0.95, low=0.0, high=10.0, tolerance=1e-4)
    assert tuned.reached
    assert tuned.result.metrics["fill_rate"] == pytest.approx(0.95, abs=1e-4)
    assert tuned.knob == pytest.approx(math.log(10.0), abs=1e-2)  # 0.5 e^−k = 0.05
    unreachable = tune_to_fill_rate(evaluate, target=0.999, low=0.0, high=2.0)
    assert not unreachable.reached
    assert unreachable.knob == 2.0


def test_a_replay_without_demand_is_not_tuned() -> None:
    # The fill rate is undefined at every knob: the search used to walk NaNs to the far
    # end of the range (60 days of safety stock) and call that reached.
    calls: list[float] = []

    def evaluate(knob: float) -> SimulationResult:
        calls.append(knob)
        return SimulationResult("static", knob, "safety_days", {"fill_rate": math.nan}, {})

    tuned = tune_to_fill_rate(evaluate, target=0.95, low=0.0, high=60.0)
    assert (tuned.knob, tuned.reached, calls) == (0.0, False, [0.0])


@pytest.fixture(scope="module")
def tiny_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    directory = tmp_path_factory.mktemp("tiny")
    generate_dataset(TINY, directory)
    return directory


def test_synthetic_truth_explains_the_generated_sales(tiny_dir: Path) -> None:
    replay, _ = load_replay(tiny_dir, days=30, settings=SETTINGS)
    truth = synthetic_truth(TINY)
    rows = np.searchsorted(truth.ids, replay.ids)
    demand = truth.demand[rows]
    on_sale, in_stock = replay.recorded_active, replay.recorded_active & ~replay.censored
    assert (replay.recorded[on_sale] <= demand[on_sale]).all()
    assert (replay.recorded[in_stock] == demand[in_stock]).all()
    # Stock-out days lose real demand: the truth sees more than the sales there.
    assert (
        demand[on_sale & replay.censored].sum() > replay.recorded[on_sale & replay.censored].sum()
    )
    true_replay = with_true_demand(replay, truth)
    assert true_replay.demand.sum() >= replay.demand.sum()
    assert true_replay.demand_source.startswith("true demand")


def test_static_and_oracle_reach_the_target_and_the_oracle_plans_from_the_truth(
    tiny_dir: Path,
) -> None:
    settings = SimulationSettings(order_cost=1.0)
    replay, _ = load_replay(tiny_dir, days=60, settings=settings)
    truth = synthetic_truth(TINY)
    replay = with_true_demand(replay, truth)
    oracle = plan_oracle(replay, truth, settings)
    # Lead-time demand mean of series 0 on day 0 = Σ λ over the next L days (pro-rated).
    row = int(np.searchsorted(truth.ids, replay.ids[0]))
    lam = truth.expected[row, replay.start + 1 :]
    lead = replay.lead_time_mean[0]
    whole = int(lead)
    expected = lam[:whole].sum() + (lead - whole) * lam[whole]
    assert oracle.mu_l[0, 0] == pytest.approx(expected)
    for plan in (plan_static(replay, settings), oracle):
        tuned = tune_policy(replay, plan, settings, target=0.97, metric="fill_rate")
        assert tuned.reached
        assert tuned.result.metrics["fill_rate"] == pytest.approx(0.97, abs=0.01)


def test_forecast_policy_uses_measured_errors(tiny_dir: Path) -> None:
    settings = SimulationSettings(model="moving_average", order_cost=1.0)
    replay, panel = load_replay(tiny_dir, days=30, settings=settings)
    track = build_forecast_track(panel, replay, settings)
    # Refreshes every 7 days from 56 days before the replay to its end.
    assert track.issue[0] == replay.start - 56
    assert np.all(np.diff(track.issue) == 7)
    plan = plan_forecast(replay, track, settings)
    assert plan.notes["error_source_share"].get("measured", 0) > 0.5
    low = simulate(replay, plan, 0.6, settings)
    high = simulate(replay, plan, 0.99, settings)
    assert high.metrics["avg_on_hand_units"] > low.metrics["avg_on_hand_units"]
    assert high.metrics["fill_rate"] >= low.metrics["fill_rate"]


def test_simulate_command_writes_the_report(tiny_dir: Path, tmp_path: Path) -> None:
    outcome = simulate_command(
        tiny_dir,
        policy="static",
        service_level=0.97,
        report_dir=tmp_path / "r",
        days=40,
        order_cost=0.1,  # small lots: a fill rate of 97% needs some safety stock
    )
    names = {f.name for f in outcome.files}
    assert {"simulation.json", "simulation.md", "simulation.html"} <= names
    payload = json.loads((tmp_path / "r" / "simulation.json").read_text())
    static = payload["policies"]["static"]
    # The fixed safety stock was sized to reach the target fill rate.
    assert static["metrics"]["fill_rate"] == pytest.approx(0.97, abs=0.01)
    assert static["tuning"]["reached"]
    assert static["safety_days"] > 0
    assert payload["data"]["days"] == 40
    assert payload["data"]["demand_source"] == "recorded sales"
    assert len(static["daily"]["on_hand"]) == 40
    table = (tmp_path / "r" / "simulation.md").read_text()
    assert "| static |" in table
    assert "Replenishment simulation" in (tmp_path / "r" / "simulation.html").read_text()
    given = simulate_command(
        tiny_dir,
        policy="static",
        service_level=0.9,
        report_dir=tmp_path / "g",
        days=40,
        safety_days=5.0,
    )
    assert given.result.knob == 5.0


def copy_data(source: Path, target: Path) -> Path:
    target.mkdir()
    for name in ("sales.csv", "products.csv", "suppliers.csv"):
        (target / name).write_bytes((source / name).read_bytes())
    return target


def test_products_without_supplier_or_lead_time_are_left_out_and_reported(
    tiny_dir: Path, tmp_path: Path
) -> None:
    data = copy_data(tiny_dir, tmp_path / "d")
    products = pl.read_csv(data / "products.csv", infer_schema=False)
    first, second = products["product_code"][0], products["product_code"][1]
    products = products.with_columns(
        pl.when(pl.col("product_code") == first)
        .then(pl.lit(None))
        .otherwise(pl.col("supplier_code"))
        .alias("supplier_code")
    )
    products.write_csv(data / "products.csv")
    suppliers = pl.read_csv(data / "suppliers.csv", infer_schema=False)
    orphan_supplier = products.filter(pl.col("product_code") == second)["supplier_code"][0]
    suppliers.with_columns(
        pl.when(pl.col("supplier_code") == orphan_supplier)
        .then(pl.lit(""))
        .otherwise(pl.col("lead_time_days"))
        .alias("lead_time_days")
    ).write_csv(data / "suppliers.csv")
    replay, _ = load_replay(data, days=20, settings=SETTINGS)
    reasons = {s["product_code"]: s["reason"] for s in replay.skipped}
    assert reasons[first] == "no supplier"
    assert reasons[second] == f"supplier {orphan_supplier} has no lead time"
    replayed_products = {i.split("|")[1] for i in replay.ids}
    assert first not in replayed_products and second not in replayed_products
    assert replayed_products  # the rest is still simulated


def test_negative_on_hand_is_an_error_naming_the_line(tiny_dir: Path, tmp_path: Path) -> None:
    data = copy_data(tiny_dir, tmp_path / "d")
    sales = pl.read_csv(data / "sales.csv", infer_schema=False)
    sales.with_columns(
        pl.when(pl.int_range(pl.len()) == 4)
        .then(pl.lit("-3"))
        .otherwise(pl.col("on_hand_close"))
        .alias("on_hand_close")
    ).write_csv(data / "sales.csv")
    with pytest.raises(SimulationInputError) as raised:
        load_replay(data, days=20, settings=SETTINGS)
    detail = raised.value.detail
    assert isinstance(detail, dict)
    assert (detail["file"], detail["line"], detail["column"]) == ("sales.csv", 6, "on_hand_close")


@pytest.mark.parametrize(
    ("file", "column", "value", "rule"),
    [
        ("products.csv", "pack_size", "0", "must be > 0"),
        ("products.csv", "unit_cost", "abc", "is not a number"),
        ("suppliers.csv", "lead_time_days", "-2", "must be ≥ 0"),
    ],
)
def test_bad_master_data_names_file_line_and_column(
    tiny_dir: Path, tmp_path: Path, file: str, column: str, value: str, rule: str
) -> None:
    data = copy_data(tiny_dir, tmp_path / "d")
    frame = pl.read_csv(data / file, infer_schema=False)
    frame.with_columns(
        pl.when(pl.int_range(pl.len()) == 1)
        .then(pl.lit(value))
        .otherwise(pl.col(column))
        .alias(column)
    ).write_csv(data / file)
    with pytest.raises(SimulationInputError) as raised:
        load_replay(data, days=20, settings=SETTINGS)
    detail = raised.value.detail
    assert isinstance(detail, dict)
    assert (detail["file"], detail["line"], detail["column"]) == (file, 3, column)
    assert rule in detail["message"]


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"service_level": 1.0}, "service_level"),
        ({"service_level": 0.0}, "service_level"),
        ({"service_level": 1.5}, "service_level"),
        ({"policy": "oracle"}, "policy"),
        ({"service_kind": "perfect"}, "service_kind"),
        ({"days": 200}, "days"),
        ({"safety_days": -1.0}, "safety_days"),
    ],
)
def test_bad_options_are_errors_naming_the_option(
    tiny_dir: Path, tmp_path: Path, kwargs: dict[str, object], field: str
) -> None:
    arguments: dict[str, object] = {
        "policy": "static",
        "service_level": 0.95,
        "report_dir": tmp_path / "r",
        "days": 20,
    } | kwargs
    with pytest.raises(SimulationInputError) as raised:
        simulate_command(tiny_dir, **arguments)  # type: ignore[arg-type]
    detail = raised.value.detail
    assert isinstance(detail, dict)
    assert detail["field"] == field
    assert raised.value.status_code == 422
    assert not (tmp_path / "r").exists()  # nothing written


def test_missing_file_and_too_short_history_are_clear_errors(
    tiny_dir: Path, tmp_path: Path
) -> None:
    data = copy_data(tiny_dir, tmp_path / "d")
    (data / "suppliers.csv").unlink()
    with pytest.raises(SimulationInputError) as raised:
        load_replay(data, days=20, settings=SETTINGS)
    assert isinstance(raised.value.detail, dict)
    assert raised.value.detail["file"] == "suppliers.csv"
    # 200 days of history, 150 replayed: 50 − 56 warm-up days leave nothing to train on.
    with pytest.raises(SimulationInputError) as short:
        simulate_command(
            tiny_dir, policy="forecast", service_level=0.95, report_dir=tmp_path / "r", days=150
        )
    assert isinstance(short.value.detail, dict)
    assert short.value.detail["field"] == "days"
    assert "train" in short.value.detail["message"]
