"""The tenant ``bench/api_load.py`` loads against: a scratch PostgreSQL database with one
tenant of ``stores`` × ``products``.

Through the project's own code paths: migrations, the tenant and its API keys (tenant
service), suppliers, stores, products, one inventory snapshot per store × product and
``sales_days`` days of sales per store × product (``ingest_file_command``: validation and
bulk COPY). Written directly with COPY as the schema owner, because producing them the
real way (training on a million series, the nightly replenishment job) would take far
longer than the load test and the bench measures the API, not the model: the champion
model version, ``horizon`` days of forecasts for ``forecast_series`` series, a reorder
policy per store × product (what ``GET /inventory`` lists), open stock alerts for the
series at risk, and suggested purchase orders (one per store × supplier, a few lines).
"""

from __future__ import annotations

import datetime as dt
import json
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import asyncpg
import numpy as np
import polars as pl

from shelfops.config import Settings
from shelfops.ingest.commands import ingest_file_command
from shelfops.ingest.schemas import IngestKind
from shelfops.kit import migrate
from shelfops.kit.db import create_engine, create_sessionmaker, tenant_transaction
from shelfops.models import Role
from shelfops.tenants import service as tenants

MODEL_NAME = "demand_forecast"
MODEL_VERSION = "bench-v1"
CATEGORIES = ("Dairy", "Bakery", "Produce", "Frozen", "Beverages", "Snacks", "Household", "Pet")
# Stock status shares of the reorder policies (the rest is "ok").
STATUS_SHARES = (("out_of_stock", 0.01), ("critical", 0.03), ("low", 0.08))


@dataclass
class Tenant:
    """What the load generator needs to know about the built tenant."""

    customer_id: str
    viewer_key: str
    planner_key: str
    store_ids: list[int]
    categories: list[str]
    forecast_series: list[tuple[int, int]]
    po_ids: list[str]
    probe_po_ids: list[str] = field(default_factory=list)
    counts: dict[str, int] = field(default_factory=dict)
    seconds: dict[str, float] = field(default_factory=dict)

    def write(self, path: Path) -> None:
        """Write the tenant as JSON (read by the locustfile); it holds API keys, so 0600."""
        path.touch(mode=0o600)
        path.write_text(json.dumps(self.__dict__))

    @classmethod
    def read(cls, path: Path) -> Tenant:
        """A tenant written by :meth:`write`."""
        return cls(**json.loads(path.read_text()))

    async def refresh_orders(self, owner_dsn: str, set_aside: int) -> None:
        """Hand out only orders still suggested (a kept tenant was loaded before), and set
        ``set_aside`` of them apart for the unloaded probe."""
        connection = await asyncpg.connect(owner_dsn)
        try:
            rows = await connection.fetch(
                "SELECT po_id FROM purchase_orders WHERE status = 'suggested' ORDER BY po_number"
            )
        finally:
            await connection.close()
        ids = [str(row[0]) for row in rows]
        np.random.default_rng(len(ids)).shuffle(ids)
        self.probe_po_ids, self.po_ids = ids[:set_aside], ids[set_aside:]


@dataclass
class Sizes:
    """How big the tenant is."""

    stores: int
    products: int
    suppliers: int
    sales_days: int
    horizon: int
    forecast_series: int
    lines_per_po: int
    seed: int = 20261205


