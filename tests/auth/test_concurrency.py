"""One account per e-mail under concurrent requests (issue 10, item 2: every "only once" rule).

Creating a user hashes its password (about 0.25 s) between the check for an existing e-mail and
the insert; the unique key on users.email decides, and the losers get 409 `user_exists`.
"""

from __future__ import annotations

import asyncio

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from domains.auth.models import User
from tests.factories import auth_headers_for, make_user

pytestmark = pytest.mark.postgresql_only
AT_ONCE = 4


async def test_one_email_created_by_four_requests_at_once_is_one_user(
    app: FastAPI, client: httpx.AsyncClient, db: AsyncSession
) -> None:
    owner = await make_user(db, email="owner@example.com", is_owner=True)
    await db.commit()
    headers = auth_headers_for(app, owner)
    body = {"email": "new.staff@example.com", "password": "An0ther-Secret!"}
    responses = await asyncio.gather(
        *(client.post("/auth/users", json=body, headers=headers) for _ in range(AT_ONCE))
    )
    assert sorted(r.status_code for r in responses) == [201] + [409] * (AT_ONCE - 1), [
        r.text[:200] for r in responses
    ]
    assert {r.json()["error"]["code"] for r in responses if r.status_code == 409} == {"user_exists"}
    count = await db.scalar(select(func.count()).select_from(User).where(User.email == body["email"]))
    assert count == 1
