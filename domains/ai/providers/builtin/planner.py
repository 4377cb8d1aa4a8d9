"""Which tools answer a Query, with which arguments. Runs them through the ToolExecutor."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field, replace
from typing import Any

from domains.ai.providers.base import ToolResult
from domains.ai.providers.builtin.parser import Query
from domains.ai.providers.builtin.timeframes import NAMED, WindowSpec, default_window

RunTool = Callable[[str, dict[str, Any]], Awaitable[ToolResult]]

# "compared to last month" with one window named: the window it is compared with.
_PREVIOUS: dict[str, str] = {
    "today": "yesterday",
    "this_week": "last_week",
    "this_month": "last_month",
    "this_quarter": "last_quarter",
    "this_year": "last_year",
}
_CURRENT = {v: k for k, v in _PREVIOUS.items()}


@dataclass(slots=True)
class Outcome:
    """The tool results of one answer, keyed by role ('main', 'compare', 'recommendations', ...)."""

    results: dict[str, ToolResult] = field(default_factory=dict)
    extra: dict[str, list[ToolResult]] = field(default_factory=dict)
    windows: list[WindowSpec] = field(default_factory=list)
    query: Query | None = None  # set when the question was answered as another one (see product_lookup)


def _window(query: Query) -> WindowSpec:
    return query.window or default_window()


def _filters(query: Query, *, platform: bool = True) -> dict[str, Any]:
    args: dict[str, Any] = {}
    if query.brand:
        args["brand"] = query.brand
    if platform and query.platform:
        args["platform"] = query.platform
    return args


def compared_windows(query: Query) -> list[WindowSpec]:
    if len(query.windows) >= 2:
        return list(query.windows[:2])
    first = _window(query)
    if first.period in _PREVIOUS:
        return [first, NAMED[_PREVIOUS[first.period]]]
    if first.period in _CURRENT:
        return [NAMED[_CURRENT[first.period]], first]
    return [NAMED["this_month"], NAMED["last_month"]]


async def execute(query: Query, run: RunTool) -> Outcome:
    out = Outcome()
    action = query.action
    if action == "inventory_summary":
        args: dict[str, Any] = _filters(query, platform=False)
        if query.threshold_days:
            args["dead_stock_days"] = query.threshold_days
        out.results["main"] = await run("inventory_summary", args)
    elif action == "list_inventory":
        args = _filters(query, platform=False)
        for key, value in (
            ("product_query", query.product_query),
            ("sku", query.sku),
            ("size", query.size),
            ("min_age_days", query.min_age_days),
            ("max_age_days", query.max_age_days),
            ("min_purchase_price", query.min_price),
            ("max_purchase_price", query.max_price),
            ("status", query.status),
            ("condition", query.condition),
            ("sort", query.sort),
        ):
            if value is not None:
                args[key] = value
        if query.platform and query.status in (None, "listed"):  # where a listed pair is listed
            args["listed_platform"] = query.platform
        args["limit"] = min(query.top_n or 10, 50)
        out.results["main"] = await run("list_inventory", args)
    elif action == "dead_stock":
        args = _filters(query, platform=False)
        if query.threshold_days:
            args["threshold_days"] = query.threshold_days
        if query.product_query:
            args["product_query"] = query.product_query
        args["limit"] = 10
        out.results["main"] = await run("dead_stock", args)
        # the rate needs the units in inventory: one more figure, from the summary
        summary_args: dict[str, Any] = _filters(query, platform=False)
        if query.threshold_days:
            summary_args["dead_stock_days"] = query.threshold_days
        out.results["summary"] = await run("inventory_summary", summary_args)
    elif action == "aging":
        out.results["main"] = await run("aging_buckets", _filters(query, platform=False))
    elif action == "low_stock":
        out.results["main"] = await run(
            "low_stock", {"by_size": bool(query.extra.get("by_size")), "limit": min(query.top_n or 10, 50)}
        )
    elif action == "kpis":
        window = _window(query)
        out.windows = [window]
        args = {**window.tool_args(), **_filters(query)}
        if query.threshold_days:
            args["dead_stock_days"] = query.threshold_days
        out.results["main"] = await run("kpis", args)
    elif action == "compare_periods":
        first, second = compared_windows(query)
        out.windows = [first, second]
        out.results["main"] = await run("kpis", {**first.tool_args(), **_filters(query)})
        out.results["compare"] = await run("kpis", {**second.tool_args(), **_filters(query)})
    elif action == "compare_brands":
        window = _window(query)
        out.windows = [window]
        for i, brand in enumerate(query.brands[:4]):
            args = {**window.tool_args(), **_filters(query), "brand": brand}
            out.results["main" if i == 0 else f"brand:{i}"] = await run("kpis", args)
    elif action in {"sales_by_platform", "compare_platforms"}:
        window = _window(query)
        out.windows = [window]
        out.results["main"] = await run(
            "sales_by_platform", {**window.tool_args(), **_filters(query, platform=False)}
        )
    elif action == "best_sellers":
        window = _window(query)
        out.windows = [window]
        args = {
            **window.tool_args(),
            **_filters(query),
            "by": query.by or "product",
            "limit": query.top_n or 5,
        }
        if args["by"] == "brand":
            args.pop("brand", None)
        out.results["main"] = await run("best_sellers", args)
    elif action == "time_series":
        window = query.window or (
            NAMED["this_year"] if (query.grain or "month") == "month" else default_window()
        )
        out.windows = [window]
        args = {**window.tool_args(), **_filters(query), "grain": query.grain or "month"}
        out.results["main"] = await run("time_series", args)
    elif action == "list_orders":
        window = _window(query)
        out.windows = [window]
        args = {**window.tool_args(), **_filters(query), "limit": min(query.top_n or 10, 50)}
        if query.sku:
            args["sku"] = query.sku
        out.results["main"] = await run("list_orders", args)
        out.results["totals"] = await run("kpis", {**window.tool_args(), **_filters(query)})
    elif action == "product_lookup":
        text = query.sku or query.product_query or ""
        if text:
            out.results["main"] = await run("product_lookup", {"query": text, "limit": 5})
        fallback = query.extra.get("fallback")
        found = out.results.get("main")
        if (
            isinstance(fallback, Query)
            and found is not None
            and found.error is None
            and not found.data.get("items")
        ):
            # the words named no product: answer the question they were part of, and say so
            unmatched = replace(fallback, extra={**fallback.extra, "unmatched_product": text})
            answer = await execute(unmatched, run)
            answer.query = unmatched
            return answer
    elif action == "market_prices":
        args = {}
        if query.sku:
            args["sku"] = query.sku
        elif query.product_query:
            args["product_query"] = query.product_query
        if query.size:
            args["size"] = query.size
        if query.platform:
            args["platform"] = query.platform
        if args:
            out.results["main"] = await run("market_prices", args)
    elif action == "price_recommendation":
        args = {}
        if query.sku or query.product_query:
            args["product_query"] = query.sku or query.product_query
        if query.size:
            args["size"] = query.size
        if query.platform:
            args["platform"] = query.platform
        if query.target_margin_pct is not None:
            args["target_margin_pct"] = query.target_margin_pct
        if args.get("product_query"):
            out.results["main"] = await run("price_recommendation", args)
        else:  # "what should I reprice?" without a product: the dead-stock candidates
            await _discount_candidates(query, run, out)
    elif action == "discount_candidates":
        await _discount_candidates(query, run, out)
    elif action == "fee_estimate" and query.amount:
        args = {"sale_price": query.amount}
        if query.platform:
            args["platform"] = query.platform
        out.results["main"] = await run("fee_estimate", args)
    return out


async def _discount_candidates(query: Query, run: RunTool, out: Outcome) -> None:
    args: dict[str, Any] = _filters(query, platform=False)
    if query.threshold_days:
        args["threshold_days"] = query.threshold_days
    args["limit"] = 5
    dead = await run("dead_stock", args)
    out.results["main"] = dead
    recommendations: list[ToolResult] = []
    for item in (dead.data.get("items") or [])[:5]:
        rec_args: dict[str, Any] = {"item_id": int(item["id"])}
        if query.platform:
            rec_args["platform"] = query.platform
        if query.target_margin_pct is not None:
            rec_args["target_margin_pct"] = query.target_margin_pct
        recommendations.append(await run("price_recommendation", rec_args))
    out.extra["recommendations"] = recommendations
