"""Opt-in memory backend on the Memori 3.x SDK (MEMORI_ENABLED=true, `pip install -e ".[memori]"`).

What it does per request (see docs/ai/memory.md and /work/shared/docs/memori-notes.md):
- one Memori instance per request, never shared: a shared instance pins its cached session
  to the first user and mixes users' histories;
- built off the event loop (asyncio.to_thread), attributed to the user
  (entity_id = str(user_id), process_id = "soleflip-assistant"), registered on that request's
  own provider client;
- a fresh Memori session per request, so Memori injects no stored history (its injection has
  no limit); the conversation history the model sees is the assistant's own, bounded by
  AI_CONTEXT_WINDOW_SIZE. That also avoids the "first N messages dropped" case, which needs a
  client that injected N messages before; a client registered twice is refused here;
- closed afterwards, and its thread pool shut down (Memori leaks one otherwise).

Typed facts (dead-stock threshold, target margin, ...) still come from our own extraction into
ai_memory_facts, so tool defaults and cited sources behave exactly as with the SQL backend.
Memori's tables live in the same database (sync psycopg on the same DATABASE_URL, or the same
SQLite file). Memori's augmentation sends the raw user and assistant text to Memori's hosted
API (MEMORI_API_URL_BASE): that text leaves the machine.
"""

from __future__ import annotations

import asyncio
import threading
import uuid
import weakref
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from typing import Any

import structlog
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from domains.ai.memory.base import FactRef, MemoryContext
from domains.ai.memory.sql_backend import SqlMemory
from shared.config.settings import Settings

logger = structlog.get_logger(__name__)

PROCESS_ID = "soleflip-assistant"
_build_lock = threading.Lock()
_built: set[str] = set()
# Clients Memori has patched: registering one again would re-wrap it (and share its state).
_registered_clients: weakref.WeakSet[Any] = weakref.WeakSet()


def connection_factory(settings: Settings) -> Callable[[], Any]:
    """A sync DB-API connection on the app's own database, as Memori needs."""
    if settings.is_sqlite:
        import sqlite3

        path = str(settings.sqlite_path or ":memory:")

        def sqlite_connect() -> Any:
            conn = sqlite3.connect(path, check_same_thread=False, timeout=10)
            conn.execute("PRAGMA foreign_keys=ON")
            return conn

        return sqlite_connect
    import psycopg

    dsn = settings.DATABASE_URL.replace("postgresql+asyncpg://", "postgresql://", 1)
    return lambda: psycopg.connect(dsn)


def _new_memori(settings: Settings) -> Any:
    try:
        from memori import Memori
    except ImportError as exc:  # pragma: no cover - depends on the extra being installed
        raise RuntimeError('MEMORI_ENABLED=true needs the extra: pip install -e ".[memori]"') from exc
    return Memori(conn=connection_factory(settings))


def ensure_memori_tables(settings: Settings) -> None:
    """Create/migrate Memori's tables once per process and database (idempotent, blocking)."""
    key = settings.DATABASE_URL
    with _build_lock:
        if key in _built:
            return
        mem = _new_memori(settings)
        try:
            mem.config.storage.build()
        finally:
            _close(mem)
        _built.add(key)


async def memori_startup_hook(app: Any) -> None:
    """For app.state.startup_hooks: build Memori's tables before the first request."""
    settings: Settings = app.state.settings
    if settings.AI_MEMORY_BACKEND == "memori":
        await asyncio.to_thread(ensure_memori_tables, settings)


def _close(mem: Any) -> None:
    try:
        mem.close()
    finally:
        # Memori 3.3 leaves its ThreadPoolExecutor running after close().
        mem.config.thread_pool_executor.shutdown(wait=False)


def _open(settings: Settings, user_id: uuid.UUID, client: Any) -> Any:
    ensure_memori_tables(settings)
    if client in _registered_clients:
        raise RuntimeError("this provider client is already registered with Memori; build one per request")
    mem = _new_memori(settings)
    try:
        mem.attribution(entity_id=str(user_id), process_id=PROCESS_ID)
        mem.new_session()  # nothing stored in it yet: Memori injects no history
        mem.llm.register(client)
        _registered_clients.add(client)
    except BaseException:
        _close(mem)
        raise
    return mem


