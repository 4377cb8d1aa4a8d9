"""The one-line restatement of what an answer answered ("Pairs sold by size, Jordan 4, StockX,
last month") and the `interpretation` object clients receive (docs/domain.md, data contract)."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any

from domains.ai.understanding.interpretation import Interpretation
from domains.analytics.semantic.catalog import DIMENSIONS, METRICS
from domains.pricing.platforms import platform_label

CONDITIONS = {"new": ("new (unworn)", "neu (ungetragen)"), "used": ("used", "gebraucht")}
STATUSES = {"listed": ("listed", "gelistet"), "in_stock": ("not listed", "nicht gelistet")}
PICKS = {
    "oldest": ("the oldest pair", "das älteste Paar"),
    "newest": ("the newest pair", "das neueste Paar"),
    "cheapest": ("the cheapest pair", "das günstigste Paar"),
    "priciest": ("the most expensive pair", "das teuerste Paar"),
}
ACTIONS = {
    "list": ("Pairs in inventory", "Paare im Bestand"),
    "low_stock": (
        "Best sellers running low (at most 1 pair left)",
        "Gut verkaufte Produkte mit wenig Bestand (höchstens 1 Paar)",
    ),
    "market_price": ("Latest market prices", "Aktuelle Marktpreise"),
    "price_recommendation": ("Price recommendation", "Preisempfehlung"),
    "fee_estimate": ("Fees and payout per platform", "Gebühren und Auszahlung je Plattform"),
    "reprice": ("Pairs to reprice: dead stock", "Paare zum Reduzieren: Ladenhüter"),
    "product_lookup": ("Products matching", "Passende Produkte"),
}


def metric_label(name: str, language: str) -> str:
    labels = METRICS[name].labels
    return labels.de if language == "de" else labels.en


def dimension_label(name: str, language: str) -> str:
    labels = DIMENSIONS[name].labels
    return labels.de if language == "de" else labels.en


def filter_phrases(interpretation: Interpretation, language: str) -> list[str]:
    de = language == "de"
    f = interpretation.filters
    parts: list[str] = []
    parts += f.brand
    parts += f.family
    parts += f.product
    if f.size:
        parts.append(("Größe " if de else "size ") + ", ".join(f.size))
    if f.platform:
        parts.append(", ".join(platform_label(p, language) for p in f.platform))
    for condition in f.condition:
        parts.append(CONDITIONS[condition][de])
    for status in f.status:
        parts.append(STATUSES[status][de])
    if f.aging_bucket:
        parts.append(("Alter " if de else "aged ") + ", ".join(f.aging_bucket) + (" Tage" if de else " days"))
    if f.min_age_days is not None and f.max_age_days is not None:
        parts.append(f"{f.min_age_days + 1}–{f.max_age_days} " + ("Tage alt" if de else "days old"))
    elif f.min_age_days is not None:
        parts.append((f"älter als {f.min_age_days} Tage") if de else f"older than {f.min_age_days} days")
    elif f.max_age_days is not None:
        parts.append((f"höchstens {f.max_age_days} Tage alt") if de else f"at most {f.max_age_days} days old")
    if f.min_price is not None:
        parts.append(("ab " if de else "from ") + _amount(f.min_price))
    if f.max_price is not None:
        parts.append(("bis " if de else "up to ") + _amount(f.max_price))
    return parts


def _amount(value: Decimal) -> str:
    """150 rather than 150.0; 99.99 as it is."""
    return format(value.normalize(), "f") if value == value.to_integral() else format(value, "f")


def restate(interpretation: Interpretation, language: str, *, now: datetime, dead_stock_days: int) -> str:
    """One short line: the metric(s) [by dimension], the filters and the window."""
    de = language == "de"
    action = interpretation.action
    if action in ACTIONS and action != "list":
        head = ACTIONS[action][de]
        if action == "reprice":
            head += f" (älter als {dead_stock_days} Tage)" if de else f" (older than {dead_stock_days} days)"
    elif action == "list":
        head = PICKS[interpretation.pick][de].capitalize() if interpretation.pick else ACTIONS["list"][de]
        if interpretation.filters.min_age_days is None and any(
            m.startswith("dead_stock") for m in interpretation.metrics
        ):
            head += f" (älter als {dead_stock_days} Tage)" if de else f" older than {dead_stock_days} days"
    else:
        labels = [metric_label(m, language) for m in interpretation.metrics]
        if any(m.startswith("dead_stock") for m in interpretation.metrics):
            labels.append(f"Schwelle {dead_stock_days} Tage" if de else f"threshold {dead_stock_days} days")
        head = ", ".join(labels) if labels else ("Frage" if de else "Question")
        head = head[:1].upper() + head[1:]
        if interpretation.group_by:
            joined = (" und " if de else " and ").join(
                dimension_label(d, language) for d in interpretation.group_by
            )
            head += (" nach " if de else " by ") + joined
        if interpretation.sort and interpretation.limit:
            head = (
                f"Top {interpretation.limit}: "
                if interpretation.descending
                else f"Schwächste {interpretation.limit}: "
                if de
                else f"Bottom {interpretation.limit}: "
            ) + head
    parts = [head, *filter_phrases(interpretation, language)]
    all_platforms = not interpretation.filters.platform and "sales" in interpretation.facts
    if interpretation.action in ("aggregate", "future") and all_platforms:
        parts.append("alle Plattformen" if de else "all platforms")
    window = interpretation.window(now)
    if interpretation.compare_periods:
        parts.append((" vs. ").join(p.label(language) for p in interpretation.compare_periods))
    elif window is not None:
        parts.append(window.label(language))
    elif interpretation.action in ("aggregate", "list") and interpretation.stock_only:
        parts.append("jetzt" if de else "now")
    parts += interpretation.notes
    return ", ".join(p for p in parts if p)


def interpretation_payload(
    interpretation: Interpretation, text: str, *, now: datetime, dead_stock_days: int | None
) -> dict[str, Any]:
    """The `interpretation` field of an answer (docs/domain.md data contract)."""
    window = interpretation.window(now) if interpretation.action in ("aggregate", "future") else None
    listed_metrics = ("aggregate", "list", "future", "reprice")
    periods = interpretation.compare_periods
    return {
        "text": text,
        "action": interpretation.action,
        "metrics": list(interpretation.metrics) if interpretation.action in listed_metrics else [],
        "filters": interpretation.filters.as_dict(),
        "group_by": list(interpretation.group_by),
        "window": None
        if window is None
        else {"start": window.start.isoformat(), "end": window.end.isoformat(), "label": window.label_en},
        "compare_windows": [
            {"start": p.start.isoformat(), "end": p.end.isoformat(), "label": p.label_en} for p in periods
        ],
        "dead_stock_days": dead_stock_days
        if any(m.startswith("dead_stock") for m in interpretation.metrics)
        else None,
        "sort": interpretation.sort,
        "limit": interpretation.limit,
        "unknown_terms": list(interpretation.unknown_terms),
        "no_record": [{"kind": kind, "term": term} for kind, term in interpretation.no_record],
        "understood": interpretation.understood,
        "followup": interpretation.followup,
    }


def interpretation_from_query(
    arguments: dict[str, Any], *, language: str, now: datetime, unknown_terms: list[str] | None = None
) -> dict[str, Any]:
    """The interpretation of an answer a language model gave through `query_business`: built from
    the validated query (not from the model's prose)."""
    from decimal import Decimal

    from domains.ai.understanding.interpretation import Filters
    from domains.ai.understanding.timegrammar import Period, default_period

    raw = dict(arguments.get("filters") or {})
    filters = Filters()
    for name, value in raw.items():
        if isinstance(value, list) and hasattr(filters, name):
            setattr(filters, name, [str(v) for v in value])
        elif name in ("min_age_days", "max_age_days") and value is not None:
            setattr(filters, name, int(value))
        elif name in ("min_price", "max_price") and value is not None:
            setattr(filters, name, Decimal(str(value)))
    period: Period | None = None
    if arguments.get("start"):
        start = datetime.fromisoformat(str(arguments["start"]))
        end = datetime.fromisoformat(str(arguments["end"])) if arguments.get("end") else now
        label_en = f"{start.date()} to {end.date()}"
        period = Period(start, end, "range", label_en, label_en.replace(" to ", " bis "))
    else:
        period = default_period(now)
    interpretation = Interpretation(
        action="aggregate",
        metrics=list(arguments.get("metrics") or []),
        group_by=list(arguments.get("group_by") or []),
        filters=filters,
        period=period,
        dead_stock_days=arguments.get("dead_stock_days"),
        sort=arguments.get("sort") if arguments.get("limit") else None,
        descending=bool(arguments.get("descending", True)),
        limit=arguments.get("limit"),
        unknown_terms=list(unknown_terms or []),
    )
    days = int(arguments.get("dead_stock_days") or 60)
    text = restate(interpretation, language, now=now, dead_stock_days=days)
    return interpretation_payload(interpretation, text, now=now, dead_stock_days=days)


def empty_interpretation(text: str = "") -> dict[str, Any]:
    """An answer that states no business figure (small talk, a remembered preference)."""
    return {
        "text": text,
        "action": "none",
        "metrics": [],
        "filters": {},
        "group_by": [],
        "window": None,
        "compare_windows": [],
        "dead_stock_days": None,
        "sort": None,
        "limit": None,
        "unknown_terms": [],
        "no_record": [],
        "understood": "full",
        "followup": False,
    }
