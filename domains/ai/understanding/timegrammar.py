"""Time expressions as a small grammar over the question's tokens (docs/domain.md windows and
its "Reading questions" rules), in English and German.

Each rule is a short pattern over normalised tokens ("since DATE", "between DATE and DATE",
"last N days", "MONTH [YEAR]", "Q3"), never a whole question. Window arithmetic is
domains/analytics/windows.py's. A matched expression consumes its tokens, so none of its
words is reported as unknown.
"""

from __future__ import annotations

import calendar
import functools
import re
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, time, timedelta

from domains.ai.understanding.normalize import Token
from domains.analytics import windows as w

MONTHS: dict[str, int] = {
    **dict.fromkeys(("jan", "january", "januar", "jaenner", "janner"), 1),
    **dict.fromkeys(("feb", "february", "februar", "feber"), 2),
    **dict.fromkeys(("mar", "march", "maerz", "marz", "mrz"), 3),
    **dict.fromkeys(("apr", "april"), 4),
    **dict.fromkeys(("may", "mai"), 5),
    **dict.fromkeys(("jun", "june", "juni"), 6),
    **dict.fromkeys(("jul", "july", "juli"), 7),
    **dict.fromkeys(("aug", "august"), 8),
    **dict.fromkeys(("sep", "sept", "september"), 9),
    **dict.fromkeys(("oct", "october", "okt", "oktober"), 10),
    **dict.fromkeys(("nov", "november"), 11),
    **dict.fromkeys(("dec", "december", "dez", "dezember"), 12),
}
MONTH_NAMES = {
    "en": [
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
    ],
    "de": [
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
    ],
}
WEEKDAYS: dict[str, int] = {
    **dict.fromkeys(("monday", "mon", "montag"), 0),
    **dict.fromkeys(("tuesday", "tue", "dienstag"), 1),
    **dict.fromkeys(("wednesday", "wed", "mittwoch"), 2),
    **dict.fromkeys(("thursday", "thu", "donnerstag"), 3),
    **dict.fromkeys(("friday", "fri", "freitag"), 4),
    **dict.fromkeys(("saturday", "sat", "samstag", "sonnabend"), 5),
    **dict.fromkeys(("sunday", "sun", "sonntag"), 6),
}
ORDINAL_WORDS: dict[str, int] = {
    **dict.fromkeys(("first", "1st", "erste", "ersten", "erstes", "1."), 1),
    **dict.fromkeys(("second", "2nd", "zweite", "zweiten", "zweites", "2."), 2),
    **dict.fromkeys(("third", "3rd", "dritte", "dritten", "drittes", "3."), 3),
    **dict.fromkeys(("fourth", "4th", "vierte", "vierten", "viertes", "4."), 4),
}
# "N units" -> days per unit (months and years are calendar arithmetic, see _n_units)
UNITS = {
    **dict.fromkeys(("day", "days", "tag", "tage", "tagen", "tg", "d", "t"), "day"),
    **dict.fromkeys(("week", "weeks", "woche", "wochen", "wk", "wks", "w"), "week"),
    **dict.fromkeys(("month", "months", "monat", "monate", "monaten", "mo", "mos", "m"), "month"),
    **dict.fromkeys(("year", "years", "jahr", "jahre", "jahren", "yr", "yrs"), "year"),
    **dict.fromkeys(("quarter", "quarters", "quartal", "quartale", "quartalen"), "quarter"),
}


@dataclass(frozen=True, slots=True)
class Period:
    """A window [start, end) with what it was called, so a follow-up can move it."""

    start: datetime
    end: datetime
    grain: str  # day | week | month | quarter | year | days | range | all
    label_en: str
    label_de: str
    days: int = 0  # for grain "days"
    future: bool = False  # lies wholly after now: no data yet

    def label(self, language: str) -> str:
        return self.label_de if language == "de" else self.label_en


@dataclass(frozen=True, slots=True)
class TimeMatch:
    start: int  # token index
    end: int  # token index (exclusive)
    period: Period


def _midnight(day: date) -> datetime:
    return datetime.combine(day, time.min, tzinfo=UTC)


def _fmt_day(day: date, language: str) -> str:
    if language == "de":
        return f"{day.day}. {MONTH_NAMES['de'][day.month - 1]} {day.year}"
    return f"{day.day} {MONTH_NAMES['en'][day.month - 1]} {day.year}"


