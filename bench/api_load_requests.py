"""The read requests of ``bench/api_load.py``: one path builder per request name, shared
by the locust users and the bench's unloaded probe (so both ask the same things)."""

from __future__ import annotations

import random
from collections.abc import Callable
from typing import Any

_STATUSES = ("out_of_stock", "critical", "low", "ok")

PathBuilder = Callable[[dict[str, Any], random.Random], str]


def _forecast(t: dict[str, Any], r: random.Random) -> str:
    store_id, product_id = r.choice(t["forecast_series"])
    return f"/api/v1/forecasts/series?store_id={store_id}&product_id={product_id}"


def _inventory_store(t: dict[str, Any], r: random.Random) -> str:
    return f"/api/v1/inventory?store_id={r.choice(t['store_ids'])}&limit=50"


def _inventory_store_status(t: dict[str, Any], r: random.Random) -> str:
    store, status = r.choice(t["store_ids"]), r.choice(_STATUSES)
    return f"/api/v1/inventory?store_id={store}&status={status}&limit=50"


def _inventory_category(t: dict[str, Any], r: random.Random) -> str:
    return f"/api/v1/inventory?category={r.choice(t['categories'])}&sort=value&limit=50"


def _alerts_store(t: dict[str, Any], r: random.Random) -> str:
    return f"/api/v1/alerts?store_id={r.choice(t['store_ids'])}&limit=50"


#: (group, request name, share of the group, path builder); shares add up to 1 per group.
READS: tuple[tuple[str, str, float, PathBuilder], ...] = (
    ("forecast series", "forecast series", 1.0, _forecast),
    ("inventory list", "inventory ?store_id", 0.40, _inventory_store),
    ("inventory list", "inventory ?store_id&status", 0.30, _inventory_store_status),
    ("inventory list", "inventory ?category&sort=value", 0.15, _inventory_category),
    ("inventory list", "inventory (no filter)", 0.15, lambda t, r: "/api/v1/inventory?limit=50"),
    (
        "alerts list",
        "alerts ?status=open",
        0.50,
        lambda t, r: "/api/v1/alerts?status=open&limit=50",
    ),
    ("alerts list", "alerts ?store_id", 0.25, _alerts_store),
    (
        "alerts list",
        "alerts ?severity=critical",
        0.25,
        lambda t, r: "/api/v1/alerts?severity=critical&limit=50",
    ),
)
#: Task weights of the groups (the approvals are the remaining 10).
GROUP_WEIGHTS = {"forecast series": 40, "inventory list": 30, "alerts list": 20}


def pick(group: str, tenant: dict[str, Any], rng: random.Random) -> tuple[str, str]:
    """A request of ``group`` drawn by share: (name, path)."""
    draw = rng.random()
    members = [read for read in READS if read[0] == group]
    for _, name, share, build in members:
        draw -= share
        if draw < 0:
            return name, build(tenant, rng)
    _, name, _, build = members[-1]
    return name, build(tenant, rng)
