"""Analytics response shapes. Money is Decimal (2 places); ratios are floats rounded to 2 places,
null when their denominator is zero ("not available", docs/domain.md)."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from pydantic import BaseModel, Field

from domains.analytics.windows import Window


class WindowOut(BaseModel):
    """The half-open interval [start, end) the numbers cover, in UTC."""

    start: datetime
    end: datetime
    label: str

    @classmethod
    def of(cls, window: Window) -> WindowOut:
        return cls(start=window.start, end=window.end, label=window.label)


class Kpis(BaseModel):
    window: WindowOut
    brand: str | None = Field(default=None, description="brand filter, as given")
    platform: str | None = Field(default=None, description="platform filter (code)")
    revenue: Decimal
    orders: int
    avg_order_value: Decimal | None
    cogs: Decimal
    profit: Decimal
    margin_pct: float | None
    roi_pct: float | None
    sell_through_pct: float | None
    days_to_sell: float | None
    inventory_turnover: float | None
    units_in_inventory: int
    inventory_value: Decimal
    dead_stock_units: int
    dead_stock_rate_pct: float | None
    dead_stock_days: int


class AgingBucket(BaseModel):
    label: str = Field(description="age range in whole days: 0-30, 31-60, 61-90, 91+")
    units: int
    value: Decimal


class BrandInventory(BaseModel):
    brand: str
    units: int
    value: Decimal


class InventorySummary(BaseModel):
    brand: str | None = None
    units_in_inventory: int
    inventory_value: Decimal
    in_stock_units: int
    listed_units: int
    dead_stock_units: int
    dead_stock_value: Decimal
    dead_stock_rate_pct: float | None
    dead_stock_days: int
    aging_buckets: list[AgingBucket]
    by_brand: list[BrandInventory] = Field(default_factory=list, description="top brands by units")


class BestSeller(BaseModel):
    rank: int
    key: str = Field(description="brand name (by=brand) or SKU (by=product)")
    name: str
    brand: str
    units: int
    revenue: Decimal
    profit: Decimal


class PlatformSales(BaseModel):
    platform: str
    orders: int
    revenue: Decimal
    platform_fees: Decimal
    processing_fees: Decimal
    shipping_costs: Decimal
    payout: Decimal
    profit: Decimal
    margin_pct: float | None
    avg_sale_price: Decimal | None


class SeriesPoint(BaseModel):
    period_start: date
    revenue: Decimal
    profit: Decimal
    orders: int


class LowStockRow(BaseModel):
    product_id: int
    sku: str
    name: str
    brand: str
    size: str | None = None
    units_in_inventory: int
    units_sold_90d: int


class BestSellersOut(BaseModel):
    window: WindowOut
    by: str
    brand: str | None = None
    platform: str | None = None
    items: list[BestSeller]


class SalesByPlatformOut(BaseModel):
    window: WindowOut
    brand: str | None = None
    items: list[PlatformSales]


class TimeSeriesOut(BaseModel):
    window: WindowOut
    grain: str
    brand: str | None = None
    platform: str | None = None
    points: list[SeriesPoint]
