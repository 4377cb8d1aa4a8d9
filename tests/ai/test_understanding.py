"""How the built-in engine reads questions, class by class (docs/domain.md "Reading questions"):
each case is a phrasing of a class, and the reading is the class's rule, not the example's.

The vocabulary is the demo catalogue's (scripts/catalog.py); `now` is fixed."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from domains.ai.providers.builtin.engine import understand
from domains.ai.understanding.interpretation import Interpretation
from domains.ai.understanding.parser import Parser
from domains.ai.understanding.teaching import find_teaching, meaning_problems
from domains.ai.understanding.vocabulary import Vocabulary
from domains.products.repository import CatalogueEntry
from scripts.catalog import BRANDS, demo_catalog

pytestmark = pytest.mark.ai

NOW = datetime(2026, 12, 3, 14, 0, tzinfo=UTC)


@pytest.fixture(scope="module")
def vocabulary() -> Vocabulary:
    entries = [CatalogueEntry(i, p.sku, p.name, p.brand, 0, p.colorway) for i, p in enumerate(demo_catalog())]
    return Vocabulary.build(entries, BRANDS)


def read(vocabulary: Vocabulary, *turns: str, taught: dict[str, str] | None = None) -> Interpretation:
    interpretation, _reading = understand(Parser(vocabulary, taught=taught), list(turns), now=NOW)
    return interpretation


def window(i: Interpretation) -> tuple[str, str] | None:
    period = i.window(NOW)
    return None if period is None else (period.start.isoformat()[:16], period.end.isoformat()[:16])


@pytest.mark.parametrize(
    ("question", "families"),
    [
        ("how many aj4s do i have", ["Air Jordan 4"]),
        ("jordan 4s in stock", ["Jordan 4"]),
        ("dunks sold last month", ["Dunk"]),
        ("wie viele Sambas hab ich", ["Samba"]),
        ("990s sold this year", ["990v6", "990v4"]),
        ("wie viele 9060er sind auf Lager", ["9060"]),
        ("yeezy 350 stock", ["Yeezy 350"]),  # words in order, not side by side (Yeezy Boost 350 V2)
    ],
)
def test_model_families_and_shorthand_cover_every_product_of_the_family(
    vocabulary: Vocabulary, question: str, families: list[str]
) -> None:
    i = read(vocabulary, question)
    assert i.filters.family == families and i.unknown_terms == []
    skus = vocabulary.skus_for_families(i.filters.family)
    assert len(skus) >= 2  # a family is never one picked product


def test_jordan_1_is_not_jordan_11_and_a_full_colorway_names_one_product(vocabulary: Vocabulary) -> None:
    ones = vocabulary.skus_for_families(["Jordan 1"])
    elevens = vocabulary.skus_for_families(["Jordan 11"])
    assert ones and not set(ones) & set(elevens)
    panda = read(vocabulary, "dunk low panda left?")
    assert panda.filters.product == ["DD1391-100"] and panda.filters.family == []


@pytest.mark.parametrize(
    ("question", "metrics", "group_by", "sizes"),
    [
        ("pairs sold by size last month on StockX", ["units_sold"], ["size"], []),
        ("which sizes sell best", ["units_sold"], ["size"], []),
        ("how many size 10s did i sell in october", ["units_sold"], [], ["10"]),
        ("Umsatz in Größe 9,5 dieses Jahr", ["revenue"], [], ["9.5"]),
        ("stock in size 10 and 11", ["units_in_inventory"], [], ["10", "11"]),
    ],
)
def test_sizes_filter_and_group_sales_and_stock(
    vocabulary: Vocabulary, question: str, metrics: list[str], group_by: list[str], sizes: list[str]
) -> None:
    i = read(vocabulary, question)
    assert (i.metrics[: len(metrics)], i.group_by, i.filters.size) == (metrics, group_by, sizes)


def test_an_eu_size_converts_and_says_so(vocabulary: Vocabulary) -> None:
    i = read(vocabulary, "how many pairs in EU 44 do i have")
    assert i.filters.size == ["10"] and "EU 44 = US 10" in i.notes


@pytest.mark.parametrize(
    ("question", "metrics", "filters"),
    [
        ("how many pairs are listed", ["units_in_inventory"], {"status": ["listed"]}),
        ("how many pairs haven't been listed yet", ["units_in_inventory"], {"status": ["in_stock"]}),
        ("average profit per pair last month", ["average_profit_per_pair"], {}),
        ("how many pairs did i buy last month", ["pairs_bought"], {}),
        ("wie viel hab ich diesen monat für einkäufe ausgegeben", ["purchase_spend"], {}),
        ("wie lange dauert es im schnitt bis zum verkauf", ["days_to_sell"], {}),
        ("what did i pay in fees on goat this year", ["fees"], {"platform": ["goat"]}),
        ("what was my payout last month", ["payout"], {}),
        ("selling costs this quarter", ["selling_costs"], {}),
        ("average sale price on stockx", ["average_sale_price"], {"platform": ["stockx"]}),
        ("sell-through for jordan this year", ["sell_through"], {"brand": ["Jordan"]}),
        ("how many DS pairs do i have", ["units_in_inventory"], {"condition": ["new"]}),
    ],
)
def test_the_metric_asked_is_the_metric_answered(
    vocabulary: Vocabulary, question: str, metrics: list[str], filters: dict[str, list[str]]
) -> None:
    i = read(vocabulary, question)
    assert i.metrics == metrics and i.unknown_terms == []
    assert {k: v for k, v in i.filters.as_dict().items() if k in filters} == filters


def test_an_aging_bucket_is_not_dead_stock(vocabulary: Vocabulary) -> None:
    band = read(vocabulary, "how many pairs are 31-60 days old")
    assert band.metrics == ["units_in_inventory"]
    assert (band.filters.min_age_days, band.filters.max_age_days) == (30, 60)
    dead = read(vocabulary, "how many bricks do i have", taught={"bricks": "dead stock"})
    assert dead.metrics == ["dead_stock_units"]


@pytest.mark.parametrize(
    ("question", "kind", "word"),
    [
        ("revenue on depop last month", "platform", "depop"),
        ("how many reebok pairs did i sell", "brand", "reebok"),
        ("how many returns did i have last month", "metric", "returns"),
    ],
)
def test_names_with_no_record_are_reported_not_dropped(
    vocabulary: Vocabulary, question: str, kind: str, word: str
) -> None:
    i = read(vocabulary, question)
    assert (kind, word) in i.no_record and i.understood == "partial"


def test_an_unknown_word_is_reported_and_a_common_phrase_is_not_a_product(vocabulary: Vocabulary) -> None:
    odd = read(vocabulary, "how many flibbertigibbets do i have")
    assert odd.unknown_terms == ["flibbertigibbets"]
    moment = read(vocabulary, "how many pairs on hand at the moment")
    assert moment.metrics == ["units_in_inventory"]
    assert moment.filters.as_dict() == {} and moment.unknown_terms == []


@pytest.mark.parametrize(
    ("question", "expected"),
    [
        ("revenue since the 3rd of November", ("2026-11-03T00:00", "2026-12-03T14:00")),
        ("sales from the 10th to the 24th", ("2026-11-10T00:00", "2026-11-25T00:00")),
        ("Umsatz vom 10. bis 24. November", ("2026-11-10T00:00", "2026-11-25T00:00")),
        ("profit last week", ("2026-11-23T00:00", "2026-11-30T00:00")),
        ("revenue in october", ("2026-10-01T00:00", "2026-11-01T00:00")),
        ("Gewinn im Q3", ("2026-07-01T00:00", "2026-10-01T00:00")),
        ("profit over the trailing 45 days", ("2026-10-19T14:00", "2026-12-03T14:00")),
    ],
)
def test_time_windows_with_days(vocabulary: Vocabulary, question: str, expected: tuple[str, str]) -> None:
    assert window(read(vocabulary, question)) == expected


def test_a_future_period_is_no_data_yet(vocabulary: Vocabulary) -> None:
    i = read(vocabulary, "what's my revenue next month")
    assert i.action == "future" and i.period is not None and i.period.future


@pytest.mark.parametrize(
    ("turns", "check"),
    [
        (
            ("how much did i make last month", "and the month before?"),
            lambda i: window(i)[0] == "2026-10-01T00:00",
        ),
        (("how many jordan 4 do i have", "what are they worth?"), lambda i: i.metrics == ["inventory_value"]),
        (
            ("pairs sold in size 10 last month", "und in 9,5?"),
            lambda i: (i.metrics, i.filters.size) == (["units_sold"], ["9.5"]),
        ),
        (
            ("how many jordans do i have", "the oldest one?"),
            lambda i: (i.action, i.pick, i.filters.brand) == ("list", "oldest", ["Jordan"]),
        ),
        (
            ("revenue on stockx this year", "and for goat?"),
            lambda i: (i.metrics, i.filters.platform) == (["revenue"], ["goat"]),
        ),
        (("how much dead stock", "and over 120 days?"), lambda i: i.dead_stock_days == 120),
        (
            ("Gewinn im Oktober", "Marge?"),
            lambda i: (i.metrics, window(i)[0]) == (["margin"], "2026-10-01T00:00"),
        ),
    ],
)
def test_follow_ups_resolve_against_the_previous_turn(
    vocabulary: Vocabulary, turns: tuple[str, ...], check
) -> None:  # type: ignore[no-untyped-def]
    i = read(vocabulary, *turns)
    assert i.followup and check(i), i


def test_teaching_is_read_and_its_meaning_must_be_understood(vocabulary: Vocabulary) -> None:
    assert find_teaching("when I say bricks I mean dead stock") == ("bricks", "dead stock")
    assert find_teaching("Mit 'meine Grails' meine ich Jordan 1 und Jordan 4") == (
        "grails",
        "Jordan 1 und Jordan 4",
    )
    parser = Parser(vocabulary)
    assert meaning_problems(parser, "dead stock", now=NOW) == []
    assert meaning_problems(parser, "gizmo", now=NOW) == ["gizmo"]
    grails = read(vocabulary, "how many grails are listed", taught={"grails": "Jordan 1 und Jordan 4"})
    assert grails.filters.family == ["Jordan 1", "Jordan 4"] and grails.filters.status == ["listed"]
