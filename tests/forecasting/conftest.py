"""Small panels shared by the pipeline and backtest tests."""

from __future__ import annotations

import datetime as dt
from typing import Any

import numpy as np
import polars as pl
import pytest

from shelfops.forecasting.panel import Panel, build_panel

START = dt.date(2024, 1, 1)
WEEKLY = np.array([1.0, 1.0, 1.2, 1.3, 1.6, 2.2, 0.7])


def mixed_frame(days: int = 180, seed: int = 5) -> pl.DataFrame:
    """12 smooth weekly-seasonal series, 6 intermittent ones and 2 launched late."""
    rng = np.random.default_rng(seed)
    rows: list[dict[str, Any]] = []
    for i in range(20):
        level = 5.0 + 2 * i
        first = days - 20 if i >= 18 else 0
        for d in range(first, days):
            if 12 <= i < 18:
                y = float(rng.poisson(3.0)) if rng.random() < 0.2 else 0.0
            else:
                y = float(rng.poisson(level * WEEKLY[d % 7]))
            promo = float(d % 17 == 0)
            rows.append(
                {
                    "unique_id": f"s{i:02d}",
                    "ds": START + dt.timedelta(days=d),
                    "y": y,
                    "promo_flag": promo,
                    "price": 3.0 * (0.8 if promo else 1.0),
                    "discount_pct": 0.2 * promo,
                }
            )
    return pl.DataFrame(rows)


@pytest.fixture(scope="session")
def mixed_panel() -> Panel:
    return build_panel(mixed_frame())
