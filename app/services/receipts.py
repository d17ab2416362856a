"""Receipts on the site: which payment a person may see, and its stable receipt number."""

from ..extensions import db
from ..models import Payment, PaymentStatus, User


def receipt_number(payment: Payment) -> str:
    """`EB-<year>-<id>`: from the row's id and the year it was written, so it never changes."""
    return f"EB-{payment.created_at.year}-{payment.id:06d}"


def receipt_date(payment: Payment):
    """When the money was taken (when the row was written, for a payment without that moment)."""
    return payment.paid_at or payment.created_at


def receipt_payment(payment_id: int) -> Payment | None:
    """The payment a receipt is for: a charge that was taken (failed ones have none)."""
    payment = db.session.get(Payment, payment_id)
    if payment is None or payment.status == PaymentStatus.FAILED:
        return None
    return payment


def receipt_payer(payment: Payment) -> User | None:
    """Whose payment it was (None once that account is deleted)."""
    return db.session.get(User, payment.user_id) if payment.user_id else None
