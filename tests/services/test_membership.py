"""Membership status, its one transition function, and the perks it grants."""

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from app.extensions import db
from app.models import MembershipChange, MembershipStatus
from app.services import membership
from app.services.membership import CompGrant, SubscriptionSnapshot

T0 = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)
DAY = timedelta(days=1)


def snapshot(status, created=T0, cancel=False, period_end=T0 + 30 * DAY, amount=100):
    return SubscriptionSnapshot(
        subscription_id="sub_1", status=status, created=created, cancel_at_period_end=cancel,
        current_period_end=period_end, amount=amount, currency="usd", interval="month",
    )  # fmt: skip


def history(member):
    return db.session.scalars(
        select(MembershipChange)
        .where(MembershipChange.membership_id == member.membership.id)
        .order_by(MembershipChange.id)
    ).all()


@pytest.fixture
def reader(make_user):
    return make_user()


@pytest.mark.parametrize(
    ("stripe_status", "cancel", "expected"),
    [
        ("incomplete", False, "pending"),
        ("incomplete_expired", False, "none"),
        ("trialing", False, "active"),
        ("active", False, "active"),
        ("active", True, "ending"),
        ("past_due", False, "past_due"),
        ("unpaid", False, "lapsed"),
        ("canceled", False, "lapsed"),
        ("paused", False, "lapsed"),
    ],
)
def test_stripe_statuses_map_to_ours(stripe_status, cancel, expected):
    """Each Stripe status (and cancel_at_period_end) has one status of ours."""
    assert membership.stripe_status(stripe_status, cancel) == MembershipStatus(expected)


# status, extra setup, moment checked, expected perks (member, notice)
PERK_TABLE = [
    ("none", {}, T0, (False, False)),
    ("incomplete", {}, T0, (False, False)),
    ("incomplete_expired", {}, T0, (False, False)),
    ("active", {}, T0, (True, False)),
    ("trialing", {}, T0, (True, False)),
    ("ending", {"cancel": True}, T0 + 29 * DAY, (True, False)),
    ("ending", {"cancel": True}, T0 + 30 * DAY, (False, False)),
    ("past_due", {}, T0 + 6 * DAY, (True, True)),
    ("past_due", {}, T0 + 7 * DAY, (False, True)),
    ("unpaid", {}, T0, (False, False)),
    ("canceled", {}, T0, (False, False)),
    ("paused", {}, T0, (False, False)),
    ("comp", {"until": T0 + 10 * DAY}, T0 + 9 * DAY, (True, False)),
    ("comp", {"until": T0 + 10 * DAY}, T0 + 10 * DAY, (False, False)),
    ("comp", {"until": None}, T0 + 999 * DAY, (True, False)),
]


@pytest.mark.parametrize(("status", "extra", "moment", "expected"), PERK_TABLE)
def test_perks_for_every_status(reader, status, extra, moment, expected):
    """One table: what each status grants, at the moments that matter (grace, period end, comp end)."""
    if status == "comp":
        membership.apply(reader, CompGrant(until=extra["until"]), "test", now=T0)
    elif status != "none":
        stripe = "active" if status == "ending" else status
        membership.apply(
            reader, snapshot(stripe, cancel=extra.get("cancel", False)), "test", now=T0
        )
    perks = membership.perks_for(reader, now=moment)
    assert (perks.member, perks.update_card_notice) == expected
    assert perks.ad_free == perks.language_toggle == perks.supporter_badge == perks.member


def test_signed_out_readers_have_no_perks():
    """Anonymous readers get nothing."""
    assert membership.perks_for(None) == membership.NO_PERKS


def test_grace_counts_from_the_first_failure(reader, app):
    """A second past_due snapshot does not restart the grace period."""
    membership.apply(reader, snapshot("active"), "paid", now=T0)
    membership.apply(reader, snapshot("past_due", created=T0 + DAY), "failed", now=T0 + DAY)
    membership.apply(reader, snapshot("past_due", created=T0 + 4 * DAY), "failed again")
    grace = reader.membership.grace_until.replace(tzinfo=UTC)
    assert grace == T0 + DAY + timedelta(days=app.config["MEMBERSHIP_GRACE_DAYS"])


def test_recovery_after_failure_clears_grace(reader):
    """Paying after a failure returns to active and clears the grace date."""
    membership.apply(reader, snapshot("past_due"), "failed", now=T0)
    membership.apply(reader, snapshot("active", created=T0 + DAY), "recovered", now=T0 + DAY)
    assert reader.membership.status == MembershipStatus.ACTIVE
    assert reader.membership.grace_until is None


def test_the_same_snapshot_twice_changes_nothing(reader):
    """Applying the newest snapshot again writes no second history row."""
    membership.apply(reader, snapshot("active"), "created", now=T0)
    membership.apply(reader, snapshot("active"), "created again", now=T0)
    assert [(c.from_status.value, c.to_status.value) for c in history(reader)] == [
        ("none", "active")
    ]


def test_an_older_snapshot_never_overwrites_a_newer_one(reader):
    """Out of order: a stale 'active' after a newer 'canceled' is ignored."""
    membership.apply(reader, snapshot("canceled", created=T0 + DAY), "canceled", now=T0 + DAY)
    membership.apply(reader, snapshot("active", created=T0), "late created event", now=T0 + DAY)
    assert reader.membership.status == MembershipStatus.LAPSED


def test_every_change_is_recorded_with_its_cause(reader):
    """The timeline: from, to, cause and time of each change."""
    membership.apply(reader, snapshot("incomplete"), "subscription created", now=T0)
    membership.apply(reader, snapshot("active", created=T0 + DAY), "invoice paid", now=T0 + DAY)
    rows = history(reader)
    assert [(r.from_status.value, r.to_status.value, r.cause) for r in rows] == [
        ("none", "pending", "subscription created"),
        ("pending", "active", "invoice paid"),
    ]
    assert rows[1].at.replace(tzinfo=UTC) == T0 + DAY


def test_comp_expires_to_lapsed(reader):
    """`expire_comps` ends complimentary memberships past their date, and records it."""
    membership.apply(reader, CompGrant(until=T0 + DAY), "granted", now=T0)
    assert membership.expire_comps(now=T0 + 2 * DAY) == 1
    assert reader.membership.status == MembershipStatus.LAPSED
    assert history(reader)[-1].cause == "complimentary membership ended"


def test_a_paying_member_keeps_paid_status_over_a_comp(reader):
    """A comp on an active subscriber leaves them active; if the subscription ends, the comp applies."""
    membership.apply(reader, snapshot("active"), "paid", now=T0)
    membership.apply(reader, CompGrant(until=T0 + 90 * DAY), "granted", now=T0)
    assert reader.membership.status == MembershipStatus.ACTIVE
    membership.apply(reader, snapshot("canceled", created=T0 + DAY), "canceled", now=T0 + DAY)
    assert reader.membership.status == MembershipStatus.COMPLIMENTARY
