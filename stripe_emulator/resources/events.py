"""Events: retrieve and list (https://docs.stripe.com/api/events); kept 30 days."""

from typing import Any

from ..errors import missing
from ..forms import as_int, as_list
from ..render import page
from ..routing import Request, route
from ..store import Store

COMPARISONS = {
    "gt": lambda a, b: a > b,
    "gte": lambda a, b: a >= b,
    "lt": lambda a, b: a < b,
    "lte": lambda a, b: a <= b,
}


@route("GET", "/v1/events/{event_id}")
def retrieve(store: Store, request: Request, event_id: str) -> dict[str, Any]:
    """The event, or 404 (also once older than 30 days)."""
    found = next((e for e in store.events() if e["id"] == event_id), None)
    if found is None:
        raise missing("event", event_id)
    return store.public(found)


@route("GET", "/v1/events")
def list_events(store: Store, request: Request) -> dict[str, Any]:
    """Events, newest first, by type (or types[], `*` wildcards as Stripe allows), created."""
    params = request.params
    items = store.events()
    wanted = [str(t) for t in as_list(params, "types")] or (
        [str(params["type"])] if params.get("type") else []
    )
    if wanted:
        items = [e for e in items if any(_matches(pattern, e["type"]) for pattern in wanted)]
    created = params.get("created")
    if isinstance(created, dict):
        for op, compare in COMPARISONS.items():
            bound = as_int(created, op, f"created[{op}]")
            if bound is not None:
                items = [e for e in items if compare(e["created"], bound)]
    elif created not in (None, ""):
        exact = as_int(params, "created")
        items = [e for e in items if e["created"] == exact]
    return page(store, items, params, "/v1/events")


def _matches(pattern: str, event_type: str) -> bool:
    """`invoice.*` matches every invoice event (https://docs.stripe.com/api/events/list#list_events-type)."""
    if pattern.endswith(".*"):
        return event_type.startswith(pattern[:-1])
    return pattern == event_type
