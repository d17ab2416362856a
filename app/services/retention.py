"""A cancellation that listens: the member says why (or not), is offered what fits the reason —
a lower amount, a pause of 1-3 months, or annual instead of monthly — and leaves at once if they
just want to go. Each request is one `Cancellation` row: its reason, words, the offers shown, and
what the member chose; staff read them back through `cancellation_figures`.

Every change itself is `billing`'s (the same Stripe calls as the account page's); a refused or
failed change leaves the request open (`ASKED`) and the membership as it was.
"""

from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from sqlalchemy import func, select

from .. import currency as money_units
from ..extensions import db
from ..models import (
    Cancellation,
    CancellationOutcome,
    CancellationReason,
    Membership,
    MembershipStatus,
    User,
)
from . import billing
from .checkout import SupportRefused

Reason, Offer = CancellationReason, CancellationOutcome
OFFERS = (Offer.LOWER, Offer.PAUSE, Offer.ANNUAL)
# What each reason is offered, in the order shown; a reason without offers cancels at once.
OFFERS_FOR: dict[CancellationReason, tuple[CancellationOutcome, ...]] = {
    Reason.TOO_EXPENSIVE: (Offer.LOWER, Offer.PAUSE),
    Reason.NEED_A_BREAK: (Offer.PAUSE,),
    Reason.READING_LESS: (Offer.PAUSE, Offer.LOWER),
    Reason.MONTHLY_CHARGES: (Offer.ANNUAL,),
    Reason.COVERAGE: (),
    Reason.OTHER: (),
}
COMMENT_LENGTH = 1000
LOWER_CHOICES = 3


def lower_amounts(user: User) -> list[int]:
    """Lower monthly amounts to offer (minor units, largest first): half the present one, the
    preset amounts and the smallest, whichever are below what the member gives now."""
    member = user.membership
    if member is None or not member.amount or member.interval not in ("month", "year"):
        return []
    currency = billing.currency_of(user)
    monthly = member.amount if member.interval == "month" else member.amount // 12
    unit, smallest = money_units.unit(currency), money_units.minimum_amount(currency)
    half = monthly // 2 // unit * unit
    candidates = {smallest, half, *money_units.preset_amounts(currency)}
    below = sorted((a for a in candidates if smallest <= a < monthly), reverse=True)
    return below[:LOWER_CHOICES]


def fitting_offers(user: User, reason: CancellationReason | None) -> list[CancellationOutcome]:
    """The offers for `reason` that this member can take: a lower amount above the smallest, a
    pause for monthly members, annual for monthly members. None for a member who is not active."""
    member = user.membership
    if reason is None or member is None or member.status != MembershipStatus.ACTIVE:
        return []
    fits = {
        Offer.LOWER: bool(lower_amounts(user)),
        Offer.PAUSE: billing.can_pause(user),
        Offer.ANNUAL: member.interval == "month",
    }
    return [offer for offer in OFFERS_FOR[reason] if fits[offer]]


def ask_why(user: User, reason: CancellationReason | None, comment: str | None) -> Cancellation:
    """Record why the member wants to cancel (both optional) and the offers that fit."""
    member = user.membership
    cancellation = Cancellation(
        user_id=user.id, reason=reason, comment=(comment or "").strip()[:COMMENT_LENGTH] or None,
        offers=",".join(fitting_offers(user, reason)), amount=member and member.amount,
        currency=member and member.currency, interval=member and member.interval,
    )  # fmt: skip
    db.session.add(cancellation)
    db.session.commit()
    return cancellation


def open_cancellation(user: User, cancellation_id: int) -> Cancellation | None:
    """The member's own request, if it still waits for an answer."""
    cancellation = db.session.get(Cancellation, cancellation_id)
    if cancellation is None or cancellation.user_id != user.id:
        return None
    return cancellation if cancellation.outcome == Offer.ASKED else None


def leave(user: User, cancellation: Cancellation | None) -> None:
    """Cancel at the end of the paid period, now (the request, if any, says so)."""
    billing.cancel_support(user)
    _answer(cancellation, Offer.CANCELLED)


