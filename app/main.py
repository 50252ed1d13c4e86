"""The FastAPI application factory.

The network is loaded and validated once, in the lifespan, before the first request; invalid data
stops start-up with every problem listed. Requests share the immutable network; state lives in
the database, so any number of processes can serve the same API.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from typing import Any

from fastapi import FastAPI, Request
from fastapi.openapi.docs import get_swagger_ui_html
from fastapi.responses import HTMLResponse, Response
from fastapi.routing import APIRoute
from prometheus_client import CONTENT_TYPE_LATEST
from sqlalchemy import Engine, text

from app.api import allocations as allocations_api
from app.api import bookings as bookings_api
from app.api import demand as demand_api
from app.api import disruptions as disruptions_api
from app.api import jobs as jobs_api
from app.api import keys as keys_api
from app.api import network as network_api
from app.api import quotes as quotes_api
from app.api import reload as reload_api
from app.api import scenarios as scenarios_api
from app.api import studies as studies_api
from app.api import webhooks as webhooks_api
from app.api.problems import add_problem_handlers, problem
from app.auth import KeyCache
from app.console import mount_console
from app.db.engine import make_engine
from app.jobs.celery import CeleryRunner
from app.jobs.registry import JobContext
from app.jobs.runner import InProcessRunner, Runner
from app.observability import Metrics, RequestContext, configure_logging, exposition
from app.ratelimit import RateLimit
from app.reload import Follower, record_network_version
from app.resources import shared_resources
from app.schemas.problems import ProblemOut, problem_response, problem_responses
from app.services.disruptions import LiveNetwork
from app.services.studies import BaseYearFile, DefaultDemand
from app.services.webhooks import Dispatcher
from app.settings import Settings, get_settings
from app.state import Running, running
from graph import Network
from graph.base_year import base_year_beside

log = logging.getLogger("corridor")

DESCRIPTION = """
Multimodal freight routing for the Beibu Gulf International Gateway Port and the New
International Land-Sea Trade Corridor: sea lines, sea-rail trains, Xijiang barges, the Pinglu
Canal, dry ports, border crossings and road drayage in one network.

Authenticate with an API key: `Authorization: Bearer cor_…` (`corridor keys create`). Errors are
RFC 9457 problem+json; invalid fields are named in `errors[].field`. Lists page with cursors.
"""


def create_app(settings: Settings | None = None, network: Network | None = None) -> FastAPI:
    """Build the app; ``network`` overrides loading from ``settings.network_path`` (tests)."""
    config = settings or get_settings()
    configure_logging(config.log_level)
    metrics = Metrics()

    keys = KeyCache()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        context = shared_resources(config, network)
        loaded: Network = context.resources["network"]
        engine = make_engine(config.database_url)
        record_network_version(engine, loaded, str(config.network_path))
        runner = job_runner(config, engine, context)
        recovered = runner.recover()
        if recovered:
            log.info("%d unfinished job(s) handed on again", recovered)
        live = LiveNetwork(loaded, engine)
        live.start()
        dispatcher = Dispatcher(
            engine,
            retry_base_s=config.webhook_retry_base_s,
            max_attempts=config.webhook_max_attempts,
            timeout_s=config.webhook_timeout_s,
            reach_private=config.webhooks_reach_private_hosts,
        )
        dispatcher.start()
        state = Running(
            settings=config,
            metrics=metrics,
            keys=keys,
            solving=threading.BoundedSemaphore(2),
            engine=engine,
            jobs=runner,
            webhooks=dispatcher,
            live=live,
            network=loaded,
            network_loaded_at=datetime.now(UTC),
            scenario_networks=context.resources["scenario_networks"],
            default_demand=DefaultDemand(config.demand_path, loaded),
            base_year=BaseYearFile(base_year_beside(config.network_path), loaded),
        )
        app.state.running = state
        follower = state.follower = Follower(state, config)
        follower.start()
        log.info(
            "network %s loaded: %d locations, %d service legs",
            loaded.version,
            len(loaded.locations),
            len(loaded.legs),
        )
        try:
            yield
        finally:
            follower.stop()
            dispatcher.stop()
            live.stop()
            runner.shutdown()
            engine.dispose()

    app = FastAPI(
        title="Corridor",
        version="0.1.0",
        summary="Multimodal freight routing for the Beibu Gulf gateway and the "
        "New International Land-Sea Trade Corridor.",
        description=DESCRIPTION,
        lifespan=lifespan,
        # any operation may be refused by the rate limit or find the database away, and any
        # body may be unreadable
        responses=problem_responses(400, 415, 429, 503),
        generate_unique_id_function=operation_id,
        docs_url=None,  # offline_docs
        redoc_url=None,
    )
    add_problem_handlers(app)
    if config.rate_limit_per_s > 0:
        # inside RequestContext: refused requests still get a request id, a log line, a metric
        app.add_middleware(
            RateLimit,
            per_s=config.rate_limit_per_s,
            burst=config.rate_limit_burst,
            redis_url=config.rate_limit_redis_url,
        )
    app.add_middleware(RequestContext, metrics=metrics)
    for router in (
        network_api.router,
        quotes_api.router,
        bookings_api.router,
        scenarios_api.router,
        jobs_api.router,
        studies_api.router,
        demand_api.router,
        webhooks_api.router,
        allocations_api.router,
        disruptions_api.router,
        keys_api.router,
        reload_api.router,
    ):
        app.include_router(router)
    mount_console(app)

    @app.get("/healthz", tags=["health"])
    def healthz() -> dict[str, str]:
        """Liveness: the process answers."""
        return {"status": "ok"}

    @app.get("/readyz", tags=["health"], response_model=None)
    def readyz(request: Request) -> Any:
        """Readiness: the network is loaded and the database answers."""
        engine: Engine = running(request).engine
        try:
            with engine.connect() as connection:
                connection.execute(text("SELECT 1"))
        except Exception as err:
            return problem(503, "not-ready", "Database unavailable", str(err), "/readyz")
        return {"status": "ready", "network_version": running(request).network.version}

    @app.get("/metrics", tags=["health"], include_in_schema=False)
    def prometheus() -> Response:
        """Prometheus metrics: request latency by route, quote solve time, bookings."""
        return Response(exposition(metrics), media_type=CONTENT_TYPE_LATEST)

    offline_docs(app)
    finish_openapi(app)
    return app


#: Operation ids that read better than the handler's name, in the style of the README's table;
#: every other operation is its handler's name in camelCase (create_quote -> createQuote).
OPERATION_IDS = {
    "allocate_batch": "allocateShipments",
    "report_event": "reportBookingEvent",
    "list_events": "listBookingEvents",
    "list_proposals": "listRerouteProposals",
    "make_proposals": "createRerouteProposals",
    "declare": "declareDisruption",
    "close_early": "closeDisruption",
    "affected_bookings": "listAffectedBookings",
    "whoami": "getMe",
    "revoke": "revokeKey",
    "network_summary": "getNetworkSummary",
    "network_geojson": "getNetwork",
    "service_departures": "listServiceDepartures",
    "upload_matrix": "uploadDemandMatrix",
    "list_matrices": "listDemandMatrices",
    "get_matrix": "getDemandMatrix",
    "matrix_rows": "getDemandMatrixRows",
    "start_study": "createStudy",
    "study_flows": "getStudyFlows",
    "study_report": "getStudyReport",
    "study_table": "getStudyTable",
    "deactivate_webhook": "deleteWebhook",
    "list_deliveries": "listWebhookDeliveries",
    "replay_delivery": "replayWebhookDelivery",
    "healthz": "getHealth",
    "readyz": "getReadiness",
}


def operation_id(route: APIRoute) -> str:
    """The operation's id for client generators (see ``OPERATION_IDS``)."""
    head, *rest = route.name.split("_")
    return OPERATION_IDS.get(route.name, head + "".join(word.capitalize() for word in rest))


