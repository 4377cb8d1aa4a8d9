"""Inventory summary, best sellers, sales by platform, time series and low stock against the oracle."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest
from sqlalchemy.ext.asyncio import AsyncSession

from domains.analytics import windows
from domains.analytics.service import AnalyticsService
from shared.error_handling.errors import ValidationFailed
from tests.analytics import oracle
from tests.analytics.dataset import NOW, build
from tests.factories import make_brand, make_item, make_order, make_product

ZERO = Decimal("0.00")


# --- inventory summary ------------------------------------------------------------------------


@pytest.mark.parametrize(("threshold", "brand"), [(60, None), (45, None), (60, "jordan"), (90, "Nike")])
async def test_inventory_summary_matches_the_definitions(
    db: AsyncSession, threshold: int, brand: str | None
) -> None:
    await build(db)
    items, _orders = await oracle.load(db)
    summary = await AnalyticsService(db, now=NOW).inventory_summary(dead_stock_days=threshold, brand=brand)
    stock = [i for i in oracle.filter_items(items, brand) if oracle.in_inventory(i)]
    dead = [i for i in stock if oracle.age_days(i, NOW) > threshold]
    assert summary.units_in_inventory == len(stock)
    assert summary.inventory_value == sum((i.purchase_price for i in stock), ZERO)
    assert summary.in_stock_units == sum(1 for i in stock if i.status == "in_stock")
    assert summary.listed_units == sum(1 for i in stock if i.status == "listed")
    assert summary.dead_stock_units == len(dead)
    assert summary.dead_stock_value == sum((i.purchase_price for i in dead), ZERO)
    assert oracle.same_ratio(summary.dead_stock_rate_pct, oracle.pct(len(dead), len(stock)))
    expected_buckets = oracle.aging(items, NOW, brand)
    assert [b.label for b in summary.aging_buckets] == ["0-30", "31-60", "61-90", "91+"]
    for bucket in summary.aging_buckets:
        assert (bucket.units, bucket.value) == expected_buckets[bucket.label], bucket.label
    by_brand = {b.brand: (b.units, b.value) for b in summary.by_brand}
    for name in {i.brand for i in stock}:
        chosen = [i for i in stock if i.brand == name]
        assert by_brand[name] == (len(chosen), sum((i.purchase_price for i in chosen), ZERO))


async def test_aging_bucket_boundaries(db: AsyncSession) -> None:
    brand = await make_brand(db, "Adidas")
    product = await make_product(db, brand=brand)
    ages = {30: "0-30", 31: "31-60", 60: "31-60", 61: "61-90", 90: "61-90", 91: "91+"}
    for days in ages:
        # Each pair priced by its age, so each bucket's value says which pairs landed there.
        await make_item(
            db, product=product, purchased_at=NOW - timedelta(days=days, hours=1), purchase_price=days
        )
    await make_item(db, product=product, purchased_at=NOW, purchase_price="1.00")  # age 0
    summary = await AnalyticsService(db, now=NOW).inventory_summary()
    buckets = {b.label: (b.units, b.value) for b in summary.aging_buckets}
    assert buckets == {
        "0-30": (2, Decimal("31.00")),
        "31-60": (2, Decimal("91.00")),
        "61-90": (2, Decimal("151.00")),
        "91+": (1, Decimal("91.00")),
    }
    assert summary.dead_stock_units == 3  # ages 61, 90, 91


async def test_inventory_summary_of_an_empty_shop_has_all_four_buckets(db: AsyncSession) -> None:
    summary = await AnalyticsService(db, now=NOW).inventory_summary()
    assert [(b.label, b.units, b.value) for b in summary.aging_buckets] == [
        ("0-30", 0, ZERO),
        ("31-60", 0, ZERO),
        ("61-90", 0, ZERO),
        ("91+", 0, ZERO),
    ]
    assert summary.dead_stock_rate_pct is None and summary.by_brand == []


# --- best sellers -----------------------------------------------------------------------------


@pytest.mark.parametrize("by", ["product", "brand"])
async def test_best_sellers_match_the_definitions(db: AsyncSession, by: str) -> None:
    await build(db)
    _items, orders = await oracle.load(db)
    service = AnalyticsService(db, now=NOW)
    cases = [
        (windows.last_n_days(90, NOW), None, None),
        (windows.last_month(NOW), None, None),
        (windows.last_n_days(365, NOW), "Jordan", None),
        (windows.last_n_days(365, NOW), None, "stockx"),
    ]
    for window, brand, platform in cases:
        result = await service.best_sellers(window=window, by=by, limit=50, brand=brand, platform=platform)  # type: ignore[arg-type]
        expected = oracle.best_sellers(orders, window=window, by=by, brand=brand, platform=platform)
        assert expected, "the case must hold sales"
        assert [(r.key, r.units, r.revenue, r.profit) for r in result] == expected, (window.label, brand)
        assert [r.rank for r in result] == list(range(1, len(expected) + 1))
    top = await service.best_sellers(window=windows.last_n_days(365, NOW), by=by, limit=2)  # type: ignore[arg-type]
    assert len(top) == 2


async def test_best_seller_ties_break_by_revenue_then_name(db: AsyncSession) -> None:
    brand = await make_brand(db, "Nike")
    zebra = await make_product(db, brand=brand, sku="Z-1", name="Zebra")
    alpha = await make_product(db, brand=brand, sku="A-1", name="Alpha")
    rich = await make_product(db, brand=brand, sku="R-1", name="Rich")
    solo = await make_product(db, brand=brand, sku="S-1", name="Solo")
    plan = [(zebra, "200.00"), (zebra, "100.00"), (alpha, "150.00"), (alpha, "150.00"), (rich, "250.00"),
            (rich, "100.10"), (solo, "999.00")]  # fmt: skip
    for product, price in plan:
        item = await make_item(db, product=product, purchased_at=NOW - timedelta(days=20))
        await make_order(db, item=item, sale_price=price, sold_at=NOW - timedelta(days=2))
    result = await AnalyticsService(db, now=NOW).best_sellers(window=windows.last_n_days(30, NOW))
    # Rich 350.10 > Alpha 300 = Zebra 300 (name decides) ; Solo sold one pair only.
    assert [(r.rank, r.key, r.units) for r in result] == [
        (1, "R-1", 2),
        (2, "A-1", 2),
        (3, "Z-1", 2),
        (4, "S-1", 1),
    ]
    assert result[0].revenue == Decimal("350.10") and result[0].brand == "Nike"


# --- sales by platform ------------------------------------------------------------------------


@pytest.mark.parametrize("brand", [None, "jordan"])
async def test_sales_by_platform_match_the_definitions(db: AsyncSession, brand: str | None) -> None:
    await build(db)
    _items, orders = await oracle.load(db)
    window = windows.last_n_days(120, NOW)
    result = await AnalyticsService(db, now=NOW).sales_by_platform(window=window, brand=brand)
    sold = oracle.filter_orders(orders, window, brand, None)
    assert {r.platform for r in result} == {o.platform for o in sold}
    assert sum(r.orders for r in result) == len(sold)
    for row in result:
        mine = [o for o in sold if o.platform == row.platform]
        revenue = sum((o.sale_price for o in mine), ZERO)
        profit = sum((o.payout - o.purchase_price for o in mine), ZERO)
        assert row.orders == len(mine)
        assert row.revenue == revenue
        assert row.platform_fees == sum((o.platform_fee for o in mine), ZERO)
        assert row.processing_fees == sum((o.processing_fee for o in mine), ZERO)
        assert row.shipping_costs == sum((o.shipping_cost for o in mine), ZERO)
        assert row.payout == sum((o.payout for o in mine), ZERO)
        assert row.profit == profit
        assert oracle.same_ratio(row.margin_pct, oracle.pct(profit, revenue))
        assert row.avg_sale_price is not None and abs(row.avg_sale_price - revenue / len(mine)) <= Decimal(
            "0.005"
        )
    revenues = [r.revenue for r in result]
    assert revenues == sorted(revenues, reverse=True)


# --- time series ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("grain", "window"),
    [
        ("day", windows.last_n_days(30, NOW)),
        ("week", windows.last_n_days(90, NOW)),
        ("month", windows.last_n_days(365, NOW)),
        ("month", windows.last_month(NOW)),
        ("week", windows.this_month(NOW)),
    ],
)
async def test_time_series_buckets_match_the_definitions(
    db: AsyncSession, grain: str, window: windows.Window
) -> None:
    await build(db)
    _items, orders = await oracle.load(db)
    points = await AnalyticsService(db, now=NOW).time_series(window=window, grain=grain)  # type: ignore[arg-type]
    sold = oracle.filter_orders(orders, window, None, None)
    # Every period from the one holding the start to the one holding the last instant, no gaps.
    first = oracle.bucket_of(window.start, grain)
    last = oracle.bucket_of(window.end - timedelta(microseconds=1), grain)
    assert points[0].period_start == first and points[-1].period_start == last
    starts = [p.period_start for p in points]
    assert len(set(starts)) == len(starts) == len({oracle.bucket_of(window.start + timedelta(days=d), grain)
        for d in range((window.end - window.start).days + 1) if window.start + timedelta(days=d) < window.end}
        | {last})  # fmt: skip
    for point in points:
        mine = [o for o in sold if oracle.bucket_of(o.sold_at, grain) == point.period_start]
        assert point.orders == len(mine), point.period_start
        assert point.revenue == sum((o.sale_price for o in mine), ZERO)
        assert point.profit == sum((o.payout - o.purchase_price for o in mine), ZERO)
    assert sum(p.orders for p in points) == len(sold)
    if grain == "week":
        assert all(p.period_start.weekday() == 0 for p in points)
    if grain == "month":
        assert all(p.period_start.day == 1 for p in points)


async def test_time_series_weeks_start_on_monday_and_empty_periods_are_zero(db: AsyncSession) -> None:
    brand = await make_brand(db, "Nike")
    product = await make_product(db, brand=brand)
    sunday_night = datetime(2026, 3, 15, 23, 59, tzinfo=UTC)
    monday_morning = datetime(2026, 3, 16, 0, 0, tzinfo=UTC)
    for sold_at in (sunday_night, monday_morning):
        item = await make_item(db, product=product, purchased_at=sold_at - timedelta(days=3))
        await make_order(db, item=item, sale_price="100.00", sold_at=sold_at)
    window = windows.between(datetime(2026, 2, 25, tzinfo=UTC), NOW)
    points = await AnalyticsService(db, now=NOW).time_series(window=window, grain="week")
    assert [(p.period_start, p.orders) for p in points] == [
        (date(2026, 2, 23), 0),
        (date(2026, 3, 2), 0),
        (date(2026, 3, 9), 1),
        (date(2026, 3, 16), 1),
    ]
    assert points[0].revenue == ZERO and points[2].revenue == Decimal("100.00")
    months = await AnalyticsService(db, now=NOW).time_series(window=windows.last_year(NOW), grain="month")
    assert [p.period_start for p in months] == [date(2025, m, 1) for m in range(1, 13)]
    assert all(p.orders == 0 for p in months)


async def test_time_series_refuses_too_many_points(db: AsyncSession) -> None:
    service = AnalyticsService(db, now=NOW)
    with pytest.raises(ValidationFailed):
        await service.time_series(window=windows.last_n_days(500, NOW), grain="day")
    assert len(await service.time_series(window=windows.last_n_days(399, NOW), grain="day")) == 400
    assert len(await service.time_series(window=windows.last_n_days(3650, NOW), grain="month")) == 121


# --- low stock --------------------------------------------------------------------------------


async def test_low_stock_lists_recent_sellers_with_at_most_one_pair(db: AsyncSession) -> None:
    brand = await make_brand(db, "Jordan")
    empty = await make_product(db, brand=brand, sku="EMPTY-1", name="Sold out")
    single = await make_product(db, brand=brand, sku="ONE-1", name="One left")
    plenty = await make_product(db, brand=brand, sku="MANY-1", name="Plenty")
    stale = await make_product(db, brand=brand, sku="OLD-1", name="Sold long ago")

    async def sell(product: object, days: float, size: str = "10") -> None:
        item = await make_item(db, product=product, size=size, purchased_at=NOW - timedelta(days=days + 5))  # type: ignore[arg-type]
        await make_order(db, item=item, sold_at=NOW - timedelta(days=days))

    await sell(empty, 3)
    await sell(empty, 89.9)
    await sell(single, 10, size="9")
    await make_item(db, product=single, size="10", status="listed")
    await sell(plenty, 20, size="9")
    await make_item(db, product=plenty, size="10")
    await make_item(db, product=plenty, size="11")
    await sell(stale, 90.1)  # outside the last 90 days
    service = AnalyticsService(db, now=NOW)

    rows, total = await service.low_stock()
    assert total == 2
    assert [(r.sku, r.units_in_inventory, r.units_sold_90d, r.size) for r in rows] == [
        ("EMPTY-1", 0, 2, None),
        ("ONE-1", 1, 1, None),
    ]
    sized, sized_total = await service.low_stock(by_size=True)
    # By size: size 9 of "Plenty" has no pair left even though the product has two.
    assert sized_total == 3
    assert [(r.sku, r.size, r.units_in_inventory, r.units_sold_90d) for r in sized] == [
        ("EMPTY-1", "10", 0, 2),
        ("MANY-1", "9", 0, 1),
        ("ONE-1", "9", 0, 1),
    ]
    page, page_total = await service.low_stock(by_size=True, limit=1, offset=1)
    assert page_total == 3 and [r.sku for r in page] == ["MANY-1"]


@pytest.mark.parametrize("by_size", [False, True])
async def test_low_stock_matches_the_definition_page_by_page(db: AsyncSession, by_size: bool) -> None:
    await build(db)
    # Sold recently with every stock level around the limit: none, one, two pairs left.
    brand = await make_brand(db, "ASICS")
    for sku, left in (("GEL-0", 0), ("GEL-1", 1), ("GEL-2", 2)):
        product = await make_product(db, brand=brand, sku=sku, name=f"Gel-Kayano {left}")
        sold = await make_item(db, product=product, size="9", purchased_at=NOW - timedelta(days=40))
        await make_order(db, item=sold, sold_at=NOW - timedelta(days=35, hours=7))
        for _ in range(left):
            await make_item(db, product=product, size="9", status="listed")
        # On the window's first instant (counted) and just before it (not counted).
        edge = NOW - timedelta(days=90) - timedelta(seconds=left % 2)
        early = await make_item(db, product=product, size="10", purchased_at=edge - timedelta(days=9))
        await make_order(db, item=early, sold_at=edge)
    items, orders = await oracle.load(db)
    expected = oracle.low_stock(items, orders, now=NOW, by_size=by_size)
    assert len(expected) >= 2, "the dataset must hold low-stock rows"
    service = AnalyticsService(db, now=NOW)
    rows, total = await service.low_stock(by_size=by_size, limit=500)
    assert total == len(expected)
    assert [(r.sku, r.size, r.units_in_inventory, r.units_sold_90d) for r in rows] == expected
    for offset in range(0, len(expected) + 2, 2):
        page, page_total = await service.low_stock(by_size=by_size, limit=2, offset=offset)
        assert page_total == len(expected), offset  # also past the last page
        assert [(r.sku, r.size) for r in page] == [
            (sku, size) for sku, size, _, _ in expected[offset : offset + 2]
        ]
