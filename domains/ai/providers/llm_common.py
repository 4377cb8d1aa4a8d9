"""What the OpenAI and Anthropic providers share: construction and the agent loop's
bookkeeping, our retry loop, error classification, tool execution with model-made
(possibly malformed) arguments, and an idle timeout for streams.

The SDKs' own retries are switched off (max_retries=0): one loop here decides what is
worth retrying, honours Retry-After, and never repeats a request whose text the user
has already seen.
"""

from __future__ import annotations

import asyncio
import email.utils
import importlib
import json
import random
import time
from collections.abc import AsyncIterator, Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Generic, Protocol, TypeVar

import structlog

from domains.ai.providers.base import (
    Completed,
    ProviderError,
    TextDelta,
    ToolCallFinished,
    ToolCallStarted,
    ToolExecutor,
    ToolResult,
    ToolSpec,
    Usage,
)
from domains.ai.providers.selection import default_model
from shared.config.settings import Settings

logger = structlog.get_logger(__name__)

T = TypeVar("T")

# Tool results are data for the model; a runaway result must not blow the context window.
MAX_TOOL_RESULT_CHARS = 16_000

RETRYABLE_STATUS = frozenset({408, 409, 429, 500, 502, 503, 504, 520, 522, 524, 529})

# Which business area a tool belongs to: the intent reported when the model used tools.
TOOL_INTENTS: dict[str, str] = {
    "query_business": "analytics",
    "list_inventory": "inventory",
    "low_stock": "inventory",
    "list_orders": "analytics",
    "product_lookup": "product",
    "market_prices": "pricing",
    "price_recommendation": "pricing",
    "fee_estimate": "pricing",
}


@dataclass(frozen=True, slots=True)
class Failure:
    """How one failed attempt is judged."""

    reason: str  # short, safe to log and to show (no prompt, no key)
    retryable: bool
    retry_after: float | None = None  # seconds the server asked us to wait


@dataclass(frozen=True, slots=True)
class RetryPolicy:
    max_retries: int
    base_delay: float = 0.5
    max_delay: float = 8.0
    # A server asking us to wait longer than this gets no retry: the builtin engine answers now.
    max_retry_after: float = 30.0

    def delay(self, attempt: int, retry_after: float | None) -> float | None:
        """Seconds to wait before retry number `attempt + 1`; None means give up."""
        if attempt >= self.max_retries:
            return None
        if retry_after is not None:
            return None if retry_after > self.max_retry_after else max(0.0, retry_after)
        backoff: float = min(self.max_delay, self.base_delay * 2.0**attempt)
        return backoff / 2 + random.uniform(0, backoff / 2)  # "equal jitter"


def parse_retry_after(headers: Mapping[str, str] | None) -> float | None:
    """Seconds from `retry-after-ms`, `retry-after` (seconds or an HTTP date)."""
    if not headers:
        return None
    millis = headers.get("retry-after-ms")
    if millis:
        try:
            return max(0.0, float(millis) / 1000)
        except ValueError:
            pass
    value = headers.get("retry-after")
    if not value:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(0.0, when.timestamp() - time.time())


# Error types an API may send inside a 200 stream that mean "try again later".
RETRYABLE_ERROR_TYPES = frozenset(
    {"overloaded_error", "api_error", "rate_limit_error", "timeout_error", "server_error"}
)


def classify_status(status: int, headers: Mapping[str, str] | None, body: object = None) -> Failure:
    """A 4xx/5xx answer (or an error event inside a stream, which arrives with status 200)."""
    error_type = None
    if isinstance(body, Mapping):
        error = body.get("error", body)
        if isinstance(error, Mapping) and isinstance(error.get("type"), str):
            error_type = error["type"]
    in_stream = status < 400  # an error event inside a started (200) stream: only its type tells
    retryable = (
        status in RETRYABLE_STATUS or status >= 500 or (in_stream and error_type in RETRYABLE_ERROR_TYPES)
    )
    reason = f"http {status}" + (f" {error_type}" if error_type else "")
    return Failure(reason=reason, retryable=retryable, retry_after=parse_retry_after(headers))


def _transport_errors() -> tuple[tuple[type[BaseException], ...], tuple[type[BaseException], ...]]:
    """(timeouts, connection errors) of the HTTP libraries the SDKs may use (httpx2 / httpx)."""
    timeouts: list[type[BaseException]] = [TimeoutError]
    connection: list[type[BaseException]] = []
    for module_name in ("httpx2", "httpx"):
        try:
            module = importlib.import_module(module_name)
        except ImportError:
            continue
        timeouts.append(module.TimeoutException)
        connection.append(module.TransportError)
    return tuple(timeouts), tuple(connection)


_TIMEOUTS, _CONNECTION_ERRORS = _transport_errors()


