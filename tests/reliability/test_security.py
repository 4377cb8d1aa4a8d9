"""Security properties a client can probe from outside:

- every private route refuses a missing, tampered, unsigned (alg none), expired, foreign-audience,
  foreign-issuer token, and the token of a deleted or deactivated user, with 401 in the error shape;
- oversized and absurdly nested bodies are refused (413/422), never a 500;
- passwords, bearer tokens and API keys never reach the logs (nor a response body);
- SQL-looking text in any filter is just text: it matches nothing and changes nothing.
"""

from __future__ import annotations

import base64
import io
import json
import logging
import re
import uuid
import warnings
from collections.abc import AsyncIterator, Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import jwt
import pytest
import structlog
from fastapi import FastAPI
from fastapi.routing import iter_route_contexts
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from domains.auth.models import User
from domains.auth.security import create_access_token
from domains.inventory.models import InventoryItem
from domains.orders.models import Order
from domains.products.models import Brand, Product
from main import create_app
from tests import conftest
from tests.factories import (
    DEFAULT_PASSWORD,
    days_ago,
    make_brand,
    make_item,
    make_order,
    make_product,
    make_user,
)

# Routes anyone may call. Everything else must demand a valid bearer token.
PUBLIC_ROUTES = {
    ("POST", "/auth/token"),
    ("GET", "/health"),
    ("GET", "/health/ready"),
    ("GET", "/metrics"),
    ("GET", "/ai/health"),
    ("GET", "/openapi.json"),
    ("GET", "/docs"),
    ("GET", "/docs/oauth2-redirect"),
    ("GET", "/redoc"),
    # static pages: the assistant widget (domains/webui), which logs in through /auth/token itself
    ("GET", "/"),
    ("GET", "/assistant"),
    ("GET", "/assistant/{path:path}"),
}
PATH_VALUES = {"category": "inventory", "platform": "stockx", "conversation_id": str(uuid.uuid4())}


def routes(app: FastAPI) -> Iterator[tuple[str, str]]:
    """(method, path) of every route, included routers flattened."""
    for context in iter_route_contexts(app.routes):
        for method in sorted(getattr(context, "methods", None) or ()):
            if method != "HEAD":
                yield method, context.path


def private_routes(app: FastAPI) -> list[tuple[str, str]]:
    return [route for route in routes(app) if route not in PUBLIC_ROUTES]


def concrete(path: str) -> str:
    return re.sub(r"\{(\w+)\}", lambda m: PATH_VALUES.get(m.group(1), "1"), path)


def _b64(data: dict[str, Any]) -> str:
    return base64.urlsafe_b64encode(json.dumps(data).encode()).rstrip(b"=").decode()


def _claims(user_id: uuid.UUID, **overrides: Any) -> dict[str, Any]:
    now = datetime.now(UTC)
    claims: dict[str, Any] = {
        "sub": str(user_id),
        "aud": "soleflip-api",
        "iss": "soleflip",
        "iat": int(now.timestamp()),
        "exp": int((now + timedelta(hours=1)).timestamp()),
    }
    claims.update(overrides)
    return {k: v for k, v in claims.items() if v is not None}


def _hs512(claims: dict[str, Any], secret: str) -> str:
    with warnings.catch_warnings():  # PyJWT warns that the key is short for SHA-512; that is the point
        warnings.simplefilter("ignore")
        return jwt.encode(claims, secret, algorithm="HS512")


