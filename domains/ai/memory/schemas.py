"""Request and response bodies of the memory endpoints."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, field_validator


class MemoryStatus(BaseModel):
    """What the assistant remembers about the current user, in counts."""

    user_id: str
    memory_enabled: bool
    backend: str  # "sql" | "memori"
    conversation_count: int
    message_count: int
    fact_count: int = Field(description="current facts (superseded ones not counted)")
    superseded_fact_count: int = Field(description="older statements kept as history")
    memori: dict[str, int] | None = Field(
        default=None, description="rows in Memori's own tables for this user (Memori backend only)"
    )
    memori_active: bool | None = Field(
        default=None,
        description="Memori backend only: whether Memori recalls and records for the current provider",
    )
    memori_detail: str | None = Field(default=None, description="Memori backend only: why (not)")


class FactOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    kind: str
    value: Any
    text: str
    source_message_id: int | None
    valid_from: datetime
    valid_to: datetime | None = Field(description="null while the fact is current")
    superseded_by: int | None
    current: bool
    created_at: datetime


class ClearMemoryRequest(BaseModel):
    """Body of DELETE /ai/memory/clear: `confirm` must be true."""

    model_config = ConfigDict(extra="forbid")

    confirm: bool = Field(..., description="Confirmation flag (must be true)")

    @field_validator("confirm")
    @classmethod
    def _must_confirm(cls, value: bool) -> bool:
        if not value:
            raise ValueError("Confirmation required to clear memory")
        return value
