"""The serve command end to end: a real uvicorn process on a free port."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.conftest import ROOT


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def _env(tmp_path: Path, **extra: str) -> dict[str, str]:
    env = {key: value for key, value in os.environ.items() if not key.startswith("CORRIDOR_")}
    env["CORRIDOR_DATABASE_URL"] = f"sqlite:///{tmp_path / 'serve.db'}"
    env.update(extra)
    return env


@pytest.fixture
def server(tmp_path: Path) -> Iterator[str]:
    port = _free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "app.cli", "serve", "--port", str(port)],
        cwd=ROOT,
        env=_env(tmp_path),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                if httpx.get(f"{base}/healthz", timeout=1).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            if process.poll() is not None or time.monotonic() > deadline:
                output = process.stdout.read().decode() if process.stdout else ""
                pytest.fail(f"server did not come up:\n{output}")
            time.sleep(0.2)
        yield base
    finally:
        process.terminate()
        process.wait(timeout=30)
        if process.stdout:
            process.stdout.close()


def test_serve_migrates_and_answers(server: str, tmp_path: Path) -> None:
    summary = httpx.get(f"{server}/v1/network/summary", timeout=10).json()
    assert summary["locations"] >= 60
    assert httpx.get(f"{server}/readyz", timeout=10).json()["network_version"] == summary["version"]
    assert (tmp_path / "serve.db").exists()
    assert httpx.get(f"{server}/openapi.json", timeout=10).json()["info"]["title"] == "Corridor"


def test_serve_refuses_an_invalid_network(tmp_path: Path) -> None:
    broken = tmp_path / "network.geojson"
    broken.write_text(
        '{"type": "FeatureCollection", "features": [{"type": "Feature", '
        '"geometry": null, "properties": {"id": "X", "feature_type": "port"}}]}'
    )
    result = subprocess.run(
        [sys.executable, "-m", "app.cli", "serve", "--port", str(_free_port())],
        cwd=ROOT,
        env=_env(tmp_path, CORRIDOR_NETWORK_PATH=str(broken)),
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 1
    assert "does not validate" in result.stderr
    assert "unknown feature_type 'port'" in result.stderr
