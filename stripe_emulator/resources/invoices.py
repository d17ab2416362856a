"""Invoices and their lines: the objects, void, and the endpoints that read them
(https://docs.stripe.com/api/invoices, https://docs.stripe.com/api/invoices/line_item).

Finalising and paying are in `collection`, payment outcomes in `billing`, invoice payments in
`invoice_payments`.
"""

from typing import Any

from ..errors import state_error
from ..fixtures import build
from ..render import page
from ..routing import Request, route
from ..store import Store
from .common import money, where
from .invoice_payments import payment_of


def describe(price: dict[str, Any], store: Store) -> str:
    """Stripe's line description: "1 × Product (at $10.00 / month)"."""
    product = store.find("product", price["product"])
    name = product["name"] if product else price["product"]
    interval = price["recurring"]["interval"] if price["recurring"] else "once"
    return f"1 × {name} (at {money(price['unit_amount'], price['currency'])} / {interval})"


def new_line(
    store: Store,
    invoice_id: str,
    subscription: dict[str, Any],
    price: dict[str, Any],
    amount: int,
    period: tuple[int, int],
    description: str,
    proration: bool,
) -> dict[str, Any]:
    """An invoice line for the subscription's item at `price`.

    Since 2025-03-31.basil the line names its subscription item under
    parent.subscription_item_details; a proration comes from an invoice item (invoice_item set).
    """
    item_id = subscription["items"]["data"][0]["id"]
    return build(
        "line_item",
        {
            "amount": amount,
            "currency": price["currency"],
            "description": description,
            "discount_amounts": [],
            "discountable": not proration,
            "discounts": [],
            "id": store.new_id("il"),
            "invoice": invoice_id,
            "livemode": False,
            "metadata": {},
            "object": "line_item",
            "period": {"end": period[1], "start": period[0]},
            "quantity": 1,
            "subscription": subscription["id"],
            "pretax_credit_amounts": [],
            "taxes": [],
            "parent": {
                "invoice_item_details": None,
                "subscription_item_details": {
                    "invoice_item": store.new_id("ii") if proration else None,
                    "proration": proration,
                    "proration_details": {"credited_items": None},
                    "subscription": subscription["id"],
                    "subscription_item": item_id,
                },
                "type": "subscription_item_details",
            },
            "pricing": {
                "price_details": {"price": price["id"], "product": price["product"]},
                "type": "price_details",
                "unit_amount_decimal": price["unit_amount_decimal"],
            },
            "subtotal": amount,
            "quantity_decimal": "1",
        },
    )


def for_subscription(
    store: Store,
    subscription: dict[str, Any],
    billing_reason: str,
    prorations: list[dict[str, Any]],
    charged: tuple[dict[str, Any], tuple[int, int]] | None,
    period: tuple[int, int],
) -> dict[str, Any]:
    """A draft invoice of `subscription` for `period`, now its latest_invoice (invoice.created):
    a proration line per waiting line spec of `prorations` (price, amount, period,
    description), then, with `charged` = (price, period), the price for that period."""
    invoice_id = store.new_id("in")
    specs = [
        (store.get("price", s["price"]), s["amount"], tuple(s["period"]), s["description"], True)
        for s in prorations
    ]
    if charged is not None:
        price, charged_period = charged
        specs.append((price, price["unit_amount"], charged_period, describe(price, store), False))
    lines = [new_line(store, invoice_id, subscription, *spec) for spec in specs]
    invoice = new_invoice(store, subscription, billing_reason, lines, period, invoice_id)
    subscription["latest_invoice"] = invoice_id
    return invoice


