"""The service contract other domains (orders, analytics, the assistant) rely on."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
from sqlalchemy.ext.asyncio import AsyncSession

from domains.inventory.schemas import InventoryFilters, ItemCreate
from domains.inventory.service import InventoryService
from shared.error_handling.errors import Conflict, NotFound, ValidationFailed
from tests.factories import make_brand, make_item, make_product
from tests.products.catalogue import make_catalogue

NOW = datetime(2025, 6, 30, 12, 0, tzinfo=UTC)


async def test_mark_sold_rules(db: AsyncSession) -> None:
    product = await make_product(db, brand=await make_brand(db, "Nike"))
    bought = NOW - timedelta(days=20)
    item = await make_item(
        db, product=product, purchased_at=bought, status="listed", listed_price=Decimal("200")
    )
    service = InventoryService(db, now=NOW)

    with pytest.raises(NotFound):
        await service.mark_sold(999_999, sold_at=NOW)
    with pytest.raises(ValidationFailed) as before:
        await service.mark_sold(item.id, sold_at=bought - timedelta(seconds=1))
    assert before.value.details[0]["field"] == "sold_at"
    with pytest.raises(ValidationFailed):
        await service.mark_sold(item.id, sold_at=NOW + timedelta(days=1))

    sold = await service.mark_sold(item.id, sold_at=NOW - timedelta(days=1))
    assert sold.id == item.id
    assert sold.status == "sold"
    with pytest.raises(Conflict) as again:
        await service.mark_sold(item.id, sold_at=NOW)
    assert again.value.code == "already_sold"
    with pytest.raises(Conflict):
        await service.list_item(item.id, listed_price=Decimal("10"), platform="ebay")


async def test_mark_sold_accepts_the_purchase_moment_and_the_callers_now(db: AsyncSession) -> None:
    product = await make_product(db, brand=await make_brand(db, "Nike"))
    first = await make_item(db, product=product, purchased_at=NOW - timedelta(days=3))
    second = await make_item(db, product=product, purchased_at=NOW - timedelta(days=3))
    service = InventoryService(db, now=NOW)
    assert (await service.mark_sold(first.id, sold_at=first.purchased_at)).status == "sold"
    # The caller's clock may be a moment ahead of the service's.
    assert (await service.mark_sold(second.id, sold_at=NOW + timedelta(seconds=2))).status == "sold"


async def test_dead_stock_boundary_to_the_second(db: AsyncSession) -> None:
    product = await make_product(db, brand=await make_brand(db, "Nike"))
    exactly_61 = await make_item(db, product=product, purchased_at=NOW - timedelta(days=61))
    just_under_61 = await make_item(
        db, product=product, purchased_at=NOW - timedelta(days=61) + timedelta(seconds=1)
    )
    result = await InventoryService(db, now=NOW).dead_stock(threshold_days=60)
    assert [i.id for i in result.items] == [exactly_61.id]
    assert result.items[0].age_days == 61
    assert (await InventoryService(db, now=NOW).get_item(just_under_61.id)).age_days == 60
    assert result.total_units == 1
    assert result.total_value == Decimal("150.00")
    assert result.threshold_days == 60


async def test_dead_stock_by_brand_and_product_query(db: AsyncSession) -> None:
    products = await make_catalogue(db)
    old = NOW - timedelta(days=100)
    chicago = await make_item(db, product=products["DZ5485-612"], purchased_at=old, purchase_price="210")
    bred = await make_item(db, product=products["553558-612"], purchased_at=old - timedelta(days=1))
    panda = await make_item(db, product=products["DD1391-100"], purchased_at=old, purchase_price="95")
    await make_item(db, product=products["DD1391-100"], purchased_at=NOW - timedelta(days=5))
    service = InventoryService(db, now=NOW)

    jordans = await service.dead_stock(brand="jordans")
    assert [i.id for i in jordans.items] == [bred.id, chicago.id]
    assert jordans.total_value == Decimal("360.00")
    by_query = await service.dead_stock(product_query="jordan 1 chicago")
    assert [i.id for i in by_query.items] == [chicago.id]
    nike = await service.dead_stock(brand="Nike", threshold_days=90)
    assert [i.id for i in nike.items] == [panda.id]
    assert (await service.dead_stock(threshold_days=100)).total_units == 1  # only the 101-day-old pair
    nothing = await service.dead_stock(product_query="zzzz qqqq")
    assert nothing.items == [] and nothing.total_units == 0 and nothing.total_value == Decimal("0.00")


async def test_list_items_with_filters_object(db: AsyncSession) -> None:
    products = await make_catalogue(db)
    cheap = await make_item(
        db,
        product=products["DD1391-100"],
        purchase_price="80",
        size="10",
        purchased_at=NOW - timedelta(days=40),
    )
    dear = await make_item(
        db,
        product=products["DZ5485-612"],
        purchase_price="400",
        size="10",
        purchased_at=NOW - timedelta(days=70),
    )
    service = InventoryService(db, now=NOW)

    items, total = await service.list_items(
        filters=InventoryFilters(status="in_inventory", size="10", sort="price_desc")
    )
    assert total == 2
    assert [i.id for i in items] == [dear.id, cheap.id]
    assert items[0].age_days == 70
    assert items[0].brand == "Jordan" and items[0].sku == "DZ5485-612"

    older, total = await service.list_items(filters=InventoryFilters(min_age_days=41))
    assert [i.id for i in older] == [dear.id] and total == 1
    by_product, _ = await service.list_items(filters=InventoryFilters(product_id=products["DD1391-100"].id))
    assert [i.id for i in by_product] == [cheap.id]
    conflicting, total = await service.list_items(
        filters=InventoryFilters(product_id=products["DD1391-100"].id, sku="DZ5485-612")
    )
    assert conflicting == [] and total == 0
    empty_page, total = await service.list_items(filters=InventoryFilters(), limit=10, offset=10)
    assert empty_page == [] and total == 2
    cheap_only, _ = await service.list_items(filters=InventoryFilters(max_purchase_price=Decimal("100")))
    assert [i.id for i in cheap_only] == [cheap.id]


async def test_create_item_and_units_in_inventory(db: AsyncSession) -> None:
    products = await make_catalogue(db)
    service = InventoryService(db, now=NOW)
    created = await service.create_item(
        data=ItemCreate(
            sku="cp9654", size="eu 44", purchase_price=Decimal("230"), purchased_at=NOW - timedelta(days=2)
        )
    )
    assert created.product_id == products["CP9654"].id
    assert created.size == "EU 44"
    assert created.age_days == 2
    with pytest.raises(ValidationFailed):
        await service.create_item(
            data=ItemCreate(
                product_id=products["CP9654"].id,
                sku="DZ5485-612",
                size="9",
                purchase_price=Decimal("1"),
                purchased_at=NOW,
            )
        )
    units = await service.units_in_inventory(product_ids=[products["CP9654"].id, products["DZ5485-612"].id])
    assert units == {products["CP9654"].id: 1}
