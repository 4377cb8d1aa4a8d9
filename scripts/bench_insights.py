"""Benchmark: the demo user's daily digest (every detector) on a loaded database.

    python -m scripts.bench_insights --database-url postgresql+asyncpg://postgres@127.0.0.1:5432/bench \
        [--runs 10]

Load the data first (python -m scripts.demo_data --items 1000000 --database-url URL --reset).
Each run builds the digest exactly as the scheduler does (InsightService.build_digest) and rolls
it back, so every run does the full work. Prints per-detector and total timings (p50 / p95 / max)
and the load average: the machine is shared, so read the figures next to it.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import sys
import time
from collections.abc import Sequence
from datetime import UTC, datetime

from sqlalchemy import func, select

from domains.auth.service import AuthService
from domains.insights.detectors import DETECTORS, DetectionContext
from domains.insights.service import InsightService
from domains.inventory.models import InventoryItem
from shared.config.settings import Settings
from shared.database.engine import create_engine, create_sessionmaker
from shared.database.migrations import upgrade_to_head_async


def _ms(values: Sequence[float]) -> str:
    ordered = sorted(values)
    p95 = ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]
    return f"{statistics.median(ordered) * 1000:8.1f} {p95 * 1000:8.1f} {ordered[-1] * 1000:8.1f}"


async def bench(database_url: str, runs: int) -> int:
    settings = Settings(DATABASE_URL=database_url, LOG_LEVEL="WARNING")
    await upgrade_to_head_async(settings.DATABASE_URL)
    engine = create_engine(settings)
    sessionmaker = create_sessionmaker(engine)
    try:
        async with sessionmaker() as session:
            user = await AuthService(session, settings).find_by_email(settings.DEMO_USER_EMAIL)
            if user is None:
                print("no demo user: load the demo data first", file=sys.stderr)
                return 2
            user_id = user.id
            pairs = await session.scalar(select(func.count()).select_from(InventoryItem))
        per_detector: dict[str, list[float]] = {d.__name__: [] for d in DETECTORS}
        totals: list[float] = []
        counts: dict[str, int] = {}
        for run in range(runs + 1):  # the first run warms the caches and is not counted
            async with sessionmaker() as session:
                service = InsightService(
                    session, settings=settings, now=datetime.now(UTC), sessionmaker=sessionmaker
                )
                started = time.perf_counter()
                digest = await service.build_digest(user_id=user_id)
                elapsed = time.perf_counter() - started
                await session.rollback()
            if run:
                totals.append(elapsed)
            assert digest is not None
            counts = {}
            for item in digest.items:
                counts[item["type"]] = counts.get(item["type"], 0) + 1
            async with sessionmaker() as session:  # the same detectors one by one, for the breakdown
                service = InsightService(session, settings=settings)
                ctx = DetectionContext(
                    session=session,
                    now=service.now,
                    settings=settings,
                    preferences=await service.preferences(user_id),
                    last_digest_date=None,
                )
                for detector in DETECTORS:
                    started = time.perf_counter()
                    await detector(ctx)
                    if run:
                        per_detector[detector.__name__].append(time.perf_counter() - started)
    finally:
        await engine.dispose()
    one, five, _fifteen = os.getloadavg()
    print(f"Daily digest of the demo user: {pairs or 0:,} pairs, {engine.dialect.name}, {runs} runs")
    print(f"{'step':28} {'p50 ms':>8} {'p95 ms':>8} {'max ms':>8}")
    for name, values in per_detector.items():
        print(f"{name:28} {_ms(values)}")
    print(f"{'digest (build_digest)':28} {_ms(totals)}")
    print("insights: " + ", ".join(f"{k} x{v}" for k, v in sorted(counts.items())))
    print(f"load average (1 / 5 min): {one:.2f} / {five:.2f} on {os.cpu_count()} cores")
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m scripts.bench_insights", description=__doc__.split("\n\n")[0]
    )
    parser.add_argument("--database-url", required=True)
    parser.add_argument("--runs", type=int, default=10)
    args = parser.parse_args(argv)
    return asyncio.run(bench(args.database_url, args.runs))


if __name__ == "__main__":
    sys.exit(main())
