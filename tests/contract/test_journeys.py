"""Journeys written once, run against the emulator and (with a test key) Stripe's test mode:
subscribe, renew, fail, recover by a new card, change plan, refund, dispute, cancel.

They drive production's gateway; where a browser would confirm with stripe.js, they confirm on the
server with Stripe's test payment methods (`pm_card_visa`...), which Stripe's test mode accepts.
"""

from datetime import timedelta

import pytest

from app.payments.gateway import CardDeclined, GatewayError

pytestmark = pytest.mark.own_app
RETURN_URL = "https://example.org/return"
MONTH = timedelta(days=31)


def subscribe(stripe, customer, card="pm_card_visa", amount=100, interval="month"):
    """A subscription paid (or not) with `card`, as the Payment Element would confirm it."""
    subscription = stripe.gateway.create_subscription(
        customer_id=customer, amount=amount, currency="usd", interval=interval,
        idempotency_key=f"sub-{customer}-{amount}-{interval}", metadata={"kind": "subscription"},
    )  # fmt: skip
    assert subscription.status == "incomplete" and subscription.client_secret
    confirm(stripe, subscription.client_secret, card)
    return stripe.gateway.retrieve_subscription(subscription.id)


def confirm(stripe, client_secret, card):
    intent_id = client_secret.split("_secret_")[0]
    return stripe.client.v1.payment_intents.confirm(
        intent_id, params={"payment_method": card, "return_url": RETURN_URL}
    )


def new_card(stripe, customer, subscription_id, card):
    """Save `card` with a SetupIntent and make it the one Stripe charges (our card-update path)."""
    secret = stripe.gateway.create_setup_intent(customer_id=customer,
                                                idempotency_key=f"seti-{customer}-{card}")  # fmt: skip
    setup_id = secret.split("_secret_")[0]
    stripe.client.v1.setup_intents.confirm(
        setup_id, params={"payment_method": card, "return_url": RETURN_URL}
    )
    return setup_id, stripe.gateway.make_default_card(
        setup_id, customer_id=customer, subscription_id=subscription_id,
        idempotency_key=f"default-{setup_id}",
    )  # fmt: skip


def invoices(stripe, customer):
    return stripe.gateway.list_invoices(customer)


def renew(stripe, customer, subscription):
    """Advance the customer's clock two hours past the period's end: the renewal is attempted."""
    return stripe.advance(customer, subscription.current_period_end + timedelta(hours=2))


def test_subscribe_then_renew(stripe):
    """A paid first invoice makes the subscription active; a renewal is charged a period later."""
    customer = stripe.customer()
    subscription = subscribe(stripe, customer)
    assert subscription.status == "active" and subscription.client_secret is None
    first_end = subscription.current_period_end
    renew(stripe, customer, subscription)
    renewed = stripe.gateway.retrieve_subscription(subscription.id)
    assert renewed.status == "active" and renewed.current_period_end > first_end
    assert [invoice.status for invoice in invoices(stripe, customer)] == ["paid", "paid"]


def test_a_decline_then_a_good_card_on_the_same_payment(stripe):
    """A declined first payment leaves the same payment open; a good card then pays it."""
    customer = stripe.customer()
    subscription = stripe.gateway.create_subscription(
        customer_id=customer, amount=100, currency="usd", interval="month",
        idempotency_key=f"sub-{customer}", metadata={},
    )  # fmt: skip
    with pytest.raises(CardDeclined) as declined:
        with_gateway_errors(confirm, stripe, subscription.client_secret, "pm_card_chargeDeclined")
    assert declined.value.code == "generic_decline"
    assert stripe.gateway.retrieve_subscription(subscription.id).status == "incomplete"
    confirm(stripe, subscription.client_secret, "pm_card_visa")
    assert stripe.gateway.retrieve_subscription(subscription.id).status == "active"


def test_a_saved_card_changes_nothing_until_made_the_default(stripe):
    """A SetupIntent only saves the card: the subscription keeps charging its own default."""
    customer = stripe.customer()
    subscription = subscribe(stripe, customer)
    before = stripe.client.v1.subscriptions.retrieve(subscription.id).default_payment_method
    secret = stripe.gateway.create_setup_intent(
        customer_id=customer, idempotency_key=f"s-{customer}"
    )
    stripe.client.v1.setup_intents.confirm(
        secret.split("_secret_")[0],
        params={"payment_method": "pm_card_visa", "return_url": RETURN_URL},
    )
    after = stripe.client.v1.subscriptions.retrieve(subscription.id).default_payment_method
    assert before is not None and after == before
    assert (
        stripe.client.v1.customers.retrieve(customer).invoice_settings.default_payment_method
        is None
    )


