"""Membership: one status per reader, changed only by `apply`, and the perks it grants.

Paid memberships project Stripe's newest subscription snapshot; complimentary grants and periods
paid outside Stripe (`offline_payments`) are our own policy. Applying the same snapshot again changes nothing, and an older snapshot never overwrites a
newer one, so duplicate and out-of-order events end in the same state.
"""

from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta

from flask import current_app
from sqlalchemy import inspect, select

from ..extensions import db
from ..models import Membership, MembershipChange, MembershipStatus, User
from ..utc import aware
from . import notices

Status = MembershipStatus
# The statuses of a live subscription, the reader's one. A paused one is live too (active at
# Stripe, collecting nothing for a while); what it gives is `perks_for`'s to say.
PAID_WITH_ACCESS = (Status.ACTIVE, Status.ENDING, Status.PAST_DUE, Status.PAUSED)


@dataclass(frozen=True)
class SubscriptionSnapshot:
    """The state of a subscription as Stripe reported it at `created`."""

    subscription_id: str
    status: str  # Stripe's: incomplete, trialing, active, past_due, unpaid, canceled, ...
    created: datetime
    cancel_at_period_end: bool = False
    current_period_end: datetime | None = None
    amount: int | None = None
    currency: str | None = None
    interval: str | None = None
    # `pause_collection` set: until when (None: until unset), and the end of the period paid
    # before it, when the subscription says (our pauses write it in its metadata).
    collection_paused: bool = False
    resumes_at: datetime | None = None
    paid_until: datetime | None = None
    # When the period whose payment is owed began (a past_due subscription's renewal was due then).
    period_start: datetime | None = None


@dataclass(frozen=True)
class CompGrant:
    """A complimentary membership until a date (None: until revoked)."""

    until: datetime | None


@dataclass(frozen=True)
class CompRevoke:
    """The end of a complimentary membership."""


@dataclass(frozen=True)
class OfflinePeriod:
    """The period paid outside Stripe now in force, else the next, else the last (None, None:
    none), from its first moment to its last; `offline_payments.offline_period` reckons it."""

    starts: datetime | None
    until: datetime | None


Change = SubscriptionSnapshot | CompGrant | CompRevoke | OfflinePeriod


@dataclass(frozen=True)
class Perks:
    """What a reader may do; templates and views ask this, never the status."""

    member: bool = False
    ad_free: bool = False
    language_toggle: bool = False
    supporter_badge: bool = False
    update_card_notice: bool = False


NO_PERKS = Perks()
MEMBER_PERKS = Perks(member=True, ad_free=True, language_toggle=True, supporter_badge=True)


def stripe_status(
    status: str, cancel_at_period_end: bool, collection_paused: bool = False
) -> Status:
    """Our status for a Stripe subscription status (see DESIGN.md's table). An active one whose
    collection is paused is our PAUSED; one also set to end is ENDING (it ends, paused or not)."""
    if status in ("trialing", "active"):
        if cancel_at_period_end:
            return Status.ENDING
        return Status.PAUSED if collection_paused else Status.ACTIVE
    return {
        "incomplete": Status.PENDING,
        "incomplete_expired": Status.NONE,
        "past_due": Status.PAST_DUE,
        "unpaid": Status.LAPSED,
        "canceled": Status.LAPSED,
        "paused": Status.LAPSED,
    }.get(status, Status.NONE)


def membership_of(user: User) -> Membership:
    membership = user.membership
    if membership is None and inspect(user).persistent:
        # The account (and its membership) may have been read before another transaction, a
        # webhook's, added the row: look again before adding one.
        db.session.expire(user, ["membership"])
        membership = user.membership
    if membership is None:
        membership = Membership(user=user, status=Status.NONE)
        db.session.add(membership)
    return membership


def apply(user: User, change: Change, cause: str, now: datetime | None = None) -> Membership:
    """The one place a membership changes; records a history row when the status moves, or
    the plan of a paying membership (amount, currency, interval; the period's end while ending)."""
    now = now or datetime.now(UTC)
    membership = membership_of(user)
    before, plan_before = membership.status, _plan(membership)
    if isinstance(change, SubscriptionSnapshot):
        if membership.snapshot_at and aware(membership.snapshot_at) > aware(change.created):
            return membership  # an older snapshot never overwrites a newer one
        if _superseded(membership, change):
            return membership
        _apply_snapshot(membership, change)
    elif isinstance(change, CompGrant):
        membership.comp_granted, membership.comp_until = True, change.until
    elif isinstance(change, CompRevoke):
        membership.comp_until = now  # ended now: lapsed unless a subscription gives access
    elif isinstance(change, OfflinePeriod):
        membership.offline_from, membership.offline_until = change.starts, change.until
    membership.status = _resolve(membership, now)
    replanned = membership.status in PAID_WITH_ACCESS and _plan(membership) != plan_before
    if membership.status != before or replanned:
        db.session.add(
            MembershipChange(
                membership=membership, from_status=before, to_status=membership.status,
                cause=cause[:255], at=now, amount=membership.amount, currency=membership.currency,
                interval=membership.interval, period_end=membership.current_period_end,
            )
        )  # fmt: skip
    db.session.flush()
    return membership


def _plan(membership: Membership) -> tuple:
    """What the MRR history reads from each history row, besides the status."""
    ending = membership.status == Status.ENDING
    period_end = membership.current_period_end if ending else None
    return membership.amount, membership.currency, membership.interval, period_end


def _superseded(membership: Membership, snapshot: SubscriptionSnapshot) -> bool:
    """A snapshot of another subscription (an abandoned first attempt, an old one) never takes
    access away from the subscription that gives it."""
    return (
        membership.subscription_id is not None
        and snapshot.subscription_id != membership.subscription_id
        and membership.paid_status in PAID_WITH_ACCESS
        and _paid_status(snapshot) not in PAID_WITH_ACCESS
    )


