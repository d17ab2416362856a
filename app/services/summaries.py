"""The worker's part of the staff figures: bring every summary of `services.figures` up to date.

Apart from `figures` because the summaries it refreshes read `figures`' marks and rules."""

from datetime import UTC, datetime

from sqlalchemy import func, select, text

from ..extensions import db
from . import figures, history_figures, member_figures, money_figures


def refresh(now: datetime | None = None, *, again: bool = False) -> str:
    """Bring every summary up to date: recompute each day, reader, membership and past
    month-start standing whose rows changed since the last look (everything, when a definition
    changed, or `again`: what a look cannot see, a row written with a past update time, an
    article deleted, a transaction open longer than `figures.MARGIN`). One refresh at a time
    (PostgreSQL: an advisory lock); the caller commits, and until then pages read the summaries
    as they were."""
    now = now or datetime.now(UTC)
    if db.session.get_bind().dialect.name == "postgresql":
        db.session.execute(select(func.pg_advisory_xact_lock(0x0E1AB))).all()
        # The worker's work, not a page's: making them the first time reads every row.
        db.session.execute(text("SET LOCAL statement_timeout = '10min'"))
    if again:
        figures.forget_all()
    done = [money_figures.refresh(now), member_figures.refresh(now), *history_figures.refresh(now)]
    return "; ".join(done)
