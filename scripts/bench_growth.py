"""How the figures grow with the data: the growth table of `python -m scripts.bench --growth`.

The runner (scripts/bench.py) times the analytics endpoints and the assistant on one database per
scale (default bench_100k, bench_1m, bench_10m: 100,000 / 1,000,000 / 10,000,000 pairs); this
module turns those section results into one table: p50 / p95 per scale, the ratio between
neighbouring scales beside the ratio of the data, the growth exponent b (p50 ~ pairs^b) and
whether the figure grows slower than the data.

It reads the sections' own tables (the columns named "... p50 ms" and "... p95 ms", one row per
endpoint or question kind), so a section needs nothing extra to take part.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy.engine import make_url

from scripts.bench_core import SectionResult, ms

GROWTH_SECTIONS = ("analytics", "ai-latency")
# (pairs, database name on the server of --database-url); --growth-database overrides
GROWTH_SCALES: tuple[tuple[int, str], ...] = (
    (100_000, "bench_100k"),
    (1_000_000, "bench_1m"),
    (10_000_000, "bench_10m"),
)
ASSISTANT_TARGET_MS = 100.0  # issue 12: the assistant stays under 100 ms p95 at 10M pairs
STATEMENTS_COLUMN = "SQL statements / turn"
TIME_ORDERED = 0.9  # pg_stats correlation of orders.sold_at from which the orders count as in time order


@dataclass(frozen=True, slots=True)
class Figure:
    """One measured thing at one scale (seconds)."""

    p50: float
    p95: float
    statements: float | None = None  # SQL statements per request, where the section counts them


@dataclass
class ScaleRun:
    """What the runner measured on one database."""

    items: int
    database: str
    results: list[tuple[str, list[SectionResult]]]
    load_average: str = ""
    size_bytes: int | None = None
    time_order: float | None = None  # correlation of orders.sold_at with their place on disk
    load_seconds: float | None = None  # None: the database already held the pairs


def default_scales(database_url: str) -> list[tuple[int, str]]:
    """GROWTH_SCALES on the server (and with the driver and credentials) of database_url."""
    url = make_url(database_url)
    return [
        (items, url.set(database=name).render_as_string(hide_password=False)) for items, name in GROWTH_SCALES
    ]


def parse_scale(text: str) -> tuple[int, str]:
    """ "PAIRS=URL" (the --growth-database option) -> (pairs, URL)."""
    items, sep, url = text.partition("=")
    if not sep or not items.strip().replace("_", "").isdigit() or not url.strip():
        raise ValueError(f"expected PAIRS=DATABASE_URL, got {text!r}")
    return int(items.strip().replace("_", "")), url.strip()


def short_count(items: int) -> str:
    """100000 -> "100k", 10000000 -> "10M"."""
    for size, suffix in ((1_000_000_000, "G"), (1_000_000, "M"), (1_000, "k")):
        if items >= size and items % size == 0:
            return f"{items // size}{suffix}"
    return f"{items:,}"


def _number(cell: str) -> float:
    return float(cell.replace(",", "").replace("*", "").strip())


def figures_of(name: str, results: Sequence[SectionResult]) -> dict[str, Figure]:
    """Label -> p50 / p95 (seconds) from a section's tables: every table with a "p50 ms" and a
    "p95 ms" column (analytics: "API p50 ms"); the first column labels the row."""
    figures: dict[str, Figure] = {}
    for result in results:
        p50 = next((i for i, c in enumerate(result.columns) if c.endswith("p50 ms")), None)
        p95 = next((i for i, c in enumerate(result.columns) if c.endswith("p95 ms")), None)
        if p50 is None or p95 is None:
            continue
        statements = result.columns.index(STATEMENTS_COLUMN) if STATEMENTS_COLUMN in result.columns else None
        for row in result.rows:
            label = row[0].replace("**", "").replace("`", "")
            prefix = "assistant: " if name == "ai-latency" else ""
            figures[prefix + label] = Figure(
                p50=_number(row[p50]) / 1000,
                p95=_number(row[p95]) / 1000,
                statements=_number(row[statements]) if statements is not None else None,
            )
    return figures


def growth_exponent(first: float, last: float, data_ratio: float) -> float:
    """b in value ~ pairs^b between two scales: 1 = linear in the data, 0 = flat."""
    return math.log(last / first) / math.log(data_ratio) if first > 0 and last > 0 else math.nan


@dataclass(frozen=True, slots=True)
class GrowthRow:
    label: str
    figures: list[Figure | None]  # one per scale, None where the scale did not measure it
    ratios: list[tuple[float, float] | None]  # p50 and p95 ratio from the scale before
    exponent: float  # p50, first to last measured scale
    slower_than_data: bool | None  # every p50 and p95 ratio below its data ratio; None: one scale


def growth_rows(scales: Sequence[ScaleRun]) -> list[GrowthRow]:
    per_scale: list[dict[str, Figure]] = []
    for run in scales:
        found: dict[str, Figure] = {}
        for name, results in run.results:
            found.update(figures_of(name, results))
        per_scale.append(found)
    labels = list(dict.fromkeys(label for found in per_scale for label in found))
    rows = []
    for label in labels:
        figures = [f.get(label) for f in per_scale]
        ratios: list[tuple[float, float] | None] = [None]
        slower = True
        for i in range(1, len(scales)):
            before, now = figures[i - 1], figures[i]
            if before is None or now is None or before.p50 <= 0 or before.p95 <= 0:
                ratios.append(None)
                continue
            ratio = (now.p50 / before.p50, now.p95 / before.p95)
            ratios.append(ratio)
            data_ratio = scales[i].items / scales[i - 1].items
            slower = slower and max(ratio) < data_ratio
        measured = [(run.items, f) for run, f in zip(scales, figures, strict=True) if f is not None]
        exponent = math.nan
        if len(measured) >= 2 and measured[-1][0] != measured[0][0]:
            (first_items, first), (last_items, last) = measured[0], measured[-1]
            exponent = growth_exponent(first.p50, last.p50, last_items / first_items)
        rows.append(
            GrowthRow(
                label=label,
                figures=figures,
                ratios=ratios,
                exponent=exponent,
                slower_than_data=slower if len(measured) >= 2 else None,
            )
        )
    return rows


def _pair(figure: Figure | None) -> str:
    return "-" if figure is None else f"{ms(figure.p50)} / {ms(figure.p95)}"


def growth_result(scales: Sequence[ScaleRun]) -> SectionResult:
    """The growth table (and what it says) over the scales, smallest first."""
    scales = sorted(scales, key=lambda run: run.items)
    rows = growth_rows(scales)
    names = [short_count(run.items) for run in scales]
    columns = ["measured", *(f"{n} p50 / p95 ms" for n in names)]
    columns += [f"{n} / {m} p50 / p95" for m, n in itertools.pairwise(names)]
    columns += ["p50 ~ pairs^b", "grows"]
    has_statements = any(f is not None and f.statements is not None for r in rows for f in r.figures)
    if has_statements:
        columns.insert(len(names) + 1, "SQL statements / turn")
    table = []
    for row in rows:
        cells = [row.label, *(_pair(f) for f in row.figures)]
        if has_statements:
            counts = [f"{f.statements:g}" if f and f.statements is not None else "-" for f in row.figures]
            cells.append(" / ".join(counts) if any(c != "-" for c in counts) else "")
        cells += [f"{r[0]:.2f}x / {r[1]:.2f}x" if r else "-" for r in row.ratios[1:]]
        cells.append("-" if math.isnan(row.exponent) else f"{row.exponent:.2f}")
        verdicts = {True: "slower than the data", False: "**not slower than the data**", None: "-"}
        cells.append(verdicts[row.slower_than_data])
        table.append(cells)
    data_ratios = ", ".join(
        f"{short_count(b.items)} / {short_count(a.items)} = {b.items / a.items:g}x"
        for a, b in itertools.pairwise(scales)
    )
    faster = [row.label for row in rows if row.slower_than_data is False]
    notes = (
        [
            f"data ratio between neighbouring scales: {data_ratios}. A figure grows slower than the data "
            "when each of its p50 and p95 ratios is below the data ratio; b is the growth exponent of "
            "p50 from the first to the last scale (1: linear in the pairs, 0: flat).",
            "every figure grows slower than the data"
            if not faster
            else "not slower than the data: " + "; ".join(faster),
        ]
        if len(scales) > 1
        else ["one scale: no growth to compare"]
    )
    largest = scales[-1]
    overall = next((r for r in rows if r.label == "assistant: overall"), None)
    if overall is not None and overall.figures[-1] is not None:
        p95 = overall.figures[-1].p95 * 1000
        verdict = "met" if p95 < ASSISTANT_TARGET_MS else "**not met**"
        notes.append(
            f"assistant p95 at {largest.items:,} pairs: {p95:,.1f} ms (target < {ASSISTANT_TARGET_MS:.0f} ms: "
            f"{verdict})."
        )
    for run in scales:
        size = f", {run.size_bytes / 2**30:,.1f} GiB" if run.size_bytes is not None else ""
        if run.time_order is not None:
            size += f", orders in sale order on disk: correlation {run.time_order:.2f}"
            if run.time_order < TIME_ORDERED:
                size += " (**not**: loaded before the loader wrote them in time order; reload it)"
        load = (
            f"loaded in {run.load_seconds:.0f}s in this run"
            if run.load_seconds is not None
            else "already loaded"
        )
        notes.append(f"{run.items:,} pairs: `{run.database}`{size}, {load}; {run.load_average}.")
    return SectionResult(
        title="Growth: p50 / p95 of the analytics endpoints and the assistant by pairs of demo data",
        columns=columns,
        rows=table,
        notes=notes,
    )


__all__ = ["GROWTH_SCALES", "GROWTH_SECTIONS", "ScaleRun", "default_scales", "growth_result", "parse_scale"]
