"""Subscriptions: the objects, create, retrieve, list
(https://docs.stripe.com/api/subscriptions, https://docs.stripe.com/billing/subscriptions/overview).

Updates live in `subscription_updates`, cancellation and later status changes in
`subscription_lifecycle`, renewals in `renewals`. In this API version the periods live on the
items (items.data[].current_period_start/_end); the subscription keeps billing_cycle_anchor.
"""

from typing import Any

from ..errors import invalid
from ..fixtures import build
from ..forms import as_bool, as_list, check_known, choice, merge_metadata
from ..render import page
from ..routing import Request, route
from ..store import Store
from . import billing, catalog, collection, invoices, payment_methods, renewals
from .common import created_in, where
from .subscription_lifecycle import ENDED, schedule, schedule_renewal

# The items[] parameters of create and update (an item's price, or an inline price_data).
ITEM_PARAMS = {
    "items",
    "items.price",
    "items.price_data",
    "items.price_data.currency",
    "items.price_data.product",
    "items.price_data.unit_amount",
    "items.price_data.recurring",
    "items.price_data.recurring.interval",
    "items.price_data.recurring.interval_count",
    "items.quantity",
}
CREATE = ITEM_PARAMS | {
    "customer",
    "items.metadata",
    "payment_behavior",
    "payment_settings",
    "payment_settings.save_default_payment_method",
    "default_payment_method",
    "metadata",
    "expand",
    "off_session",
    "proration_behavior",
    "description",
}
# https://docs.stripe.com/billing/subscriptions/overview#subscription-statuses: an incomplete
# subscription whose first invoice is not paid within 23 hours becomes incomplete_expired.
INCOMPLETE_WINDOW = 23 * 3600


def plan_of(price: dict[str, Any]) -> dict[str, Any]:
    """The legacy `plan` hash Stripe still puts on items, mirroring the price."""
    recurring = price["recurring"]
    return {
        "active": price["active"],
        "amount": price["unit_amount"],
        "amount_decimal": price["unit_amount_decimal"],
        "billing_scheme": "per_unit",
        "created": price["created"],
        "currency": price["currency"],
        "id": price["id"],
        "interval": recurring["interval"],
        "interval_count": recurring["interval_count"],
        "livemode": False,
        "metadata": dict(price["metadata"]),
        "meter": None,
        "nickname": price["nickname"],
        "object": "plan",
        "product": price["product"],
        "tiers_mode": None,
        "transform_usage": None,
        "trial_period_days": None,
        "usage_type": "licensed",
    }


def new_item(
    store: Store, subscription_id: str, price: dict[str, Any], period: tuple[int, int]
) -> dict[str, Any]:
    """A subscription item on `price` for `period`."""
    return build(
        "subscription_item",
        {
            "created": period[0],
            "discounts": [],
            "id": store.new_id("si"),
            "metadata": {},
            "object": "subscription_item",
            "price": store.public(price),
            "quantity": 1,
            "subscription": subscription_id,
            "tax_rates": [],
            "plan": plan_of(price),
            "current_period_end": period[1],
            "current_period_start": period[0],
            "billing_thresholds": None,
        },
    )


def item_price(store: Store, item: dict[str, Any], prefix: str, created: int) -> dict[str, Any]:
    """The recurring price an items[n] parameter names (`price`) or makes (`price_data`)."""
    if isinstance(item.get("price_data"), dict):
        return catalog.new_price(
            store, item["price_data"], f"{prefix}[price_data][", created, inline=True
        )
    if not item.get("price"):
        raise invalid(
            f"Missing required param: {prefix}[price].",
            param=f"{prefix}[price]",
            code="parameter_missing",
        )
    price = store.get("price", item["price"], f"{prefix}[price]")
    if not price["active"]:
        raise invalid(
            "The price specified is inactive. This field only accepts active prices.",
            param=f"{prefix}[price]",
        )
    if price["recurring"] is None:
        raise invalid(
            "The price specified is set to `type=one_time` but this field only accepts prices "
            "with `type=recurring`.",
            param=f"{prefix}[price]",
        )
    return price


