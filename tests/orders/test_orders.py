from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

import httpx
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from domains.inventory.models import InventoryItem
from domains.orders.models import Order
from domains.orders.schemas import OrderCreate, OrderFilters
from domains.orders.service import OrderService
from domains.pricing.models import FeeSchedule
from domains.products.models import Product
from tests.factories import days_ago, make_brand, make_item, make_order, make_product, now_utc

D = Decimal


async def _product(db: AsyncSession, *, brand: str = "Jordan", sku: str | None = None) -> Product:
    return await make_product(db, brand=await make_brand(db, brand), sku=sku)


async def _status(db: AsyncSession, item_id: int) -> str:
    return str(await db.scalar(select(InventoryItem.status).where(InventoryItem.id == item_id)))


async def test_recording_a_sale_computes_fees_payout_profit_and_sells_the_pair(
    client: httpx.AsyncClient, db: AsyncSession, auth: dict[str, str]
) -> None:
    product = await _product(db, sku="DZ5485-612")
    item = await make_item(
        db, product=product, size="10.5", purchase_price=D("150"), purchased_at=days_ago(20)
    )
    await db.commit()
    response = await client.post(
        "/orders",
        json={
            "inventory_item_id": item.id,
            "platform": "StockX",
            "sale_price": "250.00",
            "shipping_cost": "5.00",
            "sold_at": days_ago(1).isoformat(),
            "external_ref": "SX-1",
        },
        headers=auth,
    )
    assert response.status_code == 201, response.text
    body = response.json()
    assert body["platform"] == "stockx" and body["sku"] == "DZ5485-612" and body["brand"] == "Jordan"
    assert body["size"] == "10.5"
    assert D(body["platform_fee"]) == D("22.50") and D(body["processing_fee"]) == D("7.50")
    assert D(body["payout"]) == D("250") - D("22.50") - D("7.50") - D("5")
    assert D(body["purchase_price"]) == D("150.00")
    assert D(body["profit"]) == D("215.00") - D("150.00")
    assert await _status(db, item.id) == "sold"
    fetched = await client.get(f"/orders/{body['id']}", headers=auth)
    assert fetched.json() == body


async def test_goat_fixed_fee_ebay_threshold_and_explicit_fees(
    client: httpx.AsyncClient, db: AsyncSession, auth: dict[str, str]
) -> None:
    product = await _product(db)
    items = [await make_item(db, product=product, purchase_price=D("100")) for _ in range(4)]
    await db.commit()
    cases = [
        ({"platform": "goat", "sale_price": "200"}, ("24.00", "5.80", "170.20")),
        ({"platform": "ebay", "sale_price": "149.99"}, ("19.35", "0.00", "130.64")),
        ({"platform": "ebay", "sale_price": "150"}, ("12.00", "0.00", "138.00")),
        (
            {"platform": "stockx", "sale_price": "200", "platform_fee": "15", "processing_fee": "0"},
            ("15.00", "0.00", "185.00"),
        ),
    ]
    for item, (payload, (platform_fee, processing_fee, payout)) in zip(items, cases, strict=True):
        response = await client.post("/orders", json={"inventory_item_id": item.id, **payload}, headers=auth)
        assert response.status_code == 201, response.text
        body = response.json()
        assert (body["platform_fee"], body["processing_fee"], body["payout"]) == (
            platform_fee,
            processing_fee,
            payout,
        ), payload
        assert D(body["profit"]) == D(payout) - D("100")


async def test_fees_come_from_the_version_valid_at_the_sale(db: AsyncSession) -> None:
    change = days_ago(30)
    db.add(
        FeeSchedule(
            platform="stockx",
            valid_from=change,
            commission_pct=D("10"),
            fixed_fee=D("0"),
            processing_pct=D("3"),
            min_commission=D("0"),
        )
    )
    product = await _product(db)
    before = await make_item(db, product=product, purchased_at=days_ago(100))
    after = await make_item(db, product=product, purchased_at=days_ago(100))
    service = OrderService(db)
    old = await service.record_sale(
        data=OrderCreate(
            inventory_item_id=before.id, platform="stockx", sale_price=D("100"), sold_at=days_ago(31)
        )
    )
    new = await service.record_sale(
        data=OrderCreate(
            inventory_item_id=after.id, platform="stockx", sale_price=D("100"), sold_at=days_ago(29)
        )
    )
    assert (old.platform_fee, new.platform_fee) == (D("9.00"), D("10.00"))


async def test_a_pair_sells_only_once(
    client: httpx.AsyncClient, db: AsyncSession, auth: dict[str, str]
) -> None:
    product = await _product(db)
    item = await make_item(db, product=product)
    await db.commit()
    sale = {"inventory_item_id": item.id, "platform": "shop", "sale_price": "200"}
    assert (await client.post("/orders", json=sale, headers=auth)).status_code == 201
    second = await client.post("/orders", json=sale, headers=auth)
    assert second.status_code == 409
    assert second.json()["error"]["code"] == "already_sold"
    assert await db.scalar(select(func.count()).select_from(Order)) == 1


