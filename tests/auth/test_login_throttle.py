"""Login throttling on POST /auth/token (issue 10, item 7): per account and per client address,
429 `login_throttled` with Retry-After; shared by several app instances through Redis; the right
password works again once the window has passed.

The windows here are 1-2 s; waiting for one to pass is not a race: a failure can only leave the
window, never come back into it.
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator
from contextlib import AsyncExitStack, asynccontextmanager
from typing import Any

import httpx
from sqlalchemy.ext.asyncio import AsyncSession

from main import create_app
from tests import conftest
from tests.factories import DEFAULT_PASSWORD, make_user
from tests.reliability.test_limits_concurrency import redis_url

# Long enough for a few bcrypt checks on a busy machine, short enough to wait out.
WINDOW = 3


@asynccontextmanager
async def instances(
    database_url: str, count: int = 1, **settings: Any
) -> AsyncIterator[list[tuple[httpx.AsyncClient, httpx.AsyncClient]]]:
    """`count` app instances (= workers); for each, a client from 10.0.0.1 and one from 10.0.0.2."""
    values = {"LOGIN_THROTTLE_WINDOW_SECONDS": WINDOW, **settings}
    async with AsyncExitStack() as stack:
        pairs = []
        for _ in range(count):
            app = create_app(conftest.test_settings(database_url, **values))
            await stack.enter_async_context(app.router.lifespan_context(app))
            clients = []
            for address in ("10.0.0.1", "10.0.0.2"):
                transport = httpx.ASGITransport(app=app, client=(address, 40000))
                http = httpx.AsyncClient(transport=transport, base_url="http://w")
                clients.append(await stack.enter_async_context(http))
            pairs.append((clients[0], clients[1]))
        yield pairs


async def login(http: httpx.AsyncClient, email: str, password: str) -> httpx.Response:
    return await http.post("/auth/token", data={"username": email, "password": password})


def assert_throttled(response: httpx.Response) -> None:
    assert response.status_code == 429, response.text
    error = response.json()["error"]
    assert error["code"] == "login_throttled"
    assert set(error) == {"code", "message", "details", "request_id"}
    assert int(response.headers["retry-after"]) >= 1


async def test_an_account_is_locked_after_its_failures_and_opens_again_after_the_window(
    database_url: str, db: AsyncSession
) -> None:
    user = await make_user(db, email=f"locked-{uuid.uuid4().hex[:8]}@example.com")
    await db.commit()
    async with instances(database_url, LOGIN_MAX_FAILURES_PER_ACCOUNT=3) as [(first, other_client)]:
        for _ in range(3):
            assert (await login(first, user.email, "wrong-password")).status_code == 401
        # The right password does not get through a lockout, from any address, in any spelling.
        assert_throttled(await login(first, user.email, DEFAULT_PASSWORD))
        assert_throttled(await login(other_client, user.email.upper(), DEFAULT_PASSWORD))
        await asyncio.sleep(WINDOW + 0.5)
        assert (await login(first, user.email, DEFAULT_PASSWORD)).status_code == 200


async def test_a_successful_login_clears_the_accounts_failures(database_url: str, db: AsyncSession) -> None:
    user = await make_user(db, email=f"clears-{uuid.uuid4().hex[:8]}@example.com")
    await db.commit()
    async with instances(database_url, LOGIN_MAX_FAILURES_PER_ACCOUNT=3) as [(http, _)]:
        for _ in range(2):
            assert (await login(http, user.email, "wrong-password")).status_code == 401
        assert (await login(http, user.email, DEFAULT_PASSWORD)).status_code == 200
        for _ in range(3):
            assert (await login(http, user.email, "wrong-password")).status_code == 401


async def test_a_client_guessing_across_accounts_is_locked_but_other_clients_are_not(
    database_url: str, db: AsyncSession
) -> None:
    user = await make_user(db, email=f"client-{uuid.uuid4().hex[:8]}@example.com")
    await db.commit()
    # A long window: four unknown-account logins cost four bcrypt checks, on a busy machine seconds.
    settings = {
        "LOGIN_MAX_FAILURES_PER_ACCOUNT": 100,
        "LOGIN_MAX_FAILURES_PER_CLIENT": 4,
        "LOGIN_THROTTLE_WINDOW_SECONDS": 600,
    }
    async with instances(database_url, **settings) as [(guesser, bystander)]:
        for index in range(4):
            assert (await login(guesser, f"ghost{index}@example.com", "guess")).status_code == 401
        assert_throttled(await login(guesser, user.email, DEFAULT_PASSWORD))
        assert (await login(bystander, user.email, DEFAULT_PASSWORD)).status_code == 200


async def test_failures_are_counted_across_workers_through_redis(database_url: str, db: AsyncSession) -> None:
    url = redis_url().rsplit("/", 1)[0] + "/14"  # a database of our own on the test Redis
    user = await make_user(db, email=f"shared-{uuid.uuid4().hex[:8]}@example.com")
    await db.commit()
    async with instances(database_url, 2, REDIS_URL=url, LOGIN_MAX_FAILURES_PER_ACCOUNT=4) as workers:
        (one, _), (two, _) = workers
        for index in range(4):
            worker = one if index % 2 == 0 else two
            assert (await login(worker, user.email, "wrong-password")).status_code == 401
        assert_throttled(await login(one, user.email, DEFAULT_PASSWORD))
        assert_throttled(await login(two, user.email, DEFAULT_PASSWORD))
        await asyncio.sleep(WINDOW + 0.5)
        assert (await login(two, user.email, DEFAULT_PASSWORD)).status_code == 200
