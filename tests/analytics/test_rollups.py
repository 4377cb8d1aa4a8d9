"""The trigger-maintained daily rollups equal a fresh GROUP BY over the raw rows after every kind
of write the API makes, and the KPIs read from them still match the plain-Python oracle."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from decimal import Decimal
from typing import Any

import httpx
from sqlalchemy import delete, insert, select, text, update
from sqlalchemy.ext.asyncio import AsyncSession

from domains.analytics import windows
from domains.analytics.models import (
    ProductSalesDaily,
    PurchasesDaily,
    SalesDaily,
    StockByProductSize,
    StockDaily,
)
from domains.analytics.rollups import ROLLUPS, disable_rollup_triggers, rebuild_rollups, rollup_queries
from domains.analytics.service import AnalyticsService
from domains.inventory.models import InventoryItem
from domains.orders.models import Order
from tests.analytics import oracle
from tests.factories import days_ago, make_brand, make_item, make_order, make_product, now_utc


def _normal(row: Any) -> tuple[Any, ...]:
    """Keys as they are; money to cents; day sums to 1e-6 days (floats summed in another order)."""
    values: list[Any] = []
    for value in row:
        if isinstance(value, float):
            values.append(round(value, 6))
        elif isinstance(value, Decimal) or (isinstance(value, int | float) and not isinstance(value, bool)):
            values.append(Decimal(str(value)).quantize(Decimal("0.01")))
        else:
            values.append(str(value))
    return tuple(values)


async def rollup_rows(session: AsyncSession) -> dict[str, set[tuple[Any, ...]]]:
    stored = {}
    for model in ROLLUPS:
        columns = [getattr(model, c.name) for c in model.__table__.columns]
        stored[model.__tablename__] = {_normal(r) for r in (await session.execute(select(*columns))).all()}
    return stored


async def expected_rows(session: AsyncSession) -> dict[str, set[tuple[Any, ...]]]:
    dialect = session.get_bind().dialect.name
    return {
        model.__tablename__: {_normal(r) for r in (await session.execute(query)).all()}
        for model, query in rollup_queries(dialect).items()
    }


async def assert_rollups_exact(session: AsyncSession, step: str) -> None:
    session.expire_all()
    actual, expected = await rollup_rows(session), await expected_rows(session)
    for table in expected:
        assert actual[table] == expected[table], f"after {step}: {table}"


async def test_api_writes_keep_the_rollups_equal_to_a_group_by_over_raw_rows(
    client: httpx.AsyncClient, db: AsyncSession, auth: dict[str, str]
) -> None:
    jordan = await make_brand(db, "Jordan")
    nike = await make_brand(db, "Nike")
    chicago = await make_product(db, brand=jordan, sku="DZ5485-612", name="Air Jordan 1 Chicago")
    dunk = await make_product(db, brand=nike, sku="DD1391-100", name="Dunk Low Panda")
    dunk_id = dunk.id
    assert chicago.brand_id == jordan.id
    await db.commit()
    await assert_rollups_exact(db, "an empty shop")

    created = []
    for sku, size, price, age in (("DZ5485-612", "10", "150.00", 40), ("DD1391-100", "9", "99.99", 3),
                                  ("DD1391-100", "9", "101.01", 3), ("DZ5485-612", "11", "180.00", 95)):  # fmt: skip
        response = await client.post(
            "/inventory/items",
            json={
                "sku": sku,
                "size": size,
                "purchase_price": price,
                "purchased_at": days_ago(age).isoformat(),
            },
            headers=auth,
        )
        assert response.status_code == 201, response.text
        created.append(response.json()["id"])
    await assert_rollups_exact(db, "creating items")

    listed = await client.post(
        f"/inventory/items/{created[0]}/list", json={"listed_price": 260, "platform": "stockx"}, headers=auth
    )
    assert listed.status_code == 200, listed.text
    await assert_rollups_exact(db, "listing an item")

    sold = await client.post(
        "/orders",
        json={
            "inventory_item_id": created[0],
            "platform": "goat",
            "sale_price": "255.00",
            "sold_at": days_ago(1).isoformat(),
        },
        headers=auth,
    )
    assert sold.status_code == 201, sold.text
    await assert_rollups_exact(db, "selling a listed item")

    repriced = await client.patch(
        f"/inventory/items/{created[1]}",
        json={"purchase_price": "89.50", "purchased_at": days_ago(70).isoformat()},
        headers=auth,
    )
    assert repriced.status_code == 200, repriced.text
    await assert_rollups_exact(db, "changing an item's price and purchase time")

    resized = await client.patch(f"/inventory/items/{created[0]}", json={"size": "10.5"}, headers=auth)
    assert resized.status_code == 200, resized.text
    order_size = await db.scalar(select(Order.size).where(Order.inventory_item_id == created[0]))
    assert order_size == "10.5"  # the order's copy of the size follows a correction
    in_stock_resized = await client.patch(
        f"/inventory/items/{created[2]}", json={"size": "9.5"}, headers=auth
    )
    assert in_stock_resized.status_code == 200, in_stock_resized.text
    await assert_rollups_exact(db, "correcting sizes")
    assert await db.scalar(select(StockByProductSize.units).where(StockByProductSize.size == "9.5")) == 1

    sold_day = (now_utc() - timedelta(days=2)).date().isoformat()
    csv = (
        "sku,size,platform,sale_price,sold_at,shipping_cost,purchase_price,purchased_at\n"
        f"DD1391-100,9,StockX,140.00,{sold_day},0,,\n"
        f"DZ5485-612,12,ebay,199.00,{sold_day},7.49,120,{days_ago(30).date().isoformat()}\n"
    )
    imported = await client.post(
        "/orders/import", files={"file": ("sales.csv", csv.encode(), "text/csv")}, headers=auth
    )
    assert imported.status_code == 200, imported.text
    assert imported.json()["orders_created"] == 2 and imported.json()["items_created"] == 1
    await assert_rollups_exact(db, "importing sales")

    stock_csv = (
        "sku,size,purchase_price,purchased_at\nDD1391-100,8,75.25,2026-01-15\nDZ5485-612,9,140,2025-12-01\n"
    )
    stocked = await client.post(
        "/inventory/import", files={"file": ("stock.csv", stock_csv.encode(), "text/csv")}, headers=auth
    )
    assert stocked.status_code == 200, stocked.text
    await assert_rollups_exact(db, "importing inventory")

    # Writes outside the services (a fix in SQL, a product moved to another brand's item) too.
    await db.execute(update(Order).where(Order.platform == "goat").values(platform="klekt", sale_price=260))
    await db.execute(update(InventoryItem).where(InventoryItem.id == created[3]).values(product_id=dunk_id))
    await db.execute(update(InventoryItem).where(InventoryItem.id == created[1]).values(status="listed"))
    await db.execute(update(Order).where(Order.platform == "ebay").values(sold_at=days_ago(9), size="13"))
    await db.commit()
    await assert_rollups_exact(db, "updating rows in SQL")
    await db.execute(delete(Order).where(Order.inventory_item_id == created[0]))
    await db.execute(delete(InventoryItem).where(InventoryItem.id == created[0]))
    await db.commit()
    await assert_rollups_exact(db, "deleting an order and its item")
    assert await db.scalar(select(SalesDaily.orders).limit(1))
    assert await db.scalar(select(ProductSalesDaily.orders).limit(1))

    # The KPIs over these rows agree with the oracle, for a window with whole days inside.
    items, orders = await oracle.load(db)
    now = now_utc()
    window = windows.last_n_days(30, now)
    result = await AnalyticsService(db, now=now).kpis(window=window)
    expected = oracle.kpis(items, orders, window=window, now=now)
    assert (result.orders, result.revenue, result.units_in_inventory, result.inventory_value) == (
        expected["orders"], expected["revenue"], expected["units_in_inventory"], expected["inventory_value"],
    )  # fmt: skip


async def test_rebuild_gives_the_rows_the_triggers_keep(db: AsyncSession) -> None:
    brand = await make_brand(db, "Adidas")
    product = await make_product(db, brand=brand)
    # Two pairs on the same UTC day (whatever the time of day the test runs), two sold ones.
    two_days_ago = datetime.combine((now_utc() - timedelta(days=2)).date(), time(6), tzinfo=UTC)
    same_day = [two_days_ago, two_days_ago + timedelta(hours=9)]
    for purchased_at in [*same_day, days_ago(33), days_ago(200)]:
        item = await make_item(db, product=product, purchased_at=purchased_at, purchase_price="70.10")
        if purchased_at not in same_day:
            await make_order(db, item=item, sold_at=purchased_at + timedelta(days=20), platform="shop")
    await db.commit()
    kept = await rollup_rows(db)
    assert all(kept[model.__tablename__] for model in ROLLUPS)
    connection = await db.connection()
    await rebuild_rollups(connection)
    await db.commit()
    assert await rollup_rows(db) == kept
    assert (await db.scalar(select(StockDaily.units).order_by(StockDaily.purchase_day.desc()).limit(1))) == 2
    assert await db.scalar(select(PurchasesDaily.units).where(PurchasesDaily.units == 0)) is None


async def test_bulk_loads_switch_every_rollup_trigger_off_and_back_on(db: AsyncSession) -> None:
    """What scripts/demo_data.py does: triggers off, raw rows in, rebuild, triggers on."""
    brand = await make_brand(db, "ASICS")
    product = await make_product(db, brand=brand)
    item = await make_item(db, product=product, size="9", purchased_at=days_ago(3))
    await make_order(db, item=item, sold_at=days_ago(1))
    await make_item(db, product=product, size="10", purchased_at=days_ago(2))
    product_id = product.id
    await db.commit()
    before = await rollup_rows(db)
    await db.refresh(product)

    connection = await db.connection()
    enable = await disable_rollup_triggers(connection)
    assert len(enable) >= 4
    loaded = await make_item(db, product=product, size="10", purchased_at=days_ago(5))
    await make_order(db, item=loaded, sold_at=days_ago(4))
    await db.execute(
        insert(InventoryItem).values(
            product_id=product_id, size="11", purchase_price=80, purchased_at=days_ago(6), status="in_stock"
        )
    )
    await db.flush()
    assert await rollup_rows(db) == before  # no trigger ran
    await rebuild_rollups(connection)
    for statement in enable:
        await connection.execute(text(statement))
    await db.commit()
    await assert_rollups_exact(db, "a bulk load and a rebuild")
    sizes = await db.execute(select(StockByProductSize.size, StockByProductSize.units).order_by("size"))
    assert sizes.all() == [("10", 1), ("11", 1)]

    await db.refresh(product)

    await make_order(db, item=await make_item(db, product=product, size="11"), sold_at=days_ago(0.5))
    await db.commit()
    await assert_rollups_exact(db, "a sale after the triggers are back on")
    assert await db.scalar(select(StockByProductSize.units).where(StockByProductSize.size == "11")) == 1
