"""OpenAIProvider against a local fake of the chat completions API (the real SDK, real HTTP)."""

from __future__ import annotations

import email.utils
import json
import time
from collections.abc import AsyncIterator, Callable, Iterator
from typing import Any

import pytest
from sqlalchemy.ext.asyncio import AsyncSession
from structlog.testing import capture_logs

from domains.ai.providers.base import ProviderError
from domains.ai.providers.llm_common import MORE_TOOLS, RetryPolicy, ToolOffer, parse_retry_after
from domains.ai.providers.openai_provider import OpenAIProvider, openai_tools
from domains.ai.providers.prompts import MEMORY_PROMPT_TOKENS, SYSTEM_PROMPT
from domains.ai.tools.business import BusinessTools
from domains.ai.tools.specs import TOOL_ARGS
from tests.ai.fakes.llm_server import (
    OPENAI_PATH,
    FakeLLMServer,
    Reply,
    openai_error,
    openai_json,
    openai_stream,
)
from tests.ai.fakes.tools import (
    RecordingTools,
    ask,
    making_providers,
    provider_settings,
    run_provider,
    running_fake_server,
)
from tests.factories import days_ago, make_brand, make_item, make_product

pytestmark = pytest.mark.ai

DEAD_STOCK = {"threshold_days": 90, "total": 2, "items": [{"sku": "DZ5485-612", "age_days": 120}]}
ANSWER = "You have 2 pairs of dead stock (older than 90 days), worth 300.00 EUR."


@pytest.fixture(scope="module")
def llm() -> Iterator[FakeLLMServer]:
    yield from running_fake_server()


@pytest.fixture
def server(llm: FakeLLMServer) -> FakeLLMServer:
    llm.reset()
    return llm


@pytest.fixture
async def make_provider(server: FakeLLMServer) -> AsyncIterator[Callable[..., OpenAIProvider]]:
    """Providers pointed at the fake server; their HTTP clients are closed after the test."""
    async for make in making_providers(OpenAIProvider, OPENAI_BASE_URL=f"{server.url}/v1"):
        yield make


def bodies(server: FakeLLMServer) -> list[dict[str, Any]]:
    return [r.body for r in server.requests_to(OPENAI_PATH)]


async def test_tool_call_then_streamed_answer(
    server: FakeLLMServer, make_provider: Callable[..., OpenAIProvider]
) -> None:
    server.script(
        OPENAI_PATH,
        Reply(
            sse=openai_stream(
                tool_calls=[
                    ("call_abc", "list_inventory", '{"older_than_dead_stock": true, "dead_stock_days": 90}')
                ],
                usage=(310, 18),
            )
        ),
        Reply(sse=openai_stream(text=ANSWER, usage=(402, 25))),
    )
    tools = RecordingTools(data={"list_inventory": DEAD_STOCK})
    provider = make_provider()
    request = ask(
        "How much dead stock over 90 days?",
        memory=["prefers StockX"],
        context="Units in inventory: 14",
        user_settings={"dead_stock_days": 45},
    )
    run = await run_provider(provider, request, tools)

    # the tool the model asked for really ran, with the model's arguments and call id
    assert tools.calls == [
        ("list_inventory", {"older_than_dead_stock": True, "dead_stock_days": 90}, "call_abc")
    ]
    assert [(s.name, s.arguments, s.call_id) for s in run.started] == [
        ("list_inventory", {"older_than_dead_stock": True, "dead_stock_days": 90}, "call_abc")
    ]
    assert run.finished[0].result.data == DEAD_STOCK and run.finished[0].result.error is None
    # the answer streamed in several pieces and is the final answer
    assert len([e for e in run.events if e.type == "delta"]) > 3
    assert run.text == ANSWER == run.completed.answer
    done = run.completed
    assert (done.usage.prompt_tokens, done.usage.completion_tokens) == (310 + 402, 18 + 25)
    assert done.model == "gpt-4o-mini-2024-07-18"
    assert done.finish_reason == "stop"
    assert done.intent == "inventory"

    first, second = bodies(server)
    # what the SDK sent: our tool schemas, system prompt with memory/context, the question
    # query_business and more_tools; list_inventory was called without loading it first and ran
    assert first["tools"] == openai_tools(ToolOffer.of(tools.specs).stable)
    assert [t["function"]["name"] for t in first["tools"]] == ["query_business", "more_tools"]
    assert first["tool_choice"] == "auto"
    assert first["stream"] is True and first["stream_options"] == {"include_usage": True}
    assert first["model"] == "gpt-4o-mini"
    assert first["max_tokens"] == 1024 and first["temperature"] == 0.7
    system = first["messages"][0]
    assert system["role"] == "system"
    assert SYSTEM_PROMPT.splitlines()[0][:40] in system["content"]
    assert "prefers StockX" in system["content"] and "Units in inventory: 14" in system["content"]
    assert "dead_stock_days: 45" in system["content"]
    assert first["messages"][1:] == [{"role": "user", "content": "How much dead stock over 90 days?"}]
    # the tool result went back as a tool message answering the model's call
    assistant, tool_message = second["messages"][2], second["messages"][3]
    assert assistant["tool_calls"][0]["id"] == "call_abc"
    assert assistant["tool_calls"][0]["function"] == {
        "name": "list_inventory",
        "arguments": '{"older_than_dead_stock": true, "dead_stock_days": 90}',
    }
    assert tool_message["role"] == "tool" and tool_message["tool_call_id"] == "call_abc"
    assert json.loads(tool_message["content"]) == DEAD_STOCK
    # the API key travels only in the Authorization header
    assert server.requests_to(OPENAI_PATH)[0].headers["authorization"] == "Bearer sk-test-0123456789abcdef"


