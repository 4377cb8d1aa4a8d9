""" "Only once" rules under real concurrent requests (issue 10, item 2).

The same sales file posted several times at once, and the same pair sold by several requests at
once: exactly one succeeds, the others get a 409 in the error shape, and the database holds one
order. The rule is the database's (unique index on platform + external_ref, unique
inventory_item_id, the pair's row lock), not a read-then-insert check.
"""

from __future__ import annotations

import asyncio
from decimal import Decimal

import httpx
import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from domains.inventory.models import InventoryItem
from domains.orders.models import Order
from tests.factories import days_ago, make_brand, make_item, make_product

pytestmark = pytest.mark.postgresql_only
AT_ONCE = 6


async def _orders(db: AsyncSession) -> int:
    return int(await db.scalar(select(func.count()).select_from(Order)) or 0)


def _assert_one_success_rest_conflicts(responses: list[httpx.Response]) -> None:
    statuses = sorted(response.status_code for response in responses)
    assert statuses == [201] + [409] * (AT_ONCE - 1), [(r.status_code, r.text[:200]) for r in responses]
    for response in responses:
        if response.status_code == 409:
            error = response.json()["error"]
            assert error["code"] in ("order_already_recorded", "already_sold")
            assert error["request_id"] == response.headers["x-request-id"]


async def test_one_file_imported_six_times_at_once_records_its_order_once(
    client: httpx.AsyncClient, db: AsyncSession, auth: dict[str, str]
) -> None:
    await make_product(db, brand=await make_brand(db, "Jordan"), sku="DZ5485-612")
    await db.commit()
    # The row creates its pair (purchase data given): each request would sell a different pair,
    # so only the order reference can tell the copies apart.
    text = (
        "sku,size,platform,sale_price,sold_at,purchase_price,purchased_at,external_ref\n"
        f"DZ5485-612,10,stockx,250,{days_ago(1).date()},120,{days_ago(30).date()},SX-1001\n"
    )

    async def post() -> httpx.Response:
        files = {"file": ("sales.csv", text.encode(), "text/csv")}
        return await client.post("/orders/import", files=files, headers=auth)

    responses = await asyncio.gather(*(post() for _ in range(AT_ONCE)))
    assert sorted(r.status_code for r in responses)[0] == 200
    assert [r.status_code for r in responses].count(200) == 1, [
        (r.status_code, r.text[:200]) for r in responses
    ]
    for response in responses:
        if response.status_code == 200:
            continue
        # Refused: 409 when it raced the winner to the database; the row error of a re-import
        # (422 on external_ref) when the winner had already committed as it read the file.
        error = response.json()["error"]
        if response.status_code == 409:
            assert error["code"] in ("order_already_recorded", "already_sold"), error
        else:
            assert response.status_code == 422 and error["code"] == "import_invalid", error
            assert {detail["field"] for detail in error["details"]} == {"external_ref"}, error
    assert await _orders(db) == 1
    # The losers wrote nothing: no pair was left behind by them either.
    assert await db.scalar(select(func.count()).select_from(InventoryItem)) == 1


async def test_one_pair_sold_by_six_requests_at_once_has_one_order(
    client: httpx.AsyncClient, db: AsyncSession, auth: dict[str, str]
) -> None:
    product = await make_product(db, brand=await make_brand(db, "Jordan"), sku="DZ5485-612")
    item = await make_item(db, product=product, purchase_price=Decimal("120"), purchased_at=days_ago(30))
    await db.commit()
    sale = {"inventory_item_id": item.id, "platform": "stockx", "sale_price": "250"}
    responses = await asyncio.gather(
        *(client.post("/orders", json=sale, headers=auth) for _ in range(AT_ONCE))
    )
    _assert_one_success_rest_conflicts(list(responses))
    assert await _orders(db) == 1


async def test_one_order_reference_sold_by_six_requests_at_once_is_recorded_once(
    client: httpx.AsyncClient, db: AsyncSession, auth: dict[str, str]
) -> None:
    product = await make_product(db, brand=await make_brand(db, "Jordan"), sku="DZ5485-612")
    items = [
        await make_item(db, product=product, purchase_price=Decimal("120"), purchased_at=days_ago(30))
        for _ in range(AT_ONCE)
    ]
    await db.commit()

    async def sell(item: InventoryItem) -> httpx.Response:
        sale = {
            "inventory_item_id": item.id,
            "platform": "stockx",
            "sale_price": "250",
            "external_ref": "SX-7",
        }
        return await client.post("/orders", json=sale, headers=auth)

    responses = await asyncio.gather(*(sell(item) for item in items))
    _assert_one_success_rest_conflicts(list(responses))
    assert {r.json()["error"]["code"] for r in responses if r.status_code == 409} == {
        "order_already_recorded"
    }
    assert await _orders(db) == 1
