"""What a question was read as: metrics x group-by x filters x window (+ threshold, ranking),
the words it could not map, and names the data has no record of.

An Interpretation becomes one SemanticQuery (domains/analytics/semantic) and is returned to
clients as `interpretation` (docs/domain.md, data contract).
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields, replace
from datetime import datetime
from decimal import Decimal
from typing import Any

from domains.ai.understanding.timegrammar import Period
from domains.analytics.semantic.catalog import METRICS

# Which fact a metric reads comes from the semantic layer's declarations (one source).
STOCK_METRICS = frozenset(name for name, metric in METRICS.items() if metric.fact == "stock")
PURCHASE_METRICS = frozenset(name for name, metric in METRICS.items() if metric.fact == "purchases")
STOCK_ONLY_DIMENSIONS = frozenset({"status", "aging_bucket"})
TIME_DIMENSIONS = frozenset({"day", "week", "month", "quarter", "year"})

# fact x measure -> metric (docs/domain.md "Reading questions")
FACT_METRICS: dict[tuple[str, str | None], list[str]] = {
    ("sales", "count"): ["units_sold"],
    ("sales", "value"): ["revenue"],
    ("sales", None): ["units_sold", "revenue"],
    ("sales", "amount"): ["revenue"],
    ("sales", "cost"): ["cogs"],
    ("stock", "cost"): ["inventory_value"],
    ("purchases", "cost"): ["purchase_spend"],
    ("stock", "amount"): ["units_in_inventory", "inventory_value"],
    ("purchases", "amount"): ["pairs_bought", "purchase_spend"],
    ("stock", "count"): ["units_in_inventory"],
    ("stock", "value"): ["inventory_value"],
    ("stock", None): ["units_in_inventory", "inventory_value"],
    ("purchases", "count"): ["pairs_bought"],
    ("purchases", "value"): ["purchase_spend"],
    ("purchases", None): ["pairs_bought", "purchase_spend"],
}
SUMMARY_METRICS = {
    "sales": ["units_sold", "revenue", "profit", "margin"],
    "stock": ["units_in_inventory", "inventory_value", "dead_stock_units"],
    "purchases": ["pairs_bought", "purchase_spend"],
}


@dataclass(slots=True)
class Filters:
    brand: list[str] = field(default_factory=list)
    family: list[str] = field(default_factory=list)
    product: list[str] = field(default_factory=list)  # SKUs
    size: list[str] = field(default_factory=list)
    platform: list[str] = field(default_factory=list)
    condition: list[str] = field(default_factory=list)
    status: list[str] = field(default_factory=list)
    aging_bucket: list[str] = field(default_factory=list)
    min_age_days: int | None = None
    max_age_days: int | None = None
    min_price: Decimal | None = None
    max_price: Decimal | None = None

    def as_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for f in fields(self):
            value = getattr(self, f.name)
            if value in (None, []):
                continue
            out[f.name] = str(value) if isinstance(value, Decimal) else value
        return out

    def merged(self, newer: Filters) -> Filters:
        """`newer`'s filters replace the same filters here ("and for Adidas?"); a new brand or
        family replaces both (a family implies its brand)."""
        result = replace(self)
        for f in fields(self):
            value = getattr(newer, f.name)
            if value not in (None, []):
                setattr(result, f.name, value)
        if newer.brand and not newer.family:
            result.family, result.product = [], []
        if newer.family and not newer.brand:
            result.brand, result.product = [], []
        if newer.product:
            result.family = newer.family
        return result


@dataclass(slots=True)
class Interpretation:
    action: str = "unknown"
    # aggregate | list | low_stock | market_price | price_recommendation | fee_estimate | teach |
    # greeting | thanks | help | no_record | future | unknown
    metrics: list[str] = field(default_factory=list)
    group_by: list[str] = field(default_factory=list)
    filters: Filters = field(default_factory=Filters)
    period: Period | None = None  # None: the default window (or not applicable)
    compare_periods: list[Period] = field(default_factory=list)  # two windows side by side
    dead_stock_days: int | None = None
    sort: str | None = None
    descending: bool = True
    limit: int | None = None
    pick: str | None = None  # oldest | newest | cheapest | priciest (one pair)
    unknown_terms: list[str] = field(default_factory=list)
    no_record: list[tuple[str, str]] = field(default_factory=list)  # (platform|brand|metric|name, word)
    teach: tuple[str, str] | None = None  # (word, meaning)
    fee_price: Decimal | None = None
    notes: list[str] = field(default_factory=list)  # reading decisions the restatement names
    period_words: str = ""  # the words that named the window, as typed
    intersect_families: bool = False  # several families named together: products with all of them
    followup: bool = False

    def settle_future(self) -> None:
        """A figure for a period that has not started is "no data yet", and only then."""
        future = self.period is not None and self.period.future and not self.stock_only
        if future and self.action == "aggregate":
            self.action = "future"
        elif self.action == "future" and not future:
            self.action = "aggregate"

    @property
    def facts(self) -> set[str]:
        out = set()
        for metric in self.metrics:
            if metric in STOCK_METRICS:
                out.add("stock")
            elif metric in PURCHASE_METRICS:
                out.add("purchases")
            else:
                out.add("sales")
        return out

    @property
    def stock_only(self) -> bool:
        return bool(self.metrics) and self.facts == {"stock"}

    @property
    def understood(self) -> str:
        if self.action == "unknown":
            return "none"
        if self.unknown_terms or self.no_record:
            return "partial"
        return "full"

    def window(self, now: datetime) -> Period | None:
        """The window the figures cover (None for stock-only answers: they are "now")."""
        from domains.ai.understanding.timegrammar import default_period

        if self.stock_only or self.action in (
            "list",
            "low_stock",
            "market_price",
            "price_recommendation",
            "fee_estimate",
            "reprice",
            "product_lookup",
        ):
            return None
        return self.period or default_period(now)
