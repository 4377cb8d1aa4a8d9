from __future__ import annotations

from fastapi import APIRouter

from shared.api.schemas import ERROR_RESPONSES

router = APIRouter(prefix="/ai", tags=["ai"], responses=ERROR_RESPONSES)
