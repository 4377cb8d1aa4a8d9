"""A question read word by word: every token gets a role, from data, or is reported unknown.

Passes, each consuming the tokens it explains:
 1. nicknames spelled out (vocabulary.expand), number words as digits, typos near a known word
    corrected (only words the lexicon, the names or the time grammar do not know, never common words);
 2. the user's taught words ("bricks" -> dead stock), SKUs, then the time grammar;
 3. numbers in context: sizes ("size 10", "in 9,5", "EU 44"), ages ("older than 73 days"),
    prices ("under 150 €"), top-N ("top 5");
 4. phrases, longest first: the business's names (brands, platforms), the lexicon (metrics, facts,
    filters, group-by, ranking, follow-up words), product names and model families;
 5. what is left and is not a filler word is unknown.
Then the roles are assembled into an Interpretation (assemble), and a follow-up is merged into
the previous turn's (merge_followup).
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass, field, replace
from datetime import datetime
from decimal import Decimal
from typing import cast

from rapidfuzz import fuzz, process

from domains.ai.understanding.interpretation import (
    FACT_METRICS,
    STOCK_METRICS,
    STOCK_ONLY_DIMENSIONS,
    SUMMARY_METRICS,
    TIME_DIMENSIONS,
    Interpretation,
)
from domains.ai.understanding.lexicon import Lexicon, load_lexicon
from domains.ai.understanding.normalize import Token, number_value, tokenize
from domains.ai.understanding.sizes import eu_to_us, is_us_size, size_label
from domains.ai.understanding.timegrammar import (
    UNITS,
    Period,
    days_period,
    find_periods,
    named_period,
    shift_back,
    time_words,
)
from domains.ai.understanding.vocabulary import Vocabulary, fold_phrase
from domains.products.repository import compact_sku

NUMBER_WORDS = {
    "two": 2,
    "three": 3,
    "four": 4,
    "five": 5,
    "six": 6,
    "seven": 7,
    "eight": 8,
    "nine": 9,
    "ten": 10,
    "eleven": 11,
    "twelve": 12,
    "fifteen": 15,
    "twenty": 20,
    "thirty": 30,
    "forty": 40,
    "fifty": 50,
    "sixty": 60,
    "seventy": 70,
    "eighty": 80,
    "ninety": 90,
    "hundred": 100,
    "zwei": 2,
    "drei": 3,
    "vier": 4,
    "fuenf": 5,
    "sechs": 6,
    "sieben": 7,
    "acht": 8,
    "neun": 9,
    "zehn": 10,
    "elf": 11,
    "zwoelf": 12,
    "fuenfzehn": 15,
    "zwanzig": 20,
    "dreissig": 30,
    "vierzig": 40,
    "fuenfzig": 50,
    "sechzig": 60,
    "siebzig": 70,
    "achtzig": 80,
    "neunzig": 90,
    "hundert": 100,
}
CONTRACTIONS = {
    f"{stem}{end}": stem.rstrip("'") or stem
    for stem in (
        "is",
        "are",
        "was",
        "were",
        "has",
        "have",
        "had",
        "do",
        "does",
        "did",
        "ca",
        "wo",
        "could",
        "should",
        "would",
    )
    for end in ("n't", "nt")
}
CONTRACTIONS.update({"can't": "can", "cant": "can", "won't": "will", "wont": "will"})
FACT_METRICS_ALL = frozenset(m for metrics in FACT_METRICS.values() for m in metrics)
SIZE_CUES = frozenset(
    {
        "size",
        "sizes",
        "sz",
        "gr",
        "groesse",
        "groessen",
        "us",
        "eu",
        "gr.",
        "in",
        "im",
        "for",
        "fuer",
        "and",
        "und",
        "or",
        "oder",
    }
)
CURRENCY = frozenset({"€", "$", "eur", "euro", "euros", "dollar", "dollars", "bucks", "£"})
DAY_FACTOR = {"day": 1, "week": 7, "month": 30, "year": 365, "quarter": 91}
SHOE_WORDS = frozenset(
    {
        "pairs",
        "pair",
        "paare",
        "paar",
        "shoes",
        "schuhe",
        "sneakers",
        "sneaker",
        "running",
        "cloud",
        "cloudmonster",
        "kicks",
    }
)
TOP_WORDS = frozenset({"top", "best", "beste", "besten", "first", "erste", "ersten", "bottom", "worst"})


@dataclass(slots=True)
class Reading:
    """Roles found in one question, before they are assembled."""

    tokens: list[Token]
    roles: list[tuple[int, int, str, object]] = field(default_factory=list)  # (start, end, role, value)
    used: set[int] = field(default_factory=set)

    def take(self, start: int, end: int, role: str, value: object = None) -> None:
        self.roles.append((start, end, role, value))
        self.used.update(range(start, end))

    def free(self, start: int, end: int) -> bool:
        return not any(i in self.used for i in range(start, end))

    def has(self, role: str) -> bool:
        return any(r == role for _, _, r, _ in self.roles)

    def values(self, role: str) -> list[object]:
        return [v for _, _, r, v in self.roles if r == role]

    def starting(self, prefix: str) -> list[tuple[int, str, object]]:
        return [(s, r, v) for s, _, r, v in self.roles if r.startswith(prefix)]


_WORD_SETS: dict[int, tuple[Vocabulary, frozenset[str], frozenset[str], list[str]]] = {}


def _word_sets(vocabulary: Vocabulary) -> tuple[frozenset[str], frozenset[str], list[str]]:
    """(common words, every known word, typo-correction targets) of a vocabulary, built once."""
    cached = _WORD_SETS.get(id(vocabulary))
    if cached is not None and cached[0] is vocabulary:
        return cached[1], cached[2], cached[3]
    lexicon = load_lexicon()
    common = lexicon.words | lexicon.filler | time_words()
    brand_words = {w for phrase in vocabulary.brands for w in phrase.split()}
    platform_words = {w for phrase in vocabulary.platforms for w in phrase.split()}
    known = (
        common
        | vocabulary.words
        | brand_words
        | platform_words
        | set(NUMBER_WORDS)
        | set(lexicon.abbreviations)
    )
    targets = sorted(w for w in known if len(w) >= 4 and w.isalpha())
    if len(_WORD_SETS) > 16:
        _WORD_SETS.clear()
    _WORD_SETS[id(vocabulary)] = (vocabulary, common, frozenset(known), targets)
    return common, frozenset(known), targets


class Parser:
    def __init__(self, vocabulary: Vocabulary, *, taught: dict[str, str] | None = None) -> None:
        self.vocabulary = vocabulary
        self.lexicon: Lexicon = load_lexicon()
        self.taught = {fold_phrase(k): v for k, v in (taught or {}).items() if fold_phrase(k)}
        self.common, known, targets = _word_sets(vocabulary)
        taught_words = {w for phrase in self.taught for w in phrase.split()} - known
        # Copied only when the user taught new words: the sets are built once per vocabulary.
        self.known = known | taught_words if taught_words else known
        self._targets = (
            [*targets, *(w for w in taught_words if len(w) >= 4 and w.isalpha())] if taught_words else targets
        )
        self.used_taught: dict[str, str] = {}

    # --- 1. tokens -----------------------------------------------------------------------------

    def prepare(self, question: str) -> list[Token]:
        out: list[Token] = []
        for token in self._substitute_taught(tokenize(question)):
            text = self.lexicon.abbreviations.get(token.text, token.text)
            if text in NUMBER_WORDS:
                value = NUMBER_WORDS[text]
                if value == 100 and out and out[-1].text.isdigit() and int(out[-1].text) < 10:
                    out[-1] = replace(
                        out[-1], text=str(int(out[-1].text) * 100), end=token.end
                    )  # "two hundred"
                else:
                    out.append(replace(token, text=str(value)))
                continue
            if text.endswith(("n't", "nt")) and text in CONTRACTIONS:  # "hasn't" -> has not
                out += [replace(token, text=CONTRACTIONS[text]), replace(token, text="not")]
                continue
            compact = re.fullmatch(r"(\d{1,4})(d|t|w|wk|wks|m|mo|mos|days|tage)", text)
            if compact:  # "90d", "120d", "6w": a number and its unit
                out += [replace(token, text=compact.group(1)), replace(token, text=compact.group(2))]
                continue
            if text not in self.known:
                stem = next(
                    (
                        text[: -len(end)]
                        for end in ("s", "es", "ed", "ing")
                        if text.endswith(end)
                        and len(text) - len(end) >= 3
                        and text[: -len(end)] in self.known
                    ),
                    None,
                )
                fixed = stem or self._correct(text)  # "moves" is "move" before it is a typo of "movers"
                if fixed is not None:
                    text = fixed
            expanded = self.vocabulary.expand(text)
            out.extend(replace(token, text=word) for word in expanded)
        return out

    def _substitute_taught(self, tokens: list[Token]) -> list[Token]:
        """A taught word stands for its meaning ("bricks" -> "dead stock"), plural or not."""
        if not self.taught:
            return tokens
        out: list[Token] = []
        i = 0
        while i < len(tokens):
            for phrase, meaning in self.taught.items():
                parts = phrase.split()
                window = [t.text for t in tokens[i : i + len(parts)]]
                if window and window[-1].endswith("s") and [*window[:-1], window[-1][:-1]] == parts:
                    window = parts
                if window == parts:
                    self.used_taught[phrase] = meaning
                    first = tokens[i]
                    out.extend(replace(first, text=t.text, raw=t.raw) for t in tokenize(meaning))
                    i += len(parts)
                    break
            else:
                out.append(tokens[i])
                i += 1
        return out

    def _correct(self, word: str) -> str | None:
        """A typo of a known word ('revnue', 'adiddas'); common words are known, so never 'fixed'."""
        if len(word) < 4 or not word.isalpha():
            return None
        cutoff = 80 if len(word) >= 7 else 84 if len(word) >= 5 else 88
        best = process.extractOne(word, self._targets, scorer=fuzz.ratio, score_cutoff=cutoff)
        return None if best is None else str(best[0])

    # --- 2-5. roles ----------------------------------------------------------------------------

    def read(self, question: str, *, now: datetime) -> Reading:
        reading = Reading(self.prepare(question))
        tokens = reading.tokens
        words = [t.text for t in tokens]
        self._skus(reading, words)
        for match in find_periods(tokens, now):
            if reading.free(match.start, match.end):
                reading.take(match.start, match.end, "period", match.period)
        self._numbers(reading, words)
        self._phrases(reading, words)
        for index, token in enumerate(tokens):
            if (
                index in reading.used
                or token.text in self.lexicon.filler
                or not re.search(r"[a-z0-9]", token.text)
            ):
                continue
            reading.take(index, index + 1, "unknown", token.raw)
        return reading

    def _skus(self, reading: Reading, words: list[str]) -> None:
        compact = [compact_sku(word) for word in words]  # a SKU split over words is their concatenation
        for start in range(len(words)):
            for length in (3, 2, 1):
                key = "".join(compact[start : start + length])
                if (
                    start + length <= len(words)
                    and key in self.vocabulary.skus
                    and reading.free(start, start + length)
                ):
                    reading.take(start, start + length, "product", self.vocabulary.skus[key])
                    break

    def _numbers(self, reading: Reading, words: list[str]) -> None:
        n = len(words)
        for i, word in enumerate(words):
            if i in reading.used:
                continue
            value = (
                number_value(word.removesuffix("s"))
                if word.endswith("s") and word[:-1].isdigit()
                else number_value(word)
            )
            if value is None:
                continue
            prev = words[i - 1] if i > 0 else ""
            prev2 = " ".join(words[max(0, i - 2) : i])
            nxt = words[i + 1] if i + 1 < n else ""
            if prev not in SIZE_CUES and self._in_a_name(words, i):
                continue  # "Air Max 95", "Yeezy 350": part of a product's name
            if prev in ("a", "an", "ein", "einen", "einem") and nxt in (
                "sale",
                "verkauf",
                "pair",
                "paar",
                "€",
                "eur",
                "euro",
            ):
                reading.take(
                    i - 1, i + 2 if nxt in ("sale", "verkauf") else i + 1, "price_point", Decimal(str(value))
                )
                continue
            # between N and M with no unit after: a price band
            if prev in ("between", "zwischen") and i + 2 < n and words[i + 1] in ("and", "und", "to", "bis"):
                high = number_value(words[i + 2])
                after = words[i + 3] if i + 3 < n else ""
                if high is not None and after not in UNITS:
                    end = i + 3 + (after in CURRENCY)
                    reading.take(i - 1, end, "min_price", Decimal(str(value)))
                    reading.take(i - 1, end, "max_price", Decimal(str(high)))
                    continue
            # "between N and M days" (age band)
            if (
                prev in ("between", "zwischen")
                and i + 3 < n
                and words[i + 1] in ("and", "und", "to", "bis")
                and words[i + 3] in UNITS
                and (high := number_value(words[i + 2])) is not None
            ):
                factor = DAY_FACTOR[UNITS[words[i + 3]]]
                reading.take(i - 1, i + 4, "age_range", (int(value * factor) - 1, int(high * factor)))
                continue
            # "31-60 days", "31 to 60 days", "31 bis 60 Tage" (age band)
            if (
                i + 2 < n
                and words[i + 2] in UNITS
                and number_value(nxt) is not None
                and i + 1 not in reading.used
            ):
                high = number_value(nxt)
                assert high is not None
                factor = DAY_FACTOR[UNITS[words[i + 2]]]
                reading.take(i, i + 3, "age_range", (int(value * factor) - 1, int(high * factor)))
                continue
            if (
                i + 3 < n
                and nxt in ("to", "bis", "and", "und")
                and words[i + 3] in UNITS
                and number_value(words[i + 2]) is not None
            ):
                high = number_value(words[i + 2])
                assert high is not None
                factor = DAY_FACTOR[UNITS[words[i + 3]]]
                reading.take(i, i + 4, "age_range", (int(value * factor) - 1, int(high * factor)))
                continue
            # N days / weeks (an age, unless the time grammar took it as a window)
            bucket = _aging_bucket(value, words, i)
            if bucket is not None:
                label, length = bucket
                reading.take(i, i + length, "aging_bucket", label)
                continue
            if value == 1 and (
                prev in ("number", "nr", "no")
                or nxt in ("shoe", "seller", "sneaker", "product", "model", "brand", "pair")
            ):
                reading.take(i - (prev in ("number", "nr", "no")), i + 1, "top", 1)
                continue
            unit = UNITS.get(nxt)
            if unit is None and nxt in ("+", "plus") and i + 2 < n:
                unit = UNITS.get(words[i + 2])
            older1, older2, younger1, younger2 = _comparators()
            comparator_before = prev in older1 | younger1 or prev2 in older2 | younger2
            if unit is not None and unit != "quarter" and not comparator_before and nxt not in ("+", "plus"):
                after = words[i + 2] if i + 2 < n else ""
                if after not in ("old", "alt", "ago", "aged") and prev not in ("for", "seit"):
                    # "90d", "30 days": an age for stock questions, a window for sales (assemble decides)
                    reading.take(i, i + 2, "bare_days", int(value * DAY_FACTOR[unit]))
                    continue
            if unit is not None and unit != "quarter":
                days = int(value * DAY_FACTOR[unit])
                younger = prev in younger1 or prev2 in younger2
                end = i + 2 if nxt not in ("+", "plus") else i + 3
                start = i - 2 if prev2 in older2 | younger2 else i - 1 if prev in older1 | younger1 else i
                if reading.free(start, end):
                    reading.take(start, end, "max_age" if younger else "min_age", days)
                continue
            # sizes
            if prev in ("eu",) or (prev in ("groesse", "gr", "size") and value > 20):
                us = eu_to_us(value, brand=None)
                if us is not None:
                    start = i - 1 if not (i >= 2 and words[i - 2] in ("size", "groesse", "gr")) else i - 2
                    reading.take(start, i + 1, "eu_size", (value, us))
                    continue
            if prev in ("size", "sizes", "sz", "groesse", "groessen", "gr", "us") and is_us_size(value):
                reading.take(i - 1, i + 1, "size", size_label(value))
                self._more_sizes(reading, words, i + 1)
                continue
            if (
                prev in ("in", "im", "fuer", "for")
                and is_us_size(value)
                and nxt not in CURRENCY
                and not UNITS.get(nxt)
                and ("." in word or "," in word or value <= 15)
            ):
                reading.take(i - 1, i + 1, "size", size_label(value))
                self._more_sizes(reading, words, i + 1)
                continue
            if (
                word.endswith("s")
                and word[:-1].replace(".", "").isdigit()
                and is_us_size(value)
                and not (i > 0 and self.vocabulary.match_names([prev, word], common=self.common))
            ):
                reading.take(i, i + 1, "size", size_label(value))  # "10s", "9.5s"
                continue
            # top N / N best
            top_word = prev in TOP_WORDS or nxt in ("best", "besten", "beste", "top", "meistverkauften")
            if top_word and 1 <= value <= 100 and value == int(value):
                reading.take(i, i + 1, "top", int(value))
                continue
            # prices
            comparator = prev in (
                "over",
                "above",
                "ueber",
                "under",
                "below",
                "unter",
                "than",
                "als",
                "min",
                "max",
                "ab",
                "bis",
            )
            if nxt in CURRENCY or prev in CURRENCY or comparator:
                cheap = prev in ("under", "below", "unter", "bis", "max") or prev2 in (
                    "less than",
                    "weniger als",
                    "cheaper than",
                    "guenstiger als",
                    "billiger als",
                )
                start = i - 1 if prev in CURRENCY or comparator else i
                if prev2 in (
                    "more than",
                    "mehr als",
                    "less than",
                    "weniger als",
                    "cheaper than",
                    "guenstiger als",
                    "billiger als",
                    "higher than",
                    "hoeher als",
                ):
                    start = i - 2
                end = i + 2 if nxt in CURRENCY else i + 1
                if reading.free(start, end):
                    reading.take(start, end, "max_price" if cheap else "min_price", Decimal(str(value)))
                continue
            if prev in ("sell", "sold", "verkaufe", "verkaufen", "for", "fuer", "at", "bei") and value >= 20:
                reading.take(i, i + 1, "price_point", Decimal(str(value)))
            elif 20 <= value <= 100_000 and not is_us_size(value):
                reading.take(i, i + 1, "bare_number", Decimal(str(value)))

    def _in_a_name(self, words: list[str], i: int) -> bool:
        """Is words[i] (a number) a model number ("990s"), alone or with the word(s) before it?"""
        nxt = words[i + 1] if i + 1 < len(words) else ""
        if nxt in CURRENCY:
            return False  # "500 euros" is money, whatever model is called 500
        alone = self.vocabulary.match_names([words[i]], common=self.common)
        if alone is not None and not is_us_size(number_value(words[i].removesuffix("s")) or 0):
            return True
        for back in (1, 2):
            if i - back < 0:
                break
            match = self.vocabulary.match_names(words[i - back : i + 1], common=self.common)
            if match is not None and match.length == back + 1:
                return True
        return False

    def _more_sizes(self, reading: Reading, words: list[str], i: int) -> None:
        """'size 10 and 11', 'Größe 9, 9,5 oder 10'."""
        while (
            i + 1 < len(words) and words[i] in ("and", "und", "or", "oder", "&") and i + 1 not in reading.used
        ):
            value = number_value(words[i + 1])
            if value is None or not is_us_size(value):
                return
            reading.take(i, i + 2, "size", size_label(value))
            i += 2

    def _phrases(self, reading: Reading, words: list[str]) -> None:
        n = len(words)
        i = 0
        while i < n:
            if i in reading.used:
                i += 1
                continue
            best: tuple[int, list[tuple[str, object]]] | None = None
            for length in range(min(6, n - i), 0, -1):
                if not reading.free(i, i + length):
                    continue
                found = self._roles_of(tuple(words[i : i + length]), words, i, reading.tokens[i].raw)
                if found:
                    best = (length, found)
                    break
            names = (
                self.vocabulary.match_names([w for w in words[i : i + 6]], common=self.common)
                if reading.free(i, i + 1)
                else None
            )
            if (
                names is not None
                and reading.free(i, i + names.length)
                and (best is None or names.length > best[0])
            ):
                if names.exact or len(names.skus) == 1:
                    for sku in names.skus:
                        reading.take(i, i + names.length, "product", sku)
                else:
                    reading.take(i, i + names.length, "family", names.phrases)
                i += names.length
                continue
            if best is not None:
                length, found = best
                for role, value in found:
                    reading.take(i, i + length, role, value)
                i += length
                continue
            gapped = self._gapped_phrase(reading, words, i)
            if gapped is not None:
                end, found = gapped
                for role, value in found:
                    reading.take(i, end, role, value)
                i = end
                continue
            i += 1

    def _gapped_phrase(
        self, reading: Reading, words: list[str], i: int
    ) -> tuple[int, list[tuple[str, object]]] | None:
        """A phrase with filler words inside ("have not been listed" reads as "not listed"): up to two
        filler words skipped, the phrase's own words in order."""
        if words[i] in self.lexicon.filler:
            return None
        kept, skipped = [i], 0
        j = i + 1
        while j < len(words) and len(kept) < 4 and skipped <= 2 and j not in reading.used:
            if words[j] in self.lexicon.filler and not self.lexicon.roles((words[j],)):
                skipped += 1
            else:
                kept.append(j)
            j += 1
        for length in range(len(kept), 1, -1):
            indices = kept[:length]
            if indices[-1] - indices[0] + 1 == length:
                continue  # no gap: the exact matching above already tried it
            roles = self.lexicon.roles(tuple(words[k] for k in indices))
            if roles and reading.free(indices[0], indices[-1] + 1):
                return indices[-1] + 1, [(role, None) for role in roles]
        return None

    def _roles_of(
        self, phrase: tuple[str, ...], words: list[str], at: int, raw: str = ""
    ) -> list[tuple[str, object]]:
        text = " ".join(phrase)
        brand = self.vocabulary.brands.get(text)
        if brand is not None and len(phrase) == 1 and text in self.lexicon.filler and raw != brand:
            brand = None  # a brand spelled like a common word ("On") counts only written as the name
        if brand is not None:
            return [("brand", brand)]
        platform = self.vocabulary.platforms.get(text)
        if platform is not None and text not in self.lexicon.filler:
            return [("platform", platform)]
        roles = self.lexicon.roles(phrase)
        if not roles and len(phrase) == 1 and phrase[0].endswith("s") and len(phrase[0]) > 3:
            roles = self.lexicon.roles((phrase[0][:-1],))
        return [(role, None) for role in roles]


