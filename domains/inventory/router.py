from __future__ import annotations

from fastapi import APIRouter

from shared.api.schemas import ERROR_RESPONSES

router = APIRouter(prefix="/inventory", tags=["inventory"], responses=ERROR_RESPONSES)
