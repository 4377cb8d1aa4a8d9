"""The /ai/memory endpoints: status, list, delete one, clear (confirmed), export; auth and isolation."""

from __future__ import annotations

import httpx
from fastapi import FastAPI
from sqlalchemy.ext.asyncio import AsyncSession

from domains.ai.memory.factory import build_memory
from domains.auth.models import User
from tests.ai.memory_helpers import make_conversation, make_message
from tests.factories import auth_headers_for, make_user


async def remember(app: FastAPI, db: AsyncSession, user: User, *texts: str) -> None:
    conversation = await make_conversation(db, user_id=user.id, title="Memory")
    memory = build_memory(db, app.state.settings)
    for text in texts:
        await make_message(db, conversation=conversation, content=text)
        await make_message(db, conversation=conversation, content="Noted.", role="assistant")
        await memory.observe_user_message(
            user_id=user.id, conversation_id=conversation.id, text=text, language="en"
        )
    await db.commit()


async def test_every_memory_endpoint_needs_a_token(client: httpx.AsyncClient) -> None:
    for method, path in [
        ("GET", "/ai/memory/status"),
        ("GET", "/ai/memory"),
        ("GET", "/ai/memory/export"),
        ("DELETE", "/ai/memory/facts/1"),
        ("DELETE", "/ai/memory/clear"),
    ]:
        response = await client.request(method, path, json={"confirm": True} if "clear" in path else None)
        assert response.status_code == 401, path


async def test_status_counts_only_my_memory(
    client: httpx.AsyncClient, clean_app: FastAPI, db: AsyncSession, user: User, auth: dict[str, str]
) -> None:
    other = await make_user(db, email="other@example.com")
    await remember(clean_app, db, user, "my target margin is 25%", "my target margin is 30%")
    await remember(clean_app, db, other, "I mostly sell on GOAT")

    response = await client.get("/ai/memory/status", headers=auth)
    assert response.status_code == 200
    body = response.json()
    assert body["user_id"] == str(user.id)
    assert body["backend"] == "sql" and body["memory_enabled"] is True
    assert (body["conversation_count"], body["message_count"]) == (1, 4)
    assert (body["fact_count"], body["superseded_fact_count"]) == (1, 1)


async def test_list_shows_current_facts_and_history_on_request(
    client: httpx.AsyncClient, clean_app: FastAPI, db: AsyncSession, user: User, auth: dict[str, str]
) -> None:
    await remember(
        clean_app, db, user, "treat 90 days as dead stock", "treat 45 days as dead stock", "answer in German"
    )

    current = (await client.get("/ai/memory", headers=auth)).json()
    assert current["total"] == 2
    assert {(f["kind"], f["value"]) for f in current["items"]} == {
        ("dead_stock_threshold", 45),
        ("language", "de"),
    }
    assert all(f["current"] and f["valid_to"] is None for f in current["items"])

    history = (await client.get("/ai/memory", params={"include_history": "true"}, headers=auth)).json()
    assert history["total"] == 3
    old = next(f for f in history["items"] if f["value"] == 90)
    assert old["current"] is False and old["valid_to"] is not None and old["superseded_by"] is not None

    page = (
        await client.get("/ai/memory", params={"include_history": "true", "limit": 2}, headers=auth)
    ).json()
    assert (len(page["items"]), page["total"], page["limit"]) == (2, 3, 2)
    assert (await client.get("/ai/memory", params={"limit": 0}, headers=auth)).status_code == 422


async def test_delete_one_fact_and_another_users_fact_is_not_found(
    client: httpx.AsyncClient, clean_app: FastAPI, db: AsyncSession, user: User, auth: dict[str, str]
) -> None:
    other = await make_user(db, email="other@example.com")
    await remember(clean_app, db, user, "my target margin is 25%", "I mostly sell on GOAT")
    await remember(clean_app, db, other, "my target margin is 40%")
    mine = (await client.get("/ai/memory", headers=auth)).json()["items"]
    theirs = (await client.get("/ai/memory", headers=auth_headers_for(clean_app, other))).json()["items"]
    margin = next(f for f in mine if f["kind"] == "target_margin")

    assert (await client.delete(f"/ai/memory/facts/{theirs[0]['id']}", headers=auth)).status_code == 404
    assert (await client.delete("/ai/memory/facts/999999", headers=auth)).status_code == 404
    assert (await client.delete(f"/ai/memory/facts/{margin['id']}", headers=auth)).status_code == 204

    left = (await client.get("/ai/memory", headers=auth)).json()["items"]
    assert [f["kind"] for f in left] == ["preferred_platform"]
    still_theirs = (await client.get("/ai/memory", headers=auth_headers_for(clean_app, other))).json()
    assert still_theirs["total"] == 1
    context = await build_memory(db, clean_app.state.settings).load(
        user_id=user.id, query="price", token_budget=300
    )
    assert "target_margin_pct" not in context.settings


async def test_clear_needs_confirmation_and_removes_only_my_memory(
    client: httpx.AsyncClient, clean_app: FastAPI, db: AsyncSession, user: User, auth: dict[str, str]
) -> None:
    other = await make_user(db, email="other@example.com")
    await remember(
        clean_app, db, user, "Remember that anything older than 45 days counts as dead stock for me"
    )
    await remember(
        clean_app, db, other, "Remember that anything older than 60 days counts as dead stock for me"
    )

    for body in ({"confirm": False}, {}, {"confirm": "maybe"}):
        refused = await client.request("DELETE", "/ai/memory/clear", json=body, headers=auth)
        assert refused.status_code == 422, body
    assert (await client.request("DELETE", "/ai/memory/clear", headers=auth)).status_code == 422
    assert (await client.get("/ai/memory/status", headers=auth)).json()["fact_count"] == 1

    cleared = await client.request("DELETE", "/ai/memory/clear", json={"confirm": True}, headers=auth)
    assert cleared.status_code == 204
    status = (await client.get("/ai/memory/status", headers=auth)).json()
    assert (status["conversation_count"], status["message_count"], status["fact_count"]) == (0, 0, 0)
    assert status["superseded_fact_count"] == 0

    theirs = (await client.get("/ai/memory/status", headers=auth_headers_for(clean_app, other))).json()
    assert (theirs["conversation_count"], theirs["message_count"], theirs["fact_count"]) == (1, 2, 1)
    context = await build_memory(db, clean_app.state.settings).load(
        user_id=other.id, query="dead stock", token_budget=300
    )
    assert context.settings == {"dead_stock_days": 60}


async def test_export_has_my_facts_with_history_and_my_conversations_only(
    client: httpx.AsyncClient, clean_app: FastAPI, db: AsyncSession, user: User, auth: dict[str, str]
) -> None:
    other = await make_user(db, email="other@example.com")
    await remember(clean_app, db, user, "my target margin is 25%", "my target margin is 30%")
    await remember(clean_app, db, other, "my secret: I mostly sell on Klekt")

    response = await client.get("/ai/memory/export", headers=auth)
    assert response.status_code == 200
    export = response.json()
    assert export["user_id"] == str(user.id)
    assert sorted((f["value"], f["current"]) for f in export["facts"]) == [(25.0, False), (30.0, True)]
    [conversation] = export["conversations"]
    assert [m["content"] for m in conversation["messages"]] == [
        "my target margin is 25%",
        "Noted.",
        "my target margin is 30%",
        "Noted.",
    ]
    assert "Klekt" not in response.text
