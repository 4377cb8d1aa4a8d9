from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from sqlalchemy import ForeignKey, Index, Integer, Numeric, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from shared.database.base import Base, BigId
from shared.database.types import Money, UTCDateTime


class MarketPrice(Base):
    """One observation of a product + size on a platform at a time."""

    __tablename__ = "market_prices"
    __table_args__ = (Index("ix_market_prices_lookup", "product_id", "size", "platform", "observed_at"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    product_id: Mapped[int] = mapped_column(ForeignKey("products.id"), nullable=False)
    size: Mapped[str] = mapped_column(String(10), nullable=False)
    platform: Mapped[str] = mapped_column(String(20), nullable=False)
    observed_at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False)
    lowest_ask: Mapped[Decimal | None] = mapped_column(Money())
    highest_bid: Mapped[Decimal | None] = mapped_column(Money())
    last_sale: Mapped[Decimal | None] = mapped_column(Money())


class FeeSchedule(Base):
    """Fees of one platform from `valid_from` until the next version of that platform.

    platform_fee   = max(commission_pct x price, min_commission) + fixed_fee
                     (commission_pct_below_threshold applies under threshold_price, when set)
    processing_fee = processing_pct x price
    """

    __tablename__ = "fee_schedules"
    __table_args__ = (UniqueConstraint("platform", "valid_from", name="platform_valid_from"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    platform: Mapped[str] = mapped_column(String(20), nullable=False)
    valid_from: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False)
    commission_pct: Mapped[Decimal] = mapped_column(Numeric(6, 3), nullable=False)
    fixed_fee: Mapped[Decimal] = mapped_column(Money(), nullable=False)
    processing_pct: Mapped[Decimal] = mapped_column(Numeric(6, 3), nullable=False)
    min_commission: Mapped[Decimal] = mapped_column(Money(), nullable=False)
    threshold_price: Mapped[Decimal | None] = mapped_column(Money())
    commission_pct_below_threshold: Mapped[Decimal | None] = mapped_column(Numeric(6, 3))
    notes: Mapped[str | None] = mapped_column(Text)
