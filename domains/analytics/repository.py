"""Read-model queries for analytics. Every number is aggregated in SQL; the same statements run on
PostgreSQL and SQLite. Age cut-offs are computed in Python (age in whole days > N <=> purchased_at
<= now - (N + 1) days), so no query depends on a dialect's date arithmetic.

Whole UTC days come from the trigger-maintained daily rollups (domains/analytics/models.py); the
days a window starts and ends on, and the days an age cut-off falls on, come from the raw rows
with the exact timestamp conditions. Sums of the two parts equal a scan over the raw rows."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from typing import Any, Literal

from sqlalchemy import (
    ColumnElement,
    Integer,
    Select,
    and_,
    cast,
    func,
    literal_column,
    select,
    true,
    type_coerce,
    union_all,
)
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.types import DateTime

from domains.analytics.models import (
    ProductSalesDaily,
    PurchasesDaily,
    SalesDaily,
    StockByProductSize,
    StockDaily,
)
from domains.analytics.windows import Window
from domains.inventory.models import IN_INVENTORY, InventoryItem
from domains.orders.models import Order
from domains.products.models import Brand, Product
from shared.database.sql import Grain, days_between, period_start
from shared.database.types import Money

TIMESTAMP_WITHOUT_TZ = DateTime(timezone=False)

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


ONE_DAY = timedelta(days=1)


def midnight(day: date) -> datetime:
    return datetime.combine(day, time.min, tzinfo=UTC)


def utc_date(moment: datetime) -> date:
    return moment.astimezone(UTC).date()


@dataclass(frozen=True, slots=True)
class DaySplit:
    """A window as whole UTC days [first_day, end_day) read from rollups, plus the raw
    timestamp ranges of the days it starts and ends on (a window within two days: all raw)."""

    raw: tuple[tuple[datetime, datetime], ...]
    first_day: date
    end_day: date


def split_window(window: Window) -> DaySplit:
    start_day = utc_date(window.start)
    last_day = utc_date(window.end - timedelta(microseconds=1))
    if last_day <= start_day + ONE_DAY:
        return DaySplit(raw=((window.start, window.end),), first_day=start_day, end_day=start_day)
    return DaySplit(
        raw=((window.start, midnight(start_day + ONE_DAY)), (midnight(last_day), window.end)),
        first_day=start_day + ONE_DAY,
        end_day=last_day,
    )


def _zero(total: Any) -> ColumnElement[Any]:
    return func.coalesce(total, 0)


def day_period_start(dialect: str, column: Any, grain: Grain) -> ColumnElement[str]:
    """period_start (shared.database.sql) for a DATE column: the period's first day as text."""
    if dialect == "sqlite":
        return period_start(dialect, column, grain)
    return func.to_char(
        func.date_trunc(literal_column(f"'{grain}'"), cast(column, TIMESTAMP_WITHOUT_TZ)),
        literal_column("'YYYY-MM-DD'"),
    )


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

    def _order_filters(self, filters: Filters, *, with_platform: bool = True) -> list[ColumnElement[bool]]:
        conditions: list[ColumnElement[bool]] = []
        if filters.brand_id is not None:
            conditions.append(Order.product_id.in_(self._brand_products(filters.brand_id)))
        if with_platform and filters.platform is not None:
            conditions.append(Order.platform == filters.platform)
        return conditions

    @staticmethod
    def _sales_filters(filters: Filters, *, with_platform: bool = True) -> list[ColumnElement[bool]]:
        conditions: list[ColumnElement[bool]] = []
        if filters.brand_id is not None:
            conditions.append(SalesDaily.brand_id == filters.brand_id)
        if with_platform and filters.platform is not None:
            conditions.append(SalesDaily.platform == filters.platform)
        return conditions

    def _raw_orders(
        self, split: DaySplit, filters: Filters, *columns: Any, products: Select[Any] | None = None
    ) -> Any:
        """The orders of the window's edge days (exact timestamps), as one subquery."""
        conditions = self._order_filters(filters)
        if products is not None:
            conditions.append(Order.product_id.in_(products))
        selects = [
            select(*columns).where(Order.sold_at >= low, Order.sold_at < high, *conditions)
            for low, high in split.raw
        ]
        return (selects[0] if len(selects) == 1 else union_all(*selects)).subquery("raw_orders")

    @staticmethod
    def _sales_days(split: DaySplit) -> list[ColumnElement[bool]]:
        return [SalesDaily.day >= split.first_day, SalesDaily.day < split.end_day]

    def _window_orders(self, window: Window, filters: Filters) -> Any:
        """Orders, revenue, COGS, profit and days to sell of the window: rollup days + raw edges."""
        split = split_window(window)
        days = self._sales_days(split) + self._sales_filters(filters)
        rolled = (
            select(
                _zero(func.sum(SalesDaily.orders)).label("orders"),
                _zero(func.sum(SalesDaily.revenue)).label("revenue"),
                _zero(func.sum(SalesDaily.cogs)).label("cogs"),
                _zero(func.sum(SalesDaily.payout)).label("payout"),
                _zero(func.sum(SalesDaily.days_to_sell_sum)).label("days"),
            )
            .where(*days)
            .subquery("rolled_orders")
        )
        raw_rows = self._raw_orders(
            split,
            filters,
            Order.sale_price,
            Order.purchase_price,
            Order.payout,
            days_between(self.dialect, Order.purchased_at, Order.sold_at).label("days"),
        )
        raw = select(
            func.count().label("orders"),
            _zero(func.sum(raw_rows.c.sale_price)).label("revenue"),
            _zero(func.sum(raw_rows.c.purchase_price)).label("cogs"),
            _zero(func.sum(raw_rows.c.payout)).label("payout"),
            _zero(func.sum(raw_rows.c.days)).label("days"),
        ).subquery("raw_order_sums")
        orders = rolled.c.orders + raw.c.orders
        return (
            select(
                orders.label("orders"),
                type_coerce(rolled.c.revenue + raw.c.revenue, Money()).label("revenue"),
                type_coerce(rolled.c.cogs + raw.c.cogs, Money()).label("cogs"),
                type_coerce((rolled.c.payout + raw.c.payout) - (rolled.c.cogs + raw.c.cogs), Money()).label(
                    "profit"
                ),
                ((rolled.c.days + raw.c.days) / func.nullif(orders, 0)).label("days_to_sell"),
            )
            .select_from(rolled.join(raw, true()))
            .subquery("window_orders")
        )

    def _inventory_now(self, *, now: datetime, dead_stock_days: int, brand_id: int | None) -> Select[Any]:
        """Units, value, status split, dead stock and aging buckets of the pairs in inventory now:
        stock_daily for every purchase day no age cut-off falls on, raw rows for those that one does."""
        dead_cut = purchased_cutoff(now, dead_stock_days + 1)
        bucket_cuts: list[tuple[datetime | None, datetime | None]] = [
            (
                purchased_cutoff(now, youngest) if youngest > 0 else None,
                purchased_cutoff(now, oldest + 1) if oldest is not None else None,
            )
            for _label, youngest, oldest in AGING_BUCKETS
        ]
        cuts = {dead_cut} | {cut for pair in bucket_cuts for cut in pair if cut is not None}
        edge_days = sorted({utc_date(cut) for cut in cuts})

        def measures(
            le: Any, gt: Any, status: Any, units: Any, value: Any
        ) -> list[tuple[str, ColumnElement[Any]]]:
            columns = [
                ("units", units(None)),
                ("value", value(None)),
                ("in_stock_units", units(status == "in_stock")),
                ("listed_units", units(status == "listed")),
                ("dead_units", units(le(dead_cut))),
                ("dead_value", value(le(dead_cut))),
            ]
            for index, (older_than, younger_than) in enumerate(bucket_cuts):
                bucket = []
                if older_than is not None:
                    bucket.append(le(older_than))
                if younger_than is not None:
                    bucket.append(gt(younger_than))
                condition = and_(*bucket)
                columns.append((f"bucket{index}_units", units(condition)))
                columns.append((f"bucket{index}_value", value(condition)))
            return columns

        day = StockDaily.purchase_day
        rolled_conditions: list[ColumnElement[bool]] = [day.not_in(edge_days)]
        if brand_id is not None:
            rolled_conditions.append(StockDaily.brand_id == brand_id)
        rolled = (
            select(
                *(
                    column.label(label)
                    for label, column in measures(
                        lambda cut: day < utc_date(cut),
                        lambda cut: day > utc_date(cut),
                        StockDaily.status,
                        lambda c: _zero(
                            func.sum(StockDaily.units) if c is None else func.sum(StockDaily.units).filter(c)
                        ),
                        lambda c: money_sum(StockDaily.value, c),
                    )
                )
            )
            .where(*rolled_conditions)
            .subquery("rolled_stock")
        )

        item_conditions = self._item_conditions(brand_id)
        edge_rows = union_all(
            *(
                select(InventoryItem.status, InventoryItem.purchase_price, InventoryItem.purchased_at).where(
                    *item_conditions,
                    InventoryItem.purchased_at >= midnight(edge),
                    InventoryItem.purchased_at < midnight(edge + ONE_DAY),
                )
                for edge in edge_days
            )
        ).subquery("edge_items")
        raw = select(
            *(
                column.label(label)
                for label, column in measures(
                    lambda cut: edge_rows.c.purchased_at <= cut,
                    lambda cut: edge_rows.c.purchased_at > cut,
                    edge_rows.c.status,
                    lambda c: func.count() if c is None else count_where(c),
                    lambda c: money_sum(edge_rows.c.purchase_price, c),
                )
            )
        ).subquery("edge_stock")
        combined = []
        for column in rolled.c:
            label = column.name
            total = column + raw.c[label]
            combined.append((type_coerce(total, Money()) if "value" in label else total).label(label))
        return select(*combined).select_from(rolled.join(raw, true()))

    async def inventory_now(self, *, now: datetime, dead_stock_days: int, brand_id: int | None) -> Any:
        statement = self._inventory_now(now=now, dead_stock_days=dead_stock_days, brand_id=brand_id)
        return (await self.session.execute(statement)).one()

    def _purchases_after(self, window: Window, brand_id: int | None) -> Any:
        """purchase_price sums of pairs bought after the window's start and after its end."""
        start_day, end_day = utc_date(window.start), utc_date(window.end)
        conditions: list[ColumnElement[bool]] = [PurchasesDaily.day > start_day]
        if brand_id is not None:
            conditions.append(PurchasesDaily.brand_id == brand_id)
        rolled = (
            select(
                _zero(func.sum(PurchasesDaily.value)).label("after_start"),
                _zero(func.sum(PurchasesDaily.value).filter(PurchasesDaily.day > end_day)).label("after_end"),
            )
            .where(*conditions)
            .subquery("rolled_purchases")
        )

        def raw_after(moment: datetime, name: str) -> Any:
            raw_conditions = [
                InventoryItem.purchased_at > moment,
                InventoryItem.purchased_at < midnight(utc_date(moment) + ONE_DAY),
            ]
            if brand_id is not None:
                raw_conditions.append(InventoryItem.product_id.in_(self._brand_products(brand_id)))
            return (
                select(_zero(func.sum(InventoryItem.purchase_price)).label("value"))
                .where(*raw_conditions)
                .subquery(name)
            )

        return _rolled_plus_edges(rolled, raw_after, window, "purchases_after")

    def _sales_cost_after(self, window: Window, filters: Filters) -> Any:
        """purchase_price sums of orders sold after the window's start and after its end."""
        start_day, end_day = utc_date(window.start), utc_date(window.end)
        brand_only = Filters(brand_id=filters.brand_id)  # inventory is platform-blind
        rolled = (
            select(
                _zero(func.sum(SalesDaily.cogs)).label("after_start"),
                _zero(func.sum(SalesDaily.cogs).filter(SalesDaily.day > end_day)).label("after_end"),
            )
            .where(SalesDaily.day > start_day, *self._sales_filters(brand_only))
            .subquery("rolled_sales_cost")
        )

        def raw_after(moment: datetime, name: str) -> Any:
            return (
                select(_zero(func.sum(Order.purchase_price)).label("value"))
                .where(
                    Order.sold_at > moment,
                    Order.sold_at < midnight(utc_date(moment) + ONE_DAY),
                    *self._order_filters(brand_only),
                )
                .subquery(name)
            )

        return _rolled_plus_edges(rolled, raw_after, window, "sales_after")

    async def kpi_figures(
        self, *, window: Window, now: datetime, dead_stock_days: int, filters: Filters
    ) -> Any:
        """Every KPI input in one round trip: order sums of the window, inventory now, and what
        turnover needs to rebuild inventory value at the window's start and end."""
        orders = self._window_orders(window, filters)
        inventory = self._inventory_now(
            now=now, dead_stock_days=dead_stock_days, brand_id=filters.brand_id
        ).subquery("inventory_now")
        # value(t) = value_now - purchases after t + cost of sales after t (inventory is platform-blind).
        purchases_after = self._purchases_after(window, filters.brand_id)
        sales_after = self._sales_cost_after(window, filters)
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
        units = func.sum(StockDaily.units)
        conditions: list[ColumnElement[bool]] = []
        if brand_id is not None:
            conditions.append(StockDaily.brand_id == brand_id)
        statement = (
            select(
                Brand.name.label("brand"),
                cast(units, Integer).label("units"),
                money_sum(StockDaily.value).label("value"),
            )
            .select_from(StockDaily)
            .join(Brand, Brand.id == StockDaily.brand_id)
            .where(*conditions)
            .group_by(Brand.id, Brand.name)
            .order_by(units.desc(), _rounded(StockDaily.value).desc(), Brand.name)
            .limit(limit)
        )
        return list((await self.session.execute(statement)).all())

    # --- sales breakdowns ------------------------------------------------------------------

    async def best_sellers(
        self, *, window: Window, by: Literal["brand", "product"], limit: int, filters: Filters
    ) -> list[Any]:
        if by == "brand":
            return await self._best_brands(window=window, limit=limit, filters=filters)
        parts = self._product_sales(split_window(window), filters)
        units = func.sum(parts.c.orders)
        statement = (
            select(
                Product.sku.label("key"),
                Product.name.label("name"),
                Brand.name.label("brand"),
                cast(units, Integer).label("units"),
                money_sum(parts.c.revenue).label("revenue"),
                money_sum(parts.c.profit).label("profit"),
            )
            .select_from(parts)
            .join(Product, Product.id == parts.c.product_id)
            .join(Brand, Brand.id == Product.brand_id)
            .group_by(Product.id, Product.sku, Product.name, Brand.name)
            .order_by(units.desc(), _rounded(parts.c.revenue).desc(), Product.name, Product.sku)
            .limit(limit)
        )
        return list((await self.session.execute(statement)).all())

    def _product_sales(
        self, split: DaySplit, filters: Filters, *, money: bool = True, products: Select[Any] | None = None
    ) -> Any:
        """Orders (and revenue, profit) per product: product_sales_daily for the whole days,
        raw orders for the edge days; one row per product and part (sum them up). `products`:
        only these product ids."""
        conditions = [ProductSalesDaily.day >= split.first_day, ProductSalesDaily.day < split.end_day]
        if filters.brand_id is not None:
            conditions.append(ProductSalesDaily.product_id.in_(self._brand_products(filters.brand_id)))
        if products is not None:
            conditions.append(ProductSalesDaily.product_id.in_(products))
        if filters.platform is not None:
            conditions.append(ProductSalesDaily.platform == filters.platform)
        sums: list[Any] = [ProductSalesDaily.revenue, ProductSalesDaily.profit] if money else []
        rolled = select(ProductSalesDaily.product_id, ProductSalesDaily.orders, *sums).where(*conditions)
        raw_columns: list[Any] = [Order.sale_price, (Order.payout - Order.purchase_price).label("profit")]
        raw_rows = self._raw_orders(
            split, filters, Order.product_id, *(raw_columns if money else []), products=products
        )
        raw_sums: list[Any] = (
            [func.sum(raw_rows.c.sale_price).label("revenue"), func.sum(raw_rows.c.profit).label("profit")]
            if money
            else []
        )
        raw = select(raw_rows.c.product_id, func.count().label("orders"), *raw_sums).group_by(
            raw_rows.c.product_id
        )
        return union_all(rolled, raw).subquery("product_sales")

    async def _best_brands(self, *, window: Window, limit: int, filters: Filters) -> list[Any]:
        split = split_window(window)
        rolled = select(
            SalesDaily.brand_id.label("brand_id"),
            SalesDaily.orders.label("orders"),
            SalesDaily.revenue.label("revenue"),
            (SalesDaily.payout - SalesDaily.cogs).label("profit"),
        ).where(*self._sales_days(split), *self._sales_filters(filters))
        raw_rows = self._raw_orders(
            split,
            filters,
            Order.product_id,
            Order.sale_price,
            (Order.payout - Order.purchase_price).label("profit"),
        )
        raw = (
            select(
                Product.brand_id.label("brand_id"),
                func.count().label("orders"),
                func.sum(raw_rows.c.sale_price).label("revenue"),
                func.sum(raw_rows.c.profit).label("profit"),
            )
            .select_from(raw_rows)
            .join(Product, Product.id == raw_rows.c.product_id)
            .group_by(Product.brand_id)
        )
        parts = union_all(rolled, raw).subquery("brand_sales")
        units = func.sum(parts.c.orders)
        statement = (
            select(
                Brand.name.label("key"),
                Brand.name.label("name"),
                Brand.name.label("brand"),
                cast(units, Integer).label("units"),
                money_sum(parts.c.revenue).label("revenue"),
                money_sum(parts.c.profit).label("profit"),
            )
            .select_from(parts)
            .join(Brand, Brand.id == parts.c.brand_id)
            .group_by(Brand.id, Brand.name)
            .order_by(units.desc(), _rounded(parts.c.revenue).desc(), Brand.name)
            .limit(limit)
        )
        return list((await self.session.execute(statement)).all())

    async def sales_by_platform(self, *, window: Window, filters: Filters) -> list[Any]:
        split = split_window(window)
        brand_only = Filters(brand_id=filters.brand_id)
        rolled = select(
            SalesDaily.platform.label("platform"),
            SalesDaily.orders.label("orders"),
            SalesDaily.revenue.label("revenue"),
            SalesDaily.platform_fees.label("platform_fees"),
            SalesDaily.processing_fees.label("processing_fees"),
            SalesDaily.shipping_costs.label("shipping_costs"),
            SalesDaily.payout.label("payout"),
            (SalesDaily.payout - SalesDaily.cogs).label("profit"),
        ).where(*self._sales_days(split), *self._sales_filters(brand_only))
        raw_rows = self._raw_orders(
            split,
            brand_only,
            Order.platform,
            Order.sale_price,
            Order.platform_fee,
            Order.processing_fee,
            Order.shipping_cost,
            Order.payout,
            (Order.payout - Order.purchase_price).label("profit"),
        )
        raw = select(
            raw_rows.c.platform,
            func.count().label("orders"),
            func.sum(raw_rows.c.sale_price).label("revenue"),
            func.sum(raw_rows.c.platform_fee).label("platform_fees"),
            func.sum(raw_rows.c.processing_fee).label("processing_fees"),
            func.sum(raw_rows.c.shipping_cost).label("shipping_costs"),
            func.sum(raw_rows.c.payout).label("payout"),
            func.sum(raw_rows.c.profit).label("profit"),
        ).group_by(raw_rows.c.platform)
        parts = union_all(rolled, raw).subquery("platform_sales")
        statement = (
            select(
                parts.c.platform,
                cast(func.sum(parts.c.orders), Integer).label("orders"),
                money_sum(parts.c.revenue).label("revenue"),
                money_sum(parts.c.platform_fees).label("platform_fees"),
                money_sum(parts.c.processing_fees).label("processing_fees"),
                money_sum(parts.c.shipping_costs).label("shipping_costs"),
                money_sum(parts.c.payout).label("payout"),
                money_sum(parts.c.profit).label("profit"),
            )
            .group_by(parts.c.platform)
            .order_by(_rounded(parts.c.revenue).desc(), parts.c.platform)
        )
        return list((await self.session.execute(statement)).all())

    async def time_series(self, *, window: Window, grain: Grain, filters: Filters) -> list[Any]:
        split = split_window(window)
        day_period = day_period_start(self.dialect, SalesDaily.day, grain)
        rolled = (
            select(
                day_period.label("period_start"),
                func.sum(SalesDaily.orders).label("orders"),
                func.sum(SalesDaily.revenue).label("revenue"),
                (func.sum(SalesDaily.payout) - func.sum(SalesDaily.cogs)).label("profit"),
            )
            .where(*self._sales_days(split), *self._sales_filters(filters))
            .group_by(day_period)
        )
        raw_rows = self._raw_orders(
            split,
            filters,
            Order.sold_at,
            Order.sale_price,
            (Order.payout - Order.purchase_price).label("profit"),
        )
        raw_period = period_start(self.dialect, raw_rows.c.sold_at, grain)
        raw = select(
            raw_period.label("period_start"),
            func.count().label("orders"),
            func.sum(raw_rows.c.sale_price).label("revenue"),
            func.sum(raw_rows.c.profit).label("profit"),
        ).group_by(raw_period)
        parts = union_all(rolled, raw).subquery("period_sales")
        statement = (
            select(
                parts.c.period_start,
                cast(func.sum(parts.c.orders), Integer).label("orders"),
                money_sum(parts.c.revenue).label("revenue"),
                money_sum(parts.c.profit).label("profit"),
            )
            .group_by(parts.c.period_start)
            .order_by(parts.c.period_start)
        )
        return list((await self.session.execute(statement)).all())

    # --- low stock -------------------------------------------------------------------------

    def _low_stock(self, *, window: Window, by_size: bool, max_units: int) -> Any:
        """Per product (+ size) sold in the window: units sold and pairs in inventory now. The stock
        side is the trigger-kept stock_by_product_size. By product, only the products with at most
        `max_units` pairs left are looked up on the sold side: product_sales_daily for the whole
        days, raw orders for the edge days. By size, the sold side groups the window's orders
        (they carry the pair's size)."""
        if by_size:
            sold = (
                select(Order.product_id, Order.size, func.count().label("units_sold"))
                .where(Order.sold_at >= window.start, Order.sold_at < window.end)
                .group_by(Order.product_id, Order.size)
                .subquery("sold_recently")
            )
            stock: Any = StockByProductSize.__table__
            stock_join = and_(stock.c.product_id == sold.c.product_id, stock.c.size == sold.c.size)
        else:
            stock = (
                select(StockByProductSize.product_id, func.sum(StockByProductSize.units).label("units"))
                .group_by(StockByProductSize.product_id)
                .subquery("stock")
            )
            low_products = (
                select(Product.id)
                .outerjoin(stock, stock.c.product_id == Product.id)
                .where(func.coalesce(stock.c.units, 0) <= max_units)
            )
            parts = self._product_sales(split_window(window), Filters(), money=False, products=low_products)
            sold = (
                select(parts.c.product_id, cast(func.sum(parts.c.orders), Integer).label("units_sold"))
                .group_by(parts.c.product_id)
                .subquery("sold_recently")
            )
            stock_join = stock.c.product_id == sold.c.product_id
        units_in_inventory = cast(func.coalesce(stock.c.units, 0), Integer)
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
        return (
            select(*columns)
            .select_from(sold)
            .outerjoin(stock, stock_join)
            .join(Product, Product.id == sold.c.product_id)
            .join(Brand, Brand.id == Product.brand_id)
        ).subquery("stock_levels")

    async def low_stock(
        self, *, window: Window, by_size: bool, max_units: int, limit: int, offset: int
    ) -> tuple[list[Any], int]:
        """One page of the low-stock rows and their total, in one statement (count(*) over ())."""
        rows = self._low_stock(window=window, by_size=by_size, max_units=max_units)
        low = select(rows, func.count().over().label("total")).where(rows.c.units_in_inventory <= max_units)
        order = [rows.c.units_in_inventory, rows.c.units_sold.desc(), rows.c.sku]
        if by_size:
            order.append(rows.c.size)
        page = list((await self.session.execute(low.order_by(*order).limit(limit).offset(offset))).all())
        if page:
            return page, int(page[0].total)
        if offset == 0:
            return [], 0
        # A page past the end: no row carries the total, so count it.
        total = await self.session.execute(
            select(func.count()).select_from(rows).where(rows.c.units_in_inventory <= max_units)
        )
        return [], int(total.scalar_one())


def _rolled_plus_edges(
    rolled: Any, raw_after: Callable[[datetime, str], Any], window: Window, name: str
) -> Any:
    """Full days from a rollup plus the exact partial days after the window's start and end.

    `rolled` has columns after_start/after_end; `raw_after(moment, name)` sums the raw rows
    between `moment` and the end of its UTC day.
    """
    raw_start = raw_after(window.start, f"{name}_raw_start")
    raw_end = raw_after(window.end, f"{name}_raw_end")
    return (
        select(
            type_coerce(rolled.c.after_start + raw_start.c.value, Money()).label("after_start"),
            type_coerce(rolled.c.after_end + raw_end.c.value, Money()).label("after_end"),
        )
        .select_from(rolled.join(raw_start, true()).join(raw_end, true()))
        .subquery(name)
    )