def _clip(start: datetime, end: datetime, now: datetime) -> tuple[datetime, datetime, bool]:
    future = start > now
    return start, (end if future else min(end, now)), future


def month_period(year: int, month: int, now: datetime) -> Period:
    start = datetime(year, month, 1, tzinfo=UTC)
    ny, nm = (year + 1, 1) if month == 12 else (year, month + 1)
    start, end, future = _clip(start, datetime(ny, nm, 1, tzinfo=UTC), now)
    return Period(
        start,
        end,
        "month",
        f"{MONTH_NAMES['en'][month - 1]} {year}",
        f"{MONTH_NAMES['de'][month - 1]} {year}",
        future=future,
    )


def quarter_period(year: int, quarter: int, now: datetime) -> Period:
    start = datetime(year, 3 * (quarter - 1) + 1, 1, tzinfo=UTC)
    end = (
        datetime(year + 1, 1, 1, tzinfo=UTC)
        if quarter == 4
        else datetime(year, 3 * quarter + 1, 1, tzinfo=UTC)
    )
    start, end, future = _clip(start, end, now)
    return Period(start, end, "quarter", f"Q{quarter} {year}", f"Q{quarter} {year}", future=future)


def year_period(year: int, now: datetime) -> Period:
    start, end, future = _clip(datetime(year, 1, 1, tzinfo=UTC), datetime(year + 1, 1, 1, tzinfo=UTC), now)
    return Period(start, end, "year", str(year), str(year), future=future)


def range_period(first: date, last: date, now: datetime) -> Period:
    """From `first` 00:00 to the end of `last` (both days included)."""
    if last < first:
        first, last = last, first
    start, end, future = _clip(_midnight(first), _midnight(last + timedelta(days=1)), now)
    return Period(
        start,
        end,
        "range",
        f"{_fmt_day(first, 'en')} to {_fmt_day(last, 'en')}",
        f"{_fmt_day(first, 'de')} bis {_fmt_day(last, 'de')}",
        future=future,
    )


def since_period(first: date, now: datetime) -> Period:
    start, end, future = _clip(_midnight(first), now, now)
    if future:
        end = start
    return Period(
        start, end, "range", f"since {_fmt_day(first, 'en')}", f"seit {_fmt_day(first, 'de')}", future=future
    )


def days_period(n: int, now: datetime) -> Period:
    window = w.last_n_days(n, now)
    return Period(window.start, window.end, "days", f"last {n} days", f"letzte {n} Tage", days=n)


def all_time(now: datetime) -> Period:
    return Period(datetime(2000, 1, 1, tzinfo=UTC), now, "all", "all time", "gesamter Zeitraum")


def default_period(now: datetime) -> Period:
    """No period named: 30 days back from now."""
    return days_period(30, now)


_NAMED = {
    "today": (w.today, "day", "today", "heute"),
    "yesterday": (w.yesterday, "day", "yesterday", "gestern"),
    "this_week": (w.this_week, "week", "this week", "diese Woche"),
    "last_week": (w.last_week, "week", "last week", "letzte Woche"),
    "this_month": (w.this_month, "month", "this month", "dieser Monat"),
    "last_month": (w.last_month, "month", "last month", "letzter Monat"),
    "this_quarter": (w.this_quarter, "quarter", "this quarter", "dieses Quartal"),
    "last_quarter": (w.last_quarter, "quarter", "last quarter", "letztes Quartal"),
    "this_year": (w.this_year, "year", "this year", "dieses Jahr"),
    "last_year": (w.last_year, "year", "last year", "letztes Jahr"),
}


def named_period(name: str, now: datetime) -> Period:
    function, grain, en, de = _NAMED[name]
    window = function(now)
    return Period(window.start, window.end, grain, en, de)


def shift_back(period: Period, now: datetime) -> Period:
    """The period before `period`, of the same kind (a month before a month, a quarter before a quarter)."""
    start = period.start
    if period.grain == "month":
        prev = (start.replace(day=1) - timedelta(days=1)).date()
        return month_period(prev.year, prev.month, now)
    if period.grain == "quarter":
        quarter = (start.month - 1) // 3 + 1
        return (
            quarter_period(start.year - 1, 4, now)
            if quarter == 1
            else quarter_period(start.year, quarter - 1, now)
        )
    if period.grain == "year":
        return year_period(start.year - 1, now)
    if period.grain == "week":
        monday = start.date() - timedelta(days=7)
        return range_period(monday, monday + timedelta(days=6), now)
    if period.grain == "day":
        day = start.date() - timedelta(days=1)
        return replace(
            range_period(day, day, now),
            grain="day",
            label_en=_fmt_day(day, "en"),
            label_de=_fmt_day(day, "de"),
        )
    length = period.end - period.start
    if period.grain == "days":
        n = period.days or max(1, length.days)
        return Period(
            start - timedelta(days=n), start, "days", f"the {n} days before", f"die {n} Tage davor", days=n
        )
    return Period(start - length, start, "range", "the period before", "der Zeitraum davor")


