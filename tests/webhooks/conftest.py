"""The webhook tests' Stripe: real events from the emulator's lifecycle, captured, and posted to
`/stripe/webhook` by the tests themselves in the order and number each one needs."""

import json

import pytest

from tests.stripe_fakes import sign
from tests.webhooks.stripe_side import Delivery, StripeSide


@pytest.fixture
def stripe_side(app, stripe_emulator):
    """Stripe's side of a membership, on this test's emulator, behind the app's own gateway."""
    return StripeSide(stripe_emulator, app.extensions["payment_gateway"])


@pytest.fixture
def post(app):
    """POST a captured delivery to the webhook as Stripe does (raw body, Stripe's headers).

    A client of its own, with no emulator attached, so that nothing else is delivered meanwhile.
    """
    stripe = app.test_client()

    def deliver(delivery: Delivery):
        return stripe.post("/stripe/webhook", data=delivery.payload, headers=delivery.headers)

    return deliver


@pytest.fixture
def post_signed(app):
    """POST a hand-made event, signed with our webhook secret (or as told), for the tests of
    signature checking, which refuse a delivery before anything is fetched from Stripe."""
    stripe = app.test_client()

    def deliver(event, secret=None, timestamp=None, signature=None, body=None):
        payload = body if body is not None else json.dumps(event).encode()
        secret = secret or app.config["STRIPE_WEBHOOK_SECRET"]
        header = signature if signature is not None else sign(payload, secret, timestamp)
        headers = {"Stripe-Signature": header} if header else {}
        return stripe.post("/stripe/webhook", data=payload, headers=headers,
                           content_type="application/json")  # fmt: skip

    return deliver


@pytest.fixture
def subscriber(make_user, stripe_side):
    """A reader already linked to a Stripe customer of their own (on a test clock)."""
    user = make_user()
    stripe_side.customer(user)
    return user
