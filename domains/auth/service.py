"""Users and tokens. No HTTP here; the router maps errors to responses."""

from __future__ import annotations

import asyncio
import uuid

import jwt
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from domains.auth.models import User
from domains.auth.security import (
    create_access_token,
    decode_access_token,
    hash_password,
    verify_password,
)
from shared.config.settings import Settings
from shared.error_handling.errors import Conflict, Unauthorized

# Spent on unknown e-mails too, so response time does not reveal which accounts exist.
_DUMMY_HASH = "$2b$12$C6UzMDM.H6dfI/f/IKcEeO5dVZ3nGvHdV9s0rBNb9p3M2bvVxb6WK"


class AuthService:
    def __init__(self, session: AsyncSession, settings: Settings) -> None:
        self.session = session
        self.settings = settings

    async def find_by_email(self, email: str) -> User | None:
        result = await self.session.execute(
            select(User).where(func.lower(User.email) == email.strip().lower())
        )
        return result.scalar_one_or_none()

    async def active_users(self) -> list[tuple[uuid.UUID, str]]:
        """(id, e-mail) of every active user, oldest account first (the daily digest's recipients)."""
        result = await self.session.execute(
            select(User.id, User.email).where(User.is_active.is_(True)).order_by(User.created_at, User.id)
        )
        return [(row.id, row.email) for row in result]

    async def authenticate(self, *, email: str, password: str) -> str:
        user = await self.find_by_email(email)
        # bcrypt takes ~0.25 s of CPU: in a thread (it releases the GIL), not on the event loop,
        # so one login does not stall every other request of the worker.
        if user is None:
            await asyncio.to_thread(verify_password, password, _DUMMY_HASH)
            raise Unauthorized("Incorrect e-mail or password", code="invalid_credentials")
        if not await asyncio.to_thread(verify_password, password, user.hashed_password) or not user.is_active:
            raise Unauthorized("Incorrect e-mail or password", code="invalid_credentials")
        return create_access_token(self.settings, user_id=user.id)

    async def user_from_token(self, token: str) -> User:
        try:
            claims = decode_access_token(self.settings, token)
            user_id = uuid.UUID(str(claims["sub"]))
        except jwt.ExpiredSignatureError:
            raise Unauthorized("Token has expired; log in again", code="token_expired") from None
        except (jwt.InvalidTokenError, ValueError, KeyError):
            raise Unauthorized("Invalid token", code="invalid_token") from None
        user = await self.session.get(User, user_id)
        if user is None or not user.is_active:
            raise Unauthorized("Invalid token", code="invalid_token")
        return user

    async def create_user(
        self, *, email: str, password: str, full_name: str | None = None, is_owner: bool = False
    ) -> User:
        if await self.find_by_email(email) is not None:
            raise Conflict(f"A user with e-mail {email} already exists", code="user_exists")
        user = User(
            email=email.strip().lower(),
            hashed_password=await asyncio.to_thread(hash_password, password),
            full_name=full_name,
            is_owner=is_owner,
        )
        self.session.add(user)
        try:
            await self.session.flush()
        except IntegrityError:  # a concurrent request created the same e-mail first
            raise Conflict(f"A user with e-mail {email} already exists", code="user_exists") from None
        return user

    async def ensure_user(
        self, *, email: str, password: str, full_name: str | None = None, is_owner: bool = False
    ) -> User:
        """Create the user, or reset its password if it exists (demo data, CLI)."""
        user = await self.find_by_email(email)
        if user is None:
            return await self.create_user(
                email=email, password=password, full_name=full_name, is_owner=is_owner
            )
        if not verify_password(password, user.hashed_password):
            user.hashed_password = hash_password(password)
        user.is_active = True
        user.is_owner = user.is_owner or is_owner
        await self.session.flush()
        return user
