"""Suggested questions per category, made from the user's own figures (through the tools, so
the numbers match what the assistant would answer); the plan's fixed lists when there is
no data to talk about."""

from __future__ import annotations

import uuid
from typing import Any

import structlog
from sqlalchemy.ext.asyncio import AsyncSession

from domains.ai.memory.base import MemoryBackend, MemoryContext
from domains.ai.schemas import SUGGESTION_CATEGORIES, SuggestionResponse
from domains.ai.tools.business import BusinessTools
from shared.config.settings import Settings
from shared.error_handling.errors import DomainError

logger = structlog.get_logger(__name__)

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
# The user's remembered settings (e.g. their dead-stock days) cost at most this many tokens to load.
MEMORY_TOKEN_BUDGET = 200


def _pairs(n: int) -> str:
    return f"{n} pair" if n == 1 else f"{n} pairs"


class SuggestionService:
    """GET /ai/suggestions/{category}: questions made from the user's own figures, read with the
    settings their memory holds (so "dead stock" means their number of days)."""

    def __init__(self, session: AsyncSession, *, settings: Settings, memory: MemoryBackend | None) -> None:
        self.session = session
        self.settings = settings
        self.memory = memory

    async def for_category(self, *, user_id: uuid.UUID, category: str) -> SuggestionResponse:
        if category not in SUGGESTION_CATEGORIES:
            raise DomainError(
                f"Unknown category {category!r}; use one of: {', '.join(SUGGESTION_CATEGORIES)}",
                code="invalid_category",
            )
        memory_context = await self._remembered(user_id=user_id, category=category)
        tools = BusinessTools(
            self.session,
            settings=self.settings,
            user_settings=memory_context.settings,
            facts=memory_context.facts,
        )
        items, from_data = await SuggestionBuilder(tools).suggestions(category)
        return SuggestionResponse(category=category, suggestions=items, from_data=from_data)

    async def _remembered(self, *, user_id: uuid.UUID, category: str) -> MemoryContext:
        if self.memory is None:
            return MemoryContext()
        try:
            return await self.memory.load(user_id=user_id, query=category, token_budget=MEMORY_TOKEN_BUDGET)
        except Exception:  # memory helps; suggestions come without it
            logger.exception("ai_memory_failed")
            return MemoryContext()


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

    async def _query(self, metrics: list[str], **extra: Any) -> dict[str, Any] | None:
        return await self._data("query_business", {"metrics": metrics, **extra})

    async def _inventory(self) -> list[str]:
        stock = await self._query(
            ["units_in_inventory", "dead_stock_units"], group_by=["aging_bucket"], sort_by_group=True
        )
        if not stock or not stock["totals"]["units_in_inventory"]:
            return []
        totals = stock["totals"]
        days = stock["query"]["dead_stock_days"]
        out: list[str] = []
        dead = await self._query(["dead_stock_units"], group_by=["brand"], limit=1)
        if dead and dead["rows"] and dead["rows"][0]["values"]["dead_stock_units"]:
            brand = dead["rows"][0]["group"]["brand"]
            out.append(
                f"Which of my {dead['rows'][0]['values']['dead_stock_units']} dead-stock {brand} pairs should I discount?"
            )
        if totals["dead_stock_units"]:
            out.append(f"Show me the {_pairs(totals['dead_stock_units'])} older than {days} days")
        out.append(f"What are my {_pairs(totals['units_in_inventory'])} in inventory worth?")
        old = next((r for r in stock["rows"] if r["group"]["aging_bucket"] == "91+"), None)
        if old and old["values"]["units_in_inventory"]:
            out.append(
                f"Which of my {_pairs(old['values']['units_in_inventory'])} older than 90 days should I sell first?"
            )
        low = await self._data("low_stock", {"limit": 1})
        if low and low["total"] > 0:
            out.append(f"Which of my {low['total']} low-stock products should I restock?")
        top = await self._query(["units_in_inventory"], group_by=["brand"], limit=1)
        if top and top["rows"]:
            out.append(f"How many {top['rows'][0]['group']['brand']} pairs do I have by size?")
        return out

    async def _pricing(self) -> list[str]:
        out: list[str] = []
        dead = await self._data("list_inventory", {"older_than_dead_stock": True, "limit": 3})
        if dead and dead["items"]:
            oldest = dead["items"][0]
            out.append(f"What should I list my {oldest['product_name']} in size {oldest['size']} for?")
            out.append(f"Which of my {_pairs(dead['total'])} of dead stock should I reprice?")
        sales = await self._query(["units_sold", "margin", "average_sale_price"])
        if sales and sales["totals"]["units_sold"]:
            totals = sales["totals"]
            if totals.get("margin") is not None:
                out.append(
                    f"My margin was {totals['margin']:.1f}% in the last 30 days: which sales pulled it down?"
                )
            if totals.get("average_sale_price") is not None:
                out.append(
                    f"What would StockX and GOAT pay out on a {float(totals['average_sale_price']):.2f} sale?"
                )
        if dead and dead["items"]:
            out.append(f"Show me market prices for {dead['items'][0]['sku']}")
        return out

    async def _analytics(self) -> list[str]:
        out: list[str] = []
        this_month = await self._data("list_orders", {"period": "this_month", "limit": 1})
        if this_month and this_month["items"]:
            top = await self._query(
                ["units_sold"], group_by=["brand"], limit=1, start=this_month["window"]["start"]
            )
            if top and top["rows"]:
                out.append(
                    f"How are my {top['rows'][0]['group']['brand']} sales doing this month compared to last month?"
                )
        sales = await self._query(["units_sold", "units_in_inventory"])
        if sales and sales["totals"]["units_sold"]:
            out.append(
                f"Which of my {sales['totals']['units_sold']} sales in the last 30 days made the most profit?"
            )
            out.append("What are my best selling brands this month?")
            out.append("Show me revenue and profit per month this year")
            out.append("Which platform pays me the most after fees?")
        elif sales and sales["totals"]["units_in_inventory"]:
            out.append(
                f"What is my sell-through rate with {_pairs(sales['totals']['units_in_inventory'])} in inventory?"
            )
        return out
