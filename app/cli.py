"""The ``corridor`` command line."""

from __future__ import annotations

import json
import sys
from datetime import UTC, date, datetime, timedelta
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.console import Console
from rich.table import Table

from app.roles import Role
from app.settings import get_settings
from graph import Network, NetworkValidationError, load_network, summarize, to_csv, to_geojson

if TYPE_CHECKING:
    from graph.base_year import BaseYear

app = typer.Typer(help="Corridor: multimodal freight routing for the Beibu Gulf gateway.")
network_app = typer.Typer(help="Validate, summarise and export the network data.")
db_app = typer.Typer(help="Database migrations.")
keys_app = typer.Typer(help="API keys of organisations.")
app.add_typer(network_app, name="network")
app.add_typer(db_app, name="db")
app.add_typer(keys_app, name="keys")
study_app = typer.Typer(help="Planning studies: scenarios compared on a demand matrix.")
app.add_typer(study_app, name="study")

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
    from graph.base_year import base_year_beside, load_base_year

    target = path or get_settings().network_path
    try:
        network = load_network(target)
        base_year = load_base_year(base_year_beside(target), network)
    except NetworkValidationError as error:
        err.print(f"[bold red]{target}: {len(error.problems)} problem(s)[/bold red]")
        for problem in error.problems:
            err.print(f"  - {problem}", markup=False, highlight=False)
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


class Objective(StrEnum):
    """Which option to recommend."""

    CHEAPEST = "cheapest"
    FASTEST = "fastest"
    GREENEST = "greenest"
    BALANCED = "balanced"


@app.command("quote")
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
    from app.schemas import QuoteIn
    from graph import ScenarioError, apply_scenario, parse_scenario
    from solvers.errors import InvalidRequest
    from solvers.quote import QuoteSettings, quote

    network = _load(path)
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


@db_app.command("upgrade")
def db_upgrade(revision: str = "head") -> None:
    """Apply database migrations (to ``head`` by default)."""
    from app.db.engine import upgrade

    url = get_settings().database_url
    upgrade(url, revision)
    err.print(f"database at {revision}: {url}")


@keys_app.command("create")
def keys_create(
    org: Annotated[str, typer.Option("--org", help="Organisation (created when new).")],
    role: Annotated[Role, typer.Option(help="What the key may do.")],
    label: Annotated[str | None, typer.Option(help="A note to recognise the key by.")] = None,
) -> None:
    """Create an API key and print it once (only its hash is stored)."""
    from app.db.engine import upgrade

    settings = get_settings()
    upgrade(settings.database_url)
    key = _create_key(settings.database_url, org, role, label)
    err.print(f"key for {org} ({role.value}); it is shown only now:")
    sys.stdout.write(key + "\n")


@keys_app.command("list")
def keys_list(
    org: Annotated[str, typer.Option("--org", help="Organisation.")],
) -> None:
    """List an organisation's keys (ids, roles, labels; never secrets)."""
    from sqlalchemy import select
    from sqlalchemy.orm import Session

    from app.db.engine import make_engine, upgrade
    from app.db.models import ApiKey, Organisation

    settings = get_settings()
    upgrade(settings.database_url)
    engine = make_engine(settings.database_url)
    try:
        with Session(engine) as session:
            rows = session.scalars(
                select(ApiKey)
                .join(Organisation, Organisation.id == ApiKey.organisation_id)
                .where(Organisation.name == org)
                .order_by(ApiKey.created_at, ApiKey.id)
            ).all()
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


