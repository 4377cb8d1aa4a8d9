from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from sqlalchemy import CheckConstraint, ForeignKey, Index, String, Text, text
from sqlalchemy.orm import Mapped, mapped_column

from shared.database.base import Base, BigId, TimestampMixin
from shared.database.types import Money, UTCDateTime

STATUSES = ("in_stock", "listed", "sold")
IN_INVENTORY = ("in_stock", "listed")
CONDITIONS = ("new", "used")


class InventoryItem(TimestampMixin, Base):
    """ONE physical pair."""

    __tablename__ = "inventory_items"
    __table_args__ = (
        CheckConstraint("status IN ('in_stock', 'listed', 'sold')", name="status"),
        CheckConstraint("condition IN ('new', 'used')", name="condition"),
        CheckConstraint("purchase_price >= 0", name="purchase_price_nonnegative"),
        # Units, value, dead stock and aging all read (status, purchased_at, purchase_price); the
        # semantic query reads the pairs of a day an age line falls in with their product too
        # (domains/analytics/semantic/plan.py), index-only (migration 0009).
        Index(
            "ix_inventory_items_status_purchased_at",
            "status",
            "purchased_at",
            postgresql_include=["purchase_price", "product_id"],
        ),
        Index("ix_inventory_items_product_id_size", "product_id", "size"),
        Index("ix_inventory_items_purchased_at", "purchased_at", postgresql_include=["purchase_price"]),
        # The pairs on hand by product + size (+ listing platform), with what pricing them against
        # the market needs: underwater stock and listings vs the lowest ask (domains/analytics/
        # exposure.py) read it index-only instead of visiting the sold pairs' rows (migration 0008).
        Index(
            "ix_inventory_items_on_hand_product_size",
            "product_id",
            "size",
            "listed_platform",
            postgresql_include=["id", "purchase_price", "listed_price", "status"],
            postgresql_where=text("status IN ('in_stock', 'listed')"),
            sqlite_where=text("status IN ('in_stock', 'listed')"),
        ),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    product_id: Mapped[int] = mapped_column(ForeignKey("products.id"), nullable=False)
    size: Mapped[str] = mapped_column(String(10), nullable=False)
    condition: Mapped[str] = mapped_column(String(10), default="new", nullable=False)
    purchase_price: Mapped[Decimal] = mapped_column(Money(), nullable=False)
    purchased_at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False)
    source: Mapped[str | None] = mapped_column(String(50))
    location: Mapped[str | None] = mapped_column(String(100))
    status: Mapped[str] = mapped_column(String(10), default="in_stock", nullable=False)
    listed_price: Mapped[Decimal | None] = mapped_column(Money())
    listed_platform: Mapped[str | None] = mapped_column(String(20))
    listed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    notes: Mapped[str | None] = mapped_column(Text)
