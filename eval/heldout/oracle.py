"""Independent oracle for the h5 held-out question set.

Computes every figure the cases name from the raw business tables only
(inventory_items, orders, products, brands), following docs/domain.md:

    figure(name, conn, now, **args) -> (kind, value)

kind is "count" (int), "money" (Decimal, 2 places), "percent" (float, e.g. 23.45),
"days" (float) or "none" (value None: not available / no data).

Arguments understood by every figure (all optional):
    window   period of the question (see _window); default: the last 30 days
    brand    brand name or list of names (exact, case-insensitive)
    family   model family phrase or list of phrases ("Jordan 4", "Dunk", "990"):
             products whose name contains the phrase as whole words
    product  list of words that must ALL appear as whole words in the product name
             (one product / colorway, e.g. ["350", "Zebra"])
    size     US size ("10", "9.5") or list of sizes
    platform platform or list (orders.platform for sales; listed_platform for listed stock)
    condition "new" | "used"
    status   inventory figures only: "listed" | "in_stock" (default: both = in inventory)
    threshold dead-stock threshold in days (default 60)
Standard library only.
"""

from __future__ import annotations

import calendar
import re
import sqlite3
from datetime import date, datetime, timedelta, timezone
from decimal import ROUND_HALF_UP, Decimal

CENT = Decimal("0.01")
IN_INVENTORY = ("in_stock", "listed")
DEFAULT_DEAD_STOCK_DAYS = 60

# Families whose spoken form does not appear literally as whole words in the names.
SPECIAL_FAMILIES = {
    "990": r"\b990(?:v\d+)?\b",  # "990s" covers 990v4, 990v6 (not 991v2, 993)
}

PLATFORM_ALIASES = {"alias": "goat", "goat/alias": "goat", "own shop": "shop", "webshop": "shop"}


# --------------------------------------------------------------------------------------
# parsing of stored values
# --------------------------------------------------------------------------------------


def _money(value) -> Decimal:
    if value is None:
        return Decimal("0.00")
    if isinstance(value, Decimal):
        return value.quantize(CENT, rounding=ROUND_HALF_UP)
    if isinstance(value, bytes):
        value = value.decode()
    return Decimal(str(value).strip()).quantize(CENT, rounding=ROUND_HALF_UP)


def _dt(value) -> datetime | None:
    """Stored datetimes -> naive UTC datetime."""
    if value is None:
        return None
    if isinstance(value, datetime):
        moment = value
    elif isinstance(value, (int, float)):
        moment = datetime.fromtimestamp(value, tz=timezone.utc)
    else:
        text = value.decode() if isinstance(value, bytes) else str(value)
        text = text.strip().replace("Z", "+00:00")
        if "T" not in text and " " not in text and len(text) == 10:
            text += " 00:00:00"
        moment = datetime.fromisoformat(text)
    if moment.tzinfo is not None:
        moment = moment.astimezone(timezone.utc).replace(tzinfo=None)
    return moment


def _now(now: datetime) -> datetime:
    if now.tzinfo is not None:
        now = now.astimezone(timezone.utc).replace(tzinfo=None)
    return now


# --------------------------------------------------------------------------------------
# time windows (UTC, end exclusive)
# --------------------------------------------------------------------------------------


def _midnight(d: date) -> datetime:
    return datetime(d.year, d.month, d.day)


def _month_start(year: int, month: int) -> datetime:
    while month < 1:
        month += 12
        year -= 1
    while month > 12:
        month -= 12
        year += 1
    return datetime(year, month, 1)


def _latest_started_day(now: datetime, month: int, day: int) -> date:
    """A day without a year: the latest one that has started (on or before today)."""
    candidate = date(now.year, month, day)
    if candidate > now.date():
        candidate = date(now.year - 1, month, day)
    return candidate


