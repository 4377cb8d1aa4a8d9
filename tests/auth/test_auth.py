from __future__ import annotations

from datetime import UTC, datetime, timedelta

import httpx
import jwt
from fastapi import FastAPI
from sqlalchemy.ext.asyncio import AsyncSession

from domains.auth.models import User
from domains.auth.security import create_access_token
from tests.factories import DEFAULT_PASSWORD, make_user


async def test_login_issues_a_bearer_token_that_opens_me(client: httpx.AsyncClient, user: User) -> None:
    response = await client.post("/auth/token", data={"username": user.email, "password": DEFAULT_PASSWORD})
    assert response.status_code == 200
    body = response.json()
    assert body["token_type"] == "bearer"
    me = await client.get("/auth/me", headers={"Authorization": f"Bearer {body['access_token']}"})
    assert me.status_code == 200
    assert me.json()["email"] == user.email


async def test_wrong_password_and_unknown_user_get_the_same_401(
    client: httpx.AsyncClient, user: User
) -> None:
    wrong = await client.post("/auth/token", data={"username": user.email, "password": "nope-nope"})
    unknown = await client.post(
        "/auth/token", data={"username": "ghost@example.com", "password": "nope-nope"}
    )
    assert wrong.status_code == unknown.status_code == 401
    assert wrong.json()["error"]["code"] == unknown.json()["error"]["code"] == "invalid_credentials"


async def test_missing_bad_expired_and_tampered_tokens_are_refused(
    client: httpx.AsyncClient, app: FastAPI, user: User
) -> None:
    settings = app.state.settings
    expired = create_access_token(settings, user_id=user.id, now=datetime.now(UTC) - timedelta(days=3))
    good = create_access_token(settings, user_id=user.id)
    header, payload, signature = good.split(".")
    tampered = f"{header}.{payload}.{signature[:-4]}AAAA"
    unsigned = jwt.encode(
        {
            "sub": str(user.id),
            "aud": settings.JWT_AUDIENCE,
            "iss": settings.JWT_ISSUER,
            "exp": 4102444800,
        },
        key=None,
        algorithm="none",
    )
    wrong_audience = jwt.encode(
        {"sub": str(user.id), "aud": "someone-else", "iss": settings.JWT_ISSUER, "exp": 4102444800},
        settings.jwt_secret(),
        algorithm="HS256",
    )
    cases = {
        "missing": {},
        "garbage": {"Authorization": "Bearer not-a-jwt"},
        "expired": {"Authorization": f"Bearer {expired}"},
        "tampered": {"Authorization": f"Bearer {tampered}"},
        "alg_none": {"Authorization": f"Bearer {unsigned}"},
        "wrong_audience": {"Authorization": f"Bearer {wrong_audience}"},
    }
    for name, headers in cases.items():
        response = await client.get("/auth/me", headers=headers)
        assert response.status_code == 401, name
        assert set(response.json()["error"]) == {"code", "message", "details", "request_id"}, name
    expired_response = await client.get("/auth/me", headers=cases["expired"])
    assert expired_response.json()["error"]["code"] == "token_expired"


async def test_only_the_owner_creates_users(
    client: httpx.AsyncClient, app: FastAPI, db: AsyncSession
) -> None:
    owner = await make_user(db, email="owner@example.com", is_owner=True)
    staff = await make_user(db, email="staff2@example.com")
    await db.commit()
    body = {"email": "new@example.com", "password": "long-enough-pw"}
    staff_token = create_access_token(app.state.settings, user_id=staff.id)
    owner_token = create_access_token(app.state.settings, user_id=owner.id)
    refused = await client.post("/auth/users", json=body, headers={"Authorization": f"Bearer {staff_token}"})
    assert refused.status_code == 403
    created = await client.post("/auth/users", json=body, headers={"Authorization": f"Bearer {owner_token}"})
    assert created.status_code == 201
    duplicate = await client.post(
        "/auth/users", json=body, headers={"Authorization": f"Bearer {owner_token}"}
    )
    assert duplicate.status_code == 409
    login = await client.post(
        "/auth/token", data={"username": "new@example.com", "password": "long-enough-pw"}
    )
    assert login.status_code == 200


async def test_validation_errors_name_the_field(
    client: httpx.AsyncClient, app: FastAPI, db: AsyncSession
) -> None:
    owner = await make_user(db, email="owner3@example.com", is_owner=True)
    await db.commit()
    token = create_access_token(app.state.settings, user_id=owner.id)
    response = await client.post(
        "/auth/users",
        json={"email": "not-an-email", "password": "x"},
        headers={"Authorization": f"Bearer {token}"},
    )
    assert response.status_code == 422
    fields = {d["field"] for d in response.json()["error"]["details"]}
    assert {"body.email", "body.password"} <= fields
