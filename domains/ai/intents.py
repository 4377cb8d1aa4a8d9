"""The coarse intent of a question (the API's `intent`): inventory, analytics, pricing, product
or general, read by the same parser the built-in engine uses (lexicon only: no database), so
the intent is the same whichever provider answers."""

from __future__ import annotations

from datetime import UTC, datetime

from domains.ai.understanding.parser import Parser, assemble
from domains.ai.understanding.vocabulary import Vocabulary

INTENTS: tuple[str, ...] = ("inventory", "analytics", "pricing", "product", "general")
_TOOL_INTENTS = {
    "low_stock": "inventory",
    "market_price": "pricing",
    "price_recommendation": "pricing",
    "fee_estimate": "pricing",
}


def classify_intent(text: str, *, now: datetime | None = None) -> str:
    reading = Parser(Vocabulary()).read(text, now=now or datetime.now(UTC))
    interpretation = assemble(reading, now=now or datetime.now(UTC))
    if interpretation.action in _TOOL_INTENTS:
        return _TOOL_INTENTS[interpretation.action]
    facts = interpretation.facts
    if not facts:
        return "general"
    return "inventory" if facts == {"stock"} else "analytics"
