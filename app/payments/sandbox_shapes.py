"""Stripe-shaped objects for the sandbox (field names and nesting as in Stripe's API version
2026-10-28: periods on subscription items, invoice -> subscription under `parent`). They are read
back by `stripe_convert`, the same code that reads Stripe's own objects."""

import calendar
import time
from datetime import UTC, datetime

API_VERSION = "2026-10-28.endive"


def _now() -> int:
    return int(time.time())


def _add_interval(timestamp: int, interval: str) -> int:
    moment = datetime.fromtimestamp(timestamp, UTC)
    months = 12 if interval == "year" else 1
    month = moment.month - 1 + months
    year, month = moment.year + month // 12, month % 12 + 1
    day = min(moment.day, calendar.monthrange(year, month)[1])
    return int(moment.replace(year=year, month=month, day=day).timestamp())


def customer(email: str, user_key: str, locale: str) -> dict:
    return {"object": "customer", "email": email, "created": _now(), "livemode": False,
            "metadata": {"user_key": user_key}, "preferred_locales": [locale],
            "invoice_settings": {"default_payment_method": None}}  # fmt: skip


def subscription(sub_id, customer_id, amount, currency, interval, metadata) -> dict:
    now = _now()
    item = {"id": f"si_{sub_id[4:]}", "object": "subscription_item", "quantity": 1,
            "current_period_start": now, "current_period_end": _add_interval(now, interval),
            "price": {"object": "price", "id": f"price_{sub_id[4:]}", "product": "enab_membership",
                      "currency": currency, "unit_amount": amount, "type": "recurring",
                      "recurring": {"interval": interval, "interval_count": 1}}}  # fmt: skip
    return {"object": "subscription", "customer": customer_id, "status": "incomplete",
            "cancel_at_period_end": False, "canceled_at": None, "ended_at": None, "created": now,
            "start_date": now, "currency": currency, "collection_method": "charge_automatically",
            "items": {"object": "list", "data": [item]}, "metadata": dict(metadata),
            "livemode": False}  # fmt: skip


def set_price(data: dict, amount: int, currency: str, interval: str) -> None:
    price = data["items"]["data"][0]["price"]
    price.update(
        unit_amount=amount, currency=currency, recurring={"interval": interval, "interval_count": 1}
    )


def price_of(data: dict) -> tuple[int, str]:
    price = data["items"]["data"][0]["price"]
    return price["unit_amount"], price["currency"]


def advance_period(data: dict) -> None:
    item = data["items"]["data"][0]
    item["current_period_start"] = item["current_period_end"]
    item["current_period_end"] = _add_interval(
        item["current_period_end"], item["price"]["recurring"]["interval"]
    )


def invoice(customer_id, sub_id, amount, currency, reason) -> dict:
    return {"object": "invoice", "customer": customer_id, "status": "open", "amount_due": amount,
            "amount_paid": 0, "amount_remaining": amount, "currency": currency, "created": _now(),
            "billing_reason": reason, "attempt_count": 0, "hosted_invoice_url": None,
            "number": None, "livemode": False,
            "parent": {"type": "subscription_details", "quote_details": None,
                       "subscription_details": {"subscription": sub_id, "metadata": {}}}}  # fmt: skip


def payment_intent(customer_id, amount, currency, metadata) -> dict:
    return {"object": "payment_intent", "customer": customer_id, "amount": amount,
            "amount_received": 0, "currency": currency, "status": "requires_payment_method",
            "created": _now(), "metadata": metadata, "latest_charge": None,
            "last_payment_error": None, "automatic_payment_methods": {"enabled": True},
            "livemode": False}  # fmt: skip


def charge(intent: dict) -> dict:
    return {"object": "charge", "amount": intent["amount"], "amount_refunded": 0,
            "amount_captured": intent["amount"], "captured": True, "refunded": False,
            "paid": True, "status": "succeeded", "currency": intent["currency"],
            "customer": intent["customer"], "payment_intent": intent["id"], "created": _now(),
            "disputed": False, "livemode": False}  # fmt: skip


def event(event_id: str, event_type: str, obj: dict) -> dict:
    return {"id": event_id, "object": "event", "api_version": API_VERSION, "created": _now(),
            "type": event_type, "data": {"object": obj}, "livemode": False, "pending_webhooks": 1,
            "request": {"id": None, "idempotency_key": None}}  # fmt: skip
