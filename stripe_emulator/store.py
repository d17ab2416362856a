"""The emulator's state: objects, events, scheduled work, deliveries, idempotent results.

Everything lives in one JSON-serialisable dict (`Store.state`) so that it can be saved to the
state file, restored, and snapshotted for updates Stripe applies all-or-nothing. Internal fields
of an object start with "_" and never leave the emulator.
"""

import copy
import json
import os
import string
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from random import Random
from typing import Any

from .errors import missing
from .fixtures import build

API_VERSION = "2026-10-28.endive"
ALPHANUMERIC = string.ascii_letters + string.digits
# Stripe keeps events for 30 days (https://docs.stripe.com/api/events).
EVENT_RETENTION = 30 * 24 * 3600

# How Stripe names each kind in "No such <label>: 'id'".
LABELS = {
    "customer": "customer",
    "product": "product",
    "price": "price",
    "payment_method": "PaymentMethod",
    "payment_intent": "payment_intent",
    "setup_intent": "setupintent",
    "charge": "charge",
    "refund": "refund",
    "dispute": "dispute",
    "subscription": "subscription",
    "invoice": "invoice",
    "invoice_payment": "invoice_payment",
    "event": "event",
    "test_helpers.test_clock": "test_clock",
}

# Work run at a given object time (renewals, retries...) or soon after a request (jobs), by name:
# handlers take the store and the JSON arguments they were scheduled with.
HANDLERS: dict[str, Callable[..., None]] = {}


def handler(name: str) -> Callable[[Callable[..., None]], Callable[..., None]]:
    """Register `fn` as the handler of scheduled work named `name`."""

    def register(fn: Callable[..., None]) -> Callable[..., None]:
        HANDLERS[name] = fn
        return fn

    return register


def empty_state() -> dict[str, Any]:
    """A store holding nothing."""
    return {
        "objects": {kind: {} for kind in LABELS},
        "seq": 0,
        "tasks": [],
        "jobs": [],
        "deliveries": [],
        "idempotency": {},
    }