def finish_openapi(app: FastAPI) -> None:
    """The OpenAPI document as clients need it.

    Summaries from the first line of each handler's docstring, not from its name (which reads
    "Declare", "Close Early", "Whoami"); the problem schema once, as a component every error
    answer refers to; FastAPI's own 422 schema replaced by it (the service never answers it).
    """
    generate = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            spec = generate()
            for operations in spec["paths"].values():
                for operation in operations.values():
                    if operation.get("description"):
                        first = operation["description"].strip().splitlines()[0]
                        operation["summary"] = first.rstrip(".")
                    responses = operation.get("responses", {})
                    if "422" in responses:
                        responses["422"] = problem_response(
                            "Invalid input; each field is named in errors[].field", 422
                        )
            schemas = spec.setdefault("components", {}).setdefault("schemas", {})
            for unused in ("HTTPValidationError", "ValidationError"):
                schemas.pop(unused, None)
            schemas["ProblemOut"] = ProblemOut.model_json_schema(
                ref_template="#/components/schemas/{model}"
            )
            app.openapi_schema = components_by_title(spec)
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]


def components_by_title(spec: dict[str, Any]) -> dict[str, Any]:
    """``spec`` with each schema component keyed by its title, and every reference to it.

    Pydantic keys a parametrized generic by its origin (``Page_QuoteOut_``); its title is the
    name :meth:`app.schemas.common.Page.model_parametrized_name` gives (``QuotePage``), the name
    clients generate a class for.
    """
    schemas: dict[str, Any] = spec["components"]["schemas"]
    titles = {key: schema.get("title", key) for key, schema in schemas.items()}
    renamed = {key: title for key, title in titles.items() if title != key}
    if len(set(titles.values())) < len(titles):
        msg = f"two schema components share a title: {sorted(titles.values())}"
        raise ValueError(msg)
    references = {
        f"#/components/schemas/{key}": f"#/components/schemas/{title}"
        for key, title in renamed.items()
    }

    def refer(node: Any) -> Any:
        if isinstance(node, dict):
            return {
                name: references.get(value, value) if name == "$ref" else refer(value)
                for name, value in node.items()
            }
        if isinstance(node, list):
            return [refer(item) for item in node]
        return node

    spec = refer(spec)
    referred = spec["components"]["schemas"]
    spec["components"]["schemas"] = {titles[key]: schema for key, schema in referred.items()}
    return spec


def offline_docs(app: FastAPI) -> None:
    """``/docs``: Swagger UI from the vendored copy (app/static/vendor/swagger-ui), no CDN."""

    @app.get("/docs", include_in_schema=False)
    def docs() -> HTMLResponse:
        return get_swagger_ui_html(
            openapi_url="/openapi.json",
            title="Corridor API",
            swagger_js_url="/static/vendor/swagger-ui/swagger-ui-bundle.js",
            swagger_css_url="/static/vendor/swagger-ui/swagger-ui.css",
            swagger_favicon_url="/static/vendor/swagger-ui/favicon-32x32.png",
        )


def job_runner(config: Settings, engine: Engine, context: JobContext) -> Runner:
    """Celery workers when a broker is configured, else the in-process runner."""
    if config.broker_url:
        return CeleryRunner(config, engine)
    return InProcessRunner(engine, context, workers=config.job_workers)
