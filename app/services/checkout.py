"""Paying: start a subscription or a one-time donation, find the reader's pending payment again, and
fulfil what was paid from the return page, telling the truth about it.

Every Stripe call carries an idempotency key derived from the intent (the reader, the plan, the
generation); a Stripe failure rolls back everything of ours from the same request, so nothing is
left half-made.
"""

import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from flask import current_app
from sqlalchemy import func, or_, select
from sqlalchemy.orm import aliased

from .. import currency as money_units
from ..extensions import db
from ..models import (
    Article,
    AttemptStatus,
    PaymentAttempt,
    PaymentKind,
    PaymentStatus,
    SignupSource,
    User,
)
from ..payments import get_gateway
from ..payments.gateway import GatewayError
from ..payments.stripe_convert import intent_id_of
from . import accounts, ledger, membership, money, notices, prompt_tests

INTERVALS = {"monthly": "month", "annual": "year"}
INCOMPLETE_WINDOW = timedelta(hours=23)
PAID_WITH_ACCESS = membership.PAID_WITH_ACCESS


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
    new_account: bool = False  # the reader's account was made for this payment


# Amounts ------------------------------------------------------------------------------------------
# The units, limits and fee arithmetic live in app/currency.py; these two keep their names here
# for the services that pay and change support.


def minimum_amount(currency: str) -> int:
    """One whole unit of the currency (100 cents, 1 yen)."""
    return money_units.minimum_amount(currency)


def check_amount(amount: int, frequency: str, currency: str) -> None:
    """Refuse an amount below the minimum or above the maximum (`SupportRefused`), before
    anything is written or sent to the provider."""
    reason = money_units.refusal(amount, frequency, currency)
    if reason:
        raise SupportRefused(reason)


def charge_amount(amount: int, frequency: str, covers_fee: bool, currency: str) -> int:
    """Minor units charged per period (twelve months at once for annual support, the card fee on
    top when the reader covers it), for an amount within the limits; `SupportRefused` otherwise,
    so no caller can send the provider an amount we would not take."""
    check_amount(amount, frequency, currency)
    return money_units.charge_amount(amount, frequency, covers_fee, currency)


# Starting and fulfilling --------------------------------------------------------------------------


def start_support(
    *, user: User | None, email: str | None, amount: int, frequency: str, covers_fee: bool,
    lang: str, ip: str | None, prompt_id: int | None = None, article_id: int | None = None,
    variant_id: int | None = None,
) -> Checkout:  # fmt: skip
    """Create the subscription (or donation) at the provider, waiting for the reader to confirm it.
    The prompt clicked and the article it was under stay on the attempt (and the membership), and
    the variant of the prompt's running test that the reader was shown, on the attempt."""
    currency = current_app.config["SUPPORT_CURRENCY"]
    check_amount(amount, frequency, currency)
    if user is None:
        if accounts.find_user(email or ""):
            raise SupportRefused("sign_in_first")
        user = accounts.create_user(email or "", None, lang, source=SignupSource.SUPPORT_FORM)
        new_account = True
    else:
        new_account = False
    if frequency != "once" and membership.perks_for(user).member and live_subscription(user):
        raise SupportRefused("already_member")
    if _recent_declines(user, ip) >= current_app.config["DECLINES_BEFORE_PAUSE"]:
        raise SupportRefused("too_many_declines")
    gateway = get_gateway()
    kind = PaymentKind.DONATION if frequency == "once" else PaymentKind.SUBSCRIPTION
    total, interval = (
        charge_amount(amount, frequency, covers_fee, currency),
        INTERVALS.get(frequency),
    )
    try:
        customer_id = ensure_customer(user, lang)
        if not new_account:
            db.session.commit()  # one customer per reader, ever: keep the link whatever follows
            money.lock_reader(user)  # a second tab waits here, then finds the first one's attempt
            pending = _reusable_attempt(user, kind, total, currency, interval)
            if pending is not None:
                db.session.commit()
                return pending
        generation = _attempts_for_plan(user, kind, total, currency, interval)
        attempt = PaymentAttempt(
            key=uuid.uuid4().hex, user=user, kind=kind, amount=total, currency=currency,
            interval=interval, covers_fee=covers_fee, lang=lang, ip=ip, prompt_id=prompt_id,
            article_id=article_id if article_id and db.session.get(Article, article_id) else None,
            variant_id=prompt_tests.attributed_variant(variant_id, prompt_id),
        )  # fmt: skip
        db.session.add(attempt)
        db.session.flush()
        # Keys from the intent, not from this request: the same reader, plan and generation
        # always name the same Stripe object, so a retried or doubled request makes no second one.
        plan = f"{user.key}-{total}{currency}-{interval or 'once'}-{generation}"
        metadata = {"user_key": user.key, "kind": attempt.kind}
        if attempt.kind == PaymentKind.DONATION:
            intent = gateway.create_donation(
                customer_id=customer_id, amount=attempt.amount, currency=currency,
                idempotency_key=f"donation-{plan}", metadata=metadata,
            )  # fmt: skip
            attempt.payment_intent_id, secret = intent.id, intent.client_secret
        else:
            subscription = gateway.create_subscription(
                customer_id=customer_id, amount=attempt.amount, currency=currency,
                interval=attempt.interval, idempotency_key=f"subscription-{plan}",
                metadata=metadata,
            )  # fmt: skip
            attempt.subscription_id, secret = subscription.id, subscription.client_secret
            money.apply_subscription(user, subscription, "subscription started")
            user.membership.article_id, user.membership.prompt_id = attempt.article_id, prompt_id
        if new_account:
            accounts.send_set_password_link(user)
        db.session.commit()
    except GatewayError:
        db.session.rollback()
        raise
    # Stripe may have delivered this customer's first events before the link above committed.
    ledger.apply_parked(customer_id)
    return Checkout(
        attempt.key, secret or "", attempt.kind, attempt.amount, currency, attempt.interval,
        new_account=new_account,
    )  # fmt: skip


