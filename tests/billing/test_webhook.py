"""The webhook ledger with Stripe-shaped events: verified, recorded, applied exactly once, any order."""

import itertools
import json
import time
import uuid

import pytest
from sqlalchemy import func, select
from sqlalchemy.exc import OperationalError

from app.extensions import db
from app.models import MembershipChange, MembershipStatus, Payment, WebhookEvent
from app.services import ledger, membership
from tests.billing.conftest import CUSTOMER, SUBSCRIPTION, invoice, subscription
from tests.stripe_fakes import make_event as stripe_event
from tests.stripe_fakes import stripe_object


def make_event(type, obj, created=None, event_id=None):
    """A Stripe-shaped event with its own id (Stripe never reuses one)."""
    return stripe_event(
        type, obj, created=created, event_id=event_id or f"evt_{uuid.uuid4().hex[:24]}"
    )


def stored():
    return db.session.scalar(select(func.count()).select_from(WebhookEvent))


def revenue():
    return db.session.scalar(
        select(func.coalesce(func.sum(Payment.amount), 0)).where(Payment.status == "paid")
    )


def sub_event(kind="updated", **state):
    return make_event(f"customer.subscription.{kind}", subscription(**state))


# Signatures --------------------------------------------------------------------------------------


def test_a_missing_signature_is_refused_and_nothing_stored(deliver, stripe_state):
    """No Stripe-Signature header: 400, nothing stored."""
    assert deliver(sub_event(), signature="").status_code == 400
    assert stored() == 0


def test_a_bad_signature_is_refused(deliver, stripe_state):
    """Signed with another secret: 400, nothing stored."""
    assert deliver(sub_event(), secret="whsec_someone_else").status_code == 400
    assert stored() == 0


def test_a_stale_signature_is_refused(deliver, stripe_state):
    """Signed more than 300 seconds ago: 400 (replays are refused)."""
    assert deliver(sub_event(), timestamp=int(time.time()) - 301).status_code == 400
    assert stored() == 0


def test_a_tampered_body_is_refused(deliver, stripe_state):
    """A body changed after signing: 400."""
    event = sub_event()
    from tests.billing.conftest import WEBHOOK_SECRET
    from tests.stripe_fakes import sign

    header = sign(json.dumps(event).encode(), WEBHOOK_SECRET)
    event["data"]["object"]["status"] = "canceled"
    assert deliver(event, signature=header).status_code == 400
    assert stored() == 0


def test_the_route_needs_no_csrf_login_or_redirect(deliver, stripe_state, subscriber):
    """A valid delivery is answered 200 directly (no CSRF, no sign-in, no redirect)."""
    response = deliver(sub_event())
    assert response.status_code == 200 and response.json["outcome"] == "applied"


# Recording and applying --------------------------------------------------------------------------


def test_an_unknown_type_is_stored_answered_and_ignored(deliver, stripe_state):
    """Types we do not handle are kept for the record and answered 200."""
    event = stripe_object("event")  # Stripe's example: plan.created
    assert deliver(event).status_code == 200
    row = db.session.get(WebhookEvent, event["id"])
    assert (row.type, row.state) == ("plan.created", "ignored")


def test_the_same_event_twice_has_one_effect(deliver, stripe_state, subscriber):
    """A repeated event id: 200 again, no second effect."""
    event = make_event("invoice.paid", invoice(), event_id="evt_twice")
    assert deliver(event).json["outcome"] == "applied"
    assert deliver(event).json["outcome"] == "duplicate"
    assert revenue() == 100
    assert db.session.scalar(select(func.count(MembershipChange.id))) == 1
    assert db.session.get(WebhookEvent, "evt_twice").attempts == 1


@pytest.mark.parametrize(
    "order", list(itertools.permutations(["created", "updated", "invoice.paid"]))
)
def test_every_order_ends_in_the_same_state_and_revenue(deliver, stripe_state, subscriber, order):
    """created, updated and invoice.paid in any order: one active member, $1 of revenue."""
    events = {
        "created": make_event("customer.subscription.created", subscription(status="incomplete"), event_id="evt_c"),
        "updated": make_event("customer.subscription.updated", subscription(), event_id="evt_u"),
        "invoice.paid": make_event("invoice.paid", invoice(), event_id="evt_p"),
    }  # fmt: skip
    for name in order:
        assert deliver(events[name]).status_code == 200
    db.session.refresh(subscriber)
    assert subscriber.membership.status == MembershipStatus.ACTIVE
    assert (subscriber.membership.amount, subscriber.membership.interval) == (100, "month")
    assert revenue() == 100


def test_payment_failed_then_recovered(deliver, stripe_state, subscriber):
    """A failed renewal puts the member past due (perks in grace); paying again makes them active."""
    stripe_state(status="past_due")
    deliver(make_event("invoice.payment_failed", invoice(status="open")))
    db.session.refresh(subscriber)
    assert subscriber.membership.status == MembershipStatus.PAST_DUE
    assert membership.perks_for(subscriber).update_card_notice
    stripe_state(status="active")
    deliver(make_event("invoice.paid", invoice()))
    db.session.refresh(subscriber)
    assert subscriber.membership.status == MembershipStatus.ACTIVE
    [payment] = db.session.scalars(select(Payment)).all()
    assert payment.status == "paid"  # the same invoice, failed then paid


