"""Read-model queries for analytics. Every number is aggregated in SQL; the same statements run on
PostgreSQL and SQLite. Age cut-offs are computed in Python (age in whole days > N <=> purchased_at
<= now - (N + 1) days), so no query depends on a dialect's date arithmetic."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any, Literal

from sqlalchemy import ColumnElement, Select, and_, func, select, true, type_coerce
from sqlalchemy.ext.asyncio import AsyncSession

from domains.analytics.windows import Window
from domains.inventory.models import IN_INVENTORY, InventoryItem
from domains.orders.models import Order
from domains.products.models import Brand, Product
from shared.database.sql import Grain, days_between, period_start
from shared.database.types import Money

# Aging buckets of docs/domain.md: (label, youngest age, oldest age or None) in whole days.
AGING_BUCKETS: tuple[tuple[str, int, int | None], ...] = (
    ("0-30", 0, 30),
    ("31-60", 31, 60),
    ("61-90", 61, 90),
    ("91+", 91, None),
)


def purchased_cutoff(now: datetime, age_days: int) -> datetime:
    """Items whose age in whole days is at least `age_days` are those purchased at or before this."""
    return now - timedelta(days=age_days)


def money_sum(column: Any, condition: ColumnElement[bool] | None = None) -> ColumnElement[Decimal]:
    """SUM as two-place money, 0.00 when nothing matches."""
    total = func.sum(column) if condition is None else func.sum(column).filter(condition)
    return type_coerce(func.coalesce(total, 0), Money())


def count_where(condition: ColumnElement[bool]) -> ColumnElement[int]:
    return func.count().filter(condition)


def _rounded(column: Any) -> ColumnElement[Any]:
    # SQLite sums REALs: round before comparing sums so equal amounts tie exactly.
    return func.round(func.sum(column), 2)


@dataclass(frozen=True, slots=True)
class Filters:
    """Resolved filters: a brand id (exact) and a platform code."""

    brand_id: int | None = None
    platform: str | None = None


class AnalyticsRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session
        self.dialect = session.get_bind().dialect.name

    # --- helpers ---------------------------------------------------------------------------

    @staticmethod
    def _brand_products(brand_id: int) -> Select[Any]:
        return select(Product.id).where(Product.brand_id == brand_id)

    def _order_conditions(
        self, window: Window, filters: Filters, *, with_platform: bool = True
    ) -> list[ColumnElement[bool]]:
        conditions = [Order.sold_at >= window.start, Order.sold_at < window.end]
        if filters.brand_id is not None:
            conditions.append(Order.product_id.in_(self._brand_products(filters.brand_id)))
        if with_platform and filters.platform is not None:
            conditions.append(Order.platform == filters.platform)
        return conditions

    def _item_conditions(self, brand_id: int | None) -> list[ColumnElement[bool]]:
        conditions: list[ColumnElement[bool]] = [InventoryItem.status.in_(IN_INVENTORY)]
        if brand_id is not None:
            conditions.append(InventoryItem.product_id.in_(self._brand_products(brand_id)))
        return conditions

    async def find_brand(self, name: str) -> tuple[int, str] | None:
        """(id, name) of the brand with this name, case-insensitively."""
        row = (
            await self.session.execute(
                select(Brand.id, Brand.name).where(func.lower(Brand.name) == name.strip().lower())
            )
        ).first()
        return None if row is None else (row.id, row.name)

    # --- KPIs ------------------------------------------------------------------------------

    def _inventory_now(self, *, now: datetime, dead_stock_days: int, brand_id: int | None) -> Select[Any]:
        price = InventoryItem.purchase_price
        purchased = InventoryItem.purchased_at
        dead = purchased <= purchased_cutoff(now, dead_stock_days + 1)
        columns: list[Any] = [
            func.count().label("units"),
            money_sum(price).label("value"),
            count_where(InventoryItem.status == "in_stock").label("in_stock_units"),
            count_where(InventoryItem.status == "listed").label("listed_units"),
            count_where(dead).label("dead_units"),
            money_sum(price, dead).label("dead_value"),
        ]
        for index, (_label, youngest, oldest) in enumerate(AGING_BUCKETS):
            bucket: list[ColumnElement[bool]] = []
            if youngest > 0:
                bucket.append(purchased <= purchased_cutoff(now, youngest))
            if oldest is not None:
                bucket.append(purchased > purchased_cutoff(now, oldest + 1))
            condition = and_(*bucket)
            columns.append(count_where(condition).label(f"bucket{index}_units"))
            columns.append(money_sum(price, condition).label(f"bucket{index}_value"))
        return select(*columns).where(*self._item_conditions(brand_id))

    async def inventory_now(self, *, now: datetime, dead_stock_days: int, brand_id: int | None) -> Any:
        statement = self._inventory_now(now=now, dead_stock_days=dead_stock_days, brand_id=brand_id)
        return (await self.session.execute(statement)).one()

    async def kpi_figures(
        self, *, window: Window, now: datetime, dead_stock_days: int, filters: Filters
    ) -> Any:
        """Every KPI input in one round trip: order sums of the window, inventory now, and what
        turnover needs to rebuild inventory value at the window's start and end."""
        orders = (
            select(
                func.count().label("orders"),
                money_sum(Order.sale_price).label("revenue"),
                money_sum(Order.purchase_price).label("cogs"),
                money_sum(Order.payout - Order.purchase_price).label("profit"),
                func.avg(days_between(self.dialect, InventoryItem.purchased_at, Order.sold_at)).label(
                    "days_to_sell"
                ),
            )
            .select_from(Order)
            .join(InventoryItem, InventoryItem.id == Order.inventory_item_id)
            .where(*self._order_conditions(window, filters))
        ).subquery("window_orders")
        inventory = self._inventory_now(
            now=now, dead_stock_days=dead_stock_days, brand_id=filters.brand_id
        ).subquery("inventory_now")

        # value(t) = value_now - purchases after t + cost of sales after t (inventory is platform-blind).
        purchases_conditions: list[ColumnElement[bool]] = [InventoryItem.purchased_at > window.start]
        sales_conditions: list[ColumnElement[bool]] = [Order.sold_at > window.start]
        if filters.brand_id is not None:
            brand_products = self._brand_products(filters.brand_id)
            purchases_conditions.append(InventoryItem.product_id.in_(brand_products))
            sales_conditions.append(Order.product_id.in_(brand_products))
        purchases = select(
            money_sum(InventoryItem.purchase_price).label("after_start"),
            money_sum(InventoryItem.purchase_price, InventoryItem.purchased_at > window.end).label(
                "after_end"
            ),
        ).where(*purchases_conditions)
        purchases_after = purchases.subquery("purchases_after")
        sales_after = (
            select(
                money_sum(Order.purchase_price).label("after_start"),
                money_sum(Order.purchase_price, Order.sold_at > window.end).label("after_end"),
            )
            .where(*sales_conditions)
            .subquery("sales_after")
        )
        statement = select(
            orders.c.orders,
            orders.c.revenue,
            orders.c.cogs,
            orders.c.profit,
            orders.c.days_to_sell,
            inventory.c.units,
            inventory.c.value,
            inventory.c.dead_units,
            purchases_after.c.after_start.label("purchases_after_start"),
            purchases_after.c.after_end.label("purchases_after_end"),
            sales_after.c.after_start.label("sales_cost_after_start"),
            sales_after.c.after_end.label("sales_cost_after_end"),
        ).select_from(orders.join(inventory, true()).join(purchases_after, true()).join(sales_after, true()))
        return (await self.session.execute(statement)).one()

    # --- inventory -------------------------------------------------------------------------

    async def inventory_by_brand(self, *, brand_id: int | None, limit: int) -> list[Any]:
        statement = (
            select(
                Brand.name.label("brand"),
                func.count().label("units"),
                money_sum(InventoryItem.purchase_price).label("value"),
            )
            .select_from(InventoryItem)
            .join(Product, Product.id == InventoryItem.product_id)
            .join(Brand, Brand.id == Product.brand_id)
            .where(*self._item_conditions(brand_id))
            .group_by(Brand.id, Brand.name)
            .order_by(func.count().desc(), _rounded(InventoryItem.purchase_price).desc(), Brand.name)
            .limit(limit)
        )
        return list((await self.session.execute(statement)).all())

    # --- sales breakdowns ------------------------------------------------------------------

    async def best_sellers(
        self, *, window: Window, by: Literal["brand", "product"], limit: int, filters: Filters
    ) -> list[Any]:
        units = func.count()
        revenue = _rounded(Order.sale_price)
        measures = (
            units.label("units"),
            money_sum(Order.sale_price).label("revenue"),
            money_sum(Order.payout - Order.purchase_price).label("profit"),
        )
        conditions = self._order_conditions(window, filters)
        if by == "brand":
            statement = (
                select(
                    Brand.name.label("key"), Brand.name.label("name"), Brand.name.label("brand"), *measures
                )
                .select_from(Order)
                .join(Product, Product.id == Order.product_id)
                .join(Brand, Brand.id == Product.brand_id)
                .where(*conditions)
                .group_by(Brand.id, Brand.name)
                .order_by(units.desc(), revenue.desc(), Brand.name)
                .limit(limit)
            )
        else:
            per_product = (
                select(
                    Order.product_id,
                    units.label("units"),
                    revenue.label("revenue_rounded"),
                    *measures[1:],
                )
                .where(*conditions)
                .group_by(Order.product_id)
                .subquery("per_product")
            )
            statement = (
                select(
                    Product.sku.label("key"),
                    Product.name.label("name"),
                    Brand.name.label("brand"),
                    per_product.c.units,
                    per_product.c.revenue,
                    per_product.c.profit,
                )
                .select_from(per_product)
                .join(Product, Product.id == per_product.c.product_id)
                .join(Brand, Brand.id == Product.brand_id)
                .order_by(
                    per_product.c.units.desc(),
                    per_product.c.revenue_rounded.desc(),
                    Product.name,
                    Product.sku,
                )
                .limit(limit)
            )
        return list((await self.session.execute(statement)).all())

    async def sales_by_platform(self, *, window: Window, filters: Filters) -> list[Any]:
        statement = (
            select(
                Order.platform.label("platform"),
                func.count().label("orders"),
                money_sum(Order.sale_price).label("revenue"),
                money_sum(Order.platform_fee).label("platform_fees"),
                money_sum(Order.processing_fee).label("processing_fees"),
                money_sum(Order.shipping_cost).label("shipping_costs"),
                money_sum(Order.payout).label("payout"),
                money_sum(Order.payout - Order.purchase_price).label("profit"),
            )
            .where(*self._order_conditions(window, filters))
            .group_by(Order.platform)
            .order_by(_rounded(Order.sale_price).desc(), Order.platform)
        )
        return list((await self.session.execute(statement)).all())

    async def time_series(self, *, window: Window, grain: Grain, filters: Filters) -> list[Any]:
        period = period_start(self.dialect, Order.sold_at, grain)
        statement = (
            select(
                period.label("period_start"),
                func.count().label("orders"),
                money_sum(Order.sale_price).label("revenue"),
                money_sum(Order.payout - Order.purchase_price).label("profit"),
            )
            .where(*self._order_conditions(window, filters))
            .group_by(period)
            .order_by(period)
        )
        return list((await self.session.execute(statement)).all())

    # --- low stock -------------------------------------------------------------------------

    def _low_stock(self, *, window: Window, by_size: bool) -> Any:
        keys: list[Any] = [Order.product_id, InventoryItem.size] if by_size else [Order.product_id]
        sold_query = select(*keys, func.count().label("units_sold"))
        if by_size:
            sold_query = sold_query.join(InventoryItem, InventoryItem.id == Order.inventory_item_id)
        sold = (
            sold_query.where(Order.sold_at >= window.start, Order.sold_at < window.end)
            .group_by(*keys)
            .subquery("sold_recently")
        )
        # Pairs in inventory per sold product (+ size), aggregated once and left-joined:
        # far cheaper on PostgreSQL than a correlated count per sold row.
        stock_keys: list[Any] = (
            [InventoryItem.product_id, InventoryItem.size] if by_size else [InventoryItem.product_id]
        )
        stock = (
            select(*stock_keys, func.count().label("units"))
            .where(
                InventoryItem.status.in_(IN_INVENTORY),
                InventoryItem.product_id.in_(select(sold.c.product_id)),
            )
            .group_by(*stock_keys)
            .subquery("stock")
        )
        stock_join = stock.c.product_id == sold.c.product_id
        if by_size:
            stock_join = and_(stock_join, stock.c.size == sold.c.size)
        units_in_inventory = func.coalesce(stock.c.units, 0)
        columns: list[Any] = [
            sold.c.product_id,
            Product.sku,
            Product.name,
            Brand.name.label("brand"),
            units_in_inventory.label("units_in_inventory"),
            sold.c.units_sold,
        ]
        if by_size:
            columns.append(sold.c.size)
        rows = (
            select(*columns)
            .select_from(sold)
            .outerjoin(stock, stock_join)
            .join(Product, Product.id == sold.c.product_id)
            .join(Brand, Brand.id == Product.brand_id)
        ).subquery("stock_levels")
        return rows

    async def low_stock(
        self, *, window: Window, by_size: bool, max_units: int, limit: int, offset: int
    ) -> tuple[list[Any], int]:
        rows = self._low_stock(window=window, by_size=by_size)
        low = rows.c.units_in_inventory <= max_units
        total = (await self.session.execute(select(func.count()).select_from(rows).where(low))).scalar_one()
        order = [rows.c.units_in_inventory, rows.c.units_sold.desc(), rows.c.sku]
        if by_size:
            order.append(rows.c.size)
        page = (
            await self.session.execute(select(rows).where(low).order_by(*order).limit(limit).offset(offset))
        ).all()
        return list(page), int(total)
