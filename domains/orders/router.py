from __future__ import annotations

from fastapi import APIRouter

from shared.api.schemas import ERROR_RESPONSES

router = APIRouter(prefix="/orders", tags=["orders"], responses=ERROR_RESPONSES)
