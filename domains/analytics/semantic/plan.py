"""Where a fact's rows are read: the raw table, or the trigger-maintained rollups plus the raw
rows they cannot stand for. One grouped statement per fact either way.

A rollup row stands for the records of one hour, day or month and key: `weight` records and the
sums of their columns (domains/analytics/models.py, kept exact by triggers). Every measure is a
count or a sum (catalog.py), so summing rollup sums gives what summing the raw rows gives, for any
grouping the rollup's keys can express. The plan therefore reads

- a window's whole months from a monthly rollup (when one covers the query), the remaining whole
  days from a daily one, the whole hours of the partial days at its edges from an hourly one, and
  only the partial hours at its two ends from the raw rows (without an hourly rollup: the
  partial days);
- the pairs in inventory from stock_daily, except the purchase days in which an age line falls
  (dead stock, aging buckets, age filters: "purchased at or before now - N days" splits a day);
  of those days stock_hourly gives every hour but the line's own, which comes from the raw rows.
  In every other day (hour) all pairs lie on the same side of each line, so the line is tested on
  the day's (hour's) start (start_of_day) instead of each pair's moment.

A rollup is used only when it has every column the measures read and every dimension and filter
the query names; otherwise the fact is read from the raw rows. Each part is aggregated on its own
and the parts' sums are added up per group (the totals are the sum of the groups).
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
    ProductSalesHourly,
    ProductSalesMonthly,
    PurchasesDaily,
    SalesDaily,
    SalesHourly,
    StockByProductSize,
    StockDaily,
    StockHourly,
)
from domains.analytics.semantic.query import QueryFilters
from domains.analytics.semantic.sources import (
    PRODUCT_DIMENSIONS,
    Context,
    Rows,
    Source,
    SourceName,
    dimension_columns,
    filter_conditions,
    joined,
)
from domains.analytics.semantic.sql import start_of_day
from domains.products.models import Brand, Product

Aggregate = Callable[[Rows], ColumnElement[Any]]
RECORDS = "records_"  # every part's weighted count of records, for taking groups away again
TIME_DIMENSIONS = frozenset({"day", "week", "month", "quarter", "year"})
MONTHLY_DIMENSIONS = frozenset({"month", "quarter", "year"})


@dataclass(frozen=True, slots=True)
class Rollup:
    """A rollup table as a view of one fact: the raw columns it has sums for (`sums`; a moment
    stands for the start of the row's hour, day or month), the dimensions and filters its keys can
    express."""

    table: str
    model: Any
    weight: Any
    period: Any  # the hour's start (timestamp), the day or the month's first day (DATE); None: no time key
    grain: Literal["hour", "day", "month"] | None
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
        """The start of the row's hour, day or month: a stand-in for its records' moments."""
        if self.rollup.grain == "hour":
            return self.rollup.period
        return start_of_day(self.dialect, self.rollup.period)

    @property
    def purchased_at(self) -> Any:
        return self.moment


def _sales_sums(model: Any) -> Callable[[str], dict[str, Any]]:
    return lambda dialect: {
        "sale_price": model.revenue,
        "purchase_price": model.cogs,
        "payout": model.payout,
        "platform_fee": model.platform_fees,
        "processing_fee": model.processing_fees,
        "shipping_cost": model.shipping_costs,
        "profit": model.payout - model.cogs,
        "days_held": model.days_to_sell_sum,
    }


_PRODUCT_KEYS = frozenset({"brand", "product", "family", "platform"})
_SALES_KEYS = frozenset({"brand", "platform"})
SALES_DAILY = Rollup(
    table="sales_daily", model=SalesDaily, weight=SalesDaily.orders, period=SalesDaily.day, grain="day",
    sums=_sales_sums(SalesDaily), dimensions=_SALES_KEYS | TIME_DIMENSIONS, filters=_SALES_KEYS,
    brand_id=SalesDaily.brand_id, platform=SalesDaily.platform,
)  # fmt: skip
SALES_HOURLY = Rollup(
    table="sales_hourly", model=SalesHourly, weight=SalesHourly.orders, period=SalesHourly.hour, grain="hour",
    sums=_sales_sums(SalesHourly), dimensions=_SALES_KEYS | TIME_DIMENSIONS, filters=_SALES_KEYS,
    brand_id=SalesHourly.brand_id, platform=SalesHourly.platform,
)  # fmt: skip


def _product_sales(model: Any, period: Any, grain: Literal["hour", "day", "month"]) -> Rollup:
    times = MONTHLY_DIMENSIONS if grain == "month" else TIME_DIMENSIONS
    return Rollup(
        table=model.__tablename__, model=model, weight=model.orders, period=period, grain=grain,
        sums=lambda dialect: {"sale_price": model.revenue, "profit": model.profit},
        dimensions=_PRODUCT_KEYS | times, filters=_PRODUCT_KEYS, product_id=model.product_id,
        platform=model.platform,
    )  # fmt: skip


PRODUCT_SALES_DAILY = _product_sales(ProductSalesDaily, ProductSalesDaily.day, "day")
PRODUCT_SALES_MONTHLY = _product_sales(ProductSalesMonthly, ProductSalesMonthly.month, "month")
PRODUCT_SALES_HOURLY = _product_sales(ProductSalesHourly, ProductSalesHourly.hour, "hour")
PURCHASES_DAILY = Rollup(
    table="purchases_daily", model=PurchasesDaily, weight=PurchasesDaily.units, period=PurchasesDaily.day,
    grain="day", sums=lambda dialect: {"purchase_price": PurchasesDaily.value},
    dimensions=frozenset({"brand"}) | TIME_DIMENSIONS, filters=frozenset({"brand"}),
    brand_id=PurchasesDaily.brand_id,
)  # fmt: skip
_STOCK_KEYS = frozenset({"brand", "status", "aging_bucket"})
_STOCK_FILTERS = frozenset({"brand", "status", "aging_bucket", "min_age_days", "max_age_days"})
STOCK_DAILY = Rollup(
    table="stock_daily", model=StockDaily, weight=StockDaily.units, period=StockDaily.purchase_day, grain="day",
    sums=lambda dialect: {
        "purchase_price": StockDaily.value, "purchased_at": start_of_day(dialect, StockDaily.purchase_day)
    },
    dimensions=_STOCK_KEYS, filters=_STOCK_FILTERS, brand_id=StockDaily.brand_id, status=StockDaily.status,
)  # fmt: skip
STOCK_HOURLY = Rollup(
    table="stock_hourly", model=StockHourly, weight=StockHourly.units, period=StockHourly.purchase_hour,
    grain="hour", sums=lambda dialect: {"purchase_price": StockHourly.value, "purchased_at": StockHourly.purchase_hour},
    dimensions=_STOCK_KEYS, filters=_STOCK_FILTERS, brand_id=StockHourly.brand_id, status=StockHourly.status,
)  # fmt: skip
STOCK_BY_PRODUCT_SIZE = Rollup(
    table="stock_by_product_size", model=StockByProductSize, weight=StockByProductSize.units, period=None,
    grain=None, sums=lambda dialect: {}, dimensions=frozenset({"brand", "product", "family", "size"}),
    filters=frozenset({"brand", "product", "family", "size"}),
    product_id=StockByProductSize.product_id, size=StockByProductSize.size,
)  # fmt: skip


@dataclass(frozen=True, slots=True)
class Chain:
    """Rollups of one fact at several grains: the daily (or timeless) one decides what the chain
    covers; a monthly one serves whole months, an hourly one the whole hours of partial days."""

    rollup: Rollup
    monthly: Rollup | None = None
    hourly: Rollup | None = None


# Per fact, the chains in the order they are tried.
ROLLUPS: dict[SourceName, tuple[Chain, ...]] = {
    "sales": (
        Chain(SALES_DAILY, hourly=SALES_HOURLY),
        Chain(PRODUCT_SALES_DAILY, monthly=PRODUCT_SALES_MONTHLY, hourly=PRODUCT_SALES_HOURLY),
    ),
    "stock": (Chain(STOCK_DAILY, hourly=STOCK_HOURLY), Chain(STOCK_BY_PRODUCT_SIZE)),
    "purchases": (Chain(PURCHASES_DAILY),),
    "stock_history": (),
}


# --- the parts a fact is read from --------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Part:
    view: Any  # a Source (raw rows) or a BoundRollup
    where: list[ColumnElement[bool]]
    sign: int = 1  # -1: the part's sums are taken away (a month less the days outside a window)


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


def _hour_start(moment: datetime) -> datetime:
    return moment.astimezone(UTC).replace(minute=0, second=0, microsecond=0)


def _next_hour(moment: datetime) -> datetime:
    start = _hour_start(moment)
    return start if start == moment else start + timedelta(hours=1)


def _in_periods(rollup: Rollup, ranges: Sequence[tuple[datetime, datetime]]) -> ColumnElement[bool]:
    """The rollup's rows whose hour / day / month starts in one of the [start, end) ranges."""

    def bound(moment: datetime) -> Any:
        return moment if rollup.grain == "hour" else moment.date()

    return or_(*(and_(rollup.period >= bound(start), rollup.period < bound(end)) for start, end in ranges))


def _months_and_days(
    first_day: datetime, end_day: datetime
) -> tuple[list[tuple[datetime, datetime]], list[tuple[datetime, datetime]], list[tuple[datetime, datetime]]]:
    """The whole days [first_day, end_day) as months to add, days to add and days to take away:
    a month the window covers whole is one monthly row per key; a month it covers mostly is the
    month less the days outside the window (the last 30 days: November less its first 3 days,
    not 27 daily rows per key); a month it covers less than half of is its days."""
    months: list[tuple[datetime, datetime]] = []
    days: list[tuple[datetime, datetime]] = []
    outside: list[tuple[datetime, datetime]] = []
    month = _month_start(first_day)
    while month < end_day:
        following = _next_month(month + timedelta(days=1))
        low, high = max(first_day, month), min(end_day, following)
        covered, length = (high - low).days, (following - month).days
        if covered == length or length - covered < covered:
            months.append((month, following))
            outside += [(a, b) for a, b in ((month, low), (high, following)) if a < b]
        else:
            days.append((low, high))
        month = following
    return _merged(months), _merged(days), _merged(outside)


def _merged(ranges: list[tuple[datetime, datetime]]) -> list[tuple[datetime, datetime]]:
    """Adjacent ranges as one (one index range instead of an OR of many)."""
    merged: list[tuple[datetime, datetime]] = []
    for start, end in ranges:
        if merged and merged[-1][1] == start:
            merged[-1] = (merged[-1][0], end)
        else:
            merged.append((start, end))
    return merged


def _windowed(source: Source, ctx: Context, chain: Chain, group_by: Sequence[str]) -> list[Part]:
    """Whole months (monthly rollup), whole days (daily), the whole hours of the partial days at
    the edges (hourly), the partial hours (or without an hourly rollup the partial days) raw."""
    start, end = ctx.window.start, ctx.window.end
    fine = _next_hour if chain.hourly is not None else _next_day
    inner_start, inner_end = fine(start), (_hour_start(end) if chain.hourly is not None else _midnight(end))
    if inner_start >= inner_end:
        return [Part(source, source.scope(ctx))]
    # One part per edge: a plain range each side is an index-only scan (an OR of the two is not).
    parts = [
        Part(source, [source.moment >= a, source.moment < b])
        for a, b in ((start, inner_start), (inner_end, end))
        if a < b
    ]
    first_day, end_day = _next_day(inner_start), _midnight(inner_end)
    hours, days = [(inner_start, inner_end)], []
    if first_day < end_day:
        hours = [(a, b) for a, b in ((inner_start, first_day), (end_day, inner_end)) if a < b]
        days = [(first_day, end_day)]
        if chain.monthly is not None and set(group_by) <= chain.monthly.dimensions:
            months, days, outside = _months_and_days(first_day, end_day)
            if months:
                monthly = BoundRollup(chain.monthly, ctx.dialect)
                parts.append(Part(monthly, [_in_periods(chain.monthly, months)]))
            if outside:
                daily = BoundRollup(chain.rollup, ctx.dialect)
                parts.append(Part(daily, [_in_periods(chain.rollup, outside)], sign=-1))
    if days:
        parts.append(Part(BoundRollup(chain.rollup, ctx.dialect), [_in_periods(chain.rollup, days)]))
    if hours and chain.hourly is not None:
        parts.append(Part(BoundRollup(chain.hourly, ctx.dialect), [_in_periods(chain.hourly, hours)]))
    return parts


def _stock(source: Source, ctx: Context, chain: Chain, cuts: set[datetime]) -> list[Part]:
    """The daily rollup for every purchase day no age line falls in; in those days the hourly
    rollup for every hour no line falls in; the hours of the lines (or without an hourly rollup
    their days) from the raw pairs."""
    daily = BoundRollup(chain.rollup, ctx.dialect)
    edge_days = sorted({_midnight(cut) for cut in cuts})
    if not edge_days:
        return [Part(daily, [])]
    parts = [Part(daily, [chain.rollup.period.not_in([day.date() for day in edge_days])])]
    edges, length = edge_days, timedelta(days=1)
    if chain.hourly is not None:
        edges, length = sorted({_hour_start(cut) for cut in cuts}), timedelta(hours=1)
        within_days = _in_periods(chain.hourly, [(day, day + timedelta(days=1)) for day in edge_days])
        hourly = Part(
            BoundRollup(chain.hourly, ctx.dialect), [within_days, chain.hourly.period.not_in(edges)]
        )
        parts.append(hourly)
    moment = source.purchased_at
    parts += [Part(source, [*source.scope(ctx), moment >= edge, moment < edge + length]) for edge in edges]
    return parts


def plan_parts(
    source: Source,
    ctx: Context,
    filters: QueryFilters,
    group_by: Sequence[str],
    measures: Mapping[str, Aggregate],
) -> tuple[list[Part], list[str]]:
    """The parts one fact is read from (the first rollup that covers the query, or the raw rows),
    and the names of the row columns the measures read."""
    probe = Context(dialect=ctx.dialect, now=ctx.now, window=ctx.window, dead_stock_days=ctx.dead_stock_days)
    names = _ColumnNames()
    for aggregate in measures.values():
        aggregate(Rows(names, probe))
    filter_conditions(source, probe, filters)
    for dimension in group_by:
        dimension_columns(source, dimension, probe)
    used_filters = list(filters.model_dump(exclude_defaults=True))
    needed = sorted(names.names)
    try:
        _next_day(ctx.window.end)  # windows at the end of the calendar are read raw
    except OverflowError:
        return [Part(source, source.scope(ctx))], needed
    for chain in ROLLUPS[source.name]:
        rollup = chain.rollup
        if not rollup.covers(group_by, used_filters, names.names, ctx.dialect):
            continue
        if rollup.period is None:
            if probe.cuts:
                continue
            return [Part(BoundRollup(rollup, ctx.dialect), [])], needed
        if source.name == "stock":
            return _stock(source, ctx, chain, probe.cuts), needed
        return _windowed(source, ctx, chain, group_by), needed
    return [Part(source, source.scope(ctx))], needed


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
    parts, needed = plan_parts(source, ctx, filters, group_by, measures)
    # A part taken away can leave a group with no records: then each part counts its records too.
    taken_away = any(part.sign < 0 for part in parts)
    counted: dict[str, Aggregate] = {**measures, RECORDS: _records} if taken_away else dict(measures)
    tables: list[str] = []
    aggregated = []
    for index, part in enumerate(parts):
        statement, read = _part_statement(part, ctx, filters, group_by, counted, needed, index)
        aggregated.append(statement)
        tables += read
    by_product = any(dimension in PRODUCT_DIMENSIONS for dimension in group_by)
    if len(aggregated) == 1 and not by_product:
        return FactStatement(aggregated[0], tuple(dict.fromkeys(tables)))
    # The parts' sums added per group; also for one part grouped by ids, whose labels (a model,
    # a brand) can name several of them.
    combined: Any = aggregated[0] if len(aggregated) == 1 else union_all(*aggregated)
    sums = combined.subquery(f"{source.name}_sums")
    keys = [sums.c[f"{kind}{index}"] for index in range(len(group_by)) for kind in ("k", "l")]
    statement = select(*keys, *(func.sum(sums.c[name]).label(name) for name in measures)).select_from(sums)
    if keys:
        statement = statement.group_by(*keys)
        if taken_away:  # a group whose records were all taken away again is no group
            statement = statement.having(func.sum(sums.c[RECORDS]) != 0)
    return FactStatement(statement, tuple(dict.fromkeys(tables)))


def _records(rows: Rows) -> ColumnElement[Any]:
    return rows.count()


def _key_and_label(view: Any, dimension: str, ctx: Context, position: int) -> list[Any]:
    """A group's key and label columns (k<position>, l<position>; the key doubles as the label)."""
    columns = dimension_columns(view, dimension, ctx)
    return [
        columns.key.label(f"k{position}"),
        (columns.key if columns.label is None else columns.label).label(f"l{position}"),
    ]


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
    PostgreSQL groups by columns, not by expressions with bound parameters).

    Brand, product and model are functions of the product (or brand) id: the rows are grouped by
    the id (an integer) and labelled afterwards, a few hundred products instead of every row
    (hashing two texts per row cost ~half of a 30-day best-seller query at 1M pairs)."""
    view = part.view
    by_id = [dimension for dimension in group_by if dimension in PRODUCT_DIMENSIONS]
    id_column = None
    if by_id:
        brand_level = by_id == ["brand"] and view.brand_id is not None
        id_column = view.brand_id if brand_level else view.product_id
    inner_dimensions = [dimension for dimension in group_by if dimension not in by_id]
    from_clause, read = joined(view, filters, inner_dimensions)
    group_columns: list[Any] = [] if id_column is None else [id_column.label("id")]
    for position, dimension in enumerate(group_by):
        if dimension not in by_id:
            group_columns += _key_and_label(view, dimension, ctx, position)
    rollup = isinstance(view, BoundRollup)
    row_columns = view.columns if rollup else view.columns(ctx)
    selected = [*group_columns, *(row_columns[name].label(name) for name in names)]
    if rollup or not selected:
        selected.append((view.weight if rollup else literal(1)).label("weight"))
    rows = (
        select(*selected)
        .select_from(from_clause)
        .where(*part.where, *filter_conditions(view, ctx, filters))
        .subquery(f"part{index}")
    )
    in_rows = Rows(rows.c, ctx, rows.c.weight if rollup else None)
    aggregates = [
        (aggregate(in_rows) if part.sign > 0 else -aggregate(in_rows)).label(name)
        for name, aggregate in measures.items()
    ]
    keys = [rows.c[column.name] for column in group_columns]
    statement = select(*keys, *aggregates).select_from(rows)
    if keys:
        statement = statement.group_by(*keys)
    if id_column is None:
        return statement, read
    sums = statement.subquery(f"part{index}_sums")
    if id_column is view.product_id:
        labelled: Any = sums.join(Product, Product.id == sums.c.id)
        read.append("products")
        if "brand" in by_id:
            labelled = labelled.join(Brand, Brand.id == Product.brand_id)
            read.append("brands")
    else:
        labelled = sums.join(Brand, Brand.id == sums.c.id)
        read.append("brands")
    columns_out: list[Any] = []
    for position, dimension in enumerate(group_by):
        if dimension in by_id:
            columns_out += _key_and_label(view, dimension, ctx, position)
        else:
            columns_out += [sums.c[f"k{position}"], sums.c[f"l{position}"]]
    return select(*columns_out, *(sums.c[name] for name in measures)).select_from(labelled), list(
        dict.fromkeys(read)
    )
