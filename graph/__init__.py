"""The corridor network model: load and validate data, scenarios, schedules, tariffs, emissions.

A library: no web framework, no database, no environment. ``load_network()`` reads and
validates the data files and returns an immutable :class:`Network`.
"""

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
