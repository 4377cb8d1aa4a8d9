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
        r"\b(?:this|current|the current) year\b|\bytd\b|\bsince (?:the )?(?:start|beginning) of (?:the|this) year\b|\bsince (?:jan(?:uary)? 1(?:st)?|new year'?s?)\b|\bseit (?:dem )?(?:1\.? ?januar|neujahr)\b|\byear to date\b|\bso far this year\b|\bdiese[sm]? jahr(?:es)?\b|\bseit jahresbeginn\b|\bseit jahresanfang\b|\bseit (?:dem )?(?:anfang|beginn|start) (?:des|dieses) jahres\b|\b(?:start|beginning) of (?:the|this) year\b|\bheuer\b|\b(?:aktuellen|laufenden) jahr(?:es)?\b",
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
    + r"(?:\s*,?\s*(?:of |des |im )?((?:last|previous|prior) year|(?:letzte[snm]?|vorige[snm]?|vergangene[snm]?) jahr(?:es)?|vorjahr(?:es)?))?"
)
# "Q3 last year" / "drittes Quartal letzten Jahres": the same period one year earlier
_LAST_YEAR_AFTER = re.compile(
    r"\s*,?\s*(?:of |des |im )?(?:(?:last|previous|prior) year|(?:letzte[snm]?|vorige[snm]?|vergangene[snm]?) jahr(?:es)?|vorjahr(?:es)?)\b"
)
_BARE_N_DAYS = re.compile(
    r"(?<![\w.,])(\d{1,4})\s*(days?|tage?n?|weeks?|wochen?|months?|monate?n?)\b(?!\s*(?:old|alt|ago|back|zurueck|or older|\+))"
)
# an age, not a window: "older than 90 days", "over 60 days", "seit 90 tagen", "in 3 months" (hasn't sold in)
_AGE_BEFORE = re.compile(
    r"\b(?:older than|longer than|more than|over|above|ueber|aelter als|laenger als|mehr als|ab|seit|since|"
    r"than|als|at least|mindestens|within|under|younger than|juenger als|unter|between|zwischen|and|und|bis|to|"
    r"say|sagen|threshold|schwelle|in|for|fuer)\s*$"
)
_YEAR = re.compile(r"\b(?:in|im|for|during|year|jahr)\s+(20\d\d)\b")
_MONTH_WORD = "(?:" + "|".join(sorted(MONTHS, key=len, reverse=True)) + ")"
# one calendar day: "1 sept", "1. september", "15th of october", "october 15th", "01.10.", "2026-09-01"
_DAY = (
    r"(?:(?P<{p}d1>\d{{1,2}})(?:\.|st|nd|rd|th)?\s*(?:of\s+)?(?P<{p}m1>" + _MONTH_WORD + r")\b\.?"
    r"|(?P<{p}m2>" + _MONTH_WORD + r")\.?\s+(?P<{p}d2>\d{{1,2}})(?:st|nd|rd|th)?\b"
    r"|(?P<{p}d3>\d{{1,2}})\.(?P<{p}m3>\d{{1,2}})\.(?P<{p}y3>20\d\d)?"
    r"|(?P<{p}y4>20\d\d)-(?P<{p}m4>\d{{1,2}})-(?P<{p}d4>\d{{1,2}}))"
    r"(?:,?\s*(?P<{p}y>20\d\d)\b)?"
)
_DATE_RANGE = re.compile(
    r"\b(?:from|between|vom|von|zwischen|for the period from|im zeitraum vom?)?\s*"
    + _DAY.format(p="a")
    + r"\s*(?:-|–|—|to|till|til|until|through|thru|and|bis(?: zum| einschliesslich)?|und)\s*"
    + _DAY.format(p="b")
)
_SINCE_DATE = re.compile(r"\b(?:since|seit(?: dem)?|ab(?: dem)?|from)\s+" + _DAY.format(p="a"))
_ORDINALS = {
    "first": 1, "1st": 1, "erste": 1, "ersten": 1, "erstes": 1, "erster": 1, "erstem": 1, "1.": 1,
    "second": 2, "2nd": 2, "zweite": 2, "zweiten": 2, "zweites": 2, "zweiter": 2, "zweitem": 2, "2.": 2,
    "third": 3, "3rd": 3, "dritte": 3, "dritten": 3, "drittes": 3, "dritter": 3, "drittem": 3, "3.": 3,
    "fourth": 4, "4th": 4, "vierte": 4, "vierten": 4, "viertes": 4, "vierter": 4, "viertem": 4, "4.": 4,
}  # fmt: skip
_ORDINAL_WORD = "(?:" + "|".join(re.escape(k) for k in sorted(_ORDINALS, key=len, reverse=True)) + ")"
_QUARTER = re.compile(
    r"\bq([1-4])(?:\s*[/'-]?\s*(20\d\d))?\b"
    r"|\b(?:quarter|quartal)\s+([1-4])(?:\s+(20\d\d))?\b"
    r"|(?<![\w.])("
    + _ORDINAL_WORD
    + r")\s*(?:fiscal |calendar )?(?:quarter|quartals?)\b(?:\s+(?:of\s+)?(20\d\d))?"
)


