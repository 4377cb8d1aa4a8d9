"""The pre-fetched context of include_context=true: a compact summary of the figures a question
of the detected intent is about, fetched through the same tools the model can call (so the
summary and a tool answer cannot disagree), plus the tool results as sources."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from domains.ai.providers.base import ToolResult
from domains.ai.tools.business import BusinessTools
from domains.ai.tools.specs import TOOL_ARGS

# Which tool (and fixed arguments) summarises each business area.
_INVENTORY: tuple[str, dict[str, Any]] = ("inventory_summary", {})
_ANALYTICS: tuple[str, dict[str, Any]] = ("kpis", {})
_PRICING: tuple[str, dict[str, Any]] = ("dead_stock", {"limit": 5})


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
    if result.name == "inventory_summary":
        scope = f" ({data['brand']})" if data.get("brand") else ""
        lines = [
            f"Inventory now{scope}: {data['units_in_inventory']} pairs "
            f"({data['in_stock_units']} in stock, {data['listed_units']} listed), "
            f"value {_money(data['inventory_value'], currency)}",
            f"Dead stock (> {data['dead_stock_days']} days): {data['dead_stock_units']} pairs, "
            f"{_money(data['dead_stock_value'], currency)}, rate {_pct(data['dead_stock_rate_pct'])}",
            "Aging: " + ", ".join(f"{b['label']} days: {b['units']}" for b in data.get("aging_buckets", [])),
        ]
        if data.get("by_brand"):
            lines.append(
                "Top brands: " + ", ".join(f"{b['brand']} {b['units']}" for b in data["by_brand"][:5])
            )
        return "\n".join(lines)
    if result.name == "kpis":
        window = data.get("window", {})
        return "\n".join(
            [
                f"Sales {window.get('label', '')} ({window.get('start', '')[:10]} to {window.get('end', '')[:10]}): "
                f"{data['orders']} orders, revenue {_money(data['revenue'], currency)}, "
                f"profit {_money(data['profit'], currency)}, margin {_pct(data['margin_pct'])}, "
                f"ROI {_pct(data['roi_pct'])}, sell-through {_pct(data['sell_through_pct'])}",
                f"Inventory now: {data['units_in_inventory']} pairs, value "
                f"{_money(data['inventory_value'], currency)}, dead stock {data['dead_stock_units']} "
                f"(> {data['dead_stock_days']} days)",
            ]
        )
    if result.name == "dead_stock":
        lines = [
            f"Dead stock (> {data['threshold_days']} days): {data['total_units']} pairs, "
            f"{_money(data['total_value'], currency)}"
        ]
        for item in data.get("items", [])[:5]:
            lines.append(
                f"- #{item['id']} {item['product_name']} size {item['size']}: {item['age_days']} days, "
                f"bought at {_money(item['purchase_price'], currency)}"
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
            model, _description = TOOL_ARGS[name]
            arguments = {k: v for k, v in (filters or {}).items() if k in model.model_fields}
            if name == "dead_stock" and "dead_stock_days" in (filters or {}):
                arguments["threshold_days"] = (filters or {})["dead_stock_days"]
            arguments.update(fixed)
            result = await self.tools.run(name, arguments, call_id=f"context_{index}")
            built.results.append(result)
            text = summarise(result, self.currency)
            if text:
                parts.append(text)
        built.text = "\n".join(parts)
        return built
