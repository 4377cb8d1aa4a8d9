"""BuiltinProvider: the offline engine every user meets first (no API key needed).

parse (parser + followups) -> plan and run tools (planner) -> render (renderer) -> stream.
It answers only with figures the tools return; what it cannot read it says so, with suggestions.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from typing import Any

from domains.ai.providers.base import (
    AssistantRequest,
    Completed,
    ProviderEvent,
    TextDelta,
    ToolCallFinished,
    ToolCallStarted,
    ToolExecutor,
    ToolResult,
    Usage,
)
from domains.ai.providers.builtin.followups import resolve_conversation
from domains.ai.providers.builtin.planner import execute
from domains.ai.providers.builtin.renderer import Renderer
from domains.ai.providers.builtin.text import detect_language
from domains.ai.tokens import count_tokens
from shared.config.settings import Settings


def conversation_language(request: AssistantRequest) -> str:
    """request.language wins; else the last user message, falling back to earlier ones, then English."""
    if request.language in ("en", "de"):
        return request.language
    users = [turn.content for turn in request.messages if turn.role == "user"]
    fallback = "en"
    for text in users[:-1]:
        fallback = detect_language(text, default=fallback)
    return detect_language(users[-1], default=fallback) if users else "en"


def chunks(text: str, *, parts: int = 4) -> list[str]:
    """The answer in a few pieces, split at line or sentence ends."""
    pieces = re.split(r"(?<=\n)|(?<=[.!?:] )", text)
    pieces = [p for p in pieces if p]
    if len(pieces) <= parts:
        return pieces or [text]
    size = -(-len(pieces) // parts)
    return ["".join(pieces[i : i + size]) for i in range(0, len(pieces), size)]


class BuiltinProvider:
    name = "builtin"
    model = "soleflip-builtin-1"

    def __init__(self, settings: Settings | None = None, *, now: datetime | None = None) -> None:
        self.settings = settings or Settings()
        self._now = now

    async def aclose(self) -> None:
        return None

    async def stream(self, request: AssistantRequest, tools: ToolExecutor) -> AsyncIterator[ProviderEvent]:
        now = self._now or getattr(tools, "now", None) or datetime.now(UTC)
        users = [turn.content for turn in request.messages if turn.role == "user"]
        language = conversation_language(request)
        query = resolve_conversation(users or [""], now=now)
        if request.facts_saved and query.action in {"unknown", "greeting"}:
            query = _as_remember(query)

        finished: list[ToolResult] = []
        call_ids = itertools.count(1)
        events: list[ProviderEvent] = []

        async def run(name: str, args: dict[str, Any]) -> ToolResult:
            call_id = f"builtin_{next(call_ids)}"
            events.append(ToolCallStarted(call_id=call_id, name=name, arguments=dict(args)))
            result = await tools.run(name, args, call_id=call_id)
            events.append(ToolCallFinished(result=result))
            finished.append(result)
            return result

        outcome = await execute(query, run)
        query = outcome.query or query
        for event in events:
            yield event
        renderer = Renderer(language=language, currency=self.settings.CURRENCY)
        answer = renderer.render(query, outcome, facts_saved=request.facts_saved)
        for piece in chunks(answer.text):
            yield TextDelta(text=piece)
        prompt_text = "\n".join(users[-6:])
        usage = Usage(prompt_tokens=count_tokens(prompt_text), completion_tokens=count_tokens(answer.text))
        yield Completed(
            answer=answer.text,
            intent=query.intent,
            usage=usage,
            model=self.model,
            language=language,
            suggestions=answer.suggestions,
        )


def _as_remember(query: Any) -> Any:
    from dataclasses import replace

    return replace(query, action="remember", explicit_action=True)
