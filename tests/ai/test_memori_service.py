"""Memori through the public API: the app with AI_MEMORY_BACKEND=memori answers /ai/query with
the OpenAI provider on a per-request client that Memori is attached to.

Offline as in test_memori_e2e.py (whose fixtures this module reuses): the model is the loopback
fake (tests/ai/fakes/llm_server.py), Memori's augmentation API the loopback stub
(tests/ai/memori_stub.py, via MEMORI_API_URL_BASE), the embedder Memori's own on packaged files.
Each test builds its own app from Memori settings and runs its lifespan (ai_startup builds
Memori's tables); users and our tables come from the shared fixtures on the same database.
"""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy.ext.asyncio import AsyncSession

from domains.ai.memory.memori_backend import wait_for_memori_writes
from main import create_app
from tests.ai import test_memori_e2e as e2e
from tests.ai.fakes.llm_server import ANTHROPIC_PATH, OPENAI_PATH, FakeLLMServer, Reply, openai_stream
from tests.ai.memori_stub import MemoriAugmentationStub
from tests.ai.test_memori_e2e import (
    DEAD_STOCK_FACT,
    DEAD_STOCK_RULE,
    stored_facts,
    stored_messages,
    system_prompt_of,
)
from tests.conftest import test_settings as settings_for
from tests.factories import auth_headers_for, make_user

pytestmark = pytest.mark.ai

# test_memori_e2e's fixtures: the fake model, the augmentation stub (+ offline embedder env).
llm = e2e.llm
stub_server = e2e.stub_server
stub = e2e.stub


def memori_settings(database_url: str, **overrides: Any) -> Any:
    values: dict[str, Any] = {"MEMORI_ENABLED": True, "AI_MAX_RETRIES": 0, "AI_REQUEST_TIMEOUT_SECONDS": 10.0}
    values.update(overrides)
    return settings_for(database_url, **values)


async def running_app(settings: Any) -> AsyncIterator[FastAPI]:
    application = create_app(settings)
    async with application.router.lifespan_context(application):  # ai_startup: Memori's tables
        yield application
    assert await wait_for_memori_writes(30.0)


@pytest.fixture
async def openai_app(
    database_url: str, clean_app: FastAPI, llm: FakeLLMServer, stub: MemoriAugmentationStub
) -> AsyncIterator[FastAPI]:
    """AI_MEMORY_BACKEND=memori, MEMORI_PROVIDER=openai on the fake model."""
    llm.reset()
    settings = memori_settings(
        database_url,
        MEMORI_PROVIDER="openai",
        OPENAI_BASE_URL=f"{llm.url}/v1",
        OPENAI_API_KEY="sk-test-0123456789abcdef",
    )
    async for application in running_app(settings):
        yield application


@pytest.fixture
async def api(openai_app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=openai_app)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as http:
        yield http


async def two_users(db: AsyncSession) -> tuple[Any, Any]:
    alice = await make_user(db, email=f"alice-{uuid.uuid4().hex[:8]}@example.com")
    bob = await make_user(db, email=f"bob-{uuid.uuid4().hex[:8]}@example.com")
    await db.commit()
    return alice, bob


async def ask(api: httpx.AsyncClient, headers: dict[str, str], question: str) -> dict[str, Any]:
    response = await api.post(
        "/ai/query", json={"query": question, "include_context": False}, headers=headers
    )
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


async def test_answers_go_through_memori_and_recall_only_the_users_own_facts(
    api: httpx.AsyncClient,
    openai_app: FastAPI,
    db: AsyncSession,
    llm: FakeLLMServer,
    stub: MemoriAugmentationStub,
) -> None:
    alice, bob = await two_users(db)
    as_alice, as_bob = auth_headers_for(openai_app, alice), auth_headers_for(openai_app, bob)

    answer = "Noted: items older than 45 days count as dead stock."
    llm.script(OPENAI_PATH, Reply(sse=openai_stream(text=answer)))
    body = await ask(api, as_alice, DEAD_STOCK_RULE)
    assert (body["provider"], body["fallback"], body["response"]) == ("openai", False, answer)
    assert await wait_for_memori_writes(30.0)

    # Memori recorded the turn under Alice's entity; its extraction became her fact.
    assert await stored_messages(db, alice.id) == [("user", DEAD_STOCK_RULE), ("assistant", answer)]
    assert await stored_facts(db, alice.id) == [DEAD_STOCK_FACT]
    assert [c.messages[0]["content"] for c in stub.calls] == [DEAD_STOCK_RULE]

    # Alice's next question: the model receives her recalled Memori fact in the system prompt.
    llm.reset()
    llm.script(OPENAI_PATH, Reply(sse=openai_stream(text="You have 3 pairs past 45 days.")))
    await ask(api, as_alice, "How much dead stock do I have?")
    prompt = system_prompt_of(llm.requests_to(OPENAI_PATH)[0].body)
    assert "<memori_context>" in prompt and DEAD_STOCK_FACT in prompt

    # Bob's same question: nothing of Alice's reaches his prompt; his turn is his own.
    llm.reset()
    llm.script(OPENAI_PATH, Reply(sse=openai_stream(text="You have 5 pairs past 90 days.")))
    await ask(api, as_bob, "How much dead stock do I have?")
    prompt = system_prompt_of(llm.requests_to(OPENAI_PATH)[0].body)
    assert "<memori_context>" not in prompt and DEAD_STOCK_FACT not in prompt and "45" not in prompt
    assert await wait_for_memori_writes(30.0)
    assert await stored_messages(db, bob.id) == [
        ("user", "How much dead stock do I have?"),
        ("assistant", "You have 5 pairs past 90 days."),
    ]
    assert await stored_facts(db, bob.id) == []

    health = (await api.get("/ai/health")).json()
    assert (health["provider"], health["memory_backend"], health["memori_active"]) == (
        "openai",
        "memori",
        True,
    )


