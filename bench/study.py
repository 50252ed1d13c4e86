"""Planning-study time and memory for growing demand matrices on the real network.

    .venv/bin/python bench/study.py [--sizes 100 1000 5000] [--seed 11]

For each size, a fixed random demand matrix (origin, destination, cargo class dry or reefer,
50 to 5,000 TEU a year; drawn with ``--seed``) is studied as a study job runs it: base network
and "Pinglu Canal open", each scenario's static network built, then the capacitated min-cost
flow and the all-or-nothing assignment solved and their indicators computed ("study s"; the
LP alone is timed again beside it). Each size runs in
a fresh process so its peak memory (max RSS, less the process's RSS once the network is loaded)
is its own. The first size is the baseline the growth ratios are printed against.
"""

from __future__ import annotations

import argparse
import multiprocessing
import random
import resource
import time
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from targets import check

from graph import Network, apply_scenario, load_network, parse_scenario
from solvers.study.assign import run_scenario
from solvers.study.flow import Pair, min_cost_flow
from solvers.study.network import StudyParameters, build_study_network

NETWORK = Path(__file__).resolve().parent.parent / "data" / "network.geojson"
PARAMETERS = StudyParameters(start=date(2027, 1, 4), value_of_time=5.0)
CANAL = [{"op": "enable", "tags": ["pinglu_canal"]}]


@dataclass(frozen=True)
class Figures:
    """One size's measurements."""

    pairs: int
    commodities: int
    rides: int
    build_s: float
    lp_s: float
    study_s: float
    peak_mb: float
    unserved_teu: float


def demand(network: Network, size: int, seed: int) -> dict[Pair, float]:
    """``size`` distinct cells over every location pair and two cargo classes."""
    rng = random.Random(seed)
    ids = sorted(network.locations)
    cells = [(o, d, g) for o in ids for d in ids if o != d for g in ("dry", "reefer")]
    return {cell: float(rng.randrange(50, 5001)) for cell in rng.sample(cells, size)}


def measure(size: int, seed: int) -> Figures:
    """Run in a fresh process: the study of ``size`` pairs on base and canal networks."""
    network = load_network(NETWORK)
    canal = apply_scenario(network, parse_scenario("canal", CANAL))
    matrix = demand(network, size, seed)
    groups = {g for _, _, g in matrix}
    _ = network.departure_index, canal.departure_index
    loaded = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    build_seconds = study_seconds = lp_seconds = 0.0
    unserved = 0.0
    rides = 0
    for scenario in (network, canal):
        start = time.perf_counter()
        built = build_study_network(scenario, PARAMETERS, groups)
        build_seconds += time.perf_counter() - start
        outcome = run_scenario(built, matrix)
        study_seconds += time.perf_counter() - start
        rides = max(rides, len(built.rides))
        unserved += outcome["capacitated"].totals["unserved_teu"]
        # the LP alone again, on the pairs that have a route, for the breakdown
        unreachable = {
            (u["origin"], u["destination"], u["cargo_class"])
            for u in outcome["all_or_nothing"].unreachable
        }
        reachable = {p: t for p, t in matrix.items() if p not in unreachable}
        start = time.perf_counter()
        min_cost_flow(built.arcs, built.capacities, reachable, 1e7)
        lp_seconds += time.perf_counter() - start
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return Figures(
        pairs=len(matrix),
        commodities=len({(o, g) for o, _, g in matrix}),
        rides=rides,
        build_s=build_seconds,
        lp_s=lp_seconds,
        study_s=study_seconds,
        peak_mb=(peak - loaded) / 1024,
        unserved_teu=unserved,
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[100, 1000, 5000])
    parser.add_argument("--seed", type=int, default=11)
    args = parser.parse_args()
    context = multiprocessing.get_context("spawn")
    rows: list[Figures] = []
    print("study of base + 'Pinglu Canal open' (capacitated LP + all-or-nothing + indicators)")
    print(f"  {'pairs':>6} {'commod.':>7} {'rides':>6} {'build s':>8} {'LP s':>7} "
          f"{'study s':>8} {'peak MB':>8} {'x time':>7} {'x pairs':>8}")  # fmt: skip
    for size in args.sizes:
        with context.Pool(1) as pool:
            figures = pool.apply(measure, (size, args.seed))
        rows.append(figures)
        base = rows[0]
        print(
            f"  {figures.pairs:>6} {figures.commodities:>7} {figures.rides:>6} "
            f"{figures.build_s:>8.2f} {figures.lp_s:>7.2f} {figures.study_s:>8.2f} "
            f"{figures.peak_mb:>8.1f} {figures.study_s / base.study_s:>7.2f} "
            f"{figures.pairs / base.pairs:>8.1f}"
        )
    for figures in rows:
        if figures.pairs == 1000:
            check("study", "study of 1,000 pairs", figures.study_s, "<=", 20.0, "s")


if __name__ == "__main__":
    main()
