"""A streamed answer the client drops gives its token-budget reservation back (issue 10, item 4).

The real app under uvicorn; the language model (a loopback fake) goes silent at the stage under
test, the client reads up to that event and closes the connection. The budget is set so that
one leaked reservation (AI_MAX_TOKENS) fills it: the user's next question is then refused with
429 token_budget_exceeded. After each drop, the next question must be answered instead, with
the in-process reservation store and with the Redis one.
"""

from __future__ import annotations

import asyncio
import time
import uuid
from collections.abc import Iterator
from typing import Any

import anyio
import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy.ext.asyncio import AsyncSession

from domains.ai.budget import BudgetHold
from domains.ai.reservations import InProcessReservations, RedisReservations, ReservationStore
from main import create_app
from tests.ai.fakes.llm_server import OPENAI_PATH, FakeLLMServer, Reply, openai_stream
from tests.ai.fakes.tools import running_fake_server
from tests.factories import auth_headers_for, make_user
from tests.reliability.test_faults import MODEL, QUESTION, LiveServer, live_model_settings, stock
from tests.reliability.test_limits_concurrency import redis_url

pytestmark = pytest.mark.ai

RESERVATION = 1000  # AI_MAX_TOKENS: what one running answer reserves
STALL = 4.0

# The model's script per stage, and the SSE event after which the client leaves.
STAGES: dict[str, tuple[list[Reply], str]] = {
    "after start": (
        [Reply(sse=openai_stream(text="Let me look", model=MODEL), stall_after=0, stall_seconds=STALL)],
        "start",
    ),
    "after a tool event": (
        [
            Reply(sse=openai_stream(tool_calls=[("c1", "kpis", "{}")], model=MODEL)),
            Reply(
                sse=openai_stream(text="Your revenue was", model=MODEL), stall_after=0, stall_seconds=STALL
            ),
        ],
        "tool_result",
    ),
    "mid-delta": (
        [
            Reply(
                sse=openai_stream(text="You have four pairs, let me check", model=MODEL),
                stall_after=3,
                stall_seconds=STALL,
            )
        ],
        "delta",
    ),
}


@pytest.fixture(scope="module")
def llm_server() -> Iterator[FakeLLMServer]:
    yield from running_fake_server()


async def _leave_after(http: httpx.AsyncClient, headers: dict[str, str], event: str) -> None:
    async with http.stream("POST", "/ai/query/stream", json=QUESTION, headers=headers) as response:
        assert response.status_code == 200
        async for line in response.aiter_lines():
            assert line != "event: final", "the answer finished before the client left"
            if line == f"event: {event}":
                return  # closing the connection here, mid-answer


@pytest.mark.parametrize("store", ["in-process", "redis"])
@pytest.mark.parametrize("stage", list(STAGES))
async def test_a_dropped_stream_gives_its_reservation_back(
    database_url: str, db: AsyncSession, clean_app: FastAPI, llm_server: FakeLLMServer, stage: str, store: str
) -> None:
    await stock(db)
    owner = await make_user(db, email=f"dropper-{stage.replace(' ', '-')}-{store}@example.com")
    await db.commit()
    headers = auth_headers_for(clean_app, owner)
    extra: dict[str, Any] = {"REDIS_URL": redis_url().rsplit("/", 1)[0] + "/14"} if store == "redis" else {}
    settings = live_model_settings(
        database_url,
        llm_server,
        AI_MAX_TOKENS=RESERVATION,
        AI_DAILY_TOKEN_BUDGET=RESERVATION,  # one reservation left behind fills the budget
        **extra,
    )
    replies, leave_after = STAGES[stage]
    llm_server.reset()
    llm_server.script(OPENAI_PATH, *replies)
    with LiveServer(create_app(settings)) as live:
        idle = live.tasks()
        async with httpx.AsyncClient(base_url=live.url, timeout=20) as http:
            await _leave_after(http, headers, leave_after)
            deadline = time.monotonic() + 10
            while live.tasks() - idle:
                assert time.monotonic() < deadline, f"left running: {live.tasks() - idle}"
                await asyncio.sleep(0.1)
            again = await http.post("/ai/query", json=QUESTION, headers=headers)
            assert again.status_code == 200, again.text


@pytest.mark.parametrize("store", ["in-process", "redis"])
async def test_a_release_interrupted_by_cancellation_still_gives_the_reservation_back(store: str) -> None:
    """What a disconnect does to the stream's clean-up: it runs inside a cancelled scope, where
    every await is cancelled again. The release must complete anyway."""
    reservations: ReservationStore = (
        InProcessReservations()
        if store == "in-process"
        else RedisReservations(redis_url().rsplit("/", 1)[0] + "/14")
    )
    key = f"budget:{uuid.uuid4()}:today"
    try:
        reservation_id, _ = await reservations.reserve(key, tokens=RESERVATION, ttl_seconds=900)
        hold = BudgetHold(reservations, key, reservation_id)
        with anyio.CancelScope() as scope:
            scope.cancel()
            await hold.release()
        _, reserved = await reservations.reserve(key, tokens=1, ttl_seconds=900)
        assert reserved == 1  # only the probe's own token: the reservation is gone
    finally:
        await reservations.aclose()
