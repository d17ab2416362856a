"""The offline payment sandbox: the gateway interface served from our own tables, as Saleor's dummy
gateway does. Stripe's test cards behave as in Stripe, and every change produces a Stripe-shaped,
signed event that goes through the same verification and ledger code as Stripe's deliveries
(`drain_events`, delivered by the caller). Never used when Stripe keys are set."""

import hashlib
import hmac
import json
import time
import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm.attributes import flag_modified

from ..extensions import db
from ..models import SandboxObject
from . import sandbox_shapes as shapes
from .gateway import CardDeclined, Invoice, PaymentIntent, Subscription
from .stripe_convert import (
    invoice_from_stripe,
    payment_intent_from_stripe,
    subscription_from_stripe,
)

DECLINES = {
    "4000000000000002": "generic_decline",
    "4000000000009995": "insufficient_funds",
}
AUTHENTICATE = "4000000000003155"
SUCCEEDS = "4242424242424242"
FAILURES_BEFORE_CANCEL = 3


@dataclass(frozen=True)
class Outcome:
    """What confirming a payment in the sandbox did."""

    status: str  # succeeded | requires_action | declined
    code: str | None = None


class SandboxGateway:
    name = "sandbox"
    publishable_key = None

    def __init__(self, webhook_secret: str, settle_seconds: float = 0):
        self.webhook_secret = webhook_secret
        # Card payments stay "processing" this long, as a real payment may, so that the return
        # page's waiting state is seen in development (0: they settle at once, as in the tests).
        self.settle_seconds = settle_seconds

    @classmethod
    def from_config(cls, config) -> "SandboxGateway":
        return cls(config["SANDBOX_WEBHOOK_SECRET"], config.get("SANDBOX_SETTLE_SECONDS", 0))

    # The gateway interface ------------------------------------------------------------------------

    def create_customer(
        self, *, email: str, user_key: str, locale: str, idempotency_key: str
    ) -> str:
        existing = self._by_key(idempotency_key)
        if existing:
            return existing.id
        row = self._add(
            "cus", "customer", None, shapes.customer(email, user_key, locale), idempotency_key
        )
        self._emit("customer.created", row.data)
        return row.id

    def create_subscription(self, *, customer_id, amount, currency, interval, idempotency_key,
                            metadata) -> Subscription:  # fmt: skip
        existing = self._by_key(idempotency_key)
        if existing:
            return self.retrieve_subscription(existing.id)
        sub_id = _new_id("sub")
        invoice = self._new_invoice(customer_id, sub_id, amount, currency, "subscription_create")
        data = shapes.subscription(sub_id, customer_id, amount, currency, interval, metadata)
        data["latest_invoice"] = invoice.id
        row = self._store(sub_id, "subscription", customer_id, data, idempotency_key)
        self._emit("customer.subscription.created", row.data)
        return self._subscription(row)

    def retrieve_subscription(self, subscription_id: str) -> Subscription:
        self._settle_due()
        return self._subscription(self._get(subscription_id))

    def change_subscription(self, subscription_id, *, amount, currency, interval,
                            idempotency_key) -> Subscription:  # fmt: skip
        row = self._get(subscription_id)
        shapes.set_price(row.data, amount, currency, interval)
        self._touch(row)
        self._emit("customer.subscription.updated", row.data)
        return self._subscription(row)

    def set_cancel_at_period_end(self, subscription_id: str, cancel: bool) -> Subscription:
        row = self._get(subscription_id)
        row.data["cancel_at_period_end"] = cancel
        self._touch(row)
        self._emit("customer.subscription.updated", row.data)
        return self._subscription(row)

    def create_gift(
        self, *, customer_id, amount, currency, idempotency_key, metadata
    ) -> PaymentIntent:
        existing = self._by_key(idempotency_key)
        row = existing or self._add(
            "pi", "payment_intent", customer_id,
            shapes.payment_intent(customer_id, amount, currency, dict(metadata)), idempotency_key,
        )  # fmt: skip
        return payment_intent_from_stripe(row.data)

    def retrieve_payment_intent(self, payment_intent_id: str) -> PaymentIntent:
        self._settle_due()
        return payment_intent_from_stripe(self._get(payment_intent_id).data)

    def create_setup_intent(self, *, customer_id: str, idempotency_key: str) -> str:
        row = self._add(
            "seti", "setup_intent", customer_id, {"object": "setup_intent"}, idempotency_key
        )
        row.data = {
            **row.data,
            "customer": customer_id,
            "client_secret": f"{row.id}_secret_{_hex()}",
        }
        return row.data["client_secret"]

    def list_invoices(self, customer_id: str, limit: int = 24) -> list[Invoice]:
        rows = db.session.scalars(
            select(SandboxObject)
            .where(SandboxObject.kind == "invoice", SandboxObject.customer_id == customer_id)
            .order_by(SandboxObject.created_at.desc()).limit(limit)
        )  # fmt: skip
        return [invoice_from_stripe(row.data) for row in rows]

    def verify_event(self, payload: bytes, signature: str | None) -> dict[str, Any]:
        from .stripe_gateway import verify_stripe_event

        return verify_stripe_event(payload, signature, self.webhook_secret)

    def list_events(self, created_gte: datetime, types: list[str] | None = None):
        rows = db.session.scalars(
            select(SandboxObject).where(
                SandboxObject.kind == "event", SandboxObject.created_at >= created_gte
            ).order_by(SandboxObject.created_at)
        )  # fmt: skip
        for row in rows:
            if types is None or row.data["event"]["type"] in types:
                yield row.data["event"]

    # Sandbox-only: what Stripe and the card network would do ----------------------------------------

    def confirm(self, client_secret: str, card_number: str) -> Outcome:
        """Pay (or save a card for) whatever `client_secret` belongs to, with a test card."""
        row = self._by_secret(client_secret)
        card = "".join(ch for ch in card_number if ch.isdigit())
        if row.kind == "setup_intent":
            return self._save_card(row, card)
        if card == AUTHENTICATE and row.data["status"] != "requires_action":
            row.data["status"] = "requires_action"
            self._touch(row)
            invoice_id = row.data["metadata"].get("invoice")
            if invoice_id:
                self._emit("invoice.payment_action_required", self._get(invoice_id).data)
            return Outcome("requires_action")
        if card != AUTHENTICATE and card != SUCCEEDS:
            return self._decline(row, DECLINES.get(card, "incorrect_number"))
        self._customer_card(row.customer_id, card)
        return self._process(row)

    def authenticate(self, client_secret: str, approve: bool) -> Outcome:
        row = self._by_secret(client_secret)
        if not approve:
            return self._decline(row, "payment_intent_authentication_failure")
        return self._process(row)

    def renew(self, subscription_id: str, succeed: bool) -> str:
        """Move a subscription to its next renewal, paid or failed; returns its new status."""
        row = self._get(subscription_id)
        data = row.data
        if data["status"] in ("canceled", "incomplete", "incomplete_expired"):
            return data["status"]
        if data["cancel_at_period_end"]:
            return self._end(row)
        amount, currency = shapes.price_of(data)
        invoice = self._new_invoice(row.customer_id, row.id, amount, currency, "subscription_cycle")
        data["latest_invoice"] = invoice.id
        intent = self._get(invoice.data["payment_intent"])
        if succeed:
            shapes.advance_period(data)
            self._touch(row)
            self._succeed(intent)
            return "active"
        data["failed_renewals"] = data.get("failed_renewals", 0) + 1
        data["status"] = "past_due"
        self._touch(row)
        self._decline(intent, "insufficient_funds")
        self._emit("customer.subscription.updated", data)
        if data["failed_renewals"] >= FAILURES_BEFORE_CANCEL:
            return self._end(row)
        return "past_due"

    def cancel_now(self, subscription_id: str) -> str:
        return self._end(self._get(subscription_id))

    def refund_latest(self, subscription_id: str) -> str | None:
        """Refund the newest paid charge of a subscription; returns the charge id."""
        charges = db.session.scalars(
            select(SandboxObject).where(SandboxObject.kind == "charge")
            .order_by(SandboxObject.created_at.desc())
        )  # fmt: skip
        for charge in charges:
            if charge.data.get("subscription") == subscription_id and not charge.data["refunded"]:
                charge.data.update(refunded=True, amount_refunded=charge.data["amount"])
                self._touch(charge)
                self._emit("charge.refunded", charge.data)
                return charge.id
        return None

    def subscriptions(self) -> list[dict]:
        rows = db.session.scalars(
            select(SandboxObject).where(SandboxObject.kind == "subscription")
            .order_by(SandboxObject.created_at.desc()).limit(200)
        )  # fmt: skip
        return [row.data for row in rows]

    def drain_events(self) -> list[tuple[bytes, str]]:
        """Undelivered events, signed as Stripe signs them, marked delivered."""
        rows = db.session.scalars(
            select(SandboxObject).where(SandboxObject.kind == "event", SandboxObject.customer_id == "pending")
            .order_by(SandboxObject.created_at, SandboxObject.id)
        ).all()  # fmt: skip
        deliveries = []
        for row in rows:
            payload = json.dumps(row.data["event"], separators=(",", ":")).encode()
            deliveries.append((payload, sign(payload, self.webhook_secret)))
            row.customer_id = "delivered"
        db.session.flush()
        return deliveries

    # Internals ------------------------------------------------------------------------------------

    def _process(self, intent: SandboxObject) -> Outcome:
        """Accept a card payment: settled now, or left processing for `settle_seconds`."""
        if self.settle_seconds <= 0:
            self._succeed(intent)
            return Outcome("succeeded")
        intent.data.update(status="processing", settle_at=time.time() + self.settle_seconds)
        self._touch(intent)
        return Outcome("processing")

    def _settle_due(self) -> None:
        """Complete the card payments whose processing time is over."""
        if self.settle_seconds <= 0:
            return
        for intent in db.session.scalars(
            select(SandboxObject).where(SandboxObject.kind == "payment_intent")
            .order_by(SandboxObject.created_at.desc()).limit(500)
        ):  # fmt: skip
            if (
                intent.data["status"] == "processing"
                and intent.data.get("settle_at", 0) <= time.time()
            ):
                self._succeed(intent)

    def _succeed(self, intent: SandboxObject) -> None:
        charge = self._add("ch", "charge", intent.customer_id, shapes.charge(intent.data))
        intent.data.update(status="succeeded", latest_charge=charge.id, last_payment_error=None,
                           amount_received=intent.data["amount"])  # fmt: skip
        self._touch(intent)
        self._emit("payment_intent.succeeded", intent.data)
        invoice_id = intent.data["metadata"].get("invoice")
        if not invoice_id:
            return
        invoice = self._get(invoice_id)
        invoice.data.update(status="paid", amount_paid=invoice.data["amount_due"])
        self._touch(invoice)
        subscription = self._get(invoice.data["parent"]["subscription_details"]["subscription"])
        charge.data["subscription"] = subscription.id
        self._touch(charge)
        subscription.data.update(status="active", failed_renewals=0)
        self._touch(subscription)
        self._emit("invoice.paid", invoice.data)
        self._emit("customer.subscription.updated", subscription.data)

    def _decline(self, intent: SandboxObject, code: str) -> Outcome:
        intent.data.update(status="requires_payment_method",
                           last_payment_error={"type": "card_error", "code": "card_declined",
                                               "decline_code": code})  # fmt: skip
        self._touch(intent)
        self._emit("payment_intent.payment_failed", intent.data)
        invoice_id = intent.data["metadata"].get("invoice")
        if invoice_id:
            invoice = self._get(invoice_id)
            invoice.data["attempt_count"] = invoice.data.get("attempt_count", 0) + 1
            invoice.data["last_finalization_error"] = {"code": code, "type": "card_error"}
            self._touch(invoice)
            self._emit("invoice.payment_failed", invoice.data)
        return Outcome("declined", code)

    def _save_card(self, setup: SandboxObject, card: str) -> Outcome:
        if card in DECLINES or card not in (SUCCEEDS, AUTHENTICATE):
            return Outcome("declined", DECLINES.get(card, "incorrect_number"))
        self._customer_card(setup.customer_id, card)
        for row in db.session.scalars(select(SandboxObject).where(
                SandboxObject.kind == "subscription", SandboxObject.customer_id == setup.customer_id)):  # fmt: skip
            if (
                row.data["status"] == "past_due"
            ):  # Stripe retries the open invoice with the new card
                self._succeed(
                    self._get(self._get(row.data["latest_invoice"]).data["payment_intent"])
                )
        return Outcome("succeeded")

    def _customer_card(self, customer_id: str | None, card: str) -> None:
        if customer_id:
            customer = self._get(customer_id)
            customer.data["invoice_settings"] = {"default_payment_method": f"pm_card_{card[-4:]}"}
            self._touch(customer)

    def _end(self, row: SandboxObject) -> str:
        row.data.update(status="canceled", canceled_at=int(time.time()), ended_at=int(time.time()))
        self._touch(row)
        self._emit("customer.subscription.deleted", row.data)
        return "canceled"

    def _new_invoice(self, customer_id, sub_id, amount, currency, reason) -> SandboxObject:
        invoice = self._add("in", "invoice", customer_id,
                            shapes.invoice(customer_id, sub_id, amount, currency, reason))  # fmt: skip
        intent = self._add("pi", "payment_intent", customer_id,
                           shapes.payment_intent(customer_id, amount, currency, {"invoice": invoice.id}))  # fmt: skip
        invoice.data["payment_intent"] = intent.id
        invoice.data["payments"] = {"object": "list", "data": [
            {"object": "invoice_payment", "payment": {"type": "payment_intent", "payment_intent": intent.id}}
        ]}  # fmt: skip
        self._touch(invoice)
        return invoice

    def _subscription(self, row: SandboxObject) -> Subscription:
        """Read back as Stripe answers with `expand=["latest_invoice.confirmation_secret"]`."""
        invoice = dict(self._get(row.data["latest_invoice"]).data)
        secret = self._get(invoice["payment_intent"]).data["client_secret"]
        invoice["confirmation_secret"] = {"client_secret": secret, "type": "payment_intent"}
        return subscription_from_stripe({**row.data, "latest_invoice": invoice})

    def _emit(self, event_type: str, obj: dict) -> None:
        event = shapes.event(_new_id("evt"), event_type, json.loads(json.dumps(obj)))
        db.session.add(SandboxObject(id=event["id"], kind="event", customer_id="pending",
                                     data={"event": event}))  # fmt: skip
        db.session.flush()

    def _add(self, prefix, kind, customer_id, data, idempotency_key=None) -> SandboxObject:
        return self._store(_new_id(prefix), kind, customer_id, data, idempotency_key)

    def _store(self, object_id, kind, customer_id, data, idempotency_key=None) -> SandboxObject:
        data = {**data, "id": object_id}
        if kind in ("payment_intent",):
            data["client_secret"] = f"{object_id}_secret_{_hex()}"
        row = SandboxObject(id=object_id, kind=kind, customer_id=customer_id, data=data,
                            idempotency_key=idempotency_key)  # fmt: skip
        db.session.add(row)
        db.session.flush()
        return row

    def _get(self, object_id: str) -> SandboxObject:
        row = db.session.get(SandboxObject, object_id)
        if row is None:
            raise LookupError(f"no sandbox object {object_id}")
        return row

    def _by_key(self, idempotency_key: str) -> SandboxObject | None:
        return db.session.scalar(
            select(SandboxObject).where(SandboxObject.idempotency_key == idempotency_key)
        )

    def _by_secret(self, client_secret: str) -> SandboxObject:
        row = self._get(client_secret.split("_secret_")[0])
        if row.data.get("client_secret") != client_secret:
            raise CardDeclined("invalid_client_secret")
        return row

    @staticmethod
    def _touch(row: SandboxObject) -> None:
        flag_modified(row, "data")
        db.session.flush()


def sign(payload: bytes, secret: str, timestamp: int | None = None) -> str:
    """A `Stripe-Signature` header for `payload`, as Stripe computes it."""
    timestamp = int(time.time()) if timestamp is None else timestamp
    mac = hmac.new(secret.encode(), f"{timestamp}.".encode() + payload, hashlib.sha256).hexdigest()
    return f"t={timestamp},v1={mac}"


def _new_id(prefix: str) -> str:
    return f"{prefix}_sbx_{_hex()[:20]}"


def _hex() -> str:
    return uuid.uuid4().hex
