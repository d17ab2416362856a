"""Events and their delivery: signatures, shuffle, retries, the state file, the HTTP server."""

import http.server
import json
import os
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
import stripe

from stripe_emulator import Emulator

from .conftest import sdk

pytestmark = pytest.mark.own_app
ROOT = Path(__file__).resolve().parents[2]


def test_deliveries_verify_with_construct_event(client, emu):
    """Each delivery is signed so that stripe.Webhook.construct_event accepts it."""
    client.v1.customers.create(params={"email": "a@example.com"})
    [(payload, headers)] = emu.drain_deliveries()
    event = stripe.Webhook.construct_event(payload, headers["Stripe-Signature"], "whsec_emulator")
    assert event.type == "customer.created"
    assert headers["Content-Type"] == "application/json; charset=utf-8"
    assert headers["User-Agent"] == "Stripe/1.0 (+https://stripe.com/docs/webhooks)"
    assert event.api_version == "2026-10-28.endive"
    assert event.request.id.startswith("req_")
    with pytest.raises(stripe.SignatureVerificationError):
        stripe.Webhook.construct_event(payload, headers["Stripe-Signature"], "whsec_other")


def test_automatic_events_name_no_request(client, emu, flows):
    """Events of Stripe's own work carry request {id: null, idempotency_key: null}."""
    clock = flows.clock()
    flows.events()
    flows.advance(clock.id, clock.frozen_time + 60)
    ready = [e for e in flows.events() if e["type"] == "test_helpers.test_clock.ready"]
    assert ready[0]["request"] == {"id": None, "idempotency_key": None}


def test_events_list_filters(client, flows):
    """GET /v1/events filters by type, types[] and created."""
    flows.customer()
    flows.product()
    assert [e.type for e in client.v1.events.list(params={"type": "customer.created"}).data] == [
        "customer.created"
    ]
    both = client.v1.events.list(params={"types": ["customer.created", "product.created"]})
    assert len(both.data) == 2
    future = client.v1.events.list(params={"created": {"gte": int(time.time()) + 100}})
    assert future.data == []


def test_shuffle_delivers_one_to_three_copies():
    """shuffle: every event 1-3 times, and in another order than created."""
    emu = Emulator(shuffle=True, seed=11)
    client = sdk(emu)
    for n in range(20):
        client.v1.customers.create(params={"email": f"{n}@example.com"})
    ids = [json.loads(payload)["id"] for payload, _ in emu.drain_deliveries()]
    counts = {event_id: ids.count(event_id) for event_id in ids}
    assert len(counts) == 20
    assert set(counts.values()) <= {1, 2, 3} and max(counts.values()) > 1
    first_seen = list(dict.fromkeys(ids))
    created = [e.id for e in client.v1.events.list(params={"limit": 20}).data][::-1]
    assert first_seen != created


def test_deliver_retries_non_2xx(client, emu):
    """deliver(): non-2xx answers are queued again and sent at the next deliver()."""
    client.v1.customers.create(params={"email": "a@example.com"})
    assert emu.deliver(lambda payload, headers: 500) == 0
    assert emu.deliver(lambda payload, headers: 200) == 1
    assert emu.deliver(lambda payload, headers: 200) == 0


def test_state_file_round_trip(tmp_path):
    """state_path: the state is saved after each change and loaded by a new emulator."""
    path = str(tmp_path / "state.json")
    customer = sdk(Emulator(state_path=path, seed=1)).v1.customers.create(
        params={"email": "kept@example.com"}
    )
    assert (
        sdk(Emulator(state_path=path)).v1.customers.retrieve(customer.id).email
        == "kept@example.com"
    )


def test_reset_drops_everything(client, emu):
    """reset() drops all state."""
    client.v1.customers.create(params={"email": "a@example.com"})
    emu.reset()
    assert client.v1.customers.list().data == [] and emu.drain_deliveries() == []


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_server_over_real_http(tmp_path):
    """python -m stripe_emulator serves the SDK over HTTP and POSTs signed webhooks."""
    received: list[tuple[bytes, str]] = []

    class Hook(http.server.BaseHTTPRequestHandler):
        def do_POST(self):
            body = self.rfile.read(int(self.headers["Content-Length"]))
            received.append((body, self.headers["Stripe-Signature"]))
            self.send_response(200)
            self.end_headers()

        def log_message(self, *args):
            pass

    hook = http.server.HTTPServer(("127.0.0.1", 0), Hook)
    threading.Thread(target=hook.serve_forever, daemon=True).start()
    port = _free_port()
    server = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "stripe_emulator",
            "--port",
            str(port),
            "--webhook-url",
            f"http://127.0.0.1:{hook.server_port}/hook",
            "--webhook-secret",
            "whsec_test",
        ],
        cwd=ROOT,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        client = stripe.StripeClient(
            "sk_test_x", base_addresses={"api": f"http://127.0.0.1:{port}"}, max_network_retries=0
        )
        deadline = time.time() + 10
        while True:
            try:
                customer = client.v1.customers.create(params={"email": "http@example.com"})
                break
            except stripe.APIConnectionError:
                if time.time() > deadline:
                    raise
                time.sleep(0.05)
        while not received and time.time() < deadline:
            time.sleep(0.05)
        payload, signature = received[0]
        event = stripe.Webhook.construct_event(payload, signature, "whsec_test")
        assert event.data.object.id == customer.id
    finally:
        server.terminate()
        server.wait(timeout=5)
        hook.shutdown()
        hook.server_close()
