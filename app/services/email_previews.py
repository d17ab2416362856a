"""Every supporter email, and the emails about signing in, rendered from sample data, so staff can
read each one in both languages before any reader does.

The sample account, membership, payment and card are transient model objects, never added to the
session: a preview writes nothing. Each kind is rendered with exactly the context its occasion in
`notices` passes (`SAMPLE_CONTEXTS` names that function), plus the context every supporter email
gets (`notices.common_context`); a kind without a sample here has no preview, which a test catches.
"""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

from babel.dates import format_date
from flask import current_app

from ..currency import support_currency, unit
from ..i18n import format_locale
from ..models import (
    AccountEmail,
    Gift,
    GiftState,
    Membership,
    MembershipStatus,
    NoticeKind,
    OfflineMethod,
    Payment,
    PaymentKind,
    PaymentStatus,
    User,
)
from ..payments.gateway import Card
from ..urls import external_url
from . import (
    accounts,
    gift_links,
    gift_redemption,
    gifts,
    mail,
    notices,
    offline_payments,
    preferences,
    resume_links,
    sign_in_codes,
)
from .receipts import receipt_date, receipt_number

SAMPLE_EMAIL = "reader@example.org"


def _amount() -> int:
    """Five whole units of the support currency: the sample's monthly amount."""
    return 5 * unit(support_currency())


@dataclass(frozen=True)
class Sample:
    """The reader a preview is written to, in `lang`, and what they have with us."""

    lang: str
    user: User
    membership: Membership
    payment: Payment
    card: Card
    now: datetime


@dataclass(frozen=True)
class Preview:
    """One email as the reader would receive it."""

    kind: NoticeKind | AccountEmail
    lang: str
    subject: str
    text: str
    html: str | None


def sample(lang: str, now: datetime | None = None) -> Sample:
    """A monthly member paying 5 US dollars, paid today (payment 1), with a card that expires this
    month; none of it is in the database."""
    now = now or datetime.now(UTC)
    user = User(email=SAMPLE_EMAIL, language=lang, receipts_monthly=True, key="0" * 32)
    grace = timedelta(days=current_app.config["MEMBERSHIP_GRACE_DAYS"])
    membership = Membership(
        status=MembershipStatus.ACTIVE, amount=_amount(), currency=support_currency(),
        interval="month", current_period_end=now + timedelta(days=30), cancel_at_period_end=False,
        grace_until=now + grace, comp_until=now + timedelta(days=90), subscription_id="sub_sample",
    )  # fmt: skip
    payment = Payment(
        id=1, kind=PaymentKind.SUBSCRIPTION, invoice_id="in_sample", payment_intent_id="pi_sample",
        subscription_id="sub_sample", amount=_amount(), currency=support_currency(),
        interval="month", status=PaymentStatus.PAID, paid_at=now, created_at=now, updated_at=now,
    )  # fmt: skip
    card = Card(id="pm_sample", brand="visa", last4="4242", exp_month=now.month, exp_year=now.year)
    return Sample(lang, user, membership, payment, card, now)


def _receipt(s: Sample, payment: Payment) -> dict:
    """As `notices._receipt`."""
    return {
        "payment": payment,
        "receipt_number": receipt_number(payment),
        "paid_on": receipt_date(payment),
        "receipt_url": external_url("accounts.receipt", lang=s.lang, payment_id=payment.id),
    }


def _receipt_context(s: Sample) -> dict:  # notices.payment_received (a monthly payment)
    return {**_receipt(s, s.payment), "unsubscribe_url": preferences.unsubscribe_url(s.user)}


def _donation_receipt_context(s: Sample) -> dict:  # notices.donation_received
    donation = Payment(
        id=s.payment.id, kind=PaymentKind.DONATION, payment_intent_id="pi_sample", amount=s.payment.amount,
        currency=s.payment.currency, interval=None, status=PaymentStatus.PAID, paid_at=s.now,
        created_at=s.now, updated_at=s.now,
    )  # fmt: skip
    return _receipt(s, donation)


def _sample_gift(s: Sample) -> Gift:
    """Three months at five units a month, given to the sample reader today, with a message."""
    arabic = s.lang == "ar"
    return Gift(
        key="0" * 32, giver_name="لينا" if arabic else "Lina", recipient_email=SAMPLE_EMAIL,
        months=3, deliver_on=s.now.date(), lang=s.lang, amount=3 * _amount(),
        currency=support_currency(), state=GiftState.SENT, payment_intent_id="pi_sample",
        message="عيد ميلاد سعيد! اقرأ كل شيء." if arabic else "Happy birthday! Read everything.",
    )  # fmt: skip


