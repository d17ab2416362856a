"""Customers: create, retrieve, update, delete, list (https://docs.stripe.com/api/customers)."""

import copy
from typing import Any

from ..errors import invalid
from ..fixtures import build
from ..forms import as_list, check_known, merge_metadata
from ..render import page
from ..routing import Request, route
from ..store import Store
from . import payment_methods
from .common import changes, where
from .subscription_lifecycle import ENDED, cancel_now

# Stripe's limit: "Each test clock can have up to three customers"
# (https://docs.stripe.com/billing/testing/test-clocks#limitations; not re-checked here: the
# stored pages did not show that section).
CUSTOMERS_PER_CLOCK = 3

CREATE = {
    "email",
    "name",
    "description",
    "phone",
    "metadata",
    "preferred_locales",
    "test_clock",
    "invoice_settings",
    "invoice_settings.default_payment_method",
    "payment_method",
    "expand",
}
UPDATE = CREATE - {"test_clock", "payment_method"}


def deleted_stub(customer_id: str) -> dict[str, Any]:
    """What Stripe answers for a deleted customer."""
    return {"id": customer_id, "object": "customer", "deleted": True}


@route("POST", "/v1/customers")
def create(store: Store, request: Request) -> dict[str, Any]:
    """A new customer (on `test_clock`'s time when given): customer.created."""
    params = request.params
    check_known(params, CREATE)
    clock_id = params.get("test_clock") or None
    if clock_id is not None:
        store.get("test_helpers.test_clock", clock_id, param="test_clock")
        on_clock = [c for c in store.live("customer") if c["test_clock"] == clock_id]
        if len(on_clock) >= CUSTOMERS_PER_CLOCK:
            raise invalid(
                f"The test clock {clock_id} already has the maximum number of customers "
                f"({CUSTOMERS_PER_CLOCK}) attached to it.",
                param="test_clock",
            )
    customer = build(
        "customer",
        {
            "address": None,
            "balance": 0,
            "created": store.clock_time(clock_id),
            "currency": None,
            "default_source": None,
            "delinquent": False,
            "description": params.get("description") or None,
            "discount": None,
            "email": params.get("email") or None,
            "id": store.new_id("cus"),
            "invoice_prefix": store.random_token(8).upper(),
            "invoice_settings": {
                "custom_fields": None,
                "default_payment_method": None,
                "footer": None,
                "rendering_options": None,
            },
            "livemode": False,
            "metadata": merge_metadata({}, params.get("metadata")),
            "name": params.get("name") or None,
            "next_invoice_sequence": 1,
            "object": "customer",
            "phone": params.get("phone") or None,
            "preferred_locales": [str(x) for x in as_list(params, "preferred_locales")],
            "shipping": None,
            "tax_exempt": "none",
            "test_clock": clock_id,
        },
    )
    store.put("customer", customer)
    store.emit("customer.created", customer)
    if params.get("payment_method"):
        pm = payment_methods.resolve(store, params["payment_method"], "payment_method")
        payment_methods.attach_to(store, pm, customer["id"])
    wanted = (params.get("invoice_settings") or {}).get("default_payment_method")
    if wanted:
        _update(store, customer, {"invoice_settings": {"default_payment_method": wanted}})
    return store.public(customer)


@route("GET", "/v1/customers/{customer_id}")
def retrieve(store: Store, request: Request, customer_id: str) -> dict[str, Any]:
    """The customer; a deleted one as Stripe's `{"id", "object", "deleted": true}`."""
    found = store.find("customer", customer_id)
    if found is not None and found.get("_deleted"):
        return deleted_stub(customer_id)
    return store.public(store.get("customer", customer_id))


def _update(store: Store, customer: dict[str, Any], params: dict[str, Any]) -> None:
    before = copy.deepcopy(customer)
    for field in ("email", "name", "description", "phone"):
        if field in params:
            customer[field] = params[field] or None
    if "metadata" in params:
        customer["metadata"] = merge_metadata(customer["metadata"], params["metadata"])
    if "preferred_locales" in params:
        customer["preferred_locales"] = [str(x) for x in as_list(params, "preferred_locales")]
    settings = params.get("invoice_settings")
    if isinstance(settings, dict) and "default_payment_method" in settings:
        customer["invoice_settings"]["default_payment_method"] = payment_methods.attached(
            store,
            customer["id"],
            settings["default_payment_method"],
            "invoice_settings[default_payment_method]",
        )
    previous = changes(before, customer)
    if previous:
        store.emit("customer.updated", customer, previous)


@route("POST", "/v1/customers/{customer_id}")
def update(store: Store, request: Request, customer_id: str) -> dict[str, Any]:
    """The customer with the given fields changed: customer.updated (with what changed)."""
    check_known(request.params, UPDATE)
    customer = store.get("customer", customer_id)
    _update(store, customer, request.params)
    return store.public(customer)


def delete_customer(store: Store, customer: dict[str, Any]) -> None:
    """Delete `customer`: its subscriptions are canceled at once, its cards detached for good,
    then customer.deleted.

    https://docs.stripe.com/api/customers/delete: "Also immediately cancels any active
    subscriptions on the customer." and "Deleting customers removes all credit card details and
    prevents any further operations to be performed (such as adding a new subscription)": later
    requests naming the customer answer "No such customer" (store.get), its cards can pay for
    nothing (payment_methods.DETACHED); the page names no payment_method.detached event, so none
    is sent. Retrieving it still answers (retrieve below).
    """
    for subscription in store.live("subscription"):
        if subscription["customer"] == customer["id"] and subscription["status"] not in ENDED:
            cancel_now(store, subscription, "cancellation_requested")
    for pm in store.live("payment_method"):
        if pm["customer"] == customer["id"]:
            payment_methods.forget(pm)
    customer["_deleted"] = True
    store.emit("customer.deleted", customer)


@route("DELETE", "/v1/customers/{customer_id}")
def delete(store: Store, request: Request, customer_id: str) -> dict[str, Any]:
    """Delete the customer (see delete_customer)."""
    delete_customer(store, store.get("customer", customer_id))
    return deleted_stub(customer_id)


@route("GET", "/v1/customers")
def list_customers(store: Store, request: Request) -> dict[str, Any]:
    """Customers, newest first, filtered by email or test_clock."""
    items = where(store.live("customer"), request.params, "email", "test_clock")
    return page(store, items, request.params, "/v1/customers")
