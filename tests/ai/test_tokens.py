"""Offline token counting: exact tiktoken counts without network, and the bench report."""

from __future__ import annotations

import json

import pytest
from pydantic import ValidationError

from domains.ai import tokens
from domains.ai.providers.base import ChatTurn, ToolSpec
from domains.ai.providers.prompts import system_prompt
from domains.ai.tool_schema import compact_schema
from domains.ai.tools.specs import MODEL_DESCRIPTIONS, TOOL_ARGS, RememberArgs, model_schema

pytestmark = pytest.mark.ai

SPECS = [
    ToolSpec(name, description, model.model_json_schema()) for name, (model, description) in TOOL_ARGS.items()
]

# OpenAI cookbook "How to count tokens with tiktoken": the API reported 129 prompt tokens
# for these messages on gpt-3.5-turbo / gpt-4 and 124 on gpt-4o / gpt-4o-mini.
COOKBOOK_MESSAGES = [
    {
        "role": "system",
        "content": "You are a helpful, pattern-following assistant that translates corporate jargon into plain English.",
    },
    {"role": "system", "name": "example_user", "content": "New synergies will help drive top-line growth."},
    {
        "role": "system",
        "name": "example_assistant",
        "content": "Things working well together will increase revenue.",
    },
    {
        "role": "system",
        "name": "example_user",
        "content": "Let's circle back when we have more bandwidth to touch base on opportunities for increased leverage.",
    },
    {
        "role": "system",
        "name": "example_assistant",
        "content": "Let's talk later when we're less busy about how to do better.",
    },
    {
        "role": "user",
        "content": "This late pivot means we don't have time to boil the ocean for the client deliverable.",
    },
]

SAMPLES = [
    "How many pairs of dead stock do I have over 90 days, and what should I list the Jordan 1 Chicago size 10.5 for?",
    "Wie viele Paare sind Ladenhüter? Zeig mir den Umsatz im letzten Monat pro Plattform und die Marge.",
    "Revenue: 12,480.00 EUR | Orders: 57 | AOV: 218.95 | Margin: 18.4 % | ROI: 24.1 %",
    json.dumps(
        {"items": [{"sku": "DZ5485-612", "size": "10.5", "age_days": 121, "purchase_price": "150.00"}]}
    ),
]


def test_counts_offline_with_tiktoken_on_the_official_vocabularies() -> None:
    assert tokens.token_backend("gpt-4o-mini") == "tiktoken"
    assert tokens.token_backend("gpt-4") == "tiktoken"
    # tiktoken's README: "tiktoken is great!" is 6 tokens in cl100k_base
    assert tokens.count_tokens("tiktoken is great!", "gpt-4") == 6
    assert tokens.count_tokens("hello world", "gpt-4o") == 2
    assert tokens.count_tokens("", "gpt-4o") == 0
    # special-token text is counted as text, never an error
    assert tokens.count_tokens("<|endoftext|>", "gpt-4o") > 1


def test_chat_framing_matches_what_the_api_reported() -> None:
    assert tokens.count_message_tokens(COOKBOOK_MESSAGES, "gpt-4") == 129
    assert tokens.count_message_tokens(COOKBOOK_MESSAGES, "gpt-4o-mini") == 124
    turns = [ChatTurn("user", "hi"), ChatTurn("assistant", "Hello!")]
    as_dicts = [{"role": t.role, "content": t.content} for t in turns]
    assert tokens.count_message_tokens(turns, "gpt-4o") == tokens.count_message_tokens(as_dicts, "gpt-4o")


@pytest.mark.parametrize(
    ("model", "encoding"),
    [
        ("gpt-4o-mini", "o200k_base"),
        ("gpt-4.1", "o200k_base"),
        ("gpt-5-mini", "o200k_base"),
        ("o3-mini", "o200k_base"),
        ("openai/gpt-4o", "o200k_base"),
        ("gpt-4-turbo", "cl100k_base"),
        ("gpt-3.5-turbo", "cl100k_base"),
        ("claude-3-5-haiku-latest", "cl100k_base"),
        ("llama3.1:8b", "o200k_base"),
        (None, "o200k_base"),
    ],
)
def test_model_to_vocabulary(model: str | None, encoding: str) -> None:
    assert tokens.encoding_name_for_model(model) == encoding


