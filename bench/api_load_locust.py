"""The locust users of ``bench/api_load.py`` (run by it as ``locust -f`` in its own process).

Environment: ``API_LOAD_TENANT`` (the tenant JSON written by the bench),
``API_LOAD_SAMPLES`` (where to write every request's latency at the end),
``API_LOAD_MODE`` (``shelfops`` or ``floor``), ``API_LOAD_WAIT`` (``min,max`` think time
in seconds between a client's requests).

In ``shelfops`` mode a client picks, by weight: 40 % a forecast series read for a random
series that has forecasts, 30 % an inventory page (by store, by store and status, by
category, or the unfiltered default view), 20 % an alerts page (all, one store, or the
critical ones) — see ``bench/api_load_requests.py`` — and 10 % a purchase-order
approval. Every suggested order is handed out once (one locust process, so popping from
a shared list cannot collide); when they run out the approval slot is skipped. In
``floor`` mode every request is a GET of the peer app's static page. Latencies are
recorded per request name and written as JSON when locust quits, so the bench computes
exact percentiles and can merge names.
"""

from __future__ import annotations

import json
import os
import random
from collections import defaultdict
from pathlib import Path
from typing import Any

from locust import FastHttpUser, between, events, task

from bench.api_load_requests import GROUP_WEIGHTS, pick

_TENANT: dict[str, Any] = json.loads(Path(os.environ["API_LOAD_TENANT"]).read_text())
_MODE = os.environ.get("API_LOAD_MODE", "shelfops")
_LOW, _HIGH = (float(x) for x in os.environ.get("API_LOAD_WAIT", "0.5,1.5").split(","))
_SAMPLES: dict[str, list[float]] = defaultdict(list)
_ERRORS: dict[str, list[str]] = defaultdict(list)
_PO_IDS: list[str] = list(_TENANT["po_ids"])
_SKIPPED = {"po approve (none left)": 0}
_RNG = random.Random()


@events.request.add_listener  # type: ignore[untyped-decorator]
def _record(request_type: str, name: str, response_time: float, exception: Any, **_: Any) -> None:
    _SAMPLES[name].append(response_time)
    if exception is not None and len(_ERRORS[name]) < 5:
        _ERRORS[name].append(str(exception)[:200])
    elif exception is not None:
        _ERRORS[name].append("")


@events.quitting.add_listener  # type: ignore[untyped-decorator]
def _dump(**_: Any) -> None:
    with open(os.environ["API_LOAD_SAMPLES"], "w") as out:
        json.dump(
            {
                "samples": _SAMPLES,
                "errors": {k: len(v) for k, v in _ERRORS.items()},
                "error_examples": {k: [e for e in v if e][:5] for k, v in _ERRORS.items()},
                "skipped": _SKIPPED,
            },
            out,
        )


def _check(response: Any, ok: tuple[int, ...] = (200,)) -> None:
    # Anything but the expected status is an error, with the start of the body.
    if response.status_code in ok:
        response.success()
    else:
        response.failure(
            f"HTTP {response.status_code}: {response.text[:160] if response.text else ''}"
        )


class ShelfOpsClient(FastHttpUser):
    """One dashboard user: reads forecasts, inventory and alerts, approves orders."""

    wait_time = between(_LOW, _HIGH)
    network_timeout = 60.0
    connection_timeout = 60.0

    def on_start(self) -> None:
        self.viewer = {"Authorization": f"Bearer {_TENANT['viewer_key']}"}
        self.planner = {"Authorization": f"Bearer {_TENANT['planner_key']}"}

    def _get(self, path: str, name: str) -> None:
        with self.client.get(path, headers=self.viewer, name=name, catch_response=True) as response:
            _check(response)

    @task(GROUP_WEIGHTS["forecast series"])
    def forecast_series(self) -> None:
        self._read("forecast series")

    @task(GROUP_WEIGHTS["inventory list"])
    def inventory(self) -> None:
        self._read("inventory list")

    @task(GROUP_WEIGHTS["alerts list"])
    def alerts(self) -> None:
        self._read("alerts list")

    def _read(self, group: str) -> None:
        if _MODE == "floor":
            return self._floor()
        name, path = pick(group, _TENANT, _RNG)
        self._get(path, name)
        return None

    @task(10)
    def approve(self) -> None:
        if _MODE == "floor":
            return self._floor()
        if not _PO_IDS:
            _SKIPPED["po approve (none left)"] += 1
            return
        po_id = _PO_IDS.pop()
        with self.client.post(
            f"/api/v1/purchase-orders/{po_id}/approve",
            headers=self.planner,
            name="po approve",
            catch_response=True,
        ) as response:
            _check(response)

    def _floor(self) -> None:
        self._get("/inventory-page", "floor static page")