def _reusable_attempt(
    user: User, kind: str, amount: int, currency: str, interval: str | None
) -> Checkout | None:
    """The reader's attempt at this very plan that can still be paid, if any: a second tab, a
    retry after a decline and the back button all land on the same payment. Stripe lets an
    incomplete subscription wait 23 hours for its first payment
    (https://docs.stripe.com/billing/subscriptions/overview#payment-window)."""
    since = datetime.now(UTC) - INCOMPLETE_WINDOW
    candidates = db.session.scalars(
        select(PaymentAttempt).where(
            PaymentAttempt.user_id == user.id, PaymentAttempt.kind == kind,
            PaymentAttempt.amount == amount, PaymentAttempt.currency == currency,
            PaymentAttempt.interval.is_(None) if interval is None else PaymentAttempt.interval == interval,
            PaymentAttempt.status.in_([AttemptStatus.STARTED, AttemptStatus.FAILED]),
            PaymentAttempt.created_at >= since,
        ).order_by(PaymentAttempt.id.desc()).limit(1)
    ).all()  # fmt: skip
    for attempt in candidates:
        secret = client_secret_for(attempt)
        if secret:
            return Checkout(attempt.key, secret, attempt.kind, attempt.amount, attempt.currency,
                            attempt.interval)  # fmt: skip
    return None


def _attempts_for_plan(
    user: User, kind: str, amount: int, currency: str, interval: str | None
) -> int:
    """How many payments of this plan the reader has started before (the idempotency generation)."""
    return db.session.scalar(
        select(func.count(PaymentAttempt.id)).where(
            PaymentAttempt.user_id == user.id, PaymentAttempt.kind == kind,
            PaymentAttempt.amount == amount, PaymentAttempt.currency == currency,
            PaymentAttempt.interval.is_(None) if interval is None else PaymentAttempt.interval == interval,
        )
    )  # fmt: skip


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
    """The attempt with this key, if any."""
    return db.session.scalar(select(PaymentAttempt).where(PaymentAttempt.key == key))


def fulfil_attempt(attempt: PaymentAttempt) -> str:
    """From the return page: re-fetch what was paid and apply it (idempotent), and tell the truth
    about the payment by asking its payment intent. Returns what the page shows:

    - succeeded: paid and applied;
    - processing: Stripe is still settling it (or its events are on their way);
    - failed: declined or not authenticated; the same payment can be tried again;
    - unpaid: nothing confirmed yet (abandoned, or 3-D Secure pending): back to the payment page;
    - expired: abandoned until Stripe's window closed; a new payment must be started.
    """
    gateway = get_gateway()
    intent = None
    if attempt.kind == PaymentKind.SUBSCRIPTION and attempt.subscription_id:
        subscription = gateway.retrieve_subscription(attempt.subscription_id)
        money.apply_subscription(attempt.user, subscription, "return from payment")
        if subscription.status in ("active", "trialing", "past_due"):
            money.settle_attempt(attempt, AttemptStatus.SUCCEEDED)
        elif subscription.client_secret:
            intent = gateway.retrieve_payment_intent(intent_id_of(subscription.client_secret))
    elif attempt.payment_intent_id and attempt.kind == PaymentKind.DONATION:  # gifts: `gifts`
        intent = gateway.retrieve_payment_intent(attempt.payment_intent_id)
        if intent.status == "succeeded":
            payment = money.record_payment(
                attempt.user, kind=PaymentKind.DONATION, payment_intent_id=intent.id,
                charge_id=intent.latest_charge_id, amount=intent.amount,
                currency=intent.currency, status=PaymentStatus.PAID,
            )  # fmt: skip
            money.settle_attempt(attempt, AttemptStatus.SUCCEEDED)
            notices.donation_received(attempt.user, payment)
        elif intent.status == "canceled":
            money.settle_attempt(attempt, AttemptStatus.EXPIRED)
    db.session.commit()
    if attempt.status in (AttemptStatus.SUCCEEDED, AttemptStatus.EXPIRED):
        return "succeeded" if attempt.status == AttemptStatus.SUCCEEDED else "expired"
    if intent is None or intent.status in ("processing", "succeeded"):
        return "processing"
    if intent.status == "requires_payment_method" and intent.failure_code:
        return "failed"
    return "unpaid"


