"""The assistant's tools: names, descriptions and typed arguments.

TOOL_ARGS: the business tools. The same specs go to the built-in engine, OpenAI function
calling and Anthropic tool use. They are read-only; implementations live in
domains/ai/tools/business.py and call the domain services that the REST API uses, so an
answer and the dashboard cannot disagree.

MEMORY_TOOL_ARGS: `remember`, offered to language models only (the built-in engine extracts
facts from the message itself). It writes to the asking user's memory and nothing else;
see domains/ai/tools/memory.py.
"""

from __future__ import annotations

from datetime import date
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from domains.analytics.windows import NamedPeriod

# The analytics API's periods plus `all_time` (tools only), in the order the models are shown.
PeriodName = Literal[NamedPeriod, "all_time", "custom"]
Platform = Literal["stockx", "goat", "ebay", "klekt", "shop", "local"]
InventoryStatus = Literal["in_stock", "listed", "in_inventory", "sold"]


class ToolArgs(BaseModel):
    # Unknown fields are refused: a model (or an injected prompt) cannot smuggle parameters.
    model_config = ConfigDict(extra="forbid", str_max_length=200)


class PeriodArgs(ToolArgs):
    period: PeriodName = Field(
        default="last_n_days",
        description="Time window (UTC). 'last_n_days' uses `days` (default 30); 'custom' uses start/end.",
    )
    days: int | None = Field(default=None, ge=1, le=3650, description="N for last_n_days")
    start: date | None = Field(default=None, description="first day, for period=custom")
    end: date | None = Field(default=None, description="last day (inclusive), for period=custom")


class InventorySummaryArgs(ToolArgs):
    brand: str | None = Field(default=None, description="only this brand, e.g. 'Jordan'")
    dead_stock_days: int | None = Field(
        default=None,
        ge=1,
        le=3650,
        description="dead-stock threshold in days; default: the user's or 60",
    )


class ListInventoryArgs(ToolArgs):
    brand: str | None = None
    product_query: str | None = Field(default=None, description="fuzzy model name, e.g. 'jordan 1 chicago'")
    sku: str | None = None
    size: str | None = Field(default=None, description="US size, e.g. '10.5'")
    status: InventoryStatus = "in_inventory"
    condition: Literal["new", "used"] | None = None
    listed_platform: Platform | None = Field(
        default=None, description="only pairs listed on this platform (implies status 'listed')"
    )
    min_age_days: int | None = Field(default=None, ge=0, le=3650)
    max_age_days: int | None = Field(default=None, ge=0, le=3650)
    min_purchase_price: float | None = Field(default=None, ge=0)
    max_purchase_price: float | None = Field(default=None, ge=0)
    sort: Literal["oldest", "newest", "price_desc", "price_asc"] = "oldest"
    limit: int = Field(default=20, ge=1, le=50)


class DeadStockArgs(ToolArgs):
    threshold_days: int | None = Field(
        default=None,
        ge=1,
        le=3650,
        description="age in days above which a pair is dead stock; default: the user's or 60",
    )
    brand: str | None = None
    product_query: str | None = None
    limit: int = Field(default=20, ge=1, le=50)


class AgingBucketsArgs(ToolArgs):
    brand: str | None = None


class KpiArgs(PeriodArgs):
    brand: str | None = None
    platform: Platform | None = None
    dead_stock_days: int | None = Field(default=None, ge=1, le=3650)


class BestSellersArgs(PeriodArgs):
    by: Literal["brand", "product"] = "product"
    brand: str | None = Field(default=None, description="only products of this brand")
    platform: Platform | None = None
    limit: int = Field(default=5, ge=1, le=50)


class SalesByPlatformArgs(PeriodArgs):
    brand: str | None = None


class TimeSeriesArgs(PeriodArgs):
    grain: Literal["day", "week", "month"] = "month"
    brand: str | None = None
    platform: Platform | None = None


class ListOrdersArgs(PeriodArgs):
    brand: str | None = None
    platform: Platform | None = None
    sku: str | None = None
    limit: int = Field(default=20, ge=1, le=50)


class ProductLookupArgs(ToolArgs):
    query: str = Field(
        min_length=1, description="name, nickname or SKU, e.g. 'jordan 1 chicago' or 'DZ5485-612'"
    )
    limit: int = Field(default=5, ge=1, le=20)


