"""The benchmark harness: its naive numbers must be the API's numbers, or the ratio means nothing."""

from __future__ import annotations

import re
from pathlib import Path

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

import scripts.bench as bench
from scripts.bench import SECTIONS, BenchContext, percentile
from scripts.bench_ai import QUESTIONS
from scripts.bench_core import SectionResult
from scripts.bench_growth import GROWTH_SECTIONS, ScaleRun, growth_result
from scripts.demo_data import load_demo_data
from shared.config.settings import PROJECT_ROOT
from tests.factories import demo_login


def test_percentile_interpolates_between_samples() -> None:
    assert percentile([3.0, 1.0, 2.0], 50) == 2.0
    assert percentile([1.0, 2.0], 95) == 1.95
    assert percentile([5.0], 95) == 5.0


async def test_analytics_section_naive_numbers_match_the_api(
    db: AsyncSession, client: httpx.AsyncClient, app: FastAPI
) -> None:
    ctx = await _demo_context(client, app, items=300)
    ctx.requests = 2
    result = await SECTIONS["analytics"](ctx)
    assert len(result.rows) == 9
    answers = [row[-1] for row in result.rows]
    assert all(a.startswith("yes") or a == "-" for a in answers), answers
    assert sum(a.startswith("yes") for a in answers) >= 5
    assert "| endpoint |" in result.markdown()


async def _demo_context_loaded(client: httpx.AsyncClient, app: FastAPI, *, items: int) -> BenchContext:
    login = await demo_login(client, app)
    return BenchContext(
        app=app,
        client=client,
        headers={"Authorization": f"Bearer {login.json()['access_token']}"},
        engine=app.state.engine,
        settings=app.state.settings,
        items=items,
        requests=1,
        warmup=0,
    )


async def _demo_context(client: httpx.AsyncClient, app: FastAPI, *, items: int) -> BenchContext:
    settings = app.state.settings
    await load_demo_data(app.state.engine, items=items, seed=5, progress=False, settings=settings)
    return await _demo_context_loaded(client, app, items=items)


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


