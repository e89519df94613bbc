"""The time zone names ShelfOps accepts, in one place for the API, ingestion and contract
profiles.

They are the IANA database's names, less two entries of that database that are not zones:
``localtime`` (a link to whatever zone the host runs in, so its meaning would change with
the machine) and ``Factory`` (a placeholder that means "no zone set"). polars, which
converts the data's timestamps, refuses both, so a store or profile naming one would pass
validation and then fail the first job that reads its data.
"""

from __future__ import annotations

import zoneinfo
from functools import cache

_NOT_ZONES = frozenset({"localtime", "Factory"})


@cache
def timezone_names() -> frozenset[str]:
    """Every accepted time zone name (read once: scanning the tz database takes tens of
    milliseconds)."""
    return frozenset(zoneinfo.available_timezones()) - _NOT_ZONES


def is_timezone_name(value: str) -> bool:
    """Whether ``value`` names an accepted time zone, such as ``America/Chicago``."""
    return value in timezone_names()
