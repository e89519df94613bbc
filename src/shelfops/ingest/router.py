"""HTTP routes: upload one canonical file."""

from __future__ import annotations

import asyncio
import tempfile
from pathlib import Path
from typing import Annotated, Any, BinaryIO

from fastapi import APIRouter, File, UploadFile

from shelfops.api.deps import AdminDep, EndRequestTransaction, SessionmakerDep, SettingsDep
from shelfops.ingest import runs
from shelfops.ingest.schemas import IngestKind, IngestReport
from shelfops.kit.errors import PayloadTooLarge

router = APIRouter(prefix="/ingest", tags=["ingest"])

_ERRORS: dict[int | str, dict[str, Any]] = {
    401: {"description": "No or an invalid API key"},
    403: {"description": "The key's role is below admin"},
    413: {"description": "The file exceeds SHELFOPS_INGEST_MAX_UPLOAD_BYTES"},
    422: {
        "description": "The file was rejected (nothing was written); ``detail`` is the "
        "report listing the problems by row, column, value and rule"
    },
}


@router.post(
    "/{kind}",
    operation_id="ingestFile",
    dependencies=[EndRequestTransaction],
    response_model=IngestReport,
    responses=_ERRORS,
)
async def ingest_file(
    kind: IngestKind,
    file: Annotated[UploadFile, File(description="The canonical CSV file of this kind")],
    principal: AdminDep,
    sessionmaker: SessionmakerDep,
    settings: SettingsDep,
) -> IngestReport:
    """Load one canonical CSV file (`suppliers`, `stores`, `products`, `sales` or
    `inventory`) for the caller's tenant.

    The whole file is validated first; a file with any problem is rejected with 422 and
    nothing is written. Rows are upserted on their natural keys, so sending the same file
    again changes nothing. A loaded file is recorded in the audit log (who, which file,
    how many rows existed before and after). Needs the admin role.
    """
    with tempfile.TemporaryDirectory(prefix="shelfops-ingest-") as scratch:
        # The upload is spooled to disk so large files are read in chunks, not in memory.
        path = Path(scratch) / "upload.csv"
        await asyncio.to_thread(_save, file.file, path, settings.ingest_max_upload_bytes)
        return await runs.ingest_file(
            sessionmaker,
            customer_id=principal.customer_id,
            kind=kind,
            path=path,
            file_name=file.filename or f"{kind.value}.csv",
            chunk_rows=settings.ingest_chunk_rows,
            actor=principal,
        )


def _save(source: BinaryIO, target: Path, limit: int) -> None:
    written = 0
    with target.open("wb") as out:
        while chunk := source.read(1 << 20):
            written += len(chunk)
            if written > limit:
                raise PayloadTooLarge(
                    f"the file is larger than the {limit:,}-byte upload limit; load it with "
                    "`shelfops ingest` or raise SHELFOPS_INGEST_MAX_UPLOAD_BYTES"
                )
            out.write(chunk)
