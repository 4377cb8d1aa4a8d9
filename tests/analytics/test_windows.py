"""The time windows of docs/domain.md and the API's window parameters."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from domains.analytics import windows
from shared.error_handling.errors import ValidationFailed


def utc(*parts: int) -> datetime:
    return datetime(*parts, tzinfo=UTC)  # type: ignore[misc]


NOW = utc(2026, 1, 14, 9, 30)  # a Wednesday in January


def span(window: windows.Window) -> tuple[datetime, datetime]:
    return window.start, window.end


def test_named_windows() -> None:
    assert span(windows.today(NOW)) == (utc(2026, 1, 14), NOW)
    assert span(windows.yesterday(NOW)) == (utc(2026, 1, 13), utc(2026, 1, 14))
    assert span(windows.this_week(NOW)) == (utc(2026, 1, 12), NOW)  # Monday
    assert span(windows.last_week(NOW)) == (utc(2026, 1, 5), utc(2026, 1, 12))
    assert span(windows.this_month(NOW)) == (utc(2026, 1, 1), NOW)
    assert span(windows.this_quarter(NOW)) == (utc(2026, 1, 1), NOW)
    assert span(windows.this_year(NOW)) == (utc(2026, 1, 1), NOW)
    assert span(windows.last_year(NOW)) == (utc(2025, 1, 1), utc(2026, 1, 1))
    assert span(windows.last_n_days(30, NOW)) == (NOW - timedelta(hours=30 * 24), NOW)
    assert span(windows.default_window(NOW)) == span(windows.last_n_days(30, NOW))


def test_last_month_and_quarter_cross_the_year_boundary() -> None:
    assert span(windows.last_month(NOW)) == (utc(2025, 12, 1), utc(2026, 1, 1))
    assert span(windows.last_quarter(NOW)) == (utc(2025, 10, 1), utc(2026, 1, 1))
    august = utc(2026, 8, 31, 23, 59)
    assert span(windows.this_quarter(august)) == (utc(2026, 7, 1), august)
    assert span(windows.last_quarter(august)) == (utc(2026, 4, 1), utc(2026, 7, 1))
    assert span(windows.last_month(utc(2026, 3, 31, 12))) == (utc(2026, 2, 1), utc(2026, 3, 1))


def test_this_week_on_a_monday_and_sunday() -> None:
    monday = utc(2026, 1, 12, 0, 0)
    assert span(windows.this_week(monday)) == (monday, monday)
    sunday = utc(2026, 1, 18, 23, 0)
    assert windows.this_week(sunday).start == utc(2026, 1, 12)


def test_resolve_window_defaults_and_names() -> None:
    assert span(windows.resolve_window(now=NOW)) == (NOW - timedelta(days=30), NOW)
    assert span(windows.resolve_window(now=NOW, days=7)) == (NOW - timedelta(days=7), NOW)
    assert span(windows.resolve_window(now=NOW, period="last_n_days", days=3)) == (
        NOW - timedelta(days=3),
        NOW,
    )
    assert windows.resolve_window(now=NOW, period="last_month").label == "last month"
    assert span(windows.resolve_window(now=NOW, period="last_quarter")) == (utc(2025, 10, 1), utc(2026, 1, 1))


def test_resolve_window_custom_ranges() -> None:
    dates = windows.resolve_window(now=NOW, start="2025-12-01", end="2025-12-31")
    assert span(dates) == (utc(2025, 12, 1), utc(2026, 1, 1))  # a date-only end is inclusive
    assert dates.label == "2025-12-01 to 2025-12-31"
    times = windows.resolve_window(now=NOW, start="2025-12-01T10:00:00Z", end="2025-12-02T08:00:00+02:00")
    assert span(times) == (utc(2025, 12, 1, 10), utc(2025, 12, 2, 6))
    naive = windows.resolve_window(now=NOW, period="custom", start="2025-12-01T10:00:00")
    assert span(naive) == (utc(2025, 12, 1, 10), NOW)


@pytest.mark.parametrize(
    "params",
    [
        {"days": 0},
        {"days": 3651},
        {"period": "fortnight"},
        {"start": "yesterday"},
        {"start": "2026-01-10", "end": "2026-01-09"},
        {"start": "2026-01-10T10:00:00Z", "end": "2026-01-10T10:00:00Z"},
        {"end": "2026-01-10"},
        {"days": 7, "start": "2026-01-01"},
        {"period": "this_month", "start": "2026-01-01"},
        {"period": "this_month", "days": 3},
        {"period": "custom"},
    ],
)
def test_resolve_window_refuses_bad_or_contradictory_input(params: dict[str, object]) -> None:
    with pytest.raises(ValidationFailed) as caught:
        windows.resolve_window(now=NOW, **params)  # type: ignore[arg-type]
    assert caught.value.details and caught.value.details[0]["field"].startswith("query.")
