"""Usage ledger, cost estimates, daily budget and the per-minute request rate (in-process and Redis)."""

from __future__ import annotations

import shutil
import socket
import subprocess
import time
import uuid
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest
from fastapi import FastAPI
from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from domains.ai.budget import DailyTokenBudget, seconds_until_next_utc_day
from domains.ai.conversations import ConversationStore
from domains.ai.costs import estimate_cost_usd
from domains.ai.models import Conversation, UsageLedger
from domains.ai.rate_limit import RequestRateLimit
from domains.ai.usage import UsageService
from domains.auth.models import User
from shared.error_handling.errors import RateLimited

pytestmark = pytest.mark.ai

NOON = datetime(2026, 3, 15, 12, 0, tzinfo=UTC)


def test_cost_estimates_per_model_and_builtin_is_free() -> None:
    assert (
        estimate_cost_usd(
            provider="builtin", model="soleflip-builtin-1", prompt_tokens=10**6, completion_tokens=10**6
        )
        == 0
    )
    # gpt-4o-mini (not gpt-4o): 0.15 + 0.60 per million
    assert estimate_cost_usd(
        provider="openai",
        model="gpt-4o-mini-2024-07-18",
        prompt_tokens=1_000_000,
        completion_tokens=1_000_000,
    ) == Decimal("0.750000")
    assert estimate_cost_usd(
        provider="anthropic", model="claude-3-5-haiku-latest", prompt_tokens=1000, completion_tokens=500
    ) == Decimal("0.002800")
    # a model without a list price is estimated at the provider's mid-range price
    assert estimate_cost_usd(
        provider="openai", model="my-proxy-model", prompt_tokens=1000, completion_tokens=0
    ) == Decimal("0.002500")


def test_cached_prompt_tokens_are_priced_as_the_providers_bill_them() -> None:
    # gpt-4o-mini: 0.15 per million input, 0.075 cached, 0.60 output
    assert estimate_cost_usd(
        provider="openai",
        model="gpt-4o-mini",
        prompt_tokens=1_000_000,
        completion_tokens=0,
        cached_tokens=600_000,
    ) == Decimal("0.105000")  # 400k x 0.15 + 600k x 0.075
    # a model without a cached price: half its input price
    assert estimate_cost_usd(
        provider="openai", model="my-proxy-model", prompt_tokens=1000, completion_tokens=0, cached_tokens=1000
    ) == Decimal("0.001250")
    # Claude: a cache read costs 0.1x the input price, a cache write 1.25x (haiku 3.5: 0.80 input)
    assert estimate_cost_usd(
        provider="anthropic",
        model="claude-3-5-haiku-latest",
        prompt_tokens=1_000_000,
        completion_tokens=0,
        cached_tokens=500_000,
        cache_write_tokens=250_000,
    ) == Decimal("0.490000")  # 250k x 0.80 + 500k x 0.08 + 250k x 1.00
    assert (
        estimate_cost_usd(
            provider="builtin",
            model="soleflip-builtin-1",
            prompt_tokens=10,
            completion_tokens=0,
            cached_tokens=10,
        )
        == 0
    )


def test_budget_retry_is_the_next_utc_midnight() -> None:
    assert seconds_until_next_utc_day(NOON) == 12 * 3600
    assert seconds_until_next_utc_day(datetime(2026, 3, 15, 23, 59, 59, 900000, tzinfo=UTC)) == 1


async def answered(
    db: AsyncSession,
    user: User,
    *,
    at: datetime,
    provider: str,
    model: str,
    prompt_tokens: int,
    completion_tokens: int,
    history: bool = False,
) -> None:
    """Store one turn as the assistant does (its conversation, the question, the answer with its
    tokens and cost); with `history`, a client-sent earlier exchange comes first (no provider)."""
    store = ConversationStore(db)
    conversation_id = uuid.uuid4()
    await store.create(conversation_id=conversation_id, user_id=user.id, title="q", now=at)
    common = {"conversation_id": conversation_id, "user_id": user.id, "created_at": at}
    earlier = [
        {"role": "user", "content": "hi", **common},
        {"role": "assistant", "content": "hello", **common},
    ]
    cost = estimate_cost_usd(
        provider=provider, model=model, prompt_tokens=prompt_tokens, completion_tokens=completion_tokens
    )
    await store.add_messages(
        [
            *(earlier if history else []),
            {"role": "user", "content": "how much?", **common},
            {
                "role": "assistant",
                "content": "this much",
                "provider": provider,
                "model": model,
                "prompt_tokens": prompt_tokens,
                "completion_tokens": completion_tokens,
                "cost_usd": cost,
                **common,
            },
        ]
    )


