"""The built-in engine's reading of questions: intents, entities, windows and follow-ups (no DB)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from domains.ai.intents import classify_intent
from domains.ai.providers.builtin.followups import resolve_conversation
from domains.ai.providers.builtin.parser import parse_message
from domains.ai.providers.builtin.text import detect_language

NOW = datetime(2026, 5, 14, 12, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("question", "intent"),
    [
        ("what items sold best?", "analytics"),
        ("how many pairs do i have", "inventory"),
        ("which products should I discount?", "pricing"),
        ("what would I get for 250 on GOAT?", "pricing"),
        ("find DZ5485-612", "product"),
        ("hi", "general"),
        ("was hab ich letzten monat verdient", "analytics"),
        ("Welche Paare sind Ladenhüter?", "inventory"),
        ("tell me a joke about cats", "general"),
    ],
)
def test_classify_intent_reads_the_question_not_the_first_keyword(question: str, intent: str) -> None:
    assert classify_intent(question) == intent


@pytest.mark.parametrize(
    ("question", "action"),
    [
        ("what items sold best?", "best_sellers"),
        ("top 5 brands this year", "best_sellers"),
        ("show me pairs older than 90 days", "dead_stock"),
        ("was liegt schon über 100 Tage rum", "dead_stock"),
        ("aging buckets", "aging"),
        ("revenue by month this year", "time_series"),
        ("this month vs last month", "compare_periods"),
        ("StockX vs GOAT", "compare_platforms"),
        ("sales by platform last month", "sales_by_platform"),
        ("what did I sell yesterday?", "list_orders"),
        ("which pairs sold on goat last week", "list_orders"),
        ("what am i running low on?", "low_stock"),
        ("market price for dunk low panda", "market_prices"),
        ("what should i list my jordan 4 black cat for?", "price_recommendation"),
        ("from now on pairs older than 45 days count as dead stock", "remember"),
        ("fees on a 180 sale", "fee_estimate"),
        ("revnue last month", "kpis"),
        ("wie lange dauert es bis ein paar verkauft ist", "kpis"),
        ("how many kicks in stock rn", "inventory_summary"),
    ],
)
def test_actions(question: str, action: str) -> None:
    assert parse_message(question, now=NOW).action == action


def test_entities_brand_platform_size_threshold_top_n() -> None:
    query = parse_message("top 3 jordans on stock x in size 10.5 last 14 days", now=NOW)
    assert query.brand == "Jordan"
    assert query.platform == "stockx"
    assert query.size == "10.5"
    assert query.top_n == 3
    assert query.window is not None and query.window.tool_args() == {"period": "last_n_days", "days": 14}
    dead = parse_message("Paare älter als 6 Wochen", now=NOW)
    assert (dead.action, dead.threshold_days) == ("dead_stock", 42)


@pytest.mark.parametrize(
    ("phrase", "args"),
    [
        ("revenue last month", {"period": "last_month"}),
        ("Umsatz im letzten Monat", {"period": "last_month"}),
        ("und im Vormonat?", {"period": "last_month"}),
        ("profit ytd", {"period": "this_year"}),
        ("Gewinn in den letzten 14 Tagen", {"period": "last_n_days", "days": 14}),
        ("Gewinn im März", {"period": "custom", "start": "2026-03-01", "end": "2026-03-31"}),
        ("profit in december", {"period": "custom", "start": "2025-12-01", "end": "2025-12-31"}),
        ("sales this quarter", {"period": "this_quarter"}),
        ("heute", {"period": "today"}),
    ],
)
def test_windows_in_english_and_german(phrase: str, args: dict[str, object]) -> None:
    query = parse_message(phrase, now=NOW)
    assert query.window is not None and query.window.tool_args() == args


def test_no_period_means_no_window_so_tools_use_the_last_30_days() -> None:
    assert parse_message("profit", now=NOW).windows == ()


@pytest.mark.parametrize(
    ("turns", "action", "brand", "period", "platform"),
    [
        (["revenue this month", "and only nike?"], "kpis", "Nike", "this_month", None),
        (["Umsatz diesen Monat", "und davon nur Nike?"], "kpis", "Nike", "this_month", None),
        (["profit this month", "what about last month?"], "kpis", None, "last_month", None),
        (["revenue last month", "and on goat?"], "kpis", None, "last_month", "goat"),
        (
            ["how many nike pairs do i have", "which of those are dead stock?"],
            "dead_stock",
            "Nike",
            None,
            None,
        ),
    ],
)
def test_follow_ups_carry_the_previous_question(
    turns: list[str], action: str, brand: str | None, period: str | None, platform: str | None
) -> None:
    query = resolve_conversation(turns, now=NOW)
    assert query.action == action
    assert query.brand == brand
    assert (query.window.period if query.window else None) == period
    assert query.platform == platform


def test_a_new_question_does_not_inherit_old_filters() -> None:
    query = resolve_conversation(["nike revenue this month", "how many pairs do i have in total?"], now=NOW)
    assert query.action == "inventory_summary"
    assert query.brand is None


@pytest.mark.parametrize(
    ("text", "language"),
    [("how much did i make", "en"), ("was hab ich verdient", "de"), ("Größe 42?", "de"), ("StockX", "en")],
)
def test_language_detection(text: str, language: str) -> None:
    assert detect_language(text) == language
