"""What runs by itself, and the claim that makes each run happen once per period.

Huey's scheduler runs inside every consumer not started with `--no-periodic`; production runs one
such consumer, but a second one (a deploy overlapping the old host, an operator's mistake) would
enqueue every periodic job again. Each run therefore first claims its period — a row of
`job_runs`, unique by job and period — and a run whose period is already claimed does nothing.
The period is read from the clock when the run starts: two enqueues of the same minute that start
in different periods (a backlog across the boundary) both run, which every job here tolerates (each
is idempotent; the claim keeps them from running once per scheduler).
"""

import functools
import logging
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from ..extensions import db
from ..models import AttemptStatus, JobRun, MailState, OutboxMessage, PaymentAttempt, WebhookEvent
from ..payments.gateway import GatewayError
from ..services import (
    checkout,
    gifts,
    ledger,
    mail,
    membership,
    notices,
    offline_payments,
    prompts,
    reconcile,
    summaries,
)
from .queue import crontab, enqueue, periodic

log = logging.getLogger(__name__)

MINUTE, HOUR, DAY = "%Y-%m-%dT%H:%M", "%Y-%m-%dT%H", "%Y-%m-%d"
# Stripe gives up on an incomplete subscription's first payment after 23 hours.
ABANDONED_AFTER = timedelta(hours=24)
# A failed webhook event is tried again this often by the scheduler, up to MAX_EVENT_ATTEMPTS.
EVENT_RETRY_AFTER = timedelta(minutes=5)
MAX_EVENT_ATTEMPTS = 10
# A message still queued this long after it was written lost its job (the queue was down).
MAIL_LOST_AFTER = timedelta(minutes=30)


def claim(job: str, period: str) -> JobRun | None:
    """The run of `job` for `period`, or None when another scheduler's run already claimed it."""
    run = JobRun(job=job, period=period)
    db.session.add(run)
    try:
        db.session.commit()
    except IntegrityError:
        db.session.rollback()
        return None
    return run


def once_per(period_format: str, job: str, work, now: datetime | None = None) -> str:
    """Run `work()` if this period of `job` is unclaimed; record what it returned, committing what
    it did with that record."""
    period = (now or datetime.now(UTC)).strftime(period_format)
    run = claim(job, period)
    if run is None:
        log.info("%s for %s already ran; skipped", job, period)
        return "skipped"
    result = str(work())
    run.finished_at = datetime.now(UTC)
    run.result = result[:2000]
    db.session.commit()
    return result


def scheduled(job: str, schedule: Callable, period_format: str):
    """Declare the decorated function as `job`, enqueued on `schedule` (a Huey crontab): each run
    claims its period (`period_format`, see `once_per`), does the work, and commits it with what
    it returned ("skipped" when the period was claimed already)."""

    def declare(work: Callable[[], object]) -> Callable[[], str]:
        @functools.wraps(work)
        def run() -> str:
            return once_per(period_format, job, work)

        return periodic(job, schedule)(run)

    return declare


@scheduled("flush-prompt-counts", crontab(minute="*"), MINUTE)
def flush_prompt_counts() -> int:
    """The prompt counters gathered in Redis, moved into the database."""
    return prompts.flush_prompt_counts()


@scheduled("expire-comps", crontab(minute="7"), HOUR)
def expire_comps() -> int:
    """Complimentary memberships past their date, ended."""
    return membership.expire_comps()


@scheduled("settle-offline-periods", crontab(minute="0"), HOUR)
def settle_offline_periods() -> int:
    """Periods paid outside Stripe begin and end at midnight UTC: on the hour, each membership
    whose period began or ended moves (its perks follow the dates to the second meanwhile)."""
    return offline_payments.settle_offline_periods()


@scheduled("deliver-gifts", crontab(minute="13"), HOUR)
def deliver_gifts() -> str:
    """Gift memberships whose delivery date has come (a UTC day): the recipient's email."""
    return f"{gifts.deliver_due_gifts()} gifts delivered"


@scheduled("remind-renewals", crontab(minute="23", hour="8"), DAY)
def remind_renewals() -> str:
    """Annual members a week before their renewal (card networks expect the notice)."""
    return f"{notices.remind_renewals()} renewal notices"