def test_every_block_names_its_section_and_scale(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """memory-recall and memory-overhead bring their own data: their blocks say items=0 instead of
    having no scale at all; the growth block names every scale it spans."""
    monkeypatch.setattr(bench, "DOCS_PATH", tmp_path / "benchmarks.md")
    url = "postgresql+asyncpg://postgres@127.0.0.1:5432/bench"
    for title in ("recall first", "recall again"):
        result = SectionResult(title=title, columns=["a"], rows=[["1"]])
        bench.write_docs(
            [("memory-recall", [result])], items=100_000, database_url=url, command="run", load_seconds=None
        )
    scales = [(100_000, url), (1_000_000, url)]
    for title in ("growth first", "growth again"):
        result = SectionResult(title=title, columns=["a"], rows=[["1"]])
        bench.write_growth_docs(result, scales=scales, command=f"python -m scripts.bench --growth # {title}")
    text = (tmp_path / "benchmarks.md").read_text()
    assert text.count("<!-- bench section=memory-recall items=0 -->") == 1
    assert "recall again" in text and "recall first" not in text
    assert text.count("<!-- bench section=growth items=100000,1000000 -->") == 1
    assert "growth again" in text and "growth first" not in text
    assert "`python -m scripts.bench --growth # growth again`" in text


MARKER = re.compile(r"<!-- (bench(?:-baseline)?) ([^>\n]*?) -->")


def test_the_benchmark_docs_keep_one_block_per_section_and_scale_with_its_command() -> None:
    text = (PROJECT_ROOT / "docs" / "benchmarks.md").read_text()
    keys = [(kind, key) for kind, key in MARKER.findall(text)]
    assert keys, "no benchmark blocks"
    assert len(keys) == len(set(keys)), "a block opens twice"
    for kind, key in keys:
        assert re.fullmatch(r"section=[a-z-]+ items=[0-9,]+( db=sqlite)?", key), key
        start, end = f"<!-- {kind} {key} -->", f"<!-- /{kind} {key} -->"
        assert text.count(end) == 1, f"{key}: not closed once"
        block = text.split(start, 1)[1].split(end, 1)[0]
        assert "python -m scripts." in block, f"{key}: no command"


async def _measure(ctx: BenchContext) -> ScaleRun:
    ctx.naive = False
    results = [(name, _as_list(await SECTIONS[name](ctx))) for name in GROWTH_SECTIONS]
    return ScaleRun(items=ctx.items, database="test", results=results)


def _as_list(produced: SectionResult | list[SectionResult]) -> list[SectionResult]:
    return produced if isinstance(produced, list) else [produced]


async def test_growth_table_compares_every_endpoint_and_question_kind_across_scales(
    db: AsyncSession, client: httpx.AsyncClient, app: FastAPI
) -> None:
    small = await _measure(await _demo_context(client, app, items=300))
    settings = app.state.settings
    await load_demo_data(app.state.engine, items=3000, seed=5, progress=False, reset=True, settings=settings)
    large = await _measure(await _demo_context_loaded(client, app, items=3000))
    growth = growth_result([large, small])  # any order: the smallest scale comes first

    assert growth.columns[1:3] == ["300 p50 / p95 ms", "3k p50 / p95 ms"]
    rows = {row[0]: dict(zip(growth.columns, row, strict=True)) for row in growth.rows}
    assert set(rows) == {path for path, _naive, _fields in bench.ANALYTICS_ENDPOINTS} | {
        f"assistant: {kind}" for kind in {q.kind for q in QUESTIONS} | {"overall"}
    }
    for label, row in rows.items():
        before = [float(v.replace(",", "")) for v in row["300 p50 / p95 ms"].split(" / ")]
        after = [float(v.replace(",", "")) for v in row["3k p50 / p95 ms"].split(" / ")]
        ratios = [float(v.rstrip("x")) for v in row["3k / 300 p50 / p95"].split(" / ")]
        assert ratios == pytest.approx([after[0] / before[0], after[1] / before[1]], rel=0.02, abs=0.01), (
            label
        )
        slower = max(ratios) < 10  # 3,000 / 300 pairs
        assert row["grows"] == ("slower than the data" if slower else "**not slower than the data**")
    # the assistant's rows count its SQL statements per turn at each scale
    assert all(c != "-" for c in rows["assistant: overall"]["SQL statements / turn"].split(" / "))
    assert any("3k / 300 = 10x" in note for note in growth.notes)
    assert any(note.startswith("assistant p95 at 3,000 pairs") for note in growth.notes)


async def _pairs(app: FastAPI) -> list[tuple[object, ...]]:
    async with app.state.engine.connect() as conn:
        result = await conn.execute(
            text("SELECT id, product_id, purchase_price FROM inventory_items ORDER BY id")
        )
        return [tuple(row) for row in result]


async def test_growth_uses_a_loaded_database_as_it_is_and_refuses_one_of_another_size(
    db: AsyncSession, app: FastAPI, database_url: str, backend: str
) -> None:
    await load_demo_data(app.state.engine, items=300, seed=5, progress=False, settings=app.state.settings)
    before = await _pairs(app)

    # another seed would write other pairs: the database holding 300 pairs is used as it is
    growth = await bench.run_growth(
        [(300, database_url)], requests=1, warmup=0, sections=["analytics"], seed_value=99
    )
    assert await _pairs(app) == before
    assert any(note.startswith("300 pairs: ") and "already loaded" in note for note in growth.notes)
    assert len(growth.rows) == len(bench.ANALYTICS_ENDPOINTS)
    assert {row[-1] for row in growth.rows} == {"-"}  # one scale: nothing grows
    assert "one scale: no growth to compare" in growth.notes
    if backend == "postgresql":  # the loader writes the orders in sale order, and the note says so
        assert any("orders in sale order on disk: correlation 1.00" in note for note in growth.notes)

    # 300 pairs where 3,000 are asked for: refused before anything runs, nothing replaced
    with pytest.raises(bench.DatabaseHoldsOtherData, match="holds 300 pairs, not 3,000"):
        await bench.run_growth(
            [(300, database_url), (3000, database_url)],
            requests=1,
            warmup=0,
            sections=["analytics"],
            seed_value=5,
        )
    assert await _pairs(app) == before
