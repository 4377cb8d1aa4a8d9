"""Helpers of the memory tests: conversations and messages as the assistant stores them."""

from __future__ import annotations

import uuid
from datetime import datetime

from fastapi import FastAPI
from sqlalchemy.ext.asyncio import AsyncSession

from domains.ai.memory.router import memory_router
from domains.ai.models import Conversation, Message


def mount_memory_router(app: FastAPI) -> None:
    """The AI core includes memory_router under /ai; mount it here when it does not (yet)."""
    if not any(getattr(route, "path", "") == "/ai/memory/status" for route in app.routes):
        app.include_router(memory_router, prefix="/ai")


async def make_conversation(
    session: AsyncSession, *, user_id: uuid.UUID, title: str = "Chat"
) -> Conversation:
    conversation = Conversation(user_id=user_id, title=title)
    session.add(conversation)
    await session.flush()
    return conversation


async def make_message(
    session: AsyncSession,
    *,
    conversation: Conversation,
    content: str,
    role: str = "user",
    created_at: datetime | None = None,
) -> Message:
    message = Message(
        conversation_id=conversation.id, user_id=conversation.user_id, role=role, content=content
    )
    if created_at is not None:
        message.created_at = created_at
    session.add(message)
    await session.flush()
    return message
