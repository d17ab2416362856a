"""Moments in UTC, as every column keeps them. SQLite hands `DateTime(timezone=True)` values back
without a time zone and PostgreSQL with the session's; `aware` makes either an aware UTC moment."""

from datetime import UTC, datetime


def aware(moment: datetime) -> datetime:
    """`moment` as an aware UTC datetime: a naive one (SQLite's) is read as UTC."""
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)
