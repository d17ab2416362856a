"""A paused membership: its own status while Stripe's subscription stays active, perks until the
end of the period paid before the pause, none after it, and back when collection resumes; kept
right whatever order its snapshots come in, and counted nowhere in MRR while paused."""

from datetime import UTC, datetime, timedelta

import pytest

from app.extensions import db
from app.models import MembershipStatus
from app.services import membership, metrics
from app.services.membership import SubscriptionSnapshot

T0 = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)
DAY = timedelta(days=1)
PAID_UNTIL = T0 + 10 * DAY
RESUMES = PAID_UNTIL + 60 * DAY


def snapshot(created, paused=True, period_end=PAID_UNTIL, paid_until=PAID_UNTIL, cancel=False):
    return SubscriptionSnapshot(
        subscription_id="sub_p", status="active", created=created, cancel_at_period_end=cancel,
        current_period_end=period_end, amount=500, currency="usd", interval="month",
        collection_paused=paused, resumes_at=RESUMES if paused else None,
        paid_until=paid_until if paused else None,
    )  # fmt: skip


@pytest.fixture
def member(make_user):
    user = make_user()
    membership.apply(user, snapshot(T0, paused=False), "invoice.paid", now=T0)
    return user


@pytest.mark.parametrize(
    ("cancel", "paused", "expected"),
    [(False, True, "paused"), (True, True, "ending"), (False, False, "active")],
)
def test_an_active_subscription_with_collection_paused_is_paused(cancel, paused, expected):
    """Active at Stripe with pause_collection set is ours PAUSED; set to end, it is ENDING."""
    assert membership.stripe_status("active", cancel, paused) == MembershipStatus(expected)


def test_perks_last_until_the_paid_period_ends_then_stop_until_resumed(member):
    """Paused: perks until paid_until, none after it (the period moved on unpaid), back with the
    snapshot that has collection resumed."""
    membership.apply(member, snapshot(T0 + DAY), "paused by the member", now=T0 + DAY)
    assert member.membership.status == MembershipStatus.PAUSED
    assert membership.perks_for(member, now=PAID_UNTIL - DAY).ad_free
    renewed = snapshot(T0 + 11 * DAY, period_end=PAID_UNTIL + 31 * DAY)
    membership.apply(member, renewed, "customer.subscription.updated", now=T0 + 11 * DAY)
    assert membership.perks_for(member, now=PAID_UNTIL + DAY) == membership.NO_PERKS
    assert member.membership.paid_until == PAID_UNTIL
    assert member.membership.paused_until == RESUMES
    membership.apply(member, snapshot(RESUMES, paused=False, period_end=RESUMES + 3 * DAY),
                     "customer.subscription.updated", now=RESUMES)  # fmt: skip
    assert member.membership.status == MembershipStatus.ACTIVE
    assert (member.membership.paid_until, member.membership.paused_until) == (None, None)
    assert membership.perks_for(member, now=RESUMES + DAY).ad_free


def test_without_paid_until_in_the_snapshot_the_period_it_was_in_is_kept(member):
    """A pause made in Stripe's dashboard (no paid_until in the metadata): the paid period is the
    one the membership was in when the pause was first seen, not the next one."""
    membership.apply(member, snapshot(T0 + DAY, paid_until=None), "x", now=T0 + DAY)
    later = snapshot(T0 + 11 * DAY, period_end=PAID_UNTIL + 31 * DAY, paid_until=None)
    membership.apply(member, later, "customer.subscription.updated", now=T0 + 11 * DAY)
    assert member.membership.paid_until == PAID_UNTIL


def test_an_older_snapshot_never_undoes_a_resume(member):
    """The paused snapshot delivered after the resumed one changes nothing."""
    membership.apply(member, snapshot(RESUMES, paused=False), "resumed", now=RESUMES)
    membership.apply(member, snapshot(T0 + DAY), "late paused", now=RESUMES)
    assert member.membership.status == MembershipStatus.ACTIVE


def test_a_paused_member_counts_nowhere_in_mrr_and_ending_after_it_is_churn(member):
    """Paused: out of MRR and the active count (not churned); a paused membership that ends is
    churned."""
    now = datetime.now(UTC)
    before = now - timedelta(minutes=1)
    assert metrics.mrr(now) == {"usd": 500}
    membership.apply(member, snapshot(T0 + DAY), "paused", now=before)
    db.session.commit()
    assert metrics.paying_totals(now) == (0, {})
    assert metrics.overview(now).churned == 0
    ended = SubscriptionSnapshot(subscription_id="sub_p", status="canceled", created=T0 + 2 * DAY,
                                 current_period_end=PAID_UNTIL, amount=500, currency="usd",
                                 interval="month")  # fmt: skip
    membership.apply(member, ended, "customer.subscription.deleted", now=before)
    db.session.commit()
    assert member.membership.status == MembershipStatus.LAPSED
    assert metrics.overview(now).churned == 1
