"""Subscriptions and invoices: first payment, renewals, retries, changes, test clocks."""

import pytest
import stripe

from stripe_emulator import Emulator, testing

from .conftest import DAY, START, Flows, sdk

pytestmark = pytest.mark.own_app


def test_default_incomplete_waits_for_the_first_payment(client, flows):
    """default_incomplete: incomplete, first invoice open with a confirmation secret."""
    customer = flows.customer()
    subscription = flows.subscribe(customer.id)
    assert subscription.status == "incomplete"
    invoice = subscription.latest_invoice
    assert (invoice.status, invoice.billing_reason) == ("open", "subscription_create")
    assert invoice.confirmation_secret.type == "payment_intent"
    assert subscription.items.data[0].current_period_end > subscription.billing_cycle_anchor


def test_first_payment_activates_in_stripes_event_order(client, flows):
    """Paying the first invoice: paid, active, default saved on the subscription only."""
    customer = flows.customer()
    subscription = flows.subscribe(customer.id)
    flows.events()
    flows.pay_first(subscription)
    events = flows.events()
    types = [e["type"] for e in events if e["type"] != "payment_method.attached"]
    assert types == [
        "payment_intent.succeeded",
        "charge.succeeded",
        "invoice_payment.paid",
        "invoice.payment_succeeded",
        "invoice.paid",
        "customer.subscription.updated",
    ]
    assert events[-1]["data"]["previous_attributes"]["status"] == "incomplete"
    subscription = client.v1.subscriptions.retrieve(
        subscription.id, params={"expand": ["latest_invoice"]}
    )
    assert subscription.status == "active"
    assert subscription.latest_invoice.amount_paid == 1000
    assert subscription.latest_invoice.amount_remaining == 0
    assert subscription.latest_invoice.status_transitions.paid_at
    assert subscription.default_payment_method is not None
    assert client.v1.customers.retrieve(customer.id).invoice_settings.default_payment_method is None


def test_invoice_intent_is_found_through_invoice_payments(client, flows):
    """The invoice's PaymentIntent has no `invoice`; invoice payments link the two."""
    customer = flows.customer()
    subscription = flows.subscribe(customer.id)
    invoice = client.v1.invoices.retrieve(
        subscription.latest_invoice.id, params={"expand": ["payments.data.payment.payment_intent"]}
    )
    intent = invoice.payments.data[0].payment.payment_intent
    assert intent.object == "payment_intent" and "invoice" not in intent
    assert intent.setup_future_usage == "off_session"
    found = client.v1.invoice_payments.list(
        params={"payment": {"type": "payment_intent", "payment_intent": intent.id}}
    )
    assert found.data[0].invoice == invoice.id


def test_invoice_payments_name_the_payment_intent_not_the_charge(client, flows):
    """expand[]=payments: each invoice payment's `payment` is {type: payment_intent,
    payment_intent}. Stripe surfaces payment.charge only for a charge made without a
    PaymentIntent (https://docs.stripe.com/api/invoice-payment/object), so expanding it adds
    nothing; the charge is the intent's latest_charge."""
    customer, subscription = flows.active()
    intent_id = client.v1.payment_intents.list(params={"customer": customer.id}).data[0].id
    invoice = client.v1.invoices.retrieve(
        subscription.latest_invoice, params={"expand": ["payments"]}
    )
    [payment] = invoice.payments.data
    assert payment.to_dict()["payment"] == {"type": "payment_intent", "payment_intent": intent_id}
    assert (payment.invoice, payment.status, payment.amount_paid) == (invoice.id, "paid", 1000)
    expanded = client.v1.invoices.retrieve(
        invoice.id,
        params={
            "expand": [
                "payments.data.payment.charge",
                "payments.data.payment.payment_intent.latest_charge",
            ]
        },
    )
    paid_by = expanded.payments.data[0].payment
    assert "charge" not in paid_by
    charge = paid_by.payment_intent.latest_charge
    assert (charge.object, charge.paid, charge.amount, charge.payment_intent) == (
        "charge",
        True,
        1000,
        intent_id,
    )


