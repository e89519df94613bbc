"""The `shelfops` command as a user runs it: a real subprocess with SHELFOPS_* settings."""

from __future__ import annotations

import asyncio
import os
import socket
import subprocess
import sys
import time
import uuid
from pathlib import Path

import httpx
import psutil  # type: ignore[import-untyped]
import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from shelfops.config import Settings
from shelfops.kit.db import tenant_transaction
from shelfops.models import ModelRetrainingLog, Sale
from shelfops.tenants.admin import list_tenants

SHELFOPS = [sys.executable, "-m", "shelfops"]


def run(settings: Settings, *args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
    """Run ``shelfops ARGS`` against the test database."""
    env = {
        **os.environ,
        "SHELFOPS_DATABASE_URL": settings.resolved_database_url,
        "SHELFOPS_VAR_DIR": str(settings.var_dir),
    }
    env.pop("SHELFOPS_BROKER_URL", None)
    result = subprocess.run(
        [*SHELFOPS, *args], env=env, capture_output=True, text=True, timeout=300, check=False
    )
    if check and result.returncode != 0:
        pytest.fail(f"shelfops {' '.join(args)} failed:\n{result.stdout}\n{result.stderr}")
    return result


def _key_from(output: str) -> str:
    return next(word for word in output.split() if word.startswith("so_"))


def test_init_creates_a_tenant_and_prints_a_working_admin_key(
    migrated: Settings, tmp_path: Path
) -> None:
    slug = f"cli-{tmp_path.name[-8:].lower().replace('_', '-')}"
    first = run(migrated, "init", "--slug", slug, "--name", "CLI Retail")
    assert slug in first.stdout
    key = _key_from(first.stdout)
    # Running init again keeps the tenant and issues another key.
    second = run(migrated, "init", "--slug", slug)
    assert _key_from(second.stdout) != key
    viewer = run(migrated, "create-key", "--role", "viewer", "--name", "ro", "--tenant", slug)
    assert viewer.stdout.strip().startswith("so_")


def test_unknown_tenant_is_a_one_line_error(migrated: Settings) -> None:
    result = run(
        migrated, "create-key", "--role", "viewer", "--name", "x", "--tenant", "nope", check=False
    )
    assert result.returncode == 1
    assert "NotFound" in result.stderr
    assert "Traceback" not in result.stderr


def test_bad_role_is_rejected_by_the_command_line(migrated: Settings) -> None:
    result = run(migrated, "create-key", "--role", "root", "--name", "x", check=False)
    assert result.returncode == 2
    assert "root" in result.stderr


def test_worker_without_a_broker_explains_itself(migrated: Settings) -> None:
    result = run(migrated, "worker", check=False)
    assert result.returncode == 1
    assert "SHELFOPS_BROKER_URL" in result.stderr


def test_serve_with_several_workers_but_no_broker_explains_itself(migrated: Settings) -> None:
    result = run(migrated, "serve", "--workers", "2", check=False)
    assert result.returncode == 1
    assert "SHELFOPS_BROKER_URL" in result.stderr


def test_serve_with_two_workers_answers_authenticated_requests(
    migrated: Settings, tmp_path: Path
) -> None:
    key = _key_from(run(migrated, "init", "--slug", f"w-{uuid.uuid4().hex[:8]}").stdout)
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    env = {
        **os.environ,
        "SHELFOPS_DATABASE_URL": migrated.resolved_database_url,
        "SHELFOPS_VAR_DIR": str(migrated.var_dir),
        "SHELFOPS_BROKER_URL": os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/14"),
        "SHELFOPS_BROKER_KEY_PREFIX": f"test-{uuid.uuid4().hex[:8]}:",
    }
    server = subprocess.Popen(
        [*SHELFOPS, "serve", "--port", str(port), "--workers", "2"],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        me = None
        deadline = time.monotonic() + 60
        while me is None and time.monotonic() < deadline and server.poll() is None:
            try:
                me = httpx.get(
                    f"http://127.0.0.1:{port}/api/v1/me",
                    headers={"Authorization": f"Bearer {key}"},
                    timeout=10,
                )
            except httpx.TransportError:
                time.sleep(0.3)
        assert me is not None, server.stderr.read() if server.stderr else ""
        assert me.status_code == 200
        assert me.json()["role"] == "admin"
        # The supervisor runs the two API processes as its children.
        assert len(psutil.Process(server.pid).children()) >= 2
    finally:
        server.terminate()
        server.wait(timeout=30)


def test_generate_writes_the_five_canonical_files(migrated: Settings, tmp_path: Path) -> None:
    out = tmp_path / "data"
    result = run(
        migrated,
        "generate",
        "--out",
        str(out),
        "--stores",
        "2",
        "--products",
        "5",
        "--days",
        "30",
        "--seed",
        "3",
    )
    names = sorted(p.name for p in out.iterdir())
    assert names == ["inventory.csv", "products.csv", "sales.csv", "stores.csv", "suppliers.csv"]
    assert "sales.csv" in result.stdout


def test_generate_rejects_bad_sizes(migrated: Settings, tmp_path: Path) -> None:
    result = run(migrated, "generate", "--out", str(tmp_path), "--stores", "0", check=False)
    assert result.returncode == 2
    assert "--stores" in result.stderr


async def _count_sales(
    sessionmaker: async_sessionmaker[AsyncSession], customer_id: uuid.UUID
) -> tuple[int, float]:
    async with tenant_transaction(sessionmaker, customer_id) as session:
        row = (
            await session.execute(
                select(func.count(), func.coalesce(func.sum(Sale.quantity), 0.0)).where(
                    Sale.customer_id == customer_id
                )
            )
        ).one()
    return int(row[0]), float(row[1])


async def test_ingest_loads_then_rejects_a_corrupted_file_without_writing(
    migrated: Settings, sessionmaker: async_sessionmaker[AsyncSession], tmp_path: Path
) -> None:
    slug = f"ing-{uuid.uuid4().hex[:8]}"
    run(migrated, "init", "--slug", slug)
    customer_id = next(t.customer_id for t in await list_tenants(migrated) if t.slug == slug)
    data = tmp_path / "data"
    run(
        migrated, "generate", "--out", str(data), "--stores", "2", "--products", "6", "--days", "40"
    )
    loaded = run(migrated, "ingest", str(data), "--tenant", slug)
    assert "sales.csv" in loaded.stdout
    before = await _count_sales(sessionmaker, customer_id)
    assert before[0] > 0

    # Re-ingesting the same files changes nothing.
    run(migrated, "ingest", str(data), "--tenant", slug)
    assert await _count_sales(sessionmaker, customer_id) == before

    # Double every quantity (would change the totals) but break one row: all rejected.
    sales = data / "sales.csv"
    lines = sales.read_text().splitlines()
    header = lines[0].split(",")
    q = header.index("quantity")
    rows = [line.split(",") for line in lines[1:]]
    for row in rows:
        row[q] = str(int(float(row[q])) * 2)
    rows[2][header.index("date")] = "2024-02-30"
    sales.write_text("\n".join([lines[0], *(",".join(r) for r in rows)]) + "\n")
    rejected = run(migrated, "ingest", str(data), "--tenant", slug, check=False)
    assert rejected.returncode == 1
    assert "row 3 (line 4), column date, value '2024-02-30'" in rejected.stderr
    assert "nothing was written" in rejected.stderr
    assert await _count_sales(sessionmaker, customer_id) == before


def test_generate_into_a_file_is_a_one_line_error(migrated: Settings, tmp_path: Path) -> None:
    target = tmp_path / "not-a-dir"
    target.write_text("x")
    result = run(migrated, "generate", "--out", str(target), "--days", "3", check=False)
    assert result.returncode == 1
    assert "is not a directory" in result.stderr
    assert "Traceback" not in result.stderr


def test_ingest_of_an_empty_directory_says_what_it_expected(
    migrated: Settings, tmp_path: Path
) -> None:
    run(migrated, "init", "--slug", f"empty-{uuid.uuid4().hex[:8]}")
    tenant = sorted(t.slug for t in asyncio.run(list_tenants(migrated)))[0]
    result = run(migrated, "ingest", str(tmp_path), "--tenant", tenant, check=False)
    assert result.returncode == 1
    assert "no canonical file found" in result.stderr


# -- bad input: one `error` line, exit code non-zero, nothing written -----------------------


def test_an_output_path_that_cannot_be_written_is_one_line(
    migrated: Settings, tmp_path: Path
) -> None:
    missing = run(migrated, "openapi", "--out", "/proc/shelfops-nope/openapi.json", check=False)
    assert missing.returncode == 1
    assert "error: /proc/shelfops-nope/openapi.json: " in missing.stderr
    assert "Traceback" not in missing.stderr

    folder = run(migrated, "openapi", "--out", str(tmp_path), check=False)
    assert folder.returncode == 2
    flat = " ".join(folder.stderr.replace("│", " ").split())  # click's box wraps lines
    assert "Invalid value for '--out'" in flat and "exists and is not a file" in flat

    unreadable = run(migrated, "profile", "validate", str(tmp_path), check=False)
    assert unreadable.returncode == 1
    assert f"error: {tmp_path}: Is a directory" in unreadable.stderr
    assert "Traceback" not in unreadable.stderr


@pytest.mark.parametrize("port", ["99999", "-1", "0"])
def test_serve_refuses_a_port_outside_1_65535(migrated: Settings, port: str) -> None:
    result = run(migrated, "serve", "--port", port, check=False)
    assert result.returncode == 2
    assert "--port" in result.stderr and "Traceback" not in result.stderr


async def _retrain_rows(
    sessionmaker: async_sessionmaker[AsyncSession], customer_id: uuid.UUID
) -> int:
    async with tenant_transaction(sessionmaker, customer_id) as session:
        count = await session.scalar(
            select(func.count()).where(ModelRetrainingLog.customer_id == customer_id)
        )
    return int(count or 0)


async def test_retrain_refuses_an_unknown_model_or_data_dir_and_logs_nothing(
    migrated: Settings, sessionmaker: async_sessionmaker[AsyncSession], tmp_path: Path
) -> None:
    slug = f"rt-{uuid.uuid4().hex[:8]}"
    run(migrated, "init", "--slug", slug)
    customer_id = next(t.customer_id for t in await list_tenants(migrated) if t.slug == slug)

    model = run(migrated, "retrain", "--tenant", slug, "--model", "nosuch", check=False)
    assert model.returncode == 1
    assert "model" in model.stderr and "nosuch" in model.stderr and "seasonal_naive" in model.stderr
    data = run(
        migrated, "retrain", "--tenant", slug, "--data-dir", str(tmp_path / "none"), check=False
    )
    assert data.returncode == 1
    assert "data_dir" in data.stderr and "sales.csv" in data.stderr
    assert "Traceback" not in model.stderr + data.stderr
    assert await _retrain_rows(sessionmaker, customer_id) == 0


async def test_init_refuses_an_empty_tenant_name_and_creates_nothing(migrated: Settings) -> None:
    slug = f"nm-{uuid.uuid4().hex[:8]}"
    for name in ("", "   ", "tab\there"):
        result = run(migrated, "init", "--name", name, "--slug", slug, check=False)
        assert result.returncode == 1, name
        assert "ValidationFailed" in result.stderr and "field=name" in result.stderr
    assert slug not in {t.slug for t in await list_tenants(migrated)}


@pytest.mark.parametrize("name", ["", "x" * 10_000, "red \x1b[31m", "two\nlines"])
def test_create_key_refuses_a_bad_name(migrated: Settings, name: str) -> None:
    run(migrated, "init", "--slug", "keys-names")
    result = run(
        migrated,
        "create-key",
        "--role",
        "viewer",
        "--name",
        name,
        "--tenant",
        "keys-names",
        check=False,
    )
    assert result.returncode == 1
    assert "field=name" in result.stderr and "no control characters" in result.stderr
    assert "so_" not in result.stdout and "\x1b[31m" not in result.stderr


def test_an_invalid_setting_is_one_line_naming_the_variable_not_its_value(
    migrated: Settings,
) -> None:
    env = {
        **os.environ,
        "SHELFOPS_DATABASE_URL": migrated.resolved_database_url,
        "SHELFOPS_BROKER_URL": "amqp://guest:pw-7f3a@mq:5672//",
    }
    result = subprocess.run(
        [*SHELFOPS, "worker"], env=env, capture_output=True, text=True, timeout=60, check=False
    )
    assert result.returncode == 1
    assert result.stderr.strip() == (
        "error: SHELFOPS_BROKER_URL: expected a Redis URL (redis://…, rediss://… or unix://…)"
    )
    assert "pw-7f3a" not in result.stdout + result.stderr


@pytest.mark.parametrize("queues", ["foo", "ml,,sync", "ml,bulk"])
def test_worker_refuses_a_queue_no_task_is_routed_to(migrated: Settings, queues: str) -> None:
    result = run(migrated, "worker", "--queues", queues, check=False)
    assert result.returncode == 2
    assert "Invalid value for '--queues'" in result.stderr
