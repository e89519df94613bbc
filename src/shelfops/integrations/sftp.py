"""Pulling files from a partner's SFTP server (asyncssh client).

:func:`open_sftp` connects and yields an :class:`SftpSource`, the
:class:`~shelfops.integrations.inbox.FileSource` of one remote folder. The connection is
locked down on purpose:

* the server's host key is verified against the profile's ``known_hosts`` file, always;
  an unknown host or a changed key is refused (there is no "trust on first use");
* only the credentials the profile names are offered: its key file or stored private key
  (``private_key_credential``) and/or the password read from the environment variable
  ``password_env`` or the stored credential ``password_credential`` — no SSH agent, no
  ``~/.ssh`` keys, no ``~/.ssh/config``. Stored credentials are decrypted by the caller
  (the poller, :mod:`shelfops.integrations.credentials`) and passed in as ``stored``;
* the password and key are passed to asyncssh and nowhere else: never logged, never put
  in an error or a report.

Every failure becomes a :class:`~shelfops.integrations.inbox.TransportError` naming
``sftp://user@host:port/dir`` and what went wrong (unknown host, host key mismatch,
authentication failed, connection refused, missing remote folder, …).
"""

from __future__ import annotations

import os
import posixpath
import socket
from collections.abc import AsyncIterator, Mapping
from contextlib import asynccontextmanager
from pathlib import Path

import asyncssh

from shelfops.integrations.config import SftpTransport
from shelfops.integrations.inbox import (
    CONNECTION_LOST,
    FileEntry,
    TransportError,
    archive_names,
    oldest_first,
    wanted,
)

CONNECT_TIMEOUT_S = 30.0


def where(transport: SftpTransport) -> str:
    """``sftp://user@host:port/remote_dir`` (no secrets)."""
    remote = transport.remote_dir.lstrip("/")
    return f"sftp://{transport.username}@{transport.host}:{transport.port}/{remote}"


class SftpSource:
    """The :class:`~shelfops.integrations.inbox.FileSource` of one remote folder."""

    def __init__(self, transport: SftpTransport, client: asyncssh.SFTPClient) -> None:
        self._transport = transport
        self._sftp = client
        self._folder = transport.remote_dir
        self._archive_dir = (
            posixpath.join(transport.remote_dir, transport.archive_dir)
            if transport.archive_dir
            else None
        )
        self._archive_ready = False

    @property
    def where(self) -> str:
        """``sftp://user@host:port/remote_dir``."""
        return where(self._transport)

    @property
    def archives(self) -> bool:
        """Whether an archive folder is configured."""
        return self._archive_dir is not None

    async def list_files(self) -> list[FileEntry]:
        """The regular files of ``remote_dir`` matching ``pattern``, oldest first.

        The listing reports links as links (not what they point to), so a link is
        never taken for a file.
        """
        try:
            names = await self._sftp.readdir(self._folder)
        except (asyncssh.SFTPNoSuchFile, asyncssh.SFTPNoSuchPath):
            raise self._error(
                "remote_dir_missing", f"the remote folder {self._folder!r} does not exist"
            ) from None
        except asyncssh.SFTPPermissionDenied:
            raise self._error(
                "permission_denied", f"no permission to list the remote folder {self._folder!r}"
            ) from None
        except asyncssh.SFTPError as exc:
            raise self._error(
                "list_failed", f"could not list the remote folder {self._folder!r}: {exc.reason}"
            ) from None
        except (asyncssh.Error, OSError) as exc:
            raise self._lost(exc) from None
        entries: list[FileEntry] = []
        for item in names:
            name = item.filename if isinstance(item.filename, str) else item.filename.decode()
            attrs = item.attrs
            if attrs.type != asyncssh.FILEXFER_TYPE_REGULAR or not wanted(
                name, self._transport.pattern
            ):
                continue
            entries.append(FileEntry(name, attrs.size or 0, _mtime(attrs)))
        return oldest_first(entries)

    async def fetch(self, entry: FileEntry, directory: Path) -> Path:
        """Download into ``directory``: to a ``.part`` file, renamed once complete, so a
        broken transfer never leaves a file that looks whole."""
        target = directory / entry.name
        partial = directory / f"{entry.name}.part"
        try:
            await self._sftp.get(self._remote(entry.name), partial, preserve=False)
            partial.replace(target)
        except asyncssh.SFTPError as exc:
            partial.unlink(missing_ok=True)
            raise self._error(
                "fetch_failed", f"could not download {entry.name}: {exc.reason}"
            ) from None
        except (asyncssh.Error, OSError) as exc:
            partial.unlink(missing_ok=True)
            if isinstance(exc, OSError) and not _is_network(exc):
                raise self._error(
                    "fetch_failed", f"could not store {entry.name} locally: {exc.strerror or exc}"
                ) from None
            raise self._lost(exc) from None
        return target

    async def stat(self, name: str) -> FileEntry | None:
        """The remote file's current size and time (None when gone or not regular)."""
        try:
            attrs = await self._sftp.lstat(self._remote(name))
        except asyncssh.SFTPNoSuchFile:
            return None
        except asyncssh.SFTPError as exc:
            raise self._error("stat_failed", f"could not stat {name}: {exc.reason}") from None
        except (asyncssh.Error, OSError) as exc:
            raise self._lost(exc) from None
        if attrs.type != asyncssh.FILEXFER_TYPE_REGULAR:
            return None
        return FileEntry(name, attrs.size or 0, _mtime(attrs))

    async def archive(self, name: str) -> str | None:
        """Rename ``name`` into ``archive_dir`` (created if needed). A clash gets a
        ``-N`` suffix: the SFTP rename used never overwrites, and an existing name is
        skipped. None when no archive is configured."""
        if self._archive_dir is None:
            return None
        try:
            if not self._archive_ready:
                await self._sftp.makedirs(self._archive_dir, exist_ok=True)
                self._archive_ready = True
            for candidate in archive_names(name):
                target = posixpath.join(self._archive_dir, candidate)
                if await self._sftp.exists(target):
                    continue
                try:
                    await self._sftp.rename(self._remote(name), target)
                except (asyncssh.SFTPFailure, asyncssh.SFTPFileAlreadyExists):
                    # Someone took the name between our check and the rename: next one.
                    if await self._sftp.exists(target):
                        continue
                    raise
                return target
        except asyncssh.SFTPError as exc:
            raise self._error("archive_failed", f"could not archive {name}: {exc.reason}") from None
        except (asyncssh.Error, OSError) as exc:
            raise self._lost(exc) from None
        raise self._error("archive_failed", f"no free name for {name} in the archive folder")

    def _remote(self, name: str) -> str:
        return posixpath.join(self._folder, name)

    def _error(self, problem: str, message: str) -> TransportError:
        return TransportError(where=self.where, problem=problem, message=message)

    def _lost(self, exc: BaseException) -> TransportError:
        return self._error(CONNECTION_LOST, f"the connection failed: {_reason(exc)}")