def test_subscription_retrieve_expands_latest_invoice_payments(client, flows):
    """expand[]=latest_invoice.payments on a subscription: its latest invoice's payments, with
    the URL listing them (https://docs.stripe.com/expand,
    https://docs.stripe.com/api/invoice-payment/list); a renewal's draft has none yet."""
    clock = flows.clock()
    _, subscription = flows.active(clock.id)
    expand = {"expand": ["latest_invoice.payments"]}
    found = client.v1.subscriptions.retrieve(subscription.id, params=expand)
    invoice = found.latest_invoice
    [payment] = invoice.payments.data
    assert (payment.invoice, payment.status, payment.payment.type) == (
        invoice.id,
        "paid",
        "payment_intent",
    )
    assert invoice.payments.url == f"/v1/invoice_payments?invoice={invoice.id}"
    flows.advance(clock.id, subscription.items.data[0].current_period_end + 60)
    renewed = client.v1.subscriptions.retrieve(subscription.id, params=expand).latest_invoice
    assert (renewed.status, renewed.payments.data) == ("draft", [])


def test_invoice_payments_only_when_expanded(client, flows):
    """invoice.payments and confirmation_secret are absent unless expanded."""
    customer = flows.customer()
    subscription = flows.subscribe(customer.id)
    invoice = client.v1.invoices.retrieve(subscription.latest_invoice.id)
    assert "payments" not in invoice and "confirmation_secret" not in invoice


def test_renewal_through_a_test_clock(client, flows):
    """At the period end: period advances, draft invoice, finalised an hour later and paid."""
    clock = flows.clock()
    _, subscription = flows.active(clock.id)
    end = subscription.items.data[0].current_period_end
    flows.events()
    flows.advance(clock.id, end + 60)
    renewed = client.v1.subscriptions.retrieve(
        subscription.id, params={"expand": ["latest_invoice"]}
    )
    assert renewed.items.data[0].current_period_start == end
    assert renewed.latest_invoice.status == "draft"
    assert renewed.latest_invoice.billing_reason == "subscription_cycle"
    flows.advance(clock.id, end + 3700)
    invoice = client.v1.invoices.retrieve(renewed.latest_invoice.id)
    assert invoice.status == "paid" and invoice.number.endswith("-0002")
    line = invoice.lines.data[0]
    assert line.parent.subscription_item_details.subscription == subscription.id
    assert line.period.start == end


def test_default_payment_method_precedence(client, flows, emu):
    """Renewals charge the subscription's default first, then the customer's."""
    clock = flows.clock()
    customer, subscription = flows.active(clock.id)
    failing = client.v1.payment_methods.attach(
        testing.create_card(emu, "4000000000000341"), params={"customer": customer.id}
    )
    client.v1.customers.update(
        customer.id, params={"invoice_settings": {"default_payment_method": failing.id}}
    )
    end = subscription.items.data[0].current_period_end
    flows.advance(clock.id, end + 3700)
    assert client.v1.subscriptions.retrieve(subscription.id).status == "active"  # sub default paid
    client.v1.subscriptions.update(subscription.id, params={"default_payment_method": ""})
    end = client.v1.subscriptions.retrieve(subscription.id).items.data[0].current_period_end
    flows.advance(clock.id, end + 3700)
    assert client.v1.subscriptions.retrieve(subscription.id).status == "past_due"


def test_failed_renewal_retries_then_cancels(client, flows):
    """A failing renewal: past_due, 4 retries at 1, 3, 5, 7 days, then canceled."""
    clock = flows.clock()
    customer, subscription = flows.active(clock.id)
    client.v1.subscriptions.update(
        subscription.id,
        params={
            "default_payment_method": client.v1.payment_methods.attach(
                "pm_card_chargeCustomerFail", params={"customer": customer.id}
            ).id
        },
    )
    end = subscription.items.data[0].current_period_end
    flows.advance(clock.id, end + 3700)
    renewed = client.v1.subscriptions.retrieve(
        subscription.id, params={"expand": ["latest_invoice"]}
    )
    assert renewed.status == "past_due"
    assert renewed.latest_invoice.attempt_count == 1
    assert renewed.latest_invoice.next_payment_attempt == end + 3600 + DAY
    flows.advance(clock.id, end + 3600 + 6 * DAY)
    assert client.v1.invoices.retrieve(renewed.latest_invoice.id).attempt_count == 4
    flows.advance(clock.id, end + 3600 + 8 * DAY)
    final = client.v1.subscriptions.retrieve(subscription.id)
    assert final.status == "canceled"
    assert final.cancellation_details.reason == "payment_failed"
    assert client.v1.invoices.retrieve(renewed.latest_invoice.id).attempt_count == 5


