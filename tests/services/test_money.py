"""Payments and payment attempts: their two state machines, and payments recorded from events."""

import itertools
import uuid

import pytest
from sqlalchemy import select, text

from app.extensions import db
from app.models import (
    AttemptStatus,
    MembershipStatus,
    Payment,
    PaymentAttempt,
    PaymentStatus,
)
from app.payments.gateway import Subscription
from app.services import money
from app.templating import ATTEMPT_STATUS_LABELS, PAYMENT_STATUS_LABELS

P, A = PaymentStatus, AttemptStatus
# Collected money (paid, refunded, disputed) follows the newest charge snapshot either way; nothing
# collected ever turns failed.
COLLECTED = (P.PAID, P.REFUNDED, P.DISPUTED)
PAYMENT_MOVES = {
    (None, P.FAILED), *((None, to) for to in COLLECTED),
    *((P.FAILED, to) for to in COLLECTED),
    *((before, to) for before in COLLECTED for to in COLLECTED if before != to),
    (P.PAID, P.VOIDED),  # an offline payment recorded by mistake, withdrawn for good
}  # fmt: skip
ATTEMPT_MOVES = {
    (A.STARTED, A.SUCCEEDED), (A.STARTED, A.FAILED), (A.STARTED, A.EXPIRED),
    (A.FAILED, A.SUCCEEDED),
    (A.EXPIRED, A.SUCCEEDED),
}  # fmt: skip


def attempt_for(user, status=A.STARTED, subscription_id="sub_1", failure_code=None):
    attempt = PaymentAttempt(
        key=uuid.uuid4().hex, user=user, kind="subscription", amount=100, currency="usd",
        interval="month", status=status, failure_code=failure_code, subscription_id=subscription_id,
    )  # fmt: skip
    db.session.add(attempt)
    db.session.flush()
    return attempt


def revenue_rows():
    """Subscription cash collected, all months together."""
    from datetime import UTC, datetime

    from app.services.metrics import cash_by_month

    return sum(row[3] for row in cash_by_month(datetime(2000, 1, 1, tzinfo=UTC)))


# Payments ----------------------------------------------------------------------------------------


@pytest.mark.parametrize(("before", "to"), list(itertools.product([None, *P], P)))
def test_a_payment_moves_only_as_the_rules_allow(before, to):
    """Every pair of statuses: allowed moves happen (True), the rest leave the payment alone."""
    payment = Payment(kind="donation", amount=100, currency="usd", status=before)
    changed = money.set_payment_status(payment, to)
    if (before, to) in PAYMENT_MOVES:
        assert changed and payment.status == to
    else:
        assert not changed and payment.status == before


def test_collected_money_never_turns_failed():
    """Paid, refunded or disputed: a late failure never turns the payment failed."""
    for status in COLLECTED:
        payment = Payment(kind="subscription", amount=100, currency="usd", status=status)
        assert not money.set_payment_status(payment, P.FAILED)
        assert payment.status == status


def test_the_status_is_stored_and_read_back_as_its_plain_value(make_user):
    """The enum is kept in the existing string column: the row holds "refunded", we read an enum."""
    payment = money.record_payment(make_user(), kind="donation", amount=500, currency="usd",
                                   status=P.PAID, payment_intent_id="pi_1")  # fmt: skip
    money.set_payment_status(payment, P.REFUNDED)
    db.session.commit()
    assert db.session.scalar(text("SELECT status FROM payments")) == "refunded"
    db.session.expire_all()
    assert db.session.get(Payment, payment.id).status is P.REFUNDED


def test_recording_failed_then_paid_counts_revenue_once(make_user):
    """The same invoice failed, then paid, then paid again (a repeated event): one paid payment,
    its failure kept (it was recovered), its month's revenue added once."""
    user = make_user()
    for status in (P.FAILED, P.PAID, P.PAID):
        money.record_payment(
            user, kind="subscription", invoice_id="in_1", amount=500, currency="usd", status=status,
            failure_code="card_declined" if status == P.FAILED else None, interval="month",
        )  # fmt: skip
    [payment] = db.session.scalars(select(Payment)).all()
    assert (payment.status, payment.failure_code) == (P.PAID, "card_declined")
    assert revenue_rows() == 500