_HALF = re.compile(
    r"\bh([12])(?:\s*[/'-]?\s*(20\d\d))?\b"
    r"|\b(first|second|1st|2nd|erste[nms]?|zweite[nms]?) (?:half|halbjahr(?:es)?)\b(?:\s+(?:of\s+)?(?:the year\s+)?(20\d\d))?"
)
_ISO_WEEK = re.compile(
    r"\b(?:kw|kalenderwoche|calendar week|cw|week|woche)\s*(\d{1,2})\b(?:\s*(?:/|of)?\s*(20\d\d))?"
)
# "from march to may", "zwischen juli und september", "since march", "seit montag", "umsatz 2025",
# "2 months ago", "the week before last" / "vorletzte woche"
_MONTH_RANGE = re.compile(
    r"\b(?:(?:from|vom|von)\s+)?(?P<m1>"
    + _MONTH_WORD
    + r")\.?\s*(?P<y1>20\d\d)?\s*(?:-|–|to|till|until|through|thru|bis(?: (?:zum|ende|einschliesslich))?)\s*(?P<m2>"
    + _MONTH_WORD
    + r")\b\.?(?:\s+(?P<y2>20\d\d))?"
    r"|\b(?:between|zwischen)\s+(?P<m3>"
    + _MONTH_WORD
    + r")\.?\s*(?P<y3>20\d\d)?\s+(?:and|und)\s+(?P<m4>"
    + _MONTH_WORD
    + r")\b\.?(?:\s+(?P<y4>20\d\d))?"
)
# "the first week of november", "erste woche im oktober", "last week of september": days 1-7, 8-14, ...
_WEEK_OF_MONTH = re.compile(
    r"\b(?:the )?(first|1st|second|2nd|third|3rd|fourth|4th|last|final|erste[nrms]?|zweite[nrms]?|dritte[nrms]?|vierte[nrms]?|letzte[nrms]?)"
    r"\s+(?:week|woche)\s+(?:of|in|im|des|vom|von)?\s*(?:the )?(?:month of )?("
    + _MONTH_WORD
    + r")\b\.?(?:\s+(20\d\d))?"
)
_SINCE_MONTH = re.compile(
    r"\b(?:since|seit|ab)\s+(?:(?:the )?(?:start|beginning) of |anfang |beginn )?("
    + _MONTH_WORD
    + r")\b\.?(?:\s+(20\d\d))?"
)
_WEEK_ORDINALS = (
    ("first", "1st", "erste"),
    ("second", "2nd", "zweite"),
    ("third", "3rd", "dritte"),
    ("fourth", "4th", "vierte"),
)
WEEKDAYS = {
    "monday": 0, "montag": 0, "tuesday": 1, "dienstag": 1, "wednesday": 2, "mittwoch": 2,
    "thursday": 3, "donnerstag": 3, "friday": 4, "freitag": 4, "saturday": 5, "samstag": 5,
    "sonnabend": 5, "sunday": 6, "sonntag": 6,
}  # fmt: skip
_SINCE_WEEKDAY = re.compile(r"\b(?:since|seit|ab)\s+(?:last |letzte[nm]? )?(" + "|".join(WEEKDAYS) + r")\b")
_BARE_YEAR = re.compile(r"(?<![\w.,/-])(20[12]\d)(?![\w.,/-])(?!\s*(?:€|eur|euro|\$|%))")
_AGO = re.compile(r"\b(\d{1,2}) (months?|weeks?) ago\b|\bvor (\d{1,2}) (monaten|wochen)\b")
_BEFORE_LAST = re.compile(
    r"\b(?:the )?(week|month|quarter|year) before last\b|\bvorletzte[nsrm]? (woche|monat|quartal|jahr)\b"
)
_PERIOD_ENDED = re.compile(
    r"\b(quarter|quartal|year|jahr|month|monat)\s+(?:ended|ending|to|endend|bis(?: zum)?)\s+"
    + _DAY.format(p="a")
)


