from __future__ import annotations

from decimal import Decimal
from typing import Any

import httpx
import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from domains.inventory.models import InventoryItem
from domains.products.models import Product
from tests.factories import days_ago, make_brand, make_item, make_order, make_product


async def _product(db: AsyncSession, sku: str = "DZ5485-612", brand: str = "Jordan") -> Product:
    product = await make_product(
        db, brand=await make_brand(db, brand), sku=sku, name='Air Jordan 1 Retro High OG "Chicago"'
    )
    await db.commit()
    return product


async def test_every_inventory_endpoint_needs_a_token(client: httpx.AsyncClient) -> None:
    for method, path in [
        ("GET", "/inventory/items"),
        ("POST", "/inventory/items"),
        ("GET", "/inventory/items/1"),
        ("PATCH", "/inventory/items/1"),
        ("POST", "/inventory/items/1/list"),
        ("POST", "/inventory/items/1/delist"),
        ("GET", "/inventory/dead-stock"),
        ("POST", "/inventory/import"),
    ]:
        response = await client.request(method, path)
        assert response.status_code == 401, (method, path)


async def test_create_item_by_sku_or_product_id(
    client: httpx.AsyncClient, db: AsyncSession, auth: dict[str, str]
) -> None:
    product = await _product(db)
    purchased_at = days_ago(3).isoformat()
    by_sku = await client.post(
        "/inventory/items",
        json={"sku": "dz5485612", "size": "US 10.0", "purchase_price": "149.9", "purchased_at": purchased_at},
        headers=auth,
    )
    assert by_sku.status_code == 201
    item = by_sku.json()
    assert item["product_id"] == product.id
    assert item["sku"] == "DZ5485-612"
    assert item["brand"] == "Jordan"
    assert item["size"] == "10"
    assert item["purchase_price"] == "149.90"
    assert item["status"] == "in_stock"
    assert item["condition"] == "new"
    assert item["age_days"] == 3
    assert item["listed_price"] is None

    by_id = await client.post(
        "/inventory/items",
        json={
            "product_id": product.id,
            "size": "9.5",
            "condition": "used",
            "purchase_price": 90,
            "purchased_at": "2024-01-05T10:00:00+01:00",
            "location": " Shelf A ",
        },
        headers=auth,
    )
    assert by_id.status_code == 201
    assert by_id.json()["purchased_at"].startswith("2024-01-05T09:00:00")
    assert by_id.json()["location"] == "Shelf A"

    fetched = await client.get(f"/inventory/items/{item['id']}", headers=auth)
    assert fetched.status_code == 200
    assert fetched.json() == item


async def test_create_item_errors(client: httpx.AsyncClient, db: AsyncSession, auth: dict[str, str]) -> None:
    await _product(db)
    good = {
        "sku": "DZ5485-612",
        "size": "10",
        "purchase_price": "100",
        "purchased_at": days_ago(1).isoformat(),
    }

    unknown = await client.post("/inventory/items", json={**good, "sku": "NOPE-000"}, headers=auth)
    assert unknown.status_code == 404
    missing_product = await client.post(
        "/inventory/items", json={**good, "product_id": 999999, "sku": None}, headers=auth
    )
    assert missing_product.status_code == 404

    cases = {
        "body.purchase_price": {**good, "purchase_price": "-1"},
        "body.condition": {**good, "condition": "mint"},
        "body.size": {**good, "size": "   "},
        "body.purchased_at": {**good, "purchased_at": "yesterday"},
    }
    for field, body in cases.items():
        response = await client.post("/inventory/items", json=body, headers=auth)
        assert response.status_code == 422, field
        assert field in {d["field"] for d in response.json()["error"]["details"]}, field

    neither = await client.post("/inventory/items", json={**good, "sku": None}, headers=auth)
    assert neither.status_code == 422
    future = await client.post(
        "/inventory/items", json={**good, "purchased_at": days_ago(-2).isoformat()}, headers=auth
    )
    assert future.status_code == 422
    assert future.json()["error"]["details"][0]["field"].endswith("purchased_at")
    assert await db.scalar(select(func.count()).select_from(InventoryItem)) == 0


