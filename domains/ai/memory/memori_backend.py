"""Opt-in memory backend on the Memori 3.x SDK (MEMORI_ENABLED=true, `make install-memori`).

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
import sqlite3
import threading
import time
import uuid
import weakref
from collections.abc import AsyncIterator, Callable
from concurrent.futures import ThreadPoolExecutor
from contextlib import AsyncExitStack, asynccontextmanager
from dataclasses import dataclass
from functools import partial
from typing import TYPE_CHECKING, Any

import structlog
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from domains.ai.memory.base import FactRef, MemoryContext
from domains.ai.memory.memori_embedder import LocalEmbedderUnavailable, use_local_embedder
from domains.ai.memory.sql_backend import SqlMemory
from shared.config.settings import Settings

if TYPE_CHECKING:
    from domains.ai.providers.base import Provider

logger = structlog.get_logger(__name__)

PROCESS_ID = "soleflip-assistant"
AUGMENTATION_WAIT_SECONDS = 30.0  # then the instance is closed anyway
_build_lock = threading.Lock()
_built: set[str] = set()
# Clients Memori has patched: registering one again would re-wrap it (and share its state).
_registered_clients: weakref.WeakSet[Any] = weakref.WeakSet()
# Providers whose model calls Memori wraps here: OpenAI and OpenAI-compatible chat completions
# (`_offload_chat_completions`). The provider must offer `with_own_client()` and `client`.
MEMORI_PROVIDERS = frozenset({"openai"})


@dataclass(frozen=True, slots=True)
class MemoriCoverage:
    """Whether Memori takes part in the answers of this provider, in words for /ai/health."""

    active: bool
    detail: str


def memori_coverage(provider_name: str) -> MemoriCoverage:
    if provider_name in MEMORI_PROVIDERS:
        return MemoriCoverage(
            True,
            "Memori recalls facts into the model's prompt and records each answer "
            "(one Memori instance and one client per request)",
        )
    if provider_name == "builtin":
        reason = "the built-in engine calls no language model, so Memori is not attached"
    else:
        reason = f"Memori is wired to OpenAI-compatible chat completions only, not to {provider_name}"
    return MemoriCoverage(
        False,
        f"skipped: {reason}; nothing is recalled from or recorded in Memori "
        "(typed facts and recall come from the SQL memory)",
    )


def connection_factory(settings: Settings) -> Callable[[], Any]:
    """A sync DB-API connection on the app's own database, as Memori needs."""
    if settings.is_sqlite:
        path = str(settings.sqlite_path or ":memory:")

        def sqlite_connect() -> Any:
            conn = sqlite3.connect(path, check_same_thread=False, timeout=10)
            conn.execute("PRAGMA foreign_keys=ON")
            return conn

        return sqlite_connect
    # psycopg is the optional `memori` extra: imported only when this backend runs
    import psycopg

    dsn = settings.DATABASE_URL.replace("postgresql+asyncpg://", "postgresql://", 1)
    return lambda: psycopg.connect(dsn)


def _new_memori(settings: Settings) -> Any:
    try:
        # memori is the optional `memori` extra: imported only when this backend runs
        from memori import Memori
    except ImportError as exc:  # pragma: no cover - depends on the extra being installed
        raise RuntimeError(
            'MEMORI_ENABLED=true needs the extra: make install-memori (pip install -e ".[ai,memori]")'
        ) from exc
    _prepare_embedder()
    # Memori's Python pipeline, not its Rust engine: the engine is built per instance (model load,
    # ~0.1-0.4 s) while holding the GIL, which stalls the event loop even from a worker thread.
    # The Python path uses the same embedder, loaded once per process, and the same augmentation API.
    return Memori(conn=connection_factory(settings), use_rust_core=False)


def _prepare_embedder() -> None:
    """Memori's own embedder, from packaged files instead of run-time downloads (when installed)."""
    try:
        use_local_embedder()
    except LocalEmbedderUnavailable as exc:  # Memori then downloads ONNX Runtime and the model itself
        logger.warning("memori_embedder_download", reason=str(exc))


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


