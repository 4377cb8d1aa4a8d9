"""Deterministic demo data for SoleFlip, from a few hundred pairs to millions.

    python -m scripts.demo_data --items 5000 [--seed 42] [--if-empty] [--reset] [--database-url URL]

Builds a sneaker resale business: a catalogue of real-looking products, ~16 months of
purchases, sales on every platform with fees from the seeded fee schedules, listed pairs,
dead stock, weekly market prices for the last ~6 months and the demo user.

Every date is relative to `now` and every random choice comes from a seeded
`random.Random`: the same seed and the same `now` give identical rows. Rows are written in
bulk (COPY on PostgreSQL, executemany on SQLite), never one ORM object at a time.
"""

from __future__ import annotations

import argparse
import asyncio
import bisect
import calendar
import contextlib
import itertools
import random
import sys
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from datetime import time as dtime
from decimal import Decimal
from typing import Any, cast

from sqlalchemy import func, select, text
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, async_sessionmaker
from tqdm import tqdm

from domains.analytics.rollups import ROLLUPS, disable_rollup_triggers, rebuild_rollups
from domains.auth.service import AuthService
from domains.models import Base
from domains.pricing.fees import compute_fees
from domains.pricing.models import FeeSchedule
from scripts.catalog import BRANDS, CatalogProduct, demo_catalog, popularity, slug
from shared.config.settings import Settings
from shared.database.engine import create_engine
from shared.database.migrations import upgrade_to_head_async

HISTORY_DAYS = 480  # ~16 months of buying
MARKET_WEEKS = 26  # ~6 months of weekly market observations
BATCH_SIZE = 50_000
DAY = 86_400  # seconds

# Business tables this script fills, in the order rows must be deleted.
# Insights (docs/insights.md): a sold-out best seller and a fee change announced for soon.
INSIGHT_SCENARIOS_FROM = 500  # pairs; smaller loads stay purely random
SOLD_OUT_DROP_NAME = 'Air Jordan 1 Retro High OG "Rare Air Sellout"'
SOLD_OUT_DROP_SKU = "FQ9931-160"
FEE_CHANGE_PLATFORM = "stockx"
FEE_CHANGE_IN_DAYS = 10
DEMO_TABLES = ("orders", "market_prices", "inventory_items", "products", "brands")
# Analytics rollups derived from them (trigger-maintained; rebuilt after a bulk load).
ROLLUP_TABLES = tuple(model.__tablename__ for model in ROLLUPS)

ITEM_COLUMNS = (
    "id",
    "product_id",
    "size",
    "condition",
    "purchase_price",
    "purchased_at",
    "source",
    "location",
    "status",
    "listed_price",
    "listed_platform",
    "listed_at",
    "notes",
    "created_at",
    "updated_at",
)
ORDER_COLUMNS = (
    "id",
    "inventory_item_id",
    "product_id",
    "platform",
    "sale_price",
    "platform_fee",
    "processing_fee",
    "shipping_cost",
    "payout",
    "purchase_price",
    "purchased_at",
    "size",
    "sold_at",
    "external_ref",
    "created_at",
    "updated_at",
)
MARKET_COLUMNS = (
    "id",
    "product_id",
    "size",
    "platform",
    "observed_at",
    "lowest_ask",
    "highest_bid",
    "last_sale",
)

# US men's 4-14 with halves; most pairs are bought in 8-11.
SIZES: tuple[str, ...] = tuple(f"{s / 2:g}" for s in range(8, 29))
_SIZE_WEIGHTS = {
    "4": 0.3, "4.5": 0.3, "5": 0.5, "5.5": 0.6, "6": 0.9, "6.5": 1.1, "7": 2.0, "7.5": 2.8,
    "8": 5.5, "8.5": 7.0, "9": 9.0, "9.5": 10.0, "10": 10.5, "10.5": 9.5, "11": 8.0,
    "11.5": 4.5, "12": 3.5, "12.5": 1.3, "13": 1.5, "13.5": 0.3, "14": 0.5,
}  # fmt: skip
MARKET_SIZES = ("10", "9", "10.5", "9.5", "11")  # the popular sizes the market is watched for

# Platform: (share of sales, seller's shipping cost, share of listings, order reference prefix)
PLATFORM_MIX: dict[str, tuple[float, Decimal, float, str]] = {
    "stockx": (34, Decimal("0.00"), 35, "SX"),
    "goat": (22, Decimal("0.00"), 25, "GT"),
    "ebay": (16, Decimal("7.49"), 20, "EB"),
    "klekt": (8, Decimal("0.00"), 8, "KL"),
    "shop": (12, Decimal("4.99"), 12, "SH"),
    "local": (8, Decimal("0.00"), 0, "LC"),
}
MARKET_PLATFORMS = ("stockx", "goat", "ebay")

SOURCES = (("retail drop", 30), ("raffle win", 12), ("private seller", 28), ("consignment", 10),
           ("outlet", 8), ("wholesale lot", 12))  # fmt: skip
