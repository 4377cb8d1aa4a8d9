"""Benchmark sections of the assistant and its memory, registered into scripts/bench.py.

    python -m scripts.bench --database-url postgresql+asyncpg://postgres@127.0.0.1:5432/bench_ai \
        --items 5000 --section ai-latency --section ai-prompt-tokens --no-docs
    python -m scripts.bench ... --section memory-recall --section memory-overhead --no-docs

Sections:
- ai-latency        POST /ai/query with the built-in engine through the whole app, a fixed mix of
                    EN/DE questions (N requests each), p50/p95 per kind of question and overall.
- ai-prompt-tokens  prompt tokens of the first OpenAI request per question, counted from the request
                    the real OpenAIProvider sends to a loopback fake, beside the integration plan's
                    prompt (its system prompt + its ContextBuilder inventory and analytics text).
- memory-recall     SqlMemory.load and observe_user_message at 1M stored messages of 10k users,
                    generated with COPY into their own database (BENCH_MEMORY_DATABASE_URL,
                    default: the benchmark database's server, database `bench_memory`).
- memory-overhead   scripts.bench_memory.bench_memory_overhead: Memori beside the sql backend.

- ai-vs-analytics   per question, the assistant's answer beside the semantic queries it ran, sent
                    straight to POST /analytics/query, interleaved in one run.

ai-latency also prints where a turn's time goes (scripts/bench_trace.py). The runner writes each
section's tables into its own block of docs/benchmarks.md (one per section, scale and database).
"""

from __future__ import annotations

import io
import json
import os
import random
import re
import time
import uuid
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import asyncpg
from pydantic import SecretStr
from sqlalchemy import func, insert, select, text
from sqlalchemy.engine import make_url
from tqdm import tqdm

from domains.ai.memory import repository
from domains.ai.memory.models import MemoryFact
from domains.ai.memory.sql_backend import SqlMemory
from domains.ai.models import Conversation, Message
from domains.ai.providers.builtin import BuiltinProvider
from domains.ai.tokens import REPLY_PRIMING_TOKENS, count_message_tokens, count_tokens, token_backend
from domains.inventory.models import IN_INVENTORY, InventoryItem
from domains.orders.models import Order
from domains.products.models import Brand, Product
from scripts.bench_core import (
    SectionResult,
    ms,
    percentile,
    section,
)
from scripts.bench_trace import REST, TurnTrace, one_turn, trace_turns
from shared.config.settings import Settings
from shared.database.engine import create_engine, create_sessionmaker
from shared.database.migrations import upgrade_to_head_async

MEMORY_DATABASE = "bench_memory"
MEMORY_USERS = 10_000
MEMORY_MESSAGES = 1_000_000
MEMORY_CONVERSATIONS_PER_USER = 10
RECALL_SAMPLES = 400
WRITE_SAMPLES = 200
RECALL_TOKEN_BUDGET = 600  # domains/ai/service.py MEMORY_TOKEN_BUDGET (min(600, AI_MAX_TOKENS // 4))
RECALL_TARGET_P95_MS = 10.0
LONG_HISTORY_MESSAGES = 2_000  # one user with a long history (the demo user after many questions)
LONG_HISTORY_SAMPLES = 100


# --------------------------------------------------------------------------------------
# The question mix
# --------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Question:
    kind: str
    text: str
    follow_up_of: str | None = None  # asked first (untimed) in the same conversation


QUESTIONS: tuple[Question, ...] = (
    Question("inventory count", "How many pairs do I have in stock?"),
    Question("inventory count", "Wie viele Paare habe ich gerade im Lager?"),
    Question("inventory count", "What is my inventory worth right now?"),
    Question("dead stock", "How much dead stock do I have?"),
    Question("dead stock", "Welche Ladenhüter habe ich?"),
    Question("dead stock", "Show me pairs older than 90 days"),
    Question("revenue last month", "What was my revenue last month?"),
    Question("revenue last month", "Wie hoch war mein Umsatz letzten Monat?"),
    Question("revenue last month", "How much profit did I make last month?"),
    Question("best sellers", "What are my best selling brands?"),
    Question("best sellers", "Was sind meine meistverkauften Sneaker?"),
    Question("best sellers", "Top 5 products by revenue this year"),
    Question("compare platforms", "Compare StockX and GOAT sales"),
    Question("compare platforms", "Welche Plattform bringt am meisten Gewinn?"),
    Question("compare platforms", "Which platform has the best margin?"),
    Question("follow-up", "And the month before?", follow_up_of="What was my revenue last month?"),
    Question("follow-up", "Und nur Nike?", follow_up_of="Wie hoch war mein Umsatz letzten Monat?"),
    Question("follow-up", "What about Jordan?", follow_up_of="How much dead stock do I have?"),
    Question("follow-up", "Und auf eBay?", follow_up_of="Compare StockX and GOAT sales"),
    Question("follow-up", "Which of them are the oldest?", follow_up_of="Welche Ladenhüter habe ich?"),
)


def _database_name(url: str) -> str:
    return make_url(url).database or "?"


# --------------------------------------------------------------------------------------
# ai-latency
# --------------------------------------------------------------------------------------


class _AppSettingsOverride:
    """app.state.settings with some values changed, for the duration of a section."""

    def __init__(self, app: Any, **values: Any) -> None:
        self.app, self.values = app, values

    def __enter__(self) -> None:
        self.saved = self.app.state.settings
        self.app.state.settings = self.saved.model_copy(update=self.values)

    def __exit__(self, *exc: object) -> None:
        self.app.state.settings = self.saved


async def _ask(ctx: Any, query: str, conversation_id: str | None = None) -> dict[str, Any]:
    body: dict[str, Any] = {"query": query}
    if conversation_id:
        body["conversation_id"] = conversation_id
    response = await ctx.client.post("/ai/query", json=body, headers=ctx.headers)
    if response.status_code != 200:
        raise RuntimeError(f"POST /ai/query {query!r} -> {response.status_code}: {response.text[:300]}")
    answer: dict[str, Any] = response.json()
    return answer


async def _timed_question(
    ctx: Any, question: Question, traces: list[TurnTrace] | None = None
) -> tuple[float, dict[str, Any]]:
    """Ask one question (its lead question first, untimed, for a follow-up); with `traces`,
    the timed request's per-stage breakdown is appended to it."""
    conversation_id = None
    if question.follow_up_of:
        conversation_id = (await _ask(ctx, question.follow_up_of))["conversation_id"]
    if traces is None:
        started = time.perf_counter()
        answer = await _ask(ctx, question.text, conversation_id)
        return time.perf_counter() - started, answer
    with one_turn() as trace:
        answer = await _ask(ctx, question.text, conversation_id)
    traces.append(trace)
    return trace.total, answer


def _no_limits(ctx: Any) -> _AppSettingsOverride:
    """The per-minute rate limit would answer 429 after 30 questions; the budget does not apply to
    the built-in engine (0 tokens) but is switched off too, so nothing but the engine is timed."""
    return _AppSettingsOverride(ctx.app, AI_RATE_LIMIT_PER_MINUTE=0, AI_DAILY_TOKEN_BUDGET=0)


def _scale(ctx: Any) -> str:
    backend = "SQLite" if ctx.settings.DATABASE_URL.startswith("sqlite") else "PostgreSQL"
    return f"{ctx.items:,} pairs, {backend}"


