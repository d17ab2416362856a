"""Why members cancel and what kept them (one row per cancellation asked for), and the asks to
give a little more."""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import DateTime, Enum, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from .accounts import User
from .content import utcnow


class CancellationReason(enum.StrEnum):
    """The reasons a member may give for cancelling (each has a label in app/labels.py)."""

    TOO_EXPENSIVE = "too_expensive"
    NEED_A_BREAK = "need_a_break"
    READING_LESS = "reading_less"
    MONTHLY_CHARGES = "monthly_charges"
    COVERAGE = "coverage"
    OTHER = "other"


class CancellationOutcome(enum.StrEnum):
    """How a cancellation ended: still open, cancelled, or saved by one of the offers."""

    ASKED = "asked"
    CANCELLED = "cancelled"
    LOWER = "lower"  # saved: a lower amount from the next payment on
    PAUSE = "pause"  # saved: collection paused for 1-3 months
    ANNUAL = "annual"  # saved: annual instead of monthly


def _enum(kind: type[enum.StrEnum]) -> Enum:
    return Enum(kind, native_enum=False, length=16,
                values_callable=lambda members: [member.value for member in members])  # fmt: skip


class Cancellation(db.Model):
    """A member asked to cancel: the reason and words they gave (both optional), the offers they
    were shown, and what they chose."""

    __tablename__ = "cancellations"
    __table_args__ = (Index("ix_cancellations_created_at", "created_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), index=True
    )
    reason: Mapped[CancellationReason | None] = mapped_column(_enum(CancellationReason))
    comment: Mapped[str | None] = mapped_column(Text)
    offers: Mapped[str] = mapped_column(String(64), default="")  # the offers shown, comma-separated
    outcome: Mapped[CancellationOutcome] = mapped_column(
        _enum(CancellationOutcome), default=CancellationOutcome.ASKED
    )
    # The plan when the member asked, and after a save (minor units).
    amount: Mapped[int | None] = mapped_column()
    currency: Mapped[str | None] = mapped_column(String(3))
    interval: Mapped[str | None] = mapped_column(String(8))
    new_amount: Mapped[int | None] = mapped_column()
    pause_months: Mapped[int | None] = mapped_column()
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    answered_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

    user: Mapped[User | None] = relationship()

    @property
    def offer_list(self) -> list[str]:
        return [offer for offer in self.offers.split(",") if offer]


class RaiseAsk(db.Model):
    """One ask to a member on the smallest amount to give a little more: when it was first shown,
    the amounts, and the answer (accepted, declined, or none)."""

    __tablename__ = "raise_asks"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    asked_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    amount: Mapped[int] = mapped_column()  # minor units a period, as charged when asked
    new_amount: Mapped[int] = mapped_column()
    currency: Mapped[str] = mapped_column(String(3))
    interval: Mapped[str] = mapped_column(String(8))
    answered_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    accepted: Mapped[bool | None] = mapped_column()