def test_after_retries_unpaid():
    """after_retries="unpaid": the last failed retry leaves the subscription unpaid."""
    emu = Emulator(seed=3, after_retries="unpaid")
    client = sdk(emu)
    flows = Flows(emu, client)
    clock = flows.clock()
    _, subscription = flows.active(clock.id)
    client.v1.subscriptions.update(subscription.id, params={"default_payment_method": ""})
    end = subscription.items.data[0].current_period_end
    flows.advance(clock.id, end + 3600 + 8 * DAY)
    assert client.v1.subscriptions.retrieve(subscription.id).status == "unpaid"


def test_paying_a_past_due_invoice_reactivates(client, flows):
    """A past_due subscription whose invoice is paid (invoices.pay) is active again."""
    clock = flows.clock()
    customer, subscription = flows.active(clock.id)
    client.v1.subscriptions.update(subscription.id, params={"default_payment_method": ""})
    end = subscription.items.data[0].current_period_end
    flows.advance(clock.id, end + 3700)
    invoice_id = client.v1.subscriptions.retrieve(subscription.id).latest_invoice
    with pytest.raises(stripe.InvalidRequestError):
        client.v1.invoices.pay(invoice_id)
    card = client.v1.payment_methods.attach("pm_card_visa", params={"customer": customer.id})
    assert client.v1.invoices.pay(invoice_id, params={"payment_method": card.id}).status == "paid"
    assert client.v1.subscriptions.retrieve(subscription.id).status == "active"


def test_invoice_pay_decline_is_a_card_error(client, flows):
    """invoices.pay with a declining card answers 402 card_error."""
    clock = flows.clock()
    customer, subscription = flows.active(clock.id)
    client.v1.subscriptions.update(subscription.id, params={"default_payment_method": ""})
    flows.advance(clock.id, subscription.items.data[0].current_period_end + 3700)
    invoice_id = client.v1.subscriptions.retrieve(subscription.id).latest_invoice
    bad = client.v1.payment_methods.attach(
        "pm_card_chargeDeclinedInsufficientFunds", params={"customer": customer.id}
    )
    with pytest.raises(stripe.CardError) as caught:
        client.v1.invoices.pay(invoice_id, params={"payment_method": bad.id})
    assert caught.value.error.decline_code == "insufficient_funds"


def test_3184_renewal_requires_action(client, flows, emu):
    """3184 renewals: PaymentIntent requires_action, invoice.payment_action_required, past_due."""
    clock = flows.clock()
    customer = flows.customer(clock.id)
    subscription = flows.subscribe(customer.id)
    result = flows.pay_first(subscription, "4000002760003184")
    testing.authenticate(emu, result["redirect_url"], approve=True)
    end = client.v1.subscriptions.retrieve(subscription.id).items.data[0].current_period_end
    flows.events()
    flows.advance(clock.id, end + 3700)
    assert "invoice.payment_action_required" in flows.types()
    renewed = client.v1.subscriptions.retrieve(
        subscription.id, params={"expand": ["latest_invoice.payments.data.payment.payment_intent"]}
    )
    assert renewed.status == "past_due"
    intent = renewed.latest_invoice.payments.data[0].payment.payment_intent
    assert intent.status == "requires_action"
    with pytest.raises(stripe.CardError) as caught:
        client.v1.invoices.pay(renewed.latest_invoice.id)
    assert caught.value.code == "invoice_payment_intent_requires_action"


def test_3155_set_up_renews_off_session(client, flows, emu):
    """3155: 3-D Secure on the first payment, none on the off-session renewal once set up."""
    clock = flows.clock()
    customer = flows.customer(clock.id)
    subscription = flows.subscribe(customer.id)
    result = flows.pay_first(subscription, "4000002500003155")
    assert result["status"] == "requires_action"
    testing.authenticate(emu, result["redirect_url"], approve=True)
    end = client.v1.subscriptions.retrieve(subscription.id).items.data[0].current_period_end
    flows.advance(clock.id, end + 3700)
    renewed = client.v1.subscriptions.retrieve(
        subscription.id, params={"expand": ["latest_invoice"]}
    )
    assert (renewed.status, renewed.latest_invoice.status) == ("active", "paid")


