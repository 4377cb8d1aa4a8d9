"""The detectors: each looks at the business through the domain services and returns the insights
it finds, with their figures and the calls those figures came from. Definitions: docs/insights.md.
"""

from __future__ import annotations

import statistics
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from domains.analytics.exposure import ExposureService, RiskTotals
from domains.analytics.service import LOW_STOCK_MAX_UNITS, LOW_STOCK_SALES_DAYS, AnalyticsService
from domains.analytics.windows import Window, last_n_days
from domains.insights.preferences import InsightPreferences
from domains.insights.schemas import Insight, Severity
from domains.insights.texts import (
    BASELINE_QUESTIONS,
    DIRECTION,
    FEE_EFFECT,
    METRIC_NAMES,
    amount,
    money,
    number,
    render,
)
from domains.inventory.schemas import InventoryFilters
from domains.inventory.service import InventoryService
from domains.pricing.platforms import PLATFORMS
from domains.pricing.service import PricingService
from domains.products.service import ProductService
from shared.config.settings import Settings

BASELINE_WEEKS = 8
WEEK = timedelta(days=7)


@dataclass(frozen=True, slots=True)
class DetectionContext:
    session: AsyncSession
    now: datetime
    settings: Settings
    preferences: InsightPreferences
    last_digest_date: date | None  # the user's newest digest before today, if any

    def money(self, value: Decimal | str) -> str:
        return money(value, self.settings.CURRENCY, self.preferences.language)

    def insight(
        self,
        kind: str,
        severity: Severity,
        *,
        figures: dict[str, Any],
        sources: list[dict[str, Any]],
        **words: Any,
    ) -> Insight:
        headline, explanation, follow_up = render(kind, self.preferences.language, **words)
        return Insight(
            type=kind,
            severity=severity,
            headline=headline,
            explanation=explanation,
            figures=_plain(figures),
            sources=_plain(sources),
            follow_up=follow_up,
        )


def _plain(value: Any) -> Any:
    """JSON-ready: money as "812.00" strings, times as ISO 8601 (stored digests keep them so)."""
    if isinstance(value, Decimal):
        return f"{value:.2f}"
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    return value


# --- dead stock crossed ------------------------------------------------------------------


async def dead_stock_crossed(ctx: DetectionContext) -> list[Insight]:
    """Pairs in inventory whose age passed the user's dead-stock threshold T since the last digest:
    age in (T, T + k] whole days, k = days since the last digest (1 without one)."""
    threshold = ctx.preferences.dead_stock_days
    today = ctx.now.date()
    days = 1 if ctx.last_digest_date is None else max(1, (today - ctx.last_digest_date).days)
    crossing = await ExposureService(ctx.session, now=ctx.now).dead_stock_crossing(
        threshold_days=threshold, days=days
    )
    if crossing.units <= 0:
        return []
    window = InventoryFilters(
        status="in_inventory", min_age_days=threshold + 1, max_age_days=threshold + days, sort="oldest"
    )
    inventory = InventoryService(ctx.session, now=ctx.now)
    pairs, _total = await inventory.list_items(filters=window, limit=ctx.settings.INSIGHTS_PAIRS_SHOWN)
    figures = {
        "units": crossing.units,
        "value": crossing.value,
        "threshold_days": threshold,
        "days_since_last_digest": days,
        "total_dead_units": crossing.dead_units,
        "total_dead_value": crossing.dead_value,
        "pairs": [
            {
                "item_id": p.id,
                "sku": p.sku,
                "product_name": p.product_name,
                "size": p.size,
                "status": p.status,
                "age_days": p.age_days,
                "purchase_price": p.purchase_price,
            }
            for p in pairs
        ],
    }
    sources: list[dict[str, Any]] = [
        {
            "query": "analytics.dead_stock_crossing",
            "arguments": {"threshold_days": threshold, "days": days},
            "result": {
                "units": crossing.units,
                "value": crossing.value,
                "dead_units": crossing.dead_units,
                "dead_value": crossing.dead_value,
            },
            "facts_used": list(ctx.preferences.facts_used),
        },
        {
            "tool": "list_inventory",
            "arguments": window.model_dump(exclude_none=True),
            "result": {"shown": len(pairs)},
        },
    ]
    return [
        ctx.insight(
            "dead_stock_crossed",
            "warning",
            figures=figures,
            sources=sources,
            units=crossing.units,
            threshold=threshold,
            days=days,
            value=ctx.money(crossing.value),
            total_units=crossing.dead_units,
            total_value=ctx.money(crossing.dead_value),
        )
    ]


