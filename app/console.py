"""The console: a web page for planners and forwarders, served at ``/``.

Static files (``app/static``: the page, its script, the vendored Leaflet and the offline
basemap) and the mode palette as CSS (``/palette.css``, from :mod:`app.render.palette`); the
page talks to the public ``/v1`` API with the key its user pastes, so it holds no logic of its
own beyond presentation. Hidden from the OpenAPI document: it is not part of the API.
"""

from __future__ import annotations

import mimetypes
from pathlib import Path

from fastapi import APIRouter, FastAPI
from fastapi.responses import FileResponse, Response
from fastapi.staticfiles import StaticFiles

from app.render.palette import palette_css

# the platform's MIME table may lack these (or call .js text/plain, which module scripts refuse)
mimetypes.add_type("text/javascript", ".js")
mimetypes.add_type("application/geo+json", ".geojson")

STATIC = Path(__file__).resolve().parent / "static"

router = APIRouter(include_in_schema=False)


@router.get("/")
def index() -> FileResponse:
    """The console page."""
    # revalidate each time: the page is small and must match the script it loads
    return FileResponse(STATIC / "index.html", headers={"Cache-Control": "no-cache"})


@router.get("/palette.css")
def palette() -> Response:
    """The mode colours as CSS variables, from the palette the study report draws with."""
    return Response(palette_css(), media_type="text/css", headers={"Cache-Control": "no-cache"})


def mount_console(app: FastAPI) -> None:
    """Serve the console at ``/`` and its files at ``/static``."""
    app.include_router(router)
    app.mount("/static", StaticFiles(directory=STATIC), name="static")
