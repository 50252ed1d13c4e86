"""What the command groups share: the consoles, the network file options, loading it."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from app.settings import get_settings
from graph import Network, NetworkValidationError, load_network

out = Console()
err = Console(stderr=True)

PathArgument = Annotated[
    Path | None,
    typer.Argument(help="Network file (default: CORRIDOR_NETWORK_PATH or data/network.geojson)."),
]
PathOption = Annotated[
    Path | None, typer.Option("--path", help="Network file (default: the configured one).")
]


def network_or_exit(path: Path | None) -> Network:
    """The network file at ``path`` (default: the configured one); exit 1 listing its problems."""
    target = path or get_settings().network_path
    try:
        return load_network(target)
    except NetworkValidationError as error:
        err.print(f"[bold red]{target} does not validate[/bold red]")
        print_problems(error)
        raise typer.Exit(code=1) from error


def print_problems(error: NetworkValidationError) -> None:
    """Every problem of ``error``, one a line on stderr."""
    for problem in error.problems:
        err.print(f"  - {problem}", markup=False, highlight=False)
