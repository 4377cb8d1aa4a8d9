"""BuiltinProvider: the offline engine every user meets first (no API key needed).

read (domains/ai/understanding: every word a role, follow-ups merged into the previous turn)
-> one semantic query (or a list / pricing tool) through the tools -> answer from the result,
starting with the restatement. It states only figures the tools return; for words it does not
understand or names with no record it says so, states no figure, and offers questions it can answer.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import AsyncIterator
from dataclasses import replace
from datetime import UTC, datetime
from typing import Any

from domains.ai.providers.base import (
    AssistantRequest,
    Completed,
    ProviderEvent,
    TextDelta,
    ToolCallFinished,
    ToolCallStarted,
    ToolExecutor,
    ToolResult,
    Usage,
)
from domains.ai.tokens import count_tokens
from domains.ai.understanding.answers import Writer
from domains.ai.understanding.interpretation import Interpretation
from domains.ai.understanding.lexicon import detect_language
from domains.ai.understanding.parser import Parser, Reading, assemble, is_followup, merge_followup
from domains.ai.understanding.restatement import interpretation_payload, restate
from domains.ai.understanding.teaching import find_teaching, meaning_problems, term_kind
from domains.ai.understanding.vocabulary import Vocabulary
from shared.config.settings import Settings

HISTORY_TURNS = 6  # previous user turns a follow-up can lean on
LIST_LIMIT = 10
INTENTS = {"stock": "inventory", "sales": "analytics", "purchases": "analytics"}
TOOL_INTENTS = {
    "low_stock": "inventory",
    "market_price": "pricing",
    "price_recommendation": "pricing",
    "fee_estimate": "pricing",
    "reprice": "pricing",
    "product_lookup": "product",
}
# Questions offered when greeted, asked for help, or when a question could not be mapped.
STARTERS = {
    "en": ["Pairs sold by size last month", "Dead stock now, by brand", "Profit per pair by brand this year"],
    "de": [
        "Verkaufte Paare nach Größe letzten Monat",
        "Ladenhüter jetzt, nach Marke",
        "Gewinn pro Paar nach Marke dieses Jahr",
    ],
}
PICK_SORT = {"oldest": "oldest", "newest": "newest", "cheapest": "price_asc", "priciest": "price_desc"}


def conversation_language(request: AssistantRequest) -> str:
    """request.language wins; else the last user message, falling back to earlier ones, then English."""
    if request.language in ("en", "de"):
        return request.language
    users = [turn.content for turn in request.messages if turn.role == "user"]
    fallback = "en"
    for text in users[:-1]:
        fallback = detect_language(text, default=fallback)
    return detect_language(users[-1], default=fallback) if users else "en"


def chunks(text: str, *, parts: int = 4) -> list[str]:
    """The answer in a few pieces, split at line or sentence ends."""
    pieces = [p for p in re.split(r"(?<=\n)|(?<=[.!?:] )", text) if p]
    if len(pieces) <= parts:
        return pieces or [text]
    size = -(-len(pieces) // parts)
    return ["".join(pieces[i : i + size]) for i in range(0, len(pieces), size)]


def understand(parser: Parser, questions: list[str], *, now: datetime) -> tuple[Interpretation, Reading]:
    """The last question, read against the ones before it (follow-ups merge into their turn)."""
    previous: Interpretation | None = None
    reading = parser.read("", now=now)
    current = Interpretation()
    for question in questions[-HISTORY_TURNS:]:
        reading = parser.read(question, now=now)
        current = assemble(reading, now=now)
        if (
            previous is not None
            and previous.action not in ("teach", "greeting", "thanks", "help")
            and is_followup(current, reading)
        ):
            current = merge_followup(current, previous, reading, now=now)
        previous = current
    return current, reading


def intent_of(interpretation: Interpretation) -> str:
    if interpretation.action in TOOL_INTENTS:
        return TOOL_INTENTS[interpretation.action]
    facts = interpretation.facts
    if interpretation.action in ("aggregate", "list", "future") and facts:
        if facts == {"stock"} and interpretation.filters.product and not interpretation.group_by:
            return "product"  # about one named product (or a few colorways)
        return "inventory" if facts == {"stock"} else "analytics"
    return "general"


class BuiltinProvider:
    name = "builtin"
    model = "soleflip-builtin-1"
    wants_prefetched_context = False  # it fetches exactly the figures it states, through the tools
    reads_past_messages = False  # it reads the user's facts (settings, taught words), not old answers

    def __init__(self, settings: Settings | None = None, *, now: datetime | None = None) -> None:
        self.settings = settings or Settings()
        self._now = now

    async def aclose(self) -> None:
        return None

    async def stream(self, request: AssistantRequest, tools: ToolExecutor) -> AsyncIterator[ProviderEvent]:
        now = self._now or getattr(tools, "now", None) or datetime.now(UTC)
        users = [turn.content for turn in request.messages if turn.role == "user"] or [""]
        language = conversation_language(request)
        vocabulary_of = getattr(tools, "vocabulary", None)
        vocabulary = await vocabulary_of() if vocabulary_of is not None else Vocabulary()
        parser = Parser(vocabulary, taught=taught_terms(tools))
        turn = _Turn(tools, language=language, currency=self.settings.CURRENCY, now=now)

        teaching = _teaching(parser, users[-1])
        if teaching is not None:
            answer, interpretation = await turn.teach(parser, *teaching, question=users[-1])
        else:
            interpretation, _reading = understand(parser, users, now=now)
            interpretation = _resolve_families(interpretation, vocabulary)
            if parser.used_taught:
                interpretation.notes = [
                    *interpretation.notes,
                    *(f"“{k}” = {v}" for k, v in parser.used_taught.items()),
                ]
            if request.facts_saved and (
                interpretation.action in ("unknown", "greeting", "thanks", "help")
                or _reading.has("chat:help")
            ):
                interpretation = Interpretation(
                    action="remembered"
                )  # "remember that ...": the memory saved it
            answer = await turn.answer(interpretation, facts_saved=request.facts_saved)
        for event in turn.events:
            yield event
        for piece in chunks(answer.text):
            yield TextDelta(text=piece)
        prompt_text = "\n".join(users[-HISTORY_TURNS:])
        usage = Usage(prompt_tokens=count_tokens(prompt_text), completion_tokens=count_tokens(answer.text))
        yield Completed(
            answer=answer.text,
            intent=intent_of(interpretation),
            usage=usage,
            model=self.model,
            language=language,
            suggestions=answer.suggestions,
            interpretation=answer.interpretation,
        )


def _resolve_families(interpretation: Interpretation, vocabulary: Vocabulary) -> Interpretation:
    """Families named together ("panda dunks") mean the products that have all of them."""
    if not interpretation.intersect_families:
        return interpretation
    families = interpretation.filters.family
    common = set.intersection(*(set(vocabulary.skus_for_families([f])) for f in families))
    filters = replace(interpretation.filters, family=[], product=sorted(common))
    resolved = replace(interpretation, filters=filters, intersect_families=False)
    if not common:
        resolved.no_record = [*resolved.no_record, ("name", " ".join(families))]
    return resolved


def taught_terms(tools: ToolExecutor) -> dict[str, str]:
    """The user's taught words (memory facts of kind "term:<word>")."""
    facts = getattr(tools, "facts", None)
    if facts is None:
        facts = getattr(getattr(tools, "business", None), "facts", [])
    return {f.kind.removeprefix("term:"): str(f.value) for f in facts or [] if f.kind.startswith("term:")}


