"""Quote latency: the Pareto search against its floor and against the OR-Tools model.

    .venv/bin/python bench/quotes.py [--pairs 200] [--exact 40] [--seed 7] [--copies 10]
        [--grown 100] [--grown-pairs 50]

On the real network, for a fixed random set of origin-destination pairs and ready dates in
December 2026 to February 2027 (drawn with ``--seed``; pairs without any option are redrawn, so
every quote does real work), it times in this process:

(a) the Pareto search (QuoteModel + pareto_search) for an unconstrained quote,
(b) the earliest-arrival search on the same request (the floor: one criterion, no bags),
(c) the CP-SAT time-expanded model for a constrained quote (deadline = earliest arrival + 2
    days, minimum price) on the first ``--exact`` pairs, beside (a) on that same constrained
    quote; and checks that both find the same minimum price.

Warm figures are the steady state of a running service (prices, allowed legs and lower bounds
cached per network and request shape, after one pass over the pairs); cold figures are each
pair's first quote with those caches empty. As in the service, the loaded network is moved out of
the garbage collector's reach (gc.freeze) so full collections do not land inside quotes.

Then (a) and (b) again on a generated network ``--copies`` times larger: the Chinese locations
and every service copied, the foreign ports shared, and one service in five running on into the
next copy, so the copies compete for the same gateways and reach each other at home: the search
space really grows.

Last, the network ``--grown`` times larger that bench/load_network.py builds (the whole file
copied, every id suffixed): loaded afresh, its first quote timed with nothing shared yet (what
the first request after a start or a reload pays), then (a) and (b) on the first
``--grown-pairs`` pairs, each moved to a random copy.
"""

from __future__ import annotations

import argparse
import dataclasses
import gc
import random
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from load_network import copy_id, replicate
from targets import check

from app.mapping import quote_request
from app.schemas.quotes import QuoteIn
from graph import CargoClass, Network, load_network
from graph.schedule import from_minutes
from graph.tariffs import Lane, TariffCatalogue
from solvers.cargo import Cargo
from solvers.quoting import caches as quote_caches
from solvers.quoting import quote
from solvers.quoting.exact import SolverLimits, solve_exact
from solvers.quoting.model import QuoteModel
from solvers.quoting.search import Arrival, earliest_arrival, pareto_search
from solvers.types import Endpoint, QuoteRequest, SolveStatus

DATA = Path(__file__).resolve().parent.parent / "data"
FIRST_READY = datetime(2026, 12, 1, tzinfo=ZoneInfo("Asia/Shanghai"))
CARGOES = (
    Cargo(CargoClass.DRY, "42G1"),
    Cargo(CargoClass.DRY, "45G1", 2),
    Cargo(CargoClass.DRY, "22G1", 3),
    Cargo(CargoClass.REEFER, "45R1"),
)


def requests(network: Network, count: int, seed: int) -> list[QuoteRequest]:
    """``count`` quotes that have options, fixed by ``seed``."""
    rng = random.Random(seed)
    ids = sorted(network.locations)
    found: list[QuoteRequest] = []
    while len(found) < count:
        origin, destination = rng.sample(ids, 2)
        ready = FIRST_READY + timedelta(minutes=rng.randrange(0, 90 * 24 * 60, 30))
        request = QuoteRequest(
            origin=Endpoint.at(origin),
            destination=Endpoint.at(destination),
            ready=ready,
            cargo=rng.choices(CARGOES, weights=(5, 3, 1, 1))[0],
        )
        if earliest(network, request) is not None:
            found.append(request)
    clear_caches()
    return found


def clear_caches() -> None:
    """Forget every shared price, route, passage and bound: the next quotes start cold."""
    quote_caches.clear()


def times(
    solve: Callable[[Network, QuoteRequest], object],
    network: Network,
    asked: Sequence[QuoteRequest],
) -> list[float]:
    """Seconds per request."""
    seconds = []
    for request in asked:
        start = time.perf_counter()
        solve(network, request)
        seconds.append(time.perf_counter() - start)
    return seconds


def pareto(network: Network, request: QuoteRequest) -> list[Arrival]:
    return pareto_search(QuoteModel(network, request)).arrivals


def earliest(network: Network, request: QuoteRequest) -> Arrival | None:
    return earliest_arrival(QuoteModel(network, request))


@dataclass
class Series:
    """Seconds per quote."""

    label: str
    seconds: list[float]

    @property
    def median_ms(self) -> float:
        return statistics.median(self.seconds) * 1000

    @property
    def p95_ms(self) -> float:
        return statistics.quantiles(self.seconds, n=20)[-1] * 1000

    def line(self) -> str:
        return (
            f"  {self.label:<44} median {self.median_ms:9.2f} ms   p95 {self.p95_ms:9.2f} ms"
            f"   (n={len(self.seconds)})"
        )