@route("POST", "/v1/subscriptions")
def create(store: Store, request: Request) -> dict[str, Any]:
    """A subscription with its first invoice (subscription_create) finalised at once.

    payment_behavior (https://docs.stripe.com/api/subscriptions/create#create_subscription-
    payment_behavior): default_incomplete waits for the PaymentIntent to be confirmed;
    allow_incomplete (the default) charges the default method now and stays incomplete if that
    fails; error_if_incomplete answers 402 and creates nothing if it fails.
    """
    params = request.params
    check_known(params, CREATE)
    customer = store.get("customer", params.get("customer"), "customer")
    items = as_list(params, "items")
    if len(items) != 1 or not isinstance(items[0], dict):
        raise invalid("The emulator supports subscriptions of exactly one item.", param="items")
    behavior = choice(
        params,
        "payment_behavior",
        ("allow_incomplete", "default_incomplete", "error_if_incomplete"),
        "allow_incomplete",
    )
    settings = (
        params.get("payment_settings") if isinstance(params.get("payment_settings"), dict) else {}
    )
    save = choice(settings, "save_default_payment_method", ("off", "on_subscription"), "off")
    # Only error_if_incomplete undoes the creation; copying the whole state costs time as it grows.
    snapshot = store.snapshot() if behavior == "error_if_incomplete" else None
    now = store.now(customer["id"])
    price = item_price(store, items[0], "items[0]", now)
    default = payment_methods.attached(
        store, customer["id"], params.get("default_payment_method"), "default_payment_method"
    )
    subscription_id = store.new_id("sub")
    end = renewals.add_interval(
        now, price["recurring"]["interval"], price["recurring"]["interval_count"]
    )
    subscription = build(
        "subscription",
        {
            "application": None,
            "application_fee_percent": None,
            "automatic_tax": {"enabled": False, "liability": None, "disabled_reason": None},
            "billing_cycle_anchor": now,
            "billing_cycle_anchor_config": None,
            "cancel_at": None,
            "canceled_at": None,
            "cancellation_details": {"comment": None, "feedback": None, "reason": None},
            "collection_method": "charge_automatically",
            "created": now,
            "currency": price["currency"],
            "customer": customer["id"],
            "days_until_due": None,
            "default_payment_method": default,
            "default_source": None,
            "default_tax_rates": [],
            "description": params.get("description") or None,
            "discounts": [],
            "ended_at": None,
            "id": subscription_id,
            "invoice_settings": {
                "account_tax_ids": None,
                "issuer": {"type": "self"},
                "custom_fields": None,
                "description": None,
                "footer": None,
            },
            "items": {
                "data": [new_item(store, subscription_id, price, (now, end))],
                "has_more": False,
                "object": "list",
                "url": f"/v1/subscription_items?subscription={subscription_id}",
            },
            "latest_invoice": None,
            "livemode": False,
            "metadata": merge_metadata({}, params.get("metadata")),
            "next_pending_invoice_item_invoice": None,
            "object": "subscription",
            "on_behalf_of": None,
            "pause_collection": None,
            "payment_settings": {
                "payment_method_options": None,
                "payment_method_types": None,
                "save_default_payment_method": save,
            },
            "pending_invoice_item_interval": None,
            "pending_setup_intent": None,
            "pending_update": None,
            "schedule": None,
            "start_date": now,
            "status": "incomplete",
            "test_clock": customer["test_clock"],
            "transfer_data": None,
            "trial_end": None,
            "trial_settings": {"end_behavior": {"missing_payment_method": "create_invoice"}},
            "trial_start": None,
            "cancel_at_period_end": False,
            "billing_thresholds": None,
            "billing_mode": {"type": "classic", "flexible": None},
            "customer_account": None,
            "managed_payments": {"enabled": False},
            "billing_schedules": [],
            "_pending_lines": [],
            "_announced": False,
        },
    )
    store.put("subscription", subscription)
    invoice = invoices.for_subscription(
        store, subscription, "subscription_create", [], (price, (now, end)), (now, now)
    )
    collection.finalize(store, invoice)
    if invoice["status"] == "paid":
        subscription["status"] = "active"
    elif behavior != "default_incomplete":
        billing.collect(store, invoice, None, "create", as_bool(params, "off_session"))
        if behavior == "error_if_incomplete" and invoice["status"] != "paid":
            error = billing.incomplete_error(
                store,
                invoice,
                "subscription_payment_intent_requires_action",
                "Payment for this subscription requires additional user action before it can "
                "be completed successfully.",
            )
            if snapshot is not None:
                store.restore(snapshot)
            raise error
    subscription["_announced"] = True
    store.emit("customer.subscription.created", subscription)
    if subscription["status"] == "incomplete":
        schedule(store, subscription, now + INCOMPLETE_WINDOW, "expire_incomplete")
    schedule_renewal(store, subscription, end)
    return store.public(subscription)


@route("GET", "/v1/subscriptions/{subscription_id}")
def retrieve(store: Store, request: Request, subscription_id: str) -> dict[str, Any]:
    """The subscription, or 404."""
    return store.public(store.get("subscription", subscription_id))


# https://docs.stripe.com/api/subscriptions/list: the parameters the list takes (those the emulator
# implements; others answer parameter_unknown rather than being ignored), and the values of `status`.
LIST = {"customer", "price", "test_clock", "status", "collection_method", "limit", "starting_after",
        "ending_before", "expand", "created", "created.gt", "created.gte", "created.lt",
        "created.lte"}  # fmt: skip
LIST_STATUSES = ("active", "all", "canceled", "ended", "incomplete", "incomplete_expired",
                 "past_due", "paused", "trialing", "unpaid")  # fmt: skip


@route("GET", "/v1/subscriptions")
def list_subscriptions(store: Store, request: Request) -> dict[str, Any]:
    """Subscriptions, newest first, a page at a time (render.page: limit 1-100, default 10,
    starting_after / ending_before, has_more), `expand[]` as `data.customer`.

    https://docs.stripe.com/api/subscriptions/list#list_subscriptions-status: "Passing in a value
    of canceled will return all canceled subscriptions, including those belonging to deleted
    customers. Pass ended to find subscriptions that are canceled and subscriptions that are
    expired due to incomplete payment. Passing in a value of all will return subscriptions of all
    statuses. If no value is supplied, all subscriptions that have not been canceled are returned."
    Subscriptions of deleted customers stay listed: deleting a customer cancels them (customers).
    """
    params = request.params
    check_known(params, LIST)
    items = store.live("subscription")
    status = choice(params, "status", LIST_STATUSES, None)
    if status == "ended":
        items = [s for s in items if s["status"] in ENDED]
    elif status and status != "all":
        items = [s for s in items if s["status"] == status]
    elif not status:
        items = [s for s in items if s["status"] != "canceled"]
    items = where(items, params, "customer", "test_clock", "collection_method")
    if params.get("price"):
        items = [s for s in items if s["items"]["data"][0]["price"]["id"] == params["price"]]
    items = created_in(items, params)
    return page(store, items, params, "/v1/subscriptions")
