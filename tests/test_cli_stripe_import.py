"""`flask stripe import-subscribers`: the outlet's existing Stripe subscriptions moved in, on the
emulator through the real SDK (the subscriptions made as another system made them: plain customers
and subscriptions, none of our metadata)."""

import uuid
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select

from app.extensions import db
from app.models import (
    AuditEntry,
    Membership,
    MembershipChange,
    MembershipStatus,
    SignupSource,
    User,
)
from app.payments import get_gateway
from app.services import accounts, membership, money
from stripe_emulator import testing
from tests.paying import OK

Status = MembershipStatus
FAILS_LATER = "4000000000000341"  # attaches, then every charge fails (Stripe's test card)
DAY = timedelta(days=1)


class OldSystem:
    """What the outlet's previous system left at Stripe, made through the real SDK."""

    def __init__(self, emulator) -> None:
        self.emulator = emulator
        self.gateway = get_gateway()
        self.client = self.gateway.client
        self._product = False

    def customer(self, email: str | None, clock: str | None = None, **extra) -> str:
        params = {"email": email, **extra} if email else dict(extra)
        if clock:
            params["test_clock"] = clock
        return self.client.v1.customers.create(params=params).id

    def clock(self, ago: timedelta = timedelta(0)) -> str:
        """A test clock at now less `ago` (Stripe's clocks may start in the past:
        https://docs.stripe.com/api/test_clocks/object)."""
        start = int((datetime.now(UTC) - ago).timestamp())
        return self.client.v1.test_helpers.test_clocks.create(params={"frozen_time": start}).id

    def subscribe(self, customer_id: str, amount: int = 500, interval: str = "month",
                  paid: bool = True) -> str:  # fmt: skip
        if not self._product:
            self.client.v1.products.create(params={"id": "legacy", "name": "Old membership"})
            self._product = True
        subscription = self.client.v1.subscriptions.create(params={
            "customer": customer_id,
            "items": [{"price_data": {"currency": "usd", "product": "legacy", "unit_amount": amount,
                                      "recurring": {"interval": interval}}}],
            "payment_behavior": "default_incomplete",
            "payment_settings": {"save_default_payment_method": "on_subscription"},
        })  # fmt: skip
        if paid:
            invoice = self.client.v1.invoices.retrieve(
                str(subscription.latest_invoice), params={"expand": ["confirmation_secret"]}
            )
            secret = invoice.confirmation_secret.client_secret
            result = testing.confirm_payment(self.emulator, secret, card_number=OK,
                                             publishable_key=self.gateway.publishable_key)  # fmt: skip
            assert result["status"] == "succeeded", result
        return subscription.id

    def cancel_at_period_end(self, subscription_id: str) -> None:
        self.client.v1.subscriptions.update(subscription_id, params={"cancel_at_period_end": True})

    def cancel(self, subscription_id: str) -> None:
        self.client.v1.subscriptions.cancel(subscription_id)

    def failing_card(self, customer_id: str, subscription_id: str) -> None:
        card = testing.create_card(self.emulator, FAILS_LATER,
                                   publishable_key=self.gateway.publishable_key)  # fmt: skip
        self.client.v1.payment_methods.attach(card, params={"customer": customer_id})
        self.client.v1.subscriptions.update(subscription_id,
                                            params={"default_payment_method": card})  # fmt: skip

    def advance(self, clock: str, by: timedelta) -> None:
        current = self.client.v1.test_helpers.test_clocks.retrieve(clock).frozen_time
        moment = int(current + by.total_seconds())
        self.client.v1.test_helpers.test_clocks.advance(clock, params={"frozen_time": moment})
        self.emulator.settle()

    def status(self, subscription_id: str) -> str:
        return self.client.v1.subscriptions.retrieve(subscription_id).status

    def statuses(self) -> dict[str, tuple[str, bool]]:
        """Every subscription's status and cancel_at_period_end, by id."""
        listing = self.client.v1.subscriptions.list(params={"status": "all", "limit": 100})
        return {s.id: (s.status, s.cancel_at_period_end) for s in listing.auto_paging_iter()}


@pytest.fixture
def old(stripe_emulator):
    return OldSystem(stripe_emulator)


@pytest.fixture
def run_import(runner):
    def run(*args):
        result = runner.invoke(args=["stripe", "import-subscribers", *args])
        assert result.exit_code == 0, result.output
        return result.output

    return run


