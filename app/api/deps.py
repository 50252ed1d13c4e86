"""What every endpoint needs: a database session and the caller, checked for a permission."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Annotated

from fastapi import Depends, Path, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from sqlalchemy import Engine
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session
from starlette.concurrency import run_in_threadpool

from app.auth import KeyCache, Principal, authenticate
from app.errors import ServiceError
from app.problem_types import ProblemType
from app.roles import Permission
from app.schemas.common import ID_PATTERN
from app.state import running
from graph import Network

log = logging.getLogger("corridor")

_bearer = HTTPBearer(
    auto_error=False,
    description="An API key from `corridor keys create`: `Authorization: Bearer cor_…`.",
)


async def session(request: Request) -> AsyncIterator[Session]:
    """A session for the request, closed after the response.

    Async so that it costs no thread-pool hop: making a session does no I/O, and closing one
    only returns its connection to the pool.
    """
    db = Session(running(request).engine, expire_on_commit=False)
    try:
        yield db
    finally:
        try:
            db.close()
        except SQLAlchemyError as error:
            # the connection died after the answer was decided (the database restarted): the
            # pool drops it; raising here would turn a sent answer into a 500 in the logs
            log.warning("session close failed: %s", error)


async def network(request: Request) -> Network:
    """The live network: the one the process loaded, with active disruptions closed."""
    live: Network = running(request).live.get()
    return live


DB = Annotated[Session, Depends(session)]
RowId = Annotated[str, Path(pattern=ID_PATTERN, description="An id the service issued.")]
LoadedNetwork = Annotated[Network, Depends(network)]


def _look_up(engine: Engine, token: str) -> Principal | None:
    with Session(engine) as db:
        return authenticate(db, token)


def require(permission: Permission | None) -> Callable[..., Awaitable[Principal]]:
    """A dependency that authenticates the caller and checks ``permission`` (None: any key)."""

    async def caller(
        request: Request,
        credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
    ) -> Principal:
        # async: a key seen lately costs no hop to the thread pool, nor a session; only a
        # lookup takes them
        if credentials is None:
            raise ServiceError(
                ProblemType.UNAUTHENTICATED,
                "Authentication required",
                "send Authorization: Bearer <key>",
            )
        service = running(request)
        cache: KeyCache = service.keys
        principal = cache.get(credentials.credentials)
        if principal is None:
            principal = await run_in_threadpool(_look_up, service.engine, credentials.credentials)
            if principal is not None:
                cache.put(credentials.credentials, principal)
        if principal is None:
            raise ServiceError(
                ProblemType.UNAUTHENTICATED, "Invalid API key", "unknown or revoked key"
            )
        if permission is not None and not principal.may(permission):
            raise ServiceError(
                ProblemType.FORBIDDEN,
                "Not allowed for this role",
                f"role {principal.role.value} lacks {permission.value}",
            )
        request.state.organisation = principal.organisation_id
        return principal

    return caller
