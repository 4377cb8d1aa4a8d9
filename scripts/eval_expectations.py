"""Expected answers of the eval, by plain SQL over the demo data (independent of the assistant's
tools and services), and the number/text checks applied to an answer.

An expectation is a small spec string: `metric key=value ...`, e.g.
    "revenue w=last_month brand=Nike platform=goat"    "dead_units t=90"    "bucket 91+"
    "units brand=New_Balance" (underscores are spaces in a brand name)
    "best_product rank=1 w=this_year"   "fee_payout platform=goat price=250"   "best_platform w=last_month"
    "orders size=10 w=last_month" (sales filters: brand, platform, size)
    "items status=listed platform=goat condition=used size=10 sku=... brand=..." (pairs in inventory)
Windows: today, yesterday, this_week, last_week, this_month, last_month, this_quarter,
last_quarter, this_year, last_year, all_time, days:N, month:M (named month, this or last year;
month:M:-1 the same month a year earlier),
quarter:N (named calendar quarter "Q3", the latest one that has started), range:MM-DD:MM-DD (an explicit
date range, both days included, in the latest year in which its first day is not in the future);
none means the last 30 days.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from sqlalchemy import bindparam, text
from sqlalchemy.ext.asyncio import AsyncConnection

from shared.database.types import UTCDateTime


@dataclass(frozen=True, slots=True)
class Expected:
    value: float | str | None
    kind: str  # money | count | pct | days | ratio | text | none


# --- windows, computed here on their own (docs/domain.md) ----------------------------------------


def _midnight(day: datetime) -> datetime:
    return datetime(day.year, day.month, day.day, tzinfo=UTC)


def _month(year: int, month: int) -> datetime:
    while month < 1:
        year, month = year - 1, month + 12
    while month > 12:
        year, month = year + 1, month - 12
    return datetime(year, month, 1, tzinfo=UTC)


def window(spec: str | None, now: datetime) -> tuple[datetime, datetime]:
    spec = spec or "days:30"
    today = _midnight(now)
    q_start_month = 3 * ((now.month - 1) // 3) + 1
    if spec.startswith("days:"):
        return now - timedelta(days=int(spec[5:])), now
    if spec.startswith("month:"):  # month:M, or month:M:-1 for that month one year earlier
        month, _, shift = spec[6:].partition(":")
        month = int(month)
        year = (now.year if month <= now.month else now.year - 1) + int(shift or 0)
        return _month(year, month), min(_month(year, month + 1), now)
    if spec.startswith("quarter:"):
        first = 3 * (int(spec[8:]) - 1) + 1
        year = now.year if first <= now.month else now.year - 1
        return _month(year, first), min(_month(year, first + 3), now)
    if spec.startswith("range:"):
        (m1, d1), (m2, d2) = (tuple(int(x) for x in part.split("-")) for part in spec[6:].split(":"))
        year = now.year if (m1, d1) <= (now.month, now.day) else now.year - 1
        first = datetime(year, m1, d1, tzinfo=UTC)
        last = datetime(year if (m2, d2) >= (m1, d1) else year + 1, m2, d2, tzinfo=UTC)
        return first, min(last + timedelta(days=1), now)
    table = {
        "today": (today, now),
        "yesterday": (today - timedelta(days=1), today),
        "this_week": (today - timedelta(days=now.weekday()), now),
        "last_week": (today - timedelta(days=now.weekday() + 7), today - timedelta(days=now.weekday())),
        "this_month": (_month(now.year, now.month), now),
        "last_month": (_month(now.year, now.month - 1), _month(now.year, now.month)),
        "this_quarter": (_month(now.year, q_start_month), now),
        "last_quarter": (_month(now.year, q_start_month - 3), _month(now.year, q_start_month)),
        "this_year": (datetime(now.year, 1, 1, tzinfo=UTC), now),
        "last_year": (datetime(now.year - 1, 1, 1, tzinfo=UTC), datetime(now.year, 1, 1, tzinfo=UTC)),
        "all_time": (datetime(2000, 1, 1, tzinfo=UTC), now),
    }
    return table[spec]


# --- SQL ------------------------------------------------------------------------------------------

_TS = UTCDateTime()
IN_INVENTORY = "i.status IN ('in_stock', 'listed')"


async def _one(conn: AsyncConnection, sql: str, **params: Any) -> Any:
    stmt = text(sql)
    typed = [bindparam(k, type_=_TS) for k, v in params.items() if isinstance(v, datetime)]
    if typed:
        stmt = stmt.bindparams(*typed)
    return (await conn.execute(stmt, params)).one()


def _order_filters(opts: dict[str, str]) -> tuple[str, dict[str, Any]]:
    where, params = "", {}
    if "brand" in opts:
        where += " AND lower(b.name) = lower(:brand)"
        params["brand"] = opts["brand"]
    if "platform" in opts:
        where += " AND o.platform = :platform"
        params["platform"] = opts["platform"]
    if "size" in opts:  # the size copied onto the order at sale
        where += " AND o.size = :size"
        params["size"] = opts["size"]
    return where, params


def _brand_filter(opts: dict[str, str]) -> tuple[str, dict[str, Any]]:
    if "brand" in opts:
        return " AND lower(b.name) = lower(:brand)", {"brand": opts["brand"]}
    return "", {}


ORDERS_FROM = "FROM orders o JOIN products p ON p.id = o.product_id JOIN brands b ON b.id = p.brand_id"
ITEMS_FROM = (
    "FROM inventory_items i JOIN products p ON p.id = i.product_id JOIN brands b ON b.id = p.brand_id"
)


def money(value: Any) -> float:
    return float(Decimal(str(value)).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP))


async def sales(conn: AsyncConnection, opts: dict[str, str], now: datetime) -> dict[str, Any]:
    start, end = window(opts.get("w"), now)
    where, params = _order_filters(opts)
    row = await _one(
        conn,
        "SELECT COUNT(*), COALESCE(SUM(o.sale_price), 0), COALESCE(SUM(o.purchase_price), 0), "
        "COALESCE(SUM(o.payout - o.purchase_price), 0) "
        f"{ORDERS_FROM} WHERE o.sold_at >= :start AND o.sold_at < :end{where}",
        start=start,
        end=end,
        **params,
    )
    orders, revenue, cogs, profit = int(row[0]), float(row[1]), float(row[2]), float(row[3])
    return {"orders": orders, "revenue": revenue, "cogs": cogs, "profit": profit, "start": start, "end": end}


async def units_now(conn: AsyncConnection, opts: dict[str, str]) -> tuple[int, float]:
    where, params = _brand_filter(opts)
    row = await _one(
        conn,
        f"SELECT COUNT(*), COALESCE(SUM(i.purchase_price), 0) {ITEMS_FROM} WHERE {IN_INVENTORY}{where}",
        **params,
    )
    return int(row[0]), float(row[1])


async def value_at(conn: AsyncConnection, at: datetime) -> float:
    row = await _one(
        conn,
        "SELECT COALESCE(SUM(i.purchase_price), 0) FROM inventory_items i "
        "LEFT JOIN orders o ON o.inventory_item_id = i.id "
        "WHERE i.purchased_at <= :at AND (o.id IS NULL OR o.sold_at > :at)",
        at=at,
    )
    return float(row[0])


async def compute(conn: AsyncConnection, spec: str, now: datetime) -> Expected:
    metric, *rest = spec.split()
    opts = dict(part.split("=", 1) for part in rest if "=" in part)
    if "brand" in opts:  # "brand=New_Balance": underscores stand for spaces in a brand name
        opts["brand"] = opts["brand"].replace("_", " ")
    args = [part for part in rest if "=" not in part]
    dialect = conn.dialect.name
    if metric in {"revenue", "orders", "profit", "cogs", "margin", "roi", "aov"}:
        s = await sales(conn, opts, now)
        if metric == "revenue":
            return Expected(money(s["revenue"]), "money")
        if metric == "orders":
            return Expected(s["orders"], "count")
        if metric == "profit":
            return Expected(money(s["profit"]), "money")
        if metric == "cogs":
            return Expected(money(s["cogs"]), "money")
        if metric == "margin":
            return Expected(s["profit"] / s["revenue"] * 100 if s["revenue"] else None, "pct")
        if metric == "roi":
            return Expected(s["profit"] / s["cogs"] * 100 if s["cogs"] else None, "pct")
        return Expected(money(s["revenue"] / s["orders"]) if s["orders"] else None, "money")
    if metric == "sell_through":
        s = await sales(conn, opts, now)
        units, _ = await units_now(conn, opts)
        total = s["orders"] + units
        return Expected(s["orders"] / total * 100 if total else None, "pct")
    if metric == "days_to_sell":
        start, end = window(opts.get("w"), now)
        where, params = _order_filters(opts)
        diff = (
            "julianday(o.sold_at) - julianday(i.purchased_at)"
            if dialect == "sqlite"
            else "EXTRACT(EPOCH FROM (o.sold_at - i.purchased_at)) / 86400.0"
        )
        row = await _one(
            conn,
            f"SELECT AVG({diff}) {ORDERS_FROM} JOIN inventory_items i ON i.id = o.inventory_item_id "
            f"WHERE o.sold_at >= :start AND o.sold_at < :end{where}",
            start=start,
            end=end,
            **params,
        )
        return Expected(None if row[0] is None else float(row[0]), "days")
    if metric == "turnover":
        s = await sales(conn, opts, now)
        average = (await value_at(conn, s["start"]) + await value_at(conn, s["end"])) / 2
        return Expected(s["cogs"] / average if average else None, "ratio")
    if metric in {"units", "inventory_value"}:
        units, value = await units_now(conn, opts)
        return Expected(units, "count") if metric == "units" else Expected(money(value), "money")
    if metric in {"dead_units", "dead_value", "dead_rate"}:
        threshold = int(opts.get("t", 60))
        where, params = _brand_filter(opts)
        row = await _one(
            conn,
            f"SELECT COUNT(*), COALESCE(SUM(i.purchase_price), 0) {ITEMS_FROM} "
            f"WHERE {IN_INVENTORY} AND i.purchased_at <= :cutoff{where}",
            cutoff=now - timedelta(days=threshold + 1),
            **params,
        )
        if metric == "dead_units":
            return Expected(int(row[0]), "count")
        if metric == "dead_value":
            return Expected(money(row[1]), "money")
        units, _ = await units_now(conn, opts)
        return Expected(int(row[0]) / units * 100 if units else None, "pct")
    if metric == "bucket":
        label = args[0]
        bounds = {"0-30": (0, 31), "31-60": (31, 61), "61-90": (61, 91), "91+": (91, None)}[label]
        young, old = bounds
        sql = (
            f"SELECT COUNT(*) FROM inventory_items i WHERE {IN_INVENTORY} AND i.purchased_at <= :young_cutoff"
        )
        params: dict[str, Any] = {"young_cutoff": now - timedelta(days=young)}
        if old is not None:
            sql += " AND i.purchased_at > :old_cutoff"
            params["old_cutoff"] = now - timedelta(days=old)
        return Expected(int((await _one(conn, sql, **params))[0]), "count")
    if metric in {"best_product", "best_product_revenue", "best_brand", "best_brand_units"}:
        start, end = window(opts.get("w"), now)
        where, params = _order_filters(opts)
        key = "b.name" if metric.startswith("best_brand") else "p.sku"
        rank = int(opts.get("rank", 1))
        rows = (
            await conn.execute(
                text(
                    f"SELECT {key}, COUNT(*) AS units, SUM(o.sale_price) AS revenue {ORDERS_FROM} "
                    f"WHERE o.sold_at >= :start AND o.sold_at < :end{where} GROUP BY {key} "
                    "ORDER BY units DESC, revenue DESC"
                ).bindparams(bindparam("start", type_=_TS), bindparam("end", type_=_TS)),
                {"start": start, "end": end, **params},
            )
        ).all()
        if len(rows) < rank:
            return Expected(None, "none")
        name, units, revenue = rows[rank - 1]
        if metric == "best_brand":
            return Expected(str(name), "text")
        if metric == "best_product_revenue":
            return Expected(money(revenue), "money")
        return Expected(int(units), "count")
    if metric == "best_platform":  # the platform with the most orders in the period (ties: revenue)
        start, end = window(opts.get("w"), now)
        rows = (
            await conn.execute(
                text(
                    "SELECT o.platform, COUNT(*) AS units, SUM(o.sale_price) AS revenue FROM orders o "
                    "WHERE o.sold_at >= :start AND o.sold_at < :end GROUP BY o.platform "
                    "ORDER BY units DESC, revenue DESC"
                ).bindparams(bindparam("start", type_=_TS), bindparam("end", type_=_TS)),
                {"start": start, "end": end},
            )
        ).all()
        return Expected(str(rows[0][0]), "text") if rows else Expected(None, "none")
    if metric == "low_stock_products":
        row = await _one(
            conn,
            "SELECT COUNT(*) FROM (SELECT p.id FROM products p WHERE p.id IN "
            "(SELECT o.product_id FROM orders o WHERE o.sold_at >= :since) AND "
            f"(SELECT COUNT(*) FROM inventory_items i WHERE i.product_id = p.id AND {IN_INVENTORY}) <= 1) x",
            since=now - timedelta(days=90),
        )
        return Expected(int(row[0]), "count")
    if metric == "items":
        where, params = _brand_filter(opts)
        if "size" in opts:
            where += " AND i.size = :size"
            params["size"] = opts["size"]
        if "max_price" in opts:
            where += " AND i.purchase_price <= :max_price"
            params["max_price"] = float(opts["max_price"])
        if "min_price" in opts:
            where += " AND i.purchase_price >= :min_price"
            params["min_price"] = float(opts["min_price"])
        if "sku" in opts:
            where += " AND p.sku = :sku"
            params["sku"] = opts["sku"]
        if opts.get("status") in {"listed", "in_stock"}:
            where += " AND i.status = :status"
            params["status"] = opts["status"]
        if "platform" in opts:  # where a listed pair is listed
            where += " AND i.listed_platform = :listed_platform"
            params["listed_platform"] = opts["platform"]
        if "condition" in opts:
            where += " AND i.condition = :condition"
            params["condition"] = opts["condition"]
        row = await _one(conn, f"SELECT COUNT(*) {ITEMS_FROM} WHERE {IN_INVENTORY}{where}", **params)
        return Expected(int(row[0]), "count")
    if metric == "fee_payout":
        price = Decimal(opts["price"])
        row = await _one(
            conn,
            "SELECT commission_pct, fixed_fee, processing_pct, min_commission, threshold_price, "
            "commission_pct_below_threshold FROM fee_schedules WHERE platform = :platform AND valid_from <= :now "
            "ORDER BY valid_from DESC LIMIT 1",
            platform=opts["platform"],
            now=now,
        )
        pct, fixed, proc, minimum, threshold, below = (None if v is None else Decimal(str(v)) for v in row)
        if threshold is not None and below is not None and price < threshold:
            pct = below
        cent = Decimal("0.01")
        fee = (max(price * pct / 100, minimum) + fixed).quantize(cent, rounding=ROUND_HALF_UP)
        processing = (price * proc / 100).quantize(cent, rounding=ROUND_HALF_UP)
        return Expected(float(price - fee - processing), "money")
    if metric == "lowest_ask":
        row = await _one(
            conn,
            "SELECT m.lowest_ask FROM market_prices m JOIN products p ON p.id = m.product_id "
            "WHERE p.sku = :sku AND m.size = :size AND m.platform = :platform ORDER BY m.observed_at DESC LIMIT 1",
            sku=opts["sku"],
            size=opts["size"],
            platform=opts["platform"],
        )
        return Expected(None if row[0] is None else money(row[0]), "money")
    if metric == "month_revenue":
        month = int(opts["m"])
        start, end = window(f"month:{month}", now)
        s = await sales(conn, {"w": f"month:{month}"}, now) if start < end else {"revenue": 0.0}
        return Expected(money(s["revenue"]), "money")
    if metric == "text":
        return Expected(" ".join(args), "text")
    raise ValueError(f"unknown expectation {spec!r}")


# --- checking an answer -------------------------------------------------------------------------

_EN_NUMBER = re.compile(r"(?<![\d.,])-?\d{1,3}(?:,\d{3})+(?:\.\d+)?|(?<![\d.,])-?\d+(?:\.\d+)?")
_DE_NUMBER = re.compile(r"(?<![\d.,])-?\d{1,3}(?:\.\d{3})+(?:,\d+)?|(?<![\d.,])-?\d+(?:,\d+)?")


def numbers_in(answer: str, language: str) -> list[float]:
    """Every number in the answer, read as the answer's locale writes it."""
    out = []
    pattern = _DE_NUMBER if language == "de" else _EN_NUMBER
    for match in pattern.finditer(answer):
        raw = match.group(0)
        raw = raw.replace(".", "").replace(",", ".") if language == "de" else raw.replace(",", "")
        try:
            out.append(float(raw))
        except ValueError:
            continue
    return out


TOLERANCE = {"money": 0.0051, "count": 0.0, "pct": 0.051, "days": 0.051, "ratio": 0.0051}


def found_in(answer: str, language: str, expected: Expected) -> bool:
    if expected.kind == "none":
        return True
    if expected.kind == "text":
        return str(expected.value).lower() in answer.lower()
    if expected.value is None:
        return "not available" in answer.lower() or "nicht verfügbar" in answer.lower()
    value = float(expected.value)
    tolerance = TOLERANCE[expected.kind]
    return any(abs(n - value) <= tolerance + 1e-9 for n in numbers_in(answer, language))
