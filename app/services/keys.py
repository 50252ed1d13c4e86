"""API keys of an organisation: issuing and revoking them, each in its own transaction.

The HTTP API and the command line both come here, so the rule that keeps an organisation's last
admin key (``app.auth.revoke_key``) holds whichever way a key is revoked.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

from app.auth import issue_key, owned, revoke_key
from app.db.engine import writing
from app.db.models import ApiKey
from app.errors import ServiceError
from app.problem_types import ProblemType
from app.roles import Role


def issue(db: Session, organisation_id: str, role: Role, label: str | None) -> tuple[ApiKey, str]:
    """A new key of the organisation, committed: its row and its token (shown once)."""
    with writing(db):
        return issue_key(db, organisation_id, role, label)


def revoke(db: Session, key_id: str, organisation_id: str | None, now: datetime) -> ApiKey:
    """Revoke key ``key_id`` of the organisation (of any organisation when None: an operator).

    Raises
    ------
    ServiceError
        404 when there is no such key (of that organisation); 409 when it is the organisation's
        last active admin key.
    """
    with writing(db):
        if organisation_id is not None:
            row = owned(db, ApiKey, key_id, organisation_id, "key")
        elif (found := db.get(ApiKey, key_id)) is not None:
            row = found
        else:
            raise ServiceError(ProblemType.NOT_FOUND, "Key not found", f"no key {key_id}")
        revoke_key(db, row, now)
    return row
