# syntax=docker/dockerfile:1.7
# Corridor's image: the API (`serve`, the default) or a job worker (`worker`), one image for both.
#
#   docker build -t corridor .
#   docker compose up --build            # api x2, worker, PostgreSQL, Redis (compose.yaml)
#
# Two stages: the builder resolves the locked dependencies with uv into /app/.venv and checks
# the network data; the runtime copies only the virtualenv and the code, and runs as a user
# without privileges.

ARG PYTHON_VERSION=3.11

FROM python:${PYTHON_VERSION}-slim AS builder
COPY --from=ghcr.io/astral-sh/uv:0.13.8 /uv /uvx /bin/
ENV UV_COMPILE_BYTECODE=1 \
    UV_LINK_MODE=copy \
    UV_PYTHON_DOWNLOADS=never \
    UV_PROJECT_ENVIRONMENT=/app/.venv
WORKDIR /app
# dependencies first, in a layer of their own: code changes do not reinstall them
RUN --mount=type=cache,target=/root/.cache/uv \
    --mount=type=bind,source=uv.lock,target=uv.lock \
    --mount=type=bind,source=pyproject.toml,target=pyproject.toml \
    uv sync --frozen --no-dev --no-install-project
COPY pyproject.toml uv.lock README.md alembic.ini ./
COPY alembic ./alembic
COPY app ./app
COPY graph ./graph
COPY solvers ./solvers
COPY data ./data
COPY docker ./docker
RUN --mount=type=cache,target=/root/.cache/uv \
    uv sync --frozen --no-dev
# the network is validated while the image is built: data that does not validate never ships;
# the network built is kept in /app/cache (graph.kept), read-only to the service, which then
# starts without validating the same data again
RUN CORRIDOR_CACHE_DIR=/app/cache /app/.venv/bin/corridor network validate /app/data/network.geojson \
    && chmod -R go-w,a+rX /app/cache

FROM python:${PYTHON_VERSION}-slim AS runtime
RUN groupadd --system --gid 10001 corridor \
    && useradd --system --uid 10001 --gid corridor --home-dir /app --shell /usr/sbin/nologin corridor
WORKDIR /app
COPY --from=builder --chown=root:root /app /app
ENV PATH=/app/.venv/bin:$PATH \
    PYTHONUNBUFFERED=1 \
    CORRIDOR_ENVIRONMENT=production \
    CORRIDOR_HOST=0.0.0.0 \
    CORRIDOR_PORT=8000 \
    CORRIDOR_NETWORK_PATH=/app/data/network.geojson \
    CORRIDOR_CACHE_DIR=/app/cache
# the code is root's and read-only to the service; it writes only to the database
USER corridor:corridor
EXPOSE 8000
HEALTHCHECK --interval=10s --timeout=3s --start-period=60s --retries=3 \
    CMD ["python", "-c", "import os, urllib.request; urllib.request.urlopen(f\"http://127.0.0.1:{os.environ.get('CORRIDOR_PORT', '8000')}/readyz\", timeout=3)"]
ENTRYPOINT ["/app/docker/entrypoint.sh"]
CMD ["serve"]