# --- listings and underwater stock ---------------------------------------------------------


def _risk_figures(totals: RiskTotals, *, value_name: str, gap_name: str) -> dict[str, Any]:
    return {
        "units": totals.units,
        value_name: totals.value,
        gap_name: totals.gap,
        "pairs": [
            {
                "item_id": p.item_id,
                "sku": p.sku,
                "product_name": p.product_name,
                "size": p.size,
                "status": p.status,
                "purchase_price": p.purchase_price,
                "listed_price": p.listed_price,
                "listed_platform": p.listed_platform,
                "market_platform": p.market_platform,
                "market_price": p.market_price,
                "net_after_fees": p.net_after_fees,
                "gap": p.gap,
            }
            for p in totals.pairs
        ],
    }


def _risk_insight(
    ctx: DetectionContext,
    kind: str,
    severity: Severity,
    totals: RiskTotals,
    *,
    names: tuple[str, str],
    arguments: dict[str, Any],
    **words: Any,
) -> list[Insight]:
    """The insight of one exposure query: `names` are the figures' words for value and gap."""
    if totals.units == 0:
        return []
    value_name, gap_name = names
    top = totals.pairs[0]  # the largest gap: the follow-up question is about this pair
    price = top.listed_price if top.listed_price is not None else top.purchase_price
    pair_words = {
        "product": top.product_name,
        "size": top.size,
        "price": amount(price, ctx.preferences.language),
        "platform": PLATFORMS.get(top.listed_platform or "", top.listed_platform or ""),
    }
    source = {
        "query": f"analytics.{kind}",
        "arguments": arguments,
        "result": {"units": totals.units, "value": totals.value, "gap": totals.gap},
    }
    return [
        ctx.insight(
            kind,
            severity,
            figures={**_risk_figures(totals, value_name=value_name, gap_name=gap_name), **arguments},
            sources=[source],
            units=totals.units,
            value=ctx.money(totals.value),
            gap=ctx.money(totals.gap),
            **pair_words,
            **words,
        )
    ]


async def listing_above_market(ctx: DetectionContext) -> list[Insight]:
    pct = ctx.settings.INSIGHTS_OVERPRICED_PCT
    exposure = ExposureService(ctx.session, now=ctx.now)
    totals = await exposure.listings_above_market(overpriced_pct=pct, limit=ctx.settings.INSIGHTS_PAIRS_SHOWN)
    return _risk_insight(
        ctx,
        "listing_above_market",
        "warning",
        totals,
        names=("listed_value", "above_ask"),
        arguments={"overpriced_pct": pct},
        pct=number(pct, ctx.preferences.language),
    )


async def listing_below_cost(ctx: DetectionContext) -> list[Insight]:
    exposure = ExposureService(ctx.session, now=ctx.now)
    totals = await exposure.listings_below_cost(limit=ctx.settings.INSIGHTS_PAIRS_SHOWN)
    return _risk_insight(
        ctx, "listing_below_cost", "critical", totals, names=("listed_value", "loss"), arguments={}
    )


async def underwater_stock(ctx: DetectionContext) -> list[Insight]:
    exposure = ExposureService(ctx.session, now=ctx.now)
    totals = await exposure.underwater_stock(limit=ctx.settings.INSIGHTS_PAIRS_SHOWN)
    return _risk_insight(
        ctx, "underwater_stock", "warning", totals, names=("cost", "shortfall"), arguments={}
    )


# --- sales against the baseline ----------------------------------------------------------------


