"""AnthropicProvider against a local fake of the Messages API (the real SDK, real HTTP)."""

from __future__ import annotations

import json
import time
from collections.abc import AsyncIterator, Callable, Iterator
from typing import Any

import pytest

from domains.ai.providers.anthropic_provider import AnthropicProvider, anthropic_messages, anthropic_tools
from domains.ai.providers.base import ChatTurn, ProviderError
from domains.ai.providers.llm_common import MORE_TOOLS, ToolOffer
from tests.ai.fakes.llm_server import (
    ANTHROPIC_PATH,
    FakeLLMServer,
    Reply,
    anthropic_error,
    anthropic_json,
    anthropic_stream,
)
from tests.ai.fakes.tools import (
    RecordingTools,
    ask,
    making_providers,
    run_provider,
    running_fake_server,
)

pytestmark = pytest.mark.ai

ANSWER = "Your best seller last month was the Jordan 1 Chicago: 12 pairs, 3,000.00 EUR."
BEST = {"items": [{"name": "Air Jordan 1 Chicago", "units": 12, "revenue": "3000.00"}]}


@pytest.fixture(scope="module")
def llm() -> Iterator[FakeLLMServer]:
    yield from running_fake_server()


@pytest.fixture
def server(llm: FakeLLMServer) -> FakeLLMServer:
    llm.reset()
    return llm


@pytest.fixture
async def make_provider(server: FakeLLMServer) -> AsyncIterator[Callable[..., AnthropicProvider]]:
    async for make in making_providers(
        AnthropicProvider, ANTHROPIC_BASE_URL=server.url, MEMORI_PROVIDER="anthropic"
    ):
        yield make


def bodies(server: FakeLLMServer) -> list[dict[str, Any]]:
    return [r.body for r in server.requests_to(ANTHROPIC_PATH)]


Make = Callable[..., AnthropicProvider]


async def test_tool_use_then_streamed_answer(server: FakeLLMServer, make_provider: Make) -> None:
    server.script(
        ANTHROPIC_PATH,
        Reply(
            sse=anthropic_stream(
                text="Let me check.",
                tool_calls=[
                    (
                        "toolu_01",
                        "query_business",
                        '{"metrics": ["units_sold"], "group_by": ["product"], "limit": 1}',
                    )
                ],
                usage=(900, 40),
            )
        ),
        Reply(sse=anthropic_stream(text=ANSWER, usage=(1000, 35))),
    )
    tools = RecordingTools(data={"query_business": BEST})
    run = await run_provider(
        make_provider(), ask("Best seller last month?", memory=["sells on StockX"]), tools
    )

    assert tools.calls == [
        ("query_business", {"metrics": ["units_sold"], "group_by": ["product"], "limit": 1}, "toolu_01")
    ]
    assert run.started[0].call_id == "toolu_01"
    assert run.finished[0].result.data == BEST
    # text of both steps streams, separated, and equals the final answer
    assert run.text == "Let me check.\n\n" + ANSWER == run.completed.answer
    done = run.completed
    assert (done.usage.prompt_tokens, done.usage.completion_tokens) == (1900, 75)
    assert done.model == "claude-3-5-haiku-20241022"
    assert done.finish_reason == "stop"
    assert done.intent == "analytics"

    first, second = bodies(server)
    assert first["tools"] == anthropic_tools(ToolOffer.of(tools.specs).stable)
    assert [t["name"] for t in first["tools"]] == ["query_business", "more_tools"]
    assert all("input_schema" in t and "parameters" not in t for t in first["tools"])
    assert first["tool_choice"] == {"type": "auto"}
    assert first["model"] == "claude-3-5-haiku-latest"
    assert first["max_tokens"] == 1024 and first["stream"] is True
    assert "temperature" not in first  # API 2026-10-21 rejects sampling parameters
    rules, volatile = first["system"]
    assert "SoleFlip" in rules["text"] and "sells on StockX" in volatile["text"]
    assert first["messages"] == [{"role": "user", "content": "Best seller last month?"}]
    assistant, results = second["messages"][1], second["messages"][2]
    assert assistant == {
        "role": "assistant",
        "content": [
            {"type": "text", "text": "Let me check."},
            {
                "type": "tool_use",
                "id": "toolu_01",
                "name": "query_business",
                "input": {"metrics": ["units_sold"], "group_by": ["product"], "limit": 1},
            },
        ],
    }
    assert results["role"] == "user"
    (block,) = results["content"]
    assert block["type"] == "tool_result" and block["tool_use_id"] == "toolu_01"
    assert json.loads(block["content"]) == BEST and "is_error" not in block


