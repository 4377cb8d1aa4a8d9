"""The assistant's tools: names, descriptions and typed arguments.

TOOL_ARGS: the business tools. The same specs go to the built-in engine, OpenAI function
calling and Anthropic tool use. They are read-only; implementations live in
domains/ai/tools/business.py and call the domain services that the REST API uses, so an
answer and the dashboard cannot disagree.

MEMORY_TOOL_ARGS: `remember`, offered to every provider when memory is on (language models save
what users ask them to keep; the built-in engine saves the words users teach it, and extracts
other facts from the message itself). It writes to the asking user's memory and nothing else;
see domains/ai/tools/memory.py.
"""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any, Literal, get_args

from pydantic import AfterValidator, BaseModel, ConfigDict, Field

from domains.ai.providers.base import ToolSpec
from domains.analytics.semantic.query import SemanticQuery
from domains.analytics.windows import NamedPeriod
from domains.pricing.platforms import PlatformCode

# The analytics API's periods plus `all_time` (tools only), in the order the models are shown.
PeriodName = Literal[NamedPeriod, "all_time", "custom"]
Platform = PlatformCode
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


class ListInventoryArgs(ToolArgs):
    brand: str | None = None
    product_query: str | None = Field(default=None, description="fuzzy model name or SKU")
    sku: str | None = None
    size: str | None = Field(default=None, description="US size, e.g. '10.5'")
    status: InventoryStatus = Field(
        default="in_inventory", description="default in_inventory: in_stock or listed"
    )
    condition: Literal["new", "used"] | None = None
    listed_platform: Platform | None = Field(default=None, description="implies status listed")
    min_age_days: int | None = Field(default=None, ge=0, le=3650)
    max_age_days: int | None = Field(default=None, ge=0, le=3650)
    min_purchase_price: float | None = Field(default=None, ge=0)
    max_purchase_price: float | None = Field(default=None, ge=0)
    sort: Literal["oldest", "newest", "price_desc", "price_asc"] = Field(
        default="oldest", description="default oldest"
    )
    limit: int = Field(default=20, ge=1, le=50)
    skus: list[str] | None = Field(default=None, max_length=500, description="any of these")
    sizes: list[str] | None = Field(default=None, max_length=50, description="any of these")
    older_than_dead_stock: bool = Field(
        default=False, description="only dead stock: older than dead_stock_days (default: the user's or 60)"
    )
    dead_stock_days: int | None = Field(default=None, ge=0, le=3650)


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


TOOL_ARGS: dict[str, tuple[type[BaseModel], str]] = {
    "query_business": (
        SemanticQuery,
        "The business's figures: stock now (units_in_inventory, inventory_value, dead_stock_*, "
        "average_age_days), purchases (pairs_bought, purchase_spend) or sales (other metrics) in the window.",
    ),
    "list_inventory": (
        ListInventoryArgs,
        "Individual pairs matching filters (age, brand, SKUs, sizes, price).",
    ),
    "list_orders": (ListOrdersArgs, "Individual sales in a period, newest first."),
    "product_lookup": (ProductLookupArgs, "Find products by fuzzy name or SKU, with stock counts."),
    "market_prices": (
        MarketPricesArgs,
        "Latest lowest ask, highest bid and last sale for a product (and size).",
    ),
    "price_recommendation": (
        PriceRecommendationArgs,
        "A listing price for a pair from its cost, the platform's fees, the target margin and market prices.",
    ),
    "fee_estimate": (FeeEstimateArgs, "Fees and payout for a sale price on one or every platform."),
    "low_stock": (LowStockArgs, "Products sold in the last 90 days with at most one pair left in inventory."),
}

