"""PaymentIntents as objects, and what a card does to one when charged: succeeded, 3-D Secure
pending, or declined (https://docs.stripe.com/payments/paymentintents/lifecycle,
https://docs.stripe.com/testing).

The endpoints are in `payment_intents`; an invoice's intent moves its invoice through
`billing.attempt_intent`.
"""

from typing import Any

from ..fixtures import build
from ..store import Store
from . import cards, charges, intents, payment_methods


def new_intent(
    store: Store,
    amount: int,
    currency: str,
    customer_id: str | None,
    description: str | None = None,
    metadata: dict[str, str] | None = None,
    setup_future_usage: str | None = None,
    automatic: bool = False,
) -> dict[str, Any]:
    """A stored PaymentIntent in requires_payment_method (event payment_intent.created)."""
    intent_id = store.new_id("pi")
    intent = build(
        "payment_intent",
        {
            "amount": amount,
            "amount_capturable": 0,
            "amount_details": {"tip": {}},
            "amount_received": 0,
            "application": None,
            "application_fee_amount": None,
            "canceled_at": None,
            "cancellation_reason": None,
            "capture_method": "automatic",
            "client_secret": f"{intent_id}_secret_{store.random_token(25)}",
            "confirmation_method": "automatic",
            "created": store.now(customer_id),
            "currency": currency,
            "customer": customer_id,
            "description": description,
            "id": intent_id,
            "last_payment_error": None,
            "latest_charge": None,
            "livemode": False,
            "metadata": metadata or {},
            "next_action": None,
            "object": "payment_intent",
            "on_behalf_of": None,
            "payment_method": None,
            "payment_method_options": {},
            "payment_method_types": ["card"],
            "processing": None,
            "receipt_email": None,
            "review": None,
            "setup_future_usage": setup_future_usage,
            "shipping": None,
            "statement_descriptor": None,
            "statement_descriptor_suffix": None,
            "status": "requires_payment_method",
            "transfer_data": None,
            "transfer_group": None,
            "source": None,
            "excluded_payment_method_types": None,
            "customer_account": None,
            "managed_payments": {"enabled": False},
            **intents.automatic_fields(automatic),
            "_invoice": None,
            "_return_url": None,
        },
    )
    store.put("payment_intent", intent)
    store.emit("payment_intent.created", intent)
    return intent


def attempt(
    store: Store,
    intent: dict[str, Any],
    pm: dict[str, Any],
    off_session: bool,
    authenticated: bool = False,
) -> str:
    """Charge `intent` with `pm` as the card's rules say: "succeeded", "requires_action" or
    "declined" (status back to requires_payment_method, last_payment_error set, failed charge).
    """
    intent["payment_method"] = pm["id"]
    result, decline = charges.outcome(pm, "payment", off_session, authenticated)
    if result == "requires_action" and off_session and intent["_invoice"] is None:
        # https://docs.stripe.com/payments/save-and-reuse#charge-saved-payment-method: an
        # off-session payment needing authentication fails with authentication_required.
        result, decline = "declined", charges.AUTHENTICATION_REQUIRED
    if result == "requires_action":
        intent["status"] = "requires_action"
        intent["next_action"] = intents.redirect_action(store, intent)
        store.emit("payment_intent.requires_action", intent)
    elif result == "declined":
        _declined(store, intent, pm, decline)
    else:
        _succeeded(store, intent, pm, authenticated)
    return result


def _declined(
    store: Store, intent: dict[str, Any], pm: dict[str, Any], decline: tuple[str, str, str]
) -> None:
    """A declined attempt: a failed charge (none when authentication was required), the intent
    back to requires_payment_method with the decline as last_payment_error."""
    charge = (
        None
        if decline == charges.AUTHENTICATION_REQUIRED
        else charges.new_charge(store, intent, pm, decline)
    )
    code, decline_code, message = decline
    intent["status"] = "requires_payment_method"
    intent["next_action"] = None
    intent["last_payment_error"] = intents.last_error(
        pm, code, message, charge=charge and charge["id"], decline_code=decline_code
    )
    if charge is not None:
        intent["latest_charge"] = charge["id"]
        store.emit("charge.failed", charge)
    store.emit("payment_intent.payment_failed", intent)


def _succeeded(
    store: Store, intent: dict[str, Any], pm: dict[str, Any], authenticated: bool
) -> None:
    """A paid attempt: a succeeded charge, the method saved when asked for, and the dispute
    Stripe opens shortly after on the 0259 test card."""
    charge = charges.new_charge(store, intent, pm, None, authenticated)
    intent.update(
        status="succeeded",
        amount_received=intent["amount"],
        latest_charge=charge["id"],
        next_action=None,
        last_payment_error=None,
    )
    if intent["setup_future_usage"] and intent["customer"]:
        # https://docs.stripe.com/payments/save-during-payment: the method is attached to
        # the customer and set up for the usage asked for.
        payment_methods.attach_to(store, pm, intent["customer"])
        if intent["setup_future_usage"] == "off_session":
            pm["_set_up_off_session"] = True
    store.emit("payment_intent.succeeded", intent)
    store.emit("charge.succeeded", charge)
    if cards.rule(pm) == "disputed":
        # https://docs.stripe.com/testing#disputes: 0259 is disputed shortly after.
        store.later(1.0, "open_dispute", charge_id=charge["id"])
