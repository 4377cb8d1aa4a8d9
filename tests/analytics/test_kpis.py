"""Every KPI, for several windows and filters, against the plain-Python oracle over raw rows."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
from sqlalchemy.ext.asyncio import AsyncSession

from domains.analytics import windows
from domains.analytics.service import AnalyticsService
from domains.analytics.windows import Window
from shared.error_handling.errors import NotFound, ValidationFailed
from tests.analytics import oracle
from tests.analytics.dataset import NOW, build
from tests.factories import make_brand, make_item, make_order, make_product

WINDOWS = {
    "last 30 days": windows.last_n_days(30, NOW),
    "this month": windows.this_month(NOW),
    "last month": windows.last_month(NOW),
    "this week": windows.this_week(NOW),
    "custom": windows.between(datetime(2026, 1, 10, tzinfo=UTC), datetime(2026, 2, 20, 12, tzinfo=UTC)),
    "last year": windows.last_year(NOW),
    "empty (before the shop existed)": windows.between(
        datetime(2020, 1, 1, tzinfo=UTC), datetime(2020, 2, 1, tzinfo=UTC)
    ),
}
FILTERS = [(None, None), ("jordan", None), (None, "goat"), ("NIKE", "stockx")]
MONEY = ("revenue", "cogs", "profit", "inventory_value")
COUNTS = ("orders", "units_in_inventory", "dead_stock_units")
RATIOS = (
    "margin_pct",
    "roi_pct",
    "sell_through_pct",
    "days_to_sell",
    "inventory_turnover",
    "dead_stock_rate_pct",
)


def assert_matches(actual: dict[str, object], expected: dict[str, object], context: str) -> None:
    for field in MONEY + COUNTS:
        assert actual[field] == expected[field], f"{context}: {field}"
    expected_aov = expected["avg_order_value"]
    if expected_aov is None:
        assert actual["avg_order_value"] is None, context
    else:
        assert isinstance(expected_aov, Decimal)
        # Money is rounded to cents (half up): within half a cent of the exact mean.
        assert abs(actual["avg_order_value"] - expected_aov) <= Decimal("0.005"), context  # type: ignore[operator]
    for field in RATIOS:
        assert oracle.same_ratio(actual[field], expected[field]), (  # type: ignore[arg-type]
            f"{context}: {field} {actual[field]} != {expected[field]}"
        )


async def test_kpis_match_the_definitions_for_every_window_and_filter(db: AsyncSession) -> None:
    await build(db)
    items, orders = await oracle.load(db)
    service = AnalyticsService(db, now=NOW)
    for label, window in WINDOWS.items():
        for brand, platform in FILTERS:
            result = await service.kpis(window=window, brand=brand, platform=platform)
            expected = oracle.kpis(items, orders, window=window, now=NOW, brand=brand, platform=platform)
            assert_matches(result.model_dump(), expected, f"{label} brand={brand} platform={platform}")
            assert result.window.start == window.start and result.window.end == window.end
            assert result.dead_stock_days == 60


async def test_the_dataset_exercises_what_the_metrics_must_handle(db: AsyncSession) -> None:
    """Guard against a vacuous oracle comparison: the windows hold sales, the empty one none."""
    await build(db)
    items, orders = await oracle.load(db)
    last_30 = oracle.kpis(items, orders, window=WINDOWS["last 30 days"], now=NOW)
    assert last_30["orders"] >= 5 and last_30["inventory_turnover"] is not None
    # Turnover differs between start and end values: pairs bought and sold inside the window.
    inside = [o for o in orders if o.purchased_at >= WINDOWS["last 30 days"].start and o.sold_at < NOW]
    assert inside
    assert oracle.kpis(items, orders, window=WINDOWS["last month"], now=NOW)["orders"] >= 3


async def test_an_empty_window_has_zero_sums_and_unavailable_ratios(db: AsyncSession) -> None:
    await build(db)
    result = await AnalyticsService(db, now=NOW).kpis(window=WINDOWS["empty (before the shop existed)"])
    assert (result.revenue, result.cogs, result.profit, result.orders) == (Decimal("0.00"),) * 3 + (0,)
    assert result.avg_order_value is None
    assert result.margin_pct is None and result.roi_pct is None
    assert result.days_to_sell is None and result.inventory_turnover is None
    # Inventory now still counts, so sell-through is 0 %, not "not available".
    assert result.units_in_inventory > 0 and result.sell_through_pct == 0.0


async def test_an_empty_shop_reports_every_ratio_as_not_available(db: AsyncSession) -> None:
    result = await AnalyticsService(db, now=NOW).kpis(window=WINDOWS["last 30 days"])
    assert result.units_in_inventory == 0 and result.inventory_value == Decimal("0.00")
    assert result.sell_through_pct is None and result.dead_stock_rate_pct is None
    assert result.inventory_turnover is None


@pytest.mark.parametrize("threshold", [0, 30, 60, 90, 365])
async def test_dead_stock_follows_the_threshold(db: AsyncSession, threshold: int) -> None:
    await build(db)
    items, orders = await oracle.load(db)
    result = await AnalyticsService(db, now=NOW).kpis(window=WINDOWS["this month"], dead_stock_days=threshold)
    expected = oracle.kpis(items, orders, window=WINDOWS["this month"], now=NOW, dead_stock_days=threshold)
    assert result.dead_stock_units == expected["dead_stock_units"]
    assert oracle.same_ratio(result.dead_stock_rate_pct, expected["dead_stock_rate_pct"])
    assert result.dead_stock_days == threshold


async def test_dead_stock_age_boundary_is_whole_days(db: AsyncSession) -> None:
    brand = await make_brand(db, "Jordan")
    product = await make_product(db, brand=brand)
    for age in (
        timedelta(days=60),  # age 60: not dead
        timedelta(days=60, hours=23, minutes=59, seconds=59),  # still age 60
        timedelta(days=61),  # age 61: dead
        timedelta(days=61, seconds=1),
    ):
        await make_item(db, product=product, purchased_at=NOW - age, purchase_price="100.00")
    result = await AnalyticsService(db, now=NOW).kpis(window=WINDOWS["last 30 days"])
    assert result.units_in_inventory == 4
    assert result.dead_stock_units == 2
    assert result.dead_stock_rate_pct == 50.0


async def test_turnover_uses_inventory_value_at_window_start_and_end(db: AsyncSession) -> None:
    """A hand-checked case: 400 held at the start, one 100 pair sold, one 50 pair bought and sold."""
    brand = await make_brand(db, "Nike")
    product = await make_product(db, brand=brand)
    window = windows.last_n_days(30, NOW)
    held = await make_item(
        db, product=product, purchase_price="300.00", purchased_at=NOW - timedelta(days=90)
    )
    sold_old = await make_item(
        db, product=product, purchase_price="100.00", purchased_at=NOW - timedelta(days=80)
    )
    quick = await make_item(
        db, product=product, purchase_price="50.00", purchased_at=NOW - timedelta(days=10)
    )
    await make_order(db, item=sold_old, sale_price="200.00", sold_at=NOW - timedelta(days=20))
    await make_order(db, item=quick, sale_price="90.00", sold_at=NOW - timedelta(days=5))
    assert held.status == "in_stock"
    result = await AnalyticsService(db, now=NOW).kpis(window=window)
    # value(start) = 300 + 100 = 400; value(end) = 300; average 350; COGS = 150.
    assert result.cogs == Decimal("150.00")
    assert result.inventory_turnover == round(150 / 350, 2)
    assert result.sell_through_pct == round(2 / 3 * 100, 2)
    assert result.days_to_sell == round((60 + 5) / 2, 2)


async def test_unknown_brand_is_not_found_and_unknown_platform_is_invalid(db: AsyncSession) -> None:
    service = AnalyticsService(db, now=NOW)
    with pytest.raises(NotFound):
        await service.kpis(window=WINDOWS["this month"], brand="Jordon")
    with pytest.raises(ValidationFailed):
        await service.kpis(window=WINDOWS["this month"], platform="myspace")
    with pytest.raises(ValidationFailed):
        await service.kpis(window=WINDOWS["this month"], dead_stock_days=-1)
    with pytest.raises(ValidationFailed):
        await service.kpis(window=Window(NOW, NOW, "nothing"))


async def test_platform_aliases_are_accepted_and_echoed_as_codes(db: AsyncSession) -> None:
    await make_brand(db, "Jordan")
    result = await AnalyticsService(db, now=NOW).kpis(
        window=WINDOWS["this month"], platform="Alias", brand="JORDAN"
    )
    assert result.platform == "goat" and result.brand == "Jordan"
