"""Choose the memory backend for one request: SQL by default, Memori when MEMORI_ENABLED=true."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from domains.ai.memory.base import MemoryBackend
from domains.ai.memory.memori_backend import MemoriMemory
from domains.ai.memory.sql_backend import SqlMemory
from shared.config.settings import Settings


def build_memory(session: AsyncSession, settings: Settings) -> MemoryBackend:
    """A backend bound to this request's session. Memori is imported only when selected."""
    if settings.AI_MEMORY_BACKEND == "memori":
        return MemoriMemory(session, settings)
    return SqlMemory(session, settings)