async def bad_tokens(app: FastAPI, db: AsyncSession) -> dict[str, str | None]:
    """Name -> Authorization header value that must be refused."""
    settings = app.state.settings
    secret = settings.jwt_secret()
    assert (settings.JWT_AUDIENCE, settings.JWT_ISSUER) == ("soleflip-api", "soleflip")
    victim = await make_user(db, email="victim@example.com")
    deleted = await make_user(db, email="deleted@example.com")
    inactive = await make_user(db, email="inactive@example.com")
    await db.commit()
    valid = create_access_token(settings, user_id=victim.id)
    header, payload, signature = valid.split(".")
    forged_payload = _b64(_claims(victim.id, sub=str(deleted.id)))
    deleted_token = create_access_token(settings, user_id=deleted.id)
    inactive_token = create_access_token(settings, user_id=inactive.id)
    await db.delete(deleted)
    inactive.is_active = False
    await db.commit()
    expired_at = datetime.now(UTC) - timedelta(minutes=settings.ACCESS_TOKEN_EXPIRE_MINUTES + 5)
    tokens = {
        "missing": None,
        "garbage": "Bearer not-a-jwt",
        "empty bearer": "Bearer ",
        "wrong scheme": f"Basic {valid}",
        "tampered payload": f"Bearer {header}.{forged_payload}.{signature}",
        "tampered signature": f"Bearer {header}.{payload}.{signature[::-1]}",
        "alg none": "Bearer " + _b64({"alg": "none", "typ": "JWT"}) + "." + _b64(_claims(victim.id)) + ".",
        "other algorithm (HS512)": "Bearer " + _hs512(_claims(victim.id), secret),
        "other secret": "Bearer "
        + jwt.encode(_claims(victim.id), "another-secret-that-is-long-enough-32b", algorithm="HS256"),
        "expired": "Bearer " + create_access_token(settings, user_id=victim.id, now=expired_at),
        "wrong audience": "Bearer " + jwt.encode(_claims(victim.id, aud="other-api"), secret, "HS256"),
        "no audience": "Bearer " + jwt.encode(_claims(victim.id, aud=None), secret, "HS256"),
        "wrong issuer": "Bearer " + jwt.encode(_claims(victim.id, iss="evil"), secret, "HS256"),
        "no expiry": "Bearer " + jwt.encode(_claims(victim.id, exp=None), secret, "HS256"),
        "subject not a uuid": "Bearer " + jwt.encode(_claims(victim.id, sub="1 OR 1=1"), secret, "HS256"),
        "deleted user": f"Bearer {deleted_token}",
        "inactive user": f"Bearer {inactive_token}",
    }
    return tokens


async def test_every_route_outside_the_public_list_refuses_bad_tokens(
    app: FastAPI, client: httpx.AsyncClient, db: AsyncSession
) -> None:
    private = private_routes(app)
    assert ("GET", "/inventory/items") in private and ("POST", "/ai/query") in private
    assert len(private) >= 40, private
    tokens = await bad_tokens(app, db)
    accepted: list[str] = []
    for method, path in private:
        for name, authorization in tokens.items():
            headers = {} if authorization is None else {"Authorization": authorization}
            body = None if method in ("GET", "DELETE") and path != "/ai/memory/clear" else {}
            response = await client.request(method, concrete(path), headers=headers, json=body)
            if response.status_code != 401:
                accepted.append(f"{method} {path} with {name}: {response.status_code} {response.text[:120]}")
                continue
            error = response.json()["error"]
            assert set(error) == {"code", "message", "details", "request_id"}
            assert error["code"] in ("unauthorized", "invalid_token", "token_expired"), error
            assert response.headers["www-authenticate"] == "Bearer"
    assert not accepted, "\n".join(accepted)


async def test_public_routes_answer_without_a_token(client: httpx.AsyncClient) -> None:
    for method, path in PUBLIC_ROUTES - {("POST", "/auth/token")}:
        if "{" in path:
            continue
        response = await client.request(method, path)
        assert response.status_code in (200, 307), (path, response.status_code)


async def test_a_token_stops_working_when_its_user_is_deactivated(
    client: httpx.AsyncClient, db: AsyncSession, user: User, auth: dict[str, str]
) -> None:
    assert (await client.get("/auth/me", headers=auth)).status_code == 200
    user.is_active = False
    await db.commit()
    assert (await client.get("/auth/me", headers=auth)).status_code == 401
    login = await client.post("/auth/token", data={"username": user.email, "password": DEFAULT_PASSWORD})
    assert login.status_code == 401


# --- bodies ------------------------------------------------------------------------------------


async def test_oversized_bodies_are_refused_with_413(
    app: FastAPI, client: httpx.AsyncClient, auth: dict[str, str]
) -> None:
    limit = app.state.settings.MAX_BODY_BYTES
    big = json.dumps({"query": "x" * (limit + 10)}).encode()
    declared = await client.post(
        "/ai/query", content=big, headers={**auth, "content-type": "application/json"}
    )
    assert declared.status_code == 413
    assert declared.json()["error"]["code"] == "payload_too_large"

    async def chunks() -> AsyncIterator[bytes]:  # no Content-Length: the limit must count bytes
        for start in range(0, len(big), 64_000):
            yield big[start : start + 64_000]

    streamed = await client.post(
        "/inventory/items", content=chunks(), headers={**auth, "content-type": "application/json"}
    )
    assert streamed.status_code == 413
    assert streamed.json()["error"]["code"] == "payload_too_large"

    upload = await client.post(
        "/inventory/import",
        files={"file": ("items.csv", b"sku,size\n" + b"A" * (limit + 10), "text/csv")},
        headers=auth,
    )
    assert upload.status_code == 413


