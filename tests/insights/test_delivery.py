"""Digest delivery against local servers: a loopback HTTP receiver checking the HMAC signature,
an aiosmtpd SMTP server on loopback; failures retried, recorded, and never costing the digest."""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import json
from collections import deque
from collections.abc import Iterator
from email import message_from_bytes
from typing import Any, NamedTuple

import httpx
import pytest
import pytest_asyncio
from aiosmtpd.controller import Controller
from fastapi import FastAPI
from pydantic import SecretStr
from sqlalchemy import update
from sqlalchemy.ext.asyncio import AsyncSession
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from domains.auth.models import User
from domains.insights.delivery import SIGNATURE_HEADER
from domains.insights.models import InsightDelivery
from domains.insights.scheduler import DigestRunner
from domains.insights.service import InsightService
from tests.ai.fakes.loopback import LoopbackServer, free_port
from tests.factories import auth_headers_for
from tests.insights.test_scheduler import at, runner_settings, some_business

SECRET = "digest-signing-secret"


class WebhookReceiver(LoopbackServer):
    thread_name = "webhook-receiver"
    description = "webhook receiver"

    def __init__(self) -> None:
        super().__init__()
        self.received: list[tuple[dict[str, str], bytes]] = []
        self.statuses: deque[int] = deque()  # answers to the next requests; then 200

    async def _hook(self, request: Request) -> Response:
        self.received.append((dict(request.headers), await request.body()))
        return Response(status_code=self.statuses.popleft() if self.statuses else 200)

    def routes(self) -> list[Route]:
        return [Route("/hook", self._hook, methods=["POST"])]


class Mailbox:
    """aiosmtpd handler: keeps every message it is handed."""

    def __init__(self) -> None:
        self.messages: list[tuple[str, list[str], bytes]] = []

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        self.messages.append((envelope.mail_from, list(envelope.rcpt_tos), envelope.content))
        return "250 Message accepted for delivery"


@pytest.fixture(scope="module")
def receiver() -> Iterator[WebhookReceiver]:
    server = WebhookReceiver()
    server.start()
    yield server
    server.stop()


@pytest.fixture
def mailbox() -> Iterator[tuple[Mailbox, int]]:
    box = Mailbox()
    port = free_port()
    controller = Controller(box, hostname="127.0.0.1", port=port)
    controller.start()
    yield box, port
    controller.stop()


class Scene(NamedTuple):
    """A business with one user, the webhook receiver (emptied) and the SMTP server."""

    app: FastAPI
    client: httpx.AsyncClient
    receiver: WebhookReceiver
    box: Mailbox
    port: int
    user: User


@pytest_asyncio.fixture(loop_scope="session")
async def scene(
    app: FastAPI,
    db: AsyncSession,
    client: httpx.AsyncClient,
    receiver: WebhookReceiver,
    mailbox: tuple[Mailbox, int],
) -> Scene:
    (user,) = await some_business(db, 1)
    receiver.received.clear()
    return Scene(app, client, receiver, mailbox[0], mailbox[1], user)


def delivering(app: FastAPI, receiver: WebhookReceiver, smtp_port: int, **overrides: Any) -> DigestRunner:
    settings = runner_settings(
        app,
        INSIGHTS_WEBHOOK_URL=f"{receiver.url}/hook",
        INSIGHTS_WEBHOOK_SECRET=SecretStr(SECRET),
        SMTP_HOST="127.0.0.1",
        SMTP_PORT=smtp_port,
        SMTP_STARTTLS=False,
        INSIGHTS_DELIVERY_BACKOFF_SECONDS=0,
        **overrides,
    )
    return DigestRunner(app.state.sessionmaker, settings, clock=at(9))


async def digest_seen_by(
    client: httpx.AsyncClient, app: FastAPI, user: User, digest_id: int
) -> dict[str, Any]:
    response = await client.get(f"/ai/digests/{digest_id}", headers=auth_headers_for(app, user))
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


