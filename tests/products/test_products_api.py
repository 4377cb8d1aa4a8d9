from __future__ import annotations

import httpx
import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from domains.products.models import Brand, Product
from tests.factories import make_brand, make_item, make_order, make_product
from tests.products.catalogue import make_catalogue


async def test_every_products_endpoint_needs_a_token(client: httpx.AsyncClient) -> None:
    for method, path in [
        ("GET", "/products"),
        ("POST", "/products"),
        ("GET", "/products/1"),
        ("GET", "/products/brands"),
        ("POST", "/products/brands"),
        ("GET", "/products/search?q=dunk"),
    ]:
        response = await client.request(method, path)
        assert response.status_code == 401, (method, path)
        assert response.json()["error"]["code"] == "unauthorized"


async def test_create_product_creates_its_brand_once_and_refuses_duplicate_sku(
    client: httpx.AsyncClient, db: AsyncSession, auth: dict[str, str]
) -> None:
    body = {
        "sku": "dz5485-612",
        "name": "Air Jordan 1 High Chicago",
        "brand": "Jordan",
        "retail_price": "180",
    }
    created = await client.post("/products", json=body, headers=auth)
    assert created.status_code == 201
    product = created.json()
    assert product["sku"] == "DZ5485-612"
    assert product["brand"] == "Jordan"
    assert product["retail_price"] == "180.00"

    second = await client.post(
        "/products", json={**body, "sku": "555088-101", "brand": "jordans"}, headers=auth
    )
    assert second.status_code == 201
    assert second.json()["brand_id"] == product["brand_id"]
    assert await db.scalar(select(func.count()).select_from(Brand)) == 1

    duplicate = await client.post("/products", json={**body, "sku": "DZ5485-612 "}, headers=auth)
    assert duplicate.status_code == 409
    assert duplicate.json()["error"]["code"] == "duplicate_sku"
    assert await db.scalar(select(func.count()).select_from(Product)) == 2


async def test_create_product_validation_names_the_fields(
    client: httpx.AsyncClient, auth: dict[str, str]
) -> None:
    response = await client.post(
        "/products", json={"sku": "   ", "name": "X", "brand": "Nike", "retail_price": -1}, headers=auth
    )
    assert response.status_code == 422
    fields = {d["field"] for d in response.json()["error"]["details"]}
    assert {"body.sku", "body.retail_price"} <= fields

    missing = await client.post("/products", json={"sku": "ABC123"}, headers=auth)
    assert missing.status_code == 422
    assert {"body.name", "body.brand"} <= {d["field"] for d in missing.json()["error"]["details"]}


async def test_get_product_counts_only_pairs_in_inventory(
    client: httpx.AsyncClient, db: AsyncSession, auth: dict[str, str]
) -> None:
    brand = await make_brand(db, "Nike")
    product = await make_product(db, brand=brand, sku="DD1391-100", name="Dunk Low Retro")
    await make_item(db, product=product)
    await make_item(db, product=product, status="listed", listed_price=None)
    sold = await make_item(db, product=product)
    await make_order(db, item=sold)
    await db.commit()

    response = await client.get(f"/products/{product.id}", headers=auth)
    assert response.status_code == 200
    body = response.json()
    assert body["sku"] == "DD1391-100"
    assert body["brand"] == "Nike"
    assert body["units_in_inventory"] == 2

    missing = await client.get("/products/999999", headers=auth)
    assert missing.status_code == 404
    assert missing.json()["error"]["code"] == "product_not_found"
    assert (await client.get("/products/abc", headers=auth)).status_code == 422
    assert (await client.get("/products/99999999999999999999", headers=auth)).status_code == 422


async def test_list_products_by_brand_and_fuzzy_query_with_pagination(
    client: httpx.AsyncClient, db: AsyncSession, auth: dict[str, str]
) -> None:
    await make_catalogue(db)
    await db.commit()

    everything = (await client.get("/products", params={"limit": 3}, headers=auth)).json()
    assert everything["total"] == 8
    assert len(everything["items"]) == 3
    assert everything["limit"] == 3 and everything["offset"] == 0

    jordans = (await client.get("/products", params={"brand": "jordans"}, headers=auth)).json()
    assert jordans["total"] == 3
    assert {p["brand"] for p in jordans["items"]} == {"Jordan"}

    ranked = (await client.get("/products", params={"q": "dunk low panda"}, headers=auth)).json()
    assert ranked["items"][0]["sku"] == "DD1391-100"

    beyond = (await client.get("/products", params={"offset": 100}, headers=auth)).json()
    assert beyond["items"] == [] and beyond["total"] == 8

    unknown_brand = (await client.get("/products", params={"brand": "Puma"}, headers=auth)).json()
    assert unknown_brand == {"items": [], "total": 0, "limit": 50, "offset": 0}


@pytest.mark.parametrize("params", [{"limit": 0}, {"limit": 501}, {"offset": -1}, {"limit": "ten"}])
async def test_products_pagination_out_of_range_is_422(
    client: httpx.AsyncClient, auth: dict[str, str], params: dict[str, str | int]
) -> None:
    response = await client.get("/products", params=params, headers=auth)
    assert response.status_code == 422
    assert response.json()["error"]["details"][0]["field"].startswith("query.")


async def test_brands_list_create_and_duplicate(
    client: httpx.AsyncClient, db: AsyncSession, auth: dict[str, str]
) -> None:
    await make_brand(db, "Nike")
    await db.commit()
    created = await client.post("/products/brands", json={"name": "New Balance"}, headers=auth)
    assert created.status_code == 201
    assert created.json()["slug"] == "new-balance"

    duplicate = await client.post("/products/brands", json={"name": "new balance"}, headers=auth)
    assert duplicate.status_code == 409
    assert duplicate.json()["error"]["code"] == "duplicate_brand"
    assert (await client.post("/products/brands", json={"name": ""}, headers=auth)).status_code == 422
    assert (await client.post("/products/brands", json={"name": "!!!"}, headers=auth)).status_code == 422

    brands = (await client.get("/products/brands", headers=auth)).json()
    assert [b["name"] for b in brands] == ["New Balance", "Nike"]
