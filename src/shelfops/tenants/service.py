"""Tenants and API keys: create a tenant, issue and check keys. Services flush, never
commit; the caller's transaction edge commits."""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass

from pydantic import TypeAdapter
from pydantic import ValidationError as PydanticValidationError
from sqlalchemy.ext.asyncio import AsyncSession

from shelfops.catalog.schemas import NAME_LENGTH, Name
from shelfops.kit.db import tenant_of
from shelfops.kit.errors import Conflict, NotFound, Unauthorized, ValidationFailed
from shelfops.models import ApiKey, Customer, CustomerStatus, Role
from shelfops.tenants import keys, repository

_SLUG = re.compile(r"^[a-z0-9][a-z0-9-]{0,62}$")
_NAME: TypeAdapter[str] = TypeAdapter(Name)
_NAME_RULE = (
    f"1 to {NAME_LENGTH} characters (surrounding spaces are trimmed), no control characters"
)


def check_slug(slug: str) -> str:
    """``slug`` if it is a valid tenant slug, else :class:`ValidationFailed`."""
    if not _SLUG.match(slug):
        raise ValidationFailed(
            {"field": "slug", "value": slug, "expected": "lowercase letters, digits and '-'"}
        )
    return slug


def check_name(field: str, name: str) -> str:
    """A tenant's or an API key's name, trimmed, by the API's rule for names (the catalog's
    :data:`~shelfops.catalog.schemas.Name`: trimmed, 1 to 200 characters, the column
    length), and without control characters, which would garble terminals and logs."""
    try:
        text = _NAME.validate_python(name)
    except PydanticValidationError:
        text = None
    if text is None:
        # repr: a control character is shown escaped, not sent to the terminal.
        shown = repr(name) if len(name) <= 40 else f"{name[:40]!r}… ({len(name):,} characters)"
        raise ValidationFailed({"field": field, "value": shown, "expected": _NAME_RULE})
    return text


@dataclass(frozen=True)
class Principal:
    """Who is calling: a tenant's API key and its role."""

    customer_id: uuid.UUID
    api_key_id: uuid.UUID
    key_name: str
    role: Role

    def has_role(self, required: Role) -> bool:
        """Roles are ordered viewer < planner < ml_manager < admin."""
        order = list(Role)
        return order.index(self.role) >= order.index(required)


async def create_customer(
    session: AsyncSession,
    *,
    name: str,
    slug: str,
    customer_id: uuid.UUID | None = None,
    status: CustomerStatus = CustomerStatus.ACTIVE,
) -> Customer:
    """Create a tenant. The session must be bound to the same ``customer_id`` on PostgreSQL
    (row-level security checks new rows too)."""
    check_slug(slug)
    name = check_name("name", name)
    if await repository.get_customer_by_slug(session, slug) is not None:
        raise Conflict(f"a tenant with slug {slug!r} already exists")
    customer = Customer(
        customer_id=customer_id or uuid.uuid4(), name=name, slug=slug, status=status.value
    )
    session.add(customer)
    await session.flush()
    return customer


async def issue_api_key(
    session: AsyncSession, *, customer_id: uuid.UUID, name: str, role: Role
) -> tuple[ApiKey, str]:
    """Create an API key; returns the row and the plaintext, which is never stored."""
    name = check_name("name", name)
    if await repository.get_customer(session, customer_id) is None:
        raise NotFound(f"tenant {customer_id} does not exist")
    new = keys.generate_key(customer_id)
    row = ApiKey(
        customer_id=customer_id,
        name=name,
        role=role.value,
        key_prefix=new.prefix,
        key_hash=new.digest,
    )
    session.add(row)
    await session.flush()
    return row, new.plaintext


async def authenticate(session: AsyncSession, plaintext: str) -> Principal:
    """The principal behind ``plaintext``; the session must be bound to the key's tenant
    (see :func:`keys.tenant_of_key`)."""
    customer_id = keys.tenant_of_key(plaintext)
    if customer_id is None:
        raise Unauthorized("malformed API key")
    if customer_id != tenant_of(session):
        raise RuntimeError("the session is bound to another tenant than the key names")
    row = await repository.find_active_key(session, digest=keys.hash_key(plaintext))
    # The row was found by its hash; comparing again in constant time costs nothing and
    # keeps the check correct should the lookup ever match loosely (collation, LIKE).
    if row is None or not keys.matches(plaintext, row.key_hash):
        raise Unauthorized("unknown or revoked API key")
    return Principal(
        customer_id=customer_id,
        api_key_id=row.api_key_id,
        key_name=row.name,
        role=Role(row.role),
    )
