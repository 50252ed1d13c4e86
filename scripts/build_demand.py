"""Build data/demand/default.csv, the bundled demand matrix, from published totals.

    uv run python scripts/build_demand.py [--check]

No origin-destination figure for the corridor is published, so every row is an estimate: a
published total split by a stated rule that uses the network's own authoring data
(``data/src/services.toml`` and ``data/src/locations.toml``). The four flow groups, their totals
and the rules are documented in ``data/demand/README.md`` and repeated, with the arithmetic, in
each row's ``derivation``:

A. sea-rail exports: Beibu Gulf Port's 2025 foreign-trade sea-rail boxes (January to November
   published, L-SR-FOREIGN-2025, scaled to the year) times the share of boxes carried towards the
   sea (S136), split by origin in proportion to weekly outbound sea-rail departures and by
   destination in proportion to weekly Beibu Gulf sailings calling each foreign port;
B. Nanning–Hanoi cross-border rail: the 2025 exports (L-CNVN-2025);
C. Xijiang-basin exports: Guangxi's river-port container throughput (derived from Wuzhou's figure
   and share, S135, grade C) times the outbound share of A, split by river port and by the
   destinations of A (no published figure for these exports exists);
D. Chongqing–Shanghai Direct Express (Yangtze): the 2024 downstream volume (S105), split by
   destination in proportion to weekly Shanghai sailings calling each foreign port.

Imports are each export group mirrored (the foreign port becomes the origin): A and C at the
published ratio of boxes landed to boxes carried to the sea (S136), D at the other half of the
voyages. No import figure was found for B, which has no import rows.

All arithmetic is exact (fractions); each group is rounded to whole TEU by largest remainder, so
every group sums to its rounded total. Rows are sorted; running the build twice gives the same
bytes, and ``--check`` fails when the committed file is stale.
"""

from __future__ import annotations

import argparse
import sys
import tomllib
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path
from typing import Any

from graph.demand import Demand, DemandRow, demand_to_csv
from graph.model import CargoClass
from graph.timetable import Timetable

ROOT = Path(__file__).resolve().parent.parent
SOURCES = ROOT / "data" / "src"
OUTPUT = ROOT / "data" / "demand" / "default.csv"
NAME = "default"
DESCRIPTION = (
    "Annual foreign-trade containers (TEU) between western China and the Xijiang basin and foreign "
    "ports, exports and imports: published totals split by the network's own service frequencies "
    "(data/demand/README.md)."
)

GULF_PORTS = frozenset({"CNQZH", "CNFAN", "CNBIH", "CNBHT"})
HOME_COUNTRY = "CN"
SEA_RAIL_TAG = "sea_rail"
SHANGHAI_TAG = "shanghai"
REPRESENTATIVE_TAG = "representative"

# ---------------------------------------------------------------- published inputs
#: Beibu Gulf Port's foreign-trade (外贸) sea-rail boxes, January to November 2025, TEU
#: (L-SR-FOREIGN-2025). The railway bureau's 1,425,000 TEU (S88) counts every box on the
#: corridor's trains, domestic coastal trade and bulk in boxes included: not a foreign-trade figure.
SEA_RAIL_FOREIGN_JAN_NOV_2025_TEU = 146_000
#: Sea-rail boxes Q1 2022: all, and those carried towards the sea (下水) (S136).
SEA_RAIL_Q1_2022_TEU = 170_000
SEA_RAIL_Q1_2022_TO_SEA_TEU = 63_000
#: Nanning–Hanoi trains, TEU carried from Guangxi to Vietnam in 2025 (L-CNVN-2025).
NANNING_HANOI_2025_TEU = 37_000
#: Wuzhou port container throughput 2023 and its share of Guangxi's river ports (S135, grade C).
WUZHOU_TEU_2023 = 1_007_100
WUZHOU_SHARE_OF_GUANGXI_RIVER_PORTS = Fraction(65, 100)
#: Chongqing–Shanghai Direct Express: voyages in H1 2024; TEU and voyages to July 2024 (S105).
YUSHEN_VOYAGES_H1_2024 = 530
YUSHEN_TEU_TO_JULY_2024 = 1_390_800
YUSHEN_VOYAGES_TO_JULY_2024 = 5_523