# --- matching -------------------------------------------------------------------------------


def _tokens(pattern: str) -> re.Pattern[str]:
    """A rule that starts and ends on token boundaries ("nov" is not in "turnover")."""
    return re.compile(r"(?<!\S)(?:" + pattern + r")(?!\S)")


_MONTH = "(?P<{p}month>" + "|".join(sorted(MONTHS, key=len, reverse=True)) + ")"
_DAY = r"(?P<{p}day>\d{{1,2}})(?:st|nd|rd|th|\.)?"
_YEAR = r"(?P<{p}year>20\d\d)"
_DOTTED = r"(?P<{p}dotted>\d{{1,2}}\.\d{{1,2}}\.(?:\d{{2,4}})?)"
_ISO = r"(?P<{p}iso>20\d\d \d\d \d\d)"


def _date_pattern(p: str) -> str:
    """A calendar day; groups are named p1day/p1month/p1year, p2..., p3day (see _date_parts)."""
    return (
        f"(?:{_ISO.format(p=p)}|{_DOTTED.format(p=p)}"
        f"|(?:the )?{_DAY.format(p=p + '1')} (?:of )?{_MONTH.format(p=p + '1')}(?: {_YEAR.format(p=p + '1')})?"
        f"|{_MONTH.format(p=p + '2')} (?:the )?{_DAY.format(p=p + '2')}(?! (?:days?|tage?n?|weeks?|wochen))"
        f"(?: {_YEAR.format(p=p + '2')})?"
        + (
            f"|(?:the |dem |den )?{_DAY.format(p=p + '3')}(?= (?:to|until|till|bis|and|und|-) ))"
            if p == "a"
            else f"|(?:the |dem |den )?(?P<{p}3day>\\d{{1,2}})(?:st|nd|rd|th|\\.))"
        )
    )


def _date_parts(match: re.Match[str], p: str) -> tuple[str | None, str | None, str | None]:
    """(day, month word, year) of whichever alternative of _date_pattern(p) matched."""
    groups = match.groupdict()
    for k in "123":
        if groups.get(f"{p}{k}day"):
            return groups[f"{p}{k}day"], groups.get(f"{p}{k}month"), groups.get(f"{p}{k}year")
    return None, None, None