def test_heuristic_is_close_when_no_encoder_is_available() -> None:
    long_texts = [system_prompt(), json.dumps([s.parameters for s in SPECS]), "\n".join(SAMPLES * 10)]
    for text in long_texts:
        exact = tokens.count_tokens(text, "gpt-4o")
        assert abs(tokens.rough_tokens(text) - exact) / exact < 0.12
    for text in SAMPLES:
        exact = tokens.count_tokens(text, "gpt-4o")
        assert abs(tokens.rough_tokens(text) - exact) / exact < 0.35


def test_trim_history_keeps_the_newest_turns_in_order() -> None:
    turns = [ChatTurn("user" if i % 2 == 0 else "assistant", f"message number {i} " * 10) for i in range(10)]
    one = 3 + tokens.count_tokens(turns[0].content, "gpt-4o")
    kept = tokens.trim_history(turns, max_tokens=one * 3, model="gpt-4o")
    assert kept == turns[-3:]
    assert tokens.trim_history(turns, max_tokens=10_000, model="gpt-4o") == turns
    # the question itself survives even when it alone is over budget
    assert tokens.trim_history(turns, max_tokens=1, model="gpt-4o") == turns[-1:]
    assert tokens.trim_history(turns, max_tokens=1, model="gpt-4o", keep_last=False) == []
    assert tokens.trim_history([], max_tokens=100) == []


def test_compact_tool_schemas_keep_what_the_model_needs() -> None:
    full = SPECS[[s.name for s in SPECS].index("list_inventory")].parameters
    compact = compact_schema(full)
    assert set(compact["properties"]) == set(full["properties"])
    assert compact["properties"]["status"]["enum"] == ["in_stock", "listed", "in_inventory", "sold"]
    assert compact["properties"]["limit"] == {"maximum": 50, "minimum": 1, "type": "integer"}
    assert "title" not in compact and all("title" not in p for p in compact["properties"].values())
    assert all("default" not in p for p in compact["properties"].values())
    assert tokens.count_tool_tokens(SPECS, "gpt-4o") < 0.75 * tokens.count_tokens(
        json.dumps([{"type": "function", "function": vars_of(s)} for s in SPECS], separators=(",", ":")),
        "gpt-4o",
    )


def test_guards_the_tools_enforce_are_not_sent_but_still_hold() -> None:
    """The no-NUL pattern, list caps, wide number bounds, `minimum: 0` and
    `additionalProperties: false` cost tokens on every request and tell a model nothing; the
    tool's own validation still refuses what they guard."""
    model, _description = TOOL_ARGS["query_business"]
    compact = compact_schema(model.model_json_schema())
    filters = compact["properties"]["filters"]  # QueryFilters, used once: written in place
    assert filters["properties"]["brand"] == {
        "description": "brand names, case-insensitive",
        "items": {"type": "string"},
        "type": "array",
    }
    assert filters["properties"]["min_age_days"]["type"] == "integer"
    assert "maximum" not in filters["properties"]["min_age_days"]
    assert "additionalProperties" not in compact and "additionalProperties" not in filters
    with pytest.raises(ValidationError):
        model.model_validate({"metrics": ["revenue"], "filters": {"brand": ["Nike"] * 51}})
    with pytest.raises(ValidationError):
        model.model_validate({"metrics": ["revenue"], "filters": {"brand": ["Ni\x00ke"]}})
    with pytest.raises(ValidationError):
        model.model_validate({"metrics": ["revenue"], "filters": {"min_age_days": -1}})
    with pytest.raises(ValidationError):
        model.model_validate({"metrics": ["revenue"], "colour": "red"})


