"""``corridor study``: run and calibrate planning studies here, without the service."""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, Literal

import typer
from rich.table import Table

from app.cli.common import PathOption, configured, err, network_or_exit, out, print_problems
from graph import Network, NetworkValidationError

if TYPE_CHECKING:
    from graph.base_year import BaseYear

commands = typer.Typer(help="Planning studies: scenarios compared on a demand matrix.")


@commands.command("run")
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
    lang: Annotated[
        Literal["en", "zh"],
        typer.Option(help="The report's language: en (English) or zh (中文)."),
    ] = "en",
    tables: Annotated[
        Path | None, typer.Option(help="Directory for the CSV tables and flows.geojson.")
    ] = None,
    path: PathOption = None,
) -> None:
    """Run a planning study here and now: scenarios on a demand matrix, a summary and a report."""
    from datetime import UTC, date, datetime

    from rich.progress import Progress as Bar

    from app import mapping
    from app.jobs.registry import JobContext
    from app.render import report as reports
    from app.services import studies
    from app.services.scenarios import ScenarioNetworks
    from graph import DEFAULT_DEMAND_PATH, DemandError, ScenarioError, load_demand
    from solvers.errors import InvalidRequest

    network = network_or_exit(path)
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
        reports.render_report(result, studies.network_for(networks, params), lang),
        encoding="utf-8",
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


@commands.command("calibrate")
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
    from solvers.study.assign import fit_value_of_time
    from solvers.study.network import StudyParameters, build_study_network

    network = network_or_exit(path)
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

    file = base_year_beside(path or configured()[0])
    try:
        return read_base_year(file, network)
    except NetworkValidationError as error:
        err.print(f"[bold red]{file} does not validate[/bold red]")
        print_problems(error)
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
