"""Time windows named in a question (docs/domain.md), English and German, as tool arguments."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

MONTHS: dict[str, int] = {
    "january": 1,
    "jan": 1,
    "januar": 1,
    "jaenner": 1,
    "february": 2,
    "feb": 2,
    "februar": 2,
    "march": 3,
    "mar": 3,
    "maerz": 3,
    "marz": 3,
    "maer": 3,
    "april": 4,
    "apr": 4,
    "may": 5,
    "mai": 5,
    "june": 6,
    "jun": 6,
    "juni": 6,
    "july": 7,
    "jul": 7,
    "juli": 7,
    "august": 8,
    "aug": 8,
    "september": 9,
    "sep": 9,
    "sept": 9,
    "october": 10,
    "oct": 10,
    "oktober": 10,
    "okt": 10,
    "november": 11,
    "nov": 11,
    "december": 12,
    "dec": 12,
    "dezember": 12,
    "dez": 12,
}
MONTH_NAMES_EN = (
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
)
MONTH_NAMES_DE = (
    "Januar",
    "Februar",
    "März",
    "April",
    "Mai",
    "Juni",
    "Juli",
    "August",
    "September",
    "Oktober",
    "November",
    "Dezember",
)


@dataclass(frozen=True, slots=True)
class WindowSpec:
    """A window as the tools take it (period/days/start/end) with labels for the answer."""

    period: str
    days: int | None = None
    start: date | None = None
    end: date | None = None  # inclusive last day, for custom
    label_en: str = ""
    label_de: str = ""
    args_extra: dict[str, Any] = field(default_factory=dict)

    def tool_args(self) -> dict[str, Any]:
        args: dict[str, Any] = {"period": self.period}
        if self.days is not None:
            args["days"] = self.days
        if self.start is not None:
            args["start"] = self.start.isoformat()
        if self.end is not None:
            args["end"] = self.end.isoformat()
        return args

    def label(self, language: str) -> str:
        return self.label_de if language == "de" else self.label_en


def default_window() -> WindowSpec:
    return last_n_days(30)


def last_n_days(n: int) -> WindowSpec:
    return WindowSpec("last_n_days", days=n, label_en=f"the last {n} days", label_de=f"den letzten {n} Tagen")


NAMED: dict[str, WindowSpec] = {
    "today": WindowSpec("today", label_en="today", label_de="heute"),
    "yesterday": WindowSpec("yesterday", label_en="yesterday", label_de="gestern"),
    "this_week": WindowSpec("this_week", label_en="this week", label_de="diese Woche"),
    "last_week": WindowSpec("last_week", label_en="last week", label_de="letzte Woche"),
    "this_month": WindowSpec("this_month", label_en="this month", label_de="diesen Monat"),
    "last_month": WindowSpec("last_month", label_en="last month", label_de="letzten Monat"),
    "this_quarter": WindowSpec("this_quarter", label_en="this quarter", label_de="dieses Quartal"),
    "last_quarter": WindowSpec("last_quarter", label_en="last quarter", label_de="letztes Quartal"),
    "this_year": WindowSpec("this_year", label_en="this year", label_de="dieses Jahr"),
    "last_year": WindowSpec("last_year", label_en="last year", label_de="letztes Jahr"),
    "all_time": WindowSpec("all_time", label_en="all time", label_de="insgesamt"),
}

_ART = r"(?:im |in the |in |den |dem |der |des |vom |seit |since |for |during |over )?"
# (pattern, named window); first match in text order wins, ties by list order.
_NAMED_PATTERNS: list[tuple[str, str]] = [
    (r"\b(?:today|todays|heute|heutigen?|so far today|tonight)\b", "today"),
    (r"\b(?:yesterday|yesterdays|gestern|gestrigen?)\b", "yesterday"),
    (
        r"\b(?:this|current|the current) week\b|\bdiese[rn]? woche\b|\bweek to date\b|\bwtd\b|\b(?:aktuellen|laufenden) woche\b",
        "this_week",
    ),
    (
        r"\b(?:last|previous|past|prior) week\b|\b(?:letzte[rn]?|vorige[rn]?|vergangene[rn]?) woche\b|\bvorwoche\b",
        "last_week",
    ),
    (
        r"\b(?:this|current|the current) month\b|\bmonth to date\b|\bmtd\b|\bdiese[nrm]? monat\b|\b(?:aktuellen|laufenden) monat\b|\bthis mo\b|\bmonat bisher\b",
        "this_month",
    ),
    (
        r"\b(?:last|previous|past|prior) month\b|\blast mo\b|\b(?:letzte[nrm]?|vorige[nrm]?|vergangene[nrm]?) monats?\b|\bvormonats?\b",
        "last_month",
    ),
    (
        r"\b(?:this|current|the current) (?:quarter|qtr)\b|\bquarter to date\b|\bqtd\b|\bdiese[sm]? quartals?\b|\b(?:aktuellen|laufenden) quartals?\b",
        "this_quarter",
    ),
    (
        r"\b(?:last|previous|past|prior) (?:quarter|qtr)\b|\b(?:letzte[snm]?|vorige[snm]?|vergangene[snm]?) quartals?\b|\bvorquartals?\b",
        "last_quarter",
    ),
    (
        r"\b(?:this|current|the current) year\b|\bytd\b|\bsince (?:the )?(?:start|beginning) of (?:the|this) year\b|\bsince (?:jan(?:uary)? 1(?:st)?|new year'?s?)\b|\bseit (?:dem )?(?:1\.? ?januar|neujahr)\b|\byear to date\b|\bso far this year\b|\bdiese[sm]? jahr(?:es)?\b|\bseit jahresbeginn\b|\bseit jahresanfang\b|\bheuer\b|\b(?:aktuellen|laufenden) jahr(?:es)?\b",
        "this_year",
    ),
    (
        r"\b(?:last|previous|past|prior) year\b|\b(?:letzte[snm]?|vorige[snm]?|vergangene[snm]?) jahr(?:es)?\b|\bvorjahr(?:es)?\b",
        "last_year",
    ),
    (
        r"\ball[ -]?time\b|\bever\b|\blifetime\b|\bsince (?:the )?(?:start|beginning|day one)\b|\bjemals\b|\bseit (?:beginn|anfang|start)\b|\bgesamte[nr]? zeit(?:raum)?\b|\bueberhaupt\b",
        "all_time",
    ),
]
_N_DAYS = re.compile(
    r"\b(?:last|past|previous|prior|the last|letzten|letzte|letzter|vergangenen|vergangene|zurueckliegenden|"
    r"over the last|in the last|within the last|recent|juengsten)\s+"
    r"(\d{1,4})\s*(days?|tage?n?|d|weeks?|wochen?|months?|monate?n?)\b"
    # "what about the last 30?": a bare count of days at the end of the question
    r"|\b(?:last|past|letzten|vergangenen)\s+(\d{1,3})\s*(?=[?!.]*$)()"
)
_N_DAYS_TRAILING = re.compile(r"\b(\d{1,4})\s*(days?|tage?n?|weeks?|wochen)\s+(?:back|zurueck)\b")
_MONTH_NAME = re.compile(
    r"\b(?:in|im|for|during|of|from|vom|fuer|over|seit)?\s*("
    + "|".join(sorted(MONTHS, key=len, reverse=True))
    + r")\b\.?(?:\s+(20\d\d))?"
)
_YEAR = re.compile(r"\b(?:in|im|for|during|year|jahr)\s+(20\d\d)\b")
_ALL_TIME_WORDS = re.compile(r"\b(?:total|overall|insgesamt|gesamt)\b")


@dataclass(frozen=True, slots=True)
class FoundWindow:
    window: WindowSpec
    position: int


def find_windows(text: str, *, now: datetime) -> list[FoundWindow]:
    """Every window named in normalised `text`, in order of appearance (at most one per span)."""
    found: list[tuple[int, int, WindowSpec]] = []

    def add(start: int, end: int, spec: WindowSpec) -> None:
        if any(start < e and s < end for s, e, _ in found):
            return
        found.append((start, end, spec))

    for match in _N_DAYS.finditer(text):
        n, unit = int(match.group(1) or match.group(3)), match.group(2) or "days"
        if unit.startswith(("week", "woche")):
            n *= 7
        elif unit.startswith(("month", "monat")):
            n *= 30
        add(match.start(), match.end(), last_n_days(max(1, min(n, 3650))))
    for match in _N_DAYS_TRAILING.finditer(text):
        n = int(match.group(1)) * (7 if match.group(2).startswith(("week", "woche")) else 1)
        add(match.start(), match.end(), last_n_days(max(1, min(n, 3650))))
    for pattern, name in _NAMED_PATTERNS:
        for match in re.finditer(pattern, text):
            add(match.start(), match.end(), NAMED[name])
    for match in _MONTH_NAME.finditer(text):
        word = match.group(1)
        if word in (
            "may",
            "mar",
            "jun",
            "jul",
            "aug",
            "dec",
            "sep",
            "nov",
            "jan",
            "feb",
            "apr",
            "okt",
            "oct",
            "dez",
        ) and not (
            match.group(0)
            .strip()
            .startswith(("in", "im", "for", "during", "of", "from", "vom", "fuer", "over", "seit"))
            or match.group(2)
        ):
            continue  # "may" is a verb; short forms only with a preposition or a year
        month = MONTHS[word]
        year = int(match.group(2)) if match.group(2) else (now.year if month <= now.month else now.year - 1)
        add(match.start(1), match.end(), month_window(year, month, now=now))
    for match in _YEAR.finditer(text):
        year = int(match.group(1))
        add(match.start(), match.end(), year_window(year, now=now))
    found.sort(key=lambda f: f[0])
    return [FoundWindow(spec, start) for start, _, spec in found]


def month_window(year: int, month: int, *, now: datetime) -> WindowSpec:
    start = date(year, month, 1)
    next_start = date(year + (month == 12), month % 12 + 1, 1)
    end = min(next_start - timedelta(days=1), now.date())
    return WindowSpec(
        "custom",
        start=start,
        end=end,
        label_en=f"{MONTH_NAMES_EN[month - 1]} {year}",
        label_de=f"{MONTH_NAMES_DE[month - 1]} {year}",
    )


def year_window(year: int, *, now: datetime) -> WindowSpec:
    if year == now.year:
        return NAMED["this_year"]
    if year == now.year - 1:
        return NAMED["last_year"]
    return WindowSpec(
        "custom",
        start=date(year, 1, 1),
        end=min(date(year, 12, 31), now.date()),
        label_en=str(year),
        label_de=str(year),
    )


def mentions_all_time(text: str) -> bool:
    return bool(_ALL_TIME_WORDS.search(text))
