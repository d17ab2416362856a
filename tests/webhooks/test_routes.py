"""The webhook ledger with Stripe's own events: verified, recorded, applied exactly once, any order.

The events come from running the lifecycle on the Stripe emulator through production's gateway
(`stripe_side`); the tests post the captured, signed deliveries themselves, in the orders and
numbers each needs, and the handlers re-fetch from the same emulator. Only the signature tests
sign hand-made events (Stripe's example objects): a refused delivery fetches nothing.
"""

import itertools
import json
import time
import uuid
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select
from sqlalchemy.exc import OperationalError

from app.extensions import db
from app.models import (
    AttemptStatus,
    MembershipChange,
    MembershipStatus,
    Payment,
    PaymentAttempt,
    PaymentStatus,
    WebhookEvent,
)
from app.services import ledger, membership
from tests.paying import DECLINED, DISPUTED, FAILS_LATER, OK
from tests.stripe_fakes import make_event, sign, stripe_object


def stored():
    return db.session.scalar(select(func.count()).select_from(WebhookEvent))


def revenue():
    return db.session.scalar(
        select(func.coalesce(func.sum(Payment.amount), 0)).where(Payment.status == "paid")
    )


def payments_of_invoice(invoice_id):
    return db.session.scalars(select(Payment).where(Payment.invoice_id == invoice_id)).all()


def post_all(post, deliveries):
    """Post every delivery in turn; each must be answered 200."""
    for delivery in deliveries:
        response = post(delivery)
        assert response.status_code == 200, (delivery.type, response.status_code)


def example_event():
    """Stripe's example subscription event (hand-made: for the signature tests only)."""
    return make_event("customer.subscription.updated", stripe_object("subscription"))


# Signatures --------------------------------------------------------------------------------------


def test_a_missing_signature_is_refused_and_nothing_stored(post_signed):
    """No Stripe-Signature header: 400, nothing stored."""
    assert post_signed(example_event(), signature="").status_code == 400
    assert stored() == 0


def test_a_bad_signature_is_refused(post_signed):
    """Signed with another secret: 400, nothing stored."""
    assert post_signed(example_event(), secret="whsec_someone_else").status_code == 400
    assert stored() == 0


def test_a_stale_signature_is_refused(post_signed):
    """Signed more than 300 seconds ago: 400 (replays are refused)."""
    assert post_signed(example_event(), timestamp=int(time.time()) - 301).status_code == 400
    assert stored() == 0


def test_a_tampered_body_is_refused(app, post_signed):
    """A body changed after signing: 400."""
    event = example_event()
    header = sign(json.dumps(event).encode(), app.config["STRIPE_WEBHOOK_SECRET"])
    event["data"]["object"]["status"] = "canceled"
    assert post_signed(event, signature=header).status_code == 400
    assert stored() == 0


def test_the_route_needs_no_csrf_login_or_redirect(post, stripe_side, subscriber):
    """A valid delivery is answered 200 directly (no CSRF, no sign-in, no redirect)."""
    stripe_side.subscribe(subscriber.stripe_customer_id)
    created = stripe_side.deliveries().one("customer.subscription.created")
    response = post(created)
    assert response.status_code == 200 and response.json["outcome"] == "applied"


def test_the_webhook_has_its_own_blueprint(app):
    """POST /stripe/webhook is the webhooks blueprint's, apart from the reader-facing pages."""
    [rule] = [rule for rule in app.url_map.iter_rules() if rule.rule == "/stripe/webhook"]
    assert rule.endpoint == "webhooks.stripe_webhook" and rule.methods >= {"POST"}


# Recording and applying --------------------------------------------------------------------------


def test_an_unknown_type_is_stored_answered_and_ignored(post, stripe_side):
    """Types we do not handle are kept for the record and answered 200."""
    stripe_side.customer()
    created = stripe_side.deliveries().one("customer.created")
    assert post(created).status_code == 200
    row = db.session.get(WebhookEvent, created.id)
    assert (row.type, row.state) == ("customer.created", "ignored")


def test_the_same_event_twice_has_one_effect(post, stripe_side, subscriber):
    """A repeated event id: 200 again, no second effect."""
    stripe_side.subscribe(subscriber.stripe_customer_id)
    paid = stripe_side.deliveries().one("invoice.paid")
    assert post(paid).json["outcome"] == "applied"
    assert post(paid).json["outcome"] == "duplicate"
    assert revenue() == 100
    assert db.session.scalar(select(func.count(MembershipChange.id))) == 1
    assert db.session.get(WebhookEvent, paid.id).attempts == 1


