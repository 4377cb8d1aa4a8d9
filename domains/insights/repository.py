"""Queries of the insights tables (digests, deliveries), named by intent; always per user."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import date, datetime

from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from domains.insights.models import InsightDelivery, InsightDigest


class InsightRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def last_digest_date_before(self, *, user_id: uuid.UUID, day: date) -> date | None:
        return await self.session.scalar(
            select(func.max(InsightDigest.digest_date)).where(
                InsightDigest.user_id == user_id, InsightDigest.digest_date < day
            )
        )

    async def users_with_digest_on(self, *, day: date) -> set[uuid.UUID]:
        rows = await self.session.scalars(
            select(InsightDigest.user_id).where(InsightDigest.digest_date == day)
        )
        return set(rows)

    async def add_digest(self, digest: InsightDigest, deliveries: Sequence[str]) -> bool:
        """Insert the digest (and a pending delivery per channel); False when the user already has
        one for that day: the unique key decides between racing workers."""
        try:
            async with self.session.begin_nested():
                self.session.add(digest)
                await self.session.flush()
                self.session.add_all(InsightDelivery(digest_id=digest.id, channel=c) for c in deliveries)
                await self.session.flush()
        except IntegrityError:
            return False
        return True

    async def page_of_digests(
        self, *, user_id: uuid.UUID, limit: int, offset: int
    ) -> tuple[Sequence[InsightDigest], int]:
        where = InsightDigest.user_id == user_id
        total = await self.session.scalar(select(func.count()).select_from(InsightDigest).where(where))
        rows = await self.session.scalars(
            select(InsightDigest)
            .where(where)
            .order_by(InsightDigest.digest_date.desc(), InsightDigest.id.desc())
            .limit(limit)
            .offset(offset)
        )
        return rows.all(), int(total or 0)

    async def digest_of_user(self, *, user_id: uuid.UUID, digest_id: int) -> InsightDigest | None:
        return await self.session.scalar(
            select(InsightDigest).where(InsightDigest.id == digest_id, InsightDigest.user_id == user_id)
        )

    async def deliveries_of(self, digest_id: int) -> Sequence[InsightDelivery]:
        rows = await self.session.scalars(
            select(InsightDelivery)
            .where(InsightDelivery.digest_id == digest_id)
            .order_by(InsightDelivery.channel)
        )
        return rows.all()

    async def delivery(self, delivery_id: int) -> InsightDelivery | None:
        return await self.session.get(InsightDelivery, delivery_id)

    async def stalled_deliveries(self, *, before: datetime) -> list[tuple[int, int, uuid.UUID]]:
        """(delivery id, digest id, user id) of deliveries still pending since before `before`:
        their worker stopped while sending."""
        rows = await self.session.execute(
            select(InsightDelivery.id, InsightDelivery.digest_id, InsightDigest.user_id)
            .join(InsightDigest, InsightDigest.id == InsightDelivery.digest_id)
            .where(InsightDelivery.status == "pending", InsightDelivery.updated_at < before)
            .order_by(InsightDelivery.id)
        )
        return [(r.id, r.digest_id, r.user_id) for r in rows]

    async def claim_stalled_delivery(self, *, delivery_id: int, before: datetime, now: datetime) -> bool:
        """Take over a stalled delivery: one conditional UPDATE, so of several workers only one wins."""
        result = await self.session.execute(
            update(InsightDelivery)
            .where(
                InsightDelivery.id == delivery_id,
                InsightDelivery.status == "pending",
                InsightDelivery.updated_at < before,
            )
            .values(updated_at=now)
        )
        return bool(getattr(result, "rowcount", 0) == 1)
