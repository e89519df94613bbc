"""The per-run charts: design tokens of seed 001 §5, chart contents, HTML and PNG export."""

from __future__ import annotations

import datetime as dt
import math
import shutil
import struct
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import plotly.graph_objects as go  # type: ignore[import-untyped]
import plotly.io as pio  # type: ignore[import-untyped]
import polars as pl
import pytest

from shelfops.forecasting import charts
from shelfops.forecasting.errors import ForecastInputError

# The tokens as the seed states them; the module's constants are not the oracle.
BLUE = "#2563EB"
GRID = "#F3F4F6"
FONT = "Inter, system-ui, sans-serif"
CHROMIUM = Path("/usr/bin/chromium")
PNG_MAGIC = b"\x89PNG\r\n\x1a\n"

D = dt.date


def _history() -> pl.DataFrame:
    # Deliberately unsorted: the chart must draw in date order.
    return pl.DataFrame(
        {
            "unique_id": ["a", "a", "a", "b", "b"],
            "ds": [D(2024, 1, 3), D(2024, 1, 1), D(2024, 1, 2), D(2024, 1, 1), D(2024, 1, 2)],
            "y": [3.0, 1.0, 2.0, 7.0, 8.0],
        }
    )


def _forecast() -> pl.DataFrame:
    return pl.DataFrame(
        {
            "unique_id": ["a", "a", "b", "b"],
            "ds": [D(2024, 1, 4), D(2024, 1, 5), D(2024, 1, 3), D(2024, 1, 4)],
            "forecast": [4.0, 5.0, 9.0, 10.0],
            "q0.1": [3.0, 3.5, 8.0, 8.5],
            "q0.9": [5.0, 6.5, 10.0, 11.5],
            "y": [4.5, 4.0, 9.5, 12.0],
        }
    )


def _by_name(fig: go.Figure, name: str) -> list[Any]:
    return [t for t in fig.data if t.name == name]


BUILDERS: dict[str, Callable[[], go.Figure]] = {
    "forecast_vs_actual": lambda: charts.forecast_vs_actual(
        _history(), _forecast(), ["a", "b"], ("q0.1", "q0.9")
    ),
    "feature_importance": lambda: charts.feature_importance({"lag_7": 0.5, "price": 0.2}),
    "error_distribution": lambda: charts.error_distribution({"m": np.array([-1.0, 0.0, 2.0])}),
    "tier_comparison": lambda: charts.tier_comparison(
        {"cold_start": {"mae": 2.0, "wape": 0.3, "mase": 0.9, "coverage": 0.8}}
    ),
    "training_summary": lambda: charts.training_summary(
        {"mae": 1.5}, {"model": "lightgbm"}, {"fit": 3.0}
    ),
}


# --- design tokens ----------------------------------------------------------------------------


@pytest.mark.parametrize("name", list(BUILDERS))
def test_every_chart_carries_the_design_tokens(name: str) -> None:
    layout = BUILDERS[name]().layout
    assert layout.template == pio.templates["plotly_white"]
    assert layout.template != pio.templates["plotly"]
    assert layout.colorway[0] == BLUE
    assert layout.font.family == FONT
    assert layout.paper_bgcolor == "#FFFFFF"
    assert layout.plot_bgcolor == "#FFFFFF"
    axes = [key for key in layout.to_plotly_json() if key.startswith(("xaxis", "yaxis"))]
    assert axes, "every standard chart has at least one cartesian axis"
    for key in axes:
        assert layout[key].gridcolor == GRID, key


def test_apply_design_replaces_plotly_defaults_on_a_plain_figure() -> None:
    fig = go.Figure(go.Scatter(x=[1, 2], y=[3, 4]))
    assert fig.layout.xaxis.gridcolor is None
    returned = charts.apply_design(fig)
    assert returned is fig
    assert fig.layout.xaxis.gridcolor == GRID
    assert fig.layout.yaxis.gridcolor == GRID
    assert fig.layout.colorway[0] == BLUE


# --- forecast vs actual -----------------------------------------------------------------------


