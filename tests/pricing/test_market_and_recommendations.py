from __future__ import annotations

from decimal import Decimal

import httpx
from sqlalchemy.ext.asyncio import AsyncSession

from domains.pricing.service import PricingService
from domains.products.models import Product
from tests.factories import days_ago, make_brand, make_item, make_market_price, make_product, now_utc

D = Decimal


async def _product(db: AsyncSession, sku: str = "DZ5485-612") -> Product:
    brand = await make_brand(db, "Jordan")
    return await make_product(db, brand=brand, sku=sku)


async def test_market_prices_are_recorded_and_read_newest_first(
    client: httpx.AsyncClient, db: AsyncSession, auth: dict[str, str]
) -> None:
    product = await _product(db)
    await db.commit()
    for days, ask in ((3, "270"), (2, "265"), (1, "260")):
        created = await client.post(
            "/pricing/market-prices",
            json={
                "sku": "dz5485-612",
                "size": "US 10",
                "platform": "stockx",
                "observed_at": days_ago(days).isoformat(),
                "lowest_ask": ask,
            },
            headers=auth,
        )
        assert created.status_code == 201, created.text
        assert created.json()["product_id"] == product.id and created.json()["size"] == "10"
    await client.post(
        "/pricing/market-prices",
        json={"product_id": product.id, "size": "10", "platform": "goat", "last_sale": "250"},
        headers=auth,
    )

    history = await client.get(
        "/pricing/market-prices",
        params={"sku": product.sku, "size": "10", "platform": "stockx", "limit": 2},
        headers=auth,
    )
    body = history.json()
    assert body["total"] == 3 and [D(row["lowest_ask"]) for row in body["items"]] == [D("260"), D("265")]
    rest = await client.get(
        "/pricing/market-prices",
        params={"sku": product.sku, "platform": "stockx", "limit": 2, "offset": 2},
        headers=auth,
    )
    assert [D(row["lowest_ask"]) for row in rest.json()["items"]] == [D("270")]
    window = await client.get(
        "/pricing/market-prices",
        params={"sku": product.sku, "start": days_ago(2.5).isoformat(), "end": days_ago(1.5).isoformat()},
        headers=auth,
    )
    assert [D(row["lowest_ask"]) for row in window.json()["items"]] == [D("265")]

    latest = await client.get("/pricing/market-prices/latest", params={"sku": product.sku}, headers=auth)
    rows = {row["platform"]: row for row in latest.json()["items"]}
    assert D(rows["stockx"]["lowest_ask"]) == D("260") and D(rows["goat"]["last_sale"]) == D("250")
    assert latest.json()["total"] == 2


async def test_market_price_errors(client: httpx.AsyncClient, db: AsyncSession, auth: dict[str, str]) -> None:
    product = await _product(db)
    await db.commit()
    unknown = await client.post(
        "/pricing/market-prices",
        json={"sku": "NOPE-000", "size": "10", "platform": "stockx", "lowest_ask": "1"},
        headers=auth,
    )
    assert unknown.status_code == 404
    empty = await client.post(
        "/pricing/market-prices",
        json={"sku": product.sku, "size": "10", "platform": "stockx"},
        headers=auth,
    )
    assert empty.status_code == 422
    future = await client.post(
        "/pricing/market-prices",
        json={
            "sku": product.sku,
            "size": "10",
            "platform": "stockx",
            "lowest_ask": "1",
            "observed_at": "2999-01-01T00:00:00Z",
        },
        headers=auth,
    )
    assert future.status_code == 422
    naive = await client.get(
        "/pricing/market-prices", params={"sku": product.sku, "start": "2025-01-01T00:00:00"}, headers=auth
    )
    assert naive.status_code == 422
    assert (
        await client.get("/pricing/market-prices", params={"sku": "NOPE"}, headers=auth)
    ).status_code == 404
    assert (await client.get("/pricing/market-prices/latest", params={"sku": product.sku})).status_code == 401


async def _recommend(client: httpx.AsyncClient, auth: dict[str, str], item_id: int, **params: str) -> dict:
    response = await client.get(f"/pricing/recommendations/{item_id}", params=params, headers=auth)
    assert response.status_code == 200, response.text
    return response.json()


async def test_fresh_pair_is_priced_at_the_lowest_ask(
    client: httpx.AsyncClient, db: AsyncSession, auth: dict[str, str]
) -> None:
    product = await _product(db)
    item = await make_item(db, product=product, purchase_price=D("150"), purchased_at=days_ago(10))
    await make_market_price(db, product=product, lowest_ask=D("260"), observed_at=days_ago(1))
    await db.commit()
    body = await _recommend(client, auth, item.id)
    assert body["platform"] == "stockx" and body["target_margin_pct"] == 20
    assert D(body["recommended_price"]) == D("260.00")
    # StockX 9 % + 3 %: 260 - 23.40 - 7.80 = 228.80; profit 78.80 = 30.31 % of 260.
    assert D(body["expected_payout"]) == D("228.80")
    assert D(body["expected_profit"]) == D("78.80")
    assert body["expected_margin_pct"] == 30.31
    # Floor: 150 / (1 - 0.12 - 0.20) = 220.59.
    assert D(body["floor_price"]) == D("220.59")
    assert body["confidence"] == "high"
    assert D(body["market"]["lowest_ask"]) == D("260")
    text = " ".join(body["reasoning"])
    assert "lowest ask of 260.00" in text and "fees" in text and "no age markdown" in text