async def test_sale_time_must_fall_between_purchase_and_now(
    client: httpx.AsyncClient, db: AsyncSession, auth: dict[str, str]
) -> None:
    product = await _product(db)
    item = await make_item(db, product=product, purchased_at=days_ago(5))
    await db.commit()
    base = {"inventory_item_id": item.id, "platform": "stockx", "sale_price": "200"}
    early = await client.post("/orders", json={**base, "sold_at": days_ago(6).isoformat()}, headers=auth)
    assert early.status_code == 422
    assert early.json()["error"]["details"][0]["field"] == "sold_at"
    future = await client.post("/orders", json={**base, "sold_at": "2999-01-01T00:00:00Z"}, headers=auth)
    assert future.status_code == 422
    assert await _status(db, item.id) == "in_stock"
    assert await db.scalar(select(func.count()).select_from(Order)) == 0


async def test_order_input_errors(client: httpx.AsyncClient, db: AsyncSession, auth: dict[str, str]) -> None:
    product = await _product(db)
    item = await make_item(db, product=product)
    await db.commit()
    base = {"inventory_item_id": item.id, "platform": "stockx", "sale_price": "200"}
    cases = [
        ({**base, "sale_price": "0"}, "body.sale_price"),
        ({**base, "sale_price": "12.345"}, "body.sale_price"),
        ({**base, "platform": "amazon"}, "body.platform"),
        ({**base, "shipping_cost": "-1"}, "body.shipping_cost"),
        ({**base, "sold_at": "2025-01-01T00:00:00"}, "body.sold_at"),
        ({**base, "surprise": 1}, "body.surprise"),
    ]
    for payload, field in cases:
        response = await client.post("/orders", json=payload, headers=auth)
        assert response.status_code == 422, payload
        assert response.json()["error"]["details"][0]["field"] == field
    missing = await client.post("/orders", json={**base, "inventory_item_id": 999_999}, headers=auth)
    assert missing.status_code == 404
    assert (await client.post("/orders", json=base)).status_code == 401
    assert (await client.get("/orders/999999", headers=auth)).status_code == 404
    assert (await client.get(f"/orders/{2**70}", headers=auth)).status_code == 422
    assert (await client.get("/orders")).status_code == 401


async def test_listing_orders_filters_and_pages_newest_first(
    client: httpx.AsyncClient, db: AsyncSession, auth: dict[str, str]
) -> None:
    jordan = await _product(db, brand="Jordan", sku="DZ5485-612")
    yeezy = await _product(db, brand="Yeezy", sku="GW3773")
    orders = []
    for days, product, platform in ((1, jordan, "stockx"), (5, yeezy, "goat"), (10, jordan, "ebay")):
        item = await make_item(db, product=product, purchased_at=days_ago(30))
        orders.append(await make_order(db, item=item, platform=platform, sold_at=days_ago(days)))
    await db.commit()

    async def ids(**params: object) -> list[int]:
        response = await client.get("/orders", params=params, headers=auth)
        assert response.status_code == 200, response.text
        return [row["id"] for row in response.json()["items"]]

    newest, middle, oldest = (order.id for order in orders)
    assert await ids() == [newest, middle, oldest]
    assert await ids(brand="jordan") == [newest, oldest]
    assert await ids(sku="gw3773") == [middle]
    assert await ids(platform="GOAT") == [middle]
    assert await ids(start=days_ago(6).isoformat(), end=days_ago(2).isoformat()) == [middle]
    assert await ids(brand="Nobody") == []
    page = await client.get("/orders", params={"limit": 2, "offset": 2}, headers=auth)
    assert page.json() | {"items": None} == {"items": None, "total": 3, "limit": 2, "offset": 2}
    assert [row["id"] for row in page.json()["items"]] == [oldest]
    beyond = await client.get("/orders", params={"offset": 50}, headers=auth)
    assert beyond.json()["items"] == [] and beyond.json()["total"] == 3
    for bad in ({"limit": 0}, {"limit": 501}, {"offset": -1}, {"platform": "amazon"}):
        assert (await client.get("/orders", params=bad, headers=auth)).status_code == 422, bad
    contract = {
        "id", "inventory_item_id", "sku", "brand", "platform", "sale_price", "platform_fee",
        "processing_fee", "shipping_cost", "payout", "purchase_price", "profit", "sold_at",
    }  # fmt: skip
    first = (await client.get("/orders", headers=auth)).json()["items"][0]
    assert contract <= first.keys()
    assert D(first["profit"]) == D(first["payout"]) - D(first["purchase_price"])


async def test_list_orders_service_filters_by_product(db: AsyncSession) -> None:
    product = await _product(db)
    other = await _product(db, brand="Nike")
    await make_order(db, item=await make_item(db, product=product), sold_at=datetime(2025, 3, 1, tzinfo=UTC))
    await make_order(db, item=await make_item(db, product=other))
    orders, total = await OrderService(db, now=now_utc()).list_orders(
        filters=OrderFilters(product_id=product.id), limit=10
    )
    assert total == 1 and orders[0].product_id == product.id
    assert orders[0].sold_at == datetime(2025, 3, 1, tzinfo=UTC)