class MemoriMemory:
    """MemoryBackend: our typed facts and recall, plus Memori on the provider's client."""

    name = "memori"

    def __init__(self, session: AsyncSession, settings: Settings) -> None:
        self.session = session
        self.settings = settings
        self._sql = SqlMemory(session, settings)

    async def observe_user_message(
        self, *, user_id: uuid.UUID, conversation_id: uuid.UUID, text: str, language: str
    ) -> list[FactRef]:
        return await self._sql.observe_user_message(
            user_id=user_id, conversation_id=conversation_id, text=text, language=language
        )

    async def load(
        self,
        *,
        user_id: uuid.UUID,
        query: str,
        token_budget: int,
        exclude_conversation_id: uuid.UUID | None = None,
    ) -> MemoryContext:
        return await self._sql.load(
            user_id=user_id,
            query=query,
            token_budget=token_budget,
            exclude_conversation_id=exclude_conversation_id,
        )

    async def after_turn(
        self, *, user_id: uuid.UUID, conversation_id: uuid.UUID, user_text: str, answer: str
    ) -> None:
        await self._sql.after_turn(
            user_id=user_id, conversation_id=conversation_id, user_text=user_text, answer=answer
        )

    async def remember(self, **kwargs: Any) -> FactRef:
        return await self._sql.remember(**kwargs)

    @asynccontextmanager
    async def attached(self, client: Any, *, user_id: uuid.UUID) -> AsyncIterator[Any]:
        """Register Memori on this request's provider client for the duration of one answer.

        async with memory.attached(client, user_id=user.id):
            ... client.chat.completions.create(...)  # Memori recalls and records
        """
        mem = await asyncio.to_thread(_open, self.settings, user_id, client)
        try:
            yield mem
        finally:
            await asyncio.to_thread(_close, mem)


# ---- status / clear / export over Memori's tables (same database, our session) -------------


async def _memori_present(session: AsyncSession) -> bool:
    if session.get_bind().dialect.name == "postgresql":
        found = await session.scalar(text("SELECT to_regclass('memori_entity') IS NOT NULL"))
    else:
        found = await session.scalar(
            text("SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = 'memori_entity'")
        )
    return bool(found)


async def memori_counts_for(session: AsyncSession, user_id: uuid.UUID) -> dict[str, int]:
    if not await _memori_present(session):
        return {"sessions": 0, "conversations": 0, "messages": 0, "facts": 0}
    row = (
        await session.execute(
            text(
                """
                SELECT
                  (SELECT count(*) FROM memori_session s JOIN memori_entity e ON e.id = s.entity_id
                    WHERE e.external_id = :uid) AS sessions,
                  (SELECT count(*) FROM memori_conversation c JOIN memori_session s ON s.id = c.session_id
                    JOIN memori_entity e ON e.id = s.entity_id WHERE e.external_id = :uid) AS conversations,
                  (SELECT count(*) FROM memori_conversation_message m
                    JOIN memori_conversation c ON c.id = m.conversation_id
                    JOIN memori_session s ON s.id = c.session_id
                    JOIN memori_entity e ON e.id = s.entity_id WHERE e.external_id = :uid) AS messages,
                  (SELECT count(*) FROM memori_entity_fact f JOIN memori_entity e ON e.id = f.entity_id
                    WHERE e.external_id = :uid) AS facts
                """
            ),
            {"uid": str(user_id)},
        )
    ).one()
    return {k: int(v) for k, v in row._mapping.items()}


async def memori_clear_for(session: AsyncSession, user_id: uuid.UUID) -> int:
    """Delete the user's Memori entity; its sessions, conversations, messages, facts cascade."""
    if not await _memori_present(session):
        return 0
    result = await session.execute(
        text("DELETE FROM memori_entity WHERE external_id = :uid"), {"uid": str(user_id)}
    )
    return int(getattr(result, "rowcount", 0) or 0)


async def memori_export_for(session: AsyncSession, user_id: uuid.UUID) -> dict[str, Any]:
    if not await _memori_present(session):
        return {"facts": [], "messages": []}
    facts = await session.execute(
        text(
            "SELECT f.content, f.num_times, f.date_created FROM memori_entity_fact f "
            "JOIN memori_entity e ON e.id = f.entity_id WHERE e.external_id = :uid ORDER BY f.id"
        ),
        {"uid": str(user_id)},
    )
    messages = await session.execute(
        text(
            "SELECT c.uuid AS conversation, m.role, m.content, m.date_created FROM memori_conversation_message m "
            "JOIN memori_conversation c ON c.id = m.conversation_id "
            "JOIN memori_session s ON s.id = c.session_id JOIN memori_entity e ON e.id = s.entity_id "
            "WHERE e.external_id = :uid ORDER BY m.id"
        ),
        {"uid": str(user_id)},
    )
    return {
        "facts": [
            {"content": r.content, "times": r.num_times, "created_at": str(r.date_created)} for r in facts
        ],
        "messages": [
            {
                "conversation": str(r.conversation),
                "role": r.role,
                "content": r.content,
                "created_at": str(r.date_created),
            }
            for r in messages
        ],
    }
