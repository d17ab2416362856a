"""Money received outside Stripe, for readers Stripe and PayPal do not serve: a bank transfer, a
money transfer service, cash handed to a person the outlet trusts. Staff record each payment (the
audit log names who); it gives the reader a membership for the days it pays for, is receipted to
them by email (`notices.offline_payment_recorded`), shows in their payment history with a
receipt, and counts in revenue under its own method (`offline_figures`).

How a period paid outside Stripe meets Stripe:

- A live Stripe subscription (active, ending, past due or paused) always sets the membership's
  status. An offline payment never changes it and never touches the subscription, which goes on
  charging (staff cancel or refund it at Stripe if the reader meant to pay this way instead); and
  it adds nothing to MRR, which reads only the plans of Stripe's subscriptions.
- Without one, the membership is "offline" for exactly the period paid, from the start of its first
  day to the end of its last (UTC), and ends by itself: lapsed, or complimentary while a comp runs.
- The period's perks hold whatever a subscription says meanwhile: a reader whose card failed past
  the grace days, or whose pause outlasted what they paid by card, keeps the days paid otherwise.
- A period recorded back to back with another (starting the day after it ends) extends it: one
  membership that runs on. A period overlapping one already recorded is refused (`Overlaps`): a
  reader pays once for a day; the wrong entry is voided first.
- A voided entry (recorded by mistake) stays in the books and counts nowhere; its days are
  withdrawn from the membership at once. Nothing is deleted.
"""

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from sqlalchemy import and_, or_, select

from ..currency import plain
from ..extensions import db
from ..models import (
    Membership,
    OfflineMethod,
    Payment,
    PaymentKind,
    PaymentStatus,
    SignupSource,
    User,
)
from . import accounts, audit, mail, membership, money, notices

DAY = timedelta(days=1)
RECORDED, VOIDED = "offline payment recorded", "offline payment voided"
STARTED, ENDED = "offline period started", "offline period ended"


class OfflinePaymentError(ValueError):
    """An entry that cannot be recorded or voided as asked (the view says why)."""


class Overlaps(OfflinePaymentError):
    """The period overlaps one already recorded for the reader (`payment`)."""

    def __init__(self, payment: Payment):
        super().__init__(f"overlaps payment {payment.id}")
        self.payment = payment


class NotVoidable(OfflinePaymentError):
    """Not an offline payment, or voided already."""


@dataclass(frozen=True)
class OfflineEntry:
    """What staff record: the reader by email (an account is made for a new address, in `lang`),
    the amount in the currency's minor units, how and when it came, and the days it pays for
    (`covers_from` to `covers_until`, both included)."""

    email: str
    amount: int
    currency: str
    method: OfflineMethod
    covers_from: date
    covers_until: date
    received_on: date
    reference: str = ""
    note: str = ""
    lang: str = "ar"


