"""The bounds ShelfOps puts on dates, amounts and counts, in one place for ingestion (the
canonical file specs of :mod:`shelfops.ingest.schemas`), the catalog API's schemas, the
simulator's reading of its input files and the data generator.

A value outside them cannot be real data, only a typo or a placeholder (``9999-12-31``
for "never", ``1e300`` for "unknown"), and letting one in fails much later, far from the
file that held it: a day after 9999-12-31 does not exist (``OverflowError`` in the daily
jobs), a 64-bit count does not fit the 32-bit integer columns of PostgreSQL, and a cost
of 1e300 turns every total it enters into ``inf``. The maxima are deliberately generous:
each is far above anything a retailer can legitimately record, so only nonsense is
refused.
"""

from __future__ import annotations

import datetime as dt
from typing import Final

#: Integer columns are 32-bit on PostgreSQL; a larger value would fail in the database.
INT32_MAX: Final = 2**31 - 1

#: Units of one product (sold, on hand, on order, per case, per order line). The bound the
#: 32-bit integer unit columns (``pack_size``, ``min_order_qty``) already have; two
#: billion units of one item in one store is beyond any shop.
MAX_UNITS: Final = INT32_MAX

#: Money per unit (cost, price), in the tenant's own currency. A trillion is generous
#: even where a dollar is tens of thousands of units (dong, rupiah, rial), yet small
#: enough that units × money stays an ordinary float in every total.
MAX_MONEY: Final = 1e12

#: Lead time and its standard deviation, in days: a replenishment lead time over a year
#: is not a lead time (and each day of it is a day of forecast the jobs would produce).
MAX_LEAD_TIME_DAYS: Final = 365.0

#: Business days (sales, inventory snapshots, generated history): the years ShelfOps'
#: data can cover. Far enough from the calendar's ends that the jobs' date arithmetic
#: (history windows, forecast horizons, lead times) never leaves it.
EARLIEST_DAY: Final = dt.date(1971, 1, 1)
LATEST_DAY: Final = dt.date(2199, 12, 31)

#: Catalog dates (a store's opened_on/closed_on, a product's launched_on/
#: discontinued_on) may lie long before any sales history: a department store can have
#: opened in the nineteenth century. They share the business days' upper end.
EARLIEST_CATALOG_DATE: Final = dt.date(1800, 1, 1)
LATEST_CATALOG_DATE: Final = LATEST_DAY


def date_range_message(earliest: dt.date, latest: dt.date) -> str:
    """The message of a date outside ``[earliest, latest]`` (same wording everywhere)."""
    return f"must be between {earliest.isoformat()} and {latest.isoformat()}"