async def test_non_streaming_tool_use_then_answer(server: FakeLLMServer, make_provider: Make) -> None:
    server.script(
        ANTHROPIC_PATH,
        Reply(json_body=anthropic_json(tool_calls=[("toolu_9", "fee_estimate", {"sale_price": 200})])),
        Reply(json_body=anthropic_json(text="On StockX you keep 176.00 EUR.")),
    )
    tools = RecordingTools(data={"fee_estimate": {"payout": "176.00"}})
    run = await run_provider(make_provider(stream_responses=False), ask("fees on 200?"), tools)
    assert tools.calls == [("fee_estimate", {"sale_price": 200}, "toolu_9")]
    assert run.completed.answer == "On StockX you keep 176.00 EUR."
    assert run.completed.usage.total_tokens == 2 * (120 + 30)
    assert run.completed.intent == "pricing"


async def test_overloaded_and_429_are_retried(server: FakeLLMServer, make_provider: Make) -> None:
    server.script(
        ANTHROPIC_PATH,
        anthropic_error(529, kind="overloaded_error"),
        anthropic_error(429, headers={"retry-after": "1"}, kind="rate_limit_error"),
        Reply(sse=anthropic_stream(text="Done.")),
    )
    run = await run_provider(make_provider(AI_MAX_RETRIES=2), ask("hi"), RecordingTools())
    sent = server.requests_to(ANTHROPIC_PATH)
    assert len(sent) == 3
    assert sent[2].at - sent[1].at >= 0.95  # Retry-After honoured
    assert run.completed.answer == "Done."


async def test_provider_error_after_retries_are_exhausted(server: FakeLLMServer, make_provider: Make) -> None:
    server.script(ANTHROPIC_PATH, *(anthropic_error(500) for _ in range(4)))
    with pytest.raises(ProviderError, match="http 500"):
        await run_provider(make_provider(AI_MAX_RETRIES=1), ask("hi"), RecordingTools())
    assert len(server.requests_to(ANTHROPIC_PATH)) == 2


async def test_error_event_inside_the_stream_is_retried(server: FakeLLMServer, make_provider: Make) -> None:
    overloaded = (
        'event: error\ndata: {"type": "error", "error": {"type": "overloaded_error", "message": "x"}}\n\n'
    )
    server.script(
        ANTHROPIC_PATH,
        Reply(sse=[*anthropic_stream(text="")[:2], overloaded]),
        Reply(sse=anthropic_stream(text="Second time lucky.")),
    )
    run = await run_provider(make_provider(), ask("hi"), RecordingTools())
    assert len(server.requests_to(ANTHROPIC_PATH)) == 2
    assert run.completed.answer == "Second time lucky."


async def test_timeout_is_bounded(server: FakeLLMServer, make_provider: Make) -> None:
    server.script(ANTHROPIC_PATH, *(Reply(delay=3, sse=anthropic_stream(text="late")) for _ in range(2)))
    start = time.monotonic()
    with pytest.raises(ProviderError, match="timeout"):
        await run_provider(
            make_provider(AI_REQUEST_TIMEOUT_SECONDS=0.4, AI_MAX_RETRIES=1), ask("hi"), RecordingTools()
        )
    assert len(server.requests_to(ANTHROPIC_PATH)) == 2
    assert time.monotonic() - start < 2.5


