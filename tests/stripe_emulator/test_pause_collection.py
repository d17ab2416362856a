"""Pausing payment collection as Stripe documents it
(https://docs.stripe.com/billing/subscriptions/pause-payment): the subscription stays active,
invoices made before `resumes_at` are voided at once and never charged, collection resumes by
itself at `resumes_at` (customer.subscription.updated), and unsetting the pause resumes it now."""

import pytest
import stripe

from .conftest import DAY, START

pytestmark = pytest.mark.own_app

HOUR = 3600


def _pause(client, subscription_id, resumes_at=None, behavior="void"):
    pause = {"behavior": behavior}
    if resumes_at is not None:
        pause["resumes_at"] = resumes_at
    return client.v1.subscriptions.update(subscription_id, params={"pause_collection": pause})


def _latest_invoice(client, subscription_id):
    subscription = client.v1.subscriptions.retrieve(
        subscription_id, params={"expand": ["latest_invoice"]}
    )
    return subscription, subscription.latest_invoice


def _period_end(client, subscription_id):
    return client.v1.subscriptions.retrieve(subscription_id).items.data[0].current_period_end


def test_a_paused_subscription_stays_active_and_its_renewals_are_voided(client, flows):
    """void until resumes_at: status active, each renewal invoice void at once with nothing
    charged (no payment intent, no charge), invoice.voided sent and no invoice.paid."""
    clock = flows.clock()
    customer, subscription = flows.active(clock.id)
    first_end = subscription.items.data[0].current_period_end
    resumes_at = first_end + 42 * DAY
    paused = _pause(client, subscription.id, resumes_at)
    assert paused.status == "active"
    assert (paused.pause_collection.behavior, paused.pause_collection.resumes_at) == (
        "void", resumes_at
    )  # fmt: skip
    flows.events()
    # The renewals at the first and the second period end, both before resumes_at.
    for _ in range(2):
        flows.advance(clock.id, _period_end(client, subscription.id) + 2 * HOUR)
        renewed, invoice = _latest_invoice(client, subscription.id)
        assert renewed.status == "active"
        assert (invoice.status, invoice.amount_paid) == ("void", 0)
        assert invoice.status_transitions.voided_at is not None
    types = flows.types()
    assert types.count("invoice.voided") == 2
    assert "invoice.paid" not in types and "charge.succeeded" not in types
    charges = client.v1.charges.list(params={"customer": customer.id}).data
    assert len(charges) == 1  # the first payment only


def test_collection_resumes_by_itself_at_resumes_at(client, flows):
    """At resumes_at Stripe unsets pause_collection (customer.subscription.updated naming the
    pause in its previous attributes); the next renewal is charged again."""
    clock = flows.clock()
    _, subscription = flows.active(clock.id)
    first_end = subscription.items.data[0].current_period_end
    resumes_at = first_end + 20 * DAY
    _pause(client, subscription.id, resumes_at)
    flows.advance(clock.id, first_end + 2 * HOUR)
    assert _latest_invoice(client, subscription.id)[1].status == "void"
    flows.events()
    flows.advance(clock.id, resumes_at + 60)
    resumed = client.v1.subscriptions.retrieve(subscription.id)
    assert (resumed.status, resumed.pause_collection) == ("active", None)
    [updated] = [e for e in flows.events() if e["type"] == "customer.subscription.updated"]
    assert updated["data"]["object"]["pause_collection"] is None
    assert updated["data"]["previous_attributes"]["pause_collection"] == {
        "behavior": "void", "resumes_at": resumes_at
    }  # fmt: skip
    flows.advance(clock.id, _period_end(client, subscription.id) + 2 * HOUR)
    _, invoice = _latest_invoice(client, subscription.id)
    assert (invoice.status, invoice.amount_paid) == ("paid", 1000)


def test_an_invoice_made_at_resumes_at_itself_is_collected(client, flows):
    """Only invoices made before resumes_at are voided: a renewal falling exactly on it is paid."""
    clock = flows.clock()
    _, subscription = flows.active(clock.id)
    first_end = subscription.items.data[0].current_period_end
    flows.advance(clock.id, first_end + 2 * HOUR)
    second_end = _period_end(client, subscription.id)
    _pause(client, subscription.id, resumes_at=second_end)
    flows.advance(clock.id, second_end + 2 * HOUR)
    subscription, invoice = _latest_invoice(client, subscription.id)
    assert (invoice.status, invoice.amount_paid) == ("paid", 1000)
    assert subscription.pause_collection is None


def test_unsetting_the_pause_resumes_collection_at_once(client, flows):
    """pause_collection="" ends the pause now: the next renewal is charged, and the resume that
    was scheduled for resumes_at changes nothing when it comes."""
    clock = flows.clock()
    _, subscription = flows.active(clock.id)
    first_end = subscription.items.data[0].current_period_end
    _pause(client, subscription.id, resumes_at=first_end + 45 * DAY)
    unpaused = client.v1.subscriptions.update(subscription.id, params={"pause_collection": ""})
    assert (unpaused.status, unpaused.pause_collection) == ("active", None)
    flows.advance(clock.id, first_end + 2 * HOUR)
    assert _latest_invoice(client, subscription.id)[1].status == "paid"
    flows.events()
    flows.advance(clock.id, first_end + 46 * DAY)
    updates = [e for e in flows.events() if e["type"] == "customer.subscription.updated"]
    assert not any("pause_collection" in e["data"]["previous_attributes"] for e in updates)


def test_a_pause_without_resumes_at_lasts_until_unset(client, flows):
    """No resumes_at: every renewal is voided until the pause is unset."""
    clock = flows.clock()
    _, subscription = flows.active(clock.id)
    _pause(client, subscription.id)
    for _ in range(3):
        flows.advance(clock.id, _period_end(client, subscription.id) + 2 * HOUR)
        subscription, invoice = _latest_invoice(client, subscription.id)
        assert invoice.status == "void"
        assert subscription.pause_collection.behavior == "void"
    assert subscription.items.data[0].current_period_start > START + 80 * DAY


def test_pause_collection_needs_a_behavior(client, flows):
    """pause_collection without behavior is refused (400, parameter_missing)."""
    _, subscription = flows.active()
    with pytest.raises(stripe.InvalidRequestError) as refused:
        client.v1.subscriptions.update(
            subscription.id, params={"pause_collection": {"resumes_at": START + 40 * DAY}}
        )
    assert refused.value.code == "parameter_missing"
    assert refused.value.param == "pause_collection[behavior]"
