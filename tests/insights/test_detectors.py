"""Every insight's figures, through GET /ai/insights, against the raw rows (tests/insights/oracle.py)."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from decimal import Decimal
from typing import Any

import httpx
from sqlalchemy.ext.asyncio import AsyncSession

from domains.ai.memory.models import MemoryFact
from domains.auth.models import User
from domains.pricing.models import FeeSchedule
from tests.factories import (
    days_ago,
    make_brand,
    make_item,
    make_market_price,
    make_order,
    make_product,
    now_utc,
)
from tests.insights import oracle


async def insights(client: httpx.AsyncClient, auth: dict[str, str], **params: Any) -> list[dict[str, Any]]:
    response = await client.get("/ai/insights", headers=auth, params=params)
    assert response.status_code == 200, response.text
    items: list[dict[str, Any]] = response.json()["items"]
    return items


def only(items: list[dict[str, Any]], kind: str) -> dict[str, Any]:
    found = [i for i in items if i["type"] == kind]
    assert len(found) == 1, [i["type"] for i in items]
    return found[0]


async def remember(db: AsyncSession, user: User, kind: str, value: Any) -> None:
    db.add(MemoryFact(user_id=user.id, kind=kind, value=value, text=f"{kind} = {value}"))
    await db.commit()


async def test_dead_stock_crossed_counts_pairs_that_passed_the_users_threshold_today(
    client: httpx.AsyncClient, db: AsyncSession, auth: dict[str, str], user: User
) -> None:
    brand = await make_brand(db)
    product = await make_product(db, brand=brand)
    await remember(db, user, "dead_stock_threshold", 45)  # the user's own line, not the default 60
    crossed = [
        await make_item(db, product=product, purchased_at=days_ago(46.5), purchase_price="120.00"),
        await make_item(
            db,
            product=product,
            purchased_at=days_ago(46.2),
            purchase_price="80.50",
            status="listed",
            listed_price=Decimal("200.00"),
            listed_platform="stockx",
        ),
    ]
    await make_item(db, product=product, purchased_at=days_ago(45.5))  # age 45: not past the line
    await make_item(db, product=product, purchased_at=days_ago(47.5))  # crossed a day earlier
    sold = await make_item(db, product=product, purchased_at=days_ago(46.5))
    await make_order(db, item=sold, sold_at=days_ago(1))
    await db.commit()

    found = only(await insights(client, auth), "dead_stock_crossed")

    expected = await oracle.dead_stock_between(db, now=now_utc(), threshold=45, days=1)
    assert expected.item_ids == {i.id for i in crossed}
    assert found["figures"]["units"] == expected.units == 2
    assert Decimal(found["figures"]["value"]) == expected.value == Decimal("200.50")
    assert found["figures"]["threshold_days"] == 45
    assert {p["item_id"] for p in found["figures"]["pairs"]} == expected.item_ids
    assert found["figures"]["total_dead_units"] == 3
    assert found["severity"] == "warning"
    assert "45" in found["headline"] and "200.50" in found["headline"]
    assert found["follow_up"] == "Which pairs are older than 45 days?"
    assert found["sources"][0]["facts_used"][0]["kind"] == "dead_stock_threshold"


async def test_listings_above_the_newest_lowest_ask_and_below_cost_after_fees(
    client: httpx.AsyncClient, db: AsyncSession, auth: dict[str, str]
) -> None:
    brand = await make_brand(db)
    product = await make_product(db, brand=brand)
    other = await make_product(db, brand=brand, name="Dunk Low Panda")
    # StockX ask for size 10 was 400 a week ago; the newest is 250: 300 is 20 % above it.
    await make_market_price(
        db, product=product, size="10", platform="stockx", observed_at=days_ago(7), lowest_ask="400.00"
    )
    await make_market_price(
        db, product=product, size="10", platform="stockx", observed_at=days_ago(1), lowest_ask="250.00"
    )
    await make_market_price(
        db, product=product, size="10", platform="goat", observed_at=days_ago(1), lowest_ask="100.00"
    )
    await make_market_price(
        db, product=other, size="9", platform="stockx", observed_at=days_ago(1), lowest_ask="150.00"
    )
    high = await make_item(
        db,
        product=product,
        size="10",
        purchase_price="150.00",
        status="listed",
        listed_price=Decimal("300.00"),
        listed_platform="stockx",
    )
    await make_item(
        db,
        product=product,
        size="10",
        purchase_price="150.00",
        status="listed",
        listed_price=Decimal("270.00"),
        listed_platform="stockx",
    )  # 8 % above: fine
    # Listed at 160 on StockX (9 % + 3 %): payout 140.80 < 150 cost; market 150 -> 6.7 % above, fine.
    loss = await make_item(
        db,
        product=other,
        size="9",
        purchase_price="150.00",
        status="listed",
        listed_price=Decimal("160.00"),
        listed_platform="stockx",
    )
    await db.commit()

    items = await insights(client, auth)

    above = only(items, "listing_above_market")
    expected = await oracle.listings_above_market(db, pct=10.0)
    assert expected.item_ids == {high.id}
    assert above["figures"]["units"] == expected.units == 1
    assert Decimal(above["figures"]["listed_value"]) == expected.value == Decimal("300.00")
    assert Decimal(above["figures"]["above_ask"]) == expected.gap == Decimal("50.00")
    assert above["figures"]["pairs"][0]["market_price"] == "250.00"

    below = only(items, "listing_below_cost")
    expected = await oracle.listings_below_cost(db, now=now_utc())
    assert expected.item_ids == {loss.id}
    assert below["severity"] == "critical"
    assert below["figures"]["units"] == expected.units == 1
    assert Decimal(below["figures"]["loss"]) == expected.gap == Decimal("9.20")
    assert Decimal(below["figures"]["pairs"][0]["net_after_fees"]) == Decimal("140.80")


async def test_underwater_stock_uses_the_best_platform_after_its_fees(
    client: httpx.AsyncClient, db: AsyncSession, auth: dict[str, str]
) -> None:
    brand = await make_brand(db)
    product = await make_product(db, brand=brand)
    # Newest last sales: StockX 250 -> 220.00 after 9 % + 3 %; GOAT 260 -> 222.76 after 9.5 % + 5 + 2.9 %.
    await make_market_price(
        db, product=product, platform="stockx", observed_at=days_ago(2), last_sale="250.00"
    )
    await make_market_price(db, product=product, platform="goat", observed_at=days_ago(2), last_sale="260.00")
    await make_market_price(
        db, product=product, platform="goat", observed_at=days_ago(20), last_sale="400.00"
    )
    under = await make_item(db, product=product, purchase_price="300.00")
    await make_item(db, product=product, purchase_price="200.00")  # the market still pays it back
    await make_item(db, product=product, size="12", purchase_price="900.00")  # no market data: not judged
    await db.commit()

    found = only(await insights(client, auth), "underwater_stock")

    expected = await oracle.underwater(db, now=now_utc())
    assert expected.item_ids == {under.id}
    assert found["figures"]["units"] == expected.units == 1
    assert Decimal(found["figures"]["cost"]) == expected.value == Decimal("300.00")
    assert Decimal(found["figures"]["shortfall"]) == expected.gap == Decimal("77.24")
    assert found["figures"]["pairs"][0]["market_platform"] == "goat"


async def test_sales_of_the_last_7_days_against_the_median_week(
    client: httpx.AsyncClient, db: AsyncSession, auth: dict[str, str]
) -> None:
    brand = await make_brand(db)
    product = await make_product(db, brand=brand)
    midnight = datetime.combine(now_utc().date(), time.min, tzinfo=UTC)

    async def sell(at: datetime, price: str) -> None:
        item = await make_item(
            db, product=product, purchased_at=at - timedelta(days=3), purchase_price="100.00"
        )
        await make_order(
            db, item=item, sold_at=at, sale_price=price, platform_fee="10.00", processing_fee="5.00"
        )

    for week in range(1, 9):  # 4 pairs a week in the 8 weeks before (one week 6: the median is 4)
        for n in range(6 if week == 3 else 4):
            await sell(midnight - timedelta(days=7 * week + 2, hours=n), "200.00")
    await sell(midnight - timedelta(days=2), "200.00")  # the last 7 days: 1 pair
    await db.commit()

    found = {
        i["figures"]["metric"]: i for i in await insights(client, auth) if i["type"] == "sales_vs_baseline"
    }

    weeks = await oracle.weekly_sales(db, now=now_utc())
    assert set(found) == {"orders", "revenue", "profit"}
    for metric, insight in found.items():
        current, baseline, change = oracle.baseline_change(weeks[metric])
        figures = insight["figures"]
        assert Decimal(str(figures["last_7_days"])) == current
        assert Decimal(str(figures["baseline_median"])) == baseline
        assert figures["change_pct"] == round(change, 2) == -75.0
        assert insight["severity"] == "critical"  # a drop of at least twice the 25 % threshold
    assert Decimal(found["revenue"]["figures"]["last_7_days"]) == Decimal("200.00")
    assert Decimal(found["profit"]["figures"]["baseline_median"]) == Decimal("340.00")


async def test_no_baseline_insight_when_the_change_stays_under_the_threshold(
    client: httpx.AsyncClient, db: AsyncSession, auth: dict[str, str]
) -> None:
    brand = await make_brand(db)
    product = await make_product(db, brand=brand)
    midnight = datetime.combine(now_utc().date(), time.min, tzinfo=UTC)
    for week in range(0, 9):  # 2 pairs in every week, the last 7 days included: no change
        for n in range(2):
            item = await make_item(db, product=product, purchased_at=days_ago(80))
            await make_order(db, item=item, sold_at=midnight - timedelta(days=7 * week + 3, hours=n))
    await db.commit()
    assert [i for i in await insights(client, auth) if i["type"] == "sales_vs_baseline"] == []


async def test_best_sellers_running_low(
    client: httpx.AsyncClient, db: AsyncSession, auth: dict[str, str]
) -> None:
    brand = await make_brand(db)
    runner = await make_product(db, brand=brand, name="Samba OG White")
    stocked = await make_product(db, brand=brand, name="Gazelle Indoor")
    for product, sold, held in ((runner, 5, 1), (stocked, 6, 3)):
        for _ in range(sold):
            item = await make_item(db, product=product, purchased_at=days_ago(30))
            await make_order(db, item=item, sold_at=days_ago(10))
        for _ in range(held):
            await make_item(db, product=product, purchased_at=days_ago(5))
    old = await make_item(
        db, product=await make_product(db, brand=brand, name="Old Runner"), purchased_at=days_ago(200)
    )
    await make_order(db, item=old, sold_at=days_ago(120))  # sold before the 90 days: not a best seller
    await db.commit()

    found = only(await insights(client, auth), "best_sellers_low_stock")

    expected = await oracle.sold_and_on_hand(db, now=now_utc())
    low = {sku for sku, (_sold, held) in expected.items() if held <= 1}
    assert {row["sku"] for row in found["figures"]["items"]} == low == {runner.sku}
    row = found["figures"]["items"][0]
    assert (row["units_sold_90d"], row["units_in_inventory"]) == expected[runner.sku] == (5, 1)
    assert "Samba OG White" in found["headline"]


async def test_fee_change_that_takes_effect_soon(
    client: httpx.AsyncClient, db: AsyncSession, auth: dict[str, str]
) -> None:
    db.add(
        FeeSchedule(
            platform="stockx",
            valid_from=now_utc() + timedelta(days=5, hours=1),
            commission_pct=Decimal("10"),
            fixed_fee=Decimal("0"),
            processing_pct=Decimal("3"),
            min_commission=Decimal("0"),
        )
    )
    db.add(
        FeeSchedule(
            platform="goat",
            valid_from=now_utc() + timedelta(days=40),
            commission_pct=Decimal("20"),
            fixed_fee=Decimal("5"),
            processing_pct=Decimal("2.9"),
            min_commission=Decimal("0"),
        )
    )
    await db.commit()

    items = [i for i in await insights(client, auth) if i["type"] == "fee_change_soon"]

    assert len(items) == 1  # GOAT's change is 40 days away: past the 14-day notice
    figures = items[0]["figures"]
    assert figures["platform"] == "stockx" and figures["days_until"] == 5
    assert (figures["current"]["commission_pct"], figures["upcoming"]["commission_pct"]) == ("9", "10")
    assert figures["costs_more"] is True and items[0]["severity"] == "warning"
    assert "StockX" in items[0]["headline"]


async def test_an_empty_business_has_nothing_to_report(
    client: httpx.AsyncClient, auth: dict[str, str]
) -> None:
    assert await insights(client, auth) == []
