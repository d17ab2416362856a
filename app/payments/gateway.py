"""The payment gateway interface and the plain data it returns.

Services talk to this interface only. `stripe_gateway` implements it over Stripe's API (the one module
that imports `stripe`); `sandbox` implements it offline for development, tests and demos. Amounts are
integers in minor units; times are aware UTC datetimes.
"""

from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Protocol


class GatewayError(Exception):
    """The provider could not do what was asked (down, timing out, refusing the request)."""


class GatewayUnavailable(GatewayError):
    """The provider cannot be reached or answered with a server error; nothing was created."""


class CardDeclined(GatewayError):
    """A card was declined; `code` is the provider's decline code (e.g. insufficient_funds)."""

    def __init__(self, code: str, message: str = ""):
        super().__init__(message or code)
        self.code = code


class InvalidSignature(Exception):
    """A webhook payload whose signature is missing, wrong or too old."""


@dataclass(frozen=True)
class Subscription:
    """What we read of a subscription."""

    id: str
    customer_id: str
    status: str  # the provider's status: incomplete, active, past_due, canceled, ...
    cancel_at_period_end: bool
    current_period_end: datetime | None
    amount: int
    currency: str
    interval: str  # month | year
    item_id: str | None = None
    latest_invoice_id: str | None = None
    # Set when the subscription waits for its first payment: what the Payment Element confirms.
    client_secret: str | None = None
    metadata: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class PaymentIntent:
    id: str
    customer_id: str | None
    status: str  # requires_payment_method, requires_action, processing, succeeded, canceled
    amount: int
    currency: str
    client_secret: str | None
    latest_charge_id: str | None = None
    metadata: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Invoice:
    id: str
    customer_id: str
    subscription_id: str | None
    status: str  # draft, open, paid, uncollectible, void
    amount_due: int
    amount_paid: int
    currency: str
    created: datetime
    number: str | None = None
    hosted_invoice_url: str | None = None


class PaymentGateway(Protocol):
    """Everything the services need from a payment provider."""

    name: str  # "stripe" or "sandbox"
    publishable_key: str | None

    def create_customer(
        self, *, email: str, user_key: str, locale: str, idempotency_key: str
    ) -> str:
        """A new customer; returns its id."""
        ...

    def create_subscription(
        self, *, customer_id: str, amount: int, currency: str, interval: str,
        idempotency_key: str, metadata: dict[str, str],
    ) -> Subscription:  # fmt: skip
        """A subscription waiting for its first payment (`client_secret` set)."""
        ...

    def retrieve_subscription(self, subscription_id: str) -> Subscription: ...

    def change_subscription(
        self, subscription_id: str, *, amount: int, currency: str, interval: str,
        idempotency_key: str,
    ) -> Subscription:  # fmt: skip
        """A new amount or interval from now on, prorated."""
        ...

    def set_cancel_at_period_end(self, subscription_id: str, cancel: bool) -> Subscription: ...

    def create_gift(
        self, *, customer_id: str, amount: int, currency: str, idempotency_key: str,
        metadata: dict[str, str],
    ) -> PaymentIntent:  # fmt: skip
        """A one-time payment waiting for confirmation."""
        ...

    def retrieve_payment_intent(self, payment_intent_id: str) -> PaymentIntent: ...

    def create_setup_intent(self, *, customer_id: str, idempotency_key: str) -> str:
        """A SetupIntent for a new card; returns its client secret."""
        ...

    def list_invoices(self, customer_id: str, limit: int = 24) -> list[Invoice]: ...

    def list_events(
        self, created_gte: datetime, types: list[str] | None = None
    ) -> Iterator[dict[str, Any]]:
        """Events since `created_gte` (for reconciliation), as webhook payloads."""
        ...

    def verify_event(self, payload: bytes, signature: str | None) -> dict[str, Any]:
        """The event in `payload` as a plain dict, if its signature is valid (else InvalidSignature)."""
        ...
