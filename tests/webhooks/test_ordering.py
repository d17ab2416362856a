"""The ledger is order-free: Stripe's events of a whole membership end in the same records whether
each arrives once in the order Stripe created them, or shuffled and repeated as Stripe may send them.

The lifecycle runs on the Stripe emulator through our own pages and the reader's test clock, with
nothing delivered meanwhile: $1 a month paid on the payment page, a renewal, a card that saves but
fails every charge (4000 0000 0000 0341) put in on the card page, a renewal failing on it, a new
card put in on the card page and charged by Stripe's next retry, cancellation at the period's end on
the account page, and the subscription deleted when the period ends. Then every delivery it caused
is posted to the webhook: for the reference, each event once in the order Stripe created it; for
each seed, on an emulator in shuffle mode, as it shuffled them (each event 1-3 times). Ids differ
from one lifecycle to the next, so records are compared by position and amount.
"""

from dataclasses import dataclass
from datetime import UTC, datetime

import pytest
from sqlalchemy import select

from app.extensions import db
from app.models import Membership, MembershipStatus, Payment
from app.payments.stripe_gateway import StripeGateway
from app.services.metrics import cash_by_month
from stripe_emulator import Emulator
from tests.conftest import Auth, csrf_token
from tests.paying import FAILS_LATER, OK, pay, start
from tests.webhooks.stripe_side import StripeSide

SEEDS = list(range(1, 7))
CARD_PAGE = "/en/account/support/card"


@dataclass(frozen=True)
class Outcome:
    """What one lifecycle's deliveries left, in values comparable across lifecycles."""

    types: list[str]  # the events delivered, each at its first delivery
    deliveries: int  # how many deliveries there were (repeats included)
    membership: tuple  # status, amount, currency, interval, period end
    stripe: tuple  # the same, as Stripe's final subscription has them
    payments: list[tuple]  # invoice's position, kind, amount, status, amount refunded, interval
    revenue: list[tuple]  # month, interval, currency, amount


def _aware(moment):
    return moment if moment is None or moment.tzinfo else moment.replace(tzinfo=UTC)


@pytest.fixture
def run_lifecycle(app, make_user, post):
    """Run the lifecycle on `emulator` (installed behind the app's gateway meanwhile), post its
    deliveries in the order the emulator hands them over, and read the outcome."""

    def run(emulator: Emulator) -> Outcome:
        gateway = StripeGateway.from_config(
            app.config, http_client=emulator.http_client(), max_network_retries=0
        )
        previous = app.extensions["payment_gateway"]
        app.extensions["payment_gateway"] = gateway
        try:
            return _lifecycle(app, StripeSide(emulator, gateway), make_user, post)
        finally:
            app.extensions["payment_gateway"] = previous

    return run


def _lifecycle(app, stripe: StripeSide, make_user, post) -> Outcome:
    user = make_user()
    browser = app.test_client()  # no emulator attached: Stripe's deliveries wait in its queue
    Auth(browser).login()

    def stripe_status():
        return stripe.gateway.retrieve_subscription(subscription).status

    done = pay(browser, stripe.emulator, start(browser).headers["Location"])
    assert "Welcome, member!" in done.response.get_data(as_text=True)
    db.session.expire_all()
    customer, subscription = user.stripe_customer_id, user.membership.subscription_id
    stripe.renew(customer, subscription)
    assert pay(browser, stripe.emulator, CARD_PAGE, FAILS_LATER).response.status_code == 302
    stripe.renew(customer, subscription)
    assert stripe_status() == "past_due"
    assert pay(browser, stripe.emulator, CARD_PAGE, OK).response.status_code == 302
    stripe.advance(customer, days=1)  # Stripe's first retry, on the new card
    assert stripe_status() == "active"
    browser.post("/en/account/support/cancel",
                 data={"csrf_token": csrf_token(browser, "/en/account")})  # fmt: skip
    stripe.renew(customer, subscription)
    assert stripe_status() == "canceled"

    deliveries = stripe.deliveries()
    if not stripe.emulator.shuffle:  # the ordinary emulator: each event once, as Stripe made them
        assert [d.id for d in deliveries] == [d.id for d in stripe.in_order(deliveries)]
    for delivery in deliveries:
        response = post(delivery)
        assert response.status_code == 200, (delivery.type, response.status_code)

    db.session.expire_all()
    final = stripe.gateway.retrieve_subscription(subscription)
    member = db.session.scalar(select(Membership).where(Membership.user_id == user.id))
    # Stripe lists invoices newest first: position 0 is the first invoice
    invoices = [invoice.id for invoice in reversed(stripe.gateway.list_invoices(customer))]
    payments = db.session.scalars(select(Payment).where(Payment.user_id == user.id)).all()
    position = {invoice_id: n for n, invoice_id in enumerate(invoices)}
    return Outcome(
        types=list(dict.fromkeys(delivery.type for delivery in deliveries)),
        deliveries=len(deliveries),
        membership=_plan(member.status, member, member.current_period_end),
        stripe=_plan(MembershipStatus.LAPSED, final, final.current_period_end),
        payments=sorted(_money(payment, position) for payment in payments),
        revenue=revenue(),
    )


def revenue() -> list[tuple]:
    """Cash collected per month, plan and currency (payments less refunds and disputes)."""
    totals: dict[tuple, int] = {}
    for month, interval, currency, amount in cash_by_month(datetime(2000, 1, 1, tzinfo=UTC)):
        totals[month, interval, currency] = totals.get((month, interval, currency), 0) + amount
    return sorted((*key, amount) for key, amount in totals.items())