def _write_catalog(directory: Path, sizes: Sizes, today: dt.date) -> None:
    rng = np.random.default_rng(sizes.seed)
    n_s, n_p, n_sup = sizes.stores, sizes.products, sizes.suppliers
    store_codes = [f"S{i:05d}" for i in range(n_s)]
    product_codes = [f"P{i:06d}" for i in range(n_p)]
    pl.DataFrame(
        {
            "supplier_code": [f"V{i:03d}" for i in range(n_sup)],
            "name": [f"Supplier {i}" for i in range(n_sup)],
            "lead_time_days": rng.integers(2, 10, n_sup).astype(float),
            "lead_time_std_days": np.round(rng.uniform(0.2, 2.0, n_sup), 2),
            "min_order_qty": np.zeros(n_sup, dtype=np.int64),
        }
    ).write_csv(directory / "suppliers.csv")
    pl.DataFrame(
        {
            "store_code": store_codes,
            "name": [f"Store {i}" for i in range(n_s)],
            "region": [("North", "South", "East", "West")[i % 4] for i in range(n_s)],
            "city": [None] * n_s,
            "timezone": ["America/Chicago"] * n_s,
            "opened_on": [None] * n_s,
            "closed_on": [None] * n_s,
        }
    ).write_csv(directory / "stores.csv")
    price = np.round(0.5 + rng.gamma(2.0, 2.0, n_p), 2)
    pl.DataFrame(
        {
            "product_code": product_codes,
            "name": [f"Product {i}" for i in range(n_p)],
            "category": [CATEGORIES[i % len(CATEGORIES)] for i in range(n_p)],
            "department": ["Grocery"] * n_p,
            "supplier_code": [f"V{i % n_sup:03d}" for i in range(n_p)],
            "unit_cost": np.round(price * 0.6, 2),
            "unit_price": price,
            "pack_size": np.full(n_p, 6),
            "launched_on": [None] * n_p,
            "discontinued_on": [None] * n_p,
        }
    ).write_csv(directory / "products.csv")
    series = n_s * n_p
    store = np.repeat(np.arange(n_s), n_p)
    product = np.tile(np.arange(n_p), n_s)
    pl.DataFrame(
        {
            "date": [today] * series,
            "store_code": pl.Series(store_codes).gather(store),
            "product_code": pl.Series(product_codes).gather(product),
            "on_hand": rng.integers(0, 80, series),
            "on_order": np.where(rng.random(series) < 0.1, 12, 0),
        }
    ).write_csv(directory / "inventory.csv")
    if sizes.sales_days:
        days = sizes.sales_days
        rows = series * days
        first = np.datetime64(today - dt.timedelta(days=days))
        day = np.repeat(np.arange(days), series)
        pair = np.tile(np.arange(series), days)
        pl.DataFrame(
            {
                "date": (first + day.astype("timedelta64[D]")).astype("datetime64[D]"),
                "store_code": pl.Series(store_codes).gather(pair // n_p),
                "product_code": pl.Series(product_codes).gather(pair % n_p),
                "quantity": rng.poisson(2.0, rows),
                "unit_price": price[pair % n_p],
                "promo_flag": np.full(rows, "false"),
                "discount_pct": np.zeros(rows),
                "on_hand_close": rng.integers(0, 60, rows),
            }
        ).with_columns(pl.col("date").cast(pl.Date)).write_csv(directory / "sales.csv")


async def _tenant_and_keys(settings: Settings) -> tuple[uuid.UUID, str, str]:
    customer_id = uuid.uuid4()
    engine = create_engine(settings)
    try:
        async with tenant_transaction(create_sessionmaker(engine), customer_id) as session:
            await tenants.create_customer(
                session, name="Load bench", slug="load-bench", customer_id=customer_id
            )
            _, viewer = await tenants.issue_api_key(
                session, customer_id=customer_id, name="bench viewer", role=Role.VIEWER
            )
            _, planner = await tenants.issue_api_key(
                session, customer_id=customer_id, name="bench planner", role=Role.PLANNER
            )
    finally:
        await engine.dispose()
    return customer_id, viewer, planner


async def _direct_rows(
    dsn: str, customer_id: uuid.UUID, sizes: Sizes, today: dt.date
) -> tuple[list[tuple[int, int]], list[str], dict[str, int]]:
    """Champion, forecasts, reorder policies, alerts and suggested orders (COPY)."""
    rng = np.random.default_rng(sizes.seed + 1)
    connection = await asyncpg.connect(dsn)
    counts: dict[str, int] = {}
    try:
        # COPY is binary: jsonb's binary form is a version byte (1) and the JSON text.
        await connection.set_type_codec(
            "jsonb",
            encoder=lambda value: b"\x01" + json.dumps(value).encode(),
            decoder=lambda data: json.loads(data[1:]),
            schema="pg_catalog",
            format="binary",
        )
        cid = customer_id
        stores = [
            r["store_id"]
            for r in await connection.fetch("SELECT store_id FROM stores ORDER BY store_code")
        ]
        products = await connection.fetch(
            "SELECT product_id, supplier_id, unit_cost, pack_size FROM products "
            "ORDER BY product_code"
        )
        product_ids = np.array([r["product_id"] for r in products])
        supplier_of = np.array([r["supplier_id"] for r in products])
        unit_cost = np.array([r["unit_cost"] for r in products])
        lead = dict(await connection.fetch("SELECT supplier_id, lead_time_days FROM suppliers"))
        now = dt.datetime.now(dt.UTC)

        await connection.execute(
            "INSERT INTO model_versions (model_id, model_name, version, status, metrics, "
            "params, created_at, promoted_at, customer_id) "
            "VALUES ($1, $2, $3, 'champion', $4, $5, $6, $6, $7)",
            uuid.uuid4(),
            MODEL_NAME,
            MODEL_VERSION,
            {"mae": 1.0},
            {"note": "written by bench/api_load.py"},
            now,
            cid,
        )

        # Forecasts: a random sample of series (every series when it is small enough).
        n_series = len(stores) * len(products)
        chosen = rng.choice(n_series, size=min(sizes.forecast_series, n_series), replace=False)
        series = [
            (stores[int(i) // len(products)], int(product_ids[int(i) % len(products)]))
            for i in np.sort(chosen)
        ]
        means = rng.gamma(2.0, 1.0, (len(series), sizes.horizon))

        def forecast_records() -> Iterator[tuple[object, ...]]:
            for k, (store_id, product_id) in enumerate(series):
                for h in range(sizes.horizon):
                    mean = float(means[k, h])
                    q = {"0.1": mean * 0.4, "0.5": mean * 0.95, "0.9": mean * 1.7}
                    yield (
                        store_id,
                        product_id,
                        today,
                        today + dt.timedelta(days=h + 1),
                        MODEL_NAME,
                        MODEL_VERSION,
                        mean,
                        q["0.1"],
                        q["0.9"],
                        q,
                        now,
                        cid,
                    )

        await connection.copy_records_to_table(
            "demand_forecasts",
            records=forecast_records(),
            columns=[
                "store_id",
                "product_id",
                "issue_date",
                "forecast_date",
                "model_name",
                "model_version",
                "forecasted_demand",
                "lower_bound",
                "upper_bound",
                "quantiles",
                "created_at",
                "customer_id",
            ],
        )
        counts["forecast rows"] = len(series) * sizes.horizon

        # Reorder policies: one per store × product, with a stock status.
        draw = rng.random(n_series)
        edges = np.cumsum([share for _, share in STATUS_SHARES])
        status_index = np.searchsorted(edges, draw, side="right")
        names = [name for name, _ in STATUS_SHARES] + ["ok"]
        on_hand = rng.integers(0, 80, n_series).astype(float)
        daily = rng.gamma(2.0, 1.0, n_series)
        alert_rows: list[tuple[object, ...]] = []

        def policy_records() -> Iterator[tuple[object, ...]]:
            for i in range(n_series):
                s, p = divmod(i, len(products))
                status = names[status_index[i]]
                lt = float(lead.get(supplier_of[p], 7.0))
                mean_lt = daily[i] * lt
                safety = 1.64 * np.sqrt(lt) * daily[i] * 0.6
                rop = mean_lt + safety
                hand = 0.0 if status == "out_of_stock" else float(on_hand[i])
                dos = hand / daily[i]
                yield (
                    stores[s],
                    int(product_ids[p]),
                    0.95,
                    "cycle",
                    False,
                    lt,
                    float(safety),
                    float(rop),
                    float(rop + daily[i] * 7),
                    float(daily[i] * 14),
                    0,
                    6,
                    MODEL_VERSION,
                    now,
                    cid,
                    hand,
                    float(mean_lt),
                    float(np.sqrt(lt) * daily[i] * 0.6),
                    float(dos),
                    float(max(0.0, rop + daily[i] * 7 - hand)),
                    status,
                    {"on_hand": hand, "on_order": 0.0, "reserved": 0.0, "unit_cost": unit_cost[p]},
                )
                if status != "ok":
                    kind = "critical" if status in ("out_of_stock", "critical") else "warning"
                    alert_rows.append(
                        (
                            uuid.uuid4(),
                            stores[s],
                            int(product_ids[p]),
                            "stockout_predicted",
                            kind,
                            f"{status}: {dos:.1f} days of supply, lead time {lt:.0f} days",
                            {"days_of_supply": float(dos), "lead_time_days": lt},
                            "open",
                            now - dt.timedelta(seconds=int(rng.integers(0, 86400 * 7))),
                            cid,
                            f"stockout_predicted:{stores[s]}:{int(product_ids[p])}",
                        )
                    )

        await connection.copy_records_to_table(
            "reorder_policies",
            records=policy_records(),
            columns=[
                "store_id",
                "product_id",
                "service_level",
                "service_level_kind",
                "service_level_overridden",
                "lead_time_days",
                "safety_stock",
                "reorder_point",
                "order_up_to",
                "economic_order_qty",
                "min_order_qty",
                "pack_size",
                "model_version",
                "computed_at",
                "customer_id",
                "inventory_position",
                "lead_time_demand_mean",
                "lead_time_demand_std",
                "days_of_supply",
                "recommended_quantity",
                "stock_status",
                "details",
            ],
        )
        counts["reorder policies"] = n_series
        await connection.copy_records_to_table(
            "alerts",
            records=alert_rows,
            columns=[
                "alert_id",
                "store_id",
                "product_id",
                "alert_type",
                "severity",
                "message",
                "alert_metadata",
                "status",
                "created_at",
                "customer_id",
                "dedupe_key",
            ],
        )
        counts["open alerts"] = len(alert_rows)

        # Suggested orders: one per store × supplier, a few of that supplier's products.
        by_supplier: dict[int, list[int]] = {}
        for p, supplier in enumerate(supplier_of):
            by_supplier.setdefault(int(supplier), []).append(p)
        orders, lines = [], []
        number = 0
        for store_id in stores:
            for supplier, members in by_supplier.items():
                number += 1
                po_id = uuid.uuid4()
                picked = rng.choice(
                    members, size=min(sizes.lines_per_po, len(members)), replace=False
                )
                total = 0.0
                for p in picked:
                    quantity = float(6 * rng.integers(1, 6))
                    total += quantity * float(unit_cost[p])
                    lines.append(
                        (po_id, int(product_ids[p]), quantity, quantity, float(unit_cost[p]), cid)
                    )
                orders.append(
                    (
                        po_id,
                        f"PO-{today:%Y%m%d}-{number}",
                        store_id,
                        supplier,
                        "suggested",
                        "suggested",
                        total,
                        cid,
                    )
                )
        await connection.copy_records_to_table(
            "purchase_orders",
            records=orders,
            columns=[
                "po_id",
                "po_number",
                "store_id",
                "supplier_id",
                "status",
                "source",
                "total_cost",
                "customer_id",
            ],
        )
        await connection.copy_records_to_table(
            "purchase_order_lines",
            records=lines,
            columns=[
                "po_id",
                "product_id",
                "suggested_quantity",
                "quantity",
                "unit_cost",
                "customer_id",
            ],
        )
        counts["suggested orders"] = len(orders)
        counts["order lines"] = len(lines)
        await connection.execute("VACUUM ANALYZE")
        po_ids = [str(order[0]) for order in orders]
        rng.shuffle(po_ids)
        return series, po_ids, counts
    finally:
        await connection.close()


async def build_tenant(
    settings: Settings, owner_dsn: str, sizes: Sizes, scratch: Path, today: dt.date
) -> Tenant:
    """Migrate the (empty) database ``settings`` points at and fill the tenant."""
    seconds: dict[str, float] = {}
    started = time.perf_counter()
    await migrate.upgrade(settings)
    customer_id, viewer, planner = await _tenant_and_keys(settings)
    seconds["migrate + tenant"] = time.perf_counter() - started

    started = time.perf_counter()
    _write_catalog(scratch, sizes, today)
    seconds["write CSV files"] = time.perf_counter() - started

    counts: dict[str, int] = {}
    started = time.perf_counter()
    kinds = [IngestKind.SUPPLIERS, IngestKind.STORES, IngestKind.PRODUCTS, IngestKind.INVENTORY]
    if sizes.sales_days:
        kinds.append(IngestKind.SALES)
    for kind in kinds:
        report = await ingest_file_command(settings, customer_id, kind, scratch / f"{kind}.csv")
        counts[f"{kind} (ingest)"] = report.rows_received
    seconds["shelfops ingest"] = time.perf_counter() - started

    started = time.perf_counter()
    series, po_ids, direct = await _direct_rows(owner_dsn, customer_id, sizes, today)
    counts.update(direct)
    seconds["direct COPY + VACUUM ANALYZE"] = time.perf_counter() - started

    connection = await asyncpg.connect(owner_dsn)
    try:
        store_ids = [r[0] for r in await connection.fetch("SELECT store_id FROM stores")]
    finally:
        await connection.close()
    return Tenant(
        customer_id=str(customer_id),
        viewer_key=viewer,
        planner_key=planner,
        store_ids=store_ids,
        categories=list(CATEGORIES),
        forecast_series=series,
        po_ids=po_ids,
        counts=counts,
        seconds=seconds,
    )
