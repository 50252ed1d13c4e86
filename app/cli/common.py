"""What the command groups share: the consoles, the network file options, loading it."""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.console import Console

from app.cache import cache_dir

if TYPE_CHECKING:
    from graph import Network, NetworkValidationError

out = Console()
err = Console(stderr=True)

PathArgument = Annotated[
    Path | None,
    typer.Argument(help="Network file (default: CORRIDOR_NETWORK_PATH or data/network.geojson)."),
]
PathOption = Annotated[
    Path | None, typer.Option("--path", help="Network file (default: the configured one).")
]


def configured() -> tuple[Path, Path | None]:
    """The configured network file and folder of kept networks, as the service reads them.

    Through the service's settings only when a ``.env`` file may add to the environment: they
    import pydantic-settings, a fifth of a second that a quote would wait for.
    """
    if Path(".env").is_file():
        from app.settings import get_settings

        settings = get_settings()
        return settings.network_path, cache_dir(settings.cache_dir)
    from graph.io import DEFAULT_NETWORK_PATH

    network = os.environ.get("CORRIDOR_NETWORK_PATH")
    return (
        Path(network) if network else DEFAULT_NETWORK_PATH,
        cache_dir(os.environ.get("CORRIDOR_CACHE_DIR")),
    )


def network_or_exit(path: Path | None, *, reuse: bool = True) -> Network:
    """The network file at ``path`` (default: the configured one); exit 1 listing its problems.

    The network is kept in the configured folder; ``reuse=False`` validates the files even when
    a network kept for them is there.
    """
    from graph import NetworkValidationError, load_network

    default, keep_in = configured()
    target = path or default
    try:
        return load_network(target, keep_in=keep_in, reuse=reuse)
    except NetworkValidationError as error:
        err.print(f"[bold red]{target} does not validate[/bold red]")
        print_problems(error)
        raise typer.Exit(code=1) from error


def print_problems(error: NetworkValidationError) -> None:
    """Every problem of ``error``, one a line on stderr."""
    for problem in error.problems:
        err.print(f"  - {problem}", markup=False, highlight=False)
