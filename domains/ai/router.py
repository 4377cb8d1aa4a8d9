"""The assistant's HTTP API under /ai. Every endpoint but /ai/health needs a bearer token;
with AI_ASSISTANT_ENABLED=false every endpoint but /ai/health answers 503.

Streaming endpoints answer with Server-Sent Events, one JSON object per `data:` line:

    event: start        data: {"conversation_id": "...", "provider": "...", "model": "..."}
    event: tool_call    data: {"id": "...", "name": "...", "arguments": {...}}
    event: tool_result  data: {"id": "...", "name": "...", "arguments": {...}, "result": {...}, "facts_used": [...]}
    event: delta        data: {"text": "..."}
    event: fallback     data: {"reason": "...", "provider": "builtin"}
    event: final        data: <the AIQueryResponse JSON>
    event: error        data: {"error": {"code": "...", "message": "...", "retryable": true|false}}
                        (database_unavailable also carries "retry_after": seconds)

Validation, auth and rate-limit errors happen before the stream starts (normal JSON 4xx).
"""

from __future__ import annotations

import json
import uuid
from collections.abc import AsyncIterator
from typing import Annotated, Any

import structlog
from fastapi import APIRouter, Depends, Path, Query, Request
from fastapi.responses import StreamingResponse
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from domains.ai.conversations import ConversationStore
from domains.ai.dependencies import Assistant, AssistantParts, Parts, Suggestions, Usage
from domains.ai.memory.memori_backend import memori_coverage
from domains.ai.memory.router import memory_router
from domains.ai.resources import Providers
from domains.ai.schemas import (
    AIQueryRequest,
    AIQueryResponse,
    ConversationDetail,
    ConversationRequest,
    ConversationResponse,
    ConversationSummary,
    HealthResponse,
    StoredMessage,
    SuggestionResponse,
)
from domains.ai.service import AIAssistantService, PreparedTurn, StreamEvent
from domains.ai.vocabulary_router import vocabulary_router
from domains.auth.dependencies import CurrentUser
from shared.api.dependencies import AppSettings, DbSession, Pagination
from shared.api.schemas import ERROR_RESPONSES, Page
from shared.error_handling.errors import DomainError, ServiceUnavailable
from shared.error_handling.handlers import DATABASE_RETRY_AFTER_SECONDS, lost_connection

logger = structlog.get_logger(__name__)

SSE_HEADERS = {"Cache-Control": "no-cache", "X-Accel-Buffering": "no"}


async def require_enabled(settings: AppSettings) -> None:
    if not settings.AI_ASSISTANT_ENABLED:
        raise ServiceUnavailable(
            "The AI assistant is disabled on this server (AI_ASSISTANT_ENABLED=false)",
            code="ai_assistant_disabled",
        )


Enabled = [Depends(require_enabled)]

# The routes of this module; `router` (imported by main.py) also carries the memory routes.
ai = APIRouter(prefix="/ai", tags=["ai"], responses=ERROR_RESPONSES)


# Error events a client may simply send again (after `retry_after` seconds when given).
RETRYABLE_STREAM_ERRORS = frozenset({"database_unavailable", "assistant_unavailable"})


def sse(event: StreamEvent) -> str:
    payload = event.payload()
    if event.event == "error":
        error = payload["error"]
        payload = {"error": {**error, "retryable": error.get("code") in RETRYABLE_STREAM_ERRORS}}
    data = json.dumps(payload, ensure_ascii=False, separators=(",", ":"), default=str)
    return f"event: {event.event}\ndata: {data}\n\n"


def _error(code: str, message: str) -> StreamEvent:
    return StreamEvent("error", {"error": {"code": code, "message": message}})


async def _turns_to_release() -> AsyncIterator[list[PreparedTurn]]:
    """The request's prepared turns, released when the request is over, however it ended: the
    answer streamed to the end, the client left mid-stream (the stream's own clean-up then runs
    cancelled, or only when its generator is collected), the stream never started, or the
    route's commit failed. Releasing twice is harmless; holding a reservation for 15 minutes
    is not (docs/reliability.md)."""
    turns: list[PreparedTurn] = []
    try:
        yield turns
    finally:
        for turn in turns:
            await turn.release()


# scope="request": the clean-up runs after the response has been sent, streams included.
TurnsToRelease = Annotated[list[PreparedTurn], Depends(_turns_to_release, scope="request")]


