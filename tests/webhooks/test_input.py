"""What the webhook refuses before anything is stored: bodies that are signed but not Stripe
events, signatures from the future, oversized bodies, ids and types longer than Stripe's."""

import json
import time

import pytest
from sqlalchemy import func, select

from app.extensions import db
from app.models import WebhookEvent
from tests.stripe_fakes import make_event, sign, stripe_object

SECRET = "whsec_emulator"  # the testing configuration's signing secret


def post(client, body: bytes, timestamp: int | None = None):
    headers = {"Stripe-Signature": sign(body, SECRET, timestamp)}
    return client.post("/stripe/webhook", data=body, headers=headers,
                       content_type="application/json")  # fmt: skip


def stored() -> int:
    return db.session.scalar(select(func.count(WebhookEvent.id)))


def event(**overrides) -> dict:
    base = make_event("customer.updated", stripe_object("customer"), event_id="evt_input")
    base.update(overrides)
    return base


@pytest.mark.parametrize(
    "body",
    [
        b"[]",
        b'"a string"',
        json.dumps({"object": "event"}).encode(),
        json.dumps(event(id=None)).encode(),
        json.dumps(event(id="evt_" + "x" * 300)).encode(),
        json.dumps(event(type="x" * 101)).encode(),
        json.dumps(event(type="Not A Type")).encode(),
        json.dumps(event(created="yesterday")).encode(),
        json.dumps(event(data={"object": "cus_1"})).encode(),
        json.dumps(event(data={})).encode(),
        json.dumps(event(data={"object": {"object": "customer", "id": "c" * 300}})).encode(),
    ],
    ids=[
        "list",
        "string",
        "bare",
        "no-id",
        "long-id",
        "long-type",
        "odd-type",
        "no-created",
        "object-is-id",
        "no-object",
        "long-object-id",
    ],
)
def test_a_signed_body_that_is_no_stripe_event_is_refused_with_400(client, body, caplog):
    """Signed with our secret, still not a well-formed event: 400, logged, nothing stored."""
    response = post(client, body)
    assert response.status_code == 400 and response.json["outcome"] == "malformed"
    assert "not a well-formed event" in caplog.text
    assert stored() == 0


def test_a_signature_from_the_future_is_refused_as_a_stale_one_is(client):
    """A timestamp more than 300 s ahead is refused (the SDK checks only the past)."""
    body = json.dumps(event()).encode()
    assert post(client, body, timestamp=int(time.time()) + 301).status_code == 400
    assert post(client, body, timestamp=int(time.time()) - 301).status_code == 400
    assert stored() == 0
    assert post(client, body, timestamp=int(time.time()) + 60).status_code == 200


def test_an_oversized_body_is_refused_unread(client, app, monkeypatch):
    """A body over WEBHOOK_MAX_BYTES answers 413 and stores nothing."""
    monkeypatch.setitem(app.config, "WEBHOOK_MAX_BYTES", 1024)
    body = json.dumps(event(padding="x" * 2000)).encode()
    response = post(client, body)
    assert response.status_code == 413 and stored() == 0
