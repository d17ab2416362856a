"""What each provider event does. Membership rules stay in `membership.apply`; money is upserted
by the provider's ids, so applying an event twice would change nothing either."""

import logging

from sqlalchemy import select

from ..extensions import db
from ..models import AttemptStatus, Payment, PaymentAttempt, PaymentKind, PaymentStatus, User
from ..payments import get_gateway
from ..payments.gateway import Charge, Invoice
from . import gifts, money, notices

log = logging.getLogger(__name__)


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


def invoice_changed(obj: dict, event_type: str) -> None:
    """invoice.paid and invoice.payment_failed: the invoice re-fetched (with its payments: Stripe
    includes them only when expanded) decides, so a late failure of an invoice since paid records
    it as paid, and amount, interval and payment time come from the invoice itself."""
    user = _reader(obj)
    invoice = get_gateway().retrieve_invoice(obj["id"])
    if event_type == "invoice.payment_failed" and invoice.subscription_id:
        code = invoice.failure_code or "payment_failed"
        money.settle_attempts(subscription_id=invoice.subscription_id, to=AttemptStatus.FAILED,
                              code=code)  # fmt: skip
    record_invoice(user, invoice, event_type)


def record_invoice(user: User, invoice: Invoice, cause: str) -> Payment | None:
    """Our payment for a subscription invoice as Stripe has it now (paid, or tried and failed),
    with its charge's refunds and dispute when paid; the subscription re-applied."""
    subscription_id = invoice.subscription_id
    if subscription_id:
        money.sync_subscription(user, subscription_id, cause=cause)
    if invoice.status == "paid":
        if subscription_id:
            money.settle_attempts(subscription_id=subscription_id, to=AttemptStatus.SUCCEEDED)
        payment = money.record_payment(
            user, kind=PaymentKind.SUBSCRIPTION, invoice_id=invoice.id, subscription_id=subscription_id,
            payment_intent_id=invoice.payment_intent_id, charge_id=invoice.charge_id,
            amount=invoice.amount_paid, currency=invoice.currency, status=PaymentStatus.PAID,
            receipt_url=invoice.hosted_invoice_url, interval=invoice.interval,
            paid_at=invoice.paid_at,
        )  # fmt: skip
        if invoice.charge_id:
            money.apply_charge(payment, get_gateway().retrieve_charge(invoice.charge_id))
        notices.payment_received(user, payment)
        return payment
    if invoice.failure_code:
        payment = money.record_payment(
            user, kind=PaymentKind.SUBSCRIPTION, invoice_id=invoice.id, subscription_id=subscription_id,
            payment_intent_id=invoice.payment_intent_id, amount=invoice.amount_due,
            currency=invoice.currency, status=PaymentStatus.FAILED,
            failure_code=invoice.failure_code, interval=invoice.interval,
        )  # fmt: skip
        notices.payment_failed(user, payment)
        return payment
    return None


def invoice_action_required(obj: dict, event_type: str) -> None:
    """A renewal waiting for the member's bank (3-D Secure): told so while the invoice, as
    re-fetched, is still open."""
    subscription_id = _subscription_id(obj)
    if subscription_id:
        user = _reader(obj)
        money.sync_subscription(user, subscription_id, cause=event_type)
        notices.action_required(user, get_gateway().retrieve_invoice(obj["id"]))


def _is_donation(intent: dict) -> bool:
    """Our one-time donations' payment intents, including those created while they were still
    called gifts (their metadata keeps the old word; gift memberships say `gifts.METADATA_KIND`)."""
    return (intent.get("metadata") or {}).get("kind") in (PaymentKind.DONATION, "gift")


def gift_paid(obj: dict, event_type: str) -> None:
    """A gift membership's payment intent succeeded: the gift follows its payment as Stripe has
    it now (`gifts.sync_gift`). Its row is committed just after the intent is made: an event
    arriving first waits, parked, like one for a customer not linked yet."""
    _reader(obj)
    gift = gifts.gift_for_intent(obj["id"])
    if gift is None:
        raise CustomerNotLinked(f"gift of payment intent {obj['id']} is not recorded yet")
    gifts.sync_gift(gift)


def donation_succeeded(obj: dict, event_type: str) -> None:
    """A one-time donation was paid (subscription payments arrive as invoice events instead)."""
    if gifts.is_gift_intent(obj):
        gift_paid(obj, event_type)
        return
    if not _is_donation(obj):
        return
    user = _reader(obj)
    payment = money.record_payment(
        user, kind=PaymentKind.DONATION, payment_intent_id=obj["id"], charge_id=obj.get("latest_charge"),
        amount=obj.get("amount_received") or obj["amount"], currency=obj["currency"],
        status=PaymentStatus.PAID,
    )  # fmt: skip
    money.settle_attempts(payment_intent_id=obj["id"], to=AttemptStatus.SUCCEEDED)
    if obj.get("latest_charge"):
        money.apply_charge(payment, get_gateway().retrieve_charge(str(obj["latest_charge"])))
    notices.donation_received(user, payment)


