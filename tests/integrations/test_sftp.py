"""The SFTP transport against a real asyncssh server on 127.0.0.1: listing, download,
archive, and every connection failure as a clear error."""

from __future__ import annotations

import os
import socket
import uuid
from collections.abc import AsyncIterator
from pathlib import Path

import asyncssh
import pytest

from shelfops.integrations.config import SftpTransport
from shelfops.integrations.inbox import FileEntry, TransportError
from shelfops.integrations.sftp import open_sftp
from tests.integrations.sftp_server import SftpServer, sftp_server

PASSWORD = "correct horse battery staple"


@pytest.fixture
async def server(tmp_path: Path) -> AsyncIterator[SftpServer]:
    """A server exporting ``tmp_path/root`` (with ``outbox/``), key or password login."""
    root, keys = tmp_path / "root", tmp_path / "keys"
    (root / "outbox").mkdir(parents=True)
    keys.mkdir()
    async with sftp_server(root, keys, password=PASSWORD) as running:
        yield running


def transport(server: SftpServer, tmp_path: Path, **changes: object) -> SftpTransport:
    """A transport that trusts the server's real host key and logs in with its key."""
    values: dict[str, object] = {
        "host": server.host,
        "port": server.port,
        "username": server.username,
        "known_hosts": server.known_hosts(tmp_path / "known_hosts"),
        "private_key": server.client_key_path,
        "remote_dir": "outbox",
        "pattern": "*.csv",
    }
    values.update(changes)
    return SftpTransport.model_validate(values)


def put(server: SftpServer, name: str, content: str, mtime: float = 1_700_000_000) -> Path:
    """Place a file in the server's ``outbox``."""
    path = server.root / "outbox" / name
    path.write_text(content, encoding="utf-8")
    os.utime(path, (mtime, mtime))
    return path


async def connect_error(config: SftpTransport) -> TransportError:
    """The error connecting (and listing) with ``config`` raises."""
    with pytest.raises(TransportError) as raised:
        async with open_sftp(config, connect_timeout=5) as source:
            await source.list_files()
    return raised.value


async def test_lists_downloads_and_archives(server: SftpServer, tmp_path: Path) -> None:
    put(server, "stock_2.csv", "two", mtime=1_700_000_200)
    put(server, "stock_1.csv", "one!", mtime=1_700_000_100)
    put(server, ".stock_3.csv", "uploading", mtime=1_700_000_000)
    put(server, "readme.txt", "not data")
    (server.root / "outbox" / "old.csv").mkdir()
    (server.root / "outbox" / "link.csv").symlink_to(server.root / "outbox" / "stock_1.csv")
    # A file of the same name was archived before: the new one must not replace it.
    (server.root / "outbox" / "done").mkdir()
    (server.root / "outbox" / "done" / "stock_1.csv").write_text("archived", encoding="utf-8")
    work = tmp_path / "work"
    work.mkdir()
    config = transport(server, tmp_path, archive_dir="done")
    async with open_sftp(config) as source:
        assert source.where == f"sftp://partner@127.0.0.1:{server.port}/outbox"
        entries = await source.list_files()
        assert entries == [
            FileEntry("stock_1.csv", 4, 1_700_000_100),
            FileEntry("stock_2.csv", 3, 1_700_000_200),
        ]
        local = await source.fetch(entries[0], work)
        assert local.read_text(encoding="utf-8") == "one!"
        assert sorted(p.name for p in work.iterdir()) == ["stock_1.csv"]  # no .part left
        assert await source.stat("stock_1.csv") == entries[0]
        assert await source.archive("stock_1.csv") == "outbox/done/stock_1-1.csv"
        assert await source.stat("stock_1.csv") is None
    done = server.root / "outbox" / "done"
    assert (done / "stock_1.csv").read_text(encoding="utf-8") == "archived"
    assert (done / "stock_1-1.csv").read_text(encoding="utf-8") == "one!"