async def test_non_streaming_tool_call_then_answer(
    server: FakeLLMServer, make_provider: Callable[..., OpenAIProvider]
) -> None:
    server.script(
        OPENAI_PATH,
        Reply(
            json_body=openai_json(
                tool_calls=[("call_1", "query_business", '{"metrics": ["revenue"]}')], usage=(200, 10)
            )
        ),
        Reply(json_body=openai_json(text="Revenue last month: 1,250.00 EUR.", usage=(260, 12))),
    )
    tools = RecordingTools(data={"query_business": {"totals": {"revenue": "1250.00"}}})
    provider = make_provider(stream_responses=False)
    run = await run_provider(provider, ask("Revenue last month?"), tools)

    assert tools.calls == [("query_business", {"metrics": ["revenue"]}, "call_1")]
    assert run.completed.answer == "Revenue last month: 1,250.00 EUR." == run.text
    assert run.completed.usage.total_tokens == 200 + 10 + 260 + 12
    assert run.completed.intent == "analytics"
    assert "stream" not in bodies(server)[0]


async def test_429_with_retry_after_is_honoured_then_succeeds(
    server: FakeLLMServer, make_provider: Callable[..., OpenAIProvider]
) -> None:
    server.script(
        OPENAI_PATH,
        openai_error(429, headers={"retry-after": "1"}, kind="rate_limit_error"),
        Reply(sse=openai_stream(text="Fine.")),
    )
    run = await run_provider(make_provider(), ask("hi"), RecordingTools())
    sent = server.requests_to(OPENAI_PATH)
    assert len(sent) == 2
    assert sent[1].at - sent[0].at >= 0.95  # waited as the server asked, not the 0.05 s backoff
    assert run.completed.answer == "Fine."


async def test_500_twice_then_success(
    server: FakeLLMServer, make_provider: Callable[..., OpenAIProvider]
) -> None:
    server.script(
        OPENAI_PATH, openai_error(500), openai_error(503), Reply(sse=openai_stream(text="Recovered."))
    )
    run = await run_provider(make_provider(AI_MAX_RETRIES=2), ask("hi"), RecordingTools())
    assert len(server.requests_to(OPENAI_PATH)) == 3
    assert run.completed.answer == "Recovered."


async def test_provider_error_after_retries_are_exhausted(
    server: FakeLLMServer, make_provider: Callable[..., OpenAIProvider]
) -> None:
    server.script(OPENAI_PATH, *(openai_error(502) for _ in range(5)))
    start = time.monotonic()
    with pytest.raises(ProviderError, match="http 502"):
        await run_provider(make_provider(AI_MAX_RETRIES=2), ask("hi"), RecordingTools())
    assert len(server.requests_to(OPENAI_PATH)) == 3  # 1 try + 2 retries, the SDK's own retries are off
    assert time.monotonic() - start < 3


