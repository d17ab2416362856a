"""What each provider event does. Membership rules stay in `membership.apply`; money is upserted
by the provider's ids, so applying an event twice would change nothing either."""

from sqlalchemy import or_, select

from ..extensions import db
from ..models import AttemptStatus, Payment, PaymentAttempt, PaymentStatus, User
from ..payments import get_gateway
from . import money


class CustomerNotLinked(Exception):
    """The event's customer is not linked to a reader yet: park the event until it is."""


def customer_of(obj: dict) -> str | None:
    """The customer id an event object belongs to."""
    if obj.get("object") == "customer":
        return obj.get("id")
    customer = obj.get("customer")
    return customer.get("id") if isinstance(customer, dict) else customer


def _reader(obj: dict) -> User:
    """The reader an object is about: by its customer, else by the `user_key` our subscriptions
    carry in their metadata (and Stripe copies onto their invoices), so that an event arriving
    after `customer.deleted` unlinked the customer still finds its reader."""
    customer_id = customer_of(obj)
    user = money.reader_for_customer(customer_id) if customer_id else None
    if user is None:
        user = money.reader_for_key(_user_key(obj), customer_id)
    if user is None:
        raise CustomerNotLinked(f"customer {customer_id} is not linked to a reader yet")
    return user


def _user_key(obj: dict) -> str | None:
    details = (obj.get("parent") or {}).get("subscription_details") or {}
    for metadata in (obj.get("metadata"), details.get("metadata")):
        if isinstance(metadata, dict) and isinstance(metadata.get("user_key"), str):
            return metadata["user_key"]
    return None


def _subscription_id(obj: dict) -> str | None:
    if obj.get("object") == "subscription":
        return obj["id"]
    details = (obj.get("parent") or {}).get("subscription_details") or {}
    return details.get("subscription") or obj.get("subscription")


def sync_subscription(obj: dict, event_type: str) -> None:
    """Subscription events: re-fetch the subscription and apply its current state."""
    money.sync_subscription(_reader(obj), _subscription_id(obj), cause=event_type)


def invoice_paid(obj: dict, event_type: str) -> None:
    """A subscription payment: re-fetched, so that the intent and charge that paid it (Stripe
    sends `invoice.payments` only when expanded) are recorded with it, and refunds and disputes of
    that charge find this payment."""
    user = _reader(obj)
    invoice = get_gateway().retrieve_invoice(obj["id"])
    subscription_id = invoice.subscription_id
    if subscription_id:
        money.sync_subscription(user, subscription_id, cause=event_type)
        money.settle_attempts(subscription_id=subscription_id, to=AttemptStatus.SUCCEEDED)
    money.record_payment(
        user, kind="subscription", invoice_id=invoice.id, subscription_id=subscription_id,
        payment_intent_id=invoice.payment_intent_id, charge_id=invoice.charge_id,
        amount=invoice.amount_paid, currency=invoice.currency, status=PaymentStatus.PAID,
        receipt_url=invoice.hosted_invoice_url, interval=_plan_interval(user, subscription_id),
    )  # fmt: skip


def invoice_failed(obj: dict, event_type: str) -> None:
    """A failed subscription payment, re-fetched: Stripe reports the card's decline on the
    payment intent's `last_payment_error`, not on the invoice."""
    user = _reader(obj)
    invoice = get_gateway().retrieve_invoice(obj["id"])
    subscription_id = invoice.subscription_id
    code = invoice.failure_code or "payment_failed"
    if subscription_id:
        money.sync_subscription(user, subscription_id, cause=event_type)
        money.settle_attempts(subscription_id=subscription_id, to=AttemptStatus.FAILED, code=code)
    money.record_payment(
        user, kind="subscription", invoice_id=invoice.id, subscription_id=subscription_id,
        payment_intent_id=invoice.payment_intent_id, amount=invoice.amount_due,
        currency=invoice.currency, status=PaymentStatus.FAILED, failure_code=code,
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
        money.sync_subscription(_reader(obj), subscription_id, cause=event_type)


def gift_succeeded(obj: dict, event_type: str) -> None:
    """A one-time gift was paid (subscription payments arrive as invoice events instead)."""
    if (obj.get("metadata") or {}).get("kind") != "gift":
        return
    user = _reader(obj)
    money.record_payment(
        user, kind="gift", payment_intent_id=obj["id"], charge_id=obj.get("latest_charge"),
        amount=obj.get("amount_received") or obj["amount"], currency=obj["currency"],
        status=PaymentStatus.PAID,
    )  # fmt: skip
    money.settle_attempts(payment_intent_id=obj["id"], to=AttemptStatus.SUCCEEDED)


def gift_failed(obj: dict, event_type: str) -> None:
    if (obj.get("metadata") or {}).get("kind") != "gift":
        return
    _reader(obj)
    error = obj.get("last_payment_error") or {}
    code = error.get("decline_code") or error.get("code") or "payment_failed"
    money.settle_attempts(payment_intent_id=obj["id"], to=AttemptStatus.FAILED, code=code)


def charge_refunded(obj: dict, event_type: str) -> None:
    """The charge's refunded total; a payment refunded in full becomes refunded."""
    payment = _payment_for_charge(obj)
    payment.charge_id = payment.charge_id or obj["id"]
    payment.amount_refunded = obj.get("amount_refunded") or 0
    if payment.amount_refunded >= payment.amount:
        money.set_payment_status(payment, PaymentStatus.REFUNDED)
    db.session.flush()


def dispute_created(obj: dict, event_type: str) -> None:
    charge = {"id": obj.get("charge"), "payment_intent": obj.get("payment_intent"),
              "amount": obj.get("amount"), "currency": obj.get("currency")}  # fmt: skip
    payment = _payment_for_charge(charge, owner=obj)
    money.set_payment_status(payment, PaymentStatus.DISPUTED)
    payment.dispute_id = obj["id"]
    db.session.flush()


def customer_updated(obj: dict, event_type: str) -> None:
    """Nothing of ours follows the provider's copy of the customer; it must be linked, though."""
    _reader(obj)


def customer_deleted(obj: dict, event_type: str) -> None:
    user = money.reader_for_customer(obj["id"])
    if user is not None:
        user.stripe_customer_id = None
        db.session.flush()


def _payment_for_charge(charge: dict, owner: dict | None = None) -> Payment:
    """Our payment for a charge (by charge or payment intent id), recorded now if we lack it."""
    ids = [Payment.charge_id == charge["id"]]
    if charge.get("payment_intent"):
        ids.append(Payment.payment_intent_id == charge["payment_intent"])
    payment = db.session.scalar(select(Payment).where(or_(*ids)))
    if payment is None:
        user = money.reader_for_customer(customer_of(owner or charge) or "")
        kind = "gift" if db.session.scalar(
            select(PaymentAttempt.id).where(PaymentAttempt.payment_intent_id == charge.get("payment_intent"))
        ) else "subscription"  # fmt: skip
        payment = Payment(
            user_id=user.id if user else None, kind=kind, charge_id=charge["id"],
            payment_intent_id=charge.get("payment_intent"), amount=charge.get("amount") or 0,
            currency=charge.get("currency") or "usd",
        )  # fmt: skip
        money.set_payment_status(payment, PaymentStatus.PAID)
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
