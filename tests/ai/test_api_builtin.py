"""The /ai API with the real default engine (the built-in provider, no API key) and the real
SQL memory: answers state the domain services' figures, in English and German, remember the
user's dead-stock threshold, stream, and answer for a failing language model (the real
Anthropic SDK provider against the loopback fake API)."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy.ext.asyncio import AsyncSession

from domains.analytics.service import AnalyticsService
from tests.ai.fakes.app_providers import LanguageModels, install_builtin
from tests.ai.fakes.llm_server import ANTHROPIC_PATH, FakeLLMServer, anthropic_error
from tests.ai.test_api import parse_sse
from tests.factories import days_ago, make_brand, make_item, make_order, make_product

pytestmark = pytest.mark.ai


@pytest.fixture
def builtin(app: FastAPI, monkeypatch: pytest.MonkeyPatch) -> None:
    """The providers the app builds from its settings (no keys: the built-in engine)."""
    install_builtin(app, monkeypatch)


async def shop(db: AsyncSession) -> None:
    jordan = await make_brand(db, "Jordan")
    chicago = await make_product(
        db, brand=jordan, sku="DZ5485-612", name="Air Jordan 1 Retro High OG Chicago"
    )
    for age in (5, 50, 70, 100, 130):
        await make_item(db, product=chicago, purchased_at=days_ago(age))
    sold = await make_item(db, product=chicago, purchased_at=days_ago(20))
    await make_order(db, item=sold, sale_price="250.00")
    await db.commit()


def tools_of(body: dict[str, Any]) -> list[str]:
    return [source["tool"] for source in body["sources"]]


async def test_inventory_count_is_the_services_figure(
    client: httpx.AsyncClient, auth: dict[str, str], builtin: None, db: AsyncSession
) -> None:
    await shop(db)
    expected = await AnalyticsService(db).inventory_summary()
    response = await client.post(
        "/ai/query", json={"query": "What is my current inventory count?"}, headers=auth
    )
    assert response.status_code == 200, response.text
    body = response.json()
    assert expected.units_in_inventory == 5
    assert "5 pairs" in body["response"]
    assert body["intent"] == "inventory"
    assert body["provider"] == "builtin" and body["fallback"] is False
    assert body["language"] == "en"
    assert tools_of(body) == ["query_business"]
    summary = body["sources"][0]
    assert summary["result"]["totals"]["units_in_inventory"] == expected.units_in_inventory
    assert summary["arguments"]["metrics"] == ["units_in_inventory"]
    assert body["interpretation"]["text"] == "Pairs in inventory, now"
    assert body["usage"]["estimated_cost_usd"] == 0
    assert body["tokens_used"] == body["usage"]["total_tokens"] > 0  # counted, so the budget applies


async def test_german_questions_get_german_answers(
    client: httpx.AsyncClient, auth: dict[str, str], builtin: None, db: AsyncSession
) -> None:
    await shop(db)
    response = await client.post(
        "/ai/query", json={"query": "Wie viele Paare habe ich auf Lager?"}, headers=auth
    )
    body = response.json()
    assert body["language"] == "de"
    assert "5 Paare" in body["response"]
    revenue = await client.post(
        "/ai/query", json={"query": "Wie hoch war mein Umsatz diesen Monat?"}, headers=auth
    )
    assert revenue.json()["intent"] == "analytics"
    assert tools_of(revenue.json()) == ["query_business"]
    assert revenue.json()["interpretation"]["text"] == "Umsatz, alle Plattformen, dieser Monat"
    assert "250,00" in revenue.json()["response"]


async def test_a_remembered_threshold_changes_dead_stock_and_is_cited(
    client: httpx.AsyncClient, auth: dict[str, str], builtin: None, db: AsyncSession
) -> None:
    await shop(db)
    told = await client.post(
        "/ai/query", json={"query": "From now on, count pairs as dead stock after 45 days."}, headers=auth
    )
    assert told.status_code == 200
    assert [f["kind"] for f in told.json()["facts_saved"]] == ["dead_stock_threshold"]
    asked = (await client.post("/ai/query", json={"query": "Show me my dead stock"}, headers=auth)).json()
    dead = next(s for s in asked["sources"] if s["tool"] == "list_inventory")
    assert dead["arguments"]["dead_stock_days"] == 45
    assert dead["result"]["total"] == 4  # 50, 70, 100 and 130 days old
    assert dead["facts_used"][0]["kind"] == "dead_stock_threshold"
    assert asked["memory_used"][0]["value"] == 45
    assert "4 pairs" in asked["response"]


async def test_stream_with_the_builtin_engine_ends_with_the_full_answer(
    client: httpx.AsyncClient, auth: dict[str, str], builtin: None, db: AsyncSession
) -> None:
    await shop(db)
    response = await client.post(
        "/ai/query/stream", json={"query": "How many pairs do I have?"}, headers=auth
    )
    events = parse_sse(response.text)
    names = [name for name, _ in events]
    assert names[0] == "start" and names[-1] == "final"
    assert "tool_result" in names and "delta" in names
    final = events[-1][1]
    assert "".join(data["text"] for name, data in events if name == "delta") == final["response"]
    assert events[0][1]["provider"] == "builtin"


async def test_a_failing_language_model_is_replaced_by_the_builtin_engine(
    client: httpx.AsyncClient,
    app: FastAPI,
    auth: dict[str, str],
    db: AsyncSession,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    await shop(db)
    server = FakeLLMServer()
    server.start()
    models = LanguageModels(app, monkeypatch, server)
    try:
        models.anthropic(AI_MAX_RETRIES=1)
        server.script(ANTHROPIC_PATH, *[anthropic_error(529, kind="overloaded_error") for _ in range(2)])
        body = (
            await client.post("/ai/query", json={"query": "How many pairs do I have?"}, headers=auth)
        ).json()
    finally:
        await models.aclose()
        server.stop()
    assert len(server.requests_to(ANTHROPIC_PATH)) == 2
    assert body["fallback"] is True
    assert body["fallback_reason"] == "anthropic: http 529 overloaded_error after 2 attempt(s)"
    assert body["provider"] == "builtin"
    assert "5 pairs" in body["response"]
    # no pre-fetched summary (language models fetch their figures): the engine's own figures answer
    assert body["context_included"] is False
    assert [s["tool"] for s in body["sources"]] == ["query_business"]