def test_a_late_failure_leaves_a_paid_payment_paid(make_user):
    """invoice.payment_failed delivered after invoice.paid: still paid, revenue unchanged, and the
    failure noted (the payment was recovered)."""
    user = make_user()
    for status in (P.PAID, P.FAILED):
        money.record_payment(
            user, kind="subscription", invoice_id="in_1", amount=500, currency="usd", status=status,
            failure_code="card_declined" if status == P.FAILED else None, interval="month",
        )  # fmt: skip
    [payment] = db.session.scalars(select(Payment)).all()
    assert (payment.status, payment.failure_code) == (P.PAID, "card_declined")
    assert revenue_rows() == 500


def test_a_refunded_payment_is_not_paid_again(make_user):
    """A repeated invoice.paid after a refund neither un-refunds it nor counts it twice."""
    user = make_user()
    payment = money.record_payment(user, kind="subscription", invoice_id="in_1", amount=500,
                                   currency="usd", status=P.PAID, interval="month")  # fmt: skip
    money.set_payment_status(payment, P.REFUNDED)
    money.record_payment(user, kind="subscription", invoice_id="in_1", amount=500,
                         currency="usd", status=P.PAID, interval="month")  # fmt: skip
    assert payment.status == P.REFUNDED
    assert revenue_rows() == 500


# Attempts ----------------------------------------------------------------------------------------


@pytest.mark.parametrize(("before", "to"), list(itertools.product(A, A)))
def test_an_attempt_moves_only_as_the_rules_allow(make_user, before, to):
    """Every pair of statuses: allowed moves happen (True), the rest leave the attempt alone."""
    attempt = attempt_for(make_user(), status=before)
    changed = money.settle_attempt(attempt, to, "card_declined" if to == A.FAILED else None)
    if (before, to) in ATTEMPT_MOVES:
        assert changed and attempt.status == to
    else:
        assert not changed and attempt.status == before


def test_a_succeeded_attempt_never_fails(make_user):
    """A decline arriving after the payment went through changes nothing."""
    attempt = attempt_for(make_user(), status=A.SUCCEEDED)
    assert not money.settle_attempt(attempt, A.FAILED, "card_declined")
    assert (attempt.status, attempt.failure_code) == (A.SUCCEEDED, None)


def test_a_retried_failure_keeps_the_newest_code_and_success_clears_it(make_user):
    """Declined twice (the newest code kept), then paid (the code cleared)."""
    attempt = attempt_for(make_user())
    assert money.settle_attempt(attempt, A.FAILED, "card_declined")
    assert not money.settle_attempt(attempt, A.FAILED, "insufficient_funds")
    assert (attempt.status, attempt.failure_code) == (A.FAILED, "insufficient_funds")
    assert money.settle_attempt(attempt, A.SUCCEEDED)
    assert (attempt.status, attempt.failure_code) == (A.SUCCEEDED, None)


def test_settle_attempts_settles_each_attempt_of_a_subscription(make_user):
    """Every attempt behind the subscription moves as its own status allows; others stay."""
    user = make_user()
    started, done = attempt_for(user), attempt_for(user, status=A.SUCCEEDED)
    other = attempt_for(user, subscription_id="sub_other")
    money.settle_attempts(subscription_id="sub_1", to=A.EXPIRED)
    assert (started.status, done.status, other.status) == (A.EXPIRED, A.SUCCEEDED, A.STARTED)


def test_a_subscription_stripe_gave_up_on_expires_its_attempts(make_user):
    """Applying an `incomplete_expired` subscription (its first payment never came) expires the
    attempts behind it; the reader is no member."""
    user = make_user()
    attempt = attempt_for(user)
    expired = Subscription(id="sub_1", customer_id="cus_1", status="incomplete_expired",
                           cancel_at_period_end=False, current_period_end=None, amount=100,
                           currency="usd", interval="month")  # fmt: skip
    money.apply_subscription(user, expired, "test")
    assert attempt.status == A.EXPIRED
    assert user.membership.status == MembershipStatus.NONE


# Labels ------------------------------------------------------------------------------------------


def test_every_status_has_one_label():
    """Each payment and attempt status shown to a person has its translated label."""
    assert set(PAYMENT_STATUS_LABELS) == set(P)
    assert set(ATTEMPT_STATUS_LABELS) == set(A)
