"""Faults outside the client's control, through the public API:

- a client that disconnects mid-stream (the real app under uvicorn on a loopback port): nothing
  half-written, the server keeps serving, no task left running;
- PostgreSQL connections killed (pg_terminate_backend) while requests run: the affected requests
  get a clean 5xx in the error shape, and the pool recovers (pool_pre_ping): later requests succeed;
- the language model answering 429 / 500 / garbage, or stalling mid-stream before any text: the
  built-in engine answers instead, on /ai/query and /ai/query/stream, within the timeout.
  (503, a slow start, a stall of the non-streamed answer and a cut-off after text are in
  tests/ai/test_api.py; see docs/reliability.md.)
"""

from __future__ import annotations

import asyncio
import json
import socket
import threading
import time
import uuid
from collections.abc import AsyncIterator, Iterator
from typing import Any

import httpx
import pytest
import uvicorn
from fastapi import FastAPI
from sqlalchemy import event, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from domains.ai.models import Message, UsageLedger
from domains.ai.providers.builtin import BuiltinProvider
from main import create_app
from shared.config.settings import Settings
from tests import conftest
from tests.ai.fakes.app_providers import LanguageModels, language_models
from tests.ai.fakes.llm_server import OPENAI_PATH, FakeLLMServer, Reply, openai_error, openai_stream
from tests.ai.fakes.tools import running_fake_server
from tests.factories import (
    auth_headers_for,
    days_ago,
    make_brand,
    make_item,
    make_order,
    make_product,
    make_user,
)

pytestmark = pytest.mark.ai

MODEL = "gpt-4o-mini"
QUESTION = {"query": "How many pairs do I have?", "include_context": False}


@pytest.fixture(scope="module")
def llm_server() -> Iterator[FakeLLMServer]:
    yield from running_fake_server()


async def stock(db: AsyncSession, pairs: int = 4) -> None:
    brand = await make_brand(db, "Jordan")
    product = await make_product(db, brand=brand, name="Air Jordan 1 Retro High OG Chicago")
    for index in range(pairs):
        item = await make_item(db, product=product, purchased_at=days_ago(5 + index))
        if index == 0:
            await make_order(db, item=item, sold_at=days_ago(1))
    await db.commit()


async def turns_of(db: AsyncSession, user_id: uuid.UUID) -> tuple[int, int, int]:
    """(user messages, assistant messages, ledger requests) of one user."""
    db.expire_all()
    users = await db.scalar(
        select(func.count(Message.id)).where(Message.user_id == user_id, Message.role == "user")
    )
    answers = await db.scalar(
        select(func.count(Message.id)).where(Message.user_id == user_id, Message.role == "assistant")
    )
    requests = await db.scalar(
        select(func.coalesce(func.sum(UsageLedger.requests), 0)).where(UsageLedger.user_id == user_id)
    )
    return int(users or 0), int(answers or 0), int(requests or 0)


# --- a client that leaves mid-stream -----------------------------------------------------------


def live_model_settings(database_url: str, llm_server: FakeLLMServer, **overrides: Any) -> Settings:
    """Settings of an app whose language model is the loopback fake: short timeout, no retries."""
    return conftest.test_settings(
        database_url,
        OPENAI_API_KEY="sk-test-0123456789abcdef",
        OPENAI_BASE_URL=f"{llm_server.url}/v1",
        AI_REQUEST_TIMEOUT_SECONDS=1.0,
        AI_MAX_RETRIES=0,
        **overrides,
    )


class LiveServer:
    """The app under uvicorn in a thread, on a free loopback port, with its own event loop."""

    def __init__(self, app: FastAPI) -> None:
        with socket.socket() as sock:
            sock.bind(("127.0.0.1", 0))
            self.port = sock.getsockname()[1]
        self.app = app
        self.loop: asyncio.AbstractEventLoop | None = None

        async def remember_loop(_app: FastAPI) -> None:
            self.loop = asyncio.get_running_loop()

        app.state.startup_hooks.append(remember_loop)
        config = uvicorn.Config(
            app,
            host="127.0.0.1",
            port=self.port,
            log_level="error",
            lifespan="on",
            timeout_graceful_shutdown=2,
        )
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(target=self.server.run, name="soleflip-live", daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def __enter__(self) -> LiveServer:
        self.thread.start()
        deadline = time.monotonic() + 20
        while not self.server.started:
            assert time.monotonic() < deadline and self.thread.is_alive(), "uvicorn did not start"
            time.sleep(0.02)
        return self

    def __exit__(self, *exc: Any) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=15)
        assert not self.thread.is_alive(), "uvicorn did not stop"

    def tasks(self) -> set[str]:
        """Names of the coroutines running on the server's loop (the server's own excluded)."""
        assert self.loop is not None
        found: set[str] = set()

        async def collect() -> None:
            for task in asyncio.all_tasks():
                if task is not asyncio.current_task():
                    # A task may wrap an async generator's asend(), which has no __qualname__.
                    coro = task.get_coro()
                    found.add(getattr(coro, "__qualname__", type(coro).__name__))

        asyncio.run_coroutine_threadsafe(collect(), self.loop).result(timeout=5)
        return found


