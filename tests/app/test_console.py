"""The console's files: the page at ``/``, its static files, the vendored library and basemap."""

from __future__ import annotations

import json
import re
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest

from app.console import STATIC
from app.main import create_app
from app.problem_types import PROBLEM_TYPES
from app.render.palette import MODE_COLOURS
from app.settings import Settings
from graph import Mode
from tests.conftest import TINY

pytestmark = pytest.mark.anyio


@pytest.fixture
async def client(tmp_path: Path) -> AsyncIterator[httpx.AsyncClient]:
    # static files need neither the lifespan's network nor its database
    settings = Settings(
        database_url=f"sqlite:///{tmp_path / 'console.db'}", network_path=TINY / "network.geojson"
    )
    transport = httpx.ASGITransport(app=create_app(settings))
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as http:
        yield http


async def test_the_page_is_served_at_the_root(client: httpx.AsyncClient) -> None:
    page = await client.get("/")
    assert page.status_code == 200
    assert page.headers["content-type"].startswith("text/html")
    assert '<div id="map">' in page.text
    assert "/static/vendor/leaflet/leaflet.js" in page.text


async def test_every_file_the_page_names_is_served_with_its_type(
    client: httpx.AsyncClient,
) -> None:
    page = (await client.get("/")).text
    named = re.findall(r'(?:src|href)="(/static/[^"]+)"', page)
    assert len(named) >= 4
    scripts = re.findall(r'from "\./([\w.]+)"', "".join(p.read_text() for p in STATIC.glob("*.js")))
    types = {".js": "text/javascript", ".css": "text/css", ".geojson": "application/geo+json"}
    for path in {*named, *(f"/static/{name}" for name in scripts), "/static/land.geojson"}:
        answer = await client.get(path)
        assert answer.status_code == 200, path
        assert answer.headers["content-type"].startswith(types[Path(path).suffix]), path


async def test_the_console_is_not_part_of_the_api_document(client: httpx.AsyncClient) -> None:
    paths = (await client.get("/openapi.json")).json()["paths"]
    assert "/" not in paths
    assert not [path for path in paths if path.startswith("/static")]


def test_leaflet_is_vendored_with_its_license() -> None:
    vendor = STATIC / "vendor" / "leaflet"
    assert "Leaflet 1.9.4" in (vendor / "leaflet.js").read_text()[:200]
    assert "BSD 2-Clause" in (vendor / "LICENSE").read_text()
    assert "1.9.4" in (vendor / "README.md").read_text()
    assert (vendor / "leaflet.css").exists()
    assert {p.name for p in (vendor / "images").iterdir()} >= {"layers.png", "marker-icon.png"}


def test_the_page_names_no_outside_address() -> None:
    for path in STATIC.glob("*.*"):
        if path.suffix in {".html", ".js", ".css"}:
            assert not re.search(r"https?://(?!www\.w3\.org/2000/svg)", path.read_text()), path


def test_the_basemap_is_small_land_in_two_scales() -> None:
    land = json.loads((STATIC / "land.geojson").read_text())
    assert (STATIC / "land.geojson").stat().st_size < 250_000
    assert [f["properties"]["scale"] for f in land["features"]] == ["1:110m", "1:50m"]
    for feature in land["features"]:
        for polygon in feature["geometry"]["coordinates"]:
            for ring in polygon:
                assert ring[0] == ring[-1]
                assert all(-180 <= lon <= 180 and -90 <= lat <= 90 for lon, lat in ring)


def labels() -> tuple[set[str], set[str]]:
    """The keys of the console's English and Chinese labels (app/static/i18n.js)."""
    source = (STATIC / "i18n.js").read_text()
    english, chinese = (
        set(re.findall(r'^\s+"([\w.-]+)":', block, re.MULTILINE))
        for block in source.split("\n  zh: {")
    )
    return english, chinese


def test_every_label_is_in_both_languages() -> None:
    english, chinese = labels()
    assert english == chinese
    page = (STATIC / "index.html").read_text()
    scripts = "".join(p.read_text() for p in STATIC.glob("*.js"))
    used = set(re.findall(r'data-i18n(?:-placeholder|-title)?="([\w.]+)"', page))
    used |= set(re.findall(r'\bt\("([\w.]+)"', scripts))
    assert used, "no labels found"
    assert used <= english, used - english


def test_every_problem_type_has_the_pages_words() -> None:
    english, _ = labels()
    wanted = {f"problem.type.{slug}" for slug in PROBLEM_TYPES}
    assert wanted <= english, sorted(wanted - english)
    assert "quote.reason.no-connection" in english  # keys with a hyphen are read too


async def test_the_console_and_the_report_draw_modes_in_the_same_colours(
    client: httpx.AsyncClient,
) -> None:
    answer = await client.get("/palette.css")
    assert answer.status_code == 200
    assert answer.headers["content-type"].startswith("text/css")
    served = dict(re.findall(r"--(\w+): (#[0-9a-f]{6});", answer.text))
    assert served == MODE_COLOURS
    assert set(served) == {mode.value for mode in Mode}
    # the console names the palette rather than repeating its values
    page = (await client.get("/")).text
    assert 'href="/palette.css"' in page
    for value in served.values():
        for path in STATIC.glob("*.*"):
            if path.suffix in {".css", ".js"}:
                assert value not in path.read_text().lower(), (value, path.name)
