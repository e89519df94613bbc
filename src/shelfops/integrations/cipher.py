"""Encrypting integration credentials at rest (Fernet, with key rotation).

The Fernet key is derived from ``SHELFOPS_SECRET_KEY`` with HKDF-SHA256 and a fixed
label, so any long random string works as the setting and the same setting always gives
the same key. Earlier keys listed in ``SHELFOPS_SECRET_KEY_PREVIOUS`` are tried after the
current one (``MultiFernet``): rotating the setting never makes a stored credential
unreadable, and ``shelfops credentials rotate`` re-encrypts every row with the current key.

Fernet has no associated data, so the binding is put *inside* the token: the plaintext
is ``<tenant id>/<credential name>`` and a newline before the secret, and decryption
checks that header against the row it read. A token copied into another tenant's row (or
under another name) decrypts but is refused. This module touches no database and never
puts a secret into an error message.
"""

from __future__ import annotations

import base64
import uuid
from dataclasses import dataclass

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from shelfops.config import Settings
from shelfops.kit.errors import ShelfOpsError

# Changing the label changes every derived key: it versions the scheme, not the secret.
HKDF_INFO = b"shelfops/integration-credentials/fernet/v1"


class CredentialUnreadable(ShelfOpsError):
    """A stored credential cannot be decrypted (wrong key, or not this row's token)."""

    status_code = 500


def fernet_key(secret_key: str) -> bytes:
    """The Fernet key (32 bytes, URL-safe base64) derived from a secret-key setting."""
    if not secret_key:
        raise ValueError("the secret key must not be empty")
    derived = HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=HKDF_INFO).derive(
        secret_key.encode("utf-8")
    )
    return base64.urlsafe_b64encode(derived)


@dataclass(frozen=True)
class CredentialCipher:
    """Encrypts with the current key; decrypts with the current or any previous one."""

    fernet: MultiFernet

    @classmethod
    def from_settings(cls, settings: Settings) -> CredentialCipher:
        """The cipher of ``SHELFOPS_SECRET_KEY`` (first) and ``SHELFOPS_SECRET_KEY_PREVIOUS``."""
        keys = [settings.resolved_secret_key, *settings.previous_secret_keys]
        return cls(MultiFernet([Fernet(fernet_key(key)) for key in keys]))

    def encrypt(self, *, customer_id: uuid.UUID, name: str, secret: str) -> str:
        """A token holding ``secret`` bound to the tenant and the credential's name."""
        plaintext = _header(customer_id, name) + secret.encode("utf-8")
        return self.fernet.encrypt(plaintext).decode("ascii")

    def decrypt(self, *, customer_id: uuid.UUID, name: str, token: str) -> str:
        """The secret in ``token``, after checking it was encrypted for this tenant and
        name; :class:`CredentialUnreadable` (naming the credential, never the secret)
        otherwise."""
        try:
            plaintext = self.fernet.decrypt(token.encode("ascii"))
        except (InvalidToken, UnicodeEncodeError):
            raise CredentialUnreadable(
                f"credential {name!r} cannot be decrypted: it was encrypted with a key that "
                "is neither SHELFOPS_SECRET_KEY nor one of SHELFOPS_SECRET_KEY_PREVIOUS, or "
                "it was altered; set the key it was stored under, or store the credential "
                "again"
            ) from None
        header = _header(customer_id, name)
        if not plaintext.startswith(header):
            raise CredentialUnreadable(
                f"credential {name!r} was not encrypted for this tenant and name (its "
                "ciphertext was copied from another row); store the credential again"
            )
        return plaintext[len(header) :].decode("utf-8")

    def reencrypt(self, *, customer_id: uuid.UUID, name: str, token: str) -> str:
        """``token`` decrypted (and checked) and encrypted again with the current key."""
        secret = self.decrypt(customer_id=customer_id, name=name, token=token)
        return self.encrypt(customer_id=customer_id, name=name, secret=secret)


def _header(customer_id: uuid.UUID, name: str) -> bytes:
    # Neither a UUID nor a credential name can hold "/" or a newline, so the header is
    # unambiguous whatever the secret holds.
    return f"{customer_id}/{name}\n".encode()
