"""Demand matrices: the CSV parser and the bundled matrix (data/demand/default.csv)."""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import replace
from fractions import Fraction
from pathlib import Path

import pytest

import graph.demand
from graph import (
    CargoClass,
    Demand,
    DemandError,
    DemandRow,
    Network,
    NetworkValidationError,
    Problem,
    demand_to_csv,
    load_demand,
    parse_demand_csv,
)
from tests.conftest import DATA

HEADER = "origin,destination,cargo_class,teu_per_year,source,derivation\n"
BUNDLED = DATA / "demand" / "default.csv"


def problems(
    text: str, network: Network, known_sources: Collection[str] | None = None
) -> list[tuple[str, str, str]]:
    """(row, column, message) of every problem, in the order reported."""
    with pytest.raises(DemandError) as error:
        parse_demand_csv(text, network, "test", known_sources=known_sources)
    return [(p.item, p.field, p.message) for p in error.value.problems]


@pytest.fixture(scope="module")
def coded_network(tiny_network: Network) -> Network:
    """The tiny network with UN/LOCODEs: PA is CNPAA, PB SGPBB, and DP and RT share CNDPR."""
    codes = {"PA": "CNPAA", "PB": "SGPBB", "DP": "CNDPR", "RT": "CNDPR"}
    locations = {
        lid: replace(location, unlocode=codes.get(lid))
        for lid, location in tiny_network.locations.items()
    }
    return Network(
        locations=locations,
        legs=tiny_network.legs,
        tariffs=tiny_network.tariffs,
        emission_factors=tiny_network.emission_factors,
        sources=tiny_network.sources,
    )


# ---------------------------------------------------------------------------- parsing
def test_a_valid_matrix_reads(tiny_network: Network) -> None:
    text = (
        HEADER
        + "DP,PB,dry,1200,FIX,\n"
        + 'RT,PC,reefer,300.5,FIX; FIX2 ,"half of DP, by assumption"\n'
        + "DP,PC,dangerous,10,,\n"
        + "DP,PB,reefer,20,,\n"
    )
    demand = parse_demand_csv(text, tiny_network, "small", description="a test")
    assert demand.name == "small"
    assert demand.description == "a test"
    assert len(demand.rows) == 4
    assert demand.total_teu == pytest.approx(1530.5)
    assert demand.pairs == 3  # DP->PB counts once for its two cargo classes
    assert demand.origins == ("DP", "RT")
    assert demand.destinations == ("PB", "PC")
    assert demand.by_key() == {
        ("DP", "PB", "dry"): 1200.0,
        ("RT", "PC", "reefer"): 300.5,
        ("DP", "PC", "dangerous"): 10.0,
        ("DP", "PB", "reefer"): 20.0,
    }
    first, second = demand.rows[0], demand.rows[1]
    assert first == DemandRow("DP", "PB", CargoClass.DRY, 1200.0, ("FIX",), None)
    assert not first.estimate
    assert second.sources == ("FIX", "FIX2")
    assert second.derivation == "half of DP, by assumption"
    assert second.estimate


def test_every_problem_is_reported_at_once_with_row_and_column(tiny_network: Network) -> None:
    text = (
        HEADER
        + "DP,PB,dry,100,,\n"  # row 2: fine
        + "XX,PB,dry,100,,\n"  # row 3: unknown origin
        + "DP,DP,dry,100,,\n"  # row 4: origin == destination
        + "DP,PB,bulk,100,,\n"  # row 5: bulk
        + "DP,PC,frozen,100,,\n"  # row 6: unknown class
        + "DP,PC,dry,abc,,\n"  # row 7: not a number
        + "DP,PC,dry,-5,,\n"  # row 8: negative
        + "RT,PC,dry,0,,\n"  # row 9: zero
        + "RT,PB,dry,nan,,\n"  # row 10: not finite
        + "RT,VD,dry,2e8,,\n"  # row 11: absurd
        + "DP,PB,dry,5,,\n"  # row 12: repeats row 2
        + ",,,,,\n"  # row 13: blank, skipped
        + ",PB,,,,\n"  # row 14: three missing values
        + "DP,PC,dry,1,,,extra\n"  # row 15: more values than columns
    )
    found = problems(text, tiny_network)
    assert found == [
        ("row 3", "origin", "unknown location 'XX': not a location id or UN/LOCODE"),
        ("row 4", "destination", "same location as the origin (DP)"),
        ("row 5", "cargo_class", "bulk is not carried in containers: use one of dry, reefer, "
         "dangerous"),
        ("row 6", "cargo_class", "unknown cargo class 'frozen' (one of dry, reefer, dangerous)"),
        ("row 7", "teu_per_year", "not a number: 'abc'"),
        ("row 8", "teu_per_year", "must be positive, got -5"),
        ("row 9", "teu_per_year", "must be positive, got 0"),
        ("row 10", "teu_per_year", "not a finite number: 'nan'"),
        ("row 11", "teu_per_year", "2e8 TEU a year is implausible (at most 100,000,000)"),
        ("row 12", "", "repeats row 2: one row per origin, destination and cargo class"),
        ("row 14", "origin", "missing"),
        ("row 14", "cargo_class", "missing (one of dry, reefer, dangerous)"),
        ("row 14", "teu_per_year", "missing"),
        ("row 15", "", "7 values but the header has 6 columns"),
    ]  # fmt: skip


