"""``corridor keys``: create, list and revoke the API keys of organisations."""

from __future__ import annotations

import sys
from datetime import UTC, datetime
from typing import Annotated

import typer
from rich.table import Table

from app.cli.common import err, out
from app.roles import Role

commands = typer.Typer(help="API keys of organisations.")


@commands.command("create")
def keys_create(
    org: Annotated[str, typer.Option("--org", help="Organisation (created when new).")],
    role: Annotated[Role, typer.Option(help="What the key may do.")],
    label: Annotated[str | None, typer.Option(help="A note to recognise the key by.")] = None,
) -> None:
    """Create an API key and print it once (only its hash is stored)."""
    from app.db.engine import upgrade
    from app.settings import get_settings

    settings = get_settings()
    upgrade(settings.database_url)
    key = _create_key(settings.database_url, org, role, label)
    err.print(f"key for {org} ({role.value}); it is shown only now:")
    sys.stdout.write(key + "\n")


@commands.command("list")
def keys_list(
    org: Annotated[str, typer.Option("--org", help="Organisation.")],
) -> None:
    """List an organisation's keys (ids, roles, labels; never secrets)."""
    from sqlalchemy.orm import Session

    from app.auth import keys_of
    from app.db.engine import make_engine, upgrade
    from app.settings import get_settings

    settings = get_settings()
    upgrade(settings.database_url)
    engine = make_engine(settings.database_url)
    try:
        with Session(engine) as session:
            rows = keys_of(session, org)
    finally:
        engine.dispose()
    if not rows:
        err.print(f"no keys for organisation {org!r}")
        raise typer.Exit(1)
    table = Table(title=f"API keys of {org}")
    for column in ("id", "role", "label", "created", "revoked"):
        table.add_column(column)
    for row in rows:
        revoked = row.revoked_at.isoformat(timespec="seconds") if row.revoked_at else ""
        created = row.created_at.isoformat(timespec="seconds")
        table.add_row(row.id, row.role, row.label or "", created, revoked)
    out.print(table)


@commands.command("revoke")
def keys_revoke(key_id: Annotated[str, typer.Argument(help="The key's id (after cor_).")]) -> None:
    """Revoke a key (API processes refuse it within 30 s); the last admin key is kept."""
    from sqlalchemy.orm import Session

    from app.db.engine import make_engine, upgrade
    from app.errors import ServiceError
    from app.services import keys
    from app.settings import get_settings

    settings = get_settings()
    upgrade(settings.database_url)
    engine = make_engine(settings.database_url)
    try:
        with Session(engine) as session:
            keys.revoke(session, key_id, None, datetime.now(UTC))
    except ServiceError as problem:
        err.print(f"not revoked: {problem.detail}")
        raise typer.Exit(1) from None
    finally:
        engine.dispose()
    err.print(f"revoked {key_id}")


def _create_key(url: str, org: str, role: Role, label: str | None) -> str:
    from sqlalchemy.orm import Session

    from app.auth import create_key
    from app.db.engine import make_engine, writing

    engine = make_engine(url)
    try:
        with Session(engine) as session, writing(session):
            return create_key(session, org, role, label)
    finally:
        engine.dispose()
