"""E2E fixtures: the real app on demo data, served by uvicorn in a thread, and Debian's
Chromium driven by Playwright (no browser download: executable_path is set)."""

from __future__ import annotations

import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.frontend.browser_requirements import REPO, missing, need_chromium

ARTIFACTS = REPO / "test-artifacts" / "e2e"
DEMO_ITEMS = 600
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
DEMO_EMAIL = "demo@soleflip.dev"
DEMO_PASSWORD = "soleflip-demo"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(scope="session")
def artifacts() -> Path:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    return ARTIFACTS


@pytest.fixture(scope="session")
def live_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The real app (with the web UI router) on a fresh demo database; yields its base URL."""
    import uvicorn

    from main import create_app
    from shared.config.settings import Settings

    db = tmp_path_factory.mktemp("e2e") / "demo.db"
    url = f"sqlite+aiosqlite:///{db}"
    demo = subprocess.run(
        [sys.executable, "-m", "scripts.demo_data", "--items", str(DEMO_ITEMS), "--database-url", url],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert demo.returncode == 0, demo.stderr[-3000:]

    settings = Settings(  # type: ignore[call-arg]
        _env_file=None,
        DATABASE_URL=url,
        ENVIRONMENT="test",
        AUTO_MIGRATE=False,
        JWT_SECRET="e2e-secret-key-that-is-long-enough-for-hs256",
        LOG_LEVEL="WARNING",
        OPENAI_API_KEY="",
        ANTHROPIC_API_KEY="",
        REDIS_URL=None,
    )
    app = create_app(settings)
    port = _free_port()
    server = uvicorn.Server(
        uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", ws="none", lifespan="on")
    )
    thread = threading.Thread(target=server.run, name="e2e-uvicorn", daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            raise RuntimeError("the E2E server did not start")
        time.sleep(0.05)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=15)


@pytest.fixture(scope="session")
def api(live_server: str) -> Iterator[httpx.Client]:
    """An API client signed in as the demo user (to read the expected figures)."""
    with httpx.Client(base_url=live_server, timeout=30) as client:
        token = client.post("/auth/token", data={"username": DEMO_EMAIL, "password": DEMO_PASSWORD})
        token.raise_for_status()
        client.headers["Authorization"] = f"Bearer {token.json()['access_token']}"
        yield client


# Module scope: sync_playwright runs an event loop of its own on the main thread, which must be
# gone before the asyncio tests of other modules run.
@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    executable = need_chromium()
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        missing("the playwright package is not installed (pip install -e '.[dev]')")
        raise
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS)
        try:
            yield chromium
        finally:
            chromium.close()