async def test_client_error_is_not_retried(
    server: FakeLLMServer, make_provider: Callable[..., OpenAIProvider]
) -> None:
    server.script(OPENAI_PATH, openai_error(401, kind="invalid_request_error"))
    with pytest.raises(ProviderError, match="http 401") as caught:
        await run_provider(make_provider(), ask("hi"), RecordingTools())
    assert len(server.requests_to(OPENAI_PATH)) == 1
    assert "sk-test" not in str(caught.value)


async def test_timeout_ends_with_provider_error_in_bounded_time(
    server: FakeLLMServer, make_provider: Callable[..., OpenAIProvider]
) -> None:
    server.script(OPENAI_PATH, *(Reply(delay=3, sse=openai_stream(text="late")) for _ in range(2)))
    start = time.monotonic()
    with pytest.raises(ProviderError, match="timeout"):
        await run_provider(
            make_provider(AI_REQUEST_TIMEOUT_SECONDS=0.4, AI_MAX_RETRIES=1),
            ask("hi"),
            RecordingTools(),
        )
    assert len(server.requests_to(OPENAI_PATH)) == 2
    assert time.monotonic() - start < 2.5


async def test_stream_that_stalls_midway_ends_by_timeout(
    server: FakeLLMServer, make_provider: Callable[..., OpenAIProvider]
) -> None:
    frames = openai_stream(text="Your best seller is the Jordan 1 Chicago with 12 pairs sold.")
    server.script(OPENAI_PATH, Reply(sse=frames, stall_after=4, stall_seconds=5))
    events = []
    start = time.monotonic()
    provider = make_provider(AI_REQUEST_TIMEOUT_SECONDS=0.5, AI_MAX_RETRIES=2)
    with pytest.raises(ProviderError, match="timeout"):
        async for event in provider.stream(ask("best seller?"), RecordingTools()):
            events.append(event)
    assert time.monotonic() - start < 3
    assert events and all(e.type == "delta" for e in events)  # text arrived, then the stall
    # text was already shown: no retry that would repeat it
    assert len(server.requests_to(OPENAI_PATH)) == 1


async def test_malformed_tool_arguments_go_back_to_the_model(
    server: FakeLLMServer, make_provider: Callable[..., OpenAIProvider]
) -> None:
    server.script(
        OPENAI_PATH,
        Reply(sse=openai_stream(tool_calls=[("call_bad", "list_inventory", "{not json")])),
        Reply(
            sse=openai_stream(tool_calls=[("call_types", "list_inventory", '{"dead_stock_days": "lots"}')])
        ),
        Reply(sse=openai_stream(text="Sorry, I could not read that.")),
    )
    tools = RecordingTools()
    run = await run_provider(make_provider(), ask("dead stock?"), tools)

    assert tools.calls == []  # neither bad call reached the business
    bad_json, bad_types = (f.result for f in run.finished)
    assert bad_json.error is not None and "not valid JSON" in bad_json.error
    assert bad_types.error is not None and "Invalid arguments" in bad_types.error
    second, third = bodies(server)[1:]
    assert json.loads(second["messages"][-1]["content"]) == {"error": bad_json.error}
    assert json.loads(third["messages"][-1]["content"]) == {"error": bad_types.error}
    assert run.completed.answer == "Sorry, I could not read that."


async def test_unknown_tool_is_reported_to_the_model(
    server: FakeLLMServer, make_provider: Callable[..., OpenAIProvider]
) -> None:
    server.script(
        OPENAI_PATH,
        Reply(sse=openai_stream(tool_calls=[("call_x", "drop_tables", "{}")])),
        Reply(sse=openai_stream(text="I can only read data.")),
    )
    tools = RecordingTools()
    run = await run_provider(make_provider(), ask("delete everything"), tools)
    assert tools.calls == []
    error = run.finished[0].result.error
    assert error is not None and "unknown tool 'drop_tables'" in error
    assert "unknown tool" in bodies(server)[1]["messages"][-1]["content"]
    assert run.completed.answer == "I can only read data."


