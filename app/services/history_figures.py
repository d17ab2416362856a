"""The staff figures' summaries of the membership history (`figures` explains them): where
memberships stood at each past month's start (the MRR history) and how many moved in each past week
(new and churned), and reading through them.

The history is only ever appended to, each row dated when it is written, so a past moment's
standing and a past week's count hold until a row dated at or before them appears (a backdated
load: rows newer than the newest id the worker saw); only moments and weeks ended more than
`figures.MARGIN` ago are stored.
"""

from datetime import date, datetime, timedelta

from sqlalchemy import delete, func, select

from ..extensions import db
from ..models import MembershipChange, Standing, WeekMove
from ..utc import aware
from . import measures
from .figures import EPOCH, MARGIN, midnight, per_dialect, read_mark, rule_of, write_mark

HISTORY, WEEKS = "history", "weeks"
WEEK = timedelta(weeks=1)


# The standing at past months' starts --------------------------------------------------------------


@per_dialect
def _history_rule() -> str:
    from .measures import stood_rows

    return rule_of(stood_rows([EPOCH]))


def standings(moments: list[datetime]) -> list[list[tuple]]:
    """Per moment, the rows `measures.stood_rows` gives for it (currency, interval, members,
    amount): stored, unless the history has since gained a row dated at or before it."""
    kept: dict[datetime, list[tuple]] = {}
    mark = read_mark(HISTORY, _history_rule())
    if mark is not None:
        earliest = db.session.scalar(
            select(func.min(MembershipChange.at)).where(MembershipChange.id > mark.ids[""])
        )
        valid = [m for m in moments if earliest is None or aware(earliest) > m]
        for moment, currency, interval, members, amount in db.session.execute(
            select(Standing.moment, Standing.currency, Standing.interval, Standing.members,
                   Standing.amount).where(Standing.moment.in_(valid))
        ):  # fmt: skip
            kept.setdefault(aware(moment), []).append((currency, interval, members, amount))
    missing = [moment for moment in moments if moment not in kept]
    if missing:
        kept.update(zip(missing, stood_rows_for(missing), strict=True))
    return [kept[moment] for moment in moments]


def stood_rows_for(moments: list[datetime]) -> list[list[tuple]]:
    """(currency, interval, members, amount) per moment, from the membership history."""
    from .measures import stood_rows

    grouped = db.session.execute(stood_rows(moments)).all()
    per_moment: list[list[tuple]] = [[] for _ in moments]
    for currency, interval, *sums in grouped:
        for index in range(len(moments)):
            members, amount = int(sums[2 * index] or 0), int(sums[2 * index + 1] or 0)
            if members:
                per_moment[index].append((currency, interval, members, amount))
    return per_moment


def _refresh_history(now: datetime, months: int = 13) -> str:
    from .measures import month_starts

    rule, mark = _history_rule(), read_mark(HISTORY, _history_rule())
    newest = db.session.scalar(select(func.max(MembershipChange.id))) or 0
    if mark is None:
        db.session.execute(delete(Standing))
    else:
        earliest = db.session.scalar(
            select(func.min(MembershipChange.at)).where(MembershipChange.id > mark.ids[""])
        )
        if earliest is not None:
            db.session.execute(delete(Standing).where(Standing.moment >= earliest))
    stored = {aware(m) for (m,) in db.session.execute(select(Standing.moment).distinct())}
    # A moment within the margin may still gain history rows from transactions open now.
    wanted = [midnight(start) for start in month_starts(months, now)]
    missing = [m for m in wanted if m not in stored and m < now - MARGIN]
    for moment, rows in zip(missing, stood_rows_for(missing) if missing else [], strict=True):
        for currency, interval, members, amount in rows:
            db.session.add(Standing(moment=moment, currency=currency, interval=interval,
                                    members=members, amount=amount))  # fmt: skip
    write_mark(HISTORY, rule, now, newest)
    db.session.flush()
    return f"history: {len(missing)} month starts stood"


# How many moved in each past week -----------------------------------------------------------------


def _kind_name(kind) -> str:
    to, from_ = kind
    return ",".join(sorted(to)) + ":" + ",".join(sorted(from_))


@per_dialect
def _weeks_rule() -> str:

    week = measures._week(MembershipChange.at)
    return rule_of(
        *(
            measures.movement_query(kind, EPOCH, by=week)
            for kind in (measures.NEW, measures._CHURNED)
        )
    )


def _backdated(mark) -> set[date]:
    """Mondays of the weeks that gained history rows since the worker looked."""
    return {
        _monday(aware(at)) for (at,) in db.session.execute(
            select(MembershipChange.at).where(MembershipChange.id > mark.ids[""])
        )
    }  # fmt: skip


def _monday(moment: datetime) -> date:
    day = moment.date()
    return day - timedelta(days=day.weekday())


def week_counts(kind, weeks: list[date], now: datetime) -> dict[date, int]:
    """Memberships that moved so (`measures.NEW`, `measures._CHURNED`) in each of these weeks
    (Mondays, consecutive): stored for past weeks, from the history for the others."""

    kept: dict[date, int] = {}
    mark = read_mark(WEEKS, _weeks_rule())
    if mark is not None:
        changed = _backdated(mark)
        kept = {as_date(week): int(members) for week, members in db.session.execute(
            select(WeekMove.week, WeekMove.members)
            .where(WeekMove.kind == _kind_name(kind), WeekMove.week.in_(weeks))
        ) if as_date(week) not in changed}  # fmt: skip
    missing = [week for week in weeks if week not in kept]
    if missing:
        counted = measures.week_counts_of_rows(kind, missing[0])
        kept.update({week: counted.get(week, 0) for week in missing})
    return kept


def as_date(value) -> date:
    return value if isinstance(value, date) else date.fromisoformat(str(value)[:10])


def _refresh_weeks(now: datetime, weeks: int = 13) -> str:

    rule, mark = _weeks_rule(), read_mark(WEEKS, _weeks_rule())
    newest = db.session.scalar(select(func.max(MembershipChange.id))) or 0
    if mark is None:
        db.session.execute(delete(WeekMove))
    else:
        changed = _backdated(mark)
        if changed:
            db.session.execute(delete(WeekMove).where(WeekMove.week.in_(sorted(changed))))
    this_week = _monday(now)
    wanted = [this_week - WEEK * n for n in range(1, weeks + 1)]
    ended = [w for w in wanted if midnight(w) + WEEK < now - MARGIN]
    stored = {as_date(w) for (w,) in db.session.execute(select(WeekMove.week).distinct())}
    missing = sorted(w for w in ended if w not in stored)
    for kind in (measures.NEW, measures._CHURNED) if missing else ():
        counted = measures.week_counts_of_rows(kind, missing[0])
        for week in missing:
            db.session.add(WeekMove(week=week, kind=_kind_name(kind), members=counted.get(week, 0)))
    write_mark(WEEKS, rule, now, newest)
    db.session.flush()
    return f"weeks: {len(missing)} counted"


def refresh(now: datetime) -> list[str]:
    return [_refresh_history(now), _refresh_weeks(now)]
