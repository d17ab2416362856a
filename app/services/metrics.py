"""Supporter metrics for the staff dashboard: aggregates computed in SQL, exact in minor units.

MRR counts monthly plans at their amount and annual plans at a twelfth (kept as an exact fraction
until display), per currency; donations and complimentary memberships count nothing, nor do
memberships paid outside Stripe (status offline: `offline_figures` counts that money, under its
method). A membership cancelled at period end counts until that end. A paused membership (collection paused at Stripe)
counts nothing in MRR nor among active supporters from the moment it is paused until collection
resumes: it brings in nothing for that time. Pausing is not churn, resuming is not new or
reactivated; a paused membership that ends is churned.

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

from sqlalchemy import case, func, select
from sqlalchemy.orm import aliased

from ..extensions import db
from ..models import (
    Membership,
    Payment,
    Refund,
)
from . import history_figures, member_figures, money_figures
from .measures import (
    _BACK,
    _CHURNED,
    COLLECTED,
    NEW,
    PAID,
    WITHDRAWN,
    Status,
    _movement,
    month_of,
    month_start,
    month_starts,
    paying,
)


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
    gifts: dict[str, tuple[int, int]] = field(default_factory=dict)  # gift memberships, likewise

    def average_per_supporter(self, currency: str) -> Fraction | None:
        return self.mrr[currency] / self.active_supporters if self.active_supporters else None


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
        Payment.updated_at >= start, _renewal(),
    )  # fmt: skip
    rows = db.session.execute(
        select(Payment.kind, Payment.currency, func.count(Payment.id), func.sum(Payment.amount))
        .where(Payment.kind.in_(("donation", "gift")), Payment.status == PAID,
               Payment.created_at >= start)
        .group_by(Payment.kind, Payment.currency)
    ).all()  # fmt: skip
    paid_once = {"donation": result.donations, "gift": result.gifts}  # neither counts in MRR
    for kind, currency, count, total in rows:
        paid_once[kind][currency] = (count, int(total or 0))
    return result


def paying_totals(now: datetime) -> tuple[int, dict[str, Fraction]]:
    """Paying supporters and MRR per currency: the worker's sums of the memberships, put right for
    those changed since (`member_figures`), else one pass over the memberships."""
    rows = member_figures.paying_sums(now)
    if rows is None:
        rows = db.session.execute(
            select(Membership.currency, Membership.interval, func.count(Membership.id),
                   func.coalesce(func.sum(Membership.amount), 0))
            .where(paying(now))
            .group_by(Membership.currency, Membership.interval)
        ).all()  # fmt: skip
    mrr: dict[str, Fraction] = {}
    for currency, interval, _, amount in rows:
        if currency:
            share = {"month": Fraction(int(amount)), "year": Fraction(int(amount), 12)}
            mrr[currency] = mrr.get(currency, Fraction(0)) + share.get(interval, Fraction(0))
    return sum(int(members) for _, _, members, _ in rows), mrr


def mrr(now: datetime | None = None) -> dict[str, Fraction]:
    """Monthly recurring revenue per currency, in minor units (exact)."""
    return paying_totals(now or datetime.now(UTC))[1]


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


def lifetime_value() -> dict[str, Fraction]:
    """Average lifetime value per currency: all subscription money kept (net of refunds and
    disputes) ÷ the supporters who ever paid a subscription in that currency. What supporters have
    given so far, not a forecast. Summed per day and per reader by the worker (`money_figures`)."""
    kept = money_figures.subscription_net()
    return {currency: Fraction(kept.get(currency, 0), count)
            for currency, count in money_figures.payer_counts().items() if count}  # fmt: skip


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


def _renewal():
    """The payment renews its subscription: one of the subscription's was paid before it. (A first
    payment that went through after a decline recovers nothing: the membership only began.)"""
    earlier = aliased(Payment)
    return (
        select(earlier.id)
        .where(earlier.subscription_id == Payment.subscription_id, earlier.id != Payment.id,
               earlier.paid_at < Payment.paid_at)
        .exists()
    )  # fmt: skip


def _sum_by_currency(*conditions) -> dict[str, int]:
    rows = db.session.execute(
        select(Payment.currency, func.sum(Payment.amount))
        .where(*conditions)
        .group_by(Payment.currency)
    ).all()
    return {currency: int(total or 0) for currency, total in rows}


def cash_by_month(since: datetime) -> list[tuple[date, str, str, int]]:
    """(month, plan interval, currency, amount) of subscription money collected since `since`:
    each payment in the month Stripe charged it, less each refund in the month it was made and
    each disputed amount in the month of the dispute. Derived from the payment and refund rows
    (themselves Stripe's newest snapshots), so the figures are the same whatever order the
    events came in."""
    subscription = Payment.kind == "subscription"
    dispute_month = month_of(Payment.disputed_at)
    disputed = (
        select(dispute_month, Payment.interval, Payment.currency,
               -func.sum(Payment.amount - Payment.amount_refunded))
        .where(subscription, Payment.dispute_status.in_(WITHDRAWN), Payment.disputed_at >= since)
        .group_by(dispute_month, Payment.interval, Payment.currency)
    )  # fmt: skip
    rows = [*_paid_by_month(since), *_refunded_by_month(since)]
    for month, interval, currency, total in db.session.execute(disputed):
        if month and interval and total:
            rows.append((_month(month), interval, currency, int(total)))
    return rows


def _from_midnight(since: datetime) -> bool:
    """Whether `since` starts a UTC day: the day summaries (`money_figures`) can answer from it."""
    return since.astimezone(UTC).time() == datetime.min.time()


def _paid_by_month(since: datetime) -> list[tuple[date, str, str, int]]:
    """Subscription money charged since `since`, per month it was paid in, plan interval and
    currency."""
    if _from_midnight(since):
        sums = money_figures.paid_by_month(since.astimezone(UTC).date())
    else:
        paid_month = month_of(Payment.paid_at)
        query = (
            select(paid_month, Payment.interval, Payment.currency, func.sum(Payment.amount))
            .where(Payment.kind == "subscription", Payment.status.in_(COLLECTED),
                   Payment.paid_at >= since)
            .group_by(paid_month, Payment.interval, Payment.currency)
        )  # fmt: skip
        sums = [(_month(m), i, c, int(t or 0)) for m, i, c, t in db.session.execute(query) if m]
    return _by_month(sums)


def _refunded_by_month(since: datetime) -> list[tuple[date, str, str, int]]:
    """Subscription refunds made since `since` (negative), per month made, interval, currency."""
    if _from_midnight(since):
        sums = [
            (m, i, c, -amount)
            for m, i, c, amount in money_figures.refunded_by_month(since.astimezone(UTC).date())
        ]
    else:
        refund_month = month_of(Refund.created)
        query = (
            select(refund_month, Payment.interval, Payment.currency, -func.sum(Refund.amount))
            .join(Payment, Refund.payment_id == Payment.id)
            .where(Payment.kind == "subscription", Refund.status == "succeeded",
                   Refund.created >= since)
            .group_by(refund_month, Payment.interval, Payment.currency)
        )  # fmt: skip
        sums = [(_month(m), i, c, int(t or 0)) for m, i, c, t in db.session.execute(query) if m]
    return _by_month(sums)


def _by_month(sums) -> list[tuple[date, str, str, int]]:
    totals: dict[tuple, int] = {}
    for month, interval, currency, amount in sums:
        totals[(month, interval, currency)] = totals.get((month, interval, currency), 0) + amount
    return [(*key, total) for key, total in totals.items() if key[1] and total]


def _month(value) -> date:
    return date.fromisoformat(str(value)[:10])


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
    days = [(first + timedelta(weeks=index)).date() for index in range(weeks)]
    # Past weeks as the worker counted them, the others from the history (`history_figures`).
    new, churned = (history_figures.week_counts(kind, days, now) for kind in (NEW, _CHURNED))
    return [(day, int(new.get(day, 0)), int(churned.get(day, 0))) for day in days]
