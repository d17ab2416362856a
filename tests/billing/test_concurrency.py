"""Ten deliveries of one event at the same moment (PostgreSQL: real connections and row locks)."""

import json
from concurrent.futures import ThreadPoolExecutor

import pytest
from sqlalchemy import delete, func, select

from app.extensions import db
from app.models import (
    Membership,
    MembershipChange,
    OutboxMessage,
    Payment,
    PaymentAttempt,
    RevenueMonth,
    SandboxObject,
    User,
    WebhookEvent,
)  # fmt: skip
from app.payments import get_gateway
from app.payments import sandbox_shapes as shapes
from app.payments.sandbox import sign
from app.services import accounts

pytestmark = [pytest.mark.postgres, pytest.mark.own_app]


@pytest.fixture
def committed(app):
    """Rows committed for real (these tests need several connections), all removed afterwards."""
    with app.app_context():
        if db.engine.dialect.name != "postgresql":
            pytest.skip(
                "needs PostgreSQL (set TEST_DATABASE_URL): SQLite has no concurrent writers"
            )
        yield
        db.session.rollback()
        for model in (Payment, RevenueMonth, MembershipChange, Membership, WebhookEvent, PaymentAttempt,
                      SandboxObject, OutboxMessage, User):  # fmt: skip
            db.session.execute(delete(model))
        db.session.commit()


def test_ten_identical_deliveries_at_once_apply_once(app, committed):
    """Ten simultaneous deliveries of one invoice.paid: all answered 200, one payment, one change."""
    gateway = get_gateway()
    user = accounts.create_user("concurrent@example.org", None, "en")
    user.stripe_customer_id = gateway.create_customer(
        email=user.email, user_key=user.key, locale="en", idempotency_key="c-1"
    )
    subscription = gateway.create_subscription(
        customer_id=user.stripe_customer_id, amount=100, currency="usd", interval="month",
        idempotency_key="s-1", metadata={},
    )  # fmt: skip
    invoice = db.session.get(SandboxObject, subscription.latest_invoice_id)
    gateway.confirm(subscription.client_secret, "4242424242424242")
    gateway.drain_events()  # not delivered: this test delivers one of them, ten times
    db.session.commit()
    db.session.refresh(invoice)
    event = shapes.event("evt_concurrent_1", "invoice.paid", invoice.data)
    payload = json.dumps(event).encode()
    secret = app.config["SANDBOX_WEBHOOK_SECRET"]

    def deliver(_):
        client = app.test_client()
        return client.post("/stripe/webhook", data=payload,
                           headers={"Stripe-Signature": sign(payload, secret)},
                           content_type="application/json").status_code  # fmt: skip

    with ThreadPoolExecutor(max_workers=10) as pool:
        statuses = list(pool.map(deliver, range(10)))
    assert statuses == [200] * 10
    db.session.expire_all()
    assert db.session.scalar(select(func.count(Payment.id))) == 1
    assert db.session.scalar(select(func.count(MembershipChange.id))) == 1
    assert db.session.get(WebhookEvent, "evt_concurrent_1").attempts == 1