def baseline_window(now: datetime) -> tuple[Window, Window]:
    """(the last 7 full UTC days, the 8 weeks of 7 days before them)."""
    midnight = datetime.combine(now.date(), time.min, tzinfo=UTC)
    recent = Window(start=midnight - WEEK, end=midnight, label="last 7 full days")
    before = Window(start=recent.start - BASELINE_WEEKS * WEEK, end=recent.start, label="8 weeks before")
    return recent, before


def _severity_of_change(change_pct: float, threshold: float) -> Severity:
    if change_pct <= -2 * threshold:
        return "critical"
    return "warning" if change_pct < 0 else "info"


async def sales_vs_baseline(ctx: DetectionContext) -> list[Insight]:
    """Orders, revenue and profit of the last 7 full days against the median of the same 7 days
    of each of the 8 weeks before, flagged past INSIGHTS_BASELINE_THRESHOLD_PCT either way."""
    recent, before = baseline_window(ctx.now)
    series_window = Window(start=before.start, end=recent.end, label="last 63 full days")
    points = await AnalyticsService(ctx.session, now=ctx.now).time_series(window=series_window, grain="day")
    threshold = ctx.settings.INSIGHTS_BASELINE_THRESHOLD_PCT
    language = ctx.preferences.language
    insights = []
    for metric in ("orders", "revenue", "profit"):
        # The series is daily (aggregated in SQL); weeks are consecutive blocks of 7 of its 63 days.
        weekly = [
            sum((getattr(p, metric) for p in points[i : i + 7]), start=Decimal(0)) for i in range(0, 63, 7)
        ]
        current, history = weekly[-1], weekly[:-1]
        baseline = Decimal(str(statistics.median(history)))
        if baseline <= 0:
            continue  # no usual week to compare with: "not available", never a 100% jump
        change = float((current - baseline) / baseline * 100)
        if abs(change) < threshold:
            continue
        is_money = metric != "orders"

        def shown(value: Decimal, is_money: bool = is_money) -> str:
            return ctx.money(value) if is_money else number(float(value), language)

        figures = {
            "metric": metric,
            "last_7_days": current if is_money else int(current),
            "baseline_median": baseline.quantize(Decimal("0.01")) if is_money else float(baseline),
            "change_pct": round(change, 2),
            "threshold_pct": threshold,
            "window": {"start": recent.start, "end": recent.end},
            "baseline_weeks": [w if is_money else int(w) for w in history],
        }
        source = {
            "tool": "time_series",
            "arguments": {"start": series_window.start, "end": series_window.end, "grain": "day"},
            "result": {"days": len(points)},
        }
        insights.append(
            ctx.insight(
                "sales_vs_baseline",
                _severity_of_change(change, threshold),
                figures=figures,
                sources=[source],
                metric=METRIC_NAMES[language][metric],
                direction=DIRECTION[language][change > 0],
                change=number(abs(round(change, 1)), language),
                change_signed=("+" if change > 0 else "-") + number(abs(round(change, 1)), language),
                start=recent.start.date().isoformat(),
                end=(recent.end - timedelta(days=1)).date().isoformat(),
                current=shown(current),
                baseline=shown(baseline),
                threshold=number(threshold, language),
                question=BASELINE_QUESTIONS[language][metric],
            )
        )
    return insights


# --- best sellers running low ----------------------------------------------------------------


