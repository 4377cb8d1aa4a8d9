"""GET /ai/insights and /ai/digests over HTTP: auth, the user's settings, languages, errors."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import httpx
from fastapi import FastAPI
from sqlalchemy.ext.asyncio import AsyncSession

from domains.auth.models import User
from domains.insights.service import InsightService
from tests.factories import (
    auth_headers_for,
    days_ago,
    make_brand,
    make_item,
    make_product,
    make_user,
    now_utc,
)
from tests.insights.test_detectors import remember


async def dead_pairs(db: AsyncSession) -> None:
    """One pair that crossed 60 days today (a warning) and one listed below cost (critical)."""
    product = await make_product(db, brand=await make_brand(db))
    await make_item(db, product=product, purchased_at=days_ago(61.5), purchase_price="100.00")
    await make_item(
        db,
        product=product,
        purchase_price="300.00",
        status="listed",
        listed_price=250,
        listed_platform="stockx",
    )
    await db.commit()


async def build_digest(app: FastAPI, user: User, *, days_back: int = 0) -> int:
    async with app.state.sessionmaker() as session:
        now = now_utc() - timedelta(days=days_back)
        digest = await InsightService(session, settings=app.state.settings, now=now).build_digest(
            user_id=user.id
        )
        await session.commit()
    assert digest is not None
    return digest.id


def assert_error(response: httpx.Response, status: int) -> dict[str, Any]:
    assert response.status_code == status, response.text
    error: dict[str, Any] = response.json()["error"]
    assert set(error) >= {"code", "message", "details", "request_id"}
    return error


async def test_every_endpoint_needs_a_token(client: httpx.AsyncClient) -> None:
    for path in ("/ai/insights", "/ai/digests", "/ai/digests/1"):
        assert_error(await client.get(path), 401)


async def test_insights_follow_the_users_language_and_minimum_severity(
    client: httpx.AsyncClient, db: AsyncSession, auth: dict[str, str], user: User
) -> None:
    await dead_pairs(db)
    await remember(db, user, "language", "de")
    await remember(db, user, "insights_min_severity", "critical")

    body = (await client.get("/ai/insights", headers=auth)).json()

    assert body["language"] == "de"
    assert [i["type"] for i in body["items"]] == ["listing_below_cost"]
    assert "Verlust" in body["items"][0]["headline"]
    assert (
        body["items"][0]["follow_up"] == "Wie hoch sind die Gebühren bei einem Verkauf für 250,00 auf StockX?"
    )

    # Query parameters override the stored settings for one request.
    body = (
        await client.get("/ai/insights", headers=auth, params={"language": "en", "min_severity": "info"})
    ).json()
    assert body["language"] == "en"
    assert [i["type"] for i in body["items"]] == [
        "listing_below_cost",
        "dead_stock_crossed",
    ]  # most severe first
    assert body["items"][1]["headline"].startswith("1 pair crossed 60 days")
    assert body["items"][1]["figures"] == {
        **body["items"][1]["figures"],
        "units": 1,
        "value": "100.00",
        "threshold_days": 60,
    }


async def test_invalid_parameters_are_422_in_the_error_shape(
    client: httpx.AsyncClient, auth: dict[str, str]
) -> None:
    error = assert_error(await client.get("/ai/insights", headers=auth, params={"min_severity": "loud"}), 422)
    assert any(d.get("field", "").endswith("min_severity") for d in error["details"])
    assert_error(await client.get("/ai/insights", headers=auth, params={"language": "fr"}), 422)
    assert_error(await client.get("/ai/digests", headers=auth, params={"limit": 0}), 422)
    assert_error(await client.get("/ai/digests/abc", headers=auth), 422)
    assert_error(await client.get("/ai/digests/0", headers=auth), 422)


async def test_digests_are_listed_newest_first_and_kept_per_user(
    client: httpx.AsyncClient, db: AsyncSession, app: FastAPI, auth: dict[str, str], user: User
) -> None:
    await dead_pairs(db)
    older = await build_digest(app, user, days_back=1)
    newest = await build_digest(app, user)
    other = await make_user(db, email="other@example.com")
    await db.commit()
    theirs = await build_digest(app, other)

    page = (await client.get("/ai/digests", headers=auth, params={"limit": 1})).json()
    assert page["total"] == 2 and page["limit"] == 1 and page["offset"] == 0
    assert [d["id"] for d in page["items"]] == [newest]
    summary = page["items"][0]
    assert summary["digest_date"] == now_utc().date().isoformat()
    assert summary["language"] == "en" and summary["insight_count"] == 2
    assert (await client.get("/ai/digests", headers=auth, params={"offset": 1})).json()["items"][0][
        "id"
    ] == older

    digest = (await client.get(f"/ai/digests/{newest}", headers=auth)).json()
    assert digest["id"] == newest and len(digest["items"]) == digest["insight_count"] == 2
    assert {i["type"] for i in digest["items"]} == {"listing_below_cost", "dead_stock_crossed"}
    assert digest["items"][0]["sources"] and digest["items"][0]["follow_up"]

    error = assert_error(await client.get(f"/ai/digests/{theirs}", headers=auth), 404)
    assert error["code"] == "digest_not_found"
    assert (
        await client.get(f"/ai/digests/{theirs}", headers=auth_headers_for(app, other))
    ).status_code == 200


async def test_the_day_after_a_digest_only_new_dead_stock_is_reported(
    client: httpx.AsyncClient, db: AsyncSession, app: FastAPI, auth: dict[str, str], user: User
) -> None:
    product = await make_product(db, brand=await make_brand(db))
    await make_item(db, product=product, purchased_at=days_ago(62.5))  # crossed 2 days ago
    await db.commit()
    assert [i for i in (await client.get("/ai/insights", headers=auth)).json()["items"]] == []

    await build_digest(app, user, days_back=2)  # the last digest was 2 days ago: both days count
    found = (await client.get("/ai/insights", headers=auth)).json()["items"]
    assert [(i["type"], i["figures"]["units"], i["figures"]["days_since_last_digest"]) for i in found] == [
        ("dead_stock_crossed", 1, 2)
    ]


async def test_settings_in_force_come_from_memory_else_defaults(
    client: httpx.AsyncClient, db: AsyncSession, auth: dict[str, str], user: User
) -> None:
    assert_error(await client.get("/ai/insights/settings"), 401)
    defaults = (await client.get("/ai/insights/settings", headers=auth)).json()
    assert defaults == {
        "dead_stock_days": 60,
        "digest_enabled": True,
        "digest_hour": 7,
        "language": "en",
        "min_severity": "info",
        "from_memory": [],
    }
    await remember(db, user, "dead_stock_threshold", 90)
    await remember(db, user, "digest_hour", 6)
    await remember(db, user, "digest_enabled", False)
    await remember(db, user, "digest_hour_typo", 3)  # not a setting: ignored

    stated = (await client.get("/ai/insights/settings", headers=auth)).json()
    assert (stated["dead_stock_days"], stated["digest_hour"], stated["digest_enabled"]) == (90, 6, False)
    assert sorted(stated["from_memory"]) == ["dead_stock_threshold", "digest_enabled", "digest_hour"]
