"""``corridor db``: database migrations."""

from __future__ import annotations

import typer

from app.cli.common import err
from app.settings import get_settings

commands = typer.Typer(help="Database migrations.")


@commands.command("upgrade")
def db_upgrade(revision: str = "head") -> None:
    """Apply database migrations (to ``head`` by default)."""
    from app.db.engine import upgrade

    url = get_settings().database_url
    upgrade(url, revision)
    err.print(f"database at {revision}: {url}")
