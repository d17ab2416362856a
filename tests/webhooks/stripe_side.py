"""Stripe's side of a reader's support, run on the Stripe emulator through production's gateway
(the real SDK), with the webhook deliveries it causes captured instead of delivered.

The steps here are what Stripe, stripe.js or a test clock do, never our pages, so nothing in our
database changes until a test posts the captured deliveries to `/stripe/webhook` itself, in the
order and as many times as it needs. The deliveries are the emulator's own: Stripe's event
payloads, signed as Stripe signs them.
"""

import json
import uuid
from dataclasses import dataclass, field
from datetime import timedelta
from functools import cached_property
from typing import Any

from app.extensions import db
from app.payments.stripe_testmode import StripeTestMode
from app.services.testmode import PAST_RENEWAL
from stripe_emulator import testing
from tests.paying import OK


@dataclass(frozen=True)
class Delivery:
    """One signed webhook delivery: the raw body and the headers Stripe sends with it."""

    payload: bytes
    headers: dict[str, str] = field(hash=False)

    @cached_property
    def event(self) -> dict[str, Any]:
        return json.loads(self.payload)

    @property
    def id(self) -> str:
        return self.event["id"]

    @property
    def type(self) -> str:
        return self.event["type"]

    @property
    def object(self) -> dict[str, Any]:
        return self.event["data"]["object"]


class Deliveries(list):
    """Deliveries in the order the emulator handed them over."""

    def of(self, type: str) -> "Deliveries":
        return Deliveries(delivery for delivery in self if delivery.type == type)

    def one(self, type: str) -> Delivery:
        """The one delivery of an event of `type` (there must be exactly one)."""
        [delivery] = self.of(type)
        return delivery

    def types(self) -> list[str]:
        return [delivery.type for delivery in self]


