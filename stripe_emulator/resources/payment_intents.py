"""PaymentIntents: create, retrieve, update, confirm, cancel, list
(https://docs.stripe.com/api/payment_intents, https://docs.stripe.com/payments/paymentintents/lifecycle).

What a card does when charged is in `payment_attempts`; an invoice's intent moves its invoice
(`billing.attempt_intent`).
"""

from typing import Any

from ..errors import invalid, state_error
from ..forms import as_bool, as_int, check_known, choice, merge_metadata, require
from ..render import page
from ..routing import Request, route
from ..store import Store
from . import billing, intents, payment_attempts, payment_methods
from .common import where
from .intents import decline_error, payment_method_param

CREATE = {
    "amount",
    "currency",
    "customer",
    "automatic_payment_methods",
    "automatic_payment_methods.enabled",
    "automatic_payment_methods.allow_redirects",
    "description",
    "metadata",
    "setup_future_usage",
    "payment_method",
    "payment_method_types",
    "payment_method_data",
    "confirm",
    "off_session",
    "return_url",
    "receipt_email",
    "expand",
}
UPDATE = {
    "amount",
    "currency",
    "description",
    "metadata",
    "payment_method",
    "setup_future_usage",
    "receipt_email",
    "expand",
}
CONFIRMABLE = ("requires_payment_method", "requires_confirmation", "requires_action")
# https://docs.stripe.com/currencies#minimum-and-maximum-charge-amounts
MINIMUM_AMOUNT = 50


def confirm_intent(
    store: Store,
    intent: dict[str, Any],
    pm: dict[str, Any] | None,
    off_session: bool,
    return_url: str | None = None,
) -> None:
    """Confirm `intent`; a decline raises Stripe's 402 card_error carrying the intent."""
    if intent["status"] not in CONFIRMABLE:
        detail = (
            "it has already succeeded after being previously confirmed"
            if intent["status"] == "succeeded"
            else f"it has a status of {intent['status']}"
        )
        raise state_error(
            f"You cannot confirm this PaymentIntent because {detail}.",
            code="payment_intent_unexpected_state",
        )
    if pm is None and intent["payment_method"]:
        pm = payment_methods.usable(store.get("payment_method", intent["payment_method"]))
    if pm is None:
        raise state_error(
            "You cannot confirm this PaymentIntent because it's missing a payment method. You "
            "can either update the PaymentIntent with a payment method and then confirm it "
            "again, or confirm it again directly with a payment method.",
            code="payment_intent_unexpected_state",
        )
    if pm["customer"] is not None and intent["customer"] not in (None, pm["customer"]):
        raise state_error(
            f"The PaymentMethod {pm['id']} does not belong to the Customer {intent['customer']}.",
            param="payment_method",
        )
    if return_url:
        intent["_return_url"] = return_url
    if billing.attempt_intent(store, intent, pm, off_session) == "declined":
        error = intent["last_payment_error"]
        raise decline_error(
            error,
            charge=error["charge"],
            payment_intent=store.public(intent),
            payment_method=error["payment_method"],
        )


@route("POST", "/v1/payment_intents")
def create(store: Store, request: Request) -> dict[str, Any]:
    """A PaymentIntent in requires_payment_method (confirmed at once with confirm=true)."""
    params = request.params
    check_known(params, CREATE)
    amount = as_int(params, "amount")
    if amount is None:
        require(params, "amount")
    currency = str(require(params, "currency")).lower()
    if amount < MINIMUM_AMOUNT:
        raise invalid(
            f"Amount must be at least {MINIMUM_AMOUNT} cents",
            param="amount",
            code="amount_too_small",
        )
    customer_id = params.get("customer") or None
    if customer_id:
        store.get("customer", customer_id, "customer")
    automatic = intents.automatic(params)
    intent = payment_attempts.new_intent(
        store,
        amount,
        currency,
        customer_id,
        description=params.get("description") or None,
        metadata=merge_metadata({}, params.get("metadata")),
        setup_future_usage=choice(
            params, "setup_future_usage", ("on_session", "off_session"), None
        ),
        automatic=automatic,
    )
    pm = intents.take_method(store, intent, params)
    if as_bool(params, "confirm"):
        confirm_intent(
            store, intent, pm, as_bool(params, "off_session"), params.get("return_url") or None
        )
    return store.public(intent)


