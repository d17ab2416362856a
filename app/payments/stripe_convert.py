"""Stripe objects, as plain dicts, turned into the gateway's dataclasses.

The input is the JSON shape Stripe sends (API version 2026-10-28.endive): what
`StripeObject.to_dict()` returns, or `data.object` of a webhook event, so the same functions serve
API responses and events. This module does not import `stripe`. A malformed object raises
`GatewayError`, never KeyError or TypeError.
"""

import re
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import Any

from .gateway import (
    Charge,
    Customer,
    Dispute,
    GatewayError,
    Invoice,
    MalformedEvent,
    PaymentIntent,
    Refund,
    Subscription,
)

# Stripe's ids are opaque strings of at most 255 characters whose prefixes may change
# (https://docs.stripe.com/upgrades, "backward-compatible changes"); event types are dotted
# lower-case words, and our ledger keeps them in 100 characters.
MAX_ID, MAX_TYPE = 255, 100
EVENT_TYPE = re.compile(r"[a-z0-9_]+(\.[a-z0-9_]+)+")
# The subscription metadata key that holds, while collection is paused, the end of the period paid
# before the pause (a Unix timestamp), set by `StripeGateway.pause_collection`.
PAID_UNTIL = "paid_until"


def to_datetime(timestamp: int) -> datetime:
    """The Unix `timestamp` as an aware UTC datetime."""
    return datetime.fromtimestamp(int(timestamp), tz=UTC)


def to_optional_datetime(timestamp: int | None) -> datetime | None:
    """The Unix `timestamp` as an aware UTC datetime; None stays None."""
    return None if timestamp is None else to_datetime(timestamp)


def expandable_id(value: str | Mapping[str, Any] | None) -> str | None:
    """The id of a field Stripe sends either as an id or, when expanded, as the object."""
    if value is None or isinstance(value, str):
        return value
    return str(value["id"])


def required_id(value: str | Mapping[str, Any] | None) -> str:
    """`expandable_id` of a field Stripe always sets (ValueError if it is missing)."""
    found = expandable_id(value)
    if found is None:
        raise ValueError("missing id")
    return found


def metadata_of(obj: Mapping[str, Any]) -> dict[str, str]:
    """The object's metadata as a plain str -> str dict (empty when absent)."""
    return {str(key): str(value) for key, value in (obj.get("metadata") or {}).items()}


@contextmanager
def _reading(kind: str, obj: Mapping[str, Any]) -> Iterator[None]:
    """Turn a missing or mistyped field of `obj` into a GatewayError naming the object."""
    try:
        yield
    except (KeyError, IndexError, TypeError, ValueError, AttributeError) as error:
        raise GatewayError(f"unexpected {kind} from Stripe ({obj.get('id')}): {error!r}") from error


def confirmation_client_secret(invoice: str | Mapping[str, Any] | None) -> str | None:
    """The client secret of an expanded, still open invoice's payment (None otherwise).

    Needs `latest_invoice.confirmation_secret` expanded; a paid, void or draft invoice has nothing
    left to confirm, so it gives None.
    """
    if not isinstance(invoice, Mapping) or invoice.get("status") != "open":
        return None
    secret = invoice.get("confirmation_secret")
    if not secret or secret.get("type") != "payment_intent":
        return None
    return str(secret["client_secret"])


def subscription_from_stripe(obj: Mapping[str, Any]) -> Subscription:
    """A `Subscription` from a Stripe subscription with one item.

    Amount, currency and interval come from the item's price, the period end from the item (this API
    version has no period on the subscription), the client secret from the expanded latest invoice.
    """
    with _reading("subscription", obj):
        items = obj["items"]["data"]
        if not items:
            raise ValueError("no items")
        item = items[0]
        price = item["price"]
        return Subscription(
            id=str(obj["id"]),
            customer_id=required_id(obj["customer"]),
            status=str(obj["status"]),
            cancel_at_period_end=bool(obj.get("cancel_at_period_end")),
            current_period_end=to_optional_datetime(item.get("current_period_end")),
            current_period_start=to_optional_datetime(item.get("current_period_start")),
            amount=int(price["unit_amount"]),
            currency=str(price["currency"]),
            interval=str(price["recurring"]["interval"]),
            item_id=str(item["id"]),
            latest_invoice_id=expandable_id(obj.get("latest_invoice")),
            client_secret=confirmation_client_secret(obj.get("latest_invoice")),
            metadata=metadata_of(obj),
            pending_update=bool(obj.get("pending_update")),
            collection_paused=bool(obj.get("pause_collection")),
            pause_resumes_at=to_optional_datetime(
                (obj.get("pause_collection") or {}).get("resumes_at")
            ),
            paid_until=_timestamp(metadata_of(obj).get(PAID_UNTIL)),
        )


