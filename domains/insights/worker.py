"""`make worker`: runs the daily digest scheduler outside the web app (any number of them).

python -m domains.insights.worker
"""

from __future__ import annotations

import asyncio
import signal

import structlog

from domains.insights.scheduler import DigestRunner, start_scheduler
from shared.config.settings import get_settings
from shared.database.engine import create_engine, create_sessionmaker
from shared.database.migrations import upgrade_to_head_async
from shared.logging import configure_logging

logger = structlog.get_logger("soleflip.worker")


async def run_worker() -> None:
    settings = get_settings()
    configure_logging(level=settings.LOG_LEVEL, json=settings.LOG_JSON)
    if settings.AUTO_MIGRATE:
        await upgrade_to_head_async(settings.DATABASE_URL)
    engine = create_engine(settings)
    runner = DigestRunner.from_settings(create_sessionmaker(engine), settings)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(signum, stop.set)
    scheduler = start_scheduler(runner)
    logger.info("worker_started", database=engine.dialect.name, redis=bool(settings.REDIS_URL))
    try:
        await stop.wait()
    finally:
        scheduler.shutdown(wait=False)
        await runner.close()
        await engine.dispose()
        logger.info("worker_stopped")


def main() -> None:
    asyncio.run(run_worker())


if __name__ == "__main__":
    main()