@keys_app.command("revoke")
def keys_revoke(key_id: Annotated[str, typer.Argument(help="The key's id (after cor_).")]) -> None:
    """Revoke a key (API processes refuse it within 30 s); the last admin key is kept."""
    from sqlalchemy.orm import Session

    from app.auth import revoke_key
    from app.db.engine import make_engine, upgrade, writing
    from app.db.models import ApiKey
    from app.errors import ServiceError

    settings = get_settings()
    upgrade(settings.database_url)
    engine = make_engine(settings.database_url)
    try:
        with Session(engine) as session, writing(session):
            row = session.get(ApiKey, key_id)
            if row is None:
                err.print(f"no key {key_id}")
                raise typer.Exit(1)
            try:
                revoke_key(session, row, datetime.now(UTC))
            except ServiceError as problem:
                err.print(f"not revoked: {problem.detail}")
                raise typer.Exit(1) from None
    finally:
        engine.dispose()
    err.print(f"revoked {key_id}")


#: How long a worker of ``serve --workers N`` may take to answer its supervisor (it loads the
#: network first).
WORKER_START_S = 60


@app.command("serve")
def serve(
    host: Annotated[str | None, typer.Option(help="Bind address.")] = None,
    port: Annotated[int | None, typer.Option(help="Port.")] = None,
    workers: Annotated[int, typer.Option(help="Worker processes.", min=1)] = 1,
) -> None:
    """Validate the network, apply migrations and serve the API.

    On a database without keys, a demo organisation and a forwarder key are created and the key
    is printed with an example call (not with CORRIDOR_ENVIRONMENT=production).
    """
    import uvicorn

    from app.db.engine import upgrade
    from app.main import create_app  # the web stack, for this command only

    settings = get_settings()
    network = _load(settings.network_path)
    upgrade(settings.database_url)
    bind_host, bind_port = host or settings.host, port or settings.port
    base = f"http://{bind_host}:{bind_port}"
    # production keys are made on purpose (`corridor keys create`), never handed out at start
    demo = None if settings.environment == "production" else _demo_key(settings.database_url)
    err.print(
        f"Corridor {network.version} on {base} (docs at /docs, database {settings.database_url})"
    )
    err.print(f"Console at {base}/ (paste an API key)")
    if demo is not None:
        # plain write: the command must stay on one line to be copied
        example = {
            "origin": "CNCQI-TJC",
            "destination": "SGSIN",
            "ready": str(date.today() + timedelta(days=7)),
        }
        sys.stderr.write(
            "No API keys yet: created organisation 'demo' with a forwarder key. Try:\n"
            f"  curl -s -X POST {base}/v1/quotes -H 'Authorization: Bearer {demo}' "
            f"-H 'Content-Type: application/json' -d '{json.dumps(example)}'\n"
        )
    if workers > 1:
        # each worker process loads and validates the network itself, and may not answer the
        # supervisor's pings meanwhile: on a busy machine that took longer than uvicorn's 5 s,
        # and the supervisor killed and started workers in a loop
        uvicorn.run(
            "app.main:create_app",
            factory=True,
            host=bind_host,
            port=bind_port,
            workers=workers,
            log_level=settings.log_level,
            access_log=False,
            timeout_worker_healthcheck=WORKER_START_S,
        )
        return
    uvicorn.run(
        create_app(settings, network),
        host=bind_host,
        port=bind_port,
        log_level=settings.log_level,
        access_log=False,  # the service logs each request itself, as JSON with its request id
    )


@app.command("worker", context_settings={"allow_extra_args": True, "ignore_unknown_options": True})
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
    from app.worker import run_worker

    settings = get_settings()
    if not settings.broker_url:
        err.print(
            "[bold red]CORRIDOR_BROKER_URL is not set[/bold red]: e.g. redis://127.0.0.1:6379/0"
        )
        raise typer.Exit(code=2)
    network = _load(settings.network_path)
    run_worker(settings, network, concurrency=concurrency, loglevel=loglevel, extra=list(ctx.args))


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


def _demo_key(url: str) -> str | None:
    from sqlalchemy.orm import Session

    from app.auth import create_key, has_keys
    from app.db.engine import make_engine, startup_lock, writing

    engine = make_engine(url)
    try:
        # replicas starting together on an empty database: one of them makes the key
        with startup_lock(url), Session(engine) as session, writing(session):
            if has_keys(session):
                return None
            return create_key(session, "demo", Role.FORWARDER, "created by serve on first start")
    finally:
        engine.dispose()