def _timestamp(value: str | None) -> datetime | None:
    """A Unix timestamp kept as text in metadata, as a datetime (None when absent or not one)."""
    return to_datetime(int(value)) if value and value.isdigit() else None


def customer_from_stripe(obj: Mapping[str, Any]) -> Customer:
    """A `Customer` from a Stripe customer, or from the stub a deleted one leaves (`deleted`)."""
    with _reading("customer", obj):
        return Customer(
            id=str(obj["id"]),
            email=obj.get("email") or None,
            deleted=bool(obj.get("deleted")),
            name=obj.get("name") or None,
            preferred_locales=tuple(str(locale) for locale in obj.get("preferred_locales") or ()),
        )


def payment_intent_from_stripe(obj: Mapping[str, Any]) -> PaymentIntent:
    """A `PaymentIntent` from a Stripe payment intent."""
    with _reading("payment_intent", obj):
        return PaymentIntent(
            id=str(obj["id"]),
            customer_id=expandable_id(obj.get("customer")),
            status=str(obj["status"]),
            amount=int(obj["amount"]),
            currency=str(obj["currency"]),
            client_secret=obj.get("client_secret"),
            latest_charge_id=expandable_id(obj.get("latest_charge")),
            metadata=metadata_of(obj),
            failure_code=_error_code(obj.get("last_payment_error")),
        )


def _error_code(error: Mapping[str, Any] | None) -> str | None:
    """The most specific reason of a Stripe error object: its decline code, else its code."""
    if not error:
        return None
    return error.get("decline_code") or error.get("code") or "payment_failed"


def intent_id_of(client_secret: str) -> str:
    """The PaymentIntent (or SetupIntent) a client secret belongs to: the part before `_secret_`,
    as stripe.js reads it."""
    return client_secret.split("_secret_", 1)[0]


def invoice_subscription_id(obj: Mapping[str, Any]) -> str | None:
    """The subscription that generated the invoice (`parent.subscription_details.subscription`)."""
    details = (obj.get("parent") or {}).get("subscription_details") or {}
    return expandable_id(details.get("subscription"))


def invoice_payment(obj: Mapping[str, Any]) -> tuple[str | None, str | None, str | None]:
    """The payment intent and charge that paid (or last tried to pay) the invoice, and the card's
    decline code if it failed, from its expanded `payments`.

    Stripe sends `payments` only when expanded, and the intent's `latest_charge` and
    `last_payment_error` (where a card decline is reported) only with
    `payments.data.payment.payment_intent` expanded too; without them all three are None.
    """
    listed = obj.get("payments") or {}
    payments = (listed.get("data") or []) if isinstance(listed, Mapping) else []
    paid = [p for p in payments if p.get("status") == "paid"] or payments
    for item in paid:
        payment = item.get("payment") or {}
        intent = payment.get("payment_intent")
        if not intent:
            continue
        if not isinstance(intent, Mapping):
            return str(intent), payment.get("charge"), None
        code = _error_code(intent.get("last_payment_error"))
        return str(intent["id"]), expandable_id(intent.get("latest_charge")), code
    return None, None, None


# A yearly period is 365 or 366 days, a monthly one 28 to 31: anything past this is a year.
LONGEST_MONTH = 32 * 86400


def invoice_interval(obj: Mapping[str, Any]) -> str | None:
    """The billing interval an invoice charges for, from its own lines: the period of the line for
    the subscription's price (not a proration), month or year; None when it has no such line."""
    for line in (obj.get("lines") or {}).get("data") or []:
        details = (line.get("parent") or {}).get("subscription_item_details") or {}
        period = line.get("period") or {}
        if details and not details.get("proration") and period.get("end") and period.get("start"):
            return "year" if period["end"] - period["start"] > LONGEST_MONTH else "month"
    return None