def test_the_error_names_the_demand_matrix_and_keeps_file_order(tiny_network: Network) -> None:
    rows = "".join(f"DP,PB,dry,{-n},,\n" for n in range(1, 12))
    with pytest.raises(DemandError) as error:
        parse_demand_csv(HEADER + rows, tiny_network, "test")
    assert isinstance(error.value, NetworkValidationError)
    assert [p.item for p in error.value.problems] == [f"row {n}" for n in range(2, 13)]
    message = str(error.value)
    assert message.startswith("11 problems in the demand matrix:")
    assert "demand: row 10/teu_per_year: must be positive, got -9" in message
    assert error.value.problems[0] == Problem(
        "demand", "row 2", "teu_per_year", "must be positive, got -1"
    )


def test_header_problems(tiny_network: Network) -> None:
    text = "Origin,destinaton,teu_per_year,weight,,origin\nDP,PB,10,1,,\n"
    found = problems(text, tiny_network)
    assert (
        "row 1",
        "destinaton",
        "unknown column (did you mean 'destination'?) (columns: "
        "origin, destination, cargo_class, teu_per_year, source, derivation)",
    ) in found
    assert (
        "row 1",
        "weight",
        "unknown column (columns: origin, destination, cargo_class, "
        "teu_per_year, source, derivation)",
    ) in found
    assert ("row 1", "column 5", "has no name") in found
    assert ("row 1", "origin", "appears twice in the header") in found
    assert ("row 1", "destination", "required column missing") in found
    assert ("row 1", "cargo_class", "required column missing") in found
    # Rows are still read for the columns that are there: nothing wrong with them.
    assert all(item == "row 1" for item, _, _ in found)


def test_empty_file_and_header_only(tiny_network: Network) -> None:
    assert problems("", tiny_network) == [("", "", "the file is empty: expected a header row")]
    assert problems("\n\n", tiny_network) == [("", "", "the file is empty: expected a header row")]
    assert problems(HEADER + "\n", tiny_network) == [("", "", "no data rows after the header")]


def test_bom_crlf_and_blank_lines(tiny_network: Network) -> None:
    text = "\ufeff" + HEADER.replace("\n", "\r\n") + "DP,PB,dry,10,,\r\n\r\n\r\nRT,PC,dry,5,,\r\n"
    demand = parse_demand_csv(text, tiny_network, "crlf")
    assert demand.by_key() == {("DP", "PB", "dry"): 10.0, ("RT", "PC", "dry"): 5.0}
    # Blank lines count as rows, as a spreadsheet shows them: the bad row is row 5.
    bad = "\ufeff" + HEADER.replace("\n", "\r\n") + "DP,PB,dry,10,,\r\n\r\n\r\nRT,PC,dry,x,,\r\n"
    assert problems(bad, tiny_network) == [("row 5", "teu_per_year", "not a number: 'x'")]


def test_a_quoted_value_spanning_lines_is_one_row(tiny_network: Network) -> None:
    text = HEADER + 'DP,PB,dry,10,,"two\nlines"\nRT,PC,dry,-1,,\n'
    assert problems(text, tiny_network) == [("row 3", "teu_per_year", "must be positive, got -1")]


def test_invalid_csv_is_a_problem_not_a_crash(tiny_network: Network) -> None:
    text = HEADER + 'DP,PB,dry,10,,"unterminated\n'
    found = problems(text, tiny_network)
    assert len(found) == 1
    assert found[0][0] == "row 2"
    assert found[0][2].startswith("not valid CSV")


