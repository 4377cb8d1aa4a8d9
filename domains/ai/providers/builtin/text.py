"""Text normalisation and language detection for the built-in engine."""

from __future__ import annotations

import re
import unicodedata

_UMLAUTS = str.maketrans({"ä": "ae", "ö": "oe", "ü": "ue", "ß": "ss"})
_TOKEN = re.compile(r"[a-z0-9]+(?:[.,][0-9]+)?|[€$%?]")


def normalize(text: str) -> str:
    """Lowercase ASCII with German umlauts spelled out ('Größe' -> 'groesse'), spaces collapsed."""
    lowered = text.lower().translate(_UMLAUTS)
    decomposed = unicodedata.normalize("NFKD", lowered)
    ascii_text = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    ascii_text = ascii_text.replace("’", "'").replace("`", "'")
    return re.sub(r"\s+", " ", ascii_text).strip()


def tokens(text: str) -> list[str]:
    return _TOKEN.findall(text)


# Words that only (or almost only) occur in one of the two languages.
_GERMAN = frozenset(
    [
        "ich",
        "wie",
        "viel",
        "viele",
        "habe",
        "hab",
        "hast",
        "hat",
        "wir",
        "was",
        "welche",
        "welcher",
        "welches",
        "zeig",
        "zeige",
        "zeigen",
        "mir",
        "mein",
        "meine",
        "meinen",
        "meiner",
        "der",
        "die",
        "das",
        "den",
        "dem",
        "des",
        "und",
        "oder",
        "nicht",
        "nur",
        "noch",
        "auch",
        "ist",
        "sind",
        "war",
        "waren",
        "letzten",
        "letzte",
        "letzter",
        "letztes",
        "vormonat",
        "monat",
        "monats",
        "diesen",
        "dieser",
        "dieses",
        "diese",
        "heute",
        "gestern",
        "woche",
        "jahr",
        "jahres",
        "quartal",
        "tage",
        "tagen",
        "tag",
        "ueber",
        "unter",
        "mehr",
        "als",
        "seit",
        "im",
        "am",
        "vom",
        "zum",
        "zur",
        "fuer",
        "bei",
        "umsatz",
        "gewinn",
        "verdient",
        "verkauft",
        "verkaufe",
        "verkaufen",
        "bestand",
        "lager",
        "paare",
        "paar",
        "marke",
        "marken",
        "gebuehren",
        "gebuehr",
        "bekomme",
        "bekommen",
        "kriege",
        "ladenhueter",
        "wieviel",
        "wieviele",
        "alt",
        "aelter",
        "bitte",
        "danke",
        "hallo",
        "moin",
        "servus",
        "guten",
        "tag",
        "morgen",
        "abend",
        "davon",
        "denn",
        "mal",
        "gibt",
        "es",
        "einen",
        "eine",
        "ein",
        "bisher",
        "insgesamt",
        "durchschnittlich",
        "durchschnittliche",
        "groesse",
        "preis",
        "preise",
        "marge",
        "rendite",
        "schuhe",
        "sneaker",
        "laeuft",
        "lief",
        "beste",
        "besten",
        "meisten",
        "am",
        "welcher",
        "plattform",
        "plattformen",
        "umschlag",
        "lagerumschlag",
        "bestellungen",
        "verkaeufe",
        "verkaeufen",
        "merk",
        "merke",
        "dir",
        "ab",
        "jetzt",
        "zaehlen",
        "zaehlt",
        "gilt",
        "kannst",
        "machst",
        "soll",
        "sollte",
    ]
)
_ENGLISH = frozenset(
    [
        "i",
        "how",
        "what",
        "which",
        "my",
        "me",
        "the",
        "and",
        "or",
        "not",
        "only",
        "also",
        "is",
        "are",
        "were",
        "did",
        "do",
        "does",
        "have",
        "has",
        "had",
        "show",
        "list",
        "give",
        "tell",
        "much",
        "many",
        "last",
        "this",
        "month",
        "week",
        "year",
        "quarter",
        "today",
        "yesterday",
        "days",
        "day",
        "over",
        "under",
        "more",
        "than",
        "since",
        "in",
        "on",
        "of",
        "for",
        "with",
        "revenue",
        "profit",
        "made",
        "make",
        "earn",
        "earned",
        "sold",
        "sell",
        "selling",
        "sales",
        "stock",
        "inventory",
        "pairs",
        "pair",
        "brand",
        "brands",
        "fees",
        "fee",
        "get",
        "would",
        "should",
        "could",
        "best",
        "most",
        "top",
        "platform",
        "platforms",
        "orders",
        "order",
        "margin",
        "price",
        "prices",
        "worth",
        "value",
        "old",
        "older",
        "hi",
        "hello",
        "hey",
        "thanks",
        "please",
        "about",
        "from",
        "now",
        "on",
        "remember",
        "count",
        "counts",
        "consider",
        "can",
        "you",
        "your",
        "it",
        "its",
        "so",
        "far",
        "year",
        "to",
        "date",
        "average",
        "avg",
        "per",
        "by",
        "each",
        "those",
        "them",
        "these",
        "store",
        "currently",
        "right",
    ]
)