async def test_garbage_stream_is_a_provider_error_without_retry(
    server: FakeLLMServer, make_provider: Callable[..., OpenAIProvider]
) -> None:
    server.script(OPENAI_PATH, Reply(sse=["data: <html>bad gateway</html>\n\n"]))
    with pytest.raises(ProviderError, match="invalid response"):
        await run_provider(make_provider(), ask("hi"), RecordingTools())
    assert len(server.requests_to(OPENAI_PATH)) == 1


async def test_garbage_json_body_is_a_provider_error(
    server: FakeLLMServer, make_provider: Callable[..., OpenAIProvider]
) -> None:
    server.script(OPENAI_PATH, Reply(raw_body=b"<html>oops</html>", content_type="application/json"))
    provider = make_provider(stream_responses=False)
    with pytest.raises(ProviderError):
        await run_provider(provider, ask("hi"), RecordingTools())


async def test_stream_cut_before_finish_is_a_provider_error(
    server: FakeLLMServer, make_provider: Callable[..., OpenAIProvider]
) -> None:
    frames = openai_stream(text="Half an ans", usage=None, done=False)[:-1]  # no finish chunk, no [DONE]
    server.script(OPENAI_PATH, Reply(sse=frames))
    with pytest.raises(ProviderError, match="without a finish reason"):
        await run_provider(make_provider(), ask("hi"), RecordingTools())


async def test_reasoning_models_get_max_completion_tokens_and_no_temperature(
    server: FakeLLMServer, make_provider: Callable[..., OpenAIProvider]
) -> None:
    server.script(OPENAI_PATH, Reply(sse=openai_stream(text="ok", model="o4-mini")))
    run = await run_provider(
        make_provider(MEMORI_MODEL="o4-mini", AI_MAX_TOKENS=4096), ask("hi"), RecordingTools()
    )
    body = bodies(server)[0]
    assert body["model"] == "o4-mini"
    assert body["max_completion_tokens"] == 4096
    assert "temperature" not in body and "max_tokens" not in body
    assert run.completed.model == "o4-mini"


async def test_tool_step_limit_forces_an_answer(
    server: FakeLLMServer, make_provider: Callable[..., OpenAIProvider]
) -> None:
    loop_call = openai_stream(
        tool_calls=[("call_n", "query_business", '{"metrics": ["units_in_inventory"]}')]
    )
    server.script(
        OPENAI_PATH,
        Reply(sse=loop_call),
        Reply(sse=loop_call),
        Reply(sse=openai_stream(text="Here is what I found.")),
    )
    tools = RecordingTools()
    run = await run_provider(make_provider(AI_MAX_TOOL_STEPS=2), ask("inventory?"), tools)
    sent = bodies(server)
    assert len(sent) == 3 and len(tools.calls) == 2
    assert [b["tool_choice"] for b in sent] == ["auto", "auto", "none"]
    assert run.completed.answer == "Here is what I found."


async def test_model_that_never_stops_calling_tools_fails_over(
    server: FakeLLMServer, make_provider: Callable[..., OpenAIProvider]
) -> None:
    loop_call = openai_stream(
        tool_calls=[("call_n", "query_business", '{"metrics": ["units_in_inventory"]}')]
    )
    server.script(OPENAI_PATH, *(Reply(sse=loop_call) for _ in range(3)))
    with pytest.raises(ProviderError, match="no answer"):
        await run_provider(make_provider(AI_MAX_TOOL_STEPS=2), ask("inventory?"), RecordingTools())
    assert len(server.requests_to(OPENAI_PATH)) == 3


async def test_missing_usage_is_estimated_offline(
    server: FakeLLMServer, make_provider: Callable[..., OpenAIProvider]
) -> None:
    # Some OpenAI-compatible servers ignore stream_options.include_usage.
    server.script(OPENAI_PATH, Reply(sse=openai_stream(text="Two pairs.", usage=None)))
    run = await run_provider(make_provider(), ask("How many pairs do I have?"), RecordingTools())
    usage = run.completed.usage
    assert usage.prompt_tokens > 500  # system prompt + 14 tool schemas
    assert 1 <= usage.completion_tokens <= 5


