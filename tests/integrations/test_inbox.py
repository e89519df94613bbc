"""The local inbox transport: which files count, copies, archiving, clear errors."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from shelfops.integrations.config import InboxTransport
from shelfops.integrations.inbox import (
    FileEntry,
    TransportError,
    archive_names,
    open_inbox,
    wanted,
)


def drop(folder: Path, name: str, content: str, mtime: float) -> Path:
    """Write a file with a given modification time."""
    path = folder / name
    path.write_text(content, encoding="utf-8")
    os.utime(path, (mtime, mtime))
    return path


async def test_lists_regular_matching_files_oldest_first(tmp_path: Path) -> None:
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    drop(inbox, "b.edi", "BB", 1_700_000_000)
    drop(inbox, "a.edi", "A", 1_700_000_100)
    drop(inbox, "c.edi", "CCC", 1_700_000_000)  # same time as b: name decides
    drop(inbox, ".upload.edi", "partial", 1_600_000_000)  # hidden: an upload in progress
    drop(inbox, "notes.txt", "x", 1_600_000_000)  # does not match the pattern
    (inbox / "sub.edi").mkdir()  # a folder, not a file
    (inbox / "link.edi").symlink_to(inbox / "a.edi")  # a link, not a file
    async with open_inbox(InboxTransport(path=inbox, pattern="*.edi")) as source:
        entries = await source.list_files()
    assert entries == [
        FileEntry("b.edi", 2, 1_700_000_000),
        FileEntry("c.edi", 3, 1_700_000_000),
        FileEntry("a.edi", 1, 1_700_000_100),
    ]


def test_name_rules() -> None:
    assert wanted("sales_2024.csv", "sales_*.csv")
    assert not wanted("Sales_2024.csv", "sales_*.csv")  # case-sensitive
    assert not wanted(".sales_2024.csv", "*")
    assert wanted(".sales_2024.csv", ".*")  # asked for explicitly
    assert not wanted("..", "*")
    assert not wanted("a/b.csv", "*")


def test_archive_names_count_up_before_the_extension() -> None:
    names = archive_names("orders.x12")
    assert [next(names) for _ in range(3)] == ["orders.x12", "orders-1.x12", "orders-2.x12"]
    plain = archive_names("README")
    assert [next(plain) for _ in range(2)] == ["README", "README-1"]


async def test_fetch_copies_the_file_and_leaves_no_partial_file(tmp_path: Path) -> None:
    inbox, work = tmp_path / "inbox", tmp_path / "work"
    inbox.mkdir()
    work.mkdir()
    drop(inbox, "a.edi", "ISA*00*...~", 1_700_000_000)
    async with open_inbox(InboxTransport(path=inbox)) as source:
        [entry] = await source.list_files()
        local = await source.fetch(entry, work)
    assert local == work / "a.edi"
    assert local.read_text(encoding="utf-8") == "ISA*00*...~"
    assert sorted(p.name for p in work.iterdir()) == ["a.edi"]
    # A copy: the original stays until it is archived.
    assert (inbox / "a.edi").exists()


async def test_archive_moves_into_a_relative_folder_and_never_overwrites(tmp_path: Path) -> None:
    inbox = tmp_path / "inbox"
    (inbox / "done").mkdir(parents=True)
    (inbox / "done" / "a.edi").write_text("older a", encoding="utf-8")
    drop(inbox, "a.edi", "new a", 1_700_000_000)
    drop(inbox, "b.edi", "b", 1_700_000_000)
    transport = InboxTransport(path=inbox, archive_dir=Path("done"))
    async with open_inbox(transport) as source:
        assert source.archives
        moved_a = await source.archive("a.edi")
        moved_b = await source.archive("b.edi")
        assert await source.stat("a.edi") is None
        # The archive folder lives inside the inbox but is never listed.
        assert await source.list_files() == []
    assert moved_a == str(inbox / "done" / "a-1.edi")
    assert moved_b == str(inbox / "done" / "b.edi")
    assert (inbox / "done" / "a.edi").read_text(encoding="utf-8") == "older a"
    assert (inbox / "done" / "a-1.edi").read_text(encoding="utf-8") == "new a"


async def test_without_archive_dir_files_stay(tmp_path: Path) -> None:
    drop(tmp_path, "a.edi", "a", 1_700_000_000)
    async with open_inbox(InboxTransport(path=tmp_path)) as source:
        assert not source.archives
        assert await source.archive("a.edi") is None
    assert (tmp_path / "a.edi").exists()


async def test_missing_folder_is_a_clear_error(tmp_path: Path) -> None:
    missing = tmp_path / "van-drop"
    async with open_inbox(InboxTransport(path=missing)) as source:
        with pytest.raises(TransportError) as raised:
            await source.list_files()
    assert raised.value.problem == "folder_missing"
    assert raised.value.message == f"{missing}: the inbox folder does not exist"
    assert raised.value.status_code == 503
