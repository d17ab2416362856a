"""Webhook deliveries: signing, the queue, and the background sender of "thread" delivery.

https://docs.stripe.com/webhooks: `Stripe-Signature: t=<unix>,v1=<hex HMAC-SHA256 of
"<t>.<payload>" with the endpoint secret>`; Stripe retries failed deliveries with exponential
backoff (https://docs.stripe.com/webhooks#retries).
"""

import hashlib
import hmac
import json
import logging
import time
import urllib.error
import urllib.request
from typing import Any

log = logging.getLogger("stripe_emulator")

USER_AGENT = "Stripe/1.0 (+https://stripe.com/docs/webhooks)"
CONTENT_TYPE = "application/json; charset=utf-8"
# Stripe delivers asynchronously: the request that caused an event answers (and the caller
# commits) before the webhook arrives.
DELIVERY_DELAY = 0.3
FIRST_RETRY = 0.5
MAX_RETRY = 30.0
MAX_TRIES = 10


def sign(payload: bytes, secret: str, timestamp: int | None = None) -> str:
    """The Stripe-Signature header for `payload` (v1 scheme)."""
    timestamp = int(time.time()) if timestamp is None else timestamp
    digest = hmac.new(secret.encode(), f"{timestamp}.".encode() + payload, hashlib.sha256)
    return f"t={timestamp},v1={digest.hexdigest()}"


def headers_for(payload: bytes, secret: str) -> dict[str, str]:
    """The headers Stripe sends with a delivery."""
    return {
        "Content-Type": CONTENT_TYPE,
        "User-Agent": USER_AGENT,
        "Stripe-Signature": sign(payload, secret),
    }


def payload_of(event: dict[str, Any]) -> str:
    """The compact JSON body of an event delivery."""
    return json.dumps(event, separators=(",", ":"))


def backoff(tries: int) -> float:
    """Seconds before the next try after `tries` failed ones (0.5 s doubling, at most 30 s)."""
    return min(FIRST_RETRY * 2 ** (tries - 1), MAX_RETRY)


def post(url: str, payload: bytes, headers: dict[str, str], timeout: float = 10.0) -> int:
    """POST one delivery; the HTTP status, or 0 when the endpoint could not be reached."""
    if not url.startswith(("http://", "https://")):
        raise ValueError(f"webhook URL must be http(s): {url}")
    request = urllib.request.Request(url, data=payload, headers=headers, method="POST")  # noqa: S310
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:  # noqa: S310
            return response.status
    except urllib.error.HTTPError as error:
        return error.code
    except (urllib.error.URLError, OSError) as error:
        log.info("webhook to %s failed: %s", url, error)
        return 0