def _teaching(parser: Parser, question: str) -> tuple[str, str] | None:
    found = find_teaching(question)
    if found is not None:
        return found
    loose = find_teaching(question, strict=False)
    if loose is None:
        return None
    term_words = loose[0].split()
    # "Breds are <a model>": only when the word is not one the engine already knows
    if any(w in parser.known for w in term_words):
        return None
    return loose


class _Answer:
    def __init__(
        self, text: str, interpretation: dict[str, Any], suggestions: list[str] | None = None
    ) -> None:
        self.text = text
        self.interpretation = interpretation
        self.suggestions = suggestions or []


class _Turn:
    """One answer: runs tools (recording their events) and writes the text."""

    def __init__(self, tools: ToolExecutor, *, language: str, currency: str, now: datetime) -> None:
        self.tools = tools
        self.language = language
        self.now = now
        self.writer = Writer(language=language, currency=currency)
        self.events: list[ProviderEvent] = []
        self._ids = itertools.count(1)

    async def run(self, name: str, arguments: dict[str, Any]) -> ToolResult:
        call_id = f"builtin_{next(self._ids)}"
        self.events.append(ToolCallStarted(call_id=call_id, name=name, arguments=dict(arguments)))
        result = await self.tools.run(name, arguments, call_id=call_id)
        self.events.append(ToolCallFinished(result=result))
        return result

    def t(self, en: str, de: str) -> str:
        return self.writer.t(en, de)

    def finish(
        self,
        interpretation: Interpretation,
        body: str,
        *,
        dead_stock_days: int | None = None,
        suggestions: list[str] | None = None,
    ) -> _Answer:
        days = dead_stock_days or 60
        line = restate(interpretation, self.language, now=self.now, dead_stock_days=days)
        text = f"**{line}**\n\n{body}" if body else f"**{line}**"
        payload = interpretation_payload(interpretation, line, now=self.now, dead_stock_days=days)
        return _Answer(text, payload, suggestions)

    # --- dispatch -----------------------------------------------------------------------------

    async def answer(self, interpretation: Interpretation, *, facts_saved: list[dict[str, Any]]) -> _Answer:
        action = interpretation.action
        if interpretation.unknown_terms or interpretation.no_record or action in ("unknown", "no_record"):
            return self.not_understood(interpretation)
        if action == "future":
            return self.finish(interpretation, self.writer.future(interpretation))
        if action == "remembered":
            saved = "; ".join(str(f.get("text")) for f in facts_saved)
            return self.finish(interpretation, self.t(f"Noted: {saved}", f"Gemerkt: {saved}"))
        if action in ("greeting", "thanks", "help"):
            hello = {
                "greeting": self.t("Hi!", "Hallo!"),
                "thanks": self.t("You're welcome.", "Gern geschehen."),
                "help": "",
            }[action]
            text = (
                f"{hello} {self.writer.help()}".strip()
                + "\n\n"
                + "\n".join(f"- {q}" for q in self.starters())
            )
            return _Answer(
                text,
                interpretation_payload(interpretation, "", now=self.now, dead_stock_days=None),
                self.starters(),
            )
        if action in ("list", "reprice"):
            return await self.list_pairs(interpretation)
        if action == "product_lookup":
            return await self.lookup(interpretation)
        if action == "low_stock":
            result = await self.run(
                "low_stock",
                {
                    "limit": 20,
                    "by_size": bool(interpretation.filters.size) or "size" in interpretation.group_by,
                },
            )
            return self.finish(interpretation, self.tool_text(result, self.writer.low_stock))
        if action in ("market_price", "price_recommendation"):
            return await self.pricing(interpretation)
        if action == "fee_estimate":
            return await self.fee_estimate(interpretation)
        return await self.aggregate(interpretation)

    def tool_text(self, result: ToolResult, render: Any) -> str:
        if result.error:
            return self.t(
                f"I couldn't get that: {result.error}", f"Das konnte ich nicht abrufen: {result.error}"
            )
        return str(render(result.data))

    # --- the semantic query -------------------------------------------------------------------

    def semantic_arguments(self, interpretation: Interpretation, period: Any = None) -> dict[str, Any]:
        filters = interpretation.filters.as_dict()
        args: dict[str, Any] = {"metrics": interpretation.metrics, "filters": filters}
        if interpretation.group_by:
            args["group_by"] = interpretation.group_by
        window = period or interpretation.window(self.now)
        if window is not None:
            args["start"] = window.start.isoformat()
            args["end"] = window.end.isoformat()
        if interpretation.dead_stock_days is not None:
            args["dead_stock_days"] = interpretation.dead_stock_days
        if interpretation.sort:
            args["sort"] = interpretation.sort
            args["descending"] = interpretation.descending
        if interpretation.limit and interpretation.group_by:
            args["limit"] = interpretation.limit
        if set(interpretation.group_by) & {"day", "week", "month", "quarter", "year"}:
            args["sort_by_group"] = True
        return args

    async def aggregate(self, interpretation: Interpretation) -> _Answer:
        families = interpretation.filters.family
        if "family" in interpretation.group_by and len(families) > 1:
            return await self.per_family(interpretation)
        if interpretation.compare_periods:
            results = [
                await self.run("query_business", self.semantic_arguments(interpretation, p))
                for p in interpretation.compare_periods
            ]
            failed = next((r for r in results if r.error), None)
            if failed is not None:
                return self.failed(interpretation, failed)
            days = results[0].data.get("query", {}).get("dead_stock_days")
            return self.finish(
                interpretation,
                self.writer.comparison(interpretation, [r.data for r in results]),
                dead_stock_days=days,
            )
        result = await self.run("query_business", self.semantic_arguments(interpretation))
        if result.error:
            return self.failed(interpretation, result)
        days = result.data.get("query", {}).get("dead_stock_days")
        return self.finish(
            interpretation, self.writer.aggregate(interpretation, result.data), dead_stock_days=days
        )

    async def per_family(self, interpretation: Interpretation) -> _Answer:
        """Named model families side by side (two Jordan models compared): one query per family (a
        family is a set of words, not a column to group by), then all of them together."""
        others = [d for d in interpretation.group_by if d != "family"]
        rows = []
        for family in interpretation.filters.family:
            one = replace(
                interpretation, group_by=others, filters=replace(interpretation.filters, family=[family])
            )
            result = await self.run("query_business", self.semantic_arguments(one))
            if result.error:
                return self.failed(interpretation, result)
            rows.append({"group": {"family": family}, "values": result.data.get("totals", {})})
        together = replace(interpretation, group_by=others)
        result = await self.run("query_business", self.semantic_arguments(together))
        if result.error:
            return self.failed(interpretation, result)
        if interpretation.sort:
            rows.sort(
                key=lambda r: r["values"].get(interpretation.sort) or 0, reverse=interpretation.descending
            )
        data = {"rows": rows, "totals": result.data.get("totals", {}), "total_groups": len(rows)}
        flat = replace(interpretation, group_by=["family"])
        days = result.data.get("query", {}).get("dead_stock_days")
        return self.finish(interpretation, self.writer.aggregate(flat, data), dead_stock_days=days)

    def failed(self, interpretation: Interpretation, result: ToolResult) -> _Answer:
        """A query the data layer refused (e.g. a dimension that does not apply): plain words."""
        return self.finish(
            interpretation,
            self.t(
                f"I can't answer it in that form: {result.error} Try asking for one thing at a time.",
                f"So kann ich das nicht beantworten: {result.error} Fragen Sie am besten nach einer Sache auf einmal.",
            ),
            suggestions=self.suggestions_for(interpretation),
        )

    # --- lists of pairs -----------------------------------------------------------------------

    async def list_pairs(self, interpretation: Interpretation) -> _Answer:
        f = interpretation.filters
        dead = any(m.startswith("dead_stock") for m in interpretation.metrics)
        args: dict[str, Any] = {"limit": 1 if interpretation.pick else LIST_LIMIT}
        if interpretation.pick:
            args["sort"] = PICK_SORT[interpretation.pick]
        if f.brand:
            args["brand"] = f.brand[0]
        skus = list(f.product)
        vocabulary_of = getattr(self.tools, "vocabulary", None)
        if f.family and vocabulary_of is not None:
            vocabulary = await vocabulary_of()
            skus += vocabulary.skus_for_families(f.family)
        if skus:
            args["skus"] = skus
        if f.size:
            args["sizes"] = f.size
        if f.status:
            args["status"] = f.status[0]
        if f.condition:
            args["condition"] = f.condition[0]
        if f.platform:
            args["listed_platform"] = f.platform[0]
        if f.min_age_days is not None:
            args["min_age_days"] = f.min_age_days + 1  # "older than N days": age > N
        if f.max_age_days is not None:
            args["max_age_days"] = f.max_age_days
        if f.min_price is not None:
            args["min_purchase_price"] = float(f.min_price)
        if f.max_price is not None:
            args["max_purchase_price"] = float(f.max_price)
        if dead:
            args["older_than_dead_stock"] = True
            if interpretation.dead_stock_days is not None:
                args["dead_stock_days"] = interpretation.dead_stock_days
        result = await self.run("list_inventory", args)
        if result.error:
            return self.failed(interpretation, result)
        days = result.data.get("dead_stock_days")
        body = self.writer.pairs(interpretation, result.data, now=self.now)
        return self.finish(interpretation, body, dead_stock_days=days)

    async def lookup(self, interpretation: Interpretation) -> _Answer:
        f = interpretation.filters
        names = [*f.product, *f.family, *f.brand]
        if not names:
            return self.finish(
                interpretation,
                self.t(
                    "Which product? Name a model, a colorway or a style code.",
                    "Welches Produkt? Nennen Sie ein Modell, eine Farbe oder eine Artikelnummer.",
                ),
            )
        result = await self.run("product_lookup", {"query": " ".join(names)[:200], "limit": 5})
        return self.finish(interpretation, self.tool_text(result, self.writer.products))

    # --- pricing ------------------------------------------------------------------------------

    async def pricing(self, interpretation: Interpretation) -> _Answer:
        f = interpretation.filters
        named = [*f.product, *f.family]
        if not named:
            return self.finish(
                interpretation,
                self.t(
                    "Which product? Name a model or a style code (SKU).",
                    "Welches Produkt? Nennen Sie ein Modell oder eine Artikelnummer (SKU).",
                ),
            )
        args: dict[str, Any] = {"product_query": named[0]}
        if f.size:
            args["size"] = f.size[0]
        if f.platform:
            args["platform"] = f.platform[0]
        if interpretation.action == "market_price":
            result = await self.run("market_prices", args)
            return self.finish(interpretation, self.tool_text(result, self.writer.market_prices))
        result = await self.run("price_recommendation", args)
        return self.finish(interpretation, self.tool_text(result, self.writer.price_recommendation))

    async def fee_estimate(self, interpretation: Interpretation) -> _Answer:
        price = (
            interpretation.fee_price or interpretation.filters.min_price or interpretation.filters.max_price
        )
        if price is None:
            return self.finish(interpretation, self.t("At what sale price?", "Zu welchem Verkaufspreis?"))
        args: dict[str, Any] = {"sale_price": float(price)}
        if interpretation.filters.platform:
            args["platform"] = interpretation.filters.platform[0]
        result = await self.run("fee_estimate", args)
        interpretation = replace(
            interpretation, filters=replace(interpretation.filters, min_price=None, max_price=None)
        )
        return self.finish(interpretation, self.tool_text(result, self.writer.fee_estimate))

    # --- teaching -----------------------------------------------------------------------------

    async def teach(
        self, parser: Parser, term: str, meaning: str, *, question: str
    ) -> tuple[_Answer, Interpretation]:
        problems = meaning_problems(parser, meaning, now=self.now)
        interpretation = Interpretation(action="teach", teach=(term, meaning))
        if problems:
            unknown = ", ".join(f"“{w}”" for w in problems)
            text = self.t(
                f"I can't learn “{term}” yet: I don't understand {unknown} in its meaning. "
                "Say it with words I know, e.g. a metric (dead stock, revenue), a brand or a model.",
                f"„{term}“ kann ich noch nicht lernen: {unknown} verstehe ich in der Bedeutung nicht. "
                "Sagen Sie es mit Wörtern, die ich kenne, z. B. einer Kennzahl (Ladenhüter, Umsatz), einer Marke oder einem Modell.",
            )
            interpretation.unknown_terms = list(problems)
            return _Answer(
                text, interpretation_payload(interpretation, text, now=self.now, dead_stock_days=None)
            ), interpretation
        result = await self.run("remember", {"kind": term_kind(term), "value": meaning, "text": question})
        if result.error:
            text = self.t(
                f"I couldn't save that word: {result.error}",
                f"Das Wort konnte ich nicht speichern: {result.error}",
            )
        else:
            text = self.t(
                f"Got it: when you say “{term}”, I'll read it as {meaning}. You can remove it in the memory panel.",
                f"Verstanden: wenn Sie „{term}“ sagen, lese ich das als {meaning}. Entfernen können Sie es im Gedächtnis-Bereich.",
            )
        line = self.t(f"Taught word: “{term}” = {meaning}", f"Gelerntes Wort: „{term}“ = {meaning}")
        return _Answer(
            text, interpretation_payload(interpretation, line, now=self.now, dead_stock_days=None)
        ), interpretation

    # --- when it cannot answer ------------------------------------------------------------------

    def not_understood(self, interpretation: Interpretation) -> _Answer:
        suggestions = self.suggestions_for(interpretation)
        text = self.writer.not_understood(interpretation, suggestions)
        payload = interpretation_payload(
            interpretation,
            self.t("Not answered: ", "Nicht beantwortet: ")
            + ", ".join([*interpretation.unknown_terms, *(t for _, t in interpretation.no_record)])
            if (interpretation.unknown_terms or interpretation.no_record)
            else self.t("Not understood", "Nicht verstanden"),
            now=self.now,
            dead_stock_days=None,
        )
        return _Answer(text, payload, suggestions)

    def suggestions_for(self, interpretation: Interpretation) -> list[str]:
        """Questions built from what was understood (docs/domain.md honesty rules)."""
        out: list[str] = []
        if interpretation.metrics and interpretation.action in (
            "aggregate",
            "list",
            "no_record",
            "unknown",
            "future",
        ):
            understood = replace(
                interpretation,
                action="aggregate" if interpretation.action != "list" else "list",
                unknown_terms=[],
                no_record=[],
                notes=[],
            )
            out.append(
                restate(
                    understood,
                    self.language,
                    now=self.now,
                    dead_stock_days=interpretation.dead_stock_days or 60,
                )
                + "?"
            )
        for starter in self.starters():
            if len(out) >= 3:
                break
            out.append(starter)
        return out

    def starters(self) -> list[str]:
        return list(STARTERS["de" if self.writer.de else "en"])
