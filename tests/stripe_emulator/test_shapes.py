"""Every object type the emulator returns and every event it sends, over a full lifecycle,
compared with Stripe's example object of the same type (tests/fixtures/stripe/fixtures3.json)."""

import json
from pathlib import Path
from typing import Any

import pytest

from stripe_emulator import testing

from .conftest import DAY

pytestmark = pytest.mark.own_app

EXAMPLES = json.loads(
    (Path(__file__).resolve().parents[1] / "fixtures" / "stripe" / "fixtures3.json").read_text()
)["resources"]

# Fields Stripe documents as nullable (https://docs.stripe.com/api, "nullable" on each field)
# that the examples happen to fill: the emulator may answer null there.
NULLABLE = {
    "charge.balance_transaction",
    "charge.failure_balance_transaction",
    "charge.outcome.advice_code",
    "charge.payment_method_details.card.installments",
    "charge.payment_method_details.card.three_d_secure",
    "charge.payment_method_details.card.wallet",
    "charge.shipping",
    "charge.source",
    "charge.transfer_data",
    "charge.calculated_statement_descriptor",
    "charge.billing_details.name",
    "payment_method.billing_details.name",
    "charge.failure_code",
    "charge.failure_message",
    "customer.address",
    "customer.currency",
    "customer.discount",
    "customer.invoice_settings.rendering_options",
    "customer.shipping",
    "invoice.automatic_tax.liability",
    "invoice.customer_address",
    "invoice.customer_shipping",
    "invoice.due_date",
    "invoice.effective_at",
    "invoice.from_invoice",
    "invoice.last_finalization_error",
    "invoice.next_payment_attempt",
    "invoice.payment_settings.payment_method_options",
    "invoice.rendering",
    "invoice.shipping_cost",
    "invoice.shipping_details",
    "invoice.webhooks_delivered_at",
    "invoice.hosted_invoice_url",
    "invoice.invoice_pdf",
    "invoice.number",
    "invoice.ending_balance",
    "invoice.parent.quote_details",
    "line_item.parent.invoice_item_details",
    "line_item.parent.subscription_item_details.proration_details.credited_items",
    "line_item.parent.subscription_item_details.invoice_item",
    "invoice_payment.amount_paid",
    "invoice_payment.status_transitions.paid_at",
    "invoice_payment.status_transitions.canceled_at",
    "payment_intent.automatic_payment_methods",
    "payment_intent.canceled_at",
    "payment_intent.last_payment_error",
    "payment_intent.next_action",
    "payment_intent.payment_method_configuration_details",
    "payment_intent.processing",
    "payment_intent.shipping",
    "payment_intent.transfer_data",
    "payment_intent.latest_charge",
    "payment_intent.payment_method",
    "payment_intent.customer",
    "payment_intent.description",
    "payment_intent.cancellation_reason",
    "payment_intent.setup_future_usage",
    "payment_method.card.generated_from",
    "payment_method.card.wallet",
    "payment_method.customer",
    "payment_method.card.checks.cvc_check",
    "payment_method.billing_details.address.city",
    "payment_method.billing_details.address.country",
    "payment_method.billing_details.address.line1",
    "payment_method.billing_details.address.postal_code",
    "payment_method.billing_details.address.state",
    "payment_method.billing_details.email",
    "payment_method.billing_details.phone",
    "price.custom_unit_amount",
    "price.recurring",
    "price.transform_quantity",
    "price.lookup_key",
    "product.default_price",
    "product.package_dimensions",
    "product.description",
    "refund.balance_transaction",
    "refund.reason",
    "setup_intent.automatic_payment_methods",
    "setup_intent.last_setup_error",
    "setup_intent.next_action",
    "setup_intent.payment_method_configuration_details",
    "setup_intent.payment_method",
    "setup_intent.customer",
    "subscription.automatic_tax.liability",
    "subscription.billing_cycle_anchor_config",
    "subscription.cancel_at",
    "subscription.canceled_at",
    "subscription.ended_at",
    "subscription.next_pending_invoice_item_invoice",
    "subscription.pause_collection",
    "subscription.payment_settings.payment_method_options",
    "subscription.pending_invoice_item_interval",
    "subscription.pending_update",
    "subscription.transfer_data",
    "subscription.trial_end",
    "subscription.trial_start",
    "subscription.default_payment_method",
    "subscription.latest_invoice",
    "subscription.billing_mode.flexible",
    "subscription.cancellation_details.reason",
    "plan.transform_usage",
    "subscription.billing_thresholds",
    "subscription_item.billing_thresholds",
    "subscription.invoice_settings.issuer",
    "dispute.payment_intent",
    "charge.payment_intent",
    "charge.customer",
    "charge.description",
    "test_helpers.test_clock.name",
    # checked on its own against the example of its type
    "event.data.object",
}
# Members of polymorphic hashes the examples show only by `type`, and includable or
# update-only fields: present on the emulator's objects although the examples lack them.
EXTRA = {
    "invoice_payment.payment.payment_intent",
    "invoice.payments",
    "invoice.confirmation_secret",
    "line_item.pricing.price_details",
    "payment_intent.next_action.redirect_to_url",
    "payment_intent.last_payment_error.charge",
    "payment_intent.last_payment_error.code",
    "payment_intent.last_payment_error.decline_code",
    "payment_intent.last_payment_error.doc_url",
    "payment_intent.last_payment_error.message",
    "payment_intent.last_payment_error.payment_method",
    "setup_intent.next_action.redirect_to_url",
    "setup_intent.last_setup_error.code",
    "setup_intent.last_setup_error.decline_code",
    "setup_intent.last_setup_error.doc_url",
    "setup_intent.last_setup_error.message",
    "setup_intent.last_setup_error.payment_method",
    "test_helpers.test_clock.status_details.advancing",
    "event.data.previous_attributes",
}
INCLUDABLE = {"charge.refunds"}