async def test_status_lifecycle_list_relist_delist(
    client: httpx.AsyncClient, db: AsyncSession, auth: dict[str, str]
) -> None:
    item = await make_item(db, product=await _product(db))
    await db.commit()
    url = f"/inventory/items/{item.id}"

    listed = await client.post(
        f"{url}/list", json={"listed_price": "289.99", "platform": "StockX"}, headers=auth
    )
    assert listed.status_code == 200
    assert listed.json()["status"] == "listed"
    assert listed.json()["listed_price"] == "289.99"
    assert listed.json()["listed_platform"] == "stockx"

    relisted = await client.post(f"{url}/list", json={"listed_price": 275, "platform": "alias"}, headers=auth)
    assert relisted.json()["listed_platform"] == "goat"
    assert relisted.json()["listed_price"] == "275.00"

    delisted = await client.post(f"{url}/delist", headers=auth)
    assert delisted.status_code == 200
    assert delisted.json()["status"] == "in_stock"
    assert delisted.json()["listed_price"] is None

    again = await client.post(f"{url}/delist", headers=auth)
    assert again.status_code == 409
    assert again.json()["error"]["code"] == "not_listed"


async def test_listing_needs_a_positive_price_and_a_known_platform(
    client: httpx.AsyncClient, db: AsyncSession, auth: dict[str, str]
) -> None:
    item = await make_item(db, product=await _product(db))
    await db.commit()
    url = f"/inventory/items/{item.id}/list"
    zero = await client.post(url, json={"listed_price": 0, "platform": "stockx"}, headers=auth)
    assert zero.status_code == 422
    assert zero.json()["error"]["details"][0]["field"] == "body.listed_price"
    unknown = await client.post(url, json={"listed_price": 200, "platform": "myspace"}, headers=auth)
    assert unknown.status_code == 422
    assert unknown.json()["error"]["details"][0]["field"] == "platform"
    missing = await client.post(
        "/inventory/items/999999/list", json={"listed_price": 200, "platform": "ebay"}, headers=auth
    )
    assert missing.status_code == 404
    assert (await client.get("/inventory/items/999999", headers=auth)).status_code == 404
    assert (await client.post("/inventory/items/999999/delist", headers=auth)).status_code == 404
    assert (await client.patch("/inventory/items/999999", json={}, headers=auth)).status_code == 404
    assert (await client.get("/inventory/items/0", headers=auth)).status_code == 422


async def test_patch_rules_for_status_and_sold_items(
    client: httpx.AsyncClient, db: AsyncSession, auth: dict[str, str]
) -> None:
    product = await _product(db)
    item = await make_item(db, product=product)
    sold = await make_item(db, product=product, purchase_price="120.00")
    await make_order(db, item=sold)
    await db.commit()

    to_sold = await client.patch(f"/inventory/items/{item.id}", json={"status": "sold"}, headers=auth)
    assert to_sold.status_code == 422
    assert to_sold.json()["error"]["details"][0]["field"] == "status"

    via_patch = await client.patch(
        f"/inventory/items/{item.id}",
        json={"status": "listed", "listed_price": "300", "listed_platform": "ebay", "location": "Bin 4"},
        headers=auth,
    )
    assert via_patch.status_code == 200
    assert via_patch.json()["status"] == "listed"
    assert via_patch.json()["location"] == "Bin 4"
    reprice = await client.patch(f"/inventory/items/{item.id}", json={"listed_price": "280"}, headers=auth)
    assert reprice.json()["listed_price"] == "280.00"
    assert reprice.json()["listed_platform"] == "ebay"
    back = await client.patch(f"/inventory/items/{item.id}", json={"status": "in_stock"}, headers=auth)
    assert back.json()["status"] == "in_stock"
    assert back.json()["listed_price"] is None
    no_platform = await client.patch(
        f"/inventory/items/{item.id}", json={"status": "listed", "listed_price": "300"}, headers=auth
    )
    assert no_platform.status_code == 422
    price_only = await client.patch(f"/inventory/items/{item.id}", json={"listed_price": "300"}, headers=auth)
    assert price_only.status_code == 422
    null_price = await client.patch(
        f"/inventory/items/{item.id}", json={"purchase_price": None}, headers=auth
    )
    assert null_price.status_code == 422
    unknown_field = await client.patch(f"/inventory/items/{item.id}", json={"colour": "red"}, headers=auth)
    assert unknown_field.status_code == 422

    cost = await client.patch(f"/inventory/items/{sold.id}", json={"purchase_price": "99"}, headers=auth)
    assert cost.status_code == 409
    assert cost.json()["error"]["code"] == "item_sold"
    relist = await client.post(
        f"/inventory/items/{sold.id}/list", json={"listed_price": 1, "platform": "ebay"}, headers=auth
    )
    assert relist.status_code == 409
    note = await client.patch(f"/inventory/items/{sold.id}", json={"notes": "box damaged"}, headers=auth)
    assert note.status_code == 200
    assert note.json()["status"] == "sold"
    assert note.json()["purchase_price"] == "120.00"

    await db.refresh(sold)
    assert sold.purchase_price == Decimal("120.00")


