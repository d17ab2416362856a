"""Billing cycles and renewals: period arithmetic, the renewal invoice at each period end, and
its finalisation about an hour later.

https://docs.stripe.com/billing/subscriptions/billing-cycle (periods),
https://docs.stripe.com/billing/invoices/subscription (draft for about an hour, then finalised
and charged).
"""

import calendar
import copy
import datetime
from typing import Any

from ..store import Store, handler
from . import billing, collection, invoices
from . import subscription_lifecycle as lifecycle
from .common import changes

HOUR = 3600
DAY = 24 * HOUR
# https://docs.stripe.com/billing/invoices/subscription#subscription-renewal: renewal invoices
# stay draft about an hour before Stripe finalises them.
FINALIZE_DELAY = HOUR
RENEWING = ("active", "past_due", "unpaid")


def add_interval(start: int, interval: str, count: int, times: int = 1) -> int:
    """`start` moved by `times` x `count` intervals; months keep the day of month, clamped to
    the month's length (https://docs.stripe.com/billing/subscriptions/billing-cycle)."""
    if interval == "day":
        return start + DAY * count * times
    if interval == "week":
        return start + 7 * DAY * count * times
    months = count * times * (12 if interval == "year" else 1)
    moment = datetime.datetime.fromtimestamp(start, datetime.UTC)
    index = moment.month - 1 + months
    year, month = moment.year + index // 12, index % 12 + 1
    day = min(moment.day, calendar.monthrange(year, month)[1])
    return int(moment.replace(year=year, month=month, day=day).timestamp())


def next_period_end(anchor: int, recurring: dict[str, Any], after: int) -> int:
    """The first period boundary counted from `anchor` that is later than `after`."""
    times = 1
    while True:
        end = add_interval(anchor, recurring["interval"], recurring["interval_count"], times)
        if end > after:
            return end
        times += 1


@handler("renew")
def renew(store: Store, subscription_id: str, period_end: int) -> None:
    """At the period end: cancel (cancel_at_period_end), or start the next period with a draft
    subscription_cycle invoice (invoice.created, customer.subscription.updated)."""
    subscription = store.find("subscription", subscription_id)
    if subscription is None or subscription["status"] not in RENEWING:
        return
    item = subscription["items"]["data"][0]
    if item["current_period_end"] != period_end:
        return  # the period moved since (an interval change restarted it)
    if subscription["cancel_at_period_end"]:
        lifecycle.cancel_now(store, subscription, "cancellation_requested")
        return
    before = copy.deepcopy(subscription)
    price = item["price"]
    start = item["current_period_start"]
    end = next_period_end(subscription["billing_cycle_anchor"], price["recurring"], period_end)
    item["current_period_start"], item["current_period_end"] = period_end, end
    pending, subscription["_pending_lines"] = subscription["_pending_lines"], []
    invoice = invoices.for_subscription(
        store,
        subscription,
        "subscription_cycle",
        pending,
        (price, (period_end, end)),
        (start, period_end),
    )
    store.emit("customer.subscription.updated", subscription, changes(before, subscription))
    lifecycle.schedule_renewal(store, subscription, end)
    pause = paused_at(subscription, period_end)
    # https://docs.stripe.com/billing/subscriptions/pause-payment: what each behavior does to
    # the invoices created while collection is paused.
    if pause and pause["behavior"] == "void":
        invoices.void(store, invoice)
    elif pause and pause["behavior"] == "keep_as_draft":
        invoice["auto_advance"] = False
    elif pause and pause["behavior"] == "mark_uncollectible":
        collection.finalize(store, invoice)
        invoice.update(status="uncollectible", auto_advance=False)
        invoice["status_transitions"]["marked_uncollectible_at"] = period_end
        store.emit("invoice.marked_uncollectible", invoice)
    else:
        invoice["automatically_finalizes_at"] = period_end + FINALIZE_DELAY
        store.schedule(
            period_end + FINALIZE_DELAY,
            store.clock_id(subscription["customer"]),
            "finalize_invoice",
            invoice_id=invoice["id"],
        )


def paused_at(subscription: dict[str, Any], moment: int) -> dict[str, Any] | None:
    """The subscription's `pause_collection` if it applies to an invoice made at `moment`.

    https://docs.stripe.com/billing/subscriptions/pause-payment: the pause holds for "all invoices
    generated before the resumes_at date"; without `resumes_at` it lasts "until you unset
    pause_collection". An invoice made at `resumes_at` itself is collected, whichever of the
    renewal and the scheduled resume runs first at that second.
    """
    pause = subscription["pause_collection"]
    if pause and pause["resumes_at"] is not None and moment >= pause["resumes_at"]:
        return None
    return pause


@handler("finalize_invoice")
def finalize_invoice(store: Store, invoice_id: str) -> None:
    """An hour after renewal: finalise the draft and charge it off-session."""
    invoice = store.find("invoice", invoice_id)
    if invoice is None or invoice["status"] != "draft" or not invoice["auto_advance"]:
        return
    collection.finalize(store, invoice)
    if invoice["status"] == "open":
        billing.collect(store, invoice, None, "automatic", off_session=True)
