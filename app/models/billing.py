"""Money: payment attempts (what a reader started), payments (what was charged) and the webhook ledger."""

from __future__ import annotations

import enum
from datetime import date, datetime

from sqlalchemy import JSON, Date, DateTime, Enum, ForeignKey, Index, String, Text, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from .accounts import User
from .content import utcnow


class AttemptStatus(enum.StrEnum):
    """Where a reader's attempt to pay stands (`services.money.settle_attempt` moves it)."""

    STARTED = "started"
    SUCCEEDED = "succeeded"
    FAILED = "failed"
    EXPIRED = "expired"  # abandoned: the provider gave up waiting for the payment


class PaymentStatus(enum.StrEnum):
    """Where a charge stands (`services.money.set_payment_status` moves it). A partial refund
    leaves a payment paid, with `amount_refunded` set."""

    PAID = "paid"
    FAILED = "failed"
    REFUNDED = "refunded"
    DISPUTED = "disputed"
    # An offline payment recorded by mistake, withdrawn by staff (never deleted): it counts nowhere.
    VOIDED = "voided"


class PaymentKind(enum.StrEnum):
    """What a payment (or an attempt) is for. Before 2026-12 a donation was called a "gift";
    that word now belongs to memberships bought for someone else."""

    SUBSCRIPTION = "subscription"
    DONATION = "donation"  # given once, no membership
    OFFLINE = "offline"  # received outside Stripe, recorded by staff: a membership for a period
    GIFT = "gift"  # months of membership bought for someone else (`models.gifts`)


class OfflineMethod(enum.StrEnum):
    """How a payment received outside Stripe reached the outlet."""

    BANK_TRANSFER = "bank_transfer"
    MONEY_TRANSFER = "money_transfer"  # a money transfer service
    CASH = "cash"  # cash handed to a person the outlet trusts
    OTHER = "other"


def _stored(statuses: type[enum.StrEnum]) -> Enum:
    """A status kept as its plain value in a VARCHAR(16) column, as `MembershipStatus` is."""
    return Enum(
        statuses,
        native_enum=False,
        length=16,
        values_callable=lambda members: [member.value for member in members],
    )


