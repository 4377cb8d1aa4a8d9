from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Body, Depends, Query

from domains.analytics.schemas import (
    BestSellersOut,
    InventorySummary,
    Kpis,
    LowStockRow,
    SalesByPlatformOut,
    TimeSeriesOut,
    WindowOut,
)
from domains.analytics.semantic.query import SemanticQuery
from domains.analytics.semantic.result import SemanticResult
from domains.analytics.semantic.service import SemanticQueryService
from domains.analytics.service import DEFAULT_DEAD_STOCK_DAYS, MAX_DEAD_STOCK_DAYS, AnalyticsService
from domains.analytics.windows import MAX_DAYS, PeriodName, Window, resolve_window
from domains.auth.dependencies import CurrentUser
from shared.api.dependencies import AnalyticsDbSession, Pagination
from shared.api.schemas import ERROR_RESPONSES, Page

router = APIRouter(prefix="/analytics", tags=["analytics"], responses=ERROR_RESPONSES)


async def request_now() -> datetime:
    """One "now" per request, shared by the window and the service."""
    return datetime.now(UTC)


Now = Annotated[datetime, Depends(request_now)]


async def window_params(
    now: Now,
    period: Annotated[
        PeriodName | None,
        Query(description="named window (UTC); default: the last 30 days"),
    ] = None,
    days: Annotated[int | None, Query(ge=1, le=MAX_DAYS, description="the last N days")] = None,
    start: Annotated[
        str | None, Query(max_length=40, description="ISO date or datetime; window start (inclusive)")
    ] = None,
    end: Annotated[
        str | None,
        Query(max_length=40, description="ISO datetime (exclusive) or date (inclusive); default now"),
    ] = None,
) -> Window:
    return resolve_window(now=now, period=period, days=days, start=start, end=end)


WindowParam = Annotated[Window, Depends(window_params)]
Brand = Annotated[str | None, Query(max_length=100, description="brand name, case-insensitive")]
Platform = Annotated[str | None, Query(max_length=30, description="platform code, e.g. stockx")]
DeadStockDays = Annotated[
    int, Query(ge=0, le=MAX_DEAD_STOCK_DAYS, description="age in days above which a pair is dead stock")
]


@router.get("/kpis", response_model=Kpis)
async def kpis(
    user: CurrentUser,
    session: AnalyticsDbSession,
    now: Now,
    window: WindowParam,
    brand: Brand = None,
    platform: Platform = None,
    dead_stock_days: DeadStockDays = DEFAULT_DEAD_STOCK_DAYS,
) -> Kpis:
    """Revenue, orders, profit, margin, ROI, sell-through, days to sell, turnover and inventory health."""
    return await AnalyticsService(session, now=now).kpis(
        window=window, dead_stock_days=dead_stock_days, brand=brand, platform=platform
    )


@router.get("/inventory", response_model=InventorySummary)
async def inventory_summary(
    user: CurrentUser,
    session: AnalyticsDbSession,
    now: Now,
    brand: Brand = None,
    dead_stock_days: DeadStockDays = DEFAULT_DEAD_STOCK_DAYS,
) -> InventorySummary:
    """Pairs in inventory now: units, value, dead stock and aging buckets (0-30, 31-60, 61-90, 91+)."""
    return await AnalyticsService(session, now=now).inventory_summary(
        dead_stock_days=dead_stock_days, brand=brand
    )


@router.get("/best-sellers", response_model=BestSellersOut)
async def best_sellers(
    user: CurrentUser,
    session: AnalyticsDbSession,
    now: Now,
    window: WindowParam,
    by: Literal["brand", "product"] = "product",
    limit: Annotated[int, Query(ge=1, le=100)] = 10,
    brand: Brand = None,
    platform: Platform = None,
) -> BestSellersOut:
    """Brands or products ranked by units sold in the window; ties by revenue."""
    service = AnalyticsService(session, now=now)
    items = await service.best_sellers(window=window, by=by, limit=limit, brand=brand, platform=platform)
    return BestSellersOut(
        window=WindowOut.of(window),
        by=by,
        brand=brand,
        platform=service.platform_code(platform),
        items=items,
    )


@router.get("/sales-by-platform", response_model=SalesByPlatformOut)
async def sales_by_platform(
    user: CurrentUser, session: AnalyticsDbSession, now: Now, window: WindowParam, brand: Brand = None
) -> SalesByPlatformOut:
    """Orders, revenue, fees, payout and profit per platform in the window."""
    items = await AnalyticsService(session, now=now).sales_by_platform(window=window, brand=brand)
    return SalesByPlatformOut(window=WindowOut.of(window), brand=brand, items=items)


@router.get("/timeseries", response_model=TimeSeriesOut)
async def time_series(
    user: CurrentUser,
    session: AnalyticsDbSession,
    now: Now,
    window: WindowParam,
    grain: Literal["day", "week", "month"] = "month",
    brand: Brand = None,
    platform: Platform = None,
) -> TimeSeriesOut:
    """Revenue, profit and orders per day, ISO week (from Monday) or month; empty periods are zeros."""
    service = AnalyticsService(session, now=now)
    points = await service.time_series(window=window, grain=grain, brand=brand, platform=platform)
    return TimeSeriesOut(
        window=WindowOut.of(window),
        grain=grain,
        brand=brand,
        platform=service.platform_code(platform),
        points=points,
    )


@router.get("/low-stock", response_model=Page[LowStockRow])
async def low_stock(
    user: CurrentUser, session: AnalyticsDbSession, now: Now, page: Pagination, by_size: bool = False
) -> Page[LowStockRow]:
    """Products (or product + size) sold in the last 90 days with at most 1 pair in inventory."""
    rows, total = await AnalyticsService(session, now=now).low_stock(
        by_size=by_size, limit=page.limit, offset=page.offset
    )
    return Page[LowStockRow](items=rows, total=total, limit=page.limit, offset=page.offset)


QUERY_EXAMPLES: dict[str, Any] = {
    "sell-through of Jordan 4s by size, last month": {
        "summary": "Sell-through of one model family by size",
        "value": {
            "metrics": ["units_sold", "units_in_inventory", "sell_through"],
            "group_by": ["size"],
            "filters": {"family": ["Jordan 4"]},
            "start": "2026-10-01T00:00:00Z",
            "end": "2026-11-01T00:00:00Z",
        },
    },
    "top 5 brands by profit": {
        "summary": "Top 5 brands by profit, last 30 days (the default window)",
        "value": {"metrics": ["profit", "margin"], "group_by": ["brand"], "limit": 5},
    },
    "dead stock by aging bucket": {
        "summary": "Pairs in inventory and dead stock (over 90 days) by age",
        "value": {
            "metrics": ["units_in_inventory", "inventory_value", "dead_stock_units"],
            "group_by": ["aging_bucket"],
            "dead_stock_days": 90,
            "sort_by_group": True,
        },
    },
}


@router.post("/query", response_model=SemanticResult)
async def semantic_query(
    user: CurrentUser,
    session: AnalyticsDbSession,
    now: Now,
    query: Annotated[SemanticQuery, Body(openapi_examples=QUERY_EXAMPLES)],
) -> SemanticResult:
    """Any metrics, grouped by up to two dimensions, over filters and a window (docs/semantic.md)."""
    return await SemanticQueryService(session).run(query, now=now)
