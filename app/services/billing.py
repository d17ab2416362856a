"""Support payments: start a subscription or gift, fulfil it, manage it, and record money.

Every provider call carries an idempotency key derived from our own ids; a provider failure rolls back
everything of ours from the same request, so nothing is left half-made.
"""

import math
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from babel.numbers import get_currency_precision
from flask import current_app
from sqlalchemy import func, or_, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from ..extensions import db
from ..models import Membership, Payment, PaymentAttempt, RevenueMonth, User
from ..payments import get_gateway
from ..payments.gateway import GatewayError, Subscription
from . import accounts, ledger, membership
from .membership import PAID_WITH_ACCESS, SubscriptionSnapshot

INTERVALS = {"monthly": "month", "annual": "year"}


class SupportRefused(ValueError):
    """A support request we will not send to the provider; `reason` keys the reader's message."""

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True)
class Checkout:
    """What the payment page needs to confirm the payment."""

    attempt_key: str
    client_secret: str
    kind: str
    amount: int
    currency: str
    interval: str | None


# Amounts ------------------------------------------------------------------------------------------


def minimum_amount(currency: str) -> int:
    """One whole unit of the currency (100 cents, 1 yen)."""
    return 10 ** get_currency_precision(currency.upper())


def charge_amount(amount: int, frequency: str, covers_fee: bool, currency: str) -> int:
    """Minor units charged per period: a monthly amount times twelve for annual support, and
    optionally the card fee on top (so the outlet receives the amount the reader chose)."""
    total = amount * 12 if frequency == "annual" else amount
    if covers_fee:
        config = current_app.config
        fixed = config["CARD_FEE_FIXED"] if minimum_amount(currency) == 100 else 0
        total = math.ceil((total + fixed) / (1 - config["CARD_FEE_PERCENT"] / 100))
    return total


# Starting and fulfilling --------------------------------------------------------------------------


def start_support(
    *, user: User | None, email: str | None, amount: int, frequency: str, covers_fee: bool,
    lang: str, ip: str | None, prompt_id: int | None = None,
) -> Checkout:  # fmt: skip
    """Create the subscription (or gift) at the provider, waiting for the reader to confirm it."""
    currency = current_app.config["SUPPORT_CURRENCY"]
    if amount < minimum_amount(currency):
        raise SupportRefused("too_small")
    if user is None:
        if accounts.find_user(email or ""):
            raise SupportRefused("sign_in_first")
        user = accounts.create_user(email or "", None, lang)
        new_account = True
    else:
        new_account = False
    if frequency != "once" and membership.perks_for(user).member and _live_subscription(user):
        raise SupportRefused("already_member")
    if _recent_declines(user, ip) >= current_app.config["DECLINES_BEFORE_PAUSE"]:
        raise SupportRefused("too_many_declines")
    gateway = get_gateway()
    try:
        customer_id = ensure_customer(user, lang)
        if not new_account:
            db.session.commit()  # one customer per reader, ever: keep the link whatever follows
        attempt = PaymentAttempt(
            key=uuid.uuid4().hex, user=user, kind="gift" if frequency == "once" else "subscription",
            amount=charge_amount(amount, frequency, covers_fee, currency), currency=currency,
            interval=INTERVALS.get(frequency), covers_fee=covers_fee, lang=lang, ip=ip,
            prompt_id=prompt_id,
        )  # fmt: skip
        db.session.add(attempt)
        db.session.flush()
        metadata = {"user_key": user.key, "attempt": attempt.key, "kind": attempt.kind}
        if attempt.kind == "gift":
            intent = gateway.create_gift(
                customer_id=customer_id, amount=attempt.amount, currency=currency,
                idempotency_key=f"gift-{attempt.key}", metadata=metadata,
            )  # fmt: skip
            attempt.payment_intent_id, secret = intent.id, intent.client_secret
        else:
            subscription = gateway.create_subscription(
                customer_id=customer_id, amount=attempt.amount, currency=currency,
                interval=attempt.interval, idempotency_key=f"subscription-{attempt.key}",
                metadata=metadata,
            )  # fmt: skip
            attempt.subscription_id, secret = subscription.id, subscription.client_secret
            _apply(user, subscription, "subscription started")
        if new_account:
            accounts.send_set_password_link(user)
        db.session.commit()
    except GatewayError:
        db.session.rollback()
        raise
    ledger.deliver_pending()
    return Checkout(
        attempt.key, secret or "", attempt.kind, attempt.amount, currency, attempt.interval
    )