async def test_archive_folder_is_created_when_missing(server: SftpServer, tmp_path: Path) -> None:
    put(server, "a.csv", "a")
    config = transport(server, tmp_path, archive_dir="/archive/2024")
    async with open_sftp(config) as source:
        assert await source.archive("a.csv") == "/archive/2024/a.csv"
    assert (server.root / "archive" / "2024" / "a.csv").read_text(encoding="utf-8") == "a"


async def test_a_changed_host_key_is_refused(server: SftpServer, tmp_path: Path) -> None:
    impostor = asyncssh.generate_private_key("ssh-ed25519")
    config = transport(
        server, tmp_path, known_hosts=server.known_hosts(tmp_path / "stale_known_hosts", impostor)
    )
    error = await connect_error(config)
    assert error.problem == "host_key_mismatch"
    assert f"127.0.0.1:{server.port}" in error.message
    assert "does not match" in error.message


async def test_an_unknown_host_is_refused(server: SftpServer, tmp_path: Path) -> None:
    empty = tmp_path / "empty_known_hosts"
    empty.write_text("# nobody yet\n", encoding="utf-8")
    error = await connect_error(transport(server, tmp_path, known_hosts=empty))
    assert error.problem == "unknown_host"
    assert f"has no host key for [127.0.0.1]:{server.port}" in error.message


async def test_a_missing_known_hosts_file_is_refused(server: SftpServer, tmp_path: Path) -> None:
    missing = tmp_path / "nowhere" / "known_hosts"
    error = await connect_error(transport(server, tmp_path, known_hosts=missing))
    assert error.problem == "known_hosts_missing"
    assert str(missing) in error.message


async def test_password_from_the_environment(
    server: SftpServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    variable = f"SHELFOPS_TEST_SFTP_PASSWORD_{uuid.uuid4().hex[:8].upper()}"
    monkeypatch.setenv(variable, PASSWORD)
    put(server, "a.csv", "a")
    config = transport(server, tmp_path, private_key=None, password_env=variable)
    async with open_sftp(config) as source:
        assert [e.name for e in await source.list_files()] == ["a.csv"]

    monkeypatch.setenv(variable, "wrong password")
    error = await connect_error(config)
    assert error.problem == "auth_failed"
    assert f"127.0.0.1:{server.port}" in error.message
    assert f"password from ${variable}" in error.message
    assert "wrong password" not in str(error.detail)  # never the secret itself

    monkeypatch.delenv(variable)
    error = await connect_error(config)
    assert error.problem == "password_missing"
    assert variable in error.message


async def test_a_key_the_server_does_not_know_fails_authentication(
    server: SftpServer, tmp_path: Path
) -> None:
    stranger = tmp_path / "stranger_ed25519"
    asyncssh.generate_private_key("ssh-ed25519").write_private_key(str(stranger))
    error = await connect_error(transport(server, tmp_path, private_key=stranger))
    assert error.problem == "auth_failed"
    assert f"authentication as 'partner' failed (offered: key {stranger})" in error.message


async def test_a_missing_remote_folder_is_named(server: SftpServer, tmp_path: Path) -> None:
    error = await connect_error(transport(server, tmp_path, remote_dir="inbound/edi"))
    assert error.problem == "remote_dir_missing"
    assert error.message == (
        f"sftp://partner@127.0.0.1:{server.port}/inbound/edi: "
        "the remote folder 'inbound/edi' does not exist"
    )


async def test_a_refused_connection_is_named(tmp_path: Path) -> None:
    # A port nobody listens on: bind one, note it, close it.
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    known_hosts = tmp_path / "known_hosts"
    known_hosts.write_text("", encoding="utf-8")
    config = SftpTransport(
        host="127.0.0.1",
        port=port,
        username="partner",
        known_hosts=known_hosts,
        password_env="PATH",  # any set variable: the connection fails before login
    )
    error = await connect_error(config)
    assert error.problem == "connection_refused"
    assert error.message.startswith(f"sftp://partner@127.0.0.1:{port}/")
