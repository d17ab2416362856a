"""What money received outside Stripe adds up to, apart from Stripe's figures and never in MRR:
this month's payments and each month's cash per method and currency, the members whose
membership it pays for now, and the staff list of entries. A voided entry counts nowhere."""

from dataclasses import dataclass
from datetime import UTC, date, datetime

from sqlalchemy import func, select
from sqlalchemy.orm import aliased

from ..extensions import db
from ..models import (
    Membership,
    MembershipStatus,
    OfflineMethod,
    Payment,
    PaymentKind,
    PaymentStatus,
    User,
)
from .measures import month_of, month_start, month_starts

PER_PAGE = 50


@dataclass(frozen=True)
class MethodTotal:
    """Payments received one way in one currency: how many, and their sum in minor units."""

    method: OfflineMethod
    currency: str
    count: int
    total: int


def _received():
    return (Payment.kind == PaymentKind.OFFLINE, Payment.status == PaymentStatus.PAID)


def this_month(now: datetime | None = None) -> list[MethodTotal]:
    """Offline payments received this month (UTC), per method and currency."""
    start = month_start(now or datetime.now(UTC))
    rows = db.session.execute(
        select(Payment.method, Payment.currency, func.count(Payment.id), func.sum(Payment.amount))
        .where(*_received(), Payment.paid_at >= start)
        .group_by(Payment.method, Payment.currency)
        .order_by(Payment.method, Payment.currency)
    ).all()
    return [MethodTotal(OfflineMethod(m), c, n, int(t or 0)) for m, c, n, t in rows]


def cash_by_month(
    months: int = 12, now: datetime | None = None
) -> list[tuple[date, list[MethodTotal]]]:
    """Offline cash received in each of the last `months` months (UTC), per method and currency,
    oldest month first: each payment counts whole in the month it was received."""
    starts = month_starts(months, now or datetime.now(UTC))
    month = month_of(Payment.paid_at)
    rows = db.session.execute(
        select(
            month,
            Payment.method,
            Payment.currency,
            func.count(Payment.id),
            func.sum(Payment.amount),
        )
        .where(
            *_received(), Payment.paid_at >= datetime.combine(starts[0], datetime.min.time(), UTC)
        )
        .group_by(month, Payment.method, Payment.currency)
        .order_by(month, Payment.method, Payment.currency)
    ).all()
    found: dict[date, list[MethodTotal]] = {start: [] for start in starts}
    for paid, method, currency, count, total in rows:
        key = date.fromisoformat(str(paid)[:10])
        if key in found:
            found[key].append(MethodTotal(OfflineMethod(method), currency, count, int(total or 0)))
    return list(found.items())


def members_now() -> int:
    """Memberships an offline payment pays for now (a live Stripe subscription counts as Stripe's)."""
    return int(
        db.session.scalar(
            select(func.count(Membership.id)).where(Membership.status == MembershipStatus.OFFLINE)
        )
        or 0
    )


@dataclass(frozen=True)
class Entry:
    """One offline payment as the staff list shows it, with the people it names."""

    payment: Payment
    reader: str | None  # the reader's email (None once the account is gone)
    recorded_by: str | None
    voided_by: str | None


def entries(page: int = 1) -> tuple[list[Entry], bool]:
    """One page of offline payments, voided ones too, newest first; and whether more follow."""
    reader, recorder, voider = aliased(User), aliased(User), aliased(User)
    rows = db.session.execute(
        select(Payment, reader.email, recorder.email, voider.email)
        .outerjoin(reader, reader.id == Payment.user_id)
        .outerjoin(recorder, recorder.id == Payment.recorded_by_id)
        .outerjoin(voider, voider.id == Payment.voided_by_id)
        .where(Payment.kind == PaymentKind.OFFLINE)
        .order_by(Payment.created_at.desc(), Payment.id.desc())
        .limit(PER_PAGE + 1)
        .offset((max(page, 1) - 1) * PER_PAGE)
    ).all()
    return [Entry(*row) for row in rows[:PER_PAGE]], len(rows) > PER_PAGE
