"""A reader's membership (one row per reader) and the history of its status."""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import DateTime, Enum, ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from .accounts import User
from .content import utcnow


class MembershipStatus(enum.StrEnum):
    NONE = "none"
    PENDING = "pending"
    ACTIVE = "active"
    ENDING = "ending"
    PAST_DUE = "past_due"
    LAPSED = "lapsed"
    COMPLIMENTARY = "complimentary"
    # Collection paused at Stripe (the subscription stays `active` there): perks until the end of
    # the period already paid (`paid_until`), none after it, back when collection resumes.
    PAUSED = "paused"
    # Paid outside Stripe for a period (`offline_from` to `offline_until`), with no live
    # subscription: perks for exactly that period, lapsed after it.
    OFFLINE = "offline"


def _status_type():
    return Enum(
        MembershipStatus,
        native_enum=False,
        length=16,
        values_callable=lambda members: [member.value for member in members],
    )


class Membership(db.Model):
    """The projection of a reader's newest subscription snapshot, plus our own policy."""

    __tablename__ = "memberships"
    __table_args__ = (
        # PostgreSQL's is in the supporters list's order: amount descending, newest account first.
        Index("ix_memberships_status_amount", "status", "amount"),
        Index("ix_memberships_status_plan", "status", "currency", "interval",
              postgresql_include=["amount", "current_period_end", "id"]),
        Index("ix_memberships_updated_at", "updated_at"),  # the figures' summaries look for it
    )  # fmt: skip

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), unique=True)
    status: Mapped[MembershipStatus] = mapped_column(
        _status_type(), default=MembershipStatus.NONE, index=True
    )
    # The subscription's own status, before our comp policy is applied on top.
    paid_status: Mapped[MembershipStatus | None] = mapped_column(_status_type())
    amount: Mapped[int | None] = mapped_column()  # minor units
    currency: Mapped[str | None] = mapped_column(String(3))
    interval: Mapped[str | None] = mapped_column(String(8))  # month | year
    current_period_end: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    cancel_at_period_end: Mapped[bool] = mapped_column(default=False)
    # While paused: when Stripe resumes collection, and the end of the period paid before the pause.
    paused_until: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    paid_until: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    grace_until: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    comp_granted: Mapped[bool] = mapped_column(default=False)
    comp_until: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    # The period paid outside Stripe now in force (else the next one, else the last): its first
    # moment and its last (the end of its last day, as `comp_until`). `services.offline_payments`.
    offline_from: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    offline_until: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    subscription_id: Mapped[str | None] = mapped_column(String(255), index=True)
    # Where the reader was when they started their newest subscription: the article they were
    # reading and the prompt they clicked (the staff figures per article and per prompt).
    article_id: Mapped[int | None] = mapped_column(ForeignKey("articles.id", ondelete="SET NULL"))
    prompt_id: Mapped[int | None] = mapped_column(ForeignKey("prompts.id", ondelete="SET NULL"))
    # `created` of the newest snapshot applied: an older one never overwrites a newer one.
    snapshot_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    updated_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), default=utcnow, onupdate=utcnow
    )

    user: Mapped[User] = relationship(backref=db.backref("membership", uselist=False))


class MembershipChange(db.Model):
    """One change of status or of plan (amount, currency, interval): the timeline staff see, and
    the snapshots the MRR history is read from. Each row holds the membership as it stood after
    the change; `period_end` matters while it is ending (it counts in MRR until then)."""

    __tablename__ = "membership_changes"
    __table_args__ = (
        # Moves (new, churned, back) in a period, counted from the index alone.
        Index(
            "ix_membership_changes_moves",
            "to_status",
            "from_status",
            "at",
            postgresql_include=["membership_id"],
        ),
        Index("ix_membership_changes_at", "at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    membership_id: Mapped[int] = mapped_column(
        ForeignKey("memberships.id", ondelete="CASCADE"), index=True
    )
    from_status: Mapped[MembershipStatus] = mapped_column(_status_type())
    to_status: Mapped[MembershipStatus] = mapped_column(_status_type())
    cause: Mapped[str] = mapped_column(String(255))
    amount: Mapped[int | None] = mapped_column()  # minor units
    currency: Mapped[str | None] = mapped_column(String(3))
    interval: Mapped[str | None] = mapped_column(String(8))
    period_end: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    membership: Mapped[Membership] = relationship()
