"""Benchmark: ShelfOps ``auto`` against open forecasting libraries, in one run.

Usage::

    .venv/bin/python -m bench.forecast                       # 10,000 series × 730 days
    .venv/bin/python -m bench.forecast --stores 10 --products 100   # quick run
    .venv/bin/python -m bench.forecast --scale               # 30,490 × 1,941, ShelfOps only
    .venv/bin/python -m bench.forecast --skip ets            # leave out slow peers

It generates a data set with ``shelfops generate`` (or reads ``--data-dir``), holds out
the last ``--horizon`` days, and runs each method in its own process (so that each
method's peak memory is its own): ShelfOps ``auto``; mlforecast + LightGBM (lags 7/14/28,
rolling means, date features, promo as a covariate); statsforecast AutoETS,
CrostonOptimized and SeasonalNaive. Every method sees the same dense history (missing
days are zero sales) and is scored by the same code (``shelfops.forecasting.metrics``)
on the same held-out cells: days the item was in stock, because a stock-out day's sales
understate demand. ``wape_all`` also scores stock-out days, for transparency.

Prints one table (WAPE, MASE, pinball loss, 80% interval coverage, fit and predict
seconds, peak memory) and ShelfOps' ratios to each peer. Not part of the test suite.
"""

from __future__ import annotations

import argparse
import multiprocessing as mp
import resource
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

FloatMatrix = npt.NDArray[np.float64]
LEVELS = (0.1, 0.5, 0.9)


@dataclass
class MethodResult:
    """One method's forecasts and costs."""

    name: str
    mean: FloatMatrix
    quantiles: dict[float, FloatMatrix] = field(default_factory=dict)
    fit_s: float = 0.0
    predict_s: float = 0.0
    peak_mib: float = 0.0
    note: str = ""


# -- data --------------------------------------------------------------------------------


def prepare(data_dir: Path, horizon: int, cache: Path) -> None:
    """Read and gate the canonical sales once; cache the panel as arrays for every method."""
    from shelfops.runs.inputs import load_panel as read_validated

    panel = read_validated(data_dir / "sales.csv").panel
    arrays: dict[str, Any] = {
        "ids": panel.ids,
        "y": panel.y,
        "censored": panel.censored,
        "first_date": panel.dates[0],
        "horizon": horizon,
        **{f"cov_{k}": v for k, v in panel.covariates.items()},
        **{f"static_{k}": v for k, v in panel.statics.items()},
    }
    np.savez(cache, **arrays)


def load_panel(cache: Path) -> tuple[Any, int]:
    """The cached full panel and the horizon."""
    from shelfops.forecasting.frequency import Freq, grid_for
    from shelfops.forecasting.panel import Panel

    data = np.load(cache, allow_pickle=False)
    first = np.array([data["first_date"]], dtype="datetime64[D]")
    panel = Panel(
        ids=data["ids"],
        grid=grid_for(first, Freq.DAY),
        y=data["y"],
        censored=data["censored"],
        covariates={k[4:]: data[k] for k in data.files if k.startswith("cov_")},
        statics={k[7:]: data[k] for k in data.files if k.startswith("static_")},
    )
    return panel, int(data["horizon"])


def long_frame(panel: Any, periods: int) -> Any:
    """The first ``periods`` columns as a pandas long frame (unique_id, ds, y, promo)."""
    import pandas as pd

    y = panel.y[:, :periods]
    rows, cols = np.nonzero(~np.isnan(y))
    dates = pd.to_datetime(panel.dates[:periods])
    frame = pd.DataFrame({"unique_id": panel.ids[rows], "ds": dates[cols], "y": y[rows, cols]})
    if "promo_flag" in panel.covariates:
        frame["promo_flag"] = panel.covariates["promo_flag"][rows, cols]
    return frame


def to_matrix(panel: Any, forecast: Any, column: str, start: int, horizon: int) -> FloatMatrix:
    """A long forecast frame's ``column`` as a (series, horizon) matrix (missing = 0)."""
    import pandas as pd

    dates = pd.to_datetime(panel.grid.dates(start, horizon))
    index = pd.MultiIndex.from_product([panel.ids, dates], names=["unique_id", "ds"])
    values = forecast.set_index(["unique_id", "ds"])[column].reindex(index).to_numpy()
    matrix = np.nan_to_num(np.clip(values.reshape(len(panel.ids), horizon), 0, None))
    return np.asarray(matrix, dtype=np.float64)


