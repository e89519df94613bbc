"""Polling on both backends: inbox folders and a real SFTP server, a real import that
writes rows (the canonical ingest), the ledger, archiving, and failures."""

from __future__ import annotations

import os
import uuid
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import asyncssh
import pytest
import typer
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from typer.testing import CliRunner

from shelfops.config import Settings, get_settings
from shelfops.ingest import runs
from shelfops.ingest.schemas import IngestKind
from shelfops.ingest.service import IngestRejected
from shelfops.integrations.cli import register
from shelfops.integrations.config import InboxTransport, SftpTransport
from shelfops.integrations.polling import HandlerResult, PollReport, poll_source, poll_tenant
from shelfops.kit.db import tenant_transaction
from shelfops.kit.errors import NotFound
from shelfops.models import IntegrationFile, IntegrationSyncLog, Product, Store
from tests.conftest import Tenant
from tests.edi.helpers import example, make_catalog
from tests.ingest.helpers import PRODUCTS, STORES, SUPPLIERS
from tests.integrations.sftp_server import SftpServer, sftp_server

SALES_WITH_A_BAD_ROW = """date,store_code,product_code,quantity,unit_price,promo_flag
2024-01-01,S1,P1,5,1.19,false
2024-01-02,S1,P1,lots,1.19,false
"""


@dataclass(frozen=True)
class Profile:
    """The part of a contract profile polling reads."""

    source_name: str
    transport: SftpTransport | InboxTransport | None
    source_type: str = "smb_sftp"


async def canonical_import(
    sessionmaker: async_sessionmaker[AsyncSession],
    settings: Settings,
    *,
    customer_id: uuid.UUID,
    profile: Any,
    path: Path,
    file_name: str,
) -> HandlerResult:
    """A real import: ``<kind>[_anything].csv`` through the canonical ingest (writes rows
    and a sync-log row). An unknown kind raises, as a crashing import would."""
    kind = IngestKind(file_name.removesuffix(".csv").split("_")[0])
    try:
        report = await runs.ingest_file(
            sessionmaker, customer_id=customer_id, kind=kind, path=path, file_name=file_name
        )
    except IngestRejected as rejected:
        return HandlerResult(
            status="rejected",
            sync_id=rejected.report.sync_id,
            reason=f"{rejected.report.problem_count} problem(s)",
        )
    return HandlerResult(
        status="imported", sync_id=report.sync_id, records_written=report.inserted + report.updated
    )


def drop(folder: Path, name: str, content: str, mtime: float) -> Path:
    """Write a file into a watched folder with a given modification time."""
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    path.write_text(content, encoding="utf-8")
    os.utime(path, (mtime, mtime))
    return path


def drop_catalog(folder: Path) -> None:
    """Suppliers, stores and products, arriving in that order (products refer to
    suppliers, so the order matters)."""
    drop(folder, "suppliers.csv", SUPPLIERS, 1_700_000_000)
    drop(folder, "stores.csv", STORES, 1_700_000_100)
    drop(folder, "products.csv", PRODUCTS, 1_700_000_200)


def outcomes(report: PollReport) -> list[tuple[str, str]]:
    """(file, status) of every file, in processing order."""
    return [(f.file_name, f.status) for f in report.files]


async def ledger_rows(
    sessionmaker: async_sessionmaker[AsyncSession], tenant: Tenant
) -> list[IntegrationFile]:
    """The tenant's ledger, oldest first."""
    async with tenant_transaction(sessionmaker, tenant.customer_id) as session:
        result = await session.scalars(
            select(IntegrationFile)
            .where(IntegrationFile.customer_id == tenant.customer_id)
            .order_by(IntegrationFile.processed_at)
        )
        return list(result)