def classify_transport(exc: Exception) -> Failure | None:
    """Timeouts and connection failures outside the SDKs' own exception types."""
    if isinstance(exc, _TIMEOUTS):
        return Failure(reason="timeout", retryable=True)
    if isinstance(exc, _CONNECTION_ERRORS):
        return Failure(reason="connection error", retryable=True)
    return None


async def with_retries(
    attempt_fn: Callable[[], AsyncIterator[T]],
    *,
    classify: Callable[[Exception], Failure],
    policy: RetryPolicy,
    provider: str,
    is_visible: Callable[[T], bool],
) -> AsyncIterator[T]:
    """Run one model call (an async iterator), retrying failed attempts.

    An attempt that already produced a visible item (text the user has seen) is not
    retried: repeating it would duplicate the answer. Raises ProviderError when done trying.
    """
    attempt = 0
    while True:
        visible = False
        try:
            async for item in attempt_fn():
                if not visible and is_visible(item):
                    visible = True
                yield item
            return
        except ProviderError:
            raise
        except Exception as exc:
            failure = classify(exc)
            wait = policy.delay(attempt, failure.retry_after) if failure.retryable and not visible else None
            if wait is None:
                logger.warning(
                    "llm_call_failed", provider=provider, reason=failure.reason, attempts=attempt + 1
                )
                raise ProviderError(f"{provider}: {failure.reason} after {attempt + 1} attempt(s)") from exc
            logger.info(
                "llm_call_retry",
                provider=provider,
                reason=failure.reason,
                attempt=attempt + 1,
                wait_s=round(wait, 2),
            )
            await asyncio.sleep(wait)
            attempt += 1


async def idle_timeout(source: AsyncIterator[T], seconds: float) -> AsyncIterator[T]:
    """Items of `source`, raising TimeoutError when none arrives for `seconds`.

    The HTTP read timeout already covers a silent socket; this also ends a stream that
    stalls in ways a socket timeout cannot see (keep-alive comments, a stuck proxy).
    """
    iterator = aiter(source)
    while True:
        try:
            item = await asyncio.wait_for(anext(iterator), timeout=seconds)
        except StopAsyncIteration:
            return
        yield item


# ---- tools -----------------------------------------------------------------------------------


def parse_tool_arguments(raw: str | Mapping[str, Any] | None) -> tuple[dict[str, Any], str | None]:
    """(arguments, error): model-made JSON arguments, or why they cannot be used."""
    if raw is None or raw == "":
        return {}, None
    if isinstance(raw, Mapping):
        return dict(raw), None
    try:
        value = json.loads(raw)
    except (json.JSONDecodeError, TypeError) as exc:
        return (
            {},
            f"arguments are not valid JSON ({exc.msg if hasattr(exc, 'msg') else exc}); send a JSON object",
        )
    if not isinstance(value, dict):
        return {}, "arguments must be a JSON object"
    return value, None


async def execute_tool(
    tools: ToolExecutor,
    *,
    call_id: str,
    name: str,
    arguments: dict[str, Any],
    argument_error: str | None,
) -> ToolResult:
    """Run one requested tool; every failure becomes a ToolResult.error for the model."""
    known = {spec.name for spec in tools.specs}
    if argument_error is not None:
        return ToolResult(call_id=call_id, name=name, arguments=arguments, data={}, error=argument_error)
    if name not in known:
        return ToolResult(
            call_id=call_id,
            name=name,
            arguments=arguments,
            data={},
            error=f"unknown tool {name!r}; available: {', '.join(sorted(known))}",
        )
    try:
        return await tools.run(name, arguments, call_id=call_id)
    except Exception:  # a tool bug must not crash the answer; the model is told it failed
        logger.exception("llm_tool_failed", tool=name)
        return ToolResult(call_id=call_id, name=name, arguments=arguments, data={}, error="the tool failed")


MORE_TOOLS = "more_tools"


def more_tools_spec(on_demand: Sequence[ToolSpec]) -> ToolSpec:
    """The tool that lists the tools offered on demand, one line each, and loads them."""
    listing = ", ".join(spec.name + (f" ({spec.summary})" if spec.summary else "") for spec in on_demand)
    return ToolSpec(
        name=MORE_TOOLS,
        description=f"Load tools for your next step: {listing}.",
        parameters={
            "type": "object",
            "properties": {"names": {"type": "array", "items": {"type": "string"}}},
            "required": ["names"],
            "additionalProperties": False,
        },
    )