def test_setup_intent_changes_no_default_and_pays_nothing(client, flows, emu):
    """A succeeded SetupIntent attaches the card, sets no default, pays no open invoice."""
    customer = flows.customer()
    subscription = flows.subscribe(customer.id)
    intent = client.v1.setup_intents.create(
        params={
            "customer": customer.id,
            "usage": "off_session",
            "automatic_payment_methods": {"enabled": True},
        }
    )
    result = testing.confirm_setup(emu, intent.client_secret, card_number="4242424242424242")
    assert result["status"] == "succeeded"
    assert "setup_intent=" in result["redirect_url"]
    found = client.v1.setup_intents.retrieve(intent.id)
    assert client.v1.payment_methods.retrieve(found.payment_method).customer == customer.id
    assert client.v1.customers.retrieve(customer.id).invoice_settings.default_payment_method is None
    assert client.v1.subscriptions.retrieve(subscription.id).default_payment_method is None
    assert client.v1.invoices.retrieve(subscription.latest_invoice.id).status == "open"


@pytest.mark.parametrize(
    ("card", "status"),
    [
        ("4000002500003155", "requires_action"),
        ("4000000000000002", "requires_payment_method"),
        ("4000000000000341", "succeeded"),
    ],
)
def test_setup_intent_cards(client, flows, emu, card, status):
    """SetupIntents: 3155 authenticates, 0002 declines, 0341 sets up fine."""
    customer = flows.customer()
    intent = client.v1.setup_intents.create(params={"customer": customer.id})
    assert testing.confirm_setup(emu, intent.client_secret, card_number=card)["status"] == status


def test_interval_change_invoices_at_once_and_resets_the_anchor(client, flows):
    """Month -> year: anchor now, period restarts, invoice with credit line charged at once."""
    clock = flows.clock()
    _, subscription = flows.active(clock.id)
    flows.advance(clock.id, START + 10 * DAY)
    item = subscription.items.data[0]
    changed = client.v1.subscriptions.update(
        subscription.id,
        params={
            "items": [{"id": item.id, "price_data": flows.price_data(10000, "year")}],
            "proration_behavior": "create_prorations",
            "expand": ["latest_invoice"],
        },
    )
    assert changed.billing_cycle_anchor == START + 10 * DAY
    assert changed.items.data[0].current_period_start == START + 10 * DAY
    invoice = changed.latest_invoice
    assert (invoice.billing_reason, invoice.status) == ("subscription_update", "paid")
    credit, charge = invoice.lines.data
    assert credit.amount == -round(
        1000
        * (item.current_period_end - START - 10 * DAY)
        / (item.current_period_end - item.current_period_start)
    )
    assert credit.parent.subscription_item_details.proration
    assert charge.amount == 10000
    assert invoice.total == credit.amount + 10000


def test_same_interval_change_waits_for_the_renewal(client, flows):
    """Same interval, new amount: no invoice now; prorations on the next renewal invoice."""
    clock = flows.clock()
    _, subscription = flows.active(clock.id)
    item = subscription.items.data[0]
    changed = client.v1.subscriptions.update(
        subscription.id, params={"items": [{"id": item.id, "price_data": flows.price_data(2000)}]}
    )
    assert changed.latest_invoice == subscription.latest_invoice
    flows.advance(clock.id, item.current_period_end + 3700)
    invoice = client.v1.invoices.retrieve(
        client.v1.subscriptions.retrieve(subscription.id).latest_invoice
    )
    assert [line.amount for line in invoice.lines.data] == [-1000, 2000, 2000]


def test_pending_if_incomplete_keeps_the_subscription_on_failure(client, flows):
    """pending_if_incomplete with a failing card: items unchanged, pending_update set."""
    clock = flows.clock()
    customer, subscription = flows.active(clock.id)
    client.v1.subscriptions.update(subscription.id, params={"default_payment_method": ""})
    yearly = flows.price(10000, "year")
    item = subscription.items.data[0]
    changed = client.v1.subscriptions.update(
        subscription.id,
        params={
            "items": [{"id": item.id, "price": yearly.id}],
            "payment_behavior": "pending_if_incomplete",
        },
    )
    assert changed.items.data[0].price.id == item.price.id
    assert changed.billing_cycle_anchor == subscription.billing_cycle_anchor
    assert changed.status == "active"
    assert changed.pending_update.subscription_items[0].price.id == yearly.id
    assert changed.pending_update.expires_at == START + 23 * 3600
    card = client.v1.payment_methods.attach("pm_card_visa", params={"customer": customer.id})
    client.v1.invoices.pay(changed.latest_invoice, params={"payment_method": card.id})
    applied = client.v1.subscriptions.retrieve(subscription.id)
    assert applied.pending_update is None and applied.items.data[0].price.id == yearly.id