@section("ai-latency")
async def ai_latency_section(ctx: Any) -> Any:
    samples: dict[Question, list[float]] = defaultdict(list)
    traces: dict[str, list[TurnTrace]] = defaultdict(list)
    intents: dict[str, set[str]] = defaultdict(set)
    providers: set[str] = set()
    total = len(QUESTIONS) * (ctx.warmup + ctx.requests)
    with _no_limits(ctx), tqdm(total=total, desc="ai-latency requests", unit="req") as progress:
        for _round in range(ctx.warmup):
            for question in QUESTIONS:
                await _timed_question(ctx, question)
                progress.update()
        await analyze_assistant_tables(ctx.engine)
        with trace_turns(ctx.engine):
            for _round in range(ctx.requests):  # interleaved: load drifts hit every question alike
                for question in QUESTIONS:
                    seconds, answer = await _timed_question(ctx, question, traces[question.kind])
                    samples[question].append(seconds)
                    intents[question.kind].add(answer["intent"])
                    providers.add(answer["provider"])
                    progress.update()
    kinds: dict[str, list[float]] = defaultdict(list)
    counts: dict[str, int] = defaultdict(int)
    for question, values in samples.items():
        kinds[question.kind].extend(values)
        counts[question.kind] += 1
    rows = [
        [
            kind,
            str(counts[kind]),
            f"{len(values):,}",
            ms(percentile(values, 50)),
            ms(percentile(values, 95)),
            ms(max(values)),
            f"{sum(sum(t.queries.values()) for t in traces[kind]) / len(traces[kind]):.1f}",
            ", ".join(sorted(intents[kind])),
        ]
        for kind, values in kinds.items()
    ]
    everything = [v for values in kinds.values() for v in values]
    all_traces = [t for kind_traces in traces.values() for t in kind_traces]
    rows.append(
        [
            "**overall**",
            str(len(QUESTIONS)),
            f"{len(everything):,}",
            ms(percentile(everything, 50)),
            ms(percentile(everything, 95)),
            ms(max(everything)),
            f"{sum(sum(t.queries.values()) for t in all_traces) / len(all_traces):.1f}",
            "",
        ]
    )
    slowest = max(samples, key=lambda q: percentile(samples[q], 95))
    latency = SectionResult(
        title=f"AI assistant latency: POST /ai/query, built-in engine ({_scale(ctx)}, N={ctx.requests})",
        columns=[
            "question kind",
            "questions",
            "requests",
            "p50 ms",
            "p95 ms",
            "max ms",
            "SQL statements / turn",
            "intents detected",
        ],
        rows=rows,
        notes=[
            "Full HTTP round trip in-process (ASGI transport, JWT auth, validation, memory recall, the "
            "built-in engine's tool calls through the business services, storing the turn, commit), "
            f"demo user, provider: {', '.join(sorted(providers))}.",
            f"{len(QUESTIONS)} questions (EN and DE), asked in rounds: {ctx.warmup} warm-up rounds, then "
            f"{ctx.requests} timed rounds; each request starts a new conversation.",
            "follow-up: the first question of the pair is asked untimed, the follow-up is timed in the "
            "same conversation (history loaded).",
            f"slowest question by p95: {slowest.text!r} ({ms(percentile(samples[slowest], 95))} ms).",
            "Questions: " + "; ".join(f"{q.text!r}" for q in QUESTIONS) + ".",
        ],
    )
    return [latency, breakdown_result(traces, scale=_scale(ctx), requests=ctx.requests)]


def breakdown_result(traces: dict[str, list[TurnTrace]], *, scale: str, requests: int) -> SectionResult:
    """Mean ms (and SQL statements) per stage of a turn, overall and per question kind."""
    everything = [t for kind_traces in traces.values() for t in kind_traces]
    stages = sorted(
        {stage for t in everything for stage in t.seconds},
        key=lambda stage: -sum(t.seconds.get(stage, 0.0) for t in everything),
    )

    def mean_ms(group: list[TurnTrace], stage: str) -> float:
        return sum(t.seconds.get(stage, 0.0) for t in group) / len(group) * 1000

    def mean_queries(group: list[TurnTrace], stage: str) -> float:
        return sum(t.queries.get(stage, 0) for t in group) / len(group)

    total_ms = sum(t.total for t in everything) / len(everything) * 1000
    rows = []
    for stage in [*stages, "**turn**"]:
        if stage == "**turn**":
            overall = total_ms
            queries = sum(sum(t.queries.values()) for t in everything) / len(everything)
            sql = sum(sum(t.sql_seconds.values()) for t in everything) / len(everything) * 1000
            per_kind = [ms(sum(t.total for t in g) / len(g)) for g in traces.values()]
        else:
            overall = mean_ms(everything, stage)
            queries = mean_queries(everything, stage)
            sql = sum(t.sql_seconds.get(stage, 0.0) for t in everything) / len(everything) * 1000
            per_kind = [f"{mean_ms(g, stage):,.1f}" for g in traces.values()]
        rows.append(
            [
                stage,
                f"{overall:,.1f}",
                f"{overall / total_ms * 100:.0f}%",
                f"{queries:.1f}",
                f"{sql:,.1f}",
                *per_kind,
            ]
        )
    return SectionResult(
        title=f"Where a turn's time goes: POST /ai/query by stage ({scale}, N={requests})",
        columns=["stage", "mean ms", "share", "SQL stmts", "SQL ms", *(f"{k} ms" for k in traces)],
        rows=rows,
        notes=[
            "The timed requests of the latency table above, each traced (scripts/bench_trace.py): the "
            "stages are the service's own steps wrapped in timing spans for the run, exclusive of "
            "nested stages; SQL stmts / SQL ms: statements the stage sent and their time (cursor "
            "execute to return, in the stage that issued them).",
            "tool: NAME - the tool calls of the built-in engine (query_business = the semantic query); "
            "parse the question - the engine's pure-Python reading; "
            f"{REST!r} - the rest of the wall time: ASGI, the JWT user lookup "
            "(its SQL is counted here), pydantic, JSON, and the engine's answer formatting.",
        ],
    )


# --------------------------------------------------------------------------------------
# ai-vs-analytics: the assistant's answer beside the raw analytics call(s) it needs
# --------------------------------------------------------------------------------------


async def _raw_calls(ctx: Any, question: Question) -> list[dict[str, Any]]:
    """The semantic queries the assistant ran for its answer (from the answer's sources)."""
    _seconds, answer = await _timed_question(ctx, question)
    return [
        s["arguments"]
        for s in answer.get("sources", [])
        if s.get("tool") == "query_business" and not s.get("error")
    ]


async def _time_raw(ctx: Any, calls: list[dict[str, Any]]) -> float:
    started = time.perf_counter()
    for arguments in calls:
        response = await ctx.client.post("/analytics/query", json=arguments, headers=ctx.headers)
        if response.status_code != 200:
            raise RuntimeError(
                f"POST /analytics/query {arguments} -> {response.status_code}: {response.text[:300]}"
            )
        response.json()  # read as a client would, as the assistant's answer is (_ask)
    return time.perf_counter() - started


async def analyze_assistant_tables(engine: Any) -> None:
    """Every bench run writes conversations into the bench database; on a PostgreSQL server
    without autovacuum (this machine's) their statistics would stay those of the first run and
    the memory recall's plans drift run by run (p50 of a 1M-pair run 26 -> 32 ms after a few
    runs). VACUUM ANALYZE them once before the timed rounds, as autovacuum would."""
    if engine.dialect.name != "postgresql":
        return
    async with engine.connect() as conn:
        conn = await conn.execution_options(isolation_level="AUTOCOMMIT")
        await conn.execute(text("VACUUM (ANALYZE) ai_conversations, ai_messages, ai_usage, ai_memory_facts"))


