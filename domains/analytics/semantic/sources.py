"""The facts a semantic query reads, as SQL over their raw rows: which rows belong to each (scope),
the columns its measures aggregate, its dimensions and its filters. Dimensions, filters and joins
read a view's columns by name, so the rollups of plan.py (which builds each fact's statement) are
read through the same code."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, Literal

from sqlalchemy import (
    and_,
    case,
    false,
    func,
    or_,
)
from sqlalchemy.sql import ColumnElement

from domains.analytics.repository import AGING_BUCKETS, count_where
from domains.analytics.semantic.query import QueryFilters
from domains.analytics.semantic.sql import (
    LIKE_ESCAPE,
    family_of,
    family_pattern,
    name_words,
    period_label,
    whole_days_since,
)
from domains.analytics.windows import Window
from domains.inventory.models import IN_INVENTORY, InventoryItem
from domains.orders.models import Order
from domains.pricing.platforms import normalize_platform
from domains.products.models import Brand, Product
from shared.database.sql import days_between

SourceName = Literal["stock", "sales", "purchases", "stock_history"]
TIME_GRAINS = ("day", "week", "month", "quarter", "year")


@dataclass(frozen=True, slots=True)
class Context:
    """What one run of a query fixes: the database dialect, now, the window, the threshold.
    `cuts` collects the age lines the query's expressions draw (see purchased_by_age)."""

    dialect: str
    now: datetime
    window: Window
    dead_stock_days: int
    cuts: set[datetime] = field(default_factory=set, compare=False)

    def purchased_by_age(self, age_days: int) -> datetime:
        """Pairs at least `age_days` whole days old are those purchased at or before this."""
        cut = self.now - timedelta(days=age_days)
        self.cuts.add(cut)
        return cut

    @property
    def dead_cut(self) -> datetime:
        """Dead stock (age > threshold) = purchased at or before this."""
        return self.purchased_by_age(self.dead_stock_days + 1)


@dataclass(frozen=True, slots=True)
class Rows:
    """What a measure aggregates: the columns of one fact's filtered rows (`c`), and the run.
    A row read from a rollup stands for `weight` records and carries the sums of their columns;
    a raw row (weight None) for one record."""

    c: Any
    ctx: Context
    weight: Any = None

    def count(self, condition: ColumnElement[bool] | None = None) -> ColumnElement[int]:
        """The records (pairs, orders) among the rows, those meeting `condition` if given."""
        if self.weight is None:
            return func.count() if condition is None else count_where(condition)
        total = func.sum(self.weight) if condition is None else func.sum(self.weight).filter(condition)
        return func.coalesce(total, 0)


@dataclass(frozen=True, slots=True)
class Source:
    """One fact: its main table, the rows that belong to it and the columns of those rows."""

    name: SourceName
    tables: tuple[str, ...]
    base: Callable[[], Any]
    scope: Callable[[Context], list[ColumnElement[bool]]]
    columns: Callable[[Context], dict[str, Any]]
    product_id: Any
    size: Any
    condition: Any = InventoryItem.condition
    platform: Any = None
    price: Any = None
    moment: Any = None
    joins_item_for_condition: bool = False
    status: Any = InventoryItem.status
    purchased_at: Any = InventoryItem.purchased_at
    brand_id: Any = None  # raw rows reach their brand through the product


def _stock_columns(ctx: Context) -> dict[str, Any]:
    return {
        "purchase_price": InventoryItem.purchase_price,
        "purchased_at": InventoryItem.purchased_at,
        "age_days": whole_days_since(ctx.dialect, InventoryItem.purchased_at, ctx.now),
    }


def _sales_columns(ctx: Context) -> dict[str, Any]:
    return {
        "sale_price": Order.sale_price,
        "purchase_price": Order.purchase_price,
        "payout": Order.payout,
        "platform_fee": Order.platform_fee,
        "processing_fee": Order.processing_fee,
        "shipping_cost": Order.shipping_cost,
        "profit": Order.payout - Order.purchase_price,
        "days_held": days_between(ctx.dialect, Order.purchased_at, Order.sold_at),
    }


