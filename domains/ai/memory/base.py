"""The seam between the assistant and long-term memory (SQL by default, Memori opt-in).

The assistant service calls, per turn, in this order:
    saved = await memory.observe_user_message(user_id=..., conversation_id=..., text=..., language=...)
    context = await memory.load(user_id=..., query=..., token_budget=...)
    ... provider answers, with context.settings as tool defaults and context.snippets in the prompt ...
    await memory.after_turn(user_id=..., conversation_id=..., user_text=..., answer=...)
Language models may also call `remember` (their `remember` tool) while they answer.
Every method is scoped to one user: no call can read or write another user's memory.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from typing import Any, Protocol

# Typed fact kinds and the tool default each one sets (None: informational only).
FACT_KINDS: dict[str, str | None] = {
    "dead_stock_threshold": "dead_stock_days",  # int days
    "target_margin": "target_margin_pct",  # float percent
    "preferred_platform": "preferred_platform",  # platform code
    "seller_level": "seller_level",  # e.g. "stockx level 3"
    "sizes_of_interest": "sizes_of_interest",  # list of sizes
    "currency": "currency",  # ISO code
    "language": "language",  # "en" / "de"
    "digest_enabled": "digest_enabled",  # bool: the daily insights digest on or off
    "digest_hour": "digest_hour",  # int 0..23 (UTC): when the day's digest is built
    "insights_min_severity": "insights_min_severity",  # info | warning | critical
    "note": None,  # free text
}


@dataclass(frozen=True, slots=True)
class FactRef:
    """A fact as the assistant cites it in sources."""

    id: int
    kind: str
    value: Any
    text: str


@dataclass(frozen=True, slots=True)
class MemoryContext:
    settings: dict[str, Any] = field(default_factory=dict)  # e.g. {"dead_stock_days": 45}
    facts: list[FactRef] = field(default_factory=list)  # the facts behind `settings` + other relevant ones
    snippets: list[str] = field(default_factory=list)  # past conversation snippets, within budget


class MemoryBackend(Protocol):
    name: str  # "sql" | "memori"

    async def observe_user_message(
        self, *, user_id: uuid.UUID, conversation_id: uuid.UUID, text: str, language: str
    ) -> list[FactRef]: ...

    async def load(
        self, *, user_id: uuid.UUID, query: str, token_budget: int, with_messages: bool = True
    ) -> MemoryContext:
        """Facts (and, with_messages, snippets of past conversations) relevant to `query`."""
        ...

    async def after_turn(
        self, *, user_id: uuid.UUID, conversation_id: uuid.UUID, user_text: str, answer: str
    ) -> None: ...

    async def remember(
        self,
        *,
        user_id: uuid.UUID,
        kind: str,
        value: Any,
        text: str,
        conversation_id: uuid.UUID | None = None,
    ) -> FactRef: ...
