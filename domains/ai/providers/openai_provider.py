"""OpenAI chat completions with function calling; works with any OpenAI-compatible server
(Ollama, vLLM, LM Studio, LiteLLM) through OPENAI_BASE_URL.

One `stream()` call is a small agent loop: ask the model, run the tools it requests,
feed the results back, until it answers or AI_MAX_TOOL_STEPS is reached.
"""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from functools import partial
from typing import Any

import openai

from domains.ai.providers.base import (
    AssistantRequest,
    ProviderError,
    ProviderEvent,
    TextDelta,
    ToolExecutor,
    ToolResult,
    ToolSpec,
    Usage,
)
from domains.ai.providers.llm_common import (
    AgentRun,
    Failure,
    SdkProvider,
    ToolOffer,
    classify_sdk_error,
    idle_timeout,
    parse_tool_arguments,
    tool_result_content,
)
from domains.ai.providers.prompts import compose_system_message
from domains.ai.tokens import count_message_tokens, count_tokens, count_tool_tokens
from domains.ai.tool_schema import compact_schema

# o1, o3, o4-mini, gpt-5, gpt-5-mini ...: reasoning models take max_completion_tokens
# (which also pays for hidden reasoning) and refuse a temperature other than the default.
_REASONING_MODEL = re.compile(r"^(o\d|gpt-5)")
NO_KEY_PLACEHOLDER = "not-needed"  # local servers (Ollama, vLLM) ignore the key but the SDK wants one


def is_reasoning_model(model: str) -> bool:
    return bool(_REASONING_MODEL.match(model.lower().rsplit("/", 1)[-1]))


def openai_tools(specs: list[ToolSpec]) -> list[dict[str, Any]]:
    """Our ToolSpecs as OpenAI function tools."""
    return [
        {
            "type": "function",
            "function": {
                "name": s.name,
                "description": s.description,
                "parameters": compact_schema(s.parameters),
            },
        }
        for s in specs
    ]


@dataclass(slots=True)
class _ToolCall:
    id: str = ""
    name: str = ""
    arguments: str = ""


@dataclass(slots=True)
class _Turn:
    """One model response: the tool calls it asked for, why it stopped, what it cost."""

    text: str = ""
    tool_calls: list[_ToolCall] = field(default_factory=list)
    finish_reason: str = "stop"
    usage: Usage | None = None
    model: str | None = None


