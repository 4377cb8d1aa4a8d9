"""Delivery of a stored digest: a signed webhook and an e-mail, each retried with backoff.

The digest is committed before any delivery starts, and a delivery that keeps failing is recorded
(status "failed", attempts, last error) instead of raising: it never undoes or holds up a digest.
Retries use tenacity rather than a hand-written loop.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from email.message import EmailMessage
from typing import Any

import aiosmtplib
import httpx
import structlog
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from tenacity import AsyncRetrying, RetryError, stop_after_attempt, wait_exponential

from domains.insights.models import InsightDelivery
from domains.insights.repository import InsightRepository
from domains.insights.schemas import DigestOut
from domains.insights.service import InsightService
from shared.config.settings import Settings
from shared.database.base import utcnow

logger = structlog.get_logger(__name__)

SIGNATURE_HEADER = "X-SoleFlip-Signature"
MAX_ERROR_CHARS = 500

SUBJECT = {
    "en": "SoleFlip digest {date}: {count} insights",
    "de": "SoleFlip-Bericht {date}: {count} Hinweise",
}
NOTHING = {"en": "Nothing needs your attention today.", "de": "Heute braucht nichts deine Aufmerksamkeit."}
ASK = {"en": "Ask", "de": "Frag"}


def signature(body: bytes, secret: str) -> str:
    """The header value receivers check: sha256=<hex HMAC-SHA256 of the raw body>."""
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def webhook_body(digest: DigestOut, *, user_email: str) -> bytes:
    payload = {"event": "insights.digest", "user": user_email, "digest": digest.model_dump(mode="json")}
    return json.dumps(payload, separators=(",", ":"), ensure_ascii=False).encode()


def email_message(digest: DigestOut, *, user_email: str, settings: Settings) -> EmailMessage:
    language = digest.language
    lines = []
    for item in digest.items:
        lines += [
            f"[{item.severity.upper()}] {item.headline}",
            item.explanation,
            f"{ASK[language]}: {item.follow_up}",
            "",
        ]
    message = EmailMessage()
    message["From"] = settings.SMTP_FROM
    message["To"] = user_email
    message["Subject"] = SUBJECT[language].format(
        date=digest.digest_date.isoformat(), count=digest.insight_count
    )
    message.set_content("\n".join(lines) if lines else NOTHING[language])
    return message


async def send_webhook(settings: Settings, body: bytes) -> None:
    assert settings.INSIGHTS_WEBHOOK_URL is not None
    headers = {"Content-Type": "application/json"}
    secret = settings.INSIGHTS_WEBHOOK_SECRET.get_secret_value()
    if secret:
        headers[SIGNATURE_HEADER] = signature(body, secret)
    async with httpx.AsyncClient(timeout=settings.INSIGHTS_DELIVERY_TIMEOUT_SECONDS) as http:
        response = await http.post(settings.INSIGHTS_WEBHOOK_URL, content=body, headers=headers)
        response.raise_for_status()


async def send_email(settings: Settings, message: EmailMessage) -> None:
    await aiosmtplib.send(
        message,
        hostname=settings.SMTP_HOST,
        port=settings.SMTP_PORT,
        username=settings.SMTP_USERNAME or None,
        password=settings.SMTP_PASSWORD.get_secret_value() or None,
        start_tls=settings.SMTP_STARTTLS and not settings.SMTP_USE_TLS,
        use_tls=settings.SMTP_USE_TLS,
        timeout=settings.INSIGHTS_DELIVERY_TIMEOUT_SECONDS,
    )


async def _attempt(settings: Settings, delivery: InsightDelivery, digest: DigestOut, user_email: str) -> None:
    if delivery.channel == "webhook":
        await send_webhook(settings, webhook_body(digest, user_email=user_email))
    else:
        await send_email(settings, email_message(digest, user_email=user_email, settings=settings))


async def _deliver_one(
    session: AsyncSession, settings: Settings, delivery: InsightDelivery, digest: DigestOut, user_email: str
) -> None:
    retrying = AsyncRetrying(
        stop=stop_after_attempt(settings.INSIGHTS_DELIVERY_ATTEMPTS),
        wait=wait_exponential(multiplier=settings.INSIGHTS_DELIVERY_BACKOFF_SECONDS, max=300),
        reraise=False,
    )
    try:
        async for attempt in retrying:
            with attempt:
                delivery.attempts += 1
                await _attempt(settings, delivery, digest, user_email)
    except RetryError as exc:
        error = exc.last_attempt.exception()
        delivery.status = "failed"
        delivery.last_error = f"{type(error).__name__}: {error}"[:MAX_ERROR_CHARS]
        logger.warning(
            "digest_delivery_failed",
            channel=delivery.channel,
            digest_id=digest.id,
            error=type(error).__name__,
        )
    else:
        delivery.status = "delivered"
        delivery.delivered_at = utcnow()
        delivery.last_error = None
        logger.info(
            "digest_delivered", channel=delivery.channel, digest_id=digest.id, attempts=delivery.attempts
        )
    await session.commit()


async def deliver_digest(
    sessionmaker: async_sessionmaker[AsyncSession],
    settings: Settings,
    *,
    digest_id: int,
    user_id: Any,
    user_email: str,
    only: set[int] | None = None,
) -> None:
    """Send every pending delivery of a committed digest (or only the delivery ids `only`); each
    outcome is committed on its own."""
    async with sessionmaker() as session:
        digest = await InsightService(session, settings=settings).digest(user_id=user_id, digest_id=digest_id)
        for delivery in await InsightRepository(session).deliveries_of(digest_id):
            if delivery.status != "pending" or (only is not None and delivery.id not in only):
                continue
            try:
                await _deliver_one(session, settings, delivery, digest, user_email)
            except Exception:  # a bug in one channel must not stop the others
                logger.exception("digest_delivery_error", channel=delivery.channel, digest_id=digest_id)
                await session.rollback()
