"""The five per-run Plotly charts of seed 001 §5, in the ShelfOps design tokens, and their export.

Every chart is a pure function of plain inputs (polars frames, mappings, numpy arrays) and
returns a ``plotly.graph_objects.Figure`` that already carries the design tokens
(:func:`apply_design`). :func:`write_charts` writes ``<name>.html`` for each figure and, when a
Chrome/Chromium is installed, ``<name>.png`` through Kaleido. Kaleido is never allowed to
download a browser: without one the PNGs are skipped and the result says why.
"""

from __future__ import annotations

import math
import os
import re
import shutil
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Final

import numpy as np
import numpy.typing as npt
import plotly.graph_objects as go  # type: ignore[import-untyped]
import polars as pl
from plotly.offline import get_plotlyjs, get_plotlyjs_version  # type: ignore[import-untyped]
from plotly.subplots import make_subplots  # type: ignore[import-untyped]

from shelfops.forecasting.errors import ForecastInputError

# Design tokens (seed 001 §5). Immutable constants, not configuration.
TEMPLATE: Final = "plotly_white"
PRIMARY: Final = "#2563EB"  # Tailwind blue-600
FONT_FAMILY: Final = "Inter, system-ui, sans-serif"
BACKGROUND: Final = "#FFFFFF"
GRID: Final = "#F3F4F6"  # Tailwind gray-100
# The tokens name only the primary colour; the rest of the colorway uses Tailwind's 600 shades
# so that second and later series keep the same weight as the primary.
COLORWAY: Final = (
    PRIMARY,
    "#D97706",  # amber-600
    "#059669",  # emerald-600
    "#DC2626",  # red-600
    "#7C3AED",  # violet-600
    "#0891B2",  # cyan-600
    "#DB2777",  # pink-600
    "#4B5563",  # gray-600
)
TEXT: Final = "#111827"  # gray-900
HISTORY: Final = "#6B7280"  # gray-500: history is context, the forecast is the subject
BAND_FILL: Final = "rgba(37, 99, 235, 0.18)"  # PRIMARY at low alpha

STANDARD_CHARTS: Final = (
    "forecast_vs_actual",
    "feature_importance",
    "error_distribution",
    "tier_comparison",
    "training_summary",
)
MAX_SERIES: Final = 6
_METRIC_LABELS: Final = {
    "mae": "MAE",
    "rmse": "RMSE",
    "wape": "WAPE",
    "mase": "MASE",
    "smape": "sMAPE",
    "mape": "MAPE",
    "bias": "Bias",
    "pinball": "Pinball loss",
    "coverage": "Coverage",
}
_ERROR_BINS: Final = 40
_ERROR_RANGE_PERCENTILES: Final = (0.5, 99.5)
_BROWSER_NAMES: Final = (
    "chromium",
    "chromium-browser",
    "google-chrome",
    "google-chrome-stable",
    "chrome",
)
_SAFE_NAME: Final = re.compile(r"[A-Za-z0-9_-]+")
_PNG_WIDTH: Final = 1100
_PNG_HEIGHT: Final = 600
_PNG_SCALE: Final = 2
_PNG_TIMEOUT_S: Final = 60.0


def apply_design(fig: go.Figure) -> go.Figure:
    """Apply the ShelfOps design tokens to ``fig`` in place and return it.

    Call it after every trace and subplot exists: grid colours are set on the axes present
    at call time.
    """
    fig.update_layout(
        template=TEMPLATE,
        colorway=list(COLORWAY),
        font={"family": FONT_FAMILY, "color": TEXT},
        paper_bgcolor=BACKGROUND,
        plot_bgcolor=BACKGROUND,
    )
    # plotly_white's grid is a bluish #EBF0F8; the tokens ask for neutral gray-100. Zero lines
    # take the same colour so no second grid tone appears.
    fig.update_xaxes(gridcolor=GRID, zerolinecolor=GRID)
    fig.update_yaxes(gridcolor=GRID, zerolinecolor=GRID)
    return fig


# --- forecast vs actual -----------------------------------------------------------------------


def _require_columns(frame: pl.DataFrame, columns: Sequence[str], what: str) -> None:
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        raise ForecastInputError(
            f"{what} frame is missing column(s) {missing}; it has {frame.columns}"
        )
    for column in columns:
        if column not in ("unique_id", "ds") and not frame.schema[column].is_numeric():
            raise ForecastInputError(
                f"{what} column {column!r} must be numeric, got {frame.schema[column]}"
            )