@route("GET", "/v1/payment_intents/{intent_id}", public=True)
def retrieve(store: Store, request: Request, intent_id: str) -> dict[str, Any]:
    """The PaymentIntent (with a publishable key, only with its client_secret)."""
    return store.public(intents.fetch(store, request, "payment_intent", intent_id))


@route("POST", "/v1/payment_intents/{intent_id}")
def update(store: Store, request: Request, intent_id: str) -> dict[str, Any]:
    """The PaymentIntent with metadata, description or (before it succeeds) amount changed."""
    params = request.params
    check_known(params, UPDATE)
    intent = store.get("payment_intent", intent_id)
    if ("amount" in params or "currency" in params) and intent["status"] not in CONFIRMABLE:
        raise state_error(
            "This PaymentIntent's amount could not be updated because it has a status of "
            f"{intent['status']}.",
            code="payment_intent_unexpected_state",
        )
    if "amount" in params:
        intent["amount"] = as_int(params, "amount")
    if params.get("currency"):
        intent["currency"] = str(params["currency"]).lower()
    if "description" in params:
        intent["description"] = params["description"] or None
    if "metadata" in params:
        intent["metadata"] = merge_metadata(intent["metadata"], params["metadata"])
    if "setup_future_usage" in params:
        intent["setup_future_usage"] = params["setup_future_usage"] or None
    if params.get("payment_method"):
        intent["payment_method"] = payment_method_param(store, params)["id"]
    return store.public(intent)


@route("POST", "/v1/payment_intents/{intent_id}/confirm", public=True)
def confirm(store: Store, request: Request, intent_id: str) -> dict[str, Any]:
    """Confirm: succeeded, requires_action (3-D Secure redirect), or a 402 decline."""
    params = request.params
    intent = intents.fetch(store, request, "payment_intent", intent_id)
    if params.get("setup_future_usage"):
        intent["setup_future_usage"] = params["setup_future_usage"]
    pm = payment_method_param(store, params)
    off_session = as_bool(params, "off_session") and not request.publishable
    confirm_intent(store, intent, pm, off_session, params.get("return_url") or None)
    return store.public(intent)


@route("POST", "/v1/payment_intents/{intent_id}/cancel")
def cancel(store: Store, request: Request, intent_id: str) -> dict[str, Any]:
    """Cancel: canceled (payment_intent.canceled); not once succeeded or canceled."""
    intent = store.get("payment_intent", intent_id)
    if intent["status"] in ("succeeded", "canceled"):
        raise state_error(
            "You cannot cancel this PaymentIntent because it has a status of "
            f"{intent['status']}. Only a PaymentIntent with one of the following statuses may "
            "be canceled: requires_payment_method, requires_capture, requires_confirmation, "
            "requires_action, processing.",
            code="payment_intent_unexpected_state",
        )
    if intent["_invoice"] is not None:
        raise state_error(
            "You cannot cancel this PaymentIntent because it was created by an invoice. Void "
            "the invoice instead.",
            code="payment_intent_unexpected_state",
        )
    intent.update(
        status="canceled",
        canceled_at=store.now(intent["customer"]),
        cancellation_reason=request.params.get("cancellation_reason") or None,
        next_action=None,
    )
    store.emit("payment_intent.canceled", intent)
    return store.public(intent)


@route("GET", "/v1/payment_intents")
def list_intents(store: Store, request: Request) -> dict[str, Any]:
    """PaymentIntents, newest first, filtered by customer."""
    items = where(store.live("payment_intent"), request.params, "customer")
    return page(store, items, request.params, "/v1/payment_intents")
