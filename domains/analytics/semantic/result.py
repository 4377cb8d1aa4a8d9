"""What a semantic query answers. Counts are ints, money two-place Decimals, percents / days /
ratios floats rounded to 2 places; None = not available (a zero denominator, docs/domain.md)."""

from __future__ import annotations

from decimal import Decimal

from pydantic import BaseModel, Field

from domains.analytics.schemas import WindowOut
from domains.analytics.semantic.query import SemanticQuery

MetricValue = int | Decimal | float | None


class SemanticRow(BaseModel):
    group: dict[str, str | None] = Field(
        description="dimension -> label ('Nike', '10.5', 'stockx', '2026-11', '31-60'); "
        "grouping by product adds 'sku'"
    )
    values: dict[str, MetricValue] = Field(description="metric -> value")


class SemanticResult(BaseModel):
    query: SemanticQuery = Field(description="the query as executed: window, sort and limit filled in")
    window: WindowOut
    rows: list[SemanticRow] = Field(description="one per group, sorted, top `limit`; empty without group_by")
    totals: dict[str, MetricValue] = Field(description="the metrics over everything the filters select")
    total_groups: int = Field(description="number of groups before the limit")
    sources: list[str] = Field(description="the tables that answered")
    unmatched_filters: dict[str, list[str]] = Field(
        default_factory=dict,
        description="filter values with no record (brand, product, family, platform): no data for them",
    )
