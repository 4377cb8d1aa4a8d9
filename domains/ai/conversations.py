"""Stored conversations and their messages. Every query filters on user_id: another user's
conversation is indistinguishable from one that does not exist (404)."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from domains.ai.models import Conversation, Message
from shared.error_handling.errors import NotFound

TITLE_LENGTH = 80


def title_from(text: str) -> str:
    """A conversation's title: its first question, on one line, shortened."""
    line = " ".join(text.split())
    return line if len(line) <= TITLE_LENGTH else line[: TITLE_LENGTH - 1].rstrip() + "…"


class ConversationStore:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def get_owned(self, *, user_id: uuid.UUID, conversation_id: uuid.UUID) -> Conversation:
        """The user's conversation; NotFound when it does not exist or belongs to someone else."""
        conversation = (
            await self.session.execute(
                select(Conversation).where(
                    Conversation.id == conversation_id, Conversation.user_id == user_id
                )
            )
        ).scalar_one_or_none()
        if conversation is None:
            raise NotFound(f"Conversation {conversation_id} not found", code="conversation_not_found")
        return conversation

    async def recent_messages(
        self, *, user_id: uuid.UUID, conversation_id: uuid.UUID, limit: int
    ) -> list[Message]:
        """The newest `limit` messages of the conversation, oldest first."""
        if limit <= 0:
            return []
        rows = (
            (
                await self.session.execute(
                    select(Message)
                    .where(Message.conversation_id == conversation_id, Message.user_id == user_id)
                    .order_by(Message.id.desc())
                    .limit(limit)
                )
            )
            .scalars()
            .all()
        )
        return list(reversed(rows))

    async def create(
        self, *, conversation_id: uuid.UUID, user_id: uuid.UUID, title: str, now: datetime
    ) -> Conversation:
        conversation = Conversation(
            id=conversation_id, user_id=user_id, title=title_from(title), created_at=now, updated_at=now
        )
        self.session.add(conversation)
        await self.session.flush()
        return conversation

    async def add_messages(self, messages: Sequence[Message]) -> None:
        self.session.add_all(list(messages))
        await self.session.flush()

    async def touch(self, conversation: Conversation, *, now: datetime) -> None:
        conversation.updated_at = now
        await self.session.flush()

    async def list_for_user(
        self, *, user_id: uuid.UUID, limit: int, offset: int
    ) -> tuple[list[dict[str, Any]], int]:
        """A page of the user's conversations, most recently active first, with message counts."""
        total = int(
            (
                await self.session.execute(
                    select(func.count()).select_from(Conversation).where(Conversation.user_id == user_id)
                )
            ).scalar_one()
        )
        counts = (
            select(Message.conversation_id, func.count(Message.id).label("message_count"))
            .where(Message.user_id == user_id)
            .group_by(Message.conversation_id)
            .subquery()
        )
        rows = (
            await self.session.execute(
                select(
                    Conversation.id,
                    Conversation.title,
                    Conversation.created_at,
                    Conversation.updated_at,
                    func.coalesce(counts.c.message_count, 0).label("message_count"),
                )
                .outerjoin(counts, counts.c.conversation_id == Conversation.id)
                .where(Conversation.user_id == user_id)
                .order_by(Conversation.updated_at.desc(), Conversation.id)
                .limit(limit)
                .offset(offset)
            )
        ).all()
        return [dict(r._mapping) for r in rows], total

    async def count_messages(self, *, user_id: uuid.UUID, conversation_id: uuid.UUID) -> int:
        stmt = select(func.count(Message.id)).where(
            Message.conversation_id == conversation_id, Message.user_id == user_id
        )
        return int((await self.session.execute(stmt)).scalar_one())

    async def messages_page(
        self, *, user_id: uuid.UUID, conversation_id: uuid.UUID, limit: int, offset: int
    ) -> list[Message]:
        stmt = (
            select(Message)
            .where(Message.conversation_id == conversation_id, Message.user_id == user_id)
            .order_by(Message.id)
            .limit(limit)
            .offset(offset)
        )
        return list((await self.session.execute(stmt)).scalars().all())
