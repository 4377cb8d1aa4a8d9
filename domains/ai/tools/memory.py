"""The `remember` tool of language models: the business tools plus one write, to the asking
user's own memory, through the memory backend (validated like facts we extract ourselves).

A remembered setting applies at once: a later tool call in the same answer uses it as its
default, as every later question does (it is loaded from memory then).
"""

from __future__ import annotations

import functools
import uuid
from typing import Any

import structlog
from pydantic import ValidationError
from sqlalchemy.ext.asyncio import AsyncSession

from domains.ai.memory.base import FACT_KINDS, FactRef, MemoryBackend
from domains.ai.memory.savepoint import memory_savepoint
from domains.ai.providers.base import ToolResult, ToolSpec
from domains.ai.tools.business import BusinessTools, fact_as_dict, jsonable, validation_error_text
from domains.ai.tools.specs import MEMORY_TOOL_ARGS, RememberArgs, tool_spec
from shared.error_handling.errors import DomainError

logger = structlog.get_logger(__name__)

REMEMBER = "remember"


@functools.cache
def memory_tool_specs() -> tuple[ToolSpec, ...]:
    """The `remember` spec, built once per process (see business_tool_specs)."""
    return tuple(
        tool_spec(name, model, description) for name, (model, description) in MEMORY_TOOL_ARGS.items()
    )


class RememberingTools:
    """ToolExecutor for language models: `BusinessTools` and `remember` for one user and turn."""

    def __init__(
        self,
        business: BusinessTools,
        *,
        session: AsyncSession,
        memory: MemoryBackend,
        user_id: uuid.UUID,
        conversation_id: uuid.UUID,
    ) -> None:
        self.business = business
        self.session = session
        self.memory = memory
        self.user_id = user_id
        self.conversation_id = conversation_id
        self.saved: list[FactRef] = []
        self.now = business.now
        self.vocabulary = business.vocabulary  # the built-in engine reads questions with it
        self.specs: list[ToolSpec] = [*business.specs, *memory_tool_specs()]

    async def run(self, name: str, arguments: dict[str, Any], *, call_id: str | None = None) -> ToolResult:
        if name != REMEMBER:
            return await self.business.run(name, arguments, call_id=call_id)
        call_id = call_id or f"{REMEMBER}_{len(self.saved) + 1}"
        raw = jsonable(arguments) if isinstance(arguments, dict) else {}
        try:
            args = RememberArgs.model_validate(arguments)
        except ValidationError as exc:
            return ToolResult(call_id, name, raw, {}, error=validation_error_text(exc))
        try:
            async with memory_savepoint(self.session):
                fact = await self.memory.remember(
                    user_id=self.user_id,
                    kind=args.kind,
                    value=args.value,
                    text=args.text,
                    conversation_id=self.conversation_id,
                )
        except DomainError as exc:  # a value that makes no sense for the kind: the model may retry
            return ToolResult(call_id, name, args.model_dump(mode="json"), {}, error=exc.message)
        self.saved.append(fact)
        self._apply(fact)
        logger.info("memory_fact_remembered", user_id=str(self.user_id), kind=fact.kind)
        return ToolResult(call_id, name, args.model_dump(mode="json"), {"saved": fact_as_dict(fact)})

    def _apply(self, fact: FactRef) -> None:
        """The new fact replaces the older one of its kind as a default for the rest of this turn."""
        setting = FACT_KINDS.get(fact.kind)
        if setting is None:
            return
        self.business.user_settings[setting] = fact.value
        self.business.facts = [f for f in self.business.facts if f.kind != fact.kind] + [fact]
