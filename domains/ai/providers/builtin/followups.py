"""Follow-ups ("and only Nike?", "what about last month?", "which of those are dead stock?").

No hidden state: the earlier user messages of the conversation are re-parsed in order, each
one resolved against the one before, and the new message carries over the previous action
and filters it does not replace.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime

from domains.ai.providers.builtin.parser import Query, parse_message

NOT_CARRIED = {"greeting", "help", "remember", "unknown"}
# Actions whose question is about a time window / a filter the follow-up can change.
_FILTERS = (
    "brand",
    "brands",
    "platforms",
    "size",
    "sku",
    "product_query",
    "threshold_days",
    "min_price",
    "max_price",
    "min_age_days",
    "max_age_days",
    "status",
    "condition",
)


def has_own_subject(query: Query) -> bool:
    return bool(
        query.windows
        or query.brands
        or query.platforms
        or query.size
        or query.sku
        or query.threshold_days
        or query.min_price is not None
        or query.max_price is not None
        or query.top_n
        or query.metrics
        or query.condition
    )


def resolve(current: Query, previous: Query | None) -> Query:
    """`current` with what it leaves out taken from `previous` when it continues that question."""
    if (
        previous is None
        or previous.action in NOT_CARRIED
        or current.action in {"greeting", "help", "remember"}
    ):
        return current
    if (
        current.extra.get("compare")
        and len(current.windows) == 1
        and previous.windows
        and previous.action in {"kpis", "compare_periods"}
        and not current.platforms
        and current.action not in {"compare_platforms", "best_sellers", "sales_by_platform"}
    ):  # "revenue q3" -> "vs q2?": the earlier window against the new one
        return replace(
            previous,
            action="compare_periods",
            windows=(previous.windows[0], current.windows[0]),
            metrics=current.metrics or previous.metrics,
            brand=current.brand or previous.brand,
            brands=current.brands or previous.brands,
        )
    if (
        current.extra.get("per_brand")
        and previous.action in {"kpis", "compare_periods"}
        and not current.brands
        and current.action != "best_sellers"
        and set(current.metrics or previous.metrics) <= {"revenue", "orders", "profit"}
    ):  # "profit ytd" -> "per brand": the brand ranking (pairs, revenue and profit per brand)
        return replace(
            previous, action="best_sellers", by="brand", windows=current.windows or previous.windows[:1]
        )
    if not current.explicit_action:
        if not (has_own_subject(current) or current.looks_like_followup or current.refers_back):
            return current
        return _carry(previous, current, keep_action=True)
    if (
        current.action == "kpis"
        and current.extra.get("inferred_orders")
        and previous.action in {"list_inventory", "inventory_summary"}
        and not current.windows
    ):  # "used pairs" -> "how many on stockx": the same pairs, listed there
        return _carry(previous, replace(current, metrics=()), keep_action=True)
    if (
        current.action == "kpis"
        and previous.action in {"compare_platforms", "compare_periods", "sales_by_platform"}
        and current.metrics
        and current.looks_like_followup
        and not (current.brands or current.platforms or current.windows)
    ):  # "stockx vs goat ytd" -> "and profit?": the same comparison of another figure
        return replace(previous, metrics=current.metrics)
    if current.action == "inventory_summary" and current.refers_back and previous.intent == "analytics":
        # "how much did I make this year?" -> "how many pairs is that?": pairs sold, not in stock
        return replace(previous, action="kpis", metrics=("orders",), explicit_action=True)
    over = current.extra.get("over_bare")
    if (
        previous.action in {"dead_stock", "discount_candidates"}
        and current.action == "list_inventory"
        and isinstance(over, int)
        and current.looks_like_followup
        and not (current.size or current.brands or current.product_query or current.status)
    ):  # "dead stock" -> "over 200": the age threshold, not a price
        return replace(previous, threshold_days=over)
    if current.looks_like_followup or current.refers_back:
        return _carry(previous, current, keep_action=False)
    return current


def _carry(previous: Query, current: Query, *, keep_action: bool) -> Query:
    base = previous if keep_action else current
    values: dict[str, object] = {}
    if keep_action:
        values["metrics"] = current.metrics or previous.metrics
        days = current.min_age_days or current.extra.get("bare_days")
        if days is not None and previous.action in {"dead_stock", "discount_candidates"}:
            values["threshold_days"] = days
        if current.top_n:
            values["top_n"] = current.top_n
        amount = current.amount or current.extra.get("bare_amount")
        if previous.action == "fee_estimate" and isinstance(amount, float) and amount > 0:
            values["amount"] = amount  # "fees for 220 on stockx" -> "what about 300?"
        if current.sort:
            values["sort"] = current.sort
    for name in _FILTERS:
        own = getattr(current, name)
        if own not in (None, (), ""):
            values[name] = own
        elif not keep_action:
            values[name] = getattr(previous, name)
    # a product question carried to an inventory/sales question keeps the product
    if current.windows:
        if keep_action and previous.action == "compare_periods" and len(current.windows) == 1:
            values["windows"] = (current.windows[0], *previous.windows[1:2])
        else:
            values["windows"] = current.windows
    else:
        values["windows"] = previous.windows
    if not keep_action and current.action in {"dead_stock", "aging", "low_stock", "inventory_summary"}:
        # inventory questions have no window; product words of a sales question do not carry
        values["windows"] = ()
    if keep_action and current.platforms and previous.action in {"compare_platforms"}:
        values["platforms"] = current.platforms
    if keep_action and current.platforms and previous.action == "sales_by_platform":
        return replace(previous, action="kpis", platforms=current.platforms, windows=values["windows"])  # type: ignore[arg-type]
    if keep_action and current.brands and previous.action == "compare_platforms" and not current.platforms:
        values["platforms"] = previous.platforms
    if (
        keep_action
        and current.product_query
        and not current.brands
        and previous.action not in {"product_lookup", "market_prices", "price_recommendation"}
    ):
        values["product_query"] = previous.product_query
    return replace(base, **values)  # type: ignore[arg-type]


def resolve_conversation(user_messages: list[str], *, now: datetime, history_limit: int = 6) -> Query:
    """The resolved query of the last user message, read against the ones before it."""
    previous: Query | None = None
    resolved = Query()
    for text in user_messages[-history_limit:]:
        resolved = resolve(parse_message(text, now=now), previous)
        if resolved.action not in NOT_CARRIED:
            previous = resolved
        elif resolved.action in {"greeting", "help"}:
            previous = None
    return resolved
