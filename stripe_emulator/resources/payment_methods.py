"""Card PaymentMethods: create, retrieve, attach, detach, list
(https://docs.stripe.com/api/payment_methods); the card numbers themselves are in `cards`."""

import copy
import datetime
import hashlib
from typing import Any

from ..errors import invalid, state_error
from ..fixtures import build
from ..forms import check_known, merge_metadata, require
from ..render import page
from ..routing import Request, route
from ..store import Store
from . import cards
from .common import changes, where

# https://docs.stripe.com/api/payment_methods/detach: "Detachment is permanent and irreversible
# — once detached, a PaymentMethod can no longer be used for payments or re-attached to a
# Customer." Stripe's answer to such a use:
DETACHED = (
    "The provided PaymentMethod was previously used with a PaymentIntent without Customer "
    "attachment, shared with a connected account without Customer attachment, or was detached "
    "from a Customer. It may not be used again. To use a PaymentMethod multiple times, you must "
    "attach it to a Customer first."
)
CREATE = {
    "type",
    "card",
    "card.number",
    "card.exp_month",
    "card.exp_year",
    "card.cvc",
    "billing_details",
    "metadata",
    "customer",
    "expand",
    "allow_redisplay",
}


def new_card(store: Store, card: dict[str, Any], params: dict[str, Any]) -> dict[str, Any]:
    """A stored card PaymentMethod for the validated `card`."""
    number = card["number"]
    network = cards.brand(number)
    billing = (
        params.get("billing_details") if isinstance(params.get("billing_details"), dict) else {}
    )
    address = billing.get("address") if isinstance(billing.get("address"), dict) else {}
    fingerprint = hashlib.sha256(number.encode()).hexdigest()[:16]
    pm = build(
        "payment_method",
        {
            "allow_redisplay": params.get("allow_redisplay") or "unspecified",
            "billing_details": {
                "address": {
                    key: address.get(key) or None
                    for key in ("city", "country", "line1", "line2", "postal_code", "state")
                },
                "email": billing.get("email") or None,
                "name": billing.get("name") or None,
                "phone": billing.get("phone") or None,
                "tax_id": None,
            },
            "card": {
                "brand": network,
                "checks": {
                    "address_line1_check": None,
                    "address_postal_code_check": None,
                    "cvc_check": "unchecked" if card["cvc"] else None,
                },
                "country": "US",
                "display_brand": network,
                "exp_month": card["exp_month"],
                "exp_year": card["exp_year"],
                "fingerprint": fingerprint,
                "funding": "credit",
                "generated_from": None,
                "last4": number[-4:],
                "networks": {"available": [network], "preferred": None},
                "three_d_secure_usage": {"supported": True},
                "wallet": None,
                "regulated_status": "unregulated",
            },
            "created": store.now(),
            "customer": None,
            "id": store.new_id("pm"),
            "livemode": False,
            "metadata": merge_metadata({}, params.get("metadata")),
            "object": "payment_method",
            "type": "card",
            "customer_account": None,
            "_number": number,
            "_set_up_off_session": False,
        },
    )
    return store.put("payment_method", pm)


def from_params(store: Store, params: dict[str, Any]) -> dict[str, Any]:
    """A card PaymentMethod from create parameters (or an intent's payment_method_data)."""
    if params.get("type") != "card":
        raise invalid("The emulator supports card payment methods only (type=card).", param="type")
    card = params.get("card")
    if not isinstance(card, dict):
        raise invalid("Missing required param: card.", param="card", code="parameter_missing")
    return new_card(store, cards.validate(card), params)


def resolve(store: Store, value: Any, param: str) -> dict[str, Any]:
    """The PaymentMethod `value` names: a fresh one for a test token, else the stored one,
    which must not have been detached (DETACHED)."""
    if isinstance(value, str) and value in cards.TEST_TOKENS:
        year = datetime.datetime.now(datetime.UTC).year + 2
        card = {"number": cards.TEST_TOKENS[value], "exp_month": 12, "exp_year": year, "cvc": "123"}
        return new_card(store, card, {})
    return usable(store.get("payment_method", value, param), param)


def usable(pm: dict[str, Any], param: str = "payment_method") -> dict[str, Any]:
    """`pm`, or Stripe's 400 when it was detached and so may not be used again."""
    if pm.get("_detached"):
        raise invalid(DETACHED, param=param)
    return pm