def _window(now: datetime, args: dict) -> tuple[datetime, datetime]:
    """(start, end) of the question's period; end is exclusive. Windows that run 'to now'
    end one microsecond after now so that a row stamped exactly now is inside."""
    spec = args.get("window", "default")
    to_now = now + timedelta(microseconds=1)
    today = _midnight(now.date())
    monday = today - timedelta(days=now.weekday())
    if spec == "default":
        return now - timedelta(days=30), to_now
    if spec == "all":
        return datetime(1900, 1, 1), to_now
    if spec == "today":
        return today, to_now
    if spec == "yesterday":
        return today - timedelta(days=1), today
    if spec == "this_week":
        return monday, to_now
    if spec == "last_week":
        return monday - timedelta(days=7), monday
    if spec == "week_before_last":
        return monday - timedelta(days=14), monday - timedelta(days=7)
    if spec == "this_month":
        return _month_start(now.year, now.month), to_now
    if spec == "last_month":
        return _month_start(now.year, now.month - 1), _month_start(now.year, now.month)
    if spec == "month_offset":  # 0 = this month to now, -1 = last month, -2 = the one before, ...
        k = int(args["offset"])
        if k == 0:
            return _month_start(now.year, now.month), to_now
        return _month_start(now.year, now.month + k), _month_start(now.year, now.month + k + 1)
    if spec == "month":  # a month named without a year: the latest one that has started
        m = int(args["month"])
        year = now.year if m <= now.month else now.year - 1
        start = _month_start(year, m)
        end = _month_start(year, m + 1)
        return start, min(end, to_now)
    q_now = (now.month - 1) // 3 + 1
    if spec == "this_quarter":
        return _month_start(now.year, 3 * (q_now - 1) + 1), to_now
    if spec == "last_quarter":
        start = _month_start(now.year, 3 * (q_now - 1) + 1 - 3)
        return start, _month_start(now.year, 3 * (q_now - 1) + 1)
    if spec == "quarter":  # a quarter named without a year: the latest one that has started
        q = int(args["quarter"])
        year = now.year if q <= q_now else now.year - 1
        start = _month_start(year, 3 * (q - 1) + 1)
        return start, min(_month_start(year, 3 * q + 1), to_now)
    if spec == "this_year":
        return datetime(now.year, 1, 1), to_now
    if spec == "last_year":
        return datetime(now.year - 1, 1, 1), datetime(now.year, 1, 1)
    if spec == "last_n_days":
        return now - timedelta(days=int(args["days"])), to_now
    if spec == "since":  # "since D": from D 00:00 to now
        m, d = (int(x) for x in str(args["since"]).split("-"))
        return _midnight(_latest_started_day(now, m, d)), to_now
    if spec == "between":  # both days included
        m1, d1 = (int(x) for x in str(args["start"]).split("-"))
        m2, d2 = (int(x) for x in str(args["end"]).split("-"))
        first = _latest_started_day(now, m1, d1)
        last = date(first.year, m2, d2)
        if last < first:
            last = date(first.year + 1, m2, d2)
        return _midnight(first), min(_midnight(last) + timedelta(days=1), to_now)
    raise ValueError(f"unknown window {spec!r}")


# --------------------------------------------------------------------------------------
# data access and filters
# --------------------------------------------------------------------------------------


def _as_list(value) -> list:
    if value is None:
        return []
    return list(value) if isinstance(value, (list, tuple)) else [value]


def _family_regex(phrase: str) -> re.Pattern:
    key = phrase.strip().lower()
    if key in SPECIAL_FAMILIES:
        return re.compile(SPECIAL_FAMILIES[key], re.I)
    words = [re.escape(w) for w in key.split()]
    return re.compile(r"(?<![\w])" + r"\s+".join(words) + r"(?![\w])", re.I)


def _word_in(word: str, name: str) -> bool:
    return re.search(r"(?<![\w])" + re.escape(word) + r"(?![\w])", name, re.I) is not None


def _products(conn: sqlite3.Connection) -> dict[int, tuple[str, str]]:
    rows = conn.execute(
        "SELECT p.id, p.name, b.name FROM products p JOIN brands b ON b.id = p.brand_id"
    ).fetchall()
    return {pid: (name, brand) for pid, name, brand in rows}