def detect_language(text: str, *, default: str = "en") -> str:
    """'de' or 'en' from marker words; `default` when the text gives no clear signal."""
    words = re.findall(r"[a-z]+", normalize(text))
    german = sum(1 for w in words if w in _GERMAN)
    english = sum(1 for w in words if w in _ENGLISH)
    if re.search(r"[äöüß]", text.lower()):
        german += 2
    if german > english:
        return "de"
    if english > german:
        return "en"
    return default


# Words a typo is corrected to (checked only for unknown words of 5+ letters).
_VOCABULARY = [
    "revenue",
    "profit",
    "profits",
    "margin",
    "inventory",
    "turnover",
    "average",
    "orders",
    "order",
    "dead",
    "stock",
    "deadstock",
    "sellthrough",
    "bestseller",
    "bestsellers",
    "platform",
    "platforms",
    "umsatz",
    "gewinn",
    "marge",
    "bestand",
    "lager",
    "ladenhueter",
    "verkauft",
    "verdient",
    "verkaufe",
    "verkaeufe",
    "inventar",
    "yesterday",
    "quarter",
    "monthly",
    "weekly",
    "discount",
    "recommend",
    "recommendation",
    "market",
    "price",
    "prices",
    "payout",
    "brands",
    "products",
    "sneakers",
    "jordan",
    "jordans",
    "adidas",
    "yeezy",
    "balance",
    "salomon",
    "converse",
    "stockx",
    "gestern",
    "letzten",
    "vormonat",
    "quartal",
]
_COMMON = frozenset(
    [
        "lange",
        "langsam",
        "lagern",
        "large",
        "marge",
        "market",
        "markets",
        "bestellwert",
        "bestellwerte",
        "durchschnittlicher",
        "durchschnittliche",
        "durchschnitt",
        "warenkorb",
        "verkaufen",
        "verkaufe",
        "verkaeufer",
        "verkaufspreis",
        "dauert",
        "brauche",
        "braucht",
        "gelistet",
        "listed",
        "listing",
        "listings",
        "stocks",
        "things",
        "thing",
        "during",
        "their",
        "there",
        "where",
        "should",
        "would",
        "could",
        "about",
        "after",
        "again",
        "below",
        "above",
        "order",
        "ordered",
        "under",
        "older",
        "newer",
        "price",
        "priced",
        "pricing",
        "prices",
        "sales",
        "seller",
        "sellers",
        "selling",
        "sells",
        "sold",
        "every",
        "month",
        "months",
        "weeks",
        "years",
        "today",
        "quarter",
        "quarters",
        "still",
        "left",
        "right",
        "shoes",
        "sneaker",
        "sneakers",
        "pairs",
        "kicks",
        "brand",
        "brands",
        "panda",
        "chicago",
        "black",
        "white",
        "cement",
        "mocha",
        "retro",
        "money",
        "total",
        "value",
        "worth",
        "items",
        "units",
        "overall",
        "compare",
        "versus",
    ]
)
_KNOWN = frozenset(_VOCABULARY) | _ENGLISH | _GERMAN | _COMMON


