"""The demo data: a small load must already look like the business the demo promises."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import select, text
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

from domains.inventory.models import InventoryItem
from domains.orders.models import Order
from domains.pricing.fees import compute_fees
from domains.pricing.models import FeeSchedule
from scripts.demo_data import DemoDataExists, load_demo_data, run
from tests.factories import demo_login

# A Wednesday afternoon: "today" and "this week" both have room for sales.
NOW = datetime(2026, 3, 18, 15, 30, tzinfo=UTC)
ITEMS = 300


async def _load(app: FastAPI, **overrides: Any) -> Any:
    options: dict[str, Any] = {"items": ITEMS, "seed": 7, "now": NOW, "progress": False}
    options.update(overrides)
    return await load_demo_data(app.state.engine, settings=app.state.settings, **options)


async def _rows(engine: AsyncEngine, sql: str) -> list[tuple[Any, ...]]:
    async with engine.connect() as conn:
        return [tuple(r) for r in await conn.execute(text(sql))]


async def _dump(engine: AsyncEngine) -> dict[str, list[tuple[Any, ...]]]:
    return {
        table: await _rows(engine, f"SELECT * FROM {table} ORDER BY id")
        for table in ("brands", "products", "inventory_items", "orders", "market_prices")
    }


async def test_demo_user_can_log_in(db: AsyncSession, client: httpx.AsyncClient, app: FastAPI) -> None:
    summary = await _load(app)
    response = await demo_login(client, app)
    assert response.status_code == 200, response.text
    me = await client.get("/auth/me", headers={"Authorization": f"Bearer {response.json()['access_token']}"})
    assert me.json()["email"] == summary.demo_user_email == "demo@soleflip.dev"


async def test_same_seed_and_now_give_identical_rows(db: AsyncSession, app: FastAPI) -> None:
    first_summary = await _load(app)
    first = await _dump(app.state.engine)
    second_summary = await _load(app, reset=True)
    second = await _dump(app.state.engine)
    assert first == second
    assert (first_summary.sold, first_summary.revenue, first_summary.profit) == (
        second_summary.sold,
        second_summary.revenue,
        second_summary.profit,
    )
    await _load(app, reset=True, seed=8)
    assert (await _dump(app.state.engine))["inventory_items"] != first["inventory_items"]


async def test_a_second_load_refuses_to_mix_with_existing_data(db: AsyncSession, app: FastAPI) -> None:
    await _load(app)
    with pytest.raises(DemoDataExists):
        await _load(app)


async def test_if_empty_loads_only_into_an_empty_database(db: AsyncSession, app: FastAPI) -> None:
    """What `make run` relies on: every start calls the loader, only the first one loads."""
    options: dict[str, Any] = {
        "items": 60,
        "seed": 3,
        "if_empty": True,
        "reset": False,
        "now": NOW,
        "progress": False,
    }
    first = await run(database_url=app.state.settings.DATABASE_URL, **options)
    again = await run(database_url=app.state.settings.DATABASE_URL, **options)
    assert (first.skipped, first.items) == (False, 60)
    assert again.skipped
    assert (await _rows(app.state.engine, "SELECT count(*) FROM inventory_items")) == [(60,)]


async def test_every_sale_is_one_order_with_the_fee_schedule_payout(db: AsyncSession, app: FastAPI) -> None:
    summary = await _load(app)
    items = {i.id: i for i in (await db.execute(select(InventoryItem))).scalars()}
    orders = list((await db.execute(select(Order))).scalars())
    # The versions in force at the load's time (the demo also announces a future StockX version).
    in_force = select(FeeSchedule).where(FeeSchedule.valid_from <= NOW).order_by(FeeSchedule.valid_from)
    schedules = {s.platform: s for s in (await db.execute(in_force)).scalars()}

    sold_ids = {i.id for i in items.values() if i.status == "sold"}
    assert sorted(o.inventory_item_id for o in orders) == sorted(sold_ids)
    assert len(orders) == summary.orders == summary.sold
    for order in orders:
        item = items[order.inventory_item_id]
        assert (
            order.payout == order.sale_price - order.platform_fee - order.processing_fee - order.shipping_cost
        )
        fees = compute_fees(
            schedules[order.platform], sale_price=order.sale_price, shipping_cost=order.shipping_cost
        )
        assert (order.platform_fee, order.processing_fee, order.payout) == (
            fees.platform_fee,
            fees.processing_fee,
            fees.payout,
        )
        assert order.purchase_price == item.purchase_price
        assert order.product_id == item.product_id
        assert item.purchased_at <= order.sold_at <= NOW
    bought_below_sale = sum(o.purchase_price < o.sale_price for o in orders)
    assert bought_below_sale >= 0.9 * len(orders)
    assert {o.platform for o in orders} == {"stockx", "goat", "ebay", "klekt", "shop", "local"}
    revenue = sum((o.sale_price for o in orders), Decimal(0))
    profit = sum((o.payout - o.purchase_price for o in orders), Decimal(0))
    assert 10 <= profit / revenue * 100 <= 30
    assert 0.55 <= len(orders) / len(items) <= 0.8


async def test_sales_cover_today_this_week_and_each_of_the_last_twelve_months(
    db: AsyncSession, app: FastAPI
) -> None:
    await _load(app)
    sold_at = list((await db.execute(select(Order.sold_at))).scalars())
    midnight = NOW.replace(hour=0, minute=0, second=0)
    monday = midnight - timedelta(days=NOW.weekday())
    assert sum(midnight <= t <= NOW for t in sold_at) >= 3
    assert sum(monday <= t <= NOW for t in sold_at) >= 3
    months = {(t.year, t.month) for t in sold_at}
    year, month = NOW.year, NOW.month
    for _ in range(13):  # this month and the twelve before it
        assert (year, month) in months
        year, month = (year - 1, 12) if month == 1 else (year, month - 1)
    held = (await db.execute(select(Order.sold_at, InventoryItem.purchased_at).join(InventoryItem))).all()
    fast = sum(sold - bought < timedelta(days=3) for sold, bought in held)
    assert fast >= 2


async def test_inventory_has_dead_stock_and_priced_listings(db: AsyncSession, app: FastAPI) -> None:
    summary = await _load(app)
    unsold = list((await db.execute(select(InventoryItem).where(InventoryItem.status != "sold"))).scalars())
    ages = [(NOW - i.purchased_at).days for i in unsold]
    assert sum(a > 60 for a in ages) >= 3 and sum(a > 90 for a in ages) >= 3
    assert sum(a > 60 for a in ages) == summary.dead_stock
    listed = [i for i in unsold if i.status == "listed"]
    assert listed and len(listed) == summary.listed
    for item in listed:
        assert item.listed_price is not None and item.listed_price > item.purchase_price
        assert item.listed_platform and item.listed_at is not None
        assert item.purchased_at <= item.listed_at <= NOW
    assert all(i.listed_price is None for i in unsold if i.status == "in_stock")
    assert max(i.purchased_at for i in unsold) <= NOW
    sizes = {i.size for i in unsold}
    assert sizes <= {f"{s / 2:g}" for s in range(8, 29)}


async def test_the_api_can_add_rows_after_a_load(db: AsyncSession, app: FastAPI) -> None:
    await _load(app)
    item = InventoryItem(
        product_id=1, size="10", purchase_price=Decimal("100"), purchased_at=NOW, status="in_stock"
    )
    db.add(item)
    await db.flush()
    assert item.id == ITEMS + 1
    await db.rollback()


@pytest.mark.postgresql_only  # SQLite keeps rows in rowid order; its demo scale is a few thousand pairs
async def test_pairs_and_orders_lie_on_disk_in_the_order_the_business_wrote_them(
    db: AsyncSession, app: FastAPI
) -> None:
    """A day of sales is a few neighbouring pages, as in a real orders table, not one page per
    order spread over the whole table (PostgreSQL: the raw reads of the semantic query's edge days)."""
    await _load(app)
    for table, column in (("inventory_items", "purchased_at"), ("orders", "sold_at")):
        on_disk = [r[0] for r in await _rows(app.state.engine, f"SELECT {column} FROM {table} ORDER BY ctid")]
        assert len(on_disk) > 100
        assert on_disk == sorted(on_disk), f"{table} is not in {column} order on disk"
