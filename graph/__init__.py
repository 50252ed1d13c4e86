"""The corridor network model: load and validate data, scenarios, schedules, tariffs, emissions.

A library: no web framework, no database, no environment. ``load_network()`` reads and
validates the data files and returns an immutable :class:`Network`.
"""

from graph.emissions import EmissionFactor, EmissionFactors, HubFactor, LegEmissions
from graph.errors import (
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
    Closure,
    Customs,
    Departure,
    Location,
    LocationKind,
    Mode,
    Provenance,
    ServiceLeg,
    Status,
)
from graph.network import Network
from graph.scenario import Scenario, apply_scenario, parse_scenario
from graph.summary import NetworkSummary, summarize
from graph.tariffs import TariffCatalogue, TariffItem, Unit
from graph.timetable import Timetable, WeeklyTime

__all__ = [
    "CargoClass",
    "Closure",
    "Customs",
    "DataFiles",
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
    "load_files",
    "load_network",
    "parse_scenario",
    "summarize",
    "to_csv",
    "to_geojson",
]
