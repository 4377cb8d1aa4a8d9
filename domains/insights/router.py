"""Insights now and the stored daily digests, per user (the widget's Insights view reads these)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Query, Request

from domains.auth.dependencies import CurrentUser
from domains.insights.schemas import (
    DigestOut,
    DigestSummary,
    InsightSettingsOut,
    InsightsOut,
    Language,
    Severity,
)
from domains.insights.service import InsightService
from shared.api.dependencies import AppSettings, DbSession, Pagination
from shared.api.schemas import ERROR_RESPONSES, Page

router = APIRouter(prefix="/ai", tags=["insights"], responses=ERROR_RESPONSES)


@router.get("/insights", response_model=InsightsOut)
async def current_insights(
    request: Request,
    user: CurrentUser,
    session: DbSession,
    settings: AppSettings,
    language: Annotated[Language | None, Query(description="en or de; default: the user's setting")] = None,
    min_severity: Annotated[
        Severity | None, Query(description="info, warning or critical; default: the user's setting")
    ] = None,
) -> InsightsOut:
    """What needs attention now: every detector's findings with figures, sources and a follow-up question."""
    service = InsightService(session, settings=settings, sessionmaker=request.app.state.sessionmaker)
    return await service.current(user_id=user.id, language=language, min_severity=min_severity)


@router.get("/digests", response_model=Page[DigestSummary])
async def list_digests(
    user: CurrentUser, session: DbSession, settings: AppSettings, page: Pagination
) -> Page[DigestSummary]:
    """The user's stored daily digests, newest first."""
    return await InsightService(session, settings=settings).digests(
        user_id=user.id, limit=page.limit, offset=page.offset
    )


@router.get("/digests/{digest_id}", response_model=DigestOut)
async def get_digest(
    user: CurrentUser,
    session: DbSession,
    settings: AppSettings,
    digest_id: Annotated[int, Path(ge=1, le=2**63 - 1)],
) -> DigestOut:
    """One stored digest with its insights and how its deliveries went."""
    return await InsightService(session, settings=settings).digest(user_id=user.id, digest_id=digest_id)


@router.get("/insights/settings", response_model=InsightSettingsOut)
async def insight_settings(
    user: CurrentUser, session: DbSession, settings: AppSettings
) -> InsightSettingsOut:
    """The dead-stock threshold, digest on/off and hour, language and minimum severity in force."""
    preferences = await InsightService(session, settings=settings).preferences(user.id)
    return InsightSettingsOut(
        dead_stock_days=preferences.dead_stock_days,
        digest_enabled=preferences.digest_enabled,
        digest_hour=preferences.digest_hour,
        language=preferences.language,
        min_severity=preferences.min_severity,
        from_memory=[fact["kind"] for fact in preferences.facts_used],
    )
