"""Organisations, API keys and roles.

A key reads ``cor_<key id>_<secret>``: the id finds the row, and only the SHA-256 of the secret
is stored (the secret has 256 bits of entropy, so a slow hash would add nothing but latency).
Each role is allowed a set of permissions, listed in one table.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TypeVar

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.db.base import Base
from app.db.models import ApiKey, Organisation
from app.errors import ServiceError
from app.problem_types import ProblemType
from app.roles import PERMISSIONS, Permission, Role

KEY_PREFIX = "cor_"


@dataclass(frozen=True, slots=True)
class Principal:
    """Who is calling: the organisation, the key and its role."""

    organisation_id: str
    organisation_name: str
    key_id: str
    role: Role

    def may(self, permission: Permission) -> bool:
        """Whether the key's role grants ``permission``."""
        return permission in PERMISSIONS[self.role]


def new_id(prefix: str) -> str:
    """A random, URL-safe identifier such as ``q_3fj…`` (no coordination between processes)."""
    return f"{prefix}_{secrets.token_hex(8)}"


def _sha256(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def find_or_create_organisation(session: Session, name: str) -> Organisation:
    """The organisation called ``name``, created when missing."""
    organisation = session.scalar(select(Organisation).where(Organisation.name == name))
    if organisation is None:
        organisation = Organisation(id=new_id("org"), name=name, created_at=datetime.now(UTC))
        session.add(organisation)
        session.flush()
    return organisation


def create_key(session: Session, organisation: str, role: Role, label: str | None = None) -> str:
    """Create a key for ``organisation`` (created when missing); the key is returned only here."""
    owner = find_or_create_organisation(session, organisation)
    return issue_key(session, owner.id, role, label)[1]


def issue_key(
    session: Session, organisation_id: str, role: Role, label: str | None
) -> tuple[ApiKey, str]:
    """A new key of the organisation: its row, and the token (shown once, never stored)."""
    key_id, secret = secrets.token_hex(6), secrets.token_urlsafe(32)
    row = ApiKey(
        id=key_id,
        organisation_id=organisation_id,
        role=role.value,
        secret_sha256=_sha256(secret),
        label=label,
        created_at=datetime.now(UTC),
    )
    session.add(row)
    return row, f"{KEY_PREFIX}{key_id}_{secret}"


def revoke_key(session: Session, key: ApiKey, now: datetime) -> None:
    """Revoke ``key`` (again: no change), unless it is its organisation's last admin key.

    Raises
    ------
    ServiceError
        409 when no other active admin key would be left to manage the organisation's keys.
    """
    if key.revoked_at is not None:
        return
    if key.role == Role.ADMIN.value:
        # locked, so that two admins revoking each other at once cannot both succeed
        admins = session.scalars(
            select(ApiKey.id)
            .where(
                ApiKey.organisation_id == key.organisation_id,
                ApiKey.role == Role.ADMIN.value,
                ApiKey.revoked_at.is_(None),
            )
            .with_for_update()
        ).all()
        if set(admins) <= {key.id}:
            raise ServiceError(
                ProblemType.LAST_ADMIN_KEY,
                "The organisation's last admin key",
                f"create another admin key before revoking {key.id}",
            )
    key.revoked_at = now


def authenticate(session: Session, token: str) -> Principal | None:
    """The principal of a bearer token, or None when it is malformed, unknown or revoked."""
    if not token.startswith(KEY_PREFIX):
        return None
    key_id, _, secret = token.removeprefix(KEY_PREFIX).partition("_")
    if not key_id or not secret:
        return None
    row = session.execute(
        select(ApiKey, Organisation.name)
        .join(Organisation, Organisation.id == ApiKey.organisation_id)
        .where(ApiKey.id == key_id)
    ).first()
    if row is None:
        return None
    key, organisation_name = row
    if key.revoked_at is not None or not hmac.compare_digest(key.secret_sha256, _sha256(secret)):
        return None
    return Principal(key.organisation_id, organisation_name, key.id, Role(key.role))


def has_keys(session: Session) -> bool:
    """Whether any API key exists (an empty database gets a demo key at start-up)."""
    return session.scalar(select(ApiKey.id).limit(1)) is not None


def keys_of(session: Session, organisation: str) -> list[ApiKey]:
    """The keys of the organisation named ``organisation``, oldest first, revoked ones too."""
    return list(
        session.scalars(
            select(ApiKey)
            .join(Organisation, Organisation.id == ApiKey.organisation_id)
            .where(Organisation.name == organisation)
            .order_by(ApiKey.created_at, ApiKey.id)
        )
    )


RowT = TypeVar("RowT", bound=Base)


def owned(db: Session, model: type[RowT], row_id: str, organisation_id: str, what: str) -> RowT:
    """The organisation's row ``row_id`` of ``model``, or a 404 problem.

    Another organisation's row answers 404 too, so that ids of others are not revealed.
    """
    columns = model.__table__.c
    row = db.scalar(
        select(model).where(columns.id == row_id, columns.organisation_id == organisation_id)
    )
    if row is None:
        raise ServiceError(
            ProblemType.NOT_FOUND, f"{what.capitalize()} not found", f"no {what} {row_id}"
        )
    return row


class KeyCache:
    """Principals of recently seen keys, so that a busy client is not looked up per request.

    A revoked key keeps working for at most ``ttl_s`` seconds in each process but the one that
    revoked it.
    """

    def __init__(self, ttl_s: float = 30.0, size: int = 10_000) -> None:
        self.ttl_s = ttl_s
        self.size = size
        self._seen: dict[str, tuple[Principal, float]] = {}

    def get(self, token: str) -> Principal | None:
        """The cached principal of ``token``, if still fresh."""
        hit = self._seen.get(token)
        if hit is None or hit[1] < time.monotonic():
            return None
        return hit[0]

    def put(self, token: str, principal: Principal) -> None:
        """Remember ``principal`` for ``token``."""
        if len(self._seen) >= self.size:
            self._seen.clear()
        self._seen[token] = (principal, time.monotonic() + self.ttl_s)

    def forget(self, key_id: str) -> None:
        """Drop the key ``key_id`` (revoked): this process stops accepting it at once."""
        for token, (principal, _) in list(self._seen.items()):  # one copy under the GIL
            if principal.key_id == key_id:
                self._seen.pop(token, None)