async def test_client_leaving_mid_stream_writes_nothing_and_the_server_keeps_serving(
    database_url: str, db: AsyncSession, clean_app: FastAPI, llm_server: FakeLLMServer
) -> None:
    await stock(db)
    owner = await make_user(db, email="leaver@example.com")
    owner_id = owner.id
    await db.commit()
    headers = auth_headers_for(clean_app, owner)
    llm_server.reset()
    app = create_app(live_model_settings(database_url, llm_server))
    # The model sends its first words, then goes silent: the answer is mid-stream when we leave.
    llm_server.script(
        OPENAI_PATH,
        Reply(
            sse=openai_stream(text="You have four pairs, let me check", model=MODEL),
            stall_after=3,
            stall_seconds=4,
        ),
    )
    with LiveServer(app) as live:
        assert app.state.ai_providers[0].name == "openai"
        idle = live.tasks()
        async with httpx.AsyncClient(base_url=live.url, timeout=10) as http:
            async with http.stream("POST", "/ai/query/stream", json=QUESTION, headers=headers) as response:
                assert response.status_code == 200
                lines = response.aiter_lines()
                assert await anext(lines) == "event: start"
                while await anext(lines) != "event: delta":
                    pass
            # the connection is closed here, mid-answer
            deadline = time.monotonic() + 10
            while live.tasks() - idle:
                assert time.monotonic() < deadline, f"left running: {live.tasks() - idle}"
                await asyncio.sleep(0.1)
            assert await turns_of(db, owner_id) == (0, 0, 0)  # nothing half-written
            # The server keeps serving: a new question is answered (the model's script is used up:
            # the built-in engine answers) and stored whole.
            health = await http.get("/health")
            assert health.status_code == 200
            again = await http.post("/ai/query/stream", json=QUESTION, headers=headers)
            assert again.status_code == 200 and "event: final" in again.text, again.text[-300:]
            assert await turns_of(db, owner_id) == (1, 1, 1)
        assert live.tasks() - idle == set()


# --- database connections killed mid-load (PostgreSQL) -------------------------------------------


@pytest.mark.postgresql_only  # pg_terminate_backend has no SQLite counterpart
async def test_killed_database_connections_give_clean_errors_and_the_pool_recovers(
    database_url: str, backend: str, db: AsyncSession, clean_app: FastAPI
) -> None:
    import asyncpg

    await stock(db, pairs=20)
    owner = await make_user(db, email="load@example.com")
    await db.commit()
    headers = auth_headers_for(clean_app, owner)
    app = create_app(conftest.test_settings(database_url, DATABASE_POOL_SIZE=5, AI_RATE_LIMIT_PER_MINUTE=0))
    pids: set[int] = set()
    dsn = database_url.replace("postgresql+asyncpg://", "postgresql://")
    paths = ["/inventory/items?limit=50", "/analytics/kpis?days=30", "/orders?limit=50", "/ai/usage"]

    async def one(index: int, http: httpx.AsyncClient) -> httpx.Response:
        if index % 5 == 4:
            return await http.post("/ai/query", json=QUESTION, headers=headers)
        return await http.get(paths[index % len(paths)], headers=headers)

    async with app.router.lifespan_context(app):
        app.state.ai_providers = (BuiltinProvider(app.state.settings),) * 2

        def record_pid(dbapi_connection: Any, _record: Any) -> None:
            pids.add(dbapi_connection.driver_connection.get_server_pid())

        event.listen(app.state.engine.sync_engine, "connect", record_pid)
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver", timeout=60) as http:
            warm = await asyncio.gather(*(one(i, http) for i in range(10)))
            assert all(r.status_code == 200 for r in warm), [
                r.text[:200] for r in warm if r.status_code != 200
            ]
            assert pids
            outcomes: list[httpx.Response | BaseException] = []
            admin = await asyncpg.connect(dsn)
            try:
                killed = 0
                for _round in range(3):
                    load = asyncio.gather(*(one(i, http) for i in range(25)), return_exceptions=True)
                    while not load.done():  # keep killing the app's connections while requests run
                        killed += len(
                            await admin.fetch(
                                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE pid = ANY($1::int[])",
                                list(pids),
                            )
                        )
                        await asyncio.sleep(0.02)
                    outcomes += await asyncio.wait_for(load, timeout=60)
            finally:
                await admin.close()
            assert killed >= 1
            broken = [f"{type(r).__name__}: {r}" for r in outcomes if isinstance(r, BaseException)]
            for response in outcomes:
                if isinstance(response, BaseException):
                    continue
                if response.status_code != 200:
                    assert response.status_code in (500, 503), (response.status_code, response.text[:300])
                    error = response.json()["error"]
                    assert set(error) == {"code", "message", "details", "request_id"}
                    # /ai/query: the assistant's answer failed on the dead connection (503 assistant_unavailable)
                    assert error["code"] in (
                        "database_unavailable",
                        "internal_error",
                        "assistant_unavailable",
                    ), error
                    assert "SELECT" not in error["message"] and "sqlalche" not in error["message"], error
            # The pool recovers: every later request succeeds.
            after = await asyncio.gather(*(one(i, http) for i in range(20)))
            assert all(r.status_code == 200 for r in after), [
                r.text[:200] for r in after if r.status_code != 200
            ]
    # DbSession commits before the response starts (scope="function"): a connection lost at
    # commit time is an error response, never a broken stream or a 200 for a lost write.
    assert not broken, broken