async def sync_logs(
    sessionmaker: async_sessionmaker[AsyncSession], tenant: Tenant
) -> list[IntegrationSyncLog]:
    """The tenant's sync-log rows, oldest first."""
    async with tenant_transaction(sessionmaker, tenant.customer_id) as session:
        result = await session.scalars(
            select(IntegrationSyncLog)
            .where(IntegrationSyncLog.customer_id == tenant.customer_id)
            .order_by(IntegrationSyncLog.started_at)
        )
        return list(result)


async def store_names(
    sessionmaker: async_sessionmaker[AsyncSession], tenant: Tenant
) -> dict[str, str]:
    """Store code → name."""
    async with tenant_transaction(sessionmaker, tenant.customer_id) as session:
        rows = await session.execute(
            select(Store.store_code, Store.name).where(Store.customer_id == tenant.customer_id)
        )
        return {code: name for code, name in rows}


async def product_codes(
    sessionmaker: async_sessionmaker[AsyncSession], tenant: Tenant
) -> list[str]:
    """The tenant's product codes."""
    async with tenant_transaction(sessionmaker, tenant.customer_id) as session:
        result = await session.scalars(
            select(Product.product_code)
            .where(Product.customer_id == tenant.customer_id)
            .order_by(Product.product_code)
        )
        return list(result)


@pytest.fixture
def poll(
    sessionmaker: async_sessionmaker[AsyncSession], migrated: Settings, tenant_a: Tenant
) -> Any:
    """Poll a profile for tenant a with the canonical import."""

    async def _poll(profile: Profile, **kwargs: Any) -> PollReport:
        return await poll_source(
            sessionmaker,
            kwargs.pop("settings", migrated),
            customer_id=tenant_a.customer_id,
            profile=profile,
            handler=canonical_import,
            **kwargs,
        )

    return _poll


# ---------------------------------------------------------------------------------------
# Inbox folders
# ---------------------------------------------------------------------------------------


async def test_new_files_are_imported_once(
    poll: Any, sessionmaker: async_sessionmaker[AsyncSession], tenant_a: Tenant, tmp_path: Path
) -> None:
    inbox = tmp_path / "inbox"
    drop_catalog(inbox)
    profile = Profile("acme-drop", InboxTransport(path=inbox, pattern="*.csv"))

    first = await poll(profile)
    assert first.error is None and first.ok
    assert outcomes(first) == [
        ("suppliers.csv", "imported"),
        ("stores.csv", "imported"),
        ("products.csv", "imported"),
    ]
    assert [f.records_written for f in first.files] == [2, 2, 3]
    assert await store_names(sessionmaker, tenant_a) == {"S1": "Downtown", "S2": "Airport"}
    assert await product_codes(sessionmaker, tenant_a) == ["P1", "P2", "P3"]
    rows = await ledger_rows(sessionmaker, tenant_a)
    assert {(r.source_name, r.file_name, r.status) for r in rows} == {
        ("acme-drop", "suppliers.csv", "imported"),
        ("acme-drop", "stores.csv", "imported"),
        ("acme-drop", "products.csv", "imported"),
    }
    # Each ledger row points at the sync-log row its import wrote.
    logs = await sync_logs(sessionmaker, tenant_a)
    assert {r.sync_id for r in rows} == {log.sync_id for log in logs}
    assert {r.file_name: r.content_sha256 for r in rows}["stores.csv"] == (
        first.files[1].content_sha256
    )

    second = await poll(profile)
    assert outcomes(second) == [
        ("suppliers.csv", "skipped"),
        ("stores.csv", "skipped"),
        ("products.csv", "skipped"),
    ]
    assert all("already imported on" in (f.reason or "") for f in second.files)
    assert len(await sync_logs(sessionmaker, tenant_a)) == 3  # no new import ran
    assert len(await ledger_rows(sessionmaker, tenant_a)) == 3


