"""``corridor db``: database migrations."""

from __future__ import annotations

import typer

from app.cli.common import err

commands = typer.Typer(help="Database migrations.")


@commands.command("upgrade")
def db_upgrade(revision: str = "head") -> None:
    """Apply database migrations (to ``head`` by default)."""
    from app.db.engine import upgrade
    from app.settings import get_settings

    url = get_settings().database_url
    upgrade(url, revision)
    err.print(f"database at {revision}: {url}")
