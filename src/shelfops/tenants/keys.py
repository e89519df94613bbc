"""API key format, generation and hashing.

A key reads ``so_<tenant id hex>_<secret>``. The tenant id is not secret; carrying it lets
authentication bind the tenant (and so PostgreSQL row-level security) *before* looking
the key up, so the lookup itself runs under RLS. Only a SHA-256 hash of the whole key is
stored: keys are 256-bit random strings, so a fast hash is safe (no dictionary to guess).
The lookup is by that hash, so what a database comparison could leak through timing is
about the hash, never the key; the found row is still re-checked in constant time.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
import uuid
from dataclasses import dataclass

_KEY_PATTERN = re.compile(r"^so_([0-9a-f]{32})_([A-Za-z0-9_-]{43})$")


@dataclass(frozen=True)
class NewKey:
    """A freshly generated key: shown once, then only its hash is kept."""

    plaintext: str
    prefix: str
    digest: str


def generate_key(customer_id: uuid.UUID) -> NewKey:
    """A new random API key for ``customer_id``."""
    secret = secrets.token_urlsafe(32)
    plaintext = f"so_{customer_id.hex}_{secret}"
    return NewKey(plaintext=plaintext, prefix=secret[:8], digest=hash_key(plaintext))


def hash_key(plaintext: str) -> str:
    """The stored form of a key."""
    return hashlib.sha256(plaintext.encode()).hexdigest()


def matches(plaintext: str, digest: str) -> bool:
    """Whether ``plaintext`` hashes to the stored ``digest`` (constant-time comparison)."""
    return hmac.compare_digest(hash_key(plaintext).encode(), digest.encode())


def key_identifier(plaintext: str) -> str | None:
    """``<tenant id hex>_<first 8 characters of the secret>`` of a well-formed key (the
    stored ``key_prefix`` under its tenant), or None when the key is malformed. Names a
    key for throttling without carrying enough of it to matter."""
    match = _KEY_PATTERN.match(plaintext)
    return f"{match.group(1)}_{match.group(2)[:8]}" if match else None


def tenant_of_key(plaintext: str) -> uuid.UUID | None:
    """The tenant a well-formed key names, or None when the key is malformed."""
    match = _KEY_PATTERN.match(plaintext)
    return uuid.UUID(hex=match.group(1)) if match else None
