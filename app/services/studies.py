"""Planning studies as jobs: scenarios × a demand matrix → flows, indicators, comparisons.

A study request is resolved when it is made: stored scenarios become their current operations
(with id and version), the demand matrix becomes its rows. The job's parameters therefore hold
everything the study ran on, so it can be reproduced and any worker can run it without reading
anything but the network. The job has one part per scenario — each part solves that scenario's
capacitated min-cost flow and its all-or-nothing assignment (a scenario's capacities couple all
of its pairs, so a scenario is the unit that can run on its own) — and the combining step lines
the scenarios up against the first one.
"""

from __future__ import annotations

import threading
from collections import defaultdict
from collections.abc import Callable, Mapping, Sequence
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from sqlalchemy.orm import Session

from app.auth import new_id, owned
from app.db.engine import writing
from app.db.models import DemandMatrix
from app.errors import ServiceError, invalid, ops_named_as
from app.jobs.registry import JobContext, JobKind, Progress, register
from app.problem_types import ProblemType
from app.services import scenarios
from app.services.scenarios import ScenarioNetworks
from graph import Demand, DemandError, LocationKind, Network, NetworkValidationError, load_demand
from graph.base_year import BaseYear, Role, check_base_year, read_base_year
from solvers.errors import InvalidRequest
from solvers.study import compare as comparison
from solvers.study.assign import run_scenario
from solvers.study.calibration import rms_log_error_of_rows
from solvers.study.indicators import ScenarioOutcome as Outcome
from solvers.study.network import StudyParameters, build_study_network, water_distance_to_sea

KIND = "study"
#: A sensitivity run's factors on the study's value of time.
SENSITIVITY_FACTORS = (0.5, 2.0)
BASE = "base"
DEFAULT = "default"


def resolve_scenarios(
    db: Session, networks: ScenarioNetworks, organisation_id: str, given: Sequence[Any]
) -> list[dict[str, Any]]:
    """Each requested scenario as ``{label, ops, scenario_id, version}``.

    ``"base"`` is the network as loaded; a stored scenario's id takes its current version; an
    inline ``{"name", "ops"}`` is validated by applying it.
    """
    resolved: list[dict[str, Any]] = []
    for index, item in enumerate(given):
        where = f"body.scenarios.{index}"
        if item == BASE:
            resolved.append({"label": BASE, "ops": [], "scenario_id": None, "version": None})
        elif isinstance(item, str):
            row = scenarios.find(db, organisation_id, item)
            resolved.append(
                {
                    "label": row.name,
                    "ops": scenarios.current_ops(db, row),
                    "scenario_id": row.id,
                    "version": row.version,
                }
            )
        else:
            name, ops = item["name"], item["ops"]
            with ops_named_as(f"{where}.ops"):
                networks.network(name, ops)
            resolved.append({"label": name, "ops": ops, "scenario_id": None, "version": None})
        if resolved[-1]["label"] in (r["label"] for r in resolved[:-1]):
            invalid(where, f"two scenarios are called {resolved[-1]['label']!r}")
    return resolved


def demand_params(demand_id: str, demand: Demand) -> dict[str, Any]:
    """A matrix as a study keeps it: a summary and rows ``[origin, destination, class, teu]``."""
    return {
        "id": demand_id,
        "name": demand.name,
        "pairs": demand.pairs,
        "cells": len(demand.rows),
        "total_teu": round(demand.total_teu, 3),
        "rows": [
            [row.origin, row.destination, row.cargo_class.value, row.teu_per_year]
            for row in demand.rows
        ],
    }


class DefaultDemand:
    """The bundled matrix, read against the service's network on first use and kept."""

    def __init__(self, path: Path, network: Network) -> None:
        self.path = path
        self.network = network
        self._demand: Demand | None = None
        self._lock = threading.Lock()

    def get(self) -> Demand:
        """The matrix (raises DemandError listing every problem when it does not fit)."""
        with self._lock:
            if self._demand is None:
                self._demand = load_demand(self.path, self.network, self.network.sources.keys())
            return self._demand

    def usable(self) -> Demand:
        """The matrix, or a 409 problem saying why it does not fit the network."""
        try:
            return self.get()
        except DemandError as error:
            raise ServiceError(
                ProblemType.DEFAULT_DEMAND_UNUSABLE,
                "The bundled demand matrix does not fit this network",
                str(error),
            ) from error


