"""Moments read back from either database compare and print alike."""

from datetime import UTC, datetime, timedelta, timezone

from app.utc import aware


def test_a_naive_moment_is_read_as_utc():
    """SQLite gives back what was stored in UTC without its time zone."""
    assert aware(datetime(2026, 12, 1, 22, 30)) == datetime(2026, 12, 1, 22, 30, tzinfo=UTC)
    assert aware(datetime(2026, 12, 1, 22, 30)).tzinfo is UTC


def test_an_aware_moment_keeps_its_instant_and_is_given_in_utc():
    """PostgreSQL gives moments in the session's time zone: Damascus is three hours ahead."""
    damascus = datetime(2026, 12, 2, 1, 30, tzinfo=timezone(timedelta(hours=3)))
    moment = aware(damascus)
    assert moment == damascus and moment.tzinfo is UTC
    assert moment.strftime("%Y-%m-%d %H:%M") == "2026-12-01 22:30"
