"""The staff figures' summaries of memberships (`figures` explains them), and reading through
them: paying supporters and MRR now, retention, new supporters per source.

A membership's row (`MembershipFact`) holds what the figures read of it when the worker last looked,
`measures.paying` then included; `MemberSum` and `StartSum` sum those rows. A read takes the sums and
puts right the memberships that changed since (updated, or given history rows) and those whose
paying may have changed with the clock alone: by `measures.paying`, only an ending membership whose
period ended in between. That reading of `measures.paying` is checked (`PAYING_RULE`): another rule
turns these summaries off until this module is taught it.
"""

import hashlib
from datetime import date, datetime

from sqlalchemy import Date, case, cast, delete, func, insert, or_, select
from sqlalchemy.dialects import sqlite

from ..extensions import db
from ..models import (
    Membership,
    MembershipChange,
    MembershipFact,
    MembershipStatus,
    MemberSum,
    StartSum,
)
from ..utc import aware
from .figures import (
    EPOCH,
    MARGIN,
    chunks,
    memo,
    per_dialect,
    read_mark,
    remembered,
    rule_of,
    write_mark,
)

MEMBERS = "members"
PUT_RIGHT_AT_MOST = 5000  # memberships read one by one before one pass over them all is cheaper
# `measures.paying` as this module reads it (see the module's docstring), as SQLite spells it.
PAYING_RULE = "95d145331035430c"


def paying_rule() -> str:
    from .measures import paying

    sql = str(paying(EPOCH).compile(dialect=sqlite.dialect()))
    return hashlib.sha256(sql.encode()).hexdigest()[:16]


def month_of_start(column):
    """The first day of the UTC month of a timestamp column (SQL), as a date."""
    if db.session.get_bind().dialect.name == "postgresql":
        return cast(func.date_trunc("month", func.timezone("UTC", column)), Date)
    return func.date(column, "start of month")


# Each membership as the figures read it -----------------------------------------------------------


def _facts(now: datetime, ids: list[int] | None = None):
    """Each membership's row as of `now` (of these memberships, if given): its plan,
    `measures.paying`, its first start (`measures._started`) and where it came from."""
    from .measures import _started, paying

    if ids is None:
        started, where = _started(), ()
    else:
        started = _started(MembershipChange.membership_id.in_(ids))
        where = (Membership.id.in_(ids),)
    return (
        select(Membership.id, Membership.status, Membership.currency, Membership.interval,
               Membership.amount, Membership.current_period_end, paying(now),
               started.c.started, Membership.article_id, Membership.prompt_id)
        .outerjoin(started, started.c.membership_id == Membership.id)
        .where(*where)
    )  # fmt: skip


@per_dialect
def _members_rule() -> str:
    if paying_rule() != PAYING_RULE:
        return "unknown paying rule"  # never a mark's: reads and the worker leave it alone
    return rule_of(_facts(EPOCH), _facts(EPOCH, [0]))


def _changed(mark) -> frozenset[int]:
    """Memberships changed since the last look, or given history rows."""
    changed = select(Membership.id).where(
        or_(Membership.id > mark.ids.get("memberships", 0), Membership.updated_at > mark.since())
    )
    history = select(MembershipChange.membership_id).where(
        MembershipChange.id > mark.ids.get("changes", 0)
    )
    return frozenset(
        i for statement in (changed, history) for (i,) in db.session.execute(statement)
    )


def _clock(looked_at: datetime, now: datetime) -> frozenset[int]:
    """Memberships whose paying may differ between the last look and `now` by the clock alone:
    ending, with the period's end in between (`measures.paying`; see PAYING_RULE). A few more do
    no harm (they are put right all the same): the last answer serves a page's other moments."""
    low, high = sorted((looked_at, now))
    last = memo().get("clock")
    if last is not None and last[0] <= low and high <= last[1]:
        return last[2]
    low, high = low - MARGIN, high + MARGIN
    ending = select(MembershipFact.membership_id).where(
        MembershipFact.status == MembershipStatus.ENDING.value,
        MembershipFact.until >= low, MembershipFact.until <= high,
    )  # fmt: skip
    found = frozenset(i for (i,) in db.session.execute(ending))
    memo()["clock"] = (low, high, found)
    return found


def _touched(mark, now: datetime) -> list[int]:
    return sorted(_changed(mark) | _clock(mark.looked_at, now))


def _stored(ids: list[int]) -> list[tuple]:
    fact = MembershipFact
    rows: list[tuple] = []
    for chunk in chunks(ids):
        rows += db.session.execute(
            select(fact.status, fact.currency, fact.interval, fact.amount, fact.paying,
                   fact.started_at, fact.article_id, fact.prompt_id)
            .where(fact.membership_id.in_(chunk))
        ).all()  # fmt: skip
    return rows


def _live(now: datetime, ids: list[int]) -> list[tuple]:
    rows: list[tuple] = []
    for chunk in chunks(ids):
        for row in db.session.execute(_facts(now, chunk)):
            _, status, currency, interval, amount, _, paying, started, article, prompt = row
            rows.append((status, currency, interval, amount, paying, started, article, prompt))
    return rows