def client_secret_for(attempt: PaymentAttempt) -> str | None:
    """The secret the payment page confirms, while the payment still waits for the reader."""
    gateway = get_gateway()
    if attempt.subscription_id:
        return gateway.retrieve_subscription(attempt.subscription_id).client_secret
    intent = gateway.retrieve_payment_intent(attempt.payment_intent_id)
    return None if intent.status == "succeeded" else intent.client_secret


def ensure_customer(user: User, lang: str) -> str:
    """The reader's one customer at the provider, created (and stored) the first time."""
    if user.stripe_customer_id is None:
        user.stripe_customer_id = get_gateway().create_customer(
            email=user.email, user_key=user.key, locale=lang, idempotency_key=f"customer-{user.key}"
        )
        db.session.flush()
    return user.stripe_customer_id


def find_attempt(key: str) -> PaymentAttempt | None:
    return db.session.scalar(select(PaymentAttempt).where(PaymentAttempt.key == key))


def fulfil_attempt(attempt: PaymentAttempt) -> str:
    """From the return page: re-fetch what was paid and apply it (idempotent). Returns the attempt's
    state: succeeded, processing or failed."""
    gateway = get_gateway()
    if attempt.kind == "subscription" and attempt.subscription_id:
        subscription = gateway.retrieve_subscription(attempt.subscription_id)
        _apply(attempt.user, subscription, "return from payment")
        if subscription.status in ("active", "trialing"):
            attempt.status = "succeeded"
    elif attempt.payment_intent_id:
        intent = gateway.retrieve_payment_intent(attempt.payment_intent_id)
        if intent.status == "succeeded":
            record_payment(
                attempt.user, kind="gift", payment_intent_id=intent.id,
                charge_id=intent.latest_charge_id, amount=intent.amount,
                currency=intent.currency, status="paid",
            )  # fmt: skip
            attempt.status = "succeeded"
    db.session.commit()
    ledger.deliver_pending()
    return "succeeded" if attempt.status == "succeeded" else (
        "failed" if attempt.status == "failed" else "processing"
    )  # fmt: skip


# Keeping our records in step -----------------------------------------------------------------------


def reader_for_customer(customer_id: str) -> User | None:
    return db.session.scalar(select(User).where(User.stripe_customer_id == customer_id))


def sync_subscription(user: User, subscription_id: str | None, cause: str) -> None:
    """Re-fetch a subscription and apply its current state to the reader's membership."""
    if not subscription_id:
        return
    _lock_membership(user)
    _apply(user, get_gateway().retrieve_subscription(subscription_id), cause)


def record_payment(user: User | None, *, kind: str, amount: int, currency: str, status: str,
                   invoice_id: str | None = None, payment_intent_id: str | None = None,
                   charge_id: str | None = None, subscription_id: str | None = None,
                   failure_code: str | None = None, receipt_url: str | None = None,
                   interval: str | None = None) -> Payment:  # fmt: skip
    """Insert or update a payment keyed by the provider's ids (a later 'paid' wins over 'failed')."""
    keys = [column == value for column, value in (
        (Payment.invoice_id, invoice_id), (Payment.payment_intent_id, payment_intent_id),
        (Payment.charge_id, charge_id)) if value]  # fmt: skip
    payment = db.session.scalar(select(Payment).where(or_(*keys))) if keys else None
    if payment is None:
        payment = Payment(kind=kind, user_id=user.id if user else None, currency=currency)
        db.session.add(payment)
    # Only an unsettled payment changes status here; paid ones move on through refund and dispute
    # events, and a late or repeated delivery never turns them back (nor counts them twice).
    first_paid = status == "paid" and payment.status in (None, "failed")
    if payment.status in (None, "failed"):
        payment.status = status
    payment.amount = amount or payment.amount or 0
    payment.invoice_id = payment.invoice_id or invoice_id
    payment.payment_intent_id = payment.payment_intent_id or payment_intent_id
    payment.charge_id = payment.charge_id or charge_id
    payment.subscription_id = payment.subscription_id or subscription_id
    payment.failure_code = failure_code if status == "failed" else payment.failure_code
    payment.receipt_url = receipt_url or payment.receipt_url
    payment.interval = payment.interval or interval
    db.session.flush()
    if first_paid and kind == "subscription" and payment.interval:
        add_revenue(
            payment.created_at or datetime.now(UTC), payment.interval, currency, payment.amount
        )
    return payment


def add_revenue(paid_at: datetime, interval: str, currency: str, amount: int) -> None:
    """Add a first-time paid subscription payment to its month's running total."""
    add_revenue_rows([{"month": paid_at.date().replace(day=1), "interval": interval,
                       "currency": currency, "amount": amount}])  # fmt: skip


