"""Benchmark: ShelfOps ingest of a large sales file against a plain PostgreSQL COPY.

Usage::

    .venv/bin/python -m bench.ingest                 # 10 M rows
    .venv/bin/python -m bench.ingest --rows 1000000
    .venv/bin/python -m bench.ingest --data-dir DIR  # use DIR/{stores,products,sales}.csv

Without ``--data-dir`` it writes a synthetic catalog (``--stores`` × ``--products``) and a
sales file in the canonical format, one row per store × product × day in date-major
order (how a daily export arrives). It then creates a scratch database, migrates it,
creates a tenant, loads the catalog, and in the same run times

* **ShelfOps**: ``ingest_file`` of the sales file as the row-level-security-bound app role,
  validation included (read, validate, map codes, COPY to a stage, merge into ``sales``);
* **raw COPY**: ``COPY sales_raw FROM STDIN (FORMAT csv, HEADER)`` of the same file into a
  bare table with text/numeric columns (no keys, indexes, constraints or checks).

and prints rows, seconds and rows/s for both with their ratio. The scratch database is
dropped at the end. Not part of the test suite.
"""

from __future__ import annotations

import argparse
import asyncio
import math
import tempfile
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path

import asyncpg
import numpy as np
import polars as pl

from shelfops.config import Environment, Settings
from shelfops.ingest.commands import ingest_file_command
from shelfops.ingest.schemas import IngestKind, IngestReport, Progress
from shelfops.kit import migrate
from shelfops.kit.db import create_engine, create_sessionmaker, tenant_transaction
from shelfops.tenants import service as tenants

_FIRST_DAY = np.datetime64("2024-01-01")
_RAW_TABLE = """
CREATE TABLE sales_raw (
    date text, store_code text, product_code text, quantity numeric, unit_price numeric,
    promo_flag text, discount_pct numeric, on_hand_close numeric
)
"""


def write_dataset(directory: Path, *, rows: int, n_stores: int, n_products: int) -> None:
    """Write stores.csv, products.csv and a sales.csv of ``rows`` rows (vectorised)."""
    rng = np.random.default_rng(20241123)
    store_codes = [f"S{i:04d}" for i in range(n_stores)]
    product_codes = [f"P{i:06d}" for i in range(n_products)]
    pl.DataFrame(
        {
            "store_code": store_codes,
            "name": [f"Store {i}" for i in range(n_stores)],
            "region": ["Midwest"] * n_stores,
            "city": [None] * n_stores,
            "timezone": ["America/Chicago"] * n_stores,
            "opened_on": [None] * n_stores,
            "closed_on": [None] * n_stores,
        }
    ).write_csv(directory / "stores.csv")
    regular_price = np.round(0.5 + rng.gamma(2.0, 2.0, n_products), 2)
    pl.DataFrame(
        {
            "product_code": product_codes,
            "name": [f"Product {i}" for i in range(n_products)],
            "category": ["Grocery"] * n_products,
            "department": ["Food"] * n_products,
            "supplier_code": [None] * n_products,
            "unit_cost": np.round(regular_price * 0.6, 2),
            "unit_price": regular_price,
            "pack_size": np.full(n_products, 6),
            "launched_on": [None] * n_products,
            "discontinued_on": [None] * n_products,
        }
    ).write_csv(directory / "products.csv")

    series = n_stores * n_products
    days = math.ceil(rows / series)
    # Date-major: day d holds every store × product, then day d + 1.
    day = np.repeat(np.arange(days, dtype=np.int64), series)[:rows]
    pair = np.tile(np.arange(series, dtype=np.int64), days)[:rows]
    store = pair // n_products
    product = pair % n_products
    promo = rng.random(rows) < 0.08
    discount = np.where(promo, rng.choice([0.1, 0.2, 0.3], rows), 0.0)
    on_hand = rng.integers(0, 60, rows).astype(np.float64)
    on_hand[rng.random(rows) < 0.05] = np.nan
    sales = pl.DataFrame(
        {
            "date": (_FIRST_DAY + day.astype("timedelta64[D]")).astype("datetime64[D]"),
            "store_code": pl.Series(store_codes).gather(store),
            "product_code": pl.Series(product_codes).gather(product),
            "quantity": rng.poisson(2.0, rows),
            "unit_price": np.round(regular_price[product] * (1 - discount), 2),
            "promo_flag": np.where(promo, "true", "false"),
            "discount_pct": discount,
            "on_hand_close": on_hand,
        }
    ).with_columns(
        pl.col("date").cast(pl.Date),
        pl.col("on_hand_close").fill_nan(None).cast(pl.Int64),
    )
    sales.write_csv(directory / "sales.csv")


@dataclass
class PhaseClock:
    """Wall-clock time of each ingest phase, from the progress callback."""

    start: float = field(default_factory=time.perf_counter)
    marks: dict[str, float] = field(default_factory=dict)

    def __call__(self, event: Progress) -> None:
        self.marks[event.phase] = time.perf_counter() - self.start

    def phases(self) -> dict[str, float]:
        """Seconds spent reading/validating/staging and merging."""
        validated = self.marks.get("writing", 0.0)
        done = self.marks.get("done", validated)
        return {"read + validate + stage": validated, "merge into sales": done - validated}


