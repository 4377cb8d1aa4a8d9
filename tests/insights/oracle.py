"""Expected insight figures from the raw rows, computed independently of domains/insights and
domains/analytics: plain Core SELECTs over the tables, arithmetic here (fees by the pricing
domain's compute_fees, the definition of a payout)."""

from __future__ import annotations

import statistics
from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from domains.pricing.fees import compute_fees
from shared.database.base import Base

items = Base.metadata.tables["inventory_items"]
orders = Base.metadata.tables["orders"]
market = Base.metadata.tables["market_prices"]
fees = Base.metadata.tables["fee_schedules"]
products = Base.metadata.tables["products"]
ON_HAND = ("in_stock", "listed")


@dataclass(frozen=True)
class Expected:
    units: int
    value: Decimal
    gap: Decimal
    item_ids: set[int]


async def dead_stock_between(session: AsyncSession, *, now: datetime, threshold: int, days: int) -> Expected:
    """Pairs on hand with age in whole days in (threshold, threshold + days]."""
    rows = (
        await session.execute(
            select(items.c.id, items.c.purchase_price).where(
                items.c.status.in_(ON_HAND),
                items.c.purchased_at <= now - timedelta(days=threshold + 1),
                items.c.purchased_at > now - timedelta(days=threshold + days + 1),
            )
        )
    ).all()
    return _expected([(r.id, r.purchase_price, Decimal(0)) for r in rows])


async def _schedules_now(session: AsyncSession, now: datetime) -> dict[str, Any]:
    rows = (
        await session.execute(select(fees).where(fees.c.valid_from <= now).order_by(fees.c.valid_from))
    ).all()
    return {r.platform: r for r in rows}  # the newest valid version wins (ordered ascending)


async def _newest_market(session: AsyncSession) -> dict[tuple[int, str, str], Any]:
    rows = (await session.execute(select(market).order_by(market.c.observed_at, market.c.id))).all()
    return {(r.product_id, r.size, r.platform): r for r in rows}  # the last one seen is the newest


def _payout(schedule: Any, price: Decimal) -> Decimal:
    return compute_fees(schedule, sale_price=price).payout


def _expected(pairs: list[tuple[int, Decimal, Decimal]]) -> Expected:
    """(item id, value, gap) per flagged pair."""
    return Expected(
        units=len(pairs),
        value=sum((v for _i, v, _g in pairs), Decimal("0.00")),
        gap=sum((g for _i, _v, g in pairs), Decimal("0.00")),
        item_ids={i for i, _v, _g in pairs},
    )


async def listings_above_market(session: AsyncSession, *, pct: float) -> Expected:
    newest = await _newest_market(session)
    listed = (await session.execute(select(items).where(items.c.status == "listed"))).all()
    flagged = []
    for pair in listed:
        seen = newest.get((pair.product_id, pair.size, pair.listed_platform))
        if seen is None or seen.lowest_ask is None:
            continue
        if pair.listed_price > seen.lowest_ask * (1 + Decimal(str(pct)) / 100):
            flagged.append((pair.id, pair.listed_price, pair.listed_price - seen.lowest_ask))
    return _expected(flagged)


async def listings_below_cost(session: AsyncSession, *, now: datetime) -> Expected:
    schedules = await _schedules_now(session, now)
    listed = (await session.execute(select(items).where(items.c.status == "listed"))).all()
    flagged = []
    for pair in listed:
        payout = _payout(schedules[pair.listed_platform], pair.listed_price)
        if payout < pair.purchase_price:
            flagged.append((pair.id, pair.listed_price, pair.purchase_price - payout))
    return _expected(flagged)


async def underwater(session: AsyncSession, *, now: datetime) -> Expected:
    schedules = await _schedules_now(session, now)
    best: dict[tuple[int, str], Decimal] = {}
    for (product_id, size, platform), seen in (await _newest_market(session)).items():
        price = seen.last_sale if seen.last_sale is not None else seen.lowest_ask
        if price is None or platform not in schedules:
            continue
        net = _payout(schedules[platform], price)
        best[(product_id, size)] = max(net, best.get((product_id, size), net))
    on_hand = (await session.execute(select(items).where(items.c.status.in_(ON_HAND)))).all()
    flagged = [
        (p.id, p.purchase_price, p.purchase_price - best[(p.product_id, p.size)])
        for p in on_hand
        if (p.product_id, p.size) in best and best[(p.product_id, p.size)] < p.purchase_price
    ]
    return _expected(flagged)


async def weekly_sales(session: AsyncSession, *, now: datetime) -> dict[str, list[Decimal]]:
    """Orders, revenue and profit per 7-day block ending at today's midnight, oldest first (9)."""
    midnight = datetime.combine(now.date(), time.min, tzinfo=UTC)
    result: dict[str, list[Decimal]] = {"orders": [], "revenue": [], "profit": []}
    for week in range(8, -1, -1):
        end = midnight - timedelta(days=7 * week)
        row = (
            await session.execute(
                select(
                    func.count(),
                    func.coalesce(func.sum(orders.c.sale_price), 0),
                    func.coalesce(func.sum(orders.c.payout - orders.c.purchase_price), 0),
                ).where(orders.c.sold_at >= end - timedelta(days=7), orders.c.sold_at < end)
            )
        ).one()
        result["orders"].append(Decimal(row[0]))
        result["revenue"].append(Decimal(str(row[1])).quantize(Decimal("0.01")))
        result["profit"].append(Decimal(str(row[2])).quantize(Decimal("0.01")))
    return result


def baseline_change(weeks: list[Decimal]) -> tuple[Decimal, Decimal, float]:
    """(last 7 days, median of the 8 weeks before, change %)."""
    current, baseline = weeks[-1], Decimal(str(statistics.median(weeks[:-1])))
    return current, baseline, float((current - baseline) / baseline * 100)


async def sold_and_on_hand(session: AsyncSession, *, now: datetime) -> dict[str, tuple[int, int]]:
    """SKU -> (pairs sold in the last 90 days, pairs on hand)."""
    sold = dict(
        (
            await session.execute(
                select(products.c.sku, func.count())
                .join(orders, orders.c.product_id == products.c.id)
                .where(orders.c.sold_at >= now - timedelta(days=90))
                .group_by(products.c.sku)
            )
        ).all()
    )
    held = dict(
        (
            await session.execute(
                select(products.c.sku, func.count())
                .join(items, items.c.product_id == products.c.id)
                .where(items.c.status.in_(ON_HAND))
                .group_by(products.c.sku)
            )
        ).all()
    )
    return {sku: (count, held.get(sku, 0)) for sku, count in sold.items()}