async def test_stalled_stream_ends_by_timeout(server: FakeLLMServer, make_provider: Make) -> None:
    server.script(ANTHROPIC_PATH, Reply(sse=anthropic_stream(text=ANSWER), stall_after=5, stall_seconds=5))
    start = time.monotonic()
    with pytest.raises(ProviderError, match="timeout"):
        await run_provider(make_provider(AI_REQUEST_TIMEOUT_SECONDS=0.5), ask("hi"), RecordingTools())
    assert time.monotonic() - start < 3
    assert len(server.requests_to(ANTHROPIC_PATH)) == 1  # text was shown: no retry


async def test_malformed_and_unknown_tool_calls_go_back_as_errors(
    server: FakeLLMServer, make_provider: Make
) -> None:
    server.script(
        ANTHROPIC_PATH,
        Reply(
            sse=anthropic_stream(
                tool_calls=[
                    ("toolu_a", "list_inventory", "{not json"),
                    ("toolu_b", "wipe_inventory", "{}"),
                    ("toolu_c", "list_inventory", '{"dead_stock_days": -5}'),
                ]
            )
        ),
        Reply(sse=anthropic_stream(text="I could not run those.")),
    )
    tools = RecordingTools()
    run = await run_provider(make_provider(), ask("dead stock?"), tools)
    assert tools.calls == []
    errors = [f.result.error for f in run.finished]
    assert errors[0] is not None and "not valid JSON" in errors[0]
    assert errors[1] is not None and "unknown tool 'wipe_inventory'" in errors[1]
    assert errors[2] is not None and "Invalid arguments" in errors[2]
    second = bodies(server)[1]
    # broken JSON still goes back as an object, as the API requires
    assert second["messages"][1]["content"][0]["input"] == {}
    results = second["messages"][2]["content"]
    assert [r["tool_use_id"] for r in results] == ["toolu_a", "toolu_b", "toolu_c"]
    assert all(r["is_error"] is True for r in results)
    assert run.completed.answer == "I could not run those."


async def test_garbage_stream_is_a_provider_error(server: FakeLLMServer, make_provider: Make) -> None:
    server.script(ANTHROPIC_PATH, Reply(sse=["event: message_start\ndata: {{{nope\n\n"]))
    with pytest.raises(ProviderError, match="invalid response"):
        await run_provider(make_provider(), ask("hi"), RecordingTools())
    assert len(server.requests_to(ANTHROPIC_PATH)) == 1


async def test_stream_without_message_stop_is_a_provider_error(
    server: FakeLLMServer, make_provider: Make
) -> None:
    server.script(ANTHROPIC_PATH, Reply(sse=anthropic_stream(text="cut short")[:-2]))
    with pytest.raises(ProviderError, match="before message_stop"):
        await run_provider(make_provider(), ask("hi"), RecordingTools())


async def test_tool_step_limit_sends_tool_choice_none(server: FakeLLMServer, make_provider: Make) -> None:
    call = anthropic_stream(
        tool_calls=[
            ("toolu_l", "query_business", '{"metrics": ["units_in_inventory"], "group_by": ["aging_bucket"]}')
        ]
    )
    server.script(ANTHROPIC_PATH, Reply(sse=call), Reply(sse=anthropic_stream(text="Buckets: 3/2/1/0.")))
    run = await run_provider(make_provider(AI_MAX_TOOL_STEPS=1), ask("aging?"), RecordingTools())
    assert [b["tool_choice"] for b in bodies(server)] == [{"type": "auto"}, {"type": "none"}]
    assert run.completed.answer == "Buckets: 3/2/1/0."


def test_history_is_shaped_for_the_messages_api() -> None:
    turns = [
        ChatTurn("assistant", "Hi! How can I help?"),  # Claude's history must start with the user
        ChatTurn("user", "Revenue?"),
        ChatTurn("user", "This month."),  # consecutive turns of one role are merged
        ChatTurn("assistant", ""),  # empty text is refused by the API
        ChatTurn("assistant", "1,250.00 EUR."),
        ChatTurn("user", "And profit?"),
    ]
    assert anthropic_messages(turns) == [
        {"role": "user", "content": "Revenue?\n\nThis month."},
        {"role": "assistant", "content": "1,250.00 EUR."},
        {"role": "user", "content": "And profit?"},
    ]


