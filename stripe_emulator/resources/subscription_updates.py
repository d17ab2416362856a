"""Subscription updates: price changes (see `prorations`), cancel at period end, pause, default
payment method, and pending updates (https://docs.stripe.com/api/subscriptions/update).
"""

import copy
from typing import Any

from ..errors import invalid, state_error
from ..forms import as_bool, as_int, as_list, check_known, choice, merge_metadata
from ..routing import Request, route
from ..store import Store
from . import billing, payment_methods, prorations
from . import subscription_lifecycle as lifecycle
from .common import changes
from .subscriptions import ITEM_PARAMS

UPDATE = ITEM_PARAMS | {
    "items.id",
    "proration_behavior",
    "proration_date",
    "cancel_at_period_end",
    "pause_collection",
    "pause_collection.behavior",
    "pause_collection.resumes_at",
    "default_payment_method",
    "metadata",
    "payment_behavior",
    "expand",
    "off_session",
    "description",
    "billing_cycle_anchor",
    "cancellation_details",
    "cancellation_details.comment",
    "cancellation_details.feedback",
}
# https://docs.stripe.com/billing/subscriptions/pending-updates-reference#supported-attributes;
# metadata joined the list in 2026-05-27.dahlia
# (https://docs.stripe.com/changelog/dahlia/2026-05-27/pending-subscription-update-metadata).
PENDING_SUPPORTED = {
    "expand",
    "payment_behavior",
    "proration_behavior",
    "proration_date",
    "billing_cycle_anchor",
    "items",
    "items.id",
    "items.price",
    "items.quantity",
    "trial_end",
    "trial_from_plan",
    "add_invoice_items",
    "metadata",
}
# https://docs.stripe.com/billing/subscriptions/overview#subscription-statuses: "A subscription
# in this status can only have metadata and default_source updated."
INCOMPLETE_UPDATABLE = {"metadata", "default_source", "expand"}
PENDING_WINDOW = 23 * 3600


def _pending_check(params: dict[str, Any], prefix: str = "", shown: str = "") -> None:
    """400 for a parameter pending updates do not support."""
    for key in params:
        name = f"{prefix}.{key}" if prefix else key
        label = f"{shown}[{key}]" if shown else key
        if name not in PENDING_SUPPORTED:
            raise invalid(
                "When `payment_behavior` is `pending_if_incomplete`, only these parameters can be "
                "updated: " + ", ".join(sorted(PENDING_SUPPORTED)) + f". You passed `{label}`.",
                param=label,
            )
        if name == "items":
            for index, item in enumerate(as_list(params, "items")):
                if isinstance(item, dict):
                    _pending_check(item, "items", f"items[{index}]")


def _simple_fields(
    store: Store, subscription: dict[str, Any], params: dict[str, Any], now: int
) -> None:
    if "metadata" in params and params.get("payment_behavior") != "pending_if_incomplete":
        subscription["metadata"] = merge_metadata(subscription["metadata"], params["metadata"])
    if "description" in params:
        subscription["description"] = params["description"] or None
    if "default_payment_method" in params:
        subscription["default_payment_method"] = payment_methods.attached(
            store,
            subscription["customer"],
            params["default_payment_method"],
            "default_payment_method",
        )
    if "cancel_at_period_end" in params:
        # https://docs.stripe.com/billing/subscriptions/cancel#cancel-at-end-of-cycle
        cancel = as_bool(params, "cancel_at_period_end")
        subscription["cancel_at_period_end"] = cancel
        subscription["cancel_at"] = (
            subscription["items"]["data"][0]["current_period_end"] if cancel else None
        )
        subscription["canceled_at"] = now if cancel else None
        subscription["cancellation_details"]["reason"] = (
            "cancellation_requested" if cancel else None
        )
    if "pause_collection" in params:
        # https://docs.stripe.com/api/subscriptions/update#update_subscription-pause_collection:
        # "the subscription status will be unchanged"; an empty value unsets the pause
        # (https://docs.stripe.com/billing/subscriptions/pause-payment: paused "until you unset
        # pause_collection"). Each update sets the whole hash, `resumes_at` included.
        pause = params["pause_collection"]
        if pause in ("", None):
            subscription["pause_collection"] = None
        else:
            behavior = choice(
                pause, "behavior", ("keep_as_draft", "mark_uncollectible", "void"), None
            )
            if behavior is None:
                raise invalid(
                    "Missing required param: pause_collection[behavior].",
                    param="pause_collection[behavior]",
                    code="parameter_missing",
                )
            resumes_at = as_int(pause, "resumes_at", "pause_collection[resumes_at]")
            subscription["pause_collection"] = {"behavior": behavior, "resumes_at": resumes_at}
            if resumes_at:
                lifecycle.schedule(
                    store, subscription, resumes_at, "resume_collection", resumes_at=resumes_at
                )


