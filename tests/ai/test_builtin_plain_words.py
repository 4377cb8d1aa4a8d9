"""The built-in engine reads questions from people without the jargon (new hires), metrics described
by their definition, regional German, price ranges, weeks of a month and fee follow-ups that only
change the price. Written after the third blind eval round (eval/questions_blind3.yaml)."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from domains.ai.providers.builtin.followups import resolve_conversation
from domains.ai.providers.builtin.parser import parse_message
from domains.ai.providers.builtin.text import prepare

NOW = datetime(2025, 6, 18, 12, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("was ham wir heut verkauft", "was haben wir heute verkauft"),
        ("wie läufts mit Nike", "wie laeuft es mit nike"),
        ("was kriag i raus", "was kriege ich raus"),
        ("wie viele Treter ham wir vertickt", "wie viele schuhe haben wir verkauft"),
    ],
)
def test_regional_german_is_read_as_standard_german(raw: str, expected: str) -> None:
    assert prepare(raw) == expected


@pytest.mark.parametrize(
    ("text", "metric"),
    [
        ("on average how much does one sale bring in", "aov"),
        ("for every euro we spend buying shoes, how much profit do we get back in percent", "roi"),
        ("are we making or losing money this month", "profit"),
        ("was hat uns die ware gekostet die wir im oktober verkauft haben", "cogs"),
    ],
)
def test_a_metric_described_by_its_definition_is_that_metric_alone(text: str, metric: str) -> None:
    query = parse_message(text, now=NOW)
    assert query.action == "kpis"
    assert query.metrics == (metric,)


def test_profit_named_beside_roi_is_kept() -> None:
    assert set(parse_message("profit and roi last month", now=NOW).metrics) == {"profit", "roi"}


@pytest.mark.parametrize(
    ("text", "action"),
    [
        ("which sneakers are selling fast", "best_sellers"),
        ("what brand do people buy the most from us", "best_sellers"),
        ("Top-Seller bei Jordan dieses Jahr", "best_sellers"),
        ("which website do we sell the most on", "sales_by_platform"),
        ("how much does it cost us to sell a 200 euro shoe on stockx", "fee_estimate"),
        ("if I sell a pair for 300 on goat what do we get", "fee_estimate"),
        ("revenue on klekt and goat last month", "compare_platforms"),
        ("Kohle letzte Woche", "kpis"),
        ("wieviel kohle steckt im lager", "inventory_summary"),
        ("how many shoes are up for sale online right now", "list_inventory"),
    ],
)
def test_plain_words_reach_the_right_action(text: str, action: str) -> None:
    assert parse_message(text, now=NOW).action == action


def test_a_price_range_filters_the_stock_and_is_not_a_product_name() -> None:
    query = parse_message("adidas in stock between 100 and 200", now=NOW)
    assert query.action == "list_inventory"
    assert (query.min_price, query.max_price, query.product_query) == (100, 200, None)


def test_a_named_threshold_is_the_dead_stock_age() -> None:
    query = parse_message("dead stock rate at a 75-day threshold", now=NOW)
    assert query.action == "dead_stock"
    assert query.threshold_days == 75


@pytest.mark.parametrize(
    ("text", "first", "last"),
    [
        ("cogs in the first week of may", date(2025, 5, 1), date(2025, 5, 7)),
        ("umsatz in der zweiten woche im mai", date(2025, 5, 8), date(2025, 5, 14)),
        ("profit in the last week of april", date(2025, 4, 24), date(2025, 4, 30)),
    ],
)
def test_a_week_of_a_named_month_is_that_weeks_days(text: str, first: date, last: date) -> None:
    window = parse_message(text, now=NOW).window
    assert window is not None
    assert (window.start, window.end) == (first, last)


def test_unknown_words_in_a_stock_question_fall_back_to_the_stock_answer() -> None:
    query = parse_message("how much did we pay for all the shoes we still have", now=NOW)
    assert query.action == "inventory_summary"
    assert query.extra.get("value_asked") is True


def test_a_fee_follow_up_that_names_only_a_price_keeps_the_platform() -> None:
    query = resolve_conversation(
        ["how much do i get for 220 on stockx", "and on goat", "what about 300"], now=NOW
    )
    assert query.action == "fee_estimate"
    assert (query.amount, query.platforms) == (300.0, ("goat",))
