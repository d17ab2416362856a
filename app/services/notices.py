"""What a supporter hears from us about their support, in their own language, once per object.

One verb-named function per occasion, called where our rows have just taken Stripe's snapshot (the
ledger's handlers, the return page, membership changes) or by the daily jobs. Each first checks
that our rows, as they are now, still warrant the message (no "payment failed" for a payment since
paid), then claims the (kind, object) row of `notices` with an insert that does nothing when the
row exists, so one payment arriving as several events, replayed, or also fulfilled from the return
page is told about once. The message goes through the outbox (`mail.send_email`) in the caller's
transaction: rolled back with it, delivered by the worker after it commits.
"""

import logging
from datetime import UTC, date, datetime, timedelta

from babel.dates import format_date
from flask import current_app
from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from ..extensions import db
from ..i18n import format_locale, text_direction
from ..models import (
    Gift,
    GiftState,
    Membership,
    MembershipStatus,
    Notice,
    NoticeKind,
    OutboxMessage,
    Payment,
    PaymentKind,
    PaymentStatus,
    User,
)
from ..payments import get_gateway
from ..payments.gateway import Card, GatewayError, Invoice
from ..urls import external_url
from ..utc import aware
from . import mail, preferences, resume_links
from .accounts import SET_LINK_DAYS
from .receipts import receipt_number

log = logging.getLogger(__name__)

Status = MembershipStatus
# A live subscription's statuses: leaving one of them ends the membership (a paused one too).
WITH_ACCESS = (Status.ACTIVE, Status.ENDING, Status.PAST_DUE, Status.PAUSED)
RENEWAL_NOTICE = timedelta(days=7)  # card networks expect notice of an annual renewal
# The card is checked once or twice per period (a day missed is made up the next day).
CARD_CHECK_FROM, CARD_CHECK_UNTIL = timedelta(days=6), timedelta(days=8)
NEEDS_ACTION = frozenset({"authentication_required", "invoice_payment_intent_requires_action"})


# Occasions from the ledger and the paying flow ----------------------------------------------------


def membership_changed(user: User, membership: Membership, before: Status) -> None:
    """After a subscription snapshot moved the membership: welcome on the first payment, a pause
    begun or ended, the cancellation confirmed, or the membership ended."""
    after, subscription_id = membership.status, membership.subscription_id
    if after == before or not subscription_id:
        return
    if before not in WITH_ACCESS and after in (Status.ACTIVE, Status.ENDING):
        _send(user, NoticeKind.WELCOME, subscription_id, membership=membership)
    if after == Status.PAUSED or (before == Status.PAUSED and after == Status.ACTIVE):
        _pause_changed(user, membership, subscription_id)
    elif after == Status.ENDING:
        period_end = membership.current_period_end
        _send(user, NoticeKind.CANCELLATION, _in_period(subscription_id, period_end),
              membership=membership, period_end=period_end,
              resume_url=resume_links.resume_url(user, subscription_id))  # fmt: skip
    elif before in WITH_ACCESS and after == Status.LAPSED:
        _send(user, NoticeKind.SUBSCRIPTION_ENDED, subscription_id, membership=membership)


def _pause_changed(user: User, membership: Membership, subscription_id: str) -> None:
    """Paused: when it resumes by itself and until when the perks last. Back from a pause (on
    Stripe's schedule or early): when the next payment is. Each once per pause, which its
    subscription and the moment it was to resume name (a pause seen again after a cancellation
    undone is the same pause)."""
    if membership.status == Status.PAUSED:
        paid_until = membership.paid_until
        _send(user, NoticeKind.MEMBERSHIP_PAUSED, _pause_name(subscription_id, membership),
              membership=membership, resumes_on=membership.paused_until,
              benefits_until=paid_until if _after_now(paid_until) else None)  # fmt: skip
        return
    pause = db.session.scalar(
        select(Notice.object_id)
        .where(Notice.user_id == user.id, Notice.kind == NoticeKind.MEMBERSHIP_PAUSED,
               Notice.object_id.startswith(f"{subscription_id}:", autoescape=True))
        .order_by(Notice.id.desc())
        .limit(1)
    )  # fmt: skip
    period_end = membership.current_period_end
    _send(user, NoticeKind.MEMBERSHIP_RESUMED, pause or _in_period(subscription_id, period_end),
          membership=membership, next_payment=period_end)  # fmt: skip


