"""Stripe's example objects, hand-made signed events, and a fake HTTP layer under the real SDK.

`FakeStripeHTTP` is for the gateway's request-encoding unit tests only: the real
`stripe.StripeClient` encodes each request and decodes each queued answer, so those tests see exactly
what the SDK sends and how it reads Stripe's replies. It answers what it is told, not what Stripe
would, so nothing that follows Stripe's state (webhooks, journeys) runs on it: those run on the
Stripe emulator. Objects come from `tests/fixtures/stripe/objects.json`, Stripe's own examples (see
its README).
"""

import copy
import hashlib
import hmac
import json
import time
from collections import deque
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlsplit

import stripe

OBJECTS = Path(__file__).parent / "fixtures" / "stripe" / "objects.json"
_RESOURCES: dict[str, Any] = json.loads(OBJECTS.read_text())["resources"]


def deep_merge(base: dict[str, Any], overrides: dict[str, Any]) -> dict[str, Any]:
    """`base` with `overrides` applied: nested dicts merged key by key, anything else replaced."""
    merged = copy.deepcopy(base)
    for key, value in overrides.items():
        if isinstance(value, dict) and isinstance(merged.get(key), dict):
            merged[key] = deep_merge(merged[key], value)
        else:
            merged[key] = copy.deepcopy(value)
    return merged


def stripe_object(kind: str, **overrides: Any) -> dict[str, Any]:
    """A fresh copy of Stripe's example `kind` object (e.g. "invoice"), `overrides` merged in."""
    return deep_merge(_RESOURCES[kind], overrides)


def stripe_list(data: list[dict[str, Any]], url: str, has_more: bool = False) -> dict[str, Any]:
    """A Stripe list object holding `data`, as list endpoints answer."""
    return {"object": "list", "data": data, "has_more": has_more, "url": url}


def make_event(
    type: str, obj: dict[str, Any], created: int | None = None, event_id: str | None = None
) -> dict[str, Any]:
    """Stripe's example event turned into a `type` event about `obj`."""
    event = stripe_object("event", type=type)
    event["data"] = {"object": copy.deepcopy(obj)}
    event["created"] = int(time.time()) if created is None else created
    if event_id is not None:
        event["id"] = event_id
    return event


def sign(payload: bytes, secret: str, timestamp: int | None = None) -> str:
    """The Stripe-Signature header Stripe would send with `payload` (v1 scheme)."""
    timestamp = int(time.time()) if timestamp is None else timestamp
    signed = f"{timestamp}.".encode() + payload
    digest = hmac.new(secret.encode(), signed, hashlib.sha256).hexdigest()
    return f"t={timestamp},v1={digest}"


def decode_form(encoded: str) -> dict[str, Any]:
    """Stripe's form encoding (`items[0][price_data][unit_amount]=100`) back into nested dicts and
    lists; values stay the strings that were sent."""
    root: dict[str, Any] = {}
    for key, value in parse_qsl(encoded, keep_blank_values=True):
        name, _, rest = key.partition("[")
        path = [name] + (rest[:-1].split("][") if rest else [])
        node = root
        for part in path[:-1]:
            node = node.setdefault(part, {})
        node[path[-1]] = value
    return _lists_from_indexes(root)


def _lists_from_indexes(value: Any) -> Any:
    """Dicts keyed 0, 1, 2... turned into lists, all the way down."""
    if not isinstance(value, dict):
        return value
    value = {key: _lists_from_indexes(item) for key, item in value.items()}
    if value and all(key.isdigit() for key in value):
        return [value[key] for key in sorted(value, key=int)]
    return value


@dataclass
class Request:
    """One request the SDK made: `params` decoded from the form body or the query string."""

    method: str
    path: str
    params: dict[str, Any]
    headers: dict[str, str]

    @property
    def idempotency_key(self) -> str | None:
        return self.headers.get("Idempotency-Key")


@dataclass
class _Reply:
    status: int = 200
    body: dict[str, Any] = field(default_factory=dict)
    error: Exception | None = None


class FakeStripeHTTP(stripe.HTTPClient):
    """Stripe's HTTP endpoint, faked: answers the queued replies in order (`respond`,
    `respond_error`, `fail_connection`). A request with no reply queued fails the test."""

    name = "fake"

    def __init__(self) -> None:
        super().__init__()
        self.requests: list[Request] = []
        self._queue: deque[_Reply] = deque()

    def respond(self, status: int, body: dict[str, Any]) -> None:
        """Answer the next request with `status` and the JSON `body`."""
        self._queue.append(_Reply(status, body))

    def fail_connection(self, message: str = "Connection refused") -> None:
        """Make the next request fail as an unreachable network does."""
        self._queue.append(_Reply(error=stripe.APIConnectionError(message, should_retry=True)))

    def respond_error(
        self, status: int, type: str, message: str, code: str | None = None, **extra: Any
    ) -> None:
        """Answer the next request with Stripe's error body (`{"error": {"type", "code", ...}}`)."""
        error = {"type": type, "message": message, "code": code, **extra}
        self._queue.append(_Reply(status, {"error": error}))

    def request(
        self,
        method: str,
        url: str,
        headers: Any,
        post_data: Any = None,
        *,
        _usage: list[str] | None = None,
    ) -> tuple[str, int, dict[str, str]]:
        """Record the request and return the reply due: `(body, status, headers)`."""
        parts = urlsplit(url)
        encoded = post_data.decode() if isinstance(post_data, bytes) else (post_data or parts.query)
        recorded = Request(method.lower(), parts.path, decode_form(encoded), dict(headers or {}))
        self.requests.append(recorded)
        if not self._queue:
            raise AssertionError(f"unexpected Stripe request: {recorded.method} {recorded.path}")
        reply = self._queue.popleft()
        if reply.error is not None:
            raise reply.error
        return json.dumps(reply.body), reply.status, {"request-id": f"req_{len(self.requests)}"}

    def close(self) -> None:
        """Nothing to close."""

    @property
    def last(self) -> Request:
        """The latest request."""
        return self.requests[-1]
