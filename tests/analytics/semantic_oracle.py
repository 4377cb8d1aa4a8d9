"""An independent oracle for the semantic layer: the raw rows fetched with plain SELECTs, and every
metric, filter and dimension of docs/domain.md computed in plain Python, as literally as the
definitions read (no SQL grouping, no shared code with domains/analytics/semantic)."""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from domains.analytics.windows import Window
from domains.inventory.models import InventoryItem
from domains.orders.models import Order
from domains.products.models import Brand, Product
from tests.analytics.oracle import pct

ZERO = Decimal("0.00")
MONEY_METRICS = {
    "inventory_value", "dead_stock_value", "revenue", "cogs", "profit", "fees", "shipping",
    "selling_costs", "payout", "purchase_spend",
}  # fmt: skip
AVERAGE_MONEY_METRICS = {"average_sale_price", "average_profit_per_pair"}
COUNT_METRICS = {"units_in_inventory", "dead_stock_units", "units_sold", "pairs_bought"}
STOCK_METRICS = {
    "units_in_inventory", "inventory_value", "dead_stock_units", "dead_stock_value", "dead_stock_rate",
    "average_age_days", "sell_through",
}  # fmt: skip
PURCHASE_METRICS = {"pairs_bought", "purchase_spend"}
# Which rows a metric reads: a group exists when one of them falls in it.
HISTORY_METRICS = {"inventory_turnover"}


@dataclass(frozen=True)
class Pair:
    """An inventory item, with its product and brand."""

    id: int
    sku: str
    name: str
    brand: str
    size: str
    condition: str
    status: str
    listed_platform: str | None
    purchase_price: Decimal
    purchased_at: datetime


@dataclass(frozen=True)
class Sale:
    pair: Pair
    platform: str
    sale_price: Decimal
    platform_fee: Decimal
    processing_fee: Decimal
    shipping_cost: Decimal
    payout: Decimal
    sold_at: datetime


async def load(session: AsyncSession) -> tuple[list[Pair], list[Sale]]:
    rows = await session.execute(
        select(InventoryItem, Product.sku, Product.name, Brand.name)
        .join(Product, Product.id == InventoryItem.product_id)
        .join(Brand, Brand.id == Product.brand_id)
    )
    pairs = {
        item.id: Pair(
            item.id,
            sku,
            name,
            brand,
            item.size,
            item.condition,
            item.status,
            item.listed_platform,
            item.purchase_price,
            item.purchased_at,
        )
        for item, sku, name, brand in rows.all()
    }
    sales = [
        Sale(
            pairs[o.inventory_item_id],
            o.platform,
            o.sale_price,
            o.platform_fee,
            o.processing_fee,
            o.shipping_cost,
            o.payout,
            o.sold_at,
        )
        for o in (await session.execute(select(Order))).scalars()
    ]
    return list(pairs.values()), sales


def age(pair: Pair, now: datetime) -> int:
    return (now - pair.purchased_at).days


def aging_bucket(pair: Pair, now: datetime) -> str:
    days = age(pair, now)
    return "0-30" if days <= 30 else "31-60" if days <= 60 else "61-90" if days <= 90 else "91+"


def words(text: str) -> list[str]:
    return [w for w in re.split(r"[\s\"'(),/“”]+", text.lower()) if w]


def in_family(name: str, phrase: str) -> bool:
    """Every word of the phrase, whole, in order, in the name."""
    wanted = words(phrase)
    if not wanted:
        return False
    position = 0
    for word in words(name):
        if position < len(wanted) and word == wanted[position]:
            position += 1
    return position == len(wanted)


def family(name: str) -> str:
    """The name before its quoted colorway ('"' or '“')."""
    for mark in ('"', "“"):
        quote = name.find(mark)
        name = name[:quote].rstrip() if quote > 0 else name
    return name


def period(moment: datetime, grain: str) -> str:
    if grain == "day":
        return moment.strftime("%Y-%m-%d")
    if grain == "week":
        return datetime.fromordinal(moment.toordinal() - moment.weekday()).strftime("%Y-%m-%d")
    if grain == "month":
        return moment.strftime("%Y-%m")
    if grain == "quarter":
        return f"{moment.year}-Q{(moment.month - 1) // 3 + 1}"
    return str(moment.year)


