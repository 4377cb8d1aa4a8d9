"""Where a fact's rows are read: the raw table, or the trigger-maintained rollups plus the raw
rows they cannot stand for. One grouped statement per fact either way.

A rollup row stands for the records of one day (or month) and key: `weight` records and the sums
of their columns (domains/analytics/models.py, kept exact by triggers). Every measure is a count or
a sum (catalog.py), so summing rollup sums gives what summing the raw rows gives, for any grouping
the rollup's keys can express. The plan therefore reads

- a window's whole months from a monthly rollup (when one covers the query), the remaining whole
  days from a daily one, and the partial days at the window's edges from the raw rows;
- the pairs in inventory from stock_daily, except the purchase days in which an age line falls
  (dead stock, aging buckets, age filters: "purchased at or before now - N days" splits a day),
  which come from the raw rows. On every other day all of a day's pairs lie on the same side of
  each line, so the line is tested on the day's UTC midnight (start_of_day) instead.

A rollup is used only when it has every column the measures read and every dimension and filter
the query names; otherwise the fact is read from the raw rows, as before. The statement groups the
rows' union once (the totals are the sum of the groups: every measure is additive).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any, Literal

from sqlalchemy import and_, column, func, literal, or_, select, union_all
from sqlalchemy.sql import ColumnElement
from sqlalchemy.sql.expression import Executable

from domains.analytics.models import (
    ProductSalesDaily,
    ProductSalesMonthly,
    PurchasesDaily,
    SalesDaily,
    StockByProductSize,
    StockDaily,
)
from domains.analytics.semantic.query import QueryFilters
from domains.analytics.semantic.sources import (
    Context,
    Rows,
    Source,
    SourceName,
    dimension_columns,
    filter_conditions,
    joined,
)
from domains.analytics.semantic.sql import start_of_day

Aggregate = Callable[[Rows], ColumnElement[Any]]
TIME_DIMENSIONS = frozenset({"day", "week", "month", "quarter", "year"})
MONTHLY_DIMENSIONS = frozenset({"month", "quarter", "year"})


@dataclass(frozen=True, slots=True)
class Rollup:
    """A rollup table as a view of one fact: the raw columns it has sums for (`columns`, moments as
    the start of the row's day or month), the dimensions and filters its keys can express."""

    table: str
    model: Any
    weight: Any
    period: Any  # the DATE column (day or first day of the month); None: no time key
    grain: Literal["day", "month"] | None
    sums: Callable[[str], dict[str, Any]]  # by dialect
    dimensions: frozenset[str]
    filters: frozenset[str]
    product_id: Any = None
    brand_id: Any = None
    size: Any = None
    platform: Any = None
    status: Any = None
    condition: Any = None
    price: Any = None
    joins_item_for_condition: bool = False

    @property
    def tables(self) -> tuple[str, ...]:
        return (self.table,)

    def base(self) -> Any:
        return self.model.__table__

    def covers(self, group_by: Sequence[str], filters: Sequence[str], needed: set[str], dialect: str) -> bool:
        return (
            set(group_by) <= self.dimensions
            and set(filters) <= self.filters
            and needed <= set(self.sums(dialect))
        )


@dataclass(frozen=True, slots=True)
class BoundRollup:
    """A rollup in one dialect: what dimension_columns / filter_conditions / joined read."""

    rollup: Rollup
    dialect: str
    columns: dict[str, Any] = field(init=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "columns", self.rollup.sums(self.dialect))

    def __getattr__(self, name: str) -> Any:
        return getattr(self.rollup, name)

    @property
    def moment(self) -> Any:
        return start_of_day(self.dialect, self.rollup.period)

    @property
    def purchased_at(self) -> Any:
        return self.moment


def _sales_sums(dialect: str) -> dict[str, Any]:
    return {
        "sale_price": SalesDaily.revenue,
        "purchase_price": SalesDaily.cogs,
        "payout": SalesDaily.payout,
        "platform_fee": SalesDaily.platform_fees,
        "processing_fee": SalesDaily.processing_fees,
        "shipping_cost": SalesDaily.shipping_costs,
        "profit": SalesDaily.payout - SalesDaily.cogs,
        "days_held": SalesDaily.days_to_sell_sum,
    }


_PRODUCT_KEYS = frozenset({"brand", "product", "family", "platform"})
SALES_DAILY = Rollup(
    table="sales_daily", model=SalesDaily, weight=SalesDaily.orders, period=SalesDaily.day, grain="day",
    sums=_sales_sums, dimensions=frozenset({"brand", "platform"}) | TIME_DIMENSIONS,
    filters=frozenset({"brand", "platform"}), brand_id=SalesDaily.brand_id, platform=SalesDaily.platform,
)  # fmt: skip


def _product_sales(model: Any, period: Any, grain: Literal["day", "month"]) -> Rollup:
    times = TIME_DIMENSIONS if grain == "day" else MONTHLY_DIMENSIONS
    return Rollup(
        table=model.__tablename__, model=model, weight=model.orders, period=period, grain=grain,
        sums=lambda dialect: {"sale_price": model.revenue, "profit": model.profit},
        dimensions=_PRODUCT_KEYS | times, filters=_PRODUCT_KEYS, product_id=model.product_id,
        platform=model.platform,
    )  # fmt: skip


PRODUCT_SALES_DAILY = _product_sales(ProductSalesDaily, ProductSalesDaily.day, "day")
PRODUCT_SALES_MONTHLY = _product_sales(ProductSalesMonthly, ProductSalesMonthly.month, "month")
PURCHASES_DAILY = Rollup(
    table="purchases_daily", model=PurchasesDaily, weight=PurchasesDaily.units, period=PurchasesDaily.day,
    grain="day", sums=lambda dialect: {"purchase_price": PurchasesDaily.value},
    dimensions=frozenset({"brand"}) | TIME_DIMENSIONS, filters=frozenset({"brand"}),
    brand_id=PurchasesDaily.brand_id,
)  # fmt: skip
STOCK_DAILY = Rollup(
    table="stock_daily", model=StockDaily, weight=StockDaily.units, period=StockDaily.purchase_day, grain="day",
    sums=lambda dialect: {
        "purchase_price": StockDaily.value, "purchased_at": start_of_day(dialect, StockDaily.purchase_day)
    },
    dimensions=frozenset({"brand", "status", "aging_bucket"}),
    filters=frozenset({"brand", "status", "aging_bucket", "min_age_days", "max_age_days"}),
    brand_id=StockDaily.brand_id, status=StockDaily.status,
)  # fmt: skip
STOCK_BY_PRODUCT_SIZE = Rollup(
    table="stock_by_product_size", model=StockByProductSize, weight=StockByProductSize.units, period=None,
    grain=None, sums=lambda dialect: {}, dimensions=frozenset({"brand", "product", "family", "size"}),
    filters=frozenset({"brand", "product", "family", "size"}),
    product_id=StockByProductSize.product_id, size=StockByProductSize.size,
)  # fmt: skip

# Per fact, the (daily or timeless, monthly) rollups in the order they are tried.
ROLLUPS: dict[SourceName, tuple[tuple[Rollup, Rollup | None], ...]] = {
    "sales": ((SALES_DAILY, None), (PRODUCT_SALES_DAILY, PRODUCT_SALES_MONTHLY)),
    "stock": ((STOCK_DAILY, None), (STOCK_BY_PRODUCT_SIZE, None)),
    "purchases": ((PURCHASES_DAILY, None),),
    "stock_history": (),
}


# --- the parts a fact is read from --------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Part:
    view: Any  # a Source (raw rows) or a BoundRollup
    where: list[ColumnElement[bool]]


class _ColumnNames:
    """Stands in for a rows' columns to learn which of them the measures read."""

    def __init__(self) -> None:
        self.names: set[str] = set()

    def __getattr__(self, name: str) -> Any:
        self.names.add(name)
        return column(name)

    __getitem__ = __getattr__


def _midnight(moment: datetime) -> datetime:
    return moment.astimezone(UTC).replace(hour=0, minute=0, second=0, microsecond=0)


def _next_day(moment: datetime) -> datetime:
    midnight = _midnight(moment)
    return midnight if midnight == moment else midnight + timedelta(days=1)


def _month_start(moment: datetime) -> datetime:
    return _midnight(moment).replace(day=1)


def _next_month(moment: datetime) -> datetime:
    start = _month_start(moment)
    if start == moment:
        return start
    return (
        start.replace(year=start.year + 1, month=1)
        if start.month == 12
        else start.replace(month=start.month + 1)
    )


def _in_days(period: Any, ranges: Sequence[tuple[datetime, datetime]]) -> ColumnElement[bool]:
    return or_(*(and_(period >= start.date(), period < end.date()) for start, end in ranges))


def _windowed(
    source: Source, ctx: Context, daily: Rollup, monthly: Rollup | None, group_by: Sequence[str]
) -> list[Part]:
    """Whole months (monthly rollup), whole days (daily rollup), the edges' raw rows."""
    start, end = ctx.window.start, ctx.window.end
    first_day, end_day = _next_day(start), _midnight(end)
    if first_day >= end_day:
        return [Part(source, source.scope(ctx))]
    # One part per edge: a plain range each side is an index-only scan (an OR of the two is not).
    parts = [
        Part(source, [source.moment >= a, source.moment < b])
        for a, b in ((start, first_day), (end_day, end))
        if a < b
    ]
    days = [(first_day, end_day)]
    if monthly is not None and set(group_by) <= monthly.dimensions:
        first_month, end_month = _next_month(first_day), _month_start(end_day)
        if first_month < end_month:
            parts.append(
                Part(
                    BoundRollup(monthly, ctx.dialect), [_in_days(monthly.period, [(first_month, end_month)])]
                )
            )
            days = [(a, b) for a, b in ((first_day, first_month), (end_month, end_day)) if a < b]
    if days:
        parts.append(Part(BoundRollup(daily, ctx.dialect), [_in_days(daily.period, days)]))
    return parts


def _stock(source: Source, ctx: Context, rollup: Rollup, cuts: set[datetime]) -> list[Part]:
    """The rollup for every purchase day no age line falls in; those days from the raw rows."""
    edge_days = sorted({_midnight(cut) for cut in cuts})
    view = BoundRollup(rollup, ctx.dialect)
    if not edge_days:
        return [Part(view, [])]
    rolled = Part(view, [rollup.period.not_in([day.date() for day in edge_days])])
    return [
        rolled,
        *(Part(source, [*source.scope(ctx), *_within(source.purchased_at, day)]) for day in edge_days),
    ]


def _within(moment: Any, day: datetime) -> list[ColumnElement[bool]]:
    return [moment >= day, moment < day + timedelta(days=1)]


def plan_parts(
    source: Source,
    ctx: Context,
    filters: QueryFilters,
    group_by: Sequence[str],
    measures: Mapping[str, Aggregate],
) -> list[Part]:
    """The parts one fact is read from: the first rollup that covers the query, or the raw rows."""
    probe = Context(dialect=ctx.dialect, now=ctx.now, window=ctx.window, dead_stock_days=ctx.dead_stock_days)
    names = _ColumnNames()
    for aggregate in measures.values():
        aggregate(Rows(names, probe))
    filter_conditions(source, probe, filters)
    for dimension in group_by:
        dimension_columns(source, dimension, probe)
    used_filters = list(filters.model_dump(exclude_defaults=True))
    try:
        _next_day(ctx.window.end)  # windows at the end of the calendar are read raw
    except OverflowError:
        return [Part(source, source.scope(ctx))]
    for rollup, monthly in ROLLUPS[source.name]:
        if not rollup.covers(group_by, used_filters, names.names, ctx.dialect):
            continue
        if rollup.period is None:
            if probe.cuts:
                continue
            return [Part(BoundRollup(rollup, ctx.dialect), [])]
        if rollup.table == "stock_daily":
            return _stock(source, ctx, rollup, probe.cuts)
        return _windowed(source, ctx, rollup, monthly, group_by)
    return [Part(source, source.scope(ctx))]


# --- the statement ------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class FactStatement:
    statement: Executable
    tables: tuple[str, ...]


def fact_statement(
    source: Source,
    ctx: Context,
    filters: QueryFilters,
    group_by: Sequence[str],
    measures: Mapping[str, Aggregate],
) -> FactStatement:
    """One statement for one fact: its measures per group (columns k0, l0, k1, l1: key, label),
    or one row of totals without groups. Each part is aggregated on its own (one pass over its
    rows); the parts' sums are then added up per group (every measure is a count or a sum)."""
    names = _ColumnNames()
    for aggregate in measures.values():
        aggregate(Rows(names, ctx))
    tables: list[str] = []
    aggregated = []
    for index, part in enumerate(plan_parts(source, ctx, filters, group_by, measures)):
        statement, read = _part_statement(part, ctx, filters, group_by, measures, sorted(names.names), index)
        aggregated.append(statement)
        tables += read
    if len(aggregated) == 1:
        return FactStatement(aggregated[0], tuple(dict.fromkeys(tables)))
    sums = union_all(*aggregated).subquery(f"{source.name}_sums")
    keys = [sums.c[f"{kind}{index}"] for index in range(len(group_by)) for kind in ("k", "l")]
    statement = select(*keys, *(func.sum(sums.c[name]).label(name) for name in measures)).select_from(sums)
    if keys:
        statement = statement.group_by(*keys)
    return FactStatement(statement, tuple(dict.fromkeys(tables)))


def _part_statement(
    part: Part,
    ctx: Context,
    filters: QueryFilters,
    group_by: Sequence[str],
    measures: Mapping[str, Aggregate],
    names: Sequence[str],
    index: int,
) -> tuple[Any, list[str]]:
    """One part's measures per group, grouped over a subquery of its filtered rows (so that
    PostgreSQL groups by columns, not by expressions with bound parameters)."""
    from_clause, read = joined(part.view, filters, group_by)
    group_columns: list[Any] = []
    for position, dimension in enumerate(group_by):
        columns = dimension_columns(part.view, dimension, ctx)
        group_columns.append(columns.key.label(f"k{position}"))
        group_columns.append((columns.key if columns.label is None else columns.label).label(f"l{position}"))
    rollup = isinstance(part.view, BoundRollup)
    row_columns = part.view.columns if rollup else part.view.columns(ctx)
    selected = [*group_columns, *(row_columns[name].label(name) for name in names)]
    if rollup or not selected:
        selected.append((part.view.weight if rollup else literal(1)).label("weight"))
    rows = (
        select(*selected)
        .select_from(from_clause)
        .where(*part.where, *filter_conditions(part.view, ctx, filters))
        .subquery(f"part{index}")
    )
    aggregates = [
        aggregate(Rows(rows.c, ctx, rows.c.weight if rollup else None)).label(name)
        for name, aggregate in measures.items()
    ]
    keys = [rows.c[f"{kind}{position}"] for position in range(len(group_by)) for kind in ("k", "l")]
    statement = select(*keys, *aggregates).select_from(rows)
    return (statement.group_by(*keys) if keys else statement), read