def test_forecast_vs_actual_draws_history_forecast_and_actuals_per_series() -> None:
    fig = charts.forecast_vs_actual(_history(), _forecast(), ["a", "b"])
    history = _by_name(fig, "history")
    forecast = _by_name(fig, "forecast")
    actual = _by_name(fig, "actual")
    assert [len(history), len(forecast), len(actual)] == [2, 2, 2]
    # Series a's history comes back in date order.
    assert list(history[0].x) == [D(2024, 1, 1), D(2024, 1, 2), D(2024, 1, 3)]
    assert list(history[0].y) == [1.0, 2.0, 3.0]
    assert list(forecast[1].y) == [9.0, 10.0]
    assert all(t.line.color == BLUE for t in forecast)
    assert all(t.mode == "markers" for t in actual)
    assert list(actual[1].y) == [9.5, 12.0]
    # One legend entry per role, not one per subplot.
    assert [t.showlegend for t in forecast] == [True, False]
    assert [a.text for a in fig.layout.annotations] == ["a", "b"]


def test_forecast_band_is_a_filled_blue_area_between_the_quantiles() -> None:
    fig = charts.forecast_vs_actual(_history(), _forecast(), ["a"], ("q0.1", "q0.9"))
    band = [t for t in fig.data if t.legendgroup == "band"]
    assert len(band) == 2
    upper, lower = band
    # tonexty fills from the lower edge up to the trace drawn just before it.
    assert list(fig.data).index(lower) == list(fig.data).index(upper) + 1
    assert list(upper.y) == [5.0, 6.5]
    assert list(lower.y) == [3.0, 3.5]
    assert lower.fill == "tonexty"
    assert lower.fillcolor.replace(" ", "").startswith("rgba(37,99,235,")  # #2563EB


def test_no_band_without_quantile_columns() -> None:
    forecast = _forecast().select("unique_id", "ds", "forecast")
    fig = charts.forecast_vs_actual(_history(), forecast, ["a"])
    assert not any(t.fill for t in fig.data)
    assert _by_name(fig, "actual") == []


@pytest.mark.parametrize(
    ("forecast", "series", "band", "message"),
    [
        (_forecast(), ["a"], ("q0.05", "q0.9"), "q0.05"),
        (_forecast(), ["zzz"], None, "'zzz'"),
        (_forecast(), [], None, "at least one"),
        (_forecast(), [str(i) for i in range(7)], None, "at most 6"),
        (pl.concat([_forecast(), _forecast()]), ["a"], None, "single cutoff"),
        (_forecast().with_columns(pl.lit("x").alias("forecast")), ["a"], None, "numeric"),
    ],
)
def test_forecast_vs_actual_rejects_bad_input_with_a_named_reason(
    forecast: pl.DataFrame, series: list[str], band: tuple[str, str] | None, message: str
) -> None:
    with pytest.raises(ForecastInputError, match=message.replace(".", r"\.")):
        charts.forecast_vs_actual(_history(), forecast, series, band)


# --- feature importance -----------------------------------------------------------------------


def test_feature_importance_keeps_the_top_features_largest_first() -> None:
    importance = {"promo": 0.1, "lag_7": 0.9, "price": 0.4, "dow": 0.4, "lag_1": 0.05}
    fig = charts.feature_importance(importance, top=3)
    (bars,) = fig.data
    # dow and price tie at 0.4: alphabetical order breaks the tie.
    assert list(bars.y) == ["lag_7", "dow", "price"]
    assert list(bars.x) == [0.9, 0.4, 0.4]
    assert bars.orientation == "h"
    assert bars.marker.color == BLUE
    # Categories are drawn bottom-up unless reversed: the largest bar must be on top.
    assert fig.layout.yaxis.autorange == "reversed"
    assert "top 3 of 5" in fig.layout.title.text


@pytest.mark.parametrize(("importance", "top"), [({"a": 1.0}, 0), ({}, 5), ({"a": math.nan}, 5)])
def test_feature_importance_rejects_bad_input(importance: dict[str, float], top: int) -> None:
    with pytest.raises(ForecastInputError):
        charts.feature_importance(importance, top=top)


# --- error distribution -----------------------------------------------------------------------


def test_error_distribution_shares_are_comparable_across_models_of_any_size() -> None:
    # Hand-worked: pooled 0.5/99.5 percentiles of 1,004 values with 1,002 zeros are both 0,
    # so the range widens to [-0.5, 0.5] (40 bins of 0.025). Model a's -1 and +1 fall outside
    # and land in the edge bins; 0 is the left edge of bin 20. The NaN is dropped.
    fig = charts.error_distribution(
        {"a": np.array([-1.0, 0.0, 0.0, 1.0, np.nan]), "b": np.zeros(1000)}
    )
    a, b = fig.data
    assert a.name == "a (n=4, mean +0)"
    assert b.name == "b (n=1,000, mean +0)"
    expected_a = [0.0] * 40
    expected_a[0], expected_a[20], expected_a[39] = 0.25, 0.5, 0.25
    assert list(a.y) == pytest.approx(expected_a)
    assert list(b.y) == pytest.approx([1.0 if i == 20 else 0.0 for i in range(40)])
    assert a.x[0] == pytest.approx(-0.5 + 0.0125)
    assert a.line.color is None  # colour comes from the colorway: first model blue
    (note,) = fig.layout.annotations
    assert "2 of 1,004 errors" in note.text
    assert "[-0.5, 0.5]" in note.text


