"""One test per validation rule, then many planted problems reported at once."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from tests.graph.editing import (
    DELETE,
    edit,
    edit_geometry,
    has_problem,
    load_features,
    problems_of,
    replace_text,
    save_features,
)

Mutation = Callable[[Path], None]


def _duplicate_id(path: Path) -> None:
    data = load_features(path)
    data["features"][1]["properties"]["id"] = "PA"
    save_features(path, data)


def _crs(path: Path) -> None:
    data = load_features(path)
    data["crs"] = {"type": "name", "properties": {"name": "urn:ogc:def:crs:EPSG::3857"}}
    save_features(path, data)


def _break_chain(path: Path) -> None:
    edit(path, "TRAIN-2", origin="PB", mode="sea", emission_class="sea")
    edit_geometry(
        path, "TRAIN-2", {"type": "LineString", "coordinates": [[103.85, 1.29], [108.6, 21.7]]}
    )


CASES: list[tuple[str, Mutation, str, str, str]] = [
    (
        "feature type",
        lambda p: edit(p, "RV", feature_type="port"),
        "RV",
        "feature_type",
        "unknown feature_type",
    ),
    ("missing id", lambda p: edit(p, "RV", id=DELETE), "feature #6", "id", "missing id"),
    (
        "missing operator_zh",
        lambda p: edit(p, "SHIP-1", operator_zh=DELETE),
        "SHIP-1",
        "operator_zh",
        "missing",
    ),
    (
        "blank operator_zh",
        lambda p: edit(p, "BARGE-1", operator_zh="  "),
        "BARGE-1",
        "operator_zh",
        "non-empty string",
    ),
    ("duplicate id", _duplicate_id, "PA", "id", "duplicate id"),
    ("malformed id", lambda p: edit(p, "RV", id="rv port"), "rv port", "id", "upper-case"),
    (
        "unknown kind",
        lambda p: edit(p, "RV", kind="harbour"),
        "RV",
        "kind",
        "unknown value 'harbour'",
    ),
    ("country code", lambda p: edit(p, "RV", country="China"), "RV", "country", "ISO 3166"),
    ("time zone", lambda p: edit(p, "RV", tz="Asia/Nanning"), "RV", "tz", "not an IANA time zone"),
    (
        "unlocode format",
        lambda p: edit(p, "RV", unlocode="CN-RV"),
        "RV",
        "unlocode",
        "not a UN/LOCODE",
    ),
    (
        "unlocode country",
        lambda p: edit(p, "RV", unlocode="VNRVP"),
        "RV",
        "unlocode",
        "does not belong",
    ),
    (
        "point geometry",
        lambda p: edit_geometry(p, "RV", {"type": "LineString", "coordinates": [[1, 1], [2, 2]]}),
        "RV",
        "geometry",
        "needs a Point",
    ),
    (
        "coordinate range",
        lambda p: edit_geometry(p, "RV", {"type": "Point", "coordinates": [200, 23.1]}),
        "RV",
        "geometry",
        "outside lon/lat",
    ),
    (
        "handling key",
        lambda p: edit(p, "RT", handling_hours={"train>sea": 3}),
        "RT",
        "handling_hours",
        "not a mode pair",
    ),
    (
        "handling negative",
        lambda p: edit(p, "RT", handling_hours={"*>*": -1}),
        "RT",
        "*>*",
        "at least 0",
    ),
    (
        "location fee code",
        lambda p: edit(p, "PA", fees={"sea": ["NOPE"]}),
        "PA",
        "fees.sea",
        "unknown tariff code(s) NOPE",
    ),
    (
        "customs hours",
        lambda p: edit(p, "BX", customs={}),
        "BX",
        "customs",
        "exports, imports or both",
    ),
    (
        "customs fees are the countries'",
        lambda p: edit(p, "BX", customs={"export_hours": 1, "export_fees": ["CUSTOMS"]}),
        "BX",
        "export_fees",
        "unknown field",
    ),
    (
        "customs fee code",
        lambda p: replace_text(
            p.parent / "tariffs.toml", 'import_fees = ["IMP-VN"]', 'import_fees = ["IMP-XX"]'
        ),
        "customs.VN",
        "import_fees",
        "no item 'IMP-XX'",
    ),
    (
        "customs country across a crossing",
        lambda p: replace_text(p.parent / "tariffs.toml", "[customs.VN]", "[customs.LA]"),
        "BX",
        "customs",
        "no customs fees for country VN in the fee catalogue (needed at BX)",
    ),
    (
        "unknown mode",
        lambda p: edit(p, "BARGE-1", mode="hovercraft"),
        "BARGE-1",
        "mode",
        "unknown value 'hovercraft'",
    ),
    (
        "dangling endpoint",
        lambda p: edit(p, "BARGE-1", origin="NOWHERE"),
        "BARGE-1",
        "origin",
        "dangling endpoint",
    ),
    (
        "same endpoints",
        lambda p: edit(p, "BARGE-1", destination="RV"),
        "BARGE-1",
        "destination",
        "cannot end where it starts",
    ),
    (
        "timetable",
        lambda p: edit(p, "BARGE-1", departures=["WED 8am"]),
        "BARGE-1",
        "departures",
        "WED 8am",
    ),
    (
        "transit positive",
        lambda p: edit(p, "BARGE-1", transit_hours=0),
        "BARGE-1",
        "transit_hours",
        "must be positive",
    ),
    (
        "transit a number",
        lambda p: edit(p, "BARGE-1", transit_hours="a day"),
        "BARGE-1",
        "transit_hours",
        "expected a number",
    ),
    (
        "cutoff negative",
        lambda p: edit(p, "BARGE-1", cutoff_hours=-2),
        "BARGE-1",
        "cutoff_hours",
        "at least 0",
    ),
    (
        "distance positive",
        lambda p: edit(p, "TRAIN-1", distance_km=-900),
        "TRAIN-1",
        "distance_km",
        "must be positive",
    ),
    (
        "capacity missing",
        lambda p: edit(p, "BARGE-1", capacity_teu=DELETE),
        "BARGE-1",
        "capacity_teu",
        "needs a capacity",
    ),
    (
        "capacity whole",
        lambda p: edit(p, "BARGE-1", capacity_teu=0),
        "BARGE-1",
        "capacity_teu",
        "at least 1",
    ),
    (
        "cargo class",
        lambda p: edit(p, "BARGE-1", cargo_classes=["dry", "livestock"]),
        "BARGE-1",
        "cargo_classes",
        "livestock",
    ),
    (
        "status",
        lambda p: edit(p, "BARGE-1", status="maybe"),
        "BARGE-1",
        "status",
        "unknown value 'maybe'",
    ),
    (
        "validity order",
        lambda p: edit(p, "CANAL-1", valid_to="2026-01-01"),
        "CANAL-1",
        "valid_to",
        "before valid_from",
    ),
    (
        "date format",
        lambda p: edit(p, "CANAL-1", valid_from="September 2026"),
        "CANAL-1",
        "valid_from",
        "YYYY-MM-DD",
    ),
    (
        "leg tariff code",
        lambda p: edit(p, "SHIP-1", tariff=["SEA-AB", "SEA-XX"]),
        "SHIP-1",
        "tariff",
        "unknown tariff code(s) SEA-XX",
    ),
    (
        "emission class",
        lambda p: edit(p, "SHIP-1", emission_class="sea.steam"),
        "SHIP-1",
        "emission_class",
        "unknown emission class",
    ),
    (
        "emission class mode",
        lambda p: edit(p, "SHIP-1", emission_class="rail"),
        "SHIP-1",
        "emission_class",
        "is a rail factor",
    ),
    (
        "mode calls at kind",
        lambda p: edit(p, "ROAD-DP-RT-1", mode="sea", emission_class="sea"),
        "ROAD-DP-RT-1",
        "origin",
        "cannot call at DP",
    ),
    (
        "line endpoint",
        lambda p: edit_geometry(
            p, "BARGE-1", {"type": "LineString", "coordinates": [[110.6, 23.1], [108.6, 21.7]]}
        ),
        "BARGE-1",
        "geometry",
        "from its origin RV",
    ),
    (
        "line geometry",
        lambda p: edit_geometry(p, "BARGE-1", {"type": "Point", "coordinates": [109.6, 23.1]}),
        "BARGE-1",
        "geometry",
        "needs a LineString",
    ),
    ("sequence", lambda p: edit(p, "TRAIN-2", seq=3), "TRAIN-1", "seq", "numbered [1, 3]"),
    ("service chain", _break_chain, "TRAIN-2", "origin", "service TRAIN is broken"),
    (
        "stay aboard",
        lambda p: edit(p, "TRAIN-2", departures=["TUE 08:00", "FRI 08:00"]),
        "TRAIN-2",
        "departures",
        "finds no departure of TRAIN-2",
    ),
    ("missing sources", lambda p: edit(p, "RV", source=DELETE), "RV", "source", "missing"),
    (
        "unknown source",
        lambda p: edit(p, "RV", source=["FIX", "S999"]),
        "RV",
        "source",
        "unknown source id(s) S999",
    ),
    (
        "missing provenance",
        lambda p: edit(p, "BARGE-1", provenance={"geometry": {"source": ["FIX"]}}),
        "BARGE-1",
        "transit_hours",
        "no source or estimate derivation",
    ),
    (
        "estimate without derivation",
        lambda p: edit(p, "RV", provenance={"coordinates": {"estimate": True}}),
        "RV",
        "provenance.coordinates",
        "must give its derivation",
    ),
    (
        "estimate flag",
        lambda p: edit(p, "RV", estimate=True),
        "RV",
        "estimate",
        "no values are estimates",
    ),
    (
        "provenance of untracked field",
        lambda p: edit(
            p, "RV", provenance={"coordinates": {"source": ["FIX"]}, "name": {"source": ["FIX"]}}
        ),
        "RV",
        "provenance.name",
        "not a tracked field",
    ),
    ("unknown field", lambda p: edit(p, "RV", capacty_teu=3), "RV", "capacty_teu", "unknown field"),
    ("zone a number", lambda p: edit(p, "RV", tz=8), "RV", "tz", "expected an IANA time zone"),
    ("zone a list", lambda p: edit(p, "RV", tz=["Asia/Shanghai"]), "RV", "tz", "IANA time zone"),
    ("service a list", lambda p: edit(p, "SHIP-2", service=["SHIP"]), "SHIP-2", "service", ""),
    ("crs", _crs, "network.geojson", "crs", "EPSG:4326"),
    (
        "tariff duplicate",
        lambda p: replace_text(p.parent / "tariffs.toml", 'code = "TRUCK"', 'code = "RAIL-BOX"'),
        "RAIL-BOX",
        "code",
        "duplicate code",
    ),
    (
        "tariff amount",
        lambda p: replace_text(p.parent / "tariffs.toml", "amount = 800", "amount = -800"),
        "THC",
        "amount",
        "at least 0",
    ),
    (
        "tariff currency",
        lambda p: replace_text(
            p.parent / "tariffs.toml",
            'amount = 400\ncurrency = "USD"',
            'amount = 400\ncurrency = "EUR"',
        ),
        "SEA-AB",
        "currency",
        "no reference rate for EUR",
    ),
    (
        "tariff derivation",
        lambda p: replace_text(
            p.parent / "tariffs.toml", 'derivation = "made up for the fixture"\n', ""
        ),
        "THC",
        "derivation",
        "must say how",
    ),
    (
        "tariff lane",
        lambda p: replace_text(p.parent / "tariffs.toml", 'to = ["PB", "PC"]', 'to = ["PB", "PZ"]'),
        "SEA-AB",
        "applies_to.lanes",
        "unknown location(s) PZ",
    ),
    (
        "factor mode",
        lambda p: replace_text(
            p.parent / "emission_factors.toml", 'mode = "river"', 'mode = "pipeline"'
        ),
        "river",
        "mode",
        "pipeline",
    ),
    (
        "emission negative",
        lambda p: replace_text(p.parent / "emission_factors.toml", "ttw_g = 13.0", "ttw_g = -13.0"),
        "sea",
        "ttw_g",
        "at least 0",
    ),
    (
        "hub reference",
        lambda p: replace_text(
            p.parent / "emission_factors.toml", 'ambient = "terminal"', 'ambient = "quay"'
        ),
        "hub_by_kind",
        "seaport.ambient",
        "unknown 'quay'",
    ),
    (
        "source grade",
        lambda p: replace_text(p.parent / "sources.toml", 'grade = "C"', 'grade = "D"'),
        "FIX",
        "grade",
        "not one of A, B, C",
    ),
    (
        "source url",
        lambda p: replace_text(p.parent / "sources.toml", "https://example.org", "example.org"),
        "FIX",
        "url",
        "not an address",
    ),
]


@pytest.mark.parametrize(
    ("rule", "mutate", "item", "field", "fragment"), CASES, ids=[c[0] for c in CASES]
)
def test_each_rule_names_the_item_and_field(
    tiny_copy: Path, rule: str, mutate: Mutation, item: str, field: str, fragment: str
) -> None:
    assert problems_of(tiny_copy) == [], "the fixture must start valid"
    mutate(tiny_copy)
    problems = problems_of(tiny_copy)
    assert has_problem(problems, item, field, fragment), f"{rule}: {[str(p) for p in problems]}"


def test_unreadable_file_is_one_problem(tiny_copy: Path) -> None:
    tiny_copy.write_text("{not json", encoding="utf-8")
    problems = problems_of(tiny_copy)
    assert len(problems) == 1
    assert "cannot read the file" in problems[0].message


def test_missing_catalogue_is_reported_with_the_network_problems(tiny_copy: Path) -> None:
    (tiny_copy.parent / "tariffs.toml").unlink()
    edit(tiny_copy, "RV", kind="harbour")
    problems = problems_of(tiny_copy)
    assert any(p.where == "tariffs" and "file not found" in p.message for p in problems)
    assert has_problem(problems, "RV", "kind", "harbour")


PLANTED: list[tuple[str, dict[str, object], str, str, str]] = [
    ("CNQZH", {"tz": "Asia/Qinzhou"}, "CNQZH", "tz", "not an IANA time zone"),
    ("CNFAN", {"kind": "harbour"}, "CNFAN", "kind", "harbour"),
    ("CNNIG", {"source": ["S01", "NOPE-1"]}, "CNNIG", "source", "NOPE-1"),
    ("SR-CQTJ-QZH-1", {"origin": "CNCQI-XXX"}, "SR-CQTJ-QZH-1", "origin", "dangling endpoint"),
    ("SR-CD-QZH-1", {"transit_hours": -55}, "SR-CD-QZH-1", "transit_hours", "must be positive"),
    ("YCX-2", {"departures": ["SAT 18:00", "Sunday"]}, "YCX-2", "departures", "Sunday"),
    (
        "BG-SIN-DAILY-1",
        {"tariff": ["SEA-SEASIA-20", "SEA-MARS-20"]},
        "BG-SIN-DAILY-1",
        "tariff",
        "SEA-MARS-20",
    ),
    ("XJ-NIG-NSA-2", {"capacity_teu": -54}, "XJ-NIG-NSA-2", "capacity_teu", "at least 1"),
    ("YCX-1", {"operator_zh": None}, "YCX-1", "operator_zh", "missing"),
    ("XJ-NIG-NSA-1", {"operator_zh": 7}, "XJ-NIG-NSA-1", "operator_zh", "non-empty string"),
    ("PL-NIG-QZH-1", {"valid_to": "2020-01-01"}, "PL-NIG-QZH-1", "valid_to", "before valid_from"),
    ("ROAD-CNBIH-CNBHT-1", {"mode": "air"}, "ROAD-CNBIH-CNBHT-1", "origin", "air legs cannot call"),
]


def test_every_planted_problem_in_the_real_file_is_reported_at_once(data_copy: Path) -> None:
    assert problems_of(data_copy) == []
    data = load_features(data_copy)
    by_id = {feature["properties"]["id"]: feature for feature in data["features"]}
    for feature_id, changes, *_ in PLANTED:
        by_id[feature_id]["properties"].update(changes)
    save_features(data_copy, data)
    problems = problems_of(data_copy)
    missing = [
        (item, field, fragment)
        for _, _, item, field, fragment in PLANTED
        if not has_problem(problems, item, field, fragment)
    ]
    assert missing == [], [str(p) for p in problems]


def test_a_broken_customs_table_is_reported_with_every_other_problem(data_copy: Path) -> None:
    """A fee code a crossing would charge is unknown, a country across two crossings has no
    customs fees, a crossing still lists fees of its own, and a location has a bad time zone:
    all four come out of one load."""
    tariffs = data_copy.parent / "tariffs.toml"
    replace_text(
        tariffs, 'import_fees = ["IMP-DOC-VN"]', 'import_fees = ["IMP-DOC-VN", "IMP-VN-X"]'
    )
    replace_text(tariffs, '[customs.LA]\nname = "Lao PDR"\n', "")
    data = load_features(data_copy)
    by_id = {feature["properties"]["id"]: feature for feature in data["features"]}
    by_id["CNYYG"]["properties"]["customs"]["import_fees"] = ["CUSTOMS-IMP-CN"]
    by_id["CNQZH"]["properties"]["tz"] = "Asia/Qinzhou"
    save_features(data_copy, data)
    problems = problems_of(data_copy)
    expected = [
        ("customs.VN", "import_fees", "no item 'IMP-VN-X'"),
        ("CNMHN", "customs", "no customs fees for country LA in the fee catalogue "
         "(needed at CNMHN, LATHG, THNOK)"),
        ("CNYYG", "import_fees", "unknown field"),
        ("CNQZH", "tz", "not an IANA time zone"),
    ]  # fmt: skip
    missing = [case for case in expected if not has_problem(problems, *case)]
    assert missing == [], [str(p) for p in problems]
