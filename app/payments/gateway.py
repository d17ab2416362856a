"""The plain data and errors of the payment gateway, free of the Stripe SDK.

`stripe_gateway.StripeGateway` (the one module that imports `stripe`) returns these, in every
environment: offline its SDK talks to the Stripe emulator. Amounts are integers in minor units;
times are aware UTC datetimes.
"""

from dataclasses import dataclass, field
from datetime import datetime


class GatewayError(Exception):
    """The provider could not do what was asked (down, timing out, refusing the request)."""


class GatewayUnavailable(GatewayError):
    """The provider cannot be reached or answered with a server error; nothing was created."""


class IdempotencyConflict(GatewayError):
    """Stripe refused a request whose idempotency key it saw before with other parameters: the
    same change was asked for twice with different details (never a sign that Stripe is down)."""


class CardDeclined(GatewayError):
    """A card was declined; `code` is the provider's decline code (e.g. insufficient_funds)."""

    def __init__(self, code: str, message: str = ""):
        super().__init__(message or code)
        self.code = code


class InvalidSignature(Exception):
    """A webhook payload whose signature is missing, wrong, too old or from the future."""


class MalformedEvent(InvalidSignature):
    """A payload signed with our secret that is still not a well-formed Stripe event."""


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
    # A change waiting for its invoice to be paid (payment_behavior=pending_if_incomplete).
    pending_update: bool = False
    # `pause_collection` set: Stripe collects nothing (the status stays active) until
    # `pause_resumes_at`, or until the pause is unset when that is None.
    collection_paused: bool = False
    pause_resumes_at: datetime | None = None
    # While paused by us: the end of the period paid before the pause (from the metadata).
    paid_until: datetime | None = None
    # The current period's start (the item's, in this API version): a renewal that failed was
    # due then.
    current_period_start: datetime | None = None


@dataclass(frozen=True)
class Customer:
    """What we read of a customer: who it is, and whether it was deleted (Stripe keeps a stub)."""

    id: str
    email: str | None
    deleted: bool = False
    name: str | None = None
    preferred_locales: tuple[str, ...] = ()


@dataclass(frozen=True)
class ListedSubscription:
    """One subscription of a listing, with its customer; `problem` says why it could not be read
    (then `subscription` is None)."""

    id: str
    subscription: Subscription | None
    customer: Customer | None
    problem: str | None = None


@dataclass(frozen=True)
class Card:
    """The card Stripe charges next: what a reader is told about it, and when it expires."""

    id: str
    brand: str
    last4: str
    exp_month: int
    exp_year: int


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
    # Stripe's code for why the last confirmation failed (a decline, a failed 3-D Secure check).
    failure_code: str | None = None


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
    # Known only when `payments` was expanded (Stripe includes it on request only).
    payment_intent_id: str | None = None
    charge_id: str | None = None
    failure_code: str | None = None  # the card's decline code, when the last attempt failed
    paid_at: datetime | None = None
    interval: str | None = None  # month | year: the billing period of its subscription line


@dataclass(frozen=True)
class TestClock:
    """A Stripe test clock: the simulated time of the customers on it (test mode only)."""

    __test__ = False  # not a pytest test class

    id: str
    frozen_time: datetime
    status: str  # ready | advancing | internal_failure


@dataclass(frozen=True)
class Refund:
    """One refund of a charge, as Stripe has it now."""

    id: str
    amount: int
    currency: str
    status: str  # pending | requires_action | succeeded | failed | canceled
    created: datetime


@dataclass(frozen=True)
class Dispute:
    """A dispute (chargeback) of a charge, as Stripe has it now."""

    id: str
    charge_id: str
    payment_intent_id: str | None
    amount: int
    currency: str
    status: str  # warning_*, needs_response, under_review, won, lost
    created: datetime


@dataclass(frozen=True)
class Charge:
    """A charge as Stripe has it now: how much was paid, refunded (with each refund when Stripe
    sent them), and any dispute."""

    id: str
    amount: int
    amount_refunded: int
    currency: str
    created: datetime
    status: str  # succeeded | pending | failed
    payment_intent_id: str | None
    dispute_id: str | None = None
    dispute_status: str | None = None  # needs_response, under_review, won, lost, ...
    customer_id: str | None = None
    disputed: bool = False
    refunds: tuple[Refund, ...] = ()
    disputed_at: datetime | None = None
    # The card it was paid with (`payment_method_details.card`), when it was a card.
    card_brand: str | None = None
    card_last4: str | None = None
