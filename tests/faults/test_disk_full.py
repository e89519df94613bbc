"""The disk fills up while a retrain writes its artifacts: the retrain fails cleanly —
no half-written version or scratch file on disk, the registry (versions, champion,
``registry.json`` / ``champion.json``) unchanged, the failure recorded in the retraining
log — and once space is freed the next retrain succeeds (runbook: "Disk full").

The artifacts live on a real, tiny tmpfs filled to the last byte, so the error is the
kernel's own ENOSPC. Mounting needs root: without it the test is skipped."""

from __future__ import annotations

import errno
import os
import subprocess
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from shelfops.config import Settings
from shelfops.ingest import runs
from shelfops.kit.db import tenant_transaction
from shelfops.models import ModelRetrainingLog, ModelVersion
from shelfops.registry import artifacts
from shelfops.registry.retrain import retrain_forecast_model
from tests.conftest import Tenant

Sessions = async_sessionmaker[AsyncSession]


@pytest.fixture
def small_disk(tmp_path: Path) -> Iterator[Path]:
    """A 4 MiB tmpfs mounted for this test, unmounted afterwards."""
    mount_point = tmp_path / "disk"
    mount_point.mkdir()
    if os.geteuid() != 0:
        pytest.skip("mounting a tmpfs to fill needs root")
    mounted = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", "size=4m", "tmpfs", str(mount_point)],
        capture_output=True,
        text=True,
    )
    if mounted.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here: {mounted.stderr.strip()}")
    try:
        yield mount_point
    finally:
        subprocess.run(["umount", "-l", str(mount_point)], check=False)


def fill(disk: Path) -> Path:
    """Write a ballast file until the kernel answers ENOSPC; the file."""
    ballast = disk / "ballast"
    chunk = b"\0" * 65536
    with ballast.open("wb", buffering=0) as out:
        while True:
            try:
                out.write(chunk)
            except OSError as exc:
                assert exc.errno == errno.ENOSPC
                break
    # Top up byte by byte-ish: the last partial page too.
    with ballast.open("ab", buffering=0) as out:
        for size in (4096, 512, 1):
            while True:
                try:
                    out.write(b"\0" * size)
                except OSError:
                    break
    return ballast


def snapshot(directory: Path) -> dict[str, bytes]:
    """Every file under ``directory`` (hidden ones included) with its bytes."""
    return {
        str(p.relative_to(directory)): p.read_bytes()
        for p in sorted(directory.rglob("*"))
        if p.is_file()
    }


async def _versions(sessionmaker: Sessions, tenant: Tenant) -> dict[str, str]:
    async with tenant_transaction(sessionmaker, tenant.customer_id) as session:
        rows = await session.scalars(
            select(ModelVersion).where(ModelVersion.customer_id == tenant.customer_id)
        )
        return {r.version: r.status for r in rows}


async def _retrain_log(
    sessionmaker: Sessions, tenant: Tenant, retrain_id: uuid.UUID
) -> ModelRetrainingLog | None:
    async with tenant_transaction(sessionmaker, tenant.customer_id) as session:
        return await session.scalar(
            select(ModelRetrainingLog).where(
                ModelRetrainingLog.customer_id == tenant.customer_id,
                ModelRetrainingLog.retrain_id == retrain_id,
            )
        )


async def test_a_retrain_that_hits_a_full_disk_fails_cleanly_and_the_next_one_succeeds(
    migrated: Settings,
    sessionmaker: Sessions,
    tenant_a: Tenant,
    chain_data: tuple[Path, Path],
    small_disk: Path,
    tmp_path: Path,
) -> None:
    full, _ = chain_data
    await runs.ingest_directory(sessionmaker, customer_id=tenant_a.customer_id, directory=full)
    settings = migrated.model_copy(
        update={
            "var_dir": small_disk,
            # Tracking is another store; only the artifacts are on the small disk.
            "mlflow_tracking_uri": f"sqlite:///{tmp_path / 'mlflow.db'}",
            "retrain_horizon_days": 7,
            "retrain_backtest_windows": 2,
            "retrain_model": "moving_average",
        }
    )
    first = await retrain_forecast_model(sessionmaker, settings, customer_id=tenant_a.customer_id)
    assert (first.version, first.model_status) == ("v1", "champion"), first.message
    tenant_dir = artifacts.tenant_dir(settings.artifacts_dir, tenant_a.customer_id)
    before = snapshot(tenant_dir)
    assert {"registry.json", "champion.json", "demand_forecast/v1/pipeline.pkl"} <= set(before)

    ballast = fill(small_disk)
    failed_id = uuid.uuid4()
    with pytest.raises(OSError) as raised:
        await retrain_forecast_model(
            sessionmaker, settings, customer_id=tenant_a.customer_id, retrain_id=failed_id
        )
    assert raised.value.errno == errno.ENOSPC

    # Nothing half-written: the same files with the same bytes, no scratch, no v2.
    assert snapshot(tenant_dir) == before
    assert [p.name for p in tenant_dir.iterdir() if p.name.startswith(".")] == []
    assert await _versions(sessionmaker, tenant_a) == {"v1": "champion"}
    # The failure is on record for the operator (GET /api/v1/models/retrains).
    log = await _retrain_log(sessionmaker, tenant_a, failed_id)
    assert log is not None
    assert log.status == "failed"
    assert "No space left on device" in (log.error_message or "")

    # Recovery: free the space, retrain again.
    ballast.unlink()
    again = await retrain_forecast_model(sessionmaker, settings, customer_id=tenant_a.customer_id)
    assert again.version == "v2", again.message
    assert set(await _versions(sessionmaker, tenant_a)) == {"v1", "v2"}
    assert (tenant_dir / "demand_forecast" / "v2" / "pipeline.pkl").is_file()


def test_a_registry_file_rewrite_on_a_full_disk_keeps_the_old_file_whole(
    small_disk: Path,
) -> None:
    target = small_disk / "tenant" / "registry.json"
    artifacts.write_text(target, '[{"version": "v1"}]\n')
    fill(small_disk)
    with pytest.raises(OSError) as raised:
        artifacts.write_text(target, "[" + '{"version": "v2"},' * 20_000 + "]\n")
    assert raised.value.errno == errno.ENOSPC
    assert target.read_text() == '[{"version": "v1"}]\n'
    assert sorted(p.name for p in target.parent.iterdir()) == ["registry.json"]