def test_an_enum_used_twice_is_sent_once() -> None:
    """The 23 metrics are the items of `metrics` and the values of `sort`: written once in $defs."""
    model, _description = TOOL_ARGS["query_business"]
    compact = compact_schema(model.model_json_schema())
    metric = {"$ref": "#/$defs/metric"}
    assert compact["properties"]["metrics"]["items"] == metric
    assert (
        compact["properties"]["sort"]["$ref"] == metric["$ref"]
        and "enum" not in compact["properties"]["sort"]
    )
    assert "revenue" in compact["$defs"]["metric"]["enum"]
    assert json.dumps(compact).count('"inventory_turnover"') == 1
    # the group_by dimensions appear once only, so they stay in place
    assert "brand" in compact["properties"]["group_by"]["items"]["enum"]


def test_a_decimal_is_offered_as_a_number() -> None:
    model, _description = TOOL_ARGS["query_business"]
    compact = compact_schema(model.model_json_schema())
    assert compact["properties"]["filters"]["properties"]["min_price"]["type"] == "number"
    assert model.model_validate({"metrics": ["revenue"], "filters": {"min_price": "99.50"}})
    # a real choice of types stays a choice
    remember = compact_schema(RememberArgs.model_json_schema())
    assert len(remember["properties"]["value"]["anyOf"]) == 4


def test_the_model_reads_short_descriptions_and_the_rest_api_keeps_its_own() -> None:
    """query_business's descriptions for a model are MODEL_DESCRIPTIONS; SemanticQuery's own (the
    REST API's, docs/semantic.md) are unchanged, and every path there names a real field."""
    model, _description = TOOL_ARGS["query_business"]
    rest = model.model_json_schema()
    sent = model_schema("query_business", model)
    for path, text in MODEL_DESCRIPTIONS["query_business"].items():
        node = sent
        for key in path:
            node = node[key]
        assert node.get("description") == text
    family = ("$defs", "QueryFilters", "properties", "family")
    assert len(rest["$defs"]["QueryFilters"]["properties"]["family"]["description"]) > len(
        MODEL_DESCRIPTIONS["query_business"][family] or ""
    )
    assert tokens.count_tool_tokens(
        [ToolSpec("query_business", "", sent)], "gpt-4o-mini"
    ) < 0.75 * tokens.count_tool_tokens([ToolSpec("query_business", "", rest)], "gpt-4o-mini")


def vars_of(spec: ToolSpec) -> dict[str, object]:
    return {"name": spec.name, "description": spec.description, "parameters": spec.parameters}


def test_prompt_token_report_compares_tools_with_pasted_context() -> None:
    full_context = "\n".join(
        f"- {sku}: size {size}, bought 150.00, age {age} days"
        for sku, size, age in (("DZ5485-612", "10", 120), ("555088-134", "9.5", 40), ("FD1437-612", "11", 75))
        * 80
    )
    questions = ["How much dead stock do I have?", "Umsatz letzten Monat?"]
    report = tokens.prompt_token_report(
        questions,
        system_prompt=system_prompt(),
        tool_specs=SPECS,
        compact_context="Units in inventory: 240; dead stock: 160 pairs.",
        full_context=lambda question: full_context,
        model="gpt-4o-mini",
    )
    assert report.backend == "tiktoken"
    assert report.tool_schema_tokens == tokens.count_tool_tokens(SPECS, "gpt-4o-mini")
    assert [r.question for r in report.rows] == questions
    first = report.rows[0]
    expected_ours = (
        tokens.count_message_tokens(
            [
                {
                    "role": "system",
                    "content": system_prompt() + "\n\nUnits in inventory: 240; dead stock: 160 pairs.",
                },
                {"role": "user", "content": questions[0]},
            ],
            "gpt-4o-mini",
        )
        + report.tool_schema_tokens
    )
    assert first.tools_approach == expected_ours
    assert first.context_dump_approach > first.tools_approach  # 240 pasted rows cost more than 14 tools
    assert first.saved_pct is not None and first.saved_pct > 0
    summary = report.as_dict()
    assert summary["token_counter"] == "tiktoken"
    assert summary["mean_prompt_tokens_tools"] == pytest.approx(report.mean_tools_approach, abs=0.1)
    assert len(summary["questions"]) == 2
