"""A tenant's sales history read from the database is the same input as its sales file."""

from __future__ import annotations

import datetime as dt
import uuid
from pathlib import Path

import numpy as np
import polars as pl
import pytest
from polars.testing import assert_frame_equal
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from shelfops.forecasting.io import read_input
from shelfops.ingest import runs
from shelfops.kit.db import tenant_transaction
from shelfops.kit.errors import BadRequest, Conflict
from shelfops.models import Sale
from shelfops.runs.inputs import load_panel
from shelfops.sales import repository
from shelfops.sales.history import NoSalesHistory, TenantHistory, load_history
from shelfops.synthetic import GenerationConfig, generate_dataset
from tests.conftest import Tenant, make_tenant
from tests.ingest.helpers import FILES, codes_to_ids, write

# Two stores, a dozen products, 75 days: product launches, promotions and stock-outs
# appear, and the load takes well under a second.
CONFIG = GenerationConfig(stores=2, products=12, days=75, seed=7, start=dt.date(2024, 3, 1))

Sessions = async_sessionmaker[AsyncSession]


@pytest.fixture(scope="module")
def generated(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The canonical files of a small generated chain (written once per module)."""
    directory = tmp_path_factory.mktemp("generated")
    summary = generate_dataset(CONFIG, directory)
    assert summary.stockout_rows > 0  # the data set exercises censoring
    return directory


@pytest.fixture
def handwritten(tmp_path: Path) -> Path:
    """The ingest tests' small files: empty on_hand_close, 0/1 promo flags, 2.5 units."""
    for kind, content in FILES.items():
        write(tmp_path, kind, content)
    return tmp_path


async def ingest(sessions: Sessions, tenant: Tenant, directory: Path) -> None:
    await runs.ingest_directory(sessions, customer_id=tenant.customer_id, directory=directory)


async def history(
    sessions: Sessions, customer_id: uuid.UUID, **window: dt.date | int | None
) -> TenantHistory:
    async with tenant_transaction(sessions, customer_id) as session:
        return await load_history(session, **window)  # type: ignore[arg-type]


def file_frame(directory: Path) -> pl.DataFrame:
    """What the file reader makes of ``directory/sales.csv``, in the history's order."""
    return read_input(directory / "sales.csv").drop("_line").sort("unique_id", "ds")


async def test_the_database_history_is_what_the_file_reader_reads(
    sessionmaker: Sessions, tenant_a: Tenant, generated: Path
) -> None:
    await ingest(sessionmaker, tenant_a, generated)

    loaded = await history(sessionmaker, tenant_a.customer_id)

    # Same series ids, dates, quantities, covariates, statics and stock-out flags.
    assert_frame_equal(loaded.frame, file_frame(generated))
    assert (~loaded.frame["in_stock"]).sum() > 0
    # And therefore the same panel the file path builds for training.
    expected = load_panel(generated / "sales.csv", "D").panel
    np.testing.assert_array_equal(loaded.panel.ids, expected.ids)
    np.testing.assert_array_equal(loaded.panel.dates, expected.dates)
    np.testing.assert_array_equal(loaded.panel.y, expected.y)
    np.testing.assert_array_equal(loaded.panel.censored, expected.censored)
    assert (
        set(loaded.panel.covariates)
        == set(expected.covariates)
        == {
            "price",
            "promo_flag",
            "discount_pct",
        }
    )
    for name, matrix in expected.covariates.items():
        np.testing.assert_array_equal(loaded.panel.covariates[name], matrix)
    assert set(loaded.panel.statics) == {"store_id", "product_id", "category"}
    for name, values in expected.statics.items():
        np.testing.assert_array_equal(loaded.panel.statics[name], values)
    assert (loaded.start, loaded.end) == (CONFIG.start, CONFIG.end)


async def test_a_history_read_in_small_pieces_is_the_same(
    sessionmaker: Sessions, tenant_a: Tenant, generated: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Big reads are parsed in batches (PostgreSQL's COPY stream) or partitions (SQLite);
    # tiny ones force many batch boundaries, each cutting a row's text or the rows.
    monkeypatch.setattr(repository, "_PARSE_BYTES", 1000)
    monkeypatch.setattr(repository, "PARTITION_ROWS", 97)
    await ingest(sessionmaker, tenant_a, generated)

    loaded = await history(sessionmaker, tenant_a.customer_id)

    assert_frame_equal(loaded.frame, file_frame(generated))


async def test_unrecorded_stock_counts_and_text_flags_match_the_file_reader(
    sessionmaker: Sessions, tenant_a: Tenant, handwritten: Path
) -> None:
    await ingest(sessionmaker, tenant_a, handwritten)

    loaded = await history(sessionmaker, tenant_a.customer_id)

    assert_frame_equal(loaded.frame, file_frame(handwritten))
    rows = {(r["unique_id"], r["ds"].isoformat()): r for r in loaded.frame.iter_rows(named=True)}
    # on_hand_close 0: a stock-out; empty: not recorded, so taken as in stock.
    assert rows[("S1|P2", "2024-01-01")]["in_stock"] is False
    assert rows[("S2|P1", "2024-01-01")]["in_stock"] is True
    assert rows[("S2|P1", "2024-01-01")]["promo_flag"] == 1.0
    assert rows[("S2|P2", "2024-01-03")]["y"] == 2.5
    assert rows[("S2|P2", "2024-01-03")]["category"] == "Bakery"


async def test_series_keys_lead_back_to_the_database_rows(
    sessionmaker: Sessions, tenant_a: Tenant, generated: Path
) -> None:
    await ingest(sessionmaker, tenant_a, generated)
    ids = await codes_to_ids(sessionmaker, tenant_a.customer_id)

    loaded = await history(sessionmaker, tenant_a.customer_id)

    assert set(loaded.series_keys) == set(loaded.panel.ids)
    for uid, (store_id, product_id) in loaded.series_keys.items():
        store_code, product_code = uid.split("|")
        assert (store_id, product_id) == (ids[store_code], ids[product_code])
    # The ids find exactly that series' quantities in the sales table.
    uid = str(loaded.panel.ids[3])
    store_id, product_id = loaded.series_keys[uid]
    async with tenant_transaction(sessionmaker, tenant_a.customer_id) as session:
        actual = await repository.actuals(
            session, customer_id=tenant_a.customer_id, start=CONFIG.start, end=CONFIG.end
        )
    mine = actual.filter((pl.col("store_id") == store_id) & (pl.col("product_id") == product_id))
    expected = loaded.frame.filter(pl.col("unique_id") == uid)
    assert mine.sort("sale_date")["quantity"].to_list() == expected["y"].to_list()


async def test_tenants_read_only_their_own_history(
    sessionmaker: Sessions, tenant_a: Tenant, tenant_b: Tenant, generated: Path, handwritten: Path
) -> None:
    await ingest(sessionmaker, tenant_a, generated)
    await ingest(sessionmaker, tenant_b, handwritten)

    mine = await history(sessionmaker, tenant_a.customer_id)
    theirs = await history(sessionmaker, tenant_b.customer_id)

    assert_frame_equal(mine.frame, file_frame(generated))
    assert_frame_equal(theirs.frame, file_frame(handwritten))
    assert set(theirs.series_keys) == {"S1|P1", "S1|P2", "S2|P1", "S2|P3", "S2|P2"}
    assert not set(theirs.series_keys) & set(mine.series_keys)


async def test_a_tenant_without_sales_gets_a_clear_error(
    sessionmaker: Sessions, tenant_a: Tenant, generated: Path
) -> None:
    await ingest(sessionmaker, tenant_a, generated)  # another tenant's sales exist
    empty = await make_tenant(sessionmaker, "empty")

    with pytest.raises(NoSalesHistory, match="no sales yet") as caught:
        await history(sessionmaker, empty.customer_id)
    assert caught.value.status_code == 400
    async with tenant_transaction(sessionmaker, empty.customer_id) as session:
        assert await repository.latest_sale_date(session, customer_id=empty.customer_id) is None
    async with tenant_transaction(sessionmaker, tenant_a.customer_id) as session:
        latest = await repository.latest_sale_date(session, customer_id=tenant_a.customer_id)
    assert latest == CONFIG.end


async def test_end_and_days_window_the_history(
    sessionmaker: Sessions, tenant_a: Tenant, generated: Path
) -> None:
    await ingest(sessionmaker, tenant_a, generated)
    everything = file_frame(generated)
    end = CONFIG.start + dt.timedelta(days=49)

    window = await history(sessionmaker, tenant_a.customer_id, end=end, days=28)

    start = end - dt.timedelta(days=27)
    expected = everything.filter(pl.col("ds").is_between(start, end))
    assert_frame_equal(window.frame, expected)
    assert (window.start, window.end) == (start, end)
    assert window.panel.n_periods == 28
    assert window.panel.future_dates(1)[0] == np.datetime64(end + dt.timedelta(days=1))

    recent = await history(sessionmaker, tenant_a.customer_id, days=14)
    assert (recent.start, recent.end) == (CONFIG.end - dt.timedelta(days=13), CONFIG.end)
    assert_frame_equal(recent.frame, everything.filter(pl.col("ds") >= recent.start))

    until = await history(sessionmaker, tenant_a.customer_id, end=end)
    assert_frame_equal(until.frame, everything.filter(pl.col("ds") <= end))
    assert until.start == CONFIG.start


async def test_bad_windows_are_refused_by_name(
    sessionmaker: Sessions, tenant_a: Tenant, generated: Path
) -> None:
    await ingest(sessionmaker, tenant_a, generated)
    before = CONFIG.start - dt.timedelta(days=1)

    with pytest.raises(NoSalesHistory, match=f"no sales between 2024-02-23 and {before}"):
        await history(sessionmaker, tenant_a.customer_id, end=before, days=7)
    with pytest.raises(NoSalesHistory, match=f"no sales up to {before}"):
        await history(sessionmaker, tenant_a.customer_id, end=before)
    with pytest.raises(BadRequest, match="days must be at least 1, got 0"):
        await history(sessionmaker, tenant_a.customer_id, days=0)


async def test_a_sale_without_a_catalog_row_is_refused_not_dropped(
    sessionmaker: Sessions, tenant_a: Tenant, handwritten: Path
) -> None:
    await ingest(sessionmaker, tenant_a, handwritten)
    ids = await codes_to_ids(sessionmaker, tenant_a.customer_id)
    async with tenant_transaction(sessionmaker, tenant_a.customer_id) as session:
        session.add(
            Sale(
                customer_id=tenant_a.customer_id,
                store_id=ids["S1"],
                product_id=987_654_321,
                sale_date=dt.date(2024, 1, 2),
                quantity=1.0,
                unit_price=1.0,
            )
        )

    with pytest.raises(Conflict, match=r"1 product_id value\(s\) .* no catalog row \(987654321\)"):
        await history(sessionmaker, tenant_a.customer_id)


async def test_actuals_are_the_recorded_sales_of_the_dates_asked(
    sessionmaker: Sessions, tenant_a: Tenant, handwritten: Path
) -> None:
    await ingest(sessionmaker, tenant_a, handwritten)
    ids = await codes_to_ids(sessionmaker, tenant_a.customer_id)

    async with tenant_transaction(sessionmaker, tenant_a.customer_id) as session:
        frame = await repository.actuals(
            session,
            customer_id=tenant_a.customer_id,
            start=dt.date(2024, 1, 2),
            end=dt.date(2024, 1, 3),
        )

    assert frame.columns == ["store_id", "product_id", "sale_date", "quantity", "on_hand_close"]
    rows = sorted(frame.iter_rows())
    assert rows == sorted(
        [
            (ids["S1"], ids["P1"], dt.date(2024, 1, 2), 7.0, 13.0),
            (ids["S2"], ids["P3"], dt.date(2024, 1, 2), 1.0, 4.0),
            (ids["S2"], ids["P2"], dt.date(2024, 1, 3), 2.5, None),
        ]
    )
