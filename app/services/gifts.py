"""Gift memberships after the giver pressed "pay": the gift follows its payment as Stripe has it
now, is delivered to the recipient on its date, and is cancelled by a full refund.

A gift changes state only through `set_gift_state`. Every path that learns something of the
payment — the return page, `payment_intent.*` and charge events, in any order and any number of
times — calls `sync_gift`, which re-fetches the payment intent and its charge, records the payment
from them and moves the gift as far as they say, under the gift's row lock: so a duplicate or a
late event changes nothing, and a refund delivered before the payment still ends in "refunded".

The recipient's email is sent when the gift moves from paid to sent (that move is its claim):
at once when the payment lands on or after the delivery date, else by the hourly job on the date
(dates are UTC days).
"""

import logging
from datetime import UTC, date, datetime

from sqlalchemy import select

from ..extensions import db
from ..i18n import text_direction
from ..models import (
    AttemptStatus,
    Gift,
    GiftState,
    NoticeKind,
    Payment,
    PaymentAttempt,
    PaymentKind,
    PaymentStatus,
    User,
)
from ..payments import get_gateway
from ..payments.gateway import Charge, PaymentIntent
from ..urls import external_url
from ..utc import aware
from . import gift_links, mail, membership, money, notices
from .membership import CompGrant, CompRevoke

log = logging.getLogger(__name__)

# The payment intent's metadata `kind` of a gift membership. Donations made before 2026-12 carry
# "gift" there (`billing_events._is_donation`), so gift memberships use a word of their own.
METADATA_KIND = "gift_membership"
REFUND_CAUSE = "gift membership refunded"

# Where each state may go; moving to the state a gift already has changes nothing. A payment
# refunded before we heard it was paid cancels a gift still waiting for it.
TRANSITIONS: dict[GiftState, frozenset[GiftState]] = {
    GiftState.PENDING_PAYMENT: frozenset({GiftState.PAID, GiftState.REFUNDED}),
    GiftState.PAID: frozenset({GiftState.SENT, GiftState.REFUNDED}),
    GiftState.SENT: frozenset({GiftState.REDEEMED, GiftState.REFUNDED}),
    GiftState.REDEEMED: frozenset({GiftState.REFUNDED}),
    GiftState.REFUNDED: frozenset(),
}
_STAMPS = {GiftState.PAID: "paid_at", GiftState.SENT: "sent_at",
           GiftState.REDEEMED: "redeemed_at", GiftState.REFUNDED: "refunded_at"}  # fmt: skip


def set_gift_state(gift: Gift, to: GiftState, now: datetime | None = None) -> bool:
    """Move `gift` to `to` if TRANSITIONS allows it, stamping when; True when its state changed.
    A transition not allowed is ignored (events come late and in any order), never raised."""
    to, current = GiftState(to), GiftState(gift.state or GiftState.PENDING_PAYMENT)
    if to == current:
        return False
    if to not in TRANSITIONS[current]:
        log.info("gift %s stays %s (not %s)", gift.key, current, to)
        return False
    gift.state = to
    setattr(gift, _STAMPS[to], now or datetime.now(UTC))
    db.session.flush()
    return True


def lock_gift(gift: Gift) -> Gift:
    """The gift's row locked until the transaction ends (PostgreSQL), and read afresh."""
    db.session.execute(select(Gift.id).where(Gift.id == gift.id).with_for_update())
    db.session.refresh(gift)
    return gift


# Finding a gift ------------------------------------------------------------------------------------


def is_gift_intent(intent: dict) -> bool:
    """A payment intent of ours for a gift membership (by its metadata)."""
    return (intent.get("metadata") or {}).get("kind") == METADATA_KIND


def gift_for_intent(payment_intent_id: str | None) -> Gift | None:
    if not payment_intent_id:
        return None
    return db.session.scalar(select(Gift).where(Gift.payment_intent_id == payment_intent_id))


def gift_for_payment(payment: Payment) -> Gift | None:
    return gift_for_intent(payment.payment_intent_id) if payment.kind == PaymentKind.GIFT else None


def gifts_of(user: User) -> list[Gift]:
    """The gifts a reader has paid for (or is paying for), newest first."""
    return list(db.session.scalars(
        select(Gift).where(Gift.giver_id == user.id, Gift.state != GiftState.PENDING_PAYMENT)
        .order_by(Gift.created_at.desc(), Gift.id.desc())
    ))  # fmt: skip


# Following the payment -------------------------------------------------------------------------------


def sync_gift(gift: Gift, intent: PaymentIntent | None = None, now: datetime | None = None) -> None:
    """Bring the gift in line with its payment intent and charge at Stripe now: the payment
    recorded, the giver's receipt sent, the recipient's email sent when due, or the gift
    cancelled when the payment has been refunded in full. Idempotent."""
    lock_gift(gift)
    gateway = get_gateway()
    intent = intent or gateway.retrieve_payment_intent(str(gift.payment_intent_id))
    if intent.status == "canceled":
        money.settle_attempts(payment_intent_id=intent.id, to=AttemptStatus.EXPIRED)
    if intent.status != "succeeded":
        return
    payment = money.record_payment(
        gift.giver, kind=PaymentKind.GIFT, payment_intent_id=intent.id,
        charge_id=intent.latest_charge_id, amount=intent.amount, currency=intent.currency,
        status=PaymentStatus.PAID,
    )  # fmt: skip
    money.settle_attempts(payment_intent_id=intent.id, to=AttemptStatus.SUCCEEDED)
    if intent.latest_charge_id:
        money.apply_charge(payment, gateway.retrieve_charge(intent.latest_charge_id))
    follow_payment(gift, payment, now)


