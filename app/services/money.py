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

from ..extensions import db
from ..models import (
    AttemptStatus,
    Membership,
    Payment,
    PaymentAttempt,
    PaymentStatus,
    Refund,
    User,
)
from ..payments import get_gateway
from ..payments.gateway import Charge, Subscription
from . import membership, notices, second_subscriptions
from .membership import SubscriptionSnapshot

log = logging.getLogger(__name__)

# Where each status may go next; moving to the status a record already has changes nothing.
# Paid, refunded and disputed follow the newest charge snapshot (see `apply_charge`); a payment
# that was paid never turns failed.
_COLLECTED = frozenset({PaymentStatus.PAID, PaymentStatus.REFUNDED, PaymentStatus.DISPUTED})
PAYMENT_TRANSITIONS: dict[PaymentStatus | None, frozenset[PaymentStatus]] = {
    None: frozenset({PaymentStatus.FAILED}) | _COLLECTED,  # first recorded
    PaymentStatus.FAILED: _COLLECTED,  # a retry was paid (and may since be refunded or disputed)
    # Partly refunded payments stay paid (with `amount_refunded`). Only an offline payment is ever
    # voided (`offline_payments.void_offline_payment`): Stripe's money is refunded instead.
    PaymentStatus.PAID: _COLLECTED | {PaymentStatus.VOIDED},
    PaymentStatus.REFUNDED: _COLLECTED,  # a refund that failed gives the money back
    PaymentStatus.DISPUTED: _COLLECTED,  # a dispute won or withdrawn
    PaymentStatus.VOIDED: frozenset(),  # withdrawn for good
}
# Stripe's dispute statuses under which the money is not (or no longer) the outlet's.
DISPUTE_OPEN_OR_LOST = ("warning_needs_response", "warning_under_review", "needs_response",
                        "under_review", "lost")  # fmt: skip
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
        collection_paused=subscription.collection_paused,
        resumes_at=subscription.pause_resumes_at, paid_until=subscription.paid_until,
        period_start=subscription.current_period_start,
    )  # fmt: skip


def apply_subscription(user: User, subscription: Subscription, cause: str) -> None:
    """Apply a subscription the provider just returned: the reader's membership follows it, and
    the attempts behind one whose first payment never came (`incomplete_expired`) expire. A second
    subscription that charges while another already gives the reader access is not theirs to pay
    twice: it is ended and refunded; one that does not charge yet is noted for staff
    (`second_subscriptions`)."""
    if second_subscriptions.is_second_live(user, subscription):
        second_subscriptions.end_second_subscription(user, subscription)
        return
    second_subscriptions.note_other_subscription(user, subscription)
    before = user.membership.status if user.membership is not None else membership.Status.NONE
    current = membership.apply(user, snapshot_of(subscription), cause)
    notices.membership_changed(user, current, before)
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
                   receipt_url: str | None = None, interval: str | None = None,
                   paid_at: datetime | None = None) -> Payment:  # fmt: skip
    """Insert or update the payment keyed by any of the provider's ids, as paid or failed.

    Only a new or failed payment is settled here (a later paid wins over failed); one already
    collected moves on only with its charge snapshot (`apply_charge`), so a late `invoice.paid`
    never undoes a refund or dispute. Any id learned here is kept, whatever came first.
    """
    payment = find_payment(invoice_id=invoice_id, payment_intent_id=payment_intent_id,
                           charge_id=charge_id)  # fmt: skip
    if payment is None:
        payment = Payment(kind=kind, user_id=user.id if user else None, currency=currency)
        db.session.add(payment)
    if payment.status in (None, PaymentStatus.FAILED):
        set_payment_status(payment, status)
    if payment.user_id is None and user is not None:
        payment.user_id = user.id
    payment.amount = amount or payment.amount or 0
    payment.invoice_id = payment.invoice_id or invoice_id
    payment.payment_intent_id = payment.payment_intent_id or payment_intent_id
    payment.charge_id = payment.charge_id or charge_id
    payment.subscription_id = payment.subscription_id or subscription_id
    # A failure reported after the payment (events cross) still says it was recovered.
    payment.failure_code = failure_code if status == PaymentStatus.FAILED else payment.failure_code
    payment.receipt_url = receipt_url or payment.receipt_url
    payment.interval = interval or payment.interval
    if status == PaymentStatus.PAID:
        payment.paid_at = payment.paid_at or paid_at or datetime.now(UTC)
    db.session.flush()
    return payment


def find_payment(*, invoice_id: str | None = None, payment_intent_id: str | None = None,
                 charge_id: str | None = None) -> Payment | None:  # fmt: skip
    """Our payment known by any of these Stripe ids."""
    keys = [column == value for column, value in (
        (Payment.invoice_id, invoice_id), (Payment.payment_intent_id, payment_intent_id),
        (Payment.charge_id, charge_id)) if value]  # fmt: skip
    if not keys:
        return None
    return db.session.scalars(select(Payment).where(or_(*keys)).order_by(Payment.id)).first()


def apply_charge(payment: Payment, charge: Charge) -> None:
    """Bring a payment in line with the newest snapshot of its charge: the refunded amount as
    Stripe has it, each refund as a row, the dispute's state; paid, refunded or disputed follows
    from them. Applying an older or the same snapshot again changes nothing it should not."""
    payment.charge_id = payment.charge_id or charge.id
    payment.payment_intent_id = payment.payment_intent_id or charge.payment_intent_id
    payment.amount = payment.amount or charge.amount
    payment.paid_at = payment.paid_at or charge.created
    payment.amount_refunded = charge.amount_refunded
    for refund in charge.refunds:
        row = db.session.get(Refund, refund.id) or Refund(id=refund.id, payment_id=payment.id)
        row.payment_id, row.amount, row.currency = payment.id, refund.amount, refund.currency
        row.status, row.created = refund.status, refund.created
        db.session.add(row)
    if charge.dispute_id:
        payment.dispute_id, payment.dispute_status = charge.dispute_id, charge.dispute_status
        payment.disputed_at = charge.disputed_at
    set_payment_status(payment, collected_status(payment))
    db.session.flush()


def collected_status(payment: Payment) -> PaymentStatus:
    """Paid, refunded (all of it) or disputed (open or lost), from the snapshot values."""
    if payment.dispute_status in DISPUTE_OPEN_OR_LOST:
        return PaymentStatus.DISPUTED
    if payment.amount and payment.amount_refunded >= payment.amount:
        return PaymentStatus.REFUNDED
    return PaymentStatus.PAID


def payments_of(user: User) -> list[Payment]:
    """The reader's payments, newest first."""
    return list(db.session.scalars(
        select(Payment).where(Payment.user_id == user.id).order_by(Payment.created_at.desc())
    ))  # fmt: skip
