"""The ``corridor`` command line."""

from __future__ import annotations

import json
import sys
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from app.db.engine import upgrade
from app.settings import get_settings
from graph import Network, NetworkValidationError, load_network, summarize, to_csv, to_geojson

app = typer.Typer(help="Corridor: multimodal freight routing for the Beibu Gulf gateway.")
network_app = typer.Typer(help="Validate, summarise and export the network data.")
db_app = typer.Typer(help="Database migrations.")
app.add_typer(network_app, name="network")
app.add_typer(db_app, name="db")

out = Console()
err = Console(stderr=True)

PathArgument = Annotated[
    Path | None,
    typer.Argument(help="Network file (default: CORRIDOR_NETWORK_PATH or data/network.geojson)."),
]
PathOption = Annotated[
    Path | None, typer.Option("--path", help="Network file (default: the configured one).")
]


class ExportFormat(StrEnum):
    """Export file formats."""

    GEOJSON = "geojson"
    CSV = "csv"


class Layer(StrEnum):
    """CSV layers."""

    LOCATIONS = "locations"
    LEGS = "legs"


@network_app.command("validate")
def validate(path: PathArgument = None) -> None:
    """Validate a network file and its catalogues; list every problem (exit 1) or exit 0."""
    target = path or get_settings().network_path
    try:
        network = load_network(target)
    except NetworkValidationError as error:
        err.print(f"[bold red]{target}: {len(error.problems)} problem(s)[/bold red]")
        for problem in error.problems:
            err.print(f"  - {problem}", markup=False, highlight=False)
        raise typer.Exit(code=1) from error
    out.print(
        f"[green]{target} is valid[/green]: {len(network.locations)} locations, "
        f"{len(network.legs)} service legs, version {network.version}"
    )


@network_app.command("summary")
def summary(
    path: PathOption = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON instead of tables.")] = False,
) -> None:
    """Counts by kind, mode and status; services; sourced and estimated values; the version."""
    network = _load(path)
    data = summarize(network).to_data()
    if as_json:
        sys.stdout.write(json.dumps(data, indent=2, ensure_ascii=False) + "\n")
        return
    out.print(f"Network version [bold]{data['version']}[/bold]")
    for title, key in (
        ("Locations by kind", "locations_by_kind"),
        ("Locations by country", "locations_by_country"),
        ("Service legs by mode", "legs_by_mode"),
        ("Service legs by status", "legs_by_status"),
        ("Services by mode", "services_by_mode"),
    ):
        table = Table(title=title)
        table.add_column("")
        table.add_column("count", justify="right")
        for name, count in data[key].items():
            table.add_row(name, str(count))
        out.print(table)
    totals = Table(title="Totals")
    totals.add_column("")
    totals.add_column("count", justify="right")
    for key in (
        "locations",
        "service_legs",
        "services",
        "sea_rail_services",
        "tariff_items",
        "emission_factors",
        "sources",
    ):
        totals.add_row(key.replace("_", " "), str(data[key]))
    out.print(totals)
    values = Table(title="Provenance of values")
    for column in ("field", "sourced", "estimated", "of which from sources"):
        values.add_column(column, justify="right" if column != "field" else "left")
    for name, counts in data["values_by_field"].items():
        values.add_row(
            name,
            str(counts["sourced"]),
            str(counts["estimated"]),
            str(counts["estimated_from_sources"]),
        )
    share = data["values"]
    values.add_row(
        "all",
        str(share["sourced"]),
        str(share["estimated"]),
        str(share["estimated_from_sources"]),
        style="bold",
    )
    out.print(values)


@network_app.command("export")
def export(
    export_format: Annotated[ExportFormat, typer.Option("--format", help="Output format.")],
    path: PathOption = None,
    layer: Annotated[Layer, typer.Option(help="CSV layer to write.")] = Layer.LEGS,
    output: Annotated[
        Path | None, typer.Option("--output", "-o", help="File to write (default: stdout).")
    ] = None,
) -> None:
    """Export the validated network as GeoJSON (everything) or CSV (one layer)."""
    network = _load(path)
    if export_format is ExportFormat.GEOJSON:
        text = json.dumps(to_geojson(network), ensure_ascii=False) + "\n"
    else:
        text = to_csv(network, layer.value)
    if output is None:
        sys.stdout.write(text)
    else:
        output.write_text(text, encoding="utf-8")
        err.print(f"wrote {output}")


@db_app.command("upgrade")
def db_upgrade(revision: str = "head") -> None:
    """Apply database migrations (to ``head`` by default)."""
    url = get_settings().database_url
    upgrade(url, revision)
    err.print(f"database at {revision}: {url}")


@app.command("serve")
def serve(
    host: Annotated[str | None, typer.Option(help="Bind address.")] = None,
    port: Annotated[int | None, typer.Option(help="Port.")] = None,
) -> None:
    """Validate the network, apply migrations and serve the API."""
    import uvicorn

    from app.main import create_app

    settings = get_settings()
    network = _load(settings.network_path)
    upgrade(settings.database_url)
    bind_host, bind_port = host or settings.host, port or settings.port
    err.print(
        f"Corridor {network.version} on http://{bind_host}:{bind_port} "
        f"(docs at /docs, database {settings.database_url})"
    )
    uvicorn.run(
        create_app(settings, network), host=bind_host, port=bind_port, log_level=settings.log_level
    )


def _load(path: Path | None) -> Network:
    target = path or get_settings().network_path
    try:
        return load_network(target)
    except NetworkValidationError as error:
        err.print(f"[bold red]{target} does not validate[/bold red]")
        for problem in error.problems:
            err.print(f"  - {problem}", markup=False, highlight=False)
        raise typer.Exit(code=1) from error


def main() -> None:
    """Entry point of the ``corridor`` script."""
    app()


if __name__ == "__main__":
    main()