LOCATIONS = (
    *(f"Warehouse {aisle}-{shelf:02d}" for aisle in "ABCD" for shelf in range(1, 13)),
    "Store front",
    "Store back room",
)

# Tier economics: (market / retail range, mean days to sell, chance a pair never sells)
TIER_ECONOMICS: dict[str, tuple[tuple[float, float], float, float]] = {
    "grail": ((1.6, 2.2), 7.0, 0.01),
    "hot": ((1.25, 1.5), 20.0, 0.02),
    "core": ((1.05, 1.3), 50.0, 0.05),
    "brick": ((0.8, 1.0), 90.0, 0.1),
    "dead": ((0.7, 0.9), 220.0, 0.5),
}


@dataclass(frozen=True, slots=True)
class DemoSummary:
    """What a load wrote (or, with skipped=True, that it wrote nothing)."""

    seed: int
    now: datetime
    brands: int = 0
    products: int = 0
    items: int = 0
    sold: int = 0
    in_stock: int = 0
    listed: int = 0
    orders: int = 0
    market_prices: int = 0
    dead_stock: int = 0
    revenue: Decimal = Decimal("0.00")
    profit: Decimal = Decimal("0.00")
    seconds: float = 0.0
    demo_user_email: str = ""
    skipped: bool = False

    def describe(self) -> str:
        if self.skipped:
            return "demo data: the database already holds business data; nothing loaded (--if-empty)"
        margin = f"{self.profit / self.revenue * 100:.1f}%" if self.revenue else "n/a"
        return (
            f"demo data: {self.items:,} pairs ({self.sold:,} sold, {self.listed:,} listed, "
            f"{self.in_stock:,} in stock, {self.dead_stock:,} dead stock), {self.products} products "
            f"of {self.brands} brands, {self.orders:,} orders (revenue {self.revenue:,}, margin {margin}), "
            f"{self.market_prices:,} market prices in {self.seconds:.1f}s; "
            f"log in as {self.demo_user_email}"
        )


class DemoDataExists(RuntimeError):
    """The business tables already hold rows; pass reset=True (--reset) to replace them."""


# --------------------------------------------------------------------------------------
# Generation (pure: no I/O, so determinism is a property of this code alone)
# --------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Model:
    """A catalogue product with the economics the demo gives it."""

    id: int
    brand_id: int
    entry: CatalogProduct
    market_base: float  # market value of a size-10 pair today
    trend: float  # relative change of the market value per year (positive: rising)
    mean_days_to_sell: float
    never_sells: float
    released_at: datetime

    def market_value(self, days_ago: float) -> float:
        return max(self.market_base * (1.0 - self.trend * days_ago / 365.0), 15.0)


def _size_premium(size: str) -> float:
    return _SIZE_PREMIUM[size]


def _premium_of(size: str) -> float:
    value = float(size)
    if value < 7:
        return 1.10
    if value < 8:
        return 1.03
    if value <= 11.5:
        return 1.0
    if value <= 13:
        return 1.06
    return 1.12


_SIZE_PREMIUM = {size: _premium_of(size) for size in SIZES}


def _money(value: float) -> Decimal:
    return Decimal(f"{value:.2f}")


