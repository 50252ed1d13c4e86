"""The corridor network model: load and validate data, scenarios, schedules, tariffs, emissions.

A library: no web framework, no database, no environment. ``load_network()`` reads and
validates the data files and returns an immutable :class:`Network`.

Each public name is loaded from its module on first use, so that ``import graph`` (or a command
that needs only the loader) does not import demand matrices, scenarios or summaries.
"""

from __future__ import annotations

from importlib import import_module

# Not typing.TYPE_CHECKING: importing typing alone costs more than this module.
TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

    from graph.demand import (
        DEFAULT_DEMAND_PATH,
        Demand,
        DemandRow,
        demand_to_csv,
        load_demand,
        parse_demand_csv,
    )
    from graph.emissions import EmissionFactor, EmissionFactors, HubFactor, LegEmissions
    from graph.errors import (
        DemandError,
        NetworkError,
        NetworkValidationError,
        Problem,
        ScenarioError,
        UnknownLocation,
        UnknownService,
        UnknownServiceLeg,
        UnknownTariff,
    )
    from graph.io import DataFiles, load_files, load_network, to_csv, to_geojson
    from graph.model import (
        CargoClass,
        City,
        Closure,
        Congestion,
        Customs,
        Departure,
        Location,
        LocationKind,
        Mode,
        Provenance,
        Sanction,
        ServiceLeg,
        Status,
    )
    from graph.network import Network
    from graph.scenario import Scenario, apply_scenario, parse_scenario
    from graph.summary import NetworkSummary, summarize
    from graph.tariffs import TariffCatalogue, TariffItem, Unit
    from graph.timetable import Timetable, WeeklyTime

#: Each public name and the module that owns it.
_OWNERS = {
    "DEFAULT_DEMAND_PATH": "graph.demand",
    "Demand": "graph.demand",
    "DemandRow": "graph.demand",
    "demand_to_csv": "graph.demand",
    "load_demand": "graph.demand",
    "parse_demand_csv": "graph.demand",
    "EmissionFactor": "graph.emissions",
    "EmissionFactors": "graph.emissions",
    "HubFactor": "graph.emissions",
    "LegEmissions": "graph.emissions",
    "DemandError": "graph.errors",
    "NetworkError": "graph.errors",
    "NetworkValidationError": "graph.errors",
    "Problem": "graph.errors",
    "ScenarioError": "graph.errors",
    "UnknownLocation": "graph.errors",
    "UnknownService": "graph.errors",
    "UnknownServiceLeg": "graph.errors",
    "UnknownTariff": "graph.errors",
    "DataFiles": "graph.io",
    "load_files": "graph.io",
    "load_network": "graph.io",
    "to_csv": "graph.io",
    "to_geojson": "graph.io",
    "CargoClass": "graph.model",
    "City": "graph.model",
    "Closure": "graph.model",
    "Congestion": "graph.model",
    "Customs": "graph.model",
    "Departure": "graph.model",
    "Location": "graph.model",
    "LocationKind": "graph.model",
    "Mode": "graph.model",
    "Provenance": "graph.model",
    "Sanction": "graph.model",
    "ServiceLeg": "graph.model",
    "Status": "graph.model",
    "Network": "graph.network",
    "Scenario": "graph.scenario",
    "apply_scenario": "graph.scenario",
    "parse_scenario": "graph.scenario",
    "NetworkSummary": "graph.summary",
    "summarize": "graph.summary",
    "TariffCatalogue": "graph.tariffs",
    "TariffItem": "graph.tariffs",
    "Unit": "graph.tariffs",
    "Timetable": "graph.timetable",
    "WeeklyTime": "graph.timetable",
}

__all__ = [
    "DEFAULT_DEMAND_PATH",
    "CargoClass",
    "City",
    "Closure",
    "Congestion",
    "Customs",
    "DataFiles",
    "Demand",
    "DemandError",
    "DemandRow",
    "Departure",
    "EmissionFactor",
    "EmissionFactors",
    "HubFactor",
    "LegEmissions",
    "Location",
    "LocationKind",
    "Mode",
    "Network",
    "NetworkError",
    "NetworkSummary",
    "NetworkValidationError",
    "Problem",
    "Provenance",
    "Sanction",
    "Scenario",
    "ScenarioError",
    "ServiceLeg",
    "Status",
    "TariffCatalogue",
    "TariffItem",
    "Timetable",
    "Unit",
    "UnknownLocation",
    "UnknownService",
    "UnknownServiceLeg",
    "UnknownTariff",
    "WeeklyTime",
    "apply_scenario",
    "demand_to_csv",
    "load_demand",
    "load_files",
    "load_network",
    "parse_demand_csv",
    "parse_scenario",
    "summarize",
    "to_csv",
    "to_geojson",
]


def __getattr__(name: str) -> Any:
    """Load a public name from its module on first use (PEP 562)."""
    owner = _OWNERS.get(name)
    if owner is None:
        message = f"module 'graph' has no attribute {name!r}"
        raise AttributeError(message)
    value = getattr(import_module(owner), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *_OWNERS})