class Store:
    """The objects and the machinery every resource module shares."""

    def __init__(
        self,
        seed: int | None = None,
        public_url: str = "http://127.0.0.1:12111",
        after_retries: str = "cancel",
    ) -> None:
        # Seeded so that ids and shuffles reproduce; nothing here is a secret.
        self.rng = Random(seed)  # noqa: S311
        self.public_url = public_url.rstrip("/")
        self.after_retries = after_retries
        self.state = empty_state()
        self.lock = threading.RLock()
        # (request id, idempotency key) of the request being served; (None, None) for work
        # Stripe does on its own (https://docs.stripe.com/api/events/object#event_object-request).
        self.context: tuple[str | None, str | None] = (None, None)
        self.delivering = True
        self.on_event: Callable[[dict[str, Any]], None] | None = None

    # ids and objects

    def new_id(self, prefix: str) -> str:
        """A Stripe-like id: `prefix`_ and 24 random alphanumerics."""
        return f"{prefix}_" + "".join(self.rng.choice(ALPHANUMERIC) for _ in range(24))

    def random_token(self, length: int = 24) -> str:
        """Random alphanumerics (client secrets, fingerprints)."""
        return "".join(self.rng.choice(ALPHANUMERIC) for _ in range(length))

    def objects(self, kind: str) -> dict[str, dict[str, Any]]:
        """The stored objects of `kind`, by id."""
        return self.state["objects"][kind]

    def put(self, kind: str, obj: dict[str, Any]) -> dict[str, Any]:
        """Store `obj` (a new one gets its creation order in `_seq`); returns it."""
        if "_seq" not in obj:
            self.state["seq"] += 1
            obj["_seq"] = self.state["seq"]
        self.objects(kind)[obj["id"]] = obj
        return obj

    def get(self, kind: str, object_id: Any, param: str = "id") -> dict[str, Any]:
        """The stored `kind` object `object_id`, or Stripe's 404 naming `param`."""
        obj = self.objects(kind).get(object_id) if isinstance(object_id, str) else None
        if obj is None or obj.get("_deleted"):
            raise missing(LABELS[kind], str(object_id), param)
        return obj

    def find(self, kind: str, object_id: Any) -> dict[str, Any] | None:
        """The stored `kind` object `object_id` or None."""
        return self.objects(kind).get(object_id) if isinstance(object_id, str) else None

    def live(self, kind: str) -> list[dict[str, Any]]:
        """Every stored, undeleted `kind` object, newest first."""
        found = [obj for obj in self.objects(kind).values() if not obj.get("_deleted")]
        return sorted(found, key=lambda obj: (obj.get("created", 0), obj["_seq"]), reverse=True)

    @staticmethod
    def public(obj: dict[str, Any]) -> dict[str, Any]:
        """A deep copy of `obj` without its internal fields."""
        return {key: copy.deepcopy(value) for key, value in obj.items() if key[0] != "_"}

    # time

    def clock_id(self, customer_id: Any) -> str | None:
        """The test clock of the customer `customer_id`, if any."""
        customer = self.find("customer", customer_id)
        return customer["test_clock"] if customer else None

    def clock_time(self, clock_id: str | None) -> int:
        """Now on the test clock `clock_id` (its frozen time), or real time when None.

        https://docs.stripe.com/billing/testing/test-clocks: objects of a clock's customers live
        on its frozen time.
        """
        if clock_id is None:
            return int(time.time())
        clock = self.find("test_helpers.test_clock", clock_id)
        return int(clock["_cursor"]) if clock else int(time.time())

    def now(self, customer_id: Any = None) -> int:
        """Now for objects of the customer `customer_id` (their clock's time, or real time)."""
        return self.clock_time(self.clock_id(customer_id))

    # events

    def emit(
        self,
        type: str,
        obj: dict[str, Any],
        previous: dict[str, Any] | None = None,
    ) -> dict[str, Any]:
        """Record the event `type` about `obj` as it is now, and queue its delivery.

        https://docs.stripe.com/api/events/object: data.object is the whole object,
        data.previous_attributes the old values of what an update changed.
        """
        data: dict[str, Any] = {"object": self.public(obj)}
        if previous is not None:
            data["previous_attributes"] = copy.deepcopy(previous)
        request_id, idempotency_key = self.context
        event = build(
            "event",
            {
                "api_version": API_VERSION,
                "created": int(time.time()),
                "data": data,
                "id": self.new_id("evt"),
                "livemode": False,
                "object": "event",
                "pending_webhooks": 1 if self.delivering else 0,
                "request": {"id": request_id, "idempotency_key": idempotency_key},
                "type": type,
            },
        )
        self.put("event", event)
        if self.delivering and self.on_event is not None:
            self.on_event(self.public(event))
        return event

    def events(self) -> list[dict[str, Any]]:
        """The events still kept (30 days of real time), newest first."""
        horizon = time.time() - EVENT_RETENTION
        return [event for event in self.live("event") if event["created"] >= horizon]

    @contextmanager
    def automatic(self) -> Iterator[None]:
        """Run a block as Stripe's own work: its events name no request."""
        saved = self.context
        self.context = (None, None)
        try:
            yield
        finally:
            self.context = saved

    # scheduled work

    def schedule(self, due: int, clock_id: str | None, kind: str, **args: Any) -> None:
        """Run handler `kind` with `args` once `clock_id`'s time (real time if None) reaches `due`."""
        self.state["seq"] += 1
        self.state["tasks"].append(
            {
                "due": int(due),
                "clock": clock_id,
                "seq": self.state["seq"],
                "kind": kind,
                "args": args,
            }
        )

    def run_due(self, clock_id: str | None, until: int) -> None:
        """Run the work due on `clock_id` up to `until`, in time order, each at its own time."""
        while True:
            due = [
                task
                for task in self.state["tasks"]
                if task["clock"] == clock_id and task["due"] <= until
            ]
            if not due:
                return
            task = min(due, key=lambda task: (task["due"], task["seq"]))
            self.state["tasks"].remove(task)
            if clock_id is not None:
                clock = self.objects("test_helpers.test_clock")[clock_id]
                clock["_cursor"] = max(clock["_cursor"], task["due"])
            with self.automatic():
                HANDLERS[task["kind"]](self, **task["args"])

    def drop_tasks(self, clock_id: str) -> None:
        """Forget the work scheduled on a deleted clock."""
        self.state["tasks"] = [task for task in self.state["tasks"] if task["clock"] != clock_id]

    def later(self, delay: float, kind: str, **args: Any) -> None:
        """Run handler `kind` asynchronously: `delay` seconds from now (thread delivery) or at
        the next settle() (manual delivery)."""
        self.state["seq"] += 1
        self.state["jobs"].append(
            {"ready": time.time() + delay, "seq": self.state["seq"], "kind": kind, "args": args}
        )

    def run_jobs(self, force: bool = False) -> int:
        """Run the asynchronous work that is ready (all of it when `force`); returns how much."""
        count = 0
        while True:
            ready = [job for job in self.state["jobs"] if force or job["ready"] <= time.time()]
            if not ready:
                return count
            job = min(ready, key=lambda job: (job["ready"], job["seq"]))
            self.state["jobs"].remove(job)
            with self.automatic():
                HANDLERS[job["kind"]](self, **job["args"])
            count += 1

    # persistence

    def snapshot(self) -> dict[str, Any]:
        """A copy of the whole state, for `restore`."""
        return copy.deepcopy(self.state)

    def restore(self, snapshot: dict[str, Any]) -> None:
        """Put back a state taken with `snapshot`."""
        self.state = snapshot

    def save(self, path: str) -> None:
        """Write the state to the JSON file `path` (atomically: a crash keeps the old file)."""
        temporary = f"{path}.tmp"
        with open(temporary, "w") as file:
            json.dump(self.state, file)
        os.replace(temporary, path)

    def load(self, path: str) -> None:
        """Read the state from the JSON file `path`."""
        with open(path) as file:
            self.state = json.load(file)
