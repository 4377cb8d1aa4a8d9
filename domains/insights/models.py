"""Stored daily digests and their deliveries.

One digest per user and UTC day: the unique key (user_id, digest_date) is what makes "exactly
one" hold with several workers or instances racing (a Redis lock only saves them the work).
"""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, CheckConstraint, Date, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from shared.database.base import Base, BigId, utcnow
from shared.database.types import UTCDateTime

DELIVERY_CHANNELS = ("webhook", "email")
DELIVERY_STATUSES = ("pending", "delivered", "failed")


class InsightDigest(Base):
    __tablename__ = "ai_insight_digests"
    __table_args__ = (UniqueConstraint("user_id", "digest_date", name="user_digest_date"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    user_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), nullable=False)
    digest_date: Mapped[date] = mapped_column(Date, nullable=False)
    language: Mapped[str] = mapped_column(String(5), nullable=False)
    insight_count: Mapped[int] = mapped_column(Integer, nullable=False)
    # The insights as served by GET /ai/insights (type, severity, headline, figures, sources, ...).
    items: Mapped[list[dict[str, Any]]] = mapped_column(JSON, nullable=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, nullable=False)


class InsightDelivery(Base):
    """One channel's delivery of one digest: attempts and outcome, so a failure is visible."""

    __tablename__ = "ai_insight_deliveries"
    __table_args__ = (
        UniqueConstraint("digest_id", "channel", name="digest_channel"),
        CheckConstraint("channel IN ('webhook', 'email')", name="channel"),
        CheckConstraint("status IN ('pending', 'delivered', 'failed')", name="status"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    digest_id: Mapped[int] = mapped_column(
        ForeignKey("ai_insight_digests.id", ondelete="CASCADE"), nullable=False
    )
    channel: Mapped[str] = mapped_column(String(10), nullable=False)
    status: Mapped[str] = mapped_column(String(10), default="pending", nullable=False)
    attempts: Mapped[int] = mapped_column(Integer, default=0, nullable=False)
    last_error: Mapped[str | None] = mapped_column(Text)
    delivered_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, nullable=False)
    updated_at: Mapped[datetime] = mapped_column(
        UTCDateTime(), default=utcnow, onupdate=utcnow, nullable=False
    )