def summary(created=0, linked=0, memberships=0, unchanged=0, passed_over=0, skipped=0, read=None):
    read = read if read is not None else (memberships + unchanged + passed_over + skipped)
    return (
        f"{read} subscriptions read: {created} accounts created, {linked} existing accounts "
        f"linked, {memberships} memberships set, {unchanged} unchanged, {passed_over} older "
        f"subscriptions passed over, {skipped} skipped."
    )


def account(email: str) -> User:
    user = accounts.find_user(email)
    assert user is not None, email
    return user


def everything() -> list[tuple]:
    """Every account, membership and history row as stored: what a run must leave alone."""
    db.session.expire_all()
    users = db.session.execute(
        select(User.id, User.email, User.stripe_customer_id, User.signup_source).order_by(User.id)
    ).all()
    rows = db.session.scalars(select(Membership).order_by(Membership.id)).all()
    memberships = [tuple(getattr(row, c.key) for c in Membership.__table__.columns) for row in rows]
    changes = db.session.scalar(select(func.count(MembershipChange.id)))
    return [*users, *memberships, changes]


def test_a_few_hundred_subscribers_imported_then_nothing_changes(run_import, old, make_user,
                                                                 stripe_emulator):  # fmt: skip
    """~300 subscriptions over several pages: accounts made or linked by email whatever its case,
    memberships as the subscriptions say (cancelling at period end still a member), and a second
    run changes nothing and says so."""
    existing = [make_user(f"reader{n}@example.org") for n in range(20)]
    legacy = [old.customer(f"Reader{n}@Example.ORG") for n in range(len(existing))]
    for customer in legacy:
        old.subscribe(customer, amount=700)
    actives = [f"active{n}@example.net" for n in range(220)]
    for n, email in enumerate(actives):
        interval = "year" if n % 10 == 0 else "month"
        old.subscribe(old.customer(email), amount=300 + n, interval=interval)
    ending = [f"ending{n}@example.net" for n in range(10)]
    for email in ending:
        old.cancel_at_period_end(old.subscribe(old.customer(email)))
    gone = [f"gone{n}@example.net" for n in range(25)]
    for email in gone:
        old.cancel(old.subscribe(old.customer(email)))
    waiting = [f"waiting{n}@example.net" for n in range(10)]
    for email in waiting:
        old.subscribe(old.customer(email), paid=False)
    nameless = old.subscribe(old.customer(None, name="No Email"))
    at_stripe = old.statuses()
    stripe_emulator.requests.clear()

    output = run_import()

    total = 20 + 220 + 10 + 25 + 10 + 1
    new = 220 + 10 + 25 + 10
    assert summary(created=new, linked=20, memberships=total - 1, skipped=1) in output
    assert f"skipped   {nameless}: its customer" in output and "has no email address" in output
    listings = [params for method, path, params in stripe_emulator.requests
                if method == "GET" and path == "/v1/subscriptions"]  # fmt: skip
    assert len(listings) == 3  # 100 a page, cursor after the last one seen
    assert listings[0]["status"] == "all" and "starting_after" not in listings[0]
    assert all(page.get("starting_after") for page in listings[1:])

    for user, customer in zip(existing, legacy, strict=True):
        db.session.refresh(user)
        assert user.signup_source == SignupSource.REGISTER
        assert user.stripe_customer_id == customer and user.membership.status == Status.ACTIVE
        assert user.membership.amount == 700
    annual = account(actives[0])
    assert annual.signup_source == SignupSource.IMPORT and annual.password_hash is None
    assert (annual.membership.status, annual.membership.amount, annual.membership.currency,
            annual.membership.interval) == (Status.ACTIVE, 300, "usd", "year")  # fmt: skip
    assert account(actives[1]).membership.interval == "month"
    for email in ending:
        user = account(email)
        assert user.membership.status == Status.ENDING
        period_end = user.membership.current_period_end.replace(tzinfo=UTC)
        assert period_end > datetime.now(UTC) + 25 * DAY
        assert membership.perks_for(user).member
    for email in gone:
        assert account(email).membership.status == Status.LAPSED
        assert not membership.perks_for(account(email)).member
    for email in waiting:
        assert account(email).membership.status == Status.PENDING
    assert [line for line in output.splitlines() if "@" in line and "skipped" not in line] == []
    assert old.statuses() == at_stripe  # the import changed nothing at Stripe

    before = everything()
    again = run_import("--verbose")
    assert summary(unchanged=total - 1, skipped=1) in again
    assert "Nothing changed" in again
    assert f"{actives[5]}: " in again and "membership unchanged" in again
    assert everything() == before
    runs = db.session.scalars(select(AuditEntry).where(AuditEntry.action == "stripe import")).all()
    assert [run.details["accounts_created"] for run in runs] == [new, 0]