def forecast_vs_actual(
    history: pl.DataFrame,
    forecast: pl.DataFrame,
    series: Sequence[str],
    band: tuple[str, str] | None = None,
) -> go.Figure:
    """Plot history, forecast, optional quantile band and actuals, one subplot per series.

    ``history`` has ``unique_id, ds, y``; ``forecast`` has ``unique_id, ds, forecast``, the two
    ``band`` columns (e.g. ``("q0.1", "q0.9")``) when a band is asked for, and optionally the
    held-out actuals ``y``, drawn as points. ``forecast`` must hold one row per series and date
    (filter a backtest to one ``cutoff`` first). At most :data:`MAX_SERIES` series are drawn.
    """
    if not series:
        raise ForecastInputError("series: name at least one unique_id to draw")
    if len(series) > MAX_SERIES:
        raise ForecastInputError(
            f"series: {len(series)} given, at most {MAX_SERIES} can be drawn legibly"
        )
    _require_columns(history, ("unique_id", "ds", "y"), "history")
    needed = ["unique_id", "ds", "forecast", *(band or ())]
    _require_columns(forecast, needed, "forecast")
    has_actuals = "y" in forecast.columns
    if has_actuals:
        _require_columns(forecast, ("y",), "forecast")

    history = history.with_columns(pl.col("unique_id").cast(pl.String))
    forecast = forecast.with_columns(pl.col("unique_id").cast(pl.String))
    duplicated = forecast.filter(pl.struct("unique_id", "ds").is_duplicated())
    if duplicated.height:
        dup = duplicated.row(0, named=True)
        raise ForecastInputError(
            f"forecast has several rows for unique_id={dup['unique_id']!r}, ds={dup['ds']}; "
            "pass a single cutoff of a backtest"
        )
    known = set(forecast["unique_id"].unique().to_list())
    for sid in series:
        if sid not in known:
            raise ForecastInputError(f"series: unique_id {sid!r} has no rows in the forecast")

    fig = make_subplots(
        rows=len(series),
        cols=1,
        subplot_titles=[str(s) for s in series],
        # Room for the date ticks of one panel and the title of the next.
        vertical_spacing=0.35 / len(series) if len(series) > 1 else 0.0,
    )
    for index, sid in enumerate(series):
        row = index + 1
        # One legend entry per role, not per subplot.
        first = index == 0
        past = history.filter(pl.col("unique_id") == sid).sort("ds")
        future = forecast.filter(pl.col("unique_id") == sid).sort("ds")
        fig.add_trace(
            go.Scatter(
                x=past["ds"].to_list(),
                y=past["y"].to_list(),
                name="history",
                mode="lines",
                line={"color": HISTORY, "width": 1.5},
                legendgroup="history",
                showlegend=first,
            ),
            row=row,
            col=1,
        )
        if band is not None:
            lo, hi = band
            # The upper edge is drawn invisibly first so the lower edge can fill up to it.
            fig.add_trace(
                go.Scatter(
                    x=future["ds"].to_list(),
                    y=future[hi].to_list(),
                    name=f"{lo}–{hi}",
                    mode="lines",
                    line={"width": 0, "color": PRIMARY},
                    legendgroup="band",
                    showlegend=False,
                    hovertemplate=f"{hi}: %{{y}}<extra></extra>",
                ),
                row=row,
                col=1,
            )
            fig.add_trace(
                go.Scatter(
                    x=future["ds"].to_list(),
                    y=future[lo].to_list(),
                    name=f"{lo}–{hi}",
                    mode="lines",
                    line={"width": 0, "color": PRIMARY},
                    fill="tonexty",
                    fillcolor=BAND_FILL,
                    legendgroup="band",
                    showlegend=first,
                    hovertemplate=f"{lo}: %{{y}}<extra></extra>",
                ),
                row=row,
                col=1,
            )
        fig.add_trace(
            go.Scatter(
                x=future["ds"].to_list(),
                y=future["forecast"].to_list(),
                name="forecast",
                mode="lines",
                line={"color": PRIMARY, "width": 2},
                legendgroup="forecast",
                showlegend=first,
            ),
            row=row,
            col=1,
        )
        if has_actuals:
            fig.add_trace(
                go.Scatter(
                    x=future["ds"].to_list(),
                    y=future["y"].to_list(),
                    name="actual",
                    mode="markers",
                    marker={"color": TEXT, "size": 5},
                    legendgroup="actual",
                    showlegend=first,
                ),
                row=row,
                col=1,
            )
    fig.update_layout(
        title="Forecast vs actual",
        height=120 + 260 * len(series),
        hovermode="x unified",
    )
    return apply_design(fig)


