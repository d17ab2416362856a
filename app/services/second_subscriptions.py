"""A reader's second live subscription: found, ended and refunded, and shown to staff.

A reader has one membership and so one subscription that gives access. Another may still reach
us (made in Stripe's dashboard, say). While it only waits for a payment it is noted as found;
once it charges it is canceled and refunded; if it ends by itself (an abandoned first payment
expires) that is noted too. Each note is an audit entry about the reader, written once per
subscription. Canceled and expired are final at Stripe, so a subscription found and not ended
is still live whatever order the notes came in.
"""

import logging

from sqlalchemy import ColumnElement, and_, exists, select
from sqlalchemy.orm import aliased

from ..extensions import db
from ..models import AuditEntry, Membership, User
from ..payments import get_gateway
from ..payments.gateway import Subscription
from .membership import PAID_WITH_ACCESS

log = logging.getLogger(__name__)

FOUND = "second subscription found"
ENDED = "second subscription ended"  # by us: canceled and what it charged refunded
GONE = "second subscription gone"  # by itself: expired, or canceled elsewhere
CHARGING = ("active", "trialing", "past_due")
FINISHED = ("canceled", "incomplete_expired")  # Stripe's final statuses


def is_second(user: User, subscription: Subscription) -> bool:
    """Whether `subscription` is another than the one giving the reader access."""
    current = user.membership
    return bool(
        current is not None and current.subscription_id
        and current.subscription_id != subscription.id
        and current.paid_status in PAID_WITH_ACCESS
    )  # fmt: skip


def is_second_live(user: User, subscription: Subscription) -> bool:
    """Whether `subscription` is a second one that charges: it is to be ended and refunded."""
    return is_second(user, subscription) and subscription.status in CHARGING


def end_second_subscription(user: User, subscription: Subscription) -> None:
    """A reader with a live subscription got another that charges (made in Stripe's dashboard, or
    past our one-pending-attempt rule): cancel it at once, refund what it charged, and note it in
    the audit log, where staff see it on the reader's timeline and the supporters list. Idempotency
    keys name the subscription, so a repeated event does it once."""
    gateway = get_gateway()
    gateway.cancel_subscription(subscription.id, idempotency_key=f"second-{subscription.id}")
    refunded = None
    if subscription.latest_invoice_id:
        refunded = gateway.refund_invoice(
            subscription.latest_invoice_id, idempotency_key=f"second-refund-{subscription.id}"
        )
    log.warning("reader %s had a second subscription %s: canceled, refunded %s",
                user.id, subscription.id, refunded)  # fmt: skip
    _note(user, subscription, ENDED, kept=user.membership.subscription_id, refund=refunded)


def note_other_subscription(user: User, subscription: Subscription) -> None:
    """Note a second subscription that does not charge (yet) as found, and one found before that
    has since ended by itself as gone; anything else is no second subscription to note."""
    if subscription.status in FINISHED:
        if _noted(subscription.id, FOUND) and not _noted(subscription.id, ENDED, GONE):
            _note(user, subscription, GONE, status=subscription.status)
    elif is_second(user, subscription) and not _noted(subscription.id, FOUND, ENDED):
        _note(user, subscription, FOUND, kept=user.membership.subscription_id,
              status=subscription.status)  # fmt: skip


def _noted(subscription_id: str, *actions: str) -> bool:
    return bool(db.session.scalar(select(exists().where(
        AuditEntry.target == subscription_id[:255], AuditEntry.action.in_(actions),
    ))))  # fmt: skip


def _note(user: User, subscription: Subscription, action: str, **details) -> None:
    db.session.add(AuditEntry(actor_id=None, action=action, target=subscription.id[:255],
                              subject_id=user.id, details=details))  # fmt: skip
    db.session.flush()


# What staff see -----------------------------------------------------------------------------------


def several_live() -> ColumnElement[bool]:
    """SQL: the reader (joined with their membership) has more than one live subscription now: the
    one giving access and one found beside it that has not ended since."""
    found, closed = aliased(AuditEntry), aliased(AuditEntry)
    still_live = ~exists().where(closed.target == found.target, closed.action.in_((ENDED, GONE)))
    return and_(
        Membership.paid_status.in_(PAID_WITH_ACCESS),
        exists().where(
            found.subject_id == User.id, found.action == FOUND,
            found.target != Membership.subscription_id, still_live,
        ),
    )  # fmt: skip


def second_ended() -> ColumnElement[bool]:
    """SQL: a second subscription of the reader's was canceled and refunded automatically."""
    return exists().where(AuditEntry.subject_id == User.id, AuditEntry.action == ENDED)