@section("ai-vs-analytics")
async def ai_vs_analytics_section(ctx: Any) -> Any:
    """Per question: the assistant's whole answer beside the same semantic query (or queries)
    sent straight to POST /analytics/query, interleaved in one run."""
    ask: dict[Question, list[float]] = defaultdict(list)
    raw: dict[Question, list[float]] = defaultdict(list)
    with _no_limits(ctx):
        calls = {q: await _raw_calls(ctx, q) for q in QUESTIONS}
        answerable = [q for q in QUESTIONS if calls[q]]
        total = len(answerable) * (ctx.warmup + ctx.requests)
        await analyze_assistant_tables(ctx.engine)
        with tqdm(total=total, desc="ai-vs-analytics", unit="pair") as progress:
            for round_ in range(ctx.warmup + ctx.requests):
                for question in answerable:
                    seconds, _answer = await _timed_question(ctx, question)
                    raw_seconds = await _time_raw(ctx, calls[question])
                    if round_ >= ctx.warmup:
                        ask[question].append(seconds)
                        raw[question].append(raw_seconds)
                    progress.update()
    rows = []
    ratios = []
    for question in answerable:
        ratio = percentile(ask[question], 50) / percentile(raw[question], 50)
        ratios.append(ratio)
        rows.append(
            [
                question.kind,
                question.text,
                str(len(calls[question])),
                ms(percentile(raw[question], 50)),
                ms(percentile(ask[question], 50)),
                ms(percentile(ask[question], 95)),
                f"{ratio:.2f}x",
            ]
        )
    all_ask = [v for q in answerable for v in ask[q]]
    all_raw = [v for q in answerable for v in raw[q]]
    overall = percentile(all_ask, 50) / percentile(all_raw, 50)
    rows.append(
        [
            "**overall**",
            f"{len(answerable)} questions",
            "",
            ms(percentile(all_raw, 50)),
            ms(percentile(all_ask, 50)),
            ms(percentile(all_ask, 95)),
            f"{overall:.2f}x",
        ]
    )
    skipped = [q.text for q in QUESTIONS if not calls[q]]
    return SectionResult(
        title=f"The assistant's answer vs the raw analytics call it needs ({_scale(ctx)}, N={ctx.requests})",
        columns=[
            "kind",
            "question",
            "semantic queries",
            "raw call p50 ms",
            "assistant p50 ms",
            "assistant p95 ms",
            "assistant / raw (p50)",
        ],
        rows=rows,
        notes=[
            "raw call: the semantic queries the assistant ran for that answer (taken from its sources) "
            "sent to POST /analytics/query through the same app and client (auth, validation, SQL, JSON; "
            "the client reads both responses' JSON). "
            "assistant: POST /ai/query for the question (memory, parse, the same queries, storing the "
            "turn, commit). Interleaved pairwise in one run: "
            f"{ctx.warmup} warm-up rounds, then N={ctx.requests}.",
            f"median of the per-question ratios: {percentile(ratios, 50):.2f}x; target <= 1.5x.",
            ("not compared (answered without the semantic query): " + "; ".join(map(repr, skipped)))
            if skipped
            else "every question is answered through the semantic query.",
        ],
    )


# --------------------------------------------------------------------------------------
# ai-prompt-tokens
# --------------------------------------------------------------------------------------

# The integration plan's AIAssistantService.SYSTEM_PROMPTS and intent keywords, as written there.
PLAN_SYSTEM_PROMPTS = {
    "inventory": """You are a helpful inventory management assistant for SoleFlip,
a sneaker resale business. You have access to real-time inventory data, product information,
and analytics. Provide concise, actionable insights. When asked about inventory, include
specific numbers and recommendations. Always be professional and data-driven.""",
    "pricing": """You are a pricing strategy expert for SoleFlip. You help optimize
pricing decisions based on market data, inventory age, and demand patterns. Provide
specific price recommendations with clear reasoning.""",
    "analytics": """You are a business analytics assistant for SoleFlip. You analyze
sales trends, product performance, and provide strategic insights. Use data to support
your recommendations and highlight key patterns.""",
    "general": """You are SoleFlip AI Assistant, helping with sneaker resale business
operations. You have access to inventory, pricing, analytics, and order data. Provide
helpful, accurate answers based on the available data.""",
}
PLAN_KEYWORDS = {
    "inventory": ["inventory", "stock", "warehouse", "items", "quantity"],
    "pricing": ["price", "pricing", "cost", "value", "worth"],
    "analytics": ["sales", "revenue", "performance", "trend", "analytics"],
    "product": ["product", "sneaker", "shoe", "brand"],
}


def plan_intent(query: str) -> str:
    lowered = query.lower()
    for intent, words in PLAN_KEYWORDS.items():
        if any(word in lowered for word in words):
            return intent
    return "general"


async def plan_context_text(ctx: Any) -> str:
    """The plan's ContextBuilder.build_inventory_context() + build_analytics_context(30), on our data."""

    now = datetime.now(UTC)
    async with ctx.session() as session:
        in_stock = InventoryItem.status.in_(IN_INVENTORY)
        stats = (
            await session.execute(
                select(
                    func.count(InventoryItem.id), func.count(func.distinct(InventoryItem.product_id))
                ).where(in_stock)
            )
        ).one()
        dead = await session.scalar(
            select(func.count(InventoryItem.id)).where(
                in_stock, InventoryItem.purchased_at < now - timedelta(days=60)
            )
        )
        start = now - timedelta(days=30)
        revenue = (
            await session.execute(
                select(func.sum(Order.sale_price), func.count(Order.id), func.avg(Order.sale_price)).where(
                    Order.sold_at >= start
                )
            )
        ).one()
        top_brands = (
            await session.execute(
                select(Brand.name, func.count(Order.id))
                .join(Product, Product.brand_id == Brand.id)
                .join(Order, Order.product_id == Product.id)
                .where(Order.sold_at >= start)
                .group_by(Brand.name)
                .order_by(func.count(Order.id).desc())
                .limit(5)
            )
        ).all()
    total_items, unique_products = stats
    inventory = f"""
Current Inventory Summary:
- Total Inventory Items: {total_items}
- Total Quantity: {total_items}
- Unique Products: {unique_products}
- Dead Stock Items (>60 days): {dead}
- Dead Stock Rate: {(dead or 0) / max(total_items, 1) * 100:.1f}%
""".strip()
    analytics = f"""
Analytics Summary (Last 30 days):
- Total Revenue: ${float(revenue[0] or 0):.2f}
- Total Orders: {revenue[1] or 0}
- Average Order Value: ${float(revenue[2] or 0):.2f}

Top Selling Brands:
"""
    for brand, count in top_brands:
        analytics += f"- {brand}: {count} sales\n"
    return inventory + "\n\n" + analytics.strip()


def plan_prompt_tokens(question: str, context: str, model: str) -> int:

    messages = [
        {
            "role": "system",
            "content": PLAN_SYSTEM_PROMPTS.get(plan_intent(question), PLAN_SYSTEM_PROMPTS["general"]),
        },
        {"role": "system", "content": f"Current Data Context:\n\n{context}"},
        {"role": "user", "content": question},
    ]
    return count_message_tokens(messages, model)


@dataclass(slots=True)
class _SentPrompt:
    system: int
    history: int
    question: int
    tools: int
    tool_count: int

    @property
    def total(self) -> int:
        return self.system + self.history + self.question + self.tools


def _split_request(body: dict[str, Any], model: str) -> _SentPrompt:
    """Prompt tokens of a recorded chat.completions request: system / history / question / tools."""

    messages = body["messages"]
    system = [m for m in messages if m.get("role") == "system"]
    rest = [m for m in messages if m.get("role") != "system"]
    tools = body.get("tools") or []
    return _SentPrompt(
        system=count_message_tokens(system, model) - REPLY_PRIMING_TOKENS,
        history=count_message_tokens(rest[:-1], model) - REPLY_PRIMING_TOKENS,
        question=count_message_tokens(rest[-1:], model),  # with the reply priming
        tools=count_tokens(json.dumps(tools, ensure_ascii=False, separators=(",", ":")), model)
        if tools
        else 0,
        tool_count=len(tools),
    )


