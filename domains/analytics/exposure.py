"""Money at risk in the stock on hand, set-wise in SQL: listings priced against the market and
their costs, and pairs the market no longer pays back (read model, like the rest of analytics).

The fee arithmetic of domains/pricing/fees.compute_fees is written out as one SQL expression
per platform, from the fee schedules in force (read through the pricing service), so hundreds of
thousands of pairs are judged in one statement instead of one Python call each. Shipping is not
part of these figures: "after fees" means sale price minus platform and processing fee.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import ColumnElement, and_, case, func, literal, literal_column, select, text, type_coerce
from sqlalchemy.ext.asyncio import AsyncSession

from domains.inventory.models import IN_INVENTORY, InventoryItem
from domains.pricing.models import MarketPrice
from domains.pricing.schemas import FeeScheduleOut
from domains.pricing.service import PricingService
from domains.products.models import Product
from shared.database.types import Money

HUNDRED = Decimal(100)


@dataclass(frozen=True, slots=True)
class PairAtRisk:
    item_id: int
    sku: str
    product_name: str
    size: str
    status: str
    purchase_price: Decimal
    listed_price: Decimal | None
    listed_platform: str | None
    market_platform: str | None
    market_price: Decimal | None  # the lowest ask (listings) or the best market price (underwater)
    net_after_fees: Decimal | None  # what that price pays out after the platform's fees
    gap: Decimal  # listed price - lowest ask, or purchase price - net after fees


@dataclass(frozen=True, slots=True)
class RiskTotals:
    units: int
    value: Decimal  # listed prices (listings) or purchase prices (underwater) of those pairs
    gap: Decimal  # sum of the pairs' gaps
    pairs: list[PairAtRisk]


def _money(value: Decimal | None) -> ColumnElement[Any]:
    return literal(value, Money())


def _max2(dialect: str, a: ColumnElement[Any], b: ColumnElement[Any]) -> ColumnElement[Any]:
    # PostgreSQL's greatest() is SQLite's two-argument max().
    return func.max(a, b) if dialect == "sqlite" else func.greatest(a, b)


def payout_after_fees(
    dialect: str, price: Any, platform: Any, schedules: list[FeeScheduleOut]
) -> ColumnElement[Any]:
    """price - platform fee - processing fee, with each platform's schedule in force (compute_fees
    in SQL); NULL for a platform without a schedule."""
    whens = []
    for fee in schedules:
        pct: ColumnElement[Any] = literal(fee.commission_pct)
        if fee.threshold_price is not None and fee.commission_pct_below_threshold is not None:
            pct = case(
                (price < _money(fee.threshold_price), literal(fee.commission_pct_below_threshold)),
                else_=literal(fee.commission_pct),
            )
        commission = _max2(dialect, price * pct / HUNDRED, _money(fee.min_commission))
        platform_fee = case((price > 0, func.round(commission + _money(fee.fixed_fee), 2)), else_=0)
        processing_fee = func.round(price * literal(fee.processing_pct) / HUNDRED, 2)
        whens.append((platform == fee.platform, price - platform_fee - processing_fee))
    if not whens:
        return literal(None, Money())
    return type_coerce(case(*whens, else_=None), Money())


def _may_pay_out_less(price: Any, schedules: list[FeeScheduleOut]) -> ColumnElement[bool]:
    """A cheap necessary condition of `payout < purchase_price`, checked before the fee CASE:
    no platform's payout is below price x (1 - highest total rate) - highest fixed part - a cent
    of rounding, so a pair priced well above its cost is dropped without the arithmetic."""
    if not schedules:
        return literal(True)
    rate = max(
        max(f.commission_pct, f.commission_pct_below_threshold or 0) + f.processing_pct for f in schedules
    )
    fixed = max(f.fixed_fee + f.min_commission for f in schedules) + Decimal("0.01")
    condition: ColumnElement[bool] = price * (1 - rate / HUNDRED) - fixed < InventoryItem.purchase_price
    return condition


def _latest_market() -> Any:
    """The newest observation (latest observed_at, then highest id) of each (product, size,
    platform), found through ix_market_prices_lookup (newest time per key, then its row) rather
    than by ranking every observation."""
    keys = (MarketPrice.product_id, MarketPrice.size, MarketPrice.platform)
    newest = (
        select(*keys, func.max(MarketPrice.observed_at).label("observed_at"))
        .group_by(*keys)
        .subquery("newest")
    )
    newest_ids = (
        select(func.max(MarketPrice.id))
        .join(
            newest,
            and_(
                newest.c.product_id == MarketPrice.product_id,
                newest.c.size == MarketPrice.size,
                newest.c.platform == MarketPrice.platform,
                newest.c.observed_at == MarketPrice.observed_at,
            ),
        )
        .group_by(*keys)
    )
    return (
        select(
            *keys,
            MarketPrice.lowest_ask,
            func.coalesce(MarketPrice.last_sale, MarketPrice.lowest_ask).label("market_price"),
        )
        .where(MarketPrice.id.in_(newest_ids))
        .subquery("latest_market")
    )


# Written out (not bound) so PostgreSQL matches the partial index ix_inventory_items_on_hand_product_size.
ON_HAND = text("inventory_items.status IN ('in_stock', 'listed')")
LISTED = and_(ON_HAND, InventoryItem.status == literal_column("'listed'"))


@dataclass(frozen=True, slots=True)
class AgeCrossing:
    units: int  # pairs on hand whose age passed the line in the last `days` days
    value: Decimal
    dead_units: int  # all pairs on hand past the line now
    dead_value: Decimal


class ExposureService:
    def __init__(self, session: AsyncSession, *, now: datetime | None = None) -> None:
        self.session = session
        self.now = (now or datetime.now(UTC)).astimezone(UTC)
        self.dialect = session.get_bind().dialect.name

    async def _schedules(self) -> list[FeeScheduleOut]:
        return await PricingService(self.session, now=self.now).current_fee_schedules()

    async def dead_stock_crossing(self, *, threshold_days: int, days: int) -> AgeCrossing:
        """Pairs on hand older than `threshold_days` (dead stock of docs/domain.md), and those of them
        that crossed the line in the last `days` days: age in (threshold, threshold + days] whole
        days. One range scan of ix_inventory_items_status_purchased_at (index-only)."""
        dead_cut = self.now - timedelta(days=threshold_days + 1)  # age > T <=> purchased_at <= this
        crossed = InventoryItem.purchased_at > self.now - timedelta(days=threshold_days + days + 1)
        row = (
            await self.session.execute(
                select(
                    func.count().filter(crossed).label("units"),
                    type_coerce(
                        func.coalesce(func.sum(InventoryItem.purchase_price).filter(crossed), 0), Money()
                    ).label("value"),
                    func.count().label("dead_units"),
                    type_coerce(func.coalesce(func.sum(InventoryItem.purchase_price), 0), Money()).label(
                        "dead_value"
                    ),
                ).where(InventoryItem.status.in_(IN_INVENTORY), InventoryItem.purchased_at <= dead_cut)
            )
        ).one()
        return AgeCrossing(
            units=row.units, value=row.value, dead_units=row.dead_units, dead_value=row.dead_value
        )

    async def _totals(self, flagged: Any, value: Any, *, limit: int) -> RiskTotals:
        """Count, value and gap of all flagged rows and the `limit` largest gaps, in one statement
        (window sums over the whole set ride on each returned row)."""
        rows = (
            await self.session.execute(
                select(
                    flagged,
                    Product.sku,
                    Product.name.label("product_name"),
                    func.count().over().label("total_units"),
                    type_coerce(func.sum(value).over(), Money()).label("total_value"),
                    type_coerce(func.sum(flagged.c.gap).over(), Money()).label("total_gap"),
                )
                .join(Product, Product.id == flagged.c.product_id)
                .order_by(flagged.c.gap.desc(), flagged.c.item_id)
                .limit(limit)
            )
        ).all()
        if not rows:
            return RiskTotals(units=0, value=Decimal("0.00"), gap=Decimal("0.00"), pairs=[])
        pairs = [
            PairAtRisk(
                item_id=r.item_id,
                sku=r.sku,
                product_name=r.product_name,
                size=r.size,
                status=r.status,
                purchase_price=r.purchase_price,
                listed_price=r.listed_price,
                listed_platform=r.listed_platform,
                market_platform=r.market_platform,
                market_price=r.market_price,
                net_after_fees=r.net_after_fees,
                gap=r.gap,
            )
            for r in rows
        ]
        first = rows[0]
        return RiskTotals(
            units=int(first.total_units), value=first.total_value, gap=first.total_gap, pairs=pairs
        )

    def _item_columns(self) -> list[Any]:
        return [
            InventoryItem.id.label("item_id"),
            InventoryItem.product_id,
            InventoryItem.size,
            InventoryItem.status,
            InventoryItem.purchase_price,
            InventoryItem.listed_price,
            InventoryItem.listed_platform,
        ]

    async def listings_above_market(self, *, overpriced_pct: float, limit: int = 10) -> RiskTotals:
        """Listed pairs whose listed price exceeds the newest lowest ask of their product + size on
        the platform they are listed on by more than `overpriced_pct` %. Gap: price - ask."""
        latest = _latest_market()
        factor = Decimal(1) + Decimal(str(overpriced_pct)) / HUNDRED
        gap = type_coerce(InventoryItem.listed_price - latest.c.lowest_ask, Money())
        flagged = (
            select(
                *self._item_columns(),
                InventoryItem.listed_platform.label("market_platform"),
                latest.c.lowest_ask.label("market_price"),
                literal(None, Money()).label("net_after_fees"),
                gap.label("gap"),
            )
            .join(
                latest,
                and_(
                    latest.c.product_id == InventoryItem.product_id,
                    latest.c.size == InventoryItem.size,
                    latest.c.platform == InventoryItem.listed_platform,
                ),
            )
            .where(
                LISTED,
                latest.c.lowest_ask.is_not(None),
                InventoryItem.listed_price > latest.c.lowest_ask * factor,
            )
            .subquery("above_market")
        )
        return await self._totals(flagged, flagged.c.listed_price, limit=limit)

    async def listings_below_cost(self, *, limit: int = 10) -> RiskTotals:
        """Listed pairs whose listed price, after their platform's fees, pays out less than they
        cost. Gap: purchase price - payout."""
        schedules = await self._schedules()
        payout = payout_after_fees(
            self.dialect, InventoryItem.listed_price, InventoryItem.listed_platform, schedules
        )
        flagged = (
            select(
                *self._item_columns(),
                InventoryItem.listed_platform.label("market_platform"),
                InventoryItem.listed_price.label("market_price"),
                payout.label("net_after_fees"),
                type_coerce(InventoryItem.purchase_price - payout, Money()).label("gap"),
            )
            .where(
                LISTED,
                _may_pay_out_less(InventoryItem.listed_price, schedules),
                payout < InventoryItem.purchase_price,
            )
            .subquery("below_cost")
        )
        return await self._totals(flagged, flagged.c.listed_price, limit=limit)

    async def underwater_stock(self, *, limit: int = 10) -> RiskTotals:
        """Pairs in inventory whose best market price after fees (the highest payout over the
        platforms with an observation of their product + size: newest last sale, else lowest ask)
        is below their purchase price. Gap: purchase price - that best payout."""
        latest = _latest_market()
        net = payout_after_fees(
            self.dialect, latest.c.market_price, latest.c.platform, await self._schedules()
        )
        nets = select(
            latest.c.product_id, latest.c.size, latest.c.platform, latest.c.market_price, net.label("net")
        ).subquery("market_nets")
        rank = (
            func.row_number()
            .over(
                partition_by=(nets.c.product_id, nets.c.size),
                order_by=(nets.c.net.desc(), nets.c.platform),
            )
            .label("rank")
        )
        ranked = select(nets, rank).where(nets.c.net.is_not(None)).subquery("ranked_nets")
        best = select(ranked).where(ranked.c.rank == 1).subquery("best_net")
        flagged = (
            select(
                *self._item_columns(),
                best.c.platform.label("market_platform"),
                best.c.market_price,
                best.c.net.label("net_after_fees"),
                type_coerce(InventoryItem.purchase_price - best.c.net, Money()).label("gap"),
            )
            .join(
                best, and_(best.c.product_id == InventoryItem.product_id, best.c.size == InventoryItem.size)
            )
            .where(ON_HAND, best.c.net < InventoryItem.purchase_price)
            .subquery("underwater")
        )
        return await self._totals(flagged, flagged.c.purchase_price, limit=limit)
