"""Payments received outside Stripe: the period they give, back to back, never in MRR, revenue
under their method, voiding, and the audit log."""

from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import select

from app.extensions import db
from app.models import (
    AuditEntry,
    MembershipChange,
    MembershipStatus,
    OfflineMethod,
    Payment,
    PaymentStatus,
    Role,
    SignupSource,
    User,
)
from app.services import (
    membership,
    metrics,
    offline_figures,
    offline_payments,
    receipts,
    supporters,
    trends,
)
from app.services.membership import SubscriptionSnapshot
from app.services.offline_payments import OfflineEntry, last_day

NOW = datetime(2027, 3, 10, 9, 0, tzinfo=UTC)
SECOND = timedelta(seconds=1)
Status = MembershipStatus


@pytest.fixture
def staff(make_user):
    return make_user("staff@example.org", role=Role.STAFF)


@pytest.fixture
def record(staff):
    """Factory: record an offline payment for `email` as the staff member, at `now`."""

    def make(email="qari@example.org", first=date(2027, 3, 1), last=date(2027, 5, 31),
             amount=3000, currency="usd", method=OfflineMethod.BANK_TRANSFER, now=NOW,
             received=None, reference="TR-1"):  # fmt: skip
        entry = OfflineEntry(email=email, amount=amount, currency=currency, method=method,
                             covers_from=first, covers_until=last,
                             received_on=received or now.date(), reference=reference, lang="ar")  # fmt: skip
        payment, _ = offline_payments.record_offline_payment(staff, entry, now=now)
        db.session.commit()
        return payment

    return make


def reader_of(payment):
    return db.session.get(User, payment.user_id)


def at(day: date, *, end_of_day=False) -> datetime:
    moment = datetime.combine(day, datetime.min.time(), UTC)
    return moment + timedelta(days=1) - timedelta(microseconds=1) if end_of_day else moment


def snapshot(status, created, amount=500, period_end=None):
    return SubscriptionSnapshot(
        subscription_id="sub_off", status=status, created=created, amount=amount, currency="usd",
        interval="month", current_period_end=period_end or created + timedelta(days=30),
    )  # fmt: skip


def test_a_payment_gives_perks_for_exactly_its_period_and_ends_by_itself(record):
    """Member from the first moment of the first day to the last of the last; lapsed after."""
    payment = record(first=date(2027, 3, 1), last=date(2027, 5, 31))
    reader = reader_of(payment)
    assert reader.membership.status == Status.OFFLINE
    assert not membership.perks_for(reader, at(date(2027, 3, 1)) - SECOND).member
    assert membership.perks_for(reader, at(date(2027, 3, 1))).ad_free
    assert membership.perks_for(reader, at(date(2027, 5, 31), end_of_day=True)).member
    assert not membership.perks_for(reader, at(date(2027, 6, 1))).member
    assert offline_payments.settle_offline_periods(at(date(2027, 5, 31), end_of_day=True)) == 0
    assert offline_payments.settle_offline_periods(at(date(2027, 6, 1))) == 1
    assert reader.membership.status == Status.LAPSED
    causes = [
        c.cause for c in db.session.scalars(select(MembershipChange).order_by(MembershipChange.id))
    ]
    assert causes == ["offline payment recorded", "offline period ended"]


def test_a_period_recorded_ahead_begins_by_itself(record):
    """A period starting next month gives nothing before its first day, then begins on it."""
    payment = record(first=date(2027, 4, 1), last=date(2027, 4, 30))
    reader = reader_of(payment)
    assert reader.membership.status == Status.NONE
    assert not membership.perks_for(reader, NOW).member
    assert membership.perks_for(reader, at(date(2027, 4, 1))).member  # at once, before the job
    assert offline_payments.settle_offline_periods(at(date(2027, 4, 1))) == 1
    assert reader.membership.status == Status.OFFLINE


def test_a_period_recorded_back_to_back_extends_the_membership(record):
    """The next period starts the day after the last: one membership that runs on, unbroken."""
    first = record(first=date(2027, 3, 1), last=date(2027, 3, 31))
    reader = reader_of(first)
    assert offline_payments.next_start(reader, NOW.date()) == date(2027, 4, 1)
    record(first=date(2027, 4, 1), last=last_day(date(2027, 4, 1), 3), reference="TR-2")
    until = reader.membership.offline_until  # SQLite hands it back naive
    assert until.replace(tzinfo=UTC) == at(date(2027, 6, 30), end_of_day=True)
    assert offline_payments.settle_offline_periods(at(date(2027, 4, 1))) == 0  # never lapsed
    assert membership.perks_for(reader, at(date(2027, 6, 30), end_of_day=True)).member
    assert offline_payments.settle_offline_periods(at(date(2027, 7, 1))) == 1
    statuses = [
        c.to_status
        for c in db.session.scalars(select(MembershipChange).order_by(MembershipChange.id))
    ]
    assert statuses == [Status.OFFLINE, Status.LAPSED]


