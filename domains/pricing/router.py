from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Annotated

from fastapi import APIRouter, Path, Query, status

from domains.auth.dependencies import CurrentUser
from domains.pricing.schemas import (
    FeeEstimate,
    FeeScheduleCreate,
    FeeScheduleOut,
    ListingComparison,
    MarketPriceCreate,
    MarketPriceOut,
    PriceRecommendation,
)
from domains.pricing.service import PricingService
from domains.products.service import ProductService
from shared.api.dependencies import AppSettings, DbSession, Pagination
from shared.api.schemas import ERROR_RESPONSES, Page
from shared.database.types import clamp_to_business_range
from shared.error_handling.errors import Forbidden, ValidationFailed

router = APIRouter(prefix="/pricing", tags=["pricing"], responses=ERROR_RESPONSES)

Sku = Annotated[str, Query(min_length=1, max_length=40, description="style code, e.g. DZ5485-612")]
Size = Annotated[str | None, Query(min_length=1, max_length=10, description="e.g. 10.5")]
PlatformQuery = Annotated[str | None, Query(min_length=1, max_length=30, description="e.g. stockx")]
ItemId = Annotated[int, Path(ge=1, le=2**63 - 1, description="inventory item id")]


def _service(session: DbSession, settings: AppSettings) -> PricingService:
    return PricingService(session, settings=settings)


def _utc(value: datetime | None, field: str) -> datetime | None:
    if value is not None and value.tzinfo is None:
        raise ValidationFailed(
            f"{field} needs a time zone (times are UTC)",
            details=[{"field": field, "message": "give a time zone, e.g. 2025-01-31T00:00:00Z"}],
        )
    # Far-away bounds (year 1, 9999) select the same rows as the range's ends, and cannot be
    # converted to UTC safely: clamp them instead of failing.
    return None if value is None else clamp_to_business_range(value)


@router.get("/fees", response_model=Page[FeeScheduleOut])
async def current_fees(
    user: CurrentUser, session: DbSession, settings: AppSettings, page: Pagination
) -> Page[FeeScheduleOut]:
    """The fee schedule valid now, one per platform."""
    schedules = await _service(session, settings).current_fee_schedules()
    return Page(
        items=schedules[page.offset : page.offset + page.limit],
        total=len(schedules),
        limit=page.limit,
        offset=page.offset,
    )


@router.get("/fees/estimate", response_model=FeeEstimate)
async def estimate_fees(
    user: CurrentUser,
    session: DbSession,
    settings: AppSettings,
    platform: Annotated[str, Query(min_length=1, max_length=30)],
    sale_price: Annotated[Decimal, Query(ge=0, le=1_000_000, decimal_places=2)],
    shipping_cost: Annotated[Decimal, Query(ge=0, le=10_000, decimal_places=2)] = Decimal(0),
    at: Annotated[datetime | None, Query(description="fees valid at this time; default now")] = None,
) -> FeeEstimate:
    """Platform fee, processing fee and payout of a sale at `sale_price`."""
    return await _service(session, settings).estimate_fees(
        platform=platform, sale_price=sale_price, shipping_cost=shipping_cost, at=_utc(at, "at")
    )


@router.get("/fees/{platform}/history", response_model=Page[FeeScheduleOut])
async def fee_history(
    platform: str, user: CurrentUser, session: DbSession, settings: AppSettings, page: Pagination
) -> Page[FeeScheduleOut]:
    """Every version of a platform's fees, newest first."""
    items, total = await _service(session, settings).fee_history(
        platform=platform, limit=page.limit, offset=page.offset
    )
    return Page(items=items, total=total, limit=page.limit, offset=page.offset)


@router.post("/fees", response_model=FeeScheduleOut, status_code=status.HTTP_201_CREATED)
async def create_fee_version(
    body: FeeScheduleCreate, user: CurrentUser, session: DbSession, settings: AppSettings
) -> FeeScheduleOut:
    """Add a new version of a platform's fees, valid from `valid_from`. Owner only."""
    if not user.is_owner:
        raise Forbidden("Only the owner can change fee schedules", code="owner_only")
    return await _service(session, settings).create_fee_schedule(data=body)


@router.post("/market-prices", response_model=MarketPriceOut, status_code=status.HTTP_201_CREATED)
async def record_market_price(
    body: MarketPriceCreate, user: CurrentUser, session: DbSession, settings: AppSettings
) -> MarketPriceOut:
    """Record one market observation (lowest ask, highest bid, last sale) of a product + size."""
    return await _service(session, settings).record_market_price(data=body)


async def _product_id(session: DbSession, sku: str) -> int:
    return (await ProductService(session).get_by_sku(sku)).id


@router.get("/market-prices", response_model=Page[MarketPriceOut])
async def market_history(
    user: CurrentUser,
    session: DbSession,
    settings: AppSettings,
    page: Pagination,
    sku: Sku,
    size: Size = None,
    platform: PlatformQuery = None,
    start: Annotated[datetime | None, Query(description="from (inclusive, UTC)")] = None,
    end: Annotated[datetime | None, Query(description="until (exclusive, UTC)")] = None,
) -> Page[MarketPriceOut]:
    """Market observations of a product, newest first."""
    items, total = await _service(session, settings).market_history(
        product_id=await _product_id(session, sku),
        size=size,
        platform=platform,
        start=_utc(start, "start"),
        end=_utc(end, "end"),
        limit=page.limit,
        offset=page.offset,
    )
    return Page(items=items, total=total, limit=page.limit, offset=page.offset)


@router.get("/market-prices/latest", response_model=Page[MarketPriceOut])
async def latest_market_prices(
    user: CurrentUser,
    session: DbSession,
    settings: AppSettings,
    page: Pagination,
    sku: Sku,
    size: Size = None,
    platform: PlatformQuery = None,
) -> Page[MarketPriceOut]:
    """The newest observation per size and platform of a product."""
    items = await _service(session, settings).latest_market_prices(
        product_id=await _product_id(session, sku), size=size, platform=platform
    )
    return Page(
        items=items[page.offset : page.offset + page.limit],
        total=len(items),
        limit=page.limit,
        offset=page.offset,
    )


@router.get("/listings", response_model=Page[ListingComparison])
async def listings(
    user: CurrentUser, session: DbSession, settings: AppSettings, page: Pagination
) -> Page[ListingComparison]:
    """Listed pairs: listed price against the newest market lowest ask."""
    items, total = await _service(session, settings).listings(limit=page.limit, offset=page.offset)
    return Page(items=items, total=total, limit=page.limit, offset=page.offset)


@router.get("/recommendations/{item_id}", response_model=PriceRecommendation)
async def recommend_price(
    item_id: ItemId,
    user: CurrentUser,
    session: DbSession,
    settings: AppSettings,
    target_margin_pct: Annotated[float | None, Query(ge=0, le=95)] = None,
    platform: PlatformQuery = None,
) -> PriceRecommendation:
    """A recommended listing price for one pair, with floor price, expected payout and reasoning."""
    return await _service(session, settings).recommend_price(
        item_id=item_id, target_margin_pct=target_margin_pct, platform=platform
    )
