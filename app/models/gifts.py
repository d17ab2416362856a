"""Gift memberships: months of membership a reader buys for someone else, paid once."""

from __future__ import annotations

import enum
from datetime import date, datetime

from sqlalchemy import Date, DateTime, Enum, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from .accounts import User
from .content import utcnow


class GiftState(enum.StrEnum):
    """Where a gift stands (`services.gifts.set_gift_state` moves it)."""

    PENDING_PAYMENT = "pending_payment"  # the giver is on the payment page
    PAID = "paid"  # paid; the recipient is emailed on the delivery date
    SENT = "sent"  # the recipient has the email and its link
    REDEEMED = "redeemed"  # the recipient's membership is complimentary for the months given
    REFUNDED = "refunded"  # the payment was refunded in full: the gift is cancelled


class Gift(db.Model):
    """One gift: who gave it, to which address, how many months, the message, when it is
    delivered and in which language, the payment behind it, and who redeemed it."""

    __tablename__ = "gifts"
    __table_args__ = (Index("ix_gifts_state_deliver_on", "state", "deliver_on"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    # Our public id: in the payment's metadata and in the idempotency key sent to Stripe.
    key: Mapped[str] = mapped_column(String(32), unique=True)
    giver_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), index=True
    )
    giver_name: Mapped[str] = mapped_column(String(80))
    recipient_email: Mapped[str] = mapped_column(String(254), index=True)
    months: Mapped[int] = mapped_column()
    message: Mapped[str | None] = mapped_column(Text)
    deliver_on: Mapped[date] = mapped_column(Date)
    lang: Mapped[str] = mapped_column(String(8))  # the recipient's email's language
    amount: Mapped[int] = mapped_column()  # minor units, all months together
    currency: Mapped[str] = mapped_column(String(3))
    payment_intent_id: Mapped[str | None] = mapped_column(String(255), unique=True)
    state: Mapped[GiftState] = mapped_column(
        Enum(GiftState, native_enum=False, length=16,
             values_callable=lambda members: [member.value for member in members]),
        default=GiftState.PENDING_PAYMENT,
    )  # fmt: skip
    # SHA-256 of the secret in the recipient's link (the secret itself is only in the email).
    redeem_hash: Mapped[str | None] = mapped_column(String(64), unique=True)
    paid_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    sent_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    redeemed_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), index=True
    )
    redeemed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    # The complimentary period the redemption added, so a refund can take back just that.
    comp_from: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    comp_until: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    refunded_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), default=utcnow, onupdate=utcnow
    )

    giver: Mapped[User | None] = relationship(foreign_keys=[giver_id])
    redeemed_by: Mapped[User | None] = relationship(foreign_keys=[redeemed_by_id])
