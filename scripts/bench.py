"""Benchmarks: the analytics API against the naive way of computing the same numbers, the assistant.

    python -m scripts.bench [--items 100000] [--full] [--database-url URL] [--requests 50]
                            [--section analytics] [--no-docs]
    python -m scripts.bench --growth [--growth-database PAIRS=URL ...] [--requests 20]

Seeds the benchmark database with the demo data (skipped when it already holds the same
number of pairs), runs the app in-process (httpx ASGITransport inside the app's lifespan),
logs in as the demo user and times every registered section. Prints the tables and writes
docs/benchmarks.md.

--growth runs analytics (the API only) and ai-latency on one database per scale (bench_100k,
bench_1m, bench_10m; each loaded once, never reloaded) and writes the growth table
(scripts/bench_growth.py) as its own block.

Sections are registered with @section("name"): an async function taking a BenchContext and
returning a SectionResult. Add AI latency or memory recall benchmarks the same way.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import shlex
import sys
import time
from collections import Counter, defaultdict
from collections.abc import Awaitable, Callable, Sequence
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import httpx
from sqlalchemy import func, select, text
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession
from tqdm import tqdm

import scripts.bench_ai  # noqa: F401  (registers the AI and memory sections)
from domains.analytics import windows
from domains.inventory.models import IN_INVENTORY, InventoryItem
from domains.orders.models import Order
from domains.products.models import Brand, Product
from scripts.bench_core import (
    DOCS_INTRO,
    DOCS_PATH,
    OWN_DATA_SECTIONS,
    SECTIONS,
    BenchContext,
    SectionResult,
    block_markers,
    load_average,
    machine,
    ms,
    percentile,
    replace_block,
    section,
)
from scripts.bench_growth import (
    GROWTH_SCALES,
    GROWTH_SECTIONS,
    ScaleRun,
    default_scales,
    growth_result,
    parse_scale,
)
from scripts.demo_data import ensure_demo_user
from scripts.demo_data import run as load_demo
from shared.config.settings import PROJECT_ROOT, Settings
from shared.database.engine import create_engine
from shared.database.migrations import upgrade_to_head_async

DEFAULT_URL = "postgresql+asyncpg://postgres@127.0.0.1:5432/bench"
NAIVE_TIME_BUDGET = 20.0  # seconds per naive metric; at least one run whatever it costs
MIN_SAMPLES = 5  # an endpoint's timed requests when a time budget cuts them short (--growth)


async def time_requests(ctx: BenchContext, path: str) -> tuple[list[float], dict[str, Any]]:
    """Warm up, then N sequential GETs; returns the latencies and the last body."""
    body: dict[str, Any] = {}
    for _ in range(ctx.warmup):
        response = await ctx.client.get(path, headers=ctx.headers)
        if response.status_code != 200:
            raise RuntimeError(f"GET {path} -> {response.status_code}: {response.text[:300]}")
    samples: list[float] = []
    budget_end = time.perf_counter() + ctx.time_budget if ctx.time_budget is not None else None
    for _ in range(ctx.requests):
        if budget_end is not None and len(samples) >= MIN_SAMPLES and time.perf_counter() > budget_end:
            break
        started = time.perf_counter()
        response = await ctx.client.get(path, headers=ctx.headers)
        samples.append(time.perf_counter() - started)
        if response.status_code != 200:
            raise RuntimeError(f"GET {path} -> {response.status_code}: {response.text[:300]}")
        body = response.json()
    return samples, body


async def time_naive(
    ctx: BenchContext, compute: Callable[[AsyncSession, datetime], Awaitable[dict[str, Any]]]
) -> tuple[list[float], dict[str, Any]]:
    """The naive computation, repeated up to N times within NAIVE_TIME_BUDGET (at least once)."""
    samples: list[float] = []
    result: dict[str, Any] = {}
    budget_end = time.perf_counter() + NAIVE_TIME_BUDGET
    while len(samples) < ctx.requests and (not samples or time.perf_counter() < budget_end):
        async with ctx.session() as session:
            started = time.perf_counter()
            result = await compute(session, datetime.now(UTC))
            samples.append(time.perf_counter() - started)
    return samples, result


# --------------------------------------------------------------------------------------
# The naive way (integration plan's ContextBuilder): SELECT the rows, add them up in Python
# --------------------------------------------------------------------------------------


async def _orders_in(session: AsyncSession, window: windows.Window) -> list[Order]:
    stmt = select(Order).where(Order.sold_at >= window.start, Order.sold_at < window.end)
    return list((await session.execute(stmt)).scalars().all())


async def _inventory(session: AsyncSession) -> list[InventoryItem]:
    stmt = select(InventoryItem).where(InventoryItem.status.in_(IN_INVENTORY))
    return list((await session.execute(stmt)).scalars().all())


def _pct(numerator: Decimal | float, denominator: Decimal | float) -> float | None:
    return None if not denominator else round(float(numerator) / float(denominator) * 100, 2)


def naive_kpis(window_of: Callable[[datetime], windows.Window]) -> Callable[..., Awaitable[dict[str, Any]]]:
    async def compute(session: AsyncSession, now: datetime) -> dict[str, Any]:
        window = window_of(now)
        orders = await _orders_in(session, window)
        stock = await _inventory(session)
        # Turnover needs the value held at the window's start: every pair and every sale date.
        all_items = (await session.execute(select(InventoryItem))).scalars().all()
        sold_rows = await session.execute(select(Order.inventory_item_id, Order.sold_at))
        sold_at = {item_id: when for item_id, when in sold_rows}
        items_by_id = {i.id: i for i in all_items}

        def value_at(t: datetime) -> Decimal:
            return sum(
                (
                    i.purchase_price
                    for i in all_items
                    if i.purchased_at <= t and not (sold_at.get(i.id) and sold_at[i.id] <= t)
                ),
                Decimal(0),
            )

        revenue = sum((o.sale_price for o in orders), Decimal(0))
        cogs = sum((o.purchase_price for o in orders), Decimal(0))
        profit = sum((o.payout - o.purchase_price for o in orders), Decimal(0))
        held = [
            (o.sold_at - items_by_id[o.inventory_item_id].purchased_at).total_seconds() / 86400
            for o in orders
        ]
        units = len(stock)
        dead = sum(1 for i in stock if (now - i.purchased_at).days > 60)
        average_value = (value_at(window.start) + value_at(window.end)) / 2
        return {
            "revenue": revenue,
            "orders": len(orders),
            "avg_order_value": revenue / len(orders) if orders else None,
            "cogs": cogs,
            "profit": profit,
            "margin_pct": _pct(profit, revenue),
            "roi_pct": _pct(profit, cogs),
            "sell_through_pct": _pct(len(orders), len(orders) + units),
            "days_to_sell": sum(held) / len(held) if held else None,
            "inventory_turnover": float(cogs / average_value) if average_value else None,
            "units_in_inventory": units,
            "inventory_value": sum((i.purchase_price for i in stock), Decimal(0)),
            "dead_stock_units": dead,
            "dead_stock_rate_pct": _pct(dead, units),
        }

    return compute


async def naive_inventory(session: AsyncSession, now: datetime) -> dict[str, Any]:
    stock = await _inventory(session)
    buckets: Counter[str] = Counter()
    for item in stock:
        age = (now - item.purchased_at).days
        buckets["0-30" if age <= 30 else "31-60" if age <= 60 else "61-90" if age <= 90 else "91+"] += 1
    dead = sum(1 for i in stock if (now - i.purchased_at).days > 60)
    return {
        "units_in_inventory": len(stock),
        "inventory_value": sum((i.purchase_price for i in stock), Decimal(0)),
        "dead_stock_units": dead,
        "aging": dict(buckets),
    }


def naive_best_sellers(by: str) -> Callable[..., Awaitable[dict[str, Any]]]:
    async def compute(session: AsyncSession, now: datetime) -> dict[str, Any]:
        orders = await _orders_in(session, windows.default_window(now))
        products = {p.id: p for p in (await session.execute(select(Product))).scalars().all()}
        brands = {b.id: b.name for b in (await session.execute(select(Brand))).scalars().all()}
        units: Counter[str] = Counter()
        revenue: dict[str, Decimal] = defaultdict(Decimal)
        for order in orders:
            product = products[order.product_id]
            key = brands[product.brand_id] if by == "brand" else product.sku
            units[key] += 1
            revenue[key] += order.sale_price
        ranked = sorted(units, key=lambda k: (-units[k], -revenue[k]))[:10]
        return {"top": ranked[0] if ranked else None, "top_units": units[ranked[0]] if ranked else 0}

    return compute


async def naive_sales_by_platform(session: AsyncSession, now: datetime) -> dict[str, Any]:
    orders = await _orders_in(session, windows.default_window(now))
    per: dict[str, list[Decimal]] = defaultdict(lambda: [Decimal(0)] * 3)
    for order in orders:
        totals = per[order.platform]
        totals[0] += 1
        totals[1] += order.sale_price
        totals[2] += order.payout - order.purchase_price
    return {"platforms": len(per), "revenue": sum((t[1] for t in per.values()), Decimal(0))}


async def naive_timeseries(session: AsyncSession, now: datetime) -> dict[str, Any]:
    orders = await _orders_in(session, windows.this_year(now))
    months: dict[str, Decimal] = defaultdict(Decimal)
    for order in orders:
        months[order.sold_at.strftime("%Y-%m")] += order.sale_price
    return {"points": len(months), "revenue": sum(months.values(), Decimal(0))}


async def naive_low_stock(session: AsyncSession, now: datetime) -> dict[str, Any]:
    recent = await _orders_in(session, windows.last_n_days(90, now))
    sold_products = {o.product_id for o in recent}
    stock = Counter(i.product_id for i in await _inventory(session))
    return {"total": sum(1 for p in sold_products if stock[p] <= 1)}


# --------------------------------------------------------------------------------------
# Sections
# --------------------------------------------------------------------------------------

KPI_FIELDS = (
    "revenue",
    "orders",
    "profit",
    "cogs",
    "units_in_inventory",
    "inventory_value",
    "dead_stock_units",
)
NaiveMetric = Callable[[AsyncSession, datetime], Awaitable[dict[str, Any]]]

ANALYTICS_ENDPOINTS: list[tuple[str, NaiveMetric | None, tuple[str, ...]]] = [
    # (path, naive computation, top-level fields compared between the two)
    ("/analytics/kpis?days=30", naive_kpis(lambda now: windows.last_n_days(30, now)), KPI_FIELDS),
    ("/analytics/kpis?period=last_month", naive_kpis(windows.last_month), KPI_FIELDS),
    ("/analytics/kpis?period=this_year", naive_kpis(windows.this_year), KPI_FIELDS),
    ("/analytics/inventory", naive_inventory, ("units_in_inventory", "inventory_value", "dead_stock_units")),
    ("/analytics/best-sellers?by=brand", naive_best_sellers("brand"), ()),
    ("/analytics/best-sellers?by=product", naive_best_sellers("product"), ()),
    ("/analytics/sales-by-platform", naive_sales_by_platform, ()),
    ("/analytics/timeseries?grain=month&period=this_year", naive_timeseries, ()),
    ("/analytics/low-stock", naive_low_stock, ("total",)),
]


def _agree(fields: Sequence[str], api: dict[str, Any], naive: dict[str, Any]) -> str:
    """ "yes (n fields)" when every compared field is equal; windows move with "now", so a sale
    landing between the two computations can make a rolling window differ by one order."""
    compared = [f for f in fields if f in api and f in naive]
    if not compared:
        return "-"
    differing = []
    for name in compared:
        api_value, naive_value = api[name], naive[name]
        if isinstance(naive_value, Decimal):
            api_value = Decimal(str(api_value))
        if api_value != naive_value:
            differing.append(f"{name} {api_value} vs {naive_value}")
    fields_text = f"{len(compared)} field" + ("s" if len(compared) > 1 else "")
    return f"yes ({fields_text})" if not differing else "no: " + "; ".join(differing)


@section("analytics")
async def analytics_section(ctx: BenchContext) -> SectionResult:
    rows = []
    counts = []
    for path, naive, compared in tqdm(ANALYTICS_ENDPOINTS, desc="analytics endpoints", unit="endpoint"):
        samples, body = await time_requests(ctx, path)
        counts.append(len(samples))
        row = [f"`{path}`", ms(percentile(samples, 50)), ms(percentile(samples, 95))]
        if naive is None or not ctx.naive:
            rows.append([*row, "-", "-", "-"])
            continue
        naive_samples, naive_result = await time_naive(ctx, naive)
        naive_p50 = percentile(naive_samples, 50)
        ratio = naive_p50 / percentile(samples, 50)
        rows.append([*row, ms(naive_p50), f"{ratio:,.1f}x", _agree(compared, body, naive_result)])
    if not ctx.naive:
        return SectionResult(
            title=f"Analytics API ({ctx.items:,} pairs, N={ctx.requests})",
            columns=["endpoint", "API p50 ms", "API p95 ms", "requests"],
            rows=[[*row[:3], str(count)] for row, count in zip(rows, counts, strict=True)],
            notes=[
                "API: full HTTP round trip in-process (ASGI transport, auth, validation, JSON), SQL aggregation.",
                "The naive Python aggregation is not run (--growth: at 10M pairs it would load every row).",
            ],
        )
    return SectionResult(
        title=f"Analytics API vs naive Python aggregation ({ctx.items:,} pairs, N={ctx.requests})",
        columns=["endpoint", "API p50 ms", "API p95 ms", "naive p50 ms", "naive / API", "same answer"],
        rows=rows,
        notes=[
            "API: full HTTP round trip in-process (ASGI transport, auth, validation, JSON), SQL aggregation.",
            "naive: the integration plan's ContextBuilder approach - SELECT the ORM rows, sum/count in Python "
            f"(same process, same database; up to N runs within {NAIVE_TIME_BUDGET:.0f}s, at least one).",
            "same answer: the fields compared between the API's JSON and the naive result.",
        ],
    )


# --------------------------------------------------------------------------------------
# Running
# --------------------------------------------------------------------------------------


async def _item_count(engine: AsyncEngine) -> int:
    async with engine.connect() as conn:
        return (await conn.execute(select(func.count()).select_from(InventoryItem))).scalar_one()


class DatabaseHoldsOtherData(RuntimeError):
    """The database holds another number of pairs and replacing them was not allowed."""


def _where(database_url: str) -> str:
    return make_url(database_url).render_as_string(hide_password=True).rsplit("@", 1)[-1]


def _refuse_other_data(database_url: str, items: int, present: int) -> None:
    if present and present != items:
        raise DatabaseHoldsOtherData(
            f"{_where(database_url)} holds {present:,} pairs, not {items:,}; not replacing them "
            "(load it with python -m scripts.demo_data --reset, or name another database)"
        )


async def pairs_present(database_url: str, *, demo_user_if: int | None = None) -> int:
    """Migrate, then count the pairs; the demo user is (re)made when exactly demo_user_if are there
    (the benchmark logs in as the demo user, whatever happened to the users)."""
    settings = Settings(DATABASE_URL=database_url)
    await upgrade_to_head_async(settings.DATABASE_URL)
    engine = create_engine(settings)
    try:
        present = await _item_count(engine)
        if present == demo_user_if:
            await ensure_demo_user(engine, settings)
        return present
    finally:
        await engine.dispose()


async def seed(database_url: str, items: int, seed_value: int, *, replace: bool = True) -> float | None:
    """Load the demo data unless the database already holds that many pairs; the load's seconds.

    A database holding another number of pairs is reloaded, or with replace=False (--growth: its
    databases are loaded once, 10M pairs take many minutes) refused unless it is empty.
    """
    present = await pairs_present(database_url, demo_user_if=items)
    if present == items:
        print(f"bench: {_where(database_url)} already holds {items:,} pairs; not reseeding")
        return None
    if not replace:
        _refuse_other_data(database_url, items, present)
    print(f"bench: seeding {items:,} pairs (database held {present:,})")
    summary = await load_demo(
        database_url=database_url, items=items, seed=seed_value, if_empty=False, reset=True
    )
    print(summary.describe())
    return summary.seconds


async def run_benchmarks(
    *,
    database_url: str,
    items: int,
    requests: int,
    warmup: int,
    sections: Sequence[str],
    seed_value: int,
    naive: bool = True,
    time_budget: float | None = None,
    replace: bool = True,
) -> tuple[list[tuple[str, list[SectionResult]]], float | None]:
    demo_data = any(name not in OWN_DATA_SECTIONS for name in sections)
    load_seconds = await seed(database_url, items, seed_value, replace=replace) if demo_data else None
    if not demo_data:
        print(f"bench: {', '.join(sections)} bring their own data; demo data not checked or loaded")
    settings = Settings(DATABASE_URL=database_url, AUTO_MIGRATE=False, LOG_LEVEL="WARNING")
    # main builds the default app when imported: only when this runs
    from main import create_app

    app = create_app(settings)
    results = []
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://bench", timeout=120) as client:
            headers: dict[str, str] = {}
            if demo_data:
                login = await client.post(
                    "/auth/token",
                    data={
                        "username": settings.DEMO_USER_EMAIL,
                        "password": settings.DEMO_USER_PASSWORD.get_secret_value(),
                    },
                )
                login.raise_for_status()
                headers = {"Authorization": f"Bearer {login.json()['access_token']}"}
            ctx = BenchContext(
                app=app,
                client=client,
                headers=headers,
                engine=app.state.engine,
                settings=settings,
                items=items,
                requests=requests,
                warmup=warmup,
                naive=naive,
                time_budget=time_budget,
            )
            for name in sections:
                produced = await SECTIONS[name](ctx)
                section_results = produced if isinstance(produced, list) else [produced]
                for result in section_results:
                    print()
                    print(result.text())
                results.append((name, section_results))
    return results, load_seconds


def _backend(database_url: str) -> str:
    return "SQLite" if database_url.startswith("sqlite") else "PostgreSQL"


def block_key(name: str, *, items: int | str, database_url: str) -> str:
    """One docs block per section, scale and database: a later run of the same section at the same
    scale replaces it, and nothing else (issue 12: the 1M analytics block was overwritten). Every
    key names its scale: items=0 for a section that brings its own data (memory-recall), as many
    as the growth table spans for it (items=100000,1000000,10000000)."""
    key = f"section={name} items={0 if name in OWN_DATA_SECTIONS else items}"
    if _backend(database_url) == "SQLite":
        key += " db=sqlite"
    return key


def write_docs(
    results: Sequence[tuple[str, Sequence[SectionResult]]],
    *,
    items: int,
    database_url: str,
    command: str,
    load_seconds: float | None,
) -> None:
    """Replace (or append) each section's block in docs/benchmarks.md; keep everything else."""
    current = DOCS_PATH.read_text() if DOCS_PATH.exists() else DOCS_INTRO
    load = f"{load_seconds:.1f}s in this run" if load_seconds is not None else "already loaded"
    for name, section_results in results:
        key = block_key(name, items=items, database_url=database_url)
        start, end = block_markers(key)
        own_data = name in OWN_DATA_SECTIONS
        database = section_results[0].database or make_url(database_url).database or "?"
        scale = "" if own_data else f" at {items:,} pairs"
        block = "\n".join(
            [
                start,
                f"## {name}{scale} ({_backend(database_url)})",
                "",
                f"`{command}` on {datetime.now(UTC):%Y-%m-%d %H:%M} UTC; {load_average()}",
                "",
                f"- machine: {machine()}",
                f"- database: {_backend(database_url)} `{database}`"
                + ("" if own_data else f"; demo data load: {load}"),
                "",
                *(r.markdown() + "\n" for r in section_results),
                end,
            ]
        )
        current = replace_block(current, key, block)
    DOCS_PATH.parent.mkdir(parents=True, exist_ok=True)
    DOCS_PATH.write_text(current)


