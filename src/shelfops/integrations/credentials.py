"""A tenant's integration credentials: SFTP passwords and private keys, encrypted at rest.

A contract profile names a credential (``password_credential: acme-sftp``) instead of
carrying it; admins store it with ``PUT /api/v1/integrations/credentials/{name}`` or
``shelfops credentials set``. Only the Fernet token (:mod:`shelfops.integrations.cipher`)
reaches the database, bound to its tenant and name; the secret leaves this module only
through :func:`reveal`, which the SFTP poller calls at poll time. Every write records an
audit row holding the credential's name, kind and authors — never the secret.

Services flush, never commit: the request or command edge commits.
"""

from __future__ import annotations

import re
import uuid

from sqlalchemy import delete, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from shelfops.config import Settings
from shelfops.integrations.cipher import CredentialCipher
from shelfops.integrations.config import CREDENTIAL_NAME_PATTERN
from shelfops.integrations.schemas import MAX_SECRET_CHARS, CredentialKind, CredentialRead
from shelfops.kit.db import tenant_of
from shelfops.kit.errors import NotFound, ValidationFailed
from shelfops.kit.locks import CREDENTIALS, hold_tenant_lock
from shelfops.models import IntegrationCredential
from shelfops.tenants import audit
from shelfops.tenants.service import Principal

CLI_AUTHOR = "cli"
"""``created_by`` / ``updated_by`` of a credential written by ``shelfops credentials``."""
RESOURCE_TYPE = "integration_credential"
_NAME = re.compile(CREDENTIAL_NAME_PATTERN)


class CredentialMissing(NotFound):
    """A profile names a credential the tenant has not stored."""


def check_name(name: str) -> str:
    """``name`` if it is a valid credential name; :class:`ValidationFailed` otherwise."""
    if not _NAME.fullmatch(name):
        raise ValidationFailed(
            {
                "field": "name",
                "value": name[:80],
                "expected": "1-64 of a-z, 0-9, '_', '.', '-', starting with a letter or digit",
            }
        )
    return name


async def put_credential(
    session: AsyncSession,
    *,
    settings: Settings,
    name: str,
    kind: CredentialKind,
    secret: str,
    actor: Principal | None,
) -> CredentialRead:
    """Store ``secret`` under ``name`` (encrypted), replacing what was there; audited."""
    customer_id = tenant_of(session)
    check_name(name)
    _check_secret(kind, secret)
    # One writer of the tenant's credentials at a time: two PUTs of a new name would both
    # insert it, and a rotation reading the old ciphertext would write it back over a
    # PUT's new secret.
    await hold_tenant_lock(session, customer_id, CREDENTIALS)
    author = actor.key_name if actor else CLI_AUTHOR
    ciphertext = CredentialCipher.from_settings(settings).encrypt(
        customer_id=customer_id, name=name, secret=secret
    )
    row = await _get(session, customer_id, name)
    before = None if row is None else _public(row)
    if row is None:
        row = IntegrationCredential(
            customer_id=customer_id,
            name=name,
            kind=kind.value,
            ciphertext=ciphertext,
            created_by=author,
            updated_by=author,
        )
        session.add(row)
    else:
        row.kind, row.ciphertext, row.updated_by = kind.value, ciphertext, author
    await session.flush()
    await session.refresh(row)
    after = _public(row)
    await audit.record(
        session,
        actor=actor,
        action="credential.create" if before is None else "credential.replace",
        resource_type=RESOURCE_TYPE,
        resource_id=name,
        before=before,
        after=after,
        note=None if actor else "shelfops credentials set",
    )
    return CredentialRead.model_validate(row)


async def list_credentials(session: AsyncSession) -> list[CredentialRead]:
    """The tenant's credentials by name: kinds, times and authors, never secrets."""
    rows = await session.scalars(
        select(IntegrationCredential)
        .where(IntegrationCredential.customer_id == tenant_of(session))
        .order_by(IntegrationCredential.name)
    )
    return [CredentialRead.model_validate(row) for row in rows]


async def delete_credential(session: AsyncSession, *, name: str, actor: Principal | None) -> None:
    """Delete a credential; audited. Profiles still naming it fail their next poll with
    an error naming it."""
    customer_id = tenant_of(session)
    await hold_tenant_lock(session, customer_id, CREDENTIALS)
    row = await _get(session, customer_id, check_name(name))
    if row is None:
        raise NotFound(f"no integration credential named {name!r}")
    before = _public(row)
    await session.execute(
        delete(IntegrationCredential).where(
            IntegrationCredential.customer_id == customer_id,
            IntegrationCredential.credential_id == row.credential_id,
        )
    )
    await audit.record(
        session,
        actor=actor,
        action="credential.delete",
        resource_type=RESOURCE_TYPE,
        resource_id=name,
        before=before,
        after=None,
    )


