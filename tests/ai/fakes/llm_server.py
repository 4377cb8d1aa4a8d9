"""A local fake of the OpenAI and Anthropic HTTP APIs, on loopback, for provider tests.

It plays scripted replies (JSON, SSE streams in the real APIs' chunk formats, errors,
slow or stalling responses) and records every request the SDKs send, so tests can check
both what we sent and how we handled what came back. The SDKs run unmodified against it.
"""

from __future__ import annotations

import asyncio
import json
import time
from collections import deque
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any

from starlette.requests import Request
from starlette.responses import Response, StreamingResponse
from starlette.routing import Route

from tests.ai.fakes.loopback import LoopbackServer

OPENAI_PATH = "/v1/chat/completions"
ANTHROPIC_PATH = "/v1/messages"


@dataclass
class Reply:
    """One scripted answer to one request."""

    status: int = 200
    json_body: Any = None
    raw_body: bytes | None = None
    content_type: str = "application/json"
    headers: dict[str, str] = field(default_factory=dict)
    sse: list[str] | None = None  # complete SSE frames ("data: ...\n\n")
    delay: float = 0.0  # seconds before the response starts
    stall_after: int | None = None  # SSE: frames sent before the stream goes silent
    stall_seconds: float = 5.0


@dataclass
class RecordedRequest:
    path: str
    headers: dict[str, str]
    body: dict[str, Any]
    at: float


class FakeLLMServer(LoopbackServer):
    thread_name = "fake-llm-server"
    description = "fake LLM server"

    def __init__(self) -> None:
        super().__init__()
        self.requests: list[RecordedRequest] = []
        self._scripts: dict[str, deque[Reply]] = {OPENAI_PATH: deque(), ANTHROPIC_PATH: deque()}

    def script(self, path: str, *replies: Reply) -> None:
        self._scripts[path].extend(replies)

    def reset(self) -> None:
        self.requests.clear()
        for queue in self._scripts.values():
            queue.clear()

    def requests_to(self, path: str) -> list[RecordedRequest]:
        return [r for r in self.requests if r.path == path]

    # ---- the app -----------------------------------------------------------------------------

    async def _handle(self, request: Request) -> Response:
        raw = await request.body()
        try:
            body = json.loads(raw) if raw else {}
        except json.JSONDecodeError:
            body = {"_unparsed": raw.decode(errors="replace")}
        path = request.url.path
        self.requests.append(
            RecordedRequest(path=path, headers=dict(request.headers), body=body, at=time.monotonic())
        )
        queue = self._scripts.get(path)
        if not queue:
            return Response(
                json.dumps({"error": {"type": "fake_unscripted", "message": f"nothing scripted for {path}"}}),
                status_code=599,
                media_type="application/json",
            )
        reply = queue.popleft()
        if reply.delay:
            await asyncio.sleep(reply.delay)
        if reply.sse is not None:
            return StreamingResponse(
                _frames(reply),
                status_code=reply.status,
                media_type="text/event-stream",
                headers=reply.headers,
            )
        content = reply.raw_body if reply.raw_body is not None else json.dumps(reply.json_body).encode()
        return Response(
            content, status_code=reply.status, media_type=reply.content_type, headers=reply.headers
        )

    def routes(self) -> list[Route]:
        return [
            Route(OPENAI_PATH, self._handle, methods=["POST"]),
            Route(ANTHROPIC_PATH, self._handle, methods=["POST"]),
        ]


async def _frames(reply: Reply) -> AsyncIterator[bytes]:
    assert reply.sse is not None
    for index, frame in enumerate(reply.sse):
        if reply.stall_after is not None and index == reply.stall_after:
            await asyncio.sleep(reply.stall_seconds)
            return
        yield frame.encode()
        await asyncio.sleep(0)


def _data(payload: Any) -> str:
    return f"data: {json.dumps(payload)}\n\n"


def _event(name: str, payload: dict[str, Any]) -> str:
    return f"event: {name}\ndata: {json.dumps(payload)}\n\n"


