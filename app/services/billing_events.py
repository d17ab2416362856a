"""What each provider event does. Membership rules stay in `membership.apply`; money is upserted
by the provider's ids, so applying an event twice would change nothing either."""

from sqlalchemy import or_, select

from ..extensions import db
from ..models import Payment, PaymentAttempt, User
from . import billing


class CustomerNotLinked(Exception):
    """The event's customer is not linked to a reader yet: park the event until it is."""


def customer_of(obj: dict) -> str | None:
    """The customer id an event object belongs to."""
    if obj.get("object") == "customer":
        return obj.get("id")
    customer = obj.get("customer")
    return customer.get("id") if isinstance(customer, dict) else customer


def _reader(obj: dict) -> User:
    customer_id = customer_of(obj)
    user = billing.reader_for_customer(customer_id) if customer_id else None
    if user is None:
        raise CustomerNotLinked(f"customer {customer_id} is not linked to a reader yet")
    return user


def _subscription_id(obj: dict) -> str | None:
    if obj.get("object") == "subscription":
        return obj["id"]
    details = (obj.get("parent") or {}).get("subscription_details") or {}
    return details.get("subscription") or obj.get("subscription")


def sync_subscription(obj: dict, event_type: str) -> None:
    """Subscription events: re-fetch the subscription and apply its current state."""
    billing.sync_subscription(_reader(obj), _subscription_id(obj), cause=event_type)


def invoice_paid(obj: dict, event_type: str) -> None:
    user = _reader(obj)
    subscription_id = _subscription_id(obj)
    if subscription_id:
        billing.sync_subscription(user, subscription_id, cause=event_type)
        billing.settle_attempts(subscription_id=subscription_id, status="succeeded")
    billing.record_payment(
        user, kind="subscription", invoice_id=obj["id"], subscription_id=subscription_id,
        payment_intent_id=_invoice_payment_intent(obj), amount=obj.get("amount_paid") or 0,
        currency=obj["currency"], status="paid", receipt_url=obj.get("hosted_invoice_url"),
        interval=_plan_interval(user, subscription_id),
    )  # fmt: skip


def invoice_failed(obj: dict, event_type: str) -> None:
    user = _reader(obj)
    subscription_id = _subscription_id(obj)
    code = (obj.get("last_finalization_error") or {}).get("code") or "payment_failed"
    if subscription_id:
        billing.sync_subscription(user, subscription_id, cause=event_type)
        billing.settle_attempts(subscription_id=subscription_id, status="failed", code=code)
    billing.record_payment(
        user, kind="subscription", invoice_id=obj["id"], subscription_id=subscription_id,
        payment_intent_id=_invoice_payment_intent(obj), amount=obj.get("amount_due") or 0,
        currency=obj["currency"], status="failed", failure_code=code,
        interval=_plan_interval(user, subscription_id),
    )  # fmt: skip


def _plan_interval(user: User, subscription_id: str | None) -> str | None:
    current = user.membership
    if current is not None and subscription_id and current.subscription_id == subscription_id:
        return current.interval
    return None


def invoice_action_required(obj: dict, event_type: str) -> None:
    subscription_id = _subscription_id(obj)
    if subscription_id:
        billing.sync_subscription(_reader(obj), subscription_id, cause=event_type)


def gift_succeeded(obj: dict, event_type: str) -> None:
    """A one-time gift was paid (subscription payments arrive as invoice events instead)."""
    if (obj.get("metadata") or {}).get("kind") != "gift":
        return
    user = _reader(obj)
    billing.record_payment(
        user, kind="gift", payment_intent_id=obj["id"], charge_id=obj.get("latest_charge"),
        amount=obj.get("amount_received") or obj["amount"], currency=obj["currency"], status="paid",
    )  # fmt: skip
    billing.settle_attempts(payment_intent_id=obj["id"], status="succeeded")


def gift_failed(obj: dict, event_type: str) -> None:
    if (obj.get("metadata") or {}).get("kind") != "gift":
        return
    _reader(obj)
    error = obj.get("last_payment_error") or {}
    code = error.get("decline_code") or error.get("code") or "payment_failed"
    billing.settle_attempts(payment_intent_id=obj["id"], status="failed", code=code)


def charge_refunded(obj: dict, event_type: str) -> None:
    payment = _payment_for_charge(obj)
    payment.charge_id = payment.charge_id or obj["id"]
    payment.amount_refunded = obj.get("amount_refunded") or 0
    if payment.amount_refunded >= payment.amount:
        payment.status = "refunded"
    db.session.flush()


def dispute_created(obj: dict, event_type: str) -> None:
    charge = {"id": obj.get("charge"), "payment_intent": obj.get("payment_intent"),
              "amount": obj.get("amount"), "currency": obj.get("currency")}  # fmt: skip
    payment = _payment_for_charge(charge, owner=obj)
    payment.status = "disputed"
    payment.dispute_id = obj["id"]
    db.session.flush()


def customer_updated(obj: dict, event_type: str) -> None:
    """Nothing of ours follows the provider's copy of the customer; it must be linked, though."""
    _reader(obj)


def customer_deleted(obj: dict, event_type: str) -> None:
    user = billing.reader_for_customer(obj["id"])
    if user is not None:
        user.stripe_customer_id = None
        db.session.flush()


def _invoice_payment_intent(obj: dict) -> str | None:
    for item in (obj.get("payments") or {}).get("data") or []:
        payment = item.get("payment") or {}
        if payment.get("payment_intent"):
            intent = payment["payment_intent"]
            return intent.get("id") if isinstance(intent, dict) else intent
    return None


def _payment_for_charge(charge: dict, owner: dict | None = None) -> Payment:
    """Our payment for a charge (by charge or payment intent id), recorded now if we lack it."""
    ids = [Payment.charge_id == charge["id"]]
    if charge.get("payment_intent"):
        ids.append(Payment.payment_intent_id == charge["payment_intent"])
    payment = db.session.scalar(select(Payment).where(or_(*ids)))
    if payment is None:
        user = billing.reader_for_customer(customer_of(owner or charge) or "")
        kind = "gift" if db.session.scalar(
            select(PaymentAttempt.id).where(PaymentAttempt.payment_intent_id == charge.get("payment_intent"))
        ) else "subscription"  # fmt: skip
        payment = Payment(
            user_id=user.id if user else None, kind=kind, charge_id=charge["id"],
            payment_intent_id=charge.get("payment_intent"), amount=charge.get("amount") or 0,
            currency=charge.get("currency") or "usd", status="paid",
        )  # fmt: skip
        db.session.add(payment)
    return payment


HANDLERS = {
    "customer.subscription.created": sync_subscription,
    "customer.subscription.updated": sync_subscription,
    "customer.subscription.deleted": sync_subscription,
    "invoice.paid": invoice_paid,
    "invoice.payment_failed": invoice_failed,
    "invoice.payment_action_required": invoice_action_required,
    "payment_intent.succeeded": gift_succeeded,
    "payment_intent.payment_failed": gift_failed,
    "charge.refunded": charge_refunded,
    "charge.dispute.created": dispute_created,
    "customer.updated": customer_updated,
    "customer.deleted": customer_deleted,
}
