"""What every endpoint needs: a database session and the caller, checked for a permission."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Annotated

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from sqlalchemy.orm import Session

from app.auth import Permission, Principal, authenticate
from app.problems import ApiProblem
from graph import Network

_bearer = HTTPBearer(
    auto_error=False,
    description="An API key from `corridor keys create`: `Authorization: Bearer cor_…`.",
)


def session(request: Request) -> Iterator[Session]:
    """A session for the request, closed after the response."""
    with Session(request.app.state.engine, expire_on_commit=False) as db:
        yield db


def network(request: Request) -> Network:
    """The network the process loaded."""
    loaded: Network = request.app.state.network
    return loaded


DB = Annotated[Session, Depends(session)]
LoadedNetwork = Annotated[Network, Depends(network)]


def require(permission: Permission) -> Callable[..., Principal]:
    """A dependency that authenticates the caller and checks ``permission``."""

    def caller(
        request: Request,
        db: DB,
        credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
    ) -> Principal:
        if credentials is None:
            raise ApiProblem(
                401,
                "unauthenticated",
                "Authentication required",
                "send Authorization: Bearer <key>",
            )
        principal = authenticate(db, credentials.credentials)
        db.rollback()  # end the read transaction: the handler's own work starts clean
        if principal is None:
            raise ApiProblem(401, "unauthenticated", "Invalid API key", "unknown or revoked key")
        if not principal.may(permission):
            raise ApiProblem(
                403,
                "forbidden",
                "Not allowed for this role",
                f"role {principal.role.value} lacks {permission.value}",
            )
        request.state.organisation = principal.organisation_id
        return principal

    return caller
