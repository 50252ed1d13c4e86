"""Studies over HTTP: demand uploads, a study job from request to report, and the canal study."""

from __future__ import annotations

import asyncio
import csv
import html
import io
import re
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from fastapi import FastAPI

from app.db.engine import upgrade
from app.main import create_app
from app.render.palette import MODE_COLOURS
from app.roles import Role
from app.settings import Settings
from tests.app.conftest import make_key

pytestmark = pytest.mark.anyio

CANAL = {"name": "canal open", "ops": [{"op": "enable", "ids": ["CANAL"]}]}
TINY_DEMAND = (
    "origin,destination,cargo_class,teu_per_year\n"
    "DP,PB,dry,9000\n"
    "RV,PA,dry,12000\n"
    "RV,PC,reefer,300\n"
    "RT,VD,dry,800\n"
)


async def finished(client: httpx.AsyncClient, headers: dict[str, str], study: str) -> Any:
    for _ in range(600):
        seen = (await client.get(f"/v1/studies/{study}", headers=headers)).json()
        if seen["status"] in {"succeeded", "failed"}:
            return seen
        await asyncio.sleep(0.05)
    pytest.fail(f"study {study} did not finish: {seen}")


async def upload(client: httpx.AsyncClient, headers: dict[str, str], text: str) -> httpx.Response:
    return await client.post(
        "/v1/demand-matrices",
        params={"name": "tiny test"},
        content=text.encode(),
        headers=headers | {"Content-Type": "text/csv"},
    )


async def test_a_demand_upload_lists_every_bad_row_and_stores_nothing(
    client: httpx.AsyncClient, database_url: str
) -> None:
    planner = make_key(database_url, "Org A", Role.PLANNER)
    broken = (
        "origin,destination,cargo_class,teu_per_year\n"
        "DP,PB,dry,100\n"
        "NOWHERE,PB,dry,100\n"
        "DP,DP,dry,5\n"
        "DP,PC,bulk,5\n"
        "DP,PC,dry,-3\n"
        "DP,PB,dry,7\n"
    )
    answer = await upload(client, planner, broken)
    assert answer.status_code == 422
    assert answer.headers["content-type"].startswith("application/problem+json")
    items = [e["item"] for e in answer.json()["errors"]]
    assert items == ["row 3", "row 4", "row 5", "row 6", "row 7"]
    listed = (await client.get("/v1/demand-matrices", headers=planner)).json()
    assert listed["items"] == []  # nothing stored; the bundled matrix does not fit this network
    no_columns = await upload(client, planner, "origin\n")
    assert no_columns.status_code == 422
    answer = await client.post(
        "/v1/demand-matrices",
        params={"name": "x"},
        content="origin,destination\n".encode("utf-16"),
        headers=planner | {"Content-Type": "text/csv"},
    )
    assert answer.status_code == 422
    assert answer.json()["errors"][0]["field"] == "body"