NANNING_RAILWAY_PORT = "CNNIN-IRP"
HANOI_YEN_VIEN = "VNYEV"
WUZHOU = "CNWUZ"
OTHER_RIVER_PORTS = ("CNNIG", "CNGUG")
CHONGQING_GUOYUAN = "CNCQI-GYP"

NO_SHARES = (
    "No foreign-trade or reefer share was published: all counted as dry exports abroad "
    "(an upper bound)."
)


@dataclass(frozen=True)
class Cell:
    """One group's part of one row: its exact TEU and how it was derived."""

    group: str
    origin: str
    destination: str
    exact: Fraction
    sources: tuple[str, ...]
    #: The derivation, given the rounded TEU of this part.
    explain: Callable[[int], str]


def main(argv: Sequence[str] | None = None) -> int:
    """Write (or with ``--check`` verify) data/demand/default.csv."""
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--check", action="store_true", help="fail if the output is stale")
    parser.add_argument("--output", type=Path, default=OUTPUT)
    args = parser.parse_args(argv)
    demand = build()
    text = demand_to_csv(demand)
    if args.check:
        current = args.output.read_text(encoding="utf-8") if args.output.exists() else ""
        if current != text:
            print(f"{args.output} is stale: run scripts/build_demand.py", file=sys.stderr)
            return 1
        print(f"{args.output} is up to date")
        return 0
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(text, encoding="utf-8")
    print(
        f"wrote {args.output}: {len(demand.rows)} rows, {demand.total_teu:,.0f} TEU, "
        f"{len(demand.origins)} origins, {len(demand.destinations)} destinations"
    )
    return 0


# ---------------------------------------------------------------- the matrix
def build() -> Demand:
    """The bundled matrix: groups A–D, each rounded to its total, rows merged and sorted."""
    countries, services = read_sources()
    groups = all_groups(services, countries)
    parts: dict[tuple[str, str], list[tuple[Cell, int]]] = {}
    for cells in groups.values():
        for cell, teu in zip(cells, apportion([c.exact for c in cells]), strict=True):
            if teu <= 0:
                msg = f"{cell.origin}->{cell.destination} rounds to {teu} TEU"
                raise ValueError(msg)
            parts.setdefault((cell.origin, cell.destination), []).append((cell, teu))
    rows = [_row(origin, destination, parts[origin, destination]) for origin, destination in parts]
    rows.sort(key=lambda row: row.key)
    return Demand(name=NAME, rows=tuple(rows), description=DESCRIPTION)


def group_totals() -> dict[str, int]:
    """The rounded total of each group, which its rows sum to."""
    countries, services = read_sources()
    groups = all_groups(services, countries)
    return {name: sum(apportion([c.exact for c in cells])) for name, cells in groups.items()}


def all_groups(
    services: Sequence[Mapping[str, Any]], countries: Mapping[str, str]
) -> dict[str, list[Cell]]:
    """The export groups A–D and the imports mirrored from A, C and D (A', C', D')."""
    ashore = SEA_RAIL_Q1_2022_TEU - SEA_RAIL_Q1_2022_TO_SEA_TEU
    landed = Fraction(ashore, SEA_RAIL_Q1_2022_TO_SEA_TEU)
    ratio = (
        f"x {ashore:,}/{SEA_RAIL_Q1_2022_TO_SEA_TEU:,}, boxes landed (上岸) per box carried to "
        "the sea (下水) on the sea-rail trains in Q1 2022 (S136)"
    )
    exports = {
        "A": sea_rail_cells(services, countries),
        "B": cross_border_cells(),
        "C": xijiang_cells(services, countries),
        "D": yangtze_cells(services, countries),
    }
    return exports | {
        "A'": mirrored(exports["A"], "A'", landed, ratio, ("S136",)),
        "C'": mirrored(exports["C"], "C'", landed, ratio, ("S136",)),
        "D'": mirrored(
            exports["D"],
            "D'",
            Fraction(1),
            "x 1, the other half of the voyages (upstream, S105)",
            ("S105",),
        ),
    }


