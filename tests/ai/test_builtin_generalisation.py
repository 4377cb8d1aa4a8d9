"""The built-in engine reads questions phrased in ways its own eval never used: number words,
shorthand, decimal sizes, colloquial German, follow-ups that only name a number of days."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from domains.ai.providers.builtin.followups import resolve_conversation
from domains.ai.providers.builtin.parser import parse_message
from domains.ai.providers.builtin.text import prepare, words_to_numbers

NOW = datetime(2025, 6, 18, 12, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("the last seven days", "the last 7 days"),
        ("sells for two hundred and fifty", "sells for 250"),
        ("one thousand two hundred", "1200"),
        ("in den letzten zwei wochen", "in den letzten 2 wochen"),
        ("fuenfundzwanzig tage", "25 tage"),
        ("seit einem monat", "seit 1 monat"),
        ("only one left", "only one left"),  # 'one' is a number only before a unit
        ("ein paar schuhe", "ein paar schuhe"),
    ],
)
def test_number_words_become_digits(text: str, expected: str) -> None:
    assert words_to_numbers(text) == expected


def test_shorthand_and_typos_are_read() -> None:
    assert prepare("revenu this mnth") == "revenue this month"
    assert prepare("rev last qtr?") == "revenue last quarter?"
    # a real German word is not "corrected" into a business word ('laenger' is not 'lager')
    assert "laenger als 90" in prepare("Welche Schuhe liegen länger als 90 Tage im Lager?")


@pytest.mark.parametrize(
    ("text", "action", "metric", "window", "days"),
    [
        ("avg ticket size this quarter", "kpis", "aov", "this_quarter", None),
        ("what did we clear last quarter after fees", "kpis", "profit", "last_quarter", None),
        ("Was ist letzte Woche hängen geblieben?", "kpis", "profit", "last_week", None),
        ("Abverkaufsquote letzte 90 Tage", "kpis", "sell_through", "last_n_days", 90),
        ("Umsatz der letzten drei Monate", "kpis", "revenue", "last_n_days", 90),
        ("wie viele Paare über eBay in den letzten 30 Tagen", "kpis", "orders", "last_n_days", 30),
        ("how many pairs have we sold since the start of the year", "kpis", "orders", "this_year", None),
    ],
)
def test_kpi_questions_in_other_words(
    text: str, action: str, metric: str, window: str, days: int | None
) -> None:
    query = parse_message(text, now=NOW)
    assert query.action == action
    assert query.metrics[0] == metric
    assert query.window is not None and query.window.period == window
    assert query.window.days == days


@pytest.mark.parametrize(
    ("text", "action", "threshold"),
    [
        ("what hasn't sold in 3 months", "dead_stock", 90),
        ("Paare, die seit drei Monaten rumliegen", "dead_stock", 90),
        ("Welche Schuhe liegen länger als 90 Tage im Lager?", "dead_stock", 90),
        ("how many pairs are between 31 and 60 days old", "aging", None),
    ],
)
def test_age_questions(text: str, action: str, threshold: int | None) -> None:
    query = parse_message(text, now=NOW)
    assert (query.action, query.threshold_days) == (action, threshold)


def test_money_sitting_in_stock_is_its_value_not_dead_stock() -> None:
    query = parse_message("how much cash is sitting in inventory", now=NOW)
    assert query.action == "inventory_summary"
    assert query.extra["value_asked"]


def test_decimal_sizes_survive_punctuation() -> None:
    en = parse_message("new balance size 9.5 how many", now=NOW)
    de = parse_message("wie viele New Balance in größe 10,5", now=NOW)
    assert (en.brand, en.size, en.product_query) == ("New Balance", "9.5", None)
    assert (de.brand, de.size, de.product_query) == ("New Balance", "10.5", None)


def test_one_product_with_a_count_is_a_product_lookup() -> None:
    assert parse_message("how many dunk low panda left", now=NOW).action == "product_lookup"
    assert parse_message("Haben wir noch den Jordan 1 Dark Mocha?", now=NOW).action == "product_lookup"
    assert parse_message("Wie viele Jordans haben wir noch?", now=NOW).action == "inventory_summary"


def test_follow_ups_that_name_only_days() -> None:
    dead = resolve_conversation(["dead stock", "and if we say 120 days?"], now=NOW)
    assert (dead.action, dead.threshold_days) == ("dead_stock", 120)
    revenue = resolve_conversation(["revenue last 7 days", "what about the last 30?"], now=NOW)
    assert revenue.action == "kpis" and revenue.window is not None and revenue.window.days == 30
