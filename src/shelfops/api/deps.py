"""Request dependencies: settings, the tenant-bound session, the caller and its role."""

from __future__ import annotations

import logging
import uuid
from collections.abc import AsyncIterator, Callable, Coroutine
from dataclasses import dataclass
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


# The dependencies below are ``async`` although they do not wait: FastAPI runs a plain
# ``def`` dependency in its thread pool, a hand-off that cost every request more than the
# attribute read itself (profiled under bench/api_load.py).
async def get_settings_dep(request: Request) -> Settings:
    """The app's settings (built by the app factory)."""
    settings: Settings = request.app.state.settings
    return settings


async def get_sessionmaker(request: Request) -> async_sessionmaker[AsyncSession]:
    """The app's session factory (built in the lifespan, per process)."""
    sessionmaker: async_sessionmaker[AsyncSession] = request.app.state.sessionmaker
    return sessionmaker


SettingsDep = Annotated[Settings, Depends(get_settings_dep)]
SessionmakerDep = Annotated[async_sessionmaker[AsyncSession], Depends(get_sessionmaker)]


@dataclass(frozen=True)
class RequestTransaction:
    """The authenticated caller and the request's one transaction, bound to its tenant."""

    principal: Principal
    session: AsyncSession


@dataclass(frozen=True)
class _Presented:
    """A well-formed bearer key the throttle lets through, and where it came from."""

    plaintext: str
    customer_id: uuid.UUID
    address: str
    key_id: str | None


async def _admit(request: Request, credentials: HTTPAuthorizationCredentials | None) -> _Presented:
    """401 for a missing or malformed key; 429 (with ``Retry-After``) once the address or
    the key has failed too often (see :mod:`shelfops.api.auth_throttle`), without looking
    the key up."""
    if credentials is None or credentials.scheme.lower() != "bearer":
        raise Unauthorized("send 'Authorization: Bearer <api key>'")
    plaintext = credentials.credentials
    address = client_address(request)
    key_id = keys.key_identifier(plaintext)
    blocked = await throttle_of(request.app).check(address, key_id)
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
    return _Presented(plaintext, customer_id, address, key_id)


async def _look_up(request: Request, session: AsyncSession, presented: _Presented) -> Principal:
    """The principal of the key, read in ``session`` (bound to the key's tenant); 401
    for an unknown or revoked key, which counts as a failure for the throttle."""
    try:
        return await service.authenticate(session, presented.plaintext)
    except Unauthorized:
        failures = await throttle_of(request.app).failed(presented.address, presented.key_id)
        # Never the key: the tenant id is not secret and says which tenant is targeted.
        log.warning(
            "authentication failed from %s for tenant %s: unknown or revoked key "
            "(%d failure(s) from this address in the window)",
            presented.address,
            presented.customer_id,
            failures,
        )
        raise


async def _open_request_transaction(
    request: Request,
    sessionmaker: SessionmakerDep,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
) -> AsyncIterator[RequestTransaction]:
    """Authenticate ``Authorization: Bearer <key>`` inside the request's transaction and
    keep that transaction for the route: committed when the route returns (before the
    response is sent), rolled back on error.

    The key names its tenant, so the transaction is bound before the key is looked up, and
    a request costs one transaction, not one for the key and one for the work (the
    difference is measured in ``bench/api_load.py``)."""
    presented = await _admit(request, credentials)
    async with tenant_transaction(sessionmaker, presented.customer_id) as session:
        principal = await _look_up(request, session, presented)
        yield RequestTransaction(principal=principal, session=session)


async def authenticate(
    request: Request,
    sessionmaker: async_sessionmaker[AsyncSession],
    credentials: HTTPAuthorizationCredentials | None,
) -> Principal:
    """The caller behind ``credentials``, looked up in a transaction of its own (for
    routes outside the API router, such as ``/metrics``)."""
    presented = await _admit(request, credentials)
    async with tenant_transaction(sessionmaker, presented.customer_id) as session:
        return await _look_up(request, session, presented)


RequestTransactionDep = Annotated[
    RequestTransaction, Depends(_open_request_transaction, scope="function")
]


async def get_principal(transaction: RequestTransactionDep) -> Principal:
    """The caller behind ``Authorization: Bearer <key>`` (see the request transaction)."""
    return transaction.principal


PrincipalDep = Annotated[Principal, Depends(get_principal)]


async def get_session(transaction: RequestTransactionDep) -> AsyncSession:
    """The request's transaction, bound to the caller's tenant."""
    return transaction.session


SessionDep = Annotated[AsyncSession, Depends(get_session)]


async def end_request_transaction(transaction: RequestTransactionDep) -> None:
    """For routes whose work runs in transactions of its own (long work such as an upload
    or a SHAP computation): commit the request's transaction now, so that no connection
    sits idle in a transaction while the route runs."""
    await transaction.session.commit()


#: Declare on a route that takes no ``SessionDep`` and works for long.
EndRequestTransaction = Depends(end_request_transaction)


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