@pytest.mark.parametrize("depth", [10_000, 100_000])
@pytest.mark.parametrize(
    ("path", "wrap"),
    [
        ("/inventory/items", lambda nested: nested),
        ("/ai/query", lambda nested: '{"query": "how many pairs", "filters": ' + nested + "}"),
        ("/ai/conversation", lambda nested: '{"messages": ' + nested + "}"),
        ("/pricing/market-prices", lambda nested: '{"sku": ' + nested + "}"),
    ],
)
async def test_deeply_nested_json_is_refused_not_a_500(
    client: httpx.AsyncClient, auth: dict[str, str], path: str, wrap: Any, depth: int
) -> None:
    for nested in ("[" * depth + "]" * depth, '{"a":' * depth + "1" + "}" * depth):
        response = await client.post(
            path, content=wrap(nested).encode(), headers={**auth, "content-type": "application/json"}
        )
        assert response.status_code in (413, 422), (path, depth, response.status_code)
        assert set(response.json()["error"]) == {"code", "message", "details", "request_id"}


# --- logs ----------------------------------------------------------------------------------------

FAKE_OPENAI_KEY = "sk-proj-" + "Zq7" * 16
FAKE_ANTHROPIC_KEY = "sk-ant-api03-" + "Wx9" * 16


async def test_secrets_and_tokens_never_reach_the_logs(
    database_url: str, db: AsyncSession, caplog: pytest.LogCaptureFixture
) -> None:
    password = "Very-Secret-Pa55word!"
    await make_user(db, email="owner@example.com", password=password, is_owner=True)
    await db.commit()
    settings = conftest.test_settings(
        database_url,
        LOG_LEVEL="DEBUG",
        OPENAI_API_KEY=FAKE_OPENAI_KEY,
        ANTHROPIC_API_KEY=FAKE_ANTHROPIC_KEY,
        # Nothing listens there: the provider fails fast and the built-in engine answers.
        OPENAI_BASE_URL="http://127.0.0.1:9/v1",
        ANTHROPIC_BASE_URL="http://127.0.0.1:9",
        AI_MAX_RETRIES=0,
        AI_REQUEST_TIMEOUT_SECONDS=5,
    )
    previous = structlog.get_config()
    logs = io.StringIO()
    caplog.set_level(logging.DEBUG)
    try:
        app = create_app(settings)  # configures structlog for this app; then send it to our buffer
        structlog.configure(logger_factory=structlog.PrintLoggerFactory(file=logs))
        async with app.router.lifespan_context(app):
            transport = httpx.ASGITransport(app=app)
            async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as http:
                bad_login = await http.post(
                    "/auth/token", data={"username": "owner@example.com", "password": password + "x"}
                )
                assert bad_login.status_code == 401
                login = await http.post(
                    "/auth/token", data={"username": "owner@example.com", "password": password}
                )
                assert login.status_code == 200
                token = login.json()["access_token"]
                bearer = {"Authorization": f"Bearer {token}"}
                bodies = [login.text]
                for method, path, kwargs in [
                    ("GET", "/auth/me", {}),
                    ("GET", "/inventory/items?brand=Nike", {}),
                    ("GET", "/analytics/kpis?days=30", {}),
                    ("GET", "/ai/health", {}),
                    ("GET", "/ai/memory/status", {}),
                    ("POST", "/ai/query", {"json": {"query": "How many pairs do I have?"}}),
                    ("POST", "/ai/query/stream", {"json": {"query": "What did I earn this month?"}}),
                    ("GET", "/no/such/route", {}),
                    ("POST", "/orders", {"json": {"inventory_item_id": "oops"}}),
                    (
                        "POST",
                        "/auth/users",
                        {"json": {"email": "new@example.com", "password": "An0ther-Secret!"}},
                    ),
                ]:
                    response = await http.request(method, path, headers=bearer, **kwargs)
                    assert response.status_code < 500, (path, response.status_code, response.text[:300])
                    bodies.append(response.text)
                tampered = await http.get("/auth/me", headers={"Authorization": f"Bearer {token}x"})
                assert tampered.status_code == 401
    finally:
        structlog.configure(**previous)
    written = logs.getvalue() + caplog.text
    assert '"event": "request"' in written, "the access log was not captured"
    assert '"path": "/auth/me"' in written
    for secret in (
        password,
        "An0ther-Secret!",
        token,
        token.split(".")[2],
        FAKE_OPENAI_KEY,
        FAKE_ANTHROPIC_KEY,
    ):
        assert secret not in written, f"a secret reached the logs: {secret[:12]}..."
    for body in bodies[1:]:
        assert FAKE_OPENAI_KEY not in body and FAKE_ANTHROPIC_KEY not in body and password not in body


