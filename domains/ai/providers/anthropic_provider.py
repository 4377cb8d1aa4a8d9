"""Anthropic Messages API with tool use (any Anthropic-compatible server via ANTHROPIC_BASE_URL).

Same agent loop as the OpenAI provider: ask, run the requested tools, send tool_result
blocks back, until Claude answers or AI_MAX_TOOL_STEPS is reached.

The anthropic 2.x SDK speaks API version 2026-10-21, which rejects sampling parameters
(temperature, top_p, top_k) with HTTP 400, so AI_TEMPERATURE is not sent here.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from functools import partial
from typing import Any

import anthropic

from domains.ai.providers.base import (
    AssistantRequest,
    ChatTurn,
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
from domains.ai.providers.prompts import stable_system_text, volatile_system_text
from domains.ai.tool_schema import compact_schema

NO_KEY_PLACEHOLDER = "not-needed"

# Anthropic stop reasons in the words the rest of the service uses (OpenAI's).
_FINISH_REASONS = {
    "end_turn": "stop",
    "stop_sequence": "stop",
    "max_tokens": "length",
    "tool_use": "tool_calls",
    "refusal": "content_filter",
}


# Anthropic caches the prompt up to a block marked with cache_control (tools, then system, then
# messages); a cache read costs a tenth of the input price, a write 1.25x (5-minute lifetime).
CACHE_CONTROL = {"type": "ephemeral"}


def anthropic_tools(specs: list[ToolSpec], *, stable: int | None = None) -> list[dict[str, Any]]:
    """Our ToolSpecs as Anthropic tools. The first `stable` of them (default: all) are the same in
    every request: the last of those closes the cacheable tool block (tools loaded on demand
    follow it)."""
    tools: list[dict[str, Any]] = [
        {"name": s.name, "description": s.description, "input_schema": compact_schema(s.parameters)}
        for s in specs
    ]
    last_stable = min(len(tools), len(tools) if stable is None else stable) - 1
    if last_stable >= 0:
        tools[last_stable] = {**tools[last_stable], "cache_control": CACHE_CONTROL}
    return tools


def anthropic_system(request: AssistantRequest) -> list[dict[str, Any]]:
    """The system prompt as blocks: the rules (cached with the tools), then what changes per
    user and question (settings, memory, pre-fetched context), after the cache breakpoint."""
    blocks: list[dict[str, Any]] = [
        {"type": "text", "text": stable_system_text(request), "cache_control": CACHE_CONTROL}
    ]
    volatile = volatile_system_text(request)
    if volatile:
        blocks.append({"type": "text", "text": volatile})
    return blocks


def anthropic_messages(turns: list[ChatTurn]) -> list[dict[str, Any]]:
    """History as Claude requires it: starts with the user, roles alternate, no empty text."""
    messages: list[dict[str, Any]] = []
    for turn in turns:
        if not turn.content.strip():
            continue
        if not messages and turn.role != "user":
            continue
        if messages and messages[-1]["role"] == turn.role:
            messages[-1]["content"] += "\n\n" + turn.content
        else:
            messages.append({"role": turn.role, "content": turn.content})
    return messages


@dataclass(slots=True)
class _ToolUse:
    id: str = ""
    name: str = ""
    input_json: str = ""
    input: dict[str, Any] | None = None  # non-streaming responses carry the parsed object


@dataclass(slots=True)
class _Turn:
    text: str = ""
    tool_uses: list[_ToolUse] = field(default_factory=list)
    finish_reason: str = "stop"
    usage: Usage = field(default_factory=Usage)
    model: str | None = None


class AnthropicProvider(SdkProvider[anthropic.AsyncAnthropic, _Turn]):
    name = "anthropic"
    wants_prefetched_context = False  # as OpenAIProvider: the model asks query_business itself
    reads_past_messages = True

    def _new_client(self) -> anthropic.AsyncAnthropic:
        return anthropic.AsyncAnthropic(
            api_key=self._settings.ANTHROPIC_API_KEY.get_secret_value() or NO_KEY_PLACEHOLDER,
            base_url=self._settings.ANTHROPIC_BASE_URL or None,
            timeout=self._timeout,
            max_retries=0,  # our loop retries (with_retries), the SDK must not multiply attempts
        )

    async def stream(self, request: AssistantRequest, tools: ToolExecutor) -> AsyncIterator[ProviderEvent]:
        offer = ToolOffer.of(tools.specs)
        system = anthropic_system(request)
        messages = anthropic_messages(request.messages)
        if not messages:
            raise ProviderError("anthropic: no user message to answer")
        run = AgentRun(provider=self.name, model=self.model)
        max_steps = self._settings.AI_MAX_TOOL_STEPS

        for step in range(max_steps + 1):
            last_step = step == max_steps
            params = self._params(request, system, messages, offer, allow_tools=not last_step)
            turn: _Turn | None = None
            async for item in run.step(
                partial(self._attempt, params), classify=classify_anthropic_error, policy=self._retry
            ):
                if isinstance(item, TextDelta):
                    yield item
                else:
                    turn = item
            if turn is None:  # pragma: no cover - _attempt always ends with a _Turn or raises
                raise ProviderError("anthropic: no response")
            run.record(turn.usage, model=turn.model, finish_reason=turn.finish_reason)
            if not turn.tool_uses:
                break
            if last_step:
                run.finish = "tool_step_limit"
                break
            parsed = [(use, *self._arguments(use)) for use in turn.tool_uses]
            assistant_blocks: list[dict[str, Any]] = (
                [{"type": "text", "text": turn.text}] if turn.text else []
            )
            # tool_use.input must be an object even when the model sent broken JSON
            assistant_blocks += [
                {"type": "tool_use", "id": use.id, "name": use.name, "input": arguments}
                for use, arguments, _ in parsed
            ]
            messages.append({"role": "assistant", "content": assistant_blocks})
            outcomes: list[ToolResult] = []
            calls = [(use.id, use.name, arguments, error) for use, arguments, error in parsed]
            async for event in offer.run(tools, run.used_tools, calls, outcomes):
                yield event
            results: list[dict[str, Any]] = []
            for (use, _arguments, _error), result in zip(parsed, outcomes, strict=True):
                block: dict[str, Any] = {
                    "type": "tool_result",
                    "tool_use_id": use.id,
                    "content": tool_result_content(result),
                }
                if result.error:
                    block["is_error"] = True
                results.append(block)
            messages.append({"role": "user", "content": results})

        yield run.completed(request.language)

    @staticmethod
    def _arguments(use: _ToolUse) -> tuple[dict[str, Any], str | None]:
        if use.input is not None:
            return parse_tool_arguments(use.input)
        return parse_tool_arguments(use.input_json)

    def _params(
        self,
        request: AssistantRequest,
        system: list[dict[str, Any]],
        messages: list[dict[str, Any]],
        offer: ToolOffer,
        *,
        allow_tools: bool,
    ) -> dict[str, Any]:
        params: dict[str, Any] = {
            "model": self.model,
            "max_tokens": request.max_tokens,
            "system": system,
            "messages": messages,
        }
        if offer.specs:
            params["tools"] = anthropic_tools(offer.specs, stable=len(offer.stable))
            params["tool_choice"] = {"type": "auto"} if allow_tools else {"type": "none"}
        return params

    # ---- one request ------------------------------------------------------------------------

    async def _attempt_stream(self, params: dict[str, Any]) -> AsyncIterator[str | _Turn]:
        stream = await self._client.messages.create(**params, stream=True)
        turn = _Turn()
        blocks: dict[int, _ToolUse] = {}
        input_tokens = output_tokens = cached = cache_write = 0
        stop_reason: str | None = None
        stopped = False
        try:
            async for event in idle_timeout(stream, self._timeout):
                kind = event.type
                if kind == "message_start":
                    turn.model = event.message.model
                    input_tokens = _input_tokens(event.message.usage)
                    output_tokens = event.message.usage.output_tokens or 0
                    cached, cache_write = _cache_tokens(event.message.usage)
                elif kind == "content_block_start":
                    block = event.content_block
                    if block.type == "tool_use":
                        blocks[event.index] = _ToolUse(id=block.id, name=block.name)
                elif kind == "content_block_delta":
                    delta = event.delta
                    if delta.type == "text_delta" and delta.text:
                        turn.text += delta.text
                        yield delta.text
                    elif delta.type == "input_json_delta" and event.index in blocks:
                        blocks[event.index].input_json += delta.partial_json
                elif kind == "message_delta":
                    stop_reason = event.delta.stop_reason or stop_reason
                    if event.usage is not None:
                        output_tokens = event.usage.output_tokens or output_tokens
                        input_tokens = max(input_tokens, _input_tokens(event.usage))
                elif kind == "message_stop":
                    stopped = True
        finally:
            await stream.close()
        if not stopped or stop_reason is None:
            raise ProviderError("anthropic: the response stream ended before message_stop")
        turn.tool_uses = [blocks[i] for i in sorted(blocks)]
        turn.finish_reason = _FINISH_REASONS.get(stop_reason, stop_reason)
        turn.usage = Usage(
            prompt_tokens=input_tokens,
            completion_tokens=output_tokens,
            cached_tokens=cached,
            cache_write_tokens=cache_write,
        )
        yield turn

    async def _attempt_once(self, params: dict[str, Any]) -> AsyncIterator[str | _Turn]:
        response = await self._client.messages.create(**params)
        if not isinstance(response, anthropic.types.Message) or response.content is None:
            raise ProviderError("anthropic: unexpected response body")
        turn = _Turn(model=response.model)
        for block in response.content:
            if block.type == "text":
                turn.text += block.text
            elif block.type == "tool_use":
                raw = block.input if isinstance(block.input, dict) else None
                turn.tool_uses.append(_ToolUse(id=block.id, name=block.name, input=raw, input_json=""))
        stop_reason = response.stop_reason or "end_turn"
        turn.finish_reason = _FINISH_REASONS.get(stop_reason, stop_reason)
        cached, cache_write = _cache_tokens(response.usage)
        turn.usage = Usage(
            prompt_tokens=_input_tokens(response.usage),
            completion_tokens=response.usage.output_tokens or 0,
            cached_tokens=cached,
            cache_write_tokens=cache_write,
        )
        if turn.text:
            yield turn.text
        yield turn


def _input_tokens(usage: Any) -> int:
    """Prompt tokens including the cached part (cache reads and writes are prompt tokens too)."""
    return (
        (getattr(usage, "input_tokens", None) or 0)
        + (getattr(usage, "cache_creation_input_tokens", None) or 0)
        + (getattr(usage, "cache_read_input_tokens", None) or 0)
    )


def _cache_tokens(usage: Any) -> tuple[int, int]:
    """(read from the prompt cache, written to it) as Anthropic reports them."""
    return (
        getattr(usage, "cache_read_input_tokens", None) or 0,
        getattr(usage, "cache_creation_input_tokens", None) or 0,
    )


def classify_anthropic_error(exc: Exception) -> Failure:
    """Retry 408/409/429/5xx/529 overloaded, timeouts and connection errors; anything else is final."""
    return classify_sdk_error(
        exc,
        status_error=anthropic.APIStatusError,
        timeout_error=anthropic.APITimeoutError,
        connection_error=anthropic.APIConnectionError,
    )