async def test_a_file_with_new_content_is_imported_again(
    poll: Any, sessionmaker: async_sessionmaker[AsyncSession], tenant_a: Tenant, tmp_path: Path
) -> None:
    inbox = tmp_path / "inbox"
    drop(inbox, "stores.csv", STORES, 1_700_000_000)
    profile = Profile("acme-drop", InboxTransport(path=inbox))
    assert outcomes(await poll(profile)) == [("stores.csv", "imported")]

    drop(inbox, "stores.csv", STORES.replace("Airport", "Airport T2"), 1_700_000_500)
    again = await poll(profile)
    assert outcomes(again) == [("stores.csv", "imported")]
    assert again.files[0].records_written == 1  # only S2 changed
    assert (await store_names(sessionmaker, tenant_a))["S2"] == "Airport T2"
    rows = await ledger_rows(sessionmaker, tenant_a)
    assert [(r.file_name, r.status) for r in rows] == [
        ("stores.csv", "imported"),
        ("stores.csv", "imported"),
    ]
    assert rows[0].content_sha256 != rows[1].content_sha256


async def test_one_bad_file_does_not_stop_the_others(
    poll: Any, sessionmaker: async_sessionmaker[AsyncSession], tenant_a: Tenant, tmp_path: Path
) -> None:
    inbox = tmp_path / "inbox"
    drop(inbox, "sales_bad.csv", SALES_WITH_A_BAD_ROW, 1_700_000_000)
    drop(inbox, "mystery.csv", "a,b\n1,2\n", 1_700_000_100)  # the import crashes on it
    drop(inbox, "stores.csv", STORES, 1_700_000_200)
    profile = Profile("acme-drop", InboxTransport(path=inbox))

    first = await poll(profile)
    assert not first.ok and first.error is None
    assert outcomes(first) == [
        ("sales_bad.csv", "rejected"),
        ("mystery.csv", "failed"),
        ("stores.csv", "imported"),
    ]
    # Sales refer to stores and products unknown yet, and one quantity is not a number.
    assert first.files[0].reason is not None and first.files[0].reason.endswith("problem(s)")
    assert first.files[1].reason == "the import failed with ValueError (see server logs)"
    assert await store_names(sessionmaker, tenant_a) == {"S1": "Downtown", "S2": "Airport"}
    rows = {r.file_name: r for r in await ledger_rows(sessionmaker, tenant_a)}
    assert {name: r.status for name, r in rows.items()} == {
        "sales_bad.csv": "rejected",
        "mystery.csv": "failed",
        "stores.csv": "imported",
    }
    assert rows["mystery.csv"].detail == "the import failed with ValueError (see server logs)"
    # The rejection's own sync-log row (written by the import after its rollback).
    assert rows["sales_bad.csv"].sync_id == first.files[0].sync_id is not None

    # Unchanged content is not retried by itself …
    assert outcomes(await poll(profile)) == [
        ("sales_bad.csv", "skipped"),
        ("mystery.csv", "skipped"),
        ("stores.csv", "skipped"),
    ]
    # … but on request, and the imported file stays skipped.
    retried = await poll(profile, retry_failed=True)
    assert outcomes(retried) == [
        ("sales_bad.csv", "rejected"),
        ("mystery.csv", "failed"),
        ("stores.csv", "skipped"),
    ]
    assert len(await ledger_rows(sessionmaker, tenant_a)) == 3  # the rows were updated


async def test_files_are_archived_after_their_outcome(
    poll: Any, sessionmaker: async_sessionmaker[AsyncSession], tenant_a: Tenant, tmp_path: Path
) -> None:
    inbox = tmp_path / "inbox"
    drop(inbox, "stores.csv", STORES, 1_700_000_000)
    drop(inbox, "sales_bad.csv", SALES_WITH_A_BAD_ROW, 1_700_000_100)
    profile = Profile("acme-drop", InboxTransport(path=inbox, archive_dir=Path("processed")))

    first = await poll(profile)
    assert outcomes(first) == [("stores.csv", "imported"), ("sales_bad.csv", "rejected")]
    assert [f.archived_to for f in first.files] == [
        str(inbox / "processed" / "stores.csv"),
        str(inbox / "processed" / "sales_bad.csv"),
    ]
    assert sorted(p.name for p in inbox.iterdir()) == ["processed"]

    # The partner sends the same stores file again: skipped, archived beside the first.
    drop(inbox, "stores.csv", STORES, 1_700_000_300)
    again = await poll(profile)
    assert outcomes(again) == [("stores.csv", "skipped")]
    assert again.files[0].archived_to == str(inbox / "processed" / "stores-1.csv")
    assert len(await sync_logs(sessionmaker, tenant_a)) == 2  # stores + the rejection