# --------------------------------------------------------------------------------------
# Growth: the same sections on one database per scale (scripts/bench_growth.py)
# --------------------------------------------------------------------------------------

GROWTH_REQUESTS = 20  # per endpoint and per question (the ai-latency rounds); --requests overrides
GROWTH_WARMUP = 2
GROWTH_TIME_BUDGET = 30.0  # seconds per analytics endpoint, after MIN_SAMPLES requests


async def _database_facts(database_url: str) -> tuple[int | None, float | None]:
    """PostgreSQL: the database's size in bytes and how closely the orders lie on disk in sale
    order (pg_stats correlation of orders.sold_at: ~1 as a business writes them, ~0 at random)."""
    if _backend(database_url) != "PostgreSQL":
        return None, None
    engine = create_engine(Settings(DATABASE_URL=database_url))
    try:
        async with engine.connect() as conn:
            size = await conn.scalar(select(func.pg_database_size(func.current_database())))
            correlation = await conn.scalar(
                text("SELECT correlation FROM pg_stats WHERE tablename = 'orders' AND attname = 'sold_at'")
            )
            return size, None if correlation is None else float(correlation)
    finally:
        await engine.dispose()


async def run_growth(
    scales: Sequence[tuple[int, str]],
    *,
    requests: int,
    warmup: int,
    sections: Sequence[str],
    seed_value: int,
    time_budget: float | None = GROWTH_TIME_BUDGET,
) -> SectionResult:
    """Every section at every scale (smallest first), on databases that are loaded once: one that
    holds the pairs already is used as it is, an empty one is loaded, any other is refused."""
    for items, database_url in scales:  # before anything is timed: a refusal at 10M comes first
        _refuse_other_data(database_url, items, await pairs_present(database_url))
    runs = []
    for items, database_url in sorted(scales):
        print(f"\nbench --growth: {items:,} pairs on {make_url(database_url).database}")
        results, load_seconds = await run_benchmarks(
            database_url=database_url,
            items=items,
            requests=requests,
            warmup=warmup,
            sections=sections,
            seed_value=seed_value,
            naive=False,
            time_budget=time_budget,
            replace=False,
        )
        size, time_order = await _database_facts(database_url)
        runs.append(
            ScaleRun(
                items=items,
                database=make_url(database_url).database or "?",
                results=results,
                load_average=load_average(),
                size_bytes=size,
                time_order=time_order,
                load_seconds=load_seconds,
            )
        )
    return growth_result(runs)


