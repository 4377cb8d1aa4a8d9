"""Pricing queries, named by intent. Only the pricing tables (fee_schedules, market_prices)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import ColumnElement, Select, func, select, tuple_
from sqlalchemy.ext.asyncio import AsyncSession

from domains.pricing.models import FeeSchedule, MarketPrice


class PricingRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    # --- fee schedules ---------------------------------------------------------------------------

    async def fee_schedule_valid_at(self, *, platform: str, at: datetime) -> FeeSchedule | None:
        """The newest version of `platform` whose valid_from is at or before `at`."""
        query = (
            select(FeeSchedule)
            .where(FeeSchedule.platform == platform, FeeSchedule.valid_from <= at)
            .order_by(FeeSchedule.valid_from.desc())
            .limit(1)
        )
        return (await self.session.execute(query)).scalar_one_or_none()

    async def current_fee_schedules(self, *, at: datetime) -> Sequence[FeeSchedule]:
        """One row per platform: the version valid at `at`."""
        newest = (
            select(FeeSchedule.platform, func.max(FeeSchedule.valid_from).label("valid_from"))
            .where(FeeSchedule.valid_from <= at)
            .group_by(FeeSchedule.platform)
            .subquery()
        )
        query = (
            select(FeeSchedule)
            .join(
                newest,
                (FeeSchedule.platform == newest.c.platform) & (FeeSchedule.valid_from == newest.c.valid_from),
            )
            .order_by(FeeSchedule.platform)
        )
        return (await self.session.execute(query)).scalars().all()

    async def fee_history(
        self, *, platform: str, limit: int, offset: int
    ) -> tuple[Sequence[FeeSchedule], int]:
        where = FeeSchedule.platform == platform
        total = await self.session.scalar(select(func.count()).select_from(FeeSchedule).where(where))
        query = (
            select(FeeSchedule)
            .where(where)
            .order_by(FeeSchedule.valid_from.desc())
            .limit(limit)
            .offset(offset)
        )
        return (await self.session.execute(query)).scalars().all(), int(total or 0)

    async def fee_version_exists(self, *, platform: str, valid_from: datetime) -> bool:
        query = select(FeeSchedule.id).where(
            FeeSchedule.platform == platform, FeeSchedule.valid_from == valid_from
        )
        return (await self.session.scalar(query)) is not None

    async def add(self, row: FeeSchedule | MarketPrice) -> None:
        self.session.add(row)
        await self.session.flush()

    # --- market prices ---------------------------------------------------------------------------

    def _market_filtered(
        self,
        *,
        product_id: int,
        size: str | None,
        platform: str | None,
        start: datetime | None = None,
        end: datetime | None = None,
    ) -> Select[MarketPrice]:
        query = select(MarketPrice).where(MarketPrice.product_id == product_id)
        if size is not None:
            query = query.where(MarketPrice.size == size)
        if platform is not None:
            query = query.where(MarketPrice.platform == platform)
        if start is not None:
            query = query.where(MarketPrice.observed_at >= start)
        if end is not None:
            query = query.where(MarketPrice.observed_at < end)
        return query

    async def market_history(
        self,
        *,
        product_id: int,
        size: str | None,
        platform: str | None,
        start: datetime | None,
        end: datetime | None,
        limit: int,
        offset: int,
    ) -> tuple[Sequence[MarketPrice], int]:
        filtered = self._market_filtered(
            product_id=product_id, size=size, platform=platform, start=start, end=end
        )
        total = await self.session.scalar(select(func.count()).select_from(filtered.subquery()))
        query = (
            filtered.order_by(MarketPrice.observed_at.desc(), MarketPrice.id.desc())
            .limit(limit)
            .offset(offset)
        )
        return (await self.session.execute(query)).scalars().all(), int(total or 0)

    async def latest_market_prices(
        self, *, product_ids: Sequence[int], size: str | None = None, platform: str | None = None
    ) -> Sequence[MarketPrice]:
        """The newest observation per (product, size, platform)."""
        if not product_ids:
            return []
        conditions: list[ColumnElement[bool]] = [MarketPrice.product_id.in_(list(set(product_ids)))]
        if size is not None:
            conditions.append(MarketPrice.size == size)
        if platform is not None:
            conditions.append(MarketPrice.platform == platform)
        query = _newest_per_platform(*conditions).order_by(
            MarketPrice.product_id, MarketPrice.size, MarketPrice.platform
        )
        return (await self.session.execute(query)).scalars().all()

    async def latest_market_prices_for_pairs(
        self, *, pairs: Sequence[tuple[int, str]]
    ) -> Sequence[MarketPrice]:
        """The newest observation per platform for each (product_id, size) pair."""
        if not pairs:
            return []
        query = _newest_per_platform(tuple_(MarketPrice.product_id, MarketPrice.size).in_(list(set(pairs))))
        return (await self.session.execute(query)).scalars().all()


def _newest_per_platform(*conditions: ColumnElement[bool]) -> Select[MarketPrice]:
    """The newest observation (latest observed_at, then highest id) of each (product, size,
    platform) among those matching `conditions`."""
    rank = (
        func.row_number()
        .over(
            partition_by=(MarketPrice.product_id, MarketPrice.size, MarketPrice.platform),
            order_by=(MarketPrice.observed_at.desc(), MarketPrice.id.desc()),
        )
        .label("rank")
    )
    ranked = select(MarketPrice.id, rank).where(*conditions).subquery()
    return select(MarketPrice).join(ranked, ranked.c.id == MarketPrice.id).where(ranked.c.rank == 1)