@section("ai-prompt-tokens")
async def ai_prompt_tokens_section(ctx: Any) -> Any:

    from domains.ai.providers.openai_provider import OpenAIProvider
    from tests.ai.fakes.llm_server import OPENAI_PATH, FakeLLMServer, Reply, openai_stream

    llm = FakeLLMServer()
    llm.start()
    app = ctx.app
    saved_providers = getattr(app.state, "ai_providers", None)
    rows: list[list[str]] = []
    ratios: list[float] = []
    try:
        with _AppSettingsOverride(app, AI_RATE_LIMIT_PER_MINUTE=0, AI_DAILY_TOKEN_BUDGET=0):
            provider_settings = app.state.settings.model_copy(
                update={
                    "OPENAI_BASE_URL": f"{llm.url}/v1",
                    "OPENAI_API_KEY": SecretStr("sk-bench-0123456789abcdef"),
                    "AI_MAX_RETRIES": 0,
                }
            )
            provider = OpenAIProvider(provider_settings)
            app.state.ai_providers = (provider, BuiltinProvider(app.state.settings))
            model = provider.model
            context = await plan_context_text(ctx)
            plan_context_tokens = count_tokens(context, model)
            for question in tqdm(QUESTIONS, desc="ai-prompt-tokens questions", unit="q"):
                conversation_id = None
                if question.follow_up_of:
                    llm.script(OPENAI_PATH, Reply(sse=openai_stream(text="Your revenue was 12,345.00 EUR.")))
                    conversation_id = (await _ask(ctx, question.follow_up_of))["conversation_id"]
                llm.script(OPENAI_PATH, Reply(sse=openai_stream(text="Here are your figures.")))
                before = len(llm.requests_to(OPENAI_PATH))
                answer = await _ask(ctx, question.text, conversation_id)
                sent = llm.requests_to(OPENAI_PATH)[before:]
                if not sent or answer.get("fallback"):
                    raise RuntimeError(f"the OpenAI fake got no request for {question.text!r}: {answer}")
                ours = _split_request(sent[0].body, model)
                plan = plan_prompt_tokens(question.text, context, model)
                ratios.append(ours.total / plan)
                rows.append(
                    [
                        question.kind,
                        question.text,
                        f"{ours.system:,}",
                        f"{ours.tools:,} ({ours.tool_count})",
                        f"{ours.history:,}",
                        f"{ours.total:,}",
                        f"{plan:,}",
                        f"{ours.total / plan:.2f}x",
                    ]
                )
            await provider.aclose()
    finally:
        app.state.ai_providers = saved_providers
        llm.stop()
    mean = sum(ratios) / len(ratios)
    result = SectionResult(
        title=f"Prompt tokens per question: our OpenAI request vs the integration plan's prompt ({ctx.items:,} pairs)",
        columns=[
            "kind",
            "question",
            "ours: system + memory",
            "ours: tools (count)",
            "ours: history",
            "ours: total",
            "plan: total",
            "ours / plan",
        ],
        rows=rows,
        notes=[
            f"ours: the first chat.completions request the real OpenAIProvider ({model}) sent to a loopback "
            "fake for POST /ai/query: system prompt (rules, then the user's settings and recalled memory), "
            "the tools of the first request (query_business and more_tools, which loads the others on "
            "demand), conversation history, question; no pre-fetched context (language models fetch their "
            "figures). Counted with "
            f"{token_backend(model)} (o200k/cl100k as the model uses; chat framing per OpenAI's cookbook; "
            "tools as their compact JSON, which errs high). Tool results of later steps are not included.",
            "plan: the integration plan's AIAssistantService.query() prompt: its per-intent system prompt + "
            "'Current Data Context' with its ContextBuilder inventory AND analytics text (computed on this "
            f"database: {plan_context_tokens:,} tokens) pasted into every prompt + question; "
            "no tools, no history (Memori's injected memories not counted).",
            f"mean ours / plan: {mean:.2f}x. The plan's ContextBuilder text is a fixed handful of aggregate "
            "lines (counts, 30-day revenue, top 5 brands), so its size does not grow with the data; what it "
            "cannot answer (dead-stock lists, platform comparisons, other periods) it cannot ground at all. "
            "Our fixed cost is the tool schemas.",
        ],
    )
    return result


# --------------------------------------------------------------------------------------
# ai-cost: the whole tool loop per answered question, and its price per 100 questions
# --------------------------------------------------------------------------------------

# (provider, model) priced per 100 questions: a few current models of each provider, and the
# integration plan's GPT-4 Turbo on our loops.
COST_MODELS: tuple[tuple[str, str], ...] = (
    ("openai", "gpt-4o-mini"),
    ("openai", "gpt-4.1-mini"),
    ("openai", "gpt-5-mini"),
    ("openai", "gpt-4.1"),
    ("openai", "gpt-4o"),
    ("openai", "gpt-4-turbo"),
    ("anthropic", "claude-haiku-4-5"),
    ("anthropic", "claude-sonnet-4-5"),
)
PLAN_ESTIMATE = (
    "integration plan: 100 questions/day x (~1,000 input + 500 output tokens) on GPT-4 Turbo = $2.50/day"
)
OPENAI_MIN_CACHED_PREFIX = 1024  # OpenAI caches prompts from 1,024 tokens on, in steps of 128
# Anthropic caches a prefix only from a model's minimum on (its prompt caching docs); shorter: no
# cache write, no read, full price.
ANTHROPIC_MIN_CACHED_PREFIX: dict[str, int] = {
    "claude-haiku-4": 4096,
    "claude-opus-4-5": 4096,
    "claude-3-5-haiku": 2048,
    "claude-3-haiku": 2048,
}
ANTHROPIC_DEFAULT_MIN_CACHED_PREFIX = 1024  # Sonnet 4 / 4.5, Opus 4 / 4.1


def anthropic_min_cached_prefix(model: str) -> int:
    for prefix in sorted(ANTHROPIC_MIN_CACHED_PREFIX, key=len, reverse=True):
        if model.startswith(prefix):
            return ANTHROPIC_MIN_CACHED_PREFIX[prefix]
    return ANTHROPIC_DEFAULT_MIN_CACHED_PREFIX


@dataclass(slots=True)
class _LoopRequest:
    prompt: int  # every prompt token of the request
    stable: int  # of it: the tools and the rules, the same for every question
    completion: int


@dataclass(slots=True)
class _Loop:
    question: Question
    requests: list[_LoopRequest]
    tool_calls: int


def _tools_tokens(tools: list[dict[str, Any]], model: str) -> int:
    return count_tokens(json.dumps(tools, ensure_ascii=False, separators=(",", ":")), model) if tools else 0


def _stable_prefix_tokens(first_tools: list[dict[str, Any]], model: str) -> int:
    """Tokens of the tools every request starts with (the first request's) and the rules."""
    from domains.ai.providers.prompts import system_prompt

    return _tools_tokens(first_tools, model) + count_tokens(system_prompt(currency="EUR"), model)


def _loop_request(body: dict[str, Any], reply_text: str, model: str, stable: int) -> _LoopRequest:
    prompt = count_message_tokens(body["messages"], model) + _tools_tokens(body.get("tools") or [], model)
    return _LoopRequest(prompt, stable, count_tokens(reply_text, model))


def _cache_plan(loop: _Loop, provider: str, model: str) -> list[tuple[int, int]]:
    """(read from the cache, written to it) per request of one loop, as the prompt caches work
    inside it: a cold cache on the first request; OpenAI reads the previous request's prompt
    (from 1,024 tokens on, in steps of 128); Anthropic writes the stable prefix (tools and rules,
    the breakpoints) on the first request and reads it on the later ones, if the prefix reaches
    the model's minimum."""
    plan: list[tuple[int, int]] = []
    previous = 0
    for index, request in enumerate(loop.requests):
        read = write = 0
        if provider == "anthropic" and request.stable >= anthropic_min_cached_prefix(model):
            write, read = (request.stable, 0) if index == 0 else (0, request.stable)
        elif provider == "openai" and index > 0 and previous >= OPENAI_MIN_CACHED_PREFIX:
            read = previous // 128 * 128
        plan.append((read, write))
        previous = request.prompt
    return plan


def _loop_cost(loop: _Loop, provider: str, model: str, *, cached: bool) -> Decimal:
    """USD of one answered question's tool loop at domains/ai/costs.py's prices; cached: with
    what the prompt caches save inside the loop (_cache_plan)."""
    from domains.ai.costs import estimate_cost_usd

    plan = _cache_plan(loop, provider, model) if cached else [(0, 0)] * len(loop.requests)
    return sum(
        (
            estimate_cost_usd(
                provider=provider,
                model=model,
                prompt_tokens=request.prompt,
                completion_tokens=request.completion,
                cached_tokens=read,
                cache_write_tokens=write,
            )
            for request, (read, write) in zip(loop.requests, plan, strict=True)
        ),
        Decimal(0),
    )