def test_an_account_of_the_same_email_is_linked_not_duplicated(run_import, old, make_user):
    """The customer's email matches the account's whatever its case; the account keeps its
    password and source, and gains the customer."""
    user = make_user("mixed@example.org")
    customer = old.customer("  MiXeD@Example.org ")
    old.subscribe(customer, amount=1200, interval="year")
    output = run_import("--verbose")
    assert summary(linked=1, memberships=1) in output
    assert "mixed@example.org: " in output and f"linked to {customer}" in output
    db.session.refresh(user)
    assert user.stripe_customer_id == customer and user.password_hash
    assert db.session.scalar(select(func.count(User.id))) == 1
    assert (user.membership.status, user.membership.amount) == (Status.ACTIVE, 1200)


def test_past_due_unpaid_and_never_paid(run_import, old, make_user, stripe_emulator):
    """past_due keeps the member through the grace period; unpaid lapses; a subscription whose
    first payment never came makes no account, but still links an existing one."""
    clock = old.clock()
    late = old.customer("late@example.net", clock)
    late_subscription = old.subscribe(late)
    old.failing_card(late, late_subscription)
    expired_customer = old.customer("expired@example.net", clock)
    old.subscribe(expired_customer, paid=False)
    make_user("known@example.net")
    known_customer = old.customer("known@example.net", clock)
    old.subscribe(known_customer, paid=False)
    old.advance(clock, 32 * DAY)
    assert old.status(late_subscription) == "past_due"
    stripe_emulator.store.after_retries = "unpaid"
    clock2 = old.clock()
    broke = old.customer("broke@example.net", clock2)
    broke_subscription = old.subscribe(broke)
    old.failing_card(broke, broke_subscription)
    old.advance(clock2, 32 * DAY)
    old.advance(clock2, 9 * DAY)
    assert old.status(broke_subscription) == "unpaid"

    output = run_import()

    assert summary(created=2, linked=1, memberships=3, skipped=1) in output
    assert "its first payment never came; no account made" in output
    assert accounts.find_user("expired@example.net") is None
    late_user = account("late@example.net")
    assert late_user.membership.status == Status.PAST_DUE
    perks = membership.perks_for(late_user)
    assert perks.member and perks.update_card_notice
    assert account("broke@example.net").membership.status == Status.LAPSED
    known = account("known@example.net")
    assert known.stripe_customer_id == known_customer
    assert known.membership.status == Status.NONE
    assert summary(unchanged=3, skipped=1) in run_import()


def test_a_subscriber_long_past_due_gets_no_fresh_grace_period(run_import, old, app):
    """Past due since its renewal ten days ago (a test clock started in the past): the grace
    period counts from that renewal, not from the import, so it is over and the perks with it."""
    grace = timedelta(days=app.config["MEMBERSHIP_GRACE_DAYS"])
    clock = old.clock(ago=40 * DAY)
    late = old.customer("long-late@example.net", clock)
    subscription = old.subscribe(late)
    old.failing_card(late, subscription)
    old.advance(clock, 32 * DAY)  # renewed (and failed) on day 30 or 31: 9 or 10 days ago
    assert old.status(subscription) == "past_due"

    run_import()

    reader = account("long-late@example.net")
    assert reader.membership.status == Status.PAST_DUE
    renewed = reader.membership.grace_until.replace(tzinfo=UTC) - grace
    assert timedelta(days=8) < datetime.now(UTC) - renewed < timedelta(days=11)
    perks = membership.perks_for(reader)
    assert not perks.member and perks.update_card_notice


def test_the_membership_follows_the_live_subscription(run_import, old):
    """Of a reader's old canceled subscription and the current one (on two customers of one email),
    the membership follows the current one, and the account is linked to its customer."""
    first = old.customer("twice@example.net")
    old.cancel(old.subscribe(first, amount=300))
    second = old.customer("Twice@example.net")
    current = old.subscribe(second, amount=900)
    output = run_import("--verbose")
    assert summary(created=1, memberships=1, passed_over=1) in output
    assert f"passed over: the membership follows {current}" in output
    user = account("twice@example.net")
    assert user.stripe_customer_id == second
    assert (user.membership.subscription_id, user.membership.amount) == (current, 900)
    assert user.membership.status == Status.ACTIVE


