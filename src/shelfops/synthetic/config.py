"""Configuration and result types of the data generator."""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from pathlib import Path

from shelfops.kit.limits import EARLIEST_DAY, LATEST_DAY

# Guards against typos such as `--days 73000` that would silently take hours; raise
# them if a real need appears (memory per store grows with products x days).
MAX_STORES = 100_000
MAX_PRODUCTS = 1_000_000
MAX_DAYS = 3_660  # ten years of daily history


@dataclass(frozen=True)
class GenerationConfig:
    """What to generate: a chain of `stores` stores selling `products` SKUs for `days` days.

    The same config always produces byte-identical files. Constructing an invalid config
    raises `ValueError`.
    """

    stores: int
    products: int
    days: int
    seed: int
    start: datetime.date = datetime.date(2024, 1, 1)

    def __post_init__(self) -> None:
        self.validate()

    def validate(self) -> None:
        """Raise `ValueError` describing the first invalid field, if any."""
        for name, value, upper in (
            ("stores", self.stores, MAX_STORES),
            ("products", self.products, MAX_PRODUCTS),
            ("days", self.days, MAX_DAYS),
        ):
            # bool is an int subclass; `True` stores is surely a mistake.
            if isinstance(value, bool) or not isinstance(value, int):
                raise ValueError(f"{name} must be an integer, got {value!r}")
            if value < 1:
                raise ValueError(f"{name} must be at least 1, got {value}")
            if value > upper:
                raise ValueError(f"{name} must be at most {upper:,}, got {value:,}")
        if isinstance(self.seed, bool) or not isinstance(self.seed, int):
            raise ValueError(f"seed must be an integer, got {self.seed!r}")
        if self.seed < 0:
            # numpy's SeedSequence only accepts non-negative entropy.
            raise ValueError(f"seed must be zero or positive, got {self.seed}")
        if not isinstance(self.start, datetime.date) or isinstance(self.start, datetime.datetime):
            raise ValueError(f"start must be a date, got {self.start!r}")
        # Checked on the start before `end` is computed: near year 9999 that would overflow.
        if self.start < EARLIEST_DAY or (LATEST_DAY - self.start).days < self.days - 1:
            end = self.end if self.start <= LATEST_DAY else f"after {LATEST_DAY}"
            raise ValueError(
                f"the history must lie between {EARLIEST_DAY} and {LATEST_DAY}, "
                f"got {self.start} to {end}"
            )

    @property
    def end(self) -> datetime.date:
        """The last day of history (inclusive)."""
        return self.start + datetime.timedelta(days=self.days - 1)


@dataclass(frozen=True)
class FileSummary:
    """One written file: its kind (`sales`, …), where it is and how many data rows it has."""

    kind: str
    path: Path
    rows: int


@dataclass(frozen=True)
class GenerationSummary:
    """What `generate_dataset` wrote."""

    config: GenerationConfig
    out_dir: Path
    suppliers: FileSummary
    stores: FileSummary
    products: FileSummary
    sales: FileSummary
    inventory: FileSummary
    stockout_rows: int
    """Sales rows with `on_hand_close == 0` (censored demand)."""

    def files(self) -> list[tuple[Path, int]]:
        """(path, data rows) of all five files, in load order."""
        return [(f.path, f.rows) for f in self.by_kind()]

    def by_kind(self) -> tuple[FileSummary, ...]:
        """The five file summaries, in load order."""
        return (self.suppliers, self.stores, self.products, self.sales, self.inventory)

    @property
    def stockout_share(self) -> float:
        """Share of sales rows on which the item stocked out."""
        return self.stockout_rows / self.sales.rows if self.sales.rows else 0.0