async def test_tools_and_rules_are_cached_and_cache_tokens_are_read(
    server: FakeLLMServer, make_provider: Make
) -> None:
    """cache_control closes the tools and the rules (the same for every user and question);
    settings, memory and context follow the breakpoint, so they never spoil the cache."""
    server.script(
        ANTHROPIC_PATH,
        Reply(
            sse=anthropic_stream(
                tool_calls=[("toolu_01", "query_business", '{"metrics": ["units_sold"]}')],
                usage=(2000, 40),
                cache_write=1800,
            )
        ),
        Reply(sse=anthropic_stream(text=ANSWER, usage=(2100, 35), cache_read=1800)),
    )
    run = await run_provider(
        make_provider(),
        ask("Best seller last month?", memory=["sells on StockX"], user_settings={"dead_stock_days": 45}),
        RecordingTools(data={"query_business": BEST}),
    )
    usage = run.completed.usage
    assert (usage.prompt_tokens, usage.cached_tokens, usage.cache_write_tokens) == (4100, 1800, 1800)

    first, second = bodies(server)
    for body in (first, second):
        *plain, last = body["tools"]
        assert last["cache_control"] == {"type": "ephemeral"}
        assert all("cache_control" not in tool for tool in plain)
        rules, volatile = body["system"]
        assert rules["cache_control"] == {"type": "ephemeral"} and "SoleFlip" in rules["text"]
        assert "cache_control" not in volatile
        assert "sells on StockX" in volatile["text"] and "dead_stock_days: 45" in volatile["text"]
        assert "sells on StockX" not in rules["text"]

    server.reset()
    server.script(
        ANTHROPIC_PATH, Reply(json_body=anthropic_json(text=ANSWER, usage=(1900, 30), cache_read=1700))
    )
    once = await run_provider(make_provider(stream_responses=False), ask("Best seller?"), RecordingTools())
    assert (once.completed.usage.prompt_tokens, once.completed.usage.cached_tokens) == (1900, 1700)
    assert [block["type"] for block in bodies(server)[0]["system"]] == ["text"]  # nothing volatile


async def test_a_loaded_tool_follows_the_cache_breakpoint(server: FakeLLMServer, make_provider: Make) -> None:
    """The breakpoint stays on the last tool every request starts with (more_tools): a tool the
    model loads comes after it, so the cached prefix of the tools is the same in every request."""
    server.script(
        ANTHROPIC_PATH,
        Reply(sse=anthropic_stream(tool_calls=[("toolu_m", MORE_TOOLS, '{"names": ["list_orders"]}')])),
        Reply(sse=anthropic_stream(tool_calls=[("toolu_o", "list_orders", '{"limit": 3}')])),
        Reply(sse=anthropic_stream(text="Your last three sales were on StockX.")),
    )
    tools = RecordingTools(data={"list_orders": {"items": [], "total": 3}})
    run = await run_provider(make_provider(), ask("My last three sales?"), tools)

    first, second, third = bodies(server)
    assert [t["name"] for t in first["tools"]] == ["query_business", MORE_TOOLS]
    for body in (second, third):
        assert [t["name"] for t in body["tools"]] == ["query_business", MORE_TOOLS, "list_orders"]
        assert body["tools"][:2] == first["tools"]
    for body in (first, second, third):
        assert [t.get("cache_control") for t in body["tools"]][:2] == [None, {"type": "ephemeral"}]
        assert all("cache_control" not in t for t in body["tools"][2:])
        assert body["system"][0]["cache_control"] == {"type": "ephemeral"}
    (loaded,) = second["messages"][-1]["content"]
    assert loaded["tool_use_id"] == "toolu_m" and json.loads(loaded["content"]) == {"loaded": ["list_orders"]}
    assert tools.calls == [("list_orders", {"limit": 3}, "toolu_o")]
    assert [s.name for s in run.started] == ["list_orders"]
    assert run.completed.answer == "Your last three sales were on StockX."
