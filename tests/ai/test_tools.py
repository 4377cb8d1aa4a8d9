"""BusinessTools: argument validation, period resolution, user defaults from memory facts, and
figures equal to what the domain services (the REST API's source) return."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest
from sqlalchemy.ext.asyncio import AsyncSession

from domains.ai.memory.base import FactRef
from domains.ai.tools.business import BusinessTools, jsonable
from domains.ai.tools.specs import TOOL_ARGS
from domains.analytics.service import AnalyticsService
from domains.analytics.windows import last_month, last_n_days
from domains.inventory.schemas import InventoryFilters
from domains.inventory.service import InventoryService
from domains.pricing.service import PricingService
from tests.conftest import test_settings as settings_for
from tests.factories import make_brand, make_item, make_market_price, make_order, make_product

pytestmark = pytest.mark.ai

NOW = datetime(2026, 3, 15, 12, 0, tzinfo=UTC)


def ago(days: float) -> datetime:
    return NOW - timedelta(days=days)


@pytest.fixture
def settings(database_url: str) -> Any:
    return settings_for(database_url)


async def business(db: AsyncSession) -> dict[str, Any]:
    """A small shop: Jordans (two dead), a Nike pair, sales this and last month."""
    jordan, nike = await make_brand(db, "Jordan"), await make_brand(db, "Nike")
    chicago = await make_product(
        db, brand=jordan, sku="DZ5485-612", name="Air Jordan 1 Retro High OG Chicago"
    )
    panda = await make_product(db, brand=nike, sku="DD1391-100", name="Dunk Low Panda")
    items = [
        await make_item(db, product=chicago, size="10", purchase_price="180.00", purchased_at=ago(120)),
        await make_item(db, product=chicago, size="9", purchase_price="175.50", purchased_at=ago(75)),
        await make_item(db, product=chicago, size="11", purchase_price="190.00", purchased_at=ago(10)),
        await make_item(db, product=panda, size="10", purchase_price="95.00", purchased_at=ago(50)),
    ]
    sold = [
        await make_item(db, product=panda, size="9", purchase_price="90.00", purchased_at=ago(40)),
        await make_item(db, product=chicago, size="10.5", purchase_price="170.00", purchased_at=ago(60)),
        await make_item(db, product=panda, size="8", purchase_price="88.00", purchased_at=ago(30)),
    ]
    await make_order(db, item=sold[0], sale_price="140.00", sold_at=ago(3), platform="goat")
    await make_order(db, item=sold[1], sale_price="260.00", sold_at=ago(6), platform="stockx")
    await make_order(db, item=sold[2], sale_price="130.00", sold_at=datetime(2026, 2, 10, tzinfo=UTC))
    await make_market_price(db, product=chicago, size="10", observed_at=ago(1), lowest_ask="255.00")
    await db.commit()
    return {"items": items, "chicago": chicago, "panda": panda}


def tools_for(db: AsyncSession, settings: Any, **kwargs: Any) -> BusinessTools:
    return BusinessTools(db, settings=settings, now=NOW, **kwargs)


def test_specs_cover_every_tool_and_refuse_unknown_fields(settings: Any) -> None:
    tools = BusinessTools(None, settings=settings)  # type: ignore[arg-type]
    assert [s.name for s in tools.specs] == list(TOOL_ARGS)
    for spec in tools.specs:
        assert spec.parameters["type"] == "object"
        assert spec.parameters["additionalProperties"] is False
        assert spec.description
        json.dumps(spec.parameters)  # JSON schema is JSON


async def test_extra_fields_unknown_tools_and_bad_values_come_back_as_errors(
    db: AsyncSession, settings: Any
) -> None:
    tools = tools_for(db, settings)
    extra = await tools.run("kpis", {"period": "this_month", "drop_table": "orders"}, call_id="c1")
    assert extra.call_id == "c1" and extra.data == {}
    assert extra.error is not None and "drop_table" in extra.error and "Extra inputs" in extra.error
    unknown = await tools.run("delete_inventory", {})
    assert unknown.error is not None and "Unknown tool" in unknown.error
    bad_period = await tools.run("kpis", {"period": "fortnight"})
    assert bad_period.error is not None and "period" in bad_period.error
    bad_days = await tools.run("kpis", {"days": 0})
    assert bad_days.error is not None and "days" in bad_days.error
    too_long = await tools.run("list_inventory", {"brand": "x" * 201})
    assert too_long.error is not None
    not_object = await tools.run("kpis", ["this_month"])  # type: ignore[arg-type]
    assert not_object.error is not None


async def test_contradictory_periods_are_errors_not_exceptions(db: AsyncSession, settings: Any) -> None:
    tools = tools_for(db, settings)
    both = await tools.run("kpis", {"period": "this_month", "days": 7})
    assert both.error is not None and "days" in both.error
    custom = await tools.run("kpis", {"period": "custom"})
    assert custom.error is not None and "start" in custom.error
    backwards = await tools.run("kpis", {"period": "custom", "start": "2026-03-10", "end": "2026-03-01"})
    assert backwards.error is not None
    all_time_days = await tools.run("kpis", {"period": "all_time", "days": 5})
    assert all_time_days.error is not None


async def test_kpis_equal_the_analytics_service_for_each_period(db: AsyncSession, settings: Any) -> None:
    await business(db)
    tools = tools_for(db, settings)
    analytics = AnalyticsService(db, now=NOW)

    default = await tools.run("kpis", {})
    assert default.error is None
    expected = await analytics.kpis(window=last_n_days(30, NOW), dead_stock_days=60)
    assert default.data == jsonable(expected)
    assert default.data["orders"] == 2 and default.data["revenue"] == 400.0
    assert default.arguments["window"]["label"] == "last 30 days"
    assert default.arguments["dead_stock_days"] == 60

    month = await tools.run("kpis", {"period": "last_month"})
    assert month.data == jsonable(await analytics.kpis(window=last_month(NOW), dead_stock_days=60))
    assert month.data["orders"] == 1 and month.data["revenue"] == 130.0

    custom = await tools.run("kpis", {"period": "custom", "start": "2026-03-01", "end": "2026-03-14"})
    assert custom.data["orders"] == 2
    assert custom.arguments["window"]["end"].startswith("2026-03-15T00:00")  # end date inclusive

    everything = await tools.run("kpis", {"period": "all_time", "brand": "Jordan"})
    assert everything.arguments["window"]["start"].startswith("2000-01-01")
    assert everything.data["orders"] == 1 and everything.data["revenue"] == 260.0


async def test_money_is_a_float_rounded_to_cents(db: AsyncSession, settings: Any) -> None:
    await business(db)
    summary = await tools_for(db, settings).run("inventory_summary", {})
    assert summary.data["inventory_value"] == 640.5
    assert isinstance(summary.data["inventory_value"], float)
    json.dumps(summary.data)


async def test_inventory_and_dead_stock_tools_equal_the_services(db: AsyncSession, settings: Any) -> None:
    shop = await business(db)
    tools = tools_for(db, settings)
    summary = await tools.run("inventory_summary", {})
    expected = await AnalyticsService(db, now=NOW).inventory_summary(dead_stock_days=60)
    assert summary.data == jsonable(expected)
    assert summary.data["units_in_inventory"] == 4 and summary.data["dead_stock_units"] == 2

    dead = await tools.run("dead_stock", {"limit": 1})
    service = await InventoryService(db, now=NOW).dead_stock(threshold_days=60, limit=1)
    assert dead.data["total_units"] == service.total_units == 2
    assert dead.data["total_value"] == float(service.total_value) == 355.5
    assert [i["id"] for i in dead.data["items"]] == [shop["items"][0].id]  # oldest first

    listed = await tools.run("list_inventory", {"brand": "Jordan", "min_age_days": 30})
    items, total = await InventoryService(db, now=NOW).list_items(
        filters=InventoryFilters(status="in_inventory", brand="Jordan", min_age_days=30), limit=20
    )
    assert listed.data["total"] == total == 2
    assert [i["id"] for i in listed.data["items"]] == [i.id for i in items]

    buckets = await tools.run("aging_buckets", {})
    assert [b["units"] for b in buckets.data["aging_buckets"]] == [1, 1, 1, 1]


async def test_sales_tools_equal_the_analytics_service(db: AsyncSession, settings: Any) -> None:
    await business(db)
    tools = tools_for(db, settings)
    analytics = AnalyticsService(db, now=NOW)
    window = last_n_days(30, NOW)
    best = await tools.run("best_sellers", {"by": "brand"})
    assert best.data["items"] == jsonable(await analytics.best_sellers(window=window, by="brand", limit=5))
    assert [(b["key"], b["units"]) for b in best.data["items"]] == [
        ("Jordan", 1),
        ("Nike", 1),
    ]  # tie: revenue
    platforms = await tools.run("sales_by_platform", {})
    assert platforms.data["items"] == jsonable(await analytics.sales_by_platform(window=window))
    series = await tools.run("time_series", {"period": "this_year", "grain": "month"})
    assert [p["orders"] for p in series.data["points"]] == [0, 1, 2]
    orders = await tools.run("list_orders", {"platform": "goat"})
    assert orders.data["total"] == 1 and orders.data["items"][0]["sale_price"] == 140.0
    low = await tools.run("low_stock", {})
    rows, total = await analytics.low_stock(limit=20)
    assert low.data["total"] == total
    assert low.data["items"] == jsonable(rows)


async def test_user_defaults_from_memory_are_applied_and_cited(db: AsyncSession, settings: Any) -> None:
    await business(db)
    fact = FactRef(id=7, kind="dead_stock_threshold", value=45, text="count dead stock after 45 days")
    margin = FactRef(id=8, kind="target_margin", value=30.0, text="I want 30% margin")
    tools = tools_for(
        db, settings, user_settings={"dead_stock_days": 45, "target_margin_pct": 30.0}, facts=[fact, margin]
    )
    dead = await tools.run("dead_stock", {})
    assert dead.arguments["threshold_days"] == 45
    assert dead.data["total_units"] == 3  # 120, 75 and 50 days old
    assert dead.facts_used == [{"id": 7, "kind": "dead_stock_threshold", "value": 45, "text": fact.text}]
    summary = await tools.run("inventory_summary", {})
    assert summary.data["dead_stock_days"] == 45 and summary.facts_used[0]["id"] == 7

    explicit = await tools.run("dead_stock", {"threshold_days": 100})
    assert explicit.facts_used == [] and explicit.data["total_units"] == 1

    price = await tools.run("price_recommendation", {"product_query": "jordan 1 chicago", "size": "10"})
    assert price.error is None, price.error
    assert price.arguments["target_margin_pct"] == 30.0
    assert price.arguments["platform"] == "stockx"
    assert [f["id"] for f in price.facts_used] == [8]


async def test_pricing_tools_equal_the_pricing_service(db: AsyncSession, settings: Any) -> None:
    shop = await business(db)
    tools = tools_for(db, settings)
    pricing = PricingService(db, now=NOW, settings=settings)
    item = shop["items"][0]
    recommendation = await tools.run("price_recommendation", {"item_id": item.id, "platform": "goat"})
    expected = await pricing.recommend_price(item_id=item.id, target_margin_pct=20.0, platform="goat")
    assert recommendation.data == jsonable(expected)
    by_name = await tools.run("price_recommendation", {"product_query": "DZ5485-612", "size": "10"})
    assert by_name.arguments["item_id"] == item.id
    none_left = await tools.run("price_recommendation", {"product_query": "DZ5485-612", "size": "14"})
    assert none_left.error is not None and "size 14" in none_left.error

    fees = await tools.run("fee_estimate", {"sale_price": 200, "platform": "stockx"})
    estimate = await pricing.estimate_fees(platform="stockx", sale_price=Decimal("200"))
    assert fees.data["estimates"] == [jsonable(estimate)]
    every = await tools.run("fee_estimate", {"sale_price": 200})
    payouts = [e["payout"] for e in every.data["estimates"]]
    assert len(payouts) == 6 and payouts == sorted(payouts, reverse=True)

    market = await tools.run("market_prices", {"product_query": "jordan 1 chicago", "size": "10"})
    assert market.data["product"]["sku"] == "DZ5485-612"
    assert [o["lowest_ask"] for o in market.data["observations"]] == [255.0]
    lookup = await tools.run("product_lookup", {"query": "panda dunk"})
    assert lookup.data["items"][0]["sku"] == "DD1391-100"
    assert lookup.data["items"][0]["units_in_inventory"] == 1


async def test_domain_errors_come_back_as_tool_errors(db: AsyncSession, settings: Any) -> None:
    await business(db)
    tools = tools_for(db, settings)
    brand = await tools.run("kpis", {"brand": "Balenciaga"})
    assert brand.error is not None and "Balenciaga" in brand.error
    missing = await tools.run("price_recommendation", {"item_id": 999_999})
    assert missing.error is not None and "999999" in missing.error
    nothing = await tools.run("market_prices", {})
    assert nothing.error is not None


async def test_tools_only_read(db: AsyncSession, settings: Any) -> None:
    shop = await business(db)
    tools = tools_for(db, settings)
    for name, arguments in [
        ("inventory_summary", {}),
        ("list_inventory", {}),
        ("dead_stock", {}),
        ("kpis", {"period": "this_year"}),
        ("best_sellers", {}),
        ("list_orders", {}),
        ("price_recommendation", {"item_id": shop["items"][0].id}),
        ("fee_estimate", {"sale_price": 100}),
        ("market_prices", {"sku": "DZ5485-612"}),
        ("low_stock", {"by_size": True}),
    ]:
        result = await tools.run(name, arguments)
        assert result.error is None, (name, result.error)
        assert not db.new and not db.dirty and not db.deleted, name
