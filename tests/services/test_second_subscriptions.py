"""A reader's second subscription: noted once when found, once when it ends by itself, and never
the one that gives access."""

import pytest
from sqlalchemy import select

from app.extensions import db
from app.models import AuditEntry
from app.payments.gateway import Subscription
from app.services import money, second_subscriptions
from app.services.second_subscriptions import FOUND, GONE


def subscription(id_, status):
    return Subscription(id=id_, customer_id="cus_1", status=status, cancel_at_period_end=False,
                        current_period_end=None, amount=500, currency="usd", interval="month")  # fmt: skip


@pytest.fixture
def member(make_user):
    """A reader whose subscription sub_first gives access."""
    user = make_user()
    money.apply_subscription(user, subscription("sub_first", "active"), "test")
    return user


def notes():
    return db.session.execute(select(AuditEntry.action, AuditEntry.target)).all()


def test_a_second_one_waiting_is_found_once_and_gone_once(member):
    for _ in range(2):  # a repeated event notes nothing new
        second_subscriptions.note_other_subscription(member, subscription("sub_2", "incomplete"))
    for _ in range(2):
        second_subscriptions.note_other_subscription(
            member, subscription("sub_2", "incomplete_expired")
        )
    assert notes() == [(FOUND, "sub_2"), (GONE, "sub_2")]
    assert member.membership.subscription_id == "sub_first"


def test_only_another_subscription_beside_one_with_access_is_second(member, make_user):
    assert not second_subscriptions.is_second(member, subscription("sub_first", "active"))
    assert second_subscriptions.is_second_live(member, subscription("sub_2", "past_due"))
    assert not second_subscriptions.is_second_live(member, subscription("sub_2", "incomplete"))
    newcomer = make_user("new@example.org")
    assert not second_subscriptions.is_second(newcomer, subscription("sub_3", "active"))


def test_an_ended_subscription_never_found_is_not_noted(member):
    """An old subscription's late event (canceled long ago) is no second subscription."""
    second_subscriptions.note_other_subscription(member, subscription("sub_old", "canceled"))
    assert notes() == []