async def _rollback_quietly(session: AsyncSession) -> None:
    """Roll back after a failure; on a dead connection the rollback fails too, and the error to
    report is the first one."""
    try:
        await session.rollback()
    except Exception as exc:
        logger.warning("ai_stream_rollback_failed", error_type=type(exc).__name__)


def stream_turn(parts: AssistantParts, prepared: PreparedTurn) -> StreamingResponse:
    """Run the prepared turn in its own session; commit only when `final` is reached, then
    release the turn's budget reservation (also when the client leaves or the turn fails)."""

    async def events() -> AsyncIterator[str]:
        try:
            async for chunk in turn_events():
                yield chunk
        finally:
            await prepared.release()

    async def turn_events() -> AsyncIterator[str]:
        async with parts.sessions() as session:
            service = parts.service(session)
            try:
                async for event in service.run(prepared):
                    if event.event == "final":
                        await session.commit()
                    elif event.event == "error":
                        await session.rollback()
                    yield sse(event)
                    if event.event in ("final", "error"):
                        return
            except DomainError as exc:
                await session.rollback()
                yield sse(_error(exc.code, exc.message))
            except Exception as exc:
                await _rollback_quietly(session)
                if lost_connection(exc) is not None:
                    logger.warning("ai_stream_database_lost", error_type=type(exc).__name__)
                    lost = _error("database_unavailable", "The database connection was lost; ask again")
                    lost.data["error"]["retry_after"] = DATABASE_RETRY_AFTER_SECONDS
                    yield sse(lost)
                    return
                logger.exception("ai_stream_failed")
                yield sse(_error("internal_error", "The assistant failed while answering"))

    return StreamingResponse(events(), media_type="text/event-stream", headers=SSE_HEADERS)


async def answer_and_commit(
    service: AIAssistantService, session: AsyncSession, prepared: PreparedTurn
) -> AIQueryResponse:
    """Answer, commit the turn and its usage, then release the budget reservation: in this
    order, so a concurrent request sees either the reservation or the committed tokens."""
    try:
        response = await service.answer(prepared)
        await session.commit()
        return response
    finally:
        await prepared.release()


# --- questions ---------------------------------------------------------------------------------


@ai.post("/query", response_model=AIQueryResponse, dependencies=Enabled)
async def query(
    body: AIQueryRequest, user: CurrentUser, session: DbSession, assistant: Assistant
) -> AIQueryResponse:
    """Ask a question about inventory, pricing or sales in plain English or German."""
    prepared = await assistant.prepare_query(user_id=user.id, request=body)
    return await answer_and_commit(assistant, session, prepared)


@ai.post("/conversation", response_model=ConversationResponse, dependencies=Enabled)
async def conversation(
    body: ConversationRequest, user: CurrentUser, session: DbSession, assistant: Assistant
) -> ConversationResponse:
    """Continue a conversation: send the full history, or a stored conversation_id and the new message."""
    prepared = await assistant.prepare_conversation(user_id=user.id, request=body)
    response = await answer_and_commit(assistant, session, prepared)
    assert isinstance(response, ConversationResponse)
    return response


@ai.post(
    "/query/stream",
    dependencies=Enabled,
    response_class=StreamingResponse,
    responses={200: {"content": {"text/event-stream": {}}, "description": "Server-Sent Events"}},
)
async def query_stream(
    body: AIQueryRequest, user: CurrentUser, assistant: Assistant, parts: Parts, turns: TurnsToRelease
) -> StreamingResponse:
    """Ask a question; the answer streams as Server-Sent Events (start, tool_call, tool_result, delta, final)."""
    prepared = await assistant.prepare_query(user_id=user.id, request=body)
    turns.append(prepared)
    return stream_turn(parts, prepared)


@ai.post(
    "/conversation/stream",
    dependencies=Enabled,
    response_class=StreamingResponse,
    responses={200: {"content": {"text/event-stream": {}}, "description": "Server-Sent Events"}},
)
async def conversation_stream(
    body: ConversationRequest, user: CurrentUser, assistant: Assistant, parts: Parts, turns: TurnsToRelease
) -> StreamingResponse:
    """Continue a conversation; the answer streams as Server-Sent Events."""
    prepared = await assistant.prepare_conversation(user_id=user.id, request=body)
    turns.append(prepared)
    return stream_turn(parts, prepared)


