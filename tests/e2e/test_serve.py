"""The serve command end to end: a real uvicorn process on a free port."""

from __future__ import annotations

import json
import re
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pytest

from scripts.topology import free_port
from tests.conftest import ROOT
from tests.e2e.server import create_key, environment, running


@pytest.fixture
def server(tmp_path: Path) -> Iterator[str]:
    with running(tmp_path) as base:
        yield base


def demo_key(tmp_path: Path) -> dict[str, str]:
    """Headers with the key serve printed on its empty database."""
    printed = (tmp_path / "serve.log").read_text()
    match = re.search(r"Authorization: Bearer (cor_\S+?)'", printed)
    assert match, printed
    return {"Authorization": f"Bearer {match[1]}"}


def test_serve_migrates_and_answers(server: str, tmp_path: Path) -> None:
    headers = demo_key(tmp_path)
    summary = httpx.get(f"{server}/v1/network/summary", headers=headers, timeout=10).json()
    assert summary["locations"] >= 60
    assert httpx.get(f"{server}/readyz", timeout=10).json()["network_version"] == summary["version"]
    assert (tmp_path / "serve.db").exists()
    assert httpx.get(f"{server}/openapi.json", timeout=10).json()["info"]["title"] == "Corridor"
    assert httpx.get(f"{server}/v1/locations/CNQZH", headers=headers, timeout=10).status_code == 200


def test_serve_with_two_workers_scrapes_the_metrics_of_both(tmp_path: Path) -> None:
    """Each worker writes its metrics to a shared folder: every scrape adds them up, whichever
    worker answers it, and the folder goes when the service stops."""
    healthz = re.compile(
        r'corridor_http_request_duration_seconds_count\{method="GET",route="/healthz",'
        r'status="200"\} (\S+)'
    )
    before = set(Path(tempfile.gettempdir()).glob("corridor-metrics-*"))
    with running(tmp_path, "--workers", "2") as base:
        for _ in range(30):  # a new connection each: the workers share them out
            assert httpx.get(f"{base}/healthz", timeout=10).status_code == 200
        counts = []
        for _ in range(6):
            found = healthz.search(httpx.get(f"{base}/metrics", timeout=10).text)
            assert found
            counts.append(float(found[1]))
        assert len(set(counts)) == 1  # the start-up probes count too
        assert counts[0] >= 30
        assert len(set(Path(tempfile.gettempdir()).glob("corridor-metrics-*")) - before) == 1
    assert set(Path(tempfile.gettempdir()).glob("corridor-metrics-*")) - before == set()


def test_serve_refuses_an_invalid_network(tmp_path: Path) -> None:
    broken = tmp_path / "network.geojson"
    broken.write_text(
        '{"type": "FeatureCollection", "features": [{"type": "Feature", '
        '"geometry": null, "properties": {"id": "X", "feature_type": "port"}}]}'
    )
    result = subprocess.run(
        [sys.executable, "-m", "app.cli", "serve", "--port", str(free_port())],
        cwd=ROOT,
        env=environment(tmp_path, CORRIDOR_NETWORK_PATH=str(broken)),
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 1
    assert "does not validate" in result.stderr
    assert "unknown feature_type 'port'" in result.stderr


def test_key_quote_book_waybill_cancel(server: str, tmp_path: Path) -> None:
    headers = create_key(tmp_path, "Nanning Forwarding", "forwarder")
    ready = (datetime.now(UTC) + timedelta(days=5)).date().isoformat()
    with httpx.Client(base_url=server, headers=headers, timeout=60) as http:
        quote = http.post(
            "/v1/quotes",
            json={
                "origin": "CNCQI-TJC",
                "destination": "SGSIN",
                "ready": ready,
                "cargo": {"box": "42G1", "count": 2},
            },
        )
        assert quote.status_code == 201, quote.text
        options = quote.json()["options"]
        assert options
        chosen = next(o for o in options if "recommended" in o["labels"])
        booking = http.post(
            "/v1/bookings",
            json={
                "quote_id": quote.json()["id"],
                "option_id": chosen["id"],
                "shipper": {"name": "Chongqing Machinery Export Co."},
                "consignee": {"name": "Singapore Distribution Pte Ltd"},
            },
            headers={"Idempotency-Key": "e2e-1"},
        )
        assert booking.status_code == 201, booking.text
        booked = booking.json()
        assert booked["reservations"]
        assert all(r["teu"] == 4 for r in booked["reservations"])  # two 40-foot boxes
        waybill = http.get(f"/v1/bookings/{booked['id']}/waybill")
        assert waybill.json()["waybill_number"] == booked["waybill_number"]
        assert waybill.json()["place_of_receipt"] == "CNCQI-TJC"
        printable = http.get(f"/v1/bookings/{booked['id']}/waybill", params={"format": "html"})
        assert booked["waybill_number"] in printable.text
        cancelled = http.post(f"/v1/bookings/{booked['id']}/cancel")
        assert cancelled.json()["status"] == "cancelled"
        first = booked["reservations"][0]
        leg = next(
            f["properties"]
            for f in chosen["legs"]["features"]
            if f["properties"]["departure_key"] == first["departure_key"]
        )
        start = datetime.fromisoformat(leg["departure"])
        departures = http.get(
            f"/v1/services/{leg['service']}/departures",
            params={"from": start.isoformat(), "to": (start + timedelta(minutes=1)).isoformat()},
        ).json()["items"]
        (row,) = [d for d in departures if d["departure_key"] == first["departure_key"]]
        assert row["booked_teu"] == 0
        metrics = http.get("/metrics").text
        assert 'corridor_bookings_total{outcome="created"} 1.0' in metrics
        assert 'corridor_bookings_total{outcome="cancelled"} 1.0' in metrics
    logged = [
        json.loads(line)
        for line in (tmp_path / "serve.log").read_text().splitlines()
        if line.startswith("{")
    ]
    assert any(entry.get("route") == "/v1/bookings" and entry.get("request_id") for entry in logged)