def mirrored(
    cells: Sequence[Cell],
    group: str,
    factor: Fraction,
    ratio: str,
    sources: tuple[str, ...],
) -> list[Cell]:
    """Imports mirrored from export ``cells``: the foreign port sends ``factor`` times as much."""

    def explain(cell: Cell) -> Callable[[int], str]:
        return lambda teu: (
            f"Rule {group} (data/demand/README.md), imports mirrored from rule {cell.group}: "
            f"{cell.destination} -> {cell.origin} = the export flow {cell.origin} -> "
            f"{cell.destination}, {float(cell.exact):,.1f} TEU before rounding, {ratio} "
            f"= {teu:,} TEU. {NO_SHARES.replace('exports abroad', 'imports from abroad')}"
        )

    return [
        Cell(
            group,
            cell.destination,
            cell.origin,
            cell.exact * factor,
            tuple(dict.fromkeys(cell.sources + sources)),
            explain(cell),
        )
        for cell in cells
    ]


def read_sources() -> tuple[dict[str, str], list[dict[str, Any]]]:
    """Location countries by id, and the services as authored (reverse services not included)."""
    with (SOURCES / "locations.toml").open("rb") as handle:
        locations = tomllib.load(handle)
    with (SOURCES / "services.toml").open("rb") as handle:
        services = tomllib.load(handle)
    countries = {entry["id"]: entry["country"] for entry in locations["location"]}
    active = [s for s in services["service"] if s.get("status", "active") == "active"]
    return countries, active


def weekly(service: Mapping[str, Any]) -> int:
    """Departures a week of a service at its first call."""
    return Timetable.parse(service["departures"]).per_week


def outbound_train_weights(services: Iterable[Mapping[str, Any]]) -> dict[str, int]:
    """Weekly departures of outbound sea-rail trains (inland -> Gulf) by first call.

    Trains tagged ``representative`` (no timetable or frequency published for the origin) are
    left out; a train calling at several inland terminals counts for its first call.
    """
    weights: dict[str, int] = {}
    for service in services:
        tags = set(service.get("tags", ()))
        calls = service["calls"]
        if (
            service["mode"] == "rail"
            and SEA_RAIL_TAG in tags
            and REPRESENTATIVE_TAG not in tags
            and calls[0] not in GULF_PORTS
            and calls[-1] in GULF_PORTS
        ):
            weights[calls[0]] = weights.get(calls[0], 0) + weekly(service)
    return weights


def sailing_weights(
    services: Iterable[Mapping[str, Any]],
    countries: Mapping[str, str],
    calls_here: Callable[[Mapping[str, Any]], bool],
) -> dict[str, int]:
    """Weekly sailings calling each foreign port, over the sea services ``calls_here`` selects.

    Each authored service counts its weekly departures once for every foreign port on its
    rotation (a port called twice on a loop counts once; return services are not counted).
    """
    weights: dict[str, int] = {}
    for service in services:
        if service["mode"] != "sea" or not calls_here(service):
            continue
        for port in dict.fromkeys(service["calls"]):
            if countries[port] != HOME_COUNTRY:
                weights[port] = weights.get(port, 0) + weekly(service)
    return weights


def gulf_sailings(
    services: Iterable[Mapping[str, Any]], countries: Mapping[str, str]
) -> dict[str, int]:
    """Weekly sailings of services calling a Beibu Gulf port, by foreign port called."""
    return sailing_weights(services, countries, lambda s: bool(GULF_PORTS & set(s["calls"])))


def shanghai_sailings(
    services: Iterable[Mapping[str, Any]], countries: Mapping[str, str]
) -> dict[str, int]:
    """Weekly sailings of Shanghai's own services (tag ``shanghai``), by foreign port called."""
    return sailing_weights(services, countries, lambda s: SHANGHAI_TAG in s.get("tags", ()))


def outbound_share() -> Fraction:
    """Share of corridor sea-rail boxes carried towards the sea (Q1 2022, S136)."""
    return Fraction(SEA_RAIL_Q1_2022_TO_SEA_TEU, SEA_RAIL_Q1_2022_TEU)


def sea_rail_total() -> Fraction:
    """Group A: outbound foreign-trade sea-rail TEU 2025 (January to November scaled to 12)."""
    return SEA_RAIL_FOREIGN_JAN_NOV_2025_TEU * Fraction(12, 11) * outbound_share()