def _load(path: Path | None) -> Network:
    target = path or get_settings().network_path
    try:
        return load_network(target)
    except NetworkValidationError as error:
        err.print(f"[bold red]{target} does not validate[/bold red]")
        for problem in error.problems:
            err.print(f"  - {problem}", markup=False, highlight=False)
        raise typer.Exit(code=1) from error


@study_app.command("run")
def study_run(
    scenario: Annotated[
        list[str],
        typer.Option(
            help='"base" or a scenario file (JSON: {"name", "ops"} or a list of ops); repeat '
            "to compare, the first is the reference."
        ),
    ],
    value_of_time: Annotated[
        float | None,
        typer.Option(
            help="CNY per TEU-hour: the weight of time in the generalized cost (default: the "
            "base year's calibrated value)."
        ),
    ] = None,
    demand: Annotated[
        str, typer.Option(help='"default" (data/demand/default.csv) or a demand CSV file.')
    ] = "default",
    published_capacity: Annotated[
        bool,
        typer.Option(
            help="Services carry what they carried in the base year (data/base_year.toml), "
            "not only the timetable's departures."
        ),
    ] = True,
    sensitivity: Annotated[
        bool,
        typer.Option(
            help="Also run every scenario at half and twice the value of time, and say which "
            "conclusions keep their sign."
        ),
    ] = False,
    co2_price: Annotated[float, typer.Option(help="CNY per tonne CO2e.")] = 0.0,
    start: Annotated[
        str | None, typer.Option(help="First day of the study year (default: today).")
    ] = None,
    capacity: Annotated[
        bool, typer.Option(help="Solve the capacitated assignment beside all-or-nothing.")
    ] = True,
    name: Annotated[str, typer.Option(help="The study's name.")] = "study",
    report: Annotated[Path, typer.Option(help="Where to write the HTML report.")] = Path(
        "study-report.html"
    ),
    tables: Annotated[
        Path | None, typer.Option(help="Directory for the CSV tables and flows.geojson.")
    ] = None,
    path: PathOption = None,
) -> None:
    """Run a planning study here and now: scenarios on a demand matrix, a summary and a report."""
    from datetime import UTC, date, datetime

    from rich.progress import Progress as Bar

    from app import mapping
    from app.jobs import JobContext
    from app.render import report as reports
    from app.services import studies
    from app.services.scenarios import ScenarioNetworks
    from graph import DEFAULT_DEMAND_PATH, DemandError, ScenarioError, load_demand
    from solvers.errors import InvalidRequest

    network = _load(path)
    base_year_data, base_year = _base_year(path, network)
    networks = ScenarioNetworks(network)
    try:
        chosen: list[dict[str, Any]] = []
        for item in scenario:
            if item == studies.BASE:
                chosen.append(
                    {"label": studies.BASE, "ops": [], "scenario_id": None, "version": None}
                )
                continue
            read = mapping.read_scenario(Path(item))
            networks.network(read.name, read.ops)
            chosen.append(
                {"label": read.name, "ops": read.ops, "scenario_id": None, "version": None}
            )
        source = DEFAULT_DEMAND_PATH if demand == studies.DEFAULT else Path(demand)
        matrix = load_demand(source, network, network.sources.keys())
        first = date.fromisoformat(start) if start else datetime.now(UTC).date()
        chosen_value = studies.study_value_of_time(value_of_time, base_year, "--value-of-time")
    except (InvalidRequest, ScenarioError, DemandError, ValueError) as error:
        err.print(f"[red]{error}[/red]")
        raise typer.Exit(2) from error
    params = {
        "name": name,
        "scenarios": chosen,
        "demand": studies.demand_params(demand, matrix),
        "base_year": base_year_data,
        "published_capacity": published_capacity,
        "sensitivity": list(studies.SENSITIVITY_FACTORS) if sensitivity else [],
        "value_of_time": chosen_value,
        "co2_price": co2_price,
        "start": first.isoformat(),
        "days": 365,
        "capacitated": capacity,
        "base_network_version": network.version,
    }
    context = JobContext({"network": network, "scenario_networks": networks})
    with Bar(console=err, transient=True) as bar:
        task = bar.add_task("study", total=1.0)

        def progress(fraction: float, message: str) -> None:
            bar.update(task, completed=fraction, description=message[:60])

        result = studies.run_locally(context, params, progress)
    _print_study(result)
    report.write_text(
        reports.render_report(result, studies.network_for(networks, params)), encoding="utf-8"
    )
    err.print(f"wrote {report}")
    if tables is not None:
        tables.mkdir(parents=True, exist_ok=True)
        for table in reports.Table:
            rows = reports.table_rows(result, table)
            (tables / f"{table}.csv").write_text(reports.to_csv(rows), encoding="utf-8")
        flows = reports.flows_geojson(result, studies.network_for(networks, params))
        (tables / "flows.geojson").write_text(json.dumps(flows), encoding="utf-8")
        err.print(f"wrote {len(reports.Table)} CSV tables and flows.geojson to {tables}")