async def memori_shutdown_hook(app: Any) -> None:
    """For app.state.shutdown_hooks: let pending fact extraction finish (bounded)."""
    await wait_for_memori_writes(10.0)


def _close(mem: Any) -> None:
    try:
        mem.close()
    finally:
        # Memori 3.3 leaves its ThreadPoolExecutor running after close().
        mem.config.thread_pool_executor.shutdown(wait=False)


def _finish(mem: Any, timeout: float) -> None:
    """After the answer: recordings deferred until now are written, hand-off to augmentation
    completes, its writes land, then close."""
    for record in _deferred_recordings(mem):
        record()  # each one logs its own failure
    try:
        mem.config.thread_pool_executor.shutdown(wait=True)  # the submit to the augmentation engine
        mem.augmentation.wait(timeout=timeout)
    except Exception:  # pragma: no cover - augmentation is best effort
        logger.exception("memori_augmentation_wait_failed")
    finally:
        _close(mem)


# Background closes (waiting for augmentation) still running; kept so they are not collected.
_pending: set[asyncio.Future[None]] = set()
# They run on threads of their own: each may wait up to AUGMENTATION_WAIT_SECONDS, and must not
# occupy the event loop's default executor, which runs the request path's blocking work.
FINISH_THREADS = 4
_finisher: ThreadPoolExecutor | None = None
_finisher_lock = threading.Lock()


def _finish_executor() -> ThreadPoolExecutor:
    global _finisher
    with _finisher_lock:
        if _finisher is None:
            _finisher = ThreadPoolExecutor(max_workers=FINISH_THREADS, thread_name_prefix="memori-finish")
        return _finisher


async def wait_for_memori_writes(seconds: float = 10.0) -> bool:
    """Wait until every request's Memori instance has finished and closed (tests, shutdown)."""
    if not _pending:
        return True
    _done, not_done = await asyncio.wait(set(_pending), timeout=seconds)
    return not not_done


def _open(settings: Settings, user_id: uuid.UUID, client: Any) -> Any:
    ensure_memori_tables(settings)
    if client in _registered_clients:
        raise RuntimeError("this provider client is already registered with Memori; build one per request")
    mem = _new_memori(settings)
    try:
        mem.attribution(entity_id=str(user_id), process_id=PROCESS_ID)
        mem.new_session()  # nothing stored in it yet
        mem.llm.register(client)
        _registered_clients.add(client)
        deferred: list[Callable[[], None]] | None = None
        if settings.is_sqlite:
            # SQLite has one writer, and the request's transaction may hold it (a fact it just
            # stored) until it commits after the answer: Memori must not write before then.
            deferred = []
            mem._soleflip_deferred = deferred
        _offload_chat_completions(
            client, history_limit=2 * settings.AI_CONTEXT_WINDOW_SIZE, deferred=deferred
        )
    except BaseException:
        _close(mem)
        raise
    return mem


# ---- the patched call, with Memori's blocking work off the event loop ------------------------


def _deferred_recordings(mem: Any) -> list[Callable[[], None]]:
    return list(getattr(mem, "_soleflip_deferred", None) or [])


