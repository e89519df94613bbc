"""What "the API works without the ML packages" means, shared by the in-process probe
and the fresh-virtualenv test: every parameterless GET answers below 500 (or the clear
ML 503), and the endpoints that need ML answer that 503."""

from __future__ import annotations

import json
from typing import Any

from shelfops.kit.extras import ML_EXTRA_HINT, ML_PACKAGES

#: Packages that must stay out of an API-only installation: the ``ml`` extra's, and the
#: ``deep`` and ``dev`` extras' heavy ones.
ML_MODULES = (*ML_PACKAGES, "torch", "mlforecast")

#: Requests that need the ML packages in an installation without a task queue:
#: (method, path, query, JSON body).
ML_REQUESTS: tuple[tuple[str, str, dict[str, str], dict[str, Any] | None], ...] = (
    (
        "GET",
        "/api/v1/forecasts/explanation",
        {"store_id": "1", "product_id": "1", "date": "2024-01-01"},
        None,
    ),
    ("POST", "/api/v1/models/retrain", {}, {"trigger": "manual"}),
)


def parameterless_gets(openapi: dict[str, Any]) -> list[str]:
    """Every GET path of the OpenAPI document without path parameters."""
    return sorted(
        path
        for path, operations in openapi["paths"].items()
        if "get" in operations and "{" not in path
    )


def problem(path: str, status: int, body: str) -> str | None:
    """Why this answer breaks the promise, or None: 5xx only as the ML 503."""
    if status < 500:
        return None
    if status == 503 and ML_EXTRA_HINT in body:
        return None
    return f"{path}: {status} {body[:300]}"


def is_ml_unavailable(status: int, body: str) -> bool:
    """Whether the answer is the clear 503 naming the ML extra, in the one error shape."""
    if status != 503:
        return False
    try:
        payload = json.loads(body)
    except ValueError:
        return False
    return payload.get("error") == "ServiceUnavailable" and ML_EXTRA_HINT in str(
        payload.get("detail")
    )
