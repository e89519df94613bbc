"""Request dependencies: settings, the tenant-bound session, the caller and its role."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Callable, Coroutine
from typing import Annotated, Any

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from starlette.exceptions import HTTPException

from shelfops.api.auth_throttle import client_address, throttle_of
from shelfops.config import Settings
from shelfops.kit.db import tenant_transaction
from shelfops.kit.errors import Forbidden, Unauthorized
from shelfops.kit.logging import bind_tenant
from shelfops.models import Role
from shelfops.tenants import keys, service
from shelfops.tenants.service import Principal

_bearer = HTTPBearer(auto_error=False, description="A ShelfOps API key")
log = logging.getLogger(__name__)


def get_settings_dep(request: Request) -> Settings:
    """The app's settings (built by the app factory)."""
    settings: Settings = request.app.state.settings
    return settings


def get_sessionmaker(request: Request) -> async_sessionmaker[AsyncSession]:
    """The app's session factory (built in the lifespan, per process)."""
    sessionmaker: async_sessionmaker[AsyncSession] = request.app.state.sessionmaker
    return sessionmaker


SettingsDep = Annotated[Settings, Depends(get_settings_dep)]
SessionmakerDep = Annotated[async_sessionmaker[AsyncSession], Depends(get_sessionmaker)]


async def get_principal(
    request: Request,
    sessionmaker: SessionmakerDep,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
) -> Principal:
    """The caller behind ``Authorization: Bearer <key>``; 401 otherwise, and 429 (with
    ``Retry-After``) once the address or the key has failed too often (see
    :mod:`shelfops.api.auth_throttle`), without looking the key up."""
    if credentials is None or credentials.scheme.lower() != "bearer":
        raise Unauthorized("send 'Authorization: Bearer <api key>'")
    plaintext = credentials.credentials
    throttle = throttle_of(request.app)
    address = client_address(request)
    key_id = keys.key_identifier(plaintext)
    blocked = await throttle.check(address, key_id)
    if blocked is not None:
        log.warning(
            "authentication refused: too many failures (%s %s), retry after %d s",
            blocked.scope,
            address if blocked.scope == "address" else "of this key",
            blocked.retry_after_s,
        )
        # HTTPException (not a ShelfOpsError) because the answer needs a header; the
        # error handler still renders the one shape, named "TooManyRequests".
        raise HTTPException(
            status_code=429,
            detail=f"too many failed authentications; retry in {blocked.retry_after_s} s",
            headers={"Retry-After": str(blocked.retry_after_s)},
        )
    customer_id = keys.tenant_of_key(plaintext)
    if customer_id is None:
        raise Unauthorized("malformed API key")
    bind_tenant(customer_id)
    try:
        async with tenant_transaction(sessionmaker, customer_id) as session:
            return await service.authenticate(session, plaintext)
    except Unauthorized:
        failures = await throttle.failed(address, key_id)
        # Never the key: the tenant id is not secret and says which tenant is targeted.
        log.warning(
            "authentication failed from %s for tenant %s: unknown or revoked key "
            "(%d failure(s) from this address in the window)",
            address,
            customer_id,
            failures,
        )
        raise


PrincipalDep = Annotated[Principal, Depends(get_principal)]


async def get_session(
    sessionmaker: SessionmakerDep, principal: PrincipalDep
) -> AsyncIterator[AsyncSession]:
    """One transaction for the request, bound to the caller's tenant; committed when the
    route returns (before the response is sent), rolled back on error."""
    async with tenant_transaction(sessionmaker, principal.customer_id) as session:
        yield session


SessionDep = Annotated[AsyncSession, Depends(get_session, scope="function")]


def require_role(role: Role) -> Callable[[Principal], Coroutine[Any, Any, Principal]]:
    """A dependency that lets only callers with at least ``role`` through (403 otherwise)."""

    async def _check(principal: PrincipalDep) -> Principal:
        if not principal.has_role(role):
            raise Forbidden(
                f"this action needs the {role.value} role; your key is {principal.role.value}"
            )
        return principal

    return _check


PlannerDep = Annotated[Principal, Depends(require_role(Role.PLANNER))]
MLManagerDep = Annotated[Principal, Depends(require_role(Role.ML_MANAGER))]
AdminDep = Annotated[Principal, Depends(require_role(Role.ADMIN))]