async def test_signed_webhook_and_email_are_delivered_after_retries(scene: Scene) -> None:
    app, client, receiver, box, port, user = scene
    receiver.statuses.extend([500, 503])  # two failures, then the receiver takes it
    runner = delivering(app, receiver, port)

    (digest_id,) = await runner.run_due_digests()
    await runner.wait_for_deliveries()

    assert len(receiver.received) == 3
    headers, body = receiver.received[-1]
    expected = "sha256=" + hmac.new(SECRET.encode(), body, hashlib.sha256).hexdigest()
    assert headers[SIGNATURE_HEADER.lower()] == expected
    payload = json.loads(body)
    assert payload["event"] == "insights.digest" and payload["user"] == user.email
    assert payload["digest"]["id"] == digest_id
    assert payload["digest"]["items"][0]["type"] == "dead_stock_crossed"

    ((sender, recipients, raw),) = box.messages
    mail = message_from_bytes(raw)
    assert recipients == [user.email] and "insights@soleflip.dev" in sender
    assert mail["Subject"].startswith("SoleFlip digest") and "1 insights" in mail["Subject"]
    assert "crossed 60 days" in mail.get_payload()

    seen = await digest_seen_by(client, app, user, digest_id)
    deliveries = {d["channel"]: d for d in seen["deliveries"]}
    assert (deliveries["webhook"]["status"], deliveries["webhook"]["attempts"]) == ("delivered", 3)
    assert (deliveries["email"]["status"], deliveries["email"]["attempts"]) == ("delivered", 1)


async def test_a_failing_delivery_is_recorded_and_the_digest_still_stands(scene: Scene) -> None:
    app, client, receiver, box, _live_port, user = scene
    receiver.statuses.extend([500] * 10)
    # The SMTP port next to the live one has no server: every e-mail attempt is refused.
    runner = delivering(app, receiver, free_port(), INSIGHTS_DELIVERY_ATTEMPTS=3)

    (digest_id,) = await runner.run_due_digests()
    await runner.wait_for_deliveries()
    receiver.statuses.clear()

    assert len(receiver.received) == 3 and box.messages == []
    seen = await digest_seen_by(client, app, user, digest_id)
    assert seen["insight_count"] == 1 and seen["items"][0]["type"] == "dead_stock_crossed"
    for delivery in seen["deliveries"]:
        assert (delivery["status"], delivery["attempts"]) == ("failed", 3)
        assert delivery["last_error"] and delivery["delivered_at"] is None
    assert "500" in next(d for d in seen["deliveries"] if d["channel"] == "webhook")["last_error"]


async def test_a_delivery_cut_off_by_a_stopped_worker_is_resumed_once(scene: Scene) -> None:
    app, client, receiver, box, port, user = scene
    # A worker stored the digest and its pending deliveries, then stopped before sending (3 h ago).
    async with app.state.sessionmaker() as session:
        service = InsightService(session, settings=delivering(app, receiver, port).settings, now=at(6)())
        digest = await service.build_digest(user_id=user.id)
        assert digest is not None
        await session.execute(
            update(InsightDelivery).where(InsightDelivery.digest_id == digest.id).values(updated_at=at(6)())
        )
        await session.commit()

    first, second = delivering(app, receiver, port), delivering(app, receiver, port)
    first.clock = second.clock = at(9)
    assert await asyncio.gather(first.run_due_digests(), second.run_due_digests()) == [[], []]
    await first.wait_for_deliveries()
    await second.wait_for_deliveries()

    assert len(receiver.received) == 1 and len(box.messages) == 1  # taken over by one worker only
    seen = await digest_seen_by(client, app, user, digest.id)
    assert {(d["channel"], d["status"], d["attempts"]) for d in seen["deliveries"]} == {
        ("webhook", "delivered", 1),
        ("email", "delivered", 1),
    }
