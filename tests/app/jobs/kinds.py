"""Job kinds of the Celery tests; tests/app/jobs/celery_worker.py imports them into the worker."""

from __future__ import annotations

import os
import signal
import time
from typing import Any

from app.jobs.registry import JobContext, Progress, parted_kind


def plan_numbers(context: JobContext, params: dict[str, Any]) -> list[dict[str, Any]]:
    return [{"n": n} for n in params["numbers"]]


def add_up(
    context: JobContext, params: dict[str, Any], results: list[dict[str, Any]], progress: Progress
) -> dict[str, Any]:
    progress(1.0, "adding up")
    return {
        "sum": sum(r["square"] for r in results),
        "squares": [r["square"] for r in results],
        "locations": len(context.resources["network"].locations),
    }


@parted_kind("test-celery-squares", plan=plan_numbers, combine=add_up)
def square(
    context: JobContext, params: dict[str, Any], part: dict[str, Any], progress: Progress
) -> dict[str, Any]:
    """Square ``part["n"]`` after ``sleep_s``; fail on ``fail_on``, kill the process on
    ``kill_on`` (as an out-of-memory kill would)."""
    progress(0.0, f"squaring {part['n']}")
    time.sleep(params.get("sleep_s", 0))
    if part["n"] == params.get("fail_on"):
        raise ValueError(f"no square for {part['n']}")
    if part["n"] == params.get("kill_on"):
        os.kill(os.getpid(), signal.SIGKILL)
    return {"square": part["n"] ** 2, "pid": os.getpid()}