# --- injection -----------------------------------------------------------------------------------

INJECTIONS = [
    "x' OR 1=1 --",
    "x' OR '1'='1",
    '" OR ""="',
    "1) OR (1=1",
    "'; DROP TABLE inventory_items; --",
    "%",
    "_",
    "*",
    "x' UNION SELECT id, email, hashed_password FROM users --",
]


def string_filters(app: FastAPI) -> list[tuple[str, str]]:
    """(path, query parameter) of every free-text filter of every GET operation without path params."""
    found = []
    for path, item in app.openapi()["paths"].items():
        operation = item.get("get")
        if operation is None or "{" in path:
            continue
        for parameter in operation.get("parameters", []):
            if parameter["in"] != "query":
                continue
            schema = parameter["schema"]
            options = schema.get("anyOf", [schema])
            if any(o.get("type") == "string" and "enum" not in o and "format" not in o for o in options):
                found.append((path, parameter["name"]))
    return found


def _rows(body: Any) -> list[Any]:
    if isinstance(body, list):
        return body
    for key in ("items", "points"):
        if isinstance(body, dict) and key in body:
            return [r for r in body[key] if not isinstance(r, dict) or r.get("orders", 1)]
    # a KPI object: rows are the orders it counted
    return [body] if isinstance(body, dict) and body.get("orders") else []


async def test_sql_in_any_filter_matches_nothing_and_changes_nothing(
    app: FastAPI, client: httpx.AsyncClient, db: AsyncSession, auth: dict[str, str]
) -> None:
    nike = await make_brand(db, "Nike")
    jordan = await make_product(db, brand=nike, sku="DZ5485-612")
    for index in range(4):
        item = await make_item(db, product=jordan, size=str(9 + index), purchased_at=days_ago(90))
        if index == 0:
            await make_order(db, item=item, sold_at=days_ago(2))
    await db.commit()

    async def counts() -> tuple[int, ...]:
        return tuple(
            [
                (await db.execute(select(func.count()).select_from(model))).scalar_one()
                for model in (User, Brand, Product, InventoryItem, Order)
            ]
        )

    before = await counts()
    filters = string_filters(app)
    names = {name for _path, name in filters}
    assert {"brand", "sku", "size", "q", "platform"} <= names, names
    leaked: list[str] = []
    for path, name in filters:
        for payload in INJECTIONS:
            response = await client.get(path, params={name: payload}, headers=auth)
            assert response.status_code < 500, (path, name, payload, response.text[:300])
            if response.status_code != 200:
                assert response.status_code in (404, 422), (path, name, payload, response.status_code)
                continue
            rows = _rows(response.json())
            if name == "q":
                # Fuzzy search reads words ("1" is a word of "Air Jordan 1"): the SQL around them must
                # change nothing, so the answer equals the one for the bare words.
                words = re.sub(r"[^A-Za-z0-9 ]", " ", payload)
                plain = await client.get(path, params={name: words}, headers=auth)
                if plain.status_code == 200 and _rows(plain.json()) == rows:
                    continue
            if rows:
                leaked.append(f"{path}?{name}={payload!r}: {len(rows)} rows")
    assert not leaked, "\n".join(leaked)
    db.expire_all()
    assert await counts() == before
    listing = await client.get("/inventory/items", headers=auth)
    assert listing.json()["total"] == 4
