"""The pre-fetched context of include_context=true: a compact summary of the figures a question
of the detected intent is about, fetched through the same tools the model can call (so the
summary and a tool answer cannot disagree), plus the tool results as sources."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from domains.ai.providers.base import ToolResult
from domains.ai.tools.business import BusinessTools
from domains.analytics.windows import resolve_window

STOCK_METRICS = [
    "units_in_inventory",
    "inventory_value",
    "dead_stock_units",
    "dead_stock_value",
    "dead_stock_rate",
]
SALES_METRICS = ["units_sold", "revenue", "profit", "margin", "roi", "sell_through"]
_INVENTORY: tuple[str, dict[str, Any]] = (
    "query_business",
    {"metrics": STOCK_METRICS, "group_by": ["aging_bucket"], "sort_by_group": True},
)
_ANALYTICS: tuple[str, dict[str, Any]] = ("query_business", {"metrics": SALES_METRICS})
_PRICING: tuple[str, dict[str, Any]] = ("list_inventory", {"older_than_dead_stock": True, "limit": 5})


@dataclass(slots=True)
class BuiltContext:
    text: str = ""
    results: list[ToolResult] = field(default_factory=list)

    @property
    def included(self) -> bool:
        return bool(self.text)


def plan_for_intent(intent: str) -> list[tuple[str, dict[str, Any]]]:
    """The tool calls that summarise the area of `intent` (none for small talk / general)."""
    name = intent.lower()
    if any(word in name for word in ("inventory", "stock", "aging", "dead")):
        return [_INVENTORY]
    if any(word in name for word in ("analytics", "sales", "revenue", "kpi", "best", "order", "profit")):
        return [_ANALYTICS]
    if any(word in name for word in ("pricing", "price", "fee", "discount", "market")):
        return [_PRICING]
    return []


def _money(value: Any, currency: str) -> str:
    return "not available" if value is None else f"{float(value):,.2f} {currency}"


def _pct(value: Any) -> str:
    return "not available" if value is None else f"{float(value):.1f}%"


def summarise(result: ToolResult, currency: str) -> str:
    """A few lines of figures from one tool result."""
    data = result.data
    if result.error:
        return f"({result.name} unavailable: {result.error})"
    if result.name == "query_business":
        totals = data.get("totals", {})
        window = data.get("window", {})
        if "units_in_inventory" in totals:
            lines = [
                f"Inventory now: {totals['units_in_inventory']} pairs, value {_money(totals['inventory_value'], currency)}",
                f"Dead stock (> {data['query']['dead_stock_days']} days): {totals['dead_stock_units']} pairs, "
                f"{_money(totals['dead_stock_value'], currency)}, rate {_pct(totals['dead_stock_rate'])}",
            ]
            if data.get("rows"):
                lines.append(
                    "Aging: "
                    + ", ".join(
                        f"{r['group']['aging_bucket']} days: {r['values']['units_in_inventory']}"
                        for r in data["rows"]
                    )
                )
            return "\n".join(lines)
        return (
            f"Sales {window.get('label', '')} ({str(window.get('start', ''))[:10]} to {str(window.get('end', ''))[:10]}): "
            f"{totals['units_sold']} orders, revenue {_money(totals['revenue'], currency)}, "
            f"profit {_money(totals['profit'], currency)}, margin {_pct(totals['margin'])}, "
            f"ROI {_pct(totals['roi'])}, sell-through {_pct(totals['sell_through'])}"
        )
    if result.name == "list_inventory":
        lines = [f"Dead stock (> {data.get('dead_stock_days')} days): {data['total']} pairs; the oldest:"]
        for item in data.get("items", [])[:5]:
            lines.append(
                f"- #{item['id']} {item['product_name']} size {item['size']}, "
                f"bought {str(item['purchased_at'])[:10]} at {_money(item['purchase_price'], currency)}"
            )
        return "\n".join(lines)
    return ""


class ContextBuilder:
    def __init__(self, tools: BusinessTools, *, currency: str = "EUR") -> None:
        self.tools = tools
        self.currency = currency

    async def build(self, *, intent: str, filters: dict[str, Any] | None = None) -> BuiltContext:
        """Run the summary tools for `intent` (with the request's filters that each tool accepts)."""
        built = BuiltContext()
        parts: list[str] = []
        for index, (name, fixed) in enumerate(plan_for_intent(intent), start=1):
            arguments = {**self._arguments(name, filters or {}), **fixed}
            result = await self.tools.run(name, arguments, call_id=f"context_{index}")
            built.results.append(result)
            text = summarise(result, self.currency)
            if text:
                parts.append(text)
        built.text = "\n".join(parts)
        return built

    def _arguments(self, name: str, filters: dict[str, Any]) -> dict[str, Any]:
        """The request's context filters in the arguments of `name`."""
        if name == "list_inventory":
            return {
                k: v
                for k, v in {
                    "brand": filters.get("brand"),
                    "dead_stock_days": filters.get("dead_stock_days"),
                }.items()
                if v
            }
        selected = {k: [filters[k]] for k in ("brand", "platform") if filters.get(k)}
        arguments: dict[str, Any] = {"filters": selected}
        if filters.get("dead_stock_days"):
            arguments["dead_stock_days"] = filters["dead_stock_days"]
        if (
            any(filters.get(k) for k in ("period", "days", "start", "end"))
            and filters.get("period") != "all_time"
        ):
            window = resolve_window(
                now=self.tools.now,
                period=filters.get("period"),
                days=filters.get("days"),
                start=filters.get("start"),
                end=filters.get("end"),
            )
            arguments.update(start=window.start.isoformat(), end=window.end.isoformat())
        return arguments