def _offload_chat_completions(
    client: Any, *, history_limit: int, deferred: list[Callable[[], None]] | None = None
) -> None:
    """Replace the glue of Memori's patched `chat.completions.create` (InvokeAsync.invoke).

    The same Memori pipeline steps run (recall injection before the call, storage and
    augmentation after it), with four differences, each closing a problem of Memori 3.3:
    - its database and embedding work runs in a worker thread (asyncio.to_thread), never on
      the event loop;
    - Memori's own history injection is not run: it prepends every stored message of the
      session with no limit, and in a tool loop it would prepend this request's messages again.
      The history the model sees is the assistant's, bounded by AI_CONTEXT_WINDOW_SIZE (and
      AI_MAX_TOKENS); `history_limit` caps it here too;
    - `_injected_message_count` is reset on every call (a stale count made Memori drop the
      first N messages of a later turn from storage);
    - only the final answer step is recorded, as [the user's message, the answer]: tool
      calls and tool results (business figures) are neither stored nor sent to augmentation.
    The streamed response also gets the `close()` our provider calls, and Memori's streaming
    path (which stores but never augments) is replaced by the non-streaming post-processing.

    With `deferred` (SQLite) Memori writes nothing during the answer: recall only looks the
    user's entity up (Memori would create it, a write), and the recording is appended to
    `deferred` and runs when the instance is finished, after the request committed.
    """
    # memori is the optional `memori` extra: imported only when this backend runs
    from memori.llm.invoke.invoke import InvokeAsync

    invoke = getattr(client.chat.completions.create, "__self__", None)
    if not isinstance(invoke, InvokeAsync):
        raise RuntimeError(f"unexpected Memori patch on {type(client).__name__}: {invoke!r}")

    async def create(**kwargs: Any) -> Any:
        invoke._injected_message_count = 0
        kwargs = {**kwargs, "messages": _bounded(kwargs.get("messages") or [], history_limit)}
        kwargs = await asyncio.to_thread(_before_call, invoke, kwargs, read_only=deferred is not None)
        start = time.time()
        response = await invoke._method(**kwargs)
        if kwargs.get("stream"):
            return _RecordingStream(response, invoke, kwargs, start, deferred)
        if deferred is not None:
            deferred.append(partial(_after_call, invoke, kwargs, start, response))
        else:
            await asyncio.to_thread(_after_call, invoke, kwargs, start, response)
        return response

    client.chat.completions.create = create


def _bounded(messages: list[dict[str, Any]], history_limit: int) -> list[dict[str, Any]]:
    """Copies (Memori edits the system message in place) with at most `history_limit` history
    messages before the last user message; the messages after it (this turn's tool steps) stay."""
    copies = [dict(m) for m in messages]
    last_user = max((i for i, m in enumerate(copies) if m.get("role") == "user"), default=None)
    if last_user is None:
        return copies
    system = [m for m in copies[:last_user] if m.get("role") == "system"]
    history = [m for m in copies[:last_user] if m.get("role") != "system"]
    history = history[-history_limit:] if history_limit > 0 else []
    return [*system, *history, *copies[last_user:]]


def _before_call(invoke: Any, kwargs: dict[str, Any], *, read_only: bool = False) -> dict[str, Any]:
    # memori is the optional `memori` extra: imported only when this backend runs
    from memori.llm.pipelines.recall_injection import inject_recalled_facts

    kwargs = invoke.configure_for_streaming_usage(kwargs)
    entities = getattr(getattr(invoke.config.storage, "driver", None), "entity", None)
    if not read_only or entities is None:
        injected: dict[str, Any] = inject_recalled_facts(invoke, kwargs)
        return injected
    # A user without an entity has no facts: None makes Memori skip recall.
    entities.create = partial(_existing_entity_id, entities)  # this instance only, this call only
    try:
        read_only_injected: dict[str, Any] = inject_recalled_facts(invoke, kwargs)
        return read_only_injected
    finally:
        del entities.create


def _existing_entity_id(entities: Any, external_id: str) -> int | None:
    """Memori's SQLite entity lookup without its INSERT OR IGNORE."""
    row = (
        entities.conn.execute("SELECT id FROM memori_entity WHERE external_id = ?", (external_id,))
        .mappings()
        .fetchone()
    )
    return None if row is None else int(row["id"])


def _turn_only(kwargs: dict[str, Any]) -> dict[str, Any]:
    """The request as Memori records it: just the user's last message."""
    messages = kwargs.get("messages") or []
    last_user = next((m for m in reversed(messages) if m.get("role") == "user"), None)
    return {**kwargs, "messages": [last_user] if last_user else []}


