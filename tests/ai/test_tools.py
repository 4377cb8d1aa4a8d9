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
    extra = await tools.run("query_business", {"metrics": ["revenue"], "drop_table": "orders"}, call_id="c1")
    assert extra.call_id == "c1" and extra.data == {}
    assert extra.error is not None and "drop_table" in extra.error and "Extra inputs" in extra.error
    unknown = await tools.run("delete_inventory", {})
    assert unknown.error is not None and "Unknown tool" in unknown.error
    bad_metric = await tools.run("query_business", {"metrics": ["happiness"]})
    assert bad_metric.error is not None and "metrics" in bad_metric.error
    no_metric = await tools.run("query_business", {"metrics": []})
    assert no_metric.error is not None
    too_long = await tools.run("list_inventory", {"brand": "x" * 201})
    assert too_long.error is not None
    not_object = await tools.run("query_business", ["revenue"])  # type: ignore[arg-type]
    assert not_object.error is not None


async def test_contradictory_windows_and_dimensions_are_errors_not_exceptions(
    db: AsyncSession, settings: Any
) -> None:
    tools = tools_for(db, settings)
    both = await tools.run("list_orders", {"period": "this_month", "days": 7})
    assert both.error is not None and "days" in both.error
    custom = await tools.run("list_orders", {"period": "custom"})
    assert custom.error is not None and "start" in custom.error
    backwards = await tools.run(
        "query_business",
        {"metrics": ["revenue"], "start": "2026-03-10T00:00:00Z", "end": "2026-03-01T00:00:00Z"},
    )
    assert backwards.error is not None
    misfit = await tools.run("query_business", {"metrics": ["revenue"], "group_by": ["aging_bucket"]})
    assert misfit.error is not None and "aging_bucket" in misfit.error


async def test_the_semantic_query_equals_the_analytics_service_for_each_window(
    db: AsyncSession, settings: Any
) -> None:
    await business(db)
    tools = tools_for(db, settings)
    analytics = AnalyticsService(db, now=NOW)
    metrics = ["units_sold", "revenue", "profit", "margin", "units_in_inventory", "dead_stock_units"]

    default = await tools.run("query_business", {"metrics": metrics})
    assert default.error is None, default.error
    expected = await analytics.kpis(window=last_n_days(30, NOW), dead_stock_days=60)
    totals = default.data["totals"]
    assert (
        (totals["units_sold"], totals["revenue"], totals["profit"])
        == (
            expected.orders,
            float(expected.revenue),
            float(expected.profit),
        )
        == (2, 400.0, float(expected.profit))
    )
    assert totals["margin"] == expected.margin_pct
    assert (totals["units_in_inventory"], totals["dead_stock_units"]) == (4, 2)
    assert default.arguments["dead_stock_days"] == 60

    window = last_month(NOW)
    month = await tools.run(
        "query_business",
        {
            "metrics": ["units_sold", "revenue"],
            "start": window.start.isoformat(),
            "end": window.end.isoformat(),
        },
    )
    assert month.data["totals"] == {"units_sold": 1, "revenue": 130.0}

    jordan = await tools.run(
        "query_business",
        {
            "metrics": ["units_sold", "revenue"],
            "filters": {"brand": ["Jordan"]},
            "start": "2000-01-01T00:00:00Z",
        },
    )
    assert jordan.data["totals"] == {"units_sold": 1, "revenue": 260.0}


async def test_money_is_a_float_rounded_to_cents(db: AsyncSession, settings: Any) -> None:
    await business(db)
    summary = await tools_for(db, settings).run("query_business", {"metrics": ["inventory_value"]})
    assert summary.data["totals"]["inventory_value"] == 640.5
    assert isinstance(summary.data["totals"]["inventory_value"], float)
    json.dumps(summary.data)


async def test_inventory_lists_and_groups_equal_the_services(db: AsyncSession, settings: Any) -> None:
    shop = await business(db)
    tools = tools_for(db, settings)
    summary = await tools.run(
        "query_business", {"metrics": ["units_in_inventory", "dead_stock_units", "dead_stock_value"]}
    )
    expected = await AnalyticsService(db, now=NOW).inventory_summary(dead_stock_days=60)
    assert summary.data["totals"]["units_in_inventory"] == expected.units_in_inventory == 4
    assert summary.data["totals"]["dead_stock_units"] == expected.dead_stock_units == 2
    assert summary.data["totals"]["dead_stock_value"] == float(expected.dead_stock_value) == 355.5

    dead = await tools.run("list_inventory", {"older_than_dead_stock": True, "limit": 1})
    assert dead.data["total"] == 2 and dead.data["dead_stock_days"] == 60
    assert [i["id"] for i in dead.data["items"]] == [shop["items"][0].id]  # oldest first

    listed = await tools.run("list_inventory", {"brand": "Jordan", "min_age_days": 30})
    items, total = await InventoryService(db, now=NOW).list_items(
        filters=InventoryFilters(status="in_inventory", brand="Jordan", min_age_days=30), limit=20
    )
    assert listed.data["total"] == total == 2
    assert [i["id"] for i in listed.data["items"]] == [i.id for i in items]
    family = await tools.run("list_inventory", {"skus": ["DD1391-100"], "sizes": ["10", "11"]})
    assert family.data["total"] == 1

    buckets = await tools.run(
        "query_business",
        {"metrics": ["units_in_inventory"], "group_by": ["aging_bucket"], "sort_by_group": True},
    )
    assert [r["values"]["units_in_inventory"] for r in buckets.data["rows"]] == [1, 1, 1, 1]


