"""Insights now (on demand) and the stored daily digest: runs the detectors for one user with
their settings, filters by severity, stores a digest at most once per user and UTC day."""

from __future__ import annotations

import asyncio
import uuid
from dataclasses import replace
from datetime import UTC, datetime

import structlog
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from domains.insights.detectors import DETECTORS, DetectionContext, Detector
from domains.insights.models import InsightDigest
from domains.insights.preferences import InsightPreferences, load_preferences
from domains.insights.repository import InsightRepository
from domains.insights.schemas import (
    SEVERITY_RANK,
    DeliveryOut,
    DigestOut,
    DigestSummary,
    Insight,
    InsightsOut,
    Language,
    Severity,
)
from shared.api.schemas import Page
from shared.config.settings import Settings
from shared.error_handling.errors import NotFound

logger = structlog.get_logger(__name__)


def delivery_channels(settings: Settings) -> list[str]:
    """The channels configured on this service (a digest gets one delivery row per channel)."""
    channels = []
    if settings.INSIGHTS_WEBHOOK_URL:
        channels.append("webhook")
    if settings.SMTP_HOST:
        channels.append("email")
    return channels


# Detectors running at once, each on its own connection (read-only): the digest takes about as
# long as its slowest detector instead of their sum, without taking a whole pool.
DETECTOR_CONCURRENCY = 3


class InsightService:
    def __init__(
        self,
        session: AsyncSession,
        *,
        settings: Settings,
        now: datetime | None = None,
        sessionmaker: async_sessionmaker[AsyncSession] | None = None,
    ) -> None:
        """`sessionmaker`: run the detectors concurrently on sessions of their own (else one by one
        on `session`)."""
        self.session = session
        self.sessionmaker = sessionmaker
        self.settings = settings
        self.now = (now or datetime.now(UTC)).astimezone(UTC)
        self.repo = InsightRepository(session)

    async def preferences(self, user_id: uuid.UUID) -> InsightPreferences:
        return await load_preferences(self.session, user_id=user_id, settings=self.settings)

    async def detect(self, *, user_id: uuid.UUID, preferences: InsightPreferences) -> list[Insight]:
        """Every detector's insights at or above the user's minimum severity, most severe first."""
        ctx = DetectionContext(
            session=self.session,
            now=self.now,
            settings=self.settings,
            preferences=preferences,
            last_digest_date=await self.repo.last_digest_date_before(user_id=user_id, day=self.now.date()),
        )
        found = [insight for insights in await self._run_detectors(ctx) for insight in insights]
        floor = SEVERITY_RANK[preferences.min_severity]
        kept = [i for i in found if SEVERITY_RANK[i.severity] >= floor]
        # Stable sort: within a severity the detectors' order holds.
        return sorted(kept, key=lambda i: -SEVERITY_RANK[i.severity])

    async def _run_detectors(self, ctx: DetectionContext) -> list[list[Insight]]:
        if self.sessionmaker is None:
            return [await detector(ctx) for detector in DETECTORS]
        sessionmaker = self.sessionmaker
        gate = asyncio.Semaphore(DETECTOR_CONCURRENCY)

        async def run(detector: Detector) -> list[Insight]:
            async with gate, sessionmaker() as session:
                return await detector(replace(ctx, session=session))

        return list(await asyncio.gather(*(run(detector) for detector in DETECTORS)))

    async def current(
        self, *, user_id: uuid.UUID, language: Language | None = None, min_severity: Severity | None = None
    ) -> InsightsOut:
        preferences = await self.preferences(user_id)
        preferences = replace(
            preferences,
            language=language or preferences.language,
            min_severity=min_severity or preferences.min_severity,
        )
        items = await self.detect(user_id=user_id, preferences=preferences)
        return InsightsOut(generated_at=self.now, language=preferences.language, items=items)

    async def build_digest(
        self, *, user_id: uuid.UUID, preferences: InsightPreferences | None = None
    ) -> InsightDigest | None:
        """Today's digest for the user; None when one exists already (another worker made it)."""
        preferences = preferences or await self.preferences(user_id)
        items = await self.detect(user_id=user_id, preferences=preferences)
        digest = InsightDigest(
            user_id=user_id,
            digest_date=self.now.date(),
            language=preferences.language,
            insight_count=len(items),
            items=[i.model_dump(mode="json") for i in items],
            created_at=self.now,
        )
        if not await self.repo.add_digest(digest, delivery_channels(self.settings)):
            logger.info("digest_exists", user_id=str(user_id), digest_date=self.now.date().isoformat())
            return None
        logger.info("digest_built", user_id=str(user_id), digest_id=digest.id, insights=len(items))
        return digest

    async def digests(self, *, user_id: uuid.UUID, limit: int, offset: int) -> Page[DigestSummary]:
        rows, total = await self.repo.page_of_digests(user_id=user_id, limit=limit, offset=offset)
        return Page[DigestSummary](
            items=[DigestSummary.model_validate(r, from_attributes=True) for r in rows],
            total=total,
            limit=limit,
            offset=offset,
        )

    async def digest(self, *, user_id: uuid.UUID, digest_id: int) -> DigestOut:
        """One of the user's digests; another user's id is "not found", never "forbidden"."""
        row = await self.repo.digest_of_user(user_id=user_id, digest_id=digest_id)
        if row is None:
            raise NotFound(f"Digest {digest_id} not found", code="digest_not_found")
        deliveries = await self.repo.deliveries_of(row.id)
        return DigestOut(
            id=row.id,
            digest_date=row.digest_date,
            created_at=row.created_at,
            language=row.language,
            insight_count=row.insight_count,
            items=[Insight.model_validate(i) for i in row.items],
            deliveries=[DeliveryOut.model_validate(d, from_attributes=True) for d in deliveries],
        )