# -- methods -----------------------------------------------------------------------------


def run_shelfops(panel: Any, horizon: int) -> MethodResult:
    """ShelfOps ``auto``: validation window, per-segment choice, conformal quantiles."""
    # The libraries ShelfOps loads lazily (LightGBM with scikit-learn, Pandera with
    # pandas, the holiday calendars) are imported before the clock starts, as the peers'
    # runs import lightgbm, mlforecast and statsforecast before theirs: about 3 s of
    # imports is not forecasting time for either side.
    import holidays  # noqa: F401
    import lightgbm  # noqa: F401
    import pandera.polars  # noqa: F401

    from shelfops.forecasting.pipeline import ForecastPipeline, PipelineConfig

    history = panel.truncate(panel.n_periods - horizon)
    started = time.perf_counter()
    pipeline = ForecastPipeline(PipelineConfig(model="auto", quantiles=LEVELS))
    pipeline.fit(history, horizon)
    fitted = time.perf_counter()
    forecast = pipeline.predict()
    done = time.perf_counter()
    chosen = "; ".join(f"{g}: {c['model']}" for g, c in pipeline.summary()["choice"].items())
    return MethodResult(
        "shelfops auto",
        forecast.mean,
        forecast.quantiles,
        fitted - started,
        done - fitted,
        note=chosen,
    )


def _mlforecast(panel: Any, horizon: int, intervals: bool) -> MethodResult:
    import lightgbm as lgb
    import pandas as pd
    from mlforecast import MLForecast
    from mlforecast.lag_transforms import RollingMean
    from mlforecast.utils import PredictionIntervals

    cut = panel.n_periods - horizon
    train = long_frame(panel, cut)
    started = time.perf_counter()
    model = MLForecast(
        models={"lgbm": lgb.LGBMRegressor(verbosity=-1, n_jobs=2)},
        freq="D",
        lags=[7, 14, 28],
        lag_transforms={1: [RollingMean(7), RollingMean(28)], 7: [RollingMean(7), RollingMean(28)]},
        date_features=["dayofweek", "month", "day", "dayofyear"],
    )
    model.fit(
        train,
        static_features=[],
        prediction_intervals=PredictionIntervals(n_windows=2, h=horizon) if intervals else None,
    )
    fitted = time.perf_counter()
    future_dates = pd.to_datetime(panel.grid.dates(cut, horizon))
    future = pd.DataFrame(
        {
            "unique_id": np.repeat(panel.ids, horizon),
            "ds": np.tile(future_dates, len(panel.ids)),
            "promo_flag": panel.covariates["promo_flag"][:, cut : cut + horizon].reshape(-1),
        }
    )
    predicted = model.predict(horizon, X_df=future, level=[80] if intervals else None)
    done = time.perf_counter()
    mean = to_matrix(panel, predicted, "lgbm", cut, horizon)
    quantiles: dict[float, FloatMatrix] = {}
    name = "mlforecast lightgbm"
    if intervals:
        name += " + intervals"
        quantiles = {
            0.1: to_matrix(panel, predicted, "lgbm-lo-80", cut, horizon),
            0.5: mean,
            0.9: to_matrix(panel, predicted, "lgbm-hi-80", cut, horizon),
        }
    return MethodResult(name, mean, quantiles, fitted - started, done - fitted)


def run_mlforecast(panel: Any, horizon: int) -> MethodResult:
    """mlforecast + LightGBM with the usual retail features and promo as a covariate."""
    return _mlforecast(panel, horizon, intervals=False)


def run_mlforecast_intervals(panel: Any, horizon: int) -> MethodResult:
    """The same, with mlforecast's conformal 80% intervals (two windows, its minimum)."""
    return _mlforecast(panel, horizon, intervals=True)