# --- the language model failing ------------------------------------------------------------------


def garbage_stream() -> Reply:
    return Reply(sse=["data: {not json at all\n\n", "data: [DONE]\n\n"])


def html_error() -> Reply:
    return Reply(status=200, raw_body=b"<html>502 Bad Gateway</html>", content_type="text/html")


FAULTS: dict[str, Any] = {
    "429 with Retry-After": lambda: [
        openai_error(429, headers={"retry-after": "1"}, kind="rate_limit_error") for _ in range(2)
    ],
    "500": lambda: [openai_error(500) for _ in range(2)],
    "garbage SSE": lambda: [garbage_stream() for _ in range(2)],
    "HTML instead of JSON": lambda: [html_error() for _ in range(2)],
    "stall after the first chunk": lambda: [
        Reply(
            sse=openai_stream(tool_calls=[("c1", "query_business", '{"metrics": ["revenue"]}')], model=MODEL),
            stall_after=1,
            stall_seconds=3,
        )
    ],
}


@pytest.fixture
async def models(
    app: FastAPI, monkeypatch: pytest.MonkeyPatch, llm_server: FakeLLMServer
) -> AsyncIterator[LanguageModels]:
    async for installed in language_models(app, monkeypatch, llm_server):
        yield installed


@pytest.mark.parametrize("fault", list(FAULTS))
@pytest.mark.parametrize("path", ["/ai/query", "/ai/query/stream"])
async def test_a_failing_model_is_replaced_by_the_builtin_engine_in_time(
    client: httpx.AsyncClient,
    auth: dict[str, str],
    models: LanguageModels,
    db: AsyncSession,
    fault: str,
    path: str,
) -> None:
    await stock(db)
    timeout = 0.5
    models.openai(AI_REQUEST_TIMEOUT_SECONDS=timeout, AI_MAX_RETRIES=1)
    models.server.script(OPENAI_PATH, *FAULTS[fault]())
    started = time.monotonic()
    response = await client.post(path, json=QUESTION, headers=auth, timeout=30)
    elapsed = time.monotonic() - started
    assert response.status_code == 200, response.text[:300]
    if path.endswith("stream"):
        events = [block.split("\n", 1) for block in response.text.strip().split("\n\n")]
        names = [name.removeprefix("event: ") for name, _ in events]
        assert names[0] == "start" and names[1] == "fallback" and names[-1] == "final", names
        assert "error" not in names
        body = json.loads(events[-1][1].removeprefix("data: "))
    else:
        body = response.json()
    assert body["fallback"] is True and body["provider"] == "builtin", body
    assert "4 pairs" in body["response"] or "3 pairs" in body["response"], body["response"]
    # Two attempts, each bounded by the timeout, one short retry pause (429: Retry-After 1 s).
    assert elapsed < 2 * timeout + 1.0 + 3.0, elapsed
    assert 1 <= len(models.server.requests) <= 2
