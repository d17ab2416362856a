"""A pause and its resume, however Stripe delivers their events: shuffled and repeated, the
deliveries of a pause (and of the renewal voided inside it) leave the membership paused with the
period it had paid for, and those of the resume, mixed with the pause's again, leave it active.
Every event is applied from the subscription re-fetched, so its order cannot matter; the paid
period comes from the subscription itself, not from which event came first."""

import random
from datetime import UTC, timedelta

import pytest
from sqlalchemy import select

from app.extensions import db
from app.models import MembershipStatus, Payment
from app.services import billing

SEEDS = [1, 2, 3]


def _aware(moment):
    return moment if moment is None or moment.tzinfo else moment.replace(tzinfo=UTC)


def _shuffled(deliveries, seed):
    """Each delivery one to three times, in a shuffled order (as Stripe may send them)."""
    rng = random.Random(seed)
    copies = [delivery for delivery in deliveries for _ in range(rng.randint(1, 3))]
    rng.shuffle(copies)
    return copies


def _post_all(post, deliveries):
    for delivery in deliveries:
        response = post(delivery)
        assert response.status_code == 200, (delivery.type, response.status_code)
    db.session.expire_all()


@pytest.mark.parametrize("seed", SEEDS)
def test_pause_and_resume_in_any_order(post, stripe_side, subscriber, seed):
    """Paused for a month: after the renewal voided inside the pause, every delivery so far, in
    any order and repeated, gives PAUSED with the first period's end as paid_until and no payment
    for the voided invoice; after Stripe resumes collection, all of them again with the resume's
    give ACTIVE, with no pause left."""
    customer = subscriber.stripe_customer_id
    subscription_id = stripe_side.subscribe(customer)
    first = stripe_side.gateway.retrieve_subscription(subscription_id)
    paid_until = first.current_period_end
    resumes_at = billing.months_after(paid_until, 1) - billing.RESUME_AHEAD
    stripe_side.gateway.pause_collection(subscription_id, resumes_at=resumes_at,
                                         paid_until=paid_until, idempotency_key="pause-1")  # fmt: skip
    stripe_side.renew(customer, subscription_id)  # voided: collection is paused
    paused_deliveries = stripe_side.deliveries()
    assert "invoice.voided" in paused_deliveries.types()

    _post_all(post, _shuffled(paused_deliveries, seed))
    member = subscriber.membership
    assert member.status == MembershipStatus.PAUSED
    assert _aware(member.paid_until) == paid_until
    assert _aware(member.paused_until) == resumes_at
    assert _aware(member.current_period_end) > paid_until  # the period moved on, unpaid
    amounts = db.session.scalars(select(Payment.amount).where(Payment.user_id == subscriber.id))
    assert list(amounts) == [100]

    stripe_side.advance_to(customer, resumes_at + timedelta(minutes=1))
    resumed_deliveries = stripe_side.deliveries()
    _post_all(post, _shuffled([*paused_deliveries, *resumed_deliveries], seed + 100))
    member = subscriber.membership
    assert member.status == MembershipStatus.ACTIVE
    assert (member.paid_until, member.paused_until) == (None, None)


def test_the_pause_delivered_after_the_resume_changes_nothing(post, stripe_side, subscriber):
    """The resume's events first, then the pause's: still active (each re-fetch is Stripe's
    present, and an older snapshot never overwrites a newer one)."""
    customer = subscriber.stripe_customer_id
    subscription_id = stripe_side.subscribe(customer)
    paid_until = stripe_side.gateway.retrieve_subscription(subscription_id).current_period_end
    stripe_side.gateway.pause_collection(
        subscription_id, resumes_at=paid_until + timedelta(days=3), paid_until=paid_until,
        idempotency_key="pause-2",
    )  # fmt: skip
    paused = stripe_side.deliveries()
    stripe_side.advance_to(customer, paid_until + timedelta(days=4))
    resumed = stripe_side.deliveries()
    _post_all(post, [*resumed, *paused, *resumed])
    assert subscriber.membership.status == MembershipStatus.ACTIVE