def _pieces(text: str, size: int) -> list[str]:
    return [text[i : i + size] for i in range(0, len(text), size)] or [""]


ToolCall = tuple[str, str, str]  # (call id, tool name, raw JSON arguments as the model wrote them)


# ---- OpenAI chat completions -------------------------------------------------------------------


def openai_stream(
    *,
    text: str = "",
    tool_calls: list[ToolCall] | None = None,
    usage: tuple[int, int] | None = (100, 20),
    model: str = "gpt-4o-mini-2024-07-18",
    finish_reason: str | None = None,
    piece: int = 6,
    done: bool = True,
    cached: int = 0,
) -> list[str]:
    """SSE frames exactly as /v1/chat/completions streams them (stream_options.include_usage);
    `cached` of the prompt tokens reported as served from the prompt cache."""
    tool_calls = tool_calls or []
    base = {
        "id": "chatcmpl-fake",
        "object": "chat.completion.chunk",
        "created": 1_700_000_000,
        "model": model,
    }
    base["system_fingerprint"] = "fp_fake"

    def chunk(delta: dict[str, Any], finish: str | None = None) -> str:
        choice = {"index": 0, "delta": delta, "logprobs": None, "finish_reason": finish}
        return _data({**base, "choices": [choice], "usage": None})

    frames = [chunk({"role": "assistant", "content": "", "refusal": None})]
    if text:
        frames += [chunk({"content": p}) for p in _pieces(text, piece)]
    for index, (call_id, name, arguments) in enumerate(tool_calls):
        start = {
            "index": index,
            "id": call_id,
            "type": "function",
            "function": {"name": name, "arguments": ""},
        }
        frames.append(chunk({"tool_calls": [start]}))
        frames += [
            chunk({"tool_calls": [{"index": index, "function": {"arguments": p}}]})
            for p in _pieces(arguments, piece)
        ]
    frames.append(chunk({}, finish_reason or ("tool_calls" if tool_calls else "stop")))
    if usage is not None:
        prompt, completion = usage
        frames.append(
            _data(
                {
                    **base,
                    "choices": [],
                    "usage": {
                        "prompt_tokens": prompt,
                        "completion_tokens": completion,
                        "total_tokens": prompt + completion,
                        "prompt_tokens_details": {"cached_tokens": cached, "audio_tokens": 0},
                    },
                }
            )
        )
    if done:
        frames.append("data: [DONE]\n\n")
    return frames


def openai_json(
    *,
    text: str | None = None,
    tool_calls: list[ToolCall] | None = None,
    usage: tuple[int, int] = (100, 20),
    model: str = "gpt-4o-mini-2024-07-18",
    cached: int = 0,
) -> dict[str, Any]:
    """A non-streaming chat.completion body."""
    message: dict[str, Any] = {"role": "assistant", "content": text, "refusal": None}
    if tool_calls:
        message["tool_calls"] = [
            {"id": cid, "type": "function", "function": {"name": name, "arguments": args}}
            for cid, name, args in tool_calls
        ]
    return {
        "id": "chatcmpl-fake",
        "object": "chat.completion",
        "created": 1_700_000_000,
        "model": model,
        "choices": [
            {
                "index": 0,
                "message": message,
                "logprobs": None,
                "finish_reason": "tool_calls" if tool_calls else "stop",
            }
        ],
        "usage": {
            "prompt_tokens": usage[0],
            "completion_tokens": usage[1],
            "total_tokens": sum(usage),
            "prompt_tokens_details": {"cached_tokens": cached, "audio_tokens": 0},
        },
    }


def openai_error(status: int, *, headers: dict[str, str] | None = None, kind: str = "server_error") -> Reply:
    body = {"error": {"message": f"fake {status}", "type": kind, "param": None, "code": None}}
    return Reply(status=status, json_body=body, headers=headers or {})


# ---- Anthropic messages ----------------------------------------------------------------------------


