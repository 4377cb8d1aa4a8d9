from __future__ import annotations

from decimal import Decimal

import httpx
import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from domains.inventory.models import InventoryItem
from domains.orders.importer import parse_money
from domains.orders.models import Order
from shared.csv_import import parse_business_datetime
from tests.factories import days_ago, make_brand, make_item, make_product

D = Decimal


async def _upload(
    client: httpx.AsyncClient, auth: dict[str, str], text: str, *, dry_run: bool = False
) -> httpx.Response:
    return await client.post(
        "/orders/import",
        params={"dry_run": str(dry_run).lower()},
        files={"file": ("sales.csv", text.encode(), "text/csv")},
        headers=auth,
    )


async def _counts(db: AsyncSession) -> tuple[int, int, int]:
    orders = await db.scalar(select(func.count()).select_from(Order))
    items = await db.scalar(select(func.count()).select_from(InventoryItem))
    sold = await db.scalar(
        select(func.count()).select_from(InventoryItem).where(InventoryItem.status == "sold")
    )
    return int(orders or 0), int(items or 0), int(sold or 0)


async def _stock(db: AsyncSession) -> tuple[int, int]:
    brand = await make_brand(db, "Jordan")
    product = await make_product(db, brand=brand, sku="DZ5485-612")
    old = await make_item(db, product=product, size="10", purchase_price=D("150"), purchased_at=days_ago(40))
    new = await make_item(db, product=product, size="10", purchase_price=D("170"), purchased_at=days_ago(20))
    await db.commit()
    return old.id, new.id


async def test_generic_import_sells_oldest_pairs_first_and_creates_missing_ones(
    client: httpx.AsyncClient, db: AsyncSession, auth: dict[str, str]
) -> None:
    old_id, new_id = await _stock(db)
    sold = days_ago(2).date().isoformat()
    text = (
        "sku,size,platform,sale_price,sold_at,shipping_cost,purchase_price,purchased_at\n"
        f"DZ5485-612,US 10,StockX,250.00,{sold},0,,\n"
        f"dz5485-612,10,goat,1234.50,{sold},10,,\n"
        f"DZ5485-612,11,ebay,180,{sold},,120,{days_ago(10).date().isoformat()}\n"
    )
    preview = await _upload(client, auth, text, dry_run=True)
    assert preview.status_code == 200, preview.text
    assert preview.json()["dry_run"] is True and preview.json()["orders_created"] == 3
    assert await _counts(db) == (0, 2, 0)

    response = await _upload(client, auth, text)
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["format"] == "generic" and body["items_created"] == 1
    sales = body["sales"]
    assert [sale["inventory_item_id"] for sale in sales[:2]] == [old_id, new_id]  # FIFO
    assert D(sales[0]["platform_fee"]) == D("22.50") and D(sales[0]["profit"]) == D("70.00")
    assert D(sales[1]["sale_price"]) == D("1234.50")
    assert D(sales[1]["payout"]) == D("1234.50") - D("122.28") - D("35.80") - D("10")
    assert sales[2]["item_created"] is True and D(sales[2]["purchase_price"]) == D("120")
    assert D(body["revenue"]) == D("250") + D("1234.50") + D("180")
    assert await _counts(db) == (3, 3, 3)
    listed = await client.get("/orders", headers=auth)
    assert listed.json()["total"] == 3


async def test_bad_rows_are_all_reported_and_nothing_is_written(
    client: httpx.AsyncClient, db: AsyncSession, auth: dict[str, str]
) -> None:
    old_id, _ = await _stock(db)
    text = (
        "inventory_item_id,sku,size,platform,sale_price,sold_at\n"
        f"{old_id},,,stockx,250,{days_ago(1).isoformat()}\n"  # fine
        f",DZ5485-612,10,amazon,250,{days_ago(1).isoformat()}\n"  # platform
        f",DZ5485-612,10,stockx,abc,yesterday\n"  # price and date
        f",NOPE-1,10,stockx,100,{days_ago(1).isoformat()}\n"  # unknown SKU
        f",DZ5485-612,12,stockx,100,{days_ago(1).isoformat()}\n"  # no such pair, no purchase data
        f"{old_id},,,stockx,250,{days_ago(1).isoformat()}\n"  # same pair twice
        f",DZ5485-612,10,stockx,100,{days_ago(100).isoformat()}\n"  # sold before any pair was bought
    )
    for dry_run in (True, False):
        response = await _upload(client, auth, text, dry_run=dry_run)
        assert response.status_code == 422, response.text
        error = response.json()["error"]
        problems = {(d["row"], d["field"]) for d in error["details"]}
        assert problems == {
            (3, "platform"),
            (4, "sale_price"),
            (4, "sold_at"),
            (5, "sku"),
            (6, "sku"),
            (7, "inventory_item_id"),
            (8, "sku"),
        }, error["details"]
        assert all(d["message"] for d in error["details"])
    assert await _counts(db) == (0, 2, 0)


