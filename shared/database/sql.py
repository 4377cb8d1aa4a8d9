"""SQL expressions that differ between PostgreSQL and SQLite, with one meaning each."""

from __future__ import annotations

from typing import Any, Literal

from sqlalchemy import Float, Integer, cast, func, literal_column
from sqlalchemy.sql.elements import ColumnElement

Grain = Literal["day", "week", "month"]
GRAINS: tuple[Grain, ...] = ("day", "week", "month")


def days_between(dialect: str, start: Any, end: Any) -> ColumnElement[float]:
    """Fractional days from `start` to `end` (both timestamp columns)."""
    if dialect == "sqlite":
        return (func.julianday(end) - func.julianday(start)).cast(Float)
    return (func.extract("epoch", end - start) / 86400.0).cast(Float)


def period_start(dialect: str, column: Any, grain: Grain) -> ColumnElement[str]:
    """The first day of the day/ISO week/month (UTC) that `column` falls in, as 'YYYY-MM-DD' text.

    Grain and formats are rendered as SQL literals, not bound parameters: the expression is
    used in SELECT and GROUP BY, and PostgreSQL only matches the two when they are identical.
    """
    if grain not in GRAINS:
        raise ValueError(f"unknown grain {grain!r}")
    if dialect == "sqlite":
        if grain == "day":
            return func.strftime(literal_column("'%Y-%m-%d'"), column)
        if grain == "month":
            return func.strftime(literal_column("'%Y-%m-01'"), column)
        # ISO weeks start on Monday: step back (weekday + 6) % 7 days (%w: Sunday = 0).
        weekday = cast(func.strftime(literal_column("'%w'"), column), Integer)
        return func.date(
            column,
            func.printf(literal_column("'-%d days'"), (weekday + literal_column("6")) % literal_column("7")),
        )
    # timezone('UTC', timestamptz) gives the UTC wall-clock time whatever the session TimeZone is.
    utc_wall_clock = func.timezone(literal_column("'UTC'"), column)
    return func.to_char(
        func.date_trunc(literal_column(f"'{grain}'"), utc_wall_clock), literal_column("'YYYY-MM-DD'")
    )