@dataclass
class _Generator:
    seed: int
    now: datetime
    schedules: dict[str, list[FeeSchedule]]
    models: list[_Model] = field(default_factory=list)
    rng: random.Random = field(init=False)
    order_id: int = 0
    # running summary
    sold: int = 0
    listed: int = 0
    in_stock: int = 0
    dead_stock: int = 0
    revenue: Decimal = Decimal("0.00")
    profit: Decimal = Decimal("0.00")

    def __post_init__(self) -> None:
        self.rng = random.Random(f"soleflip-demo:{self.seed}:items")
        self._build_models()
        self._model_cum = list(itertools.accumulate(self._weights))
        self._size_cum = list(itertools.accumulate(_SIZE_WEIGHTS[s] for s in SIZES))
        sale_platforms = list(PLATFORM_MIX)
        self._sale_platforms = sale_platforms
        self._sale_cum = list(itertools.accumulate(PLATFORM_MIX[p][0] for p in sale_platforms))
        self._list_cum = list(itertools.accumulate(PLATFORM_MIX[p][2] for p in sale_platforms))
        self._sources = [s for s, _ in SOURCES]
        self._source_cum = list(itertools.accumulate(w for _, w in SOURCES))
        self._by_tier: dict[str, list[_Model]] = {}
        for model in self.models:
            self._by_tier.setdefault(model.entry.tier, []).append(model)
        self._valid_from = {p: [s.valid_from for s in rows] for p, rows in self.schedules.items()}
        self.sold_out_drop = self._sold_out_drop()

    def _build_models(self) -> None:
        rng = random.Random(f"soleflip-demo:{self.seed}:catalog")
        brand_ids = {name: i for i, name in enumerate(BRANDS, start=1)}
        weights = []
        for product_id, entry in enumerate(demo_catalog(), start=1):
            (low, high), mean_days, never = TIER_ECONOMICS[entry.tier]
            hype = rng.uniform(low, high)
            model = _Model(
                id=product_id,
                brand_id=brand_ids[entry.brand],
                entry=entry,
                market_base=float(entry.retail_price) * hype,
                trend=rng.uniform(-0.15, 0.15),
                mean_days_to_sell=mean_days * rng.uniform(0.7, 1.3),
                never_sells=never,
                released_at=datetime.combine(entry.release_date, dtime(9, 0), tzinfo=UTC),
            )
            self.models.append(model)
            weights.append(popularity(entry.tier) * rng.uniform(0.6, 1.4))
        self._weights = weights

    def _sold_out_drop(self) -> _Model:
        """A limited release that sells out (insights: a best seller running low). Appended after
        the catalogue with weight 0, so random pairs never pick it and every other row stays the same."""
        entry = CatalogProduct(
            brand="Nike", name=SOLD_OUT_DROP_NAME, sku=SOLD_OUT_DROP_SKU, colorway="White/Varsity Red",
            retail_price=Decimal(190), release_date=(self.now - timedelta(days=120)).date(), tier="hot",
        )  # fmt: skip
        model = _Model(
            id=len(self.models) + 1,
            brand_id=BRANDS.index("Nike") + 1,
            entry=entry,
            market_base=float(entry.retail_price) * 1.6,
            trend=-0.05,
            mean_days_to_sell=5.0,
            never_sells=0.0,
            released_at=datetime.combine(entry.release_date, dtime(9, 0), tzinfo=UTC),
        )
        self.models.append(model)
        self._weights.append(0.0)
        self._model_cum.append(self._model_cum[-1])
        return model

    def _insight_scenarios(self, items: int) -> list[dict[str, Any]]:
        """The last pairs of a load: situations the proactive insights find (docs/insights.md) that
        random pairs do not reliably make. A best seller sold out: sold in the last 60 days (enough
        to rank in the top 20 at any size) with one pair left. Own random stream: deterministic."""
        if items < INSIGHT_SCENARIOS_FROM:
            return []
        rng = random.Random(f"soleflip-demo:{self.seed}:insights")
        drop = self.sold_out_drop
        scenarios: list[dict[str, Any]] = []
        for _ in range(max(16, items * 3 // 1000)):
            sold_ago, held = rng.uniform(1, 60), rng.uniform(1, 15)
            scenarios.append({"model": drop, "age_days": sold_ago + held, "sell_after_days": held,
                              "never_sells": False})  # fmt: skip
        scenarios.append({"model": drop, "age_days": rng.uniform(1, 5), "never_sells": True, "listed": False})
        # A pair that passed the 60-day dead-stock line since yesterday (at the load's time).
        scenarios.append({"age_days": 61.4, "never_sells": True, "listed": False})
        # Pairs priced against the market, in the size and on the platform the market is watched.
        watched = self._by_tier["core"] + self._by_tier["hot"]
        for adjust in (_overpriced, _overpriced, _below_cost, _below_cost, _underwater, _underwater):
            scenarios.append({"model": rng.choice(watched), "age_days": rng.uniform(8, 40), "never_sells": True,
                              "listed": adjust is not _underwater, "adjust": adjust})  # fmt: skip
        return scenarios

    # -- small draws --------------------------------------------------------------------

    def _pick(self, cum: Sequence[float]) -> int:
        return bisect.bisect_right(cum, self.rng.random() * cum[-1])

    def _schedule(self, platform: str, at: datetime) -> FeeSchedule:
        rows = self.schedules[platform]
        index = bisect.bisect_right(self._valid_from[platform], at) - 1
        return rows[max(index, 0)]

    def _at(self, seconds_ago: float) -> datetime:
        return self.now - timedelta(seconds=int(max(seconds_ago, 0)))

    # -- one pair -----------------------------------------------------------------------

    def _pair(
        self,
        item_id: int,
        *,
        model: _Model | None = None,
        age_days: float | None = None,
        sell_after_days: float | None = None,
        never_sells: bool | None = None,
        listed: bool | None = None,
    ) -> tuple[tuple[Any, ...], tuple[Any, ...] | None]:
        """The item row and, when it sold, its order row. Keyword overrides pin a scenario."""
        rng = self.rng
        if model is None:
            model = self.models[self._pick(self._model_cum)]
        size = SIZES[self._pick(self._size_cum)]
        condition = "used" if rng.random() < 0.04 else "new"
        if age_days is None:
            age_days = HISTORY_DAYS * rng.random() ** 2.0  # the business grows: more recent buying
            released_ago = (self.now - model.released_at).total_seconds() / DAY
            if age_days > released_ago > 2:  # nobody buys a pair before its release
                age_days = released_ago * rng.uniform(0.3, 1.0)
        purchased_at = self._at(age_days * DAY)
        age_days = (self.now - purchased_at).total_seconds() / DAY
        premium = _size_premium(size)
        used = 0.72 if condition == "used" else 1.0
        market_then = model.market_value(age_days) * premium * used
        source = self._sources[self._pick(self._source_cum)]
        # Resellers pay well under market; only drops and raffles are bought at (or under) retail.
        purchase = market_then * rng.uniform(0.68, 0.86)
        if source in ("retail drop", "raffle win"):
            purchase = min(purchase, float(model.entry.retail_price) * rng.uniform(0.9, 1.0) * used)
        purchase_price = _money(max(purchase, 20.0))
        location = LOCATIONS[rng.randrange(len(LOCATIONS))]
        if never_sells is None:
            never_sells = rng.random() < model.never_sells
        if sell_after_days is None:
            sell_after_days = 0.15 + rng.expovariate(1.0 / model.mean_days_to_sell)
        sold_at = None if never_sells else purchased_at + timedelta(seconds=int(sell_after_days * DAY))
        if sold_at is not None and sold_at > self.now:
            sold_at = None

        if sold_at is None:
            if listed is None:
                listed = rng.random() < 0.55
            listed_price = listed_platform = listed_at = None
            status = "in_stock"
            if listed:
                status = "listed"
                listed_price = _money(model.market_value(0) * premium * used * rng.uniform(1.02, 1.15))
                listed_platform = self._sale_platforms[self._pick(self._list_cum)]
                listed_at = purchased_at + timedelta(seconds=int(min(age_days, rng.uniform(0.2, 7)) * DAY))
                self.listed += 1
            else:
                self.in_stock += 1
            if (self.now - purchased_at).days > 60:  # age in whole days, as docs/domain.md
                self.dead_stock += 1
            updated = listed_at or purchased_at
            item = (item_id, model.id, size, condition, purchase_price, purchased_at, source, location,
                    status, listed_price, listed_platform, listed_at, None, purchased_at, updated)  # fmt: skip
            return item, None

        sold_ago = (self.now - sold_at).total_seconds() / DAY
        platform = self._sale_platforms[self._pick(self._sale_cum)]
        sale_price = _money(model.market_value(sold_ago) * premium * used * rng.uniform(0.92, 1.08))
        shipping = PLATFORM_MIX[platform][1]
        fees = compute_fees(self._schedule(platform, sold_at), sale_price=sale_price, shipping_cost=shipping)
        self.order_id += 1
        payout = fees.payout
        order = (self.order_id, item_id, model.id, platform, fees.sale_price, fees.platform_fee,
                 fees.processing_fee, fees.shipping_cost, payout, purchase_price, purchased_at, size,
                 sold_at, f"{PLATFORM_MIX[platform][3]}-{self.order_id:09d}", sold_at, sold_at)  # fmt: skip
        item = (item_id, model.id, size, condition, purchase_price, purchased_at, source, location,
                "sold", None, None, None, None, purchased_at, sold_at)  # fmt: skip
        self.sold += 1
        self.revenue += fees.sale_price
        self.profit += payout - purchase_price
        return item, order

    # -- the pinned scenarios that every load has, whatever its size ---------------------

    def _anchors(self) -> Iterator[dict[str, Any]]:
        """Scenarios that must exist even in a tiny load: sales in each of the last 13
        calendar months, today and this week, fast sellers, dead stock, listed pairs."""
        rng = self.rng
        sellers = self._by_tier["core"] + self._by_tier["hot"]
        now = self.now
        midnight = datetime.combine(now.date(), dtime.min, tzinfo=UTC)
        monday = midnight - timedelta(days=now.weekday())

        def sale_within(start: datetime, end: datetime) -> dict[str, Any]:
            span = (end - start).total_seconds()
            margin = 60.0 if span > 240 else 0.0  # whole-second rounding must not leave the window
            sold_ago = (now - start).total_seconds() - margin - rng.uniform(0, max(span - 2 * margin, 0))
            held = rng.uniform(1.0, 30.0)
            bought_at = now - timedelta(days=sold_ago / DAY + held)
            released = [m for m in sellers if m.released_at <= bought_at] or sellers
            return {"model": rng.choice(released), "age_days": sold_ago / DAY + held,
                    "sell_after_days": held, "never_sells": False}  # fmt: skip

        for _ in range(3):
            yield sale_within(midnight, now)
        for _ in range(3):
            yield sale_within(monday, now)
        year, month = now.year, now.month
        for _ in range(13):
            start = datetime(year, month, 1, tzinfo=UTC)
            end = min(start + timedelta(days=calendar.monthrange(year, month)[1]), now)
            for _ in range(2):
                yield sale_within(start, end)
            year, month = (year - 1, 12) if month == 1 else (year, month - 1)
        for _ in range(2):  # fast sellers: gone within days
            held = rng.uniform(0.3, 3.0)
            yield {"model": rng.choice(self._by_tier["grail"]), "age_days": rng.uniform(5, 50) + held,
                   "sell_after_days": held, "never_sells": False}  # fmt: skip
        dead = self._by_tier["dead"]
        for low, high in ((62, 88), (62, 88), (95, 150), (95, 300), (120, 400), (200, 450)):
            yield {"model": rng.choice(dead), "age_days": rng.uniform(low, high), "never_sells": True,
                   "listed": rng.random() < 0.5}  # fmt: skip
        for _ in range(3):  # freshly listed
            yield {"age_days": rng.uniform(1, 20), "never_sells": True, "listed": True}

    def batches(self, items: int, batch_size: int = BATCH_SIZE) -> Iterator[tuple[list[Any], list[Any]]]:
        """(item rows, order rows) in batches; item ids run 1..items."""
        anchors = self._anchors()
        tail = self._insight_scenarios(items)
        tail_from = items - len(tail) + 1  # the last ids carry the insight scenarios
        item_rows: list[Any] = []
        order_rows: list[Any] = []
        for item_id in range(1, items + 1):
            scenario = dict(tail[item_id - tail_from]) if item_id >= tail_from else next(anchors, None)
            adjust = (scenario or {}).pop("adjust", None)
            item, order = self._pair(item_id, **(scenario or {}))
            if adjust is not None:
                item = adjust(item, self.models[item[1] - 1])
            item_rows.append(item)
            if order is not None:
                order_rows.append(order)
            if len(item_rows) >= batch_size:
                yield item_rows, order_rows
                item_rows, order_rows = [], []
        if item_rows:
            yield item_rows, order_rows

    def market_rows(self, items: int) -> Iterator[tuple[Any, ...]]:
        """Weekly lowest ask / highest bid / last sale for popular sizes; bounded by the
        catalogue (sizes x platforms x weeks), not by the item count."""
        rng = random.Random(f"soleflip-demo:{self.seed}:market")
        sizes = MARKET_SIZES[: 1 if items < 2_000 else 3 if items < 50_000 else 5]
        platforms = MARKET_PLATFORMS[: 2 if items < 2_000 else 3]
        row_id = 0
        for model in self.models:
            for size in sizes:
                premium = _size_premium(size)
                for platform in platforms:
                    for week in range(MARKET_WEEKS - 1, -1, -1):
                        days_ago = week * 7 + rng.uniform(0, 0.9)
                        last_sale = model.market_value(days_ago) * premium * rng.uniform(0.94, 1.06)
                        row_id += 1
                        yield (row_id, model.id, size, platform, self._at(days_ago * DAY),
                               _money(last_sale * rng.uniform(1.02, 1.10)),
                               _money(last_sale * rng.uniform(0.84, 0.97)), _money(last_sale))  # fmt: skip

    def catalogue_rows(self) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
        start = self.now - timedelta(days=HISTORY_DAYS + 1)
        brands = [{"id": i, "name": name, "slug": slug(name)} for i, name in enumerate(BRANDS, start=1)]
        products = [
            {
                "id": m.id,
                "sku": m.entry.sku,
                "name": m.entry.name,
                "brand_id": m.brand_id,
                "category": m.entry.category,
                "colorway": m.entry.colorway,
                "retail_price": m.entry.retail_price,
                "release_date": m.entry.release_date,
                "created_at": start,
                "updated_at": start,
            }
            for m in self.models
        ]
        return brands, products


# Insight scenarios: an unsold pair's row re-priced against its market (see _insight_scenarios).
# Row fields: 2 size, 4 purchase_price, 9 listed_price, 10 listed_platform.
WATCHED_SIZE, WATCHED_PLATFORM = MARKET_SIZES[0], MARKET_PLATFORMS[0]


def _watched(item: tuple[Any, ...], **fields: Any) -> tuple[Any, ...]:
    row = list(item)
    row[2] = WATCHED_SIZE
    for index, value in fields.items():
        row[int(index.removeprefix("f"))] = value
    return tuple(row)


def _overpriced(item: tuple[Any, ...], model: _Model) -> tuple[Any, ...]:
    """Listed at 1.35x the market value: the lowest ask is at most ~1.17x it, so >10 % above."""
    price = _money(model.market_value(0) * _size_premium(WATCHED_SIZE) * 1.35)
    return _watched(item, f9=price, f10=WATCHED_PLATFORM)


def _below_cost(item: tuple[Any, ...], model: _Model) -> tuple[Any, ...]:
    """Listed at 90 % of what it cost: below cost after any platform's fees."""
    return _watched(item, f9=_money(float(item[4]) * 0.9))


def _underwater(item: tuple[Any, ...], model: _Model) -> tuple[Any, ...]:
    """Bought at 1.6x today's market value: no platform's price after fees pays it back."""
    return _watched(item, f4=_money(model.market_value(0) * _size_premium(WATCHED_SIZE) * 1.6))


# --------------------------------------------------------------------------------------
# Writing
# --------------------------------------------------------------------------------------


async def _copy_rows(conn: AsyncConnection, table: str, columns: Sequence[str], rows: list[Any]) -> None:
    """COPY on PostgreSQL (asyncpg), executemany on SQLite; both in the caller's transaction."""
    if not rows:
        return
    if conn.dialect.name == "postgresql":
        raw = await conn.get_raw_connection()
        driver: Any = raw.driver_connection  # asyncpg.Connection
        await driver.copy_records_to_table(table, records=rows, columns=list(columns))
        return
    # SQLite: the column types (Money, UTCDateTime) convert Decimal and aware datetimes.
    await conn.execute(
        Base.metadata.tables[table].insert(), [dict(zip(columns, r, strict=True)) for r in rows]
    )


async def _business_rows(conn: AsyncConnection) -> int:
    total = 0
    for table in DEMO_TABLES:
        total += (
            await conn.execute(select(func.count()).select_from(Base.metadata.tables[table]))
        ).scalar_one()
    return total


async def _delete_demo_tables(conn: AsyncConnection) -> None:
    if conn.dialect.name == "postgresql":
        names = ", ".join((*DEMO_TABLES, *ROLLUP_TABLES))
        await conn.execute(text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))
    else:
        restore = await disable_rollup_triggers(conn)  # no per-row rollup work for a reset
        for table in (*DEMO_TABLES, *ROLLUP_TABLES):
            await conn.execute(Base.metadata.tables[table].delete())
        for statement in restore:
            await conn.execute(text(statement))


async def _reset_sequences(conn: AsyncConnection) -> None:
    """Explicit ids bypass the sequences; move them past the loaded rows so the API can insert."""
    if conn.dialect.name != "postgresql":
        return
    for table in DEMO_TABLES:
        await conn.execute(
            text(
                f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                f"COALESCE((SELECT max(id) FROM {table}), 1), "
                f"(SELECT max(id) FROM {table}) IS NOT NULL)"
            )
        )


BULK_TABLES = ("inventory_items", "orders", "market_prices")
DEFER_INDEXES_FROM = 100_000  # pairs; below this, keeping the indexes is as fast


async def _defer_indexes(conn: AsyncConnection) -> list[str]:
    """Drop the secondary indexes, unique and foreign keys of the bulk tables (PostgreSQL; in
    the load's transaction, so a failed load restores them) and return the statements that
    rebuild them: one sorted index build beats a million index insertions and FK lookups."""
    tables = ", ".join(f"'{t}'" for t in BULK_TABLES)
    constraints = (
        await conn.execute(
            text(
                "SELECT conrelid::regclass::text, conname, pg_get_constraintdef(oid), contype "
                f"FROM pg_constraint WHERE conrelid::regclass::text IN ({tables}) AND contype IN ('f', 'u') "
                "ORDER BY contype, conname"
            )
        )
    ).all()
    indexes = (
        await conn.execute(
            text(
                "SELECT tablename, indexname, indexdef FROM pg_indexes i "
                f"WHERE schemaname = current_schema() AND tablename IN ({tables}) "
                "AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conname = i.indexname) "
                "ORDER BY indexname"
            )
        )
    ).all()
    for table, name, _definition, _kind in constraints:  # foreign keys first ("f" < "u")
        await conn.execute(text(f'ALTER TABLE {table} DROP CONSTRAINT "{name}"'))
    for _table, name, _definition in indexes:
        await conn.execute(text(f'DROP INDEX "{name}"'))
    restore = [definition for _table, _name, definition in indexes]
    # unique constraints before the foreign keys that might rely on them
    for table, name, definition, _kind in sorted(constraints, key=lambda c: c[3] != "u"):
        restore.append(f'ALTER TABLE {table} ADD CONSTRAINT "{name}" {definition}')
    return restore


# A business writes its pairs as it buys them and its orders as it sells them, so its tables lie
# on disk in time order; generated row by row, the demo's lie in pair order with the dates at
# random, and a day of sales is spread over the whole table (at 10M pairs a day's ~45,000 orders
# sat on ~42,000 pages; in time order ~600). Reads of the raw rows of a few days (the semantic
# query's partial edge days) then cost what they cost in the business.
TIME_ORDER = (("inventory_items", "purchased_at"), ("orders", "sold_at"))


async def _in_time_order(conn: AsyncConnection, progress: bool) -> None:
    """Rewrite the pairs and the orders in the order the business would have written them
    (PostgreSQL CLUSTER on a temporary index, before the deferred indexes are built); the rows
    and their ids stay the same."""
    for table, column in TIME_ORDER:
        with _phase(f"{table} in {column} order", progress):
            await conn.execute(text(f"CREATE INDEX demo_load_time_order ON {table} ({column})"))
            await conn.execute(text(f"CLUSTER {table} USING demo_load_time_order"))
            await conn.execute(text("DROP INDEX demo_load_time_order"))


@dataclass(frozen=True, slots=True)
class _PlainSchedule:
    platform: str
    valid_from: datetime
    commission_pct: Decimal
    fixed_fee: Decimal
    processing_pct: Decimal
    min_commission: Decimal
    threshold_price: Decimal | None
    commission_pct_below_threshold: Decimal | None


async def _fee_schedules(engine: AsyncEngine) -> dict[str, list[FeeSchedule]]:
    async with async_sessionmaker(engine, expire_on_commit=False)() as session:
        rows = (await session.execute(select(FeeSchedule).order_by(FeeSchedule.valid_from))).scalars().all()
    schedules: dict[str, list[FeeSchedule]] = {}
    for row in rows:
        # A plain copy: compute_fees reads the same attributes, without the ORM's instrumentation.
        plain = cast(FeeSchedule, _PlainSchedule(**{c: getattr(row, c) for c in _PlainSchedule.__slots__}))
        schedules.setdefault(row.platform, []).append(plain)
    missing = set(PLATFORM_MIX) - set(schedules)
    if missing:
        raise RuntimeError(f"fee_schedules has no rows for {sorted(missing)}; run the migrations first")
    return schedules


async def _announce_fee_change(conn: AsyncConnection, now: datetime) -> None:
    """A StockX fee rise taking effect in FEE_CHANGE_IN_DAYS days (insights: fee changes soon),
    unless a future StockX version exists already (a reload does not stack them)."""
    table = Base.metadata.tables["fee_schedules"]
    future = await conn.scalar(
        select(func.count()).where(table.c.platform == FEE_CHANGE_PLATFORM, table.c.valid_from > now)
    )
    if future:
        return
    current = (
        await conn.execute(
            select(table)
            .where(table.c.platform == FEE_CHANGE_PLATFORM, table.c.valid_from <= now)
            .order_by(table.c.valid_from.desc())
            .limit(1)
        )
    ).first()
    if current is None:
        return
    starts = datetime.combine((now + timedelta(days=FEE_CHANGE_IN_DAYS)).date(), dtime.min, tzinfo=UTC)
    await conn.execute(
        table.insert().values(
            platform=FEE_CHANGE_PLATFORM,
            valid_from=starts,
            commission_pct=current.commission_pct + Decimal("0.5"),
            fixed_fee=current.fixed_fee,
            processing_pct=current.processing_pct,
            min_commission=current.min_commission,
            threshold_price=current.threshold_price,
            commission_pct_below_threshold=current.commission_pct_below_threshold,
            notes="Announced rise (demo data)",
        )
    )


async def ensure_demo_user(engine: AsyncEngine, settings: Settings) -> str:
    async with async_sessionmaker(engine, expire_on_commit=False)() as session:
        user = await AuthService(session, settings).ensure_user(
            email=settings.DEMO_USER_EMAIL,
            password=settings.DEMO_USER_PASSWORD.get_secret_value(),
            full_name="Demo Owner",
            is_owner=True,
        )
        await session.commit()
        return user.email


@contextlib.contextmanager
def _phase(name: str, progress: bool) -> Iterator[None]:
    """A step without a bar (minutes at 10M pairs): say when it starts and how long it took."""
    if not progress:
        yield
        return
    started = time.perf_counter()
    print(f"{name}: running", file=sys.stderr, flush=True)
    yield
    print(f"{name}: done in {time.perf_counter() - started:.1f}s", file=sys.stderr, flush=True)


def _normalize_now(now: datetime | None) -> datetime:
    now = now or datetime.now(UTC)
    now = now.replace(tzinfo=UTC) if now.tzinfo is None else now.astimezone(UTC)
    return now.replace(microsecond=0)


async def load_demo_data(
    engine: AsyncEngine,
    *,
    items: int = 5000,
    seed: int = 42,
    now: datetime | None = None,
    progress: bool = True,
    reset: bool = False,
    settings: Settings | None = None,
) -> DemoSummary:
    """Write the demo business into an empty (or, with reset=True, emptied) database.

    The schema must exist (migrations applied) with its seeded fee schedules. Raises
    DemoDataExists when the business tables already hold rows and reset is False.
    """
    if items < 1:
        raise ValueError("items must be at least 1")
    started = time.perf_counter()
    now = _normalize_now(now)
    settings = settings or Settings()
    async with engine.begin() as conn:
        if reset:
            await _delete_demo_tables(conn)
        elif await _business_rows(conn):
            raise DemoDataExists(
                "the business tables already hold rows; use --reset (reset=True) to replace them"
            )
    email = await ensure_demo_user(engine, settings)
    generator = _Generator(seed=seed, now=now, schedules=await _fee_schedules(engine))
    brands, products = generator.catalogue_rows()
    postgres = engine.dialect.name == "postgresql"
    orders = market = 0

    async with engine.begin() as conn:
        restore: list[str] = []
        # Row triggers keep the analytics rollups; a bulk load rebuilds them once at the end.
        enable_triggers = await disable_rollup_triggers(conn)
        if postgres:  # a crash mid-load loses nothing but the load itself
            await conn.execute(text("SET LOCAL synchronous_commit = off"))
            if items >= DEFER_INDEXES_FROM:
                await conn.execute(text("SET LOCAL maintenance_work_mem = '256MB'"))
                restore = await _defer_indexes(conn)
        await conn.execute(Base.metadata.tables["brands"].insert(), brands)
        await conn.execute(Base.metadata.tables["products"].insert(), products)
        with tqdm(
            total=items, desc="pairs + orders", unit="pair", disable=not progress, unit_scale=True
        ) as bar:
            batches = generator.batches(items)
            # The next batch is generated in a thread while the database ingests this one.
            pending = asyncio.create_task(asyncio.to_thread(next, batches, None))
            while (batch := await pending) is not None:
                pending = asyncio.create_task(asyncio.to_thread(next, batches, None))
                item_rows, order_rows = batch
                await _copy_rows(conn, "inventory_items", ITEM_COLUMNS, item_rows)
                await _copy_rows(conn, "orders", ORDER_COLUMNS, order_rows)
                orders += len(order_rows)
                bar.update(len(item_rows))
        market_rows = generator.market_rows(items)
        with tqdm(desc="market prices", unit="row", disable=not progress, unit_scale=True) as bar:
            while market_batch := list(itertools.islice(market_rows, BATCH_SIZE)):
                await _copy_rows(conn, "market_prices", MARKET_COLUMNS, market_batch)
                market += len(market_batch)
                bar.update(len(market_batch))
        if postgres:
            await _in_time_order(conn, progress)
        for statement in tqdm(
            restore, desc="indexes + keys", unit="index", disable=not progress or not restore
        ):
            await conn.execute(text(statement))
        with _phase("analytics rollups", progress):
            await rebuild_rollups(conn)
        await _announce_fee_change(conn, now)
        for statement in enable_triggers:
            await conn.execute(text(statement))
        await _reset_sequences(conn)

    async with engine.connect() as conn:
        await conn.execution_options(isolation_level="AUTOCOMMIT")
        if postgres:
            # VACUUM sets the visibility map of the freshly copied pages: without it no index-only
            # scan is possible (the analytics' raw edge-day reads) until autovacuum comes by.
            with _phase("VACUUM (ANALYZE)", progress):
                await conn.execute(text("VACUUM (ANALYZE) " + ", ".join((*DEMO_TABLES, *ROLLUP_TABLES))))
        else:
            await conn.execute(text("ANALYZE"))
    return DemoSummary(
        seed=seed,
        now=now,
        brands=len(brands),
        products=len(products),
        items=items,
        sold=generator.sold,
        in_stock=generator.in_stock,
        listed=generator.listed,
        orders=orders,
        market_prices=market,
        dead_stock=generator.dead_stock,
        revenue=generator.revenue,
        profit=generator.profit,
        seconds=time.perf_counter() - started,
        demo_user_email=email,
    )


async def inventory_is_empty(engine: AsyncEngine) -> bool:
    async with engine.connect() as conn:
        table = Base.metadata.tables["inventory_items"]
        return (await conn.execute(select(table.c.id).limit(1))).first() is None


# --------------------------------------------------------------------------------------
# Command line
# --------------------------------------------------------------------------------------


def _parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m scripts.demo_data", description=__doc__.split("\n\n")[0])
    parser.add_argument("--items", type=int, default=5000, help="inventory items (pairs) to create")
    parser.add_argument("--seed", type=int, default=42, help="random seed (same seed + same now = same rows)")
    parser.add_argument(
        "--if-empty",
        action="store_true",
        help="do nothing when the database already holds inventory (or other business data)",
    )
    parser.add_argument(
        "--reset",
        action="store_true",
        help="delete brands, products, inventory, orders and market prices first",
    )
    parser.add_argument(
        "--now", type=datetime.fromisoformat, default=None, help="ISO time all dates are relative to"
    )
    parser.add_argument("--database-url", default=None, help="default: DATABASE_URL from settings")
    parser.add_argument("--no-progress", action="store_true")
    return parser.parse_args(argv)


async def run(
    *,
    database_url: str,
    items: int,
    seed: int,
    if_empty: bool,
    reset: bool,
    now: datetime | None = None,
    progress: bool = True,
) -> DemoSummary:
    """Apply migrations, then load (the CLI and scripts.bench use this)."""

    settings = Settings(DATABASE_URL=database_url)
    await upgrade_to_head_async(settings.DATABASE_URL)
    engine = create_engine(settings)
    try:
        if if_empty and not reset:
            if not await inventory_is_empty(engine):
                return DemoSummary(seed=seed, now=_normalize_now(now), skipped=True)
            async with engine.connect() as conn:
                if await _business_rows(conn):  # products or brands of the user's own: never mix
                    return DemoSummary(seed=seed, now=_normalize_now(now), skipped=True)
        return await load_demo_data(
            engine, items=items, seed=seed, now=now, progress=progress, reset=reset, settings=settings
        )
    finally:
        await engine.dispose()


def main(argv: Sequence[str] | None = None) -> int:
    args = _parse_args(argv)
    database_url = args.database_url or Settings().DATABASE_URL
    try:
        summary = asyncio.run(
            run(
                database_url=database_url,
                items=args.items,
                seed=args.seed,
                if_empty=args.if_empty,
                reset=args.reset,
                now=args.now,
                progress=not args.no_progress,
            )
        )
    except DemoDataExists as exc:
        print(f"demo data: {exc}", file=sys.stderr)
        return 2
    print(summary.describe())
    return 0


if __name__ == "__main__":
    sys.exit(main())


__all__ = ["DemoDataExists", "DemoSummary", "load_demo_data"]