async def best_sellers_low_stock(ctx: DetectionContext) -> list[Insight]:
    """Among the top INSIGHTS_BEST_SELLERS products by pairs sold in the last 90 days, those with at
    most 1 pair in inventory (the low-stock definition)."""
    top = ctx.settings.INSIGHTS_BEST_SELLERS
    window = last_n_days(LOW_STOCK_SALES_DAYS, ctx.now)
    sellers = await AnalyticsService(ctx.session, now=ctx.now).best_sellers(
        window=window, by="product", limit=top
    )
    if not sellers:
        return []
    products = await ProductService(ctx.session).get_by_skus([s.key for s in sellers])
    ids = {p.sku: p.id for p in products.values()}
    stock = await InventoryService(ctx.session, now=ctx.now).units_in_inventory(
        product_ids=list(ids.values())
    )
    low: list[dict[str, Any]] = [
        {
            "rank": s.rank,
            "sku": s.key,
            "name": s.name,
            "brand": s.brand,
            "units_sold_90d": s.units,
            "units_in_inventory": stock.get(ids[s.key], 0),
        }
        for s in sellers
        if s.key in ids and stock.get(ids[s.key], 0) <= LOW_STOCK_MAX_UNITS
    ]
    if not low:
        return []
    names = ", ".join(str(row["name"]) for row in low[:3]) + (" …" if len(low) > 3 else "")
    sources = [
        {
            "tool": "best_sellers",
            "arguments": {"start": window.start, "end": window.end, "by": "product", "limit": top},
            "result": {"products": len(sellers)},
        },
        {"tool": "units_in_inventory", "arguments": {"skus": [s.key for s in sellers]}, "result": {}},
    ]
    return [
        ctx.insight(
            "best_sellers_low_stock",
            "warning",
            figures={"products": len(low), "top": top, "items": low},
            sources=sources,
            count=len(low),
            top=top,
            names=names,
        )
    ]


# --- fee schedule changes ----------------------------------------------------------------------


def percent(value: Decimal) -> str:
    """9.000 -> "9", 2.900 -> "2.9" (fee rates as people write them)."""
    return format(value.normalize(), "f")


def _fee_terms(schedule: Any) -> dict[str, Any]:
    return {
        "valid_from": schedule.valid_from,
        "commission_pct": percent(schedule.commission_pct),
        "processing_pct": percent(schedule.processing_pct),
        "fixed_fee": schedule.fixed_fee,
        "min_commission": schedule.min_commission,
    }


def _costs_more(new: Any, old: Any) -> bool:
    return bool(
        new.commission_pct + new.processing_pct > old.commission_pct + old.processing_pct
        or new.fixed_fee > old.fixed_fee
        or new.min_commission > old.min_commission
    )


async def fee_change_soon(ctx: DetectionContext) -> list[Insight]:
    """Fee schedule versions taking effect within INSIGHTS_FEE_NOTICE_DAYS from now."""
    horizon = ctx.now + timedelta(days=ctx.settings.INSIGHTS_FEE_NOTICE_DAYS)
    pricing = PricingService(ctx.session, now=ctx.now, settings=ctx.settings)
    current = {s.platform: s for s in await pricing.current_fee_schedules()}
    insights = []
    for platform in PLATFORMS:
        history, _total = await pricing.fee_history(platform=platform, limit=5)
        upcoming = sorted(
            (s for s in history if ctx.now < s.valid_from <= horizon), key=lambda s: s.valid_from
        )
        old = current.get(platform)
        for new in upcoming:
            if old is None:
                break
            more = _costs_more(new, old)
            days = (new.valid_from - ctx.now).days
            insights.append(
                ctx.insight(
                    "fee_change_soon",
                    "warning" if more else "info",
                    figures={
                        "platform": platform,
                        "valid_from": new.valid_from,
                        "days_until": days,
                        "current": _fee_terms(old),
                        "upcoming": _fee_terms(new),
                        "costs_more": more,
                    },
                    sources=[
                        {"tool": "fee_history", "arguments": {"platform": platform}, "result": {"id": new.id}}
                    ],
                    platform=PLATFORMS[platform],
                    date=new.valid_from.date().isoformat(),
                    days=days,
                    new_pct=percent(new.commission_pct),
                    new_processing=percent(new.processing_pct),
                    new_fixed=ctx.money(new.fixed_fee),
                    old_pct=percent(old.commission_pct),
                    old_processing=percent(old.processing_pct),
                    old_fixed=ctx.money(old.fixed_fee),
                    effect=FEE_EFFECT[ctx.preferences.language][more],
                )
            )
            old = new
    return insights


Detector = Callable[[DetectionContext], Awaitable[list[Insight]]]

# The order insights of equal severity are listed in.
DETECTORS: tuple[Detector, ...] = (
    listing_below_cost,
    sales_vs_baseline,
    dead_stock_crossed,
    underwater_stock,
    best_sellers_low_stock,
    listing_above_market,
    fee_change_soon,
)