def _gift_receipt_context(s: Sample) -> dict:  # notices.gift_receipt
    gift = _sample_gift(s)
    payment = Payment(
        id=s.payment.id, kind=PaymentKind.GIFT, payment_intent_id="pi_sample", amount=gift.amount,
        currency=gift.currency, interval=None, status=PaymentStatus.PAID, paid_at=s.now,
        created_at=s.now, updated_at=s.now,
    )  # fmt: skip
    return {**_receipt(s, payment), "gift": gift, "delivered_now": True}


def _gift_received_context(s: Sample) -> dict:  # gifts.deliver_gift
    return gifts.received_context(_sample_gift(s), gift_links.redeem_url("sample", s.lang))


def _gift_redeemed_context(s: Sample) -> dict:  # notices.gift_redeemed
    gift = _sample_gift(s)
    return {"gift": gift, "given_on": s.now - timedelta(days=3), "starts": s.now,
            "until": gift_redemption.add_months(s.now, gift.months)}  # fmt: skip


def _offline_sample(s: Sample, status: PaymentStatus = PaymentStatus.PAID) -> Payment:
    """Three months paid by bank transfer."""
    first = s.now.date()
    return Payment(
        id=s.payment.id, kind=PaymentKind.OFFLINE, amount=3 * _amount(), currency=support_currency(),
        method=OfflineMethod.BANK_TRANSFER, reference="TR-1042", covers_from=first,
        covers_until=offline_payments.last_day(first, 3), status=status,
        paid_at=s.now, created_at=s.now, updated_at=s.now,
    )  # fmt: skip


def _offline_receipt_context(s: Sample) -> dict:  # notices.offline_payment_recorded
    """For an account made by recording the payment: the receipt then carries the link to
    choose a password."""
    link = accounts.password_link(s.user, "set")
    return {**_receipt(s, _offline_sample(s)), "set_password_url": link,
            "set_password_days": accounts.SET_LINK_DAYS}  # fmt: skip


def _offline_voided_context(s: Sample) -> dict:  # notices.offline_payment_voided
    return _receipt(s, _offline_sample(s, PaymentStatus.VOIDED))


def _paused_context(s: Sample) -> dict:  # notices.membership_changed, now paused
    paid_until = s.membership.current_period_end
    paused = Membership(
        status=MembershipStatus.PAUSED, amount=s.membership.amount, currency=s.membership.currency,
        interval="month", current_period_end=paid_until, paid_until=paid_until,
        paused_until=paid_until + timedelta(days=61), subscription_id="sub_sample",
    )  # fmt: skip
    return {"membership": paused, "resumes_on": paused.paused_until, "benefits_until": paid_until}


def _resumed_context(s: Sample) -> dict:  # notices.membership_changed, back from a pause
    return {"membership": s.membership, "next_payment": s.membership.current_period_end}


def _cancellation_context(s: Sample) -> dict:  # notices.membership_changed, now ending
    ending = Membership(
        status=MembershipStatus.ENDING, amount=s.membership.amount, currency=s.membership.currency,
        interval=s.membership.interval, current_period_end=s.membership.current_period_end,
        cancel_at_period_end=True, subscription_id=s.membership.subscription_id,
    )  # fmt: skip
    return {"membership": ending, "period_end": ending.current_period_end,
            "resume_url": resume_links.resume_url(s.user, "sub_sample")}  # fmt: skip


def _in_trouble(s: Sample) -> dict:  # what payment_failed and action_required share
    return {
        "membership": s.membership,
        "grace_until": s.membership.grace_until,
        "pay_url": external_url("billing.pay_now", lang=s.lang),
    }


def _payment_failed_context(s: Sample) -> dict:  # notices.payment_failed
    return {"payment": s.payment, **_in_trouble(s)}


def _action_required_context(s: Sample) -> dict:  # notices.action_required
    return {"amount": s.payment.amount, "currency": s.payment.currency, **_in_trouble(s)}