@pytest.mark.parametrize(
    "order", list(itertools.permutations(["created", "updated", "invoice.paid"]))
)
def test_every_order_ends_in_the_same_state_and_revenue(post, stripe_side, subscriber, order):
    """created, updated and invoice.paid in any order: one active member, $1 of revenue."""
    stripe_side.subscribe(subscriber.stripe_customer_id)
    deliveries = stripe_side.deliveries()
    events = {
        "created": deliveries.one("customer.subscription.created"),
        "updated": deliveries.one("customer.subscription.updated"),
        "invoice.paid": deliveries.one("invoice.paid"),
    }
    assert events["created"].object["status"] == "incomplete"  # the snapshot it was sent with
    post_all(post, [events[name] for name in order])
    db.session.refresh(subscriber)
    assert subscriber.membership.status == MembershipStatus.ACTIVE
    assert (subscriber.membership.amount, subscriber.membership.interval) == (100, "month")
    assert revenue() == 100


def test_payment_failed_then_recovered(post, stripe_side, subscriber):
    """A failed renewal puts the member past due (perks in grace); paying again makes them active."""
    customer = subscriber.stripe_customer_id
    subscription = stripe_side.subscribe(customer)
    stripe_side.save_card(customer, subscription, FAILS_LATER)
    post_all(post, stripe_side.deliveries())
    stripe_side.renew(customer, subscription)
    failed = stripe_side.deliveries().one("invoice.payment_failed")
    post_all(post, [failed])
    db.session.refresh(subscriber)
    assert subscriber.membership.status == MembershipStatus.PAST_DUE
    assert membership.perks_for(subscriber).update_card_notice
    stripe_side.recover(customer, subscription, OK)
    paid = stripe_side.deliveries().one("invoice.paid")
    assert paid.object["id"] == failed.object["id"]  # the same invoice, failed then paid
    post_all(post, [paid])
    db.session.refresh(subscriber)
    assert subscriber.membership.status == MembershipStatus.ACTIVE
    [payment] = payments_of_invoice(failed.object["id"])
    assert payment.status == "paid"


def test_failing_until_retries_end_then_canceled(post, stripe_side, subscriber):
    """Past due through the retries, then canceled: lapsed, and no perks after the grace period."""
    customer = subscriber.stripe_customer_id
    subscription = stripe_side.subscribe(customer)
    stripe_side.save_card(customer, subscription, FAILS_LATER)
    post_all(post, stripe_side.deliveries())
    stripe_side.renew(customer, subscription)
    failures = stripe_side.deliveries()
    for _ in range(2):  # Stripe retries 1, 3 and 5 days after the first failure...
        stripe_side.advance(customer, days=3)
        failures += stripe_side.deliveries()
    assert len(failures.of("invoice.payment_failed")) == 4
    assert not failures.of("customer.subscription.deleted")
    post_all(post, failures)
    db.session.refresh(subscriber)
    assert subscriber.membership.status == MembershipStatus.PAST_DUE
    later = datetime.now(UTC) + timedelta(days=8)
    assert not membership.perks_for(subscriber, now=later).member
    stripe_side.advance(customer, days=3)  # ...and 7 days after: the last one, then canceled
    last = stripe_side.deliveries()
    assert last.types().index("invoice.payment_failed") < last.types().index(
        "customer.subscription.deleted"
    )
    post_all(post, last)
    db.session.refresh(subscriber)
    assert subscriber.membership.status == MembershipStatus.LAPSED
    assert not membership.perks_for(subscriber).member


def test_a_late_failure_never_undoes_a_payment(post, stripe_side, subscriber):
    """invoice.payment_failed delivered after invoice.paid for the same invoice: still paid, once."""
    subscription = stripe_side.subscribe(subscriber.stripe_customer_id, card=None)
    assert stripe_side.pay_first(subscription, DECLINED)["error"]["decline_code"]
    assert stripe_side.pay_first(subscription, OK)["status"] == "succeeded"
    deliveries = stripe_side.deliveries()
    paid, failed = deliveries.one("invoice.paid"), deliveries.one("invoice.payment_failed")
    assert paid.object["id"] == failed.object["id"]
    post_all(post, [paid, failed])
    [payment] = db.session.scalars(select(Payment)).all()
    assert payment.status == PaymentStatus.PAID and revenue() == 100
    db.session.refresh(subscriber)
    assert subscriber.membership.status == MembershipStatus.ACTIVE


