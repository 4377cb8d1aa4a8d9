"""Rule-based extraction of the preferences a user states (English and German).

Only statements become facts. A question that mentions a threshold ("how much dead stock
older than 90 days do I have?") is a one-off filter for that question, never a preference.

    extract_facts("Remember that anything older than 45 days counts as dead stock for me")
    -> [ExtractedFact(kind="dead_stock_threshold", value=45, text="anything older than ...")]
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from domains.ai.memory.base import FACT_KINDS
from domains.pricing.platforms import normalize_platform
from shared.error_handling.errors import ValidationFailed

MAX_NOTE_CHARS = 500


@dataclass(frozen=True, slots=True)
class ExtractedFact:
    kind: str  # one of FACT_KINDS
    value: Any  # JSON-able: int days, float percent, platform code, list of sizes, ...
    text: str  # the user's own words the fact came from


# ---- clauses -----------------------------------------------------------------------------

_QUESTION_WORDS = (
    "what|what's|whats|how|how's|which|where|when|why|who|whose|can|could|should|would|will|do|does|"
    "did|is|are|am|was|were|have|has|show|list|give|tell|find|"
    "wie|was|welche|welcher|welches|welchen|wo|wann|warum|wieso|weshalb|wer|kannst|kann|könntest|"
    "könnte|sollte|soll|sollen|würde|ist|sind|habe|hab|hast|gibt|zeig|zeige|liste|nenn|nenne"
)
# Hypotheticals and one-off qualifiers: never a standing preference.
_HYPOTHETICAL = re.compile(
    r"^(?:if|what if|suppose|supposing|assuming|imagine|let's say|with|at|"
    r"wenn|falls|angenommen|mal angenommen|mit)\b",
    re.IGNORECASE,
)
_ONE_OFF = re.compile(
    r"\b(?:this time|just this once|for this (?:query|question|one|report)|only here|in this case|"
    r"hypothetically|diesmal|dieses mal|nur (?:hier|jetzt|diesmal)|für diese (?:frage|abfrage)|"
    r"in diesem fall|hypothetisch)\b",
    re.IGNORECASE,
)
_QUESTION_START = re.compile(rf"^(?:{_QUESTION_WORDS})\b", re.IGNORECASE)
_CLAUSE_SPLIT = re.compile(
    rf"(?<=[.!?;])\s+|\n+|,\s*(?=(?:{_QUESTION_WORDS}|and what|and how|und was|und wie)\b)",
    re.IGNORECASE,
)
_REMEMBER = re.compile(
    r"^(?:(?:please|pls|hey|ok|okay|also|and|bitte|und|also)[,\s]+)*"
    r"(?:(?:can you|could you|would you|kannst du|könntest du)\s+)?"
    r"(?:remember|note(?: down)?|keep in mind|don't forget|do not forget|"
    r"merk dir|merke dir|merk|merke|notier dir|notiere dir|notier|vergiss nicht|speicher dir)\b"
    r"(?:\s+(?:bitte|please|for me|für mich))?\s*[:,-]?\s*(?:that|this|dass|das|:)?[:,]?\s*",
    re.IGNORECASE,
)


def _clauses(message: str) -> list[str]:
    return [c.strip(" \t,") for c in _CLAUSE_SPLIT.split(message) if c and c.strip(" \t,")]


def _is_question(clause: str) -> bool:
    return clause.rstrip().endswith("?") or bool(_QUESTION_START.match(clause.lstrip("¿ ")))


# ---- numbers -------------------------------------------------------------------------------

_DAYS = re.compile(
    r"(\d{1,4})\s*\+?\s*(days?|d\b|tagen|tage|tag|tg\b|weeks?|wochen|woche|months?|monaten|monate|monat)",
    re.IGNORECASE,
)
_PERCENT = re.compile(
    r"(\d{1,2}(?:[.,]\d{1,2})?)\s*(?:%|percent\b|per cent\b|prozent\b|pct\b)", re.IGNORECASE
)


def _days(clause: str) -> int | None:
    match = _DAYS.search(clause)
    if not match:
        return None
    amount, unit = int(match.group(1)), match.group(2).lower()
    if unit.startswith(("week", "woche")):
        amount *= 7
    elif unit.startswith(("month", "monat")):
        amount *= 30
    return amount if 1 <= amount <= 3650 else None


def _percent(clause: str) -> float | None:
    match = _PERCENT.search(clause)
    if not match:
        return None
    value = float(match.group(1).replace(",", "."))
    return value if 0 < value < 95 else None


# ---- kinds ---------------------------------------------------------------------------------

_DEAD_STOCK = re.compile(
    r"dead[\s-]?stock|ladenhüter|ladenhueter|laden-hüter|totes? (?:lager|bestand|kapital)|altbestand|"
    r"lagerhüter|penner",
    re.IGNORECASE,
)
# A definition, not a filter: "counts as", "treat ... as", "gilt als", "sind bei mir", ...
_DEFINES = re.compile(
    r"\bcounts?\s+as\b|\btreat\b|\bconsider\b|\bcall\b|\bclassify\b|\bdefine\b|\bmeans\b|"
    r"\bfrom now on\b|\bis dead|\bare dead|\bset (?:my |the )?dead|"
    r"dead[\s-]?stock (?:starts|begins|is anything|is everything|is what|=|:)|"
    r"(?:threshold|cut-?off|limit|grenze|schwelle)\s*(?:is|to|=|:|at|ist|auf|liegt bei|beträgt|von)?\s*\d|"
    r"\bgilt\b|\bgelten\b|\bzählt\b|\bzählen\b|\bbehandle\b|\bbehandel\b|\bbetrachte\b|\bdefinier|"
    r"\bbedeutet\b|\bheißt\b|\bheisst\b|\b(?:sind|ist) (?:bei mir|für mich)\b|\b(?:bei mir|für mich) (?:sind|ist)\b|"
    r"(?:ladenhüter|dead[\s-]?stock) (?:sind|ist|are|is) (?:\w+ ){0,3}?(?:ab|über|älter als|nach|older than|over|"
    r"after|from|past|beyond)\s+\d|"
    r"\bab jetzt\b|\bab sofort\b|\bkünftig\b|\bzukünftig\b|\bsetz",
    re.IGNORECASE,
)
_MARGIN_TERM = (
    r"(?:target (?:profit )?margin|margin target|zielmarge|ziel-marge|soll-marge|sollmarge|wunschmarge|"
    r"angestrebte marge|gewünschte marge|mindestmarge|minimum margin)"
)
_MARGIN_STATEMENTS = [
    # "my target margin is 25%", "meine Zielmarge liegt bei 25 %"
    re.compile(rf"\b(?:my|meine?)\s+{_MARGIN_TERM}\b", re.IGNORECASE),
    # "the target margin is 25%", "Zielmarge: 25 %", "set the target margin to 25%"
    re.compile(
        rf"{_MARGIN_TERM}\s+(?:for me\s+|bei mir\s+|für mich\s+)?(?:is|ist|=|:|beträgt|liegt bei|should be|"
        r"soll|sollte|to|auf)\s+(?:at least\s+|mindestens\s+|bei\s+)?\d",
        re.IGNORECASE,
    ),
    re.compile(
        rf"^{_MARGIN_TERM}\s*[:=]?\s*\d{{1,2}}(?:[.,]\d{{1,2}})?\s*(?:%|prozent|percent)$", re.IGNORECASE
    ),
    # "I aim for a 25% margin", "ich will 25 % Marge", "ich möchte mindestens 25 Prozent Marge"
    re.compile(
        r"\b(?:I|ich)\s+(?:always\s+|usually\s+|immer\s+)?(?:aim|shoot|target|want|need|go|strebe|peile|will|"
        r"möchte|brauche|ziele)\b[^.?!]{0,30}?\d{1,2}(?:[.,]\d{1,2})?\s*(?:%|prozent|percent)"
        r"[^.?!]{0,15}?\b(?:margin|marge|gewinnmarge)\b",
        re.IGNORECASE,
    ),
]
_PLATFORM_NAMES = (
    r"stock\s?x|goat(?:\s*/\s*alias)?|alias|ebay|klekt|own shop|my shop|webshop|my store|local(?:ly)?"
)
_PLATFORM = re.compile(rf"\b({_PLATFORM_NAMES})\b", re.IGNORECASE)
_PREFERRED = [
    re.compile(
        r"\bI(?:'m| am)?\s+(?:mostly|mainly|usually|primarily|normally|generally|mostly just|only|always|"
        r"prefer(?:ably)?(?: to)?)?\s*(?:sell(?:ing)?|list(?:ing)?)\s+"
        r"(?:mostly |mainly |usually |primarily |almost only |only |exclusively )?"
        rf"(?:on|via|through|at|over)\s+({_PLATFORM_NAMES})\b",
        re.IGNORECASE,
    ),
    re.compile(
        r"\bmy (?:main|preferred|primary|favou?rite|go-to|usual|default) (?:platform|marketplace|channel|"
        rf"sales channel) is\s+({_PLATFORM_NAMES})\b",
        re.IGNORECASE,
    ),
    re.compile(rf"\bI prefer (?:selling on |to sell on |listing on )?({_PLATFORM_NAMES})\b", re.IGNORECASE),
    re.compile(
        rf"\b({_PLATFORM_NAMES}) is my (?:main|preferred|primary|favou?rite|go-to|usual|default) "
        r"(?:platform|marketplace|channel)",
        re.IGNORECASE,
    ),
    re.compile(
        r"\bich verkaufe\s+(?:meistens|meist|hauptsächlich|überwiegend|vor allem|fast nur|fast immer|nur|"
        r"immer|am liebsten|primär|eigentlich|größtenteils)?\s*(?:nur\s+)?"
        rf"(?:über|auf|bei|via)\s+({_PLATFORM_NAMES})\b",
        re.IGNORECASE,
    ),
    re.compile(
        rf"\bmeine (?:haupt)?(?:plattform|verkaufsplattform|lieblingsplattform) ist\s+({_PLATFORM_NAMES})\b",
        re.IGNORECASE,
    ),
    re.compile(rf"\bich bevorzuge\s+({_PLATFORM_NAMES})\b", re.IGNORECASE),
]
_SELLER_LEVEL = [
    re.compile(
        rf"\b(?:I'?m|I am|im|my|ich bin|mein)\s+(?:an?\s+)?(?:auf\s+|bei\s+)?({_PLATFORM_NAMES})[\s-]*"
        r"(?:seller[\s-]*|verkäufer[\s-]*)?(?:level|lvl|stufe|tier)[\s-]*(?:is\s+|ist\s+)?(\d{1,2})\b",
        re.IGNORECASE,
    ),
    re.compile(
        r"\b(?:I'?m|I am|ich bin)\s+(?:a\s+|an\s+)?(?:seller\s+|verkäufer\s+)?(?:level|lvl|stufe|tier)[\s-]*(\d{1,2})"
        rf"\s+(?:seller\s+)?(?:on|at|auf|bei)\s+({_PLATFORM_NAMES})\b",
        re.IGNORECASE,
    ),
]
_SIZES = re.compile(
    r"(?:interested in|I (?:mostly |mainly |only )?(?:buy|stock|flip|trade|collect|focus on|look for|care about|"
    r"deal in)|focus on|my sizes are|my sizes:|ich interessiere mich für|interessiere mich für|"
    r"ich (?:kaufe|suche|handle|flippe|sammle)(?: nur| meistens| hauptsächlich)?|meine größen sind|"
    r"meine größen:)\s+(?:only\s+|nur\s+|die\s+)?(?:us\s+|eu\s+|uk\s+)?"
    r"(?:sizes?|größen?|groessen?|gr\.)\s+(?:us\s+|eu\s+|uk\s+)?"
    r"((?:\d{1,2}(?:[.,]5)?)(?:\s*(?:-|–|to|bis|und|and|or|oder|,|/)\s*\d{1,2}(?:[.,]5)?)*)",
    re.IGNORECASE,
)
_CURRENCIES = {
    "eur": "EUR",
    "euro": "EUR",
    "euros": "EUR",
    "€": "EUR",
    "usd": "USD",
    "dollar": "USD",
    "dollars": "USD",
    "us dollars": "USD",
    "$": "USD",
    "gbp": "GBP",
    "pound": "GBP",
    "pounds": "GBP",
    "£": "GBP",
    "chf": "CHF",
    "franken": "CHF",
    "swiss francs": "CHF",
    "francs": "CHF",
    "jpy": "JPY",
    "yen": "JPY",
    "cad": "CAD",
    "aud": "AUD",
    "sek": "SEK",
    "dkk": "DKK",
    "pln": "PLN",
}
_CURRENCY_NAMES = "|".join(sorted((re.escape(k) for k in _CURRENCIES), key=len, reverse=True))
_CURRENCY = re.compile(
    r"(?:my currency is|currency(?: is|:)|I work in|I work with|I calculate in|show (?:me )?(?:all )?(?:prices|amounts|"
    r"numbers) in|meine währung ist|währung(?: ist|:)|rechne(?: bitte)?(?: immer)? in|ich rechne in)\s+"
    rf"({_CURRENCY_NAMES})(?=$|[\s.,!;)])",
    re.IGNORECASE,
)
_CURRENCY_USE = re.compile(
    rf"\b(?:use|nimm|verwende)\s+({_CURRENCY_NAMES})\s+(?:as (?:my )?currency|from now on|for everything|"
    r"als währung|ab jetzt|für alles)",
    re.IGNORECASE,
)
_LANGUAGE = re.compile(
    r"(?:answer|reply|respond|talk(?: to me)?|speak(?: to me)?|write|antworte|antworten|sprich|schreib|schreibe|"
    r"rede)(?:\s+(?:me|mir|bitte|please|always|immer|ab jetzt|from now on|mit mir))*\s+(?:in|auf|)\s*"
    r"(german|deutsch|english|englisch)\b",
    re.IGNORECASE,
)
_LANGUAGE_ALT = re.compile(
    r"\b(?:I prefer|ich bevorzuge|bitte(?: immer)?(?: nur)?|(?:from now on|ab jetzt|ab sofort)(?:,)?(?: (?:only|nur|bitte))?)"
    r"\s+(?:in\s+|auf\s+)?(german|deutsch|english|englisch)\b",
    re.IGNORECASE,
)


def _dead_stock(clause: str) -> ExtractedFact | None:
    if not _DEAD_STOCK.search(clause) or not _DEFINES.search(clause):
        return None
    days = _days(clause)
    return ExtractedFact("dead_stock_threshold", days, clause) if days else None


def _target_margin(clause: str) -> ExtractedFact | None:
    value = _percent(clause)
    if value is None or not any(p.search(clause) for p in _MARGIN_STATEMENTS):
        return None
    return ExtractedFact("target_margin", value, clause)


def _preferred_platform(clause: str) -> ExtractedFact | None:
    for pattern in _PREFERRED:
        match = pattern.search(clause)
        if match:
            code = _platform_code(match.group(1))
            # "I sell on GOAT and StockX" names no single preference.
            if code and len({_platform_code(m) for m in _PLATFORM.findall(clause)}) == 1:
                return ExtractedFact("preferred_platform", code, clause)
            if code and re.search(
                r"mostly|mainly|primarily|meistens|hauptsächlich|überwiegend", clause, re.I
            ):
                return ExtractedFact("preferred_platform", code, clause)
    return None


def _seller_level(clause: str) -> ExtractedFact | None:
    for index, pattern in enumerate(_SELLER_LEVEL):
        match = pattern.search(clause)
        if match:
            platform, level = (
                (match.group(1), match.group(2)) if index == 0 else (match.group(2), match.group(1))
            )
            code = _platform_code(platform)
            if code and 1 <= int(level) <= 10:
                return ExtractedFact("seller_level", f"{code} level {int(level)}", clause)
    return None


def _sizes(clause: str) -> ExtractedFact | None:
    match = _SIZES.search(clause)
    if not match:
        return None
    sizes = _parse_sizes(match.group(1))
    return ExtractedFact("sizes_of_interest", sizes, clause) if sizes else None


def _currency(clause: str) -> ExtractedFact | None:
    match = _CURRENCY.search(clause) or _CURRENCY_USE.search(clause)
    if not match:
        return None
    return ExtractedFact("currency", _CURRENCIES[match.group(1).lower()], clause)


def _language(clause: str) -> ExtractedFact | None:
    match = _LANGUAGE.search(clause) or _LANGUAGE_ALT.search(clause)
    if not match:
        return None
    code = "de" if match.group(1).lower() in ("german", "deutsch") else "en"
    return ExtractedFact("language", code, clause)


# The daily insights digest (docs/insights.md): on/off, hour (UTC) and the least severity shown.
_DIGEST_OFF = re.compile(
    r"\b(?:no|stop|turn off|switch off|disable|keine[nm]?|stopp|abschalten|ausschalten|deaktivier\w*)\b"
    r"[^.?!]{0,30}\b(?:digest|daily report|tagesbericht|zusammenfassung)\b"
    r"|\b(?:digest|daily report|tagesbericht)\b[^.?!]{0,20}\b(?:off|aus|abschalten|ausschalten)\b",
    re.IGNORECASE,
)
_DIGEST_ON = re.compile(
    r"\b(?:turn|switch)\b[^.?!]{0,30}\b(?:digest|daily report|tagesbericht)\b[^.?!]{0,10}\bon\b"
    r"|\b(?:turn on|switch on|enable|start|send|schick\w*|aktivier\w*|einschalten)\b[^.?!]{0,30}"
    r"\b(?:digest|daily report|tagesbericht)\b",
    re.IGNORECASE,
)
_DIGEST_HOUR = re.compile(
    r"\b(?:digest|daily report|tagesbericht|zusammenfassung)\b[^.?!]{0,40}?\b(?:at|um|by|gegen)\s+"
    r"(\d{1,2})(?::00)?\s*(am|pm|uhr|h)?\b",
    re.IGNORECASE,
)
_MIN_SEVERITY = re.compile(
    r"\b(?:only|nur)\b[^.?!]{0,20}\b(critical|kritische\w*|warnings?|warnungen|wichtige\w*)\b"
    r"[^.?!]{0,20}\b(?:insights?|alerts?|hinweise?|meldungen)\b",
    re.IGNORECASE,
)


def _digest(clause: str) -> ExtractedFact | None:
    if _DIGEST_OFF.search(clause):
        return ExtractedFact("digest_enabled", False, clause)
    hour = _DIGEST_HOUR.search(clause)
    if hour:
        value = int(hour.group(1)) % 24
        if (hour.group(2) or "").lower() == "pm" and value < 12:
            value += 12
        return ExtractedFact("digest_hour", value, clause)
    if _DIGEST_ON.search(clause):
        return ExtractedFact("digest_enabled", True, clause)
    return None


def _min_severity(clause: str) -> ExtractedFact | None:
    match = _MIN_SEVERITY.search(clause)
    if not match:
        return None
    word = match.group(1).lower()
    return ExtractedFact(
        "insights_min_severity",
        "critical" if word.startswith("krit") or word == "critical" else "warning",
        clause,
    )


_EXTRACTORS = (
    _dead_stock,
    _target_margin,
    _seller_level,
    _preferred_platform,
    _sizes,
    _currency,
    _language,
    _digest,
    _min_severity,
)


def _platform_code(raw: str) -> str | None:
    key = re.sub(r"\s+", " ", raw.strip().lower())
    key = {
        "stockx": "stockx",
        "stock x": "stockx",
        "my shop": "shop",
        "my store": "shop",
        "locally": "local",
    }.get(key, key)
    return normalize_platform(key.replace(" / ", "/"))


def _size_number(raw: str) -> float:
    return float(raw.replace(",", "."))


def _format_size(value: float) -> str:
    return str(int(value)) if value == int(value) else f"{value:g}"


def _parse_sizes(raw: str) -> list[str]:
    sizes: list[float] = []
    for part in re.split(r"\s*(?:,|/|\bund\b|\band\b|\bor\b|\boder\b)\s*", raw.strip()):
        bounds = re.split(r"\s*(?:-|–|\bto\b|\bbis\b)\s*", part)
        numbers = [_size_number(b) for b in bounds if re.fullmatch(r"\d{1,2}(?:[.,]5)?", b)]
        if len(numbers) == 2 and numbers[0] < numbers[1] and numbers[1] - numbers[0] <= 10:
            step = 0.5 if numbers[1] <= 16 else 1.0  # US half sizes; EU sizes in whole steps
            current = numbers[0]
            while current <= numbers[1]:
                sizes.append(current)
                current += step
        else:
            sizes.extend(numbers)
    return [_format_size(s) for s in dict.fromkeys(sizes)]


# ---- entry point ---------------------------------------------------------------------------


def extract_facts(message: str) -> list[ExtractedFact]:
    """Typed facts (at most one per kind) and free-text notes the user asked to remember."""
    facts: dict[str, ExtractedFact] = {}
    notes: list[ExtractedFact] = []
    for raw_clause in _clauses(message[:2000]):
        clause = raw_clause
        remember = _REMEMBER.match(clause)
        explicit = bool(remember and remember.end() > 0 and remember.group(0).strip())
        if explicit and remember is not None:
            clause = clause[remember.end() :].strip()
            # "Remember when I sold the Chicagos?" recalls, it does not instruct.
            if not clause or _QUESTION_START.match(clause):
                continue
        elif _is_question(clause) or _HYPOTHETICAL.match(clause):
            continue
        if _ONE_OFF.search(clause):
            continue
        found = False
        for extractor in _EXTRACTORS:
            fact = extractor(clause)
            if fact is not None:
                found = True
                facts.setdefault(fact.kind, ExtractedFact(fact.kind, fact.value, _tidy(clause)))
        if explicit and not found:
            notes.append(ExtractedFact("note", _tidy(clause), _tidy(clause)))
    assert all(kind in FACT_KINDS for kind in facts)
    return [*facts.values(), *notes]


def _tidy(text: str) -> str:
    text = re.sub(r"\s+", " ", text).strip().rstrip(".!?")
    return text[:MAX_NOTE_CHARS]


# ---- facts a language model hands over (its `remember` tool) ------------------------------


def normalize_fact(kind: str, value: Any, text: str) -> ExtractedFact:
    """Validate and normalize a fact from the `remember` tool; ValidationFailed when it makes no sense."""

    def invalid(message: str) -> ValidationFailed:
        return ValidationFailed(message, details=[{"field": "value", "message": message}])

    said = _tidy(str(text or value))
    if kind.startswith("term:"):  # a word the user taught: value = what it means
        term, meaning = kind.removeprefix("term:").strip(), _tidy(str(value))
        if not term or not meaning or len(kind) > 40:
            raise invalid("a taught word needs the word (at most 35 characters) and its meaning")
        return ExtractedFact(kind, meaning, f"\u201c{term}\u201d means {meaning}")
    if kind not in FACT_KINDS:
        raise ValidationFailed(
            f"Unknown fact kind {kind!r}",
            details=[{"field": "kind", "message": f"one of {sorted(FACT_KINDS)}"}],
        )
    try:
        if kind == "dead_stock_threshold":
            days = int(value)
            if not 1 <= days <= 3650:
                raise invalid("dead-stock threshold must be 1..3650 days")
            return ExtractedFact(kind, days, said)
        if kind == "target_margin":
            pct = float(str(value).rstrip("% ").replace(",", "."))
            if not 0 < pct < 95:
                raise invalid("target margin must be between 0 and 95 percent")
            return ExtractedFact(kind, pct, said)
    except (TypeError, ValueError) as exc:
        raise invalid(f"{kind} needs a number") from exc
    if kind == "preferred_platform":
        code = _platform_code(str(value))
        if code is None:
            raise invalid(f"unknown platform {value!r}")
        return ExtractedFact(kind, code, said)
    if kind == "sizes_of_interest":
        raw = ", ".join(str(v) for v in value) if isinstance(value, list) else str(value)
        sizes = _parse_sizes(raw)
        if not sizes:
            raise invalid("no sizes found")
        return ExtractedFact(kind, sizes, said)
    if kind == "currency":
        code = _CURRENCIES.get(str(value).strip().lower())
        if code is None:
            raise invalid(f"unknown currency {value!r}")
        return ExtractedFact(kind, code, said)
    if kind == "digest_enabled":
        text = str(value).strip().lower()
        if text not in ("true", "false", "1", "0", "on", "off", "yes", "no"):
            raise invalid("digest_enabled must be true or false")
        return ExtractedFact(kind, text in ("true", "1", "on", "yes"), said)
    if kind == "digest_hour":
        try:
            hour = int(value)
        except (TypeError, ValueError) as exc:
            raise invalid("digest_hour needs an hour 0..23 (UTC)") from exc
        if not 0 <= hour <= 23:
            raise invalid("digest_hour needs an hour 0..23 (UTC)")
        return ExtractedFact(kind, hour, said)
    if kind == "insights_min_severity":
        severity = str(value).strip().lower()
        if severity not in ("info", "warning", "critical"):
            raise invalid("insights_min_severity is info, warning or critical")
        return ExtractedFact(kind, severity, said)
    if kind == "language":
        lang = str(value).strip().lower()[:2]
        mapped = {"de": "de", "ge": "de", "en": "en"}.get(lang)
        if mapped is None:
            raise invalid("language must be 'en' or 'de'")
        return ExtractedFact(kind, mapped, said)
    if kind == "seller_level":
        level = _seller_level(str(value)) or _seller_level(f"I'm {value}")
        return ExtractedFact(kind, level.value if level else _tidy(str(value))[:100], said)
    note = _tidy(str(value or text))
    if not note:
        raise invalid("nothing to remember")
    return ExtractedFact("note", note, note)