def test_pending_if_incomplete_refuses_price_data(client, flows):
    """pending_if_incomplete accepts only Stripe's listed parameters (no price_data)."""
    _, subscription = flows.active()
    with pytest.raises(stripe.InvalidRequestError) as caught:
        client.v1.subscriptions.update(
            subscription.id,
            params={
                "items": [{"id": subscription.items.data[0].id, "price_data": flows.price_data(5)}],
                "payment_behavior": "pending_if_incomplete",
            },
        )
    assert caught.value.param == "items[0][price_data]"


def test_pending_update_expires(client, flows):
    """An unpaid pending update expires after 23 hours: invoice voided, update dropped."""
    clock = flows.clock()
    _, subscription = flows.active(clock.id)
    client.v1.subscriptions.update(subscription.id, params={"default_payment_method": ""})
    changed = client.v1.subscriptions.update(
        subscription.id,
        params={
            "items": [{"id": subscription.items.data[0].id, "price": flows.price(9000, "year").id}],
            "payment_behavior": "pending_if_incomplete",
        },
    )
    flows.advance(clock.id, START + DAY)
    assert client.v1.subscriptions.retrieve(subscription.id).pending_update is None
    assert client.v1.invoices.retrieve(changed.latest_invoice).status == "void"


def test_incomplete_expires_after_23_hours(client, flows):
    """Unpaid for 23 hours: incomplete_expired, first invoice voided."""
    clock = flows.clock()
    customer = flows.customer(clock.id)
    subscription = flows.subscribe(customer.id)
    flows.advance(clock.id, START + 23 * 3600 - 1)
    assert client.v1.subscriptions.retrieve(subscription.id).status == "incomplete"
    flows.events()
    flows.advance(clock.id, START + 23 * 3600)
    assert client.v1.subscriptions.retrieve(subscription.id).status == "incomplete_expired"
    assert client.v1.invoices.retrieve(subscription.latest_invoice.id).status == "void"
    assert {"invoice.voided", "customer.subscription.updated"} <= set(flows.types())


def test_cancel_at_period_end(client, flows):
    """cancel_at_period_end: canceled at the period end, without a new invoice."""
    clock = flows.clock()
    _, subscription = flows.active(clock.id)
    client.v1.subscriptions.update(subscription.id, params={"cancel_at_period_end": True})
    end = subscription.items.data[0].current_period_end
    flows.advance(clock.id, end + 10)
    ended = client.v1.subscriptions.retrieve(subscription.id)
    assert (ended.status, ended.ended_at, ended.latest_invoice) == (
        "canceled",
        end,
        subscription.latest_invoice,
    )


def test_cancel_now(client, flows):
    """DELETE: canceled now, reason cancellation_requested, customer.subscription.deleted."""
    _, subscription = flows.active()
    canceled = client.v1.subscriptions.cancel(subscription.id)
    assert canceled.status == "canceled" and canceled.ended_at and canceled.canceled_at
    assert canceled.cancellation_details.reason == "cancellation_requested"
    assert "customer.subscription.deleted" in flows.types()


def test_deleting_a_customer_cancels_its_subscriptions(client, flows):
    """Customer delete: subscriptions canceled first, then customer.deleted."""
    customer, subscription = flows.active()
    flows.events()
    client.v1.customers.delete(customer.id)
    assert flows.types() == ["customer.subscription.deleted", "customer.deleted"]
    assert client.v1.subscriptions.retrieve(subscription.id).status == "canceled"