def test_locodes_resolve_to_their_location(coded_network: Network) -> None:
    text = HEADER + "CNPAA,SGPBB,dry,10,,\nPA,pc,dry,4,,\ncnpaa,PC,reefer,1,,\n"
    demand = parse_demand_csv(text, coded_network, "codes")
    assert demand.by_key() == {
        ("PA", "PB", "dry"): 10.0,
        ("PA", "PC", "dry"): 4.0,
        ("PA", "PC", "reefer"): 1.0,
    }


def test_a_locode_of_several_locations_is_ambiguous(coded_network: Network) -> None:
    text = HEADER + "CNDPR,SGPBB,dry,10,,\nDP,SGPBB,dry,10,,\n"
    assert problems(text, coded_network) == [
        ("row 2", "origin",
         "UN/LOCODE 'CNDPR' names 2 locations (DP, RT): give the location id"),
    ]  # fmt: skip


def test_a_locode_and_its_location_id_are_the_same_cell(coded_network: Network) -> None:
    text = HEADER + "CNPAA,PB,dry,10,,\nPA,SGPBB,dry,10,,\n"
    assert problems(text, coded_network) == [
        ("row 3", "", "repeats row 2: one row per origin, destination and cargo class"),
    ]


def test_near_misses_get_a_hint(coded_network: Network) -> None:
    found = problems(HEADER + "CNPAB,PB,dry,10,,\n", coded_network)
    assert found == [
        ("row 2", "origin",
         "unknown location 'CNPAB' (did you mean 'CNPAA'?): not a location id or UN/LOCODE"),
    ]  # fmt: skip


def test_sources_are_checked_only_when_known_ids_are_given(tiny_network: Network) -> None:
    text = HEADER + "DP,PB,dry,10,FIX;NOPE,\n"
    assert parse_demand_csv(text, tiny_network, "free").rows[0].sources == ("FIX", "NOPE")
    assert problems(text, tiny_network, known_sources=set(tiny_network.sources)) == [
        ("row 2", "source", "unknown source id 'NOPE'"),
    ]


