"""``corridor quote``: quote a shipment here, without the service or its database."""

from __future__ import annotations

import json
import sys
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from app.cli.common import PathOption, err, network_or_exit, out


class Objective(StrEnum):
    """Which option to recommend."""

    CHEAPEST = "cheapest"
    FASTEST = "fastest"
    GREENEST = "greenest"
    BALANCED = "balanced"


def quote_command(
    origin: Annotated[str, typer.Argument(help="Location id (UN/LOCODE) or lat,lon[@km].")],
    destination: Annotated[str, typer.Argument(help="Location id (UN/LOCODE) or lat,lon[@km].")],
    ready: Annotated[
        str, typer.Option(help="Ready date or date-time (ISO 8601; local time of the origin).")
    ],
    box: Annotated[
        str | None, typer.Option(help="ISO 6346 size-type, e.g. 22G1, 42G1, 45G1, 45R1.")
    ] = "42G1",
    count: Annotated[int, typer.Option(help="Number of boxes.")] = 1,
    weight: Annotated[float | None, typer.Option(help="Gross tonnes per box.")] = None,
    cargo_class: Annotated[
        str, typer.Option("--class", help="dry, reefer, dangerous or bulk.")
    ] = "dry",
    imdg: Annotated[
        str | None, typer.Option(help="IMDG class for dangerous goods, e.g. 3.")
    ] = None,
    bulk_tonnes: Annotated[float | None, typer.Option(help="Tonnes of bulk cargo.")] = None,
    deadline: Annotated[str | None, typer.Option(help="Latest arrival (ISO 8601).")] = None,
    objective: Annotated[
        Objective, typer.Option(help="Which option to recommend.")
    ] = Objective.BALANCED,
    value_of_time: Annotated[
        float | None,
        typer.Option(help="CNY per TEU-hour for balanced (default: the catalogue's, about 95)."),
    ] = None,
    budget: Annotated[float | None, typer.Option(help="Maximum price in CNY.")] = None,
    max_co2e: Annotated[float | None, typer.Option(help="Maximum kg CO2e.")] = None,
    max_transfers: Annotated[int | None, typer.Option(help="Maximum transfers.")] = None,
    modes: Annotated[str | None, typer.Option(help="Allowed modes, comma-separated.")] = None,
    exclude_hub: Annotated[
        list[str] | None, typer.Option(help="Location to avoid (repeatable).")
    ] = None,
    require_hub: Annotated[
        list[str] | None, typer.Option(help="Location to pass (repeatable).")
    ] = None,
    any_hub: Annotated[bool, typer.Option(help="Any one required hub suffices.")] = False,
    exclude_operator: Annotated[
        list[str] | None, typer.Option(help="Operator to avoid (repeatable).")
    ] = None,
    include: Annotated[
        str | None,
        typer.Option(help="Also offer services that are unconfirmed,sanctioned (comma-separated)."),
    ] = None,
    require_operator: Annotated[
        list[str] | None, typer.Option(help="Operator to use only (repeatable).")
    ] = None,
    horizon_weeks: Annotated[float, typer.Option(help="Search horizon in weeks.")] = 8,
    scenario: Annotated[
        Path | None, typer.Option(help="Scenario file (JSON with ops) to apply.")
    ] = None,
    exact: Annotated[
        bool, typer.Option(help="Solve with the OR-Tools time-expanded model.")
    ] = False,
    path: PathOption = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """Quote a shipment: the options with departures, itemized prices and CO2e."""
    from pydantic import ValidationError

    from app import mapping
    from app.schemas.quotes import QuoteIn
    from graph.errors import ScenarioError
    from solvers.errors import InvalidRequest
    from solvers.quoting import QuoteSettings, quote

    network = network_or_exit(path)
    try:
        body = QuoteIn.model_validate(
            {
                "origin": origin,
                "destination": destination,
                "ready": ready,
                "deadline": deadline,
                "cargo": {
                    "box": box,
                    "count": count,
                    "cargo_class": cargo_class,
                    "weight_t": weight,
                    "imdg": imdg,
                    "bulk_tonnes": bulk_tonnes,
                },
                "filters": {
                    "modes": modes.split(",") if modes else None,
                    "max_transfers": max_transfers,
                    "required_hubs": require_hub or [],
                    "hub_rule": "any" if any_hub else "all",
                    "excluded_hubs": exclude_hub or [],
                    "required_operators": require_operator or [],
                    "excluded_operators": exclude_operator or [],
                    "include_statuses": include.split(",") if include else [],
                },
                "max_price_cny": budget,
                "max_co2e_kg": max_co2e,
                "preference": objective.value,
                "value_of_time_cny_per_teu_hour": value_of_time,
                "horizon_days": round(horizon_weeks * 7),
                "scenario": mapping.read_scenario(scenario).model_dump() if scenario else None,
            }
        )
        if body.scenario is not None:
            from graph.scenario import apply_scenario, parse_scenario

            network = apply_scenario(network, parse_scenario(body.scenario.name, body.scenario.ops))
        request = mapping.quote_request(network, body, max_horizon_days=366)
        try:
            result = quote(network, request, QuoteSettings(exact=exact))
        except InvalidRequest as error:
            raise mapping.in_request_terms(error) from None
    except ValidationError as error:
        for problem in error.errors():
            where = ".".join(str(part) for part in problem["loc"])
            err.print(f"[bold red]invalid request[/bold red]: {where}: {problem['msg']}")
        raise typer.Exit(code=2) from error
    except (InvalidRequest, ScenarioError) as error:
        err.print(f"[bold red]invalid request[/bold red]: {error}")
        raise typer.Exit(code=2) from error
    data = mapping.quote_data(mapping.record(result, network, body, request), network)
    for notice in data["notices"]:
        err.print(f"[yellow]note[/yellow]: {notice}")
    if as_json:
        sys.stdout.write(json.dumps(data, indent=2, ensure_ascii=False) + "\n")
        return
    _print_quote(data)


def _print_quote(data: dict[str, object]) -> None:
    options = data["options"]
    assert isinstance(options, list)
    if not options:
        err.print(f"[bold red]no option[/bold red] ({data['status']})")
        for reason in data["reasons"]:  # type: ignore[attr-defined]
            err.print(f"  - {reason['code']}: {reason['message']}")
        raise typer.Exit(code=1)
    table = Table(
        title=f"{len(options)} options ({data['solver']}, network {data['network_version']})"
    )
    for column in ("labels", "route", "departs", "arrives", "hours", "CNY", "t CO2e"):
        table.add_column(column)
    for option in options:
        table.add_row(
            ", ".join(option["labels"]),
            option["summary"].split(" | ")[0],
            option["departure"][:16],
            option["arrival"][:16],
            f"{option['transit_hours']:.0f}",
            f"{option['price']['total_cny']:,.0f}",
            f"{option['co2e_kg'] / 1000:.2f}",
        )
    out.print(table)
    best = next((o for o in options if "recommended" in o["labels"]), options[0])
    bill = Table(title="Itemized bill of the recommended option")
    for column in (
        "code",
        "description",
        "applies to",
        "quantity",
        "unit",
        "unit price",
        "amount",
        "CNY",
    ):
        bill.add_column(column)
    for item in best["price"]["items"]:
        bill.add_row(
            item["code"],
            item["description"],
            item["applies_to"],
            f"{item['quantity']:g}",
            item["unit"],
            f"{item['unit_price']:g} {item['currency']}",
            f"{item['amount']:,.2f}",
            f"{item['amount_cny']:,.2f}",
        )
    bill.add_row(
        "", "total", "", "", "", "", "", f"{best['price']['total_cny']:,.2f}", style="bold"
    )
    out.print(bill)
    for line in best["explanation"]:
        out.print(f"  {line}")
    if best["price"]["excluded"]:
        out.print("  not included: " + "; ".join(best["price"]["excluded"]))
