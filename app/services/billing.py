"""Members managing their support on our pages: cancel, resume, change the amount, a new card
that Stripe then charges (paying a past-due invoice at once), and leaving altogether.

Every change is applied from the subscription Stripe answers with, through `money`; a Stripe failure
leaves our records as they were.
"""

import uuid

from flask import current_app

from ..extensions import db
from ..models import User
from ..payments import get_gateway
from ..payments.gateway import CardDeclined
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
    """Undo a cancellation before the paid period ends."""
    _set_cancel(user, False, "resumed by the member")


def change_support(user: User, amount: int, frequency: str) -> None:
    """A new amount or frequency from now on (the provider prorates)."""
    currency = user.membership.currency or current_app.config["SUPPORT_CURRENCY"]
    if amount < minimum_amount(currency):
        raise SupportRefused("too_small")
    subscription_id = _live_subscription_id(user)
    subscription = get_gateway().change_subscription(
        subscription_id, amount=charge_amount(amount, frequency, False, currency),
        currency=currency, interval=INTERVALS[frequency],
        idempotency_key=f"change-{subscription_id}-{uuid.uuid4().hex}",
    )  # fmt: skip
    money.apply_subscription(user, subscription, "amount changed by the member")
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
    accounts.delete_account(user)


def _set_cancel(user: User, cancel: bool, cause: str) -> None:
    subscription = get_gateway().set_cancel_at_period_end(_live_subscription_id(user), cancel)
    money.apply_subscription(user, subscription, cause)
    db.session.commit()


def _live_subscription_id(user: User) -> str:
    subscription_id = live_subscription(user)
    if subscription_id is None:
        raise SupportRefused("no_subscription")
    return subscription_id
