"""The transport sections a contract profile may carry.

A profile (``shelfops.onboarding.profiles``) says *what* a source's data means; these
models say *how it arrives*. They hold no secrets: a password is named by the environment
variable that carries it or by the tenant's stored credential
(``shelfops.integrations.credentials``), a private key by its file path or stored
credential, so a profile can be committed and reviewed like code.
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

CREDENTIAL_NAME_PATTERN = r"^[a-z0-9][a-z0-9_.-]{0,63}$"
"""A stored credential's name: lowercase letters, digits, ``_``, ``.``, ``-``; 1–64."""


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
    private_key_credential: str | None = Field(
        default=None,
        pattern=CREDENTIAL_NAME_PATTERN,
        description="Name of the tenant's stored private_key credential, instead of a key file.",
    )
    password_env: str | None = Field(
        default=None, description="Environment variable holding the password, if any."
    )
    password_credential: str | None = Field(
        default=None,
        pattern=CREDENTIAL_NAME_PATTERN,
        description="Name of the tenant's stored password credential, instead of password_env.",
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
        if self.private_key is not None and self.private_key_credential is not None:
            raise ValueError("private_key and private_key_credential are alternatives: set one")
        if self.password_env is not None and self.password_credential is not None:
            raise ValueError("password_env and password_credential are alternatives: set one")
        if not (
            self.private_key
            or self.private_key_credential
            or self.password_env
            or self.password_credential
        ):
            raise ValueError(
                "an SFTP transport needs private_key, private_key_credential, password_env "
                "or password_credential"
            )
        return self

    @property
    def stored_credentials(self) -> dict[str, str]:
        """The stored credentials it names, by kind (``password``, ``private_key``)."""
        named = {"password": self.password_credential, "private_key": self.private_key_credential}
        return {kind: name for kind, name in named.items() if name is not None}


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
