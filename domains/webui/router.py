"""Serves the built chat widget (frontend/, `npm run build`) from domains/webui/static.

    /             -> 307 to /assistant/
    /assistant    -> 307 to /assistant/
    /assistant/   -> index.html (never cached: it names the current hashed assets)
    /assistant/assets/<hash>.js|css -> the file, cached for a year (the name changes with the content)
    /assistant/<anything else>      -> the file if it exists, else index.html (SPA fallback)

The files ship inside the Python package, so `pip install .` and `uvicorn main:app` serve the
page without Node.
"""

from __future__ import annotations

import mimetypes
from pathlib import Path

from fastapi import APIRouter, Request
from fastapi.responses import FileResponse, JSONResponse, RedirectResponse, Response

from shared.error_handling.handlers import error_body

STATIC_DIR = Path(__file__).resolve().parent / "static"
INDEX = "index.html"
MOUNT = "/assistant"
NO_CACHE = {"Cache-Control": "no-cache"}
IMMUTABLE = {"Cache-Control": "public, max-age=31536000, immutable"}

# Some systems have no /etc/mime.types entry for these; the browser refuses a module script
# served as text/plain.
for _type, _ext in (
    ("text/javascript", ".js"),
    ("text/javascript", ".mjs"),
    ("text/css", ".css"),
    ("image/svg+xml", ".svg"),
    ("application/json", ".map"),
    ("font/woff2", ".woff2"),
    ("application/manifest+json", ".webmanifest"),
):
    mimetypes.add_type(_type, _ext)

router = APIRouter(include_in_schema=False)


def _static_file(relative: str) -> Path | None:
    """The file under STATIC_DIR for a URL path, or None (missing, a directory, or outside)."""
    root = STATIC_DIR.resolve()
    try:
        candidate = (root / relative).resolve()
    except (OSError, ValueError):
        return None
    if not candidate.is_relative_to(root) or not candidate.is_file():
        return None
    return candidate


def _index(request: Request) -> Response:
    index = _static_file(INDEX)
    if index is None:
        body = error_body(
            request,
            code="webui_not_built",
            message="The assistant page is not built: run `cd frontend && npm ci && npm run build`",
        )
        return JSONResponse(body, status_code=503)
    return FileResponse(index, media_type="text/html; charset=utf-8", headers=NO_CACHE)


@router.api_route("/", methods=["GET", "HEAD"])
async def root() -> RedirectResponse:
    """The home page is the assistant."""
    return RedirectResponse(f"{MOUNT}/", status_code=307)


@router.api_route(MOUNT, methods=["GET", "HEAD"])
async def assistant_no_slash() -> RedirectResponse:
    return RedirectResponse(f"{MOUNT}/", status_code=307)


@router.api_route(MOUNT + "/{path:path}", methods=["GET", "HEAD"])
async def assistant(path: str, request: Request) -> Response:
    """The built page and its assets; unknown page paths get index.html (client-side routing)."""
    if not path or path == INDEX:
        return _index(request)
    found = _static_file(path)
    if found is not None:
        media_type = mimetypes.guess_type(found.name)[0] or "application/octet-stream"
        headers = IMMUTABLE if path.startswith("assets/") else NO_CACHE
        return FileResponse(found, media_type=media_type, headers=headers)
    last = path.rsplit("/", 1)[-1]
    if path.startswith("assets/") or "." in last:
        # A missing asset is a 404, not the page: a stale tab must not parse HTML as JavaScript.
        body = error_body(request, code="not_found", message=f"No such file: /assistant/{path}")
        return JSONResponse(body, status_code=404)
    return _index(request)