def take_lower(user: User, cancellation: Cancellation, amount: int) -> None:
    """Stay at a lower monthly `amount` (one of `lower_amounts`), from the next payment on."""
    _check(user, cancellation, Offer.LOWER)
    if amount not in lower_amounts(user):
        raise SupportRefused("offer_unavailable")
    frequency = "annual" if user.membership.interval == "year" else "monthly"
    billing.change_support(user, amount, frequency, cause="lower amount instead of cancelling")
    _answer(cancellation, Offer.LOWER, new_amount=user.membership.amount)


def take_pause(user: User, cancellation: Cancellation, months: int) -> datetime:
    """Stay, paused for `months` months; returns when collection resumes."""
    _check(user, cancellation, Offer.PAUSE)
    resumes_at = billing.pause_support(user, months, cause="paused instead of cancelling")
    _answer(cancellation, Offer.PAUSE, pause_months=months)
    return resumes_at


def take_annual(user: User, cancellation: Cancellation) -> None:
    """Stay, paying the same monthly amount once a year (charged now, less the unused part of
    the month: `billing.change_support`'s rule for another interval)."""
    _check(user, cancellation, Offer.ANNUAL)
    billing.change_support(user, user.membership.amount, "annual",
                           cause="annual instead of cancelling")  # fmt: skip
    _answer(cancellation, Offer.ANNUAL, new_amount=user.membership.amount)


def _check(user: User, cancellation: Cancellation, offer: CancellationOutcome) -> None:
    if offer not in cancellation.offer_list or offer not in fitting_offers(
        user, cancellation.reason
    ):
        raise SupportRefused("offer_unavailable")


def _answer(cancellation: Cancellation | None, outcome: CancellationOutcome, **values) -> None:
    if cancellation is None:
        return
    cancellation.outcome, cancellation.answered_at = outcome, datetime.now(UTC)
    for name, value in values.items():
        setattr(cancellation, name, value)
    db.session.commit()


# What staff see -----------------------------------------------------------------------------------


@dataclass
class CancellationFigures:
    """Cancellations asked for since a date: by reason, the offers shown and taken, the words."""

    since: datetime
    asked: int = 0
    cancelled: int = 0
    by_reason: list[tuple[CancellationReason | None, int, int]] = field(default_factory=list)
    shown: dict[str, int] = field(default_factory=dict)  # offer: times shown
    taken: dict[str, int] = field(default_factory=dict)  # offer: times taken
    comments: list[Cancellation] = field(default_factory=list)
    paused_now: int = 0

    @property
    def saved(self) -> int:
        return sum(self.taken.values())


COMMENTS_SHOWN = 100


def cancellation_figures(days: int = 90, now: datetime | None = None) -> CancellationFigures:
    """The figures of the last `days` days, each a grouped query: requests per reason (with how
    many of them were saved), offers shown and taken per kind, the latest free texts, and the
    memberships paused now."""
    now = now or datetime.now(UTC)
    figures = CancellationFigures(since=now - timedelta(days=days))
    recent = Cancellation.created_at >= figures.since
    rows = db.session.execute(
        select(Cancellation.reason, Cancellation.offers, Cancellation.outcome, func.count())
        .where(recent)
        .group_by(Cancellation.reason, Cancellation.offers, Cancellation.outcome)
    ).all()
    per_reason: Counter = Counter()
    saved_per_reason: Counter = Counter()
    for reason, offers, outcome, count in rows:
        figures.asked += count
        per_reason[reason] += count
        if outcome in OFFERS:
            saved_per_reason[reason] += count
            figures.taken[outcome.value] = figures.taken.get(outcome.value, 0) + count
        elif outcome == Offer.CANCELLED:
            figures.cancelled += count
        for offer in filter(None, (offers or "").split(",")):
            figures.shown[offer] = figures.shown.get(offer, 0) + count
    order = [*Reason, None]
    figures.by_reason = [(reason, per_reason[reason], saved_per_reason[reason])
                         for reason in order if per_reason[reason]]  # fmt: skip
    figures.comments = list(db.session.scalars(
        select(Cancellation).where(recent, Cancellation.comment.is_not(None))
        .order_by(Cancellation.created_at.desc(), Cancellation.id.desc()).limit(COMMENTS_SHOWN)
    ))  # fmt: skip
    figures.paused_now = int(db.session.scalar(
        select(func.count(Membership.id)).where(Membership.status == MembershipStatus.PAUSED)
    ) or 0)  # fmt: skip
    return figures