@dataclass(slots=True)
class ToolOffer:
    """The tools of each request of one agent loop (domains/ai/tools/specs.py ALWAYS_OFFERED).

    Every request starts with the same `stable` tools: those offered always, then `more_tools`,
    which lists the tools offered on demand (a ToolSpec with a `summary`, '' for a name that says it all). A tool the model
    loads with it is appended after them from the next request on, so the stable prefix (and
    the providers' prompt caches of it) stays the same. A call of an on-demand tool that was
    not loaded still runs: the executor knows every tool.
    """

    stable: list[ToolSpec]
    on_demand: dict[str, ToolSpec]
    loaded: list[ToolSpec] = field(default_factory=list)

    @classmethod
    def of(cls, specs: Sequence[ToolSpec]) -> ToolOffer:
        on_demand = {spec.name: spec for spec in specs if spec.summary is not None}
        stable = [spec for spec in specs if spec.summary is None]
        if on_demand:
            stable.append(more_tools_spec(list(on_demand.values())))
        return cls(stable=stable, on_demand=on_demand)

    @property
    def specs(self) -> list[ToolSpec]:
        """The tools of the next request."""
        return [*self.stable, *self.loaded]

    def load(self, call_id: str, arguments: dict[str, Any], argument_error: str | None) -> ToolResult:
        """A `more_tools` call: the named tools join the next request (answered to the model)."""
        given = arguments.get("names")
        if argument_error is None and not (
            isinstance(given, list) and all(isinstance(n, str) for n in given)
        ):
            argument_error = 'send {"names": [tool names]}'
        if argument_error is not None or not isinstance(given, list):
            return ToolResult(call_id, MORE_TOOLS, arguments, {}, error=argument_error)
        names: list[str] = list(dict.fromkeys(given))
        for name in names:
            if name in self.on_demand and self.on_demand[name] not in self.loaded:
                self.loaded.append(self.on_demand[name])
        data: dict[str, Any] = {"loaded": [name for name in names if name in self.on_demand]}
        unknown = [name for name in names if name not in self.on_demand]
        if unknown:
            data["unknown"] = unknown
            data["available"] = sorted(self.on_demand)
        return ToolResult(call_id, MORE_TOOLS, arguments, data)

    async def run(
        self,
        tools: ToolExecutor,
        used: list[str],
        calls: Sequence[tuple[str, str, dict[str, Any], str | None]],
        results: list[ToolResult],
    ) -> AsyncIterator[ToolCallStarted | ToolCallFinished]:
        """The model's tool calls (call id, name, arguments, argument error), in order: the events
        of each (none for `more_tools`, which fetches no figures and is no source); their results
        are appended to `results`, one per call, in the same order."""
        for call_id, name, arguments, argument_error in calls:
            if name == MORE_TOOLS and self.on_demand:
                results.append(self.load(call_id, arguments, argument_error))
                continue
            yield ToolCallStarted(call_id=call_id, name=name, arguments=arguments)
            result = await execute_tool(
                tools, call_id=call_id, name=name, arguments=arguments, argument_error=argument_error
            )
            used.append(name)
            results.append(result)
            yield ToolCallFinished(result=result)


def tool_result_content(result: ToolResult) -> str:
    """The tool result as the model reads it: compact JSON, capped in size."""
    payload: dict[str, Any] = {"error": result.error} if result.error else result.data
    text = json.dumps(payload, ensure_ascii=False, separators=(",", ":"), default=str)
    if len(text) > MAX_TOOL_RESULT_CHARS:
        text = text[:MAX_TOOL_RESULT_CHARS] + '..."(truncated)"'
    return text


def intent_for_tools(names: list[str]) -> str:
    """The business area of the first tool used; 'llm' when the model answered without tools."""
    for name in names:
        if name in TOOL_INTENTS:
            return TOOL_INTENTS[name]
    return "llm"


def join_text(previous: str, new_text: str) -> str:
    """Separator to put before text of a new step so steps do not run into each other."""
    if previous and new_text and not previous[-1].isspace() and not new_text[0].isspace():
        return "\n\n"
    return ""


# ---- what both SDK providers are made of -------------------------------------------------------


class _SdkClient(Protocol):
    async def close(self) -> None: ...


class _SdkResponse(Protocol):
    @property
    def headers(self) -> Mapping[str, str]: ...


class _SdkStatusError(Protocol):
    @property
    def status_code(self) -> int: ...

    @property
    def body(self) -> object: ...

    @property
    def response(self) -> _SdkResponse: ...


ClientT = TypeVar("ClientT", bound=_SdkClient)
TurnT = TypeVar("TurnT")