def test_failing_until_retries_end_then_canceled(deliver, stripe_state, subscriber):
    """Past due through the retries, then canceled: lapsed, and no perks after the grace period."""
    from datetime import UTC, datetime, timedelta

    stripe_state(status="past_due")
    for n in range(3):
        deliver(
            make_event("invoice.payment_failed", invoice(status="open"), event_id=f"evt_fail_{n}")
        )
    db.session.refresh(subscriber)
    later = datetime.now(UTC) + timedelta(days=8)
    assert not membership.perks_for(subscriber, now=later).member
    stripe_state(status="canceled")
    deliver(sub_event("deleted", status="canceled"))
    db.session.refresh(subscriber)
    assert subscriber.membership.status == MembershipStatus.LAPSED
    assert not membership.perks_for(subscriber).member


def test_refund_and_dispute_are_recorded(deliver, stripe_state, subscriber):
    """charge.refunded marks the payment refunded; charge.dispute.created marks it disputed."""
    gift = stripe_object("payment_intent", id="pi_gift", customer=CUSTOMER, amount=500,
                         amount_received=500, status="succeeded", currency="usd",
                         latest_charge="ch_1PgafuB7WZ01zgkWXYmPNZs8", metadata={"kind": "gift"})  # fmt: skip
    deliver(make_event("payment_intent.succeeded", gift))
    charge = stripe_object("charge", id="ch_1PgafuB7WZ01zgkWXYmPNZs8", customer=CUSTOMER, amount=500,
                           amount_refunded=500, refunded=True, payment_intent="pi_gift")  # fmt: skip
    deliver(make_event("charge.refunded", charge))
    payment = db.session.scalar(select(Payment).where(Payment.payment_intent_id == "pi_gift"))
    assert (payment.status, payment.amount_refunded) == ("refunded", 500)
    dispute = stripe_object(
        "dispute", charge="ch_1PgafuB7WZ01zgkWXYmPNZs8", payment_intent="pi_gift"
    )
    deliver(make_event("charge.dispute.created", dispute))
    db.session.refresh(payment)
    assert (payment.status, payment.dispute_id) == ("disputed", dispute["id"])


def test_an_unknown_customer_is_parked_then_applied_when_linked(deliver, stripe_state, make_user):
    """Events for a customer we do not know yet wait (200), and apply once the customer is linked."""
    response = deliver(make_event("invoice.paid", invoice(), event_id="evt_early"))
    assert response.status_code == 200 and response.json["outcome"] == "parked"
    assert db.session.get(WebhookEvent, "evt_early").state == "parked"
    user = make_user()
    user.stripe_customer_id = CUSTOMER
    db.session.commit()
    assert ledger.apply_parked(CUSTOMER) == 1
    db.session.refresh(user)
    assert user.membership.status == MembershipStatus.ACTIVE and revenue() == 100


def test_stripe_down_while_applying_gives_500_and_a_retry_applies_once(
    deliver, stripe_http, stripe_state, subscriber
):
    """The re-fetch failing rolls back, answers 500 and keeps the error; Stripe's retry applies it."""
    event = make_event("invoice.paid", invoice(), event_id="evt_retry")
    stripe_http.fail_connection()
    assert deliver(event).status_code == 500
    row = db.session.get(WebhookEvent, "evt_retry")
    assert (row.state, row.attempts) == ("failed", 1) and "GatewayUnavailable" in row.last_error
    assert revenue() == 0  # the payment row was rolled back with the rest
    assert deliver(event).json["outcome"] == "applied"
    assert deliver(event).json["outcome"] == "duplicate"
    assert revenue() == 100


def test_the_database_down_during_a_delivery(deliver, stripe_state, subscriber, monkeypatch):
    """The database failing: 5xx and nothing recorded; when it is back the event applies once."""
    event = make_event("invoice.paid", invoice(), event_id="evt_db")
    real = ledger.record_event

    def down(evt):
        raise OperationalError("INSERT", {}, Exception("connection refused"))

    monkeypatch.setattr(ledger, "record_event", down)
    assert deliver(event).status_code == 503
    monkeypatch.setattr(ledger, "record_event", real)
    assert deliver(event).json["outcome"] == "applied"
    assert deliver(event).json["outcome"] == "duplicate"
    assert revenue() == 100


def test_a_stale_snapshot_cannot_undo_a_newer_state(deliver, stripe_http, subscriber):
    """Re-fetching means an old 'created' event applies today's state, never its own old one."""
    stripe_http.route(
        "get", f"/v1/subscriptions/{SUBSCRIPTION}", 200, subscription(status="canceled")
    )
    deliver(sub_event("deleted", status="canceled"))
    deliver(make_event("customer.subscription.created", subscription(status="active"), created=1))
    db.session.refresh(subscriber)
    assert subscriber.membership.status == MembershipStatus.LAPSED
    assert subscriber.stripe_customer_id == CUSTOMER
