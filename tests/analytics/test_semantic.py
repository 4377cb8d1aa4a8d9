"""The semantic layer (POST /analytics/query, SemanticQueryService): every metric, filter and
grouping against the plain-Python oracle over raw rows (tests/analytics/semantic_oracle.py)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import httpx
import pytest
from sqlalchemy.ext.asyncio import AsyncSession

from domains.analytics import windows
from domains.analytics.semantic.catalog import METRICS
from domains.analytics.semantic.query import SemanticQuery
from domains.analytics.semantic.result import SemanticResult
from domains.analytics.semantic.service import SemanticQueryService
from tests.analytics import semantic_oracle as oracle
from tests.analytics.dataset import NOW, build
from tests.analytics.oracle import same_ratio
from tests.factories import make_brand, make_item, make_order, make_product

ALL_METRICS = list(METRICS)
STOCK = ["units_in_inventory", "inventory_value", "dead_stock_units", "dead_stock_value", "dead_stock_rate",
         "average_age_days"]  # fmt: skip
SALES = ["units_sold", "revenue", "average_sale_price", "cogs", "profit", "average_profit_per_pair", "margin",
         "roi", "fees", "shipping", "selling_costs", "payout", "days_to_sell"]  # fmt: skip
PURCHASES = ["pairs_bought", "purchase_spend"]
MIXED = ["sell_through", "inventory_turnover"]
WINDOWS = {
    "last 30 days": windows.last_n_days(30, NOW),
    "last month": windows.last_month(NOW),
    "this week": windows.this_week(NOW),
    "last year": windows.last_year(NOW),
    "empty": windows.between(datetime(2020, 1, 1, tzinfo=UTC), datetime(2020, 2, 1, tzinfo=UTC)),
}


async def build_shop(db: AsyncSession) -> None:
    """The analytics dataset plus model families (quoted colorways, Jordan 1/11/4/40) and used pairs."""
    await build(db)
    jordan = await make_brand(db, "Air Jordan Co")
    names = {
        "AJ11": 'Air Jordan 11 Retro "Concord"',
        "AJ4R": 'Air Jordan 4 Retro "Bred Reimagined"',
        "AJ40": 'Air Jordan 40 "Test Pilot"',
        "AJ1H": 'Air Jordan 1 Retro High OG "Chicago"',
    }
    products = {
        key: await make_product(db, brand=jordan, sku=f"{key}-001", name=name) for key, name in names.items()
    }
    for index, product in enumerate(products.values()):
        await make_item(
            db, product=product, size="10.5", condition="used", purchase_price=Decimal(100 + index),
            purchased_at=NOW - timedelta(days=5 + 20 * index),
        )  # fmt: skip
        sold = await make_item(
            db, product=product, size="9", condition="used" if index % 2 else "new",
            purchase_price=Decimal(150 + index), purchased_at=NOW - timedelta(days=40 + index),
        )  # fmt: skip
        await make_order(
            db, item=sold, sale_price=Decimal(260 + 10 * index), platform=["stockx", "goat"][index % 2],
            sold_at=NOW - timedelta(days=2 + 3 * index), shipping_cost=Decimal("4.99"),
        )  # fmt: skip
    await db.commit()


async def run(db: AsyncSession, **query: Any) -> SemanticResult:
    return await SemanticQueryService(db).run(SemanticQuery(**query), now=NOW)


def assert_same(actual: Any, expected: Any, context: str) -> None:
    metric = context.rsplit(" ", 1)[-1]
    if metric in oracle.MONEY_METRICS or metric in oracle.COUNT_METRICS:
        assert actual == expected, context
        assert type(actual) is (int if metric in oracle.COUNT_METRICS else Decimal), context
    elif metric in oracle.AVERAGE_MONEY_METRICS:
        if expected is None:
            assert actual is None, context
        else:  # money is rounded to cents (half up): within half a cent of the exact mean
            assert isinstance(actual, Decimal) and abs(actual - expected) <= Decimal("0.005"), context
    else:
        assert same_ratio(actual, expected), f"{context}: {actual} != {expected}"


def assert_matches(result: SemanticResult, window: windows.Window, **query: Any) -> None:
    """Totals and every group of `result` equal the oracle's answer."""
    metrics = query["metrics"]
    totals, groups = oracle.answer(
        query["pairs"], query["sales"], window=window, now=NOW, metric_names=metrics,
        filters=query.get("filters"), group_by=query.get("group_by", ()),
        dead_stock_days=query.get("dead_stock_days", 60),
    )  # fmt: skip
    context = f"{window.label} {query.get('filters')} by {query.get('group_by')}"
    for metric in metrics:
        assert_same(result.totals[metric], totals[metric], f"{context} total {metric}")
    group_by = query.get("group_by", ())
    assert result.total_groups == len(groups), context
    found = {}
    for row in result.rows:
        key = tuple(row.group["sku"] if d == "product" else row.group[d] for d in group_by)
        found[key] = row
    assert set(found) == set(groups), context
    for key, row in found.items():
        for metric in metrics:
            assert_same(row.values[metric], groups[key][metric], f"{context} {key} {metric}")