def _product_ids(conn: sqlite3.Connection, args: dict) -> set[int] | None:
    """Ids of the products the brand/family/product filters select (None: no such filter)."""
    brands = [b.lower() for b in _as_list(args.get("brand"))]
    families = _as_list(args.get("family"))
    product_words = _as_list(args.get("product"))
    if not (brands or families or product_words):
        return None
    selected = set()
    family_res = [_family_regex(f) for f in families]
    for pid, (name, brand) in _products(conn).items():
        clean = name.replace('"', " ")
        if brands and brand.lower() not in brands:
            continue
        if family_res and not any(r.search(clean) for r in family_res):
            continue
        if product_words and not all(_word_in(w, clean) for w in product_words):
            continue
        selected.add(pid)
    if not selected:
        raise ValueError(f"filter matches no product: {args}")
    return selected


def _norm_size(size) -> str:
    text = str(size).strip().replace(",", ".")
    if text.upper().startswith("US"):
        text = text[2:].strip()
    return f"{float(text):g}"


def _platforms(args: dict) -> list[str]:
    return [PLATFORM_ALIASES.get(str(p).lower(), str(p).lower()) for p in _as_list(args.get("platform"))]


KNOWN_ARGS = {
    "window", "days", "month", "quarter", "offset", "since", "start", "end",
    "brand", "family", "product", "size", "platform", "condition", "status",
    "threshold", "bucket", "metric", "group_by", "rank",
}  # fmt: skip


def _items(conn: sqlite3.Connection, args: dict) -> list[dict]:
    """Inventory items (all statuses) that pass the product/size/condition filters."""
    pids = _product_ids(conn, args)
    sizes = {_norm_size(s) for s in _as_list(args.get("size"))}
    cond = args.get("condition")
    out = []
    for row in conn.execute(
        "SELECT id, product_id, size, condition, purchase_price, purchased_at, status, "
        "listed_platform FROM inventory_items"
    ):
        iid, pid, size, condition, price, purchased_at, status, listed_platform = row
        if pids is not None and pid not in pids:
            continue
        if sizes and _norm_size(size) not in sizes:
            continue
        if cond and condition != cond:
            continue
        out.append(
            {
                "id": iid,
                "product_id": pid,
                "size": _norm_size(size),
                "condition": condition,
                "purchase_price": _money(price),
                "purchased_at": _dt(purchased_at),
                "status": status,
                "listed_platform": (listed_platform or "").lower() or None,
            }
        )
    return out


def _orders(conn: sqlite3.Connection, args: dict, start: datetime, end: datetime) -> list[dict]:
    """Orders sold in [start, end) that pass all filters (condition read from the item)."""
    pids = _product_ids(conn, args)
    sizes = {_norm_size(s) for s in _as_list(args.get("size"))}
    platforms = _platforms(args)
    cond = args.get("condition")
    out = []
    for row in conn.execute(
        "SELECT o.id, o.product_id, o.platform, o.sale_price, o.platform_fee, o.processing_fee, "
        "o.shipping_cost, o.payout, o.purchase_price, o.purchased_at, o.size, o.sold_at, "
        "i.condition FROM orders o LEFT JOIN inventory_items i ON i.id = o.inventory_item_id"
    ):
        (oid, pid, platform, sale, pfee, prfee, ship, payout, cost, purchased_at, size, sold_at,
         condition) = row  # fmt: skip
        sold = _dt(sold_at)
        if not (start <= sold < end):
            continue
        if pids is not None and pid not in pids:
            continue
        if sizes and _norm_size(size) not in sizes:
            continue
        if platforms and platform.lower() not in platforms:
            continue
        if cond and condition != cond:
            continue
        out.append(
            {
                "id": oid,
                "product_id": pid,
                "platform": platform.lower(),
                "sale_price": _money(sale),
                "platform_fee": _money(pfee),
                "processing_fee": _money(prfee),
                "shipping_cost": _money(ship),
                "payout": _money(payout),
                "purchase_price": _money(cost),
                "purchased_at": _dt(purchased_at),
                "size": _norm_size(size),
                "sold_at": sold,
            }
        )
    return out


