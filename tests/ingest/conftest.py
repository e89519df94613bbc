"""Fixtures for the ingest tests."""

from __future__ import annotations

import uuid
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from shelfops.ingest import runs
from shelfops.ingest.schemas import IngestKind, IngestReport
from tests.ingest.helpers import Load, write


@pytest.fixture
def load(sessionmaker: async_sessionmaker[AsyncSession], tmp_path: Path) -> Load:
    """Ingest ``content`` as file ``kind`` for a tenant through the transaction edge."""
    counter = iter(range(1_000_000))

    async def _load(
        customer_id: uuid.UUID, kind: IngestKind, content: str | bytes, **kwargs: Any
    ) -> IngestReport:
        directory = tmp_path / f"run-{next(counter)}"
        directory.mkdir()
        return await runs.ingest_file(
            sessionmaker,
            customer_id=customer_id,
            kind=kind,
            path=write(directory, kind, content),
            **kwargs,
        )

    return _load