def write_growth_docs(result: SectionResult, *, scales: Sequence[tuple[int, str]], command: str) -> None:
    """The growth table as its own block (one per set of scales and database kind)."""
    items = sorted(items for items, _url in scales)
    url = scales[0][1]
    key = block_key("growth", items=",".join(str(i) for i in items), database_url=url)
    start, end = block_markers(key)
    block = "\n".join(
        [
            start,
            f"## growth: {' / '.join(f'{i:,}' for i in items)} pairs ({_backend(url)})",
            "",
            f"`{command}` on {datetime.now(UTC):%Y-%m-%d %H:%M} UTC; at the end: {load_average()}",
            "",
            f"- machine: {machine()}",
            "",
            result.markdown(),
            "",
            end,
        ]
    )
    current = DOCS_PATH.read_text() if DOCS_PATH.exists() else DOCS_INTRO
    DOCS_PATH.write_text(replace_block(current, key, block))


def _parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m scripts.bench", description=__doc__.split("\n\n")[0])
    parser.add_argument("--items", type=int, default=100_000, help="pairs of demo data (default 100000)")
    parser.add_argument("--full", action="store_true", help="1,000,000 pairs")
    parser.add_argument("--database-url", default=os.environ.get("BENCH_DATABASE_URL", DEFAULT_URL))
    parser.add_argument(
        "--requests",
        type=int,
        default=None,
        help=f"timed requests per endpoint (N; 50, --growth {GROWTH_REQUESTS})",
    )
    parser.add_argument("--warmup", type=int, default=None, help=f"3, --growth {GROWTH_WARMUP}")
    parser.add_argument(
        "--growth",
        action="store_true",
        help="analytics and ai-latency at 100k, 1M and 10M pairs (databases "
        + ", ".join(name for _items, name in GROWTH_SCALES)
        + " on the server of --database-url, loaded once): the growth table",
    )
    parser.add_argument(
        "--growth-database",
        action="append",
        type=parse_scale,
        metavar="PAIRS=URL",
        help="with --growth: a scale and its database, instead of the default three (repeat)",
    )
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument(
        "--section", action="append", choices=sorted(SECTIONS), help="run only these sections"
    )
    parser.add_argument("--no-docs", action="store_true", help="do not rewrite docs/benchmarks.md")
    args = parser.parse_args(argv)
    if args.growth_database and not args.growth:
        parser.error("--growth-database needs --growth")
    args.requests = args.requests or (GROWTH_REQUESTS if args.growth else 50)
    args.warmup = args.warmup if args.warmup is not None else (GROWTH_WARMUP if args.growth else 3)
    return args


