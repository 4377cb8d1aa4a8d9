"""The built-in engine end to end: real BusinessTools on a real database, answers grounded in tool figures."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from domains.ai.providers.base import AssistantRequest, ChatTurn, Completed, TextDelta, ToolCallFinished
from domains.ai.providers.builtin import BuiltinProvider
from domains.ai.providers.builtin import formatting as fmt
from domains.ai.tools.business import BusinessTools
from tests.conftest import test_settings as settings_for
from tests.factories import days_ago, make_brand, make_item, make_order, make_product


async def _ask(db: AsyncSession, *turns: str, **request: Any) -> tuple[Completed, list[Any]]:
    settings = settings_for("sqlite+aiosqlite://")
    provider = BuiltinProvider(settings)
    messages = [ChatTurn("user", t) if i % 2 == 0 else ChatTurn("assistant", t) for i, t in enumerate(turns)]
    tools = BusinessTools(db, settings=settings, user_settings=request.pop("user_settings", {}))
    events = [
        e
        async for e in provider.stream(
            AssistantRequest(messages=messages, system_prompt="", **request), tools
        )
    ]
    assert isinstance(events[-1], Completed)
    return events[-1], events


async def _shop(db: AsyncSession) -> None:
    nike, jordan = await make_brand(db, "Nike"), await make_brand(db, "Jordan")
    dunk = await make_product(db, brand=nike, sku="DD1391-100", name='Dunk Low "Panda"')
    aj1 = await make_product(db, brand=jordan, sku="DZ5485-612", name='Air Jordan 1 Retro High OG "Chicago"')
    await make_item(db, product=dunk, purchase_price="100.00", purchased_at=days_ago(10))
    await make_item(db, product=dunk, purchase_price="110.00", purchased_at=days_ago(100))
    await make_item(db, product=aj1, purchase_price="200.00", purchased_at=days_ago(70))
    sold = await make_item(db, product=aj1, purchase_price="150.00", purchased_at=days_ago(40), status="sold")
    await make_order(db, item=sold, sale_price="250.00", platform="stockx", sold_at=days_ago(2))
    await db.commit()


async def test_inventory_answer_uses_the_tool_figures_and_streams(db: AsyncSession) -> None:
    await _shop(db)
    done, events = await _ask(db, "how many pairs do i have?")
    assert done.intent == "inventory"
    assert "**3 pairs**" in done.answer and "€410.00" in done.answer
    finished = [e for e in events if isinstance(e, ToolCallFinished)]
    assert [e.result.name for e in finished] == ["inventory_summary"]
    deltas = [e.text for e in events if isinstance(e, TextDelta)]
    assert len(deltas) >= 2 and "".join(deltas) == done.answer
    assert done.usage.prompt_tokens > 0 and done.usage.completion_tokens > 0
    assert done.model == "soleflip-builtin-1"


async def test_german_question_gets_a_german_answer_with_german_numbers(db: AsyncSession) -> None:
    await _shop(db)
    done, _ = await _ask(db, "Wie viel Umsatz hatte ich diesen Monat?")
    assert done.language == "de"
    assert "250,00 €" in done.answer and "Umsatz" in done.answer


async def test_dead_stock_honours_the_users_threshold_unless_one_is_named(db: AsyncSession) -> None:
    await _shop(db)
    default, _ = await _ask(db, "how much dead stock do I have?")
    assert "**2 pairs** are dead stock" in default.answer  # 100 and 70 days > 60
    mine, _ = await _ask(db, "how much dead stock do I have?", user_settings={"dead_stock_days": 90})
    assert "**1 pairs** are dead stock" in mine.answer or "**1 pair" in mine.answer
    named, events = await _ask(db, "pairs older than 5 days")
    assert "**3 pairs**" in named.answer
    calls = [e.result for e in events if isinstance(e, ToolCallFinished)]
    assert calls[0].arguments["threshold_days"] == 5


async def test_follow_up_carries_brand_and_window(db: AsyncSession) -> None:
    await _shop(db)
    first, _ = await _ask(db, "revenue this month")
    done, events = await _ask(db, "revenue this month", first.answer, "and only nike?")
    kpis = next(e.result for e in events if isinstance(e, ToolCallFinished))
    assert kpis.arguments["brand"] == "Nike"
    assert kpis.arguments["period"] == "this_month"
    assert "€0.00" in done.answer  # Nike sold nothing


async def test_not_understood_says_so_with_three_suggestions(db: AsyncSession) -> None:
    done, events = await _ask(db, "what's the weather in berlin?")
    assert done.intent == "general"
    assert "didn't understand" in done.answer
    assert len(done.suggestions) == 3
    assert not any(isinstance(e, ToolCallFinished) for e in events)
    german, _ = await _ask(db, "erzähl mir einen Witz über Katzen")
    assert "nicht verstanden" in german.answer


async def test_remember_acknowledges_the_saved_fact(db: AsyncSession) -> None:
    fact = {"id": 1, "kind": "dead_stock_threshold", "value": 45, "text": "dead stock after 45 days"}
    done, _ = await _ask(db, "from now on pairs older than 45 days count as dead stock", facts_saved=[fact])
    assert done.answer == "Noted — from now on pairs older than 45 days count as dead stock."


def test_number_formats_per_language() -> None:
    assert fmt.money(Decimal("1234.5"), "en") == "€1,234.50"
    assert fmt.money(Decimal("1234.5"), "de") == "1.234,50 €"
    assert fmt.percent(17.5, "de") == "17,50 %"
    assert fmt.percent(None, "en") == "not available"
