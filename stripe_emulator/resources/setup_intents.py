"""SetupIntents: create, retrieve, confirm, cancel (https://docs.stripe.com/api/setup_intents).

A SetupIntent saves a card for later: it attaches the method to the customer and changes no
default payment method and pays nothing (https://docs.stripe.com/payments/setup-intents).
"""

from typing import Any

from ..errors import state_error
from ..fixtures import build
from ..forms import as_bool, check_known, choice, merge_metadata
from ..render import page
from ..routing import Request, route
from ..store import Store
from . import charges, intents, payment_methods
from .common import where
from .intents import decline_error, payment_method_param

CREATE = {
    "customer",
    "usage",
    "automatic_payment_methods",
    "automatic_payment_methods.enabled",
    "automatic_payment_methods.allow_redirects",
    "payment_method_types",
    "metadata",
    "description",
    "payment_method",
    "confirm",
    "return_url",
    "expand",
}
CONFIRMABLE = ("requires_payment_method", "requires_confirmation", "requires_action")


def run(store: Store, intent: dict[str, Any], pm: dict[str, Any], authenticated: bool) -> str:
    """Set up `pm` as the card's rules say: "succeeded", "requires_action" or "declined"."""
    intent["payment_method"] = pm["id"]
    result, decline = charges.outcome(pm, "setup", False, authenticated)
    if result == "succeeded":
        if intent["customer"]:
            payment_methods.attach_to(store, pm, intent["customer"])
        if intent["usage"] == "off_session":
            pm["_set_up_off_session"] = True
        intent.update(status="succeeded", next_action=None, last_setup_error=None)
        store.emit("setup_intent.succeeded", intent)
    elif result == "requires_action":
        intent["status"] = "requires_action"
        intent["next_action"] = intents.redirect_action(store, intent)
        store.emit("setup_intent.requires_action", intent)
    else:
        code, decline_code, message = decline
        intent.update(
            status="requires_payment_method",
            next_action=None,
            last_setup_error=intents.last_error(pm, code, message, decline_code=decline_code),
        )
        store.emit("setup_intent.setup_failed", intent)
    return result


def confirm_intent(
    store: Store, intent: dict[str, Any], pm: dict[str, Any] | None, return_url: str | None
) -> None:
    """Confirm `intent`; a decline raises Stripe's 402 card_error carrying the intent."""
    if intent["status"] not in CONFIRMABLE:
        raise state_error(
            f"You cannot confirm this SetupIntent because it has a status of {intent['status']}.",
            code="setup_intent_unexpected_state",
        )
    if pm is None and intent["payment_method"]:
        pm = payment_methods.usable(store.get("payment_method", intent["payment_method"]))
    if pm is None:
        raise state_error(
            "You cannot confirm this SetupIntent because it's missing a payment method.",
            code="setup_intent_unexpected_state",
        )
    if return_url:
        intent["_return_url"] = return_url
    if run(store, intent, pm, authenticated=False) == "declined":
        error = intent["last_setup_error"]
        raise decline_error(
            error, setup_intent=store.public(intent), payment_method=error["payment_method"]
        )


@route("POST", "/v1/setup_intents")
def create(store: Store, request: Request) -> dict[str, Any]:
    """A SetupIntent in requires_payment_method (setup_intent.created)."""
    params = request.params
    check_known(params, CREATE)
    customer_id = params.get("customer") or None
    if customer_id:
        store.get("customer", customer_id, "customer")
    automatic = intents.automatic(params)
    intent_id = store.new_id("seti")
    intent = build(
        "setup_intent",
        {
            "application": None,
            "cancellation_reason": None,
            "client_secret": f"{intent_id}_secret_{store.random_token(32)}",
            "created": store.now(customer_id),
            "customer": customer_id,
            "description": params.get("description") or None,
            "flow_directions": None,
            "id": intent_id,
            "last_setup_error": None,
            "latest_attempt": None,
            "livemode": False,
            "mandate": None,
            "metadata": merge_metadata({}, params.get("metadata")),
            "next_action": None,
            "object": "setup_intent",
            "on_behalf_of": None,
            "payment_method": None,
            "payment_method_options": {},
            "payment_method_types": ["card"],
            "single_use_mandate": None,
            "status": "requires_payment_method",
            "usage": choice(params, "usage", ("on_session", "off_session"), "off_session"),
            "excluded_payment_method_types": None,
            **intents.automatic_fields(automatic),
            "_return_url": None,
        },
    )
    store.put("setup_intent", intent)
    store.emit("setup_intent.created", intent)
    pm = intents.take_method(store, intent, params)
    if as_bool(params, "confirm"):
        confirm_intent(store, intent, pm, params.get("return_url") or None)
    return store.public(intent)


@route("GET", "/v1/setup_intents/{intent_id}", public=True)
def retrieve(store: Store, request: Request, intent_id: str) -> dict[str, Any]:
    """The SetupIntent (with a publishable key, only with its client_secret)."""
    return store.public(intents.fetch(store, request, "setup_intent", intent_id))


@route("POST", "/v1/setup_intents/{intent_id}/confirm", public=True)
def confirm(store: Store, request: Request, intent_id: str) -> dict[str, Any]:
    """Confirm: succeeded (method attached), requires_action, or a 402 decline."""
    intent = intents.fetch(store, request, "setup_intent", intent_id)
    pm = payment_method_param(store, request.params)
    confirm_intent(store, intent, pm, request.params.get("return_url") or None)
    return store.public(intent)


@route("POST", "/v1/setup_intents/{intent_id}/cancel")
def cancel(store: Store, request: Request, intent_id: str) -> dict[str, Any]:
    """Cancel: canceled (setup_intent.canceled)."""
    intent = store.get("setup_intent", intent_id)
    if intent["status"] in ("succeeded", "canceled"):
        raise state_error(
            f"You cannot cancel this SetupIntent because it has a status of {intent['status']}.",
            code="setup_intent_unexpected_state",
        )
    intent.update(
        status="canceled",
        next_action=None,
        cancellation_reason=request.params.get("cancellation_reason") or None,
    )
    store.emit("setup_intent.canceled", intent)
    return store.public(intent)


@route("GET", "/v1/setup_intents")
def list_intents(store: Store, request: Request) -> dict[str, Any]:
    """SetupIntents, newest first, filtered by customer."""
    items = where(store.live("setup_intent"), request.params, "customer")
    return page(store, items, request.params, "/v1/setup_intents")