@study_app.command("calibrate")
def study_calibrate(
    start: Annotated[
        str, typer.Option(help="First day of the study year the timetable is read for.")
    ] = "2027-01-04",
    path: PathOption = None,
) -> None:
    """Fit the base year's value of time to its published volumes; print the search and table.

    Least squares on log errors over the ``fit`` targets of data/base_year.toml, on the bundled
    demand; the ``check`` targets are held out. Record the value in the file's [calibration].
    """
    from datetime import date

    from rich.progress import Progress as Bar

    from graph import DEFAULT_DEMAND_PATH, load_demand
    from solvers.study import StudyParameters, build_study_network, fit_value_of_time

    network = _load(path)
    _, base_year = _base_year(path, network)
    if not base_year.targets:
        err.print("[red]this network has no base year with calibration targets[/red]")
        raise typer.Exit(2)
    matrix = load_demand(DEFAULT_DEMAND_PATH, network, network.sources.keys()).by_key()
    parameters = StudyParameters(start=date.fromisoformat(start), value_of_time=1.0)
    groups = {g for _, _, g in matrix}
    study = build_study_network(network, parameters, groups, base_year.capacities)
    with Bar(console=err, transient=True) as bar:
        task = bar.add_task("fitting the value of time", total=1.0)
        fitted = fit_value_of_time(
            study, matrix, base_year.targets, lambda done: bar.update(task, completed=done)
        )
    tried = Table(title="values of time tried (RMS log error)")
    for column in ("CNY per TEU-hour", "fit targets", "held-out targets"):
        tried.add_column(column, justify="right")
    for value, fit_error, check_error in fitted.tried:
        tried.add_row(
            f"{value:g}", f"{fit_error:.4f}", "" if check_error is None else f"{check_error:.4f}"
        )
    out.print(tried)
    _print_calibration(
        {
            "value_of_time": fitted.value_of_time,
            "fit_error": fitted.fit_error,
            "check_error": fitted.check_error,
            "rows": [row.to_data() for row in fitted.fits],
        }
    )
    recorded = base_year.calibration.value_of_time if base_year.calibration else None
    out.print(
        f"fitted value of time: {fitted.value_of_time:g} CNY per TEU-hour"
        + (f" (recorded: {recorded:g})" if recorded is not None else " (none recorded)")
    )


