"""`flask demo seed`: a realistic year of supporters, payments and webhook events, for demos and for
measuring the staff pages at scale. Rows go in by bulk inserts, a batch at a time.

`flask demo prompt-test` (run by `make run`): a prompt test running on the English prompt, its
figures counted through the same functions as readers' beacons and payments."""

import random
import uuid
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

from flask import current_app
from sqlalchemy import func, insert, select, text

from .. import currency as money_units
from ..extensions import db
from ..models import (
    AttemptStatus,
    Membership,
    MembershipChange,
    MembershipStatus,
    Payment,
    PaymentAttempt,
    PaymentKind,
    PaymentStatus,
    Prompt,
    PromptTest,
    SignupSource,
    User,
    WebhookEvent,
)
from . import accounts, money, prompt_tests, prompts

Status = MembershipStatus
BATCH = 2000
# (status, share): most supporters pay; some lapsed over the year, a few fail or are comped.
STATUSES = [(Status.ACTIVE, 0.70), (Status.ENDING, 0.05), (Status.PAST_DUE, 0.03),
            (Status.LAPSED, 0.17), (Status.COMPLIMENTARY, 0.02), (Status.PENDING, 0.03)]  # fmt: skip
AMOUNTS = [1, 1, 1, 5, 5, 10, 3, 20]  # a month, in whole units of SUPPORT_CURRENCY


def seed(
    supporters: int, on_batch: Callable[[int], None] | None = None, now: datetime | None = None
) -> int:
    """Add `supporters` demo supporters (emails demo-<n>@example.org); returns the events stored."""
    now = now or datetime.now(UTC)
    rng = random.Random(20260101)  # noqa: S311 - demo data, the same every run
    first = (db.session.scalar(select(func.max(User.id))) or 0) + 1
    events = 0
    for offset in range(0, supporters, BATCH):
        size = min(BATCH, supporters - offset)
        events += _batch(rng, first + offset, size, now)
        db.session.commit()
        if on_batch:
            on_batch(size)
    _after_bulk_load()
    return events


def _after_bulk_load() -> None:
    """PostgreSQL: ids were given explicitly, so move the id sequences past them; and refresh the
    planner's statistics, which a bulk load leaves behind (queries would choose badly)."""
    if db.session.get_bind().dialect.name != "postgresql":
        return
    for table in ("users", "memberships"):
        db.session.execute(text(
            f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT max(id) FROM {table}))"  # noqa: S608
        ))  # fmt: skip
    db.session.commit()
    with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
        connection.execute(text("ANALYZE"))