def _owned_at(moment: datetime) -> ColumnElement[bool]:
    """Purchased at or before `moment` and not sold at or before it (orders outer-joined)."""
    return and_(InventoryItem.purchased_at <= moment, or_(Order.sold_at.is_(None), Order.sold_at > moment))


SOURCES: dict[SourceName, Source] = {
    # Pairs in inventory now.
    "stock": Source(
        name="stock",
        tables=("inventory_items",),
        base=lambda: InventoryItem.__table__,
        scope=lambda ctx: [InventoryItem.status.in_(IN_INVENTORY)],
        columns=_stock_columns,
        product_id=InventoryItem.product_id,
        size=InventoryItem.size,
        # The platform a pair is listed on; a pair not listed (status in_stock) has none.
        platform=case((InventoryItem.status == "listed", InventoryItem.listed_platform)),
        price=InventoryItem.purchase_price,
    ),
    # Orders sold in the window (they carry product, size, purchase price and date of the pair).
    "sales": Source(
        name="sales",
        tables=("orders",),
        base=lambda: Order.__table__,
        scope=lambda ctx: [Order.sold_at >= ctx.window.start, Order.sold_at < ctx.window.end],
        columns=_sales_columns,
        product_id=Order.product_id,
        size=Order.size,
        platform=Order.platform,
        price=Order.sale_price,
        moment=Order.sold_at,
        joins_item_for_condition=True,
    ),
    # Pairs bought in the window, sold since or not.
    "purchases": Source(
        name="purchases",
        tables=("inventory_items",),
        base=lambda: InventoryItem.__table__,
        scope=lambda ctx: [
            InventoryItem.purchased_at >= ctx.window.start,
            InventoryItem.purchased_at < ctx.window.end,
        ],
        columns=lambda ctx: {"purchase_price": InventoryItem.purchase_price},
        product_id=InventoryItem.product_id,
        size=InventoryItem.size,
        price=InventoryItem.purchase_price,
        moment=InventoryItem.purchased_at,
    ),
    # The pairs owned at the window's start or at its end: the inventory value at those moments.
    "stock_history": Source(
        name="stock_history",
        tables=("inventory_items", "orders"),
        base=lambda: InventoryItem.__table__.outerjoin(Order, Order.inventory_item_id == InventoryItem.id),
        scope=lambda ctx: [or_(_owned_at(ctx.window.start), _owned_at(ctx.window.end))],
        columns=lambda ctx: {
            "purchase_price": InventoryItem.purchase_price,
            "purchased_at": InventoryItem.purchased_at,
            "sold_at": Order.sold_at,
        },
        product_id=InventoryItem.product_id,
        size=InventoryItem.size,
    ),
}


# --- dimensions ---------------------------------------------------------------------------------


def aging_bucket_condition(purchased_at: Any, ctx: Context, label: str) -> ColumnElement[bool]:
    """Pairs whose age in whole days lies in the bucket `label` (0-30, 31-60, 61-90, 91+)."""
    for name, youngest, oldest in AGING_BUCKETS:
        if name == label:
            conditions = []
            if youngest > 0:
                conditions.append(purchased_at <= ctx.purchased_by_age(youngest))
            if oldest is not None:
                conditions.append(purchased_at > ctx.purchased_by_age(oldest + 1))
            return and_(*conditions)
    raise ValueError(f"unknown aging bucket {label!r}")


def aging_bucket_of(purchased_at: Any, ctx: Context) -> ColumnElement[str]:
    *younger, (oldest_label, _youngest, _oldest) = AGING_BUCKETS
    return case(
        *((aging_bucket_condition(purchased_at, ctx, label), label) for label, _y, _o in younger),
        else_=oldest_label,
    )


@dataclass(frozen=True, slots=True)
class DimensionColumns:
    """A dimension as SQL: the key groups are merged by, and a display label when it differs."""

    key: Any
    label: Any = None