def _base_year(path: Path | None, network: Network) -> tuple[dict[str, Any] | None, BaseYear]:
    """The base year beside the network file: its content and the parsed form (exit 1 if bad)."""
    from graph.base_year import base_year_beside, read_base_year

    file = base_year_beside(path or get_settings().network_path)
    try:
        return read_base_year(file, network)
    except NetworkValidationError as error:
        err.print(f"[bold red]{file} does not validate[/bold red]")
        for problem in error.problems:
            err.print(f"  - {problem}", markup=False, highlight=False)
        raise typer.Exit(code=1) from error


def _print_sensitivity(rows: list[dict[str, Any]]) -> None:
    table = Table(title="sensitivity: the change at other values of time")
    table.add_column("change in")
    factors = list(rows[0]["changes"])
    for factor in factors:
        table.add_column(f"× {factor}", justify="right")
    table.add_column("robust")
    for row in rows:
        table.add_row(
            row["indicator"],
            *(f"{row['changes'][f]:+,.1f}" for f in factors),
            "yes" if row["robust"] else "no",
        )
    out.print(table)


def _print_calibration(calibration: dict[str, Any]) -> None:
    """The calibration table: published, modelled, difference, role and source of each target."""
    table = Table(
        title=f"base-year calibration (value of time {calibration['value_of_time']:g} CNY/TEU-h)"
    )
    for column in ("target", "role", "published TEU", "modelled TEU", "difference", "source"):
        table.add_column(column, justify="left" if column in ("target", "source") else "right")
    for row in calibration["rows"]:
        mark = "" if row["within"] else " ✗"
        table.add_row(
            row["name"],
            row["role"],
            f"{row['published_teu']:,.0f}",
            f"{row['modelled_teu']:,.0f}",
            f"{row['difference'] * 100:+.1f} %{mark}",
            ", ".join(row["source"]),
        )
    out.print(table)
    errors = [
        f"{name} {calibration[key]:.3f}"
        for name, key in (("fit", "fit_error"), ("held out", "check_error"))
        if calibration.get(key) is not None
    ]
    out.print("RMS log error: " + "; ".join(errors))
    for row in calibration["rows"]:
        if row.get("gap"):
            out.print(f"{row['name']}: {row['gap']}", highlight=False)


def _print_study(result: dict[str, Any]) -> None:
    from rich.table import Table

    assignment = result["assignment"]
    table = Table(title=f"{result['name']} ({assignment.replace('_', ' ')})")
    table.add_column("")
    parts = result["scenarios"]
    for part in parts:
        table.add_column(part["label"], justify="right")
    rows = [
        ("served TEU", "served_teu", "{:,.0f}"),
        ("unserved TEU", "unserved_teu", "{:,.0f}"),
        ("mean CNY/TEU", "mean_cost_cny_per_teu", "{:,.0f}"),
        ("mean transit h", "mean_transit_hours", "{:,.1f}"),
        ("CO2e kg/TEU", "co2e_kg_per_teu", "{:,.0f}"),
    ]
    for title, key, fmt in rows:
        table.add_row(title, *(fmt.format(p["outcomes"][assignment]["totals"][key]) for p in parts))
    table.add_row(
        "route changes vs first",
        "",
        *(f"{c['route_changes_teu']:,.0f} TEU" for c in result["comparisons"]),
    )
    out.print(table)
    for compared in result["comparisons"]:
        out.print(f"{compared['scenario']} against {compared['reference']}:", style="bold")
        for line in compared["explanation"]:
            out.print(f"  - {line}", highlight=False)
        if compared["sensitivity"]:
            _print_sensitivity(compared["sensitivity"])
    calibration = result.get("calibration")
    if calibration:
        _print_calibration(calibration)
        out.print(
            f"unserved in {calibration['scenario']}: {calibration['unserved_teu']:,.0f} of "
            f"{calibration['demand_teu']:,.0f} TEU "
            f"({calibration['unserved_teu'] / calibration['demand_teu'] * 100:.1f} %)"
        )


def main() -> None:
    """Entry point of the ``corridor`` script."""
    app()


if __name__ == "__main__":
    main()
