"""Staff's lifecycle controls in Stripe's test mode: move a reader's test clock on to the next
renewal, refund part or all of a payment, and win, lose or close a test dispute.

Everything goes through Stripe's own test-mode features (`payments.stripe_testmode`), so the controls
behave alike against the emulator and against a real test key; they exist only with a test key. A
failed renewal needs no control of its own: it comes from the member's card (4000 0000 0000 0341
saves fine and fails every charge), and a dispute from paying with 4000 0000 0000 0259.
"""

import uuid
from dataclasses import dataclass, field
from datetime import timedelta

from sqlalchemy import select

from ..extensions import db
from ..models import User
from ..payments import get_gateway
from ..payments.gateway import Charge, GatewayError, TestClock
from ..payments.stripe_testmode import StripeTestMode
from ..utc import aware

# Stripe finalises a renewal invoice about an hour after creating it, then charges it
# (https://docs.stripe.com/billing/subscriptions/overview#subscription-lifecycle): advancing two
# hours past the period's end lets the renewal run to its first payment attempt.
PAST_RENEWAL = timedelta(hours=2)
DISPUTE_ACTIONS = ("win", "lose", "close")


class NotTestMode(RuntimeError):
    """The secret key is a live key: test-mode controls do not exist."""


@dataclass(frozen=True)
class TestCustomer:
    """A reader's customer in test mode: its clock and its latest charges."""

    __test__ = False  # not a pytest test class

    user: User
    clock: TestClock | None
    charges: list[Charge] = field(default_factory=list)


def enabled() -> bool:
    """Whether the app runs on a Stripe test key (the emulator's included)."""
    return get_gateway().test_mode


def _test_mode() -> StripeTestMode:
    if not enabled():
        raise NotTestMode("test-mode controls need a test-mode secret key")
    return StripeTestMode(get_gateway())


def list_customers(email: str = "", limit: int = 25) -> list[TestCustomer]:
    """Readers with a Stripe customer, newest first (filtered by email), with clock and charges."""
    stripe = _test_mode()
    query = select(User).where(User.stripe_customer_id.is_not(None)).order_by(User.id.desc())
    if email:
        query = query.where(User.email.contains(email.strip().lower()))
    users = db.session.scalars(query.limit(limit)).all()
    return [
        TestCustomer(user, stripe.clock_of(user.stripe_customer_id),
                     stripe.charges_of(user.stripe_customer_id))
        for user in users
    ]  # fmt: skip


def advance_to_next_renewal(user: User) -> TestClock:
    """Move the reader's test clock just past the next renewal of their membership."""
    stripe = _test_mode()
    clock = stripe.clock_of(_customer(user))
    if clock is None:
        raise GatewayError("this customer is not on a test clock")
    period_end = user.membership.current_period_end if user.membership else None
    target = (
        max(clock.frozen_time, aware(period_end) if period_end else clock.frozen_time)
        + PAST_RENEWAL
    )
    return stripe.advance_clock(clock.id, target)


def refund(user: User, charge_id: str, amount: int | None) -> str:
    """Refund `amount` (None: the rest) of one of the reader's charges; returns the refund id."""
    stripe = _test_mode()
    _own_charge(stripe, user, charge_id)
    return stripe.refund(charge_id, amount, idempotency_key=f"staff-refund-{uuid.uuid4().hex}")


def settle_dispute(user: User, charge_id: str, action: str) -> None:
    """Win or lose (with Stripe's test evidence) or close the dispute on one of the reader's charges."""
    stripe = _test_mode()
    charge = _own_charge(stripe, user, charge_id)
    if charge.dispute_id is None or action not in DISPUTE_ACTIONS:
        raise GatewayError("this charge has no dispute to settle")
    if action == "close":
        stripe.close_dispute(charge.dispute_id)
    else:
        stripe.submit_dispute_evidence(charge.dispute_id, win=action == "win")


def _customer(user: User) -> str:
    if not user.stripe_customer_id:
        raise GatewayError("this reader has no Stripe customer")
    return user.stripe_customer_id


def _own_charge(stripe: StripeTestMode, user: User, charge_id: str) -> Charge:
    for charge in stripe.charges_of(_customer(user), limit=100):
        if charge.id == charge_id:
            return charge
    raise GatewayError("this charge is not the reader's")