def sea_rail_cells(
    services: Sequence[Mapping[str, Any]], countries: Mapping[str, str]
) -> list[Cell]:
    """Group A: the outbound sea-rail total by origin train share x destination sailing share."""
    total = sea_rail_total()
    origins = outbound_train_weights(services)
    destinations = gulf_sailings(services, countries)
    trains, sailings = sum(origins.values()), sum(destinations.values())
    head = (
        f"Rule A (data/demand/README.md): Beibu Gulf foreign-trade sea-rail boxes, "
        f"{SEA_RAIL_FOREIGN_JAN_NOV_2025_TEU:,} TEU January to November 2025 "
        f"(L-SR-FOREIGN-2025), x 12/11 for the year, x {SEA_RAIL_Q1_2022_TO_SEA_TEU:,}/"
        f"{SEA_RAIL_Q1_2022_TEU:,} carried towards the sea (Q1 2022, S136) = "
        f"{round(total):,} TEU outbound"
    )
    cells = []
    for origin, o_weight in sorted(origins.items()):
        for destination, d_weight in sorted(destinations.items()):
            share = (
                f"x {o_weight}/{trains} of weekly outbound sea-rail departures (from {origin}) "
                f"x {d_weight}/{sailings} of weekly Beibu Gulf sailings (calling {destination}) "
                "in data/src/services.toml"
            )
            cells.append(
                Cell(
                    "A",
                    origin,
                    destination,
                    total * Fraction(o_weight, trains) * Fraction(d_weight, sailings),
                    ("L-SR-FOREIGN-2025", "S136"),
                    _explainer(head, share),
                )
            )
    return cells


def cross_border_cells() -> list[Cell]:
    """Group B: Nanning–Hanoi train exports, 2025."""
    exact = Fraction(NANNING_HANOI_2025_TEU)
    head = (
        f"Rule B (data/demand/README.md): {NANNING_HANOI_2025_TEU:,} TEU carried from Guangxi "
        "to Vietnam by the China–Vietnam trains in 2025 (L-CNVN-2025)"
    )
    return [
        Cell(
            "B",
            NANNING_RAILWAY_PORT,
            HANOI_YEN_VIEN,
            exact,
            ("L-CNVN-2025",),
            lambda teu: f"{head} = {teu:,} TEU. All dry: no reefer share published.",
        )
    ]


def xijiang_total() -> Fraction:
    """Group C: Guangxi river-port container throughput x the outbound share of group A."""
    return WUZHOU_TEU_2023 / WUZHOU_SHARE_OF_GUANGXI_RIVER_PORTS * outbound_share()


def xijiang_cells(
    services: Sequence[Mapping[str, Any]], countries: Mapping[str, str]
) -> list[Cell]:
    """Group C: Xijiang-basin exports by river port share x the destination shares of A."""
    throughput = WUZHOU_TEU_2023 / WUZHOU_SHARE_OF_GUANGXI_RIVER_PORTS
    total = xijiang_total()
    rest = (1 - WUZHOU_SHARE_OF_GUANGXI_RIVER_PORTS) / len(OTHER_RIVER_PORTS)
    ports = {WUZHOU: WUZHOU_SHARE_OF_GUANGXI_RIVER_PORTS} | dict.fromkeys(OTHER_RIVER_PORTS, rest)
    destinations = gulf_sailings(services, countries)
    sailings = sum(destinations.values())
    head = (
        "Rule C (data/demand/README.md): no published figure for Xijiang-basin container "
        f"exports was found. Guangxi river-port container throughput 2023 = Wuzhou "
        f"{WUZHOU_TEU_2023:,} TEU / {_percent(WUZHOU_SHARE_OF_GUANGXI_RIVER_PORTS)} (S135, "
        f"grade C) = {round(throughput):,} TEU, x {SEA_RAIL_Q1_2022_TO_SEA_TEU:,}/"
        f"{SEA_RAIL_Q1_2022_TEU:,}, the share of corridor sea-rail boxes carried towards the sea "
        f"(S136), as a proxy (no Xijiang direction split found) = {round(total):,} TEU"
    )
    cells = []
    for port, port_share in sorted(ports.items()):
        port_text = (
            f"x {_percent(port_share)} for {port} (Wuzhou's published share)"
            if port == WUZHOU
            else f"x {_percent(port_share)} for {port} (the rest split equally between "
            f"{' and '.join(OTHER_RIVER_PORTS)}: no port figure found)"
        )
        for destination, d_weight in sorted(destinations.items()):
            share = (
                f"{port_text} x {d_weight}/{sailings} of weekly Beibu Gulf sailings "
                f"(calling {destination}) in data/src/services.toml, the destination mix of rule A"
            )
            cells.append(
                Cell(
                    "C",
                    port,
                    destination,
                    total * port_share * Fraction(d_weight, sailings),
                    ("S135", "S136"),
                    _explainer(head, share),
                )
            )
    return cells


