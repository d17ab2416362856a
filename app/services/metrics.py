"""Supporter metrics for the staff dashboard: aggregates computed in SQL, exact in minor units.

MRR counts monthly plans at their amount and annual plans at a twelfth (kept as an exact fraction
until display), per currency; donations and complimentary memberships count nothing. A membership
cancelled at period end counts until that end.

The MRR history reads the same rule back from the membership history: each `MembershipChange`
row holds the membership's status and plan after the change, so a membership stood as its newest
row said until its next row (or, while ending, until its period's end if sooner).

Churn: the month's rate is churned this month ÷ active at the start of the month, so it has no value
while nobody was active on the 1st. The rolling rate is churned in the last 30 days ÷ everyone who
could have churned in them: active 30 days ago + new + reactivated since. Both reckon "active then"
as active now, less those who joined or came back since, plus those who left.
"""

from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from fractions import Fraction

from sqlalchemy import and_, case, func, or_, select

from ..extensions import db
from ..models import (
    Membership,
    MembershipChange,
    MembershipStatus,
    Payment,
    PaymentStatus,
    Refund,
)

Status = MembershipStatus
WITH_ACCESS = (Status.ACTIVE, Status.ENDING, Status.PAST_DUE)
PAID = PaymentStatus.PAID


@dataclass
class Overview:
    active_supporters: int = 0
    complimentary: int = 0
    mrr: dict[str, Fraction] = field(default_factory=dict)  # per currency, minor units
    new: int = 0
    churned: int = 0
    reactivated: int = 0
    churn_rate: Fraction | None = None
    churned_30_days: int = 0
    rolling_churn: Fraction | None = None  # the last 30 days
    lifetime_value: dict[str, Fraction] = field(default_factory=dict)  # per currency
    failing: int = 0
    at_risk: dict[str, Fraction] = field(default_factory=dict)
    recovered: dict[str, int] = field(default_factory=dict)
    donations: dict[str, tuple[int, int]] = field(default_factory=dict)  # currency: (count, total)

    def average_per_supporter(self, currency: str) -> Fraction | None:
        return self.mrr[currency] / self.active_supporters if self.active_supporters else None


def month_start(moment: datetime) -> datetime:
    return moment.replace(day=1, hour=0, minute=0, second=0, microsecond=0)


def overview(now: datetime | None = None) -> Overview:
    """This month's figures (UTC calendar month)."""
    now = now or datetime.now(UTC)
    start = month_start(now)
    result = Overview()
    result.active_supporters, result.mrr = paying_totals(now)
    result.complimentary = db.session.scalar(
        select(func.count(Membership.id)).where(Membership.status == Status.COMPLIMENTARY)
    )
    result.new, result.churned, result.reactivated = _movements(start, now)
    at_start = result.active_supporters - result.new - result.reactivated + result.churned
    result.churn_rate = Fraction(result.churned, at_start) if at_start > 0 else None
    result.churned_30_days, result.rolling_churn = rolling_churn(result.active_supporters, now)
    result.lifetime_value = lifetime_value()
    result.failing, result.at_risk = _failing()
    result.recovered = _sum_by_currency(
        Payment.kind == "subscription", Payment.status == PAID, Payment.failure_code.is_not(None),
        Payment.updated_at >= start,
    )  # fmt: skip
    rows = db.session.execute(
        select(Payment.currency, func.count(Payment.id), func.sum(Payment.amount))
        .where(Payment.kind == "donation", Payment.status == PAID, Payment.created_at >= start)
        .group_by(Payment.currency)
    ).all()
    result.donations = {currency: (count, int(total or 0)) for currency, count, total in rows}
    return result


def paying(now: datetime):
    """Memberships that pay and count in MRR right now."""
    return and_(
        Membership.status.in_(WITH_ACCESS),
        or_(Membership.status != Status.ENDING, Membership.current_period_end > now),
    )


def paying_totals(now: datetime) -> tuple[int, dict[str, Fraction]]:
    """Paying supporters and MRR per currency, in one pass over the memberships."""
    monthly = func.sum(case((Membership.interval == "month", Membership.amount), else_=0))
    yearly = func.sum(case((Membership.interval == "year", Membership.amount), else_=0))
    rows = db.session.execute(
        select(Membership.currency, func.count(Membership.id), monthly, yearly)
        .where(paying(now))
        .group_by(Membership.currency)
    ).all()
    count = sum(row[1] for row in rows)
    return count, {c: Fraction(int(m or 0)) + Fraction(int(y or 0), 12) for c, _, m, y in rows if c}


def mrr(now: datetime | None = None) -> dict[str, Fraction]:
    """Monthly recurring revenue per currency, in minor units (exact)."""
    return paying_totals(now or datetime.now(UTC))[1]


NEW = (tuple(WITH_ACCESS), (Status.NONE, Status.PENDING))
_CHURNED = ((Status.LAPSED,), tuple(WITH_ACCESS))
_BACK = (tuple(WITH_ACCESS), (Status.LAPSED,))


def _movement(kind, start: datetime, end: datetime | None = None, by=None):
    """Memberships that moved (to, from) in [start, end), each counted once; grouped by `by` if given.
    Each is a range scan of the (to_status, at) index."""
    to, from_ = kind
    change = MembershipChange
    columns = [by] if by is not None else []
    statement = select(*columns, func.count(func.distinct(change.membership_id))).where(
        change.to_status.in_(to), change.from_status.in_(from_), change.at >= start
    )
    if end is not None:
        statement = statement.where(change.at < end)
    if by is not None:
        return db.session.execute(statement.group_by(by)).all()
    return int(db.session.scalar(statement) or 0)