_RANGE = _tokens(
    r"(?:(?:between|from|vom|von|zwischen|in the period) )?(?:the |dem |den )?"
    + _date_pattern("a")
    + r"(?: (?:and|to|until|till|through|thru|bis|und|-|bis zum|bis einschliesslich))? (?:the |dem |den |zum )?"
    + _date_pattern("b")
)
_SINCE_DATE = _tokens(r"(?:since|seit|ab|starting|beginning) (?:dem |den |the |on )?" + _date_pattern("a"))
_SINCE_DAY = _tokens(
    r"(?:since|seit|ab) (?:the |dem |den )?(?P<day>\d{1,2})(?:st|nd|rd|th|\.)(?! ?(?:days?|tage?n?))"
)
_SINCE_MONTH = _tokens(
    r"(?:since|seit|ab) (?:anfang |beginning of |start of )?"
    + _MONTH.format(p="a")
    + f"(?: {_YEAR.format(p='a')})?"
)
_SINCE_WEEKDAY = _tokens(
    r"(?:since|seit|ab) (?:last |letzte[nm]? )?(?P<weekday>"
    + "|".join(sorted(WEEKDAYS, key=len, reverse=True))
    + ")"
)
_SINCE_YEAR = _tokens(r"(?:since|seit) " + _YEAR.format(p="a"))
_DAY_ONLY = _tokens(r"(?:on |am )?" + _date_pattern("a"))
_UNIT = "(?P<unit>" + "|".join(sorted(UNITS, key=len, reverse=True)) + ")"
_LAST_N = _tokens(
    r"(?:(?:in|over|during|for|within|innerhalb) )?(?:the |den |der |die )?"
    r"(?:last|past|previous|recent|trailing|rolling|letzten|letzte|vergangenen|vergangene|letzen|vorigen|zurueckliegenden) "
    r"(?P<n>\d{1,4})(?: " + _UNIT + ")?"
)
_N_BACK = _tokens(r"(?P<n>\d{1,4}) " + _UNIT + r" (?:back|zurueck)")
_AGO = _tokens(r"(?P<n>\d{1,2}) (?P<unit>months?|weeks?) ago|vor (?P<n2>\d{1,2}) (?P<unit2>monaten|wochen)")
_QUARTER = _tokens(
    r"(?:(?:in|im|for|during) )?(?:the )?(?:q(?P<q>[1-4])|(?P<ord>"
    + "|".join(re.escape(k) for k in sorted(ORDINAL_WORDS, key=len, reverse=True))
    + r") (?:quarter|quartal))(?: (?:of )?"
    + _YEAR.format(p="a")
    + ")?"
)
_MONTH_NAME = _tokens(
    r"(?:(?:in|im|for|during|of|over|month of|monat) )?(?P<last>last |letzten |vergangenen )?"
    + _MONTH.format(p="a")
    + f"(?: {_YEAR.format(p='a')})?"
    + r"(?P<prev_year> (?:of )?last year| (?:des )?letzten jahres| des vorjahres| im vorjahr| vorjahr)?"
)
_WEEK_OF_MONTH = _tokens(
    r"(?:in )?(?:the |der )?(?P<nth>first|second|third|fourth|last|1st|2nd|3rd|4th|erste[nr]?|zweite[nr]?|dritte[nr]?|vierte[nr]?|letzte[nr]?|1\.|2\.|3\.|4\.) "
    r"(?:week|woche) (?:of |in |im |des )?" + _MONTH.format(p="a") + f"(?: {_YEAR.format(p='a')})?"
)
_QUARTER_ENDED = _tokens(
    r"(?:for |in )?(?:the )?(?:quarter|quartal) (?:ended|ending|ends|endend|bis)(?: on| am)? "
    + _date_pattern("a")
)
_YEAR_ONLY = _tokens(
    r"(?:(?:in|im|for|during|year|jahr|of|the year) )?"
    + _YEAR.format(p="a")
    + r"(?! (?:€|eur|euro|euros|\$|%))"
)

_NOT_A_YEAR_BEFORE = frozenset(
    [
        "over",
        "under",
        "above",
        "below",
        "than",
        "unter",
        "ueber",
        "bis",
        "to",
        "ab",
        "from",
        "size",
        "groesse",
        "at",
        "for",
        "um",
        "fuer",
        "mehr",
        "weniger",
    ]
)

_FIXED: list[tuple[str, str]] = [
    # (token pattern, named period or special)
    (
        r"(?:so far |bis jetzt )?(?:this|current|diese[nmr]?|aktuellen|laufenden) (?:calendar )?month(?: so far)?|month to date|mtd|this mo|(?:im |in )?(?:diese[nmr]?|aktuellen|laufenden) monat",
        "this_month",
    ),
    (
        r"(?:(?:in|during|over) )?(?:the )?(?:last|previous|past|prior) (?:calendar )?month|(?:im |in )?(?:letzten|vergangenen|vorigen|letzte|letzter) monat|last mo|vormonat|(?:im )?vormonat",
        "last_month",
    ),
    (
        r"(?:this|current) (?:week|wk)|(?:in |im )?(?:diese[nr]?|aktuellen|laufenden) woche|week to date|wtd",
        "this_week",
    ),
    (
        r"(?:(?:in|during|over) )?(?:the )?(?:last|previous|past|prior) (?:week|wk)|(?:in der |die )?(?:letzten|vergangenen|vorigen|letzte) woche|vorwoche",
        "last_week",
    ),
    (
        r"(?:this|current) quarter|(?:in |im )?(?:diese[sm]?|aktuellen|laufenden) quartal|quarter to date|qtd",
        "this_quarter",
    ),
    (
        r"(?:(?:in|during|over) )?(?:the )?(?:last|previous|past|prior) quarter|(?:im )?(?:letzten|vergangenen|vorigen|letztes) quartal|vorquartal",
        "last_quarter",
    ),
    (
        r"(?:so far )?(?:this|current) year(?: so far)?|ytd|(?:fiscal |financial )?year to date|(?:current|this) (?:fiscal|financial) year|seit anfang des? jahr(?:es)?|anfang des? jahr(?:es)?|(?:in |im )?(?:diese[sm]?|aktuellen|laufenden) jahr|heuer|seit jahresbeginn|seit jahresanfang|since (?:the )?(?:start|beginning) of (?:the )?year",
        "this_year",
    ),
    (
        r"(?:(?:in|during|over) )?(?:the )?(?:last|previous|past|prior) (?:fiscal |financial )?year|ly|(?:im )?(?:letzten|vergangenen|vorigen|letztes) jahr|vorjahr",
        "last_year",
    ),
    (r"today|heute|heut|tdy|so far today|bis jetzt heute", "today"),
    (r"yesterday|yday|ystd|gestern", "yesterday"),
    (
        r"(?:of |in |over |for )?all time|alltime|ever|(?:in )?total so far|since (?:the )?(?:start|beginning)|(?:ueberhaupt )?jemals|seit (?:beginn|anfang|start)|insgesamt|bisher|so far|overall|lifetime|in total|gesamt",
        "all",
    ),
    (
        r"(?:next|coming|naechste[nmr]?|kommende[nmr]?) (?P<next>week|month|quarter|year|woche|monat|quartal|jahr)",
        "next",
    ),
]
_FIXED_RES = [(_tokens(p), name) for p, name in _FIXED]


