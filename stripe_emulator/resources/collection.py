"""Finalising subscription invoices and paying them: the PaymentIntent and invoice payment a
finalised invoice gets, and POST /v1/invoices/:id/pay
(https://docs.stripe.com/invoicing/overview#invoice-lifecycle, https://docs.stripe.com/api/invoices/pay).
"""

import copy
from typing import Any

from ..errors import card_error, state_error
from ..forms import as_bool
from ..routing import Request, route
from ..store import Store
from . import billing, payment_attempts, payment_methods
from .common import changes
from .intents import decline_error
from .invoice_payments import new_payment

# The PaymentIntent's description Stripe gives per billing reason.
INTENT_DESCRIPTIONS = {
    "subscription_create": "Subscription creation",
    "subscription_cycle": "Subscription update",
    "subscription_update": "Subscription update",
}


def finalize(store: Store, invoice: dict[str, Any]) -> None:
    """Draft -> open: number, customer balance applied, its PaymentIntent and invoice payment
    (invoice.finalized); an invoice with nothing due is paid at once.

    https://docs.stripe.com/invoicing/overview#invoice-lifecycle and
    https://docs.stripe.com/billing/customer/balance (a credit balance pays invoices first).
    """
    customer = store.get("customer", invoice["customer"])
    subscription = store.get("subscription", invoice["_subscription"])
    now = store.now(customer["id"])
    before_customer = copy.deepcopy(customer)
    applied = invoice["total"] + customer["balance"]
    invoice["starting_balance"] = customer["balance"]
    customer["balance"] = min(applied, 0)
    invoice["ending_balance"] = customer["balance"]
    invoice["amount_due"] = invoice["amount_remaining"] = max(applied, 0)
    invoice["number"] = f"{customer['invoice_prefix']}-{customer['next_invoice_sequence']:04d}"
    customer["next_invoice_sequence"] += 1
    if customer["currency"] is None:
        customer["currency"] = invoice["currency"]
    previous = changes(before_customer, customer)
    previous.pop("next_invoice_sequence", None)  # a counter, not a change Stripe announces
    if previous:
        store.emit("customer.updated", customer, previous)
    invoice.update(
        status="open",
        effective_at=now,
        automatically_finalizes_at=None,
        hosted_invoice_url=f"{store.public_url}/_emulator/invoices/{invoice['id']}",
        invoice_pdf=f"{store.public_url}/_emulator/invoices/{invoice['id']}/pdf",
    )
    invoice["status_transitions"]["finalized_at"] = now
    if invoice["amount_due"] > 0:
        save = subscription["payment_settings"]["save_default_payment_method"] == "on_subscription"
        intent = payment_attempts.new_intent(
            store,
            invoice["amount_due"],
            invoice["currency"],
            customer["id"],
            description=INTENT_DESCRIPTIONS.get(invoice["billing_reason"]),
            setup_future_usage="off_session" if save else None,
        )
        intent["_invoice"] = invoice["id"]
        invoice["_intent"] = intent["id"]
        new_payment(store, invoice, intent["id"], now)
    store.emit("invoice.finalized", invoice)
    if invoice["amount_due"] == 0:
        billing.mark_paid(store, invoice, None)


def raise_for_pay(store: Store, invoice: dict[str, Any]) -> None:
    """After POST /v1/invoices/:id/pay: Stripe's 402 when the attempt did not pay the invoice."""
    if invoice["status"] == "paid":
        return
    intent = store.get("payment_intent", invoice["_intent"])
    if intent["status"] == "requires_action":
        raise card_error(
            "invoice_payment_intent_requires_action",
            "This payment requires additional user action before it can be completed "
            "successfully. Payment can be completed using the PaymentIntent associated with the "
            "invoice. For more details see: "
            "https://docs.stripe.com/billing/subscriptions/overview#requires-action",
            payment_intent=store.public(intent),
        )
    error = intent["last_payment_error"]
    if error is None:
        raise state_error(
            "This customer has no attached payment source or default payment method. Please "
            "consider adding a default payment method.",
            code="invoice_no_payment_method_types",
        )
    raise decline_error(error, charge=error["charge"], payment_intent=store.public(intent))


@route("POST", "/v1/invoices/{invoice_id}/pay")
def pay(store: Store, request: Request, invoice_id: str) -> dict[str, Any]:
    """Charge the invoice now with `payment_method` or the default (see billing.collect)."""
    invoice = store.get("invoice", invoice_id)
    if invoice["status"] == "paid":
        raise state_error("Invoice is already paid", code="invoice_already_paid")
    if invoice["status"] == "void":
        raise state_error("You cannot pay a void invoice.", code="invoice_not_editable")
    if invoice["status"] == "draft":
        finalize(store, invoice)
    pm = None
    if request.params.get("payment_method"):
        pm = payment_methods.resolve(store, request.params["payment_method"], "payment_method")
        if pm["customer"] != invoice["customer"]:
            raise state_error(
                f"The PaymentMethod {pm['id']} does not belong to the Customer "
                f"{invoice['customer']}.",
                param="payment_method",
            )
    if invoice["status"] == "open":
        billing.collect(store, invoice, pm, "pay", as_bool(request.params, "off_session", True))
        raise_for_pay(store, invoice)
    return store.public(invoice)