def _statsforecast(panel: Any, horizon: int, name: str, model: Any, level: bool) -> MethodResult:
    from statsforecast import StatsForecast

    cut = panel.n_periods - horizon
    train = long_frame(panel, cut)[["unique_id", "ds", "y"]]
    started = time.perf_counter()
    engine = StatsForecast(models=[model], freq="D", n_jobs=2)
    engine.fit(train)
    fitted = time.perf_counter()
    predicted = engine.predict(h=horizon, level=[80] if level else None)
    done = time.perf_counter()
    column = str(model)
    mean = to_matrix(panel, predicted, column, cut, horizon)
    quantiles: dict[float, FloatMatrix] = {}
    if level:
        quantiles = {
            0.1: to_matrix(panel, predicted, f"{column}-lo-80", cut, horizon),
            0.5: mean,
            0.9: to_matrix(panel, predicted, f"{column}-hi-80", cut, horizon),
        }
    return MethodResult(name, mean, quantiles, fitted - started, done - fitted)


def run_ets(panel: Any, horizon: int) -> MethodResult:
    """statsforecast AutoETS (weekly season)."""
    from statsforecast.models import AutoETS

    return _statsforecast(panel, horizon, "statsforecast AutoETS", AutoETS(season_length=7), True)


def run_croston(panel: Any, horizon: int) -> MethodResult:
    """statsforecast CrostonOptimized."""
    from statsforecast.models import CrostonOptimized

    return _statsforecast(
        panel, horizon, "statsforecast CrostonOptimized", CrostonOptimized(), False
    )


def run_seasonal_naive(panel: Any, horizon: int) -> MethodResult:
    """statsforecast SeasonalNaive (last week repeated)."""
    from statsforecast.models import SeasonalNaive

    return _statsforecast(
        panel, horizon, "statsforecast SeasonalNaive", SeasonalNaive(season_length=7), True
    )


METHODS: dict[str, Callable[[Any, int], MethodResult]] = {
    "shelfops": run_shelfops,
    "mlforecast": run_mlforecast,
    "mlforecast_intervals": run_mlforecast_intervals,
    "ets": run_ets,
    "croston": run_croston,
    "snaive": run_seasonal_naive,
}


def peak_mib() -> float:
    """This process's peak resident memory (VmHWM).

    ``ru_maxrss`` would be wrong here: Linux carries it across ``execve``, so a spawned
    child would report its parent's peak. VmHWM belongs to the process's own memory map.
    """
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _child(method: str, cache: Path, queue: Any) -> None:
    panel, horizon = load_panel(cache)
    baseline = peak_mib()
    result = METHODS[method](panel, horizon)
    result.peak_mib = peak_mib()
    result.note = (result.note + f" (data alone {baseline:.0f} MiB)").strip()
    queue.put(result)


def run_method(method: str, cache: Path) -> MethodResult:
    """Run one method in a fresh process and collect its result."""
    context = mp.get_context("spawn")
    queue = context.Queue()
    process = context.Process(target=_child, args=(method, cache, queue))
    process.start()
    while True:
        try:
            result: MethodResult = queue.get(timeout=5)
            break
        except Exception:  # queue.Empty: check the child is still alive
            if not process.is_alive():
                raise RuntimeError(f"{method} failed (exit code {process.exitcode})") from None
    process.join()
    return result


# -- scoring -----------------------------------------------------------------------------


def score(panel: Any, horizon: int, result: MethodResult) -> dict[str, float]:
    """Metrics on the held-out days (in-stock days; ``wape_all`` counts every day)."""
    from shelfops.forecasting.metrics import EvaluationSet, mase_scale, pooled_metrics

    cut = panel.n_periods - horizon
    demand = panel.demand()
    actual = demand[:, cut:]
    observed = panel.y[:, cut:]
    scale = mase_scale(demand[:, :cut], 7)
    metrics = pooled_metrics(
        EvaluationSet(actual=actual, forecast=result.mean, quantiles=result.quantiles, scale=scale)
    )
    mask = ~np.isnan(observed)
    metrics["wape_all"] = float(
        np.abs(result.mean - observed)[mask].sum() / np.abs(observed[mask]).sum()
    )
    return metrics


