"""Moving in with the outlet's existing supporters: `flask stripe import-subscribers`.

Every subscription Stripe holds is read, of every status, and its customer matched to an account:
the account already linked to that customer, else the account of the customer's email (case aside),
else a new account (signup source "import"). The customer is linked to the account, and the
membership set from the subscription by the transition webhooks use, `membership.apply` of the
snapshot `money.snapshot_of` makes: amount, currency, interval and period end with it. So a
subscription set to cancel at the period's end, which Stripe keeps `active` until then
(https://docs.stripe.com/billing/subscriptions/cancel), leaves a member until that end; past_due,
unpaid, incomplete and canceled ones follow the same table (`membership.stripe_status`). A past_due
subscription's grace period counts from the start of the period whose payment failed, not from the
import.

Unlike an event, an import tells readers nothing (no welcome or cancellation email) and ends no
subscription: an account with more than one live subscription at Stripe is skipped, for staff to
settle there. A membership already as Stripe has it is left untouched, so a second run changes
nothing; each run leaves one audit entry with its counts.
"""

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from flask import current_app
from sqlalchemy import inspect

from ..extensions import db
from ..models import Membership, SignupSource, User
from ..payments import get_gateway
from ..payments.gateway import Customer, ListedSubscription, Subscription
from . import accounts, audit, membership, money
from .second_subscriptions import CHARGING

CAUSE = "imported from stripe"
ACTION = "stripe import"
# The subscription an account's membership follows when Stripe has several for it: one that charges,
# then one that may still recover, then one that ended, then one never paid; the newest within each.
PREFERENCE = ("active", "trialing", "past_due", "unpaid", "paused", "canceled", "incomplete",
              "incomplete_expired")  # fmt: skip
NEVER_PAID = ("incomplete_expired",)  # no account is made for a customer with only these
# What a run compares to tell whether it changed a membership (not when it last looked).
BOOKKEEPING = ("id", "user_id", "snapshot_at", "updated_at")


@dataclass
class Report:
    """What a run did: counts, the subscriptions skipped with their reasons, a line a subscriber."""

    read: int = 0
    created: int = 0
    linked: int = 0
    memberships: int = 0
    unchanged: int = 0
    passed_over: int = 0
    skipped: list[str] = field(default_factory=list)
    lines: list[str] = field(default_factory=list)

    @property
    def changed(self) -> bool:
        return bool(self.created or self.linked or self.memberships)


@dataclass
class _Entry:
    subscription: Subscription
    customer: Customer
    email: str


def import_subscribers() -> Report:
    """Import every Stripe subscription (see the module's docstring); commits account by account,
    after the whole listing was read, so a provider failure (GatewayError) changes nothing."""
    report = Report()
    listed = list(get_gateway().list_subscriptions())
    report.read = len(listed)
    subscribed = {item.customer.id for item in listed if item.customer is not None}
    for key, entries in _by_account(_readable(listed, report)).items():
        _import_account(key, entries, subscribed, report)
        db.session.commit()
    audit.record(None, ACTION, "", subscriptions_read=report.read, accounts_created=report.created,
                 accounts_linked=report.linked, memberships_set=report.memberships,
                 subscriptions_skipped=len(report.skipped))  # fmt: skip
    db.session.commit()
    return report


def _readable(listed: Iterable[ListedSubscription], report: Report) -> Iterable[_Entry]:
    """The subscriptions that can be imported; the others noted as skipped with the reason."""
    for item in listed:
        customer, subscription = item.customer, item.subscription
        if subscription is None:
            report.skipped.append(f"{item.id}: cannot be read ({item.problem})")
        elif customer is None:
            report.skipped.append(f"{item.id}: its customer could not be read")
        elif customer.deleted:
            report.skipped.append(f"{item.id}: its customer {customer.id} was deleted")
        elif not customer.email or "@" not in customer.email:
            report.skipped.append(f"{item.id}: its customer {customer.id} has no email address")
        else:
            yield _Entry(subscription, customer, accounts.normalize_email(customer.email))


def _by_account(entries: Iterable[_Entry]) -> dict[Any, list[_Entry]]:
    """Entries grouped by the account they belong to: the one linked to their customer, else the
    one of their email, else (a new account) their email; newest first within each."""
    groups: dict[Any, list[_Entry]] = {}
    linked: dict[str, User | None] = {}
    for entry in entries:
        customer_id = entry.customer.id
        if customer_id not in linked:
            linked[customer_id] = money.reader_for_customer(customer_id)
        user = linked[customer_id] or accounts.find_user(entry.email)
        groups.setdefault(user.id if user else entry.email, []).append(entry)
    return groups


