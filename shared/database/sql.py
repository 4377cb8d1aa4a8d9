"""SQL expressions that differ between PostgreSQL and SQLite, with one meaning each."""

from __future__ import annotations

from typing import Any, Literal

from sqlalchemy import Float, func, literal_column
from sqlalchemy.sql.elements import ColumnElement

Grain = Literal["day", "week", "month"]


def days_between(dialect: str, start: Any, end: Any) -> ColumnElement[float]:
    """Fractional days from `start` to `end` (both timestamp columns)."""
    if dialect == "sqlite":
        return (func.julianday(end) - func.julianday(start)).cast(Float)
    return (func.extract("epoch", end - start) / 86400.0).cast(Float)


def period_start(dialect: str, column: Any, grain: Grain) -> ColumnElement[str]:
    """The first day of the day/ISO week/month that `column` falls in, as 'YYYY-MM-DD' text."""
    if dialect == "sqlite":
        if grain == "day":
            return func.strftime("%Y-%m-%d", column)
        if grain == "month":
            return func.strftime("%Y-%m-01", column)
        # ISO weeks start on Monday: step back (weekday + 6) % 7 days.
        return func.date(
            column,
            func.printf("-%d days", (func.cast(func.strftime("%w", column), Float) + 6) % 7),
        )
    return func.to_char(func.date_trunc(grain, column), literal_column("'YYYY-MM-DD'"))
