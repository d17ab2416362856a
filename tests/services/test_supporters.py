"""A supporter's timeline: in the order things happened here, whatever clock Stripe's times use."""

from datetime import UTC, datetime, timedelta

from app.extensions import db
from app.models import AuditEntry, Payment
from app.services import membership, supporters
from app.services.membership import SubscriptionSnapshot


def _payment(user, paid_at: datetime, recorded: datetime) -> Payment:
    payment = Payment(user_id=user.id, kind="subscription", amount=500, currency="usd",
                      status="paid", interval="month", subscription_id="sub_clock",
                      paid_at=paid_at, created_at=recorded)  # fmt: skip
    db.session.add(payment)
    return payment


def test_payments_under_a_test_clock_keep_their_place(make_user):
    """A test clock frozen two days back dates the first payment before the sign-up, and one
    advanced a month dates the renewal after the refund staff made of it: the timeline still
    reads, newest first, refund, renewal, membership started, first payment, sign-up, each
    payment shown with Stripe's time."""
    signed_up = datetime.now(UTC) - timedelta(hours=1)
    user = make_user()
    user.created_at = signed_up
    clock = signed_up - timedelta(days=2)  # the test clock's frozen time
    first = _payment(user, paid_at=clock, recorded=signed_up + timedelta(minutes=1))
    started = signed_up + timedelta(minutes=1, seconds=1)
    membership.apply(user, SubscriptionSnapshot("sub_clock", "active", started, amount=500,
                                                currency="usd", interval="month"),
                     "invoice.paid", now=started)  # fmt: skip
    # Staff advanced the clock a month (Stripe dates the renewal a month ahead), then refunded it.
    renewal = _payment(user, paid_at=clock + timedelta(days=31),
                       recorded=signed_up + timedelta(minutes=20))  # fmt: skip
    db.session.add(AuditEntry(action="refund", target=user.email, subject_id=user.id,
                              at=signed_up + timedelta(minutes=30)))  # fmt: skip
    db.session.commit()

    items = supporters.timeline(user)
    assert [(item.kind, item.payment) for item in items] == [
        ("staff", None), ("payment", renewal), ("change", None), ("payment", first),
        ("signup", None),
    ]  # fmt: skip
    assert items[1].at == renewal.paid_at and items[3].at == first.paid_at
