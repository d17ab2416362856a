"""The webhook ledger: every provider event verified, stored, and applied exactly once.

1. Verify the signature on the raw body; failure stores nothing (400).
2. Store the event if its id is new.
3. In one transaction: lock the event row, apply it, mark it applied, commit (200). A repeated id that
   is already applied answers 200 with no second effect. Any exception rolls back, and the attempt and
   error are recorded in a separate short transaction (500, so the provider retries).
4. An event for a customer not linked to a reader yet is parked (200) and applied when the customer
   is linked, in `created` order.
"""

import logging
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from ..extensions import db
from ..models import User, WebhookEvent
from ..payments import get_gateway
from ..payments.gateway import InvalidSignature, MalformedEvent
from .billing_events import HANDLERS, CustomerNotLinked, customer_of

log = logging.getLogger(__name__)
DONE = ("applied", "ignored")


@dataclass(frozen=True)
class Delivery:
    status: int
    outcome: (
        str  # invalid | malformed | too_large | applied | ignored | duplicate | parked | failed
    )


def receive(payload: bytes, signature: str | None) -> Delivery:
    """Handle one webhook delivery: verify it, store it, apply it (see the module's steps)."""
    try:
        event = get_gateway().verify_event(payload, signature)
    except MalformedEvent as error:
        log.warning("refused a signed webhook that is not a well-formed event: %s", error)
        return Delivery(400, "malformed")
    except InvalidSignature:
        return Delivery(400, "invalid")
    record_event(event)
    return apply_event(event["id"])


def record_event(event: dict) -> None:
    """Store a verified event unless its id is already stored."""
    insert = pg_insert if db.session.get_bind().dialect.name == "postgresql" else sqlite_insert
    statement = insert(WebhookEvent).values(
        id=event["id"],
        type=event["type"],
        created=datetime.fromtimestamp(event["created"], UTC),
        customer_id=customer_of(event["data"]["object"]),
        payload=event,
        state="received",
        received_at=datetime.now(UTC),
        attempts=0,
    )
    db.session.execute(statement.on_conflict_do_nothing(index_elements=["id"]))
    db.session.commit()


def apply_event(event_id: str) -> Delivery:
    """Apply a stored event once; safe to call again for the same id, from any process."""
    try:
        row = db.session.scalar(
            select(WebhookEvent).where(WebhookEvent.id == event_id).with_for_update()
        )
        if row is None:
            raise LookupError(f"event {event_id} is not stored")
        if row.state in DONE:
            db.session.commit()
            return Delivery(200, "duplicate")
        handler = HANDLERS.get(row.type)
        if handler is not None:
            handler(row.payload["data"]["object"], row.type)
        row.state = "applied" if handler else "ignored"
        row.applied_at = datetime.now(UTC)
        row.attempts += 1
        row.last_error = None
        db.session.commit()
        return Delivery(200, row.state)
    except CustomerNotLinked as waiting:
        db.session.rollback()
        _note(event_id, "parked", str(waiting))
        return Delivery(200, "parked")
    except Exception as error:
        db.session.rollback()
        log.exception("webhook event %s failed", event_id)
        _note(event_id, "failed", f"{type(error).__name__}: {error}")
        return Delivery(500, "failed")


def apply_parked(customer_id: str) -> int:
    """Apply the events parked for a customer that is now linked; returns how many were applied."""
    ids = db.session.scalars(
        select(WebhookEvent.id)
        .where(WebhookEvent.customer_id == customer_id, WebhookEvent.state == "parked")
        .order_by(WebhookEvent.created, WebhookEvent.received_at)
    ).all()
    return sum(apply_event(event_id).outcome == "applied" for event_id in ids)


def linked_parked_customers() -> list[str]:
    """Customers with parked events who are linked to a reader by now."""
    return list(
        db.session.scalars(
            select(WebhookEvent.customer_id)
            .where(
                WebhookEvent.state == "parked",
                WebhookEvent.customer_id.in_(
                    select(User.stripe_customer_id).where(User.stripe_customer_id.is_not(None))
                ),
            )
            .distinct()
        )
    )


def replay(event_id: str) -> Delivery:
    """Apply a failed or parked event again, through the same idempotent path."""
    return apply_event(event_id)


def _note(event_id: str, state: str, error: str) -> None:
    """Record an attempt in its own short transaction (the work itself was rolled back)."""
    try:
        row = db.session.get(WebhookEvent, event_id)
        if row is not None and row.state not in DONE:
            row.state = state
            row.attempts += 1
            row.last_error = error[:2000]
            db.session.commit()
    except Exception:
        db.session.rollback()
        log.exception("could not record the outcome of webhook event %s", event_id)
