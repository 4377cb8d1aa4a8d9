"""An independent oracle: fetch the raw rows with plain SELECTs and compute every metric of
docs/domain.md in plain Python, written as literally as the definitions read."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from domains.analytics.windows import Window
from domains.inventory.models import InventoryItem
from domains.orders.models import Order
from domains.products.models import Brand, Product


@dataclass(frozen=True)
class RawItem:
    id: int
    product_id: int
    sku: str
    name: str
    brand: str
    size: str
    status: str
    purchase_price: Decimal
    purchased_at: datetime


@dataclass(frozen=True)
class RawOrder:
    item_id: int
    product_id: int
    sku: str
    name: str
    brand: str
    size: str
    platform: str
    sale_price: Decimal
    platform_fee: Decimal
    processing_fee: Decimal
    shipping_cost: Decimal
    payout: Decimal
    purchase_price: Decimal
    purchased_at: datetime
    sold_at: datetime


async def load(session: AsyncSession) -> tuple[list[RawItem], list[RawOrder]]:
    items = [
        RawItem(*row)
        for row in (
            await session.execute(
                select(
                    InventoryItem.id,
                    InventoryItem.product_id,
                    Product.sku,
                    Product.name,
                    Brand.name,
                    InventoryItem.size,
                    InventoryItem.status,
                    InventoryItem.purchase_price,
                    InventoryItem.purchased_at,
                )
                .join(Product, Product.id == InventoryItem.product_id)
                .join(Brand, Brand.id == Product.brand_id)
            )
        ).all()
    ]
    by_id = {item.id: item for item in items}
    orders = []
    for row in (await session.execute(select(Order))).scalars():
        item = by_id[row.inventory_item_id]
        orders.append(
            RawOrder(
                item_id=item.id,
                product_id=item.product_id,
                sku=item.sku,
                name=item.name,
                brand=item.brand,
                size=item.size,
                platform=row.platform,
                sale_price=row.sale_price,
                platform_fee=row.platform_fee,
                processing_fee=row.processing_fee,
                shipping_cost=row.shipping_cost,
                payout=row.payout,
                purchase_price=item.purchase_price,
                purchased_at=item.purchased_at,
                sold_at=row.sold_at,
            )
        )
    return items, orders


def pct(numerator: Any, denominator: Any) -> float | None:
    if denominator == 0:
        return None
    return float(numerator) / float(denominator) * 100


def same_ratio(actual: float | None, expected: float | None, *, tolerance: float = 0.0051) -> bool:
    """Both "not available", or equal up to the 2-place rounding of the API."""
    if expected is None or actual is None:
        return actual is expected
    return abs(actual - expected) <= tolerance


def age_days(item: RawItem, now: datetime) -> int:
    return (now - item.purchased_at).days  # timedelta.days: whole days, floored


def in_inventory(item: RawItem) -> bool:
    return item.status in ("in_stock", "listed")


def filter_items(items: list[RawItem], brand: str | None) -> list[RawItem]:
    return [i for i in items if brand is None or i.brand.lower() == brand.lower()]


def filter_orders(
    orders: list[RawOrder], window: Window | None, brand: str | None, platform: str | None
) -> list[RawOrder]:
    return [
        o
        for o in orders
        if (window is None or window.start <= o.sold_at < window.end)
        and (brand is None or o.brand.lower() == brand.lower())
        and (platform is None or o.platform == platform)
    ]


def value_at(items: list[RawItem], orders: list[RawOrder], t: datetime) -> Decimal:
    """purchase_price sum of items purchased at or before t and not sold at or before t."""
    sold_at = {o.item_id: o.sold_at for o in orders}
    return sum(
        (
            i.purchase_price
            for i in items
            if i.purchased_at <= t and not (i.id in sold_at and sold_at[i.id] <= t)
        ),
        Decimal("0.00"),
    )


def kpis(
    items: list[RawItem],
    orders: list[RawOrder],
    *,
    window: Window,
    now: datetime,
    dead_stock_days: int = 60,
    brand: str | None = None,
    platform: str | None = None,
) -> dict[str, Any]:
    brand_items = filter_items(items, brand)
    brand_orders = filter_orders(orders, None, brand, None)
    sold = filter_orders(orders, window, brand, platform)
    stock = [i for i in brand_items if in_inventory(i)]
    revenue = sum((o.sale_price for o in sold), Decimal("0.00"))
    cogs = sum((o.purchase_price for o in sold), Decimal("0.00"))
    profit = sum((o.payout - o.purchase_price for o in sold), Decimal("0.00"))
    dead = [i for i in stock if age_days(i, now) > dead_stock_days]
    average_value = (
        value_at(brand_items, brand_orders, window.start) + value_at(brand_items, brand_orders, window.end)
    ) / 2
    return {
        "revenue": revenue,
        "orders": len(sold),
        "avg_order_value": None if not sold else revenue / len(sold),
        "cogs": cogs,
        "profit": profit,
        "margin_pct": pct(profit, revenue),
        "roi_pct": pct(profit, cogs),
        "sell_through_pct": pct(len(sold), len(sold) + len(stock)),
        "days_to_sell": None
        if not sold
        else sum((o.sold_at - o.purchased_at).total_seconds() / 86400 for o in sold) / len(sold),
        "inventory_turnover": None if average_value == 0 else float(cogs) / float(average_value),
        "units_in_inventory": len(stock),
        "inventory_value": sum((i.purchase_price for i in stock), Decimal("0.00")),
        "dead_stock_units": len(dead),
        "dead_stock_rate_pct": pct(len(dead), len(stock)),
    }


def aging(items: list[RawItem], now: datetime, brand: str | None = None) -> dict[str, tuple[int, Decimal]]:
    buckets: dict[str, tuple[int, Decimal]] = {}
    for label, low, high in (
        ("0-30", -(10**6), 30),
        ("31-60", 31, 60),
        ("61-90", 61, 90),
        ("91+", 91, 10**6),
    ):
        chosen = [
            i for i in filter_items(items, brand) if in_inventory(i) and low <= age_days(i, now) <= high
        ]
        buckets[label] = (len(chosen), sum((i.purchase_price for i in chosen), Decimal("0.00")))
    return buckets


def best_sellers(
    orders: list[RawOrder], *, window: Window, by: str, brand: str | None = None, platform: str | None = None
) -> list[tuple[str, int, Decimal, Decimal]]:
    """(key, units, revenue, profit), ranked by units, then revenue, then name."""
    groups: dict[str, list[RawOrder]] = {}
    names: dict[str, str] = {}
    for o in filter_orders(orders, window, brand, platform):
        key = o.brand if by == "brand" else o.sku
        groups.setdefault(key, []).append(o)
        names[key] = o.brand if by == "brand" else o.name
    rows = [
        (
            key,
            len(group),
            sum((o.sale_price for o in group), Decimal("0.00")),
            sum((o.payout - o.purchase_price for o in group), Decimal("0.00")),
        )
        for key, group in groups.items()
    ]
    rows.sort(key=lambda r: (-r[1], -r[2], names[r[0]], r[0]))
    return rows


def low_stock(
    items: list[RawItem], orders: list[RawOrder], *, now: datetime, by_size: bool, max_units: int = 1
) -> list[tuple[str, str | None, int, int]]:
    """(sku, size or None, units in inventory, units sold in the last 90 days) of the products
    (+ sizes) sold in the last 90 days with at most `max_units` pairs in inventory, ordered by
    units in inventory, then units sold (most first), then sku, then size."""
    start = now - timedelta(days=90)

    def key(sku: str, size: str) -> tuple[str, str | None]:
        return (sku, size if by_size else None)

    sold: dict[tuple[str, str | None], int] = {}
    for o in orders:
        if start <= o.sold_at < now:
            sold[key(o.sku, o.size)] = sold.get(key(o.sku, o.size), 0) + 1
    stock: dict[tuple[str, str | None], int] = {}
    for i in items:
        if in_inventory(i):
            stock[key(i.sku, i.size)] = stock.get(key(i.sku, i.size), 0) + 1
    rows = [(sku, size, stock.get((sku, size), 0), units) for (sku, size), units in sold.items()]
    rows = [r for r in rows if r[2] <= max_units]
    rows.sort(key=lambda r: (r[2], -r[3], r[0], r[1] or ""))
    return rows


def month_start(day: date) -> date:
    return day.replace(day=1)


def bucket_of(moment: datetime, grain: str) -> date:
    day = moment.date()
    if grain == "week":
        return day - timedelta(days=day.weekday())
    if grain == "month":
        return month_start(day)
    return day