def anthropic_stream(
    *,
    text: str = "",
    tool_calls: list[ToolCall] | None = None,
    usage: tuple[int, int] = (120, 30),
    model: str = "claude-3-5-haiku-20241022",
    stop_reason: str | None = None,
    piece: int = 6,
    cache_read: int = 0,
    cache_write: int = 0,
) -> list[str]:
    """SSE frames exactly as /v1/messages streams them. usage[0] is the whole prompt; as the API
    does, input_tokens counts only its part after the cache (cache_read + cache_write apart)."""
    tool_calls = tool_calls or []
    frames = [
        _event(
            "message_start",
            {
                "type": "message_start",
                "message": {
                    "id": "msg_fake",
                    "type": "message",
                    "role": "assistant",
                    "model": model,
                    "content": [],
                    "stop_reason": None,
                    "stop_sequence": None,
                    "usage": _anthropic_usage(usage[0], 1, cache_read, cache_write),
                },
            },
        ),
        _event("ping", {"type": "ping"}),
    ]
    index = 0
    if text:
        frames.append(
            _event(
                "content_block_start",
                {
                    "type": "content_block_start",
                    "index": index,
                    "content_block": {"type": "text", "text": ""},
                },
            )
        )
        frames += [
            _event(
                "content_block_delta",
                {"type": "content_block_delta", "index": index, "delta": {"type": "text_delta", "text": p}},
            )
            for p in _pieces(text, piece)
        ]
        frames.append(_event("content_block_stop", {"type": "content_block_stop", "index": index}))
        index += 1
    for call_id, name, arguments in tool_calls:
        block = {"type": "tool_use", "id": call_id, "name": name, "input": {}}
        frames.append(
            _event(
                "content_block_start", {"type": "content_block_start", "index": index, "content_block": block}
            )
        )
        frames += [
            _event(
                "content_block_delta",
                {
                    "type": "content_block_delta",
                    "index": index,
                    "delta": {"type": "input_json_delta", "partial_json": p},
                },
            )
            for p in _pieces(arguments, piece)
        ]
        frames.append(_event("content_block_stop", {"type": "content_block_stop", "index": index}))
        index += 1
    frames.append(
        _event(
            "message_delta",
            {
                "type": "message_delta",
                "delta": {
                    "stop_reason": stop_reason or ("tool_use" if tool_calls else "end_turn"),
                    "stop_sequence": None,
                },
                "usage": {"output_tokens": usage[1]},
            },
        )
    )
    frames.append(_event("message_stop", {"type": "message_stop"}))
    return frames


def anthropic_json(
    *,
    text: str | None = None,
    tool_calls: list[tuple[str, str, dict[str, Any]]] | None = None,
    usage: tuple[int, int] = (120, 30),
    model: str = "claude-3-5-haiku-20241022",
    cache_read: int = 0,
    cache_write: int = 0,
) -> dict[str, Any]:
    content: list[dict[str, Any]] = [{"type": "text", "text": text}] if text else []
    content += [
        {"type": "tool_use", "id": cid, "name": name, "input": args} for cid, name, args in tool_calls or []
    ]
    return {
        "id": "msg_fake",
        "type": "message",
        "role": "assistant",
        "model": model,
        "content": content,
        "stop_reason": "tool_use" if tool_calls else "end_turn",
        "stop_sequence": None,
        "usage": _anthropic_usage(usage[0], usage[1], cache_read, cache_write),
    }


def _anthropic_usage(prompt: int, output: int, cache_read: int, cache_write: int) -> dict[str, int]:
    return {
        "input_tokens": prompt - cache_read - cache_write,
        "cache_read_input_tokens": cache_read,
        "cache_creation_input_tokens": cache_write,
        "output_tokens": output,
    }


def anthropic_error(status: int, *, headers: dict[str, str] | None = None, kind: str = "api_error") -> Reply:
    return Reply(
        status=status,
        json_body={"type": "error", "error": {"type": kind, "message": f"fake {status}"}},
        headers=headers or {},
    )