def forget(pm: dict[str, Any]) -> None:
    """Detach `pm` for good: no customer, never usable again (see DETACHED)."""
    pm["customer"] = None
    pm["_detached"] = True


def attached(store: Store, customer_id: str, value: Any, param: str) -> str | None:
    """`value` as a default payment method (None when empty): it must be attached to the
    customer (https://docs.stripe.com/api/customers/update#update_customer-invoice_settings-default_payment_method)."""
    if value in (None, ""):
        return None
    pm = store.find("payment_method", value)
    if pm is None or pm["customer"] != customer_id:
        raise invalid(
            f"The customer does not have a payment method with the ID {value}. The payment "
            "method must be attached to the customer.",
            param=param,
            code="resource_missing",
        )
    return pm["id"]


def attach_to(store: Store, pm: dict[str, Any], customer_id: str) -> None:
    """Attach `pm` to the customer (payment_method.attached); 400 if another customer has it."""
    if pm["customer"] == customer_id:
        return
    if pm["customer"] is not None:
        raise state_error(
            "The payment method you provided has already been attached to a customer.",
            param="payment_method",
        )
    pm["customer"] = customer_id
    store.emit("payment_method.attached", pm)


@route("POST", "/v1/payment_methods", public=True)
def create(store: Store, request: Request) -> dict[str, Any]:
    """A card PaymentMethod (stripe.js makes these with the publishable key)."""
    check_known(request.params, CREATE)
    pm = from_params(store, request.params)
    if request.params.get("customer") and not request.publishable:
        store.get("customer", request.params["customer"], "customer")
        attach_to(store, pm, request.params["customer"])
    return store.public(pm)


@route("GET", "/v1/payment_methods/{pm_id}")
def retrieve(store: Store, request: Request, pm_id: str) -> dict[str, Any]:
    """The PaymentMethod, or 404."""
    return store.public(store.get("payment_method", pm_id))


@route("POST", "/v1/payment_methods/{pm_id}/attach")
def attach(store: Store, request: Request, pm_id: str) -> dict[str, Any]:
    """The PaymentMethod attached to `customer`."""
    check_known(request.params, {"customer", "expand"})
    pm = resolve(store, pm_id, "payment_method")
    customer = store.get("customer", require(request.params, "customer"), "customer")
    attach_to(store, pm, customer["id"])
    return store.public(pm)


@route("POST", "/v1/payment_methods/{pm_id}/detach")
def detach(store: Store, request: Request, pm_id: str) -> dict[str, Any]:
    """The PaymentMethod detached (payment_method.detached; no longer usable to pay)."""
    pm = store.get("payment_method", pm_id)
    if pm["customer"] is None:
        raise state_error(
            f"The payment method {pm_id} is not attached to a customer.", param="payment_method"
        )
    customer = store.find("customer", pm["customer"])
    if customer is not None and customer["invoice_settings"]["default_payment_method"] == pm_id:
        # A detached method can pay nothing; the customer's default no longer names it.
        before = copy.deepcopy(customer)
        customer["invoice_settings"]["default_payment_method"] = None
        store.emit("customer.updated", customer, changes(before, customer))
    previous = {"customer": pm["customer"]}
    forget(pm)
    store.emit("payment_method.detached", pm, previous)
    return store.public(pm)


@route("GET", "/v1/payment_methods")
def list_payment_methods(store: Store, request: Request) -> dict[str, Any]:
    """The customer's PaymentMethods, newest first (type filter)."""
    items = where(store.live("payment_method"), request.params, "customer", "type")
    if not request.params.get("customer"):
        items = [pm for pm in items if pm["customer"] is not None]
    return page(store, items, request.params, "/v1/payment_methods")


@route("GET", "/v1/customers/{customer_id}/payment_methods")
def list_customer_payment_methods(
    store: Store, request: Request, customer_id: str
) -> dict[str, Any]:
    """The customer's PaymentMethods, newest first."""
    store.get("customer", customer_id)
    items = where(
        store.live("payment_method"),
        {**request.params, "customer": customer_id},
        "customer",
        "type",
    )
    return page(store, items, request.params, f"/v1/customers/{customer_id}/payment_methods")