def test_error_distribution_html_stays_small_for_a_million_errors(tmp_path: Path) -> None:
    errors = np.random.default_rng(7).normal(0.0, 3.0, 1_000_000)
    fig = charts.error_distribution({"lightgbm": errors})
    files = charts.write_charts({"error_distribution": fig}, tmp_path, png=False)
    assert files.html["error_distribution"].stat().st_size < 50_000


def test_error_distribution_rejects_a_model_without_finite_errors() -> None:
    with pytest.raises(ForecastInputError, match="'naive'"):
        charts.error_distribution({"lightgbm": np.ones(3), "naive": np.array([np.nan])})


# --- tier comparison --------------------------------------------------------------------------


def test_tier_comparison_has_one_panel_per_metric_and_one_bar_per_tier() -> None:
    metrics = {
        "cold_start": {"mae": 2.0, "wape": 0.3, "mase": 0.9, "coverage": 0.78},
        "production": {"mae": 1.5, "wape": 0.25, "mase": 0.8, "coverage": math.nan},
    }
    fig = charts.tier_comparison(metrics)
    assert [a.text for a in fig.layout.annotations] == ["MAE", "WAPE", "MASE", "Coverage"]
    cold = _by_name(fig, "cold_start")
    prod = _by_name(fig, "production")
    assert [t.y[0] for t in cold] == [2.0, 0.3, 0.9, 0.78]
    assert [t.y[0] for t in prod[:3]] == [1.5, 0.25, 0.8]
    # NaN coverage is no bar, labelled n/a — not a bar of height 0.
    assert prod[3].y[0] is None
    assert prod[3].text[0] == "n/a"
    assert {t.marker.color for t in cold} == {BLUE}
    assert {t.marker.color for t in prod} == {"#D97706"}
    # Each metric on its own axis: four x/y axis pairs.
    assert {t.xaxis for t in cold} == {"x", "x2", "x3", "x4"}


def test_tier_comparison_names_the_missing_metric() -> None:
    with pytest.raises(ForecastInputError, match=r"metrics\['production'\] has no 'coverage'"):
        charts.tier_comparison({"production": {"mae": 1.0, "wape": 0.2, "mase": 0.8}})


# --- training summary -------------------------------------------------------------------------


def test_training_summary_tables_and_timing_bars() -> None:
    fig = charts.training_summary(
        {"mae": 1.23456, "coverage": math.nan},
        {"model": "lightgbm", "n_estimators": 500, "note": "x" * 100},
        {"features": 2.0, "fit": 40.0},
    )
    metrics_table, params_table, bars = fig.data
    assert list(metrics_table.cells.values[0]) == ["mae", "coverage"]
    assert list(metrics_table.cells.values[1]) == ["1.235", "n/a"]
    assert list(params_table.cells.values[0]) == ["model", "n_estimators", "note"]
    values = list(params_table.cells.values[1])
    assert values[:2] == ["lightgbm", "500"]
    assert len(values[2]) == 60 and values[2].endswith("...")
    assert list(bars.y) == ["features", "fit"]
    assert list(bars.x) == [2.0, 40.0]
    assert bars.marker.color == BLUE


def test_training_summary_rejects_negative_timings() -> None:
    with pytest.raises(ForecastInputError, match="'fit'"):
        charts.training_summary({}, {}, {"fit": -1.0})


# --- HTML export ------------------------------------------------------------------------------


