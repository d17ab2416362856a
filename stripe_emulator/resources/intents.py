"""What PaymentIntents and SetupIntents share: the client secret check, the payment method a
confirm names, the 3-D Secure redirect, and the error an attempt leaves on the intent
(https://docs.stripe.com/payments/intents)."""

from typing import Any

from ..errors import StripeError, card_error, invalid
from ..forms import as_bool
from ..routing import Request
from ..store import Store
from . import payment_methods


def automatic(params: dict[str, Any]) -> bool:
    """Whether the create parameters ask for automatic_payment_methods[enabled]=true."""
    settings = params.get("automatic_payment_methods")
    return isinstance(settings, dict) and as_bool(settings, "enabled")


def automatic_fields(enabled: bool) -> dict[str, Any]:
    """The fields automatic payment methods set on a new intent."""
    return {
        "automatic_payment_methods": {"enabled": True} if enabled else None,
        "payment_method_configuration_details": {"id": "pmc_emulator", "parent": None}
        if enabled
        else None,
    }


def fetch(store: Store, request: Request, kind: str, intent_id: str) -> dict[str, Any]:
    """The stored intent of `kind`, or 404; a publishable-key request must name its client
    secret (https://docs.stripe.com/api/payment_intents/retrieve)."""
    intent = store.get(kind, intent_id)
    if request.publishable and request.params.get("client_secret") != intent["client_secret"]:
        raise invalid(
            "The client_secret provided does not match the client_secret associated with the "
            f"{intent['object'].replace('_', '')}.",
            param="client_secret",
        )
    return intent


def payment_method_param(store: Store, params: dict[str, Any]) -> dict[str, Any] | None:
    """The method a confirm names: `payment_method` (ids or test tokens) or
    `payment_method_data` (a new card)."""
    if params.get("payment_method"):
        return payment_methods.resolve(store, params["payment_method"], "payment_method")
    if isinstance(params.get("payment_method_data"), dict):
        return payment_methods.from_params(store, params["payment_method_data"])
    return None


def take_method(
    store: Store, intent: dict[str, Any], params: dict[str, Any]
) -> dict[str, Any] | None:
    """The method the create parameters name (payment_method_param), set on the new intent."""
    pm = payment_method_param(store, params)
    if pm is not None:
        intent["payment_method"] = pm["id"]
    return pm


def redirect_action(store: Store, intent: dict[str, Any]) -> dict[str, Any]:
    """The intent's next_action while 3-D Secure is pending: a redirect to the emulator's test
    page (https://docs.stripe.com/payments/3d-secure)."""
    secret = intent["client_secret"]
    return {
        "type": "redirect_to_url",
        "redirect_to_url": {
            "url": f"{store.public_url}/_emulator/3ds/{intent['id']}?client_secret={secret}",
            "return_url": intent["_return_url"],
        },
    }


def last_error(
    pm: dict[str, Any], code: str, message: str, type: str = "card_error", **extra: Any
) -> dict[str, Any]:
    """The intent's last_payment_error / last_setup_error after a failed attempt
    (https://docs.stripe.com/api/errors), keys in Stripe's (alphabetical) order; `extra` adds
    decline_code, and charge for a payment."""
    fields = {
        "code": code,
        "doc_url": f"https://docs.stripe.com/error-codes/{code.replace('_', '-')}",
        "message": message,
        "payment_method": Store.public(pm),
        "type": type,
        **extra,
    }
    return dict(sorted(fields.items()))


def decline_error(error: dict[str, Any], **extra: Any) -> StripeError:
    """Stripe's 402 card_error for the intent's last error; `extra` names the objects it carries."""
    return card_error(error["code"], error["message"], decline_code=error["decline_code"], **extra)
