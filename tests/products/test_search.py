from __future__ import annotations

import httpx
import pytest
from sqlalchemy.ext.asyncio import AsyncSession

from domains.inventory.service import InventoryService
from domains.products.models import Product
from domains.products.service import ProductService
from tests.factories import make_brand, make_item, make_order, make_product
from tests.products.catalogue import make_catalogue


@pytest.mark.parametrize(
    ("query", "expected_sku"),
    [
        ("jordan 1 chicago", "DZ5485-612"),
        ("aj1 chicago", "DZ5485-612"),
        ("Jordan 1 Chicgo", "DZ5485-612"),  # typo
        ("chicago lost and found", "DZ5485-612"),
        ("dunk low panda", "DD1391-100"),
        ("nike dunk lo panda", "DD1391-100"),
        ("jordan 11 concord", "378037-100"),
        ("jordn 11 concrd", "378037-100"),  # two typos
        ("af1 triple white", "CW2288-111"),
        ("nb 550", "BB550WT1"),
        ("yeezy 350 zebra", "CP9654"),
        ("DZ5485-612", "DZ5485-612"),
        ("dz5485612", "DZ5485-612"),
        ("DZ5485 612", "DZ5485-612"),
    ],
)
async def test_search_ranks_the_meant_product_first(db: AsyncSession, query: str, expected_sku: str) -> None:
    await make_catalogue(db)
    matches = await ProductService(db).search_products(query=query)
    assert matches, query
    assert matches[0].sku == expected_sku
    if len(matches) > 1:
        assert matches[0].score > matches[1].score


async def test_exact_sku_scores_100_and_scores_are_percentages(db: AsyncSession) -> None:
    await make_catalogue(db)
    service = ProductService(db)
    exact = await service.search_products(query="dd1391-100")
    assert exact[0].sku == "DD1391-100"
    assert exact[0].score == 100.0
    loose = await service.search_products(query="dunk", limit=10)
    assert {m.sku for m in loose} == {"DD1391-100", "DD1399-105"}
    assert all(0 <= m.score <= 100 for m in loose)


async def test_number_words_must_match_exactly(db: AsyncSession) -> None:
    """'jordan 1' is not the Jordan 11, and 'jordan 11' is not the Jordan 1."""
    await make_catalogue(db)
    service = ProductService(db)
    ones = await service.search_products(query="jordan 1 chicago")
    assert "378037-100" not in {m.sku for m in ones[:1]}
    elevens = await service.search_products(query="jordan 11")
    assert elevens[0].sku == "378037-100"
    assert all(m.score < elevens[0].score for m in elevens[1:])


async def test_unrelated_query_finds_nothing_and_brand_filter_narrows(db: AsyncSession) -> None:
    await make_catalogue(db)
    service = ProductService(db)
    assert await service.search_products(query="xylophone quartz") == []
    assert await service.search_products(query="panda", brand="Jordans") == []
    assert (await service.search_products(query="panda", brand="nike"))[0].sku == "DD1391-100"
    assert await service.search_products(query="panda", brand="No Such Brand") == []
    assert await service.search_products(query="   ") == []
    limited = await service.search_products(query="jordan", limit=2)
    assert len(limited) == 2


@pytest.mark.parametrize(
    ("spoken", "brand"),
    [
        ("Jordans", "Jordan"),
        ("jordan", "Jordan"),
        ("Air Jordan", "Jordan"),
        ("nike's", "Nike"),
        ("NIKE", "Nike"),
        ("new balance", "New Balance"),
        ("NB", "New Balance"),
        ("newbalance", "New Balance"),
        ("adidas originals", "Adidas"),
        ("adidass", "Adidas"),
        ("yeezys", "Yeezy"),
    ],
)
async def test_find_brand_understands_how_people_say_it(db: AsyncSession, spoken: str, brand: str) -> None:
    await make_catalogue(db)
    from tests.factories import make_brand

    await make_brand(db, "Adidas")
    found = await ProductService(db).find_brand(spoken)
    assert found is not None
    assert found.name == brand


async def test_find_brand_returns_none_for_unknown_brands(db: AsyncSession) -> None:
    await make_catalogue(db)
    service = ProductService(db)
    assert await service.find_brand("Puma") is None
    assert await service.find_brand("") is None
    assert await service.find_brand("Ni") is None


async def test_search_endpoint_returns_ranked_matches_with_scores(
    client: httpx.AsyncClient, db: AsyncSession, auth: dict[str, str]
) -> None:
    products = await make_catalogue(db)
    await db.commit()
    response = await client.get("/products/search", params={"q": "jordan 1 chicago"}, headers=auth)
    assert response.status_code == 200
    body = response.json()
    assert body[0]["sku"] == "DZ5485-612"
    assert body[0]["product_id"] == products["DZ5485-612"].id
    assert body[0]["brand"] == "Jordan"
    assert [m["score"] for m in body] == sorted((m["score"] for m in body), reverse=True)

    assert (await client.get("/products/search", params={"q": ""}, headers=auth)).status_code == 422
    assert (
        await client.get("/products/search", params={"q": "x", "limit": 51}, headers=auth)
    ).status_code == 422
    assert (await client.get("/products/search", params={"q": "jordan"})).status_code == 401


async def _panda_pair(db: AsyncSession) -> tuple[Product, Product]:
    """Two models whose names match "panda dunk" equally well."""
    nike = await make_brand(db, "Nike")
    high = await make_product(
        db, brand=nike, sku="DD1399-105", name='Dunk High "Panda"', colorway="White/Black"
    )
    low = await make_product(
        db, brand=nike, sku="DD1391-100", name='Dunk Low "Panda"', colorway="White/Black"
    )
    return high, low


async def test_equal_matches_prefer_the_model_the_shop_sells_and_stocks_most(db: AsyncSession) -> None:
    """Resellers saying "panda dunk" mean the popular one: on a tie, most pairs sold plus in stock wins."""
    high, low = await _panda_pair(db)
    for _ in range(2):  # the Low: two pairs sold, one in stock
        await make_order(db, item=await make_item(db, product=low))
    await make_item(db, product=low)
    await make_item(db, product=high)  # the High: one pair in stock
    catalogue = ProductService(db, popularity=InventoryService(db))  # as the API and the assistant build it
    matches = await catalogue.search_products(query="panda dunk", limit=5)
    assert [m.sku for m in matches[:2]] == ["DD1391-100", "DD1399-105"]
    assert matches[0].score == matches[1].score  # a real tie, decided by popularity
    first = await catalogue.search_products(query="panda dunk", limit=1)
    assert [m.sku for m in first] == ["DD1391-100"]


async def test_popularity_never_beats_a_better_match(db: AsyncSession) -> None:
    high, low = await _panda_pair(db)
    for _ in range(3):  # the Low sells far more, but "dunk high panda" names the High
        await make_order(db, item=await make_item(db, product=low))
    matches = await ProductService(db, popularity=InventoryService(db)).search_products(
        query="dunk high panda"
    )
    assert matches[0].sku == high.sku
    assert matches[0].score > matches[1].score


async def test_the_popular_model_also_leads_the_product_list(
    client: httpx.AsyncClient, db: AsyncSession, auth: dict[str, str]
) -> None:
    high, _low = await _panda_pair(db)
    await make_order(db, item=await make_item(db, product=high))
    await db.commit()
    response = await client.get("/products", params={"q": "panda dunk"}, headers=auth)
    assert response.status_code == 200
    assert [p["sku"] for p in response.json()["items"]][:2] == ["DD1399-105", "DD1391-100"]