@functools.cache
def time_words() -> frozenset[str]:
    """Every word the time grammar reads (typo correction must never 'fix' one into another)."""
    patterns = [p.pattern for p, _ in _FIXED_RES] + [
        r.pattern
        for r in (
            _WEEK_OF_MONTH,
            _RANGE,
            _SINCE_DATE,
            _SINCE_DAY,
            _SINCE_MONTH,
            _SINCE_WEEKDAY,
            _SINCE_YEAR,
            _DAY_ONLY,
            _LAST_N,
            _N_BACK,
            _AGO,
            _QUARTER,
            _QUARTER_ENDED,
            _MONTH_NAME,
            _YEAR_ONLY,
        )
    ]
    words = {w for p in patterns for w in re.findall(r"[a-z]{2,}", p)}
    return frozenset(words | set(MONTHS) | set(UNITS) | set(WEEKDAYS) | set(ORDINAL_WORDS))


def _latest_started_month(month: int, now: datetime) -> int:
    """The year of the latest such month that has started (domain.md)."""
    return now.year if month <= now.month else now.year - 1


def _parse_date(
    match: re.Match[str], p: str, now: datetime, *, default_month: int | None = None
) -> date | None:
    groups = match.groupdict()
    iso = groups.get(f"{p}iso")
    if iso:
        y, m, d = (int(x) for x in iso.split())
        return _safe(y, m, d)
    dotted = groups.get(f"{p}dotted")
    if dotted:
        parts = [x for x in dotted.split(".") if x]
        d, m = int(parts[0]), int(parts[1])
        if len(parts) > 2:
            year = int(parts[2])
            year = year + 2000 if year < 100 else year
        else:
            year = now.year if (m, d) <= (now.month, now.day) else now.year - 1
        return _safe(year, m, d)
    day, month_word, year_text = _date_parts(match, p)
    if day is None:
        return None
    month = MONTHS[month_word] if month_word else default_month
    if month is None:
        return None
    if year_text:
        year = int(year_text)
    else:
        year = now.year if (month, int(day)) <= (now.month, now.day) else now.year - 1
    return _safe(year, month, int(day))


def _safe(year: int, month: int, day: int) -> date | None:
    if not (2000 <= year <= 2100 and 1 <= month <= 12):
        return None
    return date(year, month, min(max(day, 1), calendar.monthrange(year, month)[1]))


def _n_units(n: int, unit: str | None, now: datetime) -> Period | None:
    if n <= 0 or n > 3650:
        return None
    kind = UNITS[unit] if unit else "day"
    if kind == "day":
        return days_period(n, now)
    if kind == "week":
        period = days_period(7 * n, now)
        return replace(period, label_en=f"last {n} weeks", label_de=f"letzte {n} Wochen")
    # months as 30 days, quarters 91, years 365 (the eval's and most dashboards' reading)
    days = n * {"month": 30, "quarter": 91, "year": 365}[kind]
    en = {"month": "months", "quarter": "quarters", "year": "years"}[kind]
    de = {"month": "Monate", "quarter": "Quartale", "year": "Jahre"}[kind]
    period = days_period(days, now)
    return replace(period, label_en=f"last {n} {en}", label_de=f"letzte {n} {de}")