async def test_ledger_adds_up_each_answer_per_day_provider_and_model(
    db: AsyncSession, user: User, app: FastAPI
) -> None:
    """The database keeps the ledger from the answers stored (trigger, migration 0013): questions
    and a client's earlier history are not answers of this service and do not count."""
    settings = app.state.settings
    await answered(
        db, user, at=NOON, provider="openai", model="gpt-4o-mini", prompt_tokens=100, completion_tokens=10
    )
    await answered(
        db,
        user,
        at=NOON,
        provider="openai",
        model="gpt-4o-mini",
        prompt_tokens=50,
        completion_tokens=5,
        history=True,
    )
    await answered(
        db,
        user,
        at=NOON,
        provider="builtin",
        model="soleflip-builtin-1",
        prompt_tokens=7,
        completion_tokens=3,
    )
    late = datetime(2026, 3, 14, 23, 59, 59, 999999, tzinfo=UTC)  # the UTC day it was answered on
    await answered(
        db, user, at=late, provider="openai", model="gpt-4o-mini", prompt_tokens=1, completion_tokens=1
    )
    await db.commit()
    rows = (
        (await db.execute(select(UsageLedger).order_by(UsageLedger.day, UsageLedger.provider)))
        .scalars()
        .all()
    )
    assert [(r.day, r.provider, r.requests, r.prompt_tokens, r.completion_tokens) for r in rows] == [
        (date(2026, 3, 14), "openai", 1, 1, 1),
        (date(2026, 3, 15), "builtin", 1, 7, 3),
        (date(2026, 3, 15), "openai", 2, 150, 15),
    ]
    assert rows[2].cost_usd == Decimal("0.000032")  # 0.000021 + 0.0000105 (rounded half up per request)
    today = UsageService(db, settings=settings, now=NOON)
    assert await today.tokens_used_on(user_id=user.id, day=date(2026, 3, 15)) == 175

    report = await today.report(user_id=user.id, days=2)
    assert [d["day"] for d in report["per_day"]] == ["2026-03-14", "2026-03-15"]
    assert report["per_day"][1]["total_tokens"] == 175 and report["per_day"][1]["requests"] == 3
    assert report["totals"]["total_tokens"] == 177 and report["totals"]["requests"] == 4
    assert report["today"]["tokens_used"] == 175
    assert report["today"]["remaining_tokens"] == settings.AI_DAILY_TOKEN_BUDGET - 175
    only_today = await today.report(user_id=user.id, days=1)
    assert only_today["totals"]["requests"] == 3

    # Deleting the conversations does not give the tokens back.
    await db.execute(delete(Conversation).where(Conversation.user_id == user.id))
    await db.commit()
    assert await today.tokens_used_on(user_id=user.id, day=date(2026, 3, 15)) == 175


async def test_budget_blocks_at_the_limit_and_zero_means_unlimited(
    db: AsyncSession, user: User, app: FastAPI
) -> None:
    tight = app.state.settings.model_copy(update={"AI_DAILY_TOKEN_BUDGET": 100})
    budget = DailyTokenBudget(db, settings=tight, now=NOON)
    await answered(
        db, user, at=NOON, provider="openai", model="gpt-4o", prompt_tokens=60, completion_tokens=39
    )
    await budget.check(user_id=user.id)  # 99 < 100
    await answered(db, user, at=NOON, provider="openai", model="gpt-4o", prompt_tokens=1, completion_tokens=0)
    with pytest.raises(RateLimited) as blocked:
        await budget.check(user_id=user.id)
    assert blocked.value.code == "token_budget_exceeded"
    assert blocked.value.retry_after_seconds == 12 * 3600
    unlimited = app.state.settings.model_copy(update={"AI_DAILY_TOKEN_BUDGET": 0})
    await DailyTokenBudget(db, settings=unlimited, now=NOON).check(user_id=user.id)
    tomorrow = DailyTokenBudget(db, settings=tight, now=NOON + timedelta(days=1))
    await tomorrow.check(user_id=user.id)


async def test_request_rate_counts_per_user_and_refuses_with_retry_after(app: FastAPI) -> None:
    limit = RequestRateLimit(app.state.settings)  # no REDIS_URL: in this process
    first, second = uuid.uuid4(), uuid.uuid4()
    try:
        for _ in range(2):
            await limit.enforce(user_id=first, per_minute=2)
        with pytest.raises(RateLimited) as refused:
            await limit.enforce(user_id=first, per_minute=2)
        assert refused.value.code == "rate_limited"
        assert 1 <= refused.value.retry_after_seconds <= 60
        await limit.enforce(user_id=second, per_minute=2)  # another user has their own count
        for _ in range(5):  # 0 switches the limit off
            await limit.enforce(user_id=first, per_minute=0)
    finally:
        await limit.aclose()


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture(scope="module")
def redis_url() -> Iterator[str]:
    server = shutil.which("redis-server")
    if server is None:
        pytest.skip("redis-server is not installed")
    port = _free_port()
    process = subprocess.Popen(
        [server, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
                break
            except OSError:
                time.sleep(0.05)
        yield f"redis://127.0.0.1:{port}/0"
    finally:
        process.terminate()
        process.wait(timeout=10)


async def test_redis_request_rate_is_shared_between_workers(app: FastAPI, redis_url: str) -> None:
    settings = app.state.settings.model_copy(update={"REDIS_URL": redis_url})
    first, second = RequestRateLimit(settings), RequestRateLimit(settings)  # two workers
    user_id = uuid.uuid4()
    try:
        await first.enforce(user_id=user_id, per_minute=2)
        await second.enforce(user_id=user_id, per_minute=2)  # another worker, same count
        with pytest.raises(RateLimited):
            await first.enforce(user_id=user_id, per_minute=2)
        await second.enforce(user_id=uuid.uuid4(), per_minute=2)
    finally:
        await first.aclose()
        await second.aclose()


async def test_unreachable_redis_does_not_lock_users_out(app: FastAPI, user: User) -> None:
    settings = app.state.settings.model_copy(update={"REDIS_URL": f"redis://127.0.0.1:{_free_port()}/0"})
    limit = RequestRateLimit(settings)
    try:
        for _ in range(3):
            await limit.enforce(user_id=user.id, per_minute=1)
    finally:
        await limit.aclose()