def run(network: Network, asked: Sequence[QuoteRequest], name: str) -> tuple[Series, Series]:
    """(a) and (b), cold then warm; prints and returns the warm series."""
    clear_caches()
    cold_a = Series("(a) Pareto search, cold", times(pareto, network, asked))
    clear_caches()
    cold_b = Series("(b) earliest arrival, cold", times(earliest, network, asked))
    for request in asked:  # one pass fills the shared caches, as in a running service
        pareto(network, request)
    warm_a = Series("(a) Pareto search, warm", times(pareto, network, asked))
    warm_b = Series("(b) earliest arrival, warm", times(earliest, network, asked))
    found = sum(1 for r in asked if pareto(network, r))
    print(f"{name}: {len(network.locations)} locations, {len(network.legs)} legs; "
          f"{len(asked)} quotes, {found} with options")  # fmt: skip
    for series in (cold_a, cold_b, warm_a, warm_b):
        print(series.line())
    print(f"  a/b warm {warm_a.median_ms / warm_b.median_ms:.2f}   "
          f"a/b cold {cold_a.median_ms / cold_b.median_ms:.2f}  (medians)")  # fmt: skip
    return warm_a, warm_b


def exact(network: Network, asked: Sequence[QuoteRequest], limits: SolverLimits) -> float:
    """(c) against (a) on constrained quotes; the minimum prices must agree. Returns c/a."""
    constrained = []
    for request in asked:
        floor = earliest_arrival(QuoteModel(network, request))
        if floor is None:
            continue
        deadline = from_minutes(floor.time) + timedelta(days=2)
        constrained.append(dataclasses.replace(request, deadline=deadline))
    search_s, cp_s = [], []
    agree = disagree = timeouts = 0
    arcs = []
    for request in constrained:
        pareto(network, request)  # warm, as for (a) warm
        start = time.perf_counter()
        arrivals = pareto(network, request)
        search_s.append(time.perf_counter() - start)
        start = time.perf_counter()
        result = solve_exact(QuoteModel(network, request), "price", limits)
        cp_s.append(time.perf_counter() - start)
        arcs.append(result.arcs)
        if result.status is not SolveStatus.OPTIMAL:
            timeouts += 1
        elif result.price_fen == min(a.price for a in arrivals):
            agree += 1
        else:
            disagree += 1
            cheapest = min(a.price for a in arrivals)
            print(
                f"  DISAGREE {request.origin} -> {request.destination}: "
                f"search {cheapest} fen, CP-SAT {result.price_fen} fen"
            )
    a, c = (
        Series("(a) Pareto search, constrained, warm", search_s),
        Series("(c) CP-SAT, constrained", cp_s),
    )
    print(f"constrained quotes (deadline = earliest + 2 days), first {len(constrained)} pairs:")
    print(a.line())
    print(c.line())
    print(
        f"  c/a {c.median_ms / a.median_ms:.0f} (medians); time-expanded arcs median "
        f"{statistics.median(arcs):,.0f}, max {max(arcs):,}"
    )
    print(
        f"  same optimum {agree}, different {disagree}, "
        f"not proved optimal within {limits.time_limit_s:g} s {timeouts}"
    )
    return c.median_ms / a.median_ms


def scaled(network: Network, copies: int, seed: int) -> Network:
    """The network with its Chinese locations and all its services copied ``copies`` times.

    Foreign ports are shared, so every copy's services call at them. One service in five of
    copy k runs on into copy k+1 (its calls after the first are that copy's), which ties the
    copies together at home too. The fee catalogue's lanes name the copies of their places;
    each copy of a city is a city of its own.
    """
    rng = random.Random(seed)
    home = {i for i, location in network.locations.items() if location.country == "CN"}

    def renamed(location: str, copy: int) -> str:
        return f"{location}~{copy}" if copy and location in home else location

    locations = dict(network.locations)
    legs = {}
    for copy in range(copies):
        for place in home:
            original = network.locations[place]
            city = original.city
            if city is not None and copy:
                city = dataclasses.replace(city, code=f"{city.code}~{copy}", aliases=())
            locations[renamed(place, copy)] = dataclasses.replace(
                original, id=renamed(place, copy), city=city
            )
        onward = {
            service: (copy + 1) % copies if rng.random() < 0.2 else copy
            for service in sorted({leg.service for leg in network.legs.values()})
        }
        for leg in network.legs.values():
            suffix = f"~{copy}" if copy else ""
            later = onward[leg.service]
            legs[leg.id + suffix] = dataclasses.replace(
                leg,
                id=leg.id + suffix,
                service=leg.service + suffix,
                origin=renamed(leg.origin, copy if leg.seq == 1 else later),
                destination=renamed(leg.destination, later),
            )
    copy_names = range(copies)

    def widened(names: frozenset[str]) -> frozenset[str]:
        return frozenset(renamed(n, copy) for n in names for copy in copy_names)

    items = {
        code: dataclasses.replace(
            item,
            applies_to=dataclasses.replace(
                item.applies_to,
                lanes=tuple(
                    Lane(widened(lane.origins), widened(lane.destinations))
                    for lane in item.applies_to.lanes
                ),
            ),
        )
        for code, item in network.tariffs.items.items()
    }
    tariffs: TariffCatalogue = dataclasses.replace(network.tariffs, items=items)
    return Network(
        locations=locations,
        legs=legs,
        tariffs=tariffs,
        emission_factors=network.emission_factors,
        sources=network.sources,
    )