# --- assembling an Interpretation ----------------------------------------------------------------


def assemble(reading: Reading, *, now: datetime) -> Interpretation:
    """Roles -> metrics, group-by, filters, window and action (docs/domain.md readings)."""
    result = Interpretation()
    filters = result.filters
    roles = [r for _, _, r, _ in reading.roles]
    has = reading.has

    for _, role, value in reading.starting(""):
        if role == "brand" and value not in filters.brand:
            filters.brand.append(str(value))
        elif role == "platform" and value not in filters.platform:
            filters.platform.append(str(value))
        elif role == "family":
            for phrase in value:  # type: ignore[attr-defined]
                if phrase not in filters.family:
                    filters.family.append(phrase)
        elif role == "product" and value not in filters.product:
            filters.product.append(str(value))
        elif role == "size" and value not in filters.size:
            filters.size.append(str(value))
        elif role == "eu_size":
            eu, us = cast(tuple[float, float], value)
            filters.size.append(size_label(us))
            result.notes.append(f"EU {size_label(eu)} = US {size_label(us)}")
        elif role.startswith("status:") and role.split(":")[1] not in filters.status:
            filters.status.append(role.split(":")[1])
        elif role.startswith("condition:") and role.split(":")[1] not in filters.condition:
            filters.condition.append(role.split(":")[1])
        elif role == "min_age":
            filters.min_age_days = int(value)  # type: ignore[call-overload]
        elif role == "max_age":
            filters.max_age_days = int(value)  # type: ignore[call-overload]
        elif role == "age_range":
            filters.min_age_days, filters.max_age_days = value  # type: ignore[misc]
        elif role == "min_price":
            filters.min_price = value  # type: ignore[assignment]
        elif role == "max_price":
            filters.max_price = value  # type: ignore[assignment]
        elif role == "top":
            result.limit = int(value)  # type: ignore[call-overload]
        elif role == "aging_bucket" and value not in filters.aging_bucket:
            filters.aging_bucket.append(str(value))
        elif role == "price_point":
            result.fee_price = value  # type: ignore[assignment]
        elif role == "unknown":
            result.unknown_terms.append(str(value))
    # no_record words: report them as typed
    result.no_record = result.no_record + [
        (r.split(":")[1], " ".join(t.raw for t in reading.tokens[s:e]))
        for s, e, r, _ in reading.roles
        if r.startswith("no_record:")
    ]

    group = [r.split(":")[1] for r in roles if r.startswith("group:")]
    periods = [v for v in reading.values("period") if isinstance(v, Period)]
    all_time = [p for p in periods if p.grain == "all"]
    periods = [p for p in periods if p.grain != "all"] or all_time
    result.period_words = (
        next(
            (
                " ".join(t.raw for t in reading.tokens[s:e])
                for s, e, r, v in reading.roles
                if r == "period" and v is periods[0]
            ),
            "",
        )
        if periods
        else ""
    )
    if len(periods) == 2 or (len(periods) > 2 and has("compare")):
        result.compare_periods = periods[:2]
        result.period = periods[0]
    elif len(periods) > 2:
        # three or more months named: one window over all of them, by their grain
        first, last = min(periods, key=lambda p: p.start), max(periods, key=lambda p: p.end)
        result.period = Period(
            first.start,
            last.end,
            "range",
            f"{first.label_en} to {last.label_en}",
            f"{first.label_de} bis {last.label_de}",
        )
        if periods[0].grain in TIME_DIMENSIONS and all(p.grain == periods[0].grain for p in periods):
            group.append(periods[0].grain)
    elif periods:
        result.period = periods[0]

    metrics = [r.split(":")[1] for r in roles if r.startswith("metric:")]
    facts = [r.split(":")[1] for r in roles if r.startswith("fact:")]
    measures = {r.split(":")[1] for r in roles if r.startswith("measure:")}
    measure = next((m for m in ("count", "cost", "value", "amount") if m in measures), None)
    if measure == "count" and measures & {"value", "cost"}:
        # a count and a value asked together: both; a counting noun beside a value word: the value
        both = has_how_many(reading) or any(t.text in ("and", "und", "&") for t in reading.tokens)
        measure = None if both else ("cost" if "cost" in measures else "value")
    average = has("average")
    dead = has("dead")
    rate = has("rate")
    summary = has("summary")
    rank = next((r.split(":")[1] for r in roles if r.startswith("rank:")), None)
    pick = next((r.split(":")[1] for r in roles if r.startswith("pick:")), None)
    listing = has("list")
    tool = next((r.split(":")[1] for r in roles if r.startswith("tool:")), None)
    chat = next((r.split(":")[1] for r in roles if r.startswith("chat:")), None)
    deadstock_word = any(t.text == "deadstock" for t in reading.tokens)

    # "DS" / "deadstock" describing pairs is condition new; a bare "deadstock" is aged stock
    if deadstock_word and dead:
        index = next(i for i, t in enumerate(reading.tokens) if t.text == "deadstock")
        follows = {r for s, _, r, _ in reading.roles if s == index + 1}
        if follows & {"family", "brand", "measure:count", "product"}:
            dead = False
            filters.condition = ["new"]
        else:
            result.notes.append("'deadstock' read as aged stock (dead stock), not as unworn")

    joined = any(t.text in ("and", "und", "&") for t in reading.tokens)
    made = [
        s
        for s, e, r, _ in reading.roles
        if r == "metric:profit" and reading.tokens[s].text in ("make", "made", "making")
    ]
    if made and metrics == ["profit"] and has_how_many(reading) and "sales" in facts:
        metrics = []  # counting sales one "made" is a count, not a profit
    strong_facts = [f for f in ("purchases", "sales") if f in facts]
    if not metrics and joined and len(strong_facts) == 2 and measure in ("count", None):
        metrics = [m for f in strong_facts for m in FACT_METRICS[(f, measure)]]  # bought ... and sold
    if metrics and "count" in measures and joined:
        counted = {
            "inventory_value": "units_in_inventory",
            "revenue": "units_sold",
            "purchase_spend": "pairs_bought",
        }
        metrics += [
            counted[m] for m in metrics if m in counted
        ]  # a value metric and a count, joined by "and"
    if {"fees", "shipping"} <= set(metrics) and "selling_costs" not in metrics:
        metrics = ["selling_costs"]  # fees plus shipping are the selling costs (docs/domain.md)
    if rate and not dead and metrics == ["profit"]:
        metrics, average = ["margin"], False  # profit as a percentage of sales is the margin
    # average modifies a named metric ("... and how much per pair": both)
    if average and joined and metrics == ["profit"]:
        metrics, average = ["profit", "average_profit_per_pair"], False
    if average:
        metrics = [
            {"profit": "average_profit_per_pair", "revenue": "average_sale_price"}.get(m, m) for m in metrics
        ]
        if not metrics and ("sales" in facts or measure == "value"):
            metrics = ["average_sale_price"]
    if "days_to_sell" in metrics and "stock" in facts and "sales" not in facts:
        metrics = ["average_age_days" if m == "days_to_sell" else m for m in metrics]
    if dead:
        if rate or "margin" in metrics:
            metrics = [m for m in metrics if m != "margin"] + ["dead_stock_rate"]
        else:
            named = {"units_in_inventory": "dead_stock_units", "inventory_value": "dead_stock_value"}
            metrics = [named.get(m, m) for m in metrics if m in named or m not in FACT_METRICS_ALL]
            if not metrics:
                metrics = {
                    "value": ["dead_stock_value"],
                    "cost": ["dead_stock_value"],
                    "count": ["dead_stock_units"],
                }.get(measure or "", ["dead_stock_units", "dead_stock_value"])
        result.dead_stock_days = filters.min_age_days
        filters.min_age_days = None

    fact = _main_fact(facts, reading)
    for days in reading.values("bare_days"):
        dead_named = dead or any(m.startswith("dead_stock") for m in metrics)
        stockish = dead_named or fact == "stock" or has("age:old_words") or bool(set(metrics) & STOCK_METRICS)
        if stockish and filters.min_age_days is None and result.dead_stock_days is None:
            if dead_named:
                result.dead_stock_days = int(days)  # type: ignore[call-overload]
            else:
                filters.min_age_days = int(days)  # type: ignore[call-overload]
        elif result.period is None:
            result.period = days_period(int(days), now)  # type: ignore[call-overload]
    if rate and not dead and filters.min_age_days is not None and fact in (None, "stock"):
        # a share of stock above an age: the dead-stock rate with that age as threshold
        metrics, dead = ["dead_stock_rate"], True
        result.dead_stock_days, filters.min_age_days = filters.min_age_days, None
    if not metrics:
        if summary:
            metrics = list(SUMMARY_METRICS[fact or "sales"])
        elif fact is not None:
            if fact == "sales" and rank and not measure:
                metrics = ["units_sold"]
            else:
                metrics = list(FACT_METRICS[(fact, measure)])
        elif (
            len(filters.brand) > 1
            or len(filters.platform) > 1
            or (has("compare") and (filters.brand or filters.platform))
        ):
            metrics = ["units_sold", "revenue", "profit"]  # "StockX or GOAT?", "Nike vs Adidas"
        elif rank or (group and any(g not in STOCK_ONLY_DIMENSIONS for g in group) and not listing):
            metrics = ["units_sold"] if not (set(group) & STOCK_ONLY_DIMENSIONS) else ["units_in_inventory"]
        elif group and set(group) & STOCK_ONLY_DIMENSIONS:
            metrics = ["units_in_inventory"]
        elif measure == "value" and (filters.brand or filters.family or filters.product or filters.size):
            metrics = ["inventory_value"]
        elif measure == "count" or filters.as_dict():
            if result.period is not None and not filters.status and filters.min_age_days is None:
                metrics = ["units_sold", "revenue"]
            else:
                metrics = (
                    ["units_in_inventory"]
                    if measure == "count"
                    else ["units_in_inventory", "inventory_value"]
                )
        elif result.period is not None:
            metrics = ["units_sold", "revenue", "profit"]
    if fact == "purchases":
        metrics = [
            {"units_in_inventory": "pairs_bought", "inventory_value": "purchase_spend"}.get(m, m)
            for m in metrics
        ]
    result.metrics = list(dict.fromkeys(metrics))

    # group-by: product cues are lists unless ranked; a dimension also filtered is not grouped
    dims: list[str] = []
    for dim in group:
        if dim == "product" and not rank and (listing or result.stock_only or not result.metrics):
            listing = True
            continue
        if dim == "size" and filters.size:
            continue
        if dim == "platform" and filters.platform and len(filters.platform) == 1:
            continue
        if dim not in dims:
            dims.append(dim)
    if len(filters.brand) > 1 and "brand" not in dims:
        dims.append("brand")
    if len(filters.platform) > 1 and "platform" not in dims:
        dims.append("platform")
    if len(filters.family) > 1 and has("compare") and "family" not in dims:
        dims.append("family")
    for dim in ("status", "condition"):
        if len(getattr(filters, dim)) > 1:
            setattr(filters, dim, [])
            if dim not in dims:
                dims.append(dim)  # both statuses (or both conditions) named: one row each
    family_roles = [(s, e) for s, e, r, _ in reading.roles if r == "family"]
    connected = any(
        t.text in ("and", "und", "or", "oder", "vs", "versus", "gegen", "v", "&") for t in reading.tokens
    ) or has("compare")
    if len(filters.family) > 1 and not connected and len(family_roles) > 1:
        result.intersect_families = True  # "panda dunks": the products that are both
    elif len(filters.family) > 1 and "family" not in dims:
        dims.append("family")  # one figure per named family (the engine asks once per family)
    result.group_by = dims[:2]
    if rank:
        result.descending = rank == "desc"
        if (
            not result.group_by
            and result.metrics
            and result.metrics[0] in ("units_sold", "revenue", "profit", "margin")
        ):
            result.group_by = ["product"]
        result.limit = result.limit or (5 if result.group_by else None)
        result.sort = result.metrics[0] if result.metrics else None
    elif result.limit and not result.group_by:
        result.group_by = ["product"]
        result.sort = result.metrics[0] if result.metrics else None

    # action
    money_out = {"fees", "payout", "selling_costs"} & set(result.metrics)
    if not money_out and "profit" in result.metrics and filters.platform and reading.values("bare_number"):
        money_out = {"payout"}  # net on a price at a platform: the payout of that sale
        result.metrics = ["payout"]
    if result.fee_price is None and money_out and result.period is None and reading.values("bare_number"):
        result.fee_price = reading.values("bare_number")[0]  # type: ignore[assignment]  # "goat payout 175"
    price_given = result.fee_price is not None or (
        (filters.min_price is not None or filters.max_price is not None)
        and result.period is None
        and not listing
    )
    if (
        not money_out
        and "cost" in measures
        and "sales" in facts
        and result.fee_price is not None
        and result.period is None
    ):
        money_out = {"selling_costs"}  # what it costs to sell at a price: the fees of that sale
        result.metrics = ["selling_costs"]
    if (
        not money_out
        and result.fee_price is not None
        and "sales" in facts
        and result.period is None
        and not reading.starting("metric:")
    ):
        money_out = {"payout"}  # selling one pair at a price: what comes out of it
        result.metrics = ["payout"]
    if tool is None and money_out and price_given and set(result.group_by) <= {"product"}:
        result.group_by = []
        tool = "fee_estimate"
    if tool == "fee_estimate" and result.fee_price is None:
        result.fee_price = filters.min_price or filters.max_price
        filters.min_price = filters.max_price = None
    if tool == "reprice":
        result.metrics = ["dead_stock_units", "dead_stock_value"]
    if tool is not None:
        result.action = tool
    elif (listing or pick) and (result.stock_only or not result.metrics or dead) and not result.group_by:
        result.action = "list"
        result.pick = pick
        if not result.metrics:
            result.metrics = ["units_in_inventory"]
    elif result.metrics:
        result.action = "aggregate"
        if pick and result.stock_only:
            result.action, result.pick = "list", pick
    elif chat is not None and not result.unknown_terms:
        result.action = chat
    elif result.no_record:
        result.action = "no_record"
    result.settle_future()
    brand_ends = {e: s for s, e, r, _ in reading.roles if r == "brand"}
    for s, e, r, v in list(reading.roles):
        if r == "unknown" and s in brand_ends and re.fullmatch(r"\d{1,4}s?", reading.tokens[s].text):
            name = " ".join(t.raw for t in reading.tokens[brand_ends[s] : e])
            result.unknown_terms.remove(str(v))
            result.no_record.append(("name", name))  # "Jordan 7s": a model the catalogue does not have
    if result.action != "fee_estimate":
        # a number that found no role is not dropped silently
        result.unknown_terms += [
            " ".join(t.raw for t in reading.tokens[s:e]) for s, e, r, _ in reading.roles if r == "bare_number"
        ]
    if result.group_by and result.stock_only and set(result.group_by) & TIME_DIMENSIONS:
        result.group_by = [g for g in result.group_by if g not in TIME_DIMENSIONS]
    return result