def yangtze_total() -> Fraction:
    """Group D: Direct Express TEU a year downstream (half the voyages of a year)."""
    per_voyage = Fraction(YUSHEN_TEU_TO_JULY_2024, YUSHEN_VOYAGES_TO_JULY_2024)
    return YUSHEN_VOYAGES_H1_2024 * 2 * per_voyage / 2


def yangtze_cells(
    services: Sequence[Mapping[str, Any]], countries: Mapping[str, str]
) -> list[Cell]:
    """Group D: Chongqing's Yangtze exports by the destinations of Shanghai's own sailings."""
    total = yangtze_total()
    per_voyage = YUSHEN_TEU_TO_JULY_2024 / YUSHEN_VOYAGES_TO_JULY_2024
    destinations = shanghai_sailings(services, countries)
    sailings = sum(destinations.values())
    head = (
        "Rule D (data/demand/README.md): Chongqing–Shanghai Direct Express, "
        f"{YUSHEN_VOYAGES_H1_2024} voyages in H1 2024 x 2 for the year x {per_voyage:.1f} TEU a "
        f"voyage ({YUSHEN_TEU_TO_JULY_2024:,} TEU over {YUSHEN_VOYAGES_TO_JULY_2024:,} voyages "
        "to July 2024), half of them downstream (S105) = "
        f"{round(total):,} TEU"
    )
    cells = []
    for destination, d_weight in sorted(destinations.items()):
        share = (
            f"x {d_weight}/{sailings} of weekly Shanghai sailings (calling {destination}) in "
            "data/src/services.toml"
        )
        cells.append(
            Cell(
                "D",
                CHONGQING_GUOYUAN,
                destination,
                total * Fraction(d_weight, sailings),
                ("S105",),
                _explainer(head, share),
            )
        )
    return cells


def apportion(values: Sequence[Fraction]) -> list[int]:
    """Whole numbers summing to the rounded total: floors, then the largest remainders get 1.

    Ties go to the earlier value, so the result is deterministic.
    """
    floors = [int(v) for v in values]  # values are positive: int() is the floor
    missing = round(sum(values, Fraction(0))) - sum(floors)
    order = sorted(range(len(values)), key=lambda i: (-(values[i] - floors[i]), i))
    for index in order[:missing]:
        floors[index] += 1
    return floors


def _row(origin: str, destination: str, parts: Sequence[tuple[Cell, int]]) -> DemandRow:
    teu = sum(part_teu for _, part_teu in parts)
    sources = tuple(dict.fromkeys(s for cell, _ in parts for s in cell.sources))
    if len(parts) == 1:
        cell, part_teu = parts[0]
        derivation = cell.explain(part_teu)
    else:
        pieces = " ".join(
            f"({n}) {cell.explain(part_teu)}" for n, (cell, part_teu) in enumerate(parts, 1)
        )
        derivation = f"Sum of {len(parts)} flows, {teu:,} TEU: {pieces}"
    return DemandRow(origin, destination, CargoClass.DRY, float(teu), sources, derivation)


def _explainer(head: str, share: str) -> Callable[[int], str]:
    return lambda teu: f"{head}; {share} = {teu:,} TEU. {NO_SHARES}"


def _percent(share: Fraction) -> str:
    return f"{float(share) * 100:g} %"


if __name__ == "__main__":
    sys.exit(main())
