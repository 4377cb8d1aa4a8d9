"""The time windows of docs/domain.md, in UTC. "now" is the moment of the request."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Literal, get_args

from shared.database.types import clamp_to_business_range
from shared.error_handling.errors import ValidationFailed


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
    """A custom window; the label names whole days inclusively when both ends are midnights."""
    start, end = start.astimezone(UTC), end.astimezone(UTC)
    if start.time() == time.min and end.time() == time.min:
        label = f"{start.date()} to {(end - timedelta(days=1)).date()}"
    else:
        label = f"{start.isoformat(timespec='minutes')} to {end.isoformat(timespec='minutes')}"
    return Window(start, end, label)


# --- Resolving the API's period / days / start / end parameters -------------------------------

# Periods with a rule of their own (domain.md windows); the assistant's tools name them too.
NamedPeriod = Literal[
    "today",
    "yesterday",
    "this_week",
    "last_week",
    "this_month",
    "last_month",
    "this_quarter",
    "last_quarter",
    "this_year",
    "last_year",
    "last_n_days",
]
PeriodName = Literal[NamedPeriod, "custom"]
PERIOD_NAMES: tuple[str, ...] = get_args(PeriodName)
MAX_DAYS = 3650

_NAMED: dict[str, Callable[[datetime], Window]] = {
    "today": today,
    "yesterday": yesterday,
    "this_week": this_week,
    "last_week": last_week,
    "this_month": this_month,
    "last_month": last_month,
    "this_quarter": this_quarter,
    "last_quarter": last_quarter,
    "this_year": this_year,
    "last_year": last_year,
}


def _invalid(field: str, message: str) -> ValidationFailed:
    return ValidationFailed(
        f"Invalid request: {field}: {message}",
        details=[{"field": f"query.{field}", "message": message, "type": "value_error"}],
    )


def parse_instant(value: str | date | datetime, *, field: str, end_of_day: bool = False) -> datetime:
    """An ISO datetime (naive = UTC) or an ISO date (its midnight; with end_of_day the next midnight)."""
    if isinstance(value, datetime):
        return clamp_to_business_range(value)
    if isinstance(value, date):
        return _whole_day(value, end_of_day=end_of_day)
    text = value.strip()
    try:
        if len(text) == 10:  # YYYY-MM-DD: a whole day
            return _whole_day(date.fromisoformat(text), end_of_day=end_of_day)
        parsed = datetime.fromisoformat(text.replace("Z", "+00:00").replace("z", "+00:00"))
    except ValueError:
        raise _invalid(field, "expected an ISO 8601 date or datetime, e.g. 2026-03-01") from None
    return clamp_to_business_range(parsed)


def _whole_day(day: date, *, end_of_day: bool) -> datetime:
    """A day's midnight (with end_of_day the next one), clamped into the business range first so
    that 9999-12-31 has a next midnight (shared/database/types.py)."""
    start = clamp_to_business_range(_midnight(day))
    return clamp_to_business_range(start + timedelta(days=1)) if end_of_day else start


def resolve_window(
    *,
    now: datetime,
    period: str | None = None,
    days: int | None = None,
    start: str | date | datetime | None = None,
    end: str | date | datetime | None = None,
) -> Window:
    """The window a request names; raises ValidationFailed (422) for contradictory or bad input.

    - nothing: the last 30 days;  `days=N` (1..3650): the last N days;
    - `period=<name>` (this_month, last_month, ...); `period=last_n_days` uses `days` (default 30);
    - `start` [+ `end`] (period omitted or `custom`): [start, end), end defaults to now. A date-only
      `end` is inclusive (the window runs to the next midnight); a datetime `end` is exclusive.
    """
    if period is not None and period not in PERIOD_NAMES:
        raise _invalid("period", f"unknown period; use one of {', '.join(PERIOD_NAMES)}")
    if days is not None and not 1 <= days <= MAX_DAYS:
        raise _invalid("days", f"must be between 1 and {MAX_DAYS}")
    has_range = start is not None or end is not None
    if period == "custom" or (period is None and has_range):
        if days is not None:
            raise _invalid("days", "give either days or start/end, not both")
        if start is None:
            raise _invalid("start", "start is required with end or period=custom")
        window_start = parse_instant(start, field="start")
        window_end = now if end is None else parse_instant(end, field="end", end_of_day=True)
        if window_start >= window_end:
            raise _invalid("end", "end must be after start")
        return between(window_start, window_end)
    if has_range:
        raise _invalid("start", f"start/end cannot be combined with period={period}")
    if period is None or period == "last_n_days":
        return default_window(now) if days is None else last_n_days(days, now)
    if days is not None:
        raise _invalid("days", f"days cannot be combined with period={period}")
    return _NAMED[period](now)