class SdkProvider(Generic[ClientT, TurnT]):
    """Construction, closing and the streamed-or-not attempt of a provider on a vendor SDK.

    Subclasses set `name`, build their SDK client in `_new_client()` and implement
    `_attempt_stream` / `_attempt_once` (text as it arrives, then the whole turn).
    """

    name: str

    def __init__(
        self,
        settings: Settings,
        *,
        client: ClientT | None = None,
        model: str | None = None,
        stream_responses: bool = True,
        retry_base_delay: float = 0.5,
        max_retry_wait: float = 30.0,
    ) -> None:
        self.model = model or default_model(self.name, settings)
        self._settings = settings
        self._stream_responses = stream_responses
        self._retry_base_delay = retry_base_delay
        self._max_retry_wait = max_retry_wait
        self._timeout = settings.AI_REQUEST_TIMEOUT_SECONDS
        self._retry = RetryPolicy(
            max_retries=settings.AI_MAX_RETRIES, base_delay=retry_base_delay, max_retry_after=max_retry_wait
        )
        self._owns_client = client is None
        self._client: ClientT = client or self._new_client()

    def _new_client(self) -> ClientT:
        """The SDK client from the settings, with max_retries=0: with_retries is the only retry loop."""
        raise NotImplementedError

    async def aclose(self) -> None:
        if self._owns_client:
            await self._client.close()

    def _attempt(self, params: dict[str, Any]) -> AsyncIterator[str | TurnT]:
        return self._attempt_stream(params) if self._stream_responses else self._attempt_once(params)

    def _attempt_stream(self, params: dict[str, Any]) -> AsyncIterator[str | TurnT]:
        raise NotImplementedError

    def _attempt_once(self, params: dict[str, Any]) -> AsyncIterator[str | TurnT]:
        raise NotImplementedError


@dataclass(slots=True)
class AgentRun:
    """What one `stream()` call gathers over its tool steps: the answer, tools used, tokens."""

    provider: str
    model: str
    answer: str = ""
    used_tools: list[str] = field(default_factory=list)
    prompt_tokens: int = 0
    completion_tokens: int = 0
    cached_tokens: int = 0
    cache_write_tokens: int = 0
    finish: str = "stop"

    async def step(
        self,
        attempt_fn: Callable[[], AsyncIterator[str | T]],
        *,
        classify: Callable[[Exception], Failure],
        policy: RetryPolicy,
    ) -> AsyncIterator[TextDelta | T]:
        """One model call, retried: its text as TextDelta (kept apart from the previous
        step's text), then the turn the attempt ended with."""
        step_text = ""
        async for item in with_retries(
            attempt_fn,
            classify=classify,
            policy=policy,
            provider=self.provider,
            is_visible=lambda item: isinstance(item, str),
        ):
            if isinstance(item, str):
                text = (join_text(self.answer, item) if not step_text else "") + item
                step_text += item
                self.answer += text
                yield TextDelta(text=text)
            else:
                yield item

    def record(self, usage: Usage, *, model: str | None, finish_reason: str) -> None:
        """Count one turn's tokens; the last turn's model and finish reason win."""
        self.prompt_tokens += usage.prompt_tokens
        self.completion_tokens += usage.completion_tokens
        self.cached_tokens += usage.cached_tokens
        self.cache_write_tokens += usage.cache_write_tokens
        self.model = model or self.model
        self.finish = finish_reason

    def completed(self, language: str | None) -> Completed:
        """The final event; a run that produced no answer text is a provider failure."""
        if not self.answer.strip():
            raise ProviderError(f"{self.provider}: no answer (finish_reason={self.finish})")
        return Completed(
            answer=self.answer,
            intent=intent_for_tools(self.used_tools),
            usage=Usage(
                prompt_tokens=self.prompt_tokens,
                completion_tokens=self.completion_tokens,
                cached_tokens=self.cached_tokens,
                cache_write_tokens=self.cache_write_tokens,
            ),
            model=self.model,
            finish_reason=self.finish,
            language=language or "en",
        )


def classify_sdk_error(
    exc: Exception,
    *,
    status_error: type[_SdkStatusError],
    timeout_error: type[Exception],
    connection_error: type[Exception],
    stream_error: type[Exception] | None = None,
) -> Failure:
    """Retry 408/409/429/5xx, timeouts and connection errors of a vendor SDK; anything else is final.

    `stream_error`: the SDK's error raised for an error event inside a 200 stream, if any.
    """
    if isinstance(exc, status_error):
        return classify_status(exc.status_code, exc.response.headers, exc.body)
    if isinstance(exc, timeout_error):  # before connection_error: the SDKs' timeout is a subclass of it
        return Failure(reason="timeout", retryable=True)
    if isinstance(exc, connection_error):
        return Failure(reason="connection error", retryable=True)
    if stream_error is not None and isinstance(exc, stream_error):
        return classify_status(200, None, {"error": getattr(exc, "body", None)})
    transport = classify_transport(exc)
    if transport is not None:
        return transport
    return Failure(reason=f"invalid response ({type(exc).__name__})", retryable=False)
