"""The transport sections a contract profile may carry.

A profile (``shelfops.onboarding.profiles``) says *what* a source's data means; these
models say *how it arrives*. They hold no secrets: a password or key passphrase is named
by the environment variable that carries it, and key files by their path, so a profile
can be committed and reviewed like code.
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator


class _Section(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class SftpTransport(_Section):
    """Pull files from an SFTP server; the server's host key must be known."""

    kind: Literal["sftp"] = "sftp"
    host: str = Field(description="Server host name or address.")
    port: int = Field(default=22, ge=1, le=65535)
    username: str
    known_hosts: Path = Field(
        description="OpenSSH known_hosts file holding the server's host key (verified)."
    )
    private_key: Path | None = Field(default=None, description="Client key file, if any.")
    password_env: str | None = Field(
        default=None, description="Environment variable holding the password, if any."
    )
    remote_dir: str = Field(default=".", description="Directory to pull files from.")
    pattern: str = Field(default="*", description="Glob the file names must match.")
    archive_dir: str | None = Field(
        default=None,
        description="Remote directory a processed file is moved to; unset leaves it in "
        "place (the ledger alone remembers it).",
    )

    @model_validator(mode="after")
    def _needs_credentials(self) -> SftpTransport:
        if self.private_key is None and self.password_env is None:
            raise ValueError("an SFTP transport needs private_key or password_env")
        return self


class InboxTransport(_Section):
    """Pick files up from a local (or mounted) folder, e.g. an EDI VAN drop."""

    kind: Literal["inbox"] = "inbox"
    path: Path
    pattern: str = "*"
    archive_dir: Path | None = Field(
        default=None, description="Folder a processed file is moved to; unset leaves it."
    )


class EventStreamConfig(_Section):
    """A Redis Stream of sale and inventory-adjustment events read by a consumer group."""

    kind: Literal["redis_stream"] = "redis_stream"
    stream: str = Field(description="Stream key, e.g. 'shelfops:acme:pos-events'.")
    group: str = Field(default="shelfops", description="Consumer group name.")
    dead_letter_stream: str | None = Field(
        default=None, description="Where malformed events go; default '<stream>:dead'."
    )
    batch_size: int = Field(default=500, ge=1, le=10_000)

    @property
    def dead_letters(self) -> str:
        """The dead-letter stream key."""
        return self.dead_letter_stream or f"{self.stream}:dead"


Transport = SftpTransport | InboxTransport