class BaseYearFile:
    """The base year beside the network file (:mod:`graph.base_year`), checked on first use.

    A study keeps the file's content in its parameters, so a worker needs nothing else and a
    later edit of the file does not change a study already made.
    """

    def __init__(self, path: Path, network: Network) -> None:
        self.path = path
        self.network = network
        self._data: dict[str, Any] | None = None
        self._base_year = BaseYear.empty()
        self._lock = threading.Lock()

    def get(self) -> tuple[dict[str, Any] | None, BaseYear]:
        """The file's content (``None`` if there is no file) and the parsed base year.

        Raises
        ------
        NetworkValidationError
            When the file does not fit the network, listing every problem.
        """
        with self._lock:
            if self._data is None and self.path.exists():
                self._data, self._base_year = read_base_year(self.path, self.network)
            return self._data, self._base_year

    def usable(self) -> tuple[dict[str, Any] | None, BaseYear]:
        """Like :meth:`get`, or a 409 problem saying why the file does not fit the network."""
        try:
            return self.get()
        except NetworkValidationError as error:
            raise ServiceError(
                ProblemType.BASE_YEAR_UNUSABLE,
                "The base year's data does not fit this network",
                str(error),
            ) from error


def study_value_of_time(given: float | None, base_year: BaseYear, field: str) -> float:
    """The study's value of time: the one given, or else the base year's calibrated one."""
    if given is not None:
        return given
    if base_year.calibration is None:
        message = "required: this network's base year has no calibrated value of time"
        raise InvalidRequest([(field, message)])
    return base_year.calibration.value_of_time


def store_matrix(db: Session, organisation_id: str, demand: Demand) -> DemandMatrix:
    """Keep an uploaded matrix for the organisation's studies."""
    row = DemandMatrix(
        id=new_id("dm"),
        organisation_id=organisation_id,
        name=demand.name,
        description=demand.description,
        rows=demand_params("", demand)["rows"],
        pairs=demand.pairs,
        total_teu=round(demand.total_teu, 3),
        origins=len(demand.origins),
        destinations=len(demand.destinations),
        created_at=datetime.now(UTC),
    )
    with writing(db):
        db.add(row)
    return row


def find_demand(
    defaults: DefaultDemand, db: Session, organisation_id: str, demand_id: str
) -> dict[str, Any]:
    """The named matrix for a study: ``default`` or an upload of the organisation."""
    if demand_id == DEFAULT:
        return demand_params(DEFAULT, defaults.usable())
    row = owned(db, DemandMatrix, demand_id, organisation_id, "demand matrix")
    return {
        "id": row.id,
        "name": row.name,
        "pairs": row.pairs,
        "cells": len(row.rows),
        "total_teu": row.total_teu,
        "rows": row.rows,
    }


def run_locally(
    context: JobContext,
    params: dict[str, Any],
    report_progress: Progress,
) -> dict[str, Any]:
    """Run a study in this process without a database (the CLI): plan, parts, combine."""
    parts = plan(context, params)
    results = []
    for index, part in enumerate(parts):

        def scaled(fraction: float, message: str, index: int = index) -> None:
            report_progress((index + fraction) / len(parts), message)

        results.append(solve_part(context, params, part, scaled))
    report_progress(1.0, "comparing scenarios")
    return combine(context, params, results, report_progress)


def network_for(
    networks: ScenarioNetworks, params: Mapping[str, Any]
) -> Callable[[Mapping[str, Any]], Network]:
    """The network each scenario of a study ran on, by its part result (for maps and flows)."""
    ops = {s["label"]: s["ops"] for s in params["scenarios"]}

    def network(part: Mapping[str, Any]) -> Network:
        label = part["label"]
        return networks.network(label, ops.get(label, []))

    return network


def plan(context: JobContext, params: dict[str, Any]) -> list[dict[str, Any]]:
    """One part per scenario, and per scenario and sensitivity factor of the value of time."""
    factors = [1.0, *params.get("sensitivity", [])]
    return [
        {"scenario": index} | ({} if factor == 1.0 else {"factor": factor})
        for factor in factors
        for index in range(len(params["scenarios"]))
    ]


def solve_part(
    context: JobContext, params: dict[str, Any], part: dict[str, Any], progress: Progress
) -> dict[str, Any]:
    """Solve one scenario: its static network, both assignments, its indicators."""
    scenario = params["scenarios"][part["scenario"]]
    networks: ScenarioNetworks = context.resources["scenario_networks"]
    network = networks.network(scenario["label"], scenario["ops"])
    demand = {(o, d, g): float(teu) for o, d, g, teu in params["demand"]["rows"]}
    factor = part.get("factor", 1.0)
    parameters = StudyParameters(
        start=date.fromisoformat(params["start"]),
        value_of_time=params["value_of_time"] * factor,
        co2_price=params["co2_price"],
        days=params["days"],
    )
    base_year = study_base_year(networks.base, params)
    progress(0.1, f"{scenario['label']}: building the study network")
    groups = {g for _, _, g in demand}
    published = base_year.capacities if params.get("published_capacity", True) else ()
    study = build_study_network(network, parameters, groups, published)
    progress(0.3, f"{scenario['label']}: solving {len(demand)} pairs on {len(study.rides)} rides")
    # the published volumes describe the bundled matrix's flows: other matrices are not checked
    targets = base_year.targets if params["demand"]["id"] == DEFAULT else ()
    outcomes = run_scenario(study, demand, capacitated=params["capacitated"], targets=targets)
    if factor != 1.0:  # a sensitivity run: what its comparison reads
        return {
            "label": scenario["label"],
            "factor": factor,
            "outcomes": {
                name: {
                    "assignment": name,
                    "totals": o.totals,
                    "gateways": o.gateways,
                    "calibration": o.calibration,
                }
                for name, o in outcomes.items()
            },
        }
    return {
        "label": scenario["label"],
        "scenario_id": scenario["scenario_id"],
        "version": scenario["version"],
        "network_version": network.version,
        "rides": len(study.rides),
        "outcomes": {name: outcome.to_data() for name, outcome in outcomes.items()},
        "water_to_sea": _water_to_sea(network),
    }