def dimension_columns(view: Any, dimension: str, ctx: Context) -> DimensionColumns:
    """`view`: a Source (raw rows) or a rollup (domains/analytics/semantic/plan.py): both name the
    columns a dimension reads the same way."""
    if dimension == "brand":
        return DimensionColumns(Brand.name)
    if dimension == "product":
        return DimensionColumns(Product.sku, Product.name)
    if dimension == "family":
        return DimensionColumns(family_of(ctx.dialect, Product.name))
    if dimension == "size":
        return DimensionColumns(view.size)
    if dimension == "platform":
        return DimensionColumns(view.platform)
    if dimension == "condition":
        return DimensionColumns(view.condition)
    if dimension == "status":
        return DimensionColumns(view.status)
    if dimension == "aging_bucket":
        return DimensionColumns(aging_bucket_of(view.purchased_at, ctx))
    if dimension in TIME_GRAINS:
        return DimensionColumns(period_label(ctx.dialect, view.moment, dimension))  # type: ignore[arg-type]
    raise ValueError(f"unknown dimension {dimension!r}")


# --- filters ------------------------------------------------------------------------------------


def platform_codes(values: Sequence[str]) -> list[str]:
    """Registry codes for the given names or aliases; an unknown name is kept (it matches nothing)."""
    return [normalize_platform(value) or value.strip().lower() for value in values]


def _any_family(names: Any, families: Sequence[str]) -> ColumnElement[bool]:
    patterns = [pattern for family in families if (pattern := family_pattern(family)) is not None]
    if not patterns:
        return false()
    words = name_words(names)
    return or_(*(words.like(pattern, escape=LIKE_ESCAPE) for pattern in patterns))


def filter_conditions(view: Any, ctx: Context, filters: QueryFilters) -> list[ColumnElement[bool]]:
    """The filters as WHERE conditions on this fact's rows (the service checked they apply)."""
    conditions: list[ColumnElement[bool]] = []
    if filters.brand:
        conditions.append(func.lower(Brand.name).in_([b.strip().lower() for b in filters.brand]))
    if filters.product:
        conditions.append(func.lower(Product.sku).in_([s.strip().lower() for s in filters.product]))
    if filters.family:
        conditions.append(_any_family(Product.name, filters.family))
    if filters.size:
        conditions.append(view.size.in_([size.strip() for size in filters.size]))
    if filters.platform:
        conditions.append(view.platform.in_(platform_codes(filters.platform)))
    if filters.condition:
        conditions.append(view.condition.in_(filters.condition))
    if filters.status:
        conditions.append(view.status.in_(filters.status))
    if filters.aging_bucket:
        conditions.append(
            or_(*(aging_bucket_condition(view.purchased_at, ctx, b) for b in filters.aging_bucket))
        )
    if filters.min_age_days is not None:
        conditions.append(view.purchased_at <= ctx.purchased_by_age(filters.min_age_days + 1))
    if filters.max_age_days is not None:
        conditions.append(view.purchased_at > ctx.purchased_by_age(filters.max_age_days + 1))
    if filters.min_price is not None:
        conditions.append(view.price >= filters.min_price)
    if filters.max_price is not None:
        conditions.append(view.price <= filters.max_price)
    return conditions


PRODUCT_DIMENSIONS = ("brand", "product", "family")


def joined(view: Any, filters: QueryFilters, group_by: Sequence[str]) -> tuple[Any, list[str]]:
    """The view's tables, joined to products, brands (and for sales the sold pair) only when a
    filter or a group needs them; and the names of the tables read."""
    needs_brand = "brand" in group_by or bool(filters.brand)
    needs_product = (
        (needs_brand and view.brand_id is None)
        or any(d in group_by for d in PRODUCT_DIMENSIONS[1:])
        or bool(filters.product or filters.family)
    )
    needs_item = view.joins_item_for_condition and ("condition" in group_by or bool(filters.condition))
    from_clause = view.base()
    tables = list(view.tables)
    if needs_item:
        from_clause = from_clause.join(InventoryItem, InventoryItem.id == Order.inventory_item_id)
        tables.append("inventory_items")
    if needs_product:
        from_clause = from_clause.join(Product, Product.id == view.product_id)
        tables.append("products")
    if needs_brand:
        brand_id = Product.brand_id if view.brand_id is None else view.brand_id
        from_clause = from_clause.join(Brand, Brand.id == brand_id)
        tables.append("brands")
    return from_clause, tables
