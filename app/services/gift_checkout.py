"""Buying a gift membership: its price, and the payment started at Stripe.

The price rule: the giver picks one of the monthly amounts the support page offers when no prompt
names its own (`currency.preset_amounts`: 1, 5 or 10 whole units of `SUPPORT_CURRENCY`) and 1, 3,
6 or 12 months; the gift costs that amount times the months, charged once, with no card fee on
top. Whatever was paid, the recipient gets the same thing: that many months of membership.
"""

import uuid
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from ..currency import preset_amounts, support_currency
from ..extensions import db
from ..models import Gift, PaymentAttempt, PaymentKind, SignupSource, User
from ..payments import get_gateway
from ..payments.gateway import GatewayError
from . import accounts, checkout, gifts, ledger
from .checkout import Checkout, SupportRefused

MONTHS = (1, 3, 6, 12)
# The latest delivery date a giver may choose, from today (UTC). A day before today is taken as
# today: a giver west of UTC may still be on yesterday's date.
DELIVERY_AHEAD = timedelta(days=365)
MESSAGE_MAX = 500


@dataclass(frozen=True)
class GiftOrder:
    """What the giver asked for."""

    recipient_email: str
    giver_name: str
    months: int
    monthly_amount: int  # minor units
    deliver_on: date
    lang: str  # of the recipient's email
    message: str | None = None


def monthly_amounts(currency: str | None = None) -> list[int]:
    """The monthly amounts a gift may be priced at, in minor units."""
    return preset_amounts(currency or support_currency())


def gift_price(months: int, monthly_amount: int, currency: str | None = None) -> int:
    """The price of `months` at `monthly_amount` (see the module's rule); `SupportRefused` for a
    number of months or an amount not offered."""
    if months not in MONTHS or monthly_amount not in monthly_amounts(currency):
        raise SupportRefused("gift_unavailable")
    return monthly_amount * months


def delivery_dates(now: datetime | None = None) -> tuple[date, date]:
    """The first and last delivery dates a giver may choose."""
    today = gifts.today(now)
    return today, today + DELIVERY_AHEAD


def delivery_date(chosen: date, now: datetime | None = None) -> date:
    """The chosen date as kept (yesterday becomes today); `SupportRefused` outside the window."""
    first, last = delivery_dates(now)
    if not first - timedelta(days=1) <= chosen <= last:
        raise SupportRefused("gift_delivery_date")
    return max(chosen, first)


def start_gift(
    order: GiftOrder, *, giver: User | None, giver_email: str | None, lang: str, ip: str | None,
    now: datetime | None = None,
) -> Checkout:  # fmt: skip
    """Record the gift and create its payment intent at Stripe, waiting for the giver to confirm
    it on the payment page. A signed-out giver with a new email gets an account (and a link to
    set its password); one whose email has an account is asked to sign in first."""
    currency = support_currency()
    amount = gift_price(order.months, order.monthly_amount, currency)
    deliver_on = delivery_date(order.deliver_on, now)
    new_account = giver is None
    if giver is None:
        if accounts.find_user(giver_email or ""):
            raise SupportRefused("sign_in_first")
        giver = accounts.create_user(
            giver_email or "", None, lang, source=SignupSource.SUPPORT_FORM
        )
    if checkout.too_many_declines(giver, ip):
        raise SupportRefused("too_many_declines")
    try:
        customer_id = checkout.ensure_customer(giver, lang)
        if not new_account:
            db.session.commit()  # one customer per reader, ever: keep the link whatever follows
        gift = Gift(
            key=uuid.uuid4().hex, giver=giver, giver_name=order.giver_name.strip(),
            recipient_email=accounts.normalize_email(order.recipient_email), months=order.months,
            message=(order.message or "").strip()[:MESSAGE_MAX] or None, deliver_on=deliver_on,
            lang=order.lang, amount=amount, currency=currency,
        )  # fmt: skip
        attempt = PaymentAttempt(key=uuid.uuid4().hex, user=giver, kind=PaymentKind.GIFT,
                                 amount=amount, currency=currency, lang=lang, ip=ip)  # fmt: skip
        db.session.add_all([gift, attempt])
        db.session.flush()
        intent = get_gateway().create_gift_payment(
            customer_id=customer_id, amount=amount, currency=currency,
            idempotency_key=f"gift-{gift.key}",
            metadata={"user_key": giver.key, "kind": gifts.METADATA_KIND, "gift": gift.key},
        )  # fmt: skip
        gift.payment_intent_id = attempt.payment_intent_id = intent.id
        if new_account:
            accounts.send_set_password_link(giver)
        db.session.commit()
    except GatewayError:
        db.session.rollback()
        raise
    # Stripe may have delivered this customer's first events before the link above committed.
    ledger.apply_parked(customer_id)
    return Checkout(
        attempt.key,
        intent.client_secret or "",
        attempt.kind,
        amount,
        currency,
        None,
        new_account=new_account,
    )