def donation_failed(obj: dict, event_type: str) -> None:
    """A one-time payment (a donation's or a gift's) declined: its attempt counts the decline."""
    if not (_is_donation(obj) or gifts.is_gift_intent(obj)):
        return
    _reader(obj)
    error = obj.get("last_payment_error") or {}
    code = error.get("decline_code") or error.get("code") or "payment_failed"
    money.settle_attempts(payment_intent_id=obj["id"], to=AttemptStatus.FAILED, code=code)


def charge_changed(obj: dict, event_type: str) -> None:
    """Refund events: the charge re-fetched with all its refunds decides the refunded amount, so
    an older, smaller refund delivered last never shrinks it."""
    charge_id = obj.get("id") if obj.get("object") == "charge" else _id(obj.get("charge"))
    if not charge_id:
        log.warning("%s %s names no charge: ignored", event_type, obj.get("id"))
        return
    _apply_charge(charge_id)


def dispute_changed(obj: dict, event_type: str) -> None:
    """Dispute events: the charge and its dispute re-fetched. A dispute naming no charge is
    refused, never matched to some payment by a missing id."""
    charge_id = _id(obj.get("charge"))
    if not charge_id:
        log.warning("%s %s names no charge: ignored", event_type, obj.get("id"))
        return
    _apply_charge(charge_id)


def _apply_charge(charge_id: str) -> None:
    gateway = get_gateway()
    charge = gateway.retrieve_charge(charge_id)
    payment = money.find_payment(payment_intent_id=charge.payment_intent_id, charge_id=charge.id)
    if payment is None:
        payment = gifts.payment_from_charge(charge) or _payment_from_charge(charge)
    if payment is not None:
        money.apply_charge(payment, charge)
        gifts.payment_changed(payment)


def _payment_from_charge(charge: Charge) -> Payment | None:
    """A refund or dispute arriving before the payment it is about: record that payment from
    Stripe's own objects (the invoice the charge paid, or our donation), with its reader; a charge
    that is none of ours records nothing."""
    if charge.customer_id is None or charge.status != "succeeded" or not charge.payment_intent_id:
        log.info("charge %s is not one of our payments: ignored", charge.id)
        return None
    user = _reader({"customer": charge.customer_id})
    invoice_id = get_gateway().invoice_for_payment_intent(charge.payment_intent_id)
    if invoice_id:
        return record_invoice(user, get_gateway().retrieve_invoice(invoice_id), "charge event")
    donation = db.session.scalar(select(PaymentAttempt.id).where(
        PaymentAttempt.payment_intent_id == charge.payment_intent_id, PaymentAttempt.kind == PaymentKind.DONATION
    ))  # fmt: skip
    if donation is None:
        log.info("charge %s is not one of our payments: ignored", charge.id)
        return None
    return money.record_payment(
        user, kind=PaymentKind.DONATION, payment_intent_id=charge.payment_intent_id, charge_id=charge.id,
        amount=charge.amount, currency=charge.currency, status=PaymentStatus.PAID,
        paid_at=charge.created,
    )  # fmt: skip


def _id(value: object) -> str | None:
    if isinstance(value, dict):
        value = value.get("id")
    return value if isinstance(value, str) and value else None


def customer_updated(obj: dict, event_type: str) -> None:
    """Nothing of ours follows the provider's copy of the customer; it must be linked, though."""
    _reader(obj)


def customer_deleted(obj: dict, event_type: str) -> None:
    user = money.reader_for_customer(obj["id"])
    if user is not None:
        user.stripe_customer_id = None
        db.session.flush()


HANDLERS = {
    "customer.subscription.created": sync_subscription,
    "customer.subscription.updated": sync_subscription,
    "customer.subscription.deleted": sync_subscription,
    "invoice.paid": invoice_changed,
    "invoice.payment_failed": invoice_changed,
    "invoice.payment_action_required": invoice_action_required,
    "payment_intent.succeeded": donation_succeeded,
    "payment_intent.payment_failed": donation_failed,
    "charge.refunded": charge_changed,
    "charge.refund.updated": charge_changed,
    "refund.created": charge_changed,
    "refund.updated": charge_changed,
    "charge.dispute.created": dispute_changed,
    "charge.dispute.updated": dispute_changed,
    "charge.dispute.closed": dispute_changed,
    "charge.dispute.funds_withdrawn": dispute_changed,
    "charge.dispute.funds_reinstated": dispute_changed,
    "customer.updated": customer_updated,
    "customer.deleted": customer_deleted,
}
