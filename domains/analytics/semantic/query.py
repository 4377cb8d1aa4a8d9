"""The semantic query: metrics x group-by dimensions x filters x window x threshold x sort/top-N.

Only the shape is checked here (pydantic -> 422 on the REST body); rules that relate fields to
each other (a dimension that does not apply to a metric's fact, a window that ends before it
starts) are checked by SemanticQueryService and raise ValidationFailed."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from typing import Annotated, Literal, TypeVar

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, StringConstraints, field_validator

MetricName = Literal[
    # stock: pairs in inventory NOW (status in_stock or listed); the window does not apply
    "units_in_inventory",
    "inventory_value",
    "dead_stock_units",
    "dead_stock_value",
    "dead_stock_rate",
    "average_age_days",
    # sales: orders with sold_at in the window
    "units_sold",
    "revenue",
    "average_sale_price",
    "cogs",
    "profit",
    "average_profit_per_pair",
    "margin",
    "roi",
    "fees",
    "shipping",
    "selling_costs",
    "payout",
    "days_to_sell",
    # purchases: pairs (inventory_items) with purchased_at in the window, sold since or not
    "pairs_bought",
    "purchase_spend",
    # mixed
    "sell_through",
    "inventory_turnover",
]
DimensionName = Literal[
    "brand",
    "product",
    "family",
    "size",
    "platform",
    "condition",
    "status",
    "aging_bucket",
    "day",
    "week",
    "month",
    "quarter",
    "year",
]
AgingBucketName = Literal["0-30", "31-60", "61-90", "91+"]

MAX_METRICS = 8
MAX_GROUP_BY = 2
MAX_FILTER_VALUES = 50
MAX_LIMIT = 500
DEFAULT_LIMIT = 50
DEFAULT_DEAD_STOCK_DAYS = 60
MAX_DEAD_STOCK_DAYS = 3650
MAX_AGE_DAYS = 36500
MAX_PRICE = Decimal("1000000000")
# Instants outside these years are typing mistakes, and would overflow date arithmetic.
EARLIEST = datetime(1900, 1, 1, tzinfo=UTC)
LATEST = datetime(2999, 12, 31, tzinfo=UTC)

T = TypeVar("T")

# Text a filter names; NUL is refused because PostgreSQL text cannot hold it.
FilterText = Annotated[str, StringConstraints(max_length=200, pattern=r"^[^\x00]*$")]


def _distinct(values: list[T]) -> list[T]:
    if len(set(values)) != len(values):
        raise ValueError("values must be distinct")
    return values


class QueryFilters(BaseModel):
    """What the figures are restricted to. Several values of one filter = any of them (OR);
    different filters all apply (AND). Unknown names match nothing (see unmatched_filters)."""

    model_config = ConfigDict(extra="forbid")

    brand: list[FilterText] = Field(
        default_factory=list, max_length=MAX_FILTER_VALUES, description="brand names, case-insensitive"
    )
    product: list[FilterText] = Field(
        default_factory=list, max_length=MAX_FILTER_VALUES, description="SKUs (style codes), case-insensitive"
    )
    family: list[FilterText] = Field(
        default_factory=list,
        max_length=MAX_FILTER_VALUES,
        description=(
            "model families: products whose name contains every word of the phrase as a whole word, "
            "in that order ('Jordan 1' matches 'Air Jordan 1 Retro High', not 'Air Jordan 11')"
        ),
    )
    size: list[FilterText] = Field(
        default_factory=list, max_length=MAX_FILTER_VALUES, description="US sizes as stored ('10', '10.5')"
    )
    platform: list[FilterText] = Field(
        default_factory=list,
        max_length=MAX_FILTER_VALUES,
        description="platform codes (stockx, goat, ebay, klekt, shop, local); stock: the listed platform",
    )
    condition: list[Literal["new", "used"]] = Field(default_factory=list, max_length=2)
    status: list[Literal["in_stock", "listed"]] = Field(
        default_factory=list, max_length=2, description="stock metrics only"
    )
    aging_bucket: list[AgingBucketName] = Field(
        default_factory=list, max_length=4, description="stock metrics only: age ranges in whole days"
    )
    min_age_days: int | None = Field(
        default=None, ge=0, le=MAX_AGE_DAYS, description="stock: age in whole days > min_age_days"
    )
    max_age_days: int | None = Field(
        default=None, ge=0, le=MAX_AGE_DAYS, description="stock: age in whole days <= max_age_days"
    )
    min_price: Decimal | None = Field(
        default=None,
        ge=0,
        le=MAX_PRICE,
        description="stock/purchases: purchase_price >= min_price; sales: sale_price >= min_price",
    )
    max_price: Decimal | None = Field(default=None, ge=0, le=MAX_PRICE, description="<= (as min_price)")

    @field_validator("brand", "product", "family", "size", "platform", "condition", "status", "aging_bucket")
    @classmethod
    def _no_repeats(cls, values: list[str]) -> list[str]:
        return _distinct(values)


def _utc(value: datetime | None) -> datetime | None:
    """Naive instants are UTC; every instant is returned in UTC, within EARLIEST..LATEST."""
    if value is None:
        return None
    try:
        moment = value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)
    except (OverflowError, ValueError):
        raise ValueError("instant out of range") from None
    if not EARLIEST <= moment <= LATEST:
        raise ValueError(f"must lie between {EARLIEST.date()} and {LATEST.date()}")
    return moment


UtcInstant = Annotated[datetime | None, AfterValidator(_utc)]


class SemanticQuery(BaseModel):
    """One question: metrics, optionally per group, over filters and a window."""

    model_config = ConfigDict(extra="forbid")

    metrics: Annotated[list[MetricName], AfterValidator(_distinct)] = Field(
        min_length=1, max_length=MAX_METRICS, description="1 to 8 distinct metrics"
    )
    group_by: Annotated[list[DimensionName], AfterValidator(_distinct)] = Field(
        default_factory=list, max_length=MAX_GROUP_BY, description="0 to 2 distinct dimensions"
    )
    filters: QueryFilters = Field(default_factory=QueryFilters)
    start: UtcInstant = Field(
        default=None, description="window start (inclusive, UTC); start and end omitted = the last 30 days"
    )
    end: UtcInstant = Field(default=None, description="window end (exclusive, UTC); omitted = now")
    dead_stock_days: int = Field(
        default=DEFAULT_DEAD_STOCK_DAYS,
        ge=0,
        le=MAX_DEAD_STOCK_DAYS,
        description="age in whole days above which a pair in inventory is dead stock",
    )
    sort: MetricName | None = Field(
        default=None, description="metric the groups are ranked by; default: the first metric"
    )
    descending: bool = True
    limit: int | None = Field(
        default=None, ge=1, le=MAX_LIMIT, description=f"top-N groups; default {DEFAULT_LIMIT}"
    )
    sort_by_group: bool = Field(
        default=False,
        description="order the groups by their labels (chronologically for day..year) instead of a metric",
    )