async def test_history_and_language_reach_the_model(
    server: FakeLLMServer, make_provider: Callable[..., OpenAIProvider]
) -> None:
    from domains.ai.providers.base import ChatTurn

    server.script(OPENAI_PATH, Reply(sse=openai_stream(text="Im Lager sind 14 Paare.")))
    request = ask(
        "und im Lager?",
        messages=[
            ChatTurn("user", "Wie viel Umsatz diesen Monat?"),
            ChatTurn("assistant", "1.250,00 EUR."),
            ChatTurn("user", "und im Lager?"),
        ],
        language="de",
    )
    run = await run_provider(make_provider(), request, RecordingTools())
    messages = bodies(server)[0]["messages"]
    assert [m["role"] for m in messages] == ["system", "user", "assistant", "user"]
    assert "Antworte auf Deutsch." in messages[0]["content"]
    assert run.completed.language == "de"


async def test_real_business_tools_answer_from_the_database(
    server: FakeLLMServer, make_provider: Callable[..., OpenAIProvider], db: AsyncSession
) -> None:
    brand = await make_brand(db, "Jordan")
    product = await make_product(db, brand=brand, sku="DZ5485-612")
    await make_item(db, product=product, size="10", purchased_at=days_ago(120))
    await make_item(db, product=product, size="11", purchased_at=days_ago(95))
    await make_item(db, product=product, size="9", purchased_at=days_ago(5))
    server.script(
        OPENAI_PATH,
        Reply(
            sse=openai_stream(
                tool_calls=[
                    ("call_db", "list_inventory", '{"older_than_dead_stock": true, "dead_stock_days": 90}')
                ]
            )
        ),
        Reply(sse=openai_stream(text="2 pairs are dead stock.")),
    )
    tools = BusinessTools(db, settings=provider_settings())
    run = await run_provider(make_provider(), ask("Dead stock over 90 days?"), tools)

    result = run.finished[0].result
    assert result.error is None and result.arguments["dead_stock_days"] == 90
    assert result.data["returned"] == 2
    sent_back = bodies(server)[1]["messages"][-1]
    assert sent_back["role"] == "tool" and "DZ5485-612" in sent_back["content"]
    assert run.completed.answer == "2 pairs are dead stock."


async def test_logs_carry_no_key_and_no_prompt(
    server: FakeLLMServer, make_provider: Callable[..., OpenAIProvider]
) -> None:
    server.script(
        OPENAI_PATH, openai_error(500), openai_error(500), openai_error(400, kind="invalid_request_error")
    )
    question = "What did customer Jane Doe pay for order 4711?"
    with capture_logs() as logs, pytest.raises(ProviderError):
        await run_provider(make_provider(), ask(question, memory=["private note"]), RecordingTools())
    # (info-level retry lines may be filtered by the app's log level; the failure is a warning)
    failed = [e for e in logs if e["event"] == "llm_call_failed"]
    assert (
        len(failed) == 1
        and failed[0]["reason"] == "http 400 invalid_request_error"
        and failed[0]["attempts"] == 3
    )
    logged = json.dumps(logs, default=str)
    assert "sk-test" not in logged and "Jane Doe" not in logged and "private note" not in logged


async def test_retry_after_longer_than_we_wait_fails_over_at_once(
    server: FakeLLMServer, make_provider: Callable[..., OpenAIProvider]
) -> None:
    server.script(OPENAI_PATH, openai_error(429, headers={"retry-after": "3600"}, kind="rate_limit_error"))
    start = time.monotonic()
    with pytest.raises(ProviderError, match="http 429"):
        await run_provider(make_provider(), ask("hi"), RecordingTools())
    assert time.monotonic() - start < 1.5  # the builtin engine answers now instead of in an hour
    assert len(server.requests_to(OPENAI_PATH)) == 1


