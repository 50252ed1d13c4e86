# Corridor developer commands. Every target sets itself up: a private uv in .tools/, then the
# project's virtualenv (.venv/) with the versions locked in uv.lock.
#
#   make serve   run the service on its embedded defaults (SQLite, the bundled network)
#   make test    lint, type-check, check the architecture and data, run the test suite
#   make bench   print the benchmarks
#   make data    rebuild data/network.geojson from data/src/, and data/demand/default.csv
#   make topology  2 API processes + a Celery worker on the local PostgreSQL and Redis
#   make load      60 s of mixed load on that topology: throughput, p50/p99, errors, memory

PYTHON ?= python3
UV_VERSION := 0.13.8
UV := .tools/bin/uv
RUN := $(UV) run --frozen --no-sync
SYNCED := .venv/.synced-$(shell cat uv.lock pyproject.toml Makefile | cksum | cut -d' ' -f1)

.PHONY: serve test lint bench data clean topology load

# The venv is made once more after a pause if its pip bootstrap fails (seen beside another CI
# run starting at the same moment).
$(UV):
	$(PYTHON) -m venv .tools || { sleep 3; rm -rf .tools; $(PYTHON) -m venv .tools; }
	.tools/bin/pip install --quiet --disable-pip-version-check "uv==$(UV_VERSION)"

# Bytecode compiled once here, as in the image: where PYTHONDONTWRITEBYTECODE is set, every
# command would otherwise compile its imports again (half the CPU of `corridor quote --json`).
$(SYNCED): uv.lock pyproject.toml Makefile | $(UV)
	$(UV) sync --frozen --all-groups --compile-bytecode
	rm -f .venv/.synced-*
	touch $@

serve: $(SYNCED)
	$(RUN) corridor serve

lint: $(SYNCED)
	$(RUN) ruff check .
	$(RUN) ruff format --check .
	$(RUN) mypy
	$(RUN) lint-imports
	$(RUN) python scripts/build_network.py --check
	$(RUN) python scripts/build_demand.py --check
	$(RUN) corridor network validate

# The suite runs on every core (pytest-xdist), each file's tests on one worker, so that a module's
# fixtures (the plausibility suite's ten thousand quotes) are built once. (--dist loadgroup would
# spread files finer, but pytest-xdist 3.8 cannot tag its groups under pytest 9.2.)
TEST_WORKERS ?= auto

test: lint
	$(RUN) pytest -n $(TEST_WORKERS) --dist loadfile

BENCH_SUMMARY := .bench-summary.jsonl

bench: $(SYNCED)
	rm -f $(BENCH_SUMMARY)
	CORRIDOR_BENCH_SUMMARY=$(BENCH_SUMMARY) $(RUN) python bench/load_network.py
	CORRIDOR_BENCH_SUMMARY=$(BENCH_SUMMARY) $(RUN) python bench/quotes.py
	CORRIDOR_BENCH_SUMMARY=$(BENCH_SUMMARY) $(RUN) python bench/study.py
	CORRIDOR_BENCH_SUMMARY=$(BENCH_SUMMARY) $(RUN) python bench/dispatch.py
	CORRIDOR_BENCH_SUMMARY=$(BENCH_SUMMARY) $(RUN) python bench/http_load.py
	$(RUN) python bench/targets.py $(BENCH_SUMMARY)

topology: $(SYNCED)
	$(RUN) python scripts/topology.py

load: $(SYNCED)
	$(RUN) python scripts/topology_load.py

data: $(SYNCED)
	$(RUN) python scripts/build_network.py
	$(RUN) python scripts/build_demand.py
	$(RUN) corridor network validate

clean:
	rm -rf .venv .tools .pytest_cache .mypy_cache .ruff_cache .hypothesis
