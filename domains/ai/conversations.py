"""Stored conversations and their messages. Every query filters on user_id: another user's
conversation is indistinguishable from one that does not exist (404)."""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any, cast

from sqlalchemy import JSON, Integer, Table, Uuid, bindparam, func, insert, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from domains.ai.models import Conversation, Message
from shared.error_handling.errors import NotFound

TITLE_LENGTH = 80

# Storing a turn is plain Core statements built once (the ORM's unit of work, with a RETURNING
# round trip per message and a new cache key per statement, took most of the turn's storing
# time): one INSERT of a new conversation, one INSERT of all the turn's messages (triggers add
# the answer to the usage ledger and move the conversation's activity time on).
# sources/interpretation are SQL NULL when absent, as the ORM wrote them.
_CONVERSATIONS = cast(Table, Conversation.__table__)
_MESSAGES = cast(Table, Message.__table__)
MESSAGE_COLUMNS = (
    "conversation_id",
    "user_id",
    "role",
    "content",
    "intent",
    "language",
    "provider",
    "model",
    "sources",
    "interpretation",
    "prompt_tokens",
    "completion_tokens",
    "cost_usd",
    "created_at",
)
_INSERT_CONVERSATION = insert(_CONVERSATIONS)
_INSERT_MESSAGES = insert(_MESSAGES).values(
    sources=bindparam("sources", type_=JSON(none_as_null=True)),
    interpretation=bindparam("interpretation", type_=JSON(none_as_null=True)),
)
_RECENT_TURNS = (
    select(_MESSAGES.c.role, _MESSAGES.c.content)
    .where(
        _MESSAGES.c.conversation_id == bindparam("conversation_id", type_=Uuid()),
        _MESSAGES.c.user_id == bindparam("uid", type_=Uuid()),
    )
    .order_by(_MESSAGES.c.id.desc())
    .limit(bindparam("limit", type_=Integer()))
)


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

    async def recent_turns(
        self, *, user_id: uuid.UUID, conversation_id: uuid.UUID, limit: int
    ) -> list[tuple[str, str]]:
        """The newest `limit` user and assistant messages of the user's conversation as (role,
        content), oldest first; NotFound when the conversation is not theirs. One statement (a
        second only when it finds no messages, to tell an empty conversation from someone else's)."""
        rows: list[tuple[str, str]] = []
        if limit > 0:
            result = await self.session.execute(
                _RECENT_TURNS, {"conversation_id": conversation_id, "uid": user_id, "limit": limit}
            )
            rows = [(role, content) for role, content in result if role in ("user", "assistant")]
        if not rows:
            await self.get_owned(user_id=user_id, conversation_id=conversation_id)
        return rows[::-1]

    async def create(
        self, *, conversation_id: uuid.UUID, user_id: uuid.UUID, title: str, now: datetime
    ) -> None:
        await self.session.execute(
            _INSERT_CONVERSATION,
            {
                "id": conversation_id,
                "user_id": user_id,
                "title": title_from(title),
                "created_at": now,
                "updated_at": now,
            },
        )

    async def add_messages(self, messages: Sequence[Mapping[str, Any]]) -> None:
        """Insert messages (dicts of MESSAGE_COLUMNS; missing keys are NULL, tokens and cost 0) in
        one statement. An assistant message with a provider is an answer: a trigger adds it to the
        usage ledger (migration 0013), and every message moves its conversation's activity time
        (`updated_at`) on (migration 0014)."""
        defaults = dict.fromkeys(MESSAGE_COLUMNS) | {
            "prompt_tokens": 0,
            "completion_tokens": 0,
            "cost_usd": 0,
        }
        try:
            await self.session.execute(_INSERT_MESSAGES, [defaults | dict(m) for m in messages])
        except IntegrityError as exc:  # a foreign key: the conversation was deleted meanwhile
            raise NotFound("Conversation not found", code="conversation_not_found") from exc

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