def _pause_name(subscription_id: str, membership: Membership) -> str:
    resumes = membership.paused_until
    moment = aware(resumes).strftime("%Y-%m-%dT%H:%M:%SZ") if resumes else "open"
    return f"{subscription_id}:{moment}"


def payment_received(user: User | None, payment: Payment) -> None:
    """A receipt for a paid subscription payment; the monthly ones only if the member wants them."""
    if (
        user is None
        or payment.kind != PaymentKind.SUBSCRIPTION
        or payment.status != PaymentStatus.PAID
    ):
        return
    if not preferences.wants_receipt(user, payment.interval):
        return
    optional = {}
    if payment.interval == "month":  # the one optional message: one click turns it off (RFC 8058)
        optional = {"unsubscribe_url": preferences.unsubscribe_url(user),
                    "headers": preferences.unsubscribe_headers(user)}  # fmt: skip
    _send(user, NoticeKind.RECEIPT, payment.invoice_id or str(payment.payment_intent_id),
          payment=payment, **_receipt(user, payment), **optional)  # fmt: skip


def donation_received(user: User | None, payment: Payment) -> None:
    """A receipt for a one-time donation, always."""
    if user is None or payment.kind != PaymentKind.DONATION or payment.status != PaymentStatus.PAID:
        return
    _send(user, NoticeKind.DONATION_RECEIPT, str(payment.payment_intent_id), payment=payment,
          **_receipt(user, payment))  # fmt: skip


def gift_receipt(
    user: User | None, payment: Payment, gift: Gift, now: datetime | None = None
) -> None:
    """A receipt for a gift membership, always, saying whom it is for and when they hear of it:
    today when its date has come (gifts.follow_payment delivers it along with this receipt),
    else on its date (the hourly deliver-gifts job sends it in that day's first hour, UTC)."""
    if user is None or payment.kind != PaymentKind.GIFT or payment.status != PaymentStatus.PAID:
        return
    delivered_now = gift.deliver_on <= (now or datetime.now(UTC)).astimezone(UTC).date()
    _send(user, NoticeKind.GIFT_RECEIPT, str(payment.payment_intent_id), payment=payment,
          gift=gift, delivered_now=delivered_now, **_receipt(user, payment))  # fmt: skip


def offline_payment_recorded(
    user: User | None, payment: Payment, set_password_url: str | None = None
) -> OutboxMessage | None:
    """A receipt for money staff recorded outside Stripe, always, while the entry stands (one
    voided first is never receipted); for an account made by recording it, with the link to
    choose a password, so that one email says both. The message, or None when none was written."""
    if user is None or payment.kind != PaymentKind.OFFLINE or payment.status != PaymentStatus.PAID:
        return None
    return _send(user, NoticeKind.OFFLINE_RECEIPT, str(payment.id), payment=payment,
                 set_password_url=set_password_url, set_password_days=SET_LINK_DAYS,
                 **_receipt(user, payment))  # fmt: skip


def offline_payment_voided(user: User | None, payment: Payment) -> OutboxMessage | None:
    """The reader whose receipt for an entry recorded outside Stripe was sent hears that it is
    withdrawn, once, when staff void the entry; an entry never receipted is voided in silence.
    The message, or None when none was written."""
    if (
        user is None
        or payment.kind != PaymentKind.OFFLINE
        or payment.status != PaymentStatus.VOIDED
    ):
        return None
    if not _claimed(NoticeKind.OFFLINE_RECEIPT, str(payment.id)):
        return None
    return _send(user, NoticeKind.OFFLINE_VOIDED, str(payment.id), payment=payment,
                 **_receipt(user, payment))  # fmt: skip


def gift_redeemed(gift: Gift) -> None:
    """The giver hears that their gift was opened and from when to when the membership it gave
    runs (never the recipient's address), once per gift, while it stays redeemed."""
    if gift.state != GiftState.REDEEMED or gift.comp_from is None or gift.comp_until is None:
        return
    _send(gift.giver, NoticeKind.GIFT_REDEEMED, gift.key, gift=gift,
          given_on=gift.paid_at or gift.created_at, starts=gift.comp_from,
          until=gift.comp_until)  # fmt: skip


