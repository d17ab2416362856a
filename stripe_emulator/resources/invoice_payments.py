"""Invoice payments: the link between an invoice and the PaymentIntent that pays it, and the
invoice's includable `payments` and `confirmation_secret`
(https://docs.stripe.com/api/invoice-payment)."""

from typing import Any

from ..fixtures import build
from ..render import includable, page
from ..routing import Request, route
from ..store import Store
from .common import where


def new_payment(store: Store, invoice: dict[str, Any], intent_id: str, now: int) -> dict[str, Any]:
    """The open default invoice payment of a finalised invoice, paid by the PaymentIntent.

    https://docs.stripe.com/api/invoice-payment/object: the `payment` hash holds its `type` and
    the id of that type only; `payment.charge` is surfaced only for a charge made without a
    PaymentIntent ("If the charge object does have a payment intent, the Invoice Payment
    surfaces the payment intent instead"). Every emulated charge has one, so the hash is always
    {"type": "payment_intent", "payment_intent": ...}: the charge is the intent's latest_charge.
    """
    payment = build(
        "invoice_payment",
        {
            "amount_paid": None,
            "amount_requested": invoice["amount_due"],
            "created": now,
            "currency": invoice["currency"],
            "id": store.new_id("inpay"),
            "invoice": invoice["id"],
            "is_default": True,
            "livemode": False,
            "object": "invoice_payment",
            "payment": {"type": "payment_intent", "payment_intent": intent_id},
            "status": "open",
            "status_transitions": {"canceled_at": None, "paid_at": None},
        },
    )
    return store.put("invoice_payment", payment)


def payment_of(store: Store, invoice: dict[str, Any]) -> dict[str, Any] | None:
    """The invoice's (default) invoice payment, if it was finalised with something due."""
    return next((p for p in store.live("invoice_payment") if p["invoice"] == invoice["id"]), None)


@includable("invoice", "payments")
def payments_of(store: Store, invoice: dict[str, Any]) -> dict[str, Any]:
    """invoice.payments (includable): the invoice's payments, with the URL listing them all
    (https://docs.stripe.com/api/invoice-payment/list)."""
    items = [p for p in store.live("invoice_payment") if p["invoice"] == invoice["id"]]
    return page(store, items, {"limit": 100}, f"/v1/invoice_payments?invoice={invoice['id']}")


@includable("invoice", "confirmation_secret")
def confirmation_secret(store: Store, invoice: dict[str, Any]) -> dict[str, Any] | None:
    """invoice.confirmation_secret (includable): what the Payment Element confirms."""
    intent = store.find("payment_intent", store.get("invoice", invoice["id"])["_intent"])
    if intent is None:
        return None
    return {"client_secret": intent["client_secret"], "type": "payment_intent"}


@route("GET", "/v1/invoice_payments/{payment_id}")
def retrieve_payment(store: Store, request: Request, payment_id: str) -> dict[str, Any]:
    """The invoice payment, or 404."""
    return store.public(store.get("invoice_payment", payment_id))


@route("GET", "/v1/invoice_payments")
def list_payments(store: Store, request: Request) -> dict[str, Any]:
    """Invoice payments, by invoice or by payment[type]+payment[payment_intent]."""
    items = where(store.live("invoice_payment"), request.params, "invoice", "status")
    wanted = request.params.get("payment")
    if isinstance(wanted, dict):
        items = [
            p
            for p in items
            if p["payment"]["type"] == wanted.get("type", p["payment"]["type"])
            and p["payment"].get("payment_intent")
            == wanted.get("payment_intent", p["payment"].get("payment_intent"))
        ]
    return page(store, items, request.params, "/v1/invoice_payments")
