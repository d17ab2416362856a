"""The scheduled jobs: each run claims its period; what each one does when it runs."""

from datetime import UTC, datetime, timedelta

from sqlalchemy import select

from app.extensions import db
from app.jobs import schedule
from app.jobs.queue import queue_of, run_queued
from app.models import JobRun, MembershipStatus, WebhookEvent
from app.services import ledger, membership, prompts
from app.services.membership import CompGrant
from tests.webhooks.test_routes import revenue

NOON = datetime(2026, 12, 1, 12, 7, tzinfo=UTC)


def test_a_period_runs_once_and_the_next_period_runs_again():
    calls = []

    def work():
        calls.append(1)
        return "done"

    assert schedule.once_per(schedule.HOUR, "example", work, now=NOON) == "done"
    assert schedule.once_per(schedule.HOUR, "example", work, now=NOON + timedelta(minutes=50)) == (
        "skipped"
    )
    assert (
        schedule.once_per(schedule.HOUR, "example", work, now=NOON + timedelta(hours=1)) == "done"
    )
    assert len(calls) == 2
    runs = db.session.scalars(select(JobRun).where(JobRun.job == "example")).all()
    assert [(run.period, run.result) for run in runs] == [
        ("2026-12-01T12", "done"), ("2026-12-01T13", "done"),
    ]  # fmt: skip


def test_two_schedulers_enqueue_a_due_job_and_it_runs_once(app, monkeypatch):
    """Huey's own scheduler, twice (two consumers without --no-periodic), at the minute the hourly
    comp expiry is due: two copies queued, one run."""
    import threading

    from huey.consumer import Scheduler

    calls = []
    monkeypatch.setattr(membership, "expire_comps", lambda: calls.append(1) or 0)
    monkeypatch.setattr(prompts, "flush_prompt_counts", lambda: 0)
    huey = queue_of(app).huey
    for _ in range(2):
        Scheduler(huey, threading.Event(), 1, True).enqueue_periodic_tasks(
            NOON.replace(tzinfo=None)
        )
    assert huey.pending_count() == 4  # the comp expiry and the counter flush, twice each
    assert run_queued(app) == 4
    assert calls == [1]


def test_comps_past_their_end_are_ended_by_the_hourly_job(make_user):
    user = make_user()
    now = datetime.now(UTC)
    membership.apply(user, CompGrant(until=now - timedelta(minutes=1)), "granted",
                     now=now - timedelta(days=1))  # fmt: skip
    db.session.commit()
    assert user.membership.status == MembershipStatus.COMPLIMENTARY
    assert schedule.expire_comps() == "1"
    assert user.membership.status != MembershipStatus.COMPLIMENTARY


def test_parked_events_are_applied_once_their_customer_is_linked(post, stripe_side, make_user):
    customer = stripe_side.customer()
    stripe_side.subscribe(customer)
    paid = stripe_side.deliveries().one("invoice.paid")
    assert post(paid).json["outcome"] == "parked"
    assert "0 parked events applied" in schedule.retry_webhook_events()
    user = make_user()
    stripe_side.link(user, customer)
    db.session.commit()
    db.session.query(JobRun).delete()  # a new period
    assert "1 parked events applied" in schedule.retry_webhook_events()
    assert db.session.get(WebhookEvent, paid.id).state == "applied"
    assert revenue() == 100


def test_failed_events_are_tried_again_later(post, stripe_side, stripe_emulator, make_user):
    """Stripe down while an event applied: the scheduler tries it again after a while."""
    user = make_user()
    stripe_side.customer(user)
    stripe_side.subscribe(user.stripe_customer_id)
    paid = stripe_side.deliveries().one("invoice.paid")
    stripe_emulator.faults.fail_next(1, kind="connection")
    assert post(paid).status_code == 500
    row = db.session.get(WebhookEvent, paid.id)
    row.received_at = datetime.now(UTC) - schedule.EVENT_RETRY_AFTER - timedelta(seconds=1)
    db.session.commit()
    assert schedule.retry_webhook_events().startswith("1 of 1 failed events applied")
    assert ledger.apply_event(paid.id).outcome == "duplicate"
    assert revenue() == 100


def test_periods_paid_outside_stripe_end_by_the_hourly_job(make_user):
    """An offline period that ended is settled by the job: the membership lapses."""
    from app.models import OfflineMethod, Role, User
    from app.services import offline_payments

    staff = make_user("staff@example.org", role=Role.STAFF)
    now = datetime.now(UTC)
    entry = offline_payments.OfflineEntry(
        email="qari@example.org", amount=1000, currency="usd", method=OfflineMethod.CASH,
        covers_from=(now - timedelta(days=40)).date(), covers_until=(now - timedelta(days=2)).date(),
        received_on=(now - timedelta(days=40)).date(),
    )  # fmt: skip
    payment, _ = offline_payments.record_offline_payment(staff, entry, now=now - timedelta(days=30))
    db.session.commit()
    reader = db.session.get(User, payment.user_id)
    assert reader.membership.status == MembershipStatus.OFFLINE
    assert schedule.settle_offline_periods() == "1"
    assert reader.membership.status == MembershipStatus.LAPSED
