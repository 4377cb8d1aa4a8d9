"""SQL expressions of the semantic layer that differ between PostgreSQL and SQLite, one meaning
each. Literal texts are bound parameters: the service groups by the columns of a subquery, never
by these expressions themselves, so PostgreSQL need not match SELECT and GROUP BY text."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from sqlalchemy import (
    Date,
    DateTime,
    Integer,
    String,
    Time,
    case,
    cast,
    func,
    literal,
    literal_column,
    type_coerce,
)
from sqlalchemy.sql.elements import ColumnElement

from shared.database.sql import period_start
from shared.database.types import UTCDateTime

TimeGrain = Literal["day", "week", "month", "quarter", "year"]

# Characters that separate words in a product name besides spaces ('Retro "Bred"', 'OG (GS)',
# 'Gel-Kayano 14', 'Tiffany & Co.'): the assistant's vocabulary splits names the same way.
WORD_SEPARATORS = ('"', "(", ")", ",", "/", "“", "”", "-", ".", "'", "’", "&", ":", "!")
LIKE_ESCAPE = "\\"


def _utc_wall_clock(dialect: str, column: Any) -> Any:
    # timezone('UTC', timestamptz) is the UTC wall-clock time whatever the session TimeZone is.
    return column if dialect == "sqlite" else func.timezone("UTC", column)


def period_label(dialect: str, column: Any, grain: TimeGrain) -> ColumnElement[str]:
    """The UTC day / ISO week (its Monday) / month / quarter / year `column` falls in, as a label:
    '2026-11-02', '2026-11-02', '2026-11', '2026-Q4', '2026'."""
    if grain in ("day", "week"):
        return period_start(dialect, column, grain)
    if dialect == "sqlite":
        year = func.strftime("%Y", column, type_=String)
        if grain == "year":
            return year
        month = func.strftime("%m", column, type_=String)
        if grain == "month":
            return year + "-" + month
        quarter = (cast(month, Integer) + 2) // 3  # 1..3 -> 1, 4..6 -> 2, ...
        return year + "-Q" + cast(quarter, String)
    formats = {"month": "YYYY-MM", "quarter": 'YYYY-"Q"Q', "year": "YYYY"}
    return func.to_char(_utc_wall_clock(dialect, column), formats[grain], type_=String)


def whole_days_since(dialect: str, column: Any, now: datetime) -> ColumnElement[int]:
    """Whole days from `column` to `now` (an item's age): calendar days between the two UTC dates,
    less one when the time of day of `column` is later than that of `now`. Exact to the
    microsecond on both databases (fractional day differences are not: julianday is a float)."""
    if dialect == "sqlite":
        # SQLite stores UTC instants as 'YYYY-MM-DD HH:MM:SS.ffffff' (SQLAlchemy's format).
        days: Any = cast(func.julianday(now.date().isoformat()) - func.julianday(func.date(column)), Integer)
        later = func.substr(column, 12) > now.strftime("%H:%M:%S.%f")
    else:
        wall_clock = _utc_wall_clock(dialect, column)
        days = literal(now.date(), Date) - cast(wall_clock, Date)
        later = cast(wall_clock, Time) > literal(now.time().replace(tzinfo=None), Time)
    age: ColumnElement[int] = days - case((later, 1), else_=0)
    return age


def _position(dialect: str, text: Any, needle: str) -> ColumnElement[int]:
    return func.instr(text, needle) if dialect == "sqlite" else func.strpos(text, needle)


def _before(dialect: str, text: Any, mark: str) -> ColumnElement[str]:
    """`text` up to the first `mark` (trailing spaces removed); all of it without one."""
    position = _position(dialect, text, mark)
    return case(
        (position > 1, func.rtrim(func.substr(text, 1, position - 1, type_=String), type_=String)),
        else_=text,
    )


def family_of(dialect: str, name: Any) -> ColumnElement[str]:
    """The model of a product: its name without the quoted colorway
    ('Air Jordan 4 Retro "Bred Reimagined"' -> 'Air Jordan 4 Retro'; typographic quotes too)."""
    return _before(dialect, _before(dialect, name, '"'), "“")


def name_words(name: Any) -> ColumnElement[str]:
    """A product name as lower-case words between double spaces (' air  jordan  4 '), so that a
    LIKE pattern of ' word ' pieces matches whole words only, each piece on its own spaces."""
    text: Any = func.lower(name, type_=String)
    for separator in WORD_SEPARATORS:
        text = func.replace(text, separator, " ", type_=String)
    return " " + func.replace(text, " ", "  ", type_=String) + " "


def phrase_words(phrase: str) -> list[str]:
    """The words of a family phrase, split the way name_words splits a product name."""
    text = phrase.lower()
    for separator in WORD_SEPARATORS:
        text = text.replace(separator, " ")
    return text.split()


def family_pattern(phrase: str) -> str | None:
    """LIKE pattern over name_words: every word of the phrase, whole, in order; None when the
    phrase has no words."""
    words = phrase_words(phrase)
    if not words:
        return None

    def escaped(word: str) -> str:
        for special in (LIKE_ESCAPE, "%", "_"):
            word = word.replace(special, LIKE_ESCAPE + special)
        return word

    return "%" + "%".join(f" {escaped(word)} " for word in words) + "%"


def start_of_day(dialect: str, day: Any) -> ColumnElement[datetime]:
    """The UTC midnight that starts a DATE column's day, as a timestamp comparable with the
    raw rows' UTC instants (a rollup row's stand-in for the moments of its records)."""
    if dialect == "sqlite":
        # SQLite stores dates as 'YYYY-MM-DD' and UTC instants as 'YYYY-MM-DD HH:MM:SS.ffffff'.
        instant: Any = type_coerce(day, String) + literal(" 00:00:00.000000", String)
    else:
        instant = func.timezone(literal_column("'UTC'"), cast(day, DateTime))
    return type_coerce(instant, UTCDateTime())