def test_an_overlapping_period_is_refused(record):
    """A reader pays once for a day: a period overlapping one recorded is refused, nothing kept."""
    record(first=date(2027, 3, 1), last=date(2027, 3, 31))
    with pytest.raises(offline_payments.Overlaps) as refused:
        record(first=date(2027, 3, 31), last=date(2027, 4, 30))
    db.session.rollback()
    assert refused.value.payment.covers_until == date(2027, 3, 31)
    assert db.session.scalars(select(Payment)).all() == [refused.value.payment]


@pytest.mark.parametrize(
    ("start", "months", "last"),
    [
        (date(2027, 1, 15), 3, date(2027, 4, 14)),
        (date(2027, 1, 31), 1, date(2027, 2, 28)),
        (date(2027, 11, 30), 3, date(2028, 2, 29)),
        (date(2027, 12, 15), 1, date(2028, 1, 14)),
        (date(2027, 3, 1), 12, date(2028, 2, 29)),
    ],
)
def test_months_run_to_the_day_before_the_same_date(start, months, last):
    """N months from a day cover to the day before that day N months on (or a short month's end)."""
    assert last_day(start, months) == last


def test_offline_memberships_add_nothing_to_mrr(record, make_user):
    """MRR and the paying count read Stripe's plans only: an offline member adds nothing, even
    one whose old Stripe plan is still on the membership row."""
    payer = make_user("payer@example.org")
    membership.apply(payer, snapshot("active", NOW - timedelta(days=3)), "invoice.paid",
                     now=NOW - timedelta(days=3))  # fmt: skip
    former = make_user("former@example.org")
    membership.apply(former, snapshot("active", NOW - timedelta(days=60), amount=700),
                     "invoice.paid", now=NOW - timedelta(days=60))  # fmt: skip
    membership.apply(former, snapshot("canceled", NOW - timedelta(days=20), amount=700),
                     "customer.subscription.deleted", now=NOW - timedelta(days=20))  # fmt: skip
    before = metrics.paying_totals(NOW)
    record(email="former@example.org")
    record(email="qari@example.org", reference="TR-2")
    assert former.membership.status == Status.OFFLINE and former.membership.amount == 700
    assert metrics.paying_totals(NOW) == before == (1, {"usd": 500})
    assert trends.mrr_history(now=NOW)[-1].mrr == {"usd": 500}
    assert trends.mrr_history(months=2, now=NOW + timedelta(days=30))[0].mrr == {"usd": 500}


def test_a_live_subscription_keeps_its_status_and_the_period_follows_it(record, make_user):
    """Stripe's live subscription sets the status (and MRR); when it ends inside the period the
    membership is offline, and lapses when the period ends."""
    reader = make_user("qari@example.org", lang="ar")
    membership.apply(reader, snapshot("active", NOW - timedelta(days=1)), "invoice.paid",
                     now=NOW - timedelta(days=1))  # fmt: skip
    record()
    assert reader.membership.status == Status.ACTIVE
    assert metrics.paying_totals(NOW) == (1, {"usd": 500})
    ended = NOW + timedelta(days=5)
    membership.apply(
        reader, snapshot("canceled", ended), "customer.subscription.deleted", now=ended
    )
    assert reader.membership.status == Status.OFFLINE
    assert metrics.paying_totals(ended) == (0, {})
    assert offline_payments.settle_offline_periods(at(date(2027, 6, 1))) == 1
    assert reader.membership.status == Status.LAPSED


def test_perks_hold_for_the_period_while_a_card_fails(record, make_user, app):
    """A card failing past its grace days takes nothing away from days paid another way."""
    reader = make_user("qari@example.org")
    failed = NOW - timedelta(days=60)
    membership.apply(reader, snapshot("past_due", failed), "invoice.payment_failed", now=failed)
    assert not membership.perks_for(reader, NOW).member
    record()
    perks = membership.perks_for(reader, NOW)
    assert reader.membership.status == Status.PAST_DUE
    assert perks.member and perks.update_card_notice