def pair_label(pair: Pair, dimension: str, now: datetime) -> str | None:
    return {
        "brand": pair.brand,
        "product": pair.sku,
        "family": family(pair.name),
        "size": pair.size,
        "platform": pair.listed_platform if pair.status == "listed" else None,
        "condition": pair.condition,
        "status": pair.status,
        "aging_bucket": aging_bucket(pair, now),
    }.get(dimension) or (period(pair.purchased_at, dimension) if dimension in TIME else None)


def sale_label(sale: Sale, dimension: str) -> str | None:
    if dimension == "platform":
        return sale.platform
    if dimension in TIME:
        return period(sale.sold_at, dimension)
    return pair_label(sale.pair, dimension, sale.sold_at)


TIME = ("day", "week", "month", "quarter", "year")


@dataclass
class Selection:
    """The filters of a query as predicates."""

    filters: dict[str, Any]
    now: datetime

    def _product(self, pair: Pair) -> bool:
        f = self.filters
        return (
            (not f.get("brand") or pair.brand.lower() in [b.lower() for b in f["brand"]])
            and (not f.get("product") or pair.sku.lower() in [s.lower() for s in f["product"]])
            and (not f.get("family") or any(in_family(pair.name, p) for p in f["family"]))
            and (not f.get("condition") or pair.condition in f["condition"])
        )

    def stock(self, pair: Pair) -> bool:
        f = self.filters
        days = age(pair, self.now)
        return (
            pair.status in ("in_stock", "listed")
            and self._product(pair)
            and (not f.get("size") or pair.size in f["size"])
            and (not f.get("platform") or (pair.status == "listed" and pair.listed_platform in f["platform"]))
            and (not f.get("status") or pair.status in f["status"])
            and (not f.get("aging_bucket") or aging_bucket(pair, self.now) in f["aging_bucket"])
            and (f.get("min_age_days") is None or days > f["min_age_days"])
            and (f.get("max_age_days") is None or days <= f["max_age_days"])
            and (f.get("min_price") is None or pair.purchase_price >= Decimal(f["min_price"]))
            and (f.get("max_price") is None or pair.purchase_price <= Decimal(f["max_price"]))
        )

    def sale(self, sale: Sale, window: Window) -> bool:
        f = self.filters
        return (
            window.start <= sale.sold_at < window.end
            and self._product(sale.pair)
            and (not f.get("size") or sale.pair.size in f["size"])
            and (not f.get("platform") or sale.platform in f["platform"])
            and (f.get("min_price") is None or sale.sale_price >= Decimal(f["min_price"]))
            and (f.get("max_price") is None or sale.sale_price <= Decimal(f["max_price"]))
        )

    def purchase(self, pair: Pair, window: Window) -> bool:
        f = self.filters
        return (
            window.start <= pair.purchased_at < window.end
            and self._product(pair)
            and (not f.get("size") or pair.size in f["size"])
            and (f.get("min_price") is None or pair.purchase_price >= Decimal(f["min_price"]))
            and (f.get("max_price") is None or pair.purchase_price <= Decimal(f["max_price"]))
        )

    def owned(self, pair: Pair) -> bool:
        f = self.filters
        return self._product(pair) and (not f.get("size") or pair.size in f["size"])


def _total(values: Sequence[Decimal]) -> Decimal:
    return sum(values, ZERO)


