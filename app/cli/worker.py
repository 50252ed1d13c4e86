"""``corridor worker``: run jobs on this machine, a Celery worker."""

from __future__ import annotations

from typing import Annotated

import typer

from app.cli.common import err, network_or_exit

#: The options ``corridor worker`` does not know are Celery's: they are passed on to it.
PASSES_ON_OPTIONS = {"allow_extra_args": True, "ignore_unknown_options": True}


def worker(
    ctx: typer.Context,
    concurrency: Annotated[
        int | None, typer.Option(help="Job processes (default: one per CPU).", min=1)
    ] = None,
    loglevel: Annotated[str, typer.Option(help="Celery's log level.")] = "info",
) -> None:
    """Run jobs on this machine: a Celery worker on CORRIDOR_BROKER_URL.

    It loads and validates the network once, as serve does; other options are Celery's.
    """
    from app.jobs.celery import run_worker
    from app.settings import get_settings

    settings = get_settings()
    if not settings.broker_url:
        err.print(
            "[bold red]CORRIDOR_BROKER_URL is not set[/bold red]: e.g. redis://127.0.0.1:6379/0"
        )
        raise typer.Exit(code=2)
    network = network_or_exit(settings.network_path)
    run_worker(settings, network, concurrency=concurrency, loglevel=loglevel, extra=list(ctx.args))
