"""The summary rows behind the staff figures at scale (`models.figures`): what they share.

Summing three years of payments and memberships on every overview costs seconds at a million
supporters, so the worker keeps summaries (`refresh`, every five minutes): money per day
(`money_figures`), each membership as the figures read it (`member_figures`), and where memberships
stood at past month starts and moved in past weeks (`history_figures`). Each summary row is
recomputed from the rows it sums whenever one of them changed, never added to; the definitions stay
where they were (`metrics`, `trends`), run over a day's (a membership's, a week's) rows instead of
all of them.

A read never writes: it takes the summary where none of its rows changed since the worker last
looked and sums the others from the rows themselves, so a figure is always the one the rows give
now. What changed is read from the rows: those newer than the newest id the worker saw, or updated
since it last looked less a margin for transactions still open then (`MARGIN`). When a definition
changes (its SQL does), the summary made by the old one counts for nothing until the worker has
recomputed it whole; until then reads sum every row, as before the summaries.
"""

import functools
import hashlib
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from sqlalchemy import Date, cast, delete, event, func, select
from sqlalchemy.orm import Session

from ..extensions import db
from ..models import FigureMark
from ..utc import aware

# Longer than any transaction that writes these rows stays open between writing and committing.
MARGIN = timedelta(minutes=10)
AT_ONCE = 1000  # ids in one IN list
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
END = datetime(9999, 1, 1, tzinfo=UTC)


def day_of(column):
    """The UTC day of a timestamp column (SQL)."""
    if db.session.get_bind().dialect.name == "postgresql":
        return cast(func.timezone("UTC", column), Date)
    return func.date(column)


def as_day(value) -> date:
    """A day from the database: a date, a timestamp (its UTC day) or SQLite's text."""
    if isinstance(value, datetime):
        return aware(value).date()
    return value if isinstance(value, date) else date.fromisoformat(str(value)[:10])


def midnight(day: date) -> datetime:
    return datetime.combine(day, time.min, tzinfo=UTC)


def chunks(values: list, size: int = AT_ONCE):
    for start in range(0, len(values), size):
        yield values[start : start + size]


def rule_of(*statements) -> str:
    """A digest of the SQL that computes a summary: another definition, another digest."""
    dialect = db.session.get_bind().dialect
    sql = "\n".join(str(statement.compile(dialect=dialect)) for statement in statements)
    return hashlib.sha256(sql.encode()).hexdigest()[:32]


def per_dialect(rule):
    """A rule's digest, worked out once per database kind (the SQL is the code's: it changes only
    with a new release)."""
    digests: dict[str, str] = {}

    @functools.wraps(rule)
    def digest() -> str:
        name = db.session.get_bind().dialect.name
        if name not in digests:
            digests[name] = rule()
        return digests[name]

    return digest


@dataclass(frozen=True)
class Mark:
    """When the worker last looked, and the newest ids it saw then (by what they name)."""

    looked_at: datetime
    ids: dict[str, int]

    def since(self) -> datetime:
        return self.looked_at - MARGIN


def read_mark(name: str, rule: str) -> Mark | None:
    """The summary's mark, if the summary was made by this rule."""
    return remembered(("mark", name, rule), lambda: _read_mark(name, rule))


def _read_mark(name: str, rule: str) -> Mark | None:
    marks = {mark.name: mark for mark in db.session.scalars(
        select(FigureMark).where(FigureMark.name.startswith(name))
    )}  # fmt: skip
    main = marks.get(name)
    if main is None or main.rule != rule or main.looked_at is None:
        return None
    ids = {key.partition(":")[2] or "": mark.last_id for key, mark in marks.items()}
    return Mark(aware(main.looked_at), ids)


def forget_all() -> None:
    """Every summary counts for nothing until the next refresh makes it again."""
    db.session.execute(delete(FigureMark))


def write_mark(name: str, rule: str, now: datetime, last_id: int, **ids: int) -> None:
    """The summary's mark: looked at `now`, the newest id seen `last_id` (and others, by name)."""
    for key, newest in {"": last_id, **ids}.items():
        full = f"{name}:{key}" if key else name
        mark = db.session.get(FigureMark, full) or FigureMark(name=full)
        mark.rule, mark.last_id, mark.looked_at = rule, newest, now
        db.session.add(mark)


MEMO = "figures"


def memo() -> dict:
    """What this session has read of the summaries, kept until it next writes, commits or rolls
    back: what changed since the worker looked is read once for a page, however many figures it
    shows."""
    return db.session.info.setdefault(MEMO, {})


def remembered(key, compute):
    """`compute()` once per key (see `memo`)."""
    kept = memo()
    if key not in kept:
        kept[key] = compute()
    return kept[key]


def _forget(session, *_args) -> None:
    session.info.pop(MEMO, None)


for _moment in ("after_flush", "after_commit", "after_rollback", "after_soft_rollback"):
    event.listen(Session, _moment, _forget)


@event.listens_for(Session, "do_orm_execute")
def _forget_on_write(state) -> None:
    if not state.is_select:
        _forget(state.session)


def ranges(days: Iterable[date]) -> list[tuple[datetime, datetime]]:
    """Days as [start, end) runs of consecutive days, as UTC midnights."""
    runs: list[list[date]] = []
    for day in sorted(days):
        if runs and runs[-1][1] == day:
            runs[-1][1] = day + timedelta(days=1)
        else:
            runs.append([day, day + timedelta(days=1)])
    return [(midnight(a), midnight(b)) for a, b in runs]
