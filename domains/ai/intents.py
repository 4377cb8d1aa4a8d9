"""The coarse intent of a question (the API's `intent`): inventory, analytics, pricing, product
or general. The built-in engine's parser decides it; the service uses the same function so the
intent is the same whichever provider answers."""

from __future__ import annotations

from datetime import UTC, datetime

from domains.ai.providers.builtin.parser import ACTION_INTENT, parse_message

INTENTS: tuple[str, ...] = ("inventory", "analytics", "pricing", "product", "general")


def classify_action(text: str, *, now: datetime | None = None) -> str:
    """The fine-grained action: dead_stock, kpis, best_sellers, fee_estimate, ..."""
    return parse_message(text, now=now or datetime.now(UTC)).action


def classify_intent(text: str) -> str:
    return ACTION_INTENT.get(classify_action(text), "general")
