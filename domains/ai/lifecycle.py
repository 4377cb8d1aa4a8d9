"""Start-up and shut-down of the assistant's long-lived parts: the providers (HTTP clients
to OpenAI/Anthropic, the built-in engine) and the rate limiter. They live on app.state:

    app.state.ai_providers     (primary, fallback)
    app.state.ai_rate_limiter  in-process, or Redis when REDIS_URL is set

main.py registers `ai_startup` / `ai_shutdown` as hooks; if it does not, the first request
builds them lazily (`providers_for`, `rate_limiter_for`), so the app works either way.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import structlog
from fastapi import FastAPI

from domains.ai.providers.base import AssistantRequest, Provider, ProviderError, ProviderEvent, ToolExecutor
from domains.ai.usage import RateLimiter, build_rate_limiter
from shared.config.settings import Settings

logger = structlog.get_logger(__name__)


class UnavailableProvider:
    """Stands in when no engine can be built (e.g. the built-in engine is not installed)."""

    name = "unavailable"
    model = "none"

    def __init__(self, reason: str) -> None:
        self.reason = reason

    async def stream(self, request: AssistantRequest, tools: ToolExecutor) -> AsyncIterator[ProviderEvent]:
        raise ProviderError(self.reason)
        yield  # pragma: no cover - makes this an async generator

    async def aclose(self) -> None:
        return None


def build_providers(settings: Settings) -> tuple[Provider, Provider]:
    """(primary, fallback): engineer C's factory; the built-in engine alone when it is missing."""
    try:
        from domains.ai.providers.factory import build_providers as factory

        return factory(settings)
    except ImportError as exc:  # the factory or the built-in engine is not there (yet)
        logger.warning("ai_providers_unavailable", error=str(exc))
        unavailable = UnavailableProvider("no assistant engine is installed")
        return unavailable, unavailable


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


def build_memory(session: Any, settings: Settings) -> Any:
    """Engineer D's memory backend for one request, or None when memory is not available."""
    try:
        from domains.ai.memory.factory import build_memory as factory
    except ImportError:
        return None
    return factory(session, settings)


async def ai_startup(app: FastAPI) -> None:
    providers_for(app)
    rate_limiter_for(app)


async def ai_shutdown(app: FastAPI) -> None:
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
