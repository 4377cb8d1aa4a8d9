from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy.ext.asyncio import AsyncSession

from domains.pricing.fees import compute_fees, price_for_margin
from domains.pricing.models import FeeSchedule
from domains.pricing.service import PricingService
from tests.factories import auth_headers_for, days_ago, make_user

D = Decimal


@pytest.mark.parametrize(
    ("platform", "price", "platform_fee", "processing_fee", "payout"),
    [
        ("stockx", "200.00", "18.00", "6.00", "176.00"),  # 9 % + 3 %
        ("goat", "200.00", "24.00", "5.80", "170.20"),  # 9.5 % + 5.00 fixed, 2.9 % cash-out
        ("alias", "100.00", "14.50", "2.90", "82.60"),  # alias is GOAT's seller app
        ("ebay", "150.00", "12.00", "0.00", "138.00"),  # at the threshold: 8 %
        ("ebay", "149.99", "19.35", "0.00", "130.64"),  # below it: 12.9 %
        ("klekt", "200.00", "30.00", "0.00", "170.00"),
        ("shop", "200.00", "0.00", "0.00", "200.00"),
        ("local", "75.50", "0.00", "0.00", "75.50"),
    ],
)
async def test_fee_estimate_per_platform(
    client: httpx.AsyncClient,
    auth: dict[str, str],
    platform: str,
    price: str,
    platform_fee: str,
    processing_fee: str,
    payout: str,
) -> None:
    response = await client.get(
        "/pricing/fees/estimate", params={"platform": platform, "sale_price": price}, headers=auth
    )
    assert response.status_code == 200, response.text
    body = response.json()
    assert (D(body["platform_fee"]), D(body["processing_fee"]), D(body["payout"])) == (
        D(platform_fee),
        D(processing_fee),
        D(payout),
    )


async def test_shipping_is_deducted_from_the_payout(client: httpx.AsyncClient, auth: dict[str, str]) -> None:
    response = await client.get(
        "/pricing/fees/estimate",
        params={"platform": "stockx", "sale_price": "100", "shipping_cost": "12.50"},
        headers=auth,
    )
    assert D(response.json()["payout"]) == D("100") - D("9") - D("3") - D("12.50")


async def test_estimate_rejects_bad_input_and_needs_a_token(
    client: httpx.AsyncClient, auth: dict[str, str]
) -> None:
    unknown = await client.get(
        "/pricing/fees/estimate", params={"platform": "amazon", "sale_price": "100"}, headers=auth
    )
    assert unknown.status_code == 404
    negative = await client.get(
        "/pricing/fees/estimate", params={"platform": "stockx", "sale_price": "-1"}, headers=auth
    )
    assert negative.status_code == 422
    assert negative.json()["error"]["details"][0]["field"] == "query.sale_price"
    anonymous = await client.get("/pricing/fees/estimate", params={"platform": "stockx", "sale_price": "1"})
    assert anonymous.status_code == 401


async def test_current_fees_list_one_version_per_platform(
    client: httpx.AsyncClient, auth: dict[str, str]
) -> None:
    response = await client.get("/pricing/fees", headers=auth)
    assert response.status_code == 200
    body = response.json()
    assert body["total"] == 6
    assert {row["platform"] for row in body["items"]} == {"stockx", "goat", "ebay", "klekt", "shop", "local"}
    page = await client.get("/pricing/fees", params={"limit": 2, "offset": 5}, headers=auth)
    assert len(page.json()["items"]) == 1 and page.json()["total"] == 6


async def test_owner_adds_a_fee_version_that_applies_from_its_date(
    client: httpx.AsyncClient, app: FastAPI, db: AsyncSession, auth: dict[str, str]
) -> None:
    owner = await make_user(db, email="owner@example.com", is_owner=True)
    await db.commit()
    owner_auth = auth_headers_for(app, owner)
    change_at = days_ago(30)
    new_version = {
        "platform": "StockX",
        "valid_from": change_at.isoformat(),
        "commission_pct": "10",
        "processing_pct": "3",
        "notes": "fee increase",
    }
    staff = await client.post("/pricing/fees", json=new_version, headers=auth)
    assert staff.status_code == 403
    created = await client.post("/pricing/fees", json=new_version, headers=owner_auth)
    assert created.status_code == 201, created.text
    assert created.json()["platform"] == "stockx"
    again = await client.post("/pricing/fees", json=new_version, headers=owner_auth)
    assert again.status_code == 409

    before = await client.get(
        "/pricing/fees/estimate",
        params={"platform": "stockx", "sale_price": "100", "at": days_ago(31).isoformat()},
        headers=auth,
    )
    after = await client.get(
        "/pricing/fees/estimate", params={"platform": "stockx", "sale_price": "100"}, headers=auth
    )
    assert D(before.json()["platform_fee"]) == D("9.00")
    assert D(after.json()["platform_fee"]) == D("10.00")

    history = await client.get("/pricing/fees/stockx/history", headers=auth)
    assert [D(row["commission_pct"]) for row in history.json()["items"]] == [D("10"), D("9")]
    current = await client.get("/pricing/fees", headers=auth)
    stockx = next(row for row in current.json()["items"] if row["platform"] == "stockx")
    assert D(stockx["commission_pct"]) == D("10")


