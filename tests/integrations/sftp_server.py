"""A real SFTP server for the tests: asyncssh's server on 127.0.0.1, on a free port.

It serves one folder (chrooted, so the client sees it as ``/``), accepts one user by
public key and, when a password is set, by password, and presents a host key generated
for the test. :meth:`SftpServer.known_hosts` writes the OpenSSH ``known_hosts`` line a
client needs to verify that key (``[127.0.0.1]:<port> <key>``), so tests exercise the
same host-key check production does.
"""

from __future__ import annotations

import hmac
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path

import asyncssh

USERNAME = "partner"


class _Server(asyncssh.SSHServer):
    """Password check for the one test user (public keys are checked by asyncssh)."""

    def __init__(self, password: str | None) -> None:
        self._password = password

    def password_auth_supported(self) -> bool:
        return self._password is not None

    def validate_password(self, username: str, password: str) -> bool:
        if self._password is None or username != USERNAME:
            return False
        return hmac.compare_digest(password.encode(), self._password.encode())


@dataclass
class SftpServer:
    """A running test server and the keys a client needs."""

    port: int
    root: Path
    host_key: asyncssh.SSHKey
    client_key_path: Path
    username: str = USERNAME
    host: str = "127.0.0.1"

    def known_hosts(self, path: Path, key: asyncssh.SSHKey | None = None) -> Path:
        """Write a known_hosts file trusting ``key`` (default: this server's) for it."""
        public = (key or self.host_key).export_public_key().decode().strip()
        path.write_text(f"[{self.host}]:{self.port} {public}\n", encoding="utf-8")
        return path


@asynccontextmanager
async def sftp_server(
    root: Path, keys_dir: Path, *, password: str | None = None
) -> AsyncIterator[SftpServer]:
    """Serve ``root`` over SFTP on a free port of 127.0.0.1 until the block ends."""
    host_key = asyncssh.generate_private_key("ssh-ed25519")
    client_key = asyncssh.generate_private_key("ssh-ed25519")
    client_key_path = keys_dir / "client_ed25519"
    client_key.write_private_key(str(client_key_path))
    authorized = asyncssh.import_authorized_keys(client_key.export_public_key().decode())
    chroot = str(root).encode()

    def serve_sftp(chan: asyncssh.SSHServerChannel[bytes]) -> asyncssh.SFTPServer:
        return asyncssh.SFTPServer(chan, chroot=chroot)

    listener = await asyncssh.listen(
        "127.0.0.1",
        0,
        server_host_keys=[host_key],
        authorized_client_keys=authorized,
        server_factory=lambda: _Server(password),
        sftp_factory=serve_sftp,
        allow_scp=False,
    )
    port = listener.sockets[0].getsockname()[1]
    try:
        yield SftpServer(port=port, root=root, host_key=host_key, client_key_path=client_key_path)
    finally:
        listener.close()
        await listener.wait_closed()
