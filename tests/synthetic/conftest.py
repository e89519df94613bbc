"""Shared fixtures: one small generated data set, read back with polars."""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from pathlib import Path

import polars as pl
import pytest

from shelfops.synthetic import GenerationConfig, GenerationSummary, generate_dataset

# Small enough to generate in about a second, long enough (> 1 year, includes
# Thanksgiving and Christmas) for the annual curve and holidays to be measurable.
CONFIG = GenerationConfig(
    stores=3, products=120, days=400, seed=20240101, start=datetime.date(2024, 1, 1)
)


@dataclass(frozen=True)
class Dataset:
    """A generated data set: where it is, what the generator said, and its tables."""

    config: GenerationConfig
    summary: GenerationSummary
    out_dir: Path
    suppliers: pl.DataFrame
    stores: pl.DataFrame
    products: pl.DataFrame
    sales: pl.DataFrame
    inventory: pl.DataFrame


def read_dataset(config: GenerationConfig, summary: GenerationSummary, out_dir: Path) -> Dataset:
    """Read the five CSV files the way an ingesting user would."""
    date = pl.Date
    return Dataset(
        config=config,
        summary=summary,
        out_dir=out_dir,
        suppliers=pl.read_csv(out_dir / "suppliers.csv"),
        stores=pl.read_csv(out_dir / "stores.csv", schema_overrides={"opened_on": date}),
        products=pl.read_csv(
            out_dir / "products.csv",
            schema_overrides={"launched_on": date, "discontinued_on": date},
        ),
        sales=pl.read_csv(out_dir / "sales.csv", schema_overrides={"date": date}),
        inventory=pl.read_csv(out_dir / "inventory.csv", schema_overrides={"date": date}),
    )


@pytest.fixture(scope="session")
def dataset(tmp_path_factory: pytest.TempPathFactory) -> Dataset:
    """The shared small data set (generated once per test session)."""
    out_dir = tmp_path_factory.mktemp("synthetic")
    summary = generate_dataset(CONFIG, out_dir)
    return read_dataset(CONFIG, summary, out_dir)


@pytest.fixture(scope="session")
def sales_with_product(dataset: Dataset) -> pl.DataFrame:
    """Sales rows joined with their product's category, department and pack size."""
    return dataset.sales.join(
        dataset.products.select("product_code", "category", "department", "pack_size"),
        on="product_code",
    )


def number(value: object) -> float:
    """A polars aggregate (typed as any Python literal) as a float; fails on null."""
    assert isinstance(value, int | float), f"expected a number, got {value!r}"
    return float(value)
