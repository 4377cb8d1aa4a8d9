"""Dates at the ends of the calendar (issue 10, item 1): a business date outside 2000-01-01 ..
tomorrow (UTC) is a 422 naming the field; a query bound outside it is clamped. Never a 500.

0001-01-01T00:00:00+01:00 lies before the first instant Python can hold in UTC, and
9999-12-31T23:59:59-01:00 after the last: converting either used to raise OverflowError.
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
from tests.factories import days_ago, make_brand, make_item, make_order, make_product

TOO_EARLY = "0001-01-01T00:00:00+01:00"
TOO_LATE = "9999-12-31T23:59:59-01:00"
OUT_OF_RANGE = [TOO_EARLY, TOO_LATE, "1999-12-31T23:59:59Z", "2199-01-01T00:00:00Z"]


async def _sold_pair(db: AsyncSession) -> tuple[InventoryItem, InventoryItem]:
    product = await make_product(db, brand=await make_brand(db, "Jordan"), sku="DZ5485-612")
    sold = await make_item(db, product=product, purchase_price=Decimal("100"), purchased_at=days_ago(10))
    await make_order(db, item=sold, sale_price=Decimal("200"), sold_at=days_ago(2))
    unsold = await make_item(db, product=product, purchase_price=Decimal("90"), purchased_at=days_ago(5))
    await db.commit()
    return sold, unsold


def _assert_refused(response: httpx.Response, field: str) -> None:
    assert response.status_code == 422, response.text
    error = response.json()["error"]
    assert error["code"] == "validation_error"
    assert any(field in detail["field"] for detail in error["details"]), error
    assert "2000-01-01" in response.text


@pytest.mark.parametrize("moment", OUT_OF_RANGE)
async def test_business_dates_outside_the_range_are_a_422_naming_the_field(
    client: httpx.AsyncClient, db: AsyncSession, auth: dict[str, str], moment: str
) -> None:
    _, unsold = await _sold_pair(db)
    item: dict[str, Any] = {
        "sku": "DZ5485-612",
        "size": "10",
        "purchase_price": "100",
        "purchased_at": moment,
    }
    _assert_refused(await client.post("/inventory/items", json=item, headers=auth), "purchased_at")
    patch = {"purchased_at": moment}
    _assert_refused(
        await client.patch(f"/inventory/items/{unsold.id}", json=patch, headers=auth), "purchased_at"
    )
    sale = {"inventory_item_id": unsold.id, "platform": "stockx", "sale_price": "150", "sold_at": moment}
    _assert_refused(await client.post("/orders", json=sale, headers=auth), "sold_at")
    observation = {
        "sku": "DZ5485-612",
        "size": "10",
        "platform": "stockx",
        "observed_at": moment,
        "lowest_ask": "1",
    }
    _assert_refused(
        await client.post("/pricing/market-prices", json=observation, headers=auth), "observed_at"
    )
    # Nothing was written, and the connection is still good for the next request.
    assert await db.scalar(select(func.count()).select_from(Order)) == 1
    assert (await client.get(f"/inventory/items/{unsold.id}", headers=auth)).json()["status"] == "in_stock"


async def test_dates_inside_the_range_are_still_accepted(
    client: httpx.AsyncClient, db: AsyncSession, auth: dict[str, str]
) -> None:
    await _sold_pair(db)
    item = {
        "sku": "DZ5485-612",
        "size": "10",
        "purchase_price": "100",
        "purchased_at": "2000-01-01T00:00:00Z",
    }
    response = await client.post("/inventory/items", json=item, headers=auth)
    assert response.status_code == 201, response.text
    assert response.json()["purchased_at"].startswith("2000-01-01T00:00:00")


@pytest.mark.parametrize(
    ("path", "params"),
    [
        ("/analytics/kpis", {"start": TOO_EARLY}),
        ("/analytics/kpis", {"start": TOO_EARLY, "end": TOO_LATE}),
        ("/analytics/kpis", {"start": "0001-01-01", "end": "9999-12-31"}),
        ("/analytics/best-sellers", {"start": TOO_EARLY, "end": TOO_LATE}),
        ("/analytics/sales-by-platform", {"start": TOO_EARLY}),
        ("/orders", {"start": TOO_EARLY, "end": TOO_LATE}),
        ("/orders", {"end": TOO_LATE}),
        ("/pricing/market-prices", {"sku": "DZ5485-612", "start": TOO_EARLY, "end": TOO_LATE}),
        ("/pricing/fees/estimate", {"platform": "stockx", "sale_price": "100", "at": TOO_LATE}),
    ],
)
async def test_query_bounds_far_outside_the_range_are_clamped_to_it(
    client: httpx.AsyncClient, db: AsyncSession, auth: dict[str, str], path: str, params: dict[str, str]
) -> None:
    await _sold_pair(db)
    response = await client.get(path, params=params, headers=auth)
    assert response.status_code == 200, response.text


async def test_far_bounds_select_every_order(
    client: httpx.AsyncClient, db: AsyncSession, auth: dict[str, str]
) -> None:
    await _sold_pair(db)
    response = await client.get("/orders", params={"start": TOO_EARLY, "end": TOO_LATE}, headers=auth)
    assert response.json()["total"] == 1
    kpis = await client.get("/analytics/kpis", params={"start": TOO_EARLY, "end": TOO_LATE}, headers=auth)
    assert kpis.json()["orders"] == 1, kpis.text
