"""Teaching a word: "when I say <word> I mean <meaning>", "mit <Wort> meine ich <Bedeutung>".

The taught word is stored in the user's memory (a fact of kind "term:<word>") and stands for
its meaning in every later question of that user (Parser._substitute_taught).
"""

from __future__ import annotations

import re
from datetime import datetime

from domains.ai.understanding.normalize import fold
from domains.ai.understanding.parser import Parser, assemble

# (pattern over the folded question) -> groups `term` and `meaning`
_PATTERNS = [
    r"(?:when|if|whenever) i (?:say|write|type) (?P<term>.+?),? (?:i mean|i'm talking about|that means|it means|means) (?P<meaning>.+)",
    r"by (?P<term>.+?),? i mean (?P<meaning>.+)",
    r"wenn ich (?P<term>.+?) (?:sage|schreibe|tippe),? (?:meine ich|dann meine ich|ist gemeint|sind gemeint|bedeutet das) (?P<meaning>.+)",
    r"(?:mit|unter) (?P<term>.+?) (?:meine ich|verstehe ich|sind gemeint|ist gemeint) (?P<meaning>.+)",
    r"(?P<term>[\w' -]{2,30}?) (?:means|stands for|refers to|bedeutet|heisst|steht fuer|=) (?P<meaning>.+)",
    r"(?P<term>[\w' -]{2,30}?) (?:are|is|sind|ist) (?:the|die|der|das|my|meine) (?P<meaning>.+)",
]
_LEAD = re.compile(
    r"(?:please |bitte )?(?:remember|note|merk dir|merke dir|notiere|fyi|just so you know)[:,]? (?:that |dass )?"
)
_COMPILED = [re.compile(p) for p in _PATTERNS]
MAX_TERM_LENGTH = 34  # the fact kind is "term:<word>", 40 characters at most


def find_teaching(question: str, *, strict: bool = True) -> tuple[str, str] | None:
    """(term, meaning) when the question teaches a word. The last two patterns ("X means Y",
    "X are the Y") only count when `strict` is False: the caller checks X is not a known word."""
    stripped = question.strip().rstrip("?.! ")
    folded = fold(stripped)
    lead = _LEAD.match(folded)
    offset = lead.end() if lead else 0
    text = folded[offset:]
    # the meaning as the user wrote it (capitals tell "On" the brand from "on"), when folding kept lengths
    original = stripped[offset:] if len(folded) == len(stripped) else text
    for index, pattern in enumerate(_COMPILED):
        if strict is False or index < 4:
            match = pattern.fullmatch(text)
            if match:
                term = re.sub(
                    r"^(?:my|the|meine[nmr]?|mein|die|der|das|den)\s+",
                    "",
                    match.group("term").strip(" \"'“”„"),
                )
                term = term.strip(" \"'“”„")
                meaning = original[match.start("meaning") : match.end("meaning")].strip(" \"'“”„")
                if term and meaning and len(term) <= MAX_TERM_LENGTH and len(term.split()) <= 3:
                    return term, meaning
    return None


def term_kind(term: str) -> str:
    return f"term:{fold(term).strip()[:MAX_TERM_LENGTH]}"


def meaning_problems(parser: Parser, meaning: str, *, now: datetime) -> list[str]:
    """The words of a meaning the engine does not understand; [] when it maps to something the
    engine can answer with (a metric, a filter, a model, a period...)."""
    reading = parser.read(meaning, now=now)
    interpretation = assemble(reading, now=now)
    problems = [*interpretation.unknown_terms, *(term for _kind, term in interpretation.no_record)]
    if problems:
        return problems
    meaningful = [r for _s, _e, r, _v in reading.roles if not r.startswith(("chat:", "followup:", "teach:"))]
    return [] if meaningful else [meaning]