def follow_payment(gift: Gift, payment: Payment, now: datetime | None = None) -> None:
    """The gift after its payment's newest snapshot: refunded in full, it is cancelled (see
    `cancel_gift`); otherwise it is paid (a dispute leaves it to staff), the giver has a receipt,
    and it is delivered if its date has come."""
    if payment.status == PaymentStatus.REFUNDED:
        cancel_gift(gift, now)
        return
    if payment.status == PaymentStatus.FAILED:
        return
    if gift.state == GiftState.PENDING_PAYMENT:
        set_gift_state(gift, GiftState.PAID, payment.paid_at)
    notices.gift_receipt(gift.giver, payment, gift, now)
    deliver_gift(gift, now)


def payment_from_charge(charge: Charge) -> Payment | None:
    """A refund or dispute of a gift's charge arriving before its payment: the gift synced from
    Stripe's objects first; None when the charge is no gift's."""
    gift = gift_for_intent(charge.payment_intent_id)
    if gift is None:
        return None
    sync_gift(gift)
    return money.find_payment(payment_intent_id=charge.payment_intent_id, charge_id=charge.id)


def payment_changed(payment: Payment) -> None:
    """After a charge snapshot moved a gift's payment (refunds, disputes)."""
    gift = gift_for_payment(payment)
    if gift is not None:
        follow_payment(lock_gift(gift), payment)


def cancel_gift(gift: Gift, now: datetime | None = None) -> None:
    """A gift whose payment was refunded in full: cancelled. Before redemption its link stops
    working; after it, the months it added come off the recipient's complimentary period (the
    comp ends now when nothing is left of it; time given by staff or other gifts stays)."""
    now = now or datetime.now(UTC)
    redeemed = gift.state == GiftState.REDEEMED
    if not set_gift_state(gift, GiftState.REFUNDED, now) or not redeemed:
        return
    recipient = gift.redeemed_by
    current = recipient.membership if recipient is not None else None
    if current is None or current.comp_until is None or gift.comp_from is None:
        return
    money.lock_membership(recipient)
    until = aware(current.comp_until) - (aware(gift.comp_until) - aware(gift.comp_from))
    change = CompGrant(until=until) if until > now else CompRevoke()
    membership.apply(recipient, change, REFUND_CAUSE, now)


# The return page -----------------------------------------------------------------------------------


def fulfil_gift_attempt(attempt: PaymentAttempt) -> str:
    """From the return page, as `checkout.fulfil_attempt` answers for the other payments:
    succeeded, processing, failed, unpaid or expired."""
    gift = gift_for_intent(attempt.payment_intent_id)
    if gift is None:
        return "processing"
    intent = get_gateway().retrieve_payment_intent(str(attempt.payment_intent_id))
    sync_gift(gift, intent)
    db.session.commit()
    if attempt.status in (AttemptStatus.SUCCEEDED, AttemptStatus.EXPIRED):
        return "succeeded" if attempt.status == AttemptStatus.SUCCEEDED else "expired"
    if intent.status in ("processing", "succeeded"):
        return "processing"
    if intent.status == "requires_payment_method" and intent.failure_code:
        return "failed"
    return "unpaid"


# Delivery ----------------------------------------------------------------------------------------------


def today(now: datetime | None = None) -> date:
    return (now or datetime.now(UTC)).astimezone(UTC).date()


def deliver_gift(gift: Gift, now: datetime | None = None) -> bool:
    """Email the recipient, in the gift's language, if the gift is paid and its date has come;
    moving it to sent is the claim, so it goes once. True when it was sent now."""
    if gift.state != GiftState.PAID or gift.deliver_on > today(now):
        return False
    secret, gift.redeem_hash = gift_links.new_secret()
    set_gift_state(gift, GiftState.SENT, now)
    mail.send_email(gift.recipient_email, NoticeKind.GIFT_RECEIVED.value, gift.lang,
                    **received_context(gift, gift_links.redeem_url(secret, gift.lang)))  # fmt: skip
    return True


def received_context(gift: Gift, redeem_url: str) -> dict:
    """What the recipient's email is rendered with (the staff preview too)."""
    lang = gift.lang
    return {
        "dir": text_direction(lang), "gift": gift, "redeem_url": redeem_url,
        "home_url": external_url("readers.home", lang=lang),
        "account_url": external_url("accounts.account", lang=lang),
        "support_url": external_url("billing.support", lang=lang),
    }  # fmt: skip


def deliver_due_gifts(now: datetime | None = None) -> int:
    """Every paid gift whose date has come, delivered; returns how many emails were written."""
    due = db.session.scalars(
        select(Gift).where(Gift.state == GiftState.PAID, Gift.deliver_on <= today(now))
        .order_by(Gift.deliver_on, Gift.id).limit(1000)
    ).all()  # fmt: skip
    return sum(deliver_gift(lock_gift(gift), now) for gift in due)