# Ordinary words a typo must never be "corrected" away from ('laenger' is not 'lager').
_ORDINARY_WORDS = """
    laenger langer lange laengst laengsten liegen liegt rumliegen herumliegen rumstehen stehen steht
    gelegen gekauft gekostet kostet kosten bringt bringen gebracht bleibt geblieben haengen uebrig
    gerade aktuell momentan zurzeit derzeit wovon davon damit wieviel wieviele schnell schnitt
    kaum wenig wenige weniger mehrere einige zwischen waehrend nachdem bevor vergangenen vergangene
    vergangenes vorigen voriges vorige letzter letztem laufenden aktuellen eigenen eigene eigener
    gebrauchte gebraucht neue neuen neuer getragen stueck einheiten modelle modell marken produkte
    produkt artikel waren ware erloese erloes einnahmen ausgaben kosten preise wert werte
    verkaufte verkauften verkaufter verkaufen verkaufst verkauft verkauf verkaufs bestellt
    wochen monaten monate jahren jahre tagen quartale quartalen seit heute morgen gestern
    sitting stuck moving moved shipped shipping went gone clear cleared cleared cost costs
    costed spend spent bring brought brings bringing going rate rates trending hottest
    older oldest newer newest cheaper cheapest longer longest between within without
    months weeks years quarters hundred thousand twenty thirty forty fifty sixty seventy
    eighty ninety seven eight three seven eleven twelve fifteen
    listed listing unlisted aren't isn't haven't hasn't didn't doesn't don't
    anything something nothing everything someone everyone
"""
_ORDINARY = frozenset(_ORDINARY_WORDS.split())


def correct_typos(text: str) -> str:
    """'revnue last month' -> 'revenue last month': unknown words close to a business word."""
    from rapidfuzz import fuzz, process

    def fix(match: re.Match[str]) -> str:
        word = match.group(0)
        if len(word) < 5 or word in _KNOWN or word in _ORDINARY or word in _pattern_words():
            return word
        cutoff = 80 if len(word) <= 7 else 86
        best = process.extractOne(word, _VOCABULARY, scorer=fuzz.ratio, score_cutoff=cutoff)
        return best[0] if best else word

    return re.sub(r"[a-z]+", fix, text)


_PATTERN_WORDS: frozenset[str] | None = None


def _pattern_words() -> frozenset[str]:
    """Every plain word the lexicon's patterns spell out: words the engine already understands."""
    global _PATTERN_WORDS
    if _PATTERN_WORDS is None:
        from domains.ai.providers.builtin import lexicon

        sources: list[str] = []
        for table in (lexicon.BRANDS, lexicon.PLATFORMS, lexicon.METRICS):
            for patterns in table.values():
                sources.extend(patterns)
        sources.extend(lexicon.SALES_WORDS)
        from domains.ai.providers.builtin import parser, timeframes

        for module in (parser, timeframes):
            sources.extend(v.pattern for v in vars(module).values() if isinstance(v, re.Pattern))
        words: set[str] = set()
        for source in sources:
            words.update(w for w in re.findall(r"[a-z]{5,}", re.sub(r"\\\w", " ", source)))
        _PATTERN_WORDS = frozenset(words)
    return _PATTERN_WORDS


# --- shorthand and number words ------------------------------------------------------------------

