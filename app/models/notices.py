"""The messages we send a supporter about their support, one per Stripe object and kind."""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import DateTime, Enum, ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from ..extensions import db
from .content import utcnow


class NoticeKind(enum.StrEnum):
    """What a message is about; each kind is also the name of its templates in emails/."""

    WELCOME = "welcome"
    RECEIPT = "receipt"
    DONATION_RECEIPT = "donation_receipt"
    PAYMENT_FAILED = "payment_failed"
    ACTION_REQUIRED = "action_required"
    CANCELLATION = "cancellation"
    SUBSCRIPTION_ENDED = "subscription_ended"
    COMP_GRANTED = "comp_granted"
    COMP_ENDED = "comp_ended"
    RENEWAL_COMING = "renewal_coming"
    CARD_EXPIRING = "card_expiring"
    GIFT_RECEIPT = "gift_receipt"  # to the giver
    GIFT_REDEEMED = "gift_redeemed"  # to the giver, once the recipient has opened it
    MEMBERSHIP_PAUSED = "membership_paused"
    MEMBERSHIP_RESUMED = "membership_resumed"
    OFFLINE_RECEIPT = "offline_receipt"  # money staff recorded outside Stripe
    OFFLINE_VOIDED = "offline_voided"  # that receipt withdrawn: the entry was a mistake
    # To the recipient, who may have no account yet: the gift's own state (paid -> sent) is the
    # claim that sends it once, not a `notices` row.
    GIFT_RECEIVED = "gift_received"


class AccountEmail(enum.StrEnum):
    """Emails about signing in rather than about support: sent on request, never claimed as a
    notice; each is the name of its templates in emails/, and staff preview them too."""

    SIGN_IN_CODE = "sign_in_code"
    SIGN_IN_NO_ACCOUNT = "sign_in_no_account"


class Notice(db.Model):
    """A message sent (or being sent) about one object: the unique pair (kind, object_id) is the
    claim that makes it go once however many events, replays and return pages ask for it.
    `object_id` is the Stripe object's id (invoice, payment intent, subscription), with the period
    for the scheduled notices (with when it resumes for a pause), or our own id: the membership's
    for complimentary memberships, the payment's for one recorded outside Stripe, the gift's key
    for its redemption."""

    __tablename__ = "notices"
    __table_args__ = (UniqueConstraint("kind", "object_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    kind: Mapped[NoticeKind] = mapped_column(
        Enum(
            NoticeKind, native_enum=False, length=32, values_callable=lambda e: [m.value for m in e]
        )
    )
    object_id: Mapped[str] = mapped_column(String(255))
    outbox_message_id: Mapped[int | None] = mapped_column(
        ForeignKey("outbox.id", ondelete="SET NULL")
    )
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
