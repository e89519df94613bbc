"""Same seed → byte-identical files; another seed → other data; stores are independent."""

from __future__ import annotations

from pathlib import Path

import polars as pl

from shelfops.synthetic import FILE_NAMES, GenerationConfig, generate_dataset

CONFIG = GenerationConfig(stores=2, products=30, days=90, seed=11)


def _contents(directory: Path) -> dict[str, bytes]:
    return {name: (directory / name).read_bytes() for name in FILE_NAMES.values()}


def test_same_seed_gives_identical_bytes(tmp_path: Path) -> None:
    generate_dataset(CONFIG, tmp_path / "a")
    generate_dataset(CONFIG, tmp_path / "b")
    assert _contents(tmp_path / "a") == _contents(tmp_path / "b")


def test_different_seed_gives_different_data(tmp_path: Path) -> None:
    generate_dataset(CONFIG, tmp_path / "a")
    other = GenerationConfig(stores=2, products=30, days=90, seed=12)
    generate_dataset(other, tmp_path / "b")
    first, second = _contents(tmp_path / "a"), _contents(tmp_path / "b")
    assert first["sales.csv"] != second["sales.csv"]
    assert first["products.csv"] != second["products.csv"]


def test_a_store_does_not_depend_on_how_many_stores_are_generated(tmp_path: Path) -> None:
    # Each store has its own random stream: adding stores leaves earlier ones unchanged.
    generate_dataset(CONFIG, tmp_path / "two")
    more = GenerationConfig(stores=4, products=30, days=90, seed=11)
    generate_dataset(more, tmp_path / "four")
    two = pl.read_csv(tmp_path / "two" / "sales.csv")
    four = pl.read_csv(tmp_path / "four" / "sales.csv")
    assert four.filter(pl.col("store_code").is_in(["S0001", "S0002"])).equals(two)