def _day_of(match: re.Match[str], p: str) -> tuple[int, int, int | None] | None:
    """(month, day, year or None) of the day named by group set `p` of a _DAY match."""
    g = match.groupdict()
    for i in ("1", "2", "3", "4"):
        day, month = g.get(f"{p}d{i}"), g.get(f"{p}m{i}")
        if day and month:
            m = int(month) if month.isdigit() else MONTHS[month]
            year = g.get(f"{p}y{i}") or g.get(f"{p}y")
            if not (1 <= m <= 12 and 1 <= int(day) <= 31):
                return None
            return m, int(day), int(year) if year else None
    return None


def _safe_date(year: int, month: int, day: int) -> date:
    while True:
        try:
            return date(year, month, day)
        except ValueError:
            day -= 1  # "31.09." -> the last day of September


def date_range_window(first: date, last: date, *, now: datetime) -> WindowSpec:
    last = min(last, now.date())
    fmt_en = f"{first.day} {MONTH_NAMES_EN[first.month - 1][:3]} {first.year} – {last.day} {MONTH_NAMES_EN[last.month - 1][:3]} {last.year}"
    fmt_de = f"{first.day}.{first.month}.{first.year} – {last.day}.{last.month}.{last.year}"
    return WindowSpec("custom", start=first, end=last, label_en=fmt_en, label_de=fmt_de)


def _range_from(match: re.Match[str], *, now: datetime, since: bool = False) -> WindowSpec | None:
    a = _day_of(match, "a")
    if a is None:
        return None
    m1, d1, y1 = a
    if y1 is None:  # the latest year in which the first day is not in the future
        y1 = now.year if (m1, d1) <= (now.month, now.day) else now.year - 1
    first = _safe_date(y1, m1, d1)
    if since:
        return date_range_window(first, now.date(), now=now) if first <= now.date() else None
    b = _day_of(match, "b")
    if b is None:
        return None
    m2, d2, y2 = b
    if y2 is None:
        y2 = y1 if (m2, d2) >= (m1, d1) else y1 + 1
    last = _safe_date(y2, m2, d2)
    if last < first or first > now.date():
        return None
    return date_range_window(first, last, now=now)


def quarter_window(year: int, quarter: int, *, now: datetime) -> WindowSpec:
    first_month = 3 * (quarter - 1) + 1
    start = date(year, first_month, 1)
    next_start = date(year + (quarter == 4), first_month % 12 + 3 if quarter < 4 else 1, 1)
    end = min(next_start - timedelta(days=1), now.date())
    return WindowSpec(
        "custom", start=start, end=end, label_en=f"Q{quarter} {year}", label_de=f"Q{quarter} {year}"
    )


def half_window(year: int, half: int, *, now: datetime) -> WindowSpec:
    start = date(year, 1 if half == 1 else 7, 1)
    end = min(date(year, 6, 30) if half == 1 else date(year, 12, 31), now.date())
    return WindowSpec("custom", start=start, end=end, label_en=f"H{half} {year}", label_de=f"H{half} {year}")


