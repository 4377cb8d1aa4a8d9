"""Independent oracle for the held-out set h6 (written from docs/domain.md and the table models only).

figure(name, conn, now, **args) -> (kind, value)
  kind: "count" (int), "money" (Decimal 2dp), "percent" (float), "days" (float), "none" (None).

Common args
  window: see _window() ("last_month", "this_month", "this_week", "last_week", "today", "this_year",
          "last_year", "this_quarter", "last_quarter", "days:N", "default", "since:MM-DD",
          "between:MM-DD:MM-DD", "month:M", "quarter:Q", "months_ago:K", "weeks_ago:K")
  brand, family, size, condition, platform, status, threshold, bucket, rank
"""
from __future__ import annotations

import calendar
import re
import sqlite3
from datetime import datetime, timedelta, timezone
from decimal import Decimal, ROUND_HALF_UP

CENT = Decimal("0.01")
IN_INV = ("in_stock", "listed")


# ---------------------------------------------------------------- parsing
def _dt(v) -> datetime:
    if isinstance(v, datetime):
        d = v
    else:
        s = str(v).strip().replace("T", " ")
        if s.endswith("Z"):
            s = s[:-1] + "+00:00"
        m = re.match(r"^(\d{4}-\d{2}-\d{2})(?: (\d{2}:\d{2}(?::\d{2})?)(\.\d+)?)?(.*)$", s)
        if not m:
            raise ValueError(f"bad datetime {v!r}")
        base = m.group(1) + " " + (m.group(2) or "00:00:00")
        if len(m.group(2) or "00:00:00") == 5:
            base += ":00"
        d = datetime.strptime(base, "%Y-%m-%d %H:%M:%S")
        frac = m.group(3)
        if frac:
            d = d.replace(microsecond=int((frac[1:] + "000000")[:6]))
        tz = (m.group(4) or "").strip()
        if tz and tz not in ("+00:00", "UTC"):
            sign = 1 if tz[0] == "+" else -1
            hh, mm = tz[1:].split(":")
            d = d - sign * timedelta(hours=int(hh), minutes=int(mm))
    if d.tzinfo is not None:
        d = d.astimezone(timezone.utc).replace(tzinfo=None)
    return d


def _money(v) -> Decimal:
    if v is None:
        return Decimal("0")
    if isinstance(v, float):
        return Decimal(repr(v))
    return Decimal(str(v))


def _q(d: Decimal) -> Decimal:
    return d.quantize(CENT, rounding=ROUND_HALF_UP)


def _now(now: datetime) -> datetime:
    return _dt(now)


# ---------------------------------------------------------------- windows
def _month_start(y, m):
    return datetime(y, m, 1)


def _add_months(y, m, k):
    idx = y * 12 + (m - 1) + k
    return idx // 12, idx % 12 + 1


def _window(spec: str, now: datetime) -> tuple[datetime, datetime]:
    today = datetime(now.year, now.month, now.day)
    if spec in (None, "default"):
        return now - timedelta(days=30), now
    if spec == "today":
        return today, now
    if spec == "this_week":
        return today - timedelta(days=today.weekday()), now
    if spec == "last_week":
        mon = today - timedelta(days=today.weekday())
        return mon - timedelta(days=7), mon
    if spec.startswith("weeks_ago:"):
        k = int(spec.split(":")[1])
        mon = today - timedelta(days=today.weekday())
        return mon - timedelta(days=7 * k), mon - timedelta(days=7 * (k - 1))
    if spec == "this_month":
        return _month_start(now.year, now.month), now
    if spec == "last_month":
        spec = "months_ago:1"
    if spec.startswith("months_ago:"):
        k = int(spec.split(":")[1])
        y, m = _add_months(now.year, now.month, -k)
        y2, m2 = _add_months(y, m, 1)
        return _month_start(y, m), _month_start(y2, m2)
    if spec in ("this_quarter", "last_quarter") or spec.startswith("quarter:"):
        cq = (now.month - 1) // 3 + 1
        if spec == "this_quarter":
            return _month_start(now.year, 3 * cq - 2), now
        if spec == "last_quarter":
            y, q = (now.year, cq - 1) if cq > 1 else (now.year - 1, 4)
        else:
            q = int(spec.split(":")[1])
            y = now.year if q <= cq else now.year - 1
        start = _month_start(y, 3 * q - 2)
        y2, m2 = _add_months(y, 3 * q - 2, 3)
        return start, min(_month_start(y2, m2), now)
    if spec.startswith("month:"):
        m = int(spec.split(":")[1])
        y = now.year if m <= now.month else now.year - 1
        y2, m2 = _add_months(y, m, 1)
        return _month_start(y, m), min(_month_start(y2, m2), now)
    if spec == "this_year":
        return datetime(now.year, 1, 1), now
    if spec == "last_year":
        return datetime(now.year - 1, 1, 1), datetime(now.year, 1, 1)
    if spec.startswith("days:"):
        n = int(spec.split(":")[1])
        return now - timedelta(days=n), now
    if spec.startswith("since:"):
        d = _latest_date(spec.split(":")[1], now)
        return d, now
    if spec.startswith("between:"):
        _, a, b = spec.split(":")
        d1 = _latest_date(a, now)
        d2 = datetime(d1.year, int(b.split("-")[0]), int(b.split("-")[1]))
        if d2 < d1:
            d2 = d2.replace(year=d1.year + 1)
        return d1, min(d2 + timedelta(days=1), now)
    raise ValueError(f"unknown window {spec!r}")


