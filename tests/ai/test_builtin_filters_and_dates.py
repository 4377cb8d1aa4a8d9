"""The built-in engine on listing platform, condition, named quarters, explicit date ranges and
phone shorthand; German answers write sizes with a decimal comma."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

import pytest
from sqlalchemy.ext.asyncio import AsyncSession

from domains.ai.providers.base import AssistantRequest, ChatTurn, Completed, ToolCallFinished
from domains.ai.providers.builtin import BuiltinProvider
from domains.ai.providers.builtin.followups import resolve_conversation
from domains.ai.providers.builtin.parser import parse_message
from domains.ai.tools.business import BusinessTools
from tests.conftest import test_settings as settings_for
from tests.factories import make_brand, make_item, make_order, make_product

NOW = datetime(2026, 11, 24, 12, 0, tzinfo=UTC)


def _window(text: str) -> tuple[date | None, date | None, str]:
    query = parse_message(text, now=NOW)
    assert query.windows, text
    w = query.windows[0]
    return w.start, w.end, w.period


@pytest.mark.parametrize(
    ("text", "start", "end"),
    [
        ("rev Q3", date(2026, 7, 1), date(2026, 9, 30)),
        ("profit im dritten Quartal", date(2026, 7, 1), date(2026, 9, 30)),
        ("How many orders were recorded in the first quarter?", date(2026, 1, 1), date(2026, 3, 31)),
        ("margin q4 2025", date(2025, 10, 1), date(2025, 12, 31)),
        ("rev 1 sept - 15 oct", date(2026, 9, 1), date(2026, 10, 15)),
        ("umsatz vom 1. september bis 15. oktober", date(2026, 9, 1), date(2026, 10, 15)),
        ("gewinn vom 01.10. bis 31.10.", date(2026, 10, 1), date(2026, 10, 31)),
        ("revenue between 1 July and 30 September", date(2026, 7, 1), date(2026, 9, 30)),
        ("revenue from 15 December to 10 January", date(2025, 12, 15), date(2026, 1, 10)),
        ("profit since 1 october", date(2026, 10, 1), date(2026, 11, 24)),
    ],
)
def test_named_quarters_and_explicit_date_ranges(text: str, start: date, end: date) -> None:
    assert _window(text) == (start, end, "custom")


def test_dates_are_not_read_as_prices_or_products() -> None:
    query = parse_message("umsatz vom 1. september bis 15. oktober", now=NOW)
    assert (query.action, query.metrics, query.max_price, query.product_query) == (
        "kpis",
        ("revenue",),
        None,
        None,
    )


@pytest.mark.parametrize(
    ("text", "action", "window_days"),
    [
        ("inv val", "inventory_summary", None),
        ("stk count", "inventory_summary", None),
        ("units sold 7d", "kpis", 7),
        ("top 3 brands 90d", "best_sellers", 90),
        ("stockx v goat mtd", "compare_platforms", None),
        ("net on 300 stockx", "fee_estimate", None),
        ("What is the average holding period of items sold this year?", "kpis", None),
        ("What was revenue for the prior fiscal year?", "kpis", None),
    ],
)
def test_phone_shorthand_and_formal_wording(text: str, action: str, window_days: int | None) -> None:
    query = parse_message(text, now=NOW)
    assert query.action == action
    if window_days is not None:
        assert query.windows[0].days == window_days


def test_dead_stock_threshold_in_compact_days_and_german_ab() -> None:
    assert parse_message("dead stk 120d", now=NOW).threshold_days == 120
    followup = resolve_conversation(["dead stock", "und ab 120 tagen?"], now=NOW)
    assert (followup.action, followup.threshold_days, followup.min_price) == ("dead_stock", 120, None)


@pytest.mark.parametrize(
    ("text", "status", "platform", "condition"),
    [
        ("how many pairs are listed on GOAT", "listed", "goat", None),
        ("was hab ich bei StockX gelistet", "listed", "stockx", None),
        ("stockx listings", "listed", "stockx", None),
        ("used pairs", None, None, "used"),
        ("gebrauchte Paare", None, None, "used"),
        ("how many used nikes", None, None, "used"),
    ],
)
def test_listing_platform_and_condition_filters(
    text: str, status: str | None, platform: str | None, condition: str | None
) -> None:
    query = parse_message(text, now=NOW)
    assert query.action == "list_inventory"
    assert (query.status, query.platform, query.condition) == (status, platform, condition)


async def _ask(db: AsyncSession, question: str) -> tuple[Completed, list[Any]]:
    settings = settings_for("sqlite+aiosqlite://")
    tools = BusinessTools(db, settings=settings, user_settings={})
    events = [
        e
        async for e in BuiltinProvider(settings).stream(
            AssistantRequest(messages=[ChatTurn("user", question)], system_prompt=""), tools
        )
    ]
    assert isinstance(events[-1], Completed)
    return events[-1], [e for e in events if isinstance(e, ToolCallFinished)]


async def _shop(db: AsyncSession) -> None:
    nike = await make_brand(db, "Nike")
    dunk = await make_product(db, brand=nike, sku="DD1391-100", name='Dunk Low "Panda"')
    for platform in ("goat", "goat", "stockx"):
        await make_item(
            db, product=dunk, status="listed", listed_price=Decimal("150"), listed_platform=platform
        )
    await make_item(db, product=dunk, size="10.5", condition="used")
    await make_item(db, product=dunk, size="10.5")
    sold = await make_item(db, product=dunk, condition="used")
    await make_order(db, item=sold)
    await db.commit()


async def test_engine_counts_pairs_listed_on_one_platform(db: AsyncSession) -> None:
    await _shop(db)
    done, calls = await _ask(db, "how many pairs are listed on GOAT")
    assert calls[-1].result.name == "list_inventory"
    assert "**2 pairs**" in done.answer and "GOAT" in done.answer
    done, _ = await _ask(db, "was hab ich bei StockX gelistet")
    assert "**1 Paare**" in done.answer or "**1 Paar**" in done.answer


async def test_engine_counts_used_pairs_and_writes_german_sizes_with_a_comma(db: AsyncSession) -> None:
    await _shop(db)
    done, _ = await _ask(db, "used pairs")
    assert "**1 pairs**" in done.answer or "**1 pair**" in done.answer  # the sold used pair is not in stock
    done, _ = await _ask(db, "gebrauchte Paare")
    assert "gebraucht" in done.answer and "10,5" in done.answer and "10.5" not in done.answer
    done, _ = await _ask(db, "haben wir was in Größe 10,5")
    assert "Größe 10,5" in done.answer


@pytest.mark.parametrize(
    ("text", "start", "end"),
    [
        ("umsatz KW 44", date(2026, 10, 26), date(2026, 11, 1)),
        ("H1 revenue", date(2026, 1, 1), date(2026, 6, 30)),
        ("gewinn im ersten halbjahr", date(2026, 1, 1), date(2026, 6, 30)),
        ("What were net sales for the quarter ended 30 September?", date(2026, 7, 1), date(2026, 9, 30)),
    ],
)
def test_calendar_weeks_halves_and_periods_ended(text: str, start: date, end: date) -> None:
    assert _window(text) == (start, end, "custom")


@pytest.mark.parametrize(
    ("text", "period", "days"),
    [
        ("rev lm", "last_month", None),
        ("rev ytd vs ly", "this_year", None),
        ("l30d rev", "last_n_days", 30),
        ("profit 2 weeks", "last_n_days", 14),
        ("revenue last 12 months", "last_n_days", 365),
    ],
)
def test_short_window_words(text: str, period: str, days: int | None) -> None:
    window = parse_message(text, now=NOW).windows[0]
    assert (window.period, window.days) == (period, days)


def test_owner_shorthand_metrics_and_rankings() -> None:
    assert parse_message("gm% ytd", now=NOW).metrics == ("margin",)
    assert parse_message("gm", now=NOW).metrics == ()  # "good morning", not gross margin
    ranking = parse_message("rev by brand mtd", now=NOW)
    assert (ranking.action, ranking.by) == ("best_sellers", "brand")
    assert parse_message("welche brands laufen gerade am besten", now=NOW).action == "best_sellers"
    fee = parse_message("fees für nen 250er auf goat", now=NOW)
    assert (fee.action, fee.amount) == ("fee_estimate", 250.0)


def test_a_bare_number_after_dead_stock_is_an_age_not_a_price() -> None:
    followup = resolve_conversation(["dead stk", "over 200"], now=NOW)
    assert (followup.action, followup.threshold_days) == ("dead_stock", 200)
    priced = resolve_conversation(["list my pairs", "over 200 eur"], now=NOW)
    assert (priced.action, priced.min_price) == ("list_inventory", 200.0)


async def test_platform_ranking_leads_with_the_metric_asked_for(db: AsyncSession) -> None:
    nike = await make_brand(db, "Nike")
    dunk = await make_product(db, brand=nike, sku="DD1391-100", name='Dunk Low "Panda"')
    big = await make_item(db, product=dunk, purchase_price="200.00")
    await make_order(db, item=big, sale_price="300.00", platform="stockx")  # more revenue, 23% margin
    small = await make_item(db, product=dunk, purchase_price="100.00")
    await make_order(  # less revenue, 50% margin
        db, item=small, sale_price="200.00", platform="local", platform_fee="0", processing_fee="0"
    )
    await db.commit()
    done, _ = await _ask(db, "which platform had the best margin in the last 30 days")
    assert "Highest margin: **local** (50.00%)" in done.answer
    done, _ = await _ask(db, "revenue per platform last 30 days")
    assert "Most revenue: **StockX** (€300.00)" in done.answer


@pytest.mark.parametrize(
    ("turns", "action", "windows", "extra"),
    [
        (["rev q3", "vs q2?"], "compare_periods", ["Q3 2026", "Q2 2026"], {}),
        (["rev mtd", "vs lm"], "compare_periods", ["this month", "last month"], {}),
        (["umsatz im q3", "und im q3 letztes jahr?"], "kpis", ["Q3 2025"], {}),
        (["revenue october last year"], "kpis", ["October 2025"], {}),
        (["profit ytd", "per brand"], "best_sellers", ["this year"], {"by": "brand"}),
        (["stockx vs goat ytd", "and profit?"], "compare_platforms", ["this year"], {"metrics": ("profit",)}),
        (["used pairs", "how many on stockx"], "list_inventory", [], {"condition": "used"}),
        (["dead stk", "how much is that worth"], "dead_stock", [], {}),
    ],
)
def test_follow_ups_of_the_new_kinds(
    turns: list[str], action: str, windows: list[str], extra: dict[str, object]
) -> None:
    query = resolve_conversation(turns, now=NOW)
    assert query.action == action
    assert [w.label_en for w in query.windows] == windows
    for name, value in extra.items():
        assert getattr(query, name) == value


def test_two_brands_compared_and_hurried_typing() -> None:
    query = parse_message("nike vs adidas rev ytd", now=NOW)
    assert (query.action, query.brands, query.metrics) == ("compare_brands", ("Nike", "Adidas"), ("revenue",))
    hurried = parse_message("hw much rev ths mnth", now=NOW)
    assert (hurried.action, hurried.metrics, hurried.windows[0].period) == (
        "kpis",
        ("revenue",),
        "this_month",
    )
    assert parse_message("how we doin this month", now=NOW).action == "kpis"


async def test_engine_compares_two_brands_side_by_side(db: AsyncSession) -> None:
    nike, adidas = await make_brand(db, "Nike"), await make_brand(db, "Adidas")
    dunk = await make_product(db, brand=nike, sku="DD1391-100", name='Dunk Low "Panda"')
    samba = await make_product(db, brand=adidas, sku="B75806", name='Samba OG "Cloud White"')
    await make_order(db, item=await make_item(db, product=dunk), sale_price="300.00")
    await make_order(db, item=await make_item(db, product=samba), sale_price="120.00")
    await db.commit()
    done, calls = await _ask(db, "nike vs adidas revenue last 30 days")
    assert done.intent == "analytics" and [c.result.name for c in calls] == ["kpis", "kpis"]
    assert "| Revenue | €300.00 | €120.00 |" in done.answer


@pytest.mark.parametrize(
    ("text", "start", "end"),
    [
        ("revenue since march", date(2026, 3, 1), date(2026, 11, 24)),
        ("revenue from march to may", date(2026, 3, 1), date(2026, 5, 31)),
        ("profit between september and october", date(2026, 9, 1), date(2026, 10, 31)),
        ("umsatz von juli bis september", date(2026, 7, 1), date(2026, 9, 30)),
        ("revenue november 2025 to january", date(2025, 11, 1), date(2026, 1, 31)),
        ("orders the week before last", date(2026, 11, 9), date(2026, 11, 15)),
        ("vorletzte woche umsatz", date(2026, 11, 9), date(2026, 11, 15)),
        ("revenue 2 months ago", date(2026, 9, 1), date(2026, 9, 30)),
        ("umsatz seit montag", date(2026, 11, 23), date(2026, 11, 24)),
    ],
)
def test_month_ranges_and_relative_dates(text: str, start: date, end: date) -> None:
    assert _window(text) == (start, end, "custom")


def test_a_bare_year_and_short_months_around_vs() -> None:
    assert parse_message("umsatz 2025", now=NOW).windows[0].period == "last_year"
    assert parse_message("new balance 2002r stock", now=NOW).windows == ()
    compared = parse_message("revenue sept vs oct", now=NOW)
    assert compared.action == "compare_periods"
    assert [w.label_en for w in compared.windows] == ["September 2026", "October 2026"]
