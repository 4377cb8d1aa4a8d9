"""The business's own names, read from the database: brands (with the nicknames the products
domain knows), products and the model families in their names, platforms (the pricing
registry) and SKUs. Kept per database and rebuilt when the catalogue changes.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field

from sqlalchemy.ext.asyncio import AsyncSession

from domains.ai.understanding.normalize import fold, tokenize
from domains.pricing.platforms import ALIASES as PLATFORM_ALIASES
from domains.pricing.platforms import PLATFORMS
from domains.products.repository import CatalogueEntry, compact_sku
from domains.products.search import BRAND_ALIASES, WORD_ALIASES
from domains.products.service import ProductService

_QUOTED = re.compile(r"[\"“”„'‘’](.+?)[\"“”'‘’]")
_MODEL_NUMBER = re.compile(r"^(\d{3,4})(v\d+)?$")


def name_words(text: str) -> list[str]:
    return [t.text for t in tokenize(text) if t.text not in ("&", "-")]


@dataclass(slots=True)
class NameMatch:
    """Words of the question that name products: the family phrase(s) as in the names."""

    phrases: list[str]  # e.g. ["Jordan 4"], or ["990v4", "990v6"] for "990s"
    skus: list[str]  # the products they cover
    length: int  # tokens consumed
    exact: bool = False  # the words name whole colorways ("dunk low panda"): these products only


@dataclass(slots=True)
class Vocabulary:
    brands: dict[str, str] = field(default_factory=dict)  # folded phrase -> brand name
    brand_names: list[str] = field(default_factory=list)
    skus: dict[str, str] = field(default_factory=dict)  # compact sku -> sku
    platforms: dict[str, str] = field(default_factory=dict)  # folded phrase -> code
    products: list[tuple[str, list[str], list[str], str]] = field(default_factory=list)
    # (sku, folded words, display words, brand) per product
    colorways: dict[str, frozenset[str]] = field(default_factory=dict)  # sku -> words of its quoted nickname
    positions: dict[str, list[tuple[int, int]]] = field(default_factory=dict)  # word -> (product, index)
    words: set[str] = field(default_factory=set)  # every folded word of every product name
    model_prefixes: dict[str, set[int]] = field(default_factory=dict)  # "990" -> products with 990v4, 990v6
    _matches: dict[tuple[str, ...], NameMatch | None] = field(default_factory=dict)

    @classmethod
    def build(cls, entries: Iterable[CatalogueEntry], brand_names: Iterable[str]) -> Vocabulary:
        vocabulary = cls()
        names = sorted({*brand_names, *(e.brand for e in entries)})
        vocabulary.brand_names = names
        by_key = {" ".join(name_words(b)): b for b in names}
        for key, brand in by_key.items():
            vocabulary.brands[key] = brand
            if len(key) > 3 and not key.endswith("s"):
                vocabulary.brands[key + "s"] = brand  # "jordans", "nikes"
        for alias, target in BRAND_ALIASES.items():
            if target in by_key:
                vocabulary.brands[" ".join(name_words(alias))] = by_key[target]
        positions: dict[str, list[tuple[int, int]]] = defaultdict(list)
        for index, entry in enumerate(entries):
            display = [t.raw for t in tokenize(entry.name) if t.text not in ("&", "-")]
            folded = name_words(entry.name)
            vocabulary.products.append((entry.sku, folded, display, entry.brand))
            quoted = _QUOTED.search(entry.name)
            vocabulary.colorways[entry.sku] = (
                frozenset(name_words(quoted.group(1))) if quoted else frozenset()
            )
            vocabulary.skus[compact_sku(entry.sku)] = entry.sku
            for position, word in enumerate(folded):
                positions[word].append((index, position))
                model = _MODEL_NUMBER.match(word)
                if model and model.group(2):
                    vocabulary.model_prefixes.setdefault(model.group(1), set()).add(index)
        vocabulary.positions = dict(positions)
        vocabulary.words = set(positions)
        for code, label in PLATFORMS.items():
            vocabulary.platforms[code] = code
            vocabulary.platforms[" ".join(name_words(label))] = code
        for alias, code in PLATFORM_ALIASES.items():
            vocabulary.platforms[" ".join(name_words(alias))] = code
        return vocabulary

    def skus_for_families(self, phrases: list[str]) -> list[str]:
        """The SKUs of every product whose name holds a family phrase's words, in order."""
        wanted = [name_words(p) for p in phrases]
        return [
            sku
            for sku, folded, _display, _brand in self.products
            if any(_find(folded, w) is not None for w in wanted)
        ]

    # --- names in a question ---------------------------------------------------------------

    def expand(self, word: str) -> list[str]:
        """Nicknames spelled out as the words of product names ('aj4' -> air jordan 4)."""
        if word in WORD_ALIASES:
            return list(WORD_ALIASES[word])
        german = re.fullmatch(r"(\d{2,4})er", word)  # "350er", "9060er": the model number
        if german:
            return [german.group(1)]
        if word.endswith("s") and word[:-1] in WORD_ALIASES:
            return list(WORD_ALIASES[word[:-1]])
        match = re.fullmatch(r"(aj|af|am|j)(\d{1,3})s?", word)
        if match:
            prefix = {"aj": ["air", "jordan"], "j": ["jordan"], "af": ["air", "force"], "am": ["air", "max"]}
            return [*prefix[match.group(1)], match.group(2)]
        match = re.fullmatch(r"([a-z]{3,})(\d{1,3})s?", word)  # "jordan4" -> jordan 4
        if match and match.group(1) in self.words:
            return [match.group(1), match.group(2)]
        return [word]

    def match_names(self, words: list[str], *, common: frozenset[str]) -> NameMatch | None:
        """The longest run of `words` (from the start) that occurs, as whole words in order, in
        product names, and names something: a model number with a word ("jordan 4"), or a word
        that is not a common word ("samba", "chicago"). Plurals ("dunks", "990s", "4s") count."""
        key = tuple(words[:6])
        if key in self._matches:
            return self._matches[key]
        best = self._match_names(words, common)
        if len(self._matches) > 100_000:  # bounded: a long-running process asks ever new questions
            self._matches.clear()
        self._matches[key] = best
        return best

    def _match_names(self, words: list[str], common: frozenset[str]) -> NameMatch | None:
        best: NameMatch | None = None
        for length in range(1, min(6, len(words)) + 1):
            phrase = words[:length]
            if not self._names_something(phrase, common):
                continue
            found = self._occurrences(phrase)
            if found is not None:
                best = NameMatch(found[0], found[1], length)
        if best is not None:
            # "dunk low panda" names the Panda, not the "Reverse Panda": products whose whole
            # nickname is in the words, when there are such
            said = {w.removesuffix("s") for w in words[: best.length]} | set(words[: best.length])
            exact = [sku for sku in best.skus if self.colorways.get(sku) and self.colorways[sku] <= said]
            colorway_words = set().union(*(self.colorways.get(sku, frozenset()) for sku in best.skus))
            model_words = [
                w
                for w in words[: best.length]
                if w not in colorway_words and w.removesuffix("s") not in colorway_words
            ]
            if exact and model_words:  # a model and a colorway; colorway words alone stay a family
                best = NameMatch(best.phrases, exact, best.length, exact=True)
        return best

    @staticmethod
    def _names_something(phrase: list[str], common: frozenset[str]) -> bool:
        distinct = [w for w in phrase if w not in common]
        if not distinct:
            return False
        if len(phrase) == 1:
            word = phrase[0].removesuffix("s")
            return (word.isdigit() and len(word) >= 3) or (not word.isdigit() and len(word) >= 3)
        return True

    def _occurrences(self, phrase: list[str]) -> tuple[list[str], list[str]] | None:
        variants = [phrase]
        last = phrase[-1]
        if last.endswith("s") and len(last) >= 2:
            variants.append([*phrase[:-1], last[:-1]])  # "dunks", "4s", "990s"
        if last.endswith("es") and len(last) > 4:
            variants.append([*phrase[:-1], last[:-2]])
        for variant in variants:
            phrases: dict[str, None] = {}
            skus: list[str] = []
            for index in self._candidates(variant):
                sku, folded, display, _brand = self.products[index]
                hit = _find(folded, variant)
                if hit is not None:
                    phrases[" ".join(display[i] for i in hit)] = None
                    skus.append(sku)
                    continue
                prefixed = _find_model_prefix(folded, variant)
                if prefixed is not None:
                    phrases[" ".join(display[prefixed[0] : prefixed[0] + len(variant)])] = None
                    skus.append(sku)
            if skus:
                return list(phrases), skus
        return None

    def _candidates(self, words: list[str]) -> list[int]:
        """Products that hold every word (a model number may stand for 990v4, 990v6...), by the index."""
        found: set[int] | None = None
        for word in words:
            here = {index for index, _ in self.positions.get(word, ())} | self.model_prefixes.get(word, set())
            found = here if found is None else found & here
            if not found:
                return []
        return sorted(found or ())