def _batch(rng: random.Random, first_id: int, size: int, now: datetime) -> int:
    users, members, changes, payments, events = [], [], [], [], []
    currency = current_app.config["SUPPORT_CURRENCY"]
    unit = money_units.unit(currency)
    for user_id in range(first_id, first_id + size):
        joined = now - timedelta(days=rng.uniform(1, 365))
        status = rng.choices([s for s, _ in STATUSES], [w for _, w in STATUSES])[0]
        interval = "year" if rng.random() < 0.15 else "month"
        amount = rng.choice(AMOUNTS) * unit * (12 if interval == "year" else 1)
        customer = f"cus_demo{user_id}"
        subscription = f"sub_demo{user_id}"
        users.append({"id": user_id, "key": uuid.uuid4().hex, "email": f"demo-{user_id}@example.org",
                      "password_hash": None, "role": "reader", "language": "ar" if rng.random() < 0.4 else "en",
                      "reading_mode": "single", "session_version": 1, "created_at": joined,
                      "stripe_customer_id": customer})  # fmt: skip
        months = max(1, int((now - joined).days // 30))
        end = joined + timedelta(days=30 * months if interval == "month" else 365)
        ended = status == Status.LAPSED
        members.append({"id": user_id, "user_id": user_id, "status": status.value,
                        "paid_status": None if status == Status.COMPLIMENTARY else status.value,
                        "amount": amount, "currency": currency, "interval": interval,
                        "current_period_end": end if not ended else joined + timedelta(days=30),
                        "cancel_at_period_end": status == Status.ENDING, "comp_granted": status == Status.COMPLIMENTARY,
                        "comp_until": None, "subscription_id": subscription, "snapshot_at": now,
                        "grace_until": now + timedelta(days=5) if status == Status.PAST_DUE else None,
                        "updated_at": now})  # fmt: skip
        first_status = Status.COMPLIMENTARY if status == Status.COMPLIMENTARY else Status.ACTIVE
        plan = {"amount": amount, "currency": currency, "interval": interval,
                "period_end": members[-1]["current_period_end"]}  # fmt: skip
        changes.append({"membership_id": user_id, "from_status": "none", "to_status": first_status.value,
                        "cause": "customer.subscription.created", "at": joined, **plan})  # fmt: skip
        if status not in (Status.ACTIVE, Status.COMPLIMENTARY):
            changes.append({"membership_id": user_id, "from_status": "active", "to_status": status.value,
                            "cause": "customer.subscription.updated",
                            "at": joined + (now - joined) * rng.uniform(0.5, 1), **plan})  # fmt: skip
        paid_times = [
            joined + timedelta(days=30 * n) for n in range(months if interval == "month" else 1)
        ]
        if ended:
            paid_times = paid_times[: max(1, len(paid_times) // 2)]
        if status == Status.COMPLIMENTARY:
            paid_times = []
        for n, paid_at in enumerate(paid_times):
            invoice = f"in_demo{user_id}_{n}"
            payments.append({"user_id": user_id, "kind": "subscription", "invoice_id": invoice,
                             "subscription_id": subscription, "amount": amount, "amount_refunded": 0,
                             "currency": currency, "interval": interval, "status": "paid", "created_at": paid_at, "paid_at": paid_at,
                             "updated_at": paid_at})  # fmt: skip
            for kind in ("invoice.paid", "payment_intent.succeeded"):
                events.append(_event(kind, customer, invoice, paid_at))
        events.append(_event("customer.subscription.created", customer, subscription, joined))
        events.append(_event("customer.created", customer, customer, joined))
    for model, rows in ((User, users), (Membership, members), (MembershipChange, changes),
                        (Payment, payments), (WebhookEvent, events)):  # fmt: skip
        for start in range(0, len(rows), BATCH):
            db.session.execute(insert(model.__table__), rows[start : start + BATCH])
    return len(events)


def _event(event_type: str, customer: str, object_id: str, at: datetime) -> dict:
    event_id = f"evt_demo_{uuid.uuid4().hex[:20]}"
    payload = {"id": event_id, "object": "event", "type": event_type, "created": int(at.timestamp()),
               "data": {"object": {"id": object_id, "customer": customer}}, "livemode": False}  # fmt: skip
    return {"id": event_id, "type": event_type, "created": at, "customer_id": customer, "payload": payload,
            "state": "applied", "received_at": at, "applied_at": at, "attempts": 1}  # fmt: skip


# The demonstration prompt test: the control against two variants for two weeks. Per variant:
# its name, its copy (None: the prompt's own) with the place of the amount it highlights among
# the prompt's, impressions and clicks a day, and the payments its readers started and completed.
SAMPLE_TEST_DAYS = 14
SAMPLE_VARIANTS = [
    ("Control", None, 90, 3, (7, 4)),
    ("The smallest amount first", ({
        "lines": "Propaganda distorts the truth and prolongs the war..\n"
                 "A small amount each month keeps Enab Baladi independent..",
        "cta": "Give monthly",
    }, 0), 88, 4, (14, 9)),
    ("Readers like you", ({
        "lines": "Enab Baladi is funded by its readers, not by any side of the war..\n"
                 "Join them: every month counts..",
        "cta": "Join our supporters",
    }, 1), 91, 2, (5, 2)),
]  # fmt: skip


def sample_prompt_test(now: datetime | None = None) -> PromptTest | None:
    """Start the demonstration prompt test on the active English prompt, with two weeks of
    impressions, clicks and payments (of demo readers, demo-prompt-<n>@example.org), so the
    staff's readout has figures to show. Nothing when that prompt has had a test already, so it
    may run on every start; returns the test made."""
    now = now or datetime.now(UTC)
    prompt = db.session.scalar(select(Prompt).where(Prompt.lang == "en", Prompt.active))
    if prompt is None or db.session.scalar(
        select(PromptTest.id).where(PromptTest.prompt_id == prompt.id).limit(1)
    ):
        return None
    test = prompt_tests.create_test(
        prompt, name="Leading with the smallest amount", minimum_impressions=1000, adaptive=False
    )
    for name, (copy, highlighted), *_ in SAMPLE_VARIANTS[1:]:  # the control came with the test
        amount = prompt.monthly_amounts[highlighted]
        prompt_tests.save_variant(test, None, name=name, share=1, **{
            **prompt.copy_fields(), **copy, "highlighted_amount": amount})  # fmt: skip
    prompt_tests.start_test(test)
    started = now - timedelta(days=SAMPLE_TEST_DAYS)
    test.started_at = started  # as if started two weeks ago, when its figures begin
    variants = sorted(test.variants, key=lambda variant: (not variant.is_control, variant.id))
    reader = 0
    for variant, (*_, impressions, clicks, (paying, paid)) in zip(variants, SAMPLE_VARIANTS,
                                                                    strict=True):  # fmt: skip
        for day in range(SAMPLE_TEST_DAYS):
            on = (started + timedelta(days=day)).date()
            for event, times in (("impressions", impressions + day % 5), ("clicks", clicks)):
                prompts.record_prompt_event(prompt.id, event, on, times)
                prompts.record_variant_event(variant.id, event, on, times)
        for n in range(paying):
            reader += 1
            at = started + (now - started) * (n + 0.5) / paying
            to = AttemptStatus.SUCCEEDED if n < paid else AttemptStatus.EXPIRED
            _demo_payment(prompt, variant.id, reader, at, to)
    db.session.commit()
    return test


def _demo_payment(prompt: Prompt, variant_id: int, n: int, at: datetime, to: AttemptStatus):
    """A demo reader's payment of the prompt's middle amount, from the variant, settled `to`; a
    succeeded one with its paid payment, as Stripe's events record it, so revenue counts it."""
    reader = accounts.create_user(f"demo-prompt-{n}@example.org", None, "en",
                                  source=SignupSource.SUPPORT_FORM)  # fmt: skip
    amounts = prompt.monthly_amounts
    intent = f"pi_demo_{uuid.uuid4().hex[:24]}"
    attempt = PaymentAttempt(
        key=uuid.uuid4().hex, user=reader, kind=PaymentKind.DONATION,
        amount=amounts[len(amounts) // 2], currency=prompt.currency, lang="en",
        prompt_id=prompt.id, variant_id=variant_id, created_at=at, payment_intent_id=intent,
    )  # fmt: skip
    db.session.add(attempt)
    money.settle_attempt(attempt, to)
    if to == AttemptStatus.SUCCEEDED:
        money.record_payment(reader, kind=PaymentKind.DONATION, amount=attempt.amount,
                             currency=attempt.currency, status=PaymentStatus.PAID,
                             payment_intent_id=intent, paid_at=at)  # fmt: skip
