"""Start-up and shut-down of the assistant's long-lived parts: the providers (HTTP clients
to OpenAI/Anthropic, the built-in engine) and the rate limiter. They live on app.state:

    app.state.ai_providers     (primary, fallback)
    app.state.ai_rate_limiter  in-process, or Redis when REDIS_URL is set

main.py registers `ai_startup` / `ai_shutdown` as hooks; `providers_for` and
`rate_limiter_for` also build them lazily for apps that skipped the hooks (scripts, tests).
With AI_MEMORY_BACKEND=memori they also run Memori's hooks: its tables are built at start-up
(else on first use), and pending fact extraction is drained at shut-down.
"""

from __future__ import annotations

import asyncio

import structlog
from fastapi import FastAPI

from domains.ai import tokens
from domains.ai.memory.memori_backend import memori_shutdown_hook, memori_startup_hook
from domains.ai.providers.base import Provider
from domains.ai.providers.factory import build_providers
from domains.ai.usage import RateLimiter, build_rate_limiter

logger = structlog.get_logger(__name__)


def providers_for(app: FastAPI) -> tuple[Provider, Provider]:
    providers: tuple[Provider, Provider] | None = getattr(app.state, "ai_providers", None)
    if providers is None:
        providers = build_providers(app.state.settings)
        app.state.ai_providers = providers
        logger.info("ai_providers_ready", provider=providers[0].name, model=providers[0].model)
    return providers


def rate_limiter_for(app: FastAPI) -> RateLimiter:
    limiter: RateLimiter | None = getattr(app.state, "ai_rate_limiter", None)
    if limiter is None:
        limiter = build_rate_limiter(app.state.settings)
        app.state.ai_rate_limiter = limiter
    return limiter


def _uses_memori(app: FastAPI) -> bool:
    return bool(app.state.settings.AI_MEMORY_BACKEND == "memori")


async def ai_startup(app: FastAPI) -> None:
    providers_for(app)
    rate_limiter_for(app)
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
    providers: tuple[Provider, Provider] | None = getattr(app.state, "ai_providers", None)
    if providers is not None:
        closed: set[int] = set()
        for provider in providers:
            if id(provider) not in closed:
                closed.add(id(provider))
                try:
                    await provider.aclose()
                except Exception:
                    logger.exception("ai_provider_close_failed", provider=provider.name)
        app.state.ai_providers = None
    limiter: RateLimiter | None = getattr(app.state, "ai_rate_limiter", None)
    if limiter is not None:
        await limiter.aclose()
        app.state.ai_rate_limiter = None
