"""The emulator: the store, its WSGI app, webhook delivery, faults, and asynchronous work."""

import logging
import os
import threading
import time
from collections import deque
from collections.abc import Callable
from typing import Any

from . import webhooks
from .app import Api
from .store import Store

log = logging.getLogger("stripe_emulator")

FAULT_KINDS = ("connection", "timeout", "500")
DELIVERIES = ("manual", "thread")
TICK = 0.05


class Faults:
    """Failures to inject into the next API requests (an unreachable or failing Stripe)."""

    def __init__(self) -> None:
        self._pending: deque[str] = deque()
        self._lock = threading.Lock()

    def fail_next(self, n: int = 1, kind: str = "connection") -> None:
        """Make the next `n` API requests fail: "connection" or "timeout" (the SDK raises
        stripe.APIConnectionError), or "500" (Stripe's api_error body, status 500)."""
        if kind not in FAULT_KINDS:
            raise ValueError(f"kind must be one of {FAULT_KINDS}")
        with self._lock:
            self._pending.extend([kind] * n)

    def peek(self) -> str | None:
        """The fault the next request will meet, if any."""
        with self._lock:
            return self._pending[0] if self._pending else None

    def take(self) -> str | None:
        """Consume the next fault, if any."""
        with self._lock:
            return self._pending.popleft() if self._pending else None

    def clear(self) -> None:
        """No more faults."""
        with self._lock:
            self._pending.clear()


class Emulator:
    """Stripe's API for API version 2026-10-28.endive, in process or served over HTTP."""

    def __init__(
        self,
        webhook_url: str | None = None,
        webhook_secret: str = "whsec_emulator",  # noqa: S107 (a test secret)
        delivery: str = "manual",
        shuffle: bool = False,
        seed: int | None = None,
        state_path: str | None = None,
        public_url: str = "http://127.0.0.1:12111",
        after_retries: str = "cancel",
    ) -> None:
        if delivery not in DELIVERIES:
            raise ValueError(f"delivery must be one of {DELIVERIES}")
        if after_retries not in ("cancel", "unpaid"):
            raise ValueError('after_retries must be "cancel" or "unpaid"')
        self.webhook_url = webhook_url
        self.webhook_secret = webhook_secret
        self.delivery = delivery
        self.shuffle = shuffle
        self.state_path = state_path
        self.store = Store(seed=seed, public_url=public_url, after_retries=after_retries)
        self.store.delivering = delivery == "manual" or webhook_url is not None
        self.store.on_event = self._queue
        self.faults = Faults()
        self.requests: list[tuple[str, str, dict[str, Any]]] = []
        if state_path and os.path.exists(state_path):
            self.store.load(state_path)
        self.wsgi = Api(self)
        self._stop = threading.Event()
        self._worker: threading.Thread | None = None
        if delivery == "thread":
            self._worker = threading.Thread(target=self._run, name="stripe-emulator", daemon=True)
            self._worker.start()

    # deliveries

    def _queue(self, event: dict[str, Any]) -> None:
        """Queue the deliveries of a new event (1-3 copies, jittered, with shuffle)."""
        copies = self.store.rng.randint(1, 3) if self.shuffle else 1
        for _ in range(copies):
            jitter = self.store.rng.uniform(0, 0.5) if self.shuffle else 0.0
            self.store.state["deliveries"].append(
                {
                    "event": event["id"],
                    "payload": webhooks.payload_of(event),
                    "due": time.time() + webhooks.DELIVERY_DELAY + jitter,
                    "tries": 0,
                }
            )

    def _take(self, due_only: bool) -> list[dict[str, Any]]:
        with self.store.lock:
            queue = self.store.state["deliveries"]
            now = time.time()
            taken = [d for d in queue if not due_only or d["due"] <= now]
            self.store.state["deliveries"] = [d for d in queue if d not in taken]
            if self.shuffle:
                self.store.rng.shuffle(taken)
            else:
                taken.sort(key=lambda d: d["due"])
            return taken

    def drain_deliveries(self) -> list[tuple[bytes, dict[str, str]]]:
        """Manual mode: the signed deliveries due, each removed from the queue (with shuffle:
        1-3 copies per event, in shuffled order)."""
        return [
            (
                d["payload"].encode(),
                webhooks.headers_for(d["payload"].encode(), self.webhook_secret),
            )
            for d in self._take(due_only=False)
        ]

    def deliver(self, post: Callable[[bytes, dict[str, str]], int]) -> int:
        """Manual mode: drain and `post(payload, headers)` each delivery; non-2xx answers are
        queued again (a retry). Returns how many were answered 2xx."""
        answered = 0
        failed = []
        for delivery in self._take(due_only=False):
            payload = delivery["payload"].encode()
            status = post(payload, webhooks.headers_for(payload, self.webhook_secret))
            if 200 <= status < 300:
                answered += 1
            else:
                delivery["tries"] += 1
                failed.append(delivery)
        with self.store.lock:
            self.store.state["deliveries"].extend(failed)
        return answered

    # asynchronous work

    def settle(self) -> None:
        """Manual mode: finish the asynchronous work now (test-clock advances, disputes Stripe
        opens or decides a moment later) and the real-time work that fell due."""
        with self.store.lock:
            while self.store.run_jobs(force=True):
                pass
            self.store.run_due(None, int(time.time()))
            self.saved()

    def _run(self) -> None:
        """Thread mode: run ready jobs and send due deliveries until stopped."""
        while not self._stop.wait(TICK):
            try:
                with self.store.lock:
                    if self.store.run_jobs():
                        self.saved()
                for delivery in self._take(due_only=True):
                    self._send(delivery)
            except Exception:  # keep serving: one bad job must not stop every delivery
                log.exception("background work failed")

    def _send(self, delivery: dict[str, Any]) -> None:
        payload = delivery["payload"].encode()
        if self.webhook_url is None:
            return
        status = webhooks.post(
            self.webhook_url, payload, webhooks.headers_for(payload, self.webhook_secret)
        )
        delivery["tries"] += 1
        log.info("webhook %s try %s -> %s", delivery["event"], delivery["tries"], status or "error")
        if 200 <= status < 300:
            return
        if delivery["tries"] >= webhooks.MAX_TRIES:
            log.warning(
                "webhook %s: giving up after %s tries", delivery["event"], delivery["tries"]
            )
            return
        delivery["due"] = time.time() + webhooks.backoff(delivery["tries"])
        with self.store.lock:
            self.store.state["deliveries"].append(delivery)

    def close(self) -> None:
        """Stop the background thread (thread mode)."""
        self._stop.set()
        if self._worker is not None:
            self._worker.join(timeout=2)

    # state

    def saved(self) -> None:
        """Write the state file, if any (after every mutating request)."""
        if self.state_path:
            self.store.save(self.state_path)

    def reset(self) -> None:
        """Drop all state: objects, events, deliveries, faults and recorded requests."""
        from .store import empty_state

        with self.store.lock:
            self.store.state = empty_state()
            self.requests.clear()
            self.faults.clear()
            self.saved()

    def http_client(self) -> Any:
        """A stripe.HTTPClient calling this emulator's WSGI app in process (no sockets)."""
        from .client import EmulatorHTTPClient

        return EmulatorHTTPClient(self)
