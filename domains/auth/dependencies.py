"""CurrentUser: the authenticated user of a request, for every private endpoint.

It lives in the auth domain (not shared/) because it needs the User model and AuthService;
shared/ never imports a domain.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request
from fastapi.security import OAuth2PasswordBearer

from domains.auth.models import User
from domains.auth.service import AuthService
from shared.api.dependencies import DbSession
from shared.error_handling.errors import Unauthorized

_oauth2 = OAuth2PasswordBearer(tokenUrl="/auth/token", auto_error=False)


async def get_current_user(
    request: Request, session: DbSession, token: Annotated[str | None, Depends(_oauth2)]
) -> User:
    if not token:
        raise Unauthorized("Not authenticated: send 'Authorization: Bearer <token>'")
    return await AuthService(session, request.app.state.settings).user_from_token(token)


CurrentUser = Annotated[User, Depends(get_current_user)]
