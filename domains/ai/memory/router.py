"""Memory endpoints, mounted by the assistant's router under /ai: /ai/memory/..."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Body, Path, Query, Response, status

from domains.ai.memory import service
from domains.ai.memory.schemas import ClearMemoryRequest, FactOut, MemoryStatus
from domains.ai.resources import Providers
from domains.auth.dependencies import CurrentUser
from shared.api.dependencies import AppSettings, DbSession, Pagination
from shared.api.schemas import ERROR_RESPONSES, Page

memory_router = APIRouter(prefix="/memory", tags=["ai memory"], responses=ERROR_RESPONSES)


@memory_router.get("/status", response_model=MemoryStatus)
async def memory_status(
    user: CurrentUser, session: DbSession, settings: AppSettings, providers: Providers
) -> MemoryStatus:
    """What the assistant remembers about you, in counts, and which memory backend is active."""
    return await service.memory_status(
        session=session, settings=settings, user_id=user.id, provider_name=providers.primary.name
    )


@memory_router.get("", response_model=Page[FactOut])
async def list_memory_facts(
    user: CurrentUser,
    session: DbSession,
    page: Pagination,
    include_history: Annotated[bool, Query(description="also show superseded (older) statements")] = False,
) -> Page[FactOut]:
    """The facts and preferences the assistant remembers about you, newest first."""
    return await service.list_facts(
        session=session,
        user_id=user.id,
        include_history=include_history,
        limit=page.limit,
        offset=page.offset,
    )


@memory_router.delete("/facts/{fact_id}", status_code=status.HTTP_204_NO_CONTENT)
async def delete_memory_fact(
    fact_id: Annotated[int, Path(ge=1, le=2**63 - 1)], user: CurrentUser, session: DbSession
) -> Response:
    """Forget one fact."""
    await service.delete_fact(session=session, user_id=user.id, fact_id=fact_id)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@memory_router.delete("/clear", status_code=status.HTTP_204_NO_CONTENT)
async def clear_memory(
    body: Annotated[ClearMemoryRequest, Body()],
    user: CurrentUser,
    session: DbSession,
    settings: AppSettings,
) -> Response:
    """Forget everything about you: facts, conversations and messages. Send {"confirm": true}."""
    await service.clear_memory(session=session, settings=settings, user_id=user.id)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@memory_router.get("/export")
async def export_memory(user: CurrentUser, session: DbSession, settings: AppSettings) -> dict[str, Any]:
    """Your own memory as JSON: facts with their history, conversations with their messages."""
    return await service.export_memory(session=session, settings=settings, user_id=user.id)
