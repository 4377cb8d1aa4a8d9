"""lexicon.toml loaded as a phrase table: folded phrase -> roles ("metric:revenue", "fact:sales")."""

from __future__ import annotations

import functools
import tomllib
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from domains.ai.understanding.normalize import tokenize

LEXICON_PATH = Path(__file__).with_name("lexicon.toml")
# Sections whose keys are role values: [metric] revenue = [...] -> "metric:revenue".
KEYED = (
    "metric",
    "fact",
    "measure",
    "age",
    "status",
    "condition",
    "group",
    "rank",
    "pick",
    "followup",
    "tool",
    "chat",
    "teach",
    "no_record",
)
# Sections with one list: [summary] phrases = [...] -> "summary".
FLAT = ("summary", "dead", "rate", "list", "compare", "average")


@dataclass(frozen=True)
class Lexicon:
    phrases: dict[tuple[str, ...], tuple[str, ...]]  # token tuple -> roles
    filler: frozenset[str]
    longest: int
    german: frozenset[str]
    english: frozenset[str]
    abbreviations: dict[str, str]

    def roles(self, words: tuple[str, ...]) -> tuple[str, ...]:
        return self.phrases.get(words, ())

    @functools.cached_property
    def words(self) -> frozenset[str]:
        """Every single word the lexicon knows (typo correction targets, and 'common' words that
        must never be read as a product name)."""
        return frozenset(w for phrase in self.phrases for w in phrase)


def phrase_tokens(phrase: str) -> tuple[str, ...]:
    return tuple(t.text for t in tokenize(phrase))


@cache
def load_lexicon(path: Path = LEXICON_PATH) -> Lexicon:
    data = tomllib.loads(path.read_text(encoding="utf-8"))
    table: dict[tuple[str, ...], list[str]] = {}

    def add(phrase: str, role: str) -> None:
        words = phrase_tokens(phrase)
        if words:
            roles = table.setdefault(words, [])
            if role not in roles:
                roles.append(role)

    for section in KEYED:
        for key, phrases in data.get(section, {}).items():
            for phrase in phrases:
                add(phrase, f"{section}:{key}")
    for section in FLAT:
        for phrase in data.get(section, {}).get("phrases", []):
            add(phrase, section)
    filler = frozenset(data["filler"]["words"].split())
    return Lexicon(
        phrases={k: tuple(v) for k, v in table.items()},
        filler=filler,
        longest=max(len(k) for k in table),
        german=frozenset(data["language"]["de"]),
        english=frozenset(data["language"]["en"]),
        abbreviations=dict(data.get("abbreviations", {})),
    )


def detect_language(text: str, *, default: str = "en") -> str:
    """'de' or 'en' by which language's common words the text uses more (umlauts count for German)."""
    lexicon = load_lexicon()
    words = [t.text for t in tokenize(text)]
    german = sum(w in lexicon.german for w in words) + 2 * sum(c in "äöüßÄÖÜ" for c in text)
    english = sum(w in lexicon.english for w in words)
    if german == english:
        return default
    return "de" if german > english else "en"
