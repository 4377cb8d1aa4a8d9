"""Column types that behave the same on PostgreSQL and SQLite."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal
from typing import Annotated, Any

from pydantic import AfterValidator
from sqlalchemy import DateTime, Dialect, Numeric
from sqlalchemy.types import TypeDecorator

CENT = Decimal("0.01")

# --- business times ----------------------------------------------------------------------------
# A purchase, a sale or a market observation happens between 2000-01-01 and tomorrow (UTC):
# nothing older is a record of this business, and "tomorrow" leaves room for a client whose
# clock or time zone is ahead. Checking this range once, here, also keeps every later
# conversion away from the ends of the calendar (0001-01-01T00:00+01:00 cannot be converted to
# UTC at all: OverflowError, which used to be a 500).
EARLIEST_BUSINESS_TIME = datetime(2000, 1, 1, tzinfo=UTC)
BUSINESS_DAYS_AHEAD = 1
# Fee schedules may be announced ahead of time; they still need a date a person would write.
LATEST_SCHEDULE_TIME = datetime(2100, 1, 1, tzinfo=UTC)
BUSINESS_RANGE_TEXT = "between 2000-01-01 and tomorrow (UTC)"


def latest_business_time(now: datetime | None = None) -> datetime:
    """The end (exclusive) of the business range: midnight UTC after tomorrow."""
    today = (now or datetime.now(UTC)).astimezone(UTC).date()
    return datetime.combine(today + timedelta(days=BUSINESS_DAYS_AHEAD + 1), datetime.min.time(), tzinfo=UTC)


def to_utc(value: datetime) -> datetime:
    """Naive = UTC, aware converted to UTC. ValueError (not OverflowError) at the calendar's ends."""
    if value.tzinfo is None:
        return value.replace(tzinfo=UTC)
    try:
        return value.astimezone(UTC)
    except OverflowError:
        raise ValueError("is outside the calendar once converted to UTC") from None


def business_time(value: datetime, *, latest: datetime | None = None) -> datetime:
    """`value` in UTC if it lies in the business range, else ValueError naming the range."""
    end = latest or latest_business_time()
    try:
        moment = to_utc(value)
    except ValueError:
        moment = None
    if moment is None or not EARLIEST_BUSINESS_TIME <= moment < end:
        text = BUSINESS_RANGE_TEXT if latest is None else f"between 2000-01-01 and {end.date()} (UTC)"
        raise ValueError(f"must be {text}")
    return moment


def clamp_to_business_range(value: datetime) -> datetime:
    """A query bound (`start`, `end`) moved into the business range: no record lies outside it,
    so `start=0001-01-01` means "from the first record" and gives the same rows."""
    try:
        moment = to_utc(value)
    except ValueError:
        moment = EARLIEST_BUSINESS_TIME if value.year < 5000 else latest_business_time()
    return min(max(moment, EARLIEST_BUSINESS_TIME), latest_business_time())


def _aware(value: datetime) -> datetime:
    if value.tzinfo is None:
        raise ValueError("give a time zone (e.g. 2025-01-31T12:00:00Z); times are UTC")
    return value


def _schedule_time(value: datetime) -> datetime:
    return business_time(value, latest=LATEST_SCHEDULE_TIME)


# When a purchase, sale or observation happened: naive = UTC; answered 422 outside the range.
BusinessDateTime = Annotated[datetime, AfterValidator(business_time)]
# The same, but the client must name the time zone.
AwareBusinessDateTime = Annotated[datetime, AfterValidator(_aware), AfterValidator(business_time)]
# When a fee schedule starts: 2000-01-01 up to 2100 (it may lie in the future).
AwareScheduleDateTime = Annotated[datetime, AfterValidator(_aware), AfterValidator(_schedule_time)]


def to_money(value: Any) -> Decimal:
    """Round anything numeric to the two places of the business currency."""
    if isinstance(value, Decimal):
        return value.quantize(CENT, rounding=ROUND_HALF_UP)
    # str() first: Decimal(0.1) would carry the float's binary noise.
    return Decimal(str(value)).quantize(CENT, rounding=ROUND_HALF_UP)


class Money(TypeDecorator[Decimal]):
    """NUMERIC(12,2) that always hands back a two-place Decimal (SQLite returns floats)."""

    impl = Numeric(12, 2)
    cache_ok = True

    def process_bind_param(self, value: Any, dialect: Dialect) -> Any:
        if value is None:
            return None
        money = to_money(value)
        return float(money) if dialect.name == "sqlite" else money

    def process_result_value(self, value: Any, dialect: Dialect) -> Decimal | None:
        return None if value is None else to_money(value)


class UTCDateTime(TypeDecorator[datetime]):
    """Timezone-aware UTC datetimes in and out; SQLite stores them naive, in UTC."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: Any, dialect: Dialect) -> Any:
        if value is None:
            return None
        if not isinstance(value, datetime):
            raise TypeError(f"expected datetime, got {type(value).__name__}")
        value = to_utc(value)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: Any, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        # Raw SQL aggregates (min/max) on SQLite come back as text.
        moment: datetime = datetime.fromisoformat(value) if isinstance(value, str) else value
        if moment.tzinfo is None:
            return moment.replace(tzinfo=UTC)
        return moment.astimezone(UTC)
