"""The assistant's services as FastAPI dependencies: each is made per request from the app's
long-lived parts (domains/ai/resources.py) and the request's database session.

A streamed answer runs after the route has returned, in a session of its own
(`TurnRunner.session()`), so the route gets what it needs to make the service again there.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, Request
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from domains.ai.memory.factory import build_memory
from domains.ai.rate_limit import RequestRateLimit
from domains.ai.reservations import ReservationStore
from domains.ai.resources import AssistantProviders, BudgetReservations, Providers, RequestLimit
from domains.ai.service import AIAssistantService
from domains.ai.suggestions import SuggestionService
from domains.ai.usage import UsageService
from shared.api.dependencies import AppSettings, DbSession
from shared.config.settings import Settings


@dataclass(frozen=True, slots=True)
class AssistantParts:
    """Everything an AIAssistantService needs but the database session."""

    settings: Settings
    providers: AssistantProviders
    request_limit: RequestRateLimit
    reservations: ReservationStore
    sessions: async_sessionmaker[AsyncSession]

    def service(self, session: AsyncSession) -> AIAssistantService:
        return AIAssistantService(
            session,
            settings=self.settings,
            provider=self.providers.primary,
            fallback=self.providers.fallback,
            memory=build_memory(session, self.settings),
            request_limit=self.request_limit,
            reservations=self.reservations,
        )


async def _assistant_parts(
    request: Request,
    settings: AppSettings,
    providers: Providers,
    request_limit: RequestLimit,
    reservations: BudgetReservations,
) -> AssistantParts:
    return AssistantParts(
        settings=settings,
        providers=providers,
        request_limit=request_limit,
        reservations=reservations,
        sessions=request.app.state.sessionmaker,
    )


Parts = Annotated[AssistantParts, Depends(_assistant_parts)]


async def _assistant(parts: Parts, session: DbSession) -> AIAssistantService:
    return parts.service(session)


async def _suggestions(session: DbSession, settings: AppSettings) -> SuggestionService:
    return SuggestionService(session, settings=settings, memory=build_memory(session, settings))


async def _usage(session: DbSession, settings: AppSettings) -> UsageService:
    return UsageService(session, settings=settings)


Assistant = Annotated[AIAssistantService, Depends(_assistant)]
Suggestions = Annotated[SuggestionService, Depends(_suggestions)]
Usage = Annotated[UsageService, Depends(_usage)]