async def test_a_study_runs_from_request_to_report(
    client: httpx.AsyncClient, database_url: str
) -> None:
    planner = make_key(database_url, "Org A", Role.PLANNER)
    other = make_key(database_url, "Org B", Role.PLANNER)
    stored = await upload(client, planner, TINY_DEMAND)
    assert stored.status_code == 201, stored.text
    matrix = stored.json()
    assert (matrix["pairs"], matrix["total_teu"]) == (4, 22100)
    rows = await client.get(f"/v1/demand-matrices/{matrix['id']}/rows.csv", headers=planner)
    assert next(iter(csv.DictReader(io.StringIO(rows.text))))["origin"] == "DP"

    started = await client.post(
        "/v1/studies",
        json={
            "name": "canal on the tiny network",
            "scenarios": ["base", CANAL],
            "demand": matrix["id"],
            "value_of_time_cny_per_teu_hour": 5,
            "start": "2027-01-04",
        },
        headers=planner,
    )
    assert started.status_code == 202, started.text
    assert started.headers["location"] == f"/v1/studies/{started.json()['id']}"
    study = await finished(client, planner, started.json()["id"])
    assert study["status"] == "succeeded", study["error"]
    result = study["result"]
    base, canal = result["scenarios"]
    assert (base["label"], canal["label"]) == ("base", "canal open")
    for part in (base, canal):
        for row in part["outcomes"]["capacitated"]["legs"]:
            if row["capacity_teu"] is not None:
                assert row["teu"] <= row["capacity_teu"] + 1e-6
    canal_leg = next(r for r in canal["outcomes"]["capacitated"]["legs"] if r["leg"] == "CANAL-1")
    assert canal_leg["teu"] > 0
    assert not any(r["leg"] == "CANAL-1" for r in base["outcomes"]["capacitated"]["legs"])
    # one barge a week of 100 TEU cannot take 12,000 TEU: the rest is left behind, priced
    barge = next(r for r in base["outcomes"]["capacitated"]["legs"] if r["leg"] == "BARGE-1")
    assert barge["utilisation"] == pytest.approx(1.0)
    assert barge["shadow_price_cny_per_teu"] > 0
    assert base["outcomes"]["capacitated"]["totals"]["unserved_teu"] > 0
    comparison = result["comparisons"][0]
    assert comparison["totals"]["unserved_teu"]["change"] < 0
    water = {row["location"]: row for row in canal["water_to_sea"]}
    assert water["RV"]["to"] == "PA"

    page = await client.get(f"/v1/studies/{study['id']}/report", headers=planner)
    assert page.status_code == 200
    assert page.headers["content-type"].startswith("text/html")
    assert page.text.count("<svg") >= 6
    assert "canal open" in page.text
    assert "Water distance to the sea" in page.text
    # drawn in the palette the console reads as CSS variables (/palette.css)
    assert all(colour in page.text for colour in MODE_COLOURS.values())
    # in 中文 when asked: only codes, units and names without a Chinese one stay in Latin letters
    chinese = await client.get(
        f"/v1/studies/{study['id']}/report", params={"lang": "zh"}, headers=planner
    )
    assert chinese.status_code == 200
    assert '<html lang="zh-CN">' in chinese.text
    assert "各情景并列比较" in chinese.text
    assert "基准" in chinese.text  # the base scenario by its Chinese name
    assert "海运" in chinese.text
    # the names the planner gave, and the tiny network's places (no Chinese names)
    given = ("canal on the tiny network", "canal open")
    places = ("Dry Port", "Port Alpha", "Port Bravo", "Port Charlie", "River Port")
    tiny_names = (*given, *places, "Rail Terminal", "Border Crossing", "Vietnam Depot")
    left = latin_words(chinese.text, tiny_names)
    assert left == [], " ".join(left)
    assert latin_words(page.text, tiny_names)  # the check can fail: English is found
    refused = await client.get(
        f"/v1/studies/{study['id']}/report", params={"lang": "fr"}, headers=planner
    )
    assert refused.status_code == 422
    flows = await client.get(
        f"/v1/studies/{study['id']}/flows.geojson",
        params={"scenario": "canal open", "assignment": "capacitated"},
        headers=planner,
    )
    assert flows.headers["content-type"].startswith("application/geo+json")
    features = flows.json()["features"]
    assert {f["properties"]["scenario"] for f in features} == {"canal open"}
    assert any(f["properties"]["leg"] == "CANAL-1" for f in features)
    table = await client.get(f"/v1/studies/{study['id']}/tables/pairs.csv", headers=planner)
    assert table.headers["content-type"].startswith("text/csv")
    pairs = list(csv.DictReader(io.StringIO(table.text)))
    assert len(pairs) == 2 * 2 * 4  # scenarios x assignments x cells
    listed = (await client.get("/v1/studies", headers=planner)).json()
    assert [s["id"] for s in listed["items"]] == [study["id"]]
    for path in ("", "/report", "/flows.geojson", "/tables/pairs.csv"):
        assert (
            await client.get(f"/v1/studies/{study['id']}{path}", headers=other)
        ).status_code == 404


