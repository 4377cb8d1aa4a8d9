from __future__ import annotations

import httpx
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from domains.inventory.models import InventoryItem
from domains.products.models import Brand, Product
from tests.factories import make_brand, make_product

GOOD_CSV = """sku,size,purchase_price,purchased_at,condition,location,product_name,brand,colorway
DZ5485-612,10,189.99,2025-03-01,new,Shelf A,,,
dz5485612,US 10.5,195,2025-03-02T14:30:00Z,,Shelf A,,,
HQ6998-600,9,120.50,01.04.2025,used,Bin 3,Air Jordan 1 Mid Chicago Black Toe,Jordans,
HQ6998-600,9.5,125,2025-04-02,new,Bin 3,,,
U9060GRY,11,140,2025-04-03,new,,New Balance 9060 Rain Cloud,Nuevo Balance,Grey
"""


async def _count(db: AsyncSession, model: type) -> int:
    return int(await db.scalar(select(func.count()).select_from(model)) or 0)


async def _seed(db: AsyncSession) -> None:
    await make_product(
        db, brand=await make_brand(db, "Jordan"), sku="DZ5485-612", name="Air Jordan 1 High Chicago"
    )
    await db.commit()


def _upload(text: str, name: str = "stock.csv") -> dict[str, tuple[str, bytes, str]]:
    return {"file": (name, text.encode(), "text/csv")}


async def test_import_happy_path_creates_items_products_and_brands(
    client: httpx.AsyncClient, db: AsyncSession, auth: dict[str, str]
) -> None:
    await _seed(db)
    response = await client.post("/inventory/import", files=_upload(GOOD_CSV), headers=auth)
    assert response.status_code == 200, response.text
    assert response.json() == {
        "dry_run": False,
        "rows": 5,
        "items_created": 5,
        "products_created": 2,
        "brands_created": 1,
        "ignored_columns": [],
    }
    assert await _count(db, InventoryItem) == 5
    assert await _count(db, Product) == 3
    brands = (await db.execute(select(Brand.name).order_by(Brand.name))).scalars().all()
    assert brands == ["Jordan", "Nuevo Balance"]  # "Jordans" is the existing Jordan

    items = (await client.get("/inventory/items", params={"sku": "HQ6998-600"}, headers=auth)).json()["items"]
    assert [(i["size"], i["condition"], i["purchase_price"], i["location"]) for i in items] == [
        ("9", "used", "120.50", "Bin 3"),
        ("9.5", "new", "125.00", "Bin 3"),
    ]
    assert items[0]["purchased_at"].startswith("2025-04-01T00:00:00")
    assert items[0]["brand"] == "Jordan"
    assert all(i["status"] == "in_stock" for i in items)


async def test_import_with_bad_rows_writes_nothing_and_reports_every_error(
    client: httpx.AsyncClient, db: AsyncSession, auth: dict[str, str]
) -> None:
    await _seed(db)
    bad = GOOD_CSV + (
        "DZ5485-612,,abc,2025-13-01,mint,,,,\n"
        "UNKNOWN-1,10,100,2025-01-01,new,,,,\n"
        "DZ5485-612,10,-5,2099-01-01,new,,,,\n"
        "DZ5485-612,10,10.999,2025-01-01,new,,,,,extra\n"
    )
    response = await client.post("/inventory/import", files=_upload(bad), headers=auth)
    assert response.status_code == 422
    error = response.json()["error"]
    assert error["code"] == "import_invalid"
    found = {(d["row"], d["field"]) for d in error["details"]}
    assert found == {
        (7, "size"),
        (7, "purchase_price"),
        (7, "purchased_at"),
        (7, "condition"),
        (8, "product_name"),
        (9, "purchase_price"),
        (9, "purchased_at"),
        (10, "row"),
    }
    assert all(d["message"] for d in error["details"])
    assert await _count(db, InventoryItem) == 0
    assert await _count(db, Product) == 1  # the valid new products were not created either
    assert await _count(db, Brand) == 1


