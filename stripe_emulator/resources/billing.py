"""What a payment attempt on a subscription invoice does: paid, action required, or failed and
retried, and the subscription's status with it.

https://docs.stripe.com/billing/subscriptions/overview (statuses),
https://docs.stripe.com/billing/revenue-recovery/smart-retries (retries). Finalising and paying
invoices are in `collection`, renewals in `renewals`.
"""

import copy
from typing import Any

from ..errors import StripeError, card_error
from ..store import Store, handler
from . import payment_attempts
from . import subscription_lifecycle as lifecycle
from .common import changes
from .invoice_payments import payment_of

DAY = 24 * 3600
# Smart Retries' default: up to 4 retries within 2 weeks; fixed here at 1, 3, 5 and 7 days after
# the first failure (https://docs.stripe.com/billing/revenue-recovery/smart-retries; Stripe
# picks the moments by machine learning, which no emulator can reproduce).
RETRY_DAYS = (1, 3, 5, 7)


def default_pm(store: Store, invoice: dict[str, Any]) -> dict[str, Any] | None:
    """The method Stripe charges: the invoice's, then the subscription's
    default_payment_method, then the customer's invoice_settings.default_payment_method
    (https://docs.stripe.com/billing/subscriptions/payment-methods-setting); only one still
    attached to the customer counts."""
    subscription = store.find("subscription", invoice["_subscription"])
    customer = store.get("customer", invoice["customer"])
    for candidate in (
        invoice["default_payment_method"],
        subscription and subscription["default_payment_method"],
        customer["invoice_settings"]["default_payment_method"],
    ):
        pm = store.find("payment_method", candidate)
        if pm is not None and pm["customer"] == customer["id"]:
            return pm
    return None


def collect(
    store: Store, invoice: dict[str, Any], pm: dict[str, Any] | None, mode: str, off_session: bool
) -> None:
    """Try to pay the open `invoice` with `pm` or the default method.

    `mode`: "automatic" (Stripe's own attempts: failures are retried), "update" (a subscription
    update's invoice, retried likewise), "create", or "pay" (POST /v1/invoices/:id/pay).
    """
    intent = store.get("payment_intent", invoice["_intent"])
    pm = pm or default_pm(store, invoice)
    invoice["_mode"] = mode
    try:
        if pm is None:
            failed(store, invoice)  # nothing to charge: the attempt fails
        else:
            attempt_intent(store, intent, pm, off_session)
    finally:
        invoice["_mode"] = None


def attempt_intent(
    store: Store,
    intent: dict[str, Any],
    pm: dict[str, Any],
    off_session: bool,
    authenticated: bool = False,
) -> str:
    """Charge `intent` with `pm` (payment_attempts.attempt); an invoice's intent then moves its
    invoice as the result says. Returns "succeeded", "requires_action" or "declined"."""
    result = payment_attempts.attempt(store, intent, pm, off_session, authenticated)
    if intent["_invoice"] is not None:
        intent_result(store, intent, result)
    return result


def intent_result(store: Store, intent: dict[str, Any], result: str) -> None:
    """Move the invoice of `intent` after a payment attempt ended in `result`."""
    invoice = store.get("invoice", intent["_invoice"])
    if invoice["status"] not in ("open", "uncollectible"):
        return
    if result == "succeeded":
        mark_paid(store, invoice, intent)
    elif result == "requires_action":
        _attempted(store, invoice, retry=False)
        store.emit("invoice.payment_action_required", invoice)
        _past_due(store, invoice)
    else:
        failed(store, invoice)


def _attempted(store: Store, invoice: dict[str, Any], retry: bool) -> bool:
    """Count a failed attempt; schedule Stripe's next retry. Returns True when none is left."""
    invoice["attempt_count"] += 1
    invoice["attempted"] = True
    retried = (
        retry
        and invoice["_mode"] in ("automatic", "update")
        and invoice["billing_reason"] != "subscription_create"
        and not invoice["_pending_update"]
    )
    if not retried:
        if invoice["_mode"] in ("automatic", "update"):
            invoice["next_payment_attempt"] = None
        return False
    now = store.now(invoice["customer"])
    if invoice["_first_failure"] is None:
        invoice["_first_failure"] = now
    invoice["_failures"] = invoice.get("_failures", 0) + 1
    if invoice["_failures"] > len(RETRY_DAYS):
        invoice["next_payment_attempt"] = None
        return True
    due = invoice["_first_failure"] + RETRY_DAYS[invoice["_failures"] - 1] * DAY
    invoice["next_payment_attempt"] = due
    store.schedule(
        due,
        invoice["test_clock"],
        "retry_invoice",
        invoice_id=invoice["id"],
        failures=invoice["_failures"],
    )
    return False