# what the report marks as not its own words: data files' English (lang=en) and the names
# planners gave (translate=no)
MARKED = re.compile(r"<(\w+)\b[^>]*\b(?:lang=en|translate=no)\b[^>]*>.*?</\1>", re.DOTALL)
# Latin letters allowed in 中文: codes (CNQZH, BARGE-1, 4a1f0c), units, file names
CODES = re.compile(
    r"(?<![A-Za-z0-9])(?:[A-Z0-9][A-Za-z0-9.\-]*[A-Z0-9]|[0-9a-f]{6,}|CO2e|kg|km|TEU|h)"
    r"(?![A-Za-z0-9])|data/\S+"
)


def latin_words(page: str, names: tuple[str, ...]) -> list[str]:
    """The words in Latin letters left in ``page``'s text once its marked parts, ``names``
    (proper names without a Chinese one), codes and units are taken out."""
    text = MARKED.sub(" ", re.sub(r"<style>.*?</style>", " ", page, flags=re.DOTALL))
    text = html.unescape(re.sub(r"<[^>]+>", " ", text))
    for name in names:
        text = text.replace(name, " ")
    return re.findall(r"[A-Za-z]{2,}", CODES.sub(" ", text))


async def test_study_requests_are_checked(client: httpx.AsyncClient, database_url: str) -> None:
    planner = make_key(database_url, "Org A", Role.PLANNER)
    forwarder = make_key(database_url, "Org A", Role.FORWARDER)
    body: dict[str, Any] = {
        "scenarios": ["base"],
        "demand": "default",
        "value_of_time_cny_per_teu_hour": 5,
    }
    assert (await client.post("/v1/studies", json=body, headers=forwarder)).status_code == 403
    unusable = await client.post("/v1/studies", json=body, headers=planner)
    assert unusable.status_code == 409  # the bundled matrix names places the tiny network lacks
    assert unusable.json()["type"].endswith("default-demand-unusable")
    bad_op = {"name": "x", "ops": [{"op": "enable", "ids": ["NO-SUCH"]}]}
    answer = await client.post(
        "/v1/studies", json=body | {"scenarios": ["base", bad_op]}, headers=planner
    )
    assert answer.status_code == 422
    assert answer.json()["errors"][0]["field"] == "body.scenarios.1.ops"
    unknown = await client.post(
        "/v1/studies", json=body | {"scenarios": ["sc_nothing"]}, headers=planner
    )
    assert unknown.status_code == 404
    twice = await client.post(
        "/v1/studies", json=body | {"scenarios": ["base", "base"]}, headers=planner
    )
    assert twice.status_code == 422
    assert twice.json()["errors"][0]["field"] == "body.scenarios.1"
    # the tiny network has no base year, so no calibrated value of time to fall back on
    missing = await client.post("/v1/studies", json={"scenarios": ["base"]}, headers=planner)
    assert missing.status_code == 422
    (error,) = missing.json()["errors"]
    assert error["field"] == "body.value_of_time_cny_per_teu_hour"
    assert "calibrated" in error["message"]
    none = await client.get("/v1/studies/job_nothing/report", headers=planner)
    assert none.status_code == 404


@pytest.fixture
async def real_client(tmp_path: Any) -> AsyncIterator[httpx.AsyncClient]:
    """The service on the bundled network and demand (SQLite)."""
    url = f"sqlite:///{tmp_path / 'corridor.db'}"
    upgrade(url)
    application: FastAPI = create_app(Settings(database_url=url))
    async with application.router.lifespan_context(application):
        transport = httpx.ASGITransport(app=application)
        async with httpx.AsyncClient(transport=transport, base_url="http://test") as http:
            http.headers.update(make_key(url, "Planning office", Role.PLANNER))
            yield http