def test_revenue_counts_under_its_method_and_never_as_stripe_cash(record):
    """This month's offline payments and cash per month, per method and currency; the reader's
    lifetime giving includes them; Stripe's cash per month does not."""
    first = record(amount=3000, currency="usd", method=OfflineMethod.BANK_TRANSFER)
    record(email="other@example.org", amount=2000, currency="eur", method=OfflineMethod.CASH,
           reference="")  # fmt: skip
    record(email="other@example.org", amount=1500, currency="eur", method=OfflineMethod.CASH,
           first=date(2027, 6, 1), last=date(2027, 6, 30), received=date(2027, 2, 20),
           reference="")  # fmt: skip
    rows = {(r.method, r.currency): (r.count, r.total) for r in offline_figures.this_month(NOW)}
    assert rows == {(OfflineMethod.BANK_TRANSFER, "usd"): (1, 3000),
                    (OfflineMethod.CASH, "eur"): (1, 2000)}  # fmt: skip
    months = dict(offline_figures.cash_by_month(3, NOW))
    assert [(r.method, r.total) for r in months[date(2027, 2, 1)]] == [(OfflineMethod.CASH, 1500)]
    assert {(r.method, r.currency, r.total) for r in months[date(2027, 3, 1)]} == {
        (OfflineMethod.BANK_TRANSFER, "usd", 3000), (OfflineMethod.CASH, "eur", 2000)}  # fmt: skip
    assert metrics.cash_by_month(datetime(2000, 1, 1, tzinfo=UTC)) == []
    giving = supporters.giving_of([first.user_id])[first.user_id]
    assert giving.totals == {"usd": 3000}
    assert offline_figures.members_now() == 2


def test_voiding_withdraws_the_period_and_the_money_but_keeps_the_row(record, staff):
    """A voided entry stays in the books, counts nowhere, shows no receipt, and its days go."""
    payment = record()
    reader = reader_of(payment)
    later = NOW + timedelta(hours=1)
    offline_payments.void_offline_payment(staff, payment, "wrong reader", now=later)
    db.session.commit()
    kept = db.session.get(Payment, payment.id)
    assert kept.status == PaymentStatus.VOIDED and kept.voided_by_id == staff.id
    assert kept.void_reason == "wrong reader" and kept.voided_at is not None
    assert reader.membership.status == Status.NONE
    assert not membership.perks_for(reader, later).member
    assert offline_figures.this_month(later) == []
    assert supporters.giving_of([reader.id]) == {}
    assert receipts.receipt_payment(payment.id) is None and receipts.history_of(reader) == []
    with pytest.raises(offline_payments.NotVoidable):
        offline_payments.void_offline_payment(staff, kept, "again", now=later)


def test_a_stripe_payment_is_never_voided(staff, make_user):
    """Stripe's money is refunded at Stripe, never voided here."""
    reader = make_user("payer@example.org")
    payment = Payment(user_id=reader.id, kind="subscription", amount=500, currency="usd",
                      status=PaymentStatus.PAID, invoice_id="in_off")  # fmt: skip
    db.session.add(payment)
    with pytest.raises(offline_payments.NotVoidable):
        offline_payments.void_offline_payment(staff, payment, "no")
    assert payment.status == PaymentStatus.PAID


def test_a_new_email_gets_an_account_made_by_staff(record):
    """The reader is found by email; an unknown address gets an account, made by staff."""
    payment = record(email="New.Reader@Example.org")
    reader = reader_of(payment)
    assert reader.email == "new.reader@example.org"
    assert reader.signup_source == SignupSource.STAFF and reader.language == "ar"
    assert reader.password_hash is None


def test_every_entry_and_void_is_audited_with_the_staff_member(record, staff):
    """The audit log names who recorded and who voided, with the entry's figures and reason."""
    payment = record(amount=2550, reference="WU-77")
    offline_payments.void_offline_payment(staff, payment, "typed twice", now=NOW)
    db.session.commit()
    entries = db.session.scalars(select(AuditEntry).order_by(AuditEntry.id)).all()
    assert [(e.action, e.actor_id, e.subject_id) for e in entries] == [
        ("offline payment recorded", staff.id, payment.user_id),
        ("offline payment voided", staff.id, payment.user_id),
    ]
    assert entries[0].details == {
        "payment": payment.id, "amount": "25.50 USD", "method": "bank_transfer",
        "reference": "WU-77", "received": "2027-03-10", "covers": "2027-03-01 – 2027-05-31",
    }  # fmt: skip
    assert entries[1].details == {"payment": payment.id, "reason": "typed twice"}
