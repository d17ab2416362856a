"""Our record of money and of the subscriptions behind it, kept in step with the provider.

Both the paying flow (`billing`) and the provider's events (`billing_events`) write through here, so
each rule lives once. Payments and attempts change status only through `set_payment_status` and
`settle_attempt`, which hold the allowed transitions. A transition they do not allow is ignored
(their answer says so), never raised: the provider delivers events late, twice and in any order,
so a late failure meeting a paid payment is expected, and an error would only make it retry.
"""

import logging
from datetime import UTC, datetime

from sqlalchemy import or_, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from ..extensions import db
from ..models import (
    AttemptStatus,
    Membership,
    Payment,
    PaymentAttempt,
    PaymentStatus,
    RevenueMonth,
    User,
)
from ..payments import get_gateway
from ..payments.gateway import Subscription
from . import membership
from .membership import SubscriptionSnapshot

log = logging.getLogger(__name__)

# Where each status may go next; moving to the status a record already has changes nothing.
PAYMENT_TRANSITIONS: dict[PaymentStatus | None, frozenset[PaymentStatus]] = {
    None: frozenset({PaymentStatus.PAID, PaymentStatus.FAILED}),  # first recorded
    PaymentStatus.FAILED: frozenset({PaymentStatus.PAID}),  # a retry was paid
    # Partly refunded payments stay paid (with `amount_refunded`), so both start from paid.
    PaymentStatus.PAID: frozenset({PaymentStatus.REFUNDED, PaymentStatus.DISPUTED}),
    # A cardholder may dispute a refunded charge; a disputed one cannot be refunded.
    PaymentStatus.REFUNDED: frozenset({PaymentStatus.DISPUTED}),
    PaymentStatus.DISPUTED: frozenset(),
}
ATTEMPT_TRANSITIONS: dict[AttemptStatus, frozenset[AttemptStatus]] = {
    AttemptStatus.STARTED: frozenset(
        {AttemptStatus.SUCCEEDED, AttemptStatus.FAILED, AttemptStatus.EXPIRED}
    ),
    # A decline can be retried on the same attempt, and money arriving late is still money.
    AttemptStatus.FAILED: frozenset({AttemptStatus.SUCCEEDED}),
    AttemptStatus.EXPIRED: frozenset({AttemptStatus.SUCCEEDED}),
    AttemptStatus.SUCCEEDED: frozenset(),
}


# The two state machines ---------------------------------------------------------------------------


def set_payment_status(payment: Payment, to: PaymentStatus) -> bool:
    """Move `payment` to `to` if PAYMENT_TRANSITIONS allows it; True when its status changed.
    A paid payment never turns failed; refunded follows only paid, disputed paid or refunded."""
    to = PaymentStatus(to)
    current = PaymentStatus(payment.status) if payment.status else None
    if to == current:
        return False
    if to not in PAYMENT_TRANSITIONS[current]:
        log.info("payment %s stays %s (not %s)", payment.id, current, to)
        return False
    payment.status = to
    return True


def settle_attempt(attempt: PaymentAttempt, to: AttemptStatus, code: str | None = None) -> bool:
    """Move `attempt` to `to` if ATTEMPT_TRANSITIONS allows it, keeping `code` as the reason of a
    failure; True when its status changed. A succeeded attempt never fails or expires; a repeated
    failure keeps the newest decline code."""
    to = AttemptStatus(to)
    current = AttemptStatus(attempt.status or AttemptStatus.STARTED)
    if to == AttemptStatus.FAILED and current != AttemptStatus.SUCCEEDED:
        attempt.declines = (attempt.declines or 0) + 1  # each decline event, delivered once
        attempt.last_declined_at = datetime.now(UTC)
    if to == current == AttemptStatus.FAILED:
        attempt.failure_code = code
        return False
    if to not in ATTEMPT_TRANSITIONS[current]:
        if to != current:
            log.info("payment attempt %s stays %s (not %s)", attempt.key, current, to)
        return False
    attempt.status, attempt.failure_code = to, code if to == AttemptStatus.FAILED else None
    return True


def settle_attempts(*, to: AttemptStatus, subscription_id: str | None = None,
                    payment_intent_id: str | None = None, code: str | None = None) -> None:  # fmt: skip
    """Settle every attempt behind a subscription or a payment intent (see `settle_attempt`)."""
    column, value = ((PaymentAttempt.subscription_id, subscription_id) if subscription_id
                     else (PaymentAttempt.payment_intent_id, payment_intent_id))  # fmt: skip
    for attempt in db.session.scalars(select(PaymentAttempt).where(column == value)):
        settle_attempt(attempt, to, code)
    db.session.flush()


# Subscriptions -----------------------------------------------------------------------------------


def reader_for_customer(customer_id: str) -> User | None:
    """The reader linked to a provider customer, if any."""
    return db.session.scalar(select(User).where(User.stripe_customer_id == customer_id))