# What a language model reads about query_business's arguments: shorter than the REST API's
# descriptions of the same SemanticQuery (docs/semantic.md), which stay as they are. Keys are
# paths into its JSON schema; None drops a description the schema itself already says.
MODEL_DESCRIPTIONS: dict[str, dict[tuple[str, ...], str | None]] = {
    "query_business": {
        (): None,
        ("properties", "metrics"): None,
        ("properties", "group_by"): None,
        ("properties", "start"): None,
        ("properties", "end"): "exclusive",
        ("properties", "dead_stock_days"): None,
        ("properties", "sort"): None,
        ("properties", "limit"): None,
        ("properties", "sort_by_group"): None,
        ("$defs", "QueryFilters"): "OR within a filter, AND across",
        ("$defs", "QueryFilters", "properties", "brand"): None,
        ("$defs", "QueryFilters", "properties", "product"): "SKUs",
        ("$defs", "QueryFilters", "properties", "family"): "model names, e.g. 'Jordan 1'",
        ("$defs", "QueryFilters", "properties", "size"): "US sizes",
        ("$defs", "QueryFilters", "properties", "platform"): "stockx, goat, ebay, klekt, shop, local",
        ("$defs", "QueryFilters", "properties", "status"): None,
        ("$defs", "QueryFilters", "properties", "aging_bucket"): None,
        ("$defs", "QueryFilters", "properties", "min_age_days"): "stock: age in days > this",
        ("$defs", "QueryFilters", "properties", "max_age_days"): "stock: age in days <= this",
        (
            "$defs",
            "QueryFilters",
            "properties",
            "min_price",
        ): "and max_price: sale price (sales), else purchase price",
        ("$defs", "QueryFilters", "properties", "max_price"): None,
    },
}

# A language model's first request offers query_business and `more_tools`, which lists every
# other tool by the line below and loads the ones the model names for its next request: the
# first request stays short, nothing becomes unreachable. The built-in engine gets every tool.
ON_DEMAND_SUMMARIES: dict[str, str] = {
    "list_inventory": "pairs",
    "list_orders": "sales",
    "product_lookup": "",
    "market_prices": "",
    "price_recommendation": "",
    "fee_estimate": "",
    "low_stock": "sellers running out",
    "remember": "a user's preference",
}


def model_schema(name: str, model: type[BaseModel]) -> dict[str, Any]:
    """The JSON schema of a tool's arguments with the descriptions a model reads."""
    schema = model.model_json_schema()
    for path, text in MODEL_DESCRIPTIONS.get(name, {}).items():
        node = schema
        for key in path:
            node = node[key]  # a KeyError here: a renamed field whose description is stale
        if text is None:
            node.pop("description", None)
        else:
            node["description"] = text
    return schema


def tool_spec(name: str, model: type[BaseModel], description: str) -> ToolSpec:
    """What a model is told about one tool (and whether it is offered on demand)."""
    return ToolSpec(
        name=name,
        description=description,
        parameters=model_schema(name, model),
        summary=ON_DEMAND_SUMMARIES.get(name),
    )


# The kinds of domains/ai/memory/base.FACT_KINDS (a test keeps the two equal).
FactKind = Literal[
    "dead_stock_threshold",
    "target_margin",
    "preferred_platform",
    "seller_level",
    "sizes_of_interest",
    "currency",
    "language",
    "digest_enabled",
    "digest_hour",
    "insights_min_severity",
    "note",
]


def _fact_kind(value: str) -> str:
    """A kind of FACT_KINDS, or "term:<word>" for a word the user taught."""
    if value in get_args(FactKind) or (value.startswith("term:") and 5 < len(value) <= 40):
        return value
    raise ValueError(f"one of {', '.join(get_args(FactKind))}, or term:<word>")


class RememberArgs(ToolArgs):
    kind: Annotated[str, AfterValidator(_fact_kind)] = Field(
        description="dead_stock_threshold (days), target_margin (percent), preferred_platform, "
        "seller_level, sizes_of_interest, currency, language ('en'/'de'), note (anything else), "
        "or term:<word> (a word the user taught, value = what it means)"
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