def _paid_status(snapshot: SubscriptionSnapshot) -> Status:
    return stripe_status(snapshot.status, snapshot.cancel_at_period_end, snapshot.collection_paused)


def _apply_snapshot(membership: Membership, snapshot: SubscriptionSnapshot) -> None:
    paid = _paid_status(snapshot)
    _apply_pause(membership, snapshot, paid)
    if paid == Status.PAST_DUE:
        if membership.paid_status != Status.PAST_DUE or membership.grace_until is None:
            membership.grace_until = _owed_since(snapshot) + grace_period()
    else:
        membership.grace_until = None
    membership.paid_status = paid
    membership.subscription_id = snapshot.subscription_id
    membership.snapshot_at = snapshot.created
    membership.cancel_at_period_end = snapshot.cancel_at_period_end
    membership.current_period_end = snapshot.current_period_end
    if snapshot.amount is not None:
        membership.amount = snapshot.amount
        membership.currency = snapshot.currency
        membership.interval = snapshot.interval


def _apply_pause(membership: Membership, snapshot: SubscriptionSnapshot, paid: Status) -> None:
    """While paused: when collection resumes, and until when the member has paid. The snapshot's
    own `paid_until` decides; without one (a pause made in Stripe's dashboard) the paid period is
    the one this membership was in when the pause was first seen."""
    if paid != Status.PAUSED:
        membership.paused_until = membership.paid_until = None
        return
    membership.paused_until = snapshot.resumes_at
    if snapshot.paid_until is not None:
        membership.paid_until = snapshot.paid_until
    elif membership.paid_status != Status.PAUSED or membership.paid_until is None:
        membership.paid_until = membership.current_period_end or snapshot.current_period_end


def _resolve(membership: Membership, now: datetime) -> Status:
    """A subscription with access wins, then a period paid outside Stripe, then a valid comp,
    then the subscription's own status (lapsed for a reader whose only membership has ended)."""
    paid = membership.paid_status or Status.NONE
    if paid in PAID_WITH_ACCESS:
        return paid
    if in_offline_period(membership, now):
        return Status.OFFLINE
    if membership.comp_granted and _before(now, membership.comp_until):
        return Status.COMPLIMENTARY
    offline_ended = membership.offline_until is not None and aware(membership.offline_until) < now
    if paid == Status.NONE and (membership.comp_granted or offline_ended):
        return Status.LAPSED
    return paid


def in_offline_period(membership: Membership, now: datetime) -> bool:
    """Whether `now` falls within the membership's period paid outside Stripe (both ends in)."""
    starts, until = membership.offline_from, membership.offline_until
    return starts is not None and until is not None and aware(starts) <= now <= aware(until)


def grant_comp(user: User, until: datetime | None, cause: str) -> Membership:
    """Give a complimentary membership until `until` (or until revoked); the reader is told."""
    membership = apply(user, CompGrant(until=until), cause)
    notices.comp_granted(user, membership)
    return membership


def revoke_comp(user: User, cause: str) -> Membership:
    return apply(user, CompRevoke(), cause)


def expire_comps(now: datetime | None = None) -> int:
    """Move complimentary memberships past their end date to lapsed; returns how many."""
    now = now or datetime.now(UTC)
    expired = db.session.scalars(
        select(Membership).where(
            Membership.status == Status.COMPLIMENTARY, Membership.comp_until <= now
        )
    ).all()
    for membership in expired:
        apply(membership.user, CompRevoke(), "complimentary membership ended", now)
        notices.comp_ended(membership.user, membership)
    return len(expired)


def perks_for(user, now: datetime | None = None) -> Perks:
    """What `user` (signed in or not) may do right now."""
    if user is None or not getattr(user, "is_authenticated", False):
        return NO_PERKS
    membership = user.membership
    if membership is None:
        return NO_PERKS
    now = now or datetime.now(UTC)
    perks = _status_perks(membership, now)
    if not perks.member and in_offline_period(membership, now):
        # A period paid outside Stripe gives its perks whatever a subscription says meanwhile.
        return replace(MEMBER_PERKS, update_card_notice=perks.update_card_notice)
    return perks


def _status_perks(membership: Membership, now: datetime) -> Perks:
    status = membership.status
    if status == Status.ACTIVE:
        return MEMBER_PERKS
    if status == Status.ENDING:
        return MEMBER_PERKS if _before(now, membership.current_period_end) else NO_PERKS
    if status == Status.PAST_DUE:
        in_grace = membership.grace_until is not None and now < aware(membership.grace_until)
        base = MEMBER_PERKS if in_grace else NO_PERKS
        return Perks(**{**base.__dict__, "update_card_notice": True})
    if status == Status.COMPLIMENTARY:
        return MEMBER_PERKS if _before(now, membership.comp_until) else NO_PERKS
    if status == Status.PAUSED:
        paid = membership.paid_until is not None and now < aware(membership.paid_until)
        return MEMBER_PERKS if paid else NO_PERKS
    return NO_PERKS


def _owed_since(snapshot: SubscriptionSnapshot) -> datetime:
    """When a past_due subscription first owed its payment, as far as the snapshot tells: the
    start of the period whose renewal failed, when that is before the snapshot (a subscription
    first seen past due, by an import or a late look, gets no fresh grace period), else the
    snapshot's time (a test clock ahead of ours)."""
    seen = aware(snapshot.created)
    start = snapshot.period_start
    return min(seen, aware(start)) if start is not None else seen


def grace_period() -> timedelta:
    return timedelta(days=current_app.config["MEMBERSHIP_GRACE_DAYS"])


def _before(now: datetime, end: datetime | None) -> bool:
    return end is None or now < aware(end)