@asynccontextmanager
async def open_sftp(
    transport: SftpTransport,
    *,
    stored: Mapping[str, str] | None = None,
    connect_timeout: float = CONNECT_TIMEOUT_S,
) -> AsyncIterator[SftpSource]:
    """Connect (host key verified, the profile's credentials only) and yield the remote
    folder as a :class:`SftpSource`; the connection closes when the block ends.

    ``stored`` holds the decrypted secrets of the credentials the transport names
    (``password_credential``, ``private_key_credential``), by kind (``password``,
    ``private_key``)."""
    known_hosts = _known_hosts(transport)
    password = _password(transport, stored or {})
    client_keys: list[str | asyncssh.SSHKey] = (
        [str(transport.private_key)] if transport.private_key else []
    )
    if transport.private_key is not None and not transport.private_key.is_file():
        raise _connect_error(
            transport, "key_missing", f"the private key file {transport.private_key} is missing"
        )
    if transport.private_key_credential is not None:
        client_keys.append(_stored_key(transport, stored or {}))
    try:
        connection = await asyncssh.connect(
            transport.host,
            transport.port,
            username=transport.username,
            known_hosts=known_hosts,
            client_keys=client_keys,
            password=password,
            passphrase=None,
            agent_path=None,
            config=[],
            connect_timeout=connect_timeout,
            login_timeout=connect_timeout,
        )
    except asyncssh.HostKeyNotVerifiable:
        raise _host_key_error(transport, known_hosts) from None
    except asyncssh.PermissionDenied:
        offered = " and ".join(
            what
            for what, used in (
                (f"key {transport.private_key}", transport.private_key is not None),
                (
                    f"key from credential {transport.private_key_credential}",
                    transport.private_key_credential is not None,
                ),
                (f"password from ${transport.password_env}", transport.password_env is not None),
                (
                    f"password from credential {transport.password_credential}",
                    transport.password_credential is not None,
                ),
            )
            if used
        )
        raise _connect_error(
            transport,
            "auth_failed",
            f"authentication as {transport.username!r} failed (offered: {offered})",
        ) from None
    except asyncssh.KeyImportError as exc:
        raise _connect_error(
            transport,
            "key_unreadable",
            f"the private key {transport.private_key} could not be used ({exc}); "
            "encrypted keys are not supported",
        ) from None
    except ConnectionRefusedError:
        raise _connect_error(
            transport, "connection_refused", "connection refused (is the server running?)"
        ) from None
    except TimeoutError:
        raise _connect_error(
            transport, "timeout", f"no answer within {connect_timeout:g} s"
        ) from None
    except socket.gaierror as exc:
        raise _connect_error(
            transport, "unknown_host", f"the host name does not resolve ({exc.strerror})"
        ) from None
    except (asyncssh.Error, OSError) as exc:
        raise _connect_error(transport, "connect_failed", _reason(exc)) from None
    async with connection:
        try:
            client = await connection.start_sftp_client()
        except (asyncssh.Error, OSError) as exc:
            raise _connect_error(
                transport, "sftp_unavailable", f"the server offers no SFTP ({_reason(exc)})"
            ) from None
        async with client:
            yield SftpSource(transport, client)