def _latest_date(mmdd: str, now: datetime) -> datetime:
    if len(mmdd.split("-")) == 3:
        y, m, d = (int(x) for x in mmdd.split("-"))
        return datetime(y, m, d)
    m, d = (int(x) for x in mmdd.split("-"))
    c = datetime(now.year, m, d)
    return c if c <= now else datetime(now.year - 1, m, d)


# ---------------------------------------------------------------- data
def _family_re(family: str) -> re.Pattern:
    words = [re.escape(w) for w in family.split()]
    return re.compile(r"(?<![\w-])" + r"\s+".join(words) + r"(?:v\d+)?(?![\w-])", re.I)


def _products(conn) -> dict[int, tuple[str, str]]:
    rows = conn.execute("SELECT p.id, p.name, b.name FROM products p JOIN brands b ON b.id = p.brand_id")
    return {r[0]: (r[1], r[2]) for r in rows}


def _prod_ok(pid, prods, brand=None, family=None, product=None):
    name, bname = prods[pid]
    if brand and bname.lower() != brand.lower():
        return False
    if family and not _family_re(family).search(name):
        return False
    if product and product.lower() not in name.lower():
        return False
    return True


def _items(conn, now, **f):
    prods = _products(conn)
    out = []
    for r in conn.execute(
        "SELECT id, product_id, size, condition, purchase_price, purchased_at, status, listed_price, listed_platform "
        "FROM inventory_items"
    ):
        iid, pid, size, cond, pp, pat, status, lp, lplat = r
        if not _prod_ok(pid, prods, f.get("brand"), f.get("family"), f.get("product")):
            continue
        if f.get("size") and str(size) != str(f["size"]):
            continue
        if f.get("condition") and cond != f["condition"]:
            continue
        out.append(dict(id=iid, pid=pid, size=str(size), condition=cond, pp=_money(pp), pat=_dt(pat),
                        status=status, lp=_money(lp) if lp is not None else None, lplat=lplat))
    return out


def _inventory(conn, now, **f):
    items = [i for i in _items(conn, now, **f) if i["status"] in IN_INV]
    if f.get("status"):
        items = [i for i in items if i["status"] == f["status"]]
    if f.get("platform"):
        items = [i for i in items if (i["lplat"] or "").lower() == f["platform"].lower()]
    return items


def _orders_all(conn, **f):
    prods = _products(conn)
    cond = {r[0]: r[1] for r in conn.execute("SELECT id, condition FROM inventory_items")}
    out = []
    for r in conn.execute(
        "SELECT id, inventory_item_id, product_id, platform, sale_price, platform_fee, processing_fee, "
        "shipping_cost, payout, purchase_price, purchased_at, size, sold_at FROM orders"
    ):
        oid, iid, pid, plat, sp, pf, prf, sh, po, pp, pat, size, sat = r
        if not _prod_ok(pid, prods, f.get("brand"), f.get("family"), f.get("product")):
            continue
        if f.get("size") and str(size) != str(f["size"]):
            continue
        if f.get("condition") and cond.get(iid) != f["condition"]:
            continue
        if f.get("platform") and plat.lower() != f["platform"].lower():
            continue
        out.append(dict(id=oid, iid=iid, pid=pid, platform=plat, sp=_money(sp), pf=_money(pf), prf=_money(prf),
                        sh=_money(sh), po=_money(po), pp=_money(pp), pat=_dt(pat), size=str(size), sat=_dt(sat)))
    return out


def _orders(conn, now, window, **f):
    a, b = _window(window, now)
    return [o for o in _orders_all(conn, **f) if a <= o["sat"] < b or (b == now and o["sat"] == now)]


def _age(i, now):
    return (now - i["pat"]).days


def _ratio(num, den):
    if den == 0:
        return ("none", None)
    return ("percent", round(float(num) / float(den) * 100, 2))


