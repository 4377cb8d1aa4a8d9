"""The benchmark harness: its naive numbers must be the API's numbers, or the ratio means nothing."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy.ext.asyncio import AsyncSession

import scripts.bench as bench
from scripts.bench import SECTIONS, BenchContext, percentile
from scripts.bench_core import SectionResult
from scripts.demo_data import load_demo_data


def test_percentile_interpolates_between_samples() -> None:
    assert percentile([3.0, 1.0, 2.0], 50) == 2.0
    assert percentile([1.0, 2.0], 95) == 1.95
    assert percentile([5.0], 95) == 5.0


async def test_analytics_section_naive_numbers_match_the_api(
    db: AsyncSession, client: httpx.AsyncClient, app: FastAPI
) -> None:
    settings = app.state.settings
    await load_demo_data(app.state.engine, items=300, seed=5, progress=False, settings=settings)
    login = await client.post(
        "/auth/token",
        data={
            "username": settings.DEMO_USER_EMAIL,
            "password": settings.DEMO_USER_PASSWORD.get_secret_value(),
        },
    )
    ctx = BenchContext(
        app=app,
        client=client,
        headers={"Authorization": f"Bearer {login.json()['access_token']}"},
        engine=app.state.engine,
        settings=settings,
        items=300,
        requests=2,
        warmup=0,
    )
    result = await SECTIONS["analytics"](ctx)
    assert len(result.rows) == 9
    answers = [row[-1] for row in result.rows]
    assert all(a.startswith("yes") or a == "-" for a in answers), answers
    assert sum(a.startswith("yes") for a in answers) >= 5
    assert "| endpoint |" in result.markdown()


async def _demo_context(client: httpx.AsyncClient, app: FastAPI, *, items: int) -> BenchContext:
    settings = app.state.settings
    await load_demo_data(app.state.engine, items=items, seed=5, progress=False, settings=settings)
    login = await client.post(
        "/auth/token",
        data={
            "username": settings.DEMO_USER_EMAIL,
            "password": settings.DEMO_USER_PASSWORD.get_secret_value(),
        },
    )
    return BenchContext(
        app=app,
        client=client,
        headers={"Authorization": f"Bearer {login.json()['access_token']}"},
        engine=app.state.engine,
        settings=settings,
        items=items,
        requests=1,
        warmup=0,
    )


async def test_the_turn_breakdown_accounts_for_every_millisecond_and_statement(
    db: AsyncSession, client: httpx.AsyncClient, app: FastAPI
) -> None:
    latency, breakdown = await SECTIONS["ai-latency"](await _demo_context(client, app, items=300))
    rows = {row[0]: row for row in breakdown.rows}
    turn = rows.pop("**turn**")
    # the stages (the unaccounted rest included) add up to the whole request
    assert sum(float(r[1].replace(",", "")) for r in rows.values()) == pytest.approx(
        float(turn[1].replace(",", "")), abs=0.1 * len(rows)
    )
    assert sum(float(r[3]) for r in rows.values()) == pytest.approx(float(turn[3]), abs=0.1 * len(rows))
    # the semantic query, memory recall and storing the turn are where the SQL is
    assert float(rows["tool: query_business"][3]) > 0
    assert float(rows["memory: recall"][3]) > 0
    assert float(rows["store the turn (messages, usage ledger)"][3]) > 0
    # statements per turn in the latency table agree with the breakdown
    overall = next(r for r in latency.rows if r[0] == "**overall**")
    assert float(overall[6]) == pytest.approx(float(turn[3]), abs=0.1)


def test_docs_keep_one_block_per_section_and_scale(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(bench, "DOCS_PATH", tmp_path / "benchmarks.md")
    url = "postgresql+asyncpg://postgres@127.0.0.1:5432/bench"

    def write(name: str, title: str, items: int = 1_000_000, database_url: str = url) -> None:
        result = SectionResult(title=title, columns=["a"], rows=[["1"]])
        bench.write_docs(
            [(name, [result])],
            items=items,
            database_url=database_url,
            command=f"run {title}",
            load_seconds=None,
        )

    write("analytics", "analytics 1M")
    write("ai-latency", "latency 1M")  # issue 12: this run used to overwrite the analytics block
    write("ai-latency", "latency demo", items=5000, database_url="sqlite+aiosqlite:///var/demo.db")
    write("ai-latency", "latency 1M again")
    text = (tmp_path / "benchmarks.md").read_text()
    assert "analytics 1M" in text and "latency demo" in text and "latency 1M again" in text
    assert "### latency 1M\n" not in text
    assert text.count("<!-- bench section=ai-latency items=1000000 -->") == 1
    assert "<!-- bench section=ai-latency items=5000 db=sqlite -->" in text
    assert "`run analytics 1M`" in text  # each block carries the command that made it