def _rule_matches(text: str, now: datetime) -> list[tuple[int, int, Period]]:
    """(char start, char end, period) of every rule that matches somewhere in `text`."""
    found: list[tuple[int, int, Period]] = []

    def add(match: re.Match[str], period: Period | None) -> None:
        if period is not None:
            found.append((match.start(), match.end(), period))

    for m in _RANGE.finditer(text):
        second = _parse_date(m, "b", now)
        first = _parse_date(m, "a", now, default_month=second.month if second else None)
        a_day, a_month, a_year = _date_parts(m, "a")
        b_day, _, _ = _date_parts(m, "b")
        if first is None and second is None and a_day and b_day:
            # "from the 10th to the 24th": the latest month in which the first day has begun
            month = now.month if int(a_day) <= now.day else (now.month - 2) % 12 + 1
            year = now.year if month <= now.month else now.year - 1
            first, second = _safe(year, month, int(a_day)), _safe(year, month, int(b_day))
        if first and second:
            if second < first and a_year is None and a_month:
                first = _safe(first.year - 1, first.month, first.day) or first
            add(m, range_period(first, second, now))
    for m in _SINCE_DATE.finditer(text):
        day = _parse_date(m, "a", now)
        a_day, a_month, _ = _date_parts(m, "a")
        if day is None and a_day and not a_month:
            # "since the 3rd": the latest 3rd that has begun
            month = now.month if int(a_day) <= now.day else (now.month - 2) % 12 + 1
            day = _safe(now.year if month <= now.month else now.year - 1, month, int(a_day))
        if day:
            add(m, since_period(day, now))
    for m in _SINCE_DAY.finditer(text):
        number = int(m.group("day"))
        month = now.month if number <= now.day else (now.month - 2) % 12 + 1
        first = _safe(now.year if month <= now.month else now.year - 1, month, number)
        if first:
            add(m, since_period(first, now))
    for m in _SINCE_MONTH.finditer(text):
        month = MONTHS[m.group("amonth")]
        year = int(m.group("ayear")) if m.group("ayear") else _latest_started_month(month, now)
        if _safe(year, month, 1):
            add(m, since_period(date(year, month, 1), now))
    for m in _SINCE_WEEKDAY.finditer(text):
        back = (now.weekday() - WEEKDAYS[m.group("weekday")]) % 7
        add(m, since_period(now.date() - timedelta(days=back), now))
    for m in _SINCE_YEAR.finditer(text):
        add(m, since_period(date(int(m.group("ayear")), 1, 1), now))
    for m in _LAST_N.finditer(text):
        add(m, _n_units(int(m.group("n")), m.group("unit"), now))
    for m in _N_BACK.finditer(text):
        add(m, _n_units(int(m.group("n")), m.group("unit"), now))
    for m in _AGO.finditer(text):
        n = int(m.group("n") or m.group("n2"))
        unit = (m.group("unit") or m.group("unit2") or "")[:4]
        if unit in ("mont", "mona"):
            index = now.year * 12 + now.month - 1 - n
            add(m, month_period(index // 12, index % 12 + 1, now))
        else:
            monday = now.date() - timedelta(days=now.weekday() + 7 * n)
            add(m, range_period(monday, monday + timedelta(days=6), now))
    for m in _QUARTER.finditer(text):
        quarter = int(m.group("q")) if m.group("q") else ORDINAL_WORDS[m.group("ord")]
        if m.group("ayear"):
            year = int(m.group("ayear"))
        else:
            current = (now.month - 1) // 3 + 1
            year = now.year if quarter <= current else now.year - 1
        add(m, quarter_period(year, quarter, now))
    for m in _MONTH_NAME.finditer(text):
        if m.group("amonth") == "may" and m.group(0) == "may":  # the verb, unless "in May" / "May 2026"
            continue
        month = MONTHS[m.group("amonth")]
        if m.group("ayear"):
            year = int(m.group("ayear"))
        elif m.group("last"):
            year = now.year if month < now.month else now.year - 1
        elif m.group("prev_year"):
            year = now.year - 1
        else:
            year = _latest_started_month(month, now)
        if _safe(year, month, 1):
            add(m, month_period(year, month, now))
    for m in _WEEK_OF_MONTH.finditer(text):
        month = MONTHS[m.group("amonth")]
        year = int(m.group("ayear")) if m.group("ayear") else _latest_started_month(month, now)
        nth = m.group("nth")
        if nth.startswith(("last", "letzte")):
            last = calendar.monthrange(year, month)[1]
            add(m, range_period(date(year, month, last - 6), date(year, month, last), now))
        else:
            k = (
                ORDINAL_WORDS.get(nth, 1)
                if nth in ORDINAL_WORDS
                else {"first": 1, "second": 2, "third": 3, "fourth": 4}.get(nth, 1)
            )
            first = date(year, month, 1 + 7 * (k - 1))
            add(m, range_period(first, first + timedelta(days=6), now))
    for m in _QUARTER_ENDED.finditer(text):
        last_day = _parse_date(m, "a", now)
        if last_day:
            add(m, quarter_period(last_day.year, (last_day.month - 1) // 3 + 1, now))
    for m in _YEAR_ONLY.finditer(text):
        before = text[: m.start()].split()[-1:]
        if m.group(0).isdigit() and before and before[0] in _NOT_A_YEAR_BEFORE:  # "over 2000", "size 2020"?
            continue
        year = int(m.group("ayear"))
        add(
            m,
            year_period(year, now)
            if year != now.year
            else replace(named_period("this_year", now), label_en=str(year), label_de=str(year)),
        )
    for m in _DAY_ONLY.finditer(text):
        day = _parse_date(m, "a", now)
        if day and (_date_parts(m, "a")[1] or m.group("adotted") or m.group("aiso")):
            period = range_period(day, day, now)
            add(
                m,
                replace(
                    period,
                    grain="day",
                    label_en=f"on {_fmt_day(day, 'en')}",
                    label_de=f"am {_fmt_day(day, 'de')}",
                ),
            )
    for pattern, name in _FIXED_RES:
        for m in pattern.finditer(text):
            if name == "all":
                add(m, all_time(now))
            elif name == "next":
                add(m, _next_period(m.group("next"), now))
            else:
                add(m, named_period(name, now))
    return found


def _next_period(unit: str, now: datetime) -> Period:
    if unit in ("week", "woche"):
        monday = now.date() - timedelta(days=now.weekday()) + timedelta(days=7)
        period = range_period(monday, monday + timedelta(days=6), now)
        return replace(period, label_en="next week", label_de="nächste Woche")
    if unit in ("month", "monat"):
        index = now.year * 12 + now.month
        return month_period(index // 12, index % 12 + 1, now)
    if unit in ("quarter", "quartal"):
        quarter = (now.month - 1) // 3 + 1
        return (
            quarter_period(now.year + 1, 1, now)
            if quarter == 4
            else quarter_period(now.year, quarter + 1, now)
        )
    return year_period(now.year + 1, now)


_LEADING = frozenset(
    {"in", "im", "the", "for", "during", "over", "of", "den", "der", "dem", "die", "am", "on", "within"}
)


def find_periods(tokens: list[Token], now: datetime) -> list[TimeMatch]:
    """Non-overlapping time expressions, longest first, as token spans."""
    text = ""
    starts: list[int] = []
    for token in tokens:
        if text:
            text += " "
        starts.append(len(text))
        text += token.text
    ends = [s + len(t.text) for s, t in zip(starts, tokens, strict=True)]
    candidates = []
    for c_start, c_end, period in _rule_matches(text, now):
        first = next((i for i, s in enumerate(starts) if s == c_start), None)
        last = next((i for i, e in enumerate(ends) if e == c_end), None)
        if first is None or last is None:  # the match must start and end on token boundaries
            continue
        candidates.append(TimeMatch(first, last + 1, period))
    # leading prepositions carry nothing ("in last week"): leave them, so "pull in" keeps its "in"
    candidates = [
        TimeMatch(
            next((i for i in range(c.start, c.end - 1) if tokens[i].text not in _LEADING), c.end - 1),
            c.end,
            c.period,
        )
        for c in candidates
    ]
    candidates.sort(key=lambda m: (-(m.end - m.start), m.start))
    chosen: list[TimeMatch] = []
    taken: set[int] = set()
    for match in candidates:
        span = set(range(match.start, match.end))
        if span & taken:
            continue
        chosen.append(match)
        taken |= span
    return sorted(chosen, key=lambda m: m.start)
