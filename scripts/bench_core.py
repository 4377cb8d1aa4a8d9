"""The benchmark framework: the section registry, results and timing helpers.

scripts/bench.py (the analytics sections and the runner) and scripts/bench_ai.py (the assistant
and memory sections) both register into this module, so neither imports the other's module and
`python -m scripts.bench` needs no `sys.modules["__main__"]` lookup to find one registry.
"""

from __future__ import annotations

import os
import platform
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import httpx
from fastapi import FastAPI
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

from shared.config.settings import PROJECT_ROOT, Settings

DOCS_PATH = PROJECT_ROOT / "docs" / "benchmarks.md"

# --------------------------------------------------------------------------------------
# Registry
# --------------------------------------------------------------------------------------


@dataclass
class BenchContext:
    """What a section gets: the running app, a logged-in client and the database."""

    app: FastAPI
    client: httpx.AsyncClient
    headers: dict[str, str]
    engine: AsyncEngine
    settings: Settings
    items: int
    requests: int
    warmup: int
    naive: bool = True  # analytics: time the naive Python aggregation beside the API (off in --growth)
    time_budget: float | None = None  # seconds per analytics endpoint (after 5 samples; --growth)

    def session(self) -> AsyncSession:
        maker: Callable[[], AsyncSession] = self.app.state.sessionmaker
        return maker()


@dataclass
class SectionResult:
    title: str
    columns: list[str]
    rows: list[list[str]]
    notes: list[str] = field(default_factory=list)
    database: str | None = None  # a section on its own database (memory-recall) names it

    def markdown(self) -> str:
        lines = [f"### {self.title}", "", "| " + " | ".join(self.columns) + " |"]
        lines.append("| " + " | ".join("---" for _ in self.columns) + " |")
        lines += ["| " + " | ".join(row) + " |" for row in self.rows]
        lines += ["", *(f"- {note}" for note in self.notes)] if self.notes else []
        return "\n".join(lines)

    def text(self) -> str:
        widths = [max(len(c), *(len(r[i]) for r in self.rows)) for i, c in enumerate(self.columns)]
        out = [self.title, "  ".join(c.ljust(w) for c, w in zip(self.columns, widths, strict=True))]
        out.append("  ".join("-" * w for w in widths))
        out += ["  ".join(v.ljust(w) for v, w in zip(row, widths, strict=True)) for row in self.rows]
        out += [f"  {note}" for note in self.notes]
        return "\n".join(out)


Section = Callable[[BenchContext], Awaitable[SectionResult | list[SectionResult]]]
SECTIONS: dict[str, Section] = {}
OWN_DATA_SECTIONS: set[str] = set()  # sections that bring their own data and need no demo business


def section(name: str, *, demo_data: bool = True) -> Callable[[Section], Section]:
    """Register a benchmark section (run in registration order unless --section picks some).

    demo_data=False: the section neither reads the demo business nor calls the API as the demo
    user (e.g. memory-recall, which fills its own database); when only such sections run, the
    benchmark database is neither seeded nor given a demo user.
    """

    def register(func: Section) -> Section:
        SECTIONS[name] = func
        if not demo_data:
            OWN_DATA_SECTIONS.add(name)
        return func

    return register


# --------------------------------------------------------------------------------------
# Timing helpers
# --------------------------------------------------------------------------------------


def percentile(samples: Sequence[float], pct: float) -> float:
    ordered = sorted(samples)
    if len(ordered) == 1:
        return ordered[0]
    rank = (len(ordered) - 1) * pct / 100
    low = int(rank)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (rank - low)


def ms(seconds: float) -> str:
    return f"{seconds * 1000:,.1f}"


def machine() -> str:
    cpu = "unknown CPU"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return f"{cpu}, {os.cpu_count()} cores, {platform.system()} {platform.release()}, Python {platform.python_version()}"


DOCS_INTRO = """# Benchmarks

Run with `make bench` (`python -m scripts.bench`, 100,000 pairs) or `python -m scripts.bench --full`
(1,000,000 pairs) against PostgreSQL (`BENCH_DATABASE_URL`, default
`postgresql+asyncpg://postgres@127.0.0.1:5432/bench`). Each run rewrites its own block below
(one per item count); the text outside the blocks is kept.
"""


# --------------------------------------------------------------------------------------
# docs/benchmarks.md blocks
# --------------------------------------------------------------------------------------


def block_markers(key: str) -> tuple[str, str]:
    """The opening and closing comment of the docs block with this key (e.g. "section=analytics
    items=1000000"): every block names its section and its scale."""
    return f"<!-- bench {key} -->", f"<!-- /bench {key} -->"


def replace_block(document: str, key: str, block: str) -> str:
    """The document with the block of this key replaced by `block` (markers included), or with
    `block` appended when there is none yet; everything else is kept as it is."""
    start, end = block_markers(key)
    if start in document and end in document:
        before, rest = document.split(start, 1)
        return before + block + rest.split(end, 1)[1]
    return document.rstrip("\n") + "\n\n" + block + "\n"


def load_average() -> str:
    try:
        one, five, _ = os.getloadavg()
    except OSError:
        return "load average unknown"
    return f"load average {one:.1f} / {five:.1f} (1 / 5 min) - the machine is shared"
