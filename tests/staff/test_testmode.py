"""Staff's test-mode controls: Stripe's own test clocks, refunds and test disputes, reached through
the real SDK (the emulator offline), listed by the reader's email in both languages."""

import pytest
from sqlalchemy import select

from app.extensions import db
from app.models import AuditEntry, Payment, Role
from app.services.testmode import PAST_RENEWAL
from tests.conftest import csrf_token, page_text
from tests.paying import DISPUTED, pay, start


@pytest.fixture
def member(client, stripe_emulator, make_user, auth):
    """A reader who paid $1 a month with `card`, then staff signed in instead."""

    def make(card="4242424242424242"):
        user = make_user()
        make_user("staff@example.org", role=Role.STAFF)
        auth.login()
        pay(client, stripe_emulator, start(client).headers["Location"], card)
        auth.logout()
        auth.login(email="staff@example.org")
        return user

    return make


def act(client, user, action, **data):
    token = csrf_token(client, "/en/staff/test-mode")
    return client.post(f"/en/staff/test-mode/{user.id}/{action}",
                       data={"csrf_token": token, **data})  # fmt: skip


def charge_of(client, email="reader@example.org"):
    import re

    html = client.get(f"/en/staff/test-mode?email={email}").get_data(as_text=True)
    return re.search(r'name="charge" value="(ch_\w+)"', html).group(1)


def test_staff_advance_a_readers_clock_to_the_next_renewal(client, member):
    """Advancing the test clock renews the membership: a second payment arrives by webhook."""
    user = member()
    page = page_text(client.get("/en/staff/test-mode?email=reader"))
    assert "reader@example.org" in page and "Advance to the next renewal" in page
    act(client, user, "advance")
    client.deliver_webhooks()
    paid = db.session.scalars(select(Payment).where(Payment.user_id == user.id)).all()
    assert len(paid) == 2
    assert db.session.scalar(select(AuditEntry).where(AuditEntry.action == "test mode: advance"))


def test_staff_refund_part_then_all_of_a_payment(client, member):
    """A partial refund, then the rest, through the Refunds API; our payment follows by webhook."""
    user = member()
    charge = charge_of(client)
    act(client, user, "refund", charge=charge, amount="0.40", currency="usd")
    payment = db.session.scalar(select(Payment).where(Payment.user_id == user.id))
    db.session.refresh(payment)
    assert payment.amount_refunded == 40
    act(client, user, "refund", charge=charge, amount="", currency="usd")
    db.session.refresh(payment)
    assert payment.amount_refunded == 100 and payment.status == "refunded"


def test_a_0259_payment_is_disputed_and_staff_win_it(client, member):
    """Paying with 4000 0000 0000 0259 opens a dispute; the winning test evidence closes it won."""
    user = member(DISPUTED)
    client.deliver_webhooks()
    payment = db.session.scalar(select(Payment).where(Payment.user_id == user.id))
    db.session.refresh(payment)
    assert payment.status == "disputed"
    page = client.get("/ar/staff/test-mode").get_data(as_text=True)
    assert 'dir="rtl"' in page
    act(client, user, "win", charge=charge_of(client))
    client.deliver_webhooks()
    assert "Won" in page_text(client.get("/en/staff/test-mode"))


def test_readers_cannot_reach_test_mode(client, make_user, auth):
    """Test mode is a staff page."""
    make_user()
    auth.login()
    assert client.get("/en/staff/test-mode").status_code == 404


def test_with_a_live_key_there_is_no_test_mode(client, app, make_user, auth, monkeypatch):
    """A live secret key: no page, no link, no controls."""
    from app.payments import get_gateway

    make_user("staff@example.org", role=Role.STAFF)
    auth.login(email="staff@example.org")
    monkeypatch.setattr(get_gateway(), "test_mode", False)
    assert client.get("/en/staff/test-mode").status_code == 404
    assert "/staff/test-mode" not in client.get("/en/staff/").get_data(as_text=True)


def test_the_advance_message_names_the_time_the_clock_moves_to(client, member):
    """Stripe keeps frozen_time until the clock is ready; the message names the target."""
    user = member()
    period_end = user.membership.current_period_end
    response = act(client, user, "advance")
    page = page_text(client.get(response.headers["Location"]))
    # The clock goes two hours past the renewal, which near midnight UTC is the next day.
    target = period_end.replace(tzinfo=None) + PAST_RENEWAL
    assert f"moving on to {target:%Y-%m-%d %H:%M} UTC" in page