# (pattern, replacement) over normalised text: the short forms people type in a hurry.
_SHORTHAND: tuple[tuple[str, str], ...] = (
    (r"\b(?:mnth|mth|mnt|mon)s?\b", "month"),
    (r"\bmos\b", "months"),
    (r"\bwks?\b", "week"),
    (r"\byrs?\b", "year"),
    (r"\bqtrs?\b", "quarter"),
    (r"\b(?:yday|ytday|yest|yesterdy|yesteday)\b", "yesterday"),
    (r"\b(?:tdy|2day|tody)\b", "today"),
    (r"\bprev\b", "previous"),
    (r"\bthru\b", "through"),
    (r"\brn\b", "right now"),
    (r"\b(?:rev|revs|rev\.)(?=\s|$|\?)", "revenue"),
    (r"\bdays?\s*2\s*sell\b", "days to sell"),
    (r"[ø⌀]\s*", "durchschnittlicher "),
    (r"\bim (?:schnitt|durchschnitt)\b", "durchschnittlich"),
    (r"#\s*of\b", "number of"),
    (r"(?:#|\bno\.?\s?|\bnr\.?\s?)1\b", "number 1"),
    (r"#\s*(?=[a-z])", "number of "),
    (r"\bhalf a year\b|\bhalbe[ns]? jahr\b", "6 months"),
    (r"\ba fortnight\b|\bfortnight\b", "2 weeks"),
    # phone shorthand: "inv val", "dead stk", "stockx listings", "stockx v goat", "90d"
    (r"\b(?:inv|invt|invent)\b", "inventory"),
    (r"\bval\b", "value"),
    (r"\bstk\b", "stock"),
    (r"(?<![\w.,])(\d{2,5})er\b", r"\1"),  # "fees fuer nen 250er": an amount
    (r"\b(?:yoy|y/y|year over year|year-over-year)\b", "this year vs last year"),
    (r"\bvorjahresvergleich\b", "dieses jahr vs vorjahr"),
    (r"\b(?:ths|tihs|thsi|dis)\b", "this"),
    (r"\b(?:lst|lsat|lats)\b", "last"),
    (r"\bvalu\b", "value"),
    (r"\bhw\b", "how"),
    (r"\bpx\b", "price"),
    (r"\bqty\b", "how many"),
    (r"\btw\b", "this week"),
    (r"\btm\b", "this month"),
    (r"\btq\b", "this quarter"),
    (r"\blw\b", "last week"),
    (r"\blm\b", "last month"),
    (r"\blq\b", "last quarter"),
    (r"\bly\b", "last year"),
    (r"\bl(\d{1,3})d\b", r"last \1 days"),
    (r"\bgm(?=\s*%|\s+(?:ytd|mtd|qtd|wtd|last|this|past|for|in|on|by|l\d|q[1-4]|pct|percent))", "margin"),
    (r"\bgp\b", "profit"),
    (r"\blistings\b", "listed pairs"),
    (r"(?<=\w) v\.? (?=\w)", " vs "),
    (r"\b(?:calendar|fiscal|financial|business|reporting) (?=year|month|quarter)", ""),
    (r"\bgeschaeftsjahr(?:es|s)?\b", "jahr"),
    (r"\bkalendermonat(?:s)?\b", "monat"),
    (r"\bgeschaeftsquartal(?:s)?\b", "quartal"),
    # colloquial / regional German: "was ham wir heut verkauft", "wie laeufts", "kriag i", "vertickt"
    (r"\bham\b", "haben"),
    (r"\b(?:heut|heid)\b", "heute"),
    (r"\bsin\b", "sind"),
    (r"\bgrad\b", "gerade"),
    (r"\bmia\b", "wir"),
    (r"\bnix\b", "nichts"),
    (r"\b(was|wie|wo|das|es|da) is\b", r"\1 ist"),
    (r"\b(laeuft|lief|geht|ging|gibt|gab|steht|sieht|schauts|schaut)s\b", r"\1 es"),
    (r"\bkriag\w*\b", "kriege"),
    (r"\b(kriege|krieg|hob|hab|habe|wenn|kann|bin|soll|muss|verkauf|verkaufe|moecht|will) i\b", r"\1 ich"),
    (r"\b(?:vertickt|vertickert|verscherbelt|vercheckt|verkloppt|vertickt haben)\b", "verkauft"),
    (r"\b(?:vertick\w*|verscherbel\w*|verklopp\w*)\b", "verkaufen"),
    (r"\b(?:kohle|knete|moneten|zaster|asche)\b", "geld"),
    (r"\b(?:treter|latschen|sneaks)\b", "schuhe"),
)
# a compact count of days: "90d" -> "last 90 days"; after "over"/"older than"/"last" just "90 days"
_COMPACT_DAYS = re.compile(
    r"(\b(?:over|than|past|last|ueber|als|ab|seit|letzten)\s+)?(?<![\w.,])(\d{1,4})d\b"
)


def _compact_days(match: re.Match[str]) -> str:
    return f"{match.group(1)}{match.group(2)} days" if match.group(1) else f"last {match.group(2)} days"


_SHORTHAND_RES = tuple((re.compile(p), r) for p, r in _SHORTHAND)

_UNITS_EN = {
    "zero": 0, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7,
    "eight": 8, "nine": 9, "ten": 10, "eleven": 11, "twelve": 12, "thirteen": 13, "fourteen": 14,
    "fifteen": 15, "sixteen": 16, "seventeen": 17, "eighteen": 18, "nineteen": 19,
}  # fmt: skip
_TENS_EN = {"twenty": 20, "thirty": 30, "forty": 40, "fourty": 40, "fifty": 50, "sixty": 60,
            "seventy": 70, "eighty": 80, "ninety": 90}  # fmt: skip
_UNITS_DE = {
    "null": 0, "eins": 1, "ein": 1, "eine": 1, "einen": 1, "einem": 1, "zwei": 2, "drei": 3,
    "vier": 4, "fuenf": 5, "sechs": 6, "sieben": 7, "acht": 8, "neun": 9, "zehn": 10, "elf": 11,
    "zwoelf": 12, "dreizehn": 13, "vierzehn": 14, "fuenfzehn": 15, "sechzehn": 16, "siebzehn": 17,
    "achtzehn": 18, "neunzehn": 19,
}  # fmt: skip
_TENS_DE = {"zwanzig": 20, "dreissig": 30, "vierzig": 40, "fuenfzig": 50, "sechzig": 60,
            "siebzig": 70, "achtzig": 80, "neunzig": 90}  # fmt: skip
