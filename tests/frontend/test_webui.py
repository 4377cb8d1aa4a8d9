"""domains/webui: the built widget is served at /assistant/ with the right types and caching."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator

import httpx
import pytest_asyncio
from fastapi import FastAPI

from domains.webui import STATIC_DIR
from domains.webui import router as webui_router


@pytest_asyncio.fixture(loop_scope="session")
async def web() -> AsyncIterator[httpx.AsyncClient]:
    app = FastAPI()
    app.include_router(webui_router)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t") as client:
        yield client


def _assets() -> list[str]:
    html = (STATIC_DIR / "index.html").read_text()
    return re.findall(r'(?:src|href)="/assistant/(assets/[^"]+)"', html)


def test_built_page_is_committed_with_the_package() -> None:
    assets = _assets()
    assert any(a.endswith(".js") for a in assets) and any(a.endswith(".css") for a in assets)
    for asset in assets:
        assert (STATIC_DIR / asset).is_file(), (
            f"index.html names {asset}, which is not in domains/webui/static"
        )


async def test_root_redirects_to_the_assistant(web: httpx.AsyncClient) -> None:
    for path in ("/", "/assistant"):
        response = await web.get(path)
        assert response.status_code == 307
        assert response.headers["location"] == "/assistant/"


async def test_index_and_hashed_assets_have_their_content_types(web: httpx.AsyncClient) -> None:
    page = await web.get("/assistant/")
    assert page.status_code == 200
    assert page.headers["content-type"].startswith("text/html")
    assert page.headers["cache-control"] == "no-cache"
    assert '<div id="root">' in page.text
    expected = {".js": "text/javascript", ".css": "text/css"}
    for asset in _assets():
        response = await web.get(f"/assistant/{asset}")
        assert response.status_code == 200
        assert response.headers["content-type"].startswith(expected[asset[asset.rfind(".") :]])
        assert "immutable" in response.headers["cache-control"]
    head = await web.head("/assistant/")
    assert head.status_code == 200


async def test_unknown_page_paths_get_the_app_but_missing_files_404(web: httpx.AsyncClient) -> None:
    page = await web.get("/assistant/conversations/123")
    assert page.status_code == 200 and '<div id="root">' in page.text
    missing = await web.get("/assistant/assets/index-deadbeef.js")
    assert missing.status_code == 404
    assert missing.json()["error"]["code"] == "not_found"


async def test_paths_cannot_escape_the_static_folder(web: httpx.AsyncClient) -> None:
    for path in ("/assistant/../router.py", "/assistant/%2e%2e/router.py", "/assistant/..%2Frouter.py"):
        response = await web.get(path)
        assert "APIRouter" not in response.text