@pytest.mark.parametrize("window_name", list(WINDOWS))
async def test_every_metric_matches_the_definitions(db: AsyncSession, window_name: str) -> None:
    await build_shop(db)
    pairs, sales = await oracle.load(db)
    window = WINDOWS[window_name]
    for metrics in (STOCK, SALES[:8], SALES[8:] + MIXED, PURCHASES):
        result = await run(db, metrics=metrics, start=window.start, end=window.end)
        assert_matches(result, window, metrics=metrics, pairs=pairs, sales=sales)
        assert result.rows == [] and result.total_groups == 0


async def test_the_default_window_is_the_last_30_days_and_the_query_comes_back_filled_in(
    db: AsyncSession,
) -> None:
    await build_shop(db)
    pairs, sales = await oracle.load(db)
    result = await run(db, metrics=["revenue", "units_sold"], group_by=["platform"])
    window = windows.last_n_days(30, NOW)
    assert (result.window.start, result.window.end) == (window.start, window.end)
    assert (result.query.start, result.query.end) == (window.start, window.end)
    assert result.query.sort == "revenue" and result.query.limit == 50
    assert_matches(
        result, window, metrics=["revenue", "units_sold"], group_by=["platform"], pairs=pairs, sales=sales
    )
    revenues = [row.values["revenue"] for row in result.rows]
    assert revenues == sorted(revenues, reverse=True)  # type: ignore[type-var]
    assert result.sources == ["orders"]


GROUPINGS: list[tuple[list[str], list[str]]] = [
    (["size"], ["units_sold", "revenue", "profit", "days_to_sell", "margin"]),
    (["platform"], ["units_sold", "revenue", "fees", "shipping", "payout", "average_sale_price"]),
    (["brand"], ["units_sold", "units_in_inventory", "sell_through", "inventory_turnover", "roi"]),
    (["month"], ["revenue", "cogs", "average_profit_per_pair", "selling_costs"]),
    (["aging_bucket"], ["units_in_inventory", "inventory_value", "dead_stock_units", "average_age_days"]),
    (["status", "platform"], ["units_in_inventory", "dead_stock_value", "dead_stock_rate"]),
    (["product"], ["units_sold", "units_in_inventory", "sell_through"]),
    (["family", "condition"], ["units_sold", "units_in_inventory", "sell_through", "inventory_turnover"]),
    (["week"], ["pairs_bought", "purchase_spend"]),
    (["quarter"], ["units_sold", "revenue"]),
    (["year", "brand"], ["pairs_bought", "purchase_spend"]),
    (["day"], ["units_sold", "profit"]),
]


