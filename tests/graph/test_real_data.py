"""The real network file: it validates, meets the issue's counts, and is reproducible."""

from __future__ import annotations

import hashlib
import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from graph import Location, Mode, Network, ServiceLeg, Status, summarize
from tests.conftest import DATA


def test_real_network_counts(real_network: Network) -> None:
    summary = summarize(real_network)
    assert summary.locations >= 60
    assert summary.legs >= 150
    assert summary.sea_rail_services >= 14
    sea_services = sum(
        1 for legs in real_network.services.values() if all(leg.mode is Mode.SEA for leg in legs)
    )
    assert sea_services >= 30
    assert set(summary.legs_by_mode) >= {"sea", "rail", "river", "canal", "road"}


def test_required_places_exist(real_network: Network) -> None:
    required = {
        "CNQZH", "CNBIH", "CNBHT", "CNFAN", "CNNIN-IRP", "CNNIG", "CNGUG", "CNWUZ", "CNNSA",
        "CNLZH", "CNGUI", "CNBSE", "CNLBI", "CNHEZ", "CNPIN", "CNYYG", "CNDOX", "CNCQI-TJC",
        "CNCQI-GYP", "CNCDU-CXG", "CNKNM-WJY", "CNGYA-DLY", "CNLAZ-ZCB", "CNXIA-XIP",
        "CN-ZHONGWEI", "CNXNT", "CNCSH", "CNNHN", "CNNCH", "CNHJJ", "CNZGO", "CNZNY",
        "VN-DONGDANG", "VNYEV", "VNHPH", "SGSIN", "MYPKG", "VNCLI", "THLCH", "IDTPP", "PHMNL",
        "KRPUS", "JPYOK", "HKHKG", "CNYPG", "CNSHG", "CNTXG", "CNRZH", "NLRTM", "AEJEA",
        "INNSA", "USLAX", "BRSSZ", "ZADUR",
    }  # fmt: skip
    assert required <= set(real_network.locations)


def test_every_place_has_a_chinese_name(real_network: Network) -> None:
    # the console shows places in Chinese and finds them by their Chinese names (新加坡, 河内)
    unnamed = sorted(loc.id for loc in real_network.locations.values() if not loc.name_zh)
    assert unnamed == []
    assert real_network.locations["SGSIN"].name_zh == "新加坡港"
    assert real_network.locations["VNYEV"].name_zh == "河内安员货运站"


def test_every_service_names_its_operator_in_chinese(real_network: Network) -> None:
    # the console shows operators in Chinese (data/src/operators.toml)
    unnamed = sorted(leg.id for leg in real_network.legs.values() if not leg.operator_zh)
    assert unnamed == []
    by_operator = {leg.operator: leg.operator_zh for leg in real_network.legs.values()}
    assert by_operator["China Railway Nanning group"] == "中国铁路南宁局集团有限公司"
    assert by_operator["COSCO Shipping Lines"] == "中远海运集装箱运输有限公司"
    assert by_operator["intra-Asia carriers"] == "亚洲区内航线承运人"
    assert by_operator["container trucking"] == "集装箱卡车运输"


def test_every_inland_terminal_has_a_sea_rail_train_to_the_gulf(real_network: Network) -> None:
    gulf = {"CNQZH", "CNFAN", "CNBIH"}
    inland = {
        "CNCQI-TJC", "CNCQI-GYP", "CNCDU-CXG", "CNKNM-WJY", "CNGYA-DLY", "CNLAZ-ZCB", "CNXIA-XIP",
        "CN-ZHONGWEI", "CNXNT", "CNCSH", "CNNHN", "CNNCH", "CNHJJ", "CNZGO", "CNZNY",
    }  # fmt: skip
    for terminal in inland:
        trains = [
            legs
            for legs in real_network.services.values()
            if "sea_rail" in legs[0].tags and legs[0].origin == terminal
        ]
        assert any(legs[-1].destination in gulf for legs in trains), terminal
        returns = [
            legs
            for legs in real_network.services.values()
            if "sea_rail" in legs[0].tags and legs[-1].destination == terminal
        ]
        assert returns, terminal


