"""Property: however Stripe orders and repeats a membership's webhook deliveries, the ledger ends in
the money, cash history and membership that delivering each event once, in Stripe's order, leaves.

A pool of lifecycles is built once for the module on one Stripe emulator, through production's
gateway and the real SDK, with nothing delivered meanwhile. Each lifecycle is one reader's support,
step by step from a seeded generator that looks at Stripe's state to choose what may come next:
subscribing ($1-$20 a month, monthly or annual, some with 4000 0000 0000 0259, which Stripe disputes),
renewals (the customer's test clock moved past the period's end), a renewal failing on 4000 0000 0000
0341 put in on the card page, recovery with a new card on the pay-now page, a new amount or monthly
to annual, staff's partial refunds, a dispute won or lost with Stripe's test evidence, cancellation
at the period's end and deleting the account. The reader's steps go through our own services, as the
pages call them; Stripe's and staff's through the gateway and `StripeTestMode`.

The reference: every delivery of a lifecycle posted once, in the order Stripe created the events.
Each Hypothesis example picks a lifecycle, 1-3 copies of each event the ledger applies (the types it
stores and ignores change nothing wherever they come, and are left out) and a permutation of them, and
posts them through `ledger.receive`, signed as Stripe signs them at the moment of delivery. Both run in
a savepoint rolled back afterwards, on the same lifecycle, so the records are compared by Stripe's own
ids: payments (kind, amount, status, refunded, dispute, interval, ...), refunds, `cash_by_month` and
the membership (status, amount, interval, period end, ...).

Every delivery comes after the whole lifecycle, in both, so what depends on when an event is applied
relative to Stripe's later changes (rather than on the order of the events) is not examined here.

Profiles, chosen by `HYPOTHESIS_PROFILE`: "default" (200 examples, every run) and "slow" (5,000,
`make test-slow`); both derandomized, so each run tries the same examples.
"""

import os
import random
import uuid
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import pytest
from flask import current_app
from flask_sqlalchemy.session import _app_ctx_id
from hypothesis import HealthCheck, given, note, settings
from hypothesis import strategies as st
from sqlalchemy import select
from sqlalchemy.orm import scoped_session, sessionmaker

from app.extensions import db
from app.models import Membership, MembershipStatus, Payment, Refund
from app.payments.stripe_convert import intent_id_of
from app.payments.stripe_gateway import StripeGateway
from app.payments.stripe_testmode import StripeTestMode
from app.services import accounts, billing, checkout, ledger
from app.services.billing_events import HANDLERS
from app.services.metrics import cash_by_month
from stripe_emulator import Emulator, testing
from tests.paying import DISPUTED, FAILS_LATER, OK
from tests.stripe_fakes import sign
from tests.webhooks.stripe_side import Deliveries, Delivery, StripeSide

