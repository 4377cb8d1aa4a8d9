from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request, status
from fastapi.security import OAuth2PasswordRequestForm

from domains.auth.dependencies import CurrentUser
from domains.auth.schemas import TokenResponse, UserCreate, UserOut
from domains.auth.service import AuthService
from domains.auth.throttle import login_throttle_for
from shared.api.dependencies import AppSettings, DbSession
from shared.api.schemas import ERROR_RESPONSES
from shared.error_handling.errors import Forbidden, Unauthorized

router = APIRouter(prefix="/auth", tags=["auth"], responses=ERROR_RESPONSES)


@router.post("/token", response_model=TokenResponse)
async def login(
    form: Annotated[OAuth2PasswordRequestForm, Depends()],
    session: DbSession,
    settings: AppSettings,
    request: Request,
) -> TokenResponse:
    """Exchange e-mail (`username`) and password for a bearer token (OAuth2 password flow).
    Too many failed logins for the account or from the client: 429 with Retry-After."""
    throttle = login_throttle_for(request.app)
    client = request.client.host if request.client else "unknown"
    await throttle.check(account=form.username, client=client)
    try:
        token = await AuthService(session, settings).authenticate(email=form.username, password=form.password)
    except Unauthorized:
        await throttle.failed(account=form.username, client=client)
        raise
    await throttle.succeeded(account=form.username)
    return TokenResponse(access_token=token, expires_in=settings.ACCESS_TOKEN_EXPIRE_MINUTES * 60)


@router.get("/me", response_model=UserOut)
async def me(user: CurrentUser) -> UserOut:
    """The user the token belongs to."""
    return UserOut.model_validate(user)


@router.post("/users", response_model=UserOut, status_code=status.HTTP_201_CREATED)
async def create_user(
    body: UserCreate, user: CurrentUser, session: DbSession, settings: AppSettings
) -> UserOut:
    """Create a staff (or owner) account. Owner only."""
    if not user.is_owner:
        raise Forbidden("Only the owner can create users", code="owner_only")
    created = await AuthService(session, settings).create_user(
        email=str(body.email),
        password=body.password,
        full_name=body.full_name,
        is_owner=body.is_owner,
    )
    return UserOut.model_validate(created)
