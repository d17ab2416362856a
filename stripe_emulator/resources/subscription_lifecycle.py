"""A subscription's life after creation: status changes, cancellation, a pending update applied
or expired, collection resumed (https://docs.stripe.com/billing/subscriptions/overview,
https://docs.stripe.com/api/subscriptions/cancel).

Renewals are in `renewals`, updates in `subscription_updates`.
"""

import copy
from typing import Any

from ..errors import state_error
from ..forms import check_known, merge_metadata
from ..routing import Request, route
from ..store import Store, handler
from . import invoices
from .common import changes

ENDED = ("canceled", "incomplete_expired")


def schedule(store: Store, subscription: dict[str, Any], due: int, kind: str, **args: Any) -> None:
    """Run the handler `kind` for the subscription (subscription_id and `args`) once its
    customer's clock (or real time) reaches `due`."""
    store.schedule(
        due,
        store.clock_id(subscription["customer"]),
        kind,
        subscription_id=subscription["id"],
        **args,
    )


def schedule_renewal(store: Store, subscription: dict[str, Any], period_end: int) -> None:
    """Renew the subscription at `period_end`."""
    schedule(store, subscription, period_end, "renew", period_end=period_end)


def set_status(store: Store, subscription: dict[str, Any], status: str) -> None:
    """Move the subscription to `status` (customer.subscription.updated)."""
    if subscription["status"] == status:
        return
    previous = {"status": subscription["status"]}
    subscription["status"] = status
    store.emit("customer.subscription.updated", subscription, previous)


def cancel_now(store: Store, subscription: dict[str, Any], reason: str) -> None:
    """End the subscription now (customer.subscription.deleted).

    https://docs.stripe.com/api/subscriptions/cancel: "By default, upon subscription
    cancellation, Stripe stops automatic collection of all finalized invoices for the customer."
    """
    now = store.now(subscription["customer"])
    subscription.update(
        status="canceled",
        canceled_at=subscription["canceled_at"] or now,
        ended_at=now,
        pending_update=None,
    )
    subscription["cancellation_details"]["reason"] = reason
    for invoice in store.live("invoice"):
        if invoice["customer"] == subscription["customer"] and invoice["status"] == "open":
            invoice.update(auto_advance=False, next_payment_attempt=None)
    store.emit("customer.subscription.deleted", subscription)


@route("DELETE", "/v1/subscriptions/{subscription_id}")
def cancel(store: Store, request: Request, subscription_id: str) -> dict[str, Any]:
    """Cancel at once: canceled, ended_at and canceled_at now, reason cancellation_requested."""
    check_known(
        request.params,
        {
            "invoice_now",
            "prorate",
            "cancellation_details",
            "cancellation_details.comment",
            "cancellation_details.feedback",
            "expand",
        },
    )
    subscription = store.get("subscription", subscription_id)
    if subscription["status"] in ENDED:
        raise state_error(
            f"The subscription {subscription_id} has already been canceled.",
            code="resource_missing",
        )
    details = request.params.get("cancellation_details")
    if isinstance(details, dict):
        for key in ("comment", "feedback"):
            if key in details:
                subscription["cancellation_details"][key] = details[key] or None
    cancel_now(store, subscription, "cancellation_requested")
    return store.public(subscription)


def apply_pending(store: Store, subscription: dict[str, Any]) -> None:
    """Apply the pending update now that its invoice is paid
    (customer.subscription.pending_update_applied)."""
    pending = subscription["pending_update"]
    subscription["items"]["data"] = copy.deepcopy(pending["subscription_items"])
    if pending["billing_cycle_anchor"]:
        subscription["billing_cycle_anchor"] = pending["billing_cycle_anchor"]
    if pending.get("metadata"):
        subscription["metadata"] = merge_metadata(subscription["metadata"], pending["metadata"])
    subscription["pending_update"] = None
    schedule_renewal(store, subscription, subscription["items"]["data"][0]["current_period_end"])
    store.emit("customer.subscription.pending_update_applied", subscription)


@handler("expire_incomplete")
def expire_incomplete(store: Store, subscription_id: str) -> None:
    """23 hours unpaid: incomplete_expired, the first invoice voided (invoice.voided).

    Stripe then sends customer.subscription.updated (status incomplete -> incomplete_expired);
    https://docs.stripe.com/billing/subscriptions/overview#subscription-statuses names the
    status change but not the event, so the event type is not checked against Stripe's docs.
    """
    subscription = store.find("subscription", subscription_id)
    if subscription is None or subscription["status"] != "incomplete":
        return
    invoice = store.find("invoice", subscription["latest_invoice"])
    if invoice is not None and invoice["status"] == "open":
        invoices.void(store, invoice)
    before = copy.deepcopy(subscription)
    subscription.update(status="incomplete_expired", ended_at=store.now(subscription["customer"]))
    store.emit("customer.subscription.updated", subscription, changes(before, subscription))


@handler("expire_pending_update")
def expire_pending_update(store: Store, subscription_id: str, expires_at: int) -> None:
    """The pending update's invoice was not paid in time: invoice voided, update discarded
    (https://docs.stripe.com/billing/subscriptions/pending-updates-reference#expiration)."""
    subscription = store.find("subscription", subscription_id)
    pending = subscription and subscription["pending_update"]
    if not pending or pending["expires_at"] != expires_at:
        return
    invoice = store.find("invoice", subscription["latest_invoice"])
    if invoice is not None and invoice["_pending_update"] and invoice["status"] == "open":
        invoices.void(store, invoice)
    previous = {"pending_update": copy.deepcopy(pending)}
    subscription["pending_update"] = None
    store.emit("customer.subscription.pending_update_expired", subscription)
    store.emit("customer.subscription.updated", subscription, previous)


@handler("resume_collection")
def resume_collection(store: Store, subscription_id: str, resumes_at: int) -> None:
    """pause_collection.resumes_at reached: collection resumes, `pause_collection` is null again
    (customer.subscription.updated, the pause in its previous attributes).

    https://docs.stripe.com/api/subscriptions/object#subscription_object-pause_collection-resumes_at:
    "The time after which the subscription will resume collecting payments." A pause changed or
    unset since this was scheduled is left alone.
    """
    subscription = store.find("subscription", subscription_id)
    pause = subscription and subscription["pause_collection"]
    if not pause or pause["resumes_at"] != resumes_at or subscription["status"] in ENDED:
        return
    subscription["pause_collection"] = None
    store.emit("customer.subscription.updated", subscription, {"pause_collection": pause})