def _find(haystack: list[str], needle: list[str]) -> list[int] | None:
    """Positions of the needle's words in the name, in order (not necessarily adjacent: "Yeezy 350"
    is in "Yeezy Boost 350 V2"); None when a word is missing."""
    found: list[int] = []
    start = 0
    for word in needle:
        try:
            position = haystack.index(word, start)
        except ValueError:
            return None
        found.append(position)
        start = position + 1
    return found


def _find_model_prefix(haystack: list[str], needle: list[str]) -> tuple[int, str] | None:
    """'990' in a question covers the model numbers 990v4, 990v6 (docs/domain.md families)."""
    last = needle[-1]
    if not last.isdigit():
        return None
    n = len(needle)
    for start in range(len(haystack) - n + 1):
        window = haystack[start : start + n]
        if window[:-1] != needle[:-1]:
            continue
        model = _MODEL_NUMBER.match(window[-1])
        if model and model.group(1) == last and model.group(2):
            return start, window[-1]
    return None


def fold_phrase(text: str) -> str:
    return " ".join(name_words(fold(text)))


# The vocabulary per database, with the catalogue version it was built from.
_CACHE: dict[str, tuple[tuple[object, ...], Vocabulary]] = {}


async def load_vocabulary(session: AsyncSession) -> Vocabulary:
    """The business's names for this database, rebuilt only when the catalogue changed (one
    cheap version query per call)."""
    products = ProductService(session)
    bind = session.get_bind()
    key = str(bind.engine.url)
    version = await products.catalogue_version()
    cached = _CACHE.get(key)
    if cached is not None and cached[0] == version:
        return cached[1]
    brands = [b.name for b in await products.list_brands()]
    vocabulary = Vocabulary.build(await products.catalogue(), brands)
    _CACHE[key] = (version, vocabulary)
    return vocabulary
