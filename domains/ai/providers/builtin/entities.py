"""Brands, platforms, sizes, SKUs, day thresholds, price bounds and counts named in a question."""

from __future__ import annotations

import re
from dataclasses import dataclass

from domains.ai.providers.builtin.lexicon import BRANDS, PLATFORMS

_BRAND_RES: list[tuple[str, re.Pattern[str]]] = [
    (name, re.compile(r"\b(?:" + "|".join(patterns) + r")\b")) for name, patterns in BRANDS.items()
]
_PLATFORM_RES: list[tuple[str, re.Pattern[str]]] = [
    (code, re.compile(r"\b(?:" + "|".join(patterns) + r")\b")) for code, patterns in PLATFORMS.items()
]
_SKU = re.compile(
    r"\b([a-z]{1,3}\d{3,5}[- ]?\d{3}|\d{6}[- ]\d{3}|[a-z]{2}\d{4}|[a-z]\d{5}|\d{4}[a-z]\d{2,3}[a-z]?)\b"
)
_SIZE = re.compile(
    # "size 10", "size 10s" (the plural: pairs in that size)
    r"\b(?:size|sz|groesse|gr\.?|us|us size|in size|in groesse|us-groesse|eu)\s*(\d{1,2}(?:[.,]5)?)(?:s|'s)?\b"
    r"|\b(\d{1,2}(?:[.,]5)?)\s*(?:us|us men|men's|mens)\b"
)
_NUMBER = r"(\d{1,3}(?:[.,]\d{3})+|\d+)(?:[.,](\d{1,2}))?"
_MONEY_AMOUNT = re.compile(
    r"(?:€|eur|euro|\$|usd|chf|gbp|£)\s*"
    + _NUMBER
    + r"|"
    + _NUMBER
    + r"\s*(?:€|eur|euro|euros|\$|usd|bucks|dollars?)\b"
)
_AMOUNT_CONTEXT = re.compile(
    r"\b(?:for|at|fuer|bei|zu|of|von|um|sell(?:ing)? for|verkaufe? (?:fuer|zu)|price of|preis von)\s+(?:€|eur\s*)?"
    + _NUMBER
)
_OLDER = re.compile(
    r"\b(?:older than|more than|over|above|greater than|longer than|at least|aelter als|mehr als|ueber|uber|laenger als|mindestens|ab|>\s*)\s*(\d{1,4})\s*(days?|tage?n?|d|weeks?|wochen|months?|monaten?)\b"
    r"|\b(?:exceed\w*|exceeding|beyond|ueberschreit\w*)\s*(\d{1,4})\s*(days?|tage?n?|d)\b"
    # a threshold named as such: "at a 75-day threshold", "threshold of 45 days", "grenze 90 tage"
    r"|\b(\d{1,4})\s*-?\s*(days?|tage?n?|d)\s*-?\s*(?:threshold|cut-?off|limit|grenze|schwelle|schwellwert)\b"
    r"|\b(?:threshold|cut-?off|limit|grenze|schwelle|schwellwert)\s*(?:of|at|von|bei|=|:|is|ist)?\s*(\d{1,4})\s*(days?|tage?n?|d)\b"
    r"|\b(\d{1,4})\s*\+\s*(days?|tage?n?|d)\b"
    r"|\b(\d{1,4})\s*(days?|tage?n?|weeks?|wochen|months?|monaten?)\s*(?:old|or older|and older|alt|oder aelter|und aelter|plus)\b"
)
_YOUNGER = re.compile(
    r"\b(?:younger than|newer than|less than|under|below|fewer than|within|juenger als|weniger als|unter|neuer als|bis zu)\s*(\d{1,4})\s*(days?|tage?n?|d|weeks?|wochen)\s*(?:old|alt)?\b"
)
_PRICE_MIN = re.compile(
    r"\b(?:over|above|more than|greater than|at least|ueber|uber|mehr als|mindestens|teurer als|from|ab|>\s*)\s*(?:€|eur\s*|\$)?\s*"
    + _NUMBER
    + r"(?![\d.,]?\d)\s*(?:€|eur|euro|euros|\$|bucks)?(?!\s*(?:days?|tage|d\b|weeks?|wochen|months?|monat|%|prozent|percent|pairs|paare))"
)
_PRICE_MAX = re.compile(
    r"\b(?:under|below|less than|cheaper than|at most|up to|unter|weniger als|billiger als|guenstiger als|hoechstens|bis|<\s*)\s*(?:€|eur\s*|\$)?\s*"
    + _NUMBER
    + r"(?![\d.,]?\d)\s*(?:€|eur|euro|euros|\$|bucks)?(?!\s*(?:days?|tage|d\b|weeks?|wochen|months?|monat|%|prozent|percent|pairs|paare))"
)
_TOP_N = re.compile(
    r"\b(?:top|best|beste[nr]?|first|ersten|the|die)\s*(\d{1,2})\b|\b(\d{1,2})\s*(?:best|top|beste[nr]?|meistverkauft\w*)\b"
)
_WORD_NUMBERS = {
    "three": 3,
    "five": 5,
    "ten": 10,
    "drei": 3,
    "fuenf": 5,
    "zehn": 10,
    "two": 2,
    "zwei": 2,
    "four": 4,
    "vier": 4,
}
_PCT = re.compile(r"\b(\d{1,2}(?:[.,]\d)?)\s*(?:%|percent|prozent)")


@dataclass(frozen=True, slots=True)
class Found:
    value: str
    start: int
    end: int