def payment_failed(user: User, payment: Payment) -> None:
    """A renewal that failed, while it still has: the payment is failed and the membership past
    due on this subscription (a first payment's decline is shown on the payment page instead)."""
    membership = user.membership
    if payment.status != PaymentStatus.FAILED or payment.failure_code in NEEDS_ACTION:
        return  # a bank asking for 3-D Secure is `action_required`'s message
    if not _past_due_on(membership, payment.subscription_id):
        return
    _send(user, NoticeKind.PAYMENT_FAILED, str(payment.invoice_id), payment=payment,
          membership=membership, grace_until=membership and membership.grace_until,
          pay_url=_pay_url(user))  # fmt: skip


def action_required(user: User, invoice: Invoice) -> None:
    """A renewal the bank wants confirmed (3-D Secure), while its invoice is still open."""
    membership = user.membership
    if invoice.status != "open" or not _past_due_on(membership, invoice.subscription_id):
        return
    _send(user, NoticeKind.ACTION_REQUIRED, invoice.id, amount=invoice.amount_due,
          currency=invoice.currency, membership=membership,
          grace_until=membership and membership.grace_until, pay_url=_pay_url(user))  # fmt: skip


def comp_granted(user: User, membership: Membership) -> None:
    if membership.status != Status.COMPLIMENTARY:
        return
    _send(user, NoticeKind.COMP_GRANTED, _in_period(str(membership.id), membership.comp_until),
          until=membership.comp_until)  # fmt: skip


def comp_ended(user: User, membership: Membership) -> None:
    """The complimentary membership ran out and nothing else gives access."""
    if membership.status != Status.LAPSED:
        return
    _send(user, NoticeKind.COMP_ENDED, _in_period(str(membership.id), membership.comp_until))


# The daily notices ---------------------------------------------------------------------------------


def remind_renewals(now: datetime | None = None) -> int:
    """Annual members whose renewal comes within a week (and who have not cancelled) are told
    the date and amount; returns how many messages were written."""
    now = now or datetime.now(UTC)
    sent = 0
    for membership in _renewing(now, now + RENEWAL_NOTICE, interval="year"):
        sent += bool(_send(
            membership.user, NoticeKind.RENEWAL_COMING,
            _in_period(str(membership.subscription_id), membership.current_period_end),
            membership=membership, period_end=membership.current_period_end,
        ))  # fmt: skip
    return sent


def warn_expiring_cards(now: datetime | None = None) -> int:
    """Members whose card (the one Stripe charges) expires before their next payment, a week
    ahead of it; returns how many messages were written. Stripe sends no event for this."""
    now = now or datetime.now(UTC)
    sent = 0
    for membership in _renewing(now + CARD_CHECK_FROM, now + CARD_CHECK_UNTIL):
        object_id = _in_period(str(membership.subscription_id), membership.current_period_end)
        if _claimed(NoticeKind.CARD_EXPIRING, object_id):
            continue
        try:
            card = get_gateway().default_card(str(membership.subscription_id))
        except GatewayError:
            log.warning("card of %s not checked: Stripe unavailable", membership.subscription_id)
            continue
        if card is None or _card_valid_on(card, membership.current_period_end):
            continue
        lang = _lang(membership.user)
        sent += bool(_send(
            membership.user, NoticeKind.CARD_EXPIRING, object_id, card=card,
            membership=membership, period_end=membership.current_period_end,
            expires=format_date(date(card.exp_year, card.exp_month, 1), "MMMM y",
                                locale=format_locale(lang)),
            card_url=external_url("billing.card", lang=lang),
        ))  # fmt: skip
    return sent


def _renewing(start: datetime, end: datetime, interval: str | None = None) -> list[Membership]:
    query = select(Membership).where(
        Membership.status == Status.ACTIVE, Membership.cancel_at_period_end.is_(False),
        Membership.subscription_id.is_not(None), Membership.current_period_end > start,
        Membership.current_period_end <= end,
    )  # fmt: skip
    if interval:
        query = query.where(Membership.interval == interval)
    return list(db.session.scalars(query.order_by(Membership.id).limit(5000)))