async def test_a_recorded_file_left_in_place_is_archived_by_the_next_poll(
    poll: Any, tmp_path: Path
) -> None:
    # As if a poll stopped between writing the ledger row and moving the file.
    inbox = tmp_path / "inbox"
    drop(inbox, "stores.csv", STORES, 1_700_000_000)
    assert outcomes(await poll(Profile("acme-drop", InboxTransport(path=inbox)))) == [
        ("stores.csv", "imported")
    ]
    archiving = Profile("acme-drop", InboxTransport(path=inbox, archive_dir=Path("done")))
    report = await poll(archiving)
    assert outcomes(report) == [("stores.csv", "skipped")]
    assert report.files[0].archived_to == str(inbox / "done" / "stores.csv")


async def test_a_file_that_changes_during_its_import_is_not_archived(
    sessionmaker: async_sessionmaker[AsyncSession],
    migrated: Settings,
    tenant_a: Tenant,
    tmp_path: Path,
) -> None:
    inbox = tmp_path / "inbox"
    original = drop(inbox, "stores.csv", STORES, 1_700_000_000)

    async def import_while_the_partner_appends(*args: Any, **kwargs: Any) -> HandlerResult:
        result = await canonical_import(*args, **kwargs)
        with original.open("a", encoding="utf-8") as handle:
            handle.write("S3,Harbour,,,Europe/Berlin,,\n")
        return result

    profile = Profile("acme-drop", InboxTransport(path=inbox, archive_dir=Path("done")))
    report = await poll_source(
        sessionmaker,
        migrated,
        customer_id=tenant_a.customer_id,
        profile=profile,
        handler=import_while_the_partner_appends,
    )
    assert outcomes(report) == [("stores.csv", "imported")]
    assert report.files[0].archived_to is None
    assert report.files[0].note == (
        "not archived: the file changed after it was fetched; the next poll takes the new content"
    )
    assert original.exists()
    # The grown file is new content: the next poll imports it (S3 included).
    os.utime(original, (1_700_000_500, 1_700_000_500))
    later = await poll_source(
        sessionmaker,
        migrated,
        customer_id=tenant_a.customer_id,
        profile=profile,
        handler=canonical_import,
    )
    assert outcomes(later) == [("stores.csv", "imported")]
    assert later.files[0].archived_to == str(inbox / "done" / "stores.csv")
    assert sorted(await store_names(sessionmaker, tenant_a)) == ["S1", "S2", "S3"]


async def test_a_file_over_the_size_limit_is_not_fetched(
    poll: Any,
    sessionmaker: async_sessionmaker[AsyncSession],
    migrated: Settings,
    tenant_a: Tenant,
    tmp_path: Path,
) -> None:
    inbox = tmp_path / "inbox"
    drop(inbox, "stores.csv", STORES, 1_700_000_000)
    small = migrated.model_copy(update={"ingest_max_upload_bytes": 64})
    report = await poll(Profile("acme-drop", InboxTransport(path=inbox)), settings=small)
    assert outcomes(report) == [("stores.csv", "failed")]
    size = len(STORES.encode())
    assert report.files[0].reason == (
        f"{size:,} bytes exceeds the size limit of 64 (SHELFOPS_INGEST_MAX_UPLOAD_BYTES); "
        "not fetched"
    )
    assert await ledger_rows(sessionmaker, tenant_a) == []  # tried again next time