ACCOUNT_SIGN_IN_WINDOW = timedelta(days=1)


def made_its_account(attempt: PaymentAttempt) -> bool:
    """Whether `attempt` was paid and made its reader's account, and nobody has used that account
    since, so that the return page may sign in the browser that started it (which alone can tell,
    from its own session, that this attempt made the account there).

    The account must be the support or gift form's, made for this payment (its first attempt,
    started within a day) and untouched: no password set, its address never proved (a sign-in
    code or link and the set-password link each prove it), never signed out or changed
    everywhere, not deleted, a reader's. An account that existed before the payment never qualifies.
    """
    user = attempt.user
    if attempt.status != AttemptStatus.SUCCEEDED:
        return False
    untouched = (
        user.signup_source == SignupSource.SUPPORT_FORM and user.password_hash is None
        and user.email_confirmed_at is None and user.session_version == 1 and user.is_active
        and not user.is_staff
    )  # fmt: skip
    if not untouched:
        return False
    earlier = aliased(PaymentAttempt)
    first_and_recent = db.session.scalar(
        select(PaymentAttempt.id).where(
            PaymentAttempt.id == attempt.id,
            PaymentAttempt.created_at >= datetime.now(UTC) - ACCOUNT_SIGN_IN_WINDOW,
            ~select(earlier.id).where(
                earlier.user_id == attempt.user_id, earlier.id < attempt.id
            ).exists(),
        )
    )  # fmt: skip
    return first_and_recent is not None


def declined_first_payment(user: User) -> PaymentAttempt | None:
    """The reader's first payment that was declined (or failed its 3-D Secure check) and left
    their membership waiting: Stripe keeps the incomplete subscription, and the same payment can
    be tried again, for 23 hours. None when the membership waits for anything else (a payment
    still being confirmed) or does not wait."""
    current = user.membership
    if current is None or current.status != membership.Status.PENDING:
        return None
    if not current.subscription_id:
        return None
    attempt = db.session.scalar(
        select(PaymentAttempt).where(
            PaymentAttempt.user_id == user.id,
            PaymentAttempt.subscription_id == current.subscription_id,
        ).order_by(PaymentAttempt.id.desc()).limit(1)
    )  # fmt: skip
    return attempt if attempt is not None and attempt.status == AttemptStatus.FAILED else None


def live_subscription(user: User) -> str | None:
    """The id of the subscription that gives the reader access, if any."""
    current = user.membership
    if current and current.subscription_id and current.paid_status in PAID_WITH_ACCESS:
        return current.subscription_id
    return None


def too_many_declines(user: User, ip: str | None) -> bool:
    """Declines from this reader or address lately are enough to pause new payments (card
    testing); every one-time payment form asks this, as `start_support` does (see
    `_recent_declines` for which declines count)."""
    return _recent_declines(user, ip) >= current_app.config["DECLINES_BEFORE_PAUSE"]


def _recent_declines(user: User, ip: str | None) -> int:
    """The declines of the last DECLINE_PAUSE_MINUTES on attempts of this reader or from this
    address: the card-testing pause's one count.

    A decline stops counting once its reader has paid since: the same attempt retried and paid,
    or a later attempt of theirs (started after it) succeeded. Readers sharing an address (a
    household, a carrier's NAT) who mistyped a card and then paid pause nobody; a card tester's
    declines, on accounts that never pay (often a new one each time), still add up. One reader's
    success clears only their own declines, never those of others on the address.
    """
    since = datetime.now(UTC) - timedelta(minutes=current_app.config["DECLINE_PAUSE_MINUTES"])
    sources = [PaymentAttempt.user_id == user.id] if user.id else []
    if ip:
        sources.append(PaymentAttempt.ip == ip)
    if not sources:
        return 0
    paid = aliased(PaymentAttempt)
    paid_since = (
        select(paid.id)
        .where(
            paid.user_id == PaymentAttempt.user_id,
            paid.id >= PaymentAttempt.id,
            paid.status == AttemptStatus.SUCCEEDED,
        )
        .exists()
    )
    declines = db.session.scalar(
        select(func.sum(PaymentAttempt.declines)).where(
            PaymentAttempt.last_declined_at >= since, or_(*sources), ~paid_since
        )
    )
    return int(declines or 0)