def _masked(url: str) -> str:
    return make_url(url).render_as_string(hide_password=True)


def command_line(args: argparse.Namespace) -> str:
    """The command that reproduces this run, for the docs: the options as given (the database
    URL's password masked), sections in the order asked for."""
    parts = ["python", "-m", "scripts.bench"]
    if args.growth:
        parts += ["--growth"]
        for items, url in args.growth_database or []:
            parts += ["--growth-database", f"{items}={_masked(url)}"]
        if not args.growth_database:
            parts += ["--database-url", _masked(args.database_url)]
    else:
        parts += ["--full"] if args.full else ["--items", str(args.items)]
        parts += ["--database-url", _masked(args.database_url)]
    requests, warmup = (GROWTH_REQUESTS, GROWTH_WARMUP) if args.growth else (50, 3)
    for option, default in (("requests", requests), ("warmup", warmup), ("seed", 42)):
        value = getattr(args, option)
        parts += [f"--{option}", str(value)] if value != default else []
    for name in args.section or []:
        parts += ["--section", name]
    return shlex.join(parts)


def main(argv: Sequence[str] | None = None) -> int:
    args = _parse_args(argv)
    if args.growth:
        scales = args.growth_database or default_scales(args.database_url)
        try:
            growth = asyncio.run(
                run_growth(
                    scales,
                    requests=args.requests,
                    warmup=args.warmup,
                    sections=args.section or list(GROWTH_SECTIONS),
                    seed_value=args.seed,
                )
            )
        except DatabaseHoldsOtherData as exc:
            print(f"bench --growth: {exc}", file=sys.stderr)
            return 2
        print()
        print(growth.text())
        if not args.no_docs:
            write_growth_docs(growth, scales=scales, command=command_line(args))
            print(f"\nbench: wrote {DOCS_PATH.relative_to(PROJECT_ROOT)}")
        return 0
    items = 1_000_000 if args.full else args.items
    database_url = Settings(DATABASE_URL=args.database_url).DATABASE_URL
    results, load_seconds = asyncio.run(
        run_benchmarks(
            database_url=database_url,
            items=items,
            requests=args.requests,
            warmup=args.warmup,
            sections=args.section or list(SECTIONS),
            seed_value=args.seed,
        )
    )
    if not args.no_docs:
        command = command_line(args)
        write_docs(
            results, items=items, database_url=database_url, command=command, load_seconds=load_seconds
        )
        print(f"\nbench: wrote {DOCS_PATH.relative_to(PROJECT_ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())


__all__ = ["SECTIONS", "BenchContext", "SectionResult", "section"]
