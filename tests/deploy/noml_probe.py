"""Run as ``python -m tests.deploy.noml_probe DATABASE_URL VAR_DIR``: the ML packages are
made unimportable (as if never installed), then the API is built and every parameterless
GET and every ML request is sent in-process.
Prints one JSON report line (after ``REPORT_MARK``)."""

from __future__ import annotations

import asyncio
import datetime as dt
import importlib.abc
import importlib.machinery
import json
import sys
from collections.abc import Sequence
from pathlib import Path
from types import ModuleType
from typing import Any

from tests.deploy.api_sweep import ML_MODULES, ML_REQUESTS, is_ml_unavailable, parameterless_gets

#: The report's line starts with this (logs may share standard output).
REPORT_MARK = "NOML-REPORT "


class _Absent(importlib.abc.MetaPathFinder):
    """Answers for the ML packages exactly what an installation without them answers."""

    def find_spec(
        self, fullname: str, path: Sequence[str] | None, target: ModuleType | None = None
    ) -> importlib.machinery.ModuleSpec | None:
        if fullname.split(".")[0] in ML_MODULES:
            raise ModuleNotFoundError(f"No module named {fullname!r}", name=fullname)
        return None


async def _probe(database_url: str, var_dir: Path) -> dict[str, Any]:
    import httpx

    from shelfops.api.app import create_app
    from shelfops.cli import _generate, _ingest, _init
    from shelfops.config import Environment, Settings

    settings = Settings(
        env=Environment.TEST,
        var_dir=var_dir,
        database_url=database_url,
        dashboard_dir_override=var_dir / "no-dashboard",
    )
    customer_id, key = await _init(settings, name="No ML", slug="no-ml")
    # A little real data, so the reads have rows to compute over.
    data = var_dir / "data"
    _generate(data, stores=2, products=5, days=90, seed=3, start=dt.date(2024, 1, 1))
    await _ingest(settings, str(customer_id), data)
    app = create_app(settings)
    headers = {"Authorization": f"Bearer {key}"}
    answers: dict[str, tuple[int, str]] = {}
    async with (
        app.router.lifespan_context(app),
        httpx.AsyncClient(
            transport=httpx.ASGITransport(app=app), base_url="http://probe", headers=headers
        ) as client,
    ):
        for path in parameterless_gets(app.openapi()):
            response = await client.get(path)
            answers[path] = (response.status_code, response.text)
        ml = []
        for method, path, params, body in ML_REQUESTS:
            response = await client.request(method, path, params=params, json=body)
            ml.append(
                {
                    "request": f"{method} {path}",
                    "status": response.status_code,
                    "clear_503": is_ml_unavailable(response.status_code, response.text),
                }
            )
    return {
        "answers": answers,
        "ml": ml,
        "loaded": sorted(m for m in sys.modules if m.split(".")[0] in ML_MODULES),
    }


def main() -> None:
    """Block the ML packages, probe the API and print the report."""
    sys.meta_path.insert(0, _Absent())
    report = asyncio.run(_probe(sys.argv[1], Path(sys.argv[2])))
    sys.stdout.write(REPORT_MARK + json.dumps(report) + "\n")


if __name__ == "__main__":
    main()