# Every example shares the module's pool, emulator and transaction (the function-scoped fixtures
# below hand them out; nothing is set up per example), and isolates itself in a savepoint.
_COMMON = settings(
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
PROFILES = {
    "default": settings(_COMMON, max_examples=200),
    "slow": settings(_COMMON, max_examples=5000),
}
PROFILE = os.environ.get("HYPOTHESIS_PROFILE", "default")
if PROFILE not in PROFILES:
    raise ValueError(f"HYPOTHESIS_PROFILE must be one of {sorted(PROFILES)}, not {PROFILE!r}")

LIFECYCLES = 15  # the pool: one seeded lifecycle each
STEPS = (2, 7)  # steps after subscribing, fewest and most
SINCE = datetime(2000, 1, 1, tzinfo=UTC)
DISPUTE_OPEN = ("needs_response", "warning_needs_response")
# Each step's weight when it may come next ("stop": once the support has ended)...
WEIGHTS = {"renew": 3, "fail_renewal": 1.5, "recover": 4, "change": 1.5, "cancel": 0.7,
           "refund": 2, "dispute": 4, "delete": 0.6, "stop": 2}  # fmt: skip
# ...and each lifecycle's theme (by seed), weighing some steps more, so that the pool holds every
# kind of step whatever the seeds draw.
THEMES = [
    {"fail_renewal": 5, "recover": 8},  # renewals failing, and recovered
    {"dispute": 3, "renew": 3},  # paid with 0259: every charge disputed, and won or lost in turn
    {"change": 5},  # new amounts, monthly to annual
    {"refund": 4},
    {"cancel": 5, "delete": 3},
]


# The lifecycles ----------------------------------------------------------------------------------


@dataclass(repr=False)
class Lifecycle:
    """One reader's support, built on the pool's emulator, and the deliveries it caused."""

    seed: int
    user_id: int = 0
    customer_id: str = ""
    subscription_id: str = ""
    steps: list[tuple] = field(default_factory=list)
    deliveries: Deliveries = field(default_factory=Deliveries)  # in the order Stripe made them
    reference: "Outcome | None" = None

    @property
    def handled(self) -> Deliveries:
        """The deliveries of the types the ledger applies: the others are stored and ignored,
        changing nothing wherever they come, so the examples leave them out (halving their cost)."""
        return Deliveries(delivery for delivery in self.deliveries if delivery.type in HANDLERS)

    def __repr__(self) -> str:
        steps = ", ".join(" ".join(str(part) for part in step) for step in self.steps)
        return f"<lifecycle {self.seed} ({len(self.handled)} events applied): {steps}>"


class Builder:
    """Runs one lifecycle: its steps chosen by a seeded generator from what Stripe says now."""

    def __init__(self, stripe: StripeSide, lifecycle: Lifecycle) -> None:
        self.stripe, self.lifecycle = stripe, lifecycle
        self.gateway = stripe.gateway
        self.test_mode = StripeTestMode(self.gateway)
        self.rng = random.Random(lifecycle.seed)
        self.theme = THEMES[lifecycle.seed % len(THEMES)]
        self.weights = {**WEIGHTS, **self.theme}
        self.deleted = False
        self.win_next = self.rng.random() < 0.5  # dispute outcomes alternate
        self.user = accounts.create_user(f"reader-{lifecycle.seed}@example.org", None, "en")
        db.session.commit()
        lifecycle.user_id = self.user.id

    def run(self) -> Lifecycle:
        rng = self.rng
        card = DISPUTED if "dispute" in self.theme or rng.random() < 0.2 else OK
        self.subscribe(rng.randint(100, 2000), rng.choice(("month", "month", "year")), card)
        self.stripe.emulator.settle()  # disputes Stripe opens or decides a moment later
        for _ in range(rng.randint(*STEPS)):
            choices = self.choices()
            step = rng.choices(choices, [self.weights[name] for name in choices])[0]
            if step == "stop":
                break
            getattr(self, step)()
            self.stripe.emulator.settle()
        self.lifecycle.deliveries = self.stripe.deliveries()
        return self.lifecycle

    def note(self, *step: Any) -> None:
        self.lifecycle.steps.append(step)

    # what Stripe says now

    @property
    def subscription(self):
        return self.gateway.retrieve_subscription(self.lifecycle.subscription_id)

    def charges(self):
        return self.test_mode.charges_of(self.lifecycle.customer_id, limit=100)

    def refundable(self):
        return [charge for charge in self.charges() if charge.status == "succeeded"
                and not charge.disputed and charge.amount_refunded < charge.amount]  # fmt: skip

    def disputes(self):
        return [charge for charge in self.charges() if charge.dispute_status in DISPUTE_OPEN]

    def choices(self) -> list[str]:
        """The steps that may come next."""
        money = ["refund"] * bool(self.refundable()) + ["dispute"] * bool(self.disputes())
        if self.deleted:
            return ["stop", *money]
        subscription = self.subscription
        if subscription.status == "active" and not subscription.cancel_at_period_end:
            return ["renew", "fail_renewal", "change", "cancel", "delete", *money]
        if subscription.status == "active":
            return ["renew", "delete", *money]
        if subscription.status == "past_due":
            return ["recover", "renew", "cancel", "delete", *money]
        return ["stop", "delete", *money]

    # the reader's steps, through our services as the pages call them

    def subscribe(self, amount: int, interval: str, card: str) -> None:
        self.note("subscribe", amount, interval, "0259" if card == DISPUTED else "4242")
        frequency = "monthly" if interval == "month" else "annual"
        started = checkout.start_support(
            user=self.user, email=None, amount=amount, frequency=frequency, covers_fee=False,
            lang="en", ip=None,
        )  # fmt: skip
        paid = testing.confirm_payment(self.stripe.emulator, started.client_secret,
                                       card_number=card, publishable_key=self.gateway.publishable_key)  # fmt: skip
        assert paid["status"] == "succeeded", paid
        assert checkout.fulfil_attempt(checkout.find_attempt(started.attempt_key)) == "succeeded"
        self.lifecycle.customer_id = self.user.stripe_customer_id
        self.lifecycle.subscription_id = self.user.membership.subscription_id

    def fail_renewal(self) -> None:
        """4000 0000 0000 0341 put in on the card page (saved fine), then a renewal fails on it."""
        self.note("fail_renewal")
        self.put_in_card(FAILS_LATER)
        self.stripe.renew(self.lifecycle.customer_id, self.lifecycle.subscription_id)

    def put_in_card(self, card: str) -> None:
        secret = billing.start_card_update(self.user)
        saved = testing.confirm_setup(self.stripe.emulator, secret, card_number=card,
                                      publishable_key=self.gateway.publishable_key)  # fmt: skip
        assert saved["status"] == "succeeded", saved
        billing.finish_card_update(self.user, intent_id_of(secret))

    def recover(self) -> None:
        """A new card on the pay-now page pays the open invoice and becomes the default."""
        self.note("recover")
        due = billing.open_invoice_payment(self.user)
        paid = testing.confirm_payment(self.stripe.emulator, due.client_secret, card_number=OK,
                                       publishable_key=self.gateway.publishable_key)  # fmt: skip
        assert paid["status"] == "succeeded", paid
        assert billing.finish_open_invoice_payment(self.user, due.payment_intent_id) == "paid"

    def change(self) -> None:
        """A new amount, in the same interval, or monthly support made annual."""
        current = self.subscription
        monthly = current.amount if current.interval == "month" else current.amount // 12
        interval = current.interval
        if interval == "month" and self.rng.random() < 0.5:
            interval = "year"
        amount = self.rng.choice([a for a in range(100, 2001, 100) if a != monthly])
        self.note("change", amount, interval)
        billing.change_support(self.user, amount, "monthly" if interval == "month" else "annual")

    def cancel(self) -> None:
        self.note("cancel")
        billing.cancel_support(self.user)

    def delete(self) -> None:
        self.note("delete")
        billing.delete_account(self.user)
        self.deleted = True

    # Stripe's and staff's steps

    def renew(self) -> None:
        self.note("renew")
        self.stripe.renew(self.lifecycle.customer_id, self.lifecycle.subscription_id)

    def refund(self) -> None:
        """Staff refund part (now and then all that is left) of one of the reader's charges."""
        charge = self.rng.choice(self.refundable())
        left = charge.amount - charge.amount_refunded
        amount = left if self.rng.random() < 0.15 else max(1, round(left * self.rng.random()))
        self.note("refund", amount, f"of {charge.amount}")
        self.test_mode.refund(charge.id, amount, f"refund-{uuid.uuid4().hex}")

    def dispute(self) -> None:
        """Stripe's winning or losing test evidence submitted for an open dispute."""
        charge = self.rng.choice(self.disputes())
        win, self.win_next = self.win_next, not self.win_next
        self.note("dispute", "won" if win else "lost")
        self.test_mode.submit_dispute_evidence(charge.dispute_id, win)


# Outcomes ----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Outcome:
    """What deliveries left, in values comparable from one run to the next."""

    payments: list[tuple]
    refunds: list[tuple]
    cash: list[tuple]  # cash_by_month: (month, interval, currency, amount)
    membership: tuple


def _aware(moment: datetime | None) -> datetime | None:
    return moment if moment is None or moment.tzinfo else moment.replace(tzinfo=UTC)


def outcome(user_id: int) -> Outcome:
    """Every payment and refund (the pool's own records hold none before delivery), the cash
    history, and the reader's membership."""
    db.session.expire_all()
    payments = db.session.scalars(select(Payment)).all()
    paid_by = {payment.id: payment.invoice_id or payment.charge_id for payment in payments}
    refunds = db.session.scalars(select(Refund)).all()
    membership = db.session.scalar(select(Membership).where(Membership.user_id == user_id))
    return Outcome(
        payments=sorted((_payment(payment) for payment in payments), key=repr),
        refunds=sorted(_refund(refund, paid_by) for refund in refunds),
        cash=sorted(cash_by_month(SINCE)),
        membership=_membership(membership),
    )


def _payment(p: Payment) -> tuple:
    return (p.invoice_id, p.charge_id, p.payment_intent_id, p.subscription_id, p.user_id, p.kind,
            p.amount, p.currency, p.status, p.amount_refunded, p.failure_code, p.dispute_id,
            p.dispute_status, _aware(p.disputed_at), _aware(p.paid_at), p.interval)  # fmt: skip


def _refund(r: Refund, paid_by: dict[int, str | None]) -> tuple:
    """A refund, with the invoice (or charge) of the payment it belongs to."""
    return (r.id, paid_by.get(r.payment_id), r.amount, r.currency, r.status, _aware(r.created))


def _membership(m: Membership) -> tuple:
    return (m.status, m.paid_status, m.amount, m.currency, m.interval,
            _aware(m.current_period_end), m.cancel_at_period_end, m.subscription_id)  # fmt: skip


def deliver(lifecycle: Lifecycle, deliveries: list[Delivery]) -> Outcome:
    """Post `deliveries` through the ledger, each signed now as Stripe signs it, inside a savepoint
    rolled back afterwards; what they left."""
    secret = current_app.config["STRIPE_WEBHOOK_SECRET"]
    db.session.commit()
    savepoint = db.session.get_bind().begin_nested()
    try:
        for delivery in deliveries:
            answer = ledger.receive(delivery.payload, sign(delivery.payload, secret))
            assert answer.status == 200, (delivery.type, delivery.id, answer)
        return outcome(lifecycle.user_id)
    finally:
        db.session.rollback()
        savepoint.rollback()
        db.session.expire_all()


# The pool, shared by the module's tests ----------------------------------------------------------


class Pool:
    """The module's lifecycles and the emulator holding their objects. A plain class, not a
    dataclass: Hypothesis prints a failing example's fixtures, and would print a dataclass field
    by field (every payload), which breaks its replay of the example."""

    def __init__(self, emulator: Emulator, gateway: StripeGateway, lifecycles: list[Lifecycle]):
        self.emulator, self.gateway, self.lifecycles = emulator, gateway, lifecycles

    def __repr__(self) -> str:
        return f"<pool of {len(self.lifecycles)} lifecycles>"


@pytest.fixture(scope="module")
def pool(app):
    """The lifecycles, built once in a transaction of the module's own (rolled back at its end),
    with the emulator behind the app's gateway meanwhile; each with its in-order reference."""
    with app.app_context():
        connection = db.engine.connect()
        transaction = connection.begin()
        original = db.session
        db.session = scoped_session(
            sessionmaker(bind=connection, join_transaction_mode="create_savepoint"),
            scopefunc=_app_ctx_id,
        )
        emulator = Emulator(webhook_secret=app.config["STRIPE_WEBHOOK_SECRET"])
        gateway = StripeGateway.from_config(
            app.config, http_client=emulator.http_client(), max_network_retries=0
        )
        previous = app.extensions.get("payment_gateway")
        app.extensions["payment_gateway"] = gateway
        try:
            stripe = StripeSide(emulator, gateway)
            lifecycles = [Builder(stripe, Lifecycle(seed)).run() for seed in range(LIFECYCLES)]
            lifecycles.sort(key=lambda lifecycle: len(lifecycle.handled))  # simplest first
            created = stripe.in_order([d for lc in lifecycles for d in lc.deliveries])
            position = {delivery.id: n for n, delivery in enumerate(created)}
            for lifecycle in lifecycles:
                assert [position[d.id] for d in lifecycle.deliveries] == sorted(
                    position[d.id] for d in lifecycle.deliveries
                ), "the emulator handed deliveries over out of Stripe's order"
                lifecycle.reference = deliver(lifecycle, lifecycle.deliveries)
            yield Pool(emulator, gateway, lifecycles)
        finally:
            if previous is None:
                app.extensions.pop("payment_gateway", None)
            else:
                app.extensions["payment_gateway"] = previous
            db.session.remove()
            db.session = original
            transaction.rollback()
            connection.close()


@pytest.fixture(autouse=True)
def db_session(pool):
    """The module's transaction instead of one per test (the pool lives in it); each test in a
    savepoint rolled back afterwards."""
    db.session.commit()
    savepoint = db.session.get_bind().begin_nested()
    yield db.session
    db.session.rollback()
    savepoint.rollback()
    db.session.expire_all()


@pytest.fixture(autouse=True)
def stripe_emulator(pool):
    """The pool's emulator, where every re-fetch finds the lifecycles' objects."""
    return pool.emulator


# The tests ---------------------------------------------------------------------------------------


def test_the_pool_covers_every_step(pool):
    """Every kind of step, both intervals, a dispute won and one lost, each in some lifecycle,
    and in-order delivery leaves Stripe's own membership and money."""
    steps = Counter(step[0] for lifecycle in pool.lifecycles for step in lifecycle.steps)
    assert set(steps) == {"subscribe", *WEIGHTS} - {"stop"}, steps
    flat = [step for lifecycle in pool.lifecycles for step in lifecycle.steps]
    assert {step[2] for step in flat if step[0] == "subscribe"} == {"month", "year"}
    assert {step[3] for step in flat if step[0] == "subscribe"} == {"4242", "0259"}
    assert ("change", "year") in {(step[0], step[2]) for step in flat if step[0] == "change"}
    assert {step[1] for step in flat if step[0] == "dispute"} == {"won", "lost"}
    for lifecycle in pool.lifecycles:
        reference = lifecycle.reference
        final = pool.gateway.retrieve_subscription(lifecycle.subscription_id)
        expected = MembershipStatus.LAPSED if final.status == "canceled" else None
        status, _, amount, currency, interval, period_end, *_ = reference.membership
        assert (amount, currency, interval, period_end) == (
            final.amount, final.currency, final.interval, final.current_period_end
        ), lifecycle  # fmt: skip
        assert expected is None or status == expected, lifecycle
        assert reference.payments, lifecycle


def draw_deliveries(data, pool: Pool) -> tuple[Lifecycle, list[Delivery]]:
    """A lifecycle of the pool, 1-3 copies of each of its events, and the order they arrive in.

    The order is a permutation of three slots per event, of which the event's copies take the
    first ones: its length depends on the lifecycle alone, so shrinking the copies leaves the order
    as it was, and the identity permutation is Stripe's own order (each event's copies together).
    """
    lifecycle = pool.lifecycles[
        data.draw(st.integers(0, len(pool.lifecycles) - 1), label="lifecycle")
    ]
    events = lifecycle.handled
    copies = data.draw(
        st.lists(st.integers(1, 3), min_size=len(events), max_size=len(events)), label="copies"
    )
    slots = data.draw(st.permutations(range(3 * len(events))), label="order")
    deliveries = [events[slot // 3] for slot in slots if slot % 3 < copies[slot // 3]]
    note(repr(lifecycle))
    note("delivered: " + ", ".join(f"{events.index(d)}:{d.type}" for d in deliveries))
    return lifecycle, deliveries


@PROFILES[PROFILE]
@given(data=st.data())
def test_any_order_and_any_repeats_end_in_the_same_money(pool, data):
    """Payments (kind, amount, status, refunded, dispute, interval...), refunds, cash by month and
    the membership: the same as in-order delivery of the same lifecycle."""
    lifecycle, deliveries = draw_deliveries(data, pool)
    got = deliver(lifecycle, deliveries)
    assert got.membership == lifecycle.reference.membership
    assert got.payments == lifecycle.reference.payments
    assert got.refunds == lifecycle.reference.refunds
    assert got.cash == lifecycle.reference.cash