@scheduled("warn-expiring-cards", crontab(minute="43", hour="8"), DAY)
def warn_expiring_cards() -> str:
    """Members whose card expires before their next payment, a week ahead of it."""
    return f"{notices.warn_expiring_cards()} card notices"


@scheduled("reconcile", crontab(minute="17", hour="3"), DAY)
def nightly_reconcile() -> str:
    """`flask stripe reconcile --days 3`: subscriptions fetched again, events not delivered applied."""
    report = reconcile.reconcile(days=3)
    return (f"{len(report.changed)} changed, {len(report.events_applied)} applied, "
            f"{len(report.events_failed)} failed")  # fmt: skip


@scheduled("expire-abandoned-attempts", crontab(minute="37"), HOUR)
def expire_abandoned_attempts() -> str:
    """Ask Stripe about attempts older than its incomplete window, so a missed webhook does not
    leave one waiting (the return page's own check: it settles them as paid or expired)."""
    cutoff = datetime.now(UTC) - ABANDONED_AFTER
    attempts = db.session.scalars(
        select(PaymentAttempt)
        .where(
            PaymentAttempt.status == AttemptStatus.STARTED,
            PaymentAttempt.created_at < cutoff,
            PaymentAttempt.subscription_id.is_not(None),
        )
        .limit(500)
    ).all()
    outcomes: dict[str, int] = {}
    for attempt in attempts:
        try:
            outcome = checkout.fulfil_attempt(attempt)
        except GatewayError:
            db.session.rollback()
            outcome = "stripe unavailable"
        outcomes[outcome] = outcomes.get(outcome, 0) + 1
    return ", ".join(f"{count} {outcome}" for outcome, count in sorted(outcomes.items()))


@scheduled("retry-webhook-events", crontab(minute="*/10"), MINUTE)
def retry_webhook_events() -> str:
    """Failed events again (Stripe retries too, for three days), and parked events whose customer
    has been linked since."""
    cutoff = datetime.now(UTC) - EVENT_RETRY_AFTER
    failed = db.session.scalars(
        select(WebhookEvent.id)
        .where(
            WebhookEvent.state == "failed",
            WebhookEvent.attempts < MAX_EVENT_ATTEMPTS,
            WebhookEvent.received_at < cutoff,
        )
        .order_by(WebhookEvent.created)
        .limit(500)
    ).all()
    applied = sum(ledger.replay(event_id).status == 200 for event_id in failed)
    parked = sum(ledger.apply_parked(customer) for customer in ledger.linked_parked_customers())
    return f"{applied} of {len(failed)} failed events applied, {parked} parked events applied"


@scheduled("requeue-lost-mail", crontab(minute="*/10"), MINUTE)
def requeue_lost_mail() -> str:
    """Messages written but never handed to the queue (it was down at the time) are queued again;
    delivering is idempotent, so one that was only slow is not sent twice."""
    cutoff = datetime.now(UTC) - MAIL_LOST_AFTER
    lost = db.session.scalars(
        select(OutboxMessage.id)
        .where(
            OutboxMessage.state == MailState.QUEUED,
            OutboxMessage.attempts == 0,
            OutboxMessage.created_at < cutoff,
        )
        .limit(1000)
    ).all()
    for message_id in lost:
        enqueue(db.session, mail.DELIVER_JOB, message_id)
    return f"{len(lost)} messages queued again"


@scheduled("refresh-figures", crontab(minute="*/5"), MINUTE)
def refresh_figures() -> str:
    """The staff figures' summaries (`services.figures`): each day, reader and past month's
    standing whose rows changed since the last run recomputed from them, so a staff page sums
    only the rows of the last quarter hour or so itself."""
    return summaries.refresh()


@scheduled("remake-figures", crontab(minute="41", hour="4"), DAY)
def remake_figures() -> str:
    """Every summary made again from all its rows once a night, so what the five-minute refresh
    cannot see (a row restored or edited by hand with a past update time, an article deleted, a
    transaction open longer than the refresh's margin) is right again by morning. A million
    supporters take about half a minute; pages read the old summaries until it commits."""
    return summaries.refresh(again=True)