async def test_the_default_import_sends_edi_drops_to_the_edi_importer(
    sessionmaker: async_sessionmaker[AsyncSession],
    migrated: Settings,
    tenant_a: Tenant,
    tmp_path: Path,
) -> None:
    await make_catalog(sessionmaker, tenant_a)
    inbox = tmp_path / "van"
    interchange = example("846_inventory_advice.x12").read_text(encoding="utf-8")
    drop(inbox, "846_0302.x12", interchange, 1_700_000_000)
    # Cut off after the first LIN: no SE/GE/IEA trailers.
    drop(inbox, "846_cut.x12", interchange[: interchange.index("LIN*2")], 1_700_000_100)
    profile = Profile("dairy-co-van", InboxTransport(path=inbox, pattern="*.x12"), "enterprise_edi")
    report = await poll_source(
        sessionmaker, migrated, customer_id=tenant_a.customer_id, profile=profile
    )
    assert outcomes(report) == [("846_0302.x12", "imported"), ("846_cut.x12", "rejected")]
    imported, rejected = report.files
    assert imported.records_written == 3  # the three inventory snapshots of the sample
    assert imported.report_dir is not None
    ack = (Path(imported.report_dir) / "997.edi").read_text(encoding="utf-8")
    assert ack.startswith("ISA*") and "*997*" in ack
    # The first problems, each with its segment and position.
    assert rejected.reason is not None
    assert rejected.reason.startswith(
        "3 problem(s): segment QTY #10: the data ends after segment 10 (QTY) without an IEA"
    )
    logs = {log.sync_id: log for log in await sync_logs(sessionmaker, tenant_a)}
    assert [
        (
            logs[f.sync_id].integration_type,
            logs[f.sync_id].integration_name,
            logs[f.sync_id].sync_status,
        )
        for f in report.files
        if f.sync_id is not None
    ] == [
        ("enterprise_edi", "dairy-co-van", "success"),
        ("enterprise_edi", "dairy-co-van", "rejected"),
    ]


# ---------------------------------------------------------------------------------------
# SFTP
# ---------------------------------------------------------------------------------------


@pytest.fixture
async def server(tmp_path: Path) -> AsyncIterator[SftpServer]:
    """A real SFTP server exporting ``tmp_path/remote`` (with an ``outbox/``)."""
    root, keys = tmp_path / "remote", tmp_path / "keys"
    (root / "outbox").mkdir(parents=True)
    keys.mkdir()
    async with sftp_server(root, keys) as running:
        yield running


def sftp_profile(server: SftpServer, tmp_path: Path, *, archive_dir: str | None = None) -> Profile:
    """An enterprise SFTP profile for the test server, its host key trusted."""
    return Profile(
        "acme-sftp",
        SftpTransport(
            host=server.host,
            port=server.port,
            username=server.username,
            known_hosts=server.known_hosts(tmp_path / "known_hosts"),
            private_key=server.client_key_path,
            remote_dir="outbox",
            pattern="*.csv",
            archive_dir=archive_dir,
        ),
        source_type="enterprise_sftp",
    )


async def test_sftp_pulls_new_files_skips_known_ones_and_takes_changed_ones(
    poll: Any,
    server: SftpServer,
    sessionmaker: async_sessionmaker[AsyncSession],
    tenant_a: Tenant,
    tmp_path: Path,
) -> None:
    outbox = server.root / "outbox"
    drop_catalog(outbox)
    profile = sftp_profile(server, tmp_path)

    first = await poll(profile)
    assert first.where == f"sftp://partner@127.0.0.1:{server.port}/outbox"
    assert outcomes(first) == [
        ("suppliers.csv", "imported"),
        ("stores.csv", "imported"),
        ("products.csv", "imported"),
    ]
    assert await product_codes(sessionmaker, tenant_a) == ["P1", "P2", "P3"]

    second = await poll(profile)
    assert [f.status for f in second.files] == ["skipped"] * 3
    assert sorted(p.name for p in outbox.iterdir()) == [
        "products.csv",
        "stores.csv",
        "suppliers.csv",
    ]  # no archive configured: the files stay, the ledger remembers

    drop(outbox, "stores.csv", STORES.replace("Downtown", "Downtown Mall"), 1_700_000_900)
    third = await poll(profile)
    assert outcomes(third) == [
        ("suppliers.csv", "skipped"),
        ("products.csv", "skipped"),
        ("stores.csv", "imported"),
    ]
    assert (await store_names(sessionmaker, tenant_a))["S1"] == "Downtown Mall"


