"""The semantic layer (POST /analytics/query, SemanticQueryService): every metric, filter and
grouping against the plain-Python oracle over raw rows (tests/analytics/semantic_oracle.py)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy.ext.asyncio import AsyncSession

from domains.analytics import windows
from domains.analytics.semantic.catalog import DIMENSIONS, METRICS, dimension_applies, filter_applies
from domains.analytics.semantic.query import SemanticQuery
from domains.analytics.semantic.result import SemanticResult
from domains.analytics.semantic.service import SemanticQueryService
from domains.analytics.service import AnalyticsService
from shared.error_handling.errors import ValidationFailed
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
    # The whole days from the daily rollup, the whole hours of the partial days at both ends
    # from the hourly one, the partial hours from the orders.
    assert result.sources == ["orders", "sales_daily", "sales_hourly"]


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


# --- filters ------------------------------------------------------------------------------------

EVERYTHING = STOCK + SALES + PURCHASES + MIXED
NOT_PURCHASES = STOCK + SALES + ["sell_through"]
FILTER_CASES: list[tuple[dict[str, Any], list[str]]] = [
    ({"brand": ["jordan", "NIKE"]}, EVERYTHING),
    ({"product": ["j1-001", "DD1391-100"]}, EVERYTHING),
    ({"family": ["Jordan 1"]}, EVERYTHING),
    ({"family": ["Jordan 4", "dunk"], "condition": ["new"]}, EVERYTHING),
    ({"size": ["10", "10.5"]}, EVERYTHING),
    ({"platform": ["stockx", "goat"]}, NOT_PURCHASES),
    ({"condition": ["used"]}, EVERYTHING),
    ({"status": ["listed"]}, STOCK),
    ({"aging_bucket": ["31-60", "91+"]}, STOCK),
    ({"min_age_days": 30, "max_age_days": 90}, STOCK),
    ({"min_price": "120", "max_price": "200.50"}, NOT_PURCHASES + PURCHASES),
]


def chunks(metrics: list[str]) -> list[list[str]]:
    return [metrics[i : i + 8] for i in range(0, len(metrics), 8)]


@pytest.mark.parametrize(("filters", "metrics"), FILTER_CASES, ids=[",".join(f) for f, _m in FILTER_CASES])
async def test_filters_match_the_definitions(
    db: AsyncSession, filters: dict[str, Any], metrics: list[str]
) -> None:
    await build_shop(db)
    pairs, sales = await oracle.load(db)
    window = windows.last_n_days(200, NOW)
    for chunk in chunks(metrics):
        result = await run(db, metrics=chunk, filters=filters, start=window.start, end=window.end)
        assert_matches(result, window, metrics=chunk, filters=filters, pairs=pairs, sales=sales)
    counts = [m for m in ("units_in_inventory", "units_sold") if m in metrics]
    everything = await run(db, metrics=counts, start=window.start, end=window.end)
    narrowed = await run(db, metrics=counts, filters=filters, start=window.start, end=window.end)
    assert narrowed.totals != everything.totals, "a filter that selects everything tests nothing"


async def family_skus(db: AsyncSession, family: str) -> set[str | None]:
    result = await run(db, metrics=["units_in_inventory", "units_sold"], group_by=["product"],
                       filters={"family": [family]}, start=NOW - timedelta(days=365), end=NOW)  # fmt: skip
    return {row.group["sku"] for row in result.rows}


async def test_a_family_matches_whole_words_in_order(db: AsyncSession) -> None:
    await build_shop(db)
    assert await family_skus(db, "Jordan 1") == {"J1-001", "AJ1H-001"}  # not Air Jordan 11
    assert await family_skus(db, "jordan 11") == {"AJ11-001"}
    assert await family_skus(db, "Jordan 4") == {"J4-004", "AJ4R-001"}  # not Air Jordan 40
    assert await family_skus(db, "Jordan 4 Bred") == {"J4-004", "AJ4R-001"}  # '4 Retro "Bred ...' too
    assert await family_skus(db, "Air Jordan 1 Chicago") == {"J1-001", "AJ1H-001"}
    assert await family_skus(db, "Dunk") == {"DD1391-100"}
    assert await family_skus(db, "Jordan") >= {"J1-001", "AJ11-001", "AJ40-001"}
    assert await family_skus(db, "Bred Jordan") == set()  # the words in that order
    assert await family_skus(db, "Jord") == set()  # whole words only


async def test_grouping_by_family_drops_the_quoted_colorway(db: AsyncSession) -> None:
    await build_shop(db)
    result = await run(
        db, metrics=["units_in_inventory"], group_by=["family"], filters={"family": ["Jordan"]}
    )
    assert {row.group["family"] for row in result.rows} == {
        "Air Jordan 1 Chicago", "Air Jordan 4 Bred", "Air Jordan 11 Retro", "Air Jordan 4 Retro",
        "Air Jordan 40", "Air Jordan 1 Retro High OG",
    }  # fmt: skip


async def test_sell_through_of_a_family_filters_both_sides(db: AsyncSession) -> None:
    """Jordan 11: 1 pair sold in the last 30 days, 1 in inventory -> 50 %, whatever the rest sells."""
    await build_shop(db)
    result = await run(db, metrics=["units_sold", "units_in_inventory", "sell_through"],
                       filters={"family": ["Jordan 11"]})  # fmt: skip
    assert result.totals == {"units_sold": 1, "units_in_inventory": 1, "sell_through": 50.0}
    by_size = await run(db, metrics=["sell_through"], group_by=["size"], filters={"family": ["Jordan 11"]})
    assert {row.group["size"]: row.values["sell_through"] for row in by_size.rows} == {
        "9": 100.0,
        "10.5": 0.0,
    }
    shop = await run(db, metrics=["sell_through"])
    assert shop.totals["sell_through"] != 50.0


# --- windows, thresholds, sorting ----------------------------------------------------------------


async def test_an_empty_window_has_zero_sums_and_no_ratios(db: AsyncSession) -> None:
    await build_shop(db)
    empty = WINDOWS["empty"]
    metrics = ["units_sold", "revenue", "margin", "roi", "average_sale_price", "days_to_sell", "pairs_bought"]
    result = await run(db, metrics=metrics, group_by=["brand"], start=empty.start, end=empty.end)
    assert result.rows == [] and result.total_groups == 0
    assert result.totals == {
        "units_sold": 0, "revenue": Decimal("0.00"), "margin": None, "roi": None, "average_sale_price": None,
        "days_to_sell": None, "pairs_bought": 0,
    }  # fmt: skip


async def test_ratios_without_a_denominator_are_not_available(db: AsyncSession) -> None:
    brand = await make_brand(db, "Nike")
    product = await make_product(db, brand=brand, sku="FREE-1", name="Gifted Dunk")
    item = await make_item(db, product=product, purchase_price="0.00", purchased_at=NOW - timedelta(days=5))
    await make_order(db, item=item, sale_price="0.00", platform="local", sold_at=NOW - timedelta(days=1),
                     platform_fee="0", processing_fee="0")  # fmt: skip
    await db.commit()
    result = await run(db, metrics=["units_sold", "margin", "roi", "dead_stock_rate", "average_age_days",
                                    "inventory_turnover", "sell_through"])  # fmt: skip
    assert result.totals == {
        "units_sold": 1, "margin": None, "roi": None, "dead_stock_rate": None, "average_age_days": None,
        "inventory_turnover": None, "sell_through": 100.0,
    }  # fmt: skip


async def test_the_dead_stock_threshold_is_honoured(db: AsyncSession) -> None:
    await build_shop(db)
    pairs, sales = await oracle.load(db)
    window = windows.last_n_days(30, NOW)
    found = set()
    for days in (0, 30, 60, 90, 365):
        metrics = ["dead_stock_units", "dead_stock_value", "dead_stock_rate"]
        result = await run(db, metrics=metrics, dead_stock_days=days, group_by=["brand"])
        assert_matches(result, window, metrics=metrics, group_by=["brand"], dead_stock_days=days,
                       pairs=pairs, sales=sales)  # fmt: skip
        found.add(result.totals["dead_stock_units"])
    assert len(found) == 5


async def test_top_n_sorting_and_chronological_groups(db: AsyncSession) -> None:
    await build_shop(db)
    year = windows.last_n_days(365, NOW)
    everything = await run(db, metrics=["revenue", "units_sold"], group_by=["brand"], start=year.start)
    top = await run(db, metrics=["revenue", "units_sold"], group_by=["brand"], start=year.start, limit=2)
    assert top.total_groups == everything.total_groups > 2
    assert top.rows == everything.rows[:2]
    assert top.rows[0].values["revenue"] >= top.rows[1].values["revenue"]  # type: ignore[operator]
    fewest = await run(db, metrics=["revenue", "units_sold"], group_by=["brand"], start=year.start,
                       sort="units_sold", descending=False)  # fmt: skip
    units = [row.values["units_sold"] for row in fewest.rows]
    assert units == sorted(units)  # type: ignore[type-var]
    months = await run(db, metrics=["revenue"], group_by=["month"], start=year.start, sort_by_group=True)
    labels = [row.group["month"] for row in months.rows]
    assert labels == sorted(labels) and len(labels) > 3  # type: ignore[type-var]
    sizes = await run(db, metrics=["units_sold"], group_by=["size"], start=year.start, sort_by_group=True)
    assert [row.group["size"] for row in sizes.rows][:3] == ["9", "9.5", "10"]  # numbers by value


# --- validation and honesty ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("query", "field", "words"),
    [
        ({"metrics": ["revenue"], "group_by": ["aging_bucket"]}, "group_by", ["aging_bucket", "revenue"]),
        ({"metrics": ["units_sold", "units_in_inventory"], "group_by": ["month"]}, "group_by",
         ["month", "units_in_inventory"]),
        ({"metrics": ["sell_through"], "group_by": ["week"]}, "group_by", ["week", "sell_through"]),
        ({"metrics": ["pairs_bought"], "group_by": ["platform"]}, "group_by", ["platform", "pairs_bought"]),
        ({"metrics": ["inventory_turnover"], "group_by": ["status"]}, "group_by", ["status", "inventory_turnover"]),
        ({"metrics": ["revenue"], "filters": {"status": ["listed"]}}, "filters.status", ["status", "revenue"]),
        ({"metrics": ["sell_through"], "filters": {"min_age_days": 60}}, "filters.min_age_days", ["sell_through"]),
        ({"metrics": ["purchase_spend"], "filters": {"platform": ["ebay"]}}, "filters.platform", ["purchase_spend"]),
        ({"metrics": ["revenue"], "sort": "profit"}, "sort", ["profit"]),
        ({"metrics": ["revenue"], "start": NOW + timedelta(days=1)}, "start", ["end after it starts"]),
        ({"metrics": ["revenue"], "start": NOW, "end": NOW}, "end", ["end after it starts"]),
    ],
)  # fmt: skip
async def test_queries_that_cannot_be_answered_name_the_reason(
    db: AsyncSession, query: dict[str, Any], field: str, words: list[str]
) -> None:
    with pytest.raises(ValidationFailed) as raised:
        await run(db, **query)
    assert raised.value.details[0]["field"] == field
    for word in words:
        assert word in raised.value.message


async def test_unmatched_filter_values_are_named_and_match_nothing(db: AsyncSession) -> None:
    await build_shop(db)
    filters = {
        "brand": ["Gucci", "nike"], "product": ["NOPE-1", "j1-001"], "family": ["Jordan 99", "Dunk", "!!"],
        "platform": ["vinted", "StockX", "alias"],
    }  # fmt: skip
    result = await run(db, metrics=["units_sold"], filters=filters)
    assert result.unmatched_filters == {
        "brand": ["Gucci"], "product": ["NOPE-1"], "family": ["Jordan 99", "!!"], "platform": ["vinted"],
    }  # fmt: skip
    nothing = await run(db, metrics=["units_sold", "revenue"], filters={"brand": ["Gucci"]})
    assert nothing.totals == {"units_sold": 0, "revenue": Decimal("0.00")}
    assert nothing.unmatched_filters == {"brand": ["Gucci"]}
    matched = await run(db, metrics=["units_sold"], filters={"brand": ["NIKE"], "platform": ["goat"]})
    assert matched.unmatched_filters == {}


async def test_typographic_quotes_and_apostrophes_separate_words(db: AsyncSession) -> None:
    nike = await make_brand(db, "Nike")
    for sku, name in [("DUNK-1", "Nike Dunk Low “Panda”"), ("AF1-07", "Air Force 1 '07 'Triple White'")]:
        product = await make_product(db, brand=nike, sku=sku, name=name)
        await make_item(db, product=product, purchased_at=NOW - timedelta(days=3))
    await db.commit()
    result = await run(db, metrics=["units_in_inventory"], group_by=["family"],
                       filters={"family": ["dunk low panda", "Triple White"]})  # fmt: skip
    assert {row.group["family"]: row.values["units_in_inventory"] for row in result.rows} == {
        "Nike Dunk Low": 1, "Air Force 1 '07 'Triple White'": 1,
    }  # fmt: skip


async def test_every_metric_and_dimension_either_answers_or_says_why_not(db: AsyncSession) -> None:
    """All 23 x 13 combinations (and every filter) run on both databases; the catalog's
    dimension_applies / filter_applies say in advance which ones are refused."""
    await build_shop(db)
    values: dict[str, Any] = {
        "brand": ["Nike"], "product": ["J1-001"], "family": ["Jordan"], "size": ["10"], "platform": ["stockx"],
        "condition": ["new"], "status": ["listed"], "aging_bucket": ["0-30"], "min_age_days": 1,
        "max_age_days": 100, "min_price": "10", "max_price": "500",
    }  # fmt: skip
    refused = answered = 0
    for metric in METRICS:
        for dimension in DIMENSIONS:
            try:
                result = await run(
                    db, metrics=[metric], group_by=[dimension], start=NOW - timedelta(days=400)
                )
            except ValidationFailed as error:
                assert not dimension_applies(dimension, metric), error.message
                assert dimension in error.message and metric in error.message
                refused += 1
            else:
                assert dimension_applies(dimension, metric), (metric, dimension)
                assert result.total_groups >= 1, (metric, dimension)
                answered += 1
        for name, value in values.items():
            try:
                await run(db, metrics=[metric], filters={name: value})
            except ValidationFailed as error:
                assert not filter_applies(name, metric) and error.details[0]["field"] == f"filters.{name}"
            else:
                assert filter_applies(name, metric), (metric, name)
    assert refused and answered


async def test_the_openapi_examples_are_answered(
    app: FastAPI, client: httpx.AsyncClient, auth: dict[str, str], db: AsyncSession
) -> None:
    await build_shop(db)
    operation = app.openapi()["paths"]["/analytics/query"]["post"]
    examples = operation["requestBody"]["content"]["application/json"]["examples"]
    assert len(examples) >= 2
    for name, example in examples.items():
        response = await client.post("/analytics/query", json=example["value"], headers=auth)
        assert response.status_code == 200, (name, response.text)
        assert set(response.json()["totals"]) == set(example["value"]["metrics"])


KPI_NAMES = {
    "revenue": "revenue", "units_sold": "orders", "average_sale_price": "avg_order_value", "cogs": "cogs",
    "profit": "profit", "margin": "margin_pct", "roi": "roi_pct", "sell_through": "sell_through_pct",
    "days_to_sell": "days_to_sell", "inventory_turnover": "inventory_turnover",
    "units_in_inventory": "units_in_inventory", "inventory_value": "inventory_value",
    "dead_stock_units": "dead_stock_units", "dead_stock_rate": "dead_stock_rate_pct",
}  # fmt: skip


@pytest.mark.parametrize("brand", [None, "jordan"])
async def test_the_assistant_and_the_dashboard_agree(db: AsyncSession, brand: str | None) -> None:
    """The semantic layer and GET /analytics/kpis (rollups + raw edges) give the same figures."""
    await build_shop(db)
    service = AnalyticsService(db, now=NOW)
    metrics = list(KPI_NAMES)
    for window in WINDOWS.values():
        kpis = (await service.kpis(window=window, brand=brand)).model_dump()
        filters = {"brand": [brand]} if brand else {}
        totals: dict[str, Any] = {}
        for chunk in chunks(metrics):
            result = await run(db, metrics=chunk, filters=filters, start=window.start, end=window.end)
            totals.update(result.totals)
        assert {name: totals[name] for name in KPI_NAMES} == {
            name: kpis[kpi] for name, kpi in KPI_NAMES.items()
        }, window.label


async def test_only_listed_pairs_count_for_a_platform(db: AsyncSession) -> None:
    nike = await make_brand(db, "Nike")
    dunk = await make_product(db, brand=nike, sku="DD1391-100", name="Dunk Low Panda")
    await make_item(db, product=dunk, status="listed", listed_platform="ebay", listed_price=Decimal("150.00"))
    await make_item(db, product=dunk, status="in_stock", listed_platform="ebay")  # a stale platform
    await db.commit()
    result = await run(db, metrics=["units_in_inventory"], group_by=["platform"])
    assert {row.group["platform"]: row.values["units_in_inventory"] for row in result.rows} == {
        "ebay": 1,
        None: 1,
    }
    listed = await run(db, metrics=["units_in_inventory"], filters={"platform": ["eBay"]})
    assert listed.totals == {"units_in_inventory": 1}


# --- where the rows are read (domains/analytics/semantic/plan.py) --------------------------------


async def test_a_long_window_reads_months_days_and_edges_and_equals_the_raw_rows(db: AsyncSession) -> None:
    """200 days ending mid-afternoon: whole months from product_sales_monthly, the whole days of
    the partial months from product_sales_daily, the whole hours of the partial days at both ends
    from product_sales_hourly, their partial hours from orders."""
    await build_shop(db)
    # Sold after the window ends, in the window's last month: March's monthly row holds it, and
    # the days after the window are taken away again; the product must not come back as a group.
    brand = await make_brand(db, "Later Co")
    later = await make_product(db, brand=brand, sku="LATE-001", name="Later Runner")
    item = await make_item(
        db, product=later, size="9", purchase_price=Decimal("90"), purchased_at=NOW - timedelta(days=3)
    )
    await make_order(
        db, item=item, sale_price=Decimal("150"), platform="goat", sold_at=NOW + timedelta(days=2)
    )
    await db.commit()
    pairs, sales = await oracle.load(db)
    window = windows.between(NOW - timedelta(days=200, hours=3), NOW)
    query = {"metrics": ["units_sold", "revenue", "profit"], "group_by": ["product"]}
    result = await run(db, **query, start=window.start, end=window.end, limit=500)
    tables = ["orders", "products", "product_sales_monthly", "product_sales_daily", "product_sales_hourly"]
    assert result.sources == tables
    assert_matches(result, window, **query, pairs=pairs, sales=sales)
    assert "LATE-001" not in {row.group["sku"] for row in result.rows}


async def test_age_lines_split_only_their_own_hours_out_of_the_stock_rollups(db: AsyncSession) -> None:
    """Dead stock: the purchase hour of the 45-day line from the raw pairs, the other hours of its
    day from stock_hourly, every other day from stock_daily; the figures equal counting the pairs."""
    await build_shop(db)
    brand = await make_brand(db, "Edge Case Co")
    product = await make_product(db, brand=brand, sku="EDGE-001", name="Edge Runner")
    line = NOW - timedelta(days=46)  # dead stock at 45 days: purchased at or before this
    for offset in (
        timedelta(minutes=-1),
        timedelta(0),
        timedelta(minutes=1),
        timedelta(hours=2),
        -timedelta(hours=3),
    ):
        await make_item(
            db, product=product, size="9", purchase_price=Decimal("80"), purchased_at=line + offset
        )
    await db.commit()
    pairs, sales = await oracle.load(db)
    window = windows.last_n_days(30, NOW)
    metrics = ["units_in_inventory", "dead_stock_units", "dead_stock_value"]
    plain = await run(db, metrics=["units_in_inventory"])
    assert plain.sources == ["stock_daily"]
    result = await run(db, metrics=metrics, group_by=["brand"], dead_stock_days=45)
    assert result.sources == ["stock_daily", "brands", "stock_hourly", "inventory_items", "products"]
    assert_matches(
        result, window, metrics=metrics, group_by=["brand"], dead_stock_days=45, pairs=pairs, sales=sales
    )
    edge = next(row for row in result.rows if row.group["brand"] == "Edge Case Co")
    assert edge.values["dead_stock_units"] == 3  # the line itself, a minute and three hours before it
    # The average age needs each pair's time of day: it is read from the pairs themselves.
    assert (await run(db, metrics=["average_age_days"])).sources == ["inventory_items"]