def _aging_bucket(value: float, words: list[str], i: int) -> tuple[str, int] | None:
    """'91+ bucket', 'the 31-60 bucket', '61 to 90 bucket' -> (bucket label, tokens)."""
    buckets = {(0, 30): "0-30", (31, 60): "31-60", (61, 90): "61-90"}
    n = len(words)
    nxt = words[i + 1] if i + 1 < n else ""
    if int(value) == 91 and nxt in ("+", "plus"):
        return "91+", 2 + (i + 2 < n and words[i + 2] in ("bucket", "days", "tage", "eimer"))
    high = number_value(nxt) if nxt else None
    if (
        high is not None
        and (int(value), int(high)) in buckets
        and i + 2 < n
        and words[i + 2] in ("bucket", "eimer", "gruppe", "klasse")
    ):
        return buckets[(int(value), int(high))], 3
    return None


@functools.cache
def _comparators() -> tuple[frozenset[str], frozenset[str], frozenset[str], frozenset[str]]:
    """The lexicon's age comparators ([age] older / younger) as one- and two-word sets."""
    by_role: dict[str, tuple[set[str], set[str]]] = {
        "age:older": (set(), set()),
        "age:younger": (set(), set()),
    }
    for phrase, roles in load_lexicon().phrases.items():
        for role in roles:
            if role in by_role and len(phrase) <= 2:
                by_role[role][len(phrase) - 1].add(" ".join(phrase))
    (older1, older2), (younger1, younger2) = by_role["age:older"], by_role["age:younger"]
    return frozenset(older1), frozenset(older2), frozenset(younger1), frozenset(younger2)


