"""The seam between the assistant and a language model: one small interface that the
built-in engine, OpenAI and Anthropic all implement.

A provider turns an AssistantRequest into a stream of events. It sees the business only
through `tools` (typed, read-only); it never touches the database itself.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any, Literal, Protocol

Role = Literal["user", "assistant"]


@dataclass(frozen=True, slots=True)
class ChatTurn:
    role: Role
    content: str


@dataclass(frozen=True, slots=True)
class ToolSpec:
    """What a model is told about a tool: name, description, JSON schema of the arguments.

    `summary`: set (a few words, or '' when the name says it all) for a tool a language model is
    offered on demand: its first request lists the tool by name and summary (in `more_tools`,
    domains/ai/providers/llm_common.py) instead of sending its schema, which comes with the next
    request once the model asks for it. None: offered in every request.
    """

    name: str
    description: str
    parameters: dict[str, Any]
    summary: str | None = None


@dataclass(frozen=True, slots=True)
class ToolResult:
    call_id: str
    name: str
    arguments: dict[str, Any]  # the validated arguments, defaults filled in
    data: dict[str, Any]  # JSON-able figures the tool returned
    error: str | None = None  # a message for the model when arguments were invalid
    facts_used: list[dict[str, Any]] = field(default_factory=list)  # memory facts that set defaults


class ToolExecutor(Protocol):
    specs: list[ToolSpec]

    async def run(self, name: str, arguments: dict[str, Any], *, call_id: str | None = None) -> ToolResult:
        """Validate and run one tool. Never raises for bad arguments: returns error instead."""
        ...


@dataclass(frozen=True, slots=True)
class AssistantRequest:
    messages: list[ChatTurn]  # history (oldest first) ending with the new user message
    system_prompt: str
    context: str | None = None  # ContextBuilder's pre-fetched summary (include_context=true)
    memory: list[str] = field(default_factory=list)  # recalled facts/snippets, already budgeted
    user_settings: dict[str, Any] = field(default_factory=dict)  # e.g. dead_stock_days from memory
    facts_saved: list[dict[str, Any]] = field(default_factory=list)  # facts stored from THIS message
    max_tokens: int = 1024
    temperature: float = 0.7
    language: str | None = None  # "en" / "de" when the client knows it


@dataclass(frozen=True, slots=True)
class Usage:
    prompt_tokens: int = 0  # every input token, the cached ones included
    completion_tokens: int = 0
    cached_tokens: int = 0  # of prompt_tokens: read from the provider's prompt cache (cheaper)
    cache_write_tokens: int = 0  # of prompt_tokens: written to the cache (Anthropic bills them higher)

    @property
    def total_tokens(self) -> int:
        return self.prompt_tokens + self.completion_tokens


# ---- stream events -----------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class TextDelta:
    text: str
    type: Literal["delta"] = "delta"


@dataclass(frozen=True, slots=True)
class ToolCallStarted:
    call_id: str
    name: str
    arguments: dict[str, Any]
    type: Literal["tool_call"] = "tool_call"


@dataclass(frozen=True, slots=True)
class ToolCallFinished:
    result: ToolResult
    type: Literal["tool_result"] = "tool_result"


@dataclass(frozen=True, slots=True)
class Completed:
    answer: str
    intent: str
    usage: Usage
    model: str
    finish_reason: str = "stop"
    language: str = "en"
    suggestions: list[str] = field(default_factory=list)
    interpretation: dict[str, Any] | None = None  # what was answered (docs/domain.md data contract)
    type: Literal["final"] = "final"


ProviderEvent = TextDelta | ToolCallStarted | ToolCallFinished | Completed


class ProviderError(Exception):
    """The provider could not answer (timeout, 429/5xx after retries, garbage). The service
    falls back to the built-in engine and flags the response."""


class Provider(Protocol):
    name: str  # "builtin" | "openai" | "anthropic"
    model: str
    # Capability flags: the service decides by these, never by the provider's name.
    # True: the provider is given ContextBuilder's pre-fetched summary of the figures the question
    # is about (include_context=true). False: it fetches every figure it states through the tools
    # itself: the built-in engine, and the language models (the summary cost them ~600 prompt
    # tokens on every first request and was one fixed query per intent; docs/benchmarks.md).
    wants_prefetched_context: bool
    # True: recalled snippets of the user's past conversations go into its prompt (language
    # models). False: it reads only the user's facts (settings, taught words): the built-in engine,
    # whose turn then skips the message search (docs/benchmarks.md).
    reads_past_messages: bool

    def stream(self, request: AssistantRequest, tools: ToolExecutor) -> AsyncIterator[ProviderEvent]:
        """Yield TextDelta / ToolCall* events and exactly one Completed, last."""
        ...

    async def aclose(self) -> None: ...
