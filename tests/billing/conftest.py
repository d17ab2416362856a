"""Stripe for real, over a fake HTTP layer: the app's gateway is a StripeGateway whose SDK talks to
`FakeStripeHTTP`, answering with Stripe's own example objects."""

import json
import time

import pytest

from app.extensions import db
from app.payments.stripe_gateway import StripeGateway
from tests.stripe_fakes import FakeStripeHTTP, make_event, sign, stripe_object

WEBHOOK_SECRET = "whsec_test_secret"
CUSTOMER = "cus_QXg1o8vcGmoR32"  # the id in Stripe's example objects
SUBSCRIPTION = "sub_1Pgc6rB7WZ01zgkWNy0Cn5nw"


def subscription(status="active", cancel=False, amount=100, interval="month", period_end=None):
    """Stripe's example subscription in a given state, with our price on its one item."""
    sub = stripe_object("subscription", id=SUBSCRIPTION, customer=CUSTOMER, status=status,
                        cancel_at_period_end=cancel, latest_invoice=None)  # fmt: skip
    item = sub["items"]["data"][0]
    item["price"].update(unit_amount=amount, currency="usd")
    item["price"]["recurring"]["interval"] = interval
    item["current_period_end"] = period_end or int(time.time()) + 30 * 86400
    return sub


def invoice(invoice_id="in_1Pgc6tB7WZ01zgkWu9fdqL6I", status="paid", amount=100):
    return stripe_object(
        "invoice", id=invoice_id, customer=CUSTOMER, status=status, amount_paid=amount if status == "paid" else 0,
        amount_due=amount, currency="usd",
        parent={"type": "subscription_details", "subscription_details": {"subscription": SUBSCRIPTION}},
    )  # fmt: skip


@pytest.fixture
def stripe_http(app):
    """The app's gateway, for this test: real SDK, fake network."""
    fake = FakeStripeHTTP()
    gateway = StripeGateway("sk_test_123", "pk_test_123", WEBHOOK_SECRET, http_client=fake,
                            max_network_retries=0)  # fmt: skip
    previous = app.extensions.get("payment_gateway")
    app.extensions["payment_gateway"] = gateway
    yield fake
    if previous is None:
        app.extensions.pop("payment_gateway", None)
    else:
        app.extensions["payment_gateway"] = previous


@pytest.fixture
def stripe_state(stripe_http):
    """Set what Stripe answers for the subscription from now on."""

    def set_state(**kwargs):
        stripe_http.route("get", f"/v1/subscriptions/{SUBSCRIPTION}", 200, subscription(**kwargs))

    set_state()
    return set_state


@pytest.fixture
def subscriber(make_user):
    """A reader already linked to Stripe's example customer."""
    user = make_user()
    user.stripe_customer_id = CUSTOMER
    db.session.commit()
    return user


@pytest.fixture
def deliver(client):
    """POST an event to the webhook as Stripe does: raw JSON body, Stripe-Signature header."""

    def post(event, secret=WEBHOOK_SECRET, timestamp=None, signature=None, body=None):
        payload = body if body is not None else json.dumps(event).encode()
        header = signature if signature is not None else sign(payload, secret, timestamp)
        headers = {"Stripe-Signature": header} if header else {}
        return client.post("/stripe/webhook", data=payload, headers=headers,
                           content_type="application/json")  # fmt: skip

    return post


__all__ = ["make_event"]
