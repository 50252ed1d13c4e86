"""A real ``corridor serve`` process on a free port, and keys made with the real CLI."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from scripts.topology import free_port, serving
from tests.conftest import ROOT


def environment(tmp_path: Path, **extra: str) -> dict[str, str]:
    """This process's environment without CORRIDOR_ settings, on a database in ``tmp_path``."""
    env = {key: value for key, value in os.environ.items() if not key.startswith("CORRIDOR_")}
    env["CORRIDOR_DATABASE_URL"] = f"sqlite:///{tmp_path / 'serve.db'}"
    env.update(extra)
    return env


@contextmanager
def running(tmp_path: Path, *options: str, **extra: str) -> Iterator[str]:
    """Serve until the block ends; yields the base URL. The log is ``tmp_path/serve.log``.

    ``options`` go to ``corridor serve`` (``--workers 2``), ``extra`` into its environment.
    """
    port = free_port()
    output = tmp_path / "serve.log"
    with output.open("wb") as log:
        command = ["serve", "--port", str(port), *options]
        process = subprocess.Popen(
            [sys.executable, "-m", "app.cli", *command],
            cwd=ROOT,
            env=environment(tmp_path, **extra),
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    base = f"http://127.0.0.1:{port}"
    try:
        if not serving(base, process, time.monotonic() + 60, "/healthz"):
            pytest.fail(f"server did not come up:\n{output.read_text()}")
        yield base
    finally:
        process.terminate()
        process.wait(timeout=30)


def create_key(tmp_path: Path, organisation: str, role: str) -> dict[str, str]:
    """Authorization headers of a key made by ``corridor keys create``."""
    created = subprocess.run(
        [sys.executable, "-m", "app.cli", "keys", "create", "--org", organisation, "--role", role],
        cwd=ROOT,
        env=environment(tmp_path),
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    key = created.stdout.strip().splitlines()[-1]
    assert key.startswith("cor_"), created.stdout
    return {"Authorization": f"Bearer {key}"}