def _card_valid_on(card: Card, moment: datetime | None) -> bool:
    """A card works through the last day of its expiry month."""
    if moment is None:
        return True
    first_invalid = date(card.exp_year + card.exp_month // 12, card.exp_month % 12 + 1, 1)
    return moment.date() < first_invalid


# Claiming and sending ------------------------------------------------------------------------------


def notices_of(user: User) -> list[tuple[Notice, OutboxMessage | None]]:
    """Every message sent to the reader about their support, newest first, with its delivery."""
    rows = db.session.execute(
        select(Notice, OutboxMessage)
        .outerjoin(OutboxMessage, OutboxMessage.id == Notice.outbox_message_id)
        .where(Notice.user_id == user.id)
        .order_by(Notice.created_at.desc(), Notice.id.desc())
    )
    return [(notice, message) for notice, message in rows]


def _send(user: User | None, kind: NoticeKind, object_id: str, **context) -> OutboxMessage | None:
    """Claim (kind, object_id) and write the message in the reader's language; None when it was
    claimed before or there is no one to write to (an account deleted since)."""
    if user is None or user.deleted_at is not None or not user.email:
        return None
    notice_id = _claim(user, kind, object_id)
    if notice_id is None:
        return None
    lang = _lang(user)
    message = mail.send_email(user.email, kind.value, lang, **common_context(user, lang), **context)
    notice = db.session.get(Notice, notice_id)
    if notice is not None:
        notice.outbox_message_id = message.id
    db.session.flush()
    return message


def common_context(user: User, lang: str) -> dict:
    """What every supporter email is rendered with besides its own facts (the staff previews
    render with it too)."""
    return {
        "dir": text_direction(lang), "user": user,
        "home_url": external_url("readers.home", lang=lang),
        "account_url": external_url("accounts.account", lang=lang),
        "support_url": external_url("billing.support", lang=lang),
    }  # fmt: skip


def _claim(user: User, kind: NoticeKind, object_id: str) -> int | None:
    """Insert the claim row; its id, or None when it already exists (another event, another
    process: PostgreSQL makes the second insert wait for the first's commit, then skip)."""
    insert = pg_insert if db.session.get_bind().dialect.name == "postgresql" else sqlite_insert
    now = datetime.now(UTC)
    statement = (
        insert(Notice)
        .values(user_id=user.id, kind=kind.value, object_id=object_id[:255], created_at=now)
        .on_conflict_do_nothing(index_elements=["kind", "object_id"])
        .returning(Notice.id)
    )
    return db.session.execute(statement).scalar()


def _claimed(kind: NoticeKind, object_id: str) -> bool:
    found = select(Notice.id).where(Notice.kind == kind, Notice.object_id == object_id)
    return db.session.scalar(found) is not None


def _past_due_on(membership: Membership | None, subscription_id: str | None) -> bool:
    return (
        membership is not None
        and subscription_id is not None
        and membership.status == Status.PAST_DUE
        and membership.subscription_id == subscription_id
    )


def _receipt(user: User, payment: Payment) -> dict:
    lang = _lang(user)
    return {
        "receipt_number": receipt_number(payment),
        "paid_on": payment.paid_at or payment.created_at,
        "receipt_url": external_url("accounts.receipt", lang=lang, payment_id=payment.id),
    }


def _pay_url(user: User) -> str:
    """The pay-now page: it asks a signed-out reader to sign in first, then pays the open invoice
    or takes a new card."""
    return external_url("billing.pay_now", lang=_lang(user))


def _in_period(object_id: str, moment: datetime | None) -> str:
    """One notice per object and period (a date: a cancellation, resumed and cancelled again in
    the same period, is confirmed once)."""
    return f"{object_id}:{moment.date().isoformat() if moment else 'open'}"


def _after_now(moment: datetime | None) -> bool:
    return moment is not None and aware(moment) > datetime.now(UTC)


def _lang(user: User) -> str:
    languages = current_app.config["LANGUAGES"]
    return user.language if user.language in languages else languages[0]
