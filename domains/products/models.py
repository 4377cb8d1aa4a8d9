from __future__ import annotations

from datetime import date
from decimal import Decimal

from sqlalchemy import Date, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from shared.database.base import Base, TimestampMixin
from shared.database.types import Money


class Brand(Base):
    __tablename__ = "brands"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(100), unique=True, nullable=False)
    slug: Mapped[str] = mapped_column(String(100), unique=True, nullable=False)


class Product(TimestampMixin, Base):
    """One model + colorway, identified by its style code (SKU)."""

    __tablename__ = "products"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    sku: Mapped[str] = mapped_column(String(40), unique=True, nullable=False)
    name: Mapped[str] = mapped_column(String(200), nullable=False)
    brand_id: Mapped[int] = mapped_column(ForeignKey("brands.id"), index=True, nullable=False)
    category: Mapped[str] = mapped_column(String(50), default="sneakers", nullable=False)
    colorway: Mapped[str | None] = mapped_column(String(200))
    retail_price: Mapped[Decimal | None] = mapped_column(Money())
    release_date: Mapped[date | None] = mapped_column(Date)

    brand: Mapped[Brand] = relationship(lazy="raise")
