"""Members managing their support on our pages: cancel, resume, pause, change the amount, a new
card that Stripe then charges (paying a past-due invoice at once), and leaving altogether.

Every change is applied from the subscription Stripe answers with, through `money`; a Stripe failure
leaves our records as they were.
"""

import calendar
import logging
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import update

from ..currency import support_currency
from ..extensions import db
from ..models import Cancellation, User
from ..payments import get_gateway
from ..payments.gateway import CardDeclined, GatewayError, Subscription
from ..payments.stripe_convert import intent_id_of
from ..utc import aware
from . import accounts, membership, money
from .checkout import (
    INTERVALS,
    SupportRefused,
    charge_amount,
    ensure_customer,
    live_subscription,
    minimum_amount,
)


def cancel_support(user: User) -> None:
    """Cancel at the end of the paid period (perks last until then)."""
    _set_cancel(user, True, "cancelled by the member")


def resume_support(user: User) -> None:
    """Undo a cancellation before the paid period ends, or end a pause now (collection resumes
    with the next invoice, the perks at once)."""
    if user.membership is not None and user.membership.status == membership.Status.PAUSED:
        subscription_id = _live_subscription_id(user)
        subscription = get_gateway().resume_collection(
            subscription_id, idempotency_key=f"unpause-{subscription_id}-{_version(user)}"
        )
        money.apply_subscription(user, subscription, "pause ended by the member")
        db.session.commit()
        return
    _set_cancel(user, False, "resumed by the member")


PAUSE_MONTHS = (1, 2, 3)
# Collection resumes this long before the first payment after the pause, so that payment is
# surely collected whichever of Stripe's resume and renewal comes first.
RESUME_AHEAD = timedelta(hours=1)


def can_pause(user: User) -> bool:
    """A pause is for an active monthly member: an annual one would skip a whole year."""
    member = user.membership
    return bool(
        member is not None and member.status == membership.Status.ACTIVE
        and member.interval == "month" and member.current_period_end is not None
    )  # fmt: skip


def pause_support(user: User, months: int, cause: str = "paused by the member") -> datetime:
    """Skip the next `months` monthly payments: perks until the end of the period paid, none
    after it, back by themselves when Stripe resumes collection just before the payment that
    follows (returned). SupportRefused("pause_unavailable") for anyone `can_pause` refuses."""
    if months not in PAUSE_MONTHS or not can_pause(user):
        raise SupportRefused("pause_unavailable")
    subscription_id = _live_subscription_id(user)
    end = user.membership.current_period_end
    paid_until = aware(end)
    resumes_at = months_after(paid_until, months) - RESUME_AHEAD
    subscription = get_gateway().pause_collection(
        subscription_id, resumes_at=resumes_at, paid_until=paid_until,
        idempotency_key=f"pause-{subscription_id}-{_version(user)}-{months}",
    )  # fmt: skip
    money.apply_subscription(user, subscription, cause)
    db.session.commit()
    return resumes_at


def months_after(moment: datetime, months: int) -> datetime:
    """`moment` `months` calendar months on, the day of the month kept (clamped to the month's
    length): never later than Stripe's period end that many months on."""
    index = moment.month - 1 + months
    year, month = moment.year + index // 12, index % 12 + 1
    return moment.replace(year=year, month=month,
                          day=min(moment.day, calendar.monthrange(year, month)[1]))  # fmt: skip


def currency_of(user: User) -> str:
    """The currency a member pays in: their subscription's (as its snapshot says), which may not
    be today's SUPPORT_CURRENCY; SUPPORT_CURRENCY for a reader who has none."""
    member = user.membership
    return (member.currency if member and member.currency else support_currency()).lower()


