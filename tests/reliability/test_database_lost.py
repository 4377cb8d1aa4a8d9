"""The database connection dies during the assistant's memory step (issue 10, item 3).

A trigger makes PostgreSQL end the app's own connection (pg_terminate_backend(pg_backend_pid()))
the moment the memory step writes a fact: a real lost connection, at a known point. The memory
step may fail without stopping an answer, but this failure leaves no session to store the turn:
the client gets 503 `database_unavailable` with Retry-After (a stream: an error event that says
it can be retried), never a 500, and the next request is answered.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import func, select, text
from sqlalchemy.ext.asyncio import AsyncSession

from domains.ai.models import Message
from tests.ai.fakes.app_providers import install_builtin

pytestmark = [pytest.mark.ai, pytest.mark.postgresql_only]  # pg_terminate_backend: no SQLite counterpart

REMEMBER = {"messages": [{"role": "user", "content": "Remember that my target margin is 25%"}]}


@pytest.fixture
async def connection_dies_on_memory_write(
    app: FastAPI, db: AsyncSession, monkeypatch: pytest.MonkeyPatch
) -> AsyncIterator[None]:
    install_builtin(app, monkeypatch)
    await db.execute(
        text(
            "CREATE FUNCTION test_kill_own_connection() RETURNS trigger LANGUAGE plpgsql AS "
            "$$ BEGIN PERFORM pg_terminate_backend(pg_backend_pid()); RETURN NEW; END $$"
        )
    )
    await db.execute(
        text(
            "CREATE TRIGGER test_kill_own_connection BEFORE INSERT ON ai_memory_facts "
            "FOR EACH ROW EXECUTE FUNCTION test_kill_own_connection()"
        )
    )
    await db.commit()
    try:
        yield
    finally:
        await db.execute(text("DROP TRIGGER test_kill_own_connection ON ai_memory_facts"))
        await db.execute(text("DROP FUNCTION test_kill_own_connection()"))
        await db.commit()


async def _stored_messages(db: AsyncSession) -> int:
    db.expire_all()
    return int(await db.scalar(select(func.count(Message.id))) or 0)


async def test_a_lost_connection_in_the_memory_step_is_a_503_to_retry(
    client: httpx.AsyncClient, db: AsyncSession, auth: dict[str, str], connection_dies_on_memory_write: None
) -> None:
    response = await client.post("/ai/conversation", json=REMEMBER, headers=auth)
    assert response.status_code == 503, response.text
    assert response.json()["error"]["code"] == "database_unavailable"
    assert response.headers["retry-after"] == "1"
    assert await _stored_messages(db) == 0
    # The pool drops the dead connection: the next question (no memory write) is answered.
    again = await client.post("/ai/query", json={"query": "How many pairs do I have?"}, headers=auth)
    assert again.status_code == 200, again.text


async def test_a_lost_connection_in_a_streamed_memory_step_ends_with_a_retryable_error(
    client: httpx.AsyncClient, db: AsyncSession, auth: dict[str, str], connection_dies_on_memory_write: None
) -> None:
    response = await client.post("/ai/conversation/stream", json=REMEMBER, headers=auth)
    assert response.status_code == 200
    blocks = [block.split("\n", 1) for block in response.text.strip().split("\n\n")]
    name, data = blocks[-1]
    assert name == "event: error", response.text
    error = json.loads(data.removeprefix("data: "))["error"]
    assert (
        error["code"] == "database_unavailable" and error["retryable"] is True and error["retry_after"] == 1
    )
    assert await _stored_messages(db) == 0
