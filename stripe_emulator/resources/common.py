"""Helpers the resource modules share: update diffs, list filters, amounts in messages."""

import operator
from typing import Any

from ..forms import as_int

SYMBOLS = {"usd": "$", "eur": "€", "gbp": "£"}


def changes(before: dict[str, Any], after: dict[str, Any]) -> dict[str, Any]:
    """Stripe's `previous_attributes`: the old value of every key that changed, nested hashes
    reduced to the keys that changed inside them, lists and sub-objects given whole.

    https://docs.stripe.com/api/events/object#event_object-data-previous_attributes
    """
    previous: dict[str, Any] = {}
    for key, old in before.items():
        if key.startswith("_"):
            continue
        new = after.get(key)
        if old == new:
            continue
        if isinstance(old, dict) and isinstance(new, dict) and "object" not in old:
            previous[key] = changes(old, new)
        else:
            previous[key] = old
    return previous


def where(
    items: list[dict[str, Any]], params: dict[str, Any], *fields: str
) -> list[dict[str, Any]]:
    """`items` whose `field` equals the parameter of that name, for each field given."""
    for field in fields:
        wanted = params.get(field)
        if wanted not in (None, ""):
            items = [item for item in items if item.get(field) == wanted]
    return items


# https://docs.stripe.com/api/subscriptions/list#list_subscriptions-created (as on every list that
# takes `created`): an exact timestamp, or a hash of gt, gte, lt and lte bounds.
BOUNDS = {"gt": operator.gt, "gte": operator.ge, "lt": operator.lt, "lte": operator.le}


def created_in(items: list[dict[str, Any]], params: dict[str, Any]) -> list[dict[str, Any]]:
    """`items` whose `created` matches the `created` parameter, if one was given."""
    created = params.get("created")
    if isinstance(created, dict):
        for name, compare in BOUNDS.items():
            bound = as_int(created, name, f"created[{name}]")
            if bound is not None:
                items = [item for item in items if compare(item["created"], bound)]
        return items
    exact = as_int(params, "created")
    return items if exact is None else [item for item in items if item["created"] == exact]


def money(amount: int, currency: str) -> str:
    """`amount` (minor units) as Stripe writes it in messages: $12.34."""
    symbol = SYMBOLS.get(currency)
    value = f"{amount / 100:.2f}"
    return f"{symbol}{value}" if symbol else f"{value} {currency.upper()}"