async def test_the_pinglu_canal_study_on_the_bundled_demand(
    real_client: httpx.AsyncClient,
) -> None:
    """Base against "Pinglu Canal open" on the calibrated base year: the canal carries boxes,
    Xijiang-basin boxes leave by Qinzhou instead of the Guangzhou outlet, the base carries its
    demand and the result and report hold the calibration table, and the report gives Nanning's
    water distance to the sea in both."""
    canal = {"name": "Pinglu Canal open", "ops": [{"op": "enable", "tags": ["pinglu_canal"]}]}
    started = await real_client.post(
        "/v1/studies",
        json={
            "name": "Pinglu Canal",
            "scenarios": ["base", canal],
            "start": "2027-01-04",
            "sensitivity": True,
        },
    )
    assert started.status_code == 202, started.text
    study = await finished(real_client, {}, started.json()["id"])
    assert study["status"] == "succeeded", study["error"]
    base, opened = study["result"]["scenarios"]
    xijiang = {"CNNIG", "CNGUG", "CNWUZ"}

    def via(part: dict[str, Any], assignment: str, gateway: str) -> float:
        return sum(
            float(p["served_teu"])
            for p in part["outcomes"][assignment]["pairs"]
            if p["origin"] in xijiang and p["gateway"] == gateway
        )

    for assignment in ("capacitated", "all_or_nothing"):
        canal_teu = sum(
            r["teu"] for r in opened["outcomes"][assignment]["legs"] if "pinglu_canal" in r["tags"]
        )
        assert canal_teu > 0, assignment
    for assignment in ("capacitated", "all_or_nothing"):
        assert via(opened, assignment, "CNQZH") > via(base, assignment, "CNQZH"), assignment
    calibration = study["result"]["calibration"]
    assert calibration["scenario"] == "base"
    assert calibration["value_of_time"] == calibration["calibrated_value_of_time"]
    assert calibration["unserved_teu"] <= 0.05 * calibration["demand_teu"]
    assert {row["target"] for row in calibration["rows"]} >= {"wuzhou-port"}
    assert all(row["within"] or row["gap"] for row in calibration["rows"])
    (compared,) = study["result"]["comparisons"]
    assert any("Qinzhou Port +" in line for line in compared["explanation"])
    sensitivity = {row["indicator"]: row for row in compared["sensitivity"]}
    qinzhou = sensitivity["gateway Qinzhou Port (TEU)"]
    assert set(qinzhou["changes"]) == {"0.5", "1", "2"}
    assert qinzhou["robust"]  # the canal draws boxes to Qinzhou at every value of time tried
    assert len(study["result"]["scenarios"]) == 2  # the sensitivity runs are not listed
    water = {
        part["label"]: next(r for r in part["water_to_sea"] if r["location"] == "CNNIG")
        for part in (base, opened)
    }
    # without the canal the Xijiang reaches the sea in the Pearl River delta, and further
    assert water["base"]["to"] in ("CNNSA", "CNSHK")
    assert water["base"]["km"] > 2 * 291
    assert water["Pinglu Canal open"]["to"] == "CNQZH"
    assert water["Pinglu Canal open"]["km"] == pytest.approx(291)
    page = (await real_client.get(f"/v1/studies/{study['id']}/report")).text
    assert f"{water['base']['km']:,.0f} km to {water['base']['to']}" in page
    assert "291 km to CNQZH" in page
    assert "Base year 2025: calibration" in page
    assert "Wuzhou port container throughput" in page
    assert "Sensitivity: the change at other values of time" in page
    # in 中文: places by their Chinese names, the base year's targets as its file writes them
    chinese = (
        await real_client.get(f"/v1/studies/{study['id']}/report", params={"lang": "zh"})
    ).text
    assert "至钦州港 291 公里" in chinese
    assert "基准年 2025：校准" in chinese
    assert "<td lang=en>Wuzhou port container throughput</td>" in chinese
    assert "敏感性：" in chinese
    left = latin_words(chinese, ("Pinglu Canal open", "Pinglu Canal", "Hong Kong"))
    assert left == [], " ".join(left)
