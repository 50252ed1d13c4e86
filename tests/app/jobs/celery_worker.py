"""``corridor worker`` with the tests' job kinds registered (kinds register on import).

Run as ``python -m tests.app.jobs.celery_worker [worker options]`` from the repository root.
"""

from __future__ import annotations

import sys

import tests.app.jobs.kinds  # noqa: F401 - registers the kinds before the pool forks
from app.cli.main import main

if __name__ == "__main__":
    sys.argv = ["corridor", "worker", *sys.argv[1:]]
    main()
