from __future__ import annotations

from fastapi import APIRouter

from shared.api.schemas import ERROR_RESPONSES

router = APIRouter(prefix="/products", tags=["products"], responses=ERROR_RESPONSES)