async def test_age_markdowns_undercut_then_go_to_the_floor(
    client: httpx.AsyncClient, db: AsyncSession, auth: dict[str, str]
) -> None:
    product = await _product(db)
    slow = await make_item(db, product=product, purchase_price=D("150"), purchased_at=days_ago(75))
    dead = await make_item(db, product=product, purchase_price=D("150"), purchased_at=days_ago(120))
    await make_market_price(db, product=product, lowest_ask=D("260"))
    await db.commit()
    undercut = await _recommend(client, auth, slow.id)
    assert D(undercut["recommended_price"]) == D("247.00")  # 5 % under 260
    assert any("undercutting" in line and "75 days" in line for line in undercut["reasoning"])
    floor = await _recommend(client, auth, dead.id)
    assert D(floor["recommended_price"]) == D(floor["floor_price"]) == D("220.59")
    assert any("floor" in line and "120 days" in line for line in floor["reasoning"])
    # At the floor the margin is the target (to the cent).
    assert floor["expected_margin_pct"] >= 20 and floor["expected_margin_pct"] < 20.05


async def test_market_below_floor_holds_at_the_floor_and_margin_and_platform_are_honoured(
    client: httpx.AsyncClient, db: AsyncSession, auth: dict[str, str]
) -> None:
    product = await _product(db)
    item = await make_item(db, product=product, purchase_price=D("200"), purchased_at=days_ago(5))
    await make_market_price(db, product=product, platform="goat", lowest_ask=D("230"))
    await db.commit()
    body = await _recommend(client, auth, item.id, platform="goat", target_margin_pct="10")
    # GOAT: (200 + 5) / (1 - 0.095 - 0.029 - 0.10) = 264.18
    assert body["platform"] == "goat" and body["target_margin_pct"] == 10
    assert D(body["floor_price"]) == D("264.18")
    assert D(body["recommended_price"]) == D("264.18")
    assert body["confidence"] == "medium"
    assert any("below the floor" in line for line in body["reasoning"])


async def test_without_market_data_the_floor_is_recommended_with_low_confidence(
    client: httpx.AsyncClient, db: AsyncSession, auth: dict[str, str]
) -> None:
    product = await _product(db)
    item = await make_item(db, product=product, purchase_price=D("100"))
    await db.commit()
    body = await _recommend(client, auth, item.id, platform="shop")
    assert body["confidence"] == "low"
    assert body["market"] == {
        "platform": None,
        "lowest_ask": None,
        "highest_bid": None,
        "last_sale": None,
        "observed_at": None,
    }
    assert D(body["recommended_price"]) == D("125.00")  # 100 / 0.8 in the own shop (no fees)
    assert any("No market data" in line for line in body["reasoning"])


async def test_recommendation_errors(
    client: httpx.AsyncClient, db: AsyncSession, auth: dict[str, str]
) -> None:
    product = await _product(db)
    sold = await make_item(db, product=product, status="sold")
    await db.commit()
    assert (await client.get("/pricing/recommendations/999999", headers=auth)).status_code == 404
    assert (await client.get(f"/pricing/recommendations/{sold.id}", headers=auth)).status_code == 409
    too_high = await client.get(
        f"/pricing/recommendations/{sold.id}", params={"target_margin_pct": "96"}, headers=auth
    )
    assert too_high.status_code == 422
    assert (await client.get(f"/pricing/recommendations/{sold.id}")).status_code == 401
    huge = await client.get(f"/pricing/recommendations/{2**70}", headers=auth)
    assert huge.status_code == 422


async def test_listings_compare_listed_price_with_the_lowest_ask(
    client: httpx.AsyncClient, db: AsyncSession, auth: dict[str, str]
) -> None:
    product = await _product(db)
    above = await make_item(
        db, product=product, size="10", status="listed", listed_price=D("280"), listed_platform="stockx"
    )
    await make_item(
        db, product=product, size="11", status="listed", listed_price=D("200"), listed_platform="goat"
    )
    await make_item(db, product=product, size="12")  # not listed
    await make_market_price(db, product=product, size="10", platform="stockx", lowest_ask=D("260"))
    await make_market_price(db, product=product, size="10", platform="goat", lowest_ask=D("240"))
    await db.commit()
    response = await client.get("/pricing/listings", headers=auth)
    body = response.json()
    assert body["total"] == 2
    rows = {row["item_id"]: row for row in body["items"]}
    first = rows[above.id]
    assert first["market_platform"] == "stockx"  # same platform as the listing
    assert D(first["difference"]) == D("20.00") and first["position"] == "above_market"
    other = next(row for row in body["items"] if row["item_id"] != above.id)
    assert other["position"] == "no_market_data" and other["lowest_ask"] is None
    page = await client.get("/pricing/listings", params={"limit": 1, "offset": 1}, headers=auth)
    assert len(page.json()["items"]) == 1 and page.json()["total"] == 2


async def test_latest_market_prices_through_the_service(db: AsyncSession) -> None:
    product = await _product(db)
    await make_market_price(db, product=product, size="9", lowest_ask=D("300"), observed_at=days_ago(5))
    await make_market_price(db, product=product, size="9", lowest_ask=D("290"), observed_at=days_ago(1))
    await make_market_price(db, product=product, size="10", lowest_ask=D("250"), observed_at=days_ago(2))
    service = PricingService(db, now=now_utc())
    latest = await service.latest_market_prices(product_id=product.id)
    assert {(row.size, row.lowest_ask) for row in latest} == {("9", D("290")), ("10", D("250"))}
    only_nine = await service.latest_market_prices(product_id=product.id, size="9", platform="stockx")
    assert [row.lowest_ask for row in only_nine] == [D("290")]
