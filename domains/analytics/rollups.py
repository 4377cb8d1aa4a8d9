"""The rollups' definition as GROUP BYs over the raw rows (domains/analytics/models.py).

Triggers of migrations 0004 and 0005 keep the rollups equal to these queries row by row; bulk loaders that
bypass the triggers (scripts/demo_data.py) call `rebuild_rollups` afterwards, and the tests
compare the trigger-maintained rows with `expected_rollups`.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Date, Select, cast, delete, func, insert, literal_column, select, text, type_coerce
from sqlalchemy.ext.asyncio import AsyncConnection

from domains.analytics.models import (
    ProductSalesDaily,
    ProductSalesHourly,
    ProductSalesMonthly,
    PurchasesDaily,
    SalesDaily,
    SalesHourly,
    StockByProductSize,
    StockDaily,
    StockHourly,
)
from domains.inventory.models import IN_INVENTORY, InventoryItem
from domains.orders.models import Order
from domains.products.models import Product
from shared.database.base import Base
from shared.database.sql import days_between
from shared.database.types import UTCDateTime

ROLLUPS: tuple[type[Base], ...] = (
    StockDaily,
    PurchasesDaily,
    SalesDaily,
    StockByProductSize,
    ProductSalesDaily,
    ProductSalesMonthly,
    SalesHourly,
    StockHourly,
    ProductSalesHourly,
)
# Tables whose row triggers maintain the rollups (all named analytics_*).
SOURCE_TABLES = ("inventory_items", "orders")
TRIGGER_PREFIX = "analytics_"


def utc_day(dialect: str, column: Any) -> Any:
    """The UTC calendar day of a timestamp column, as a DATE."""
    if dialect == "sqlite":
        return func.date(column)
    return cast(func.timezone(literal_column("'UTC'"), column), Date)


def utc_month(dialect: str, column: Any) -> Any:
    """The first day of the UTC calendar month of a timestamp column, as a DATE."""
    if dialect == "sqlite":
        return func.strftime(literal_column("'%Y-%m-01'"), column)
    return cast(
        func.date_trunc(literal_column("'month'"), func.timezone(literal_column("'UTC'"), column)), Date
    )


def utc_hour(dialect: str, column: Any) -> Any:
    """The start of the UTC hour of a timestamp column, as a UTC timestamp."""
    if dialect == "sqlite":
        hour = func.strftime(literal_column("'%Y-%m-%d %H:00:00.000000'"), column)
    else:
        utc: Any = literal_column("'UTC'")
        hour = func.timezone(utc, func.date_trunc(literal_column("'hour'"), func.timezone(utc, column)))
    return type_coerce(hour, UTCDateTime())


def rollup_queries(dialect: str) -> dict[type[Base], Select[Any]]:
    """Per rollup model, the GROUP BY over raw rows whose columns are the model's, in order."""
    item_day = utc_day(dialect, InventoryItem.purchased_at)
    sale_day = utc_day(dialect, Order.sold_at)

    def stock(period: Any) -> Select[Any]:
        return (
            select(
                period,
                Product.brand_id,
                InventoryItem.status,
                func.count(),
                func.sum(InventoryItem.purchase_price),
            )
            .join(Product, Product.id == InventoryItem.product_id)
            .where(InventoryItem.status.in_(IN_INVENTORY))
            .group_by(period, Product.brand_id, InventoryItem.status)
        )

    purchases = (
        select(item_day, Product.brand_id, func.count(), func.sum(InventoryItem.purchase_price))
        .join(Product, Product.id == InventoryItem.product_id)
        .group_by(item_day, Product.brand_id)
    )

    def sales(period: Any) -> Select[Any]:
        return (
            select(
                period,
                Product.brand_id,
                Order.platform,
                func.count(),
                func.sum(Order.sale_price),
                func.sum(Order.purchase_price),
                func.sum(Order.payout),
                func.sum(Order.platform_fee),
                func.sum(Order.processing_fee),
                func.sum(Order.shipping_cost),
                func.sum(days_between(dialect, Order.purchased_at, Order.sold_at)),
            )
            .join(Product, Product.id == Order.product_id)
            .group_by(period, Product.brand_id, Order.platform)
        )

    stock_by_size = (
        select(InventoryItem.product_id, InventoryItem.size, func.count())
        .where(InventoryItem.status.in_(IN_INVENTORY))
        .group_by(InventoryItem.product_id, InventoryItem.size)
    )

    def product_sales(period: Any) -> Select[Any]:
        return select(
            period,
            Order.product_id,
            Order.platform,
            func.count(),
            func.sum(Order.sale_price),
            func.sum(Order.payout - Order.purchase_price),
        ).group_by(period, Order.product_id, Order.platform)

    return {
        StockDaily: stock(item_day),
        PurchasesDaily: purchases,
        SalesDaily: sales(sale_day),
        StockByProductSize: stock_by_size,
        ProductSalesDaily: product_sales(sale_day),
        ProductSalesMonthly: product_sales(utc_month(dialect, Order.sold_at)),
        SalesHourly: sales(utc_hour(dialect, Order.sold_at)),
        StockHourly: stock(utc_hour(dialect, InventoryItem.purchased_at)),
        ProductSalesHourly: product_sales(utc_hour(dialect, Order.sold_at)),
    }


async def rebuild_rollups(conn: AsyncConnection) -> None:
    """Replace every rollup row by one INSERT ... SELECT ... GROUP BY over the raw rows, written
    in key order (day first) so that a window's days sit on few pages."""
    for model, query in rollup_queries(conn.dialect.name).items():
        await conn.execute(delete(model))
        columns = [column.name for column in model.__table__.columns]
        keys = list(query.selected_columns)[: len(list(model.__table__.primary_key))]
        await conn.execute(insert(model).from_select(columns, query.order_by(*keys)))


async def disable_rollup_triggers(conn: AsyncConnection) -> list[str]:
    """Switch the rollup triggers off for a bulk load in this transaction; returns the statements
    that switch them on again (PostgreSQL: ALTER TABLE ... ENABLE; SQLite: the CREATE TRIGGERs).
    The caller must `rebuild_rollups` before it commits."""
    tables = ", ".join(f"'{t}'" for t in SOURCE_TABLES)
    if conn.dialect.name == "postgresql":
        rows = (
            await conn.execute(
                text(
                    "SELECT c.relname, t.tgname FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid "
                    f"WHERE NOT t.tgisinternal AND c.relname IN ({tables}) AND t.tgname LIKE :prefix"
                ),
                {"prefix": TRIGGER_PREFIX + "%"},
            )
        ).all()
        for table, name in rows:
            await conn.execute(text(f'ALTER TABLE {table} DISABLE TRIGGER "{name}"'))
        return [f'ALTER TABLE {table} ENABLE TRIGGER "{name}"' for table, name in rows]
    rows = (
        await conn.execute(
            text(
                "SELECT name, sql FROM sqlite_master WHERE type = 'trigger' "
                f"AND tbl_name IN ({tables}) AND name LIKE :prefix"
            ),
            {"prefix": TRIGGER_PREFIX + "%"},
        )
    ).all()
    for name, _sql in rows:
        await conn.execute(text(f'DROP TRIGGER "{name}"'))
    return [sql for _name, sql in rows]