def new_invoice(
    store: Store,
    subscription: dict[str, Any],
    billing_reason: str,
    lines: list[dict[str, Any]],
    period: tuple[int, int],
    invoice_id: str,
) -> dict[str, Any]:
    """A draft subscription invoice holding `lines` (invoice.created)."""
    customer = store.get("customer", subscription["customer"])
    now = store.now(customer["id"])
    total = sum(line["amount"] for line in lines)
    invoice = build(
        "invoice",
        {
            "account_country": "US",
            "account_name": "Stripe emulator",
            "account_tax_ids": None,
            "amount_due": max(total, 0),
            "amount_paid": 0,
            "amount_remaining": max(total, 0),
            "amount_shipping": 0,
            "application": None,
            "attempt_count": 0,
            "attempted": False,
            "auto_advance": True,
            "automatic_tax": {
                "enabled": False,
                "liability": None,
                "status": None,
                "disabled_reason": None,
                "provider": None,
            },
            "billing_reason": billing_reason,
            "collection_method": "charge_automatically",
            "created": now,
            "currency": subscription["currency"],
            "custom_fields": None,
            "customer": customer["id"],
            "customer_address": None,
            "customer_email": customer["email"],
            "customer_name": customer["name"],
            "customer_phone": customer["phone"],
            "customer_shipping": None,
            "customer_tax_exempt": "none",
            "customer_tax_ids": [],
            "default_payment_method": None,
            "default_source": None,
            "default_tax_rates": [],
            "description": None,
            "discounts": [],
            "due_date": None,
            "effective_at": None,
            "ending_balance": None,
            "footer": None,
            "from_invoice": None,
            "hosted_invoice_url": None,
            "id": invoice_id,
            "invoice_pdf": None,
            "issuer": {"type": "self"},
            "last_finalization_error": None,
            "latest_revision": None,
            "lines": {
                "data": lines,
                "has_more": False,
                "object": "list",
                "url": f"/v1/invoices/{invoice_id}/lines",
            },
            "livemode": False,
            "metadata": {},
            "next_payment_attempt": None,
            "number": None,
            "object": "invoice",
            "on_behalf_of": None,
            "payment_settings": {
                "default_mandate": None,
                "payment_method_options": None,
                "payment_method_types": None,
            },
            "period_end": period[1],
            "period_start": period[0],
            "post_payment_credit_notes_amount": 0,
            "pre_payment_credit_notes_amount": 0,
            "receipt_number": None,
            "rendering": None,
            "shipping_cost": None,
            "shipping_details": None,
            "starting_balance": 0,
            "statement_descriptor": None,
            "status": "draft",
            "status_transitions": {
                "finalized_at": None,
                "marked_uncollectible_at": None,
                "paid_at": None,
                "voided_at": None,
            },
            # Removed from the API in 2025-03-31.basil: the subscription is under `parent`.
            "subscription": None,
            "subtotal": total,
            "subtotal_excluding_tax": total,
            "test_clock": customer["test_clock"],
            "total": total,
            "total_discount_amounts": [],
            "total_excluding_tax": total,
            "webhooks_delivered_at": None,
            "automatically_finalizes_at": None,
            "total_pretax_credit_amounts": [],
            "total_taxes": [],
            "amount_overpaid": 0,
            "parent": {
                "quote_details": None,
                "subscription_details": {
                    "metadata": dict(subscription["metadata"]),
                    "subscription": subscription["id"],
                },
                "type": "subscription_details",
            },
            "customer_account": None,
            "_subscription": subscription["id"],
            "_intent": None,
            "_first_failure": None,
            "_pending_update": False,
            "_mode": None,
        },
    )
    store.put("invoice", invoice)
    store.emit("invoice.created", invoice)
    return invoice


def void(store: Store, invoice: dict[str, Any]) -> None:
    """Void the invoice: its PaymentIntent canceled, nothing more collected (invoice.voided)."""
    now = store.now(invoice["customer"])
    invoice.update(status="void", auto_advance=False, next_payment_attempt=None)
    invoice["status_transitions"]["voided_at"] = now
    intent = store.find("payment_intent", invoice["_intent"])
    if intent is not None and intent["status"] not in ("succeeded", "canceled"):
        intent.update(
            status="canceled", canceled_at=now, cancellation_reason="void_invoice", next_action=None
        )
        store.emit("payment_intent.canceled", intent)
    payment = payment_of(store, invoice)
    if payment is not None and payment["status"] == "open":
        payment["status"] = "canceled"
        payment["status_transitions"]["canceled_at"] = now
    store.emit("invoice.voided", invoice)


@route("GET", "/v1/invoices/{invoice_id}")
def retrieve(store: Store, request: Request, invoice_id: str) -> dict[str, Any]:
    """The invoice, or 404."""
    return store.public(store.get("invoice", invoice_id))


@route("GET", "/v1/invoices/{invoice_id}/lines")
def lines(store: Store, request: Request, invoice_id: str) -> dict[str, Any]:
    """The invoice's lines."""
    invoice = store.get("invoice", invoice_id)
    return page(store, invoice["lines"]["data"], request.params, invoice["lines"]["url"])


@route("GET", "/v1/invoices")
def list_invoices(store: Store, request: Request) -> dict[str, Any]:
    """Invoices, newest first, filtered by customer, subscription, status."""
    items = where(store.live("invoice"), request.params, "customer", "status")
    if request.params.get("subscription"):
        items = [i for i in items if i["_subscription"] == request.params["subscription"]]
    return page(store, items, request.params, "/v1/invoices")


@route("POST", "/v1/invoices/{invoice_id}/void")
def void_invoice(store: Store, request: Request, invoice_id: str) -> dict[str, Any]:
    """Void an open invoice."""
    invoice = store.get("invoice", invoice_id)
    if invoice["status"] not in ("open", "uncollectible"):
        raise state_error(
            f"You can only void an invoice that is open or uncollectible; this one is "
            f"{invoice['status']}.",
            code="invoice_not_editable",
        )
    void(store, invoice)
    return store.public(invoice)
