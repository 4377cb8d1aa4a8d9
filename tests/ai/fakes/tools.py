"""Shared pieces of the provider tests: a running fake LLM server, settings, a recording
tool executor, and a helper that drains a provider stream."""

from __future__ import annotations

import time
from collections.abc import AsyncIterator, Callable, Iterator
from dataclasses import dataclass, field
from typing import Any, TypeVar

from pydantic import ValidationError

from domains.ai.providers.base import (
    AssistantRequest,
    ChatTurn,
    Completed,
    Provider,
    ProviderEvent,
    TextDelta,
    ToolCallFinished,
    ToolCallStarted,
    ToolExecutor,
    ToolResult,
    ToolSpec,
)
from domains.ai.tools.business import business_tool_specs
from domains.ai.tools.specs import TOOL_ARGS
from shared.config.settings import Settings
from tests.ai.fakes.llm_server import FakeLLMServer


def running_fake_server() -> Iterator[FakeLLMServer]:
    server = FakeLLMServer()
    server.start()
    try:
        yield server
    finally:
        server.stop()


def provider_settings(**overrides: Any) -> Settings:
    values: dict[str, Any] = {
        "DATABASE_URL": "sqlite+aiosqlite:///:memory:",
        "ENVIRONMENT": "test",
        "OPENAI_API_KEY": "sk-test-0123456789abcdef",
        "ANTHROPIC_API_KEY": "sk-ant-test-0123456789abcdef",
        "AI_REQUEST_TIMEOUT_SECONDS": 2.0,
        "AI_MAX_RETRIES": 2,
        "AI_MAX_TOOL_STEPS": 4,
    }
    values.update(overrides)
    return Settings(_env_file=None, **values)


P = TypeVar("P", bound=Provider)


async def making_providers(provider_class: Callable[..., P], **base: Any) -> AsyncIterator[Callable[..., P]]:
    """For a fixture: `make(stream_responses=True, **settings)` builds a `provider_class` on
    provider_settings(**base, **settings) with fast retries; every provider made is closed
    when the fixture ends."""
    made: list[P] = []

    def make(*, stream_responses: bool = True, **settings: Any) -> P:
        provider = provider_class(
            provider_settings(**{**base, **settings}),
            stream_responses=stream_responses,
            retry_base_delay=0.05,
        )
        made.append(provider)
        return provider

    yield make
    for provider in made:
        await provider.aclose()


@dataclass
class RecordingTools:
    """A ToolExecutor that validates like the real one (the TOOL_ARGS models) and returns
    fixed figures; it records every call that really ran."""

    data: dict[str, dict[str, Any]] = field(default_factory=dict)
    calls: list[tuple[str, dict[str, Any], str | None]] = field(default_factory=list)
    # The specs the app sends: query_business offered always, the others on demand (more_tools).
    specs: list[ToolSpec] = field(default_factory=lambda: list(business_tool_specs()))

    async def run(self, name: str, arguments: dict[str, Any], *, call_id: str | None = None) -> ToolResult:
        model, _ = TOOL_ARGS[name]
        try:
            args = model.model_validate(arguments)
        except ValidationError as exc:
            return ToolResult(
                call_id or "", name, arguments, {}, error=f"Invalid arguments: {exc.error_count()} error(s)"
            )
        self.calls.append((name, arguments, call_id))
        return ToolResult(
            call_id or "", name, args.model_dump(mode="json"), self.data.get(name, {"ok": True})
        )


def ask(text: str, **kwargs: Any) -> AssistantRequest:
    values: dict[str, Any] = {"messages": [ChatTurn("user", text)], "system_prompt": ""}
    values.update(kwargs)
    return AssistantRequest(**values)


@dataclass
class Run:
    events: list[ProviderEvent]
    seconds: float

    @property
    def text(self) -> str:
        return "".join(e.text for e in self.events if isinstance(e, TextDelta))

    @property
    def completed(self) -> Completed:
        final = self.events[-1]
        assert isinstance(final, Completed), final
        assert sum(isinstance(e, Completed) for e in self.events) == 1
        return final

    @property
    def started(self) -> list[ToolCallStarted]:
        return [e for e in self.events if isinstance(e, ToolCallStarted)]

    @property
    def finished(self) -> list[ToolCallFinished]:
        return [e for e in self.events if isinstance(e, ToolCallFinished)]


async def run_provider(provider: Provider, request: AssistantRequest, tools: ToolExecutor) -> Run:
    start = time.monotonic()
    events = [event async for event in provider.stream(request, tools)]
    return Run(events=events, seconds=time.monotonic() - start)