def test_the_row_limit(tiny_network: Network, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(graph.demand, "MAX_ROWS", 3)
    rows = "DP,PB,dry,1,,\nRT,PB,dry,x,,\nDP,PC,dry,1,,\nRT,PC,dry,1,,\nRT,PC,dry,y,,\n"
    found = problems(HEADER + rows, tiny_network)
    assert found == [
        ("row 3", "teu_per_year", "not a number: 'x'"),  # rows up to the limit are checked
        ("row 5", "", "more than 3 data rows"),  # and none after it
    ]
    ok = "".join(f"DP,P{c},dry,1,,\n" for c in "BC") + "RT,PB,dry,1,,\n"
    assert len(parse_demand_csv(HEADER + ok, tiny_network, "at the limit").rows) == 3


def test_the_default_row_limit_and_teu_ceiling() -> None:
    assert graph.demand.MAX_ROWS == 20_000
    assert graph.demand.MAX_TEU_PER_YEAR == 1e8


def test_demand_refuses_a_repeated_cell() -> None:
    row = DemandRow("DP", "PB", CargoClass.DRY, 1.0)
    with pytest.raises(DemandError, match="already given by entry 1"):
        Demand("twice", (row, replace(row, teu_per_year=2.0)))


def test_csv_round_trip(tiny_network: Network) -> None:
    text = HEADER + 'DP,PB,dry,1200,FIX,\nRT,PC,reefer,300.5,FIX;FIX2,"a, b"\n'
    demand = parse_demand_csv(text, tiny_network, "trip")
    written = demand_to_csv(demand)
    assert written == text
    assert parse_demand_csv(written, tiny_network, "trip") == demand


def test_load_demand_reads_a_file_and_names_it(tmp_path: Path, tiny_network: Network) -> None:
    path = tmp_path / "study-2030.csv"
    path.write_bytes(("\ufeff" + HEADER + "DP,PB,dry,10,,\r\n").encode("utf-8"))
    demand = load_demand(path, tiny_network)
    assert demand.name == "study-2030"
    assert demand.total_teu == 10


def test_load_demand_reports_unreadable_files(tmp_path: Path, tiny_network: Network) -> None:
    with pytest.raises(DemandError, match="file not found"):
        load_demand(tmp_path / "missing.csv", tiny_network)
    latin = tmp_path / "latin.csv"
    latin.write_bytes((HEADER + "DP,PB,dry,10,,caf\xe9\n").encode("latin-1"))
    with pytest.raises(DemandError, match="not UTF-8 text"):
        load_demand(latin, tiny_network)


# ---------------------------------------------------------------------------- the bundled matrix
def test_the_bundled_matrix_reads_against_the_real_network(real_network: Network) -> None:
    demand = load_demand(BUNDLED, real_network, known_sources=set(real_network.sources))
    assert demand.name == "default"
    assert 400 <= len(demand.rows) <= 800  # exports and their mirrored imports
    assert {row.cargo_class for row in demand.rows} == {CargoClass.DRY}
    inland = {"CNCQI-TJC", "CNCDU-CXG", "CNKNM-WJY", "CNGYA-DLY", "CNLAZ-ZCB", "CNXIA-XIP"}
    xijiang = {"CNNIG", "CNGUG", "CNWUZ"}
    assert inland | xijiang <= set(demand.origins)
    assert {"SGSIN", "VNHPH", "THLCH", "MYPKG", "VNYEV"} <= set(demand.destinations)
    assert inland | xijiang <= set(demand.destinations)  # imports
    for row in demand.rows:
        countries = {
            real_network.get_location(row.origin).country,
            real_network.get_location(row.destination).country,
        }
        assert "CN" in countries, row.key
        assert len(countries) == 2, row.key  # foreign trade only
        assert row.teu_per_year.is_integer(), row.key


def test_every_bundled_row_says_where_it_comes_from(real_network: Network) -> None:
    demand = load_demand(BUNDLED, real_network, known_sources=set(real_network.sources))
    for row in demand.rows:
        assert row.sources, row.key
        # No origin-destination figure is published: every row is an estimate with its rule.
        assert row.derivation is not None, row.key
        assert "Rule " in row.derivation, row.key
        assert f"{int(row.teu_per_year):,} TEU" in row.derivation, row.key


def test_the_bundled_totals_match_the_published_totals(real_network: Network) -> None:
    from scripts import build_demand as build

    demand = load_demand(BUNDLED, real_network)
    totals = build.group_totals()
    # A: 146,000 foreign-trade sea-rail TEU Jan-Nov 2025 (L-SR-FOREIGN-2025) x 12/11 x
    # 63,000/170,000 carried to the sea (S136); A' the landed 107,000/170,000.
    assert build.SEA_RAIL_FOREIGN_JAN_NOV_2025_TEU == 146_000
    year = Fraction(146_000 * 12, 11)
    assert totals["A"] == round(year * Fraction(63, 170)) == 59_025
    assert totals["A'"] == round(year * Fraction(107, 170)) == 100_248
    # B: 37,000 TEU carried to Vietnam by the Nanning trains in 2025 (L-CNVN-2025); no imports.
    assert totals["B"] == 37_000
    assert demand.by_key()[("CNNIN-IRP", "VNYEV", "dry")] == 37_000
    assert ("VNYEV", "CNNIN-IRP", "dry") not in demand.by_key()
    # C: Wuzhou 1,007,100 TEU = 65 % of Guangxi's river ports (S135) x the share to the sea.
    river = Fraction(1_007_100 * 100, 65)
    assert totals["C"] == round(river * Fraction(63, 170)) == 574_184
    assert totals["C'"] == round(river * Fraction(107, 170)) == 975_201
    # D: 530 voyages in H1 2024 x 1,390,800 TEU / 5,523 voyages (S105), half downstream, x 2;
    # D' the other half.
    assert totals["D"] == totals["D'"] == round(Fraction(530 * 1_390_800, 5_523)) == 133_464
    assert demand.total_teu == sum(totals.values()) == 2_012_586
    xijiang = {"CNNIG", "CNGUG", "CNWUZ"}
    by_key = demand.by_key()
    assert sum(t for (o, _, _), t in by_key.items() if o in xijiang) == totals["C"]
    assert sum(t for (_, d, _), t in by_key.items() if d in xijiang) == totals["C'"]
    # an import row mirrors its export row at the landed ratio (before rounding)
    assert by_key[("SGSIN", "CNWUZ", "dry")] == pytest.approx(
        by_key[("CNWUZ", "SGSIN", "dry")] * 107 / 63, abs=1
    )


def test_the_bundled_file_is_built_from_its_sources() -> None:
    from scripts.build_demand import build

    assert demand_to_csv(build()) == BUNDLED.read_text(encoding="utf-8")


def test_apportion_keeps_the_total() -> None:
    from scripts.build_demand import apportion

    values = [Fraction(1, 3)] * 3 + [Fraction(5, 2)]
    assert apportion(values) == [1, 0, 0, 3]
    assert sum(apportion(values)) == round(sum(values))
