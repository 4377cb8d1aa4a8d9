"""Fuzzy product matching: names, nicknames, SKUs and typos, scored 0-100.

The catalogue is small (thousands of products), so matching runs in Python with rapidfuzz
over one request's copy of it. Scoring, per product:

- SKU: the query without dashes/spaces equals the SKU (100), is the style-code prefix of it
  (92: "DZ5485" finds every colourway), or is a near miss (ratio x 0.95, from 85 up).
- Text: each query word is compared with the words of brand, name and colorway. A word
  scores 100 when equal, 90 when it starts a catalogue word, its rapidfuzz ratio for a
  typo (from 75 up, words of 4+ letters), else 0; numbers must be equal ("1" never
  matches "11"). Coverage = mean best score over the query words. A small bonus for
  how much of the product name the query covers ranks "Jordan 1 Chicago" above
  "Jordan 1 Retro High OG Chicago Lost & Found" for the query "jordan 1 chicago".
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from rapidfuzz import fuzz

from domains.products.repository import CatalogueEntry, compact_sku

# Nicknames people type, expanded to the words in product names.
WORD_ALIASES: dict[str, tuple[str, ...]] = {
    "aj": ("air", "jordan"),
    "aj1": ("air", "jordan", "1"),
    "aj3": ("air", "jordan", "3"),
    "aj4": ("air", "jordan", "4"),
    "aj5": ("air", "jordan", "5"),
    "aj6": ("air", "jordan", "6"),
    "aj11": ("air", "jordan", "11"),
    "af1": ("air", "force", "1"),
    "am1": ("air", "max", "1"),
    "am90": ("air", "max", "90"),
    "am95": ("air", "max", "95"),
    "am97": ("air", "max", "97"),
    "jordans": ("jordan",),
    "js": ("jordan",),
    "nb": ("new", "balance"),
    "yzy": ("yeezy",),
    "yeezys": ("yeezy",),
    "dunks": ("dunk",),
    "hi": ("high",),
    "lo": ("low",),
}
# Words that say nothing about which product is meant.
STOPWORDS = frozenset({"the", "a", "an", "and", "of", "in", "size", "pair", "pairs", "shoe", "shoes"})
_WORD = re.compile(r"[a-z0-9]+")
_LETTERS_THEN_DIGITS = re.compile(r"^([a-z]{3,})(\d+)$")

MIN_SCORE = 60.0


@dataclass(frozen=True, slots=True)
class ScoredEntry:
    entry: CatalogueEntry
    score: float


def _fold(text: str) -> str:
    """Lowercase without accents: 'Café' -> 'cafe'."""
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch)).lower()


def words(text: str) -> list[str]:
    return _WORD.findall(_fold(text.replace("'s", "").replace("’s", "")))


def query_words(query: str) -> list[str]:
    """The words of a query, with nicknames expanded and 'jordan1' split into 'jordan 1'."""
    out: list[str] = []
    for word in words(query):
        if word in WORD_ALIASES:
            out.extend(WORD_ALIASES[word])
            continue
        glued = _LETTERS_THEN_DIGITS.match(word)
        if glued:
            out.extend(glued.groups())
            continue
        if word not in STOPWORDS:
            out.append(word)
    return out


def word_similarity(query_word: str, catalogue_word: str) -> float:
    if query_word == catalogue_word:
        return 100.0
    if query_word.isdigit() or catalogue_word.isdigit():
        return 0.0
    if len(query_word) >= 2 and catalogue_word.startswith(query_word):
        return 90.0 if len(query_word) >= 3 else 80.0
    if len(query_word) < 4:
        return 0.0
    ratio = fuzz.ratio(query_word, catalogue_word)
    return ratio if ratio >= 75 else 0.0


def sku_score(query: str, sku: str) -> float:
    wanted = compact_sku(query)
    if len(wanted) < 5 or not any(ch.isdigit() for ch in wanted):
        return 0.0
    have = compact_sku(sku)
    if wanted == have:
        return 100.0
    if have.startswith(wanted):
        return 92.0
    ratio = fuzz.ratio(wanted, have)
    return round(ratio * 0.95, 1) if ratio >= 85 else 0.0


def rank(
    entries: Sequence[CatalogueEntry],
    query: str,
    *,
    limit: int,
    min_score: float = MIN_SCORE,
    popularity: Mapping[int, int] | None = None,
) -> list[ScoredEntry]:
    """The best `limit` entries for `query`, best first; ties by popularity (pairs sold plus in
    stock, per product id, when given: "panda dunk" means the model the shop moves most), then name."""
    wanted = query_words(query)
    vocabulary = _vocabulary(entries)
    # Each query word against each distinct catalogue word once, not once per product.
    similarity = [_similar_words(word, vocabulary) for word in wanted]
    scored: list[ScoredEntry] = []
    for entry in entries:
        score = max(sku_score(query, entry.sku), _text_score(entry, wanted, similarity))
        if score >= min_score:
            scored.append(ScoredEntry(entry=entry, score=round(score, 1)))
    return reorder(scored, popularity)[:limit]


def reorder(scored: Sequence[ScoredEntry], popularity: Mapping[int, int] | None = None) -> list[ScoredEntry]:
    """Best score first; equal scores by popularity (higher first), then name and id."""
    popular = popularity or {}
    return sorted(
        scored,
        key=lambda s: (
            -s.score,
            -popular.get(s.entry.product_id, 0),
            s.entry.name.lower(),
            s.entry.product_id,
        ),
    )


def tied_at_cut(scored: Sequence[ScoredEntry], limit: int) -> list[int]:
    """Product ids whose score ties with another's within the first `limit` (plus the ties at the cut):
    the only ones whose order popularity can change."""
    if not scored:
        return []
    cut = scored[min(limit, len(scored)) - 1].score
    shown = [s for s in scored if s.score >= cut]
    counts: dict[float, int] = {}
    for s in shown:
        counts[s.score] = counts.get(s.score, 0) + 1
    return [s.entry.product_id for s in shown if counts[s.score] > 1]


def _entry_words(entry: CatalogueEntry) -> set[str]:
    return set(words(f"{entry.brand} {entry.name} {entry.colorway or ''}"))


def _vocabulary(entries: Iterable[CatalogueEntry]) -> set[str]:
    vocabulary: set[str] = set()
    for entry in entries:
        vocabulary |= _entry_words(entry)
    return vocabulary


def _similar_words(query_word: str, vocabulary: set[str]) -> dict[str, float]:
    out: dict[str, float] = {}
    for word in vocabulary:
        score = word_similarity(query_word, word)
        if score > 0:
            out[word] = score
    return out


def _text_score(entry: CatalogueEntry, wanted: list[str], similarity: list[dict[str, float]]) -> float:
    if not wanted:
        return 0.0
    entry_words = _entry_words(entry)
    coverage = 0.0
    matched: set[str] = set()
    for scores in similarity:
        best_word, best = "", 0.0
        for word in entry_words:
            value = scores.get(word, 0.0)
            if value > best:
                best_word, best = word, value
        coverage += best
        if best_word:
            matched.add(best_word)
    coverage /= len(wanted)
    name_words = set(words(f"{entry.brand} {entry.name}"))
    name_covered = len(name_words & matched) / len(name_words) if name_words else 0.0
    return 0.9 * coverage + 10.0 * name_covered


# --- brands -----------------------------------------------------------------------------

BRAND_ALIASES: dict[str, str] = {
    "nb": "new balance",
    "newbalance": "new balance",
    "air jordan": "jordan",
    "aj": "jordan",
    "jordan brand": "jordan",
    "adidas originals": "adidas",
    "adidas yeezy": "yeezy",
    "yzy": "yeezy",
    "onitsuka": "onitsuka tiger",
    "nike sportswear": "nike",
    "js": "jordan",
    "swoosh": "nike",
    "adi": "adidas",
    "adis": "adidas",
    "three stripes": "adidas",
    "on running": "on",
    "on cloud": "on",
    "oncloud": "on",
    "chucks": "converse",
    "asic": "asics",
}


def brand_keys(name: str) -> list[str]:
    """Spellings to try for a brand name, most literal first: 'Jordans' -> ['jordans', 'jordan']."""
    base = " ".join(words(name))
    keys = [base]
    if base in BRAND_ALIASES:
        keys.append(BRAND_ALIASES[base])
    if base.endswith("s") and len(base) > 3:
        keys.append(base[:-1])
    for suffix in (" originals", " sportswear", " brand", " shoes", " sneakers"):
        if base.endswith(suffix):
            keys.append(base.removesuffix(suffix))
    return [k for k in dict.fromkeys(keys) if k]


def brand_similarity(key: str, brand_name: str) -> float:
    return float(fuzz.ratio(key, " ".join(words(brand_name))))
