"""Supporter metrics for the staff dashboard: aggregates computed in SQL, exact in minor units.

MRR counts monthly plans at their amount and annual plans at a twelfth (kept as an exact fraction
until display), per currency; gifts and complimentary memberships count nothing. A membership
cancelled at period end counts until that end.
"""

from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from fractions import Fraction

from sqlalchemy import and_, case, func, or_, select

from ..extensions import db
from ..models import Membership, MembershipChange, MembershipStatus, Payment

Status = MembershipStatus
WITH_ACCESS = (Status.ACTIVE, Status.ENDING, Status.PAST_DUE)


@dataclass
class Overview:
    active_supporters: int = 0
    complimentary: int = 0
    mrr: dict[str, Fraction] = field(default_factory=dict)  # per currency, minor units
    new: int = 0
    churned: int = 0
    reactivated: int = 0
    churn_rate: Fraction | None = None
    failing: int = 0
    at_risk: dict[str, Fraction] = field(default_factory=dict)
    recovered: dict[str, int] = field(default_factory=dict)
    gifts: dict[str, tuple[int, int]] = field(default_factory=dict)  # currency: (count, total)

    def average_per_supporter(self, currency: str) -> Fraction | None:
        return self.mrr[currency] / self.active_supporters if self.active_supporters else None


def month_start(moment: datetime) -> datetime:
    return moment.replace(day=1, hour=0, minute=0, second=0, microsecond=0)


def overview(now: datetime | None = None) -> Overview:
    """This month's figures (UTC calendar month)."""
    now = now or datetime.now(UTC)
    start = month_start(now)
    result = Overview()
    result.active_supporters = _count_paying(now)
    result.complimentary = db.session.scalar(
        select(func.count(Membership.id)).where(Membership.status == Status.COMPLIMENTARY)
    )
    result.mrr = mrr(now)
    result.new, result.churned, result.reactivated = _movements(start, now)
    at_start = result.active_supporters - result.new - result.reactivated + result.churned
    result.churn_rate = Fraction(result.churned, at_start) if at_start > 0 else None
    result.failing, result.at_risk = _failing()
    result.recovered = _sum_by_currency(
        Payment.kind == "subscription", Payment.status == "paid", Payment.failure_code.is_not(None),
        Payment.updated_at >= start,
    )  # fmt: skip
    rows = db.session.execute(
        select(Payment.currency, func.count(Payment.id), func.sum(Payment.amount))
        .where(Payment.kind == "gift", Payment.status == "paid", Payment.created_at >= start)
        .group_by(Payment.currency)
    ).all()
    result.gifts = {currency: (count, int(total or 0)) for currency, count, total in rows}
    return result


def _paying(now: datetime):
    """Memberships that pay and count in MRR right now."""
    return and_(
        Membership.status.in_(WITH_ACCESS),
        or_(Membership.status != Status.ENDING, Membership.current_period_end > now),
    )


def _count_paying(now: datetime) -> int:
    return db.session.scalar(select(func.count(Membership.id)).where(_paying(now)))


def mrr(now: datetime | None = None) -> dict[str, Fraction]:
    """Monthly recurring revenue per currency, in minor units (exact)."""
    now = now or datetime.now(UTC)
    monthly = func.sum(case((Membership.interval == "month", Membership.amount), else_=0))
    yearly = func.sum(case((Membership.interval == "year", Membership.amount), else_=0))
    rows = db.session.execute(
        select(Membership.currency, monthly, yearly)
        .where(_paying(now))
        .group_by(Membership.currency)
    ).all()
    return {
        currency: Fraction(int(m or 0)) + Fraction(int(y or 0), 12)
        for currency, m, y in rows
        if currency
    }


def _movements(start: datetime, end: datetime) -> tuple[int, int, int]:
    """New, churned and reactivated supporters between `start` and `end` (each counted once)."""
    change = MembershipChange
    new = and_(
        change.to_status.in_(WITH_ACCESS), change.from_status.in_([Status.NONE, Status.PENDING])
    )
    churned = and_(change.to_status == Status.LAPSED, change.from_status.in_(WITH_ACCESS))
    back = and_(change.to_status.in_(WITH_ACCESS), change.from_status == Status.LAPSED)
    row = db.session.execute(
        select(
            func.count(func.distinct(case((new, change.membership_id)))),
            func.count(func.distinct(case((churned, change.membership_id)))),
            func.count(func.distinct(case((back, change.membership_id)))),
        ).where(change.at >= start, change.at < end)
    ).one()
    return int(row[0]), int(row[1]), int(row[2])


