"""Request and response bodies of the /ai endpoints. Field names follow the owner's
integration plan (`query`, `include_context`, `filters`, `messages`, `intent`, `response`,
`tokens_used`, `model`, `context_included`, `timestamp`, `category`, `suggestions`);
the rest are additions a client may ignore."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from domains.ai.tools.specs import PeriodName, Platform

Language = Literal["en", "de"]
SuggestionCategory = Literal["inventory", "pricing", "analytics"]
SUGGESTION_CATEGORIES: tuple[str, ...] = ("inventory", "pricing", "analytics")


def _strip_non_empty(value: str) -> str:
    value = value.strip()
    if not value:
        raise ValueError("must not be empty")
    return value


def _known_filters(value: dict[str, Any] | None) -> dict[str, Any] | None:
    if value is None:
        return None
    return ContextFilters.model_validate(value).model_dump(exclude_none=True, mode="json")


class ContextFilters(BaseModel):
    """Optional filters for the pre-fetched context (include_context=true)."""

    model_config = ConfigDict(extra="forbid")

    brand: str | None = Field(default=None, max_length=100)
    platform: Platform | None = None
    period: PeriodName | None = None
    days: int | None = Field(default=None, ge=1, le=3650)
    start: date | None = None
    end: date | None = None
    dead_stock_days: int | None = Field(default=None, ge=1, le=3650)


class AIQueryRequest(BaseModel):
    """One question, optionally continuing a stored conversation."""

    query: str = Field(min_length=1, max_length=2000, description="Natural language question")
    include_context: bool = Field(
        default=True,
        description=(
            "Pre-fetch a data summary for the question, for a provider that reads one; the shipped "
            "providers (built-in, OpenAI, Anthropic) query what they need instead, so context_included "
            "is false with them"
        ),
    )
    filters: dict[str, Any] | None = Field(
        default=None,
        description="Optional context filters: brand, platform, period, days, start, end, dead_stock_days",
    )
    conversation_id: uuid.UUID | None = Field(default=None, description="Continue this conversation")
    language: Language | None = Field(default=None, description="Answer language; detected when omitted")

    _strip = field_validator("query")(_strip_non_empty)

    _filters = field_validator("filters")(_known_filters)


class ConversationMessage(BaseModel):
    role: Literal["user", "assistant", "system"]
    content: str = Field(min_length=1, max_length=5000)

    _strip = field_validator("content")(_strip_non_empty)


class ConversationRequest(BaseModel):
    """Either the full history (`messages`, ending with the user's new message), or a stored
    conversation (`conversation_id`) plus only the new `message`."""

    messages: list[ConversationMessage] | None = Field(default=None, min_length=1, max_length=200)
    intent: str | None = Field(default=None, max_length=40, description="Optional intent override")
    conversation_id: uuid.UUID | None = None
    message: str | None = Field(default=None, min_length=1, max_length=5000)
    include_context: bool = True
    filters: dict[str, Any] | None = None
    language: Language | None = None

    _filters = field_validator("filters")(_known_filters)

    @field_validator("message")
    @classmethod
    def _strip_message(cls, value: str | None) -> str | None:
        return None if value is None else _strip_non_empty(value)

    @model_validator(mode="after")
    def _one_form(self) -> ConversationRequest:
        if self.messages is not None and self.message is not None:
            raise ValueError(
                "send either messages (full history) or message (with conversation_id), not both"
            )
        if self.messages is None:
            if self.message is None or self.conversation_id is None:
                raise ValueError("send messages ending with a user message, or conversation_id and message")
        elif self.messages[-1].role != "user":
            raise ValueError("the last of messages must be the user's new message (role 'user')")
        return self

    @property
    def new_message(self) -> str:
        if self.message is not None:
            return self.message
        assert self.messages is not None
        return self.messages[-1].content


class Source(BaseModel):
    tool: str
    arguments: dict[str, Any]
    result: dict[str, Any]
    facts_used: list[dict[str, Any]] = []
    error: str | None = None


class WindowOut(BaseModel):
    start: str
    end: str
    label: str | None = None


class InterpretationOut(BaseModel):
    """What the answer answered (docs/domain.md, data contract): the one-line restatement and the
    typed reading behind it, with the words that could not be mapped."""

    model_config = ConfigDict(extra="allow")

    text: str = Field(description="one-line restatement, in the answer's language")
    metrics: list[str] = []
    filters: dict[str, Any] = {}
    group_by: list[str] = []
    window: WindowOut | None = None
    unknown_terms: list[str] = Field(default=[], description="words of the question that could not be mapped")
    understood: Literal["full", "partial", "none"] = "full"


class UsageOut(BaseModel):
    prompt_tokens: int
    completion_tokens: int
    total_tokens: int
    cached_prompt_tokens: int = Field(
        default=0, description="Of prompt_tokens: read from the provider's prompt cache (billed cheaper)"
    )
    estimated_cost_usd: float


class AIQueryResponse(BaseModel):
    response: str = Field(description="The assistant's answer")
    intent: str = Field(description="Detected (or given) intent")
    tokens_used: int = Field(description="Prompt + completion tokens of this turn")
    model: str | None = None
    context_included: bool
    timestamp: datetime
    conversation_id: uuid.UUID
    provider: str
    fallback: bool = Field(
        description="True when the configured model failed and the built-in engine answered"
    )
    fallback_reason: str | None = None
    language: str
    sources: list[Source] = Field(description="The tool calls the answer's figures come from")
    usage: UsageOut
    memory_used: list[dict[str, Any]] = Field(description="Remembered facts that shaped the answer")
    facts_saved: list[dict[str, Any]] = Field(default=[], description="Facts remembered from this message")
    suggestions: list[str] = []
    interpretation: InterpretationOut = Field(
        description="What the answer answered and how the question was read"
    )
    latency_ms: int


class ConversationResponse(AIQueryResponse):
    pass


class SuggestionResponse(BaseModel):
    category: SuggestionCategory
    suggestions: list[str]
    from_data: bool = Field(description="True when the suggestions were made from the user's figures")


class ConversationSummary(BaseModel):
    id: uuid.UUID
    title: str
    created_at: datetime
    updated_at: datetime
    message_count: int


class StoredMessage(BaseModel):
    id: int
    role: str
    content: str
    intent: str | None
    language: str | None
    provider: str | None
    model: str | None
    sources: list[dict[str, Any]] | None
    prompt_tokens: int
    completion_tokens: int
    created_at: datetime
    interpretation: InterpretationOut | None = Field(
        default=None, description="assistant messages: what the answer answered (as in the response)"
    )


class ConversationDetail(ConversationSummary):
    messages: list[StoredMessage] = Field(description="Oldest first; paginated by limit/offset")
    limit: int
    offset: int


class HealthResponse(BaseModel):
    status: Literal["ok", "disabled", "degraded"]
    provider: str
    model: str
    memory_backend: str
    database: str
    memori_enabled: bool
    memori_active: bool | None = Field(
        default=None,
        description="Memori backend only: whether Memori recalls and records for this provider's answers",
    )
    memori_detail: str | None = Field(default=None, description="Memori backend only: why (not)")
    currency: str = Field(description="the business currency figures are stated in (ISO 4217)")


class TeachWordRequest(BaseModel):
    """Body of POST /ai/vocabulary: a word and what it means ("bricks" -> "dead stock")."""

    model_config = ConfigDict(extra="forbid")

    term: str = Field(
        min_length=1, max_length=34, pattern=r"^[^\x00]*$", description="the word or short phrase"
    )
    means: str = Field(
        min_length=1,
        max_length=200,
        pattern=r"^[^\x00]*$",
        description="what it means, in words the assistant knows",
    )

    @field_validator("term", "means")
    @classmethod
    def _strip(cls, value: str) -> str:
        value = _strip_non_empty(value)
        return value

    @field_validator("term")
    @classmethod
    def _short(cls, value: str) -> str:
        if len(value.split()) > 3:
            raise ValueError("at most three words")
        return value


class TaughtWord(BaseModel):
    id: int
    term: str
    means: str
    text: str
    created_at: datetime


class UnansweredOut(BaseModel):
    id: int
    question: str
    unknown_terms: list[str]
    understood: Literal["partial", "none"]
    conversation_id: uuid.UUID | None
    created_at: datetime