def compare(example: Any, actual: Any, path: str, problems: list[str]) -> None:
    """Record in `problems` where `actual` differs from `example` in keys, nesting or types."""
    if example is None or path.endswith(".metadata"):
        return  # the example shows no type; metadata holds whatever keys were set
    if (
        isinstance(actual, dict)
        and actual.get("object") in EXAMPLES
        and actual["object"] != "event"
    ):
        path = actual["object"]  # a nested object is checked under its own type's names
    if actual is None:
        if path not in NULLABLE:
            problems.append(f"{path}: null, example has {type(example).__name__}")
        return
    if isinstance(example, dict):
        if not isinstance(actual, dict):
            problems.append(f"{path}: {type(actual).__name__}, example has dict")
            return
        for key in example:
            if key not in actual and f"{path}.{key}" not in INCLUDABLE:
                problems.append(f"{path}.{key}: missing")
        for key in actual:
            if key not in example and f"{path}.{key}" not in EXTRA:
                problems.append(f"{path}.{key}: not in Stripe's example")
        for key in example.keys() & actual.keys():
            compare(example[key], actual[key], f"{path}.{key}", problems)
    elif isinstance(example, list):
        if not isinstance(actual, list):
            problems.append(f"{path}: {type(actual).__name__}, example has list")
        elif example:
            for item in actual:
                compare(example[0], item, path, problems)
    elif type(example) is not type(actual) and not (
        isinstance(example, float) and isinstance(actual, int)
    ):
        problems.append(f"{path}: {type(actual).__name__}, example has {type(example).__name__}")