def member_state(now: datetime):
    """The mark, and the stored and live rows (status, currency, interval, amount, paying,
    started, article, prompt) of the memberships to put right at `now`; or None to read the
    memberships whole. What changed is read once a page (`figures.remembered`)."""
    base = remembered("members", lambda: _base())
    if base is None:
        return None
    mark, changed = base
    ids = sorted(changed | _clock(mark.looked_at, now))
    if len(ids) > PUT_RIGHT_AT_MOST:
        return None  # as many changed as one pass over the memberships would read
    stored = remembered(("members stored", tuple(ids)), lambda: _stored(ids))
    return mark, stored, _live(now, ids) if ids else []


def _base():
    mark = read_mark(MEMBERS, _members_rule())
    return None if mark is None else (mark, _changed(mark))


def paying_sums(now: datetime) -> list[tuple] | None:
    """(currency, interval, members, amount) of the memberships paying at `now`
    (`measures.paying`), or None when the summaries cannot say."""
    state = member_state(now)
    if state is None:
        return None
    _, stored, live = state
    totals: dict[tuple, list[int]] = {}
    for currency, interval, members, amount in db.session.execute(
        select(MemberSum.currency, MemberSum.interval, MemberSum.members, MemberSum.amount)
    ):
        totals[(currency, interval)] = [int(members), int(amount)]
    for rows, sign in ((stored, -1), (live, 1)):
        for _, currency, interval, amount, paying, *_ in rows:
            if paying:
                total = totals.setdefault((currency, interval), [0, 0])
                total[0] += sign
                total[1] += sign * int(amount or 0)
    return [(c, i, n, a) for (c, i), (n, a) in totals.items() if n]


def start_sums(now: datetime, by: str) -> dict | None:
    """Memberships that ever started paying and how many of them pay at `now`, per "month" they
    first started, "article" or "prompt" they came from: {key: (memberships, paying)}; None when
    the summaries cannot say."""
    state = member_state(now)
    if state is None:
        return None
    _, stored, live = state
    column = {
        "month": StartSum.month,
        "article": StartSum.article_id,
        "prompt": StartSum.prompt_id,
    }[by]
    totals: dict = {}
    for key, members, paying in db.session.execute(
        select(column, func.sum(StartSum.members), func.sum(StartSum.paying)).group_by(column)
    ):
        totals[_month(key) if by == "month" and key is not None else key] = [
            int(members),
            int(paying),
        ]
    for rows, sign in ((stored, -1), (live, 1)):
        for _, _, _, _, paying, started, article, prompt in rows:
            if started is None:
                continue
            month = aware(started).date().replace(day=1)
            total = totals.setdefault(
                {"month": month, "article": article, "prompt": prompt}[by], [0, 0]
            )
            total[0] += sign
            total[1] += sign * int(bool(paying))
    return {key: (n, s) for key, (n, s) in totals.items() if n}


def _month(value) -> date:
    return value if isinstance(value, date) else date.fromisoformat(str(value)[:10])


def _refresh_members(now: datetime) -> str:
    rule = _members_rule()
    if rule == "unknown paying rule":
        return "members: not kept (measures.paying has changed: see member_figures)"
    mark = read_mark(MEMBERS, rule)
    newest = db.session.scalar(select(func.max(Membership.id))) or 0
    newest_change = db.session.scalar(select(func.max(MembershipChange.id))) or 0
    columns = ["membership_id", "status", "currency", "interval", "amount", "until", "paying",
               "started_at", "article_id", "prompt_id"]  # fmt: skip
    if mark is None:
        db.session.execute(delete(MembershipFact))
        db.session.execute(insert(MembershipFact).from_select(columns, _facts(now)))
        done = "members: made"
    else:
        touched = _touched(mark, now)
        for chunk in chunks(touched):
            db.session.execute(
                delete(MembershipFact).where(MembershipFact.membership_id.in_(chunk))
            )
            db.session.execute(insert(MembershipFact).from_select(columns, _facts(now, chunk)))
        done = f"members: {len(touched)} recomputed"
    fact = MembershipFact
    db.session.execute(delete(MemberSum))
    db.session.execute(insert(MemberSum).from_select(
        ["currency", "interval", "members", "amount"],
        select(fact.currency, fact.interval, func.count(), func.coalesce(func.sum(fact.amount), 0))
        .where(fact.paying).group_by(fact.currency, fact.interval),
    ))  # fmt: skip
    month = month_of_start(fact.started_at)
    db.session.execute(delete(StartSum))
    db.session.execute(insert(StartSum).from_select(
        ["month", "article_id", "prompt_id", "members", "paying"],
        select(month, fact.article_id, fact.prompt_id, func.count(),
               func.sum(case((fact.paying, 1), else_=0)))
        .where(fact.started_at.is_not(None)).group_by(month, fact.article_id, fact.prompt_id),
    ))  # fmt: skip
    write_mark(MEMBERS, rule, now, 0, memberships=newest, changes=newest_change)
    db.session.flush()
    return done


def refresh(now: datetime) -> str:
    return _refresh_members(now)
