"""Helpers of the memory tests: conversations and messages as the assistant stores them."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from domains.ai.models import Conversation, Message


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