class PaymentAttempt(db.Model):
    """A reader pressing "support": one subscription or donation created at the provider.

    Its `key` makes the provider call's idempotency key; its outcome feeds decline throttling and the
    prompts' conversion figures.
    """

    __tablename__ = "payment_attempts"
    __table_args__ = (
        Index("ix_payment_attempts_ip_created", "ip", "created_at"),
        Index("ix_payment_attempts_user_declined", "user_id", "last_declined_at"),
        Index("ix_payment_attempts_ip_declined", "ip", "last_declined_at"),
        Index("ix_payment_attempts_prompt_status", "prompt_id", "status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(32), unique=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    kind: Mapped[PaymentKind] = mapped_column(_stored(PaymentKind))
    amount: Mapped[int] = mapped_column()
    currency: Mapped[str] = mapped_column(String(3))
    interval: Mapped[str | None] = mapped_column(String(8))
    covers_fee: Mapped[bool] = mapped_column(default=False)
    status: Mapped[AttemptStatus] = mapped_column(
        _stored(AttemptStatus), default=AttemptStatus.STARTED
    )
    failure_code: Mapped[str | None] = mapped_column(String(64))
    # One attempt is retried on the same page: each decline counts (card-testing pause).
    declines: Mapped[int] = mapped_column(default=0, server_default="0")
    last_declined_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    subscription_id: Mapped[str | None] = mapped_column(String(255), index=True)
    payment_intent_id: Mapped[str | None] = mapped_column(String(255), index=True)
    prompt_id: Mapped[int | None] = mapped_column(ForeignKey("prompts.id", ondelete="SET NULL"))
    # The variant of a prompt test the reader was shown (the test's payment figures).
    variant_id: Mapped[int | None] = mapped_column(
        ForeignKey("prompt_variants.id", ondelete="SET NULL"), index=True
    )
    # The article the reader was reading when they clicked the prompt.
    article_id: Mapped[int | None] = mapped_column(
        ForeignKey("articles.id", ondelete="SET NULL"), index=True
    )
    lang: Mapped[str] = mapped_column(String(8), default="en")
    ip: Mapped[str | None] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    user: Mapped[User] = relationship()


class Payment(db.Model):
    """A charge: a subscription invoice or a one-time donation, keyed by the provider's ids; or
    money received outside Stripe, which has none of them."""

    __tablename__ = "payments"
    __table_args__ = (
        Index("ix_payments_kind_status_created", "kind", "status", "created_at"),
        # Recovered payments (failed, then paid) are few: a partial index finds them at once.
        Index("ix_payments_recovered", "updated_at", postgresql_where=text("failure_code IS NOT NULL"),
              sqlite_where=text("failure_code IS NOT NULL")),
        # The staff figures' summaries (services/figures.py): what changed, a day's payments.
        Index("ix_payments_updated_at", "updated_at"),
        Index("ix_payments_settled", text("coalesce(paid_at, created_at)")),
        Index("ix_payments_disputed", "disputed_at", postgresql_where=text("dispute_status IS NOT NULL"),
              sqlite_where=text("dispute_status IS NOT NULL")),
    )  # fmt: skip

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), index=True
    )
    kind: Mapped[PaymentKind] = mapped_column(_stored(PaymentKind))
    invoice_id: Mapped[str | None] = mapped_column(String(255), unique=True)
    payment_intent_id: Mapped[str | None] = mapped_column(String(255), unique=True)
    charge_id: Mapped[str | None] = mapped_column(String(255), unique=True)
    subscription_id: Mapped[str | None] = mapped_column(String(255), index=True)
    amount: Mapped[int] = mapped_column()
    amount_refunded: Mapped[int] = mapped_column(default=0)
    currency: Mapped[str] = mapped_column(String(3))
    interval: Mapped[str | None] = mapped_column(String(8))  # the plan's, for subscription payments
    status: Mapped[PaymentStatus] = mapped_column(_stored(PaymentStatus))
    failure_code: Mapped[str | None] = mapped_column(String(64))
    dispute_id: Mapped[str | None] = mapped_column(String(255))
    # From the newest Stripe snapshots (charge, dispute), never from the order events came in.
    dispute_status: Mapped[str | None] = mapped_column(String(32))
    disputed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    paid_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), index=True)
    receipt_url: Mapped[str | None] = mapped_column(String(1000))
    # The card it was paid with, for the receipt (read from the charge the first time it is shown).
    card_brand: Mapped[str | None] = mapped_column(String(32))
    card_last4: Mapped[str | None] = mapped_column(String(4))
    # Received outside Stripe (kind "offline", `services.offline_payments`): how, the payer's or
    # bank's reference, the days of membership it pays for (both included), who recorded it, and
    # its withdrawal if it was recorded by mistake.
    method: Mapped[OfflineMethod | None] = mapped_column(_stored(OfflineMethod))
    reference: Mapped[str | None] = mapped_column(String(255))
    note: Mapped[str | None] = mapped_column(Text)
    covers_from: Mapped[date | None] = mapped_column(Date)
    covers_until: Mapped[date | None] = mapped_column(Date)
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    voided_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    voided_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    void_reason: Mapped[str | None] = mapped_column(String(500))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), default=utcnow, onupdate=utcnow
    )


class Refund(db.Model):
    """One refund of a payment, as Stripe's charge snapshot lists it (keyed by Stripe's id), so that
    cash collected per month is payments less refunds, each in its own month."""

    __tablename__ = "refunds"

    id: Mapped[str] = mapped_column(String(255), primary_key=True)  # Stripe's refund id
    payment_id: Mapped[int] = mapped_column(
        ForeignKey("payments.id", ondelete="CASCADE"), index=True
    )
    amount: Mapped[int] = mapped_column()
    currency: Mapped[str] = mapped_column(String(3))
    status: Mapped[str] = mapped_column(String(16))  # Stripe's: pending, succeeded, failed, ...
    created: Mapped[datetime] = mapped_column(DateTime(timezone=True), index=True)
    # When we last wrote it: what the staff figures' summaries look for (services/figures.py).
    updated_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), default=utcnow, onupdate=utcnow, index=True
    )


class WebhookEvent(db.Model):
    """Every verified event, stored before it is applied, applied at most once."""

    __tablename__ = "webhook_events"
    __table_args__ = (
        Index("ix_webhook_events_state_received", "state", "received_at"),
        Index("ix_webhook_events_customer_state", "customer_id", "state"),
        Index("ix_webhook_events_received", text("received_at DESC"), "id"),  # the ledger's order
        Index("ix_webhook_events_type_received", "type", text("received_at DESC"), "id"),
    )

    id: Mapped[str] = mapped_column(String(255), primary_key=True)  # the provider's event id
    type: Mapped[str] = mapped_column(String(100))  # found by ix_webhook_events_type_received
    created: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    customer_id: Mapped[str | None] = mapped_column(String(255))
    payload: Mapped[dict] = mapped_column(JSON)
    # received | applied | ignored | parked | failed
    state: Mapped[str] = mapped_column(String(16), default="received")
    received_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    applied_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    attempts: Mapped[int] = mapped_column(default=0)
    last_error: Mapped[str | None] = mapped_column(Text)