def _in_inventory(conn: sqlite3.Connection, args: dict) -> list[dict]:
    statuses = _as_list(args.get("status")) or list(IN_INVENTORY)
    platforms = _platforms(args)
    items = [i for i in _items(conn, args) if i["status"] in statuses]
    if platforms:  # a platform on stock means where the pair is listed
        items = [i for i in items if i["status"] == "listed" and i["listed_platform"] in platforms]
    return items


def _age_days(now: datetime, purchased_at: datetime) -> int:
    return (now - purchased_at).days  # whole days (floor)


def _ratio(num, den, scale=100.0):
    if not den:
        return "none", None
    return "percent", round(float(num) / float(den) * scale, 2)


def _sum(values) -> Decimal:
    return sum(values, Decimal("0.00")).quantize(CENT, rounding=ROUND_HALF_UP)


# --------------------------------------------------------------------------------------
# figures
# --------------------------------------------------------------------------------------


def _value_at(conn: sqlite3.Connection, args: dict, t: datetime) -> Decimal:
    """Inventory value at time t: purchase_price of items purchased at or before t and not
    sold at or before t."""
    sold_at = {}
    for item_id, s in conn.execute("SELECT inventory_item_id, sold_at FROM orders"):
        sold_at[item_id] = _dt(s)
    total = Decimal("0.00")
    for item in _items(conn, args):
        if item["purchased_at"] > t:
            continue
        s = sold_at.get(item["id"])
        if s is not None and s <= t:
            continue
        total += item["purchase_price"]
    return total


def _group_key(order: dict, group_by: str, products: dict) -> str:
    if group_by == "size":
        return order["size"]
    if group_by == "platform":
        return order["platform"]
    if group_by == "brand":
        return products[order["product_id"]][1]
    if group_by == "product":
        return str(order["product_id"])
    raise ValueError(f"unknown group_by {group_by!r}")


