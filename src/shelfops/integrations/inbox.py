"""Local inbox folders (e.g. an EDI VAN drop), and what every file transport offers.

A poller (:mod:`shelfops.integrations.polling`) sees a transport as a
:class:`FileSource`: list the waiting files, fetch one to a local path, look at one
again, archive one. :class:`InboxSource` is that protocol on a local (or mounted)
folder; :mod:`shelfops.integrations.sftp` is the same on an SFTP server. The shared
pieces (:class:`FileEntry`, :class:`TransportError`, the name rules) live here because
the local folder is the transport that needs nothing beyond the standard library.

Name rules, the same for every transport:

* only regular files directly in the folder count (no sub-folders, no symbolic links:
  a link could point anywhere this process can read);
* names starting with ``.`` are ignored unless the pattern itself starts with ``.``
  (uploaders commonly write ``.name.tmp`` and rename when done);
* the pattern is a case-sensitive glob (``*.edi``, ``sales_*.csv``).

A relative ``archive_dir`` is resolved against the folder being polled, so
``archive_dir: processed`` means ``<folder>/processed``.
"""

from __future__ import annotations

import asyncio
import errno
import fnmatch
import os
import shutil
import stat
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from shelfops.integrations.config import InboxTransport
from shelfops.kit.errors import ServiceUnavailable

# More clashes than this in one archive folder means something else is wrong.
_MAX_ARCHIVE_SUFFIX = 10_000
CONNECTION_LOST = "connection_lost"
"""The :class:`TransportError` problem that ends a poll: the connection itself is gone
(any other problem concerns one file, and the poll goes on with the next)."""


@dataclass(frozen=True)
class FileEntry:
    """A file waiting in a transport's folder, as listed."""

    name: str
    size: int
    mtime: float | None


class TransportError(ServiceUnavailable):
    """A file transport (SFTP server or inbox folder) could not be used.

    ``detail`` names where (``sftp://user@host:port/dir`` or the folder), a short
    ``problem`` code (e.g. ``host_key_mismatch``, ``auth_failed``,
    ``connection_refused``, ``remote_dir_missing``) and a sentence saying what went
    wrong. It never carries a password or key material.
    """

    def __init__(self, *, where: str, problem: str, message: str) -> None:
        self.message = f"{where}: {message}"
        self.where = where
        self.problem = problem
        super().__init__({"message": self.message, "where": where, "problem": problem})


class FileSource(Protocol):
    """What a poller needs from a transport (an open connection or folder)."""

    @property
    def where(self) -> str:
        """A human-readable location, without secrets."""
        ...

    @property
    def archives(self) -> bool:
        """Whether processed files are moved to an archive folder."""
        ...

    async def list_files(self) -> list[FileEntry]:
        """The regular files matching the pattern, oldest first."""
        ...

    async def fetch(self, entry: FileEntry, directory: Path) -> Path:
        """Copy ``entry`` into ``directory`` atomically; returns the local path."""
        ...

    async def stat(self, name: str) -> FileEntry | None:
        """The file's current size and time, or None when it is gone."""
        ...

    async def archive(self, name: str) -> str | None:
        """Move a processed file to the archive folder; returns where it went."""
        ...


def wanted(name: str, pattern: str) -> bool:
    """Whether a listed name is a file to poll (the name rules of this module)."""
    if name in {".", ".."} or "/" in name or "\\" in name or "\x00" in name:
        return False
    if name.startswith(".") and not pattern.startswith("."):
        return False
    return fnmatch.fnmatchcase(name, pattern)


def archive_names(name: str) -> Iterator[str]:
    """Candidate names in the archive: ``name``, then ``stem-1.ext``, ``stem-2.ext``, …"""
    yield name
    stem, dot, suffix = name.rpartition(".")
    if not stem:  # no extension (or a leading dot only): append the counter
        stem, dot, suffix = name, "", ""
    for n in range(1, _MAX_ARCHIVE_SUFFIX):
        yield f"{stem}-{n}{dot}{suffix}"


