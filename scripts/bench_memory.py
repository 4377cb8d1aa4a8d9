"""Per-request overhead of the Memori backend beside the `sql` backend, offline.

    python -m scripts.bench_memory [--database-url URL] [--requests 30]

One assistant turn = OpenAIProvider (real openai SDK) against the loopback fake LLM server.
`sql`: the turn as the SQL backend runs it (no Memori on the client; its own memory work is
outside the model call and is measured in docs/ai/memory.md). `memori`: the same turn inside
MemoriMemory.attached() - a Memori instance per request, recall injected, the turn recorded,
augmentation sent to the loopback stub and embedded by Memori's local embedder.
For scripts/bench.py: `await bench_memory_overhead(database_url, requests=N)` returns the rows.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import time
import uuid
from typing import Any

from domains.ai.memory.memori_backend import MemoriMemory, ensure_memori_tables, wait_for_memori_writes
from domains.ai.providers.base import AssistantRequest, ChatTurn
from shared.config.settings import Settings


def _pct(samples: list[float], pct: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, round(pct / 100 * (len(ordered) - 1)))]


async def bench_memory_overhead(database_url: str, *, requests: int = 30) -> list[dict[str, Any]]:
    # the openai SDK (ai extra) and the test fakes: only this section needs them
    import openai

    # the openai SDK (ai extra) and the test fakes: only this section needs them
    from domains.ai.providers.openai_provider import OpenAIProvider
    from tests.ai.fakes.llm_server import OPENAI_PATH, FakeLLMServer, Reply, openai_stream
    from tests.ai.fakes.tools import RecordingTools
    from tests.ai.memori_stub import MemoriAugmentationStub

    llm, stub = FakeLLMServer(), MemoriAugmentationStub()
    llm.start()
    stub.start()
    os.environ["MEMORI_API_URL_BASE"] = stub.url
    settings = Settings(_env_file=None, DATABASE_URL=database_url, MEMORI_ENABLED=True)  # type: ignore[call-arg]
    await asyncio.to_thread(ensure_memori_tables, settings)
    memory = MemoriMemory(None, settings)  # type: ignore[arg-type]  # attached() needs no session
    user = uuid.uuid4()

    async def turn(with_memori: bool, i: int) -> float:
        llm.script(OPENAI_PATH, Reply(sse=openai_stream(text=f"Answer {i}.")))
        client = openai.AsyncOpenAI(api_key="sk-bench", base_url=f"{llm.url}/v1", max_retries=0)
        provider = OpenAIProvider(settings, client=client)
        request = AssistantRequest(
            messages=[ChatTurn("user", f"I mostly sell on GOAT. Question {i}?")], system_prompt="Bench."
        )
        start = time.perf_counter()
        if with_memori:
            async with memory.attached(client, user_id=user):
                _ = [e async for e in provider.stream(request, RecordingTools())]
        else:
            _ = [e async for e in provider.stream(request, RecordingTools())]
        elapsed = time.perf_counter() - start
        await client.close()
        return elapsed

    try:
        await turn(True, -1)  # warm-up: tables, embedder model load (once per process)
        await wait_for_memori_writes(30.0)
        rows = []
        for name, flag in (("sql", False), ("memori", True)):
            samples = [await turn(flag, i) for i in range(requests)]
            rows.append(
                {"backend": name, "p50_ms": 1000 * _pct(samples, 50), "p95_ms": 1000 * _pct(samples, 95)}
            )
        await wait_for_memori_writes(30.0)
        base = rows[0]
        for row in rows:
            row["overhead_p50_ms"] = row["p50_ms"] - base["p50_ms"]
            row["overhead_p95_ms"] = row["p95_ms"] - base["p95_ms"]
        return rows
    finally:
        llm.stop()
        stub.stop()


def print_table(rows: list[dict[str, Any]]) -> None:
    print(f"{'backend':<8} {'p50 ms':>8} {'p95 ms':>8} {'+p50 ms':>8} {'+p95 ms':>8}")
    for r in rows:
        print(
            f"{r['backend']:<8} {r['p50_ms']:>8.1f} {r['p95_ms']:>8.1f} "
            f"{r['overhead_p50_ms']:>8.1f} {r['overhead_p95_ms']:>8.1f}"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument(
        "--database-url", default=os.environ.get("DATABASE_URL", "sqlite+aiosqlite:///var/bench_memori.db")
    )
    parser.add_argument("--requests", type=int, default=30)
    args = parser.parse_args()
    print_table(asyncio.run(bench_memory_overhead(args.database_url, requests=args.requests)))


if __name__ == "__main__":
    main()
