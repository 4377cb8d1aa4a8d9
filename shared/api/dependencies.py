"""Request-scoped dependencies as Annotated aliases: DbSession, AnalyticsDbSession, PageParams.

CurrentUser needs the auth domain, so it lives in domains/auth/dependencies.py.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, Query, Request
from sqlalchemy.ext.asyncio import AsyncSession

from shared.config.settings import Settings


# Dependencies that do no I/O are `async def` all the same: FastAPI runs a plain `def` dependency
# in a worker thread, a hop of a few hundred microseconds each (an assistant turn had ~28 of them).
async def get_settings_dep(request: Request) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


AppSettings = Annotated[Settings, Depends(get_settings_dep)]


async def get_db_session(request: Request) -> AsyncIterator[AsyncSession]:
    """The request owns the transaction: commit once on success, roll back on any error."""
    sessionmaker = request.app.state.sessionmaker
    async with sessionmaker() as session:
        try:
            yield session
            await session.commit()
        except BaseException:
            await session.rollback()
            raise


# scope="function": commit (or roll back) when the route returns, BEFORE the response is sent,
# so a failed commit becomes an error response instead of a 200 for a write that never landed.
DbSession = Annotated[AsyncSession, Depends(get_db_session, scope="function")]


async def get_analytics_session(request: Request) -> AsyncIterator[AsyncSession]:
    """Read-only session for analytics: the replica when ANALYTICS_DATABASE_URL is set."""
    async with request.app.state.analytics_sessionmaker() as session:
        try:
            yield session
        finally:
            await session.rollback()


AnalyticsDbSession = Annotated[AsyncSession, Depends(get_analytics_session, scope="function")]


@dataclass(frozen=True, slots=True)
class PageParams:
    limit: int
    offset: int


async def get_page_params(
    limit: Annotated[int, Query(ge=1, le=500, description="Page size (max 500)")] = 50,
    offset: Annotated[int, Query(ge=0, le=10_000_000, description="Rows to skip")] = 0,
) -> PageParams:
    return PageParams(limit=limit, offset=offset)


Pagination = Annotated[PageParams, Depends(get_page_params)]