async def test_filters_status_brand_sku_size_query_and_price(
    client: httpx.AsyncClient, db: AsyncSession, auth: dict[str, str]
) -> None:
    jordan = await make_brand(db, "Jordan")
    nike = await make_brand(db, "Nike")
    chicago = await make_product(db, brand=jordan, sku="DZ5485-612", name='Air Jordan 1 High OG "Chicago"')
    panda = await make_product(db, brand=nike, sku="DD1391-100", name="Dunk Low Retro", colorway="Panda")
    a = await make_item(db, product=chicago, size="10", purchase_price="200")
    b = await make_item(
        db,
        product=chicago,
        size="10.5",
        status="listed",
        listed_price=Decimal("300"),
        listed_platform="stockx",
    )
    c = await make_item(db, product=panda, size="10", purchase_price="90")
    d = await make_item(db, product=panda, size="9")
    await make_order(db, item=d)
    await db.commit()

    async def ids(**params: str | int) -> list[int]:
        response = await client.get("/inventory/items", params=params, headers=auth)
        assert response.status_code == 200, response.text
        body = response.json()
        assert body["total"] == len(body["items"])
        return [i["id"] for i in body["items"]]

    assert sorted(await ids()) == sorted([a.id, b.id, c.id, d.id])
    assert sorted(await ids(status="in_inventory")) == sorted([a.id, b.id, c.id])
    assert await ids(status="listed") == [b.id]
    assert await ids(status="sold") == [d.id]
    assert sorted(await ids(brand="jordans")) == sorted([a.id, b.id])
    assert await ids(brand="Puma") == []
    assert sorted(await ids(sku="dd1391100")) == sorted([c.id, d.id])
    assert await ids(sku="NOPE") == []
    assert sorted(await ids(size="US 10")) == sorted([a.id, c.id])
    assert sorted(await ids(q="aj1 chicago")) == sorted([a.id, b.id])
    assert sorted(await ids(q="dunk panda", status="in_inventory")) == [c.id]
    assert await ids(min_purchase_price="100", max_purchase_price="199.99") == [b.id, d.id]
    assert await ids(status="in_inventory", sort="price_desc") == [a.id, b.id, c.id]
    assert await ids(status="in_inventory", sort="price_asc") == [c.id, b.id, a.id]
    bad = await client.get("/inventory/items", params={"status": "gone"}, headers=auth)
    assert bad.status_code == 422
    assert bad.json()["error"]["details"][0]["field"] == "query.status"