def test_pinglu_canal_is_planned_until_it_opens(real_network: Network) -> None:
    canal = real_network.legs_tagged("pinglu_canal")
    assert canal
    assert all(leg.status is Status.PLANNED and leg.valid_from is not None for leg in canal)
    assert any(leg.mode is Mode.CANAL for leg in canal)


def test_every_scheduled_leg_that_runs_has_departures(real_network: Network) -> None:
    start = datetime(2026, 12, 7, tzinfo=UTC)
    for leg in real_network.legs.values():
        if leg.status is Status.ACTIVE and not leg.timetable.continuous:
            assert real_network.departures(leg.id, start, start + timedelta(days=7)), leg.id


def test_every_feature_cites_known_sources(real_network: Network) -> None:
    known = set(real_network.sources)
    records: list[Location | ServiceLeg] = [
        *real_network.locations.values(),
        *real_network.legs.values(),
    ]
    for record in records:
        assert set(record.source) <= known, record.id
        assert record.source or all(p.estimate for p in record.provenance.values()), record.id
        for provenance in record.provenance.values():
            assert set(provenance.sources) <= known
            assert provenance.sources or provenance.derivation, record.id


def test_the_data_file_is_built_from_its_sources() -> None:
    from scripts.build_network import build, render

    assert render(build()) == (DATA / "network.geojson").read_text(encoding="utf-8")


def test_every_problem_of_the_operator_names_is_listed_at_once(tmp_path: Path) -> None:
    from scripts.build_network import read_operator_names

    registry = tmp_path / "sources.toml"
    registry.write_text('[N-ONE]\ntitle = "a page"\n', encoding="utf-8")
    names = tmp_path / "operators.toml"
    names.write_text(
        '[[operator]]\nname = "Alpha Lines"\nname_zh = "阿尔法"\nsource = ["N-ONE"]\n'
        '[[operator]]\nname = "Beta Lines"\nname_zh = " "\nsource = ["N-ONE"]\n'
        '[[operator]]\nname = "Gamma Lines"\nname_zh = "伽马"\nsource = ["N-NONE"]\n'
        '[[operator]]\nname = "Delta Lines"\nname_zh = "德尔塔"\n'
        '[[operator]]\nname = "Alpha Lines"\nname_zh = "阿尔法"\nderivation = "again"\n'
        '[[operator]]\nname = "Epsilon Lines"\nname_zh = "伊普西龙"\nestimate = true\n',
        encoding="utf-8",
    )
    with pytest.raises(SystemExit) as failed:
        read_operator_names(names, registry)
    message = str(failed.value)
    assert "'Beta Lines'): name_zh missing" in message
    assert "'Gamma Lines'): unknown source id(s) N-NONE" in message
    assert "'Delta Lines'): neither a source nor a derivation" in message
    assert "'Alpha Lines'): named twice" in message
    assert "'Alpha Lines'): an estimate, and only an estimate, says its derivation" in message
    assert "'Epsilon Lines'): an estimate, and only an estimate" in message
    names.write_text(
        '[[operator]]\nname = "Alpha Lines"\nname_zh = " 阿尔法 "\nsource = ["N-ONE"]\n',
        encoding="utf-8",
    )
    assert read_operator_names(names, registry) == {"Alpha Lines": "阿尔法"}


def test_the_build_refuses_an_operator_without_a_chinese_name_and_a_stale_name(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from scripts import build_network

    names = build_network.read_operator_names()
    names.pop("APL")
    names["APL Lines"] = "美国总统轮船"
    monkeypatch.setattr(build_network, "read_operator_names", lambda: names)
    with pytest.raises(SystemExit) as failed:
        build_network.build()
    assert str(failed.value) == (
        "operators.toml: no Chinese name for 'APL'; 'APL Lines' runs no service"
    )


def test_real_network_version_is_the_hash_of_its_data(real_network: Network) -> None:
    text = json.dumps(
        real_network.to_data(), sort_keys=True, ensure_ascii=False, separators=(",", ":")
    )
    assert real_network.version == hashlib.sha256(text.encode()).hexdigest()[:16]