def _known_hosts(transport: SftpTransport) -> asyncssh.SSHKnownHosts:
    path = transport.known_hosts
    try:
        return asyncssh.read_known_hosts(str(path))
    except FileNotFoundError:
        raise _connect_error(
            transport, "known_hosts_missing", f"the known_hosts file {path} does not exist"
        ) from None
    except (OSError, ValueError) as exc:
        raise _connect_error(
            transport, "known_hosts_unreadable", f"the known_hosts file {path} is unusable: {exc}"
        ) from None


def _password(transport: SftpTransport, stored: Mapping[str, str]) -> str | None:
    if transport.password_credential is not None:
        return _stored(transport, stored, "password", transport.password_credential)
    if transport.password_env is None:
        return None
    password = os.environ.get(transport.password_env)
    if not password:
        raise _connect_error(
            transport,
            "password_missing",
            f"the environment variable {transport.password_env} (password_env) is not set",
        )
    return password


def _stored(transport: SftpTransport, stored: Mapping[str, str], kind: str, name: str) -> str:
    secret = stored.get(kind)
    if not secret:
        raise _connect_error(
            transport,
            "credential_missing",
            f"the {kind} credential {name!r} was not provided (it is read from the "
            "tenant's credential store when the source is polled)",
        )
    return secret


def _stored_key(transport: SftpTransport, stored: Mapping[str, str]) -> asyncssh.SSHKey:
    name = transport.private_key_credential
    assert name is not None
    try:
        return asyncssh.import_private_key(_stored(transport, stored, "private_key", name))
    except (asyncssh.KeyImportError, ValueError) as exc:
        # The library's message describes the format problem, never the key's content.
        raise _connect_error(
            transport,
            "key_unreadable",
            f"the private key in credential {name!r} could not be used ({exc}); "
            "encrypted keys are not supported",
        ) from None


def _host_key_error(
    transport: SftpTransport, known_hosts: asyncssh.SSHKnownHosts
) -> TransportError:
    # asyncssh says "not trusted" either way; tell the two cases apart for the operator.
    host_keys, ca_keys, *_ = known_hosts.match(transport.host, "", transport.port)
    entry = f"[{transport.host}]:{transport.port}" if transport.port != 22 else transport.host
    if host_keys or ca_keys:
        return _connect_error(
            transport,
            "host_key_mismatch",
            f"the server's host key does not match the key for {entry} in "
            f"{transport.known_hosts}; refusing to connect (the server's key changed, or "
            "someone is intercepting the connection)",
        )
    return _connect_error(
        transport,
        "unknown_host",
        f"{transport.known_hosts} has no host key for {entry}; refusing to connect "
        "(add the server's key after checking its fingerprint with the partner)",
    )


def _connect_error(transport: SftpTransport, problem: str, message: str) -> TransportError:
    return TransportError(where=where(transport), problem=problem, message=message)


def _mtime(attrs: asyncssh.SFTPAttrs) -> float | None:
    return float(attrs.mtime) if attrs.mtime is not None else None


def _reason(exc: BaseException) -> str:
    if isinstance(exc, asyncssh.DisconnectError):
        return exc.reason
    if isinstance(exc, OSError) and exc.strerror:
        return exc.strerror
    return str(exc) or type(exc).__name__


def _is_network(exc: OSError) -> bool:
    # A reset or broken pipe of the socket, as opposed to a local disk problem.
    return isinstance(exc, ConnectionError | TimeoutError)
