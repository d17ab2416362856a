"""Stripe objects, as plain dicts, turned into the gateway's dataclasses.

The input is the JSON shape Stripe sends (API version 2026-10-28.endive): what
`StripeObject.to_dict()` returns, or `data.object` of a webhook event, so the same functions serve
API responses and events. This module does not import `stripe`. A malformed object raises
`GatewayError`, never KeyError or TypeError.
"""

from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import Any

from .gateway import GatewayError, Invoice, PaymentIntent, Subscription


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
            amount=int(price["unit_amount"]),
            currency=str(price["currency"]),
            interval=str(price["recurring"]["interval"]),
            item_id=str(item["id"]),
            latest_invoice_id=expandable_id(obj.get("latest_invoice")),
            client_secret=confirmation_client_secret(obj.get("latest_invoice")),
            metadata=metadata_of(obj),
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
        )


def invoice_subscription_id(obj: Mapping[str, Any]) -> str | None:
    """The subscription that generated the invoice (`parent.subscription_details.subscription`)."""
    details = (obj.get("parent") or {}).get("subscription_details") or {}
    return expandable_id(details.get("subscription"))


def invoice_from_stripe(obj: Mapping[str, Any], customer_id: str | None = None) -> Invoice:
    """An `Invoice` from a Stripe invoice; `customer_id` stands in if the invoice names none."""
    with _reading("invoice", obj):
        customer = expandable_id(obj.get("customer")) or customer_id
        if customer is None:
            raise ValueError("no customer")
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
        )