def _failing() -> tuple[int, dict[str, Fraction]]:
    monthly = func.sum(case((Membership.interval == "month", Membership.amount), else_=0))
    yearly = func.sum(case((Membership.interval == "year", Membership.amount), else_=0))
    rows = db.session.execute(
        select(Membership.currency, func.count(Membership.id), monthly, yearly)
        .where(Membership.status == Status.PAST_DUE)
        .group_by(Membership.currency)
    ).all()
    count = sum(row[1] for row in rows)
    return count, {c: Fraction(int(m or 0)) + Fraction(int(y or 0), 12) for c, _, m, y in rows if c}


def _sum_by_currency(*conditions) -> dict[str, int]:
    rows = db.session.execute(
        select(Payment.currency, func.sum(Payment.amount))
        .where(*conditions)
        .group_by(Payment.currency)
    ).all()
    return {currency: int(total or 0) for currency, total in rows}


def _month(column):
    """The first day of the column's month, as text (one spelling for SQLite and PostgreSQL)."""
    if db.session.get_bind().dialect.name == "postgresql":
        return func.to_char(func.date_trunc("month", column), "YYYY-MM-DD")
    return func.strftime("%Y-%m-01", column)


def _week(column):
    """The Monday starting the column's week, as text."""
    if db.session.get_bind().dialect.name == "postgresql":
        return func.to_char(func.date_trunc("week", column), "YYYY-MM-DD")
    return func.date(column, "-6 days", "weekday 1")


def _month_starts(months: int, now: datetime) -> list[date]:
    starts = [month_start(now)]
    for _ in range(months - 1):
        starts.insert(0, month_start(starts[0] - timedelta(days=1)))
    return [start.date() for start in starts]


def mrr_history(
    months: int = 12, now: datetime | None = None
) -> list[tuple[date, dict[str, Fraction]]]:
    """MRR earned per month from paid invoices: a monthly invoice counts in its month, an annual one
    a twelfth in each of the twelve months from its payment. Oldest month first; one query."""
    now = now or datetime.now(UTC)
    starts = _month_starts(months, now)
    since = datetime.combine(_month_starts(12, datetime.combine(starts[0], datetime.min.time()))[0],
                             datetime.min.time(), UTC)  # fmt: skip
    month = _month(Payment.created_at)
    rows = db.session.execute(
        select(month, Payment.interval, Payment.currency, func.sum(Payment.amount))
        .where(Payment.kind == "subscription", Payment.status.in_(["paid", "refunded", "disputed"]),
               Payment.created_at >= since)
        .group_by(month, Payment.interval, Payment.currency)
    ).all()  # fmt: skip
    history = {start: {} for start in starts}
    for paid_month, interval, currency, total in rows:
        paid = date.fromisoformat(str(paid_month)[:10])
        for start in starts:
            counts = paid == start if interval == "month" else _within_year(paid, start)
            if counts and interval in ("month", "year"):
                share = Fraction(int(total)) if interval == "month" else Fraction(int(total), 12)
                history[start][currency] = history[start].get(currency, Fraction(0)) + share
    return list(history.items())


def _within_year(paid: date, month: date) -> bool:
    months_after = (month.year - paid.year) * 12 + month.month - paid.month
    return 0 <= months_after < 12


def weekly_movements(weeks: int = 12, now: datetime | None = None) -> list[tuple[date, int, int]]:
    """(week start, new, churned) for the last `weeks` weeks, oldest first (weeks start Monday)."""
    now = now or datetime.now(UTC)
    this_week = (now - timedelta(days=now.weekday())).replace(
        hour=0, minute=0, second=0, microsecond=0
    )
    first = this_week - timedelta(weeks=weeks - 1)
    change = MembershipChange
    new = and_(
        change.to_status.in_(WITH_ACCESS), change.from_status.in_([Status.NONE, Status.PENDING])
    )
    churned = and_(change.to_status == Status.LAPSED, change.from_status.in_(WITH_ACCESS))
    week = _week(change.at)
    rows = db.session.execute(
        select(week, func.count(func.distinct(case((new, change.membership_id)))),
               func.count(func.distinct(case((churned, change.membership_id)))))
        .where(change.at >= first).group_by(week)
    ).all()  # fmt: skip
    counts = {date.fromisoformat(str(start)[:10]): (int(n), int(c)) for start, n, c in rows}
    return [
        (day, *counts.get(day, (0, 0)))
        for day in ((first + timedelta(weeks=index)).date() for index in range(weeks))
    ]