# --- feature importance -----------------------------------------------------------------------


def feature_importance(importance: Mapping[str, float], top: int = 20) -> go.Figure:
    """Horizontal bars of the ``top`` most important features, largest at the top."""
    if top < 1:
        raise ForecastInputError(f"top must be at least 1, got {top}")
    if not importance:
        raise ForecastInputError("importance: no features given")
    for name, value in importance.items():
        if not math.isfinite(value):
            raise ForecastInputError(f"importance[{name!r}] must be finite, got {value}")
    # Name breaks ties so the order does not depend on the mapping's insertion order.
    ranked = sorted(importance.items(), key=lambda item: (-item[1], item[0]))[:top]
    names = [name for name, _ in ranked]
    values = [float(value) for _, value in ranked]
    fig = go.Figure(
        go.Bar(
            x=values,
            y=names,
            orientation="h",
            marker={"color": PRIMARY},
            hovertemplate="%{y}: %{x:.4g}<extra></extra>",
        )
    )
    fig.update_layout(
        title=f"Feature importance (top {len(names)} of {len(importance)})",
        height=160 + 24 * len(names),
        xaxis_title="importance",
        # Categories go bottom-up by default; reversed puts the most important first.
        yaxis={"autorange": "reversed"},
        margin={"l": 200},
    )
    return apply_design(fig)


# --- error distribution -----------------------------------------------------------------------


def error_distribution(errors: Mapping[str, npt.ArrayLike]) -> go.Figure:
    """Per-model histogram of forecast errors (pass ``forecast − actual``), on shared bins.

    Histograms are computed here rather than in the browser so that a backtest with millions
    of errors still gives a small HTML file. Bins span the pooled 0.5–99.5 percentiles; errors
    outside that range are counted in the edge bins and the chart says how many. Non-finite
    errors (e.g. missing actuals) are dropped; the legend shows each model's count and mean.
    """
    if not errors:
        raise ForecastInputError("errors: no models given")
    finite: dict[str, npt.NDArray[np.float64]] = {}
    for model, values in errors.items():
        array = np.asarray(values, dtype=np.float64).ravel()
        array = array[np.isfinite(array)]
        if array.size == 0:
            raise ForecastInputError(f"errors[{model!r}] has no finite values")
        finite[model] = array
    pooled = np.concatenate(list(finite.values()))
    low, high = (float(v) for v in np.percentile(pooled, _ERROR_RANGE_PERCENTILES))
    if high <= low:
        # All errors (nearly) equal: widen so the single bar still has a width.
        low, high = low - 0.5, high + 0.5
    edges = np.linspace(low, high, _ERROR_BINS + 1)
    centers = ((edges[:-1] + edges[1:]) / 2).tolist()
    clipped = int(np.count_nonzero((pooled < low) | (pooled > high)))

    fig = go.Figure()
    for model, array in finite.items():
        counts, _ = np.histogram(np.clip(array, low, high), bins=edges)
        share = (counts / array.size).tolist()
        fig.add_trace(
            go.Scatter(
                x=centers,
                y=share,
                name=f"{model} (n={array.size:,}, mean {array.mean():+.3g})",
                mode="lines",
                line={"shape": "hvh", "width": 2},
                hovertemplate="error ≈ %{x:.3g}: %{y:.1%}<extra>" + model + "</extra>",
            )
        )
    fig.add_vline(x=0, line={"color": HISTORY, "dash": "dot", "width": 1})
    if clipped:
        fig.add_annotation(
            text=(
                f"{clipped:,} of {pooled.size:,} errors outside "
                f"[{low:.3g}, {high:.3g}] are counted in the edge bins"
            ),
            xref="paper",
            yref="paper",
            x=0,
            y=-0.18,
            showarrow=False,
            xanchor="left",
            font={"size": 11, "color": HISTORY},
        )
    fig.update_layout(
        title="Error distribution",
        xaxis_title="error (forecast − actual)",
        yaxis={"title": "share of errors", "tickformat": ".0%"},
        height=_PNG_HEIGHT,
        margin={"b": 110},
    )
    return apply_design(fig)


# --- tier comparison --------------------------------------------------------------------------