async def test_status_counts_memori_rows_and_clear_removes_only_the_users_own(
    api: httpx.AsyncClient, openai_app: FastAPI, db: AsyncSession, llm: FakeLLMServer
) -> None:
    alice, bob = await two_users(db)
    as_alice, as_bob = auth_headers_for(openai_app, alice), auth_headers_for(openai_app, bob)
    for headers, question in [
        (as_alice, DEAD_STOCK_RULE),
        (as_alice, "Which pairs are dead stock?"),
        (as_bob, "My target margin is 30% on everything."),
    ]:
        llm.script(OPENAI_PATH, Reply(sse=openai_stream(text="Noted.")))
        await ask(api, headers, question)
    assert await wait_for_memori_writes(30.0)

    status = (await api.get("/ai/memory/status", headers=as_alice)).json()
    assert status["backend"] == "memori" and status["memori_active"] is True
    assert status["memori"] == {"sessions": 2, "conversations": 2, "messages": 4, "facts": 1}
    assert (status["conversation_count"], status["message_count"]) == (2, 4)  # our own tables

    response = await api.request("DELETE", "/ai/memory/clear", json={"confirm": True}, headers=as_alice)
    assert response.status_code == 204
    status = (await api.get("/ai/memory/status", headers=as_alice)).json()
    assert status["memori"] == {"sessions": 0, "conversations": 0, "messages": 0, "facts": 0}
    assert (status["conversation_count"], status["message_count"], status["fact_count"]) == (0, 0, 0)
    assert await stored_messages(db, alice.id) == []
    # Bob's Memori rows are untouched.
    theirs = (await api.get("/ai/memory/status", headers=as_bob)).json()
    assert theirs["memori"] == {"sessions": 1, "conversations": 1, "messages": 2, "facts": 1}
    assert await stored_facts(db, bob.id) == ["The user's target margin is 30%"]


async def test_streamed_answer_is_recorded_and_a_failed_model_falls_back_without_memori(
    api: httpx.AsyncClient, openai_app: FastAPI, db: AsyncSession, llm: FakeLLMServer
) -> None:
    alice, bob = await two_users(db)
    llm.script(OPENAI_PATH, Reply(sse=openai_stream(text="Streamed and noted.")))
    response = await api.post(
        "/ai/query/stream",
        json={"query": "I mostly sell on GOAT.", "include_context": False},
        headers=auth_headers_for(openai_app, alice),
    )
    assert response.status_code == 200 and "event: final" in response.text
    assert await wait_for_memori_writes(30.0)
    assert await stored_messages(db, alice.id) == [
        ("user", "I mostly sell on GOAT."),
        ("assistant", "Streamed and noted."),
    ]

    # The model fails (nothing scripted: the fake answers 599): the built-in engine answers,
    # and Memori records nothing for that turn.
    llm.reset()
    body = await ask(api, auth_headers_for(openai_app, bob), "How many pairs do I have in stock?")
    assert (body["provider"], body["fallback"]) == ("builtin", True)
    assert await wait_for_memori_writes(30.0)
    assert await stored_messages(db, bob.id) == []


@pytest.mark.parametrize("provider", ["builtin", "anthropic"])
async def test_other_providers_answer_with_memori_selected_and_say_it_is_skipped(
    provider: str,
    database_url: str,
    clean_app: FastAPI,
    db: AsyncSession,
    llm: FakeLLMServer,
    stub: MemoriAugmentationStub,
) -> None:
    llm.reset()
    overrides: dict[str, Any] = {"MEMORI_PROVIDER": provider}
    if provider == "anthropic":
        from tests.ai.fakes.llm_server import anthropic_stream

        overrides |= {"ANTHROPIC_BASE_URL": llm.url, "ANTHROPIC_API_KEY": "sk-ant-test-0123456789abcdef"}
        llm.script(ANTHROPIC_PATH, Reply(sse=anthropic_stream(text="Noted, 45 days.")))
    alice, _bob = await two_users(db)
    async for application in running_app(memori_settings(database_url, **overrides)):
        transport = httpx.ASGITransport(app=application)
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as api:
            headers = auth_headers_for(application, alice)
            body = await ask(api, headers, DEAD_STOCK_RULE)
            assert (body["provider"], body["fallback"]) == (provider, False)
            # Our own extraction still makes the typed fact (tool defaults work as with SQL).
            assert [(f["kind"], f["value"]) for f in body["facts_saved"]] == [("dead_stock_threshold", 45)]
            health = (await api.get("/ai/health")).json()
            status = (await api.get("/ai/memory/status", headers=headers)).json()
    assert health["memori_active"] is False and health["memori_detail"].startswith("skipped:")
    assert status["memori_active"] is False and status["memori_detail"] == health["memori_detail"]
    assert status["memori"] == {"sessions": 0, "conversations": 0, "messages": 0, "facts": 0}
    assert llm.requests_to(OPENAI_PATH) == []
    assert len(llm.requests_to(ANTHROPIC_PATH)) == (1 if provider == "anthropic" else 0)