def test_two_live_subscriptions_are_left_for_staff(run_import, old):
    """A reader with two live subscriptions is skipped with the reason; neither is ended."""
    customer = old.customer("double@example.net")
    one, two = old.subscribe(customer), old.subscribe(customer)
    output = run_import()
    assert "2 live subscriptions for one reader" in output
    assert summary(skipped=1, read=2) in output
    assert accounts.find_user("double@example.net") is None
    assert (old.status(one), old.status(two)) == ("active", "active")


def test_deleted_customers_are_skipped(run_import, old):
    """A customer deleted at Stripe (its subscriptions canceled) makes no account."""
    customer = old.customer("deleted@example.net")
    subscription = old.subscribe(customer)
    old.client.v1.customers.delete(customer)
    output = run_import()
    assert f"skipped   {subscription}: its customer {customer} was deleted" in output
    assert accounts.find_user("deleted@example.net") is None


def test_subscribers_already_here_are_unchanged(run_import, old, make_user):
    """An account whose subscription our own pages made (customer linked, membership synced) is
    left as it is."""
    user = make_user("ours@example.org")
    customer = old.customer(user.email)
    user.stripe_customer_id = customer
    subscription = old.subscribe(customer)
    money.sync_subscription(user, subscription, "reconciliation")
    db.session.commit()
    before = everything()
    output = run_import()
    assert summary(unchanged=1) in output and "Nothing changed" in output
    assert everything() == before


def test_an_account_linked_to_another_customer(run_import, old, make_user):
    """An account linked to a customer with subscriptions of its own is skipped with the reason;
    one linked to a customer without any takes the subscriber's customer."""
    busy = make_user("busy@example.org")
    busy.stripe_customer_id = old.customer(busy.email)
    old.cancel(old.subscribe(busy.stripe_customer_id))
    idle = make_user("idle@example.org")
    idle.stripe_customer_id = old.customer(idle.email)
    db.session.commit()
    legacy_busy = old.customer("BUSY@example.org")
    old.subscribe(legacy_busy)
    legacy_idle = old.customer("IDLE@example.org")
    old.subscribe(legacy_idle)
    output = run_import()
    assert "the account is linked to another customer with subscriptions" in output
    db.session.refresh(idle)
    assert idle.stripe_customer_id == legacy_idle
    assert idle.membership.status == Status.ACTIVE
    db.session.refresh(busy)
    assert busy.stripe_customer_id != legacy_busy


def test_webhooks_follow_an_imported_subscription(run_import, old, client, stripe_emulator):
    """Once imported, the subscriber's customer is linked: Stripe's events about the subscription
    move the membership as for any member."""
    subscription = old.subscribe(old.customer("later@example.net"))
    stripe_emulator.drain_deliveries()  # sent to the old system, never to us
    run_import()
    assert account("later@example.net").membership.status == Status.ACTIVE
    old.cancel_at_period_end(subscription)
    client.deliver_webhooks()
    db.session.expire_all()
    assert account("later@example.net").membership.status == Status.ENDING


def test_nothing_is_imported_when_stripe_fails(runner, old, stripe_emulator):
    """A provider failure while listing fails the command and changes nothing."""
    old.subscribe(old.customer(f"{uuid.uuid4().hex}@example.net"))
    stripe_emulator.faults.fail_next(1, kind="500")
    result = runner.invoke(args=["stripe", "import-subscribers"])
    assert result.exit_code != 0 and "Nothing was imported" in result.output
    assert db.session.scalar(select(func.count(User.id))) == 0


def test_an_erased_account_is_not_made_again(run_import, old, make_user):
    """A customer still linked to an account its reader deleted brings no account back."""
    user = make_user("erased@example.org")
    user.stripe_customer_id = old.customer(user.email)
    db.session.commit()
    old.subscribe(user.stripe_customer_id)
    accounts.delete_account(user)
    output = run_import()
    assert f"the account linked to {user.stripe_customer_id} was deleted" in output
    assert accounts.find_user("erased@example.org") is None
    assert db.session.scalar(select(func.count(User.id))) == 1
