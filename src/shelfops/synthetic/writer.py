"""CSV output in the canonical format (docs/canonical-format.md).

Master data is written in one go; sales and inventory are appended store by store
through `CsvAppender`, which hands whole polars frames to the vectorised CSV writer.
Files are written under a temporary name and renamed only when the whole data set is
complete, so an interrupted run never leaves a truncated file that looks finished.
"""

from __future__ import annotations

from pathlib import Path
from types import TracebackType
from typing import BinaryIO, Final

import numpy as np
import numpy.typing as npt
import polars as pl

from shelfops.synthetic.catalog import Catalog
from shelfops.synthetic.simulation import StoreBlock
from shelfops.synthetic.stores import Stores
from shelfops.synthetic.taxonomy import CATEGORIES

SUPPLIER_COLUMNS: Final = (
    "supplier_code",
    "name",
    "lead_time_days",
    "lead_time_std_days",
    "min_order_qty",
)
STORE_COLUMNS: Final = (
    "store_code",
    "name",
    "region",
    "city",
    "timezone",
    "opened_on",
    "closed_on",
)
PRODUCT_COLUMNS: Final = (
    "product_code",
    "name",
    "category",
    "department",
    "supplier_code",
    "unit_cost",
    "unit_price",
    "pack_size",
    "launched_on",
    "discontinued_on",
)
SALES_COLUMNS: Final = (
    "date",
    "store_code",
    "product_code",
    "quantity",
    "unit_price",
    "promo_flag",
    "discount_pct",
    "on_hand_close",
)
INVENTORY_COLUMNS: Final = ("date", "store_code", "product_code", "on_hand", "on_order")

# Every float column of the format is money, a discount or a lead time: two decimals.
_FLOAT_PRECISION: Final = 2
PARTIAL_SUFFIX: Final = ".partial"


def _write(frame: pl.DataFrame, handle: BinaryIO, *, header: bool) -> None:
    frame.write_csv(
        handle,
        include_header=header,
        float_precision=_FLOAT_PRECISION,
        date_format="%Y-%m-%d",
        null_value="",
        line_terminator="\n",
    )


def partial_path(path: Path) -> Path:
    """Where `path` is written until the data set is complete."""
    return path.with_name(path.name + PARTIAL_SUFFIX)


def write_table(frame: pl.DataFrame, path: Path) -> int:
    """Write a whole table (header included) to the partial file of `path`; return rows."""
    with partial_path(path).open("wb") as handle:
        _write(frame, handle, header=True)
    return frame.height


class CsvAppender:
    """Appends frames with fixed columns to one CSV file, counting the rows written."""

    def __init__(self, path: Path, columns: tuple[str, ...]) -> None:
        self.path = path
        self.columns = columns
        self.rows = 0
        self._handle: BinaryIO | None = None

    def __enter__(self) -> CsvAppender:
        self._handle = partial_path(self.path).open("wb")
        # Written by hand so that the header is there even if no row ever is.
        self._handle.write((",".join(self.columns) + "\n").encode())
        return self

    def append(self, frame: pl.DataFrame) -> None:
        """Append `frame`'s rows; its columns must be exactly `columns`, in order."""
        if self._handle is None:
            raise RuntimeError("CsvAppender used outside its `with` block")
        if tuple(frame.columns) != self.columns:
            raise ValueError(f"expected columns {self.columns}, got {tuple(frame.columns)}")
        if frame.height:
            _write(frame, self._handle, header=False)
            self.rows += frame.height

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        if self._handle is not None:
            self._handle.close()
            self._handle = None
        if exc_type is not None:
            partial_path(self.path).unlink(missing_ok=True)


def publish(paths: list[Path]) -> None:
    """Move finished partial files to their final names."""
    for path in paths:
        partial_path(path).replace(path)


def discard(paths: list[Path]) -> None:
    """Remove partial files left by a failed run."""
    for path in paths:
        partial_path(path).unlink(missing_ok=True)


def suppliers_frame(catalog: Catalog) -> pl.DataFrame:
    """suppliers.csv rows."""
    s = catalog.suppliers
    return pl.DataFrame(
        {
            "supplier_code": s.codes,
            "name": s.names,
            "lead_time_days": s.lead_time_mean,
            "lead_time_std_days": s.lead_time_std,
            "min_order_qty": s.min_order_qty,
        }
    )


def stores_frame(stores: Stores) -> pl.DataFrame:
    """stores.csv rows."""
    return pl.DataFrame(
        {
            "store_code": stores.codes,
            "name": stores.names,
            "region": stores.regions,
            "city": stores.cities,
            "timezone": stores.timezones,
            "opened_on": pl.Series(stores.opened_on, dtype=pl.Date),
            "closed_on": pl.Series([None] * len(stores), dtype=pl.Date),
        }
    )


def products_frame(catalog: Catalog) -> pl.DataFrame:
    """products.csv rows (unit_price is the regular price on the last day of history)."""
    p = catalog.products
    category = [CATEGORIES[c] for c in p.category]
    return pl.DataFrame(
        {
            "product_code": p.codes,
            "name": p.names,
            "category": [c.name for c in category],
            "department": [c.department for c in category],
            "supplier_code": [catalog.suppliers.codes[s] for s in p.supplier],
            "unit_cost": p.unit_cost,
            "unit_price": p.current_price,
            "pack_size": p.pack_size,
            "launched_on": pl.Series(p.launched_on, dtype=pl.Date),
            "discontinued_on": pl.Series(p.discontinued_on, dtype=pl.Date),
        }
    )


def sales_frame(
    dates: npt.NDArray[np.datetime64],
    store_code: str,
    product_codes: pl.Series,
    block: StoreBlock,
) -> pl.DataFrame:
    """sales.csv rows of one store block, sorted by product then date.

    `product_codes` holds the codes of the block's products. Only days on which the
    product is on sale get a row; zero-sales days are included.
    """
    chain = block.chain
    days = chain.active.shape[1]
    # Row-major flat indices are already in (product, date) order.
    flat = np.flatnonzero(chain.active)
    discount = chain.discount_pct.ravel()[flat]
    return pl.DataFrame(
        {
            "date": dates[flat % days],
            "store_code": pl.repeat(store_code, flat.size, eager=True, dtype=pl.String),
            "product_code": product_codes.gather(flat // days),
            "quantity": block.inventory.sales.ravel()[flat],
            "unit_price": chain.unit_price.ravel()[flat],
            "promo_flag": discount > 0,
            "discount_pct": discount / 100.0,
            "on_hand_close": block.inventory.on_hand_close.ravel()[flat],
        }
    )


def inventory_frame(
    dates: npt.NDArray[np.datetime64],
    sundays: npt.NDArray[np.bool_],
    store_code: str,
    product_codes: pl.Series,
    block: StoreBlock,
) -> pl.DataFrame:
    """inventory.csv rows of one store block: Sunday counts of items on sale that day."""
    chain = block.chain
    days = chain.active.shape[1]
    flat = np.flatnonzero(chain.active & sundays[None, :])
    return pl.DataFrame(
        {
            "date": dates[flat % days],
            "store_code": pl.repeat(store_code, flat.size, eager=True, dtype=pl.String),
            "product_code": product_codes.gather(flat // days),
            "on_hand": block.inventory.on_hand_close.ravel()[flat],
            "on_order": block.inventory.on_order_close.ravel()[flat],
        }
    )
