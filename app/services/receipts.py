"""Receipts on the site: which payment a person may see, and its stable receipt number."""

import logging

from sqlalchemy import select

from ..extensions import db
from ..models import Payment, PaymentStatus, User
from ..payments import get_gateway
from ..payments.gateway import GatewayError

log = logging.getLogger(__name__)


def receipt_number(payment: Payment) -> str:
    """`EB-<year>-<id>`: from the row's id and the year it was written, so it never changes."""
    return f"EB-{payment.created_at.year}-{payment.id:06d}"


def receipt_date(payment: Payment):
    """When the money was taken (when the row was written, for a payment without that moment)."""
    return payment.paid_at or payment.created_at


# Payments with no receipt: a charge that failed took nothing; an entry voided by staff was
# recorded by mistake and was never the reader's.
NO_RECEIPT = (PaymentStatus.FAILED, PaymentStatus.VOIDED)


def receipt_payment(payment_id: int) -> Payment | None:
    """The payment a receipt is for: money that was taken."""
    payment = db.session.get(Payment, payment_id)
    if payment is None or payment.status in NO_RECEIPT:
        return None
    return payment


def history_of(user: User) -> list[Payment]:
    """The payments a reader sees in their history, newest first: all but voided entries."""
    return list(db.session.scalars(
        select(Payment)
        .where(Payment.user_id == user.id, Payment.status != PaymentStatus.VOIDED)
        .order_by(Payment.created_at.desc())
    ))  # fmt: skip


def receipt_payer(payment: Payment) -> User | None:
    """Whose payment it was (None once that account is deleted)."""
    return db.session.get(User, payment.user_id) if payment.user_id else None


def card_of(payment: Payment) -> tuple[str, str] | None:
    """The brand and last four digits of the card a payment was made with, read from its charge
    at Stripe the first time and kept on the row; None when it was not a card, or Stripe does not
    answer now (the receipt is shown without it, and asks again next time)."""
    if payment.card_last4:
        return payment.card_brand or "", payment.card_last4
    if not payment.charge_id:
        return None
    try:
        charge = get_gateway().retrieve_charge(payment.charge_id)
    except GatewayError:
        log.warning("charge %s: card not read for its receipt", payment.charge_id, exc_info=True)
        return None
    if not charge.card_last4:
        return None
    payment.card_brand, payment.card_last4 = charge.card_brand, charge.card_last4
    db.session.commit()
    return payment.card_brand or "", payment.card_last4