def last_day(start: date, months: int) -> date:
    """The last day `months` months from `start` cover: the day before the same day of the month
    `months` later (15 January and 3 months: to 14 April), or the end of a month too short for
    that day (31 January and 1 month: to 28 February)."""
    index = start.month - 1 + months
    year, month = start.year + index // 12, index % 12 + 1
    try:
        return date(year, month, start.day) - DAY
    except ValueError:  # no such day: the period runs to the month's end
        return date(year + month // 12, month % 12 + 1, 1) - DAY


def _live(user: User):
    return select(Payment).where(
        Payment.user_id == user.id,
        Payment.kind == PaymentKind.OFFLINE,
        Payment.status == PaymentStatus.PAID,
    )


def next_start(user: User | None, today: date) -> date:
    """Where a new period best starts: the day after the reader's last one if that runs to today
    or later (back to back, it extends it), else today."""
    if user is None:
        return today
    latest = db.session.scalar(
        _live(user).with_only_columns(Payment.covers_until).order_by(Payment.covers_until.desc())
    )
    return latest + DAY if latest is not None and latest >= today else today


def _overlapping(user: User, first: date, last: date) -> Payment | None:
    return db.session.scalars(
        _live(user).where(Payment.covers_from <= last, Payment.covers_until >= first)
    ).first()


def record_offline_payment(
    actor: User, entry: OfflineEntry, now: datetime | None = None
) -> tuple[Payment, bool]:
    """Record money received outside Stripe, give the reader its period (see the module's rule)
    and email them its receipt, audited with the staff member who recorded it. Returns the payment
    and whether the reader's account was made for it. Raises `Overlaps`."""
    now = now or datetime.now(UTC)
    user = accounts.find_user(entry.email)
    created = user is None
    if user is None:
        user = accounts.create_user(entry.email, None, entry.lang, source=SignupSource.STAFF)
    money.lock_reader(user)  # two entries for one reader at once: the second sees the first
    clash = _overlapping(user, entry.covers_from, entry.covers_until)
    if clash is not None:
        raise Overlaps(clash)
    received = now if entry.received_on == now.date() else _midnight(entry.received_on)
    payment = Payment(
        kind=PaymentKind.OFFLINE, user_id=user.id, amount=entry.amount,
        currency=entry.currency.lower(), method=entry.method, reference=entry.reference or None,
        note=entry.note or None, covers_from=entry.covers_from, covers_until=entry.covers_until,
        recorded_by_id=actor.id, paid_at=received, created_at=now,
    )  # fmt: skip
    money.set_payment_status(payment, PaymentStatus.PAID)
    db.session.add(payment)
    db.session.flush()
    audit.record(
        actor, "offline payment recorded", user.email, subject=user, payment=payment.id,
        amount=f"{plain(entry.amount, entry.currency)} {entry.currency.upper()}",
        method=entry.method.value, reference=entry.reference, received=entry.received_on.isoformat(),
        covers=f"{entry.covers_from.isoformat()} – {entry.covers_until.isoformat()}",
    )  # fmt: skip
    _settle(user, RECORDED, now)
    _tell(user, payment, created)
    return payment, created


def _tell(user: User, payment: Payment, created: bool) -> None:
    """The reader's receipt; for an account made for them, with the link to choose a password
    in it (one email, not two), or on its own should no receipt be written."""
    link = accounts.password_link(user, "set") if created else None
    if notices.offline_payment_recorded(user, payment, set_password_url=link) is None and link:
        mail.send_email(user.email, "set_password", user.language, link=link,
                        days=accounts.SET_LINK_DAYS)  # fmt: skip


def void_offline_payment(
    actor: User, payment: Payment, reason: str, now: datetime | None = None
) -> bool:
    """Withdraw an entry recorded by mistake: kept, marked voided (by whom, when, why), counted
    nowhere, its days taken off the reader's membership at once; audited. A reader who was sent
    its receipt is told it is withdrawn: True when they were. Raises `NotVoidable`."""
    now = now or datetime.now(UTC)
    if payment.kind != PaymentKind.OFFLINE:
        raise NotVoidable("not an offline payment")
    user = db.session.get(User, payment.user_id) if payment.user_id else None
    if user is not None:
        money.lock_reader(user)
    if not money.set_payment_status(payment, PaymentStatus.VOIDED):
        raise NotVoidable("voided already")
    payment.voided_at, payment.voided_by_id, payment.void_reason = now, actor.id, reason[:500]
    db.session.flush()
    audit.record(actor, "offline payment voided", user.email if user else "", subject=user,
                 payment=payment.id, reason=reason[:500])  # fmt: skip
    if user is None:
        return False
    _settle(user, VOIDED, now)
    return notices.offline_payment_voided(user, payment) is not None


def offline_period(user: User, now: datetime) -> membership.OfflinePeriod:
    """The reader's period paid outside Stripe in force at `now`, else the next, else the last,
    from its first moment to its last; back-to-back periods join into one."""
    runs: list[list[date]] = []
    rows = db.session.execute(
        _live(user)
        .with_only_columns(Payment.covers_from, Payment.covers_until)
        .order_by(Payment.covers_from)
    ).all()
    for first, last in rows:
        if runs and first <= runs[-1][1] + DAY:
            runs[-1][1] = max(runs[-1][1], last)
        else:
            runs.append([first, last])
    moments = [(_midnight(first), _midnight(last + DAY) - timedelta(microseconds=1))
               for first, last in runs]  # fmt: skip
    current = [(a, b) for a, b in moments if a <= now <= b]
    upcoming = [(a, b) for a, b in moments if a > now]
    chosen = (current or upcoming or moments[-1:])[:1]
    return membership.OfflinePeriod(*chosen[0]) if chosen else membership.OfflinePeriod(None, None)


def _settle(user: User, cause: str, now: datetime) -> None:
    membership.apply(user, offline_period(user, now), cause, now)


def settle_offline_periods(now: datetime | None = None) -> int:
    """Memberships whose period paid outside Stripe has ended or begun since they were last
    resolved (the scheduler, hourly): each moves to what its periods now say. Returns how many."""
    now = now or datetime.now(UTC)
    Status = membership.Status
    due = db.session.scalars(
        select(Membership).where(
            or_(
                and_(Membership.status == Status.OFFLINE, Membership.offline_until < now),
                and_(
                    Membership.status.not_in((Status.OFFLINE, *membership.PAID_WITH_ACCESS)),
                    Membership.offline_from <= now,
                    Membership.offline_until >= now,
                ),
            )
        )
    ).all()
    for member in due:
        cause = ENDED if member.status == Status.OFFLINE else STARTED
        _settle(member.user, cause, now)
    return len(due)


def _midnight(day: date) -> datetime:
    return datetime.combine(day, time.min, tzinfo=UTC)
