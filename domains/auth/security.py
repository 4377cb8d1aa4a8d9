"""Password hashing (bcrypt) and JWT access tokens (PyJWT)."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import bcrypt
import jwt

from shared.config.settings import Settings

# bcrypt only looks at the first 72 bytes; longer passwords are refused at the schema.
MAX_PASSWORD_BYTES = 72


def hash_password(password: str) -> str:
    return bcrypt.hashpw(password.encode(), bcrypt.gensalt(rounds=12)).decode()


def verify_password(password: str, hashed: str) -> bool:
    encoded = password.encode()
    if len(encoded) > MAX_PASSWORD_BYTES:
        return False
    try:
        return bcrypt.checkpw(encoded, hashed.encode())
    except ValueError:
        return False


def create_access_token(settings: Settings, *, user_id: uuid.UUID, now: datetime | None = None) -> str:
    issued = now or datetime.now(UTC)
    claims: dict[str, Any] = {
        "sub": str(user_id),
        "aud": settings.JWT_AUDIENCE,
        "iss": settings.JWT_ISSUER,
        "iat": int(issued.timestamp()),
        "exp": int((issued + timedelta(minutes=settings.ACCESS_TOKEN_EXPIRE_MINUTES)).timestamp()),
        "jti": uuid.uuid4().hex,
    }
    return jwt.encode(claims, settings.jwt_secret(), algorithm=settings.JWT_ALGORITHM)


def decode_access_token(settings: Settings, token: str) -> dict[str, Any]:
    """Raises jwt.InvalidTokenError for anything but a valid, unexpired token of ours."""
    claims: dict[str, Any] = jwt.decode(
        token,
        settings.jwt_secret(),
        algorithms=[settings.JWT_ALGORITHM],  # pinned: no "none", no algorithm confusion
        audience=settings.JWT_AUDIENCE,
        issuer=settings.JWT_ISSUER,
        options={"require": ["exp", "sub", "aud", "iss"]},
    )
    return claims
