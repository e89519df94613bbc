"""Exact totals of large list pages, reused for a few seconds.

A list page answers with the number of rows matching its filters. For a tenant with a
million reorder policies or a hundred thousand open alerts that count reads every
matching index entry (40–100 ms of PostgreSQL per page, measured in
``bench/api_load.py``), while the page itself reads fifty rows. A dashboard asks for the
same total again and again: every page of the same filter, every refresh.

So a total of at least :attr:`RecentTotals.min_cached` rows is kept for
:attr:`RecentTotals.ttl_s` seconds per process and reused by requests with the same
tenant, list and filters. Such a total may lag the rows by up to that long (an alert
acknowledged in another request still counts as open for a few seconds); the rows of the
page are always read fresh. Smaller totals are cheap and are always counted, so a list
that a person is working through item by item shows its exact number at once.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Awaitable, Callable, Hashable

from cachetools import TTLCache

#: Seconds a large total is reused.
TTL_S = 5.0
#: Totals below this are always counted.
MIN_CACHED = 10_000
#: Entries kept per process (tenants × lists × filters); the least recent go first.
MAX_ENTRIES = 4_096


class RecentTotals:
    """Large totals per (database, tenant, list, filters), reused for ``ttl_s`` seconds."""

    def __init__(
        self,
        *,
        ttl_s: float = TTL_S,
        min_cached: int = MIN_CACHED,
        max_entries: int = MAX_ENTRIES,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.min_cached = min_cached
        self._cache: TTLCache[Hashable, int] = TTLCache(maxsize=max_entries, ttl=ttl_s, timer=clock)

    async def total(
        self,
        *,
        database: Hashable,
        customer_id: uuid.UUID,
        key: Hashable,
        count: Callable[[], Awaitable[int]],
    ) -> int:
        """The total of ``key`` for the tenant: a recent large one if kept, else
        ``count()``, kept when it is at least :attr:`min_cached`."""
        entry = (database, customer_id, key)
        kept = self._cache.get(entry)
        if kept is not None:
            return kept
        total = await count()
        if total >= self.min_cached:
            self._cache[entry] = total
        return total


#: The process's totals, shared by the list pages of every request.
recent_totals = RecentTotals()