def metrics(
    stock: list[Pair],
    sold: list[Sale],
    bought: list[Pair],
    owned: list[Pair],
    all_sales: list[Sale],
    *,
    window: Window,
    now: datetime,
    dead_stock_days: int,
) -> dict[str, Any]:
    """Every metric over already-selected rows."""
    dead = [p for p in stock if age(p, now) > dead_stock_days]
    revenue = _total([s.sale_price for s in sold])
    cogs = _total([s.pair.purchase_price for s in sold])
    profit = _total([s.payout - s.pair.purchase_price for s in sold])
    fees = _total([s.platform_fee + s.processing_fee for s in sold])
    shipping = _total([s.shipping_cost for s in sold])
    sold_at = {s.pair.id: s.sold_at for s in all_sales}

    def value_at(t: datetime) -> Decimal:
        return _total(
            [
                p.purchase_price
                for p in owned
                if p.purchased_at <= t and not (p.id in sold_at and sold_at[p.id] <= t)
            ]
        )

    average_value = (value_at(window.start) + value_at(window.end)) / 2
    return {
        "units_in_inventory": len(stock),
        "inventory_value": _total([p.purchase_price for p in stock]),
        "dead_stock_units": len(dead),
        "dead_stock_value": _total([p.purchase_price for p in dead]),
        "dead_stock_rate": pct(len(dead), len(stock)),
        "average_age_days": None if not stock else sum(age(p, now) for p in stock) / len(stock),
        "units_sold": len(sold),
        "revenue": revenue,
        "average_sale_price": None if not sold else revenue / len(sold),
        "cogs": cogs,
        "profit": profit,
        "average_profit_per_pair": None if not sold else profit / len(sold),
        "margin": pct(profit, revenue),
        "roi": pct(profit, cogs),
        "fees": fees,
        "shipping": shipping,
        "selling_costs": fees + shipping,
        "payout": _total([s.payout for s in sold]),
        "days_to_sell": None
        if not sold
        else sum((s.sold_at - s.pair.purchased_at).total_seconds() / 86400 for s in sold) / len(sold),
        "pairs_bought": len(bought),
        "purchase_spend": _total([p.purchase_price for p in bought]),
        "sell_through": pct(len(sold), len(sold) + len(stock)),
        "inventory_turnover": None if average_value == 0 else float(cogs) / float(average_value),
    }


def answer(
    pairs: list[Pair],
    sales: list[Sale],
    *,
    window: Window,
    now: datetime,
    metric_names: Sequence[str],
    filters: dict[str, Any] | None = None,
    group_by: Sequence[str] = (),
    dead_stock_days: int = 60,
) -> tuple[dict[str, Any], dict[tuple[str | None, ...], dict[str, Any]]]:
    """(totals, {group labels: metrics}) of every metric; a group exists when a row that one of
    `metric_names` reads falls in it (a pair in inventory, an order sold in the window, a pair
    bought in it, a pair owned at the window's start or end)."""
    selection = Selection(filters or {}, now)
    stock = [p for p in pairs if selection.stock(p)]
    sold = [s for s in sales if selection.sale(s, window)]
    bought = [p for p in pairs if selection.purchase(p, window)]
    owned = [p for p in pairs if selection.owned(p)]

    def compute(
        pick_pair: Callable[[Pair], bool],
        pick_sale: Callable[[Sale], bool],
        pick_bought: Callable[[Pair], bool],
    ) -> dict[str, Any]:
        return metrics(
            [p for p in stock if pick_pair(p)],
            [s for s in sold if pick_sale(s)],
            [p for p in bought if pick_bought(p)],
            [p for p in owned if pick_pair(p)],
            sales,
            window=window,
            now=now,
            dead_stock_days=dead_stock_days,
        )

    totals = compute(lambda p: True, lambda s: True, lambda p: True)
    if not group_by:
        return totals, {}
    names = set(metric_names)
    sold_at = {s.pair.id: s.sold_at for s in sales}

    def owned_at(pair: Pair, t: datetime) -> bool:
        return pair.purchased_at <= t and not (pair.id in sold_at and sold_at[pair.id] <= t)

    counted: list[Pair] = []
    if names & STOCK_METRICS:
        counted += stock
    if names & PURCHASE_METRICS:
        counted += bought
    if names & HISTORY_METRICS:
        counted += [p for p in owned if owned_at(p, window.start) or owned_at(p, window.end)]
    keys = {tuple(pair_label(p, d, now) for d in group_by) for p in counted}
    if names - STOCK_METRICS - PURCHASE_METRICS:
        keys |= {tuple(sale_label(s, d) for d in group_by) for s in sold}
    groups = {
        key: compute(
            lambda p, key=key: tuple(pair_label(p, d, now) for d in group_by) == key,  # type: ignore[misc]
            lambda s, key=key: tuple(sale_label(s, d) for d in group_by) == key,  # type: ignore[misc]
            lambda p, key=key: tuple(pair_label(p, d, now) for d in group_by) == key,  # type: ignore[misc]
        )
        for key in keys
    }
    return totals, groups