async def test_filters_condition_and_listed_platform(
    client: httpx.AsyncClient, db: AsyncSession, auth: dict[str, str]
) -> None:
    product = await _product(db)
    new_stockx = await make_item(
        db, product=product, status="listed", listed_price=Decimal("300"), listed_platform="stockx"
    )
    used_goat = await make_item(
        db,
        product=product,
        condition="used",
        status="listed",
        listed_price=Decimal("250"),
        listed_platform="goat",
    )
    used_in_stock = await make_item(db, product=product, condition="used")
    sold_used = await make_item(db, product=product, condition="used")
    await make_order(db, item=sold_used)
    await db.commit()

    async def ids(**params: str) -> list[int]:
        response = await client.get("/inventory/items", params=params, headers=auth)
        assert response.status_code == 200, response.text
        return sorted(i["id"] for i in response.json()["items"])

    assert await ids(condition="used", status="in_inventory") == sorted([used_goat.id, used_in_stock.id])
    assert await ids(condition="new") == [new_stockx.id]
    assert await ids(listed_platform="goat") == [used_goat.id]
    assert await ids(listed_platform="Alias") == [used_goat.id]  # GOAT's other name
    assert await ids(listed_platform="StockX", condition="used") == []
    assert await ids(listed_platform="ebay") == []
    for params in ({"condition": "mint"}, {"listed_platform": "craigslist"}):
        bad = await client.get("/inventory/items", params=params, headers=auth)
        assert bad.status_code == 422, bad.text
        field = bad.json()["error"]["details"][0]["field"]
        assert field.endswith(next(iter(params)))


async def test_age_filters_at_the_60_day_boundary_and_sorting(
    client: httpx.AsyncClient, db: AsyncSession, auth: dict[str, str]
) -> None:
    product = await _product(db)
    fifty_nine = await make_item(db, product=product, purchased_at=days_ago(59))
    sixty = await make_item(db, product=product, purchased_at=days_ago(60))
    sixty_one = await make_item(db, product=product, purchased_at=days_ago(61))
    await db.commit()

    async def page(**params: str | int) -> dict[str, Any]:
        response = await client.get("/inventory/items", params=params, headers=auth)
        assert response.status_code == 200
        body: dict[str, Any] = response.json()
        return body

    oldest = await page()
    assert [i["id"] for i in oldest["items"]] == [sixty_one.id, sixty.id, fifty_nine.id]
    assert [i["age_days"] for i in oldest["items"]] == [61, 60, 59]
    newest = await page(sort="newest")
    assert [i["id"] for i in newest["items"]] == [fifty_nine.id, sixty.id, sixty_one.id]
    at_least_60 = await page(min_age_days=60)
    assert {i["id"] for i in at_least_60["items"]} == {sixty.id, sixty_one.id}
    at_most_60 = await page(max_age_days=60)
    assert {i["id"] for i in at_most_60["items"]} == {fifty_nine.id, sixty.id}
    exactly_60 = await page(min_age_days=60, max_age_days=60)
    assert [i["id"] for i in exactly_60["items"]] == [sixty.id]


async def test_pagination_edges(client: httpx.AsyncClient, db: AsyncSession, auth: dict[str, str]) -> None:
    product = await _product(db)
    for age in range(5):
        await make_item(db, product=product, purchased_at=days_ago(age + 1))
    await db.commit()

    for bad in ({"limit": 0}, {"limit": 501}, {"offset": -1}):
        response = await client.get("/inventory/items", params=bad, headers=auth)
        assert response.status_code == 422, bad
    first = (await client.get("/inventory/items", params={"limit": 2}, headers=auth)).json()
    second = (await client.get("/inventory/items", params={"limit": 2, "offset": 2}, headers=auth)).json()
    last = (await client.get("/inventory/items", params={"limit": 2, "offset": 4}, headers=auth)).json()
    assert first["total"] == second["total"] == last["total"] == 5
    seen = [i["id"] for p in (first, second, last) for i in p["items"]]
    assert len(seen) == len(set(seen)) == 5
    beyond = (await client.get("/inventory/items", params={"offset": 50}, headers=auth)).json()
    assert beyond == {"items": [], "total": 5, "limit": 50, "offset": 50}
    max_page = await client.get("/inventory/items", params={"limit": 500}, headers=auth)
    assert max_page.status_code == 200