class OpenAIProvider(SdkProvider[openai.AsyncOpenAI, _Turn]):
    name = "openai"
    # No pre-fetched summary: it cost ~600 prompt tokens on every first request and covered one
    # fixed query per intent; the model asks query_business for the figures the question needs.
    wants_prefetched_context = False
    reads_past_messages = True

    def _new_client(self) -> openai.AsyncOpenAI:
        return openai.AsyncOpenAI(
            api_key=self._settings.OPENAI_API_KEY.get_secret_value() or NO_KEY_PLACEHOLDER,
            base_url=self._settings.OPENAI_BASE_URL or None,
            timeout=self._timeout,
            max_retries=0,  # our loop retries (with_retries), the SDK must not multiply attempts
        )

    @property
    def client(self) -> openai.AsyncOpenAI:
        """The SDK client this provider calls (Memori registers on a per-request one)."""
        return self._client

    def with_own_client(self) -> OpenAIProvider:
        """The same provider on a new SDK client of its own (same key, base URL, timeout,
        max_retries=0), for one request: Memori patches the client it is registered on, so
        each request needs a fresh one. The caller closes it with `aclose()`."""
        client = openai.AsyncOpenAI(
            api_key=self._client.api_key,
            base_url=self._client.base_url,
            timeout=self._timeout,
            max_retries=0,
        )
        copy = OpenAIProvider(
            self._settings,
            client=client,
            model=self.model,
            stream_responses=self._stream_responses,
            retry_base_delay=self._retry_base_delay,
            max_retry_wait=self._max_retry_wait,
        )
        copy._owns_client = True
        return copy

    # ---- the agent loop -------------------------------------------------------------------

    async def stream(self, request: AssistantRequest, tools: ToolExecutor) -> AsyncIterator[ProviderEvent]:
        offer = ToolOffer.of(tools.specs)
        messages: list[dict[str, Any]] = [{"role": "system", "content": compose_system_message(request)}]
        messages += [{"role": t.role, "content": t.content} for t in request.messages if t.content]
        run = AgentRun(provider=self.name, model=self.model)
        max_steps = self._settings.AI_MAX_TOOL_STEPS

        for step in range(max_steps + 1):
            last_step = step == max_steps  # tools offered but not allowed: the model must answer now
            params = self._params(request, messages, offer.specs, allow_tools=not last_step)
            turn: _Turn | None = None
            async for item in run.step(
                partial(self._attempt, params), classify=classify_openai_error, policy=self._retry
            ):
                if isinstance(item, TextDelta):
                    yield item
                else:
                    turn = item
            if turn is None:  # pragma: no cover - _attempt always ends with a _Turn or raises
                raise ProviderError("openai: no response")
            usage = turn.usage or self._estimate_usage(params, turn)
            run.record(usage, model=turn.model, finish_reason=turn.finish_reason)
            if not turn.tool_calls:
                break
            if last_step:
                run.finish = "tool_step_limit"
                break
            for index, call in enumerate(turn.tool_calls):
                call.id = call.id or f"call_{step}_{index}"
            messages.append(
                {
                    "role": "assistant",
                    "content": turn.text or None,
                    "tool_calls": [
                        {
                            "id": c.id,
                            "type": "function",
                            "function": {"name": c.name, "arguments": c.arguments},
                        }
                        for c in turn.tool_calls
                    ],
                }
            )
            calls = [(c.id, c.name, *parse_tool_arguments(c.arguments)) for c in turn.tool_calls]
            results: list[ToolResult] = []
            async for event in offer.run(tools, run.used_tools, calls, results):
                yield event
            for call, result in zip(turn.tool_calls, results, strict=True):
                messages.append(
                    {"role": "tool", "tool_call_id": call.id, "content": tool_result_content(result)}
                )

        yield run.completed(request.language)

    def _params(
        self,
        request: AssistantRequest,
        messages: list[dict[str, Any]],
        specs: list[ToolSpec],
        *,
        allow_tools: bool,
    ) -> dict[str, Any]:
        params: dict[str, Any] = {"model": self.model, "messages": messages}
        if specs:
            params["tools"] = openai_tools(specs)
            params["tool_choice"] = "auto" if allow_tools else "none"
        if is_reasoning_model(self.model):
            # Hidden reasoning is paid from the same budget: give it at least the configured maximum.
            params["max_completion_tokens"] = max(request.max_tokens, self._settings.AI_MAX_TOKENS)
        else:
            params["max_tokens"] = request.max_tokens
            params["temperature"] = request.temperature
        return params

    def _estimate_usage(self, params: dict[str, Any], turn: _Turn) -> Usage:
        """Servers that report no usage (some OpenAI-compatible ones) get an offline count."""
        tool_specs = [
            ToolSpec(t["function"]["name"], t["function"]["description"], t["function"]["parameters"])
            for t in params.get("tools", [])
        ]
        prompt = count_message_tokens(params["messages"], self.model) + count_tool_tokens(
            tool_specs, self.model
        )
        completion = count_tokens(
            turn.text + "".join(c.name + c.arguments for c in turn.tool_calls), self.model
        )
        return Usage(prompt_tokens=prompt, completion_tokens=completion)

    # ---- one request ------------------------------------------------------------------------

    async def _attempt_stream(self, params: dict[str, Any]) -> AsyncIterator[str | _Turn]:
        """Yields text as it arrives, then the whole _Turn."""
        stream = await self._client.chat.completions.create(
            **params, stream=True, stream_options={"include_usage": True}
        )
        turn = _Turn()
        calls: dict[int, _ToolCall] = {}
        finish: str | None = None
        try:
            async for chunk in idle_timeout(stream, self._timeout):
                turn.model = chunk.model or turn.model
                if chunk.usage is not None:
                    turn.usage = openai_usage(chunk.usage)
                for choice in chunk.choices or []:
                    if choice.index != 0:
                        continue
                    delta = choice.delta
                    if delta is not None and delta.content:
                        turn.text += delta.content
                        yield delta.content
                    for fragment in (delta.tool_calls if delta is not None else None) or []:
                        call = calls.setdefault(fragment.index, _ToolCall())
                        call.id = call.id or (fragment.id or "")
                        if fragment.function is not None:
                            call.name = call.name or (fragment.function.name or "")
                            call.arguments += fragment.function.arguments or ""
                    if choice.finish_reason:
                        finish = choice.finish_reason
        finally:
            await stream.close()
        if finish is None:
            raise ProviderError("openai: the response stream ended without a finish reason")
        turn.tool_calls = [calls[i] for i in sorted(calls) if calls[i].name]
        turn.finish_reason = finish
        yield turn

    async def _attempt_once(self, params: dict[str, Any]) -> AsyncIterator[str | _Turn]:
        response = await self._client.chat.completions.create(**params)
        if not isinstance(response, openai.types.chat.ChatCompletion) or not response.choices:
            raise ProviderError("openai: unexpected response body")
        choice = response.choices[0]
        message = choice.message
        turn = _Turn(model=response.model, finish_reason=choice.finish_reason or "stop")
        if response.usage is not None:
            turn.usage = openai_usage(response.usage)
        for call in message.tool_calls or []:
            function = getattr(call, "function", None)
            if function is not None:
                turn.tool_calls.append(
                    _ToolCall(id=call.id, name=function.name, arguments=function.arguments)
                )
        if message.content:
            turn.text = message.content
            yield message.content
        yield turn


def openai_usage(usage: Any) -> Usage:
    """The usage an OpenAI(-compatible) server reports; `prompt_tokens_details.cached_tokens` are
    the prompt's leading tokens served from OpenAI's automatic prompt cache (billed cheaper)."""
    details = getattr(usage, "prompt_tokens_details", None)
    return Usage(
        prompt_tokens=usage.prompt_tokens or 0,
        completion_tokens=usage.completion_tokens or 0,
        cached_tokens=(getattr(details, "cached_tokens", None) or 0) if details is not None else 0,
    )


def classify_openai_error(exc: Exception) -> Failure:
    """Retry 408/409/429/5xx, timeouts and connection errors; anything else is final."""
    return classify_sdk_error(
        exc,
        status_error=openai.APIStatusError,
        timeout_error=openai.APITimeoutError,
        connection_error=openai.APIConnectionError,
        stream_error=openai.APIError,  # an error event inside a 200 stream
    )