async def test_missing_columns_and_unreadable_files_are_422(
    client: httpx.AsyncClient, db: AsyncSession, auth: dict[str, str]
) -> None:
    missing = await _upload(client, auth, "sku,size\nDZ5485-612,10\n")
    fields = {d["field"] for d in missing.json()["error"]["details"]}
    assert missing.status_code == 422 and {"sale_price", "sold_at", "platform"} <= fields
    empty = await _upload(client, auth, "")
    assert empty.status_code == 422
    binary = await client.post(
        "/orders/import", files={"file": ("x.csv", b"\xff\xfe\x00bad", "text/csv")}, headers=auth
    )
    assert binary.status_code == 422
    too_many = await _upload(
        client, auth, "sku,size,platform,sale_price,sold_at\n" + "X,10,shop,1,2025-01-01\n" * 5001
    )
    assert too_many.status_code == 413 and too_many.json()["error"]["code"] == "too_many_rows"
    no_file = await client.post("/orders/import", headers=auth)
    assert no_file.status_code == 422
    anonymous = await client.post("/orders/import", files={"file": ("x.csv", b"a\n", "text/csv")})
    assert anonymous.status_code == 401


STOCKX_HEADER = (
    '"Order Number","Item Name","Style","Sku Size","Sale Date","Price","Seller Fee",'
    '"Payment Processing","Shipping Fee","Total Payout"\n'
)


async def test_stockx_export_is_detected_and_its_fees_are_kept(
    client: httpx.AsyncClient, db: AsyncSession, auth: dict[str, str]
) -> None:
    old_id, new_id = await _stock(db)
    sold = days_ago(3).strftime("%Y-%m-%d %H:%M:%S +0000")
    text = STOCKX_HEADER + (
        f'"12345678-87654321","Jordan 1 Retro High OG Chicago","DZ5485-612","10","{sold}",'
        '"$250.00","-$20.00","-$7.50","$0.00","$222.50"\n'
        f'"12345678-87654322","Jordan 1 Retro High OG Chicago","DZ5485-612","US 10","{sold}",'
        '"260","20.80","7.80","0","231.40"\n'
    )
    response = await _upload(client, auth, text)
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["format"] == "stockx" and body["orders_created"] == 2
    first = body["sales"][0]
    assert first["platform"] == "stockx" and first["external_ref"] == "12345678-87654321"
    assert (D(first["platform_fee"]), D(first["processing_fee"]), D(first["payout"])) == (
        D("20.00"),
        D("7.50"),
        D("222.50"),
    )
    assert {sale["inventory_item_id"] for sale in body["sales"]} == {old_id, new_id}

    again = await _upload(client, auth, text)  # the same export once more
    assert again.status_code == 422
    assert {d["field"] for d in again.json()["error"]["details"]} == {"external_ref"}
    assert await _counts(db) == (2, 2, 2)


async def test_stockx_payout_that_does_not_add_up_is_refused(
    client: httpx.AsyncClient, db: AsyncSession, auth: dict[str, str]
) -> None:
    await _stock(db)
    text = STOCKX_HEADER + (
        f'"1","AJ1","DZ5485-612","10","{days_ago(1).strftime("%m/%d/%Y")}","250","20","7.50","0","230.00"\n'
    )
    response = await _upload(client, auth, text)
    assert response.status_code == 422
    assert response.json()["error"]["details"][0]["field"] == "Total Payout"
    assert await _counts(db) == (0, 2, 0)


def test_amounts_and_dates_in_the_spellings_exports_use() -> None:
    assert parse_money("1.234,50 €", mark="comma") == D("1234.50")
    assert parse_money("$1,234.50", mark="point") == D("1234.50")
    assert parse_money("12,5", mark="comma") == D("12.50")
    deduction = parse_money("(22.50)", mark="point", deduction=True)
    assert deduction == parse_money("-$22.50", mark="point", deduction=True) == D("22.50")
    with pytest.raises(ValueError):
        parse_money("-22.50", mark="point")
    with pytest.raises(ValueError):
        parse_money("NaN", mark=None)
    assert parse_business_datetime("31.01.2025").isoformat() == "2025-01-31T00:00:00+00:00"
    assert parse_business_datetime("01/31/2025").isoformat() == "2025-01-31T00:00:00+00:00"
    assert parse_business_datetime("2025-01-31T14:00:00+01:00").isoformat() == "2025-01-31T13:00:00+00:00"
    assert parse_business_datetime("2025-01-31 14:00:00 +0000").isoformat() == "2025-01-31T14:00:00+00:00"