async def reveal(
    session: AsyncSession, *, settings: Settings, name: str, kind: CredentialKind
) -> str:
    """The decrypted secret of credential ``name``, which must be of ``kind``.

    :class:`CredentialMissing` when not stored (or of another kind);
    :class:`~shelfops.integrations.cipher.CredentialUnreadable` when it cannot be
    decrypted with the configured keys or was not encrypted for this tenant and name.
    """
    customer_id = tenant_of(session)
    row = await _get(session, customer_id, name)
    if row is None:
        raise CredentialMissing(f"the {kind.value} credential {name!r} is not stored")
    if row.kind != kind.value:
        raise CredentialMissing(
            f"credential {name!r} holds a {row.kind}, but a {kind.value} is needed"
        )
    return CredentialCipher.from_settings(settings).decrypt(
        customer_id=customer_id, name=row.name, token=row.ciphertext
    )


async def rotate(session: AsyncSession, *, settings: Settings) -> int:
    """Re-encrypt every credential of the tenant with the current ``SHELFOPS_SECRET_KEY``
    (reading each with the current or a previous key); returns how many. All or nothing:
    the first credential that cannot be decrypted stops it with an error naming it.
    ``updated_at``/``updated_by`` keep saying when the *secret* was last set."""
    customer_id = tenant_of(session)
    cipher = CredentialCipher.from_settings(settings)
    await hold_tenant_lock(session, customer_id, CREDENTIALS)
    rows = list(
        await session.execute(
            select(
                IntegrationCredential.credential_id,
                IntegrationCredential.name,
                IntegrationCredential.ciphertext,
            ).where(IntegrationCredential.customer_id == customer_id)
        )
    )
    for credential_id, name, token in rows:
        await session.execute(
            update(IntegrationCredential)
            .where(
                IntegrationCredential.customer_id == customer_id,
                IntegrationCredential.credential_id == credential_id,
            )
            # Setting updated_at to itself keeps the ORM's onupdate from bumping it.
            .values(
                ciphertext=cipher.reencrypt(customer_id=customer_id, name=name, token=token),
                updated_at=IntegrationCredential.updated_at,
            )
        )
    if rows:
        await audit.record(
            session,
            actor=None,
            action="credential.rotate",
            resource_type=RESOURCE_TYPE,
            resource_id=None,
            after={"reencrypted": sorted(name for _, name, _ in rows)},
            note="shelfops credentials rotate",
        )
    return len(rows)


async def _get(
    session: AsyncSession, customer_id: uuid.UUID, name: str
) -> IntegrationCredential | None:
    result: IntegrationCredential | None = await session.scalar(
        select(IntegrationCredential).where(
            IntegrationCredential.customer_id == customer_id, IntegrationCredential.name == name
        )
    )
    return result


def _public(row: IntegrationCredential) -> dict[str, object]:
    # What the audit log keeps: everything but the ciphertext (and so the secret).
    return CredentialRead.model_validate(row).model_dump(mode="json")


def _check_secret(kind: CredentialKind, secret: str) -> None:
    if not secret or not secret.strip():
        raise ValidationFailed.at(["body", "secret"], "the secret must not be empty")
    if len(secret) > MAX_SECRET_CHARS:
        raise ValidationFailed.at(
            ["body", "secret"], f"the secret exceeds {MAX_SECRET_CHARS} characters"
        )
    if "\x00" in secret:
        raise ValidationFailed.at(["body", "secret"], "the secret must not contain NUL")
    try:
        secret.encode("utf-8")
    except UnicodeEncodeError:
        # A lone surrogate: a JSON "\ud800" escape, or bytes that were not UTF-8 on the
        # CLI's standard input. Such text cannot be encrypted (or typed into a server).
        raise ValidationFailed.at(
            ["body", "secret"], "the secret is not valid UTF-8 text"
        ) from None
    if kind is CredentialKind.PRIVATE_KEY:
        try:
            import asyncssh
        except ImportError:  # pragma: no cover - the API and workers install it
            return
        try:
            asyncssh.import_private_key(secret)
        except (asyncssh.KeyImportError, ValueError):
            # The library's reason could quote the input: say only what is wrong.
            raise ValidationFailed.at(
                ["body", "secret"], "not an unencrypted private key in OpenSSH or PEM format"
            ) from None
