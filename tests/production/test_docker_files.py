"""The Dockerfile, its entry point and compose.yaml, checked statically (no Docker engine runs
where the suite runs): the properties the deployment relies on, each stated once."""

from __future__ import annotations

import re
import subprocess
from typing import Any

import yaml

from tests.conftest import ROOT


def instructions() -> list[tuple[str, str, str]]:
    """(stage, instruction, arguments) of every Dockerfile line, continuations joined."""
    text = re.sub(r"\\\n", " ", (ROOT / "Dockerfile").read_text())
    stage, found = "", []
    for line in text.splitlines():
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        word, _, rest = line.partition(" ")
        if word.upper() == "FROM":
            stage = rest.split(" AS ")[-1].strip() if " AS " in rest else rest
        found.append((stage, word.upper(), rest.strip()))
    return found


def test_dockerfile_is_multi_stage_and_runs_unprivileged() -> None:
    lines = instructions()
    stages = [args for _, word, args in lines if word == "FROM"]
    assert len(stages) >= 2, stages
    assert any(" AS builder" in s for s in stages)
    runtime = [(word, args) for stage, word, args in lines if stage == "runtime"]
    users = [args for word, args in runtime if word == "USER"]
    assert users, "the runtime stage sets no USER"
    assert users[-1].split(":")[0] not in {"root", "0"}
    # the runtime stage installs nothing: it copies the builder's virtualenv
    assert not any(word == "RUN" and "uv sync" in args for word, args in runtime)
    assert any(word == "COPY" and "--from=builder" in args for word, args in runtime)
    assert any(word == "HEALTHCHECK" and "/readyz" in args for word, args in runtime)
    assert ("ENTRYPOINT", '["/app/docker/entrypoint.sh"]') in runtime


def test_dockerfile_installs_the_lock_and_validates_the_network() -> None:
    builder = [(word, args) for stage, word, args in instructions() if stage == "builder"]
    syncs = [args for word, args in builder if word == "RUN" and "uv sync" in args]
    assert syncs
    assert all("--frozen" in s and "--no-dev" in s for s in syncs)
    validate = [
        i
        for i, (word, args) in enumerate(builder)
        if word == "RUN" and "corridor network validate" in args
    ]
    data = [i for i, (word, args) in enumerate(builder) if word == "COPY" and "data" in args]
    assert validate, "the build does not validate the network"
    assert data
    assert data[0] < validate[0]


def test_entrypoint_migrates_before_serving_and_runs_workers() -> None:
    script = ROOT / "docker" / "entrypoint.sh"
    text = script.read_text()
    assert script.stat().st_mode & 0o111, "entrypoint.sh is not executable"
    assert text.index("corridor db upgrade") < text.index("exec corridor serve")
    assert "exec corridor worker" in text
    subprocess.run(["sh", "-n", str(script)], check=True)  # it parses


def test_compose_runs_replicas_a_worker_postgres_and_redis() -> None:
    compose: dict[str, Any] = yaml.safe_load((ROOT / "compose.yaml").read_text())
    services = compose["services"]
    assert {"api", "worker", "postgres", "redis"} <= set(services)
    api, worker = services["api"], services["worker"]
    assert api["deploy"]["replicas"] >= 2
    assert worker["command"][0] == "worker"
    for name in ("postgres", "redis"):
        assert "healthcheck" in services[name], name
        assert api["depends_on"][name]["condition"] == "service_healthy"
    for service in (api, worker):
        env = service["environment"]
        assert env["CORRIDOR_DATABASE_URL"].startswith("postgresql")
        assert env["CORRIDOR_BROKER_URL"].startswith("redis://redis:")
        assert env["CORRIDOR_RATE_LIMIT_REDIS_URL"].startswith("redis://redis:")
        assert env["CORRIDOR_ENVIRONMENT"] == "production"
    # replicas cannot all publish one host port
    published = [str(p).split(":")[0] for p in api["ports"]]
    assert all("-" in p for p in published), published


def test_dockerignore_keeps_secrets_and_local_state_out() -> None:
    ignored = set((ROOT / ".dockerignore").read_text().split())
    assert {".git", ".venv", ".env", "*.db"} <= ignored
    assert "data" not in ignored
    assert "alembic" not in ignored