# words that are articles/pronouns as often as numbers: only numbers before a unit
_AMBIGUOUS = frozenset(["one", "ein", "eine", "einen", "einem"])
_UNIT_AFTER = re.compile(
    r"\s*(?:days?|weeks?|months?|years?|quarters?|tage?n?|wochen?|monate?n?|monats|jahre?n?|quartale?n?|"
    r"hundred|thousand|hundert|tausend)\b"
)


def _german_number(word: str) -> int | None:
    """'fuenfundzwanzig' -> 25, 'zweihundert' -> 200, 'hundertzwanzig' -> 120, 'drei' -> 3."""
    if word in _UNITS_DE:
        return _UNITS_DE[word]
    if word in _TENS_DE:
        return _TENS_DE[word]
    for sep in ("tausend", "hundert"):
        if sep in word:
            head, _, tail = word.partition(sep)
            factor = 1000 if sep == "tausend" else 100
            h = 1 if head in ("", "ein") else _german_number(head)
            t = 0 if tail == "" else _german_number(tail.removeprefix("und"))
            if h is None or t is None:
                return None
            return h * factor + t
    if "und" in word:
        unit, _, tens = word.partition("und")
        if unit in _UNITS_DE and tens in _TENS_DE and _UNITS_DE[unit] < 10:
            return _UNITS_DE[unit] + _TENS_DE[tens]
    return None


def _word_value(word: str) -> int | None:
    if word in _UNITS_EN:
        return _UNITS_EN[word]
    if word in _TENS_EN:
        return _TENS_EN[word]
    if "-" in word:
        tens, _, unit = word.partition("-")
        if tens in _TENS_EN and unit in _UNITS_EN and _UNITS_EN[unit] < 10:
            return _TENS_EN[tens] + _UNITS_EN[unit]
    return _german_number(word)


_NUMBER_WORD = re.compile(r"[a-z]+(?:-[a-z]+)?")


def words_to_numbers(text: str) -> str:
    """'the last seven days' -> 'the last 7 days', 'two hundred' -> '200', 'zwei wochen' -> '2 wochen'."""
    parts = _NUMBER_WORD.split(text)  # parts[k] is the text before words[k]; parts[-1] the tail
    words = _NUMBER_WORD.findall(text)
    out: list[str] = [parts[0]]
    i = 0
    while i < len(words):
        word = words[i]
        value = _word_value(word)
        after = "".join(p + w for p, w in zip(parts[i + 1 :], [*words[i + 1 :], ""], strict=False))
        if value is None or (word in _AMBIGUOUS and not _UNIT_AFTER.match(after)):
            out.append(word + parts[i + 1])
            i += 1
            continue
        # a run: "twenty five", "two hundred (and) fifty", "one thousand two hundred"
        total, current, last, j = 0, value, value, i
        while j + 1 < len(words) and parts[j + 1].strip() == "":
            k = j + 1
            if words[k] in ("and", "und") and k + 1 < len(words) and parts[k + 1].strip() == "":
                k += 1
            nxt = words[k]
            if nxt in ("hundred", "hundert"):
                current = (current or 1) * 100
            elif nxt in ("thousand", "tausend"):
                total, current = total + (current or 1) * 1000, 0
            elif nxt in _AMBIGUOUS or (nv := _word_value(nxt)) is None:
                break
            elif (last >= 100 or (last >= 20 and last % 10 == 0)) and nv < min(last, 100) and nv < 100:
                current += nv
            else:
                break
            last = _word_value(nxt) or (100 if nxt in ("hundred", "hundert") else 1000)
            j = k
        out.append(str(total + current) + parts[j + 1])
        i = j + 1
    return "".join(out)


def expand_shorthand(text: str) -> str:
    for pattern, replacement in _SHORTHAND_RES:
        text = pattern.sub(replacement, text)
    return _COMPACT_DAYS.sub(_compact_days, text)


def prepare(raw: str) -> str:
    """What the parser reads: normalised, shorthand expanded, number words as digits, typos fixed."""
    text = normalize(raw)
    text = expand_shorthand(text)
    text = words_to_numbers(text)
    return re.sub(r"\s+", " ", correct_typos(text)).strip()