def _is_final_answer(response: Any) -> bool:
    choices = response.get("choices") if isinstance(response, dict) else getattr(response, "choices", None)
    for choice in choices or []:
        get = choice.get if isinstance(choice, dict) else lambda k, c=choice: getattr(c, k, None)
        if get("finish_reason") == "tool_calls":
            return False
        message = get("message")
        tool_calls = (
            message.get("tool_calls") if isinstance(message, dict) else getattr(message, "tool_calls", None)
        )
        if tool_calls:
            return False
    return True


def _after_call(invoke: Any, kwargs: dict[str, Any], start: float, response: Any) -> None:
    # memori is the optional `memori` extra: imported only when this backend runs
    from memori.llm.pipelines.post_invoke import handle_post_response

    if not _is_final_answer(response):
        return
    invoke._injected_message_count = 0
    try:
        handle_post_response(invoke, _turn_only(kwargs), start, response)
    except Exception:  # memory must not fail the answer the user already has
        logger.exception("memori_record_failed")


class _RecordingStream:
    """The provider's stream, merged chunk by chunk as Memori does; recorded when it ends."""

    def __init__(
        self,
        source: Any,
        invoke: Any,
        kwargs: dict[str, Any],
        start: float,
        deferred: list[Callable[[], None]] | None = None,
    ) -> None:
        self._source = source
        self._deferred = deferred
        self._iterator: Any = None
        self._invoke = invoke
        self._kwargs = kwargs
        self._start = start
        self._merged: dict[str, Any] = {}
        self._recorded = False

    def __aiter__(self) -> _RecordingStream:
        self._iterator = self._source.__aiter__()
        return self

    async def __anext__(self) -> Any:
        # memori is the optional `memori` extra: imported only when this backend runs
        from memori._utils import merge_chunk

        try:
            chunk = await self._iterator.__anext__()
        except StopAsyncIteration:
            if not self._recorded:
                self._recorded = True
                if self._deferred is not None:
                    self._deferred.append(
                        partial(_after_call, self._invoke, self._kwargs, self._start, self._merged)
                    )
                else:
                    await asyncio.to_thread(
                        _after_call, self._invoke, self._kwargs, self._start, self._merged
                    )
            raise
        self._merged = merge_chunk(self._merged, chunk.__dict__)
        return chunk

    async def close(self) -> None:
        await self._source.close()


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
        with_messages: bool = True,
    ) -> MemoryContext:
        return await self._sql.load(
            user_id=user_id,
            query=query,
            token_budget=token_budget,
            exclude_conversation_id=exclude_conversation_id,
            with_messages=with_messages,
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
    async def provider_for_turn(self, provider: Provider, *, user_id: uuid.UUID) -> AsyncIterator[Provider]:
        """The provider that answers this turn: for OpenAI(-compatible) a copy on its own
        client with Memori attached for `user_id`, closed afterwards; any other provider as
        it is (see `memori_coverage`). If Memori cannot be attached the answer still comes,
        without Memori (logged)."""
        with_own_client = getattr(provider, "with_own_client", None)
        if provider.name not in MEMORI_PROVIDERS or with_own_client is None:
            yield provider
            return
        async with AsyncExitStack() as stack:
            own = with_own_client()
            stack.push_async_callback(own.aclose)
            try:
                await stack.enter_async_context(self.attached(own.client, user_id=user_id))
            except Exception:
                logger.exception("memori_attach_failed", user_id=str(user_id))
            yield own

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
            # Closing waits for Memori's fact extraction; the answer must not wait for it.
            finishing = asyncio.get_running_loop().run_in_executor(
                _finish_executor(), _finish, mem, AUGMENTATION_WAIT_SECONDS
            )
            task = asyncio.ensure_future(finishing)
            _pending.add(task)
            task.add_done_callback(_pending.discard)


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
