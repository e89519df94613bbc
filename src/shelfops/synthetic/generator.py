"""Public entry point: generate a complete, deterministic retail data set as CSV files."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import ExitStack
from pathlib import Path

import polars as pl

from shelfops.synthetic.calendar import Calendar, build_calendar
from shelfops.synthetic.catalog import Catalog, build_catalog
from shelfops.synthetic.config import FileSummary, GenerationConfig, GenerationSummary
from shelfops.synthetic.demand import ChainBlock, chain_block, store_day_noise
from shelfops.synthetic.seeds import Stream, rng_for
from shelfops.synthetic.simulation import simulate_store_block
from shelfops.synthetic.stores import build_stores
from shelfops.synthetic.writer import (
    INVENTORY_COLUMNS,
    SALES_COLUMNS,
    CsvAppender,
    discard,
    inventory_frame,
    products_frame,
    publish,
    sales_frame,
    stores_frame,
    suppliers_frame,
    write_table,
)

FILE_NAMES = {
    "suppliers": "suppliers.csv",
    "stores": "stores.csv",
    "products": "products.csv",
    "sales": "sales.csv",
    "inventory": "inventory.csv",
}

BLOCK_CELLS = 2_000_000
"""Product x day cells simulated at once: bounds memory for any catalog size."""
CACHE_CELLS = 4_000_000
"""Catalogs up to this many product x day cells keep their chain-wide arrays across stores."""

ProgressCallback = Callable[[int, int], None]


def product_blocks(products: int, days: int) -> list[tuple[int, int]]:
    """Split products into blocks of at most `BLOCK_CELLS` product-days.

    Depends only on the config, so the random streams (one per store and block) and
    therefore the output are the same on every machine.
    """
    size = max(1, BLOCK_CELLS // days)
    return [(lo, min(lo + size, products)) for lo in range(0, products, size)]


class _ChainBlocks:
    """Chain-wide block arrays, computed once when small enough, else per store."""

    def __init__(self, catalog: Catalog, calendar: Calendar, blocks: list[tuple[int, int]]):
        self._catalog = catalog
        self._calendar = calendar
        self._blocks = blocks
        cells = len(catalog.products) * calendar.days
        self._cache: list[ChainBlock] | None = [] if cells <= CACHE_CELLS else None

    def __iter__(self) -> Iterator[tuple[int, ChainBlock]]:
        for index, (lo, hi) in enumerate(self._blocks):
            if self._cache is not None and index < len(self._cache):
                yield index, self._cache[index]
                continue
            block = chain_block(self._catalog.products, self._calendar, lo, hi)
            if self._cache is not None:
                self._cache.append(block)
            yield index, block


def generate_dataset(
    config: GenerationConfig,
    out_dir: Path,
    on_progress: ProgressCallback | None = None,
) -> GenerationSummary:
    """Write suppliers, stores, products, sales and inventory CSVs for `config` to `out_dir`.

    Stores are simulated and appended one at a time (each from its own random stream),
    so memory stays bounded whatever the number of stores, and the same config always
    gives byte-identical files. `on_progress(done_stores, total_stores)` is called after
    each store. Existing files of the same names are replaced only once the whole data
    set is written. Raises `ValueError` for an invalid config or an `out_dir` that is
    not a directory.
    """
    config.validate()
    out_dir = Path(out_dir)
    if out_dir.exists() and not out_dir.is_dir():
        raise ValueError(f"output path {out_dir} exists and is not a directory")
    out_dir.mkdir(parents=True, exist_ok=True)
    paths = {kind: out_dir / name for kind, name in FILE_NAMES.items()}

    calendar = build_calendar(config.start, config.days)
    catalog = build_catalog(config)
    stores = build_stores(config)
    blocks = product_blocks(config.products, config.days)
    chain = _ChainBlocks(catalog, calendar, blocks)
    product_codes = pl.Series("product_code", catalog.products.codes, dtype=pl.String)
    sundays = calendar.sundays

    try:
        rows = {
            "suppliers": write_table(suppliers_frame(catalog), paths["suppliers"]),
            "stores": write_table(stores_frame(stores), paths["stores"]),
            "products": write_table(products_frame(catalog), paths["products"]),
        }
        stockouts = 0
        with ExitStack() as stack:
            sales = stack.enter_context(CsvAppender(paths["sales"], SALES_COLUMNS))
            inventory = stack.enter_context(CsvAppender(paths["inventory"], INVENTORY_COLUMNS))
            for s, store_code in enumerate(stores.codes):
                day_noise = store_day_noise(
                    rng_for(config.seed, Stream.STORE_DAYS, s), calendar.days
                )
                for index, block in chain:
                    result = simulate_store_block(
                        catalog,
                        block,
                        store_scale=float(stores.scale[s]),
                        safety_bias=float(stores.safety_bias[s]),
                        day_noise=day_noise,
                        rng=rng_for(config.seed, Stream.STORE_BLOCK, s, index),
                    )
                    codes = product_codes.slice(block.lo, block.hi - block.lo)
                    sales.append(sales_frame(calendar.dates, store_code, codes, result))
                    inventory.append(
                        inventory_frame(calendar.dates, sundays, store_code, codes, result)
                    )
                    stockouts += int(((result.inventory.on_hand_close == 0) & block.active).sum())
                if on_progress is not None:
                    on_progress(s + 1, len(stores))
        rows["sales"], rows["inventory"] = sales.rows, inventory.rows
    except BaseException:
        discard(list(paths.values()))
        raise
    publish(list(paths.values()))

    files = {kind: FileSummary(kind, paths[kind], rows[kind]) for kind in FILE_NAMES}
    return GenerationSummary(
        config=config,
        out_dir=out_dir,
        suppliers=files["suppliers"],
        stores=files["stores"],
        products=files["products"],
        sales=files["sales"],
        inventory=files["inventory"],
        stockout_rows=stockouts,
    )