# ---------------------------------------------------------------- figures
def figure(name: str, conn: sqlite3.Connection, now: datetime, **args):
    now = _now(now)
    window = args.pop("window", "default")
    threshold = int(args.pop("threshold", 60))
    bucket = args.pop("bucket", None)
    rank = int(args.pop("rank", 1))
    f = args

    if name == "units_in_inventory":
        return "count", len(_inventory(conn, now, **f))
    if name == "inventory_value":
        return "money", _q(sum((i["pp"] for i in _inventory(conn, now, **f)), Decimal(0)))
    if name == "listed_value":  # sum of listed_price of listed pairs
        return "money", _q(sum((i["lp"] or 0 for i in _inventory(conn, now, status="listed", **f)), Decimal(0)))
    if name == "dead_stock_units":
        return "count", sum(1 for i in _inventory(conn, now, **f) if _age(i, now) > threshold)
    if name == "dead_stock_value":
        return "money", _q(sum((i["pp"] for i in _inventory(conn, now, **f) if _age(i, now) > threshold), Decimal(0)))
    if name == "dead_stock_rate":
        inv = _inventory(conn, now, **f)
        return _ratio(sum(1 for i in inv if _age(i, now) > threshold), len(inv))
    if name == "aging_bucket":
        lo, hi = {"0-30": (0, 30), "31-60": (31, 60), "61-90": (61, 90), "91+": (91, 10**9)}[bucket]
        return "count", sum(1 for i in _inventory(conn, now, **f) if lo <= _age(i, now) <= hi)
    if name == "oldest_age_days":
        inv = _inventory(conn, now, **f)
        return ("days", float(max(_age(i, now) for i in inv))) if inv else ("none", None)
    if name in ("pairs_bought", "purchase_spend"):
        a, b = _window(window, now)
        its = [i for i in _items(conn, now, **f) if a <= i["pat"] < b or (b == now and i["pat"] == now)]
        if name == "pairs_bought":
            return "count", len(its)
        return "money", _q(sum((i["pp"] for i in its), Decimal(0)))
    if name == "sell_through":
        sold = len(_orders(conn, now, window, **f))
        inv = len(_inventory(conn, now, **{k: v for k, v in f.items() if k != "platform"}))
        return _ratio(sold, sold + inv)
    if name == "turnover":
        a, b = _window(window, now)
        cogs = sum((o["pp"] for o in _orders(conn, now, window, **f)), Decimal(0))
        items = _items(conn, now, **f)
        sold_at = {o["iid"]: o["sat"] for o in _orders_all(conn)}

        def val(t):
            return sum((i["pp"] for i in items if i["pat"] <= t and not (i["id"] in sold_at and sold_at[i["id"]] <= t)),
                       Decimal(0))

        avg = (val(a) + val(b)) / 2
        if avg == 0:
            return "none", None
        return "percent", round(float(cogs / avg), 2)  # a plain ratio ("1.87 times"), not x100: see README
    if name in ("top_size_units", "top_brand_units", "top_product_units", "top_platform_units"):
        key = {"top_size_units": lambda o: o["size"], "top_platform_units": lambda o: o["platform"]}.get(name)
        prods = _products(conn)
        if name == "top_brand_units":
            key = lambda o: prods[o["pid"]][1]
        if name == "top_product_units":
            key = lambda o: o["pid"]
        agg = {}
        for o in _orders(conn, now, window, **f):
            k = key(o)
            c, r = agg.get(k, (0, Decimal(0)))
            agg[k] = (c + 1, r + o["sp"])
        ranked = sorted(agg.items(), key=lambda kv: (-kv[1][0], -kv[1][1]))
        if len(ranked) < rank:
            return "none", None
        return "count", ranked[rank - 1][1][0]
    if name == "top_label":  # helper for check.py only: the name at a rank
        by = f.pop("by")
        prods = _products(conn)
        key = {"size": lambda o: o["size"], "platform": lambda o: o["platform"], "brand": lambda o: prods[o["pid"]][1],
               "product": lambda o: prods[o["pid"]][0]}[by]
        agg = {}
        for o in _orders(conn, now, window, **f):
            k = key(o)
            c, r = agg.get(k, (0, Decimal(0)))
            agg[k] = (c + 1, r + o["sp"])
        ranked = sorted(agg.items(), key=lambda kv: (-kv[1][0], -kv[1][1]))
        return "none", [(k, v[0]) for k, v in ranked[:5]]

    orders = _orders(conn, now, window, **f)
    n = len(orders)
    rev = sum((o["sp"] for o in orders), Decimal(0))
    cogs = sum((o["pp"] for o in orders), Decimal(0))
    profit = sum((o["po"] - o["pp"] for o in orders), Decimal(0))
    if name in ("units_sold", "orders"):
        return "count", n
    if name == "revenue":
        return "money", _q(rev)
    if name == "cogs":
        return "money", _q(cogs)
    if name == "profit":
        return "money", _q(profit)
    if name == "payout":
        return "money", _q(sum((o["po"] for o in orders), Decimal(0)))
    if name == "fees":
        return "money", _q(sum((o["pf"] + o["prf"] for o in orders), Decimal(0)))
    if name == "shipping":
        return "money", _q(sum((o["sh"] for o in orders), Decimal(0)))
    if name == "selling_costs":
        return "money", _q(sum((o["pf"] + o["prf"] + o["sh"] for o in orders), Decimal(0)))
    if name == "avg_order_value":
        return ("none", None) if n == 0 else ("money", _q(rev / n))
    if name == "avg_profit_per_pair":
        return ("none", None) if n == 0 else ("money", _q(profit / n))
    if name == "margin":
        return _ratio(profit, rev)
    if name == "roi":
        return _ratio(profit, cogs)
    if name == "days_to_sell":
        if n == 0:
            return "none", None
        tot = sum(((o["sat"] - o["pat"]).total_seconds() for o in orders))
        return "days", round(tot / n / 86400, 2)
    raise ValueError(f"unknown figure {name!r}")