async def test_sftp_archives_processed_files_on_the_server(
    poll: Any, server: SftpServer, tmp_path: Path
) -> None:
    outbox = server.root / "outbox"
    drop(outbox, "stores.csv", STORES, 1_700_000_000)
    drop(outbox, "notes.txt", "not for us", 1_700_000_000)
    report = await poll(sftp_profile(server, tmp_path, archive_dir="archive"))
    assert outcomes(report) == [("stores.csv", "imported")]
    assert report.files[0].archived_to == "outbox/archive/stores.csv"
    assert sorted(p.name for p in outbox.iterdir()) == ["archive", "notes.txt"]
    assert (outbox / "archive" / "stores.csv").read_text(encoding="utf-8") == STORES


async def test_an_untrusted_server_is_refused_and_logged(
    poll: Any,
    server: SftpServer,
    sessionmaker: async_sessionmaker[AsyncSession],
    tenant_a: Tenant,
    tmp_path: Path,
) -> None:
    drop(server.root / "outbox", "stores.csv", STORES, 1_700_000_000)
    profile = sftp_profile(server, tmp_path)
    assert isinstance(profile.transport, SftpTransport)
    impostor = asyncssh.generate_private_key("ssh-ed25519")
    server.known_hosts(profile.transport.known_hosts, impostor)

    report = await poll(profile)
    assert report.files == []
    assert report.problem == "host_key_mismatch"
    assert report.error is not None
    assert report.error.startswith(f"sftp://partner@127.0.0.1:{server.port}/outbox: ")
    [log] = await sync_logs(sessionmaker, tenant_a)
    assert (log.sync_id, log.integration_type, log.integration_name) == (
        report.sync_id,
        "enterprise_sftp",
        "acme-sftp",
    )
    assert (log.sync_type, log.sync_status, log.error_message) == ("poll", "failed", report.error)
    assert await store_names(sessionmaker, tenant_a) == {}


# ---------------------------------------------------------------------------------------
# A tenant's sources
# ---------------------------------------------------------------------------------------


async def test_poll_tenant_polls_every_source_with_a_transport(
    sessionmaker: async_sessionmaker[AsyncSession],
    migrated: Settings,
    tenant_a: Tenant,
    tmp_path: Path,
) -> None:
    drop(tmp_path / "good", "stores.csv", STORES, 1_700_000_000)
    profiles = [
        Profile("pos-upload", None, source_type="smb_csv"),  # nothing to poll
        Profile("gone", InboxTransport(path=tmp_path / "unmounted")),
        Profile("good", InboxTransport(path=tmp_path / "good")),
    ]
    reports = await poll_tenant(
        sessionmaker,
        migrated,
        tenant_a.customer_id,
        tenant_a.slug,
        handler=canonical_import,
        profiles=profiles,
    )
    assert [(r.source_name, r.problem, outcomes(r)) for r in reports] == [
        ("gone", "folder_missing", []),
        ("good", None, [("stores.csv", "imported")]),
    ]
    only = await poll_tenant(
        sessionmaker,
        migrated,
        tenant_a.customer_id,
        tenant_a.slug,
        source_name="good",
        handler=canonical_import,
        profiles=profiles,
    )
    assert [(r.source_name, outcomes(r)) for r in only] == [("good", [("stores.csv", "skipped")])]
    with pytest.raises(NotFound, match="no source 'pos-upload' with a transport"):
        await poll_tenant(
            sessionmaker,
            migrated,
            tenant_a.customer_id,
            tenant_a.slug,
            source_name="pos-upload",
            profiles=profiles,
        )


