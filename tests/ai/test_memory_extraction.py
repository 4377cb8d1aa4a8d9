"""What counts as a stated preference (a fact) and what is just a question."""

from __future__ import annotations

from typing import Any

import pytest

from domains.ai.memory.extraction import extract_facts, normalize_fact
from shared.error_handling.errors import ValidationFailed


def kinds(message: str) -> dict[str, Any]:
    return {f.kind: f.value for f in extract_facts(message)}


@pytest.mark.parametrize(
    ("message", "expected"),
    [
        (
            "Remember that anything older than 45 days counts as dead stock for me",
            {"dead_stock_threshold": 45},
        ),
        ("anything older than 45 days counts as dead stock", {"dead_stock_threshold": 45}),
        ("treat 90 days as dead stock", {"dead_stock_threshold": 90}),
        ("From now on, treat 3 months as dead stock.", {"dead_stock_threshold": 90}),
        ("ab jetzt gilt alles über 45 Tage als Ladenhüter", {"dead_stock_threshold": 45}),
        ("Ladenhüter sind bei mir Paare ab 45 Tagen", {"dead_stock_threshold": 45}),
        ("Bei mir gelten Paare ab 60 Tagen als Ladenhüter", {"dead_stock_threshold": 60}),
        ("my target margin is 25%", {"target_margin": 25.0}),
        ("Zielmarge 25 %", {"target_margin": 25.0}),
        ("Meine Zielmarge liegt bei 22,5 Prozent", {"target_margin": 22.5}),
        ("I aim for a 30% margin", {"target_margin": 30.0}),
        ("I mostly sell on GOAT", {"preferred_platform": "goat"}),
        ("ich verkaufe meistens über StockX", {"preferred_platform": "stockx"}),
        ("I'm StockX level 4", {"seller_level": "stockx level 4"}),
        ("I'm interested in sizes 9-11", {"sizes_of_interest": ["9", "9.5", "10", "10.5", "11"]}),
        ("my currency is USD", {"currency": "USD"}),
        ("ich rechne in Franken", {"currency": "CHF"}),
        ("answer in German", {"language": "de"}),
        ("Antworte bitte auf Englisch", {"language": "en"}),
        ("remember that I only buy Jordans", {"note": "I only buy Jordans"}),
        ("Merk dir: ich kaufe keine Yeezys", {"note": "ich kaufe keine Yeezys"}),
        # A statement followed by a question in the same message still states the margin.
        ("my target margin is 25%, what price should I ask for the Chicago?", {"target_margin": 25.0}),
    ],
)
def test_statements_become_typed_facts(message: str, expected: dict[str, Any]) -> None:
    assert kinds(message) == expected


@pytest.mark.parametrize(
    "message",
    [
        "how much dead stock older than 90 days do I have?",
        "Wie viele Ladenhüter über 90 Tage habe ich?",
        "Show me dead stock older than 90 days",
        "Zeig mir Ladenhüter älter als 90 Tage",
        "I have 12 pairs of dead stock older than 90 days",
        "Bei mir liegen 5 Ladenhüter seit 90 Tagen rum",
        "what if anything older than 30 days counted as dead stock?",
        "dead stock older than 90 days please, just this once",
        "With a target margin of 25%, what should I list this at?",
        "Calculate the price at 25% target margin",
        "What's my target margin?",
        "Is a 25% target margin realistic?",
        "my margin is only 12% this month",
        "wie hoch ist meine Marge diesen Monat?",
        "I sold 3 pairs on GOAT last week",
        "I sell on GOAT and StockX",
        "Remember when I sold the Chicagos?",
        "Do you have size 10?",
        "I paid 200 dollars for it",
        "What is dead stock?",
        "Hi",
    ],
)
def test_questions_and_observations_are_not_preferences(message: str) -> None:
    assert extract_facts(message) == []


def test_the_fact_keeps_the_users_own_words() -> None:
    [fact] = extract_facts("Remember that anything older than 45 days counts as dead stock for me.")
    assert fact.text == "anything older than 45 days counts as dead stock for me"


def test_remember_tool_values_are_validated_and_normalized() -> None:
    assert normalize_fact("preferred_platform", "Stock X", "sells on stockx").value == "stockx"
    assert normalize_fact("target_margin", "25 %", "25").value == 25.0
    assert normalize_fact("language", "German", "answer in German").value == "de"
    with pytest.raises(ValidationFailed):
        normalize_fact("dead_stock_threshold", 0, "zero days")
    with pytest.raises(ValidationFailed):
        normalize_fact("favourite_colour", "red", "red")


@pytest.mark.parametrize(
    ("message", "kind", "value"),
    [
        ("no daily digest for me please", "digest_enabled", False),
        ("bitte keinen Tagesbericht mehr", "digest_enabled", False),
        ("turn the daily digest back on", "digest_enabled", True),
        ("send my digest at 7am", "digest_hour", 7),
        ("Schick mir den Tagesbericht um 18 Uhr", "digest_hour", 18),
        ("remember: only critical insights", "insights_min_severity", "critical"),
        ("nur Warnungen als Hinweise bitte", "insights_min_severity", "warning"),
    ],
)
def test_digest_settings_are_facts_the_insights_read(message: str, kind: str, value: object) -> None:
    """The daily digest's settings (docs/insights.md) are said in chat like any preference."""
    assert [(f.kind, f.value) for f in extract_facts(message)] == [(kind, value)]