def print_table(rows: list[tuple[MethodResult, dict[str, float]]]) -> None:
    """The results table and ShelfOps' ratios to each peer."""
    header = (
        f"{'method':<32}{'WAPE':>8}{'WAPE all':>10}{'MASE':>8}{'pinball':>9}{'cover80':>9}"
        f"{'fit s':>9}{'pred s':>8}{'peak MiB':>10}"
    )
    print(header)
    for result, m in rows:
        pinball = f"{m['pinball']:.4f}" if "pinball" in m else "n/a"
        coverage = f"{m['coverage']:.3f}" if "coverage" in m else "n/a"
        print(
            f"{result.name:<32}{m['wape']:>8.4f}{m['wape_all']:>10.4f}{m['mase']:>8.4f}"
            f"{pinball:>9}{coverage:>9}{result.fit_s:>9.1f}{result.predict_s:>8.1f}"
            f"{result.peak_mib:>10.0f}"
        )
    ours = next((r for r in rows if r[0].name == "shelfops auto"), None)
    if ours is None:
        return
    print()
    ours_wall = ours[0].fit_s + ours[0].predict_s
    for result, m in rows:
        if result is ours[0]:
            continue
        wall = result.fit_s + result.predict_s
        memory = ours[0].peak_mib / result.peak_mib
        print(
            f"ShelfOps vs {result.name}: WAPE {ours[1]['wape'] / m['wape']:.3f}x "
            f"({100 * (1 - ours[1]['wape'] / m['wape']):+.1f}% lower), "
            f"wall time {ours_wall / wall:.2f}x, peak memory {memory:.2f}x"
        )
    for result, _ in rows:
        if result.note:
            print(f"  {result.name}: {result.note}")


def main() -> None:
    """Parse arguments, generate or read data, run every method, print the table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--stores", type=int, default=100)
    parser.add_argument("--products", type=int, default=100)
    parser.add_argument("--days", type=int, default=730)
    parser.add_argument("--horizon", type=int, default=28)
    parser.add_argument("--seed", type=int, default=11)
    parser.add_argument("--data-dir", type=Path)
    parser.add_argument(
        "--skip",
        default="",
        help="comma-separated: " + ",".join(m for m in METHODS if m != "shelfops"),
    )
    parser.add_argument(
        "--scale",
        action="store_true",
        help="30,490 series × 1,941 days (10 stores × 3,049 products), ShelfOps only",
    )
    args = parser.parse_args()
    if args.scale:
        args.stores, args.products, args.days = 10, 3049, 1941
        args.skip = "mlforecast,mlforecast_intervals,ets,croston,snaive"
    skip = {s.strip() for s in args.skip.split(",") if s.strip()}
    with tempfile.TemporaryDirectory(prefix="shelfops-bench-") as tmp:
        data_dir = args.data_dir
        if data_dir is None:
            data_dir = Path(tmp) / "data"
            started = time.perf_counter()
            subprocess.run(
                [
                    sys.executable,
                    "-m",
                    "shelfops",
                    "generate",
                    "--out",
                    str(data_dir),
                    "--stores",
                    str(args.stores),
                    "--products",
                    str(args.products),
                    "--days",
                    str(args.days),
                    "--seed",
                    str(args.seed),
                ],
                check=True,
                capture_output=True,
            )
            print(
                f"generated {args.stores * args.products:,} series × {args.days} days "
                f"in {time.perf_counter() - started:.0f}s"
            )
        cache = Path(tmp) / "panel.npz"
        started = time.perf_counter()
        prepare(data_dir, args.horizon, cache)
        panel, horizon = load_panel(cache)
        peak = peak_mib()
        print(
            f"read, validated and built {panel.n_series:,} series × {panel.n_periods} days "
            f"in {time.perf_counter() - started:.0f}s (peak {peak:,.0f} MiB); "
            f"holding out the last {horizon}\n"
        )
        rows = []
        for method in METHODS:
            if method in skip:
                continue
            started = time.perf_counter()
            result = run_method(method, cache)
            print(f"  {result.name}: done in {time.perf_counter() - started:.0f}s", flush=True)
            rows.append((result, score(panel, horizon, result)))
        print()
        print_table(rows)


if __name__ == "__main__":
    main()