def has_how_many(reading: Reading) -> bool:
    words = [t.text for t in reading.tokens]
    return any(
        words[i : i + 2] in (["how", "many"], ["wie", "viele"], ["number", "of"])
        or words[i] in ("wieviele", "anzahl")
        for i in range(len(words))
    )


def _main_fact(facts: list[str], reading: Reading) -> str | None:
    """Purchases, then sales, then stock; 'have'/'got' say little when a sale or purchase is named."""
    weak = {
        "have",
        "has",
        "got",
        "hab",
        "habe",
        "haben",
        "hast",
        "da",
        "own",
        "left",
        "uebrig",
        "have got",
        "haben wir",
    }
    strong_stock = any(
        r == "fact:stock" and " ".join(t.text for t in reading.tokens[s:e]) not in weak
        for s, e, r, _ in reading.roles
    )
    if "purchases" in facts:
        return "purchases"
    if "sales" in facts:
        return "sales"
    if "stock" in facts:
        return "stock" if strong_stock or not reading.starting("metric:") else None
    return None


def merge_followup(
    current: Interpretation, previous: Interpretation, reading: Reading, *, now: datetime
) -> Interpretation:
    """A follow-up resolved against the previous turn: it keeps the previous metric, filters and
    window unless it names new ones; 'the month before' moves the window back."""
    merged = replace(previous)
    merged.followup = True
    merged.unknown_terms = current.unknown_terms
    merged.no_record = current.no_record
    merged.notes = current.notes
    named_metrics = (
        bool(reading.starting("metric:"))
        or bool(reading.starting("fact:"))
        or reading.has("dead")
        or reading.has("summary")
    )
    if current.filters.min_age_days is not None and not named_metrics and previous.stock_only:
        merged.metrics = list(previous.metrics)  # an age filter added to a stock question keeps its metrics
    measures = {r.split(":")[1] for _, r, _ in reading.starting("measure:")}
    measure = next((m for m in ("count", "cost", "value", "amount") if m in measures), None)
    if "cost" in measures and "sales" in previous.facts and not reading.starting("metric:"):
        merged.metrics = ["cogs"]  # what the pairs sold cost to buy
    elif named_metrics and current.metrics:
        merged.metrics = current.metrics
        merged.dead_stock_days = current.dead_stock_days or previous.dead_stock_days
    elif measure == "amount" and current.filters.min_age_days is not None:
        pass
    elif measure == "cost" and "sales" in previous.facts:
        merged.metrics = ["cogs"]  # what the pairs sold cost to buy
    elif measure in ("value", "cost", "amount") and "count" not in measures:
        # a value or cost asked of the previous selection
        mapping = {
            "units_in_inventory": "inventory_value",
            "units_sold": "revenue" if measure != "cost" else "cogs",
            "pairs_bought": "purchase_spend",
            "dead_stock_units": "dead_stock_value",
        }
        values = [mapping.get(m, m) for m in previous.metrics]
        merged.metrics = list(dict.fromkeys(v for v in values if v in mapping.values() or v not in mapping))
    elif measure == "count":
        # a count asked of the previous selection
        sales = {
            "revenue",
            "profit",
            "margin",
            "roi",
            "cogs",
            "fees",
            "payout",
            "average_sale_price",
            "shipping",
            "selling_costs",
        }
        counted = [
            "units_sold"
            if m in sales
            else {
                "inventory_value": "units_in_inventory",
                "dead_stock_value": "dead_stock_units",
                "purchase_spend": "pairs_bought",
            }.get(m, m)
            for m in previous.metrics
        ]
        merged.metrics = list(dict.fromkeys(counted))
    elif reading.has("rate") and any(m.startswith("dead_stock") for m in previous.metrics):
        merged.metrics = ["dead_stock_rate"]
    merged.filters = previous.filters.merged(current.filters)
    if reading.has("followup:previous_period") and previous.period is not None:
        merged.period = shift_back(previous.period, now)
        merged.compare_periods = []
    elif reading.has("followup:previous_period"):
        merged.period = (
            named_period("last_month", now)
            if any(t.text in ("vormonat", "month") for t in reading.tokens)
            else None
        )
    elif current.period is not None and not (current.period.grain == "all" and previous.period is not None):
        merged.period = current.period
        merged.compare_periods = current.compare_periods
        merged.period_words = current.period_words
    if current.group_by:
        merged.group_by = current.group_by
    for dim in list(merged.group_by):
        if (
            getattr(merged.filters, dim, None)
            and dim in ("size", "brand", "platform")
            and len(getattr(merged.filters, dim)) == 1
        ):
            merged.group_by.remove(dim)  # "und in 9,5?" after "by size": one size now
    if current.action == "list" or current.pick:
        merged.action = "list"
        merged.pick = current.pick
        merged.group_by = []
        if not merged.stock_only and not named_metrics:
            merged.metrics = ["units_in_inventory"]
    elif previous.action in ("list",) and not current.pick and not reading.has("list"):
        merged.action = "aggregate" if named_metrics or measure else "list"
    elif previous.action in ("unknown", "no_record", "future", "greeting", "thanks", "help", "teach"):
        merged.action = current.action
    if merged.action == "list" and current.pick is None and not reading.has("list") and measure:
        merged.action = "aggregate"
    if current.limit:
        merged.limit = current.limit
    if previous.action == "fee_estimate" and (current.fee_price or reading.values("bare_number")):
        merged.fee_price = current.fee_price or reading.values("bare_number")[0]  # type: ignore[assignment]
        merged.unknown_terms = [w for w in merged.unknown_terms if not w.replace(".", "").isdigit()]
    if current.dead_stock_days:
        merged.dead_stock_days = current.dead_stock_days
    sizes = [w for w in current.unknown_terms if is_us_size(number_value(w) or 0)]
    if sizes and not current.filters.size and (previous.filters.size or "size" in previous.group_by):
        merged.filters.size = [size_label(number_value(w) or 0) for w in sizes]  # "und 10,5?"
        merged.unknown_terms = [w for w in merged.unknown_terms if w not in sizes]
    if (
        reading.has("rate")
        and previous.stock_only
        and previous.filters.min_age_days is not None
        and not named_metrics
    ):
        merged.metrics = [
            "dead_stock_rate"
        ]  # the share of that selection: the dead-stock rate with that age as threshold
        merged.dead_stock_days = previous.filters.min_age_days
        merged.filters.min_age_days = None
        merged.action = "aggregate"
    bare_days = reading.values("bare_days")
    if any(m.startswith("dead_stock") for m in merged.metrics) and bare_days:
        merged.dead_stock_days = int(bare_days[0])  # type: ignore[call-overload]  # a new threshold for the previous dead-stock question
        if current.period is not None and previous.period != current.period:
            merged.period = previous.period
    if (
        any(m.startswith("dead_stock") for m in merged.metrics)
        and current.filters.min_price is not None
        and not reading.has("measure:value")
    ):
        # "over 200?" after a dead-stock answer: a threshold in days, not a price
        merged.dead_stock_days = int(current.filters.min_price)
        merged.filters.min_price = previous.filters.min_price
    if (
        any(m.startswith("dead_stock") for m in merged.metrics)
        and current.filters.min_age_days is not None
        and not reading.has("dead")
    ):
        merged.dead_stock_days = current.filters.min_age_days  # "over 200?" after a dead-stock answer
        merged.filters.min_age_days = previous.filters.min_age_days
    if (
        reading.starting("compare")
        and current.period is not None
        and previous.period is not None
        and not current.compare_periods
    ):
        merged.compare_periods = [previous.period, current.period]  # "vs q2?"
        merged.period = previous.period
    merged.settle_future()
    return merged


