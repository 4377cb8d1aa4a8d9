"""Daily rollups of the analytics read model, maintained by database triggers (migration 0004).

Every write path (services, imports, the API, raw SQL) keeps them exact: triggers on
inventory_items and orders add and subtract each row's contribution. Queries read whole days
from here and the partial days at a window's edges (and at age cut-offs) from the raw rows, so
answers equal a scan over the raw rows. A row whose count drops to 0 is deleted.

Days are UTC calendar days of the timestamp (purchased_at for stock and purchases, sold_at for
sales). Brands come from the item's / order's product at the time of the write.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import Date, Float, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from shared.database.base import Base
from shared.database.types import Money, UTCDateTime


class _Stock:
    """The key after the period and the sums of stock_daily / stock_hourly (sort_order keeps them
    after the period column, as the tables have them)."""

    brand_id: Mapped[int] = mapped_column(Integer, primary_key=True, sort_order=1)
    status: Mapped[str] = mapped_column(String(10), primary_key=True, sort_order=1)
    units: Mapped[int] = mapped_column(Integer, nullable=False, sort_order=1)
    value: Mapped[Decimal] = mapped_column(Money(), nullable=False, sort_order=1)


class _Sales:
    """The key after the period and the sums of sales_daily / sales_hourly: the order columns the
    KPIs read (sort_order keeps them after the period column, as the tables have them)."""

    brand_id: Mapped[int] = mapped_column(Integer, primary_key=True, sort_order=1)
    platform: Mapped[str] = mapped_column(String(20), primary_key=True, sort_order=1)
    orders: Mapped[int] = mapped_column(Integer, nullable=False, sort_order=1)
    revenue: Mapped[Decimal] = mapped_column(Money(), nullable=False, sort_order=1)
    cogs: Mapped[Decimal] = mapped_column(Money(), nullable=False, sort_order=1)
    payout: Mapped[Decimal] = mapped_column(Money(), nullable=False, sort_order=1)
    platform_fees: Mapped[Decimal] = mapped_column(Money(), nullable=False, sort_order=1)
    processing_fees: Mapped[Decimal] = mapped_column(Money(), nullable=False, sort_order=1)
    shipping_costs: Mapped[Decimal] = mapped_column(Money(), nullable=False, sort_order=1)
    # sum over the orders of (sold_at - purchased_at) in fractional days
    days_to_sell_sum: Mapped[float] = mapped_column(Float, nullable=False, sort_order=1)


class StockDaily(_Stock, Base):
    """Pairs in inventory NOW (in_stock / listed), by purchase day, brand and status."""

    __tablename__ = "stock_daily"

    purchase_day: Mapped[date] = mapped_column(Date, primary_key=True)


class PurchasesDaily(Base):
    """Every pair ever bought (whatever its status), by purchase day and brand."""

    __tablename__ = "purchases_daily"

    day: Mapped[date] = mapped_column(Date, primary_key=True)
    brand_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    units: Mapped[int] = mapped_column(Integer, nullable=False)
    value: Mapped[Decimal] = mapped_column(Money(), nullable=False)


class SalesDaily(_Sales, Base):
    """Orders by sale day, brand and platform: sums of the order columns the KPIs read."""

    __tablename__ = "sales_daily"

    day: Mapped[date] = mapped_column(Date, primary_key=True)


class StockByProductSize(Base):
    """Pairs in inventory NOW (in_stock / listed) per product and size (migration 0005)."""

    __tablename__ = "stock_by_product_size"

    product_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    size: Mapped[str] = mapped_column(String(10), primary_key=True)
    units: Mapped[int] = mapped_column(Integer, nullable=False)


class _ProductSales:
    """The key after the period and the sums of the product_sales_* rollups (same columns, one
    period each). sort_order keeps them after the period column, as the tables have them."""

    product_id: Mapped[int] = mapped_column(Integer, primary_key=True, sort_order=1)
    platform: Mapped[str] = mapped_column(String(20), primary_key=True, sort_order=1)
    orders: Mapped[int] = mapped_column(Integer, nullable=False, sort_order=1)
    revenue: Mapped[Decimal] = mapped_column(Money(), nullable=False, sort_order=1)
    # sum over the orders of (payout - purchase_price)
    profit: Mapped[Decimal] = mapped_column(Money(), nullable=False, sort_order=1)


class ProductSalesDaily(_ProductSales, Base):
    """Orders by sale day, product and platform (migration 0005): best sellers by product and the
    sold side of low stock read whole days from here."""

    __tablename__ = "product_sales_daily"
    # Low stock reads the days of a few products (those with at most 1 pair left).
    __table_args__ = (Index("ix_product_sales_daily_product_id_day", "product_id", "day"),)

    day: Mapped[date] = mapped_column(Date, primary_key=True)


class ProductSalesMonthly(_ProductSales, Base):
    """Orders by sale month (its first day, UTC), product and platform (migration 0009): the
    semantic query reads whole months of best sellers by product from here."""

    __tablename__ = "product_sales_monthly"

    month: Mapped[date] = mapped_column(Date, primary_key=True)


class SalesHourly(_Sales, Base):
    """sales_daily's sums by UTC hour (its start) of the sale (migration 0010): the partial days at
    a window's edges are read from here, only their partial hours from the raw orders."""

    __tablename__ = "sales_hourly"

    hour: Mapped[datetime] = mapped_column(UTCDateTime(), primary_key=True)


class StockHourly(_Stock, Base):
    """stock_daily by UTC hour (its start) of the purchase (migration 0010): the purchase days an
    age line falls in are read from here, only the hour of the line from the raw pairs."""

    __tablename__ = "stock_hourly"

    purchase_hour: Mapped[datetime] = mapped_column(UTCDateTime(), primary_key=True)


class ProductSalesHourly(_ProductSales, Base):
    """product_sales_daily by UTC hour (its start) of the sale (migration 0012): by product, the
    partial days at a window's edges are read from here, only their partial hours raw."""

    __tablename__ = "product_sales_hourly"

    hour: Mapped[datetime] = mapped_column(UTCDateTime(), primary_key=True)