def _ended_window(match: re.Match[str], *, now: datetime) -> WindowSpec | None:
    """ "the quarter ended 30 September": the quarter (month, year) that ends on that day."""
    day = _day_of(match, "a")
    if day is None:
        return None
    month, _, year = day
    if year is None:
        year = now.year if month <= now.month else now.year - 1
    unit = match.group(1)
    if unit in ("quarter", "quartal"):
        return quarter_window(year, (month - 1) // 3 + 1, now=now)
    if unit in ("month", "monat"):
        return month_window(year, month, now=now)
    return year_window(year, now=now) if month == 12 else None


def iso_week_window(year: int, week: int, *, now: datetime) -> WindowSpec | None:
    try:
        start = date.fromisocalendar(year, week, 1)
    except ValueError:
        return None
    if start > now.date():
        return None
    end = min(start + timedelta(days=6), now.date())
    return WindowSpec(
        "custom", start=start, end=end, label_en=f"week {week} of {year}", label_de=f"KW {week} {year}"
    )


def date_spans(text: str) -> list[tuple[int, int]]:
    """Where explicit dates and named quarters are written (not product words, sizes or prices)."""
    spans = [m.span() for m in _DATE_RANGE.finditer(text)]
    spans += [m.span() for m in _SINCE_DATE.finditer(text)]
    spans += [m.span() for m in _QUARTER.finditer(text)]
    spans += [m.span() for m in _HALF.finditer(text)]
    spans += [m.span() for m in _ISO_WEEK.finditer(text)]
    spans += [m.span() for m in _MONTH_RANGE.finditer(text)]
    spans += [m.span() for m in _WEEK_OF_MONTH.finditer(text)]
    spans += [m.span() for m in _BARE_YEAR.finditer(text)]
    spans += [m.span() for m in _PERIOD_ENDED.finditer(text)]
    return spans


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

    for match in _WEEK_OF_MONTH.finditer(text):
        month = MONTHS[match.group(2)]
        year = int(match.group(3)) if match.group(3) else (now.year if month <= now.month else now.year - 1)
        days_in_month = (date(year + (month == 12), month % 12 + 1, 1) - timedelta(days=1)).day
        word = match.group(1)
        if word.startswith(("last", "final", "letzte")):
            first_day = days_in_month - 6
        else:
            index = next(i for i, prefixes in enumerate(_WEEK_ORDINALS) if word.startswith(prefixes))
            first_day = 1 + 7 * index
        first = date(year, month, first_day)
        if first <= now.date():
            last = date(year, month, min(first_day + 6, days_in_month))
            add(match.start(), match.end(), date_range_window(first, last, now=now))
    for match in _MONTH_RANGE.finditer(text):
        g = match.groupdict()
        m1, m2 = MONTHS[g["m1"] or g["m3"]], MONTHS[g["m2"] or g["m4"]]
        y2_text = g["y2"] or g["y4"]
        y1_text = g["y1"] or g["y3"] or (y2_text if m1 <= m2 else None)
        y1 = int(y1_text) if y1_text else (now.year if m1 <= now.month else now.year - 1)
        y2 = int(y2_text) if y2_text else (y1 if m2 >= m1 else y1 + 1)
        first = date(y1, m1, 1)
        last = date(y2 + (m2 == 12), m2 % 12 + 1, 1) - timedelta(days=1)
        if first <= now.date() and last >= first:
            add(match.start(), match.end(), date_range_window(first, last, now=now))
    for match in _SINCE_MONTH.finditer(text):
        month = MONTHS[match.group(1)]
        year = int(match.group(2)) if match.group(2) else (now.year if month <= now.month else now.year - 1)
        if date(year, month, 1) <= now.date():
            add(match.start(), match.end(), date_range_window(date(year, month, 1), now.date(), now=now))
    for match in _SINCE_WEEKDAY.finditer(text):
        back = (now.weekday() - WEEKDAYS[match.group(1)]) % 7
        add(
            match.start(),
            match.end(),
            date_range_window(now.date() - timedelta(days=back), now.date(), now=now),
        )
    for match in _AGO.finditer(text):
        n = int(match.group(1) or match.group(3))
        unit = match.group(2) or match.group(4)
        if unit.startswith(("month", "monat")):
            month_index = now.year * 12 + now.month - 1 - n
            add(match.start(), match.end(), month_window(month_index // 12, month_index % 12 + 1, now=now))
        else:
            monday = now.date() - timedelta(days=now.weekday() + 7 * n)
            add(match.start(), match.end(), date_range_window(monday, monday + timedelta(days=6), now=now))
    spec: WindowSpec | None
    for match in _BEFORE_LAST.finditer(text):
        unit = match.group(1) or match.group(2)
        if unit in ("week", "woche"):
            monday = now.date() - timedelta(days=now.weekday() + 14)
            spec = date_range_window(monday, monday + timedelta(days=6), now=now)
        elif unit in ("month", "monat"):
            month_index = now.year * 12 + now.month - 3
            spec = month_window(month_index // 12, month_index % 12 + 1, now=now)
        elif unit in ("quarter", "quartal"):
            q_index = now.year * 4 + (now.month - 1) // 3 - 2
            spec = quarter_window(q_index // 4, q_index % 4 + 1, now=now)
        else:
            spec = year_window(now.year - 2, now=now)
        add(match.start(), match.end(), spec)
    for match in _PERIOD_ENDED.finditer(text):
        spec = _ended_window(match, now=now)
        if spec is not None:
            add(match.start(), match.end(), spec)
    for match in _ISO_WEEK.finditer(text):
        week = int(match.group(1))
        if match.group(2):
            year = int(match.group(2))
        else:
            year = now.year if week <= now.isocalendar().week else now.year - 1
        spec = iso_week_window(year, week, now=now) if 1 <= week <= 53 else None
        if spec is not None:
            add(match.start(), match.end(), spec)
    for match in _HALF.finditer(text):
        half = (
            1 if match.group(1) == "1" or (match.group(3) or "").startswith(("first", "1st", "erste")) else 2
        )
        year_text = match.group(2) or match.group(4)
        first_month = 1 if half == 1 else 7
        year = int(year_text) if year_text else (now.year if first_month <= now.month else now.year - 1)
        add(match.start(), match.end(), half_window(year, half, now=now))
    for match in _DATE_RANGE.finditer(text):
        spec = _range_from(match, now=now)
        if spec is not None:
            add(match.start(), match.end(), spec)
    for match in _SINCE_DATE.finditer(text):
        spec = _range_from(match, now=now, since=True)
        if spec is not None:
            add(match.start(), match.end(), spec)
    for match in _QUARTER.finditer(text):
        number = match.group(1) or match.group(3) or str(_ORDINALS[match.group(5)])
        quarter = int(number)
        year_text = match.group(2) or match.group(4) or match.group(6)
        first_month = 3 * (quarter - 1) + 1
        year = int(year_text) if year_text else (now.year if first_month <= now.month else now.year - 1)
        end = match.end()
        after = _LAST_YEAR_AFTER.match(text, end)
        if after and not year_text:  # "q3 last year"
            year, end = now.year - 1, after.end()
        add(match.start(), end, quarter_window(year, quarter, now=now))
    for match in _N_DAYS.finditer(text):
        n, unit = int(match.group(1) or match.group(3)), match.group(2) or "days"
        if unit.startswith(("week", "woche")):
            n *= 7
        elif unit.startswith(("month", "monat")):
            n = n // 12 * 365 if n % 12 == 0 else n * 30  # "last 12 months": a year of days
        add(match.start(), match.end(), last_n_days(max(1, min(n, 3650))))
    for match in _N_DAYS_TRAILING.finditer(text):
        n = int(match.group(1)) * (7 if match.group(2).startswith(("week", "woche")) else 1)
        add(match.start(), match.end(), last_n_days(max(1, min(n, 3650))))
    for match in _MONTH_NAME.finditer(text):
        word = match.group(1)
        if (
            word
            in (
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
            )
            and not (
                match.group(0)
                .strip()
                .startswith(("in", "im", "for", "during", "of", "from", "vom", "fuer", "over", "seit"))
                or match.group(2)
                or (len(text.split()) <= 3 and word != "may")  # "profit oct", "nov?": a month on its own
                or re.search(
                    r"\b(?:vs\.?|versus|and|und|or|oder|to|bis|compared? (?:to|with))\s*$",
                    text[: match.start(1)],
                )
            )
        ):
            continue  # "may" is a verb; short forms only with a preposition or a year
        month = MONTHS[word]
        year = int(match.group(2)) if match.group(2) else (now.year if month <= now.month else now.year - 1)
        if match.group(3) and not match.group(2):  # "october last year"
            year = now.year - 1
        add(match.start(1), match.end(), month_window(year, month, now=now))
    for pattern, name in _NAMED_PATTERNS:
        for match in re.finditer(pattern, text):
            add(match.start(), match.end(), NAMED[name])
    for match in _YEAR.finditer(text):
        year = int(match.group(1))
        add(match.start(), match.end(), year_window(year, now=now))
    for match in _BARE_YEAR.finditer(text):  # "umsatz 2025": that calendar year
        year = int(match.group(1))
        if 2015 <= year <= now.year:
            add(match.start(), match.end(), year_window(year, now=now))
    for match in _BARE_N_DAYS.finditer(text):  # "profit 2 weeks": the last 2 weeks (not an age)
        if _AGE_BEFORE.search(text[: match.start()]):
            continue
        n, unit = int(match.group(1)), match.group(2)
        if unit.startswith(("week", "woche")):
            n *= 7
        elif unit.startswith(("month", "monat")):
            n = n // 12 * 365 if n % 12 == 0 else n * 30
        add(match.start(), match.end(), last_n_days(max(1, min(n, 3650))))
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