def add_revenue_rows(rows: list[dict]) -> None:
    """Upsert-add several (month, interval, currency, amount) totals."""
    insert = pg_insert if db.session.get_bind().dialect.name == "postgresql" else sqlite_insert
    table = RevenueMonth.__table__
    for row in rows:
        statement = insert(table).values(**row)
        db.session.execute(statement.on_conflict_do_update(
            index_elements=[table.c.month, table.c.interval, table.c.currency],
            set_={"amount": table.c.amount + statement.excluded.amount},
        ))  # fmt: skip


def settle_attempts(*, status: str, subscription_id: str | None = None,
                    payment_intent_id: str | None = None, code: str | None = None) -> None:  # fmt: skip
    """Mark the attempts behind a subscription or payment intent as succeeded or failed."""
    column, value = ((PaymentAttempt.subscription_id, subscription_id) if subscription_id
                     else (PaymentAttempt.payment_intent_id, payment_intent_id))  # fmt: skip
    for attempt in db.session.scalars(select(PaymentAttempt).where(column == value)):
        if attempt.status != "succeeded":
            attempt.status, attempt.failure_code = status, code
    db.session.flush()


def payments_of(user: User) -> list[Payment]:
    return list(db.session.scalars(
        select(Payment).where(Payment.user_id == user.id).order_by(Payment.created_at.desc())
    ))  # fmt: skip


# Members managing their support -------------------------------------------------------------------


def cancel_support(user: User) -> None:
    """Cancel at the end of the paid period (perks last until then)."""
    _set_cancel(user, True, "cancelled by the member")


def resume_support(user: User) -> None:
    _set_cancel(user, False, "resumed by the member")


def change_support(user: User, amount: int, frequency: str) -> None:
    """A new amount or frequency from now on (the provider prorates)."""
    currency = user.membership.currency or current_app.config["SUPPORT_CURRENCY"]
    if amount < minimum_amount(currency):
        raise SupportRefused("too_small")
    subscription_id = _live_subscription_id(user)
    subscription = get_gateway().change_subscription(
        subscription_id, amount=charge_amount(amount, frequency, False, currency),
        currency=currency, interval=INTERVALS[frequency],
        idempotency_key=f"change-{subscription_id}-{uuid.uuid4().hex}",
    )  # fmt: skip
    _apply(user, subscription, "amount changed by the member")
    db.session.commit()
    ledger.deliver_pending()


def start_card_update(user: User) -> str:
    """A SetupIntent client secret for the Payment Element to collect a new card."""
    customer_id = ensure_customer(user, user.language)
    secret = get_gateway().create_setup_intent(
        customer_id=customer_id, idempotency_key=f"setup-{user.key}-{uuid.uuid4().hex}"
    )
    db.session.commit()
    return secret


def _set_cancel(user: User, cancel: bool, cause: str) -> None:
    subscription = get_gateway().set_cancel_at_period_end(_live_subscription_id(user), cancel)
    _apply(user, subscription, cause)
    db.session.commit()
    ledger.deliver_pending()


def _live_subscription(user: User) -> str | None:
    """The id of the subscription that gives the reader access, if any."""
    current = user.membership
    if current and current.subscription_id and current.paid_status in PAID_WITH_ACCESS:
        return current.subscription_id
    return None


def _live_subscription_id(user: User) -> str:
    subscription_id = _live_subscription(user)
    if subscription_id is None:
        raise SupportRefused("no_subscription")
    return subscription_id


def _apply(user: User, subscription: Subscription, cause: str) -> None:
    membership.apply(user, snapshot_of(subscription), cause)


def snapshot_of(subscription: Subscription, at: datetime | None = None) -> SubscriptionSnapshot:
    """Our view of a freshly fetched subscription (newer than anything applied before it)."""
    return SubscriptionSnapshot(
        subscription_id=subscription.id, status=subscription.status,
        created=at or datetime.now(UTC), cancel_at_period_end=subscription.cancel_at_period_end,
        current_period_end=subscription.current_period_end, amount=subscription.amount,
        currency=subscription.currency, interval=subscription.interval,
    )  # fmt: skip


def _lock_membership(user: User) -> None:
    """Serialise concurrent changes to one reader's membership (PostgreSQL row lock)."""
    db.session.execute(select(Membership.id).where(Membership.user_id == user.id).with_for_update())


def _recent_declines(user: User, ip: str | None) -> int:
    since = datetime.now(UTC) - timedelta(minutes=current_app.config["DECLINE_PAUSE_MINUTES"])
    sources = [PaymentAttempt.user_id == user.id] if user.id else []
    if ip:
        sources.append(PaymentAttempt.ip == ip)
    if not sources:
        return 0
    return db.session.scalar(
        select(func.count(PaymentAttempt.id)).where(
            PaymentAttempt.status == "failed", PaymentAttempt.created_at >= since, or_(*sources)
        )
    )