# ---------------------------------------------------------------------------------------
# shelfops sync poll
# ---------------------------------------------------------------------------------------


@pytest.fixture
def contracts(
    migrated: Settings, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Iterator[Path]:
    """The settings a ``shelfops`` process would read, with a fresh contracts folder."""
    folder = tmp_path / "contracts"
    monkeypatch.setenv("SHELFOPS_DATABASE_URL", migrated.resolved_database_url)
    monkeypatch.setenv("SHELFOPS_VAR_DIR", str(migrated.var_dir))
    monkeypatch.setenv("SHELFOPS_CONTRACTS_DIR", str(folder))
    monkeypatch.delenv("SHELFOPS_BROKER_URL", raising=False)
    get_settings.cache_clear()
    yield folder
    get_settings.cache_clear()


def write_profile(contracts: Path, tenant: Tenant, inbox: Path) -> None:
    """An SMB store list dropped into ``inbox`` (columns ``Branch``, ``Branch name``)."""
    folder = contracts / tenant.slug
    folder.mkdir(parents=True)
    (folder / "stores.yaml").write_text(
        f"""profile_id: acme-stores
version: 1
source_name: acme-stores
source_type: smb_csv
grain: catalog_stores
field_map:
  stores:
    store_code: Branch
    name: Branch name
defaults:
  stores:
    timezone: Europe/Berlin
transport:
  kind: inbox
  path: {inbox}
  pattern: "*.csv"
""",
        encoding="utf-8",
    )


def sync_cli() -> typer.Typer:
    """A fresh command with only the ``sync`` commands mounted."""
    app = typer.Typer()
    register(app)
    return app


def test_sync_poll_command_imports_then_skips(
    contracts: Path, tenant_a: Tenant, tmp_path: Path
) -> None:
    inbox = tmp_path / "drop"
    drop(inbox, "branches.csv", "Branch,Branch name\nS1,Downtown\nS2,Airport\n", 1_700_000_000)
    write_profile(contracts, tenant_a, inbox)
    runner = CliRunner()

    first = runner.invoke(sync_cli(), ["sync", "poll", "--tenant", tenant_a.slug])
    assert first.exit_code == 0, first.output
    assert f"acme-stores ({inbox}): 1 imported" in first.stdout
    assert "imported · branches.csv · 2 records" in first.stdout

    second = runner.invoke(sync_cli(), ["sync", "poll", "--tenant", tenant_a.slug])
    assert second.exit_code == 0, second.output
    assert f"acme-stores ({inbox}): 1 skipped" in second.stdout
    assert "skipped  · branches.csv · already imported on" in second.stdout


def test_sync_poll_command_fails_loudly(contracts: Path, tenant_a: Tenant, tmp_path: Path) -> None:
    missing = tmp_path / "not-mounted"
    write_profile(contracts, tenant_a, missing)
    runner = CliRunner()

    result = runner.invoke(sync_cli(), ["sync", "poll", "--tenant", tenant_a.slug])
    assert result.exit_code == 1
    assert f"acme-stores ({missing}): no files" in result.stdout
    assert f"error {missing}: the inbox folder does not exist" in result.stderr

    unknown = runner.invoke(
        sync_cli(), ["sync", "poll", "--tenant", tenant_a.slug, "--source", "nope"]
    )
    assert unknown.exit_code == 1
    assert "error NotFound: tenant" in unknown.stderr
    assert "has no source 'nope' with a transport" in unknown.stderr
    assert "Traceback" not in unknown.output
