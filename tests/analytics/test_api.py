"""The REST endpoints: auth, window parameters, 422s in the one error shape, and the numbers."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import httpx
import pytest
from sqlalchemy.ext.asyncio import AsyncSession

from domains.analytics import windows
from tests.analytics import oracle
from tests.factories import make_brand, make_item, make_order, make_product

KPI_FIELDS = {
    "revenue", "orders", "avg_order_value", "cogs", "profit", "margin_pct", "roi_pct", "sell_through_pct",
    "days_to_sell", "inventory_turnover", "units_in_inventory", "inventory_value", "dead_stock_units",
    "dead_stock_rate_pct",
}  # fmt: skip
ENDPOINTS = [
    "/analytics/kpis",
    "/analytics/inventory",
    "/analytics/best-sellers",
    "/analytics/sales-by-platform",
    "/analytics/timeseries",
    "/analytics/low-stock",
]


async def seed_recent_sales(db: AsyncSession) -> None:
    """Sales relative to the real clock (the API uses the request's now)."""
    now = datetime.now(UTC)
    jordan = await make_brand(db, "Jordan")
    nike = await make_brand(db, "Nike")
    chicago = await make_product(db, brand=jordan, sku="DZ5485-612", name="Air Jordan 1 Chicago")
    panda = await make_product(db, brand=nike, sku="DD1391-100", name="Dunk Low Panda")
    for days, product, platform, price in [
        (2, chicago, "stockx", "320.00"),
        (5, chicago, "goat", "300.00"),
        (12, panda, "stockx", "140.00"),
        (45, panda, "ebay", "150.00"),
    ]:
        item = await make_item(
            db, product=product, purchased_at=now - timedelta(days=days + 20), purchase_price="110.00"
        )
        await make_order(
            db, item=item, sale_price=price, platform=platform, sold_at=now - timedelta(days=days)
        )
    await make_item(db, product=panda, purchased_at=now - timedelta(days=70), purchase_price="95.00")
    await make_item(
        db, product=chicago, purchased_at=now - timedelta(days=3), purchase_price="180.00", status="listed"
    )
    await db.commit()


@pytest.mark.parametrize("path", ENDPOINTS)
async def test_every_endpoint_needs_a_token(client: httpx.AsyncClient, path: str) -> None:
    response = await client.get(path)
    assert response.status_code == 401
    assert response.json()["error"]["code"] == "unauthorized"


async def test_kpis_default_to_the_last_30_days_and_match_the_definitions(
    client: httpx.AsyncClient, auth: dict[str, str], db: AsyncSession
) -> None:
    await seed_recent_sales(db)
    response = await client.get("/analytics/kpis", headers=auth)
    assert response.status_code == 200
    body = response.json()
    assert body.keys() >= KPI_FIELDS
    start, end = (
        datetime.fromisoformat(body["window"]["start"]),
        datetime.fromisoformat(body["window"]["end"]),
    )
    assert end - start == timedelta(days=30)
    items, orders = await oracle.load(db)
    expected = oracle.kpis(items, orders, window=windows.Window(start, end, "x"), now=end)
    assert body["orders"] == expected["orders"] == 3
    assert Decimal(body["revenue"]) == expected["revenue"] == Decimal("760.00")
    assert Decimal(body["profit"]) == expected["profit"]
    assert Decimal(body["inventory_value"]) == expected["inventory_value"] == Decimal("275.00")
    assert body["units_in_inventory"] == 2 and body["dead_stock_units"] == 1
    for field in ("margin_pct", "roi_pct", "sell_through_pct", "inventory_turnover", "dead_stock_rate_pct"):
        assert oracle.same_ratio(body[field], expected[field]), field


async def test_kpi_windows_filters_and_empty_window(
    client: httpx.AsyncClient, auth: dict[str, str], db: AsyncSession
) -> None:
    await seed_recent_sales(db)
    week = (await client.get("/analytics/kpis", params={"days": 7}, headers=auth)).json()
    assert week["orders"] == 2
    jordan = (
        await client.get("/analytics/kpis", params={"days": 60, "brand": "JORDAN"}, headers=auth)
    ).json()
    assert jordan["orders"] == 2 and jordan["brand"] == "Jordan" and jordan["units_in_inventory"] == 1
    stockx = (
        await client.get("/analytics/kpis", params={"days": 60, "platform": "stockx"}, headers=auth)
    ).json()
    assert stockx["orders"] == 2 and stockx["platform"] == "stockx"
    empty = await client.get(
        "/analytics/kpis",
        params={"start": "2020-01-01", "end": "2020-01-31", "dead_stock_days": 5},
        headers=auth,
    )
    body = empty.json()
    assert empty.status_code == 200 and body["window"]["label"] == "2020-01-01 to 2020-01-31"
    assert body["orders"] == 0 and Decimal(body["revenue"]) == 0
    assert body["margin_pct"] is None and body["roi_pct"] is None and body["avg_order_value"] is None
    assert body["days_to_sell"] is None and body["inventory_turnover"] is None
    assert body["dead_stock_days"] == 5 and body["dead_stock_units"] == 1  # the 70-day pair only
    named = await client.get("/analytics/kpis", params={"period": "this_year"}, headers=auth)
    assert named.status_code == 200 and named.json()["window"]["label"] == "this year"


@pytest.mark.parametrize(
    ("path", "params"),
    [
        ("/analytics/kpis", {"days": 0}),
        ("/analytics/kpis", {"days": 3651}),
        ("/analytics/kpis", {"period": "fortnight"}),
        ("/analytics/kpis", {"start": "2026-02-01", "end": "2026-01-01"}),
        ("/analytics/kpis", {"start": "not-a-date"}),
        ("/analytics/kpis", {"days": 7, "start": "2026-01-01"}),
        ("/analytics/kpis", {"platform": "myspace"}),
        ("/analytics/kpis", {"dead_stock_days": -1}),
        ("/analytics/inventory", {"dead_stock_days": "abc"}),
        ("/analytics/best-sellers", {"by": "colour"}),
        ("/analytics/best-sellers", {"limit": 0}),
        ("/analytics/timeseries", {"grain": "hour"}),
        ("/analytics/timeseries", {"grain": "day", "days": 500}),
        ("/analytics/low-stock", {"limit": 501}),
    ],
)
async def test_invalid_parameters_are_422_in_the_one_error_shape(
    client: httpx.AsyncClient, auth: dict[str, str], path: str, params: dict[str, object]
) -> None:
    response = await client.get(path, params=params, headers=auth)
    assert response.status_code == 422, response.text
    error = response.json()["error"]
    assert error["code"] == "validation_error" and error["message"] and error["details"]


async def test_unknown_brand_is_404(client: httpx.AsyncClient, auth: dict[str, str]) -> None:
    response = await client.get("/analytics/kpis", params={"brand": "Jordon"}, headers=auth)
    assert response.status_code == 404 and response.json()["error"]["code"] == "brand_not_found"


async def test_breakdown_endpoints(client: httpx.AsyncClient, auth: dict[str, str], db: AsyncSession) -> None:
    await seed_recent_sales(db)
    inventory = (await client.get("/analytics/inventory", headers=auth)).json()
    assert inventory["units_in_inventory"] == 2 and inventory["dead_stock_units"] == 1
    assert [(b["label"], b["units"]) for b in inventory["aging_buckets"]] == [
        ("0-30", 1), ("31-60", 0), ("61-90", 1), ("91+", 0)
    ]  # fmt: skip

    best = (
        await client.get("/analytics/best-sellers", params={"days": 60, "by": "brand"}, headers=auth)
    ).json()
    assert [(r["rank"], r["key"], r["units"], Decimal(r["revenue"])) for r in best["items"]] == [
        (1, "Jordan", 2, Decimal("620.00")),
        (2, "Nike", 2, Decimal("290.00")),
    ]
    platforms = (await client.get("/analytics/sales-by-platform", params={"days": 60}, headers=auth)).json()
    assert [(p["platform"], p["orders"]) for p in platforms["items"]] == [
        ("stockx", 2),
        ("goat", 1),
        ("ebay", 1),
    ]

    series = await client.get("/analytics/timeseries", params={"days": 14, "grain": "day"}, headers=auth)
    points = series.json()["points"]
    assert series.status_code == 200 and len(points) == 15
    assert sum(p["orders"] for p in points) == 3

    low = (await client.get("/analytics/low-stock", headers=auth)).json()
    assert low["total"] == 2 and {r["sku"] for r in low["items"]} == {"DZ5485-612", "DD1391-100"}
    assert low["limit"] == 50 and low["offset"] == 0
