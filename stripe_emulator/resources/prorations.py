"""Price changes on a subscription and their prorations: the item moved to the new price, and
the proration lines waiting for the next invoice or invoiced at once.

https://docs.stripe.com/billing/subscriptions/prorations (by the second, credit for the unused
time of the old price). An interval change resets the billing cycle anchor to now and invoices at
once (https://docs.stripe.com/billing/subscriptions/billing-cycle#changing).
"""

import datetime
from typing import Any

from ..errors import invalid
from ..forms import as_list, choice
from ..store import Store
from . import collection, invoices
from .renewals import add_interval
from .subscriptions import item_price, plan_of


def _day(ts: int) -> str:
    return datetime.datetime.fromtimestamp(ts, datetime.UTC).strftime("%d %b %Y").lstrip("0")


def _spec(
    store: Store, price: dict[str, Any], amount: int, period: tuple[int, int], credit: bool
) -> dict[str, Any]:
    """A proration line waiting for its invoice."""
    product = store.find("product", price["product"])
    name = product["name"] if product else price["product"]
    label = "Unused time on" if credit else "Remaining time on"
    return {
        "price": price["id"],
        "amount": amount,
        "period": list(period),
        "description": f"{label} {name} after {_day(period[0])}",
    }


def change_price(
    store: Store, subscription: dict[str, Any], params: dict[str, Any], now: int
) -> dict[str, Any] | None:
    """Move the item to the new price; returns the invoice to create now, if the change needs
    one ({"lines": [...], "period": ...}), else None (prorations then wait for the renewal)."""
    given = as_list(params, "items")
    if not given:
        return None
    if len(given) != 1 or not isinstance(given[0], dict):
        raise invalid("The emulator supports subscriptions of exactly one item.", param="items")
    item = subscription["items"]["data"][0]
    if given[0].get("id") and given[0]["id"] != item["id"]:
        raise invalid(
            f"No such subscription_item: '{given[0]['id']}'",
            param="items[0][id]",
            code="resource_missing",
        )
    new = item_price(store, given[0], "items[0]", now)
    old = item["price"]
    if new["id"] == old["id"]:
        return None
    behavior = choice(
        params,
        "proration_behavior",
        ("create_prorations", "none", "always_invoice"),
        "create_prorations",
    )
    start, end = item["current_period_start"], item["current_period_end"]
    share = max(end - now, 0) / max(end - start, 1)
    credit = -round(old["unit_amount"] * share)
    item["price"], item["plan"] = store.public(new), plan_of(new)
    same_interval = (old["recurring"]["interval"], old["recurring"]["interval_count"]) == (
        new["recurring"]["interval"],
        new["recurring"]["interval_count"],
    )
    if not same_interval:
        new_end = add_interval(
            now, new["recurring"]["interval"], new["recurring"]["interval_count"]
        )
        subscription["billing_cycle_anchor"] = now
        item["current_period_start"], item["current_period_end"] = now, new_end
        lines = list(subscription["_pending_lines"])
        if behavior != "none" and credit:
            lines.append(_spec(store, old, credit, (now, end), credit=True))
        subscription["_pending_lines"] = []
        return {"lines": lines, "new": new, "period": (now, new_end), "reason": "full"}
    if behavior == "none":
        return None
    prorations = [
        _spec(store, old, credit, (now, end), credit=True),
        _spec(store, new, round(new["unit_amount"] * share), (now, end), credit=False),
    ]
    if behavior == "create_prorations":
        subscription["_pending_lines"].extend(prorations)
        return None
    lines = subscription["_pending_lines"] + prorations
    subscription["_pending_lines"] = []
    return {"lines": lines, "new": None, "period": (now, now), "reason": "prorations"}


def invoice_now(store: Store, subscription: dict[str, Any], spec: dict[str, Any]) -> dict[str, Any]:
    """Create and finalise the update's invoice (billing_reason subscription_update)."""
    new = spec["new"]
    invoice = invoices.for_subscription(
        store,
        subscription,
        "subscription_update",
        spec["lines"],
        None if new is None else (new, spec["period"]),
        (spec["period"][0], spec["period"][0]),
    )
    collection.finalize(store, invoice)
    return invoice