def test_a_failed_renewal_recovered_by_a_new_card(stripe):
    """A card that fails every charge makes the renewal fail (past due); a new default card pays
    the open invoice and the subscription is active again."""
    customer = stripe.customer()
    subscription = subscribe(stripe, customer)
    new_card(stripe, customer, subscription.id, "pm_card_chargeCustomerFail")
    renew(stripe, customer, subscription)
    assert stripe.gateway.retrieve_subscription(subscription.id).status == "past_due"
    assert next(invoice.status for invoice in invoices(stripe, customer)) == "open"
    _, card = new_card(stripe, customer, subscription.id, "pm_card_visa")
    assert stripe.gateway.pay_open_invoice(subscription.id, payment_method=card,
                                           idempotency_key=f"pay-{card}")  # fmt: skip
    assert stripe.gateway.retrieve_subscription(subscription.id).status == "active"


def test_a_change_of_interval_invoices_at_once_a_change_of_amount_does_not(stripe):
    """Same interval, new amount: nothing charged now. Monthly to annual: an invoice at once."""
    customer = stripe.customer()
    subscription = subscribe(stripe, customer)
    changed = stripe.gateway.change_subscription(subscription.id, amount=500, currency="usd",
                                                 interval="month", idempotency_key=f"c-{customer}")  # fmt: skip
    assert changed.amount == 500 and len(invoices(stripe, customer)) == 1
    annual = stripe.gateway.change_subscription(subscription.id, amount=6000, currency="usd",
                                                interval="year", idempotency_key=f"y-{customer}")  # fmt: skip
    assert annual.interval == "year"
    latest = invoices(stripe, customer)
    assert len(latest) == 2 and latest[0].status == "paid"
    assert annual.current_period_end - subscription.current_period_end > timedelta(days=300)


def test_partial_then_full_refund(stripe):
    """Two refunds through the Refunds API; a third is refused."""
    customer = stripe.customer()
    subscribe(stripe, customer, amount=1000)
    [charge] = stripe.test_mode.charges_of(customer)
    stripe.test_mode.refund(charge.id, 300, idempotency_key=f"r1-{charge.id}")
    stripe.test_mode.refund(charge.id, None, idempotency_key=f"r2-{charge.id}")
    [refunded] = stripe.test_mode.charges_of(customer)
    assert refunded.amount_refunded == 1000
    with pytest.raises(GatewayError):
        stripe.test_mode.refund(charge.id, 1, idempotency_key=f"r3-{charge.id}")


@pytest.mark.parametrize("win", [True, False])
def test_a_dispute_won_or_lost(stripe, win):
    """Paying with the dispute test card opens a dispute; Stripe's test evidence decides it."""
    customer = stripe.customer()
    subscribe(stripe, customer, card="pm_card_createDispute")
    charge = stripe.until(lambda: stripe.test_mode.charges_of(customer)[0],
                          lambda c: c.dispute_id is not None, "the dispute")  # fmt: skip
    assert charge.dispute_status == "needs_response"
    stripe.test_mode.submit_dispute_evidence(charge.dispute_id, win=win)
    settled = stripe.until(lambda: stripe.test_mode.charges_of(customer)[0],
                           lambda c: c.dispute_status in ("won", "lost"), "the dispute's end")  # fmt: skip
    assert settled.dispute_status == ("won" if win else "lost")


def test_cancel_at_the_period_end(stripe):
    """Cancelled at the period's end: active until then, canceled after, no renewal charged."""
    customer = stripe.customer()
    subscription = subscribe(stripe, customer)
    ending = stripe.gateway.set_cancel_at_period_end(subscription.id, True)
    assert ending.status == "active" and ending.cancel_at_period_end
    renew(stripe, customer, subscription)
    assert stripe.gateway.retrieve_subscription(subscription.id).status == "canceled"
    assert len(invoices(stripe, customer)) == 1


def test_an_idempotency_key_reused_with_other_parameters_is_refused(stripe):
    """The same key with different parameters is an error, never a second object."""
    customer = stripe.customer()
    key = f"donation-{customer}"
    stripe.gateway.create_donation(customer_id=customer, amount=500, currency="usd",
                               idempotency_key=key, metadata={})  # fmt: skip
    with pytest.raises(GatewayError):
        stripe.gateway.create_donation(customer_id=customer, amount=700, currency="usd",
                                   idempotency_key=key, metadata={})  # fmt: skip


def with_gateway_errors(function, *args):
    """Run an SDK call the way the gateway does, so Stripe's errors arrive as the gateway's."""
    from app.payments.stripe_gateway import stripe_errors

    with stripe_errors():
        return function(*args)
