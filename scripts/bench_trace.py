"""Where one assistant turn spends its time: a per-stage timing breakdown for the benchmark.

While `trace_turns(engine)` is active, the steps of a turn (rate limit and budget, history,
memory, vocabulary, parsing, each tool, storing the turn, the unanswered log, commit) are
wrapped in timing spans and every SQL statement is counted and timed against the stage that
issued it. Nothing in the app changes: the wrappers are put on the classes for the duration of
the section and taken off again, and the app's code paths are the same as without them.

Stage times are exclusive (a stage nested in another is not counted twice); what is left of
the request's wall time is reported as "HTTP, auth, validation, JSON" (ASGI, the JWT user
lookup, pydantic, serialisation, the engine's own formatting).
Requests are sequential in the benchmark, so one module-level trace is enough.
"""

from __future__ import annotations

import functools
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import event
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

import domains.ai.providers.builtin.engine as builtin_engine
import domains.ai.service as assistant_service
from domains.ai.memory.sql_backend import SqlMemory
from domains.ai.service import AIAssistantService
from domains.ai.tools.business import BusinessTools

REST = "HTTP, auth, validation, JSON"


@dataclass
class TurnTrace:
    """Seconds, statements and statement seconds per stage of one request."""

    seconds: dict[str, float] = field(default_factory=dict)
    queries: dict[str, int] = field(default_factory=dict)
    sql_seconds: dict[str, float] = field(default_factory=dict)
    total: float = 0.0

    def add(self, stage: str, seconds: float) -> None:
        self.seconds[stage] = self.seconds.get(stage, 0.0) + seconds

    def finish(self, total: float) -> None:
        """Book the rest of the wall time (what no stage covered) under REST."""
        self.total = total
        self.add(REST, max(0.0, total - sum(v for k, v in self.seconds.items() if k != REST)))


@dataclass
class _Frame:
    stage: str
    started: float
    children: float = 0.0


class _Tracer:
    def __init__(self) -> None:
        self.trace: TurnTrace | None = None
        self.stack: list[_Frame] = []
        self.statement_started: float | None = None

    @contextmanager
    def span(self, stage: str) -> Iterator[None]:
        if self.trace is None:
            yield
            return
        frame = _Frame(stage, time.perf_counter())
        self.stack.append(frame)
        try:
            yield
        finally:
            self.stack.pop()
            elapsed = time.perf_counter() - frame.started
            if self.trace is not None:
                self.trace.add(stage, elapsed - frame.children)
            if self.stack:
                self.stack[-1].children += elapsed

    def current_stage(self) -> str:
        return self.stack[-1].stage if self.stack else REST

    # SQLAlchemy cursor events (sync engine): count and time each statement against its stage.
    def before_statement(self, *_args: Any) -> None:
        self.statement_started = time.perf_counter()

    def after_statement(self, *_args: Any) -> None:
        if self.trace is None or self.statement_started is None:
            return
        stage = self.current_stage()
        self.trace.queries[stage] = self.trace.queries.get(stage, 0) + 1
        elapsed = time.perf_counter() - self.statement_started
        self.trace.sql_seconds[stage] = self.trace.sql_seconds.get(stage, 0.0) + elapsed


TRACER = _Tracer()


def _async_span(stage: Callable[..., str], method: Callable[..., Any]) -> Callable[..., Any]:
    @functools.wraps(method)
    async def wrapper(*args: Any, **kwargs: Any) -> Any:
        with TRACER.span(stage(*args, **kwargs)):
            return await method(*args, **kwargs)

    return wrapper


def _sync_span(stage: str, function: Callable[..., Any]) -> Callable[..., Any]:
    @functools.wraps(function)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        with TRACER.span(stage):
            return function(*args, **kwargs)

    return wrapper


def _named(stage: str) -> Callable[..., str]:
    return lambda *_a, **_k: stage


def _tool_stage(_self: Any, name: str, *_a: Any, **_k: Any) -> str:
    return f"tool: {name}"


# (owner, attribute, stage name or a function of the call's arguments, async?)
_SPANS: list[tuple[Any, str, Callable[..., str], bool]] = [
    (AIAssistantService, "_admit", _named("rate limit + daily budget"), True),
    (AIAssistantService, "_stored_history", _named("conversation history"), True),
    (SqlMemory, "observe_user_message", _named("memory: fact extraction"), True),
    (SqlMemory, "load", _named("memory: recall"), True),
    (BusinessTools, "vocabulary", _named("vocabulary (names of the business)"), True),
    (BusinessTools, "run", _tool_stage, True),
    # The usage ledger and the conversation's activity time are kept by triggers on the messages.
    (AIAssistantService, "_store_messages", _named("store the turn (messages, usage ledger)"), True),
    (SqlMemory, "after_turn", _named("memory: after the turn"), True),
    (assistant_service, "record_unanswered", _named("unanswered-question log"), True),
    (AsyncSession, "commit", _named("commit"), True),
]


@contextmanager
def trace_turns(engine: AsyncEngine) -> Iterator[None]:
    """Wrap the turn's stages and listen to the engine's statements until the block ends."""
    saved: list[tuple[Any, str, Any]] = []
    for owner, attribute, stage, _is_async in _SPANS:
        original = getattr(owner, attribute)
        saved.append((owner, attribute, original))
        setattr(owner, attribute, _async_span(stage, original))
    # The parser is a pure function the engine calls by its module-level name.
    saved.append((builtin_engine, "understand", builtin_engine.understand))
    builtin_engine.understand = _sync_span("parse the question", builtin_engine.understand)
    sync_engine = engine.sync_engine
    event.listen(sync_engine, "before_cursor_execute", TRACER.before_statement)
    event.listen(sync_engine, "after_cursor_execute", TRACER.after_statement)
    try:
        yield
    finally:
        event.remove(sync_engine, "before_cursor_execute", TRACER.before_statement)
        event.remove(sync_engine, "after_cursor_execute", TRACER.after_statement)
        for owner, attribute, original in reversed(saved):
            setattr(owner, attribute, original)


@contextmanager
def one_turn() -> Iterator[TurnTrace]:
    """Trace one request: the stages run inside this block are booked to the returned trace."""
    trace = TurnTrace()
    TRACER.trace, TRACER.stack = trace, []
    started = time.perf_counter()
    try:
        yield trace
    finally:
        trace.finish(time.perf_counter() - started)
        TRACER.trace = None