@pytest.mark.parametrize("threshold", [60, 30])
async def test_dead_stock_endpoint_honours_the_threshold(
    client: httpx.AsyncClient, db: AsyncSession, auth: dict[str, str], threshold: int
) -> None:
    product = await _product(db)
    await make_item(db, product=product, purchased_at=days_ago(10), purchase_price="50")
    await make_item(db, product=product, purchased_at=days_ago(45), purchase_price="70")
    sixty = await make_item(db, product=product, purchased_at=days_ago(60), purchase_price="80")
    old = await make_item(db, product=product, purchased_at=days_ago(61), purchase_price="100")
    ancient = await make_item(
        db,
        product=product,
        purchased_at=days_ago(200),
        purchase_price="120",
        status="listed",
        listed_price=Decimal("150"),
        listed_platform="ebay",
    )
    sold_old = await make_item(db, product=product, purchased_at=days_ago(300))
    await make_order(db, item=sold_old)
    await db.commit()

    response = await client.get("/inventory/dead-stock", params={"threshold_days": threshold}, headers=auth)
    assert response.status_code == 200
    body = response.json()
    assert body["threshold_days"] == threshold
    assert {"items", "total", "limit", "offset"} <= set(body)  # the list shape of every list
    assert body["total_units"] == body["total"]
    if threshold == 60:
        assert [i["id"] for i in body["items"]] == [ancient.id, old.id]
        assert body["total"] == 2
        assert body["total_value"] == "220.00"
    else:
        assert [i["id"] for i in body["items"]] == [ancient.id, old.id, sixty.id, body["items"][3]["id"]]
        assert body["total"] == 4
        assert body["total_value"] == "370.00"

    paged = (
        await client.get(
            "/inventory/dead-stock",
            params={"threshold_days": threshold, "limit": 1, "offset": 1},
            headers=auth,
        )
    ).json()
    assert [i["id"] for i in paged["items"]] == [old.id]
    assert (paged["total"], paged["limit"], paged["offset"]) == (body["total"], 1, 1)
    assert (
        await client.get("/inventory/dead-stock", params={"threshold_days": -1}, headers=auth)
    ).status_code == 422
    other_brand = (await client.get("/inventory/dead-stock", params={"brand": "Nike"}, headers=auth)).json()
    assert other_brand["total"] == 0 and other_brand["items"] == []
    assert other_brand["total_value"] == "0.00"


async def test_odd_inputs_never_cause_a_server_error(
    client: httpx.AsyncClient, db: AsyncSession, auth: dict[str, str]
) -> None:
    item = await make_item(db, product=await _product(db))
    await db.commit()
    requests = [
        ("GET", "/inventory/items", {"min_purchase_price": "NaN"}, None),
        ("GET", "/inventory/items", {"max_purchase_price": "1e400"}, None),
        ("GET", "/inventory/items", {"q": "!!! ''; DROP TABLE products; --"}, None),
        ("GET", "/inventory/items", {"sku": "%_%", "size": "💥"}, None),
        ("GET", "/inventory/items", {"brand": "   "}, None),
        ("GET", "/inventory/items/99999999999999999999999", None, None),
        ("GET", "/inventory/dead-stock", {"threshold_days": "99999999999"}, None),
        ("GET", "/inventory/dead-stock", {"threshold_days": "36500", "q": "chicago"}, None),
        ("PATCH", f"/inventory/items/{item.id}", None, {"purchased_at": "0000-00-00"}),
        ("PATCH", f"/inventory/items/{item.id}", None, {"purchase_price": "1e20"}),
        (
            "PATCH",
            f"/inventory/items/{item.id}",
            None,
            {"status": "listed", "listed_price": "5", "listed_platform": "x" * 31},
        ),
        (
            "POST",
            "/inventory/items",
            None,
            {"sku": "DZ5485-612", "size": "10", "purchase_price": "Infinity", "purchased_at": "2025-01-01"},
        ),
        (
            "POST",
            "/inventory/items",
            None,
            {"product_id": 2**40, "size": "10", "purchase_price": 1, "purchased_at": "2025-01-01"},
        ),
        ("POST", "/inventory/items", None, [1, 2, 3]),
        ("GET", "/products", {"q": "%%%"}, None),
        ("GET", "/products/search", {"q": "ß" * 200}, None),
    ]
    for method, path, params, body in requests:
        response = await client.request(method, path, params=params, json=body, headers=auth)
        assert response.status_code < 500, (method, path, params, body, response.text)
        if response.status_code >= 400:
            assert response.json()["error"]["code"]
