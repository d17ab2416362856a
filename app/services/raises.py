"""Asking members to give a little more: after `RAISE_ASK_AFTER_MONTHS` months on the smallest
amount, the account page and the thank-you line under articles offer `RAISE_ASK_STEP` more, from
the next payment on (the same-interval change of `billing.change_support`: nothing charged now).

An ask is recorded (`RaiseAsk`) the first time it is shown; it stays on show for `ASK_OPEN_FOR`
or until the member answers, and no new ask comes within `ASK_EVERY` of the last one. What the
ask is for a member now is kept in the app cache for `KEPT_FOR` (keyed by their plan), so the
thank-you line under every article costs a member on the smallest amount no query either.
"""

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from flask import current_app
from sqlalchemy import func, select

from .. import currency as money_units
from ..extensions import cache, db
from ..models import MembershipChange, MembershipStatus, RaiseAsk, User
from ..utc import aware
from . import billing

ASK_EVERY = timedelta(days=90)
ASK_OPEN_FOR = timedelta(days=7)
KEPT_FOR = 3600  # seconds
# A plan stays "the same" across these statuses (a pause or a failed payment in between).
LIVE = (MembershipStatus.ACTIVE, MembershipStatus.ENDING, MembershipStatus.PAST_DUE,
        MembershipStatus.PAUSED)  # fmt: skip


def _per_period(monthly: int, interval: str) -> int:
    return monthly * 12 if interval == "year" else monthly


def smallest(currency: str, interval: str) -> int:
    """The smallest amount a period: the minimum a month, twelve times it a year."""
    return _per_period(money_units.minimum_amount(currency), interval)


def step(currency: str, interval: str) -> int:
    """How much more is asked for a period: `RAISE_ASK_STEP` whole units a month."""
    monthly = int(current_app.config["RAISE_ASK_STEP"]) * money_units.unit(currency)
    return _per_period(monthly, interval)


@dataclass(frozen=True)
class Ask:
    """An ask as the pages show it."""

    id: int
    amount: int
    new_amount: int
    currency: str
    interval: str

    @classmethod
    def of(cls, row: RaiseAsk) -> "Ask":
        return cls(row.id, row.amount, row.new_amount, row.currency, row.interval)


def ask_for(user: User, now: datetime | None = None) -> Ask | None:
    """The ask to show this member now: the open one, else a new one (recorded now) when they
    have given the smallest amount for `RAISE_ASK_AFTER_MONTHS` months and were not asked within
    `ASK_EVERY`; None otherwise. Members on another amount cost no query; the answer is kept for
    `KEPT_FOR` (not when `now` is given)."""
    member = getattr(user, "membership", None) if getattr(user, "is_authenticated", False) else None
    if (
        member is None or member.status != MembershipStatus.ACTIVE or not member.currency
        or member.interval not in ("month", "year")
        or member.amount != smallest(member.currency, member.interval)
    ):  # fmt: skip
        return None
    if now is not None:
        return _ask_now(user, member, now)
    key = _key(user)
    kept = cache.get(key)
    if kept is None:
        kept = _ask_now(user, member, datetime.now(UTC)) or False
        cache.set(key, kept, timeout=KEPT_FOR)
    return kept or None


def _key(user: User) -> str:
    member = user.membership
    return f"raise-ask:{user.id}:{member.amount}:{member.currency}:{member.interval}"


def _ask_now(user: User, member, now: datetime) -> Ask | None:
    latest = db.session.scalar(
        select(RaiseAsk).where(RaiseAsk.user_id == user.id)
        .order_by(RaiseAsk.asked_at.desc(), RaiseAsk.id.desc()).limit(1)
    )  # fmt: skip
    if latest is not None:
        if latest.answered_at is None and now < aware(latest.asked_at) + ASK_OPEN_FOR:
            return Ask.of(latest) if latest.amount == member.amount else None
        if now < aware(latest.asked_at) + ASK_EVERY:
            return None
    since = on_plan_since(member)
    months = int(current_app.config["RAISE_ASK_AFTER_MONTHS"])
    if since is None or billing.months_after(aware(since), months) > now:
        return None
    ask = RaiseAsk(user_id=user.id, asked_at=now, amount=member.amount, currency=member.currency,
                   interval=member.interval,
                   new_amount=member.amount + step(member.currency, member.interval))  # fmt: skip
    db.session.add(ask)
    db.session.commit()
    return Ask.of(ask)


def on_plan_since(member) -> datetime | None:
    """Since when the membership has had its present plan (amount, currency, interval) without a
    break: the first of the newest run of history rows with that plan and a live status."""
    rows = db.session.execute(
        select(MembershipChange.at, MembershipChange.amount, MembershipChange.currency,
               MembershipChange.interval, MembershipChange.to_status)
        .where(MembershipChange.membership_id == member.id)
        .order_by(MembershipChange.at.desc(), MembershipChange.id.desc())
    )  # fmt: skip
    since = None
    for at, amount, currency, interval, status in rows:
        if (amount, currency, interval) != (member.amount, member.currency, member.interval):
            break
        if status not in LIVE:
            break
        since = at
    return since


def open_ask(user: User, ask_id: int) -> RaiseAsk | None:
    """The member's own unanswered ask, while their plan is still the one it was made for."""
    ask = db.session.get(RaiseAsk, ask_id)
    member = user.membership
    if ask is None or ask.user_id != user.id or ask.answered_at is not None or member is None:
        return None
    plan = (member.amount, member.currency, member.interval)
    return ask if plan == (ask.amount, ask.currency, ask.interval) else None


def accept_raise(user: User, ask: RaiseAsk) -> None:
    """Give the asked amount from the next payment on (nothing charged now, no proration)."""
    frequency = "annual" if ask.interval == "year" else "monthly"
    monthly = ask.new_amount // 12 if ask.interval == "year" else ask.new_amount
    billing.change_support(user, monthly, frequency, cause="amount raised when asked")
    _answer(ask, accepted=True)


def decline_raise(user: User, ask: RaiseAsk) -> None:
    """Not now: the ask is put away (the next comes no sooner than `ASK_EVERY` after it)."""
    _answer(ask, accepted=False)
    cache.delete(_key(user))


def _answer(ask: RaiseAsk, accepted: bool) -> None:
    ask.accepted, ask.answered_at = accepted, datetime.now(UTC)
    db.session.commit()


def raise_figures(since: datetime) -> tuple[int, int, int]:
    """(asked, accepted, declined) since `since`."""
    rows = db.session.execute(
        select(RaiseAsk.accepted, func.count()).where(RaiseAsk.asked_at >= since)
        .group_by(RaiseAsk.accepted)
    ).all()  # fmt: skip
    counts = {accepted: int(count) for accepted, count in rows}
    return sum(counts.values()), counts.get(True, 0), counts.get(False, 0)