def test_retry_after_forms_and_backoff() -> None:
    assert parse_retry_after({"retry-after-ms": "250"}) == 0.25
    assert parse_retry_after({"retry-after": "2"}) == 2.0
    in_3s = email.utils.formatdate(time.time() + 3, usegmt=True)
    assert 1.0 < (parse_retry_after({"retry-after": in_3s}) or 0) <= 3.0
    assert parse_retry_after({"retry-after": "soon"}) is None
    assert parse_retry_after({}) is None
    policy = RetryPolicy(max_retries=3, base_delay=1.0, max_delay=3.0)
    waits = [policy.delay(attempt, None) for attempt in range(3)]
    assert all(
        w is not None and lo <= w <= hi
        for w, (lo, hi) in zip(waits, [(0.5, 1), (1, 2), (1.5, 3)], strict=True)
    )
    assert policy.delay(3, None) is None  # retries used up
    assert policy.delay(0, 5.0) == 5.0 and policy.delay(0, 31.0) is None


async def test_cached_prompt_tokens_are_read_from_the_usage_over_the_tool_loop(
    server: FakeLLMServer, make_provider: Callable[..., OpenAIProvider]
) -> None:
    # The second request repeats the first one's prefix: OpenAI serves 1,024 of it from its cache.
    server.script(
        OPENAI_PATH,
        Reply(
            sse=openai_stream(
                tool_calls=[("call_1", "query_business", '{"metrics": ["units_sold"]}')], usage=(1500, 20)
            )
        ),
        Reply(sse=openai_stream(text=ANSWER, usage=(1600, 30), cached=1024)),
    )
    run = await run_provider(make_provider(), ask("Sales?"), RecordingTools(data={"query_business": {}}))
    usage = run.completed.usage
    assert (usage.prompt_tokens, usage.completion_tokens, usage.cached_tokens) == (3100, 50, 1024)

    server.reset()
    server.script(OPENAI_PATH, Reply(json_body=openai_json(text=ANSWER, usage=(1200, 25), cached=256)))
    once = await run_provider(make_provider(stream_responses=False), ask("Sales?"), RecordingTools())
    assert once.completed.usage.cached_tokens == 256


async def test_the_prompt_starts_with_what_every_request_shares(
    server: FakeLLMServer, make_provider: Callable[..., OpenAIProvider]
) -> None:
    """OpenAI caches the longest prefix it has seen: the tools and the rules come first and are
    the same for every user and question; settings, memory and context come after them."""
    server.script(OPENAI_PATH, Reply(sse=openai_stream(text=ANSWER)), Reply(sse=openai_stream(text=ANSWER)))
    provider = make_provider()
    await run_provider(
        provider,
        ask("Dead stock?", memory=["prefers StockX"], user_settings={"dead_stock_days": 45}),
        RecordingTools(),
    )
    await run_provider(
        provider, ask("Umsatz?", language="de", context="Units in inventory: 14"), RecordingTools()
    )
    first, second = bodies(server)
    assert first["tools"] == second["tools"]
    rules = SYSTEM_PROMPT.format(currency="EUR")
    for body, volatile in ((first, "prefers StockX"), (second, "Units in inventory: 14")):
        system = body["messages"][0]["content"]
        assert system.startswith(rules) and volatile in system
        assert system.index(volatile) > len(rules)


async def test_a_tool_not_in_the_first_request_is_loaded_with_more_tools(
    server: FakeLLMServer, make_provider: Callable[..., OpenAIProvider]
) -> None:
    """The first request carries query_business and more_tools (a line per other tool); the model
    loads market_prices, the next request carries its schema after the unchanged ones, the
    model calls it and answers from its result. Loading is no source and no tool the answer used."""
    server.script(
        OPENAI_PATH,
        Reply(sse=openai_stream(tool_calls=[("call_more", MORE_TOOLS, '{"names": ["market_prices"]}')])),
        Reply(sse=openai_stream(tool_calls=[("call_mp", "market_prices", '{"sku": "DZ5485-612"}')])),
        Reply(sse=openai_stream(text="Lowest ask on StockX: 240.00 EUR.")),
    )
    prices = {"sku": "DZ5485-612", "lowest_ask": 240.0}
    tools = RecordingTools(data={"market_prices": prices})
    run = await run_provider(make_provider(), ask("What is the lowest ask for DZ5485-612?"), tools)

    first, second, third = bodies(server)
    names = [[t["function"]["name"] for t in body["tools"]] for body in (first, second, third)]
    assert names[0] == ["query_business", MORE_TOOLS]
    assert names[1] == names[2] == ["query_business", MORE_TOOLS, "market_prices"]
    assert second["tools"][:2] == first["tools"]  # the cached prefix does not change
    listing = first["tools"][1]["function"]["description"]
    assert all(name in listing for name in TOOL_ARGS if name != "query_business")
    assert json.loads(second["messages"][-1]["content"]) == {"loaded": ["market_prices"]}
    assert second["messages"][-1]["tool_call_id"] == "call_more"
    # the tool ran on the model's arguments; loading it was neither a source nor a used tool
    assert tools.calls == [("market_prices", {"sku": "DZ5485-612"}, "call_mp")]
    assert [s.name for s in run.started] == ["market_prices"]
    assert run.finished[0].result.data == prices
    assert run.completed.intent == "pricing"
    assert run.completed.answer == "Lowest ask on StockX: 240.00 EUR."