async def _builtin_calls(ctx: Any, question: Question) -> tuple[list[tuple[str, str, str]], str]:
    """The tool calls (with the arguments as given) and the answer of the built-in engine: what a
    language model's loop is scripted with, so the tool results it reads are the real ones."""
    _seconds, answer = await _timed_question(ctx, question)
    calls = [
        (f"call_{i}", s["tool"], json.dumps(s["arguments"], ensure_ascii=False))
        for i, s in enumerate(answer.get("sources", []))
        if not s.get("error")
    ]
    return calls, str(answer["response"])


@section("ai-cost")
async def ai_cost_section(ctx: Any) -> Any:
    from domains.ai.providers.llm_common import MORE_TOOLS
    from domains.ai.providers.openai_provider import OpenAIProvider
    from domains.ai.tools.business import business_tool_specs
    from domains.ai.tools.memory import memory_tool_specs
    from tests.ai.fakes.llm_server import OPENAI_PATH, FakeLLMServer, Reply, openai_stream

    loops: list[_Loop] = []
    llm = FakeLLMServer()
    llm.start()
    app = ctx.app
    saved_providers = getattr(app.state, "ai_providers", None)
    try:
        with _no_limits(ctx):
            scripted = {q: await _builtin_calls(ctx, q) for q in QUESTIONS}
            provider = OpenAIProvider(
                app.state.settings.model_copy(
                    update={
                        "OPENAI_BASE_URL": f"{llm.url}/v1",
                        "OPENAI_API_KEY": SecretStr("sk-bench-0123456789abcdef"),
                        "AI_MAX_RETRIES": 0,
                    }
                )
            )
            app.state.ai_providers = (provider, BuiltinProvider(app.state.settings))
            model = provider.model
            on_demand = {
                spec.name for spec in business_tool_specs() + memory_tool_specs() if spec.summary is not None
            }
            for question in tqdm(QUESTIONS, desc="ai-cost questions", unit="q"):
                conversation_id = None
                if question.follow_up_of:
                    llm.script(OPENAI_PATH, Reply(sse=openai_stream(text="Your revenue was 12,345.00 EUR.")))
                    conversation_id = (await _ask(ctx, question.follow_up_of))["conversation_id"]
                calls, answer_text = scripted[question]
                steps: list[list[tuple[str, str, str]]] = []
                needed = list(dict.fromkeys(name for _id, name, _args in calls if name in on_demand))
                if needed:  # a tool the first request does not carry: the model loads it first
                    steps.append([("call_more", MORE_TOOLS, json.dumps({"names": needed}))])
                if calls:
                    steps.append(calls)
                replies = [Reply(sse=openai_stream(tool_calls=step)) for step in steps]
                llm.script(OPENAI_PATH, *replies, Reply(sse=openai_stream(text=answer_text)))
                before = len(llm.requests_to(OPENAI_PATH))
                answer = await _ask(ctx, question.text, conversation_id)
                sent = llm.requests_to(OPENAI_PATH)[before:]
                if answer.get("fallback") or len(sent) != len(replies) + 1:
                    raise RuntimeError(f"ai-cost: unexpected loop for {question.text!r}: {answer}")
                outputs = ["".join(c[1] + c[2] for c in step) for step in steps] + [answer_text]
                stable = _stable_prefix_tokens(sent[0].body.get("tools") or [], model)
                loops.append(
                    _Loop(
                        question,
                        [
                            _loop_request(r.body, out, model, stable)
                            for r, out in zip(sent, outputs, strict=True)
                        ],
                        len(calls),
                    )
                )
            await provider.aclose()
    finally:
        app.state.ai_providers = saved_providers
        llm.stop()
    return _cost_results(loops, scale=_scale(ctx))


def _cost_results(loops: list[_Loop], *, scale: str) -> list[SectionResult]:
    first = [loop.requests[0].prompt for loop in loops]
    prompts = [sum(r.prompt for r in loop.requests) for loop in loops]
    cached = [sum(read for read, _ in _cache_plan(loop, "openai", "gpt-4o-mini")) for loop in loops]
    completions = [sum(r.completion for r in loop.requests) for loop in loops]
    loop_rows = [
        [
            loop.question.kind,
            loop.question.text,
            str(len(loop.requests)),
            f"{loop.requests[0].prompt:,}",
            f"{loop.requests[0].stable:,}",
            f"{prompt:,}",
            f"{read:,}",
            f"{completion:,}",
        ]
        for loop, prompt, read, completion in zip(loops, prompts, cached, completions, strict=True)
    ]
    loop_rows.append(
        [
            "**median**",
            f"{len(loops)} questions",
            f"{percentile([len(loop.requests) for loop in loops], 50):.0f}",
            f"{percentile(first, 50):,.0f}",
            f"{percentile([loop.requests[0].stable for loop in loops], 50):,.0f}",
            f"{percentile(prompts, 50):,.0f}",
            f"{percentile(cached, 50):,.0f}",
            f"{percentile(completions, 50):,.0f}",
        ]
    )
    prompt_100 = sum(prompts) * 100 / len(loops)
    completion_100 = sum(completions) * 100 / len(loops)
    cost_rows = []
    for provider, model in COST_MODELS:
        plain = sum(_loop_cost(loop, provider, model, cached=False) for loop in loops) * 100 / len(loops)
        with_cache = sum(_loop_cost(loop, provider, model, cached=True) for loop in loops) * 100 / len(loops)
        cost_rows.append(
            [
                provider,
                model,
                f"{prompt_100:,.0f}",
                f"{completion_100:,.0f}",
                f"${plain:,.2f}",
                f"${with_cache:,.2f}",
            ]
        )
    cost_rows.append(["plan", "gpt-4-turbo", "100,000", "50,000", "$2.50", "-"])
    requests = sum(len(loop.requests) for loop in loops)
    loop_table = SectionResult(
        title=f"Tokens of the whole tool loop per answered question, OpenAI provider ({scale})",
        columns=[
            "kind",
            "question",
            "requests",
            "first request: prompt",
            "of it: tools + rules",
            "loop: prompt",
            "loop: cached",
            "loop: completion",
        ],
        rows=loop_rows,
        notes=[
            "The real OpenAIProvider (tool loop, system prompt, memory, history; no pre-fetched context: "
            "language models fetch their figures) against the loopback fake, scripted to call the tools the "
            "built-in engine called for that question with the same arguments (after loading them with "
            "`more_tools` when the first request does not carry them) and to answer with the built-in "
            "engine's text: the tool results the later requests carry are the app's real results on this "
            "database.",
            "Counted with tiktoken as the requests were sent (tools as compact JSON, which errs high); "
            "completion = the tool calls' JSON, then the answer. cached = what OpenAI's prompt cache would "
            "serve inside the loop (the previous request's prompt, from 1,024 tokens on, in steps of 128); "
            "the fake reports no usage, so this is modelled, not read.",
            f"median first-request prompt: {percentile(first, 50):,.0f} tokens (target <= 1,000); "
            f"{requests} requests for {len(loops)} questions.",
        ],
    )
    cost_table = SectionResult(
        title=f"Cost per 100 answered questions ({scale})",
        columns=[
            "provider",
            "model",
            "prompt tokens",
            "completion tokens",
            "no cache",
            "with prompt caching",
        ],
        rows=cost_rows,
        notes=[
            "The loops above (mean over the questions) x 100 at the list prices of the code's pricing table "
            "(domains/ai/costs.py PRICES_PER_MILLION, USD per 1M tokens; cached input per its "
            "CACHED_INPUT_PER_MILLION, Anthropic 0.1x read / 1.25x write), the prices the usage ledger uses.",
            "with prompt caching: only what caching saves inside each tool loop (a cold cache on every "
            "question's first request). OpenAI: the previous request's prompt read at the cached price when "
            ">= 1,024 tokens. Anthropic: the tools and rules (the cache breakpoints) written at 1.25x and read "
            "at 0.1x by the next request, only when they reach the model's minimum cacheable prefix "
            "(1,024 tokens for Sonnet 4.x, 4,096 for Haiku 4.5): below it nothing is cached. A first "
            "request under 1,024 tokens is below both caches' minimum, so questions asked within 5 minutes "
            "of each other share no cached prefix either.",
            "Claude's tokenizer differs from OpenAI's; the same token counts are priced for both.",
            PLAN_ESTIMATE + " (its prompts carried no tools and could answer only from a fixed summary).",
        ],
    )
    return [loop_table, cost_table]