def _plan(status, plan, period_end) -> tuple:
    return (status, plan.amount, plan.currency, plan.interval, _aware(period_end))


def _money(p: Payment, position: dict[str, int]) -> tuple:
    """A payment by its invoice's position (-1: none) and amounts."""
    return (position.get(p.invoice_id, -1), p.kind, p.amount, p.status, p.amount_refunded,
            p.interval)  # fmt: skip


# Computed once and kept as plain values: the in-order reference for every seed, and each seed's
# outcome for both of its tests.
_OUTCOMES: dict[int | None, Outcome] = {}


@pytest.fixture
def in_order(app, run_lifecycle) -> Outcome:
    """The lifecycle with every event delivered once, in the order Stripe created them (the
    emulator's ordinary delivery), in a savepoint rolled back afterwards."""
    if None not in _OUTCOMES:
        db.session.commit()
        savepoint = db.session.get_bind().begin_nested()
        try:
            emulator = Emulator(webhook_secret=app.config["STRIPE_WEBHOOK_SECRET"])
            _OUTCOMES[None] = run_lifecycle(emulator)
        finally:
            db.session.rollback()
            savepoint.rollback()
            db.session.expire_all()
    return _OUTCOMES[None]


@pytest.fixture
def shuffled(app, run_lifecycle, in_order, seed) -> Outcome:
    """The lifecycle on an emulator in shuffle mode: every event 1-3 times, in a shuffled order."""
    if seed not in _OUTCOMES:
        emulator = Emulator(
            shuffle=True, seed=seed, webhook_secret=app.config["STRIPE_WEBHOOK_SECRET"]
        )
        _OUTCOMES[seed] = run_lifecycle(emulator)
    return _OUTCOMES[seed]


@pytest.mark.parametrize("seed", SEEDS)
def test_membership_is_the_same_in_any_order(in_order, shuffled, seed):
    """Status, plan and period end: exactly what Stripe's subscription says, in either order."""
    assert sorted(shuffled.types) == sorted(in_order.types)  # the same events...
    assert shuffled.types != in_order.types  # ...in another order...
    assert shuffled.deliveries > len(shuffled.types)  # ...some of them repeated
    assert in_order.membership == in_order.stripe
    assert shuffled.membership == shuffled.stripe
    assert shuffled.membership[:4] == in_order.membership[:4] == (
        MembershipStatus.LAPSED, 100, "usd", "month"
    )  # fmt: skip


@pytest.mark.parametrize("seed", SEEDS)
def test_money_is_the_same_in_any_order(in_order, shuffled, seed):
    """Three paid $1 payments (the first, the renewal, the failed renewal recovered) and $3 of
    monthly cash collected, each in the month Stripe charged it, whatever the order."""
    assert in_order.payments == [
        (position, "subscription", 100, "paid", 0, "month") for position in range(3)
    ]
    assert sum(row[3] for row in in_order.revenue) == 300
    assert {row[1:3] for row in in_order.revenue} == {("month", "usd")}
    assert shuffled.payments == in_order.payments
    assert shuffled.revenue == in_order.revenue


# Money that follows a charge ----------------------------------------------------------------------


def _money_after(post, deliveries, user_id: int) -> tuple[list[tuple], list[tuple]]:
    """Post `deliveries` in a savepoint rolled back afterwards; the reader's payments (amount,
    status, amount refunded) and the revenue rows (interval, currency, amount) they left."""
    db.session.commit()
    savepoint = db.session.get_bind().begin_nested()
    try:
        for delivery in deliveries:
            response = post(delivery)
            assert response.status_code == 200, (delivery.type, response.status_code)
        db.session.expire_all()
        payments = db.session.scalars(select(Payment).where(Payment.user_id == user_id)).all()
        return (
            sorted((p.amount, p.status, p.amount_refunded) for p in payments),
            [(interval, currency, amount) for _, interval, currency, amount in revenue()],
        )  # fmt: skip
    finally:
        db.session.rollback()
        savepoint.rollback()
        db.session.expire_all()


def test_partial_refunds_are_the_same_in_any_order(post, stripe_side, subscriber):
    """$1 paid, then refunded 30¢ and 20¢ by staff: one paid payment with 50¢ refunded and 50¢ of
    cash collected, whether Stripe's events arrive in the order it created them or the other way
    round (each refund event re-fetches the charge; a refund arriving before `invoice.paid` records
    the invoice's payment from Stripe's own objects)."""
    subscription = stripe_side.subscribe(subscriber.stripe_customer_id)
    invoice = stripe_side.gateway.retrieve_subscription(subscription).latest_invoice_id
    charge = stripe_side.gateway.retrieve_invoice(invoice).charge_id
    stripe_side.refund(charge, 30)
    stripe_side.refund(charge, 20)
    deliveries = stripe_side.deliveries()  # the ordinary emulator: in the order of creation
    assert [d.object["amount_refunded"] for d in deliveries.of("charge.refunded")] == [30, 50]
    by_order = _money_after(post, deliveries, subscriber.id)
    assert by_order == ([(100, "paid", 50)], [("month", "usd", 50)])
    assert _money_after(post, deliveries[::-1], subscriber.id) == by_order