def study_base_year(base: Network, params: Mapping[str, Any]) -> BaseYear:
    """The base year a study runs with: the file content its parameters keep, if any."""
    data = params.get("base_year")
    return check_base_year(data, base) if data else BaseYear.empty()


def calibration_of(params: Mapping[str, Any], part: Mapping[str, Any]) -> dict[str, Any] | None:
    """The reference scenario's calibration table with its errors; ``None`` without targets."""
    assignment = "capacitated" if params["capacitated"] else "all_or_nothing"
    rows = part["outcomes"][assignment].get("calibration") or []
    if not rows:
        return None
    calibration = (params.get("base_year") or {}).get("calibration") or {}
    return {
        "scenario": part["label"],
        "assignment": assignment,
        "year": (params.get("base_year") or {}).get("year"),
        "value_of_time": params["value_of_time"],
        "calibrated_value_of_time": calibration.get("value_of_time"),
        "method": calibration.get("method"),
        "fit_error": _rounded(rms_log_error_of_rows(rows, Role.FIT)),
        "check_error": _rounded(rms_log_error_of_rows(rows, Role.CHECK)),
        "unserved_teu": part["outcomes"][assignment]["totals"]["unserved_teu"],
        "demand_teu": part["outcomes"][assignment]["totals"]["demand_teu"],
        "rows": rows,
    }


def _rounded(value: float | None) -> float | None:
    return None if value is None else round(value, 4)


def combine(
    context: JobContext,
    params: dict[str, Any],
    parts: list[dict[str, Any]],
    progress: Progress,
) -> dict[str, Any]:
    """The scenarios side by side, each against the first.

    With sensitivity runs, also which conclusions hold at the other values of time.
    """
    assignment = "capacitated" if params["capacitated"] else "all_or_nothing"
    main = [part for part in parts if "factor" not in part]
    runs: dict[float, list[dict[str, Any]]] = defaultdict(list)
    for part in parts:
        if "factor" in part:
            runs[part["factor"]].append(part)
    reference = main[0]
    comparisons = []
    for index, part in enumerate(main[1:], start=1):
        compared = comparison.compare(
            _outcome(reference["outcomes"][assignment]),
            _outcome(part["outcomes"][assignment]),
            params["value_of_time"],
        )
        others = {
            factor: comparison.compare(
                _outcome(scaled[0]["outcomes"][assignment]),
                _outcome(scaled[index]["outcomes"][assignment]),
            )
            for factor, scaled in sorted(runs.items())
        }
        comparisons.append(
            {
                "reference": reference["label"],
                "scenario": part["label"],
                "assignment": assignment,
                **compared,
                "sensitivity": comparison.robustness(compared, others) if others else [],
            }
        )
    return {
        "name": params["name"],
        "assignment": assignment,
        "parameters": {key: params[key] for key in ("value_of_time", "co2_price", "start", "days")}
        | {"sensitivity": params.get("sensitivity", [])},
        "demand": {k: v for k, v in params["demand"].items() if k != "rows"},
        "scenarios": main,
        "comparisons": comparisons,
        "calibration": calibration_of(params, reference),
    }


register(JobKind(KIND, plan=plan, part=solve_part, combine=combine))


def _outcome(data: Mapping[str, Any]) -> Outcome:
    """An outcome from its JSON form; a sensitivity run keeps only what comparisons read."""
    return Outcome(
        **{"modal_split": {}, "ports": [], "corridors": [], "services": [], "legs": [],
           "pairs": []}
        | dict(data)
    )  # fmt: skip


def _water_to_sea(network: Network) -> list[dict[str, Any]]:
    """The inland-waterway distance to the sea from each river port."""
    found = []
    for location in network.list_locations():
        if location.kind is LocationKind.RIVER_PORT:
            path = water_distance_to_sea(network, location.id)
            found.append(
                {
                    "location": location.id,
                    "name": location.name,
                    "km": path["km"] if path else None,
                    "to": path["to"] if path else None,
                    "calls": path["calls"] if path else [],
                }
            )
    return found