def tier_comparison(
    metrics: Mapping[str, Mapping[str, float]],
    keys: Sequence[str] = ("mae", "wape", "mase", "coverage"),
) -> go.Figure:
    """Bars of each tier's (or model's) metrics, one panel per metric.

    Metrics live on different scales (units, fractions, ratios), so each gets its own panel and
    y axis instead of sharing one. A missing key is an error; a NaN value is drawn as no bar.
    """
    if not metrics:
        raise ForecastInputError("metrics: no tiers given")
    if not keys:
        raise ForecastInputError("keys: name at least one metric")
    for tier, values in metrics.items():
        for key in keys:
            if key not in values:
                raise ForecastInputError(
                    f"metrics[{tier!r}] has no {key!r}; it has {sorted(values)}"
                )
    tiers = list(metrics)
    fig = make_subplots(
        rows=1,
        cols=len(keys),
        subplot_titles=[_METRIC_LABELS.get(k, k) for k in keys],
        horizontal_spacing=0.06,
    )
    for index, tier in enumerate(tiers):
        color = COLORWAY[index % len(COLORWAY)]
        for column, key in enumerate(keys, start=1):
            value = float(metrics[tier][key])
            shown = value if math.isfinite(value) else None
            fig.add_trace(
                go.Bar(
                    x=[tier],
                    y=[shown],
                    name=tier,
                    marker={"color": color},
                    text=[f"{value:.3g}" if shown is not None else "n/a"],
                    textposition="outside",
                    legendgroup=tier,
                    showlegend=column == 1,
                    hovertemplate=f"{tier} {key}: %{{y:.4g}}<extra></extra>",
                ),
                row=1,
                col=column,
            )
    fig.update_layout(
        title="Tier comparison",
        height=_PNG_HEIGHT,
        bargap=0.25,
    )
    fig.update_xaxes(showticklabels=False)
    return apply_design(fig)


# --- training summary -------------------------------------------------------------------------


def _format_value(value: object) -> str:
    if isinstance(value, float):
        return f"{value:.4g}" if math.isfinite(value) else "n/a"
    text = str(value)
    return text if len(text) <= 60 else text[:57] + "..."


def training_summary(
    metrics: Mapping[str, float],
    params: Mapping[str, object],
    timings: Mapping[str, float],
) -> go.Figure:
    """One figure: a metrics table, a parameters table and bars of the stage timings (s)."""
    for stage, value in timings.items():
        if not math.isfinite(value) or value < 0:
            raise ForecastInputError(
                f"timings[{stage!r}] must be a non-negative number of seconds, got {value}"
            )
    table_px = 60 + 28 * max(len(metrics), len(params), 1)
    bars_px = 60 + 40 * max(len(timings), 1)
    fig = make_subplots(
        rows=2,
        cols=2,
        specs=[[{"type": "table"}, {"type": "table"}], [{"type": "xy", "colspan": 2}, None]],
        # Heights in pixels, normalised by plotly: tables grow with their rows, bars per stage.
        row_heights=[table_px, bars_px],
        vertical_spacing=0.1,
        subplot_titles=["Metrics", "Parameters", "Timings (s)"],
    )
    header = {
        "fill": {"color": GRID},
        "line": {"color": GRID},
        "font": {"color": TEXT, "size": 12},
        "align": "left",
    }
    cells = {"line": {"color": GRID}, "fill": {"color": BACKGROUND}, "align": "left"}
    fig.add_trace(
        go.Table(
            header={**header, "values": ["metric", "value"]},
            cells={
                **cells,
                "values": [list(metrics), [_format_value(float(v)) for v in metrics.values()]],
            },
        ),
        row=1,
        col=1,
    )
    fig.add_trace(
        go.Table(
            header={**header, "values": ["parameter", "value"]},
            cells={**cells, "values": [list(params), [_format_value(v) for v in params.values()]]},
        ),
        row=1,
        col=2,
    )
    stages = list(timings)
    seconds = [float(timings[s]) for s in stages]
    fig.add_trace(
        go.Bar(
            x=seconds,
            y=stages,
            orientation="h",
            marker={"color": PRIMARY},
            text=[f"{s:.3g} s" for s in seconds],
            textposition="auto",
            showlegend=False,
            hovertemplate="%{y}: %{x:.3g} s<extra></extra>",
        ),
        row=2,
        col=1,
    )
    fig.update_layout(
        title="Training summary",
        height=table_px + bars_px + 220,
        yaxis={"autorange": "reversed"},
    )
    return apply_design(fig)


# --- export -----------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class ChartFiles:
    """What :func:`write_charts` wrote: chart name → path, and why PNGs are missing if they are."""

    html: Mapping[str, Path]
    png: Mapping[str, Path]
    plotlyjs: Path | None
    png_skipped_reason: str | None
    png_seconds: float | None


