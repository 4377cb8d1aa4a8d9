"""The time windows of docs/domain.md, in UTC. "now" is the moment of the request."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta


@dataclass(frozen=True, slots=True)
class Window:
    """A half-open interval [start, end) with a human label ("last month")."""

    start: datetime
    end: datetime
    label: str

    def as_dict(self) -> dict[str, str]:
        return {"start": self.start.isoformat(), "end": self.end.isoformat(), "label": self.label}


def _midnight(day: date) -> datetime:
    return datetime.combine(day, time.min, tzinfo=UTC)


def _month_start(year: int, month: int) -> datetime:
    return datetime(year, month, 1, tzinfo=UTC)


def _shift_month(year: int, month: int, delta: int) -> tuple[int, int]:
    index = year * 12 + (month - 1) + delta
    return index // 12, index % 12 + 1


def today(now: datetime) -> Window:
    return Window(_midnight(now.date()), now, "today")


def yesterday(now: datetime) -> Window:
    start = _midnight(now.date()) - timedelta(days=1)
    return Window(start, start + timedelta(days=1), "yesterday")


def this_week(now: datetime) -> Window:
    monday = now.date() - timedelta(days=now.weekday())
    return Window(_midnight(monday), now, "this week")


def last_week(now: datetime) -> Window:
    end = _midnight(now.date() - timedelta(days=now.weekday()))
    return Window(end - timedelta(days=7), end, "last week")


def this_month(now: datetime) -> Window:
    return Window(_month_start(now.year, now.month), now, "this month")


def last_month(now: datetime) -> Window:
    year, month = _shift_month(now.year, now.month, -1)
    return Window(_month_start(year, month), _month_start(now.year, now.month), "last month")


def month_of(year: int, month: int, now: datetime) -> Window:
    """A named calendar month; the current month ends now."""
    start = _month_start(year, month)
    next_year, next_month = _shift_month(year, month, 1)
    end = min(_month_start(next_year, next_month), now)
    return Window(start, end, start.strftime("%B %Y"))


def _quarter_start(year: int, quarter: int) -> datetime:
    return _month_start(year, 3 * (quarter - 1) + 1)


def this_quarter(now: datetime) -> Window:
    quarter = (now.month - 1) // 3 + 1
    return Window(_quarter_start(now.year, quarter), now, "this quarter")


def last_quarter(now: datetime) -> Window:
    quarter = (now.month - 1) // 3 + 1
    year, prev = (now.year - 1, 4) if quarter == 1 else (now.year, quarter - 1)
    return Window(_quarter_start(year, prev), _quarter_start(now.year, quarter), "last quarter")


def this_year(now: datetime) -> Window:
    return Window(_month_start(now.year, 1), now, "this year")


def last_year(now: datetime) -> Window:
    return Window(_month_start(now.year - 1, 1), _month_start(now.year, 1), "last year")


def last_n_days(n: int, now: datetime) -> Window:
    return Window(now - timedelta(days=n), now, f"last {n} days")


def default_window(now: datetime) -> Window:
    """No period named: the last 30 days."""
    return last_n_days(30, now)


def between(start: datetime, end: datetime) -> Window:
    return Window(start.astimezone(UTC), end.astimezone(UTC), f"{start.date()} to {end.date()}")