def _renewal_coming_context(s: Sample) -> dict:  # notices.remind_renewals (annual members only)
    annual = Membership(
        status=MembershipStatus.ACTIVE, amount=_amount() * 12, currency=support_currency(),
        interval="year", current_period_end=s.now + notices.RENEWAL_NOTICE,
        cancel_at_period_end=False, subscription_id="sub_sample",
    )  # fmt: skip
    return {"membership": annual, "period_end": annual.current_period_end}


def _card_expiring_context(s: Sample) -> dict:  # notices.warn_expiring_cards
    # The next payment falls in the month after the card's last one.
    next_month = date(s.now.year + s.now.month // 12, s.now.month % 12 + 1, 3)
    period_end = datetime(next_month.year, next_month.month, next_month.day, 8, tzinfo=UTC)
    expires = date(s.card.exp_year, s.card.exp_month, 1)
    return {
        "card": s.card, "membership": s.membership, "period_end": period_end,
        "expires": format_date(expires, "MMMM y", locale=format_locale(s.lang)),
        "card_url": external_url("billing.card", lang=s.lang),
    }  # fmt: skip


SAMPLE_CONTEXTS: dict[NoticeKind, Callable[[Sample], dict]] = {
    NoticeKind.WELCOME: lambda s: {"membership": s.membership},  # notices.membership_changed
    NoticeKind.RECEIPT: _receipt_context,
    NoticeKind.DONATION_RECEIPT: _donation_receipt_context,
    NoticeKind.PAYMENT_FAILED: _payment_failed_context,
    NoticeKind.ACTION_REQUIRED: _action_required_context,
    NoticeKind.CANCELLATION: _cancellation_context,
    NoticeKind.SUBSCRIPTION_ENDED: lambda s: {"membership": s.membership},
    NoticeKind.COMP_GRANTED: lambda s: {"until": s.membership.comp_until},  # notices.comp_granted
    NoticeKind.COMP_ENDED: lambda s: {},  # notices.comp_ended
    NoticeKind.RENEWAL_COMING: _renewal_coming_context,
    NoticeKind.CARD_EXPIRING: _card_expiring_context,
    NoticeKind.GIFT_RECEIPT: _gift_receipt_context,
    NoticeKind.GIFT_RECEIVED: _gift_received_context,
    NoticeKind.GIFT_REDEEMED: _gift_redeemed_context,
    NoticeKind.MEMBERSHIP_PAUSED: _paused_context,
    NoticeKind.MEMBERSHIP_RESUMED: _resumed_context,
    NoticeKind.OFFLINE_RECEIPT: _offline_receipt_context,
    NoticeKind.OFFLINE_VOIDED: _offline_voided_context,
}


SAMPLE_CODE = "482915"


def _sign_in_code_context(s: Sample) -> dict:  # sign_in_codes.request_code, an account's address
    return sign_in_codes.email_for(SAMPLE_EMAIL, s.lang, SAMPLE_CODE)[1]


def _sign_in_no_account_context(s: Sample) -> dict:  # the same, for an address without one
    return sign_in_codes.email_for(SAMPLE_EMAIL, s.lang, None)[1]


ACCOUNT_CONTEXTS: dict[AccountEmail, Callable[[Sample], dict]] = {
    AccountEmail.SIGN_IN_CODE: _sign_in_code_context,
    AccountEmail.SIGN_IN_NO_ACCOUNT: _sign_in_no_account_context,
}


def kinds() -> list[NoticeKind | AccountEmail]:
    """The kinds that have a preview: NoticeKind's, then the sign-in emails."""
    return [
        *(kind for kind in NoticeKind if kind in SAMPLE_CONTEXTS),
        *(kind for kind in AccountEmail if kind in ACCOUNT_CONTEXTS),
    ]


def kind_named(value: str) -> NoticeKind | AccountEmail | None:
    """The kind whose templates are named `value`, if it has a preview."""
    return next((kind for kind in kinds() if kind.value == value), None)


def render_preview(
    kind: NoticeKind | AccountEmail, lang: str, now: datetime | None = None
) -> Preview:
    """`kind`'s email to the sample reader in `lang`, as `notices` (or `sign_in_codes`) would
    write it."""
    s = sample(lang, now)
    own = SAMPLE_CONTEXTS[kind](s) if isinstance(kind, NoticeKind) else ACCOUNT_CONTEXTS[kind](s)
    context = {**notices.common_context(s.user, lang), **own}
    subject, text, html = mail.render_email(kind.value, lang, **context)
    return Preview(kind, lang, subject, text, html)