def is_followup(current: Interpretation, reading: Reading) -> bool:
    """Does the question lean on the previous turn? (a new brand, a new metric after 'what about',
    'the month before?', 'which of those ... ?', a question with filters or a window but no metric)."""
    if current.action in ("greeting", "thanks", "help"):
        return False
    if reading.has("followup:previous_period") or reading.has("followup:anaphora"):
        return True
    first = _first_content(reading)
    if any(start <= first for start, _r, _v in reading.starting("followup:continuation")):
        return True
    if any(start <= first for start, _r, _v in reading.starting("compare")) and reading.has("period"):
        return True  # "vs q2?"
    named = (
        reading.starting("metric:")
        or reading.starting("fact:")
        or reading.has("dead")
        or reading.has("summary")
        or reading.starting("tool:")
    )
    content = [t for t in reading.tokens if t.text not in load_lexicon().filler]
    period = None if current.period is not None and current.period.grain == "all" else current.period
    short = len(reading.tokens) <= 3 or len(content) <= 1
    if named and short and not current.filters.as_dict() and period is None:
        return True  # "Marge?", "and profit?": a metric asked of the same selection
    return not named and bool(
        current.filters.as_dict()
        or current.period is not None
        or reading.starting("pick:")
        or reading.starting("measure:")
        or reading.starting("group:")
        or reading.has("rate")
    )


def _first_content(reading: Reading) -> int:
    """The index of the first token that is not a filler word ('ok so ... and for Nike?')."""
    filler = load_lexicon().filler - {"and", "und", "what", "how", "was", "wie"}
    return next((i for i, t in enumerate(reading.tokens) if t.text not in filler), 0)
