"""The assistant's long-lived parts, one set per app (worker), and the dependencies that hand
them to routes:

    app.state.ai_providers          (primary, fallback): HTTP clients to OpenAI/Anthropic, the built-in engine
    app.state.ai_request_limit      the per-user request rate (domains/ai/rate_limit.py)
    app.state.ai_budget_reservations the daily budget's reservations (domains/ai/reservations.py)

lifecycle.py builds them at start-up and closes them at shut-down; the `*_for` functions also
build them on first use for apps that skipped the hooks (scripts, tests). Nothing here imports
the memory package, so its routes can depend on the providers without an import cycle.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, NamedTuple, TypeVar

import structlog
from fastapi import Depends, FastAPI, Request

from domains.ai.providers.base import Provider
from domains.ai.providers.factory import build_providers
from domains.ai.rate_limit import RequestRateLimit
from domains.ai.reservations import ReservationStore, build_reservation_store

logger = structlog.get_logger(__name__)

T = TypeVar("T")


class AssistantProviders(NamedTuple):
    """Who answers, and who answers when it fails (the same object when it is the built-in engine)."""

    primary: Provider
    fallback: Provider


def _kept_on(app: FastAPI, attribute: str, build: Callable[[], T]) -> T:
    """app.state.<attribute>, built on first use."""
    made: T | None = getattr(app.state, attribute, None)
    if made is None:
        made = build()
        setattr(app.state, attribute, made)
    return made


def providers_for(app: FastAPI) -> AssistantProviders:
    def build() -> tuple[Provider, Provider]:
        primary, fallback = build_providers(app.state.settings)
        logger.info("ai_providers_ready", provider=primary.name, model=primary.model)
        return primary, fallback

    return AssistantProviders(*_kept_on(app, "ai_providers", build))


def request_limit_for(app: FastAPI) -> RequestRateLimit:
    return _kept_on(app, "ai_request_limit", lambda: RequestRateLimit(app.state.settings))


def budget_reservations_for(app: FastAPI) -> ReservationStore:
    return _kept_on(app, "ai_budget_reservations", lambda: build_reservation_store(app.state.settings))


async def _providers(request: Request) -> AssistantProviders:
    return providers_for(request.app)


async def _request_limit(request: Request) -> RequestRateLimit:
    return request_limit_for(request.app)


async def _budget_reservations(request: Request) -> ReservationStore:
    return budget_reservations_for(request.app)


Providers = Annotated[AssistantProviders, Depends(_providers)]
RequestLimit = Annotated[RequestRateLimit, Depends(_request_limit)]
BudgetReservations = Annotated[ReservationStore, Depends(_budget_reservations)]