def find_brands(text: str) -> list[Found]:
    found: list[Found] = []
    for name, pattern in _BRAND_RES:
        for match in pattern.finditer(text):
            found.append(Found(name, match.start(), match.end()))
    found.sort(key=lambda f: f.start)
    unique: list[Found] = []
    for item in found:
        if item.value not in {u.value for u in unique}:
            unique.append(item)
    return unique


_BRAND_ON = re.compile(
    r"(?<=\w )On\b(?! (?:the|a|an|my|our|your|it|them|stockx|goat|ebay|klekt|alias|sale)\b)(?!\s+[A-Z])"
)


def names_brand_on(raw: str) -> bool:
    """The brand On, told from the word 'on' by its capital inside a sentence: 'how many On pairs'."""
    return bool(_BRAND_ON.search(raw)) and not raw.isupper() and not raw.istitle()


def find_platforms(text: str) -> list[Found]:
    found: list[Found] = []
    for code, pattern in _PLATFORM_RES:
        for match in pattern.finditer(text):
            if code == "shop" and re.search(
                r"(?:which|what|welche[rs]?|show|zeig\w*) $", text[: match.start()][-12:]
            ):
                continue
            found.append(Found(code, match.start(), match.end()))
    found.sort(key=lambda f: f.start)
    unique: list[Found] = []
    for item in found:
        if item.value not in {u.value for u in unique} and not any(
            u.start <= item.start < u.end for u in unique
        ):
            unique.append(item)
    return unique


# sizes written without the word "size": "panda dunks in 10?", "dunk panda 10.5" (a half size)
_SIZE_LOOSE = re.compile(
    r"\bin (\d{1,2}(?:[.,]5)?)\s*[?!.]*$"
    r"|(?<![\w.,€$])(\d{1,2}[.,]5)(?![\d.,])(?!\s*(?:%|€|eur|euro|\$|prozent|percent|days?|tage|x\b))"
)


def find_size(text: str) -> str | None:
    match = _SIZE.search(text)
    if not match:
        loose = _SIZE_LOOSE.search(text)
        if not loose:
            return None
        raw = (loose.group(1) or loose.group(2)).replace(",", ".")
        return raw if 3 <= float(raw) <= 16 else None
    raw = (match.group(1) or match.group(2)).replace(",", ".")
    value = float(raw)
    if not 3 <= value <= 50:
        return None
    return raw.rstrip("0").rstrip(".") if "." in raw else raw


def find_sku(text: str) -> str | None:
    for match in _SKU.finditer(text):
        candidate = match.group(1)
        if re.fullmatch(r"(?:aj|am|af|nb)\d{1,2}", candidate.replace(" ", "")):
            continue
        if sum(ch.isdigit() for ch in candidate) >= 4:
            return candidate.upper().replace(" ", "-")
    return None


def _to_days(value: str, unit: str) -> int:
    n = int(value)
    if unit.startswith(("week", "woche")):
        return n * 7
    if unit.startswith(("month", "monat")):
        return n * 30
    return n


def find_min_age(text: str) -> int | None:
    match = _OLDER.search(text)
    if not match:
        return None
    groups = [g for g in match.groups() if g is not None]
    return _to_days(groups[0], groups[1])


def find_max_age(text: str) -> int | None:
    match = _YOUNGER.search(text)
    return _to_days(match.group(1), match.group(2)) if match else None


def parse_number(whole: str, fraction: str | None) -> float:
    """'1.234' / '1,234' (thousands) and ',50' / '.5' (fraction) -> float."""
    digits = re.sub(r"[.,]", "", whole)
    return float(f"{digits}.{fraction}") if fraction else float(digits)


def find_money(text: str) -> float | None:
    """An amount of money: '€250', '250 euro', 'for 250'."""
    match = _MONEY_AMOUNT.search(text)
    if match:
        whole, fraction = (
            (match.group(1), match.group(2)) if match.group(1) else (match.group(3), match.group(4))
        )
        return parse_number(whole, fraction)
    context = _AMOUNT_CONTEXT.search(text)
    if context:
        return parse_number(context.group(1), context.group(2))
    return None


# "between 100 and 200", "zwischen 100 und 200 euro" (not days: those are ages)
_PRICE_BETWEEN = re.compile(
    r"\b(?:between|zwischen|from|von)\s*(?:€|eur\s*|\$)?\s*"
    + _NUMBER
    + r"\s*(?:€|eur|euro|euros|\$|bucks)?\s*(?:and|und|to|bis|-)\s*(?:€|eur\s*|\$)?\s*"
    + _NUMBER
    + r"(?![\d.,]?\d)(?!\s*(?:days?|tage|d\b|weeks?|wochen|months?|monat|%|prozent|percent|pairs|paare))"
)


def find_price_bounds(text: str) -> tuple[float | None, float | None]:
    between = _PRICE_BETWEEN.search(text)
    if between:
        low_value = parse_number(between.group(1), between.group(2))
        high_value = parse_number(between.group(3), between.group(4))
        if low_value < high_value:
            return low_value, high_value
    low = _PRICE_MIN.search(text)
    high = _PRICE_MAX.search(text)
    minimum = parse_number(low.group(1), low.group(2)) if low else None
    maximum = parse_number(high.group(1), high.group(2)) if high else None
    return minimum, maximum


def find_top_n(text: str) -> int | None:
    match = _TOP_N.search(text)
    if match:
        value = int(match.group(1) or match.group(2))
        return value if 1 <= value <= 50 else None
    word = re.search(r"\b(?:top|best|beste[nr]?)\s+(" + "|".join(_WORD_NUMBERS) + r")\b", text)
    if word:
        return _WORD_NUMBERS[word.group(1)]
    return None


def find_percent(text: str) -> float | None:
    match = _PCT.search(text)
    return float(match.group(1).replace(",", ".")) if match else None