async def test_more_tools_names_what_it_cannot_load(
    server: FakeLLMServer, make_provider: Callable[..., OpenAIProvider]
) -> None:
    server.script(
        OPENAI_PATH,
        Reply(
            sse=openai_stream(tool_calls=[("c1", MORE_TOOLS, '{"names": ["delete_orders", "low_stock"]}')])
        ),
        Reply(sse=openai_stream(tool_calls=[("c2", MORE_TOOLS, '{"tools": "all"}')])),
        Reply(sse=openai_stream(text="Two sellers are running out.")),
    )
    run = await run_provider(make_provider(), ask("What is running out?"), RecordingTools())
    second, third = bodies(server)[1:]
    answer = json.loads(second["messages"][-1]["content"])
    assert answer["loaded"] == ["low_stock"] and answer["unknown"] == ["delete_orders"]
    assert "list_orders" in answer["available"] and "query_business" not in answer["available"]
    assert [t["function"]["name"] for t in second["tools"]][-1] == "low_stock"
    assert "error" in json.loads(third["messages"][-1]["content"])  # no names: told how to ask
    assert [t["function"]["name"] for t in third["tools"]].count("low_stock") == 1
    assert run.started == [] and run.completed.intent == "llm"


async def test_an_on_demand_tool_called_without_loading_still_runs(
    server: FakeLLMServer, make_provider: Callable[..., OpenAIProvider]
) -> None:
    server.script(
        OPENAI_PATH,
        Reply(sse=openai_stream(tool_calls=[("call_fee", "fee_estimate", '{"sale_price": 200}')])),
        Reply(sse=openai_stream(text="StockX keeps 19.00 EUR.")),
    )
    tools = RecordingTools(data={"fee_estimate": {"fees": 19.0}})
    run = await run_provider(make_provider(), ask("Fees on a 200 EUR sale?"), tools)
    assert tools.calls == [("fee_estimate", {"sale_price": 200}, "call_fee")]
    assert run.finished[0].result.data == {"fees": 19.0}


async def test_recalled_memory_is_sent_once_and_within_its_budget(
    server: FakeLLMServer, make_provider: Callable[..., OpenAIProvider]
) -> None:
    """A question asked again recalls the same snippet again: it is sent once; the best-ranked
    snippets (the memory backend's order) fill MEMORY_PROMPT_TOKENS, the rest is left out."""
    from domains.ai.tokens import count_tokens

    repeated = "[2026-12-01 user] I only sell on StockX"
    filler = [f"[2026-11-{day:02d} assistant] " + "revenue by platform " * 12 for day in range(1, 11)]
    server.script(OPENAI_PATH, Reply(sse=openai_stream(text=ANSWER)))
    await run_provider(make_provider(), ask("Sales?", memory=[repeated, repeated, *filler]), RecordingTools())
    system = bodies(server)[0]["messages"][0]["content"]
    assert system.count(repeated) == 1
    remembered = system.split("Remembered about this user:\n", 1)[1].splitlines()
    assert remembered[0] == f"- {repeated}"
    assert 1 < len(remembered) < 11  # some of the filler fits, not all of it
    assert sum(count_tokens(line[2:]) for line in remembered) <= MEMORY_PROMPT_TOKENS
