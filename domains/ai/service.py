"""The assistant's orchestration: one turn = checks, memory, context, a provider's answer
(with the built-in engine as fallback), then the turn stored with its sources and usage.

    prepare_*  (before any byte is sent; raises domain errors -> normal JSON 4xx)
        rate limit, daily token budget, conversation ownership (404), history
    run        (an async stream of events; the non-stream methods collect it)
        memory.observe_user_message -> memory.load -> ContextBuilder -> provider.stream
        -> (ProviderError before any text: fallback provider) -> rows flushed -> `final`
    With the Memori backend an OpenAI(-compatible) provider answers on a per-request client
    with Memori attached (MemoriMemory.provider_for_turn); other providers answer as they are.

Nothing is written before the answer is complete: a stream the client abandons leaves no
half-written turn (the router commits when `final` is reached, and only then sends it).
"""

from __future__ import annotations

import time
import uuid
from collections.abc import AsyncIterator
from contextlib import AbstractAsyncContextManager, nullcontext
from dataclasses import dataclass, field
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import structlog
from sqlalchemy.ext.asyncio import AsyncSession

from domains.ai.budget import BudgetHold, DailyTokenBudget
from domains.ai.context_builder import BuiltContext, ContextBuilder
from domains.ai.conversations import ConversationStore
from domains.ai.costs import estimate_cost_usd
from domains.ai.intents import classify_intent
from domains.ai.memory.base import FactRef, MemoryBackend, MemoryContext
from domains.ai.memory.savepoint import memory_savepoint
from domains.ai.providers.base import (
    AssistantRequest,
    ChatTurn,
    Completed,
    Provider,
    ProviderError,
    TextDelta,
    ToolCallFinished,
    ToolCallStarted,
    ToolExecutor,
    ToolResult,
)
from domains.ai.providers.prompts import system_prompt
from domains.ai.rate_limit import RequestRateLimit
from domains.ai.reservations import ReservationStore
from domains.ai.schemas import AIQueryRequest, AIQueryResponse, ConversationRequest, ConversationResponse
from domains.ai.teaching import record_unanswered
from domains.ai.tokens import count_tokens, trim_history
from domains.ai.tools.business import BusinessTools, fact_as_dict, jsonable
from domains.ai.tools.memory import RememberingTools
from domains.ai.understanding.interpretation import STOCK_METRICS
from domains.ai.understanding.lexicon import detect_language
from domains.ai.understanding.restatement import empty_interpretation, interpretation_from_query
from shared.config.settings import Settings
from shared.error_handling.errors import DomainError, ServiceUnavailable
from shared.error_handling.handlers import lost_connection

logger = structlog.get_logger(__name__)

MEMORY_TOKEN_BUDGET = 600


@dataclass(frozen=True, slots=True)
class StreamEvent:
    """One server-sent event: `event` name and JSON `data` (see the router for the wire format).
    `final` carries the response instead, turned into JSON only when it is sent (`payload`): a
    non-streaming answer returns the response itself."""

    event: str
    data: dict[str, Any] = field(default_factory=dict)
    response: AIQueryResponse | None = None

    def payload(self) -> dict[str, Any]:
        return self.response.model_dump(mode="json") if self.response is not None else self.data


@dataclass(slots=True)
class PreparedTurn:
    """Everything checked and loaded before the answer starts."""

    user_id: uuid.UUID
    conversation_id: uuid.UUID
    is_new: bool
    text: str
    history: list[ChatTurn]
    include_context: bool
    filters: dict[str, Any] | None
    language: str | None
    intent_override: str | None
    response_model: type[AIQueryResponse]
    title: str
    prior_messages: list[ChatTurn] = field(default_factory=list)  # stored with a new conversation
    started: float = field(default_factory=time.perf_counter)
    budget_hold: BudgetHold | None = None  # the daily budget's reservation while the turn runs

    async def release(self) -> None:
        """Give back the budget reservation: after the turn's usage is committed, or it failed."""
        if self.budget_hold is not None:
            await self.budget_hold.release()