def grown(
    path: Path, asked: Sequence[QuoteRequest], copies: int, seed: int
) -> tuple[float, Series]:
    """Load ``path`` (``copies`` copies of the real network), time its first quote, then run.

    Each of ``asked`` moves to a random copy. Returns the first quote's seconds and (a) warm.
    """
    started = time.perf_counter()
    network = load_network(path)
    loaded = time.perf_counter() - started
    gc.collect()
    gc.freeze()
    rng = random.Random(seed)
    moved = []
    for request in asked:
        copy = rng.randrange(copies)
        assert request.origin.location is not None
        assert request.destination.location is not None
        moved.append(
            dataclasses.replace(
                request,
                origin=Endpoint.at(copy_id(request.origin.location, copy)),
                destination=Endpoint.at(copy_id(request.destination.location, copy)),
            )
        )
    started = time.perf_counter()
    quote(network, moved[0])
    first = time.perf_counter() - started
    print(
        f"generated network {copies}x (bench/load_network.py's): loaded in {loaded:.2f} s; "
        f"its first quote {first * 1000:.1f} ms ({moved[0].origin} -> {moved[0].destination})"
    )
    warm_a, _ = run(network, moved, f"generated network {copies}x, pairs in one copy")
    return first, warm_a


def command_line(network: Network, runs: int = 5) -> float:
    """Median wall seconds of ``corridor quote Chongqing Singapore --json`` in a new process.

    Printed beside the same quote in this process: what a script calling the command pays. A
    first run, not timed, keeps the network in the user's cache folder, as any earlier command
    or a service start with the same data would have.
    """
    ready = (datetime.now(ZoneInfo("Asia/Shanghai")) + timedelta(days=7)).date().isoformat()
    command = [sys.executable, "-m", "app.cli", "quote", "Chongqing", "Singapore"]
    command += ["--ready", ready, "--json"]
    subprocess.run(command, check=True, capture_output=True)  # keeps the network (graph.kept)
    walls = []
    for _ in range(runs):
        started = time.perf_counter()
        subprocess.run(command, check=True, capture_output=True)
        walls.append(time.perf_counter() - started)
    body = QuoteIn.model_validate({"origin": "Chongqing", "destination": "SGSIN", "ready": ready})
    started = time.perf_counter()
    quote(network, quote_request(network, body, 56))
    inside = time.perf_counter() - started
    wall = statistics.median(walls)
    print(
        f"command line: corridor quote Chongqing Singapore --json, median of {runs}: "
        f"{wall:.2f} s wall (the same quote in this process, cold: {inside * 1000:.1f} ms)"
    )
    return wall


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pairs", type=int, default=200)
    parser.add_argument("--exact", type=int, default=40, help="pairs also solved with CP-SAT")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--copies", type=int, default=10)
    parser.add_argument("--time-limit", type=float, default=120.0, help="CP-SAT seconds")
    parser.add_argument("--grown", type=int, default=100, help="copies of the whole file")
    parser.add_argument("--grown-pairs", type=int, default=50)
    args = parser.parse_args()
    network = load_network(DATA / "network.geojson")
    gc.collect()
    gc.freeze()  # as the service does after loading (app/main.py)
    cli_s = command_line(network)
    asked = requests(network, args.pairs, args.seed)
    warm_a, warm_b = run(network, asked, "real network")
    limits = SolverLimits(time_limit_s=args.time_limit)
    c_over_a = exact(network, asked[: args.exact], limits) if args.exact else None
    big = scaled(network, args.copies, args.seed)
    gc.collect()
    gc.freeze()
    big_a, _ = run(big, requests(big, args.pairs, args.seed), f"generated network {args.copies}x")
    with tempfile.TemporaryDirectory() as tmp:
        path = replicate(DATA / "network.geojson", args.grown, Path(tmp))
        first_s, grown_a = grown(path, asked[: args.grown_pairs], args.grown, args.seed)
    ratio = warm_a.median_ms / warm_b.median_ms
    print("targets:")
    check("quotes", "corridor quote --json wall, median of 5", cli_s, "<=", 1.0, "s")
    check("quotes", "(a) median ms, real network, warm", warm_a.median_ms, "<=", 5.0, "ms")
    check("quotes", "a/b, warm", ratio, "<=", 5.0)
    check(
        "quotes", f"(a) median ms, {args.copies}x network, warm", big_a.median_ms, "<=", 50.0, "ms"
    )
    if c_over_a is not None:
        check("quotes", "c/a, constrained", c_over_a, ">=", 20.0)
    check("quotes", f"first quote, fresh {args.grown}x network", first_s, "<=", 1.0, "s")
    check(
        "quotes",
        f"(a) median ms, {args.grown}x network, warm",
        grown_a.median_ms,
        "<=",
        100.0,
        "ms",
    )


if __name__ == "__main__":
    main()
