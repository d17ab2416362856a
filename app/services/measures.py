"""What the staff figures count, as queries: who pays now, which membership changes are new or
churned supporters, a payment's money kept, weeks and months. `metrics` and `trends` read figures
with them; the summaries the worker keeps (`money_figures`, `member_figures`, `history_figures`)
are made with the same definitions, so the two can never count differently."""

from datetime import UTC, date, datetime, timedelta

from sqlalchemy import and_, case, func, or_, select, union_all

from ..extensions import db
from ..models import (
    Membership,
    MembershipChange,
    MembershipStatus,
    Payment,
    PaymentAttempt,
    PaymentStatus,
)

Status = MembershipStatus


WITH_ACCESS = (Status.ACTIVE, Status.ENDING, Status.PAST_DUE)


PAID = PaymentStatus.PAID


# Stripe's dispute statuses under which the disputed money has left the account.
WITHDRAWN = ("needs_response", "under_review", "lost")


COLLECTED = (PaymentStatus.PAID, PaymentStatus.REFUNDED, PaymentStatus.DISPUTED)


NEW = (tuple(WITH_ACCESS), (Status.NONE, Status.PENDING))


_CHURNED = ((Status.LAPSED,), (*WITH_ACCESS, Status.PAUSED))


_BACK = (tuple(WITH_ACCESS), (Status.LAPSED,))


def paying(now: datetime):
    """Memberships that pay and count in MRR right now."""
    return and_(
        Membership.status.in_(WITH_ACCESS),
        or_(Membership.status != Status.ENDING, Membership.current_period_end > now),
    )


def month_start(moment: datetime) -> datetime:
    return moment.replace(day=1, hour=0, minute=0, second=0, microsecond=0)


def month_starts(months: int, now: datetime) -> list[date]:
    starts = [month_start(now)]
    for _ in range(months - 1):
        starts.insert(0, month_start(starts[0] - timedelta(days=1)))
    return [start.date() for start in starts]


def _week(column):
    """The Monday starting the column's week, as text."""
    if db.session.get_bind().dialect.name == "postgresql":
        return func.to_char(func.date_trunc("week", column), "YYYY-MM-DD")
    return func.date(column, "-6 days", "weekday 1")


def month_of(column):
    """The first day of the column's month, as text (YYYY-MM-01)."""
    if db.session.get_bind().dialect.name == "postgresql":
        return func.to_char(func.date_trunc("month", column), "YYYY-MM-DD")
    return func.strftime("%Y-%m-01", column)


def movement_query(kind, start: datetime, end: datetime | None = None, by=None):
    """Memberships that moved (to, from) in [start, end), each counted once; grouped by `by` if given.
    Each is a range scan of the (to_status, from_status, at) index."""
    to, from_ = kind
    change = MembershipChange
    columns = [by] if by is not None else []
    statement = select(*columns, func.count(func.distinct(change.membership_id))).where(
        change.to_status.in_(to), change.from_status.in_(from_), change.at >= start
    )
    if end is not None:
        statement = statement.where(change.at < end)
    return statement.group_by(by) if by is not None else statement


def _movement(kind, start: datetime, end: datetime | None = None, by=None):
    statement = movement_query(kind, start, end, by)
    if by is not None:
        return db.session.execute(statement).all()
    return int(db.session.scalar(statement) or 0)


def week_counts_of_rows(kind, first: date) -> dict[date, int]:
    """Memberships that moved so in each week from `first` on (weeks start Monday)."""
    week = _week(MembershipChange.at)
    start = datetime.combine(first, datetime.min.time(), UTC)
    return {date.fromisoformat(str(w)[:10]): int(n) for w, n in _movement(kind, start, by=week)}


def net_amount():
    """A payment's money kept: less what was refunded, nothing while a dispute has taken it."""
    kept = Payment.amount - Payment.amount_refunded
    return case((Payment.dispute_status.in_(WITHDRAWN), 0), else_=kept)


def stood_rows(moments: list[datetime]):
    """The membership history's standing at each moment, in one pass (a window over each
    membership's rows, then one conditional sum per moment): per currency and plan interval, the
    memberships paying at each moment and their summed amounts (two columns per moment)."""
    change = MembershipChange
    following = func.lead(change.at).over(
        partition_by=change.membership_id, order_by=(change.at, change.id)
    )
    rows = select(
        change.to_status, change.amount, change.currency, change.interval, change.period_end,
        change.at, following.label("next_at"),
    ).subquery()  # fmt: skip
    ends_sooner = and_(
        rows.c.to_status == Status.ENDING,
        rows.c.period_end.is_not(None),
        or_(rows.c.next_at.is_(None), rows.c.period_end < rows.c.next_at),
    )
    until = case((ends_sooner, rows.c.period_end), else_=rows.c.next_at)
    columns = []
    for moment in moments:
        held = and_(rows.c.at <= moment, or_(until.is_(None), until > moment))
        columns += [
            func.sum(case((held, 1), else_=0)),
            func.sum(case((held, func.coalesce(rows.c.amount, 0)), else_=0)),
        ]
    return (
        select(rows.c.currency, rows.c.interval, *columns)
        .where(rows.c.to_status.in_(WITH_ACCESS))
        .group_by(rows.c.currency, rows.c.interval)
    )


def _started(*where):
    """Each membership's first start (the first move to paying from none or pending)."""
    change = MembershipChange
    to, from_ = NEW
    return (
        select(change.membership_id, func.min(change.at).label("started"))
        .where(change.to_status.in_(to), change.from_status.in_(from_), *where)
        .group_by(change.membership_id)
        .subquery()
    )


def attributed_payments(*columns, where=()):
    """Each collected subscription and donation payment beside the attempt that started it (the
    attempt naming its subscription or payment intent), as a subquery of `columns` (labelled), the
    payment's currency and its money kept (`net`)."""
    net = net_amount()
    collected = Payment.status.in_(COLLECTED)
    linked = [
        select(*columns, Payment.currency.label("currency"), net.label("net"))
        .join(PaymentAttempt, PaymentAttempt.subscription_id == Payment.subscription_id)
        .where(Payment.kind == "subscription", collected, *where),
        select(*columns, Payment.currency, net)
        .join(PaymentAttempt, PaymentAttempt.payment_intent_id == Payment.payment_intent_id)
        .where(Payment.kind == "donation", collected, *where),
    ]
    return union_all(*linked).subquery()