def reader_for_key(user_key: str | None, customer_id: str | None) -> User | None:
    """The reader our metadata names, if their customer is this one or has been unlinked."""
    if not user_key:
        return None
    user = db.session.scalar(select(User).where(User.key == user_key))
    if user is None or user.stripe_customer_id not in (None, customer_id):
        return None
    return user


def lock_reader(user: User) -> None:
    """Serialise one reader's payment starts (PostgreSQL row lock until the transaction ends)."""
    db.session.execute(select(User.id).where(User.id == user.id).with_for_update())


def lock_membership(user: User) -> None:
    """Serialise concurrent changes to one reader's membership (a row lock on PostgreSQL)."""
    db.session.execute(select(Membership.id).where(Membership.user_id == user.id).with_for_update())


def snapshot_of(subscription: Subscription, at: datetime | None = None) -> SubscriptionSnapshot:
    """Our view of a freshly fetched subscription (newer than anything applied before it)."""
    return SubscriptionSnapshot(
        subscription_id=subscription.id, status=subscription.status,
        created=at or datetime.now(UTC), cancel_at_period_end=subscription.cancel_at_period_end,
        current_period_end=subscription.current_period_end, amount=subscription.amount,
        currency=subscription.currency, interval=subscription.interval,
    )  # fmt: skip


def apply_subscription(user: User, subscription: Subscription, cause: str) -> None:
    """Apply a subscription the provider just returned: the reader's membership follows it, and
    the attempts behind one whose first payment never came (`incomplete_expired`) expire."""
    membership.apply(user, snapshot_of(subscription), cause)
    if subscription.status == "incomplete_expired":
        settle_attempts(subscription_id=subscription.id, to=AttemptStatus.EXPIRED)


def sync_subscription(user: User, subscription_id: str | None, cause: str) -> None:
    """Re-fetch a subscription and apply it (see `apply_subscription`) under the membership's row
    lock; nothing without a subscription id."""
    if not subscription_id:
        return
    lock_membership(user)
    apply_subscription(user, get_gateway().retrieve_subscription(subscription_id), cause)


# Payments and revenue ----------------------------------------------------------------------------


def record_payment(user: User | None, *, kind: str, amount: int, currency: str,
                   status: PaymentStatus, invoice_id: str | None = None,
                   payment_intent_id: str | None = None, charge_id: str | None = None,
                   subscription_id: str | None = None, failure_code: str | None = None,
                   receipt_url: str | None = None, interval: str | None = None) -> Payment:  # fmt: skip
    """Insert or update the payment keyed by any of the provider's ids, as paid or failed.

    The status moves only as `set_payment_status` allows (a later paid wins over failed; nothing
    turns a paid, refunded or disputed payment back). A subscription payment adds to its month's
    revenue once, the first time it is paid, however often it is recorded.
    """
    keys = [column == value for column, value in (
        (Payment.invoice_id, invoice_id), (Payment.payment_intent_id, payment_intent_id),
        (Payment.charge_id, charge_id)) if value]  # fmt: skip
    payment = db.session.scalar(select(Payment).where(or_(*keys))) if keys else None
    if payment is None:
        payment = Payment(kind=kind, user_id=user.id if user else None, currency=currency)
        db.session.add(payment)
    first_paid = set_payment_status(payment, status) and payment.status == PaymentStatus.PAID
    payment.amount = amount or payment.amount or 0
    payment.invoice_id = payment.invoice_id or invoice_id
    payment.payment_intent_id = payment.payment_intent_id or payment_intent_id
    payment.charge_id = payment.charge_id or charge_id
    payment.subscription_id = payment.subscription_id or subscription_id
    # A failure reported after the payment (events cross) still says it was recovered.
    payment.failure_code = failure_code if status == PaymentStatus.FAILED else payment.failure_code
    payment.receipt_url = receipt_url or payment.receipt_url
    payment.interval = payment.interval or interval
    db.session.flush()
    if first_paid and kind == "subscription" and payment.interval:
        add_revenue(
            payment.created_at or datetime.now(UTC), payment.interval, currency, payment.amount
        )
    return payment


def add_revenue(paid_at: datetime, interval: str, currency: str, amount: int) -> None:
    """Add a first-time paid subscription payment to its month's running total."""
    add_revenue_rows([{"month": paid_at.date().replace(day=1), "interval": interval,
                       "currency": currency, "amount": amount}])  # fmt: skip


def add_revenue_rows(rows: list[dict]) -> None:
    """Upsert-add several (month, interval, currency, amount) totals."""
    insert = pg_insert if db.session.get_bind().dialect.name == "postgresql" else sqlite_insert
    table = RevenueMonth.__table__
    for row in rows:
        statement = insert(table).values(**row)
        db.session.execute(statement.on_conflict_do_update(
            index_elements=[table.c.month, table.c.interval, table.c.currency],
            set_={"amount": table.c.amount + statement.excluded.amount},
        ))  # fmt: skip


def payments_of(user: User) -> list[Payment]:
    """The reader's payments, newest first."""
    return list(db.session.scalars(
        select(Payment).where(Payment.user_id == user.id).order_by(Payment.created_at.desc())
    ))  # fmt: skip