def change_support(
    user: User, amount: int, frequency: str, cause: str = "amount changed by the member"
) -> None:
    """A new amount or frequency. The same interval: from the next payment on, nothing charged
    now. Another interval: charged at once (less the unused part of the current period), and if
    that payment fails nothing changes (SupportRefused "change_declined"). Not while paused
    (SupportRefused "paused": resume first)."""
    currency = currency_of(user)
    if amount < minimum_amount(currency):
        raise SupportRefused("too_small")
    if user.membership is not None and user.membership.status == membership.Status.PAUSED:
        raise SupportRefused("paused")
    subscription_id = _live_subscription_id(user)
    total, interval = charge_amount(amount, frequency, False, currency), INTERVALS[frequency]
    subscription = get_gateway().change_subscription(
        subscription_id, amount=total, currency=currency, interval=interval,
        idempotency_key=f"change-{subscription_id}-{_version(user)}-{total}{currency}-{interval}",
    )  # fmt: skip
    money.apply_subscription(user, subscription, cause)
    if subscription.pending_update:
        raise SupportRefused("change_declined")
    db.session.commit()


def start_card_update(user: User) -> str:
    """A SetupIntent client secret for the Payment Element to collect a new card."""
    customer_id = ensure_customer(user, user.language)
    secret = get_gateway().create_setup_intent(
        customer_id=customer_id, idempotency_key=f"setup-{user.key}-{uuid.uuid4().hex}"
    )
    db.session.commit()
    return secret


def finish_card_update(user: User, setup_intent_id: str) -> None:
    """After the Payment Element saved a card: make it the card Stripe charges (the subscription's
    default and the customer's), and if the membership is past due, pay the open invoice with it
    now instead of waiting for Stripe's next retry."""
    customer_id = user.stripe_customer_id
    if not customer_id:
        raise SupportRefused("no_subscription")
    subscription_id = live_subscription(user)
    gateway = get_gateway()
    card = gateway.make_default_card(
        setup_intent_id, customer_id=customer_id, subscription_id=subscription_id,
        idempotency_key=f"default-card-{setup_intent_id}",
    )  # fmt: skip
    if card is None:
        raise SupportRefused("card_not_saved")
    if subscription_id and user.membership.status == membership.Status.PAST_DUE:
        try:
            gateway.pay_open_invoice(subscription_id, payment_method=card,
                                     idempotency_key=f"recover-{setup_intent_id}")  # fmt: skip
        except CardDeclined as declined:
            needs_action = declined.code == "invoice_payment_intent_requires_action"
            reason = "recovery_needs_action" if needs_action else "recovery_declined"
            raise SupportRefused(reason) from declined
        money.sync_subscription(user, subscription_id, "open invoice paid with a new card")
    db.session.commit()


def delete_account(user: User) -> None:
    """Delete a reader's account: first their Stripe customer, so no subscription of theirs goes
    on charging a person who can no longer sign in to cancel it; then their personal data (our
    money records stay, anonymised). Stripe unreachable: nothing is deleted (GatewayError)."""
    if user.stripe_customer_id:
        get_gateway().delete_customer(user.stripe_customer_id)
    # What they wrote when cancelling is theirs; the reason and outcome stay for the figures.
    db.session.execute(
        update(Cancellation).where(Cancellation.user_id == user.id).values(comment=None)
    )
    accounts.delete_account(user)


def _set_cancel(user: User, cancel: bool, cause: str) -> None:
    subscription_id = _live_subscription_id(user)
    key = f"{'cancel' if cancel else 'resume'}-{subscription_id}-{_version(user)}"
    subscription = get_gateway().set_cancel_at_period_end(subscription_id, cancel, key)
    money.apply_subscription(user, subscription, cause)
    db.session.commit()


def _version(user: User) -> int:
    """Which state of the membership a change starts from: idempotency keys name it, so a double
    click is one change at Stripe and the next change, from the new state, is another."""
    snapshot_at = user.membership.snapshot_at if user.membership else None
    return int(snapshot_at.timestamp() * 1000) if snapshot_at else 0


def _live_subscription_id(user: User) -> str:
    subscription_id = live_subscription(user)
    if subscription_id is None:
        raise SupportRefused("no_subscription")
    return subscription_id