def _asyncpg_dsn(dsn: str, database: str) -> str:
    return f"{dsn.rsplit('/', 1)[0]}/{database}"


async def _raw_copy(dsn: str, sales: Path) -> tuple[int, float]:
    connection = await asyncpg.connect(dsn)
    try:
        await connection.execute(_RAW_TABLE)
        await connection.execute("CHECKPOINT")
        started = time.perf_counter()
        status = await connection.copy_to_table(
            "sales_raw", source=sales, format="csv", header=True
        )
        seconds = time.perf_counter() - started
        await connection.execute("DROP TABLE sales_raw")
        await connection.execute("CHECKPOINT")
        return int(status.split()[-1]), seconds
    finally:
        await connection.close()


async def _server_settings(dsn: str) -> dict[str, str]:
    # Both loads run under these; bulk-load speed depends on them (checkpoints, buffers).
    connection = await asyncpg.connect(dsn)
    try:
        names = ("server_version", "shared_buffers", "max_wal_size", "wal_level")
        return {name: str(await connection.fetchval(f"SHOW {name}")) for name in names}
    finally:
        await connection.close()


async def _shelfops_ingest(
    settings: Settings, customer_id: uuid.UUID, sales: Path
) -> tuple[IngestReport, float, dict[str, float]]:
    clock = PhaseClock()
    report = await ingest_file_command(settings, customer_id, IngestKind.SALES, sales, clock)
    return report, time.perf_counter() - clock.start, clock.phases()


async def run(args: argparse.Namespace) -> None:
    """Generate (or take) the data, load it both ways, print the comparison."""
    with tempfile.TemporaryDirectory(prefix="shelfops-bench-") as scratch:
        data = Path(args.data_dir) if args.data_dir else Path(scratch)
        if not args.data_dir:
            started = time.perf_counter()
            write_dataset(data, rows=args.rows, n_stores=args.stores, n_products=args.products)
            size = (data / "sales.csv").stat().st_size / 1e6
            print(
                f"wrote {args.rows:,} sales rows ({size:,.0f} MB) in "
                f"{time.perf_counter() - started:.1f}s"
            )

        database = f"shelfops_bench_{uuid.uuid4().hex[:10]}"
        admin = await asyncpg.connect(args.dsn)
        await admin.execute(f'CREATE DATABASE "{database}"')
        await admin.close()
        dsn = _asyncpg_dsn(args.dsn, database)
        try:
            settings = Settings(
                env=Environment.TEST,
                var_dir=Path(scratch),
                database_url=dsn.replace("postgresql://", "postgresql+asyncpg://", 1),
                ingest_chunk_rows=args.chunk_rows,
            )
            await migrate.upgrade(settings)
            customer_id = uuid.uuid4()
            engine = create_engine(settings)
            try:
                async with tenant_transaction(create_sessionmaker(engine), customer_id) as s:
                    await tenants.create_customer(
                        s, name="Bench", slug="bench", customer_id=customer_id
                    )
            finally:
                await engine.dispose()
            for kind in (IngestKind.STORES, IngestKind.PRODUCTS):
                await ingest_file_command(settings, customer_id, kind, data / f"{kind}.csv")

            server = await _server_settings(dsn)
            copied, copy_seconds = await _raw_copy(dsn, data / "sales.csv")
            report, seconds, phases = await _shelfops_ingest(
                settings, customer_id, data / "sales.csv"
            )
            rows = [
                ("raw COPY (bare text/numeric table)", copied, copy_seconds),
                ("ShelfOps ingest (validated, upserted)", report.rows_received, seconds),
            ]
            if args.reingest:
                again, again_seconds, _ = await _shelfops_ingest(
                    settings, customer_id, data / "sales.csv"
                )
                assert again.inserted == again.updated == 0, again
                rows.append(("ShelfOps re-ingest (no changes)", again.rows_received, again_seconds))
        finally:
            admin = await asyncpg.connect(args.dsn)
            await admin.execute(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)')
            await admin.close()

    print()
    print("PostgreSQL: " + ", ".join(f"{name} {value}" for name, value in server.items()))
    print(f"{'':40} {'rows':>12} {'seconds':>9} {'rows/s':>11}")
    for name, count, secs in rows:
        print(f"{name:40} {count:>12,} {secs:>9.1f} {count / secs:>11,.0f}")
    ratio = (report.rows_received / seconds) / (copied / copy_seconds)
    print(f"\nShelfOps / raw COPY speed: {ratio:.2f}x  (target ≥ 0.50x)")
    print(
        "ShelfOps phases: "
        + ", ".join(f"{name} {secs:.1f}s" for name, secs in phases.items())
        + f"; inserted {report.inserted:,}, updated {report.updated:,}"
    )


def main() -> None:
    """Parse options and run the benchmark."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=10_000_000)
    parser.add_argument("--stores", type=int, default=100)
    parser.add_argument("--products", type=int, default=1000)
    parser.add_argument("--data-dir", help="use DIR/{stores,products,sales}.csv instead")
    parser.add_argument("--chunk-rows", type=int, default=500_000)
    parser.add_argument("--reingest", action="store_true", help="also time a no-op re-ingest")
    parser.add_argument("--dsn", default="postgresql://postgres@127.0.0.1:5432/postgres")
    asyncio.run(run(parser.parse_args()))


if __name__ == "__main__":
    main()