class AIAssistantService:
    def __init__(
        self,
        session: AsyncSession,
        *,
        settings: Settings,
        provider: Provider,
        fallback: Provider,
        memory: MemoryBackend | None,
        now: datetime | None = None,
        request_limit: RequestRateLimit | None = None,
        reservations: ReservationStore | None = None,
    ) -> None:
        self.session = session
        self.settings = settings
        self.provider = provider
        self.fallback = fallback
        self.memory = memory
        self.fixed_now = now
        self.request_limit = request_limit
        self.reservations = reservations
        self.conversations = ConversationStore(session)

    def now(self) -> datetime:
        return (self.fixed_now or datetime.now(UTC)).astimezone(UTC)

    # --- public API -------------------------------------------------------------------------

    async def query(self, *, user_id: uuid.UUID, request: AIQueryRequest) -> AIQueryResponse:
        """Answer one question (optionally continuing a stored conversation).

        Releases the budget reservation before the caller commits; the router instead commits
        first (prepare_query + answer + commit + PreparedTurn.release)."""
        prepared = await self.prepare_query(user_id=user_id, request=request)
        try:
            return await self.answer(prepared)
        finally:
            await prepared.release()

    async def conversation(self, *, user_id: uuid.UUID, request: ConversationRequest) -> ConversationResponse:
        """Answer the newest user message of a conversation (full history or stored id + message)."""
        prepared = await self.prepare_conversation(user_id=user_id, request=request)
        try:
            response = await self.answer(prepared)
        finally:
            await prepared.release()
        assert isinstance(response, ConversationResponse)
        return response

    async def answer(self, prepared: PreparedTurn) -> AIQueryResponse:
        """The whole answer of a prepared turn (not streamed); rows flushed, not committed."""
        return await self._collect(prepared)

    async def stream_query(
        self, *, user_id: uuid.UUID, request: AIQueryRequest
    ) -> AsyncIterator[StreamEvent]:
        """Checks now (errors raise before streaming), then the events of the answer."""
        return self.run(await self.prepare_query(user_id=user_id, request=request))

    async def stream_conversation(
        self, *, user_id: uuid.UUID, request: ConversationRequest
    ) -> AsyncIterator[StreamEvent]:
        return self.run(await self.prepare_conversation(user_id=user_id, request=request))

    # --- preparation ------------------------------------------------------------------------

    async def _admit(self, user_id: uuid.UUID) -> BudgetHold | None:
        """Rate limit, then the daily budget (a reservation the caller must release)."""
        if self.request_limit is not None:
            await self.request_limit.enforce(
                user_id=user_id, per_minute=self.settings.AI_RATE_LIMIT_PER_MINUTE
            )
        return await DailyTokenBudget(self.session, settings=self.settings, now=self.now()).admit(
            user_id=user_id, reservations=self.reservations
        )

    async def _stored_history(self, *, user_id: uuid.UUID, conversation_id: uuid.UUID) -> list[ChatTurn]:
        turns = await self.conversations.recent_turns(
            user_id=user_id, conversation_id=conversation_id, limit=2 * self.settings.AI_CONTEXT_WINDOW_SIZE
        )
        return [ChatTurn(role=role, content=content) for role, content in turns]  # type: ignore[arg-type]

    def _fit_history(self, history: list[ChatTurn], text: str) -> list[ChatTurn]:
        """The last AI_CONTEXT_WINDOW_SIZE turns, trimmed (oldest first) to AI_MAX_TOKENS."""
        window = 2 * self.settings.AI_CONTEXT_WINDOW_SIZE
        recent = history[-window:] if window else []
        fitted = trim_history(
            [*recent, ChatTurn(role="user", content=text)],
            self.settings.AI_MAX_TOKENS,
            self.provider.model,
            keep_last=True,
        )
        return fitted[:-1]

    async def prepare_query(self, *, user_id: uuid.UUID, request: AIQueryRequest) -> PreparedTurn:
        hold = await self._admit(user_id)
        try:
            history: list[ChatTurn] = []
            if request.conversation_id is not None:
                history = await self._stored_history(user_id=user_id, conversation_id=request.conversation_id)
        except BaseException:
            if hold is not None:
                await hold.release()
            raise
        return PreparedTurn(
            budget_hold=hold,
            user_id=user_id,
            conversation_id=request.conversation_id or uuid.uuid4(),
            is_new=request.conversation_id is None,
            text=request.query,
            history=self._fit_history(history, request.query),
            include_context=request.include_context,
            filters=request.filters,
            language=request.language,
            intent_override=None,
            response_model=AIQueryResponse,
            title=request.query,
        )

    async def prepare_conversation(self, *, user_id: uuid.UUID, request: ConversationRequest) -> PreparedTurn:
        hold = await self._admit(user_id)
        try:
            prepared = await self._prepare_conversation(user_id=user_id, request=request)
        except BaseException:
            if hold is not None:
                await hold.release()
            raise
        prepared.budget_hold = hold
        return prepared

    async def _prepare_conversation(
        self, *, user_id: uuid.UUID, request: ConversationRequest
    ) -> PreparedTurn:
        text = request.new_message
        prior: list[ChatTurn] = []
        if request.messages is not None:
            # Client-sent "system" messages are not passed on as instructions.
            history = [
                ChatTurn(role="user" if m.role == "user" else "assistant", content=m.content)
                for m in request.messages[:-1]
                if m.role != "system"
            ]
            if request.conversation_id is not None:
                await self.conversations.get_owned(user_id=user_id, conversation_id=request.conversation_id)
            else:
                prior = history
        else:
            assert request.conversation_id is not None  # the schema requires it with `message`
            history = await self._stored_history(user_id=user_id, conversation_id=request.conversation_id)
        first_user = next((t.content for t in prior if t.role == "user"), text)
        return PreparedTurn(
            user_id=user_id,
            conversation_id=request.conversation_id or uuid.uuid4(),
            is_new=request.conversation_id is None,
            text=text,
            history=self._fit_history(history, text),
            include_context=request.include_context,
            filters=request.filters,
            language=request.language,
            intent_override=request.intent,
            response_model=ConversationResponse,
            title=first_user,
            prior_messages=prior,
        )

    # --- the turn ---------------------------------------------------------------------------

    async def _collect(self, prepared: PreparedTurn) -> AIQueryResponse:
        response: AIQueryResponse | None = None
        async for event in self.run(prepared, buffered=True):
            if event.event == "error":
                error = event.data["error"]
                raise ServiceUnavailable(error["message"], code=error["code"])
            if event.response is not None:
                response = event.response
        assert response is not None
        return response

    async def run(self, prepared: PreparedTurn, *, buffered: bool = False) -> AsyncIterator[StreamEvent]:
        """The events of one answer, ending with `final` (rows flushed) or `error` (nothing written).

        buffered=True (non-streaming callers): nothing has been shown yet, so the fallback may
        answer even after the primary provider produced text.
        """
        turn = await self._gather(prepared)
        yield StreamEvent(
            "start",
            {
                "conversation_id": str(prepared.conversation_id),
                "provider": self.provider.name,
                "model": self.provider.model,
            },
        )
        # A pre-fetched summary is for providers that want one (language models: it saves them a
        # tool round trip); the built-in engine fetches exactly the figures it states.
        if self._prefetches(prepared):
            turn.context = await ContextBuilder(turn.tools, currency=self.settings.CURRENCY).build(
                intent=turn.guessed_intent, filters=prepared.filters
            )
            for result in turn.context.results:
                source = _source(result)
                turn.context_sources.append(source)
                yield _tool_call_event(result.call_id, result.name, result.arguments)
                yield _tool_result_event(result, source)
        request = self._assistant_request(prepared, turn)
        answered = _Answered(provider=self.provider)
        async for event in self._answer_with_fallback(prepared, request, turn, answered, buffered=buffered):
            yield event
        completed = answered.outcome.completed
        if completed is None:  # the error event was sent; nothing is written
            return
        usage = _usage_of(completed, answered, request)
        findings = self._findings(prepared, turn, answered, completed)
        cost = await self._persist(prepared, turn, answered, usage, findings)
        response = self._response(prepared, turn, answered, usage, findings, cost=cost)
        yield StreamEvent("final", response=response)

    def _prefetches(self, prepared: PreparedTurn) -> bool:
        return prepared.include_context and self.provider.wants_prefetched_context

    async def _gather(self, prepared: PreparedTurn) -> _Turn:
        """Memory (facts from the message, recalled facts) and the tools the answer may use."""
        now = self.now()
        facts_saved, memory_context = await self._memory_before(
            prepared, prepared.language or detect_language(prepared.text)
        )
        tools = BusinessTools(
            self.session,
            settings=self.settings,
            now=now,
            user_settings=memory_context.settings,
            facts=memory_context.facts,
        )
        return _Turn(
            now=now,
            tools=tools,
            remembering=self._remembering_tools(tools, prepared),
            memory_context=memory_context,
            facts_saved=facts_saved,
            # Read for a guess only where it is used (the pre-fetched summary of language models):
            # the built-in engine reports the intent it read (~10 ms a turn saved).
            guessed_intent=prepared.intent_override
            or (classify_intent(prepared.text) if self._prefetches(prepared) else ""),
        )

    def _assistant_request(self, prepared: PreparedTurn, turn: _Turn) -> AssistantRequest:
        return AssistantRequest(
            messages=[*prepared.history, ChatTurn(role="user", content=prepared.text)],
            system_prompt=system_prompt(currency=self.settings.CURRENCY),
            context=turn.context.text or None,
            memory=list(turn.memory_context.snippets),
            user_settings=dict(turn.memory_context.settings),
            facts_saved=[fact_as_dict(f) for f in turn.facts_saved],
            max_tokens=self.settings.AI_MAX_TOKENS,
            temperature=self.settings.AI_TEMPERATURE,
            language=prepared.language,
        )

    # --- answer with fallback -----------------------------------------------------------------

    async def _answer_with_fallback(
        self,
        prepared: PreparedTurn,
        request: AssistantRequest,
        turn: _Turn,
        answered: _Answered,
        *,
        buffered: bool,
    ) -> AsyncIterator[StreamEvent]:
        """The primary provider's events; when it fails before any text was shown (or at all,
        when buffered), the fallback's. `answered` ends with the provider that answered and its
        outcome, or without a completed outcome after an `error` event."""
        tools = self._tools_for(turn.tools, turn.remembering)
        try:
            async with self._provider_for_turn(prepared) as primary:
                async for event in self._answer(primary, request, tools, answered.outcome):
                    yield event
            return
        except Exception as exc:
            _raise_if_database_lost(exc)  # the fallback would answer on the same dead session
            reason = _failure_reason(exc)
            # Text already shown to a streaming client cannot be taken back by another answer.
            can_fall_back = self.fallback is not answered.provider and (
                buffered or not answered.outcome.text_sent
            )
            if can_fall_back and not isinstance(exc, ProviderError):
                logger.exception("ai_provider_crashed", provider=answered.provider.name)
        if not can_fall_back:
            logger.warning("ai_provider_failed", provider=answered.provider.name, reason=reason)
            answered.outcome = _Outcome()
            yield _error_event("assistant_unavailable", f"The assistant could not answer: {reason}")
            return
        logger.warning("ai_fallback", provider=answered.provider.name, reason=reason)
        answered.switch_to(self.fallback, reason=reason)
        yield StreamEvent("fallback", {"reason": reason, "provider": self.fallback.name})
        try:
            async for event in self._answer(self.fallback, request, tools, answered.outcome):
                yield event
        except Exception as second:
            logger.exception("ai_fallback_failed", provider=self.fallback.name)
            answered.outcome = _Outcome()
            yield _error_event(
                "assistant_unavailable", f"The assistant could not answer: {_failure_reason(second)}"
            )

    # --- what was answered ----------------------------------------------------------------------

    def _findings(
        self, prepared: PreparedTurn, turn: _Turn, answered: _Answered, completed: Completed
    ) -> _Findings:
        """The answer's text, intent, language, interpretation, sources and the facts saved."""
        outcome = answered.outcome
        intent = prepared.intent_override or (
            completed.intent
            if completed.intent and completed.intent != "llm"
            else turn.guessed_intent or classify_intent(prepared.text)
        )
        language = completed.language or prepared.language or "en"
        interpretation = completed.interpretation or _interpretation_of(outcome.results, language, turn.now)
        if (
            not prepared.intent_override
            and intent == "analytics"
            and set(interpretation["metrics"] or ["?"]) <= STOCK_METRICS
        ):
            intent = "inventory"  # a language model's stock question through the semantic query
        facts_saved = list(turn.facts_saved)
        if turn.remembering is not None:  # facts the language model saved with its `remember` tool
            facts_saved.extend(turn.remembering.saved)
        return _Findings(
            answer=completed.answer or "".join(outcome.text),
            intent=intent,
            language=language,
            interpretation=interpretation,
            sources=[*turn.context_sources, *outcome.sources],
            facts_saved=facts_saved,
            suggestions=list(completed.suggestions),
        )

    # --- persistence ----------------------------------------------------------------------------

    async def _persist(
        self,
        prepared: PreparedTurn,
        turn: _Turn,
        answered: _Answered,
        usage: _TokenUsage,
        findings: _Findings,
    ) -> Decimal:
        """The turn's messages and usage, memory's after-turn step and the unanswered-question
        log, flushed (the caller commits); returns the turn's estimated cost in USD."""
        provider = answered.provider.name
        cost = estimate_cost_usd(
            provider=provider,
            model=usage.model,
            prompt_tokens=usage.prompt_tokens,
            completion_tokens=usage.completion_tokens,
            cached_tokens=usage.cached_tokens,
            cache_write_tokens=usage.cache_write_tokens,
        )
        # The answer's message carries its cost; storing it adds it to the usage ledger (trigger).
        await self._store_messages(
            prepared, now=turn.now, provider=provider, usage=usage, findings=findings, cost=cost
        )
        await self._memory_after(prepared, findings.answer)
        await record_unanswered(
            session=self.session,
            user_id=prepared.user_id,
            conversation_id=prepared.conversation_id,
            question=prepared.text,
            interpretation=findings.interpretation,
        )
        await self.session.flush()
        return cost

    # --- response -------------------------------------------------------------------------------

    @staticmethod
    def _response(
        prepared: PreparedTurn,
        turn: _Turn,
        answered: _Answered,
        usage: _TokenUsage,
        findings: _Findings,
        *,
        cost: Decimal,
    ) -> AIQueryResponse:
        return prepared.response_model(
            response=findings.answer,
            intent=findings.intent,
            tokens_used=usage.total_tokens,
            model=usage.model,
            context_included=turn.context.included,
            timestamp=turn.now,
            conversation_id=prepared.conversation_id,
            provider=answered.provider.name,
            fallback=answered.fallback_reason is not None,
            fallback_reason=answered.fallback_reason,
            language=findings.language,
            sources=findings.sources,
            usage={
                "prompt_tokens": usage.prompt_tokens,
                "completion_tokens": usage.completion_tokens,
                "total_tokens": usage.total_tokens,
                "cached_prompt_tokens": usage.cached_tokens,
                "estimated_cost_usd": float(cost),
            },
            memory_used=[fact_as_dict(f) for f in turn.memory_context.facts],
            facts_saved=[fact_as_dict(f) for f in findings.facts_saved],
            suggestions=findings.suggestions,
            interpretation=findings.interpretation,
            latency_ms=int((time.perf_counter() - prepared.started) * 1000),
        )

    def _provider_for_turn(self, prepared: PreparedTurn) -> AbstractAsyncContextManager[Provider]:
        """The primary provider for this turn. With the Memori backend an OpenAI(-compatible)
        provider answers on a per-request copy with its own client, Memori attached for this
        user (one instance per request; the client is closed afterwards). The built-in engine
        and Anthropic answer as they are: Memori is skipped for them (see memori_coverage)."""
        for_turn = getattr(self.memory, "provider_for_turn", None)
        if for_turn is None:
            return nullcontext(self.provider)
        context: AbstractAsyncContextManager[Provider] = for_turn(self.provider, user_id=prepared.user_id)
        return context

    def _remembering_tools(self, tools: BusinessTools, prepared: PreparedTurn) -> RememberingTools | None:
        if self.memory is None:
            return None
        return RememberingTools(
            tools,
            session=self.session,
            memory=self.memory,
            user_id=prepared.user_id,
            conversation_id=prepared.conversation_id,
        )

    @staticmethod
    def _tools_for(tools: BusinessTools, remembering: RememberingTools | None) -> ToolExecutor:
        """With memory, every provider also gets `remember`: language models for what users ask
        them to keep, the built-in engine for the words users teach it."""
        return tools if remembering is None else remembering

    async def _answer(
        self, provider: Provider, request: AssistantRequest, tools: ToolExecutor, outcome: _Outcome
    ) -> AsyncIterator[StreamEvent]:
        async for event in provider.stream(request, tools):
            if isinstance(event, TextDelta):
                if event.text:
                    outcome.text.append(event.text)
                    outcome.text_sent = True
                    yield StreamEvent("delta", {"text": event.text})
            elif isinstance(event, ToolCallStarted):
                yield _tool_call_event(event.call_id, event.name, event.arguments)
            elif isinstance(event, ToolCallFinished):
                source = _source(event.result)
                outcome.results.append(event.result)
                outcome.sources.append(source)
                yield _tool_result_event(event.result, source)
            elif isinstance(event, Completed):
                outcome.completed = event
        if outcome.completed is None:
            raise ProviderError(f"{provider.name} ended without a final answer")

    # --- memory -----------------------------------------------------------------------------

    async def _memory_before(
        self, prepared: PreparedTurn, language: str
    ) -> tuple[list[FactRef], MemoryContext]:
        if self.memory is None:
            return [], MemoryContext()
        facts_saved: list[FactRef] = []
        context = MemoryContext()
        try:
            async with memory_savepoint(self.session):
                facts_saved = list(
                    await self.memory.observe_user_message(
                        user_id=prepared.user_id,
                        conversation_id=prepared.conversation_id,
                        text=prepared.text,
                        language=language,
                    )
                )
            async with memory_savepoint(self.session):
                context = await self.memory.load(
                    user_id=prepared.user_id,
                    query=prepared.text,
                    token_budget=min(MEMORY_TOKEN_BUDGET, self.settings.AI_MAX_TOKENS // 4),
                    with_messages=self.provider.reads_past_messages,
                )
        except DomainError:
            raise
        except Exception as exc:  # memory helps; it must not stop the answer
            _raise_if_database_lost(exc)
            logger.exception("ai_memory_failed", backend=getattr(self.memory, "name", "?"))
        return facts_saved, context

    async def _memory_after(self, prepared: PreparedTurn, answer: str) -> None:
        if self.memory is None:
            return
        try:
            async with memory_savepoint(self.session):
                await self.memory.after_turn(
                    user_id=prepared.user_id,
                    conversation_id=prepared.conversation_id,
                    user_text=prepared.text,
                    answer=answer,
                )
        except Exception as exc:
            _raise_if_database_lost(exc)
            logger.exception("ai_memory_after_turn_failed", backend=getattr(self.memory, "name", "?"))

    # --- storage ----------------------------------------------------------------------------

    async def _store_messages(
        self,
        prepared: PreparedTurn,
        *,
        now: datetime,
        provider: str,
        usage: _TokenUsage,
        findings: _Findings,
        cost: Decimal,
    ) -> None:
        """The conversation (when new) and the turn's messages. A stored conversation's owner was
        checked when its history was read; storing a message moves its activity time on (trigger)."""
        if prepared.is_new:
            await self.conversations.create(
                conversation_id=prepared.conversation_id,
                user_id=prepared.user_id,
                title=prepared.title,
                now=now,
            )
        common = {"conversation_id": prepared.conversation_id, "user_id": prepared.user_id, "created_at": now}
        intent, language = findings.intent[:40], findings.language[:5]
        rows: list[dict[str, Any]] = [
            {"role": t.role, "content": t.content, **common} for t in prepared.prior_messages
        ]
        rows.append(
            {"role": "user", "content": prepared.text, "intent": intent, "language": language, **common}
        )
        rows.append(
            {
                "role": "assistant",
                "content": findings.answer,
                "intent": intent,
                "language": language,
                "provider": provider[:20],
                "model": (usage.model or provider)[:100],
                "sources": findings.sources,
                "interpretation": findings.interpretation,
                "prompt_tokens": usage.prompt_tokens,
                "completion_tokens": usage.completion_tokens,
                "cost_usd": cost,
                **common,
            }
        )
        await self.conversations.add_messages(rows)


@dataclass(slots=True)
class _Outcome:
    """One provider's answer as it streams: its text, tool results and final event."""

    text: list[str] = field(default_factory=list)
    text_sent: bool = False
    results: list[ToolResult] = field(default_factory=list)
    sources: list[dict[str, Any]] = field(default_factory=list)  # the results as JSON (_source)
    completed: Completed | None = None


@dataclass(slots=True)
class _Answered:
    """Which provider answered (the primary, or the fallback after `fallback_reason`), and how."""

    provider: Provider
    outcome: _Outcome = field(default_factory=_Outcome)
    fallback_reason: str | None = None

    def switch_to(self, fallback: Provider, *, reason: str) -> None:
        self.provider = fallback
        self.outcome = _Outcome()
        self.fallback_reason = reason


@dataclass(slots=True)
class _Turn:
    """What was gathered for the provider before it answers."""

    now: datetime
    tools: BusinessTools
    remembering: RememberingTools | None
    memory_context: MemoryContext
    facts_saved: list[FactRef]
    guessed_intent: str
    context: BuiltContext = field(default_factory=BuiltContext)
    context_sources: list[dict[str, Any]] = field(default_factory=list)  # its results as JSON


@dataclass(frozen=True, slots=True)
class _TokenUsage:
    prompt_tokens: int
    completion_tokens: int
    model: str
    cached_tokens: int = 0  # of prompt_tokens: read from the provider's prompt cache
    cache_write_tokens: int = 0  # of prompt_tokens: written to it (Anthropic)

    @property
    def total_tokens(self) -> int:
        return self.prompt_tokens + self.completion_tokens


@dataclass(frozen=True, slots=True)
class _Findings:
    answer: str
    intent: str
    language: str
    interpretation: dict[str, Any]
    sources: list[dict[str, Any]]
    facts_saved: list[FactRef]
    suggestions: list[str]


def _usage_of(completed: Completed, answered: _Answered, request: AssistantRequest) -> _TokenUsage:
    """The tokens the provider reports; counted here for an engine without metering (built-in)."""
    model = completed.model or answered.provider.model
    prompt_tokens, completion_tokens = completed.usage.prompt_tokens, completed.usage.completion_tokens
    if prompt_tokens + completion_tokens == 0:
        answer = completed.answer or "".join(answered.outcome.text)
        prompt_tokens = sum(count_tokens(t.content, model) for t in request.messages) + count_tokens(
            "\n".join(filter(None, [request.system_prompt, request.context, *request.memory])), model
        )
        completion_tokens = count_tokens(answer, model)
    return _TokenUsage(
        prompt_tokens=prompt_tokens,
        completion_tokens=completion_tokens,
        model=model,
        cached_tokens=completed.usage.cached_tokens,
        cache_write_tokens=completed.usage.cache_write_tokens,
    )


def _interpretation_of(results: list[ToolResult], language: str, now: datetime) -> dict[str, Any]:
    """A language model's answer is restated from its last validated semantic query, not its prose."""
    queries = [r for r in results if r.name == "query_business" and r.error is None]
    if not queries:
        return empty_interpretation()
    return interpretation_from_query(queries[-1].arguments, language=language, now=now)


def _raise_if_database_lost(exc: Exception) -> None:
    """A memory step may fail without stopping the answer, but not when the connection died:
    the session cannot store the turn then, and the client should retry (503, Retry-After)."""
    lost = lost_connection(exc)
    if lost is not None:
        raise lost from exc


def _failure_reason(exc: BaseException) -> str:
    """A provider's own error text; for anything else (a database error, a bug) only its type,
    since its text may carry SQL or internals and this reaches the client."""
    if not isinstance(exc, ProviderError):
        return type(exc).__name__
    text = str(exc).strip()
    return (text or type(exc).__name__)[:300]


def _source(result: ToolResult) -> dict[str, Any]:
    """A tool result as JSON, made once per result: the answer's `sources` and the stream's
    `tool_result` event both show it."""
    return {
        "tool": result.name,
        "arguments": jsonable(result.arguments),
        "result": jsonable(result.data),
        "facts_used": jsonable(result.facts_used),
        "error": result.error,
    }


def _tool_call_event(call_id: str, name: str, arguments: dict[str, Any]) -> StreamEvent:
    return StreamEvent("tool_call", {"id": call_id, "name": name, "arguments": jsonable(arguments)})


def _tool_result_event(result: ToolResult, source: dict[str, Any]) -> StreamEvent:
    data: dict[str, Any] = {
        "id": result.call_id,
        "name": result.name,
        "arguments": source["arguments"],
        "result": source["result"] if result.error is None else {"error": result.error},
        "facts_used": source["facts_used"],
    }
    return StreamEvent("tool_result", data)


def _error_event(code: str, message: str) -> StreamEvent:
    return StreamEvent("error", {"error": {"code": code, "message": message}})