# Paying the open invoice on our page ("pay now") --------------------------------------------------

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class OpenInvoice:
    """What the pay-now page needs: the confirmation secret of the subscription's open latest
    invoice (what the Payment Element confirms), what confirming it charges, and whether a payment
    of it is already on its way (then there is nothing to confirm, only to wait)."""

    client_secret: str
    payment_intent_id: str
    amount: int
    currency: str
    processing: bool = False


class NotYourPayment(LookupError):
    """A return from paying names a payment that is not the member's latest invoice's."""


def open_invoice_payment(user: User) -> OpenInvoice:
    """The member's open invoice (a failed renewal, or one whose bank asks for 3-D Secure), from
    the subscription re-fetched and applied now, so the account page tells the truth whatever
    this finds. SupportRefused("nothing_to_pay") when nothing is open."""
    subscription = _refetch_live_subscription(user, "pay-now page")
    db.session.commit()
    if subscription is None or not subscription.client_secret:
        raise SupportRefused("nothing_to_pay")
    intent = get_gateway().retrieve_payment_intent(intent_id_of(subscription.client_secret))
    return OpenInvoice(
        client_secret=subscription.client_secret, payment_intent_id=intent.id,
        amount=intent.amount, currency=intent.currency,
        processing=intent.status in ("processing", "succeeded"),
    )  # fmt: skip


def finish_open_invoice_payment(user: User, payment_intent_id: str | None) -> str:
    """Stripe's return from paying the open invoice on our page: re-fetch the subscription, apply
    it, and say what happened:

    - paid: the invoice is paid and the membership active again; the card that paid becomes the
      one Stripe charges from now on (the subscription's and the customer's default);
    - processing: the payment is on its way, the invoice not paid yet;
    - unpaid: the invoice is still open (3-D Secure failed or was abandoned, or the card was
      declined): it can be paid again on the pay-now page.

    NotYourPayment when `payment_intent_id` is not the member's latest invoice's;
    SupportRefused("nothing_to_pay") when no payment was made and nothing is open.
    """
    gateway = get_gateway()
    subscription = _refetch_live_subscription(user, "open invoice paid on our page")
    db.session.commit()
    if subscription is None:
        if payment_intent_id:
            raise NotYourPayment(payment_intent_id)
        raise SupportRefused("nothing_to_pay")
    if subscription.client_secret:
        open_intent = intent_id_of(subscription.client_secret)
        if payment_intent_id and payment_intent_id != open_intent:
            raise NotYourPayment(payment_intent_id)
        intent = gateway.retrieve_payment_intent(open_intent)
        return "processing" if intent.status in ("processing", "succeeded") else "unpaid"
    if not payment_intent_id or subscription.status not in ("active", "trialing"):
        raise SupportRefused("nothing_to_pay")
    invoice_id = subscription.latest_invoice_id
    if invoice_id is None or gateway.retrieve_invoice(invoice_id).payment_intent_id != (
        payment_intent_id
    ):
        raise NotYourPayment(payment_intent_id)
    _keep_card_that_paid(user, subscription, payment_intent_id)
    return "paid"


def _refetch_live_subscription(user: User, cause: str) -> Subscription | None:
    """The subscription that gives the member access, as Stripe has it now, applied under the
    membership's row lock (None without one)."""
    subscription_id = live_subscription(user)
    if subscription_id is None:
        return None
    money.lock_membership(user)
    subscription = get_gateway().retrieve_subscription(subscription_id)
    money.apply_subscription(user, subscription, cause)
    return subscription


def _keep_card_that_paid(user: User, subscription: Subscription, payment_intent_id: str) -> None:
    """The card that paid the invoice becomes the default. The payment is made whatever happens
    here: if Stripe fails now, the subscription still charges that card (Stripe saved it on the
    subscription), and the customer's default stays the old card until the next card update."""
    if not user.stripe_customer_id:
        return
    try:
        get_gateway().make_default_card_of_payment(
            payment_intent_id, customer_id=user.stripe_customer_id,
            subscription_id=subscription.id, idempotency_key=f"default-card-{payment_intent_id}",
        )  # fmt: skip
    except GatewayError as error:
        log.warning("card that paid %s not made the default: %s", payment_intent_id, error)
