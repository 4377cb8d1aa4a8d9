"""Runs a SemanticQuery: one SQL statement per fact it reads (GROUP BY in SQL), the sums merged by
group key, derived metrics computed from the merged sums, then sorted and cut to the top N."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import exists, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from domains.analytics.schemas import WindowOut
from domains.analytics.semantic.catalog import (
    DIMENSIONS,
    FILTERS,
    METRICS,
    SOURCE_WORDS,
    Measure,
    Value,
    evaluate,
    measures_of,
    sources_of,
)
from domains.analytics.semantic.plan import fact_statement
from domains.analytics.semantic.query import DEFAULT_LIMIT, QueryFilters, SemanticQuery
from domains.analytics.semantic.result import SemanticResult, SemanticRow
from domains.analytics.semantic.sources import SOURCES, Context, SourceName
from domains.analytics.semantic.sql import family_pattern, name_words
from domains.analytics.windows import Window, between, default_window
from domains.pricing.platforms import normalize_platform
from domains.products.models import Brand, Product
from shared.database.types import to_money
from shared.error_handling.errors import ValidationFailed

DEFAULT_DAYS = 30
# Facts in the order their statements run and their tables are reported.
SOURCE_ORDER: tuple[SourceName, ...] = ("sales", "stock", "purchases", "stock_history")
GroupKey = tuple[Any, ...]


def _invalid(field_name: str, message: str) -> ValidationFailed:
    return ValidationFailed(
        f"Invalid query: {field_name}: {message}",
        details=[{"field": field_name, "message": message, "type": "value_error"}],
    )


@dataclass(slots=True)
class Group:
    labels: dict[str, str | None]
    sums: dict[str, Value] = field(default_factory=dict)


def query_window(query: SemanticQuery, now: datetime) -> Window:
    """[start, end): both omitted = the last 30 days; no end = now; no start = 30 days before end."""
    if query.start is None and query.end is None:
        return default_window(now)
    end = query.end or now
    start = query.start or end - timedelta(days=DEFAULT_DAYS)
    if start >= end:
        field_name = "end" if query.end is not None else "start"
        raise _invalid(field_name, "the window must end after it starts (an omitted end is now)")
    return between(start, end)


def _check_applies(query: SemanticQuery) -> None:
    """Every dimension and filter must apply to every fact each requested metric reads."""
    checks = [("group_by", f"{d!r} does not apply to", DIMENSIONS[d].sources) for d in query.group_by]
    checks += [
        (f"filters.{name}", f"the {name} filter does not apply to", FILTERS[name])
        for name in query.filters.model_dump(exclude_defaults=True)
    ]
    for field_name, reason, applies_to in checks:
        for metric in query.metrics:
            missing = sources_of(metric) - applies_to
            if missing:
                facts = ", ".join(SOURCE_WORDS[source] for source in sorted(missing))
                raise _invalid(field_name, f"{reason} {metric!r} (it reads {facts})")


def _sum(values: Iterable[Value]) -> Value:
    total: Value = 0
    for value in values:
        if value is not None:
            total = total + value  # type: ignore[operator]
    return total


def _format(metric: str, value: Value) -> Value:
    if value is None:
        return None
    kind = METRICS[metric].kind
    if kind == "count":
        return int(value)
    if kind == "money":
        return to_money(value)
    return round(float(value), 2)


def _label_order(labels: Iterable[str | None]) -> tuple[tuple[int, float, str], ...]:
    """Labels ascending, numbers by value (sizes '9.5' < '10'), missing labels last."""
    order = []
    for label in labels:
        if label is None:
            order.append((2, 0.0, ""))
            continue
        try:
            order.append((0, float(label), label))
        except ValueError:
            order.append((1, 0.0, label))
    return tuple(order)


class SemanticQueryService:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session
        self.dialect = session.get_bind().dialect.name

    async def run(self, query: SemanticQuery, *, now: datetime) -> SemanticResult:
        """The query's metrics per group and in total, over its filters and window."""
        now = now.astimezone(UTC)
        if query.sort is not None and query.sort not in query.metrics:
            raise _invalid("sort", f"{query.sort!r} is not one of the query's metrics")
        window = query_window(query, now)
        _check_applies(query)
        executed = query.model_copy(
            update={
                "start": window.start,
                "end": window.end,
                "sort": query.sort or (query.metrics[0] if query.group_by else None),
                "limit": query.limit or DEFAULT_LIMIT,
            }
        )
        ctx = Context(dialect=self.dialect, now=now, window=window, dead_stock_days=query.dead_stock_days)

        by_source: dict[SourceName, dict[str, Measure]] = {}
        for metric in query.metrics:
            for name, measure in measures_of(metric).items():
                by_source.setdefault(measure.source, {})[name] = measure
        groups: dict[GroupKey, Group] = {}
        totals: dict[str, Value] = {}
        tables: list[str] = []
        for source_name in SOURCE_ORDER:
            if source_name in by_source:
                tables += await self._read_fact(
                    source_name, by_source[source_name], ctx, query, groups, totals
                )

        rows = [
            SemanticRow(
                group=group.labels,
                values={metric: _format(metric, evaluate(metric, group.sums)) for metric in query.metrics},
            )
            for group in groups.values()
        ]
        return SemanticResult(
            query=executed,
            window=WindowOut.of(window),
            rows=self._ranked(rows, executed)[: executed.limit],
            totals={metric: _format(metric, evaluate(metric, totals)) for metric in query.metrics},
            total_groups=len(rows),
            sources=list(dict.fromkeys(tables)),
            unmatched_filters=await self._unmatched(query.filters),
        )

    async def _read_fact(
        self,
        source_name: SourceName,
        measures: dict[str, Measure],
        ctx: Context,
        query: SemanticQuery,
        groups: dict[GroupKey, Group],
        totals: dict[str, Value],
    ) -> Sequence[str]:
        """Run one fact's statement; add its sums to the groups (by key) and to the totals."""
        fact = fact_statement(
            SOURCES[source_name],
            ctx,
            query.filters,
            query.group_by,
            {name: measure.aggregate for name, measure in measures.items()},
        )
        rows = (await self.session.execute(fact.statement)).mappings().all()
        if not query.group_by:
            totals.update({name: rows[0][name] for name in measures})
            return fact.tables
        # Every measure is a count or a sum: the totals are the sums over the groups.
        totals.update({name: _sum(row[name] for row in rows) for name in measures})
        for row in rows:
            key = tuple(row[f"k{index}"] for index in range(len(query.group_by)))
            group = groups.get(key)
            if group is None:
                group = groups[key] = Group(labels=self._labels(query.group_by, row))
            group.sums.update({name: row[name] for name in measures})
        return fact.tables

    @staticmethod
    def _labels(group_by: Sequence[str], row: Any) -> dict[str, str | None]:
        labels: dict[str, str | None] = {}
        for index, dimension in enumerate(group_by):
            label = row[f"l{index}"]
            labels[dimension] = None if label is None else str(label)
            if dimension == "product":
                labels["sku"] = row[f"k{index}"]
        return labels

    @staticmethod
    def _ranked(rows: list[SemanticRow], query: SemanticQuery) -> list[SemanticRow]:
        """By the sort metric (not available last), ties by the group labels; or by the labels."""
        by_labels = sorted(rows, key=lambda r: _label_order(r.group.get(d) for d in query.group_by))
        if query.sort_by_group or query.sort is None:
            return by_labels
        sort = query.sort
        available = [r for r in by_labels if r.values[sort] is not None]
        missing = [r for r in by_labels if r.values[sort] is None]
        available.sort(key=lambda r: Decimal(str(r.values[sort])), reverse=query.descending)
        return available + missing

    async def _unmatched(self, filters: QueryFilters) -> dict[str, list[str]]:
        """Filter values that name nothing the shop has a record of."""
        unmatched: dict[str, list[str]] = {}
        if filters.brand:
            known = await self._existing(func.lower(Brand.name), [b.strip().lower() for b in filters.brand])
            unmatched["brand"] = [b for b in filters.brand if b.strip().lower() not in known]
        if filters.product:
            known = await self._existing(
                func.lower(Product.sku), [s.strip().lower() for s in filters.product]
            )
            unmatched["product"] = [s for s in filters.product if s.strip().lower() not in known]
        if filters.family:
            unmatched["family"] = await self._unmatched_families(filters.family)
        if filters.platform:
            unmatched["platform"] = [p for p in filters.platform if normalize_platform(p) is None]
        return {name: values for name, values in unmatched.items() if values}

    async def _existing(self, column: Any, values: list[str]) -> set[str]:
        found = await self.session.execute(select(column).where(column.in_(values)).distinct())
        return {str(value) for value in found.scalars()}

    async def _unmatched_families(self, families: list[str]) -> list[str]:
        patterns = [family_pattern(family) for family in families]
        words = name_words(Product.name)
        checks = [
            exists().where(words.like(pattern, escape="\\")).label(f"f{index}")
            for index, pattern in enumerate(patterns)
            if pattern is not None
        ]
        found = (await self.session.execute(select(*checks))).mappings().one() if checks else {}
        return [
            family
            for index, (family, pattern) in enumerate(zip(families, patterns, strict=True))
            if pattern is None or not found[f"f{index}"]
        ]