class StripeSide:
    """Stripe-side steps of a membership, on the emulator behind the app's gateway."""

    def __init__(self, emulator, gateway) -> None:
        self.emulator = emulator
        self.gateway = gateway

    @property
    def client(self):
        """The gateway's own `stripe.StripeClient`."""
        return self.gateway.client

    # customers and payments

    def customer(self, user=None, email: str = "reader@example.org") -> str:
        """A new customer on a test clock of its own (as `checkout.ensure_customer` makes it);
        linked to `user` when one is given."""
        key = user.key if user is not None else uuid.uuid4().hex
        customer_id = self.gateway.create_customer(
            email=user.email if user is not None else email, user_key=key, locale="en",
            idempotency_key=f"customer-{key}",
        )  # fmt: skip
        if user is not None:
            self.link(user, customer_id)
        return customer_id

    @staticmethod
    def link(user, customer_id: str) -> None:
        user.stripe_customer_id = customer_id
        db.session.commit()

    def subscribe(
        self, customer_id: str, amount: int = 100, interval: str = "month", card: str | None = OK
    ) -> str:
        """A subscription as `checkout.start_support` creates it, its first invoice paid with `card`
        as the Payment Element pays it (None: left unpaid); returns its id."""
        subscription = self.gateway.create_subscription(
            customer_id=customer_id, amount=amount, currency="usd", interval=interval,
            idempotency_key=f"subscription-{uuid.uuid4().hex}", metadata={"kind": "subscription"},
        )  # fmt: skip
        if card is not None:
            result = self.pay_first(subscription.id, card)
            assert result["status"] == "succeeded", result
        return subscription.id

    def pay_first(self, subscription_id: str, card: str) -> dict[str, Any]:
        """The Payment Element confirming the subscription's first invoice with `card`:
        stripe.js's answer (`status`, `error`)."""
        secret = self.gateway.retrieve_subscription(subscription_id).client_secret
        return testing.confirm_payment(self.emulator, secret, card_number=card,
                                       publishable_key=self.gateway.publishable_key)  # fmt: skip

    def donation(self, customer_id: str, amount: int, card: str = OK) -> str:
        """A one-time donation as `checkout.start_support` creates it, paid with `card`; its intent id."""
        intent = self.gateway.create_donation(
            customer_id=customer_id, amount=amount, currency="usd",
            idempotency_key=f"donation-{uuid.uuid4().hex}", metadata={"kind": "donation"},
        )  # fmt: skip
        result = testing.confirm_payment(
            self.emulator, intent.client_secret, card_number=card,
            publishable_key=self.gateway.publishable_key,
        )  # fmt: skip
        assert result["status"] == "succeeded", result
        return intent.id

    def charge_of(self, payment_intent_id: str) -> str:
        """The charge that paid a payment intent."""
        return self.gateway.retrieve_payment_intent(payment_intent_id).latest_charge_id

    def refund(self, charge_id: str, amount: int | None = None) -> None:
        """Staff refunding `amount` (None: the rest) of a charge, through Stripe's Refunds API."""
        StripeTestMode(self.gateway).refund(charge_id, amount, f"refund-{uuid.uuid4().hex}")

    def save_card(self, customer_id: str, subscription_id: str | None, card: str) -> str:
        """A card saved through a SetupIntent and made the one Stripe charges (as our card page
        does, through the gateway); returns the payment method's id."""
        secret = self.gateway.create_setup_intent(
            customer_id=customer_id, idempotency_key=f"setup-{uuid.uuid4().hex}"
        )
        result = testing.confirm_setup(
            self.emulator, secret, card_number=card, publishable_key=self.gateway.publishable_key
        )
        assert result["status"] == "succeeded", result
        card_id = self.gateway.make_default_card(
            secret.split("_secret_")[0], customer_id=customer_id,
            subscription_id=subscription_id, idempotency_key=f"card-{uuid.uuid4().hex}",
        )  # fmt: skip
        assert card_id is not None
        return card_id

    def recover(self, customer_id: str, subscription_id: str, card: str = OK) -> None:
        """A past-due member's new card saved and the open invoice paid with it."""
        card_id = self.save_card(customer_id, subscription_id, card)
        assert self.gateway.pay_open_invoice(
            subscription_id, payment_method=card_id, idempotency_key=f"pay-{uuid.uuid4().hex}"
        )

    def cancel_at_period_end(self, subscription_id: str) -> None:
        self.gateway.set_cancel_at_period_end(subscription_id, True)

    def cancel_now(self, subscription_id: str) -> None:
        self.client.v1.subscriptions.cancel(subscription_id)

    # time

    def renew(self, customer_id: str, subscription_id: str) -> None:
        """Move the customer's test clock just past the subscription's period end (as Stripe has
        it, whatever our database says): the renewal is invoiced and charged, or it ends."""
        period_end = self.gateway.retrieve_subscription(subscription_id).current_period_end
        self.advance_to(customer_id, period_end + PAST_RENEWAL)

    def advance(self, customer_id: str, days: float) -> None:
        clock = StripeTestMode(self.gateway).clock_of(customer_id)
        self.advance_to(customer_id, clock.frozen_time + timedelta(days=days))

    def advance_to(self, customer_id: str, moment) -> None:
        """Advance the customer's test clock to `moment` and let Stripe finish its work."""
        test_mode = StripeTestMode(self.gateway)
        clock = test_mode.clock_of(customer_id)
        test_mode.advance_clock(clock.id, moment)
        self.emulator.settle()
        assert test_mode.clock_of(customer_id).status == "ready"

    # deliveries

    def deliveries(self) -> Deliveries:
        """Every delivery Stripe has due, taken from its queue (so nothing else delivers them)."""
        self.emulator.settle()
        return Deliveries(Delivery(payload, headers)
                          for payload, headers in self.emulator.drain_deliveries())  # fmt: skip

    def in_order(self, deliveries: list[Delivery]) -> Deliveries:
        """Each event of `deliveries` once, in the order Stripe created them (its event list,
        newest first, read backwards)."""
        created = [event.id for event in
                   self.client.v1.events.list(params={"limit": 100}).auto_paging_iter()]  # fmt: skip
        position = {event_id: n for n, event_id in enumerate(reversed(created))}
        unique = {delivery.id: delivery for delivery in deliveries}
        return Deliveries(sorted(unique.values(), key=lambda delivery: position[delivery.id]))
