"""The ``corridor`` command line: the root command and its groups.

Each group's module imports the web stack, the database, OR-Tools, the service's settings
(pydantic-settings; app.cli.common.configured reads two variables without them), geodesy
(pyproj), scenarios and demand matrices only inside the commands that need them, so that
``corridor quote`` starts fast (tests/app/cli/test_quote.py).
"""

from __future__ import annotations

import typer

from app.cli import db, keys, network, quote, serve, study, worker

app = typer.Typer(help="Corridor: multimodal freight routing for the Beibu Gulf gateway.")
app.add_typer(network.commands, name="network")
app.add_typer(db.commands, name="db")
app.add_typer(keys.commands, name="keys")
app.add_typer(study.commands, name="study")
app.command("quote")(quote.quote_command)
app.command("serve")(serve.serve)
app.command("worker", context_settings=worker.PASSES_ON_OPTIONS)(worker.worker)


def main() -> None:
    """Entry point of the ``corridor`` script."""
    app()