def _past_due(store: Store, invoice: dict[str, Any]) -> None:
    """A renewal or update invoice left unpaid makes its active subscription past_due."""
    subscription = store.get("subscription", invoice["_subscription"])
    if (
        invoice["billing_reason"] != "subscription_create"
        and not invoice["_pending_update"]
        and subscription["latest_invoice"] == invoice["id"]
        and subscription["status"] == "active"
    ):
        lifecycle.set_status(store, subscription, "past_due")


def failed(store: Store, invoice: dict[str, Any]) -> None:
    """A failed attempt: invoice.payment_failed, past_due, and after the last retry the
    subscription canceled or unpaid as the account's setting says.

    https://docs.stripe.com/billing/revenue-recovery/smart-retries: "cancel the subscription"
    is the default when all retries fail.
    """
    exhausted = _attempted(store, invoice, retry=True)
    store.emit("invoice.payment_failed", invoice)
    _past_due(store, invoice)
    if exhausted:
        subscription = store.get("subscription", invoice["_subscription"])
        if subscription["status"] in lifecycle.ENDED:
            return
        if store.after_retries == "unpaid":
            lifecycle.set_status(store, subscription, "unpaid")
        else:
            lifecycle.cancel_now(store, subscription, "payment_failed")


def mark_paid(store: Store, invoice: dict[str, Any], intent: dict[str, Any] | None) -> None:
    """The invoice paid: invoice_payment.paid, invoice.payment_succeeded, invoice.paid; its
    subscription active again, the method saved as its default (on_subscription), a pending
    update applied (https://docs.stripe.com/billing/subscriptions/pending-updates)."""
    now = store.now(invoice["customer"])
    invoice.update(
        status="paid",
        amount_paid=invoice["amount_due"],
        amount_remaining=0,
        next_payment_attempt=None,
        auto_advance=False,
    )
    invoice["status_transitions"]["paid_at"] = now
    if intent is not None:
        invoice["attempt_count"] += 1
        invoice["attempted"] = True
    payment = payment_of(store, invoice)
    if payment is not None:
        payment.update(status="paid", amount_paid=invoice["amount_paid"])
        payment["status_transitions"]["paid_at"] = now
        store.emit("invoice_payment.paid", payment)
    if intent is not None:
        store.emit("invoice.payment_succeeded", invoice)
    store.emit("invoice.paid", invoice)
    subscription = store.get("subscription", invoice["_subscription"])
    before = copy.deepcopy(subscription)
    if invoice["_pending_update"] and subscription["pending_update"]:
        lifecycle.apply_pending(store, subscription)
    if subscription["latest_invoice"] == invoice["id"] and subscription["status"] in (
        "incomplete",
        "past_due",
        "unpaid",
    ):
        subscription["status"] = "active"
    saving = subscription["payment_settings"]["save_default_payment_method"] == "on_subscription"
    if intent is not None and saving and intent["payment_method"]:
        subscription["default_payment_method"] = intent["payment_method"]
    previous = changes(before, subscription)
    if previous and subscription.get("_announced"):
        store.emit("customer.subscription.updated", subscription, previous)


def incomplete_error(store: Store, invoice: dict[str, Any], code: str, message: str) -> StripeError:
    """The 402 of payment_behavior=error_if_incomplete when the invoice is left unpaid: the
    decline of its PaymentIntent, else (authentication pending) `code` and `message`."""
    intent = store.get("payment_intent", invoice["_intent"])
    error = intent["last_payment_error"] or {}
    return card_error(
        error.get("code") or code,
        error.get("message") or message,
        decline_code=error.get("decline_code"),
    )


@handler("retry_invoice")
def retry_invoice(store: Store, invoice_id: str, failures: int) -> None:
    """A scheduled retry, with the default payment method current now; nothing if the invoice
    was paid, voided or left automatic collection meanwhile."""
    invoice = store.find("invoice", invoice_id)
    if invoice is None or invoice["status"] != "open" or not invoice["auto_advance"]:
        return
    if invoice.get("_failures") != failures:
        return
    collect(store, invoice, None, "automatic", off_session=True)
