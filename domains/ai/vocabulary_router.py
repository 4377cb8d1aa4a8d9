"""Teachable vocabulary and the questions not understood, mounted under /ai (see domains/ai/teaching.py)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Body, Path, Response, status

from domains.ai import teaching
from domains.ai.schemas import TaughtWord, TeachWordRequest, UnansweredOut
from domains.auth.dependencies import CurrentUser
from shared.api.dependencies import AppSettings, DbSession, Pagination
from shared.api.schemas import ERROR_RESPONSES, Page

vocabulary_router = APIRouter(tags=["ai vocabulary"], responses=ERROR_RESPONSES)


@vocabulary_router.get("/vocabulary", response_model=Page[TaughtWord])
async def list_taught_words(user: CurrentUser, session: DbSession, page: Pagination) -> Page[TaughtWord]:
    """The words you taught the assistant and what each means."""
    return await teaching.list_words(session=session, user_id=user.id, limit=page.limit, offset=page.offset)


@vocabulary_router.post("/vocabulary", response_model=TaughtWord, status_code=status.HTTP_201_CREATED)
async def teach_word(
    body: Annotated[TeachWordRequest, Body()], user: CurrentUser, session: DbSession, settings: AppSettings
) -> TaughtWord:
    """Teach a word ("bricks" = "dead stock"); 422 when its meaning uses words the assistant does not know."""
    return await teaching.teach_word(
        session=session, settings=settings, user_id=user.id, term=body.term, means=body.means
    )


@vocabulary_router.delete("/vocabulary/{word_id}", status_code=status.HTTP_204_NO_CONTENT)
async def forget_word(
    word_id: Annotated[int, Path(ge=1, le=2**63 - 1)], user: CurrentUser, session: DbSession
) -> Response:
    """Forget a taught word."""
    await teaching.forget_word(session=session, user_id=user.id, word_id=word_id)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@vocabulary_router.get("/unanswered", response_model=Page[UnansweredOut])
async def list_unanswered(user: CurrentUser, session: DbSession, page: Pagination) -> Page[UnansweredOut]:
    """Your questions the assistant did not (fully) understand, newest first: what to teach it."""
    return await teaching.list_unanswered(
        session=session, user_id=user.id, limit=page.limit, offset=page.offset
    )
