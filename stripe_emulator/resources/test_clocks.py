"""Test clocks: create, retrieve, list, delete, advance
(https://docs.stripe.com/billing/testing/test-clocks, https://docs.stripe.com/api/test_clocks)."""

from typing import Any

from ..errors import invalid, state_error
from ..fixtures import build
from ..forms import as_int, require
from ..render import page
from ..routing import Request, route
from ..store import Store, handler
from . import customers, renewals
from .subscription_lifecycle import ENDED

KIND = "test_helpers.test_clock"
# https://docs.stripe.com/api/test_clocks/object#test_clock_object-deletes_after: clocks are
# deleted 30 days after creation (the stored example shows 7 days; either way it only matters
# to Stripe's cleanup, which the emulator does not do).
LIFETIME = 30 * 24 * 3600
# A clock advancing for real takes a moment; the emulator's background thread does it after this.
ADVANCE_DELAY = 0.2


def _limit(store: Store, clock: dict[str, Any]) -> tuple[int, str]:
    """How far the clock may advance: two intervals of its shortest subscription, else two years.

    https://docs.stripe.com/api/test_clocks/advance#advance_test_clock-frozen_time
    """
    frozen = clock["frozen_time"]
    limits = []
    for subscription in store.live("subscription"):
        if subscription["test_clock"] != clock["id"] or subscription["status"] in ENDED:
            continue
        recurring = subscription["items"]["data"][0]["price"]["recurring"]
        limits.append(
            renewals.add_interval(frozen, recurring["interval"], recurring["interval_count"], 2)
        )
    if limits:
        return min(limits), "two intervals from the shortest subscription interval"
    return renewals.add_interval(frozen, "year", 1, 2), "two years"


@route("POST", "/v1/test_helpers/test_clocks")
def create(store: Store, request: Request) -> dict[str, Any]:
    """A ready clock at `frozen_time` (test_helpers.test_clock.created)."""
    frozen = as_int(request.params, "frozen_time")
    if frozen is None:
        require(request.params, "frozen_time")
    created = store.clock_time(None)
    clock = build(
        KIND,
        {
            "created": created,
            "deletes_after": created + LIFETIME,
            "frozen_time": frozen,
            "id": store.new_id("clock"),
            "livemode": False,
            "name": request.params.get("name") or None,
            "object": KIND,
            "status": "ready",
            "status_details": {},
            "_cursor": frozen,
        },
    )
    store.put(KIND, clock)
    store.emit("test_helpers.test_clock.created", clock)
    return store.public(clock)


@route("GET", "/v1/test_helpers/test_clocks/{clock_id}")
def retrieve(store: Store, request: Request, clock_id: str) -> dict[str, Any]:
    """The clock, or 404."""
    return store.public(store.get(KIND, clock_id))


@route("GET", "/v1/test_helpers/test_clocks")
def list_clocks(store: Store, request: Request) -> dict[str, Any]:
    """Clocks, newest first."""
    return page(store, store.live(KIND), request.params, "/v1/test_helpers/test_clocks")


@route("DELETE", "/v1/test_helpers/test_clocks/{clock_id}")
def delete(store: Store, request: Request, clock_id: str) -> dict[str, Any]:
    """Delete the clock and its customers (and so their subscriptions)."""
    clock = store.get(KIND, clock_id)
    for customer in store.live("customer"):
        if customer["test_clock"] == clock_id:
            customers.delete_customer(store, customer)
    store.drop_tasks(clock_id)
    clock["_deleted"] = True
    store.emit("test_helpers.test_clock.deleted", clock)
    return {"id": clock_id, "object": KIND, "deleted": True}


@route("POST", "/v1/test_helpers/test_clocks/{clock_id}/advance")
def advance(store: Store, request: Request, clock_id: str) -> dict[str, Any]:
    """Start advancing to `frozen_time`: status advancing now, the work due in between runs
    asynchronously, then ready (test_helpers.test_clock.advancing, then .ready)."""
    clock = store.get(KIND, clock_id)
    target = as_int(request.params, "frozen_time")
    if target is None:
        require(request.params, "frozen_time")
    if clock["status"] == "advancing":
        raise state_error(
            "The test clock is already advancing. Wait until it is ready before advancing it "
            "again.",
            code="test_clock_advancing",
        )
    if target <= clock["frozen_time"]:
        raise invalid(
            "The frozen_time must be after the test clock's current frozen_time "
            f"({clock['frozen_time']}).",
            param="frozen_time",
        )
    limit, reason = _limit(store, clock)
    if target > limit:
        raise invalid(
            f"Cannot advance the test clock more than {reason} ahead of its current frozen_time "
            f"(at most {limit}).",
            param="frozen_time",
        )
    clock["status"] = "advancing"
    clock["status_details"] = {"advancing": {"target_frozen_time": target}}
    store.emit("test_helpers.test_clock.advancing", clock)
    store.later(ADVANCE_DELAY, "advance_clock", clock_id=clock_id, target=target)
    return store.public(clock)


@handler("advance_clock")
def advance_clock(store: Store, clock_id: str, target: int) -> None:
    """Run the clock's work due up to `target`, each step at its own time; then ready."""
    clock = store.find(KIND, clock_id)
    if clock is None or clock.get("_deleted"):
        return
    store.run_due(clock_id, target)
    clock.update(frozen_time=target, status="ready", status_details={}, _cursor=target)
    store.emit("test_helpers.test_clock.ready", clock)