def test_a_deleted_customer_takes_no_further_operations(client, flows):
    """After a customer is deleted (https://docs.stripe.com/api/customers/delete): its
    subscriptions are canceled, it still retrieves (deleted: true, also when expanded), every
    other request naming it answers "No such customer", and its cards are detached for good."""
    customer, subscription = flows.active()
    waiting = flows.subscribe(customer.id)
    card = subscription.default_payment_method
    client.v1.customers.delete(customer.id)
    for sub in (subscription, waiting):
        assert client.v1.subscriptions.retrieve(sub.id).status == "canceled"
    assert client.v1.customers.retrieve(customer.id).deleted is True
    expanded = client.v1.subscriptions.retrieve(subscription.id, params={"expand": ["customer"]})
    assert expanded.customer.to_dict() == {"id": customer.id, "object": "customer", "deleted": True}
    assert client.v1.customers.list().data == []
    refused = [
        lambda: client.v1.customers.update(customer.id, params={"name": "Again"}),
        lambda: client.v1.customers.delete(customer.id),
        lambda: client.v1.customers.payment_methods.list(customer.id),
        lambda: flows.subscribe(customer.id),
        lambda: client.v1.payment_intents.create(
            params={"amount": 1000, "currency": "usd", "customer": customer.id}
        ),
        lambda: client.v1.setup_intents.create(params={"customer": customer.id}),
        lambda: client.v1.payment_methods.attach("pm_card_visa", params={"customer": customer.id}),
    ]
    for request in refused:
        with pytest.raises(stripe.InvalidRequestError) as caught:
            request()
        assert caught.value.code == "resource_missing"
        assert caught.value.user_message == f"No such customer: '{customer.id}'"
    assert client.v1.payment_methods.retrieve(card).customer is None
    assert client.v1.payment_methods.list(params={"customer": customer.id}).data == []
    intent = client.v1.payment_intents.create(params={"amount": 1000, "currency": "usd"})
    with pytest.raises(stripe.InvalidRequestError, match="may not be used again"):
        client.v1.payment_intents.confirm(intent.id, params={"payment_method": card})


def test_pause_collection_void(client, flows):
    """pause_collection void: renewal invoices voided at once, status stays active."""
    clock = flows.clock()
    _, subscription = flows.active(clock.id)
    client.v1.subscriptions.update(
        subscription.id, params={"pause_collection": {"behavior": "void"}}
    )
    flows.advance(clock.id, subscription.items.data[0].current_period_end + 3700)
    renewed = client.v1.subscriptions.retrieve(
        subscription.id, params={"expand": ["latest_invoice"]}
    )
    assert (renewed.status, renewed.latest_invoice.status) == ("active", "void")


def test_test_clock_two_interval_limit(client, flows):
    """A clock cannot advance beyond two intervals of its shortest subscription."""
    clock = flows.clock()
    flows.active(clock.id)
    with pytest.raises(stripe.InvalidRequestError, match="two intervals"):
        client.v1.test_helpers.test_clocks.advance(
            clock.id, params={"frozen_time": START + 70 * DAY}
        )
    with pytest.raises(stripe.InvalidRequestError):
        client.v1.test_helpers.test_clocks.advance(clock.id, params={"frozen_time": START - 1})


def test_test_clock_advances_asynchronously(client, flows, emu):
    """advance: advancing until settle(), then ready; a second advance meanwhile is refused."""
    clock = flows.clock()
    advancing = client.v1.test_helpers.test_clocks.advance(
        clock.id, params={"frozen_time": START + 60}
    )
    assert advancing.status == "advancing"
    with pytest.raises(stripe.InvalidRequestError):
        client.v1.test_helpers.test_clocks.advance(clock.id, params={"frozen_time": START + 90})
    emu.settle()
    ready = client.v1.test_helpers.test_clocks.retrieve(clock.id)
    assert (ready.status, ready.frozen_time) == ("ready", START + 60)


def test_test_clock_holds_three_customers(client, flows):
    """A clock takes at most three customers."""
    clock = flows.clock()
    for _ in range(3):
        flows.customer(clock.id)
    with pytest.raises(stripe.InvalidRequestError):
        flows.customer(clock.id)


def test_deleting_a_clock_deletes_its_customers(client, flows):
    """Deleting a clock deletes its customers."""
    clock = flows.clock()
    customer = flows.customer(clock.id)
    client.v1.test_helpers.test_clocks.delete(clock.id)
    assert client.v1.customers.retrieve(customer.id).deleted is True
