"""Pricing request/response models: fee schedules, fee estimates, market prices, recommendations."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Annotated, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, field_validator, model_validator

from domains.inventory.schemas import normalize_size
from domains.pricing.platforms import PLATFORMS, normalize_platform
from shared.database.types import AwareBusinessDateTime, AwareScheduleDateTime


def _known_platform(value: str) -> str:
    platform = normalize_platform(value)
    if platform is None:
        raise ValueError(f"unknown platform; use one of: {', '.join(PLATFORMS)}")
    return platform


PlatformName = Annotated[str, Field(min_length=1, max_length=30), AfterValidator(_known_platform)]
Percent = Annotated[Decimal, Field(ge=0, le=100, max_digits=6, decimal_places=3)]
MoneyIn = Annotated[Decimal, Field(ge=0, le=1_000_000, max_digits=12, decimal_places=2)]
PositiveMoney = Annotated[Decimal, Field(gt=0, le=1_000_000, max_digits=12, decimal_places=2)]


# --- fee schedules ----------------------------------------------------------------------------


class FeeScheduleCreate(BaseModel):
    """A new version of a platform's fees, valid from `valid_from` until the next version."""

    model_config = ConfigDict(extra="forbid")

    platform: PlatformName
    valid_from: AwareScheduleDateTime
    commission_pct: Percent
    fixed_fee: MoneyIn = Decimal("0")
    processing_pct: Percent = Decimal("0")
    min_commission: MoneyIn = Decimal("0")
    threshold_price: PositiveMoney | None = None
    commission_pct_below_threshold: Percent | None = None
    notes: str | None = Field(default=None, max_length=500)

    @model_validator(mode="after")
    def _threshold_pair(self) -> FeeScheduleCreate:
        if (self.threshold_price is None) != (self.commission_pct_below_threshold is None):
            raise ValueError("threshold_price and commission_pct_below_threshold go together")
        return self


class FeeScheduleOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    platform: str
    platform_name: str = ""
    valid_from: datetime
    commission_pct: Decimal
    fixed_fee: Decimal
    processing_pct: Decimal
    min_commission: Decimal
    threshold_price: Decimal | None
    commission_pct_below_threshold: Decimal | None
    notes: str | None

    @model_validator(mode="after")
    def _display_name(self) -> FeeScheduleOut:
        if not self.platform_name:
            self.platform_name = PLATFORMS.get(self.platform, self.platform)
        return self


class FeeEstimate(BaseModel):
    """What a sale at `sale_price` costs in fees and pays out, by the schedule valid at that time."""

    platform: str
    sale_price: Decimal
    platform_fee: Decimal
    processing_fee: Decimal
    shipping_cost: Decimal
    payout: Decimal
    fee_schedule_id: int
    valid_from: datetime


# --- market prices ------------------------------------------------------------------------------


class MarketPriceCreate(BaseModel):
    """One observation of a product + size on a platform; give `sku` or `product_id`."""

    model_config = ConfigDict(extra="forbid")

    sku: str | None = Field(default=None, min_length=1, max_length=40)
    product_id: int | None = Field(default=None, ge=1)
    size: str = Field(min_length=1, max_length=20)
    platform: PlatformName
    observed_at: AwareBusinessDateTime | None = None
    lowest_ask: PositiveMoney | None = None
    highest_bid: PositiveMoney | None = None
    last_sale: PositiveMoney | None = None

    @field_validator("sku")
    @classmethod
    def _strip(cls, value: str | None) -> str | None:
        return value.strip() if value is not None else None

    @field_validator("size")
    @classmethod
    def _size(cls, value: str) -> str:
        size = normalize_size(value)
        if not size or len(size) > 10:
            raise ValueError("give a size of 1-10 characters, e.g. 10.5")
        return size

    @model_validator(mode="after")
    def _complete(self) -> MarketPriceCreate:
        if self.sku is None and self.product_id is None:
            raise ValueError("give sku or product_id")
        if self.lowest_ask is None and self.highest_bid is None and self.last_sale is None:
            raise ValueError("give at least one of lowest_ask, highest_bid, last_sale")
        return self


class MarketPriceOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    product_id: int
    sku: str | None = None
    size: str
    platform: str
    observed_at: datetime
    lowest_ask: Decimal | None
    highest_bid: Decimal | None
    last_sale: Decimal | None


class MarketSnapshot(BaseModel):
    """The market figures a recommendation used (all null when there was no observation)."""

    platform: str | None = None
    lowest_ask: Decimal | None = None
    highest_bid: Decimal | None = None
    last_sale: Decimal | None = None
    observed_at: datetime | None = None


# --- recommendations and listings ---------------------------------------------------------------

Confidence = Literal["high", "medium", "low"]


class PriceRecommendation(BaseModel):
    item_id: int
    sku: str
    product_name: str
    size: str
    platform: str
    age_days: int
    purchase_price: Decimal
    market: MarketSnapshot
    recommended_price: Decimal
    floor_price: Decimal | None = Field(
        description="lowest price whose payout still reaches the target margin; null if unreachable"
    )
    expected_payout: Decimal
    expected_profit: Decimal
    expected_margin_pct: float | None
    target_margin_pct: float
    reasoning: list[str]
    confidence: Confidence


ListingPosition = Literal["above_market", "at_market", "below_market", "no_market_data"]


class ListingComparison(BaseModel):
    """A listed pair: its listed price against the newest lowest ask for its product + size."""

    item_id: int
    sku: str
    product_name: str
    size: str
    age_days: int
    purchase_price: Decimal
    listed_price: Decimal | None
    listed_platform: str | None
    market_platform: str | None
    lowest_ask: Decimal | None
    observed_at: datetime | None
    difference: Decimal | None = Field(description="listed_price - lowest_ask")
    difference_pct: float | None = Field(description="difference / lowest_ask x 100")
    position: ListingPosition