def figure(name: str, conn: sqlite3.Connection, now: datetime, **args) -> tuple[str, object]:
    """Return (kind, value) for one named figure; see the module docstring."""
    unknown = set(args) - KNOWN_ARGS
    if unknown:
        raise ValueError(f"unknown arguments {sorted(unknown)}")
    now = _now(now)
    threshold = int(args.get("threshold", DEFAULT_DEAD_STOCK_DAYS))

    # ---- stock now ------------------------------------------------------------------
    if name == "units_in_inventory":
        return "count", len(_in_inventory(conn, args))
    if name == "inventory_value":
        return "money", _sum(i["purchase_price"] for i in _in_inventory(conn, args))
    if name == "units_listed":
        return "count", len(_in_inventory(conn, {**args, "status": "listed"}))
    if name == "units_unlisted":
        return "count", len(_in_inventory(conn, {**args, "status": "in_stock"}))
    if name in ("dead_stock_units", "dead_stock_value", "dead_stock_rate"):
        items = _in_inventory(conn, args)
        dead = [i for i in items if _age_days(now, i["purchased_at"]) > threshold]
        if name == "dead_stock_units":
            return "count", len(dead)
        if name == "dead_stock_value":
            return "money", _sum(i["purchase_price"] for i in dead)
        return _ratio(len(dead), len(items))
    if name == "aging_bucket_units":
        lo, hi = {"0-30": (0, 30), "31-60": (31, 60), "61-90": (61, 90), "91+": (91, 10**9)}[
            args["bucket"]
        ]
        items = _in_inventory(conn, args)
        return "count", sum(1 for i in items if lo <= _age_days(now, i["purchased_at"]) <= hi)
    if name == "oldest_age_days":
        items = _in_inventory(conn, args)
        if not items:
            return "none", None
        return "days", float(max(_age_days(now, i["purchased_at"]) for i in items))
    if name == "low_stock_products":
        # products sold in the last 90 days with at most 1 pair in inventory now
        start = now - timedelta(days=90)
        sold_pids = {o["product_id"] for o in _orders(conn, args, start, now + timedelta(microseconds=1))}
        stock: dict[int, int] = {}
        for i in _in_inventory(conn, args):
            stock[i["product_id"]] = stock.get(i["product_id"], 0) + 1
        return "count", sum(1 for pid in sold_pids if stock.get(pid, 0) <= 1)

    start, end = _window(now, args)

    # ---- purchases ------------------------------------------------------------------
    if name in ("pairs_bought", "purchase_spend"):
        bought = [i for i in _items(conn, args) if start <= i["purchased_at"] < end]
        if name == "pairs_bought":
            return "count", len(bought)
        return "money", _sum(i["purchase_price"] for i in bought)

    # ---- sales ----------------------------------------------------------------------
    orders = _orders(conn, args, start, end)
    revenue = _sum(o["sale_price"] for o in orders)
    cogs = _sum(o["purchase_price"] for o in orders)
    profit = _sum(o["payout"] - o["purchase_price"] for o in orders)
    n = len(orders)
    if name == "revenue":
        return "money", revenue
    if name in ("units_sold", "orders"):
        return "count", n
    if name == "avg_order_value":
        return ("money", (revenue / n).quantize(CENT, rounding=ROUND_HALF_UP)) if n else ("none", None)
    if name == "cogs":
        return "money", cogs
    if name == "profit":
        return "money", profit
    if name == "avg_profit_per_pair":
        return ("money", (profit / n).quantize(CENT, rounding=ROUND_HALF_UP)) if n else ("none", None)
    if name == "margin":
        return _ratio(profit, revenue)
    if name == "roi":
        return _ratio(profit, cogs)
    if name == "fees":
        return "money", _sum(o["platform_fee"] + o["processing_fee"] for o in orders)
    if name == "shipping":
        return "money", _sum(o["shipping_cost"] for o in orders)
    if name == "selling_costs":
        return "money", _sum(
            o["platform_fee"] + o["processing_fee"] + o["shipping_cost"] for o in orders
        )
    if name == "payout":
        return "money", _sum(o["payout"] for o in orders)
    if name == "days_to_sell":
        if not n:
            return "none", None
        total = sum((o["sold_at"] - o["purchased_at"]).total_seconds() for o in orders)
        return "days", round(total / n / 86400.0, 2)
    if name == "sell_through":
        stock = len(_in_inventory(conn, {k: v for k, v in args.items() if k != "platform"}))
        return _ratio(n, n + stock)
    if name == "inventory_turnover":
        period_end = min(end, now)
        avg_value = (_value_at(conn, args, start) + _value_at(conn, args, period_end)) / 2
        if not avg_value:
            return "none", None
        # a plain ratio (times the stock turned over), e.g. 1.84 -- NOT multiplied by 100;
        # returned with kind "percent" because it is the only plain-float kind of the interface
        return "percent", round(float(cogs / avg_value), 2)
    if name == "rank_value":
        # value of the group at position `rank` when groups are ranked by `metric`
        # (best sellers: units sold, ties broken by revenue)
        metric = args.get("metric", "units_sold")
        group_by = args["group_by"]
        rank = int(args.get("rank", 1))
        products = _products(conn)
        groups: dict[str, list[dict]] = {}
        for o in orders:
            groups.setdefault(_group_key(o, group_by, products), []).append(o)
        scored = []
        for key, rows in groups.items():
            units = len(rows)
            rev = _sum(r["sale_price"] for r in rows)
            prof = _sum(r["payout"] - r["purchase_price"] for r in rows)
            if metric == "units_sold":
                scored.append(((units, rev), "count", units))
            elif metric == "revenue":
                scored.append(((rev, units), "money", rev))
            elif metric == "profit":
                scored.append(((prof, rev), "money", prof))
            else:
                raise ValueError(f"unknown rank metric {metric!r}")
        scored.sort(key=lambda s: s[0], reverse=True)
        if len(scored) < rank:
            return "none", None
        _, kind, value = scored[rank - 1]
        return kind, value
    raise ValueError(f"unknown figure {name!r}")