def test_write_charts_writes_the_five_html_files_sharing_one_plotly_bundle(
    tmp_path: Path,
) -> None:
    figures = {name: build() for name, build in BUILDERS.items()}
    files = charts.write_charts(figures, tmp_path / "reports", png=False)
    assert set(files.html) == set(charts.STANDARD_CHARTS)
    bundles = list((tmp_path / "reports").glob("*.js"))
    assert bundles == [files.plotlyjs]
    assert files.plotlyjs is not None
    assert files.plotlyjs.stat().st_size > 1_000_000  # the real plotly.js, for offline viewing
    for name, path in files.html.items():
        assert path == tmp_path / "reports" / f"{name}.html"
        text = path.read_text()
        assert f'src="{files.plotlyjs.name}"' in text
        assert "cdn.plot.ly" not in text
    # The data itself is in the files.
    assert '"lag_7"' in files.html["feature_importance"].read_text()
    assert "[4.0,5.0]" in files.html["forecast_vs_actual"].read_text().replace(" ", "")
    assert files.png == {}
    assert files.png_skipped_reason == "PNG export not requested"


def test_write_charts_can_embed_plotlyjs_in_each_file(tmp_path: Path) -> None:
    fig = BUILDERS["feature_importance"]()
    files = charts.write_charts(
        {"feature_importance": fig}, tmp_path, png=False, embed_plotlyjs=True
    )
    assert files.plotlyjs is None
    assert list(tmp_path.glob("*.js")) == []
    assert files.html["feature_importance"].stat().st_size > 1_000_000


def test_write_charts_is_reproducible(tmp_path: Path) -> None:
    fig = BUILDERS["tier_comparison"]()
    first = charts.write_charts({"t": fig}, tmp_path / "1", png=False).html["t"].read_bytes()
    second = charts.write_charts({"t": fig}, tmp_path / "2", png=False).html["t"].read_bytes()
    assert first == second


def test_write_charts_rejects_names_that_are_not_plain_file_stems(tmp_path: Path) -> None:
    with pytest.raises(ForecastInputError, match="chart name"):
        charts.write_charts({"../escape": go.Figure()}, tmp_path, png=False)
    assert not (tmp_path.parent / "escape.html").exists()


# --- PNG export -------------------------------------------------------------------------------


def _png_size(data: bytes) -> tuple[int, int]:
    # IHDR is the first chunk: width and height are big-endian uint32 at bytes 16..24.
    width, height = struct.unpack(">II", data[16:24])
    return int(width), int(height)


@pytest.mark.skipif(not CHROMIUM.exists(), reason="needs Debian's chromium at /usr/bin/chromium")
def test_png_is_rendered_with_the_system_chromium(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("BROWSER_PATH", str(CHROMIUM))
    fig = BUILDERS["feature_importance"]()
    files = charts.write_charts({"feature_importance": fig}, tmp_path)
    assert files.png_skipped_reason is None
    data = files.png["feature_importance"].read_bytes()
    assert data[:8] == PNG_MAGIC
    assert len(data) > 10_000
    # Rendered at twice the figure's layout size (crisp on high-density screens).
    assert _png_size(data) == (2 * 1100, 2 * fig.layout.height)
    assert files.png_seconds is not None and files.png_seconds > 0


def test_png_is_skipped_with_a_reason_when_browser_path_does_not_exist(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "feature_importance.png").write_bytes(b"stale image from an earlier run")
    monkeypatch.setenv("BROWSER_PATH", str(tmp_path / "no-such-chrome"))
    files = charts.write_charts({"feature_importance": BUILDERS["feature_importance"]()}, tmp_path)
    assert files.png == {}
    assert files.png_skipped_reason is not None
    assert "BROWSER_PATH" in files.png_skipped_reason
    assert "no-such-chrome" in files.png_skipped_reason
    assert files.html["feature_importance"].exists()
    assert not (tmp_path / "feature_importance.png").exists()


def test_png_is_skipped_with_a_reason_when_no_browser_is_on_path(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("BROWSER_PATH", raising=False)
    monkeypatch.setenv("PATH", str(tmp_path))
    files = charts.write_charts({"tier_comparison": BUILDERS["tier_comparison"]()}, tmp_path)
    assert files.png == {}
    assert files.png_skipped_reason is not None
    assert "no Chrome/Chromium found" in files.png_skipped_reason


@pytest.mark.skipif(shutil.which("false") is None, reason="needs the `false` command")
def test_png_is_skipped_with_a_reason_when_the_browser_fails_to_start(tmp_path: Path) -> None:
    false = Path(str(shutil.which("false")))
    fig = BUILDERS["tier_comparison"]()
    files = charts.write_charts({"tier_comparison": fig}, tmp_path, browser=false)
    assert files.png == {}
    assert files.png_skipped_reason is not None
    assert "failed" in files.png_skipped_reason
    assert str(false) in files.png_skipped_reason
    assert files.html["tier_comparison"].exists()
