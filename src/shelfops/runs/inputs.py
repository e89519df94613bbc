"""Loading an input file into a validated panel (the training-data gate runs here)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import polars as pl

from shelfops.forecasting.frequency import Freq, parse_freq
from shelfops.forecasting.io import read_input
from shelfops.forecasting.panel import Panel, build_panel
from shelfops.forecasting.validation import validate_training_frame


@dataclass(frozen=True)
class LoadedInput:
    """A validated long frame and the panel built from it."""

    path: Path
    frame: pl.DataFrame
    panel: Panel


def load_panel(path: Path, freq: str | None = None) -> LoadedInput:
    """Read, gate (fail hard on bad training data) and scatter ``path`` into a panel."""
    frame = validate_training_frame(read_input(path))
    chosen: Freq | None = parse_freq(freq) if freq else None
    return LoadedInput(path=path, frame=frame, panel=build_panel(frame, chosen))
