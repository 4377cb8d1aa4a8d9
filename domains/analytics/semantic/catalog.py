"""Declarations of every metric and dimension of the semantic layer: what it reads, what kind of
number it is and what it is called (EN/DE). The parser and the answer renderer read labels and
kinds from here; the service executes the declarations.

Adding a metric is one `Metric(...)` entry: either `sql=` an aggregate over one fact's rows, or
`inputs=` + `formula=` over other metrics / measures. Definitions: docs/domain.md."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, Literal, get_args

from sqlalchemy import func
from sqlalchemy.sql import ColumnElement

from domains.analytics.repository import money_sum
from domains.analytics.semantic.query import DimensionName, MetricName, QueryFilters
from domains.analytics.semantic.sources import Rows, SourceName
from domains.analytics.service import percent, ratio
from shared.database.types import to_money

Fact = Literal["stock", "sales", "purchases", "mixed"]
Kind = Literal["count", "money", "percent", "days", "ratio"]
Number = int | Decimal | float
Value = int | Decimal | float | None
Aggregate = Callable[[Rows], ColumnElement[Any]]


@dataclass(frozen=True, slots=True)
class Labels:
    en: str
    de: str


@dataclass(frozen=True, slots=True)
class Measure:
    """A sum (or count) SQL computes over the rows of one fact."""

    source: SourceName
    aggregate: Aggregate


@dataclass(frozen=True, slots=True)
class Metric:
    name: str
    fact: Fact
    kind: Kind
    labels: Labels
    sql: Measure | None = None
    inputs: tuple[str, ...] = ()
    formula: Callable[..., Value] | None = None


@dataclass(frozen=True, slots=True)
class Dimension:
    name: str
    labels: Labels
    sources: frozenset[SourceName]

    @property
    def facts(self) -> frozenset[str]:
        """The public facts (stock, sales, purchases) the dimension applies to."""
        return frozenset(self.sources) - {"stock_history"}


def _sum(column_name: str) -> Aggregate:
    return lambda rows: money_sum(rows.c[column_name])


def _count() -> Aggregate:
    return lambda rows: rows.count()


def _number_sum(column_name: str) -> Aggregate:
    return lambda rows: func.coalesce(func.sum(rows.c[column_name]), 0)


def _value_at(moment: str) -> Aggregate:
    """Inventory value at the window's start or end: purchase_price of the pairs purchased at or
    before t and not sold at or before t."""

    def aggregate(rows: Rows) -> ColumnElement[Any]:
        t = rows.ctx.window.start if moment == "start" else rows.ctx.window.end
        owned = (rows.c.purchased_at <= t) & ((rows.c.sold_at.is_(None)) | (rows.c.sold_at > t))
        return money_sum(rows.c.purchase_price, owned)

    return aggregate


def _divide_money(numerator: Number, denominator: Number) -> Decimal | None:
    return None if denominator == 0 else to_money(Decimal(str(numerator)) / Decimal(str(denominator)))


def _plus(*values: Number) -> Decimal:
    return to_money(sum((Decimal(str(v)) for v in values), Decimal(0)))


def _turnover(cogs: Number, value_at_start: Number, value_at_end: Number) -> float | None:
    return ratio(cogs, (Decimal(str(value_at_start)) + Decimal(str(value_at_end))) / 2)


# Sums the metrics are built from that are not metrics themselves.
MEASURES: dict[str, Measure] = {
    "age_days_sum": Measure("stock", _number_sum("age_days")),
    "days_held_sum": Measure("sales", _number_sum("days_held")),
    "value_at_start": Measure("stock_history", _value_at("start")),
    "value_at_end": Measure("stock_history", _value_at("end")),
}

_METRICS: tuple[Metric, ...] = (
    # --- stock: pairs in inventory now ---
    Metric("units_in_inventory", "stock", "count", Labels("pairs in inventory", "Paare im Bestand"),
           sql=Measure("stock", _count())),
    Metric("inventory_value", "stock", "money", Labels("inventory value", "Lagerwert"),
           sql=Measure("stock", _sum("purchase_price"))),
    Metric("dead_stock_units", "stock", "count", Labels("dead stock pairs", "Ladenhüter (Paare)"),
           sql=Measure("stock", lambda r: r.count(r.c.purchased_at <= r.ctx.dead_cut))),
    Metric("dead_stock_value", "stock", "money", Labels("dead stock value", "Wert der Ladenhüter"),
           sql=Measure("stock", lambda r: money_sum(r.c.purchase_price, r.c.purchased_at <= r.ctx.dead_cut))),
    Metric("dead_stock_rate", "stock", "percent", Labels("dead stock rate", "Ladenhüter-Quote"),
           inputs=("dead_stock_units", "units_in_inventory"), formula=percent),
    Metric("average_age_days", "stock", "days", Labels("average age", "Durchschnittsalter"),
           inputs=("age_days_sum", "units_in_inventory"), formula=ratio),
    # --- sales: orders sold in the window ---
    Metric("units_sold", "sales", "count", Labels("pairs sold", "verkaufte Paare"),
           sql=Measure("sales", _count())),
    Metric("revenue", "sales", "money", Labels("revenue", "Umsatz"), sql=Measure("sales", _sum("sale_price"))),
    Metric("average_sale_price", "sales", "money", Labels("average sale price", "Durchschnittlicher Verkaufspreis"),
           inputs=("revenue", "units_sold"), formula=_divide_money),
    Metric("cogs", "sales", "money", Labels("cost of goods sold", "Wareneinsatz"),
           sql=Measure("sales", _sum("purchase_price"))),
    Metric("profit", "sales", "money", Labels("profit", "Gewinn"),
           sql=Measure("sales", _sum("profit"))),
    Metric("average_profit_per_pair", "sales", "money",
           Labels("average profit per pair", "Durchschnittlicher Gewinn pro Paar"),
           inputs=("profit", "units_sold"), formula=_divide_money),
    Metric("margin", "sales", "percent", Labels("margin", "Marge"), inputs=("profit", "revenue"), formula=percent),
    Metric("roi", "sales", "percent", Labels("ROI", "ROI"), inputs=("profit", "cogs"), formula=percent),
    Metric("fees", "sales", "money", Labels("fees", "Gebühren"),
           sql=Measure("sales", lambda r: money_sum(r.c.platform_fee + r.c.processing_fee))),
    Metric("shipping", "sales", "money", Labels("shipping", "Versandkosten"),
           sql=Measure("sales", _sum("shipping_cost"))),
    Metric("selling_costs", "sales", "money", Labels("selling costs", "Verkaufskosten"),
           inputs=("fees", "shipping"), formula=_plus),
    Metric("payout", "sales", "money", Labels("payout", "Auszahlung"), sql=Measure("sales", _sum("payout"))),
    Metric("days_to_sell", "sales", "days", Labels("days to sell", "Tage bis zum Verkauf"),
           inputs=("days_held_sum", "units_sold"), formula=ratio),
    # --- purchases: pairs bought in the window ---
    Metric("pairs_bought", "purchases", "count", Labels("pairs bought", "gekaufte Paare"),
           sql=Measure("purchases", _count())),
    Metric("purchase_spend", "purchases", "money", Labels("purchase spend", "Einkaufsvolumen"),
           sql=Measure("purchases", _sum("purchase_price"))),
    # --- mixed ---
    Metric("sell_through", "mixed", "percent", Labels("sell-through rate", "Abverkaufsquote"),
           inputs=("units_sold", "units_in_inventory"),
           formula=lambda sold, in_inventory: percent(sold, sold + in_inventory)),
    Metric("inventory_turnover", "mixed", "ratio", Labels("inventory turnover", "Lagerumschlag"),
           inputs=("cogs", "value_at_start", "value_at_end"), formula=_turnover),
)  # fmt: skip
METRICS: dict[str, Metric] = {metric.name: metric for metric in _METRICS}

_PRODUCT_FACTS: frozenset[SourceName] = frozenset({"stock", "sales", "purchases", "stock_history"})
_TIMED: frozenset[SourceName] = frozenset({"sales", "purchases"})
_STOCK: frozenset[SourceName] = frozenset({"stock"})
_DIMENSIONS: tuple[Dimension, ...] = (
    Dimension("brand", Labels("brand", "Marke"), _PRODUCT_FACTS),
    Dimension("product", Labels("product", "Produkt"), _PRODUCT_FACTS),
    Dimension("family", Labels("model", "Modell"), _PRODUCT_FACTS),
    Dimension("size", Labels("size", "Größe"), _PRODUCT_FACTS),
    # Sales: the platform sold on; stock: the platform listed on (null = not listed).
    Dimension("platform", Labels("platform", "Plattform"), frozenset({"stock", "sales"})),
    Dimension("condition", Labels("condition", "Zustand"), _PRODUCT_FACTS),
    Dimension("status", Labels("status", "Status"), _STOCK),
    Dimension("aging_bucket", Labels("age", "Alter"), _STOCK),
    Dimension("day", Labels("day", "Tag"), _TIMED),
    Dimension("week", Labels("week", "Woche"), _TIMED),
    Dimension("month", Labels("month", "Monat"), _TIMED),
    Dimension("quarter", Labels("quarter", "Quartal"), _TIMED),
    Dimension("year", Labels("year", "Jahr"), _TIMED),
)
DIMENSIONS: dict[str, Dimension] = {dimension.name: dimension for dimension in _DIMENSIONS}

# The facts each filter applies to (a filter must apply to every fact a query reads).
FILTERS: dict[str, frozenset[SourceName]] = {
    "brand": _PRODUCT_FACTS,
    "product": _PRODUCT_FACTS,
    "family": _PRODUCT_FACTS,
    "size": _PRODUCT_FACTS,
    "platform": frozenset({"stock", "sales"}),
    "condition": _PRODUCT_FACTS,
    "status": _STOCK,
    "aging_bucket": _STOCK,
    "min_age_days": _STOCK,
    "max_age_days": _STOCK,
    "min_price": frozenset({"stock", "sales", "purchases"}),
    "max_price": frozenset({"stock", "sales", "purchases"}),
}


SOURCE_WORDS: dict[SourceName, str] = {
    "stock": "pairs in inventory now",
    "sales": "orders sold in the window",
    "purchases": "pairs bought in the window",
    "stock_history": "the inventory value at the window's start and end",
}


def dimension_applies(dimension: str, metric: str) -> bool:
    """Whether `metric` can be grouped by `dimension` (it applies to every fact the metric reads)."""
    return sources_of(metric) <= DIMENSIONS[dimension].sources


def filter_applies(filter_name: str, metric: str) -> bool:
    """Whether the filter `filter_name` (a QueryFilters field) can restrict `metric`."""
    return sources_of(metric) <= FILTERS[filter_name]


def measures_of(name: str) -> dict[str, Measure]:
    """The SQL measures a metric (or measure) is computed from, by name."""
    if name in MEASURES:
        return {name: MEASURES[name]}
    metric = METRICS[name]
    if metric.sql is not None:
        return {name: metric.sql}
    found: dict[str, Measure] = {}
    for input_name in metric.inputs:
        found.update(measures_of(input_name))
    return found


def sources_of(name: str) -> frozenset[SourceName]:
    return frozenset(measure.source for measure in measures_of(name).values())


def evaluate(name: str, sums: Mapping[str, Value]) -> Value:
    """A metric's value from the measure sums of one group (missing sums are 0: no rows)."""
    if name in MEASURES or METRICS[name].sql is not None:
        return sums.get(name, 0)
    metric = METRICS[name]
    assert metric.formula is not None, f"metric {name} needs sql or a formula"
    values = [evaluate(input_name, sums) for input_name in metric.inputs]
    if any(value is None for value in values):
        return None
    return metric.formula(*values)


def _check_declarations() -> None:
    """Every public name is declared, and every formula input exists (fails at import)."""
    missing = set(get_args(MetricName)) ^ set(METRICS)
    assert not missing, f"metric declarations differ from MetricName: {sorted(missing)}"
    assert set(get_args(DimensionName)) == set(DIMENSIONS), "dimension declarations differ"
    assert set(QueryFilters.model_fields) == set(FILTERS), "filter declarations differ"
    for metric in METRICS.values():
        assert (metric.sql is None) != (metric.formula is None), f"{metric.name}: sql or formula"
        for input_name in metric.inputs:
            assert input_name in METRICS or input_name in MEASURES, f"{metric.name}: {input_name}?"


_check_declarations()
