"""Ten deliveries of one event at the same moment (PostgreSQL: real connections and row locks)."""

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
    Refund,
    User,
    WebhookEvent,
)  # fmt: skip
from app.payments.stripe_gateway import StripeGateway
from app.services import accounts
from stripe_emulator import Emulator
from tests.webhooks.stripe_side import StripeSide

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
        for model in (Refund, Payment, MembershipChange, Membership, WebhookEvent, PaymentAttempt,
                      OutboxMessage, User):  # fmt: skip
            db.session.execute(delete(model))
        db.session.commit()


@pytest.fixture
def stripe_side(app, committed):
    """A Stripe emulator of this test's own behind the app's gateway (own_app tests get none)."""
    emulator = Emulator(webhook_secret=app.config["STRIPE_WEBHOOK_SECRET"])
    gateway = StripeGateway.from_config(
        app.config, http_client=emulator.http_client(), max_network_retries=0
    )
    previous = app.extensions.get("payment_gateway")
    app.extensions["payment_gateway"] = gateway
    yield StripeSide(emulator, gateway)
    app.extensions["payment_gateway"] = previous


def test_ten_identical_deliveries_at_once_apply_once(app, stripe_side):
    """Ten simultaneous deliveries of one invoice.paid: all answered 200, one payment, one change."""
    user = accounts.create_user("concurrent@example.org", None, "en")
    db.session.commit()
    stripe_side.subscribe(stripe_side.customer(user))
    paid = stripe_side.deliveries().one("invoice.paid")

    def deliver(_):
        client = app.test_client()
        return client.post("/stripe/webhook", data=paid.payload, headers=paid.headers).status_code

    with ThreadPoolExecutor(max_workers=10) as pool:
        statuses = list(pool.map(deliver, range(10)))
    assert statuses == [200] * 10
    db.session.expire_all()
    assert db.session.scalar(select(func.count(Payment.id))) == 1
    assert db.session.scalar(select(func.count(MembershipChange.id))) == 1
    assert db.session.get(WebhookEvent, paid.id).attempts == 1
