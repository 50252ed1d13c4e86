"""Planning studies: the indicators of an outcome."""

from __future__ import annotations

from graph import Network
from solvers.study.assign import run_scenario
from solvers.study.network import build_study_network
from tests.solvers.study.test_network import YEAR


def test_a_ports_throughput_counts_barge_lifts_as_well_as_ships(tiny_network: Network) -> None:
    """RV -> PB: a barge to Port Alpha and a ship on. The river port loads it, Port Alpha
    discharges it from the barge and loads it on the ship: two lifts there."""
    study = build_study_network(tiny_network, YEAR, ["dry"])
    (outcome,) = run_scenario(study, {("RV", "PB", "dry"): 40.0}, capacitated=False).values()
    (pair,) = outcome.pairs
    assert pair["route"] == "RV -[BARGE]-> PA -[SHIP]-> PB"
    ports = {row["location"]: row for row in outcome.ports}
    assert (ports["RV"]["loaded_teu"], ports["RV"]["discharged_teu"]) == (40.0, 0.0)
    assert (ports["PA"]["loaded_teu"], ports["PA"]["discharged_teu"]) == (40.0, 40.0)
    assert ports["PB"]["teu"] == 40.0
