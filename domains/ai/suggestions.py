"""Suggested questions per category, made from the user's own figures (through the tools, so
the numbers match what the assistant would answer); the plan's fixed lists when there is
no data to talk about."""

from __future__ import annotations

from typing import Any

from domains.ai.tools.business import BusinessTools

# The integration plan's lists: shown when there is no inventory and no sales yet.
DEFAULT_SUGGESTIONS: dict[str, list[str]] = {
    "inventory": [
        "What items have been in stock for more than 60 days?",
        "Show me my current dead stock rate",
        "Which products should I discount?",
        "What's my inventory turnover rate?",
        "List all Nike items with low stock",
    ],
    "pricing": [
        "What's the optimal price for [product name]?",
        "Which items should I reprice?",
        "Show me pricing trends for Jordans",
        "What's my average profit margin?",
    ],
    "analytics": [
        "What are my best selling brands this month?",
        "Show me revenue trends for the last quarter",
        "Which products have the highest ROI?",
        "What's my sell-through rate?",
    ],
}
MAX_SUGGESTIONS = 5


def _pairs(n: int) -> str:
    return f"{n} pair" if n == 1 else f"{n} pairs"


class SuggestionBuilder:
    def __init__(self, tools: BusinessTools) -> None:
        self.tools = tools

    async def _data(self, name: str, arguments: dict[str, Any]) -> dict[str, Any] | None:
        result = await self.tools.run(name, arguments)
        return None if result.error else result.data

    async def suggestions(self, category: str) -> tuple[list[str], bool]:
        """(suggestions, made_from_data)."""
        made = await getattr(self, f"_{category}")()
        if not made:
            return list(DEFAULT_SUGGESTIONS[category]), False
        return made[:MAX_SUGGESTIONS], True

    async def _dead_stock_brand(self) -> tuple[str, int, int] | None:
        """(brand of the oldest dead pair, that brand's dead units, threshold) or None."""
        dead = await self._data("dead_stock", {"limit": 1})
        if not dead or not dead["items"]:
            return None
        brand = dead["items"][0]["brand"]
        summary = await self._data("inventory_summary", {"brand": brand})
        units = summary["dead_stock_units"] if summary else 0
        return brand, units, dead["threshold_days"]

    async def _inventory(self) -> list[str]:
        summary = await self._data("inventory_summary", {})
        if not summary or summary["units_in_inventory"] == 0:
            return []
        out: list[str] = []
        days = summary["dead_stock_days"]
        focus = await self._dead_stock_brand()
        if focus is not None and focus[1] > 0:
            brand, units, _ = focus
            out.append(f"Which of my {units} dead-stock {brand} pairs should I discount?")
        if summary["dead_stock_units"] > 0:
            out.append(f"Show me the {_pairs(summary['dead_stock_units'])} older than {days} days")
        out.append(f"What are my {_pairs(summary['units_in_inventory'])} in inventory worth?")
        old = next((b for b in summary["aging_buckets"] if b["label"].startswith("91")), None)
        if old and old["units"] > 0:
            out.append(f"Which of my {_pairs(old['units'])} older than 90 days should I sell first?")
        low = await self._data("low_stock", {"limit": 1})
        if low and low["total"] > 0:
            out.append(f"Which of my {low['total']} low-stock products should I restock?")
        if summary.get("by_brand"):
            top = summary["by_brand"][0]
            out.append(f"How many {top['brand']} pairs do I have by size?")
        return out

    async def _pricing(self) -> list[str]:
        out: list[str] = []
        dead = await self._data("dead_stock", {"limit": 3})
        if dead and dead["items"]:
            oldest = dead["items"][0]
            out.append(f"What should I list my {oldest['product_name']} in size {oldest['size']} for?")
            out.append(f"Which of my {_pairs(dead['total_units'])} of dead stock should I reprice?")
        kpis = await self._data("kpis", {"period": "last_n_days", "days": 30})
        if kpis and kpis["orders"] > 0:
            if kpis.get("margin_pct") is not None:
                out.append(
                    f"My margin was {kpis['margin_pct']:.1f}% in the last 30 days: which sales pulled it down?"
                )
            if kpis.get("avg_order_value") is not None:
                out.append(f"What would StockX and GOAT pay out on a {kpis['avg_order_value']:.2f} sale?")
        if dead and dead["items"]:
            out.append(f"Show me market prices for {dead['items'][0]['sku']}")
        return out

    async def _analytics(self) -> list[str]:
        out: list[str] = []
        month = await self._data("best_sellers", {"period": "this_month", "by": "brand", "limit": 1})
        if month and month["items"]:
            top = month["items"][0]
            out.append(f"How are my {top['key']} sales doing this month compared to last month?")
        kpis = await self._data("kpis", {"period": "last_n_days", "days": 30})
        if kpis and kpis["orders"] > 0:
            out.append(f"Which of my {kpis['orders']} sales in the last 30 days made the most profit?")
            out.append("What are my best selling brands this month?")
            out.append("Show me revenue and profit per month this year")
            out.append("Which platform pays me the most after fees?")
        elif kpis and kpis["units_in_inventory"] > 0:
            out.append(
                f"What is my sell-through rate with {_pairs(kpis['units_in_inventory'])} in inventory?"
            )
        return out