class MarketPricesArgs(ToolArgs):
    product_query: str | None = Field(default=None, description="name or SKU of the product")
    sku: str | None = None
    size: str | None = None
    platform: Platform | None = None


class PriceRecommendationArgs(ToolArgs):
    item_id: int | None = Field(default=None, ge=1, description="inventory item id")
    product_query: str | None = Field(default=None, description="name or SKU, when no item_id")
    size: str | None = None
    target_margin_pct: float | None = Field(
        default=None, ge=0, le=95, description="default: the user's or 20"
    )
    platform: Platform | None = Field(
        default=None, description="default: the user's preferred platform or StockX"
    )


class FeeEstimateArgs(ToolArgs):
    sale_price: float = Field(gt=0, le=1_000_000)
    platform: Platform | None = Field(default=None, description="omit to compare all platforms")
    shipping_cost: float = Field(default=0, ge=0, le=10_000)


class LowStockArgs(ToolArgs):
    limit: int = Field(default=20, ge=1, le=50)
    by_size: bool = Field(default=False, description="product + size instead of product")


TOOL_ARGS: dict[str, tuple[type[ToolArgs], str]] = {
    "inventory_summary": (
        InventorySummaryArgs,
        "Units and value in inventory now, dead stock (units, value, rate) and aging buckets.",
    ),
    "list_inventory": (
        ListInventoryArgs,
        "Pairs in inventory matching filters (age, brand, product, size, price).",
    ),
    "dead_stock": (
        DeadStockArgs,
        "Pairs in inventory older than the dead-stock threshold, oldest first.",
    ),
    "aging_buckets": (
        AgingBucketsArgs,
        "Inventory counted into 0-30, 31-60, 61-90 and 91+ day age buckets.",
    ),
    "kpis": (
        KpiArgs,
        "Every KPI for a period: revenue, orders, average order value, COGS, profit, margin, ROI, "
        "sell-through, days to sell, inventory turnover, plus units/value/dead stock now.",
    ),
    "best_sellers": (
        BestSellersArgs,
        "Brands or products ranked by units sold in a period (ties by revenue).",
    ),
    "sales_by_platform": (
        SalesByPlatformArgs,
        "Orders, revenue, fees, payout and profit per platform for a period.",
    ),
    "time_series": (
        TimeSeriesArgs,
        "Revenue, profit and orders per day, week or month over a period.",
    ),
    "list_orders": (ListOrdersArgs, "Individual sales in a period, newest first."),
    "product_lookup": (ProductLookupArgs, "Find products by fuzzy name or SKU, with stock counts."),
    "market_prices": (
        MarketPricesArgs,
        "Latest market observations (lowest ask, highest bid, last sale) per platform.",
    ),
    "price_recommendation": (
        PriceRecommendationArgs,
        "Recommended listing price for an item or product+size from market data, fees, age and target margin.",
    ),
    "fee_estimate": (FeeEstimateArgs, "Platform fee, processing fee and payout for a sale price."),
    "low_stock": (
        LowStockArgs,
        "Products sold in the last 90 days with at most one pair left in inventory.",
    ),
}


# The kinds of domains/ai/memory/base.FACT_KINDS (a test keeps the two equal).
FactKind = Literal[
    "dead_stock_threshold",
    "target_margin",
    "preferred_platform",
    "seller_level",
    "sizes_of_interest",
    "currency",
    "language",
    "note",
]


class RememberArgs(ToolArgs):
    kind: FactKind = Field(
        description="dead_stock_threshold (days), target_margin (percent), preferred_platform, "
        "seller_level, sizes_of_interest, currency, language ('en'/'de'), or note (anything else)"
    )
    value: int | float | str | list[str] = Field(
        description="days, percent, platform code, sizes, currency code, language code, or the note"
    )
    text: str = Field(min_length=1, description="what the user said, in their words")


MEMORY_TOOL_ARGS: dict[str, tuple[type[ToolArgs], str]] = {
    "remember": (
        RememberArgs,
        "Save a lasting preference or fact the user states (e.g. their dead-stock threshold or target "
        "margin) for future conversations. Only for what the user asked you to remember or set.",
    ),
}