def _resolve_browser(explicit: Path | None) -> tuple[Path | None, str | None]:
    """Return (browser, None) or (None, why not). Never downloads anything."""
    if explicit is not None:
        candidate, source = explicit, f"browser={str(explicit)!r}"
    elif env := os.environ.get("BROWSER_PATH"):
        # An explicit BROWSER_PATH is honoured exactly, as choreographer does: silently
        # falling back to another browser would hide a misconfiguration.
        candidate, source = Path(env), f"BROWSER_PATH={env!r}"
    else:
        for name in _BROWSER_NAMES:
            if found := shutil.which(name):
                return Path(found), None
        return None, (
            "no Chrome/Chromium found on PATH (looked for "
            f"{', '.join(_BROWSER_NAMES)}); set BROWSER_PATH or install chromium"
        )
    if candidate.is_file() and os.access(candidate, os.X_OK):
        return candidate, None
    return None, f"{source} is not an executable file"


def _write_pngs(
    figures: Mapping[str, go.Figure], targets: Mapping[str, Path], browser: Path
) -> str | None:
    """Render every figure in one browser session; return why some failed, or None."""
    import kaleido  # type: ignore[import-untyped]  # imported late: only PNG export needs it

    specs = [
        {
            "fig": fig,
            "path": targets[name],
            "opts": {
                "format": "png",
                "width": fig.layout.width or _PNG_WIDTH,
                "height": fig.layout.height or _PNG_HEIGHT,
                "scale": _PNG_SCALE,
            },
        }
        for name, fig in figures.items()
    ]
    # mathjax=False: its default is a CDN fetch, and there may be no internet. plotly.js comes
    # from the plotly package itself.
    kopts = {"path": str(browser), "mathjax": False, "timeout": _PNG_TIMEOUT_S}
    try:
        failures = kaleido.write_fig_from_object_sync(specs, kopts=kopts)
    except Exception as exc:  # a failed PNG must not fail a finished training run
        return f"PNG export with {browser} failed: {type(exc).__name__}: {exc}"
    if failures:
        first = failures[0]
        return (
            f"PNG export with {browser} failed for {len(failures)} of {len(specs)} charts: "
            f"{type(first).__name__}: {first}"
        )
    return None


def write_charts(
    figures: Mapping[str, go.Figure],
    directory: Path,
    *,
    png: bool = True,
    embed_plotlyjs: bool = False,
    browser: Path | None = None,
) -> ChartFiles:
    """Write ``<name>.html`` (and ``<name>.png``) for each figure into ``directory``.

    By default the HTML files share one ``plotly-<version>.min.js`` written next to them
    (4.8 MB once, instead of once per chart); the versioned name keeps an older bundle left in
    the directory from being used by newer charts. Everything works offline. Pass
    ``embed_plotlyjs=True`` for self-contained files, e.g. when each file is shown on its own
    (an MLflow artifact preview cannot load a sibling script).

    PNGs are rendered by Kaleido with the browser given, else ``BROWSER_PATH``, else a
    Chrome/Chromium on ``PATH``; with none, or when rendering fails, PNGs are skipped and
    ``png_skipped_reason`` says why. Existing PNGs of these charts are removed first so a
    skipped export never leaves stale images behind.
    """
    for name in figures:
        if not _SAFE_NAME.fullmatch(name):
            raise ForecastInputError(
                f"chart name {name!r} must use only letters, digits, '_' and '-'"
            )
    directory.mkdir(parents=True, exist_ok=True)

    bundle: Path | None = None
    if embed_plotlyjs:
        include: bool | str = True
    else:
        bundle = directory / f"plotly-{get_plotlyjs_version()}.min.js"
        if not bundle.exists():
            bundle.write_text(get_plotlyjs(), encoding="utf-8")
        include = bundle.name
    html: dict[str, Path] = {}
    for name, fig in figures.items():
        path = directory / f"{name}.html"
        # A fixed div id keeps the file byte-identical across runs with the same data.
        fig.write_html(path, include_plotlyjs=include, full_html=True, div_id=name)
        html[name] = path

    targets = {name: directory / f"{name}.png" for name in figures}
    for target in targets.values():
        target.unlink(missing_ok=True)
    reason: str | None
    seconds: float | None = None
    if not png:
        reason = "PNG export not requested"
    elif not figures:
        reason = None
    else:
        found, reason = _resolve_browser(browser)
        if found is not None:
            started = time.perf_counter()
            reason = _write_pngs(figures, targets, found)
            seconds = time.perf_counter() - started
    written = {
        name: path for name, path in targets.items() if path.exists() and path.stat().st_size
    }
    return ChartFiles(
        html=html,
        png=written,
        plotlyjs=bundle,
        png_skipped_reason=reason,
        png_seconds=seconds,
    )
