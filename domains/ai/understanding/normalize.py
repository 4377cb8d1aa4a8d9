"""Text to tokens: lowercase, umlauts spelled out, numbers kept whole ("9,5" -> "9.5").

Tokens keep their position in the original text so unknown words can be reported as typed.
"""

from __future__ import annotations

import functools
import re
import unicodedata
from dataclasses import dataclass

_UMLAUTS = str.maketrans({"ä": "ae", "ö": "oe", "ü": "ue", "ß": "ss"})
# words, numbers with one decimal part ("9,5", "1.200"), ordinals ("3rd", "3."), money/percent signs
_TOKEN = re.compile(
    r"\d+(?:[.,]\d+)*(?:st|nd|rd|th|\.)?(?![a-z0-9])"  # numbers: "10", "9,5", "1.200", "3rd", "3."
    r"|[a-z0-9]+(?:['’][a-z]+)?"  # words, and words with digits: "aj4", "990v6", "4s", "dz5485"
    r"|[€$%£+]"
)


@dataclass(frozen=True, slots=True)
class Token:
    text: str  # normalised
    raw: str  # as typed
    start: int  # offset in the question
    end: int


def fold(text: str) -> str:
    """Lowercase ASCII-ish text: 'Größe' -> 'groesse', 'Café' -> 'cafe'."""
    lowered = text.lower().translate(_UMLAUTS)
    decomposed = unicodedata.normalize("NFKD", lowered)
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def tokenize(text: str) -> list[Token]:
    """The question's tokens. Offsets refer to `text` (folding keeps lengths except for umlauts,
    so offsets are computed per character on the original)."""
    return list(_tokens(text))


@functools.lru_cache(maxsize=256)  # a turn reads its question several times (language, parse, teaching)
def _tokens(text: str) -> tuple[Token, ...]:
    tokens: list[Token] = []
    if text.isascii():  # folding is lowercasing: one offset per character
        folded_text = text.lower()
        origin = list(range(len(text) + 1))
    else:
        folded_chars: list[str] = []
        origin = []
        for index, char in enumerate(text):
            folded = fold(char)
            folded_chars.append(folded)
            origin.extend([index] * len(folded))
        folded_text = "".join(folded_chars)
        origin.append(len(text))
    for match in _TOKEN.finditer(folded_text):
        value = match.group(0).replace("’", "'")
        start, end = origin[match.start()], origin[match.end() - 1] + 1
        if value.endswith("'s"):  # "nike's" -> "nike"
            value = value[:-2]
        tokens.append(Token(text=value, raw=text[start:end], start=start, end=end))
    return tuple(tokens)


def number_value(text: str) -> float | None:
    """'10' -> 10, '9,5' / '9.5' -> 9.5, '1.200' / '1,200' -> 1200, '3rd' / '3.' -> 3; else None."""
    value = re.sub(r"(st|nd|rd|th|\.)$", "", text) if re.fullmatch(r"\d+(st|nd|rd|th|\.)", text) else text
    if not re.fullmatch(r"\d+(?:[.,]\d+)*", value):
        return None
    parts = re.split(r"[.,]", value)
    if len(parts) == 1:
        return float(parts[0])
    if len(parts) == 2 and len(parts[1]) != 3:
        return float(f"{parts[0]}.{parts[1]}")
    if all(len(p) == 3 for p in parts[1:]):  # thousands separators
        return float("".join(parts))
    return float(f"{parts[0]}.{parts[1]}")
