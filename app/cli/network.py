"""``corridor network``: validate, summarise and export the network data."""

from __future__ import annotations

import json
import sys
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from app.cli.common import (
    PathArgument,
    PathOption,
    configured,
    err,
    network_or_exit,
    out,
    print_problems,
)

commands = typer.Typer(help="Validate, summarise and export the network data.")


class ExportFormat(StrEnum):
    """Export file formats."""

    GEOJSON = "geojson"
    CSV = "csv"


class Layer(StrEnum):
    """CSV layers."""

    LOCATIONS = "locations"
    LEGS = "legs"


@commands.command("validate")
def validate(path: PathArgument = None) -> None:
    """Validate a network file and its catalogues; list every problem (exit 1) or exit 0.

    Always from the files, every check run, even when a network built from the same files is
    kept (:mod:`graph.kept`); the network validated is then kept for the next load.
    """
    from graph.base_year import base_year_beside, load_base_year
    from graph.errors import NetworkValidationError
    from graph.io import load_network

    default, keep_in = configured()
    target = path or default
    try:
        network = load_network(target, keep_in=keep_in, reuse=False)
        base_year = load_base_year(base_year_beside(target), network)
    except NetworkValidationError as error:
        err.print(f"[bold red]{target}: {len(error.problems)} problem(s)[/bold red]")
        print_problems(error)
        raise typer.Exit(code=1) from error
    out.print(
        f"[green]{target} is valid[/green]: {len(network.locations)} locations, "
        f"{len(network.legs)} service legs, version {network.version}"
    )
    if base_year.year:
        out.print(
            f"base year {base_year.year}: {len(base_year.capacities)} published capacities, "
            f"{len(base_year.targets)} calibration targets"
        )


@commands.command("summary")
def summary(
    path: PathOption = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON instead of tables.")] = False,
) -> None:
    """Counts by kind, mode and status; services; sourced and estimated values; the version."""
    from graph.summary import summarize

    network = network_or_exit(path)
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


@commands.command("export")
def export(
    export_format: Annotated[ExportFormat, typer.Option("--format", help="Output format.")],
    path: PathOption = None,
    layer: Annotated[Layer, typer.Option(help="CSV layer to write.")] = Layer.LEGS,
    output: Annotated[
        Path | None, typer.Option("--output", "-o", help="File to write (default: stdout).")
    ] = None,
) -> None:
    """Export the validated network as GeoJSON (everything) or CSV (one layer)."""
    from graph.io import to_csv, to_geojson

    network = network_or_exit(path)
    if export_format is ExportFormat.GEOJSON:
        text = json.dumps(to_geojson(network), ensure_ascii=False) + "\n"
    else:
        text = to_csv(network, layer.value)
    if output is None:
        sys.stdout.write(text)
    else:
        output.write_text(text, encoding="utf-8")
        err.print(f"wrote {output}")