def lifecycle(client, emu, flows) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """Run every flow; returns (objects answered by the API, events delivered)."""
    answered: list[Any] = []
    clock = flows.clock()
    customer, subscription = flows.active(clock.id)
    end = subscription.items.data[0].current_period_end
    flows.advance(clock.id, end + 3700)
    failing = client.v1.payment_methods.attach(
        "pm_card_chargeCustomerFail", params={"customer": customer.id}
    )
    client.v1.customers.update(
        customer.id, params={"invoice_settings": {"default_payment_method": failing.id}}
    )
    client.v1.subscriptions.update(subscription.id, params={"default_payment_method": ""})
    end = client.v1.subscriptions.retrieve(subscription.id).items.data[0].current_period_end
    flows.advance(clock.id, end + 3700)
    good = client.v1.payment_methods.attach("pm_card_visa", params={"customer": customer.id})
    client.v1.subscriptions.update(
        subscription.id,
        params={
            "items": [
                {"id": subscription.items.data[0].id, "price_data": flows.price_data(9000, "year")}
            ],
            "default_payment_method": good.id,
        },
    )
    client.v1.subscriptions.update(subscription.id, params={"cancel_at_period_end": True})
    invoice_id = client.v1.subscriptions.retrieve(subscription.id).latest_invoice
    answered.append(client.v1.invoices.retrieve(invoice_id, params={"expand": ["payments"]}))
    answered += client.v1.invoices.line_items.list(invoice_id).data
    answered += subscription.items.data
    end = client.v1.subscriptions.retrieve(subscription.id).items.data[0].current_period_end
    flows.advance(clock.id, end - DAY)
    flows.advance(clock.id, end + 10)

    other = flows.clock()
    action = flows.customer(other.id)
    sub = flows.subscribe(action.id)
    result = flows.pay_first(sub, "4000002760003184")
    testing.authenticate(emu, result["redirect_url"], approve=True)
    setup = flows.customer(other.id)
    sub = flows.subscribe(setup.id)
    result = flows.pay_first(sub, "4000002500003155")
    testing.authenticate(emu, result["redirect_url"], approve=True)
    flows.advance(
        other.id, client.v1.subscriptions.retrieve(sub.id).items.data[0].current_period_end + 3700
    )
    client.v1.customers.delete(action.id)

    intent = client.v1.payment_intents.create(
        params={
            "amount": 3000,
            "currency": "usd",
            "customer": setup.id,
            "automatic_payment_methods": {"enabled": True},
        }
    )
    testing.confirm_payment(emu, intent.client_secret, card_number="4000000000000002")
    testing.confirm_payment(emu, intent.client_secret, card_number="4242424242424242")
    charge_id = client.v1.payment_intents.retrieve(intent.id).latest_charge
    answered.append(client.v1.refunds.create(params={"charge": charge_id, "amount": 1000}))
    client.v1.refunds.create(params={"charge": charge_id})
    answered.append(client.v1.charges.retrieve(charge_id, params={"expand": ["refunds"]}))
    for text in ("winning_evidence", "losing_evidence"):
        disputed = client.v1.payment_intents.create(params={"amount": 2000, "currency": "usd"})
        disputed = client.v1.payment_intents.confirm(
            disputed.id, params={"payment_method": "pm_card_createDispute"}
        )
        emu.settle()
        dispute = client.v1.disputes.list(params={"payment_intent": disputed.id}).data[0]
        client.v1.disputes.update(dispute.id, params={"evidence": {"uncategorized_text": text}})
        emu.settle()
    seti = client.v1.setup_intents.create(params={"customer": setup.id, "usage": "off_session"})
    testing.confirm_setup(emu, seti.client_secret, card_number="4000002500003155")
    answered.append(client.v1.setup_intents.retrieve(seti.id))
    answered += client.v1.invoice_payments.list().data
    answered += client.v1.events.list(params={"limit": 3}).data
    answered.append(client.v1.test_helpers.test_clocks.retrieve(other.id))
    answered.append(flows.price(700, "week"))
    answered.append(client.v1.products.retrieve("enab_membership"))
    answered.append(client.v1.customers.retrieve(setup.id))
    return [obj.to_dict(for_json=True) for obj in answered], flows.events()


KINDS = sorted(
    EXAMPLES.keys()
    & {
        "customer",
        "product",
        "price",
        "subscription",
        "subscription_item",
        "invoice",
        "line_item",
        "invoice_payment",
        "payment_intent",
        "setup_intent",
        "payment_method",
        "charge",
        "refund",
        "dispute",
        "event",
        "test_helpers.test_clock",
    }
)
EVENT_TYPES = {
    "customer.created",
    "customer.updated",
    "customer.deleted",
    "product.created",
    "price.created",
    "payment_method.attached",
    "payment_intent.created",
    "payment_intent.succeeded",
    "payment_intent.payment_failed",
    "payment_intent.requires_action",
    "charge.succeeded",
    "charge.failed",
    "charge.refunded",
    "refund.created",
    "charge.dispute.created",
    "charge.dispute.updated",
    "charge.dispute.closed",
    "setup_intent.created",
    "setup_intent.requires_action",
    "customer.subscription.created",
    "customer.subscription.updated",
    "customer.subscription.deleted",
    "invoice.created",
    "invoice.finalized",
    "invoice.paid",
    "invoice.payment_succeeded",
    "invoice.payment_failed",
    "invoice.payment_action_required",
    "invoice_payment.paid",
    "test_helpers.test_clock.created",
    "test_helpers.test_clock.advancing",
    "test_helpers.test_clock.ready",
}


def test_every_object_and_event_has_stripes_shape(client, emu, flows):
    """Objects and events match Stripe's examples: same keys, nesting and JSON types."""
    answered, events = lifecycle(client, emu, flows)
    objects = answered + [event["data"]["object"] for event in events] + events
    seen: dict[str, int] = {}
    problems: list[str] = []
    for obj in objects:
        kind = obj["object"]
        if obj.get("deleted"):
            continue
        seen[kind] = seen.get(kind, 0) + 1
        inner = dict(obj)
        if kind == "event":
            inner["data"] = {
                "object": None,
                **{k: v for k, v in obj["data"].items() if k != "object"},
            }
        compare(EXAMPLES[kind], inner, kind, problems)
    assert not problems, "\n".join(sorted(set(problems)))
    assert set(KINDS) <= set(seen), set(KINDS) - set(seen)
    assert not EVENT_TYPES - {event["type"] for event in events}