async def test_dry_run_validates_and_counts_but_writes_nothing(
    client: httpx.AsyncClient, db: AsyncSession, auth: dict[str, str]
) -> None:
    await _seed(db)
    response = await client.post(
        "/inventory/import", params={"dry_run": "true"}, files=_upload(GOOD_CSV), headers=auth
    )
    assert response.status_code == 200
    assert response.json()["dry_run"] is True
    assert response.json()["items_created"] == 5
    assert response.json()["products_created"] == 2
    assert response.json()["brands_created"] == 1
    assert await _count(db, InventoryItem) == 0
    assert await _count(db, Product) == 1
    bad = await client.post(
        "/inventory/import", params={"dry_run": "true"}, files=_upload(GOOD_CSV + "X-1,,,,\n"), headers=auth
    )
    assert bad.status_code == 422


async def test_semicolon_file_with_decimal_commas_and_extra_columns(
    client: httpx.AsyncClient, db: AsyncSession, auth: dict[str, str]
) -> None:
    await _seed(db)
    text = "\ufeffSKU;Size;Purchase Price;Purchased At;Supplier\nDZ5485-612;10;1.189,90 €;31.05.2025;Foot Locker\n"
    response = await client.post("/inventory/import", files=_upload(text), headers=auth)
    assert response.status_code == 200, response.text
    assert response.json()["ignored_columns"] == ["Supplier"]
    item = (await client.get("/inventory/items", headers=auth)).json()["items"][0]
    assert item["purchase_price"] == "1189.90"
    assert item["purchased_at"].startswith("2025-05-31")


async def test_file_level_errors(client: httpx.AsyncClient, db: AsyncSession, auth: dict[str, str]) -> None:
    await _seed(db)
    cases = {
        "missing column": ("sku,size,purchase_price\nDZ5485-612,10,100\n", "purchased_at"),
        "empty": ("", "file"),
        "header only": ("sku,size,purchase_price,purchased_at\n", "file"),
        "binary": ("\x00\x01\x02", "file"),
        "duplicate column": ("sku,sku,size,purchase_price,purchased_at\n", "file"),
    }
    for name, (text, field) in cases.items():
        response = await client.post("/inventory/import", files=_upload(text), headers=auth)
        assert response.status_code == 422, name
        assert response.json()["error"]["details"][0]["field"] == field, name
    no_file = await client.post("/inventory/import", headers=auth)
    assert no_file.status_code == 422
    not_utf8 = await client.post(
        "/inventory/import",
        files={
            "file": (
                "x.csv",
                "sku,size,purchase_price,purchased_at\nÄ1,10,1,2025-01-01\n".encode("latin-1"),
                "text/csv",
            )
        },
        headers=auth,
    )
    assert not_utf8.status_code == 422  # read as cp1252; the SKU then is simply unknown
    assert await _count(db, InventoryItem) == 0


async def test_too_many_rows_is_refused(
    client: httpx.AsyncClient, db: AsyncSession, auth: dict[str, str]
) -> None:
    await _seed(db)
    text = "sku,size,purchase_price,purchased_at\n" + "DZ5485-612,10,1,2025-01-01\n" * 5001
    response = await client.post("/inventory/import", files=_upload(text), headers=auth)
    assert response.status_code == 413
    assert response.json()["error"]["code"] == "too_many_rows"
    assert await _count(db, InventoryItem) == 0


async def test_an_unknown_sku_may_be_named_on_any_of_its_rows(
    client: httpx.AsyncClient, db: AsyncSession, auth: dict[str, str]
) -> None:
    text = (
        "sku,size,purchase_price,purchased_at,product_name,brand\n"
        "FB1234-001,10,100,2025-01-01,,\n"
        "FB1234-001,11,100,2025-01-01,Nike Dunk Low Test,Nike\n"
    )
    response = await client.post("/inventory/import", files=_upload(text), headers=auth)
    assert response.status_code == 200, response.text
    assert response.json()["products_created"] == 1
    assert await _count(db, InventoryItem) == 2
