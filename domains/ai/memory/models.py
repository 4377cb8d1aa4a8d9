"""Long-term memory: typed facts a user stated, with validity (history is kept, never overwritten).

A fact is current while `valid_to` is NULL. A newer statement of the same kind closes the
old row (`valid_to`, `superseded_by`) and inserts a new one, so the history stays readable.
Full-text search objects (PostgreSQL GIN indexes, SQLite FTS5 tables) are created by the
migration only and kept out of this metadata (see domains/ai/memory/fts.py).
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, Index, String, Text, text
from sqlalchemy.orm import Mapped, mapped_column

from shared.database.base import Base, BigId, utcnow
from shared.database.types import UTCDateTime


class MemoryFact(Base):
    __tablename__ = "ai_memory_facts"
    __table_args__ = (
        Index("ix_ai_memory_facts_user_id_kind_valid_to", "user_id", "kind", "valid_to"),
        # At most one current fact per typed kind and user (notes may be many): two requests
        # racing to replace the same fact cannot both win.
        Index(
            "uq_ai_memory_facts_current_kind",
            "user_id",
            "kind",
            unique=True,
            postgresql_where=text("valid_to IS NULL AND kind <> 'note'"),
            sqlite_where=text("valid_to IS NULL AND kind <> 'note'"),
        ),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    user_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), nullable=False)
    kind: Mapped[str] = mapped_column(String(40), nullable=False)
    value: Mapped[Any] = mapped_column(JSON, nullable=False)
    text: Mapped[str] = mapped_column(Text, nullable=False)
    source_message_id: Mapped[int | None] = mapped_column(
        ForeignKey("ai_messages.id", ondelete="SET NULL"), nullable=True
    )
    valid_from: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, nullable=False)
    valid_to: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    superseded_by: Mapped[int | None] = mapped_column(
        ForeignKey("ai_memory_facts.id", ondelete="SET NULL"), nullable=True
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, nullable=False)