# --- suggestions, usage, health ----------------------------------------------------------------


@ai.get("/suggestions/{category}", response_model=SuggestionResponse, dependencies=Enabled)
async def suggestions(
    category: Annotated[str, Path(max_length=40)], user: CurrentUser, service: Suggestions
) -> SuggestionResponse:
    """Questions to ask, made from your own figures: category inventory, pricing or analytics."""
    return await service.for_category(user_id=user.id, category=category)


@ai.get("/usage", dependencies=Enabled)
async def usage(
    user: CurrentUser,
    ledger: Usage,
    days: Annotated[int, Query(ge=1, le=366, description="Days back, today included")] = 30,
) -> dict[str, Any]:
    """Your assistant usage per day and model, totals, and today's remaining token budget."""
    return await ledger.report(user_id=user.id, days=days)


@ai.get("/health", response_model=HealthResponse)
async def health(request: Request, settings: AppSettings, providers: Providers) -> HealthResponse:
    """Assistant status: resolved provider and model, memory backend, database (no auth, no secrets)."""
    database = "unavailable"
    try:
        async with request.app.state.engine.connect() as conn:
            await conn.execute(text("SELECT 1"))
        database = request.app.state.engine.dialect.name
    except Exception as exc:
        logger.warning("ai_health_database_failed", error=type(exc).__name__)
    primary = providers.primary
    status = (
        "disabled"
        if not settings.AI_ASSISTANT_ENABLED
        else ("ok" if database != "unavailable" else "degraded")
    )
    coverage = None
    if settings.AI_MEMORY_BACKEND == "memori":
        coverage = memori_coverage(primary.name)
    return HealthResponse(
        status=status,
        provider=primary.name,
        model=primary.model,
        memory_backend=settings.AI_MEMORY_BACKEND,
        database=database,
        memori_enabled=settings.MEMORI_ENABLED,
        memori_active=coverage.active if coverage else None,
        memori_detail=coverage.detail if coverage else None,
        currency=settings.CURRENCY,
    )


# --- stored conversations ----------------------------------------------------------------------


@ai.get("/conversations", response_model=Page[ConversationSummary], dependencies=Enabled)
async def list_conversations(
    user: CurrentUser, session: DbSession, page: Pagination
) -> Page[ConversationSummary]:
    """Your conversations, most recently active first."""
    rows, total = await ConversationStore(session).list_for_user(
        user_id=user.id, limit=page.limit, offset=page.offset
    )
    return Page[ConversationSummary](
        items=[ConversationSummary(**r) for r in rows], total=total, limit=page.limit, offset=page.offset
    )


@ai.get("/conversations/{conversation_id}", response_model=ConversationDetail, dependencies=Enabled)
async def get_conversation(
    conversation_id: uuid.UUID, user: CurrentUser, session: DbSession, page: Pagination
) -> ConversationDetail:
    """One of your conversations with its messages (oldest first) and their sources."""
    store = ConversationStore(session)
    found = await store.get_owned(user_id=user.id, conversation_id=conversation_id)
    count = await store.count_messages(user_id=user.id, conversation_id=conversation_id)
    messages = await store.messages_page(
        user_id=user.id, conversation_id=conversation_id, limit=page.limit, offset=page.offset
    )
    return ConversationDetail(
        id=found.id,
        title=found.title,
        created_at=found.created_at,
        updated_at=found.updated_at,
        message_count=count,
        messages=[
            StoredMessage(
                id=m.id,
                role=m.role,
                content=m.content,
                intent=m.intent,
                language=m.language,
                provider=m.provider,
                model=m.model,
                sources=m.sources,
                prompt_tokens=m.prompt_tokens,
                completion_tokens=m.completion_tokens,
                created_at=m.created_at,
                interpretation=m.interpretation,
            )
            for m in messages
        ],
        limit=page.limit,
        offset=page.offset,
    )


# --- the router main.py includes ---------------------------------------------------------------

# /ai/* and the memory endpoints (/ai/memory/*), both behind the AI_ASSISTANT_ENABLED switch.
router = APIRouter()
router.include_router(ai)
router.include_router(memory_router, prefix="/ai", dependencies=Enabled)
router.include_router(vocabulary_router, prefix="/ai", dependencies=Enabled)