@pytest.mark.parametrize(("group_by", "metrics"), GROUPINGS, ids=["+".join(g) for g, _m in GROUPINGS])
async def test_groups_match_the_definitions(
    db: AsyncSession, group_by: list[str], metrics: list[str]
) -> None:
    await build_shop(db)
    pairs, sales = await oracle.load(db)
    window = windows.last_year(NOW) if "year" in group_by else windows.last_n_days(200, NOW)
    result = await run(db, metrics=metrics, group_by=group_by, start=window.start, end=window.end, limit=500)
    assert result.total_groups >= 2, "a grouping with one group tests nothing"
    assert_matches(result, window, metrics=metrics, group_by=group_by, pairs=pairs, sales=sales)


# --- REST ---------------------------------------------------------------------------------------


async def test_the_endpoint_needs_a_token(client: httpx.AsyncClient) -> None:
    response = await client.post("/analytics/query", json={"metrics": ["revenue"]})
    assert response.status_code == 401
    assert response.json()["error"]["code"] == "unauthorized"


async def test_the_endpoint_answers_a_grouped_query(
    client: httpx.AsyncClient, auth: dict[str, str], db: AsyncSession
) -> None:
    """Sales by platform over the real clock's last 30 days (the endpoint's now is the request's)."""
    now = datetime.now(UTC)
    nike = await make_brand(db, "Nike")
    dunk = await make_product(db, brand=nike, sku="DD1391-100", name='Nike Dunk Low "Panda"')
    for days, platform, price in [(2, "stockx", "200.00"), (3, "stockx", "150.00"), (4, "goat", "120.00")]:
        item = await make_item(
            db, product=dunk, purchased_at=now - timedelta(days=20), purchase_price="100.00"
        )
        await make_order(
            db, item=item, sale_price=price, platform=platform, sold_at=now - timedelta(days=days)
        )
    await make_item(db, product=dunk, purchased_at=now - timedelta(days=80))
    await db.commit()
    body = {"metrics": ["units_sold", "revenue", "sell_through"], "group_by": ["platform"]}
    response = await client.post("/analytics/query", json=body, headers=auth)
    assert response.status_code == 200, response.text
    result = response.json()
    assert [row["group"]["platform"] for row in result["rows"]] == ["stockx", "goat", None]
    assert result["rows"][0]["values"] == {"units_sold": 2, "revenue": "350.00", "sell_through": 100.0}
    # The unlisted pair in inventory has no platform: its own group, with nothing sold.
    assert result["rows"][2]["values"] == {"units_sold": 0, "revenue": "0.00", "sell_through": 0.0}
    assert result["totals"] == {"units_sold": 3, "revenue": "470.00", "sell_through": 75.0}
    assert result["total_groups"] == 3
    assert result["query"]["sort"] == "units_sold" and result["window"]["label"] == "last 30 days"


@pytest.mark.parametrize(
    "body",
    [
        {},
        {"metrics": []},
        {"metrics": ["revenue", "revenue"]},
        {"metrics": ["happiness"]},
        {"metrics": ["revenue"], "group_by": ["brand", "size", "platform"]},
        {"metrics": ["revenue"], "limit": 100000},
        {"metrics": ["revenue"], "dead_stock_days": -1},
        {"metrics": ["revenue"], "start": "0001-01-01T00:00:00+14:00"},
        {"metrics": ["revenue"], "start": "9999-12-31T23:59:59"},
        {"metrics": ["revenue"], "filters": {"colour": ["red"]}},
        {"metrics": ["revenue"], "filters": {"min_price": "NaN"}},
        {"metrics": ["revenue"], "filters": {"brand": ["Nike\u0000"]}},
        {"metrics": ["revenue"], "start": "2026-03-01T00:00:00Z", "end": "2026-02-01T00:00:00Z"},
        {"metrics": ["units_in_inventory"], "group_by": ["month"]},
        {"metrics": ["revenue"], "sort": "profit"},
    ],
)
async def test_invalid_queries_are_422_in_the_error_shape(
    client: httpx.AsyncClient, auth: dict[str, str], body: dict[str, Any]
) -> None:
    response = await client.post("/analytics/query", json=body, headers=auth)
    assert response.status_code == 422, response.text
    error = response.json()["error"]
    assert error["code"] == "validation_error" and error["details"], error