def invoice_from_stripe(obj: Mapping[str, Any], customer_id: str | None = None) -> Invoice:
    """An `Invoice` from a Stripe invoice; `customer_id` stands in if the invoice names none."""
    with _reading("invoice", obj):
        customer = expandable_id(obj.get("customer")) or customer_id
        if customer is None:
            raise ValueError("no customer")
        intent_id, charge_id, failure_code = invoice_payment(obj)
        return Invoice(
            id=str(obj["id"]),
            customer_id=customer,
            subscription_id=invoice_subscription_id(obj),
            status=str(obj.get("status") or "draft"),
            amount_due=int(obj["amount_due"]),
            amount_paid=int(obj["amount_paid"]),
            currency=str(obj["currency"]),
            created=to_datetime(obj["created"]),
            number=obj.get("number"),
            hosted_invoice_url=obj.get("hosted_invoice_url"),
            payment_intent_id=intent_id,
            charge_id=charge_id,
            failure_code=failure_code,
            paid_at=to_optional_datetime((obj.get("status_transitions") or {}).get("paid_at")),
            interval=invoice_interval(obj),
        )


def well_formed_event(event: Any) -> dict[str, Any]:
    """`event` if it has the shape of a Stripe event our ledger can store and apply, else
    MalformedEvent: an id and a type within Stripe's lengths, a whole-second `created`, and a
    `data.object` that is an object with an id."""
    if not isinstance(event, dict) or event.get("object") != "event":
        raise MalformedEvent("not a Stripe event")
    event_id, event_type, created = event.get("id"), event.get("type"), event.get("created")
    if not (isinstance(event_id, str) and 0 < len(event_id) <= MAX_ID):
        raise MalformedEvent("the event id is missing or longer than Stripe's ids")
    if not (isinstance(event_type, str) and len(event_type) <= MAX_TYPE
            and EVENT_TYPE.fullmatch(event_type)):  # fmt: skip
        raise MalformedEvent("the event type is missing or not one of Stripe's")
    if isinstance(created, bool) or not isinstance(created, int) or created <= 0:
        raise MalformedEvent("the event has no creation time")
    obj = (event.get("data") or {}).get("object") if isinstance(event.get("data"), dict) else None
    if not isinstance(obj, dict) or not isinstance(obj.get("object"), str):
        raise MalformedEvent("the event carries no object")
    for field in ("id", "customer"):
        value = obj.get(field)
        if value is not None and not isinstance(value, (str, dict)):
            raise MalformedEvent(f"the object's {field} is not an id")
        if isinstance(value, str) and len(value) > MAX_ID:
            raise MalformedEvent(f"the object's {field} is longer than Stripe's ids")
    return event


def refund_from_stripe(obj: Mapping[str, Any]) -> Refund:
    """A `Refund` from a Stripe refund."""
    with _reading("refund", obj):
        return Refund(
            id=str(obj["id"]), amount=int(obj["amount"]), currency=str(obj["currency"]),
            status=str(obj.get("status") or "pending"), created=to_datetime(obj["created"]),
        )  # fmt: skip


def charge_from_stripe(obj: Mapping[str, Any], dispute: Dispute | None = None) -> Charge:
    """A `Charge` from a Stripe charge; its refunds when `refunds` was expanded."""
    with _reading("charge", obj):
        listed = obj.get("refunds")
        refunds = (listed.get("data") or []) if isinstance(listed, Mapping) else []
        # https://docs.stripe.com/api/charges/object#charge_object-payment_method_details-card
        details = obj.get("payment_method_details")
        card = details.get("card") if isinstance(details, Mapping) else None
        card = card if isinstance(card, Mapping) else {}
        return Charge(
            id=str(obj["id"]), amount=int(obj["amount"]),
            amount_refunded=int(obj.get("amount_refunded") or 0), currency=str(obj["currency"]),
            created=to_datetime(obj["created"]), status=str(obj["status"]),
            payment_intent_id=expandable_id(obj.get("payment_intent")),
            dispute_id=dispute.id if dispute else None,
            dispute_status=dispute.status if dispute else None,
            disputed_at=dispute.created if dispute else None,
            customer_id=expandable_id(obj.get("customer")), disputed=bool(obj.get("disputed")),
            refunds=tuple(refund_from_stripe(refund) for refund in refunds),
            card_brand=str(card["brand"]) if card.get("brand") else None,
            card_last4=str(card["last4"]) if card.get("last4") else None,
        )  # fmt: skip


def dispute_from_stripe(obj: Mapping[str, Any]) -> Dispute:
    """A `Dispute` from a Stripe dispute (one without a charge is malformed)."""
    with _reading("dispute", obj):
        return Dispute(
            id=str(obj["id"]), charge_id=required_id(obj.get("charge")),
            payment_intent_id=expandable_id(obj.get("payment_intent")),
            amount=int(obj["amount"]), currency=str(obj["currency"]), status=str(obj["status"]),
            created=to_datetime(obj["created"]),
        )  # fmt: skip
