"""Leaving: deleting an account ends its Stripe customer (and so its subscriptions) first, and
the events that follow still find the anonymised reader."""

from sqlalchemy import select

from app.extensions import db
from app.models import MembershipStatus, Payment, WebhookEvent
from app.payments import get_gateway
from tests.conftest import PASSWORD, csrf_token
from tests.paying import pay, start


def delete_account(client, lang="en"):
    token = csrf_token(client, f"/{lang}/account/delete")
    return client.post(f"/{lang}/account/delete", data={"password": PASSWORD, "csrf_token": token})


def test_deleting_an_account_cancels_its_subscription_at_stripe(
    client, stripe_emulator, make_user, auth
):
    """The member deletes their account: Stripe's customer is deleted (its subscription canceled
    at once), our membership lapses by webhook, and the payment stays, anonymised."""
    user = make_user()
    auth.login()
    pay(client, stripe_emulator, start(client).headers["Location"])
    subscription_id = user.membership.subscription_id
    response = delete_account(client)
    assert response.status_code == 302
    stripe_subscription = get_gateway().retrieve_subscription(subscription_id)
    assert stripe_subscription.status == "canceled"
    db.session.refresh(user)
    assert user.email.endswith("@deleted.invalid")
    assert user.membership.status == MembershipStatus.LAPSED
    assert db.session.scalar(select(Payment).where(Payment.user_id == user.id)).amount == 100
    states = {e.type: e.state for e in db.session.scalars(select(WebhookEvent))}
    assert states["customer.subscription.deleted"] == "applied"
    assert states["customer.deleted"] == "applied"


def test_stripe_down_deletes_nothing(client, stripe_emulator, make_user, auth):
    """Stripe unreachable: the account stays, with a message in Arabic saying why."""
    user = make_user()
    auth.login(lang="ar")
    pay(client, stripe_emulator, start(client, lang="ar").headers["Location"])
    stripe_emulator.faults.fail_next(n=3, kind="connection")
    response = delete_account(client, "ar")
    assert response.status_code == 503
    assert "لم يُحذف حسابك" in response.get_data(as_text=True)
    db.session.refresh(user)
    assert user.email == "reader@example.org" and user.membership.status == MembershipStatus.ACTIVE


def test_a_subscription_event_after_the_customer_was_unlinked_still_finds_its_reader(
    client, stripe_emulator, make_user, auth
):
    """customer.deleted delivered before customer.subscription.deleted: the subscription's own
    metadata names the reader, so the cancellation is applied, not parked for ever."""
    user = make_user()
    auth.login()
    pay(client, stripe_emulator, start(client).headers["Location"])
    get_gateway().delete_customer(user.stripe_customer_id)
    deliveries = stripe_emulator.drain_deliveries()
    deliveries.sort(
        key=lambda d: b'"type":"customer.deleted"' not in d[0]
    )  # customer.deleted first
    for payload, headers in deliveries:
        client._delivering = True
        try:
            assert client.post("/stripe/webhook", data=payload, headers=headers).status_code == 200
        finally:
            client._delivering = False
    db.session.refresh(user)
    assert user.stripe_customer_id is None
    assert user.membership.status == MembershipStatus.LAPSED