def _movements(start: datetime, end: datetime) -> tuple[int, int, int]:
    """New, churned and reactivated supporters between `start` and `end` (each counted once)."""
    return tuple(_movement(kind, start, end) for kind in (NEW, _CHURNED, _BACK))


ROLLING_DAYS = 30


def rolling_churn(active_now: int, now: datetime) -> tuple[int, Fraction | None]:
    """(churned, rate) over the last 30 days: churned ÷ (active 30 days ago + new + reactivated
    since), where active 30 days ago = active now - new - reactivated + churned. The denominator is
    then active now + churned: never zero once anyone has churned."""
    _, churned, _ = _movements(now - timedelta(days=ROLLING_DAYS), now)
    at_risk = active_now + churned
    return churned, Fraction(churned, at_risk) if at_risk > 0 else None


def net_amount():
    """A payment's money kept: less what was refunded, nothing while a dispute has taken it."""
    kept = Payment.amount - Payment.amount_refunded
    return case((Payment.dispute_status.in_(WITHDRAWN), 0), else_=kept)


def lifetime_value() -> dict[str, Fraction]:
    """Average lifetime value per currency: all subscription money kept (net of refunds and
    disputes) ÷ the supporters who ever paid a subscription in that currency. What supporters have
    given so far, not a forecast."""
    rows = db.session.execute(
        select(Payment.currency, func.sum(net_amount()), func.count(func.distinct(Payment.user_id)))
        .where(Payment.kind == "subscription", Payment.status.in_(COLLECTED))
        .group_by(Payment.currency)
    ).all()
    return {currency: Fraction(int(total or 0), count) for currency, total, count in rows if count}


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


# Stripe's dispute statuses under which the disputed money has left the account.
WITHDRAWN = ("needs_response", "under_review", "lost")
COLLECTED = (PaymentStatus.PAID, PaymentStatus.REFUNDED, PaymentStatus.DISPUTED)


def cash_by_month(since: datetime) -> list[tuple[date, str, str, int]]:
    """(month, plan interval, currency, amount) of subscription money collected since `since`:
    each payment in the month Stripe charged it, less each refund in the month it was made and
    each disputed amount in the month of the dispute. Derived from the payment and refund rows
    (themselves Stripe's newest snapshots), so the figures are the same whatever order the
    events came in."""
    subscription = Payment.kind == "subscription"
    paid_month, refund_month, dispute_month = (
        month_of(Payment.paid_at), month_of(Refund.created), month_of(Payment.disputed_at)
    )  # fmt: skip
    queries = [
        select(paid_month, Payment.interval, Payment.currency, func.sum(Payment.amount))
        .where(subscription, Payment.status.in_(COLLECTED), Payment.paid_at >= since)
        .group_by(paid_month, Payment.interval, Payment.currency),
        select(refund_month, Payment.interval, Payment.currency, -func.sum(Refund.amount))
        .join(Payment, Refund.payment_id == Payment.id)
        .where(subscription, Refund.status == "succeeded", Refund.created >= since)
        .group_by(refund_month, Payment.interval, Payment.currency),
        select(dispute_month, Payment.interval, Payment.currency,
               -func.sum(Payment.amount - Payment.amount_refunded))
        .where(subscription, Payment.dispute_status.in_(WITHDRAWN), Payment.disputed_at >= since)
        .group_by(dispute_month, Payment.interval, Payment.currency),
    ]  # fmt: skip
    rows = []
    for query in queries:
        for month, interval, currency, total in db.session.execute(query):
            if month and interval and total:
                rows.append((date.fromisoformat(str(month)[:10]), interval, currency, int(total)))
    return rows


def month_starts(months: int, now: datetime) -> list[date]:
    starts = [month_start(now)]
    for _ in range(months - 1):
        starts.insert(0, month_start(starts[0] - timedelta(days=1)))
    return [start.date() for start in starts]


def cash_history(
    months: int = 12, now: datetime | None = None
) -> list[tuple[date, dict[str, Fraction]]]:
    """Subscription cash collected per month, net of refunds and disputes (`cash_by_month`), with an
    annual payment spread as a twelfth over the twelve months from its payment. Oldest month first.
    This is cash, not MRR: MRR is what active plans stand at (`mrr`, `mrr_history`)."""
    now = now or datetime.now(UTC)
    starts = month_starts(months, now)
    since = month_starts(12, datetime.combine(starts[0], datetime.min.time()))[0]
    rows = cash_by_month(datetime.combine(since, datetime.min.time(), tzinfo=UTC))
    history: dict[date, dict[str, Fraction]] = {start: {} for start in starts}
    for paid, interval, currency, total in rows:
        for start in starts:
            if (paid == start) if interval == "month" else _within_year(paid, start):
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
    week = _week(MembershipChange.at)
    new = {date.fromisoformat(str(w)[:10]): n for w, n in _movement(NEW, first, by=week)}
    churned = {date.fromisoformat(str(w)[:10]): n for w, n in _movement(_CHURNED, first, by=week)}
    days = [(first + timedelta(weeks=index)).date() for index in range(weeks)]
    return [(day, int(new.get(day, 0)), int(churned.get(day, 0))) for day in days]