async def test_sales_groups_and_lists_equal_the_analytics_service(db: AsyncSession, settings: Any) -> None:
    await business(db)
    tools = tools_for(db, settings)
    analytics = AnalyticsService(db, now=NOW)
    window = last_n_days(30, NOW)
    best = await tools.run("query_business", {"metrics": ["units_sold", "revenue"], "group_by": ["brand"]})
    sellers = await analytics.best_sellers(window=window, by="brand", limit=5)
    assert (
        [(r["group"]["brand"], r["values"]["units_sold"]) for r in best.data["rows"]]
        == [(b.key, b.units) for b in sellers]
        == [("Jordan", 1), ("Nike", 1)]
    )  # tie: revenue
    platforms = await tools.run(
        "query_business", {"metrics": ["revenue", "payout"], "group_by": ["platform"]}
    )
    expected = {p.platform: p for p in await analytics.sales_by_platform(window=window)}
    assert {r["group"]["platform"]: r["values"]["revenue"] for r in platforms.data["rows"]} == {
        key: float(p.revenue) for key, p in expected.items() if p.orders
    }
    series = await tools.run(
        "query_business",
        {
            "metrics": ["units_sold"],
            "group_by": ["month"],
            "start": "2026-01-01T00:00:00Z",
            "sort_by_group": True,
        },
    )
    assert [(r["group"]["month"], r["values"]["units_sold"]) for r in series.data["rows"]] == [
        ("2026-02", 1),
        ("2026-03", 2),
    ]
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
    dead = await tools.run("query_business", {"metrics": ["dead_stock_units"]})
    assert dead.arguments["dead_stock_days"] == 45
    assert dead.data["totals"]["dead_stock_units"] == 3  # 120, 75 and 50 days old
    assert dead.facts_used == [{"id": 7, "kind": "dead_stock_threshold", "value": 45, "text": fact.text}]
    listed = await tools.run("list_inventory", {"older_than_dead_stock": True})
    assert listed.data["dead_stock_days"] == 45 and listed.facts_used[0]["id"] == 7

    explicit = await tools.run("query_business", {"metrics": ["dead_stock_units"], "dead_stock_days": 100})
    assert explicit.facts_used == [] and explicit.data["totals"]["dead_stock_units"] == 1
    unrelated = await tools.run("query_business", {"metrics": ["revenue"]})
    assert unrelated.facts_used == []  # the threshold is cited only where it shaped the figure

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
    brand = await tools.run("query_business", {"metrics": ["revenue"], "filters": {"brand": ["Balenciaga"]}})
    assert brand.error is None and brand.data["unmatched_filters"] == {"brand": ["Balenciaga"]}
    assert brand.data["totals"]["revenue"] == 0.0  # no record: no figure for it (the engine says so)
    missing = await tools.run("price_recommendation", {"item_id": 999_999})
    assert missing.error is not None and "999999" in missing.error
    nothing = await tools.run("market_prices", {})
    assert nothing.error is not None


async def test_tools_only_read(db: AsyncSession, settings: Any) -> None:
    shop = await business(db)
    tools = tools_for(db, settings)
    for name, arguments in [
        (
            "query_business",
            {"metrics": ["units_in_inventory", "revenue", "sell_through"], "group_by": ["brand"]},
        ),
        ("list_inventory", {}),
        ("list_inventory", {"older_than_dead_stock": True}),
        ("list_orders", {}),
        ("price_recommendation", {"item_id": shop["items"][0].id}),
        ("fee_estimate", {"sale_price": 100}),
        ("market_prices", {"sku": "DZ5485-612"}),
        ("low_stock", {"by_size": True}),
    ]:
        result = await tools.run(name, arguments)
        assert result.error is None, (name, result.error)
        assert not db.new and not db.dirty and not db.deleted, name


LISTINGS = [
    {},
    {"older_than_dead_stock": True},
    {"min_age_days": 75},  # one pair is exactly 75 days old: age >= 75 includes it
    {"min_age_days": 76},
    {"max_age_days": 50},
    {"min_age_days": 10, "max_age_days": 75},
    {"brand": "jordan", "older_than_dead_stock": True},
    {"brand": "Adidas"},
    {"sku": "dz5485-612", "size": "10"},
    {"skus": ["DD1391-100", "DZ5485-612"], "sizes": ["10", "11"]},
    {"condition": "new", "min_purchase_price": 100, "max_purchase_price": 185},
    {"status": "in_stock", "min_age_days": 1},
    {"status": "sold"},
    {"product_query": "jordan chicago"},
]


@pytest.mark.parametrize("arguments", LISTINGS, ids=[",".join(a) or "all" for a in LISTINGS])
async def test_list_inventory_counts_what_the_inventory_lists(
    db: AsyncSession, settings: Any, arguments: dict[str, Any]
) -> None:
    """The assistant's count (from the stock rollups where the filters allow) equals counting the
    inventory's own list, and the pairs shown are the inventory's first page."""
    await business(db)
    listed = await tools_for(db, settings).run("list_inventory", {**arguments, "limit": 50})
    assert listed.error is None, listed.error
    expected = {key: value for key, value in arguments.items() if key != "older_than_dead_stock"}
    if arguments.get("older_than_dead_stock"):
        expected["min_age_days"] = 61
    for name in ("min_purchase_price", "max_purchase_price"):
        if name in expected:
            expected[name] = Decimal(str(expected[name]))
    items, total = await InventoryService(db, now=NOW).list_items(
        filters=InventoryFilters(**{"status": "in_inventory", **expected}), limit=50
    )
    assert listed.data["total"] == total
    assert [item["id"] for item in listed.data["items"]] == [item.id for item in items]