@route("POST", "/v1/subscriptions/{subscription_id}")
def update(store: Store, request: Request, subscription_id: str) -> dict[str, Any]:
    """The subscription changed as asked (customer.subscription.updated with what changed).

    payment_behavior for an update that invoices at once
    (https://docs.stripe.com/api/subscriptions/update#update_subscription-payment_behavior):
    allow_incomplete (default) applies the change and goes past_due if payment fails;
    default_incomplete leaves the invoice for the customer to confirm (past_due meanwhile);
    error_if_incomplete answers 402 and changes nothing; pending_if_incomplete keeps the
    subscription unchanged with `pending_update` until the invoice is paid.
    """
    params = request.params
    check_known(params, UPDATE)
    behavior = choice(
        params,
        "payment_behavior",
        ("allow_incomplete", "default_incomplete", "error_if_incomplete", "pending_if_incomplete"),
        "allow_incomplete",
    )
    if behavior == "pending_if_incomplete":
        _pending_check(params)
    subscription = store.get("subscription", subscription_id)
    if subscription["status"] in lifecycle.ENDED:
        raise state_error("A canceled subscription can only update its cancellation_details.")
    if subscription["status"] == "incomplete" and set(params) - INCOMPLETE_UPDATABLE:
        raise state_error(
            "A subscription in incomplete status can only have metadata and default_source "
            f"updated; you passed {', '.join(sorted(set(params) - INCOMPLETE_UPDATABLE))}."
        )
    snapshot = store.snapshot()
    before = copy.deepcopy(subscription)
    now = store.now(subscription["customer"])
    _simple_fields(store, subscription, params, now)
    spec = prorations.change_price(store, subscription, params, now)
    if spec is None or behavior == "default_incomplete" or behavior == "allow_incomplete":
        invoice = prorations.invoice_now(store, subscription, spec) if spec else None
        store.emit("customer.subscription.updated", subscription, changes(before, subscription))
        _reschedule(store, subscription, before)
        if invoice is not None and invoice["status"] == "open":
            if behavior == "default_incomplete":
                lifecycle.set_status(store, subscription, "past_due")
            else:
                billing.collect(store, invoice, None, "update", as_bool(params, "off_session"))
        return store.public(subscription)
    invoice = prorations.invoice_now(store, subscription, spec)
    if invoice["status"] == "open":
        invoice["_pending_update"] = behavior == "pending_if_incomplete"
        billing.collect(store, invoice, None, "create", as_bool(params, "off_session"))
    if invoice["status"] == "paid":
        store.emit("customer.subscription.updated", subscription, changes(before, subscription))
        _reschedule(store, subscription, before)
        return store.public(subscription)
    if behavior == "error_if_incomplete":
        error = billing.incomplete_error(
            store,
            invoice,
            "invoice_payment_intent_requires_action",
            "This payment requires additional user action.",
        )
        store.restore(snapshot)
        raise error
    # pending_if_incomplete: the subscription keeps its items and cycle; the change waits.
    new_items, new_anchor = (
        copy.deepcopy(subscription["items"]["data"]),
        subscription["billing_cycle_anchor"],
    )
    subscription["items"]["data"] = copy.deepcopy(before["items"]["data"])
    subscription["billing_cycle_anchor"] = before["billing_cycle_anchor"]
    subscription["_pending_lines"] = copy.deepcopy(before["_pending_lines"])
    expires_at = min(now + PENDING_WINDOW, before["items"]["data"][0]["current_period_end"])
    subscription["pending_update"] = {
        "billing_cycle_anchor": new_anchor
        if new_anchor != before["billing_cycle_anchor"]
        else None,
        "discount": None,
        "discounts": [],
        "expires_at": expires_at,
        "subscription_items": new_items,
        "trial_end": None,
        "trial_from_plan": None,
        "metadata": params.get("metadata") if isinstance(params.get("metadata"), dict) else None,
    }
    lifecycle.schedule(
        store, subscription, expires_at, "expire_pending_update", expires_at=expires_at
    )
    store.emit("customer.subscription.updated", subscription, changes(before, subscription))
    return store.public(subscription)


def _reschedule(store: Store, subscription: dict[str, Any], before: dict[str, Any]) -> None:
    """A restarted period renews at its new end."""
    end = subscription["items"]["data"][0]["current_period_end"]
    if end != before["items"]["data"][0]["current_period_end"]:
        lifecycle.schedule_renewal(store, subscription, end)
