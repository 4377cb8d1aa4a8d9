"""Start-up and shut-down of the assistant's long-lived parts (domains/ai/resources.py): the
providers (HTTP clients to OpenAI/Anthropic, the built-in engine), the request rate limit and
the budget's reservation store.

main.py registers `ai_startup` / `ai_shutdown` as hooks. With AI_MEMORY_BACKEND=memori they also
run Memori's hooks: its tables are built at start-up (else on first use), and pending fact
extraction is drained at shut-down.
"""

from __future__ import annotations

import asyncio

import structlog
from fastapi import FastAPI

from domains.ai import tokens
from domains.ai.memory.memori_backend import memori_shutdown_hook, memori_startup_hook
from domains.ai.providers.base import Provider
from domains.ai.rate_limit import RequestRateLimit
from domains.ai.reservations import ReservationStore
from domains.ai.resources import budget_reservations_for, providers_for, request_limit_for

logger = structlog.get_logger(__name__)


def _uses_memori(app: FastAPI) -> bool:
    return bool(app.state.settings.AI_MEMORY_BACKEND == "memori")


async def ai_startup(app: FastAPI) -> None:
    providers_for(app)
    request_limit_for(app)
    budget_reservations_for(app)
    # Load the token vocabularies now, not on the first question (~1 s).
    await asyncio.to_thread(tokens.preload)
    if _uses_memori(app):
        try:
            await memori_startup_hook(app)
        except Exception:  # Memori is opt-in memory: the assistant still answers (tables built on first use)
            logger.exception("memori_startup_failed")


async def ai_shutdown(app: FastAPI) -> None:
    if _uses_memori(app):
        try:
            await memori_shutdown_hook(app)
        except Exception:
            logger.exception("memori_shutdown_failed")
    await _close_providers(app)
    limit: RequestRateLimit | None = getattr(app.state, "ai_request_limit", None)
    if limit is not None:
        await limit.aclose()
        app.state.ai_request_limit = None
    reservations: ReservationStore | None = getattr(app.state, "ai_budget_reservations", None)
    if reservations is not None:
        await reservations.aclose()
        app.state.ai_budget_reservations = None


async def _close_providers(app: FastAPI) -> None:
    providers: tuple[Provider, Provider] | None = getattr(app.state, "ai_providers", None)
    if providers is None:
        return
    closed: set[int] = set()
    for provider in providers:
        if id(provider) not in closed:
            closed.add(id(provider))
            try:
                await provider.aclose()
            except Exception:
                logger.exception("ai_provider_close_failed", provider=provider.name)
    app.state.ai_providers = None