def oldest_first(entries: list[FileEntry]) -> list[FileEntry]:
    """Arrival order (modification time, then name): a later file's rows win."""
    return sorted(entries, key=lambda e: (e.mtime if e.mtime is not None else 0.0, e.name))


class InboxSource:
    """The :class:`FileSource` of a local folder."""

    def __init__(self, transport: InboxTransport) -> None:
        self._transport = transport
        self._folder = transport.path
        self._archive_dir = (
            transport.path / transport.archive_dir if transport.archive_dir else None
        )

    @property
    def where(self) -> str:
        """The folder polled."""
        return str(self._folder)

    @property
    def archives(self) -> bool:
        """Whether an archive folder is configured."""
        return self._archive_dir is not None

    async def list_files(self) -> list[FileEntry]:
        """The regular files of the folder matching the pattern, oldest first."""
        entries: list[FileEntry] = []
        try:
            with os.scandir(self._folder) as listing:
                for item in listing:
                    if not wanted(item.name, self._transport.pattern):
                        continue
                    info = item.stat(follow_symlinks=False)
                    if stat.S_ISREG(info.st_mode):
                        entries.append(FileEntry(item.name, info.st_size, info.st_mtime))
        except FileNotFoundError:
            raise self._error("folder_missing", "the inbox folder does not exist") from None
        except NotADirectoryError:
            raise self._error("folder_missing", "the inbox path is not a folder") from None
        except PermissionError:
            raise self._error("permission_denied", "the inbox folder cannot be read") from None
        return oldest_first(entries)

    async def fetch(self, entry: FileEntry, directory: Path) -> Path:
        """Copy the file into ``directory`` (a ``.part`` file renamed when complete), so
        the import reads a snapshot that a writer appending to the inbox cannot change."""
        source = self._folder / entry.name
        target = directory / entry.name
        partial = directory / f"{entry.name}.part"
        try:
            await asyncio.to_thread(_copy_regular, source, partial)
            partial.replace(target)
        except OSError as exc:
            partial.unlink(missing_ok=True)
            raise self._error(
                "fetch_failed", f"could not copy {entry.name}: {exc.strerror or exc}"
            ) from None
        return target

    async def stat(self, name: str) -> FileEntry | None:
        """The file's current size and time (None when it is gone or not a regular file)."""
        try:
            info = (self._folder / name).lstat()
        except FileNotFoundError:
            return None
        if not stat.S_ISREG(info.st_mode):
            return None
        return FileEntry(name, info.st_size, info.st_mtime)

    async def archive(self, name: str) -> str | None:
        """Move ``name`` into the archive folder (created if needed); a clash gets a
        ``-N`` suffix, an archived file is never overwritten. None when no archive is
        configured."""
        if self._archive_dir is None:
            return None
        try:
            self._archive_dir.mkdir(parents=True, exist_ok=True)
            for candidate in archive_names(name):
                target = self._archive_dir / candidate
                if target.exists() or target.is_symlink():
                    continue
                await asyncio.to_thread(_move, self._folder / name, target)
                return str(target)
        except OSError as exc:
            raise self._error(
                "archive_failed", f"could not archive {name}: {exc.strerror or exc}"
            ) from None
        raise self._error("archive_failed", f"no free name for {name} in the archive folder")

    def _error(self, problem: str, message: str) -> TransportError:
        return TransportError(where=self.where, problem=problem, message=message)


def _copy_regular(source: Path, target: Path) -> None:
    # O_NOFOLLOW: a file swapped for a symbolic link after listing is not followed.
    flags = os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0)
    fd = os.open(source, flags)
    with os.fdopen(fd, "rb") as reader, target.open("wb") as writer:
        shutil.copyfileobj(reader, writer, 1024 * 1024)


def _move(source: Path, target: Path) -> None:
    try:
        os.rename(source, target)
    except OSError as exc:
        if exc.errno != errno.EXDEV:
            raise
        # The archive is on another file system: copy, then remove the original.
        shutil.move(source, target)


@asynccontextmanager
async def open_inbox(transport: InboxTransport) -> AsyncIterator[InboxSource]:
    """The inbox folder as a :class:`FileSource` (nothing to connect; checked on listing)."""
    yield InboxSource(transport)
