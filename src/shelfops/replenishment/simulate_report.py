"""The simulation report: ``simulation.json``, a Markdown table and one Plotly chart."""

from __future__ import annotations

import json
import math
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt
import plotly.graph_objects as go  # type: ignore[import-untyped]
from plotly.subplots import make_subplots  # type: ignore[import-untyped]

from shelfops.forecasting import charts
from shelfops.replenishment.simulate import SimulationResult

#: Columns of the Markdown table: (metric key, header, format).
TABLE_COLUMNS: tuple[tuple[str, str, str], ...] = (
    ("fill_rate", "fill rate", "{:.2%}"),
    ("cycle_service_level", "cycle service level", "{:.2%}"),
    ("avg_on_hand_units", "avg on hand (units)", "{:,.0f}"),
    ("avg_on_hand_value", "avg on hand (value)", "{:,.0f}"),
    ("stockout_days", "stock-out days", "{:,.0f}"),
    ("orders_placed", "orders", "{:,.0f}"),
    ("holding_cost", "holding cost", "{:,.0f}"),
    ("lost_sales_cost", "lost-sales cost", "{:,.0f}"),
    ("ordering_cost", "ordering cost", "{:,.0f}"),
    ("total_cost", "total cost", "{:,.0f}"),
)


def write_report(
    directory: Path,
    payload: Mapping[str, Any],
    results: Mapping[str, SimulationResult],
    dates: npt.NDArray[np.datetime64],
) -> list[Path]:
    """Write ``simulation.json``, ``simulation.md`` and ``simulation.html`` (+ plotly.js)."""
    directory.mkdir(parents=True, exist_ok=True)
    json_path = directory / "simulation.json"
    json_path.write_text(json.dumps(_clean(payload), indent=2, allow_nan=False) + "\n")
    md_path = directory / "simulation.md"
    md_path.write_text(markdown_report(payload, results))
    written = charts.write_charts(
        {"simulation": simulation_chart(results, dates)}, directory, png=False
    )
    files = [json_path, md_path, *written.html.values()]
    if written.plotlyjs is not None:
        files.append(written.plotlyjs)
    return files


def markdown_table(results: Mapping[str, SimulationResult]) -> str:
    """One row per policy with the headline metrics."""
    header = "| policy | knob | " + " | ".join(h for _, h, _ in TABLE_COLUMNS) + " |"
    rule = "|---|---:|" + "---:|" * len(TABLE_COLUMNS)
    lines = [header, rule]
    for name, result in results.items():
        cells = [_format(result.metrics.get(key), fmt) for key, _, fmt in TABLE_COLUMNS]
        knob = f"{result.knob_name} {result.knob:.4g}"
        lines.append(f"| {name} | {knob} | " + " | ".join(cells) + " |")
    return "\n".join(lines) + "\n"


def markdown_report(payload: Mapping[str, Any], results: Mapping[str, SimulationResult]) -> str:
    """The Markdown report: what was replayed and the table."""
    data = payload["data"]
    settings = payload["settings"]
    lines = [
        "# Replenishment simulation",
        "",
        f"{data['series']:,} store × SKU series, {data['days']} days "
        f"({data['first_day']} to {data['last_day']}); demand: {data['demand_source']}.",
        f"Target: {settings['service_kind'].replace('_', ' ')} {settings['service_level']:.2%}; "
        f"holding {settings['holding_rate_per_year']:.0%} a year; order cost "
        f"{settings['order_cost']:g} per line.",
    ]
    if data["censored_demand_days"]:
        lines.append(
            f"{data['censored_demand_days']:,} replayed series-days were stock-outs in the "
            "data: their recorded sales (a lower bound of demand) are used as demand."
        )
    if data["skipped_products"]:
        lines.append(
            f"{len(data['skipped_products'])} product(s) left out: "
            + "; ".join(f"{p['product_code']} ({p['reason']})" for p in data["skipped_products"])
        )
    lines += ["", markdown_table(results)]
    return "\n".join(lines)


def simulation_chart(
    results: Mapping[str, SimulationResult], dates: npt.NDArray[np.datetime64]
) -> go.Figure:
    """Chain totals over time (on hand; demand and lost sales) and service by policy."""
    x = [str(d) for d in np.asarray(dates).astype("datetime64[D]")]
    fig = make_subplots(
        rows=3,
        cols=1,
        row_heights=[0.4, 0.4, 0.2],
        vertical_spacing=0.09,
        subplot_titles=(
            "Units on hand at close (all series)",
            "Units demanded and lost",
            "Service by policy",
        ),
    )
    colours = charts.COLORWAY
    first = next(iter(results.values()), None)
    if first is not None:
        fig.add_trace(
            go.Scatter(
                x=x,
                y=first.daily["demand"],
                name="demand",
                line={"color": charts.HISTORY, "width": 1.5},
            ),
            row=2,
            col=1,
        )
    for index, (name, result) in enumerate(results.items()):
        colour = colours[index % len(colours)]
        fig.add_trace(
            go.Scatter(
                x=x, y=result.daily["on_hand"], name=f"{name}: on hand", line={"color": colour}
            ),
            row=1,
            col=1,
        )
        fig.add_trace(
            go.Scatter(
                x=x,
                y=result.daily["lost"],
                name=f"{name}: lost",
                line={"color": colour, "dash": "dot"},
            ),
            row=2,
            col=1,
        )
    names = list(results)
    for offset, (key, label) in enumerate(
        (("fill_rate", "fill rate"), ("cycle_service_level", "cycle service level"))
    ):
        fig.add_trace(
            go.Bar(
                x=names,
                y=[_none(results[n].metrics.get(key)) for n in names],
                name=label,
                marker_color=colours[(len(names) + offset) % len(colours)],
            ),
            row=3,
            col=1,
        )
    fig.update_yaxes(tickformat=".0%", row=3, col=1)
    fig.update_layout(title="Replenishment simulation", height=900, barmode="group")
    return charts.apply_design(fig)


def _format(value: float | None, fmt: str) -> str:
    if value is None or not math.isfinite(value):
        return "n/a"
    return fmt.format(value)


def _none(value: float | None) -> float | None:
    return None if value is None or not math.isfinite(value) else value


def _clean(value: Any) -> Any:
    """NaN and infinities become null (JSON has neither); numpy scalars become numbers."""
    if isinstance(value, Mapping):
        return {str(k): _clean(v) for k, v in value.items()}
    if isinstance(value, Sequence) and not isinstance(value, str):
        return [_clean(v) for v in value]
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value


__all__: Sequence[str] = ("markdown_report", "markdown_table", "simulation_chart", "write_report")
