"""Answers as Stripe shapes them: `expand[]` and includable fields, and paginated lists.

https://docs.stripe.com/expand and https://docs.stripe.com/api/pagination.
"""

from collections.abc import Callable
from typing import Any

from .errors import invalid
from .forms import as_int
from .store import Store

# Fields holding an id that `expand[]` replaces by the object, per object type (dotted: nested).
EXPANDABLE: dict[str, dict[str, str]] = {
    "customer": {
        "invoice_settings.default_payment_method": "payment_method",
        "test_clock": "test_helpers.test_clock",
    },
    "subscription": {
        "customer": "customer",
        "latest_invoice": "invoice",
        "default_payment_method": "payment_method",
        "test_clock": "test_helpers.test_clock",
    },
    "invoice": {
        "customer": "customer",
        "default_payment_method": "payment_method",
        "test_clock": "test_helpers.test_clock",
    },
    # https://docs.stripe.com/api/invoice-payment/object: payment.payment_intent and
    # payment.charge are both expandable; a payment holds the one its `type` names.
    "invoice_payment": {
        "invoice": "invoice",
        "payment.payment_intent": "payment_intent",
        "payment.charge": "charge",
    },
    "payment_intent": {
        "customer": "customer",
        "payment_method": "payment_method",
        "latest_charge": "charge",
    },
    "setup_intent": {"customer": "customer", "payment_method": "payment_method"},
    "payment_method": {"customer": "customer"},
    "charge": {"customer": "customer", "payment_intent": "payment_intent"},
    "refund": {"charge": "charge", "payment_intent": "payment_intent"},
    "dispute": {"charge": "charge", "payment_intent": "payment_intent"},
    "price": {"product": "product"},
}

# Fields present only when asked for with expand[] (Stripe's "includable" fields), computed by
# the resource modules: (type, field) -> fn(store, public object) -> value.
INCLUDABLE: dict[tuple[str, str], Callable[[Store, dict[str, Any]], Any]] = {}

MAX_DEPTH = 4  # https://docs.stripe.com/expand#how-it-works: "up to four levels deep"


def includable(kind: str, field: str) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Register `fn(store, obj)` as the value of the includable field `kind.field`."""

    def register(fn: Callable[..., Any]) -> Callable[..., Any]:
        INCLUDABLE[(kind, field)] = fn
        return fn

    return register


def expand(store: Store, answer: Any, paths: list[str]) -> Any:
    """`answer` with every dotted path in `paths` expanded; 400 as Stripe for a path that
    cannot be (unknown field, or deeper than four levels)."""
    for path in paths:
        _expand(store, answer, path.split("."), path, 0)
    return answer


def _expand(store: Store, obj: Any, parts: list[str], path: str, depth: int) -> None:
    """Expand `parts` inside `obj`; `depth` counts the expansions above (lists' `data` and the
    steps inside one object's nested hashes do not count)."""
    if not parts or not isinstance(obj, dict):
        return
    if obj.get("object") == "list":
        if parts[0] != "data":
            raise invalid(f"This property cannot be expanded ({path}).", param="expand")
        for item in obj["data"]:
            _expand(store, item, parts[1:], path, depth)
        return
    if depth >= MAX_DEPTH:
        raise invalid(
            f"You cannot expand more than {MAX_DEPTH} levels of a property. Property: {path}",
            param="expand",
        )
    kind = obj.get("object", "")
    for length in range(len(parts), 0, -1):
        field = ".".join(parts[:length])
        rest = parts[length:]
        if (kind, field) in INCLUDABLE:
            if field not in obj:
                obj[field] = INCLUDABLE[(kind, field)](store, obj)
            _expand(store, obj[field], rest, path, depth + 1)
            return
        target = EXPANDABLE.get(kind, {}).get(field)
        if target is None:
            continue
        holder, key = _holder(obj, parts[:length])
        if holder is None or key not in holder:
            # A member a polymorphic hash leaves out (invoice_payment.payment.charge when the
            # payment is a PaymentIntent) expands to nothing, as a null field does.
            return
        value = holder[key]
        if isinstance(value, str):
            found = store.find(target, value)
            if found is not None:
                if found.get("_deleted"):
                    holder[key] = {"id": value, "object": target, "deleted": True}
                else:
                    holder[key] = store.public(found)
        _expand(store, holder[key], rest, path, depth + 1)
        return
    raise invalid(f"This property cannot be expanded ({path}).", param="expand")


def _holder(obj: dict[str, Any], parts: list[str]) -> tuple[dict[str, Any] | None, str]:
    """The dict holding the last of `parts` inside `obj`, and that key."""
    node: Any = obj
    for part in parts[:-1]:
        node = node.get(part) if isinstance(node, dict) else None
    return (node if isinstance(node, dict) else None), parts[-1]


def page(
    store: Store, items: list[dict[str, Any]], params: dict[str, Any], url: str
) -> dict[str, Any]:
    """Stripe's list object over `items` (newest first), cut by limit/starting_after/ending_before.

    https://docs.stripe.com/api/pagination: limit 1..100, default 10.
    """
    limit = as_int(params, "limit")
    if limit is None:
        limit = 10
    if not 1 <= limit <= 100:
        raise invalid("Invalid limit: must be an integer between 1 and 100", param="limit")
    ids = [item["id"] for item in items]
    after, before = params.get("starting_after"), params.get("ending_before")
    if after:
        if after not in ids:
            raise invalid(
                f"No such object: '{after}'", param="starting_after", code="resource_missing"
            )
        rest = items[ids.index(after) + 1 :]
        chosen, has_more = rest[:limit], len(rest) > limit
    elif before:
        if before not in ids:
            raise invalid(
                f"No such object: '{before}'", param="ending_before", code="resource_missing"
            )
        rest = items[: ids.index(before)]
        chosen, has_more = rest[-limit:], len(rest) > limit
    else:
        chosen, has_more = items[:limit], len(items) > limit
    return {
        "object": "list",
        "data": [store.public(item) for item in chosen],
        "has_more": has_more,
        "url": url,
    }