async def test_fee_version_input_is_validated(
    client: httpx.AsyncClient, app: FastAPI, db: AsyncSession
) -> None:
    owner = await make_user(db, email="owner2@example.com", is_owner=True)
    await db.commit()
    headers = auth_headers_for(app, owner)
    base = {"platform": "ebay", "valid_from": "2030-01-01T00:00:00Z", "commission_pct": "8"}
    cases = [
        ({**base, "platform": "amazon"}, "body.platform"),
        ({**base, "commission_pct": "101"}, "body.commission_pct"),
        ({**base, "valid_from": "2030-01-01T00:00:00"}, "body.valid_from"),
        ({**base, "threshold_price": "150"}, "body"),
    ]
    for payload, field in cases:
        response = await client.post("/pricing/fees", json=payload, headers=headers)
        assert response.status_code == 422, payload
        assert response.json()["error"]["details"][0]["field"] == field
    unknown_history = await client.get("/pricing/fees/amazon/history", headers=headers)
    assert unknown_history.status_code == 404


async def test_fee_schedule_is_the_version_valid_at_the_time(db: AsyncSession) -> None:
    db.add(
        FeeSchedule(
            platform="goat",
            valid_from=datetime(2024, 6, 1, tzinfo=UTC),
            commission_pct=D("12"),
            fixed_fee=D("0"),
            processing_pct=D("2.9"),
            min_commission=D("0"),
        )
    )
    await db.flush()
    service = PricingService(db)
    old = await service.fee_schedule(platform="goat", at=datetime(2024, 5, 31, 23, 59, tzinfo=UTC))
    new = await service.fee_schedule(platform="goat", at=datetime(2024, 6, 1, tzinfo=UTC))
    assert (old.commission_pct, new.commission_pct) == (D("9.5"), D("12"))
    estimate = await service.estimate_fees(
        platform="goat", sale_price=D("100"), at=datetime(2024, 7, 1, tzinfo=UTC)
    )
    assert estimate.fee_schedule_id == new.id and estimate.platform_fee == D("12.00")


def _schedule(**overrides: object) -> FeeSchedule:
    values: dict[str, object] = {
        "platform": "x",
        "commission_pct": D("9"),
        "fixed_fee": D("0"),
        "processing_pct": D("3"),
        "min_commission": D("0"),
        "threshold_price": None,
        "commission_pct_below_threshold": None,
    }
    values.update(overrides)
    return FeeSchedule(**values)


def _margin_ok(schedule: FeeSchedule, price: Decimal, cost: Decimal, margin: Decimal) -> bool:
    payout = compute_fees(schedule, sale_price=price).payout
    return payout - cost >= price * margin / 100


@pytest.mark.parametrize(
    "schedule",
    [
        _schedule(),
        _schedule(commission_pct=D("9.5"), fixed_fee=D("5"), processing_pct=D("2.9")),
        _schedule(
            commission_pct=D("8"),
            processing_pct=D("0"),
            threshold_price=D("150"),
            commission_pct_below_threshold=D("12.9"),
        ),
        _schedule(commission_pct=D("5"), min_commission=D("15")),
        _schedule(commission_pct=D("0"), processing_pct=D("0")),
    ],
)
@pytest.mark.parametrize("cost", [D("40"), D("100"), D("120"), D("150")])
def test_floor_price_is_the_lowest_price_reaching_the_margin(schedule: FeeSchedule, cost: Decimal) -> None:
    margin = D("20")
    floor = price_for_margin(schedule, cost=cost, margin_pct=margin)
    assert floor is not None
    # Every price of the next euro reaches it ...
    for cents in range(101):
        assert _margin_ok(schedule, floor + D(cents) / 100, cost, margin), floor + D(cents) / 100
    # ... and no clearly cheaper price does (fees are piecewise: scan every cent from the cost).
    # Within 3 cents of the floor, fee rounding may let a single cent reach it: not a floor.
    price = cost
    while price < floor - D("0.03"):
        assert not _margin_ok(schedule, price, cost, margin), price
        price += D("0.01")


def test_ebay_floor_stays_below_the_threshold_when_that_is_cheaper() -> None:
    ebay = _schedule(
        commission_pct=D("8"),
        processing_pct=D("0"),
        threshold_price=D("150"),
        commission_pct_below_threshold=D("12.9"),
    )
    assert price_for_margin(ebay, cost=D("100"), margin_pct=D("20")) == D("149.03")
    assert price_for_margin(ebay, cost=D("120"), margin_pct=D("20")) == D("166.67")


def test_unreachable_margin_has_no_floor() -> None:
    assert price_for_margin(_schedule(), cost=D("100"), margin_pct=D("90")) is None