def _import_account(key: Any, entries: list[_Entry], subscribed: set[str], report: Report) -> None:
    """One account's subscriptions: the account found or made, linked, its membership set."""
    live = [entry.subscription.id for entry in entries if entry.subscription.status in CHARGING]
    if len(live) > 1:
        report.skipped.append(
            f"{', '.join(live)} ({entries[0].email}): {len(live)} live subscriptions for one "
            "reader; end all but one in Stripe, then run the import again"
        )
        return
    chosen = min(entries, key=lambda entry: _rank(entry.subscription))  # min keeps the newest
    subscription, customer_id = chosen.subscription, chosen.subscription.customer_id
    user = db.session.get(User, key) if isinstance(key, int) else None
    notes = []
    if user is not None and user.deleted_at is not None:
        report.skipped.append(f"{subscription.id}: the account linked to {customer_id} was deleted")
        return
    if user is not None and user.stripe_customer_id not in (None, customer_id):
        if user.stripe_customer_id in subscribed:
            report.skipped.append(
                f"{subscription.id} ({user.email}): the account is linked to another customer "
                f"with subscriptions ({user.stripe_customer_id}) than this one's ({customer_id})"
            )
            return
        # A customer without any subscription (a payment started here and left) links nothing
        # Stripe will send events about: the subscriber's customer takes its place.
        notes.append(f"relinked from {user.stripe_customer_id}")
        user.stripe_customer_id = None
    if user is None:
        if all(entry.subscription.status in NEVER_PAID for entry in entries):
            report.skipped.append(
                f"{subscription.id} ({chosen.email}): its first payment never came; no account made"
            )
            return
        try:
            user = accounts.create_user(chosen.email, None, _language(chosen.customer),
                                        source=SignupSource.IMPORT)  # fmt: skip
        except accounts.EmailTaken:
            report.skipped.append(
                f"{subscription.id} ({chosen.email}): another account holds this email"
            )
            return
        report.created += 1
        notes.append("account created")
    elif user.stripe_customer_id is None:
        report.linked += 1
        notes.append(f"linked to {customer_id}")
    user.stripe_customer_id = customer_id
    _set_membership(user, chosen, entries, report, notes)
    for entry in entries:
        if entry is not chosen:
            report.passed_over += 1
            report.lines.append(
                f"{user.email}: {entry.subscription.id} ({entry.subscription.status}) passed "
                f"over: the membership follows {subscription.id}"
            )


def _set_membership(user: User, chosen: _Entry, entries: list[_Entry], report: Report,
                    notes: list[str]) -> None:  # fmt: skip
    """Apply the chosen subscription (after the one the membership followed until now, if Stripe
    lists it, so that its end is known first); undone when it changes nothing."""
    money.lock_membership(user)
    current = user.membership
    before = _state(current)
    status_before = current.status if current is not None else membership.Status.NONE
    nested = db.session.begin_nested()
    if current is not None and current.subscription_id != chosen.subscription.id:
        for entry in entries:
            if entry.subscription.id == current.subscription_id:
                membership.apply(user, money.snapshot_of(entry.subscription), CAUSE)
    after = membership.apply(user, money.snapshot_of(chosen.subscription), CAUSE)
    subscription = chosen.subscription
    described = f"{subscription.id} ({subscription.status}" + (
        ", cancels at period end)" if subscription.cancel_at_period_end else ")"
    )
    if _state(after) == before:
        nested.rollback()  # nothing but the time of the look: keep the rows as they were
        report.unchanged += 1
        notes.append("membership unchanged")
    else:
        nested.commit()
        report.memberships += 1
        notes.append(f"membership {status_before.value} -> {after.status.value}")
        if after.subscription_id != subscription.id:
            notes.append(f"still following {after.subscription_id}")
    report.lines.append(f"{user.email}: {described}: {', '.join(notes)}")


def _state(row: Membership | None) -> dict[str, Any] | None:
    """A membership's values, bookkeeping aside; None without one."""
    if row is None:
        return None
    columns = inspect(Membership).columns
    return {c.key: _comparable(getattr(row, c.key)) for c in columns if c.key not in BOOKKEEPING}


def _comparable(value: Any) -> Any:
    """Datetimes compare alike whether the database gave them back naive (SQLite: UTC) or aware."""
    if isinstance(value, datetime) and value.tzinfo is not None:
        return value.astimezone(UTC).replace(tzinfo=None)
    return value


def _rank(subscription: Subscription) -> int:
    status = subscription.status
    return PREFERENCE.index(status) if status in PREFERENCE else len(PREFERENCE)


def _language(customer: Customer) -> str:
    """The customer's first preferred language the site has, else the site's default."""
    languages = current_app.config["LANGUAGES"]
    for locale in customer.preferred_locales:
        if locale.split("-")[0].lower() in languages:
            return locale.split("-")[0].lower()
    return current_app.config["BABEL_DEFAULT_LOCALE"]