# --------------------------------------------------------------------------------------
# memory-recall: 1M messages of 10k users, generated with COPY
# --------------------------------------------------------------------------------------

BRANDS = ["Nike", "Jordan", "Adidas", "New Balance", "Asics", "Yeezy", "Puma", "Salomon"]
MODELS = [
    "Air Jordan 4 Bred",
    "Dunk Low Panda",
    "Yeezy 350 Zebra",
    "Samba OG",
    "990v6 Grey",
    "Gel-Kayano 14",
    "Air Max 1",
    "Jordan 1 Chicago",
    "XT-6 Black",
    "Travis Scott Low",
]
PLATFORMS = ["StockX", "GOAT", "eBay", "Alias", "Klekt", "Restocks"]
USER_TEMPLATES = [
    "How much dead stock do I have on {platform}?",
    "What was my revenue with {brand} last month?",
    "Should I lower the price of the {model} in size {size}?",
    "Which {brand} pairs are older than {days} days?",
    "Compare my sales on {platform} and {platform2}",
    "Wie viel Umsatz habe ich mit {brand} auf {platform} gemacht?",
    "Welche Ladenhüter von {brand} habe ich noch?",
    "Was ist der Marktpreis für {model} Größe {size}?",
    "I sold the {model} size {size} for {price} EUR on {platform}",
    "Best sellers this week?",
]
ASSISTANT_TEMPLATES = [
    "You have {units} pairs of dead stock on {platform}, worth {price} EUR in total.",
    "Revenue with {brand} last month was {price} EUR from {units} orders, margin {pct}%.",
    "The {model} in size {size} sells for about {price} EUR on {platform}; lowering by {pct}% would still keep a profit.",
    "{units} {brand} pairs are older than {days} days; the oldest is the {model}.",
    "{platform}: {units} orders, {price} EUR revenue. {platform2}: fewer orders but a higher margin of {pct}%.",
    "Mit {brand} hast du auf {platform} {price} EUR Umsatz gemacht ({units} Bestellungen).",
    "Du hast {units} Ladenhüter von {brand}, der älteste ist der {model}.",
    "Der Marktpreis für {model} in Größe {size} liegt bei etwa {price} EUR.",
    "Noted: {model} size {size} sold on {platform}; profit after fees {price} EUR.",
    "Your best sellers this week: {model} ({units} pairs), then {brand}.",
]
NOTE_TEXTS = [
    "I keep the Jordans in the garage storage unit",
    "My accountant needs the monthly export by the 5th",
    "I only buy Yeezys below retail",
    "Restock Samba OG every month",
    "Ich verkaufe Kinder-Größen nur auf eBay",
    "Pairs with box damage go to Alias",
]
RECALL_QUERIES = [
    "How much dead stock do I have on StockX?",
    "What did we say about the Jordan 4 Bred price?",
    "Wie viel Umsatz habe ich mit Nike letzten Monat gemacht?",
    "Which Adidas pairs should I discount?",
    "Compare GOAT and eBay sales",
    "Welche Ladenhüter von New Balance habe ich?",
]
FACT_STATEMENT = "Remember that anything older than {days} days counts as dead stock for me"


def memory_database_url(settings_url: str) -> str:
    url = os.environ.get("BENCH_MEMORY_DATABASE_URL")
    return url or make_url(settings_url).set(database=MEMORY_DATABASE).render_as_string(hide_password=False)


def _fill(template: str, rng: random.Random) -> str:
    return template.format(
        brand=rng.choice(BRANDS),
        model=rng.choice(MODELS),
        platform=rng.choice(PLATFORMS),
        platform2=rng.choice(PLATFORMS),
        size=rng.choice(["8", "8.5", "9", "9.5", "10", "10.5", "11", "42", "43", "44.5"]),
        price=f"{rng.randint(80, 2400):,}",
        units=rng.randint(1, 140),
        days=rng.choice([30, 45, 60, 90, 120]),
        pct=rng.randint(5, 40),
    )


def _copy_text(rows: Sequence[Sequence[Any]]) -> bytes:
    """PostgreSQL COPY text format (our generated values hold no tab, newline or backslash)."""
    out = io.StringIO()
    for row in rows:
        out.write("\t".join("\\N" if v is None else str(v) for v in row))
        out.write("\n")
    return out.getvalue().encode()


