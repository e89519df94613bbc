"""The framework floor of ``bench/api_load.py``: a bare FastAPI app on uvicorn (one process,
like ``shelfops serve``) that answers ``GET /inventory-page`` with a static JSON body read
once from the file named by ``API_LOAD_FLOOR_BODY`` (a real inventory page of the bench
tenant, so the bytes on the wire are the same). No database, no auth, no validation.

Run: ``python -m bench.api_load_floor PORT``.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

import uvicorn
from fastapi import FastAPI, Response

app = FastAPI()
_BODY = Path(os.environ["API_LOAD_FLOOR_BODY"]).read_bytes()


@app.get("/inventory-page")
async def inventory_page() -> Response:
    """The same bytes every time."""
    return Response(content=_BODY, media_type="application/json")


if __name__ == "__main__":
    uvicorn.run(app, host="127.0.0.1", port=int(sys.argv[1]), log_level="info")
