from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from sqlalchemy import ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from shared.database.base import Base, BigId, TimestampMixin
from shared.database.types import Money, UTCDateTime

ORDER_REF_INDEX = "uq_orders_platform_external_ref"


class Order(TimestampMixin, Base):
    """The sale of one inventory item on one platform.

    `purchase_price`, `purchased_at`, `size` and `product_id` are copied from the item at sale
    time: the cost basis and holding time of a sale are facts of the sale, and every period
    metric (days to sell, low stock by size) reads this one table.
    """

    __tablename__ = "orders"
    __table_args__ = (
        Index(
            "ix_orders_sold_at",
            "sold_at",
            postgresql_include=[
                "sale_price",
                "payout",
                "purchase_price",
                "platform",
                "product_id",
                "purchased_at",
                "size",
            ],
        ),
        Index("ix_orders_product_id_sold_at", "product_id", "sold_at"),
        # A platform's order is recorded once, also when the same file is imported twice at the
        # same moment: the database refuses the second (NULLs do not clash: orders without a
        # reference are never duplicates of each other).
        Index(ORDER_REF_INDEX, "platform", "external_ref", unique=True),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    inventory_item_id: Mapped[int] = mapped_column(
        ForeignKey("inventory_items.id"), unique=True, nullable=False
    )
    product_id: Mapped[int] = mapped_column(ForeignKey("products.id"), nullable=False)
    platform: Mapped[str] = mapped_column(String(20), nullable=False)
    sale_price: Mapped[Decimal] = mapped_column(Money(), nullable=False)
    platform_fee: Mapped[Decimal] = mapped_column(Money(), nullable=False)
    processing_fee: Mapped[Decimal] = mapped_column(Money(), nullable=False)
    shipping_cost: Mapped[Decimal] = mapped_column(Money(), nullable=False)
    payout: Mapped[Decimal] = mapped_column(Money(), nullable=False)
    purchase_price: Mapped[Decimal] = mapped_column(Money(), nullable=False)
    purchased_at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False)
    size: Mapped[str] = mapped_column(String(10), nullable=False)
    sold_at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False)
    external_ref: Mapped[str | None] = mapped_column(String(100))