async def generate_memory_data(database_url: str, *, users: int, messages: int, seed: int = 7) -> float:
    """Users, conversations, messages and facts with COPY; secondary indexes and foreign keys of
    ai_messages rebuilt after the load. Returns the seconds it took."""

    started = time.perf_counter()
    rng = random.Random(seed)
    now = datetime.now(UTC)
    per_user = messages // users
    dsn = make_url(database_url).set(drivername="postgresql").render_as_string(hide_password=False)
    conn = await asyncpg.connect(dsn)
    try:
        async with conn.transaction():
            await conn.execute("SET LOCAL maintenance_work_mem = '256MB'")
            await conn.execute(
                "TRUNCATE ai_memory_facts, ai_messages, ai_conversations, ai_usage, users RESTART IDENTITY CASCADE"
            )
            indexes = await conn.fetch(
                "SELECT indexname, indexdef FROM pg_indexes WHERE tablename = 'ai_messages' "
                "AND indexname NOT IN (SELECT conname FROM pg_constraint WHERE conrelid = 'ai_messages'::regclass)"
            )
            foreign_keys = await conn.fetch(
                "SELECT conname, pg_get_constraintdef(oid) AS def FROM pg_constraint "
                "WHERE conrelid = 'ai_messages'::regclass AND contype = 'f'"
            )
            for fk in foreign_keys:
                await conn.execute(f'ALTER TABLE ai_messages DROP CONSTRAINT "{fk["conname"]}"')
            for index in indexes:
                await conn.execute(f'DROP INDEX "{index["indexname"]}"')

            user_ids = [uuid.UUID(int=rng.getrandbits(128), version=4) for _ in range(users)]
            stamp = now.isoformat()
            await conn.copy_to_table(
                "users",
                source=io.BytesIO(
                    _copy_text(
                        [
                            (
                                uid,
                                f"memory-bench-{i}@example.com",
                                "!",
                                f"Reseller {i}",
                                "t",
                                "f",
                                stamp,
                                stamp,
                            )
                            for i, uid in enumerate(user_ids)
                        ]
                    )
                ),
                columns=[
                    "id",
                    "email",
                    "hashed_password",
                    "full_name",
                    "is_active",
                    "is_owner",
                    "created_at",
                    "updated_at",
                ],
            )
            conversation_rows = []
            for uid in user_ids:
                for c in range(MEMORY_CONVERSATIONS_PER_USER):
                    cid = uuid.UUID(int=rng.getrandbits(128), version=4)
                    conversation_rows.append((cid, uid, f"Conversation {c + 1}", stamp, stamp))
            await conn.copy_to_table(
                "ai_conversations",
                source=io.BytesIO(_copy_text(conversation_rows)),
                columns=["id", "user_id", "title", "created_at", "updated_at"],
            )

            columns = [
                "conversation_id",
                "user_id",
                "role",
                "content",
                "language",
                "prompt_tokens",
                "completion_tokens",
                "created_at",
            ]
            with tqdm(
                total=users * per_user, desc="memory-recall: COPY ai_messages", unit="msg", unit_scale=True
            ) as bar:
                for first in range(0, users, 500):
                    rows = []
                    for ui in range(first, min(first + 500, users)):
                        uid = user_ids[ui]
                        for m in range(per_user):
                            cid = conversation_rows[
                                ui * MEMORY_CONVERSATIONS_PER_USER + (m // 2) % MEMORY_CONVERSATIONS_PER_USER
                            ][0]
                            template = rng.randrange(len(USER_TEMPLATES))
                            user_turn = m % 2 == 0
                            content = _fill(
                                USER_TEMPLATES[template] if user_turn else ASSISTANT_TEMPLATES[template], rng
                            )
                            moment = now - timedelta(minutes=rng.randint(0, 365 * 24 * 60))
                            rows.append(
                                (
                                    cid,
                                    uid,
                                    "user" if user_turn else "assistant",
                                    content,
                                    "de" if template in (5, 6, 7) else "en",
                                    0,
                                    0,
                                    moment.isoformat(),
                                )
                            )
                    await conn.copy_to_table(
                        "ai_messages", source=io.BytesIO(_copy_text(rows)), columns=columns
                    )
                    bar.update(len(rows))

            fact_rows = []
            for uid in user_ids:
                days = rng.choice([30, 45, 60, 90])
                old = now - timedelta(days=rng.randint(60, 300))
                fact_rows.append(
                    (
                        uid,
                        "dead_stock_threshold",
                        json.dumps(days + 15),
                        f"dead stock after {days + 15} days",
                        old.isoformat(),
                        (old + timedelta(days=20)).isoformat(),
                    )
                )
                fact_rows.append(
                    (
                        uid,
                        "dead_stock_threshold",
                        json.dumps(days),
                        f"anything older than {days} days is dead stock",
                        (old + timedelta(days=20)).isoformat(),
                        None,
                    )
                )
                fact_rows.append(
                    (
                        uid,
                        "preferred_platform",
                        json.dumps(rng.choice(["stockx", "goat", "ebay"])),
                        "I mostly sell on StockX",
                        old.isoformat(),
                        None,
                    )
                )
                fact_rows.append(
                    (
                        uid,
                        "target_margin",
                        json.dumps(float(rng.choice([15, 20, 25]))),
                        "I aim for a 20% margin",
                        old.isoformat(),
                        None,
                    )
                )
                for note in rng.sample(NOTE_TEXTS, 3):
                    fact_rows.append((uid, "note", json.dumps(note), note, old.isoformat(), None))
            await conn.copy_to_table(
                "ai_memory_facts",
                source=io.BytesIO(_copy_text([(*r[:4], r[4], r[5], r[4]) for r in fact_rows])),
                columns=["user_id", "kind", "value", "text", "valid_from", "valid_to", "created_at"],
            )

            for index in tqdm(indexes, desc="memory-recall: rebuild indexes", unit="index"):
                await conn.execute(index["indexdef"])
            for fk in foreign_keys:
                await conn.execute(f'ALTER TABLE ai_messages ADD CONSTRAINT "{fk["conname"]}" {fk["def"]}')
        await conn.execute("ANALYZE users, ai_conversations, ai_messages, ai_memory_facts")
    finally:
        await conn.close()
    return time.perf_counter() - started


async def _memory_state(engine: Any) -> tuple[int, int]:
    async with engine.connect() as conn:
        users = await conn.scalar(text("SELECT count(*) FROM users"))
        messages = await conn.scalar(text("SELECT count(*) FROM ai_messages"))
    return int(users or 0), int(messages or 0)


async def explain_recall(conn: Any, user_id: uuid.UUID, query: str) -> list[str]:
    """EXPLAIN ANALYZE of the message search as the app runs it: the repository's SQL as a prepared
    statement with a generic plan (asyncpg reuses prepared statements; PostgreSQL switches them to
    a generic plan after five executions). On the caller's connection (it sees its transaction)."""

    terms = repository.search_terms(query)
    tsquery = " | ".join(f"{t}:*" for t in terms)  # letters and digits only (search_terms)
    sql = repository.message_search_sql_postgresql(exclude=False)
    for number, name in enumerate(("uid", "query", "limit"), start=1):
        sql = sql.replace(f":{name}", f"${number}")
    await conn.exec_driver_sql("SET plan_cache_mode = force_generic_plan")
    await conn.exec_driver_sql(f"PREPARE recall_probe(uuid, text, int) AS {sql}")
    rows = await conn.exec_driver_sql(
        f"EXPLAIN (ANALYZE, BUFFERS) EXECUTE recall_probe('{user_id}', '{tsquery}', 40)"
    )
    lines = [r[0] for r in rows]
    await conn.exec_driver_sql("DEALLOCATE recall_probe")
    await conn.exec_driver_sql("RESET plan_cache_mode")
    return lines


def plan_summary(plan: list[str]) -> str:
    return " / ".join(
        re.sub(r"\s+\(cost=[^)]*\)", "", line.strip().lstrip("-> "))
        for line in plan
        if "Scan" in line or "Limit" in line or "Execution Time" in line
    )


async def add_long_history(
    session: Any, user_id: uuid.UUID, *, messages: int, rng: random.Random, now: datetime
) -> int:
    """Give one bench user `messages` messages in all (in the caller's transaction): questions
    as in the data set, answers as long as real ones (4-12 sentences); the newest within the
    last 180 days. Returns how many were added."""

    conversations = list(
        await session.scalars(select(Conversation.id).where(Conversation.user_id == user_id))
    )
    present = await session.scalar(
        select(func.count()).select_from(Message).where(Message.user_id == user_id)
    )
    rows = []
    for m in range(messages - int(present or 0)):
        template = rng.randrange(len(USER_TEMPLATES))
        user_turn = m % 2 == 0
        if user_turn:
            content = _fill(USER_TEMPLATES[template], rng)
        else:
            content = " ".join(_fill(rng.choice(ASSISTANT_TEMPLATES), rng) for _ in range(rng.randint(4, 12)))
        rows.append(
            {
                "conversation_id": conversations[(m // 2) % len(conversations)],
                "user_id": user_id,
                "role": "user" if user_turn else "assistant",
                "content": content,
                "language": "de" if template in (5, 6, 7) else "en",
                "prompt_tokens": 0,
                "completion_tokens": 0,
                "created_at": now - timedelta(minutes=rng.randint(0, 180 * 24 * 60)),
            }
        )
    if rows:
        await session.execute(insert(Message), rows)
    return len(rows)


@section("memory-recall", demo_data=False)
async def memory_recall_section(ctx: Any) -> Any:

    url = memory_database_url(ctx.settings.DATABASE_URL)
    settings = Settings(DATABASE_URL=url, AUTO_MIGRATE=False, LOG_LEVEL="WARNING")
    await upgrade_to_head_async(settings.DATABASE_URL)
    engine = create_engine(settings)
    maker = create_sessionmaker(engine)
    load_note = "already loaded"
    try:
        users, messages = await _memory_state(engine)
        if users != MEMORY_USERS or messages != MEMORY_MESSAGES:
            print(
                f"bench: generating {MEMORY_MESSAGES:,} messages of {MEMORY_USERS:,} users in {_database_name(url)}"
            )
            seconds = await generate_memory_data(url, users=MEMORY_USERS, messages=MEMORY_MESSAGES)
            load_note = f"generated in {seconds:.1f}s in this run"
        async with engine.connect() as conn:
            user_ids = [r[0] for r in await conn.execute(text("SELECT id FROM users ORDER BY id"))]
            fact_count = await conn.scalar(select(func.count()).select_from(MemoryFact))
        rng = random.Random(11)

        async def timed_load(session: Any, user_id: uuid.UUID, query: str) -> tuple[float, int, int]:
            started = time.perf_counter()
            context = await SqlMemory(session, settings).load(
                user_id=user_id, query=query, token_budget=RECALL_TOKEN_BUDGET
            )
            return time.perf_counter() - started, len(context.facts), len(context.snippets)

        async def recall(user_id: uuid.UUID, query: str) -> tuple[float, int, int]:
            async with maker() as session:
                await session.execute(text("SELECT 1"))  # in a request, auth has checked out the connection
                return await timed_load(session, user_id, query)

        for _ in range(20):  # warm-up: connections, plans
            await recall(rng.choice(user_ids), rng.choice(RECALL_QUERIES))
        recall_samples: list[float] = []
        facts_seen, snippets_seen = [], []
        for _ in tqdm(range(RECALL_SAMPLES), desc="memory-recall: SqlMemory.load", unit="recall"):
            seconds, facts, snippets = await recall(rng.choice(user_ids), rng.choice(RECALL_QUERIES))
            recall_samples.append(seconds)
            facts_seen.append(facts)
            snippets_seen.append(snippets)

        write_samples: list[float] = []
        commit_samples: list[float] = []
        writers = rng.sample(user_ids, WRITE_SAMPLES)
        for i, user_id in enumerate(tqdm(writers, desc="memory-recall: observe_user_message", unit="write")):
            async with maker() as session:
                conversation_id = await session.scalar(
                    select(Conversation.id).where(Conversation.user_id == user_id).limit(1)
                )
                assert conversation_id is not None
                statement = FACT_STATEMENT.format(days=31 + i % 60)  # a new value: supersede + insert
                started = time.perf_counter()
                saved = await SqlMemory(session, settings).observe_user_message(
                    user_id=user_id, conversation_id=conversation_id, text=statement, language="en"
                )
                flushed = time.perf_counter()
                await session.commit()
                write_samples.append(flushed - started)
                commit_samples.append(time.perf_counter() - started)
                if not saved:
                    raise RuntimeError(f"no fact extracted from {statement!r}")
        async with engine.connect() as conn:
            plan = await explain_recall(conn, rng.choice(user_ids), RECALL_QUERIES[0])
            await conn.rollback()

        # One user with a long history, added inside a transaction that is rolled back afterwards:
        # the data set stays as generated (its user and message counts decide whether to rebuild).
        long_user = rng.choice(user_ids)
        long_samples: list[float] = []
        long_snippets: list[int] = []
        async with maker() as session:
            added = await add_long_history(
                session, long_user, messages=LONG_HISTORY_MESSAGES, rng=rng, now=datetime.now(UTC)
            )
            for _ in range(5):  # warm-up: this session's prepared statements
                await timed_load(session, long_user, rng.choice(RECALL_QUERIES))
            for _ in tqdm(range(LONG_HISTORY_SAMPLES), desc="memory-recall: long history", unit="recall"):
                seconds, _facts, snippets = await timed_load(session, long_user, rng.choice(RECALL_QUERIES))
                long_samples.append(seconds)
                long_snippets.append(snippets)
            long_plan = await explain_recall(await session.connection(), long_user, RECALL_QUERIES[0])
            await session.rollback()
    finally:
        await engine.dispose()

    p95 = percentile(recall_samples, 95) * 1000
    rows = [
        [
            "recall: `SqlMemory.load` (facts + notes + message search)",
            f"{len(recall_samples):,}",
            ms(percentile(recall_samples, 50)),
            ms(percentile(recall_samples, 95)),
            ms(max(recall_samples)),
            f"{'met' if p95 <= RECALL_TARGET_P95_MS else 'MISSED'} (p95 <= {RECALL_TARGET_P95_MS:.0f} ms)",
        ],
        [
            f"recall, one user with {LONG_HISTORY_MESSAGES:,} messages",
            f"{len(long_samples):,}",
            ms(percentile(long_samples, 50)),
            ms(percentile(long_samples, 95)),
            ms(max(long_samples)),
            "-",
        ],
        [
            "write: `observe_user_message` with a fact statement (to flush)",
            f"{len(write_samples):,}",
            ms(percentile(write_samples, 50)),
            ms(percentile(write_samples, 95)),
            ms(max(write_samples)),
            "-",
        ],
        [
            "write + commit",
            f"{len(commit_samples):,}",
            ms(percentile(commit_samples, 50)),
            ms(percentile(commit_samples, 95)),
            ms(max(commit_samples)),
            "-",
        ],
    ]
    result = SectionResult(
        title=f"Memory recall and write at {MEMORY_MESSAGES:,} messages of {MEMORY_USERS:,} users (sql backend)",
        columns=["operation", "samples", "p50 ms", "p95 ms", "max ms", "target"],
        rows=rows,
        notes=[
            f"data ({load_note}): {MEMORY_USERS:,} users x {MEMORY_CONVERSATIONS_PER_USER} conversations, "
            f"{MEMORY_MESSAGES // MEMORY_USERS} EN/DE messages each (questions and answers about brands, "
            f"models, platforms, spread over a year), {fact_count:,} facts (per user 4 typed of which one superseded, "
            "3 notes), written with COPY; the GIN and b-tree indexes rebuilt after the load.",
            f"recall: a random user and one of {len(RECALL_QUERIES)} questions "
            f"({'; '.join(repr(q) for q in RECALL_QUERIES)}), token budget {RECALL_TOKEN_BUDGET} (the "
            "service's), each in a fresh session whose connection is already checked out (as after "
            "the request's auth lookup); 20 warm-up calls. "
            f"Mean recalled: {sum(facts_seen) / len(facts_seen):.1f} facts, "
            f"{sum(snippets_seen) / len(snippets_seen):.1f} snippets.",
            f"long history: one random bench user given {LONG_HISTORY_MESSAGES:,} messages in all "
            f"({added:,} added: its questions as above, answers 4-12 sentences like real ones, over the "
            "last 180 days) inside one transaction, rolled back afterwards; "
            f"{LONG_HISTORY_SAMPLES} recalls in that session after 5 warm-up calls, same questions and "
            f"budget. Mean recalled: {sum(long_snippets) / len(long_snippets):.1f} snippets.",
            f"write: {FACT_STATEMENT.format(days='N')!r} with a new N for a random user: extraction, source "
            "message lookup, SAVEPOINT, close the current fact, insert the new one, flush; then COMMIT.",
            "EXPLAIN ANALYZE of the message search (repository SQL, generic plan as asyncpg's reused "
            "prepared statement gets it): " + plan_summary(plan),
            f"The same for the user with {LONG_HISTORY_MESSAGES:,} messages: " + plan_summary(long_plan),
        ],
    )
    result.database = _database_name(url)
    return result


# --------------------------------------------------------------------------------------
# memory-overhead
# --------------------------------------------------------------------------------------


@section("memory-overhead", demo_data=False)
async def memory_overhead_section(ctx: Any) -> Any:
    # the openai SDK (ai extra) and the test fakes: only this section needs them
    from scripts.bench_memory import bench_memory_overhead

    url = memory_database_url(ctx.settings.DATABASE_URL)
    print(f"bench: memory-overhead: {ctx.requests} turns per backend (Memori warm-up first)...")
    saved = os.environ.get("MEMORI_API_URL_BASE")
    try:
        rows = await bench_memory_overhead(url, requests=ctx.requests)
    finally:  # bench_memory points Memori at its loopback stub; do not leak that into later sections
        if saved is None:
            os.environ.pop("MEMORI_API_URL_BASE", None)
        else:
            os.environ["MEMORI_API_URL_BASE"] = saved
    result = SectionResult(
        title="Memori vs sql memory backend: per-request overhead of one assistant turn",
        columns=["backend", "p50 ms", "p95 ms", "overhead p50 ms", "overhead p95 ms"],
        rows=[
            [
                r["backend"],
                f"{r['p50_ms']:,.1f}",
                f"{r['p95_ms']:,.1f}",
                f"{r['overhead_p50_ms']:+,.1f}",
                f"{r['overhead_p95_ms']:+,.1f}",
            ]
            for r in rows
        ],
        notes=[
            "scripts/bench_memory.bench_memory_overhead, offline: one turn = the real OpenAIProvider "
            "(openai SDK) streaming from the loopback fake LLM server. sql: the turn alone (the sql "
            "backend's own recall/write is outside the model call; see the memory-recall block). "
            "memori: the same turn inside MemoriMemory.attached() - a Memori instance per request, recall "
            "injected, the turn recorded, augmentation sent to a loopback stub, embedded locally.",
            f"N={ctx.requests} turns per backend after one Memori warm-up turn; Memori's tables in "
            f"PostgreSQL `{_database_name(url)}`.",
        ],
    )
    result.database = _database_name(url)
    return result


__all__ = ["QUESTIONS", "generate_memory_data", "plan_context_text", "plan_intent"]