def test_an_abandoned_first_payment_expires_its_attempt(post, stripe_side, subscriber):
    """Stripe expiring an unpaid subscription (incomplete_expired) marks the attempt expired."""
    customer = subscriber.stripe_customer_id
    subscription = stripe_side.subscribe(customer, card=None)
    attempt = PaymentAttempt(key=uuid.uuid4().hex, user=subscriber, kind="subscription", amount=100,
                             currency="usd", interval="month", subscription_id=subscription)  # fmt: skip
    db.session.add(attempt)
    db.session.commit()
    stripe_side.advance(customer, days=1)  # Stripe gives a first payment 23 hours
    [expired] = [
        delivery
        for delivery in stripe_side.deliveries().of("customer.subscription.updated")
        if delivery.object["status"] == "incomplete_expired"
    ]
    assert post(expired).json["outcome"] == "applied"
    db.session.refresh(attempt)
    assert attempt.status == AttemptStatus.EXPIRED


def test_refund_and_dispute_are_recorded(post, stripe_side, subscriber):
    """charge.refunded and charge.dispute.created each re-fetch the charge: the payment shows what
    Stripe has now (refunded in full, then disputed), and a second event changes nothing."""
    donation = stripe_side.donation(subscriber.stripe_customer_id, 500, DISPUTED)
    charge = stripe_side.charge_of(donation)
    stripe_side.refund(charge)  # before Stripe opens the dispute 0259 brings a moment later
    deliveries = stripe_side.deliveries()  # by now Stripe has opened the dispute too
    post_all(post, [deliveries.one("payment_intent.succeeded")])
    post_all(post, [deliveries.one("charge.refunded")])
    payment = db.session.scalar(select(Payment).where(Payment.payment_intent_id == donation))
    dispute = deliveries.one("charge.dispute.created")
    assert (payment.amount_refunded, payment.charge_id) == (500, charge)
    assert (payment.status, payment.dispute_id) == ("disputed", dispute.object["id"])
    post_all(post, [dispute])
    db.session.refresh(payment)
    assert (payment.status, payment.amount_refunded, payment.dispute_status) == (
        "disputed", 500, "needs_response",
    )  # fmt: skip


def test_an_unknown_customer_is_parked_then_applied_when_linked(post, stripe_side, make_user):
    """Events for a customer we do not know yet wait (200), and apply once the customer is linked."""
    customer = stripe_side.customer()
    stripe_side.subscribe(customer)
    paid = stripe_side.deliveries().one("invoice.paid")
    response = post(paid)
    assert response.status_code == 200 and response.json["outcome"] == "parked"
    assert db.session.get(WebhookEvent, paid.id).state == "parked"
    user = make_user()
    stripe_side.link(user, customer)
    assert ledger.apply_parked(customer) == 1
    db.session.refresh(user)
    assert user.membership.status == MembershipStatus.ACTIVE and revenue() == 100


def test_stripe_down_while_applying_gives_500_and_a_retry_applies_once(
    post, stripe_side, stripe_emulator, subscriber
):
    """The re-fetch failing rolls back, answers 500 and keeps the error; Stripe's retry applies it."""
    stripe_side.subscribe(subscriber.stripe_customer_id)
    paid = stripe_side.deliveries().one("invoice.paid")
    stripe_emulator.faults.fail_next(1, kind="connection")
    assert post(paid).status_code == 500
    row = db.session.get(WebhookEvent, paid.id)
    assert (row.state, row.attempts) == ("failed", 1) and "GatewayUnavailable" in row.last_error
    assert revenue() == 0  # the payment row was rolled back with the rest
    assert post(paid).json["outcome"] == "applied"
    assert post(paid).json["outcome"] == "duplicate"
    assert revenue() == 100


def test_the_database_down_during_a_delivery(post, stripe_side, subscriber, monkeypatch):
    """The database failing: 5xx and nothing recorded; when it is back the event applies once."""
    stripe_side.subscribe(subscriber.stripe_customer_id)
    paid = stripe_side.deliveries().one("invoice.paid")
    real = ledger.record_event

    def down(evt):
        raise OperationalError("INSERT", {}, Exception("connection refused"))

    monkeypatch.setattr(ledger, "record_event", down)
    assert post(paid).status_code == 503
    assert stored() == 0
    monkeypatch.setattr(ledger, "record_event", real)
    assert post(paid).json["outcome"] == "applied"
    assert post(paid).json["outcome"] == "duplicate"
    assert revenue() == 100


def test_a_stale_snapshot_cannot_undo_a_newer_state(post, stripe_side, subscriber):
    """Re-fetching means an old 'created' event applies today's state, never its own old one."""
    subscription = stripe_side.subscribe(subscriber.stripe_customer_id)
    created = stripe_side.deliveries().one("customer.subscription.created")
    stripe_side.cancel_now(subscription)
    deleted = stripe_side.deliveries().one("customer.subscription.deleted")
    post_all(post, [deleted, created])
    db.session.refresh(subscriber)
    assert subscriber.membership.status == MembershipStatus.LAPSED
    assert subscriber.stripe_customer_id == created.object["customer"]
