"""Redeeming a gift: the recipient's membership made complimentary for the months given.

- Single use: redeeming is the gift's move from sent to redeemed, under its row lock; a second
  press, another tab or another process finds it redeemed.
- The gift goes to the account of the address the giver named. With none, one is made (its
  address confirmed: the link came to it) and a link to choose a password is emailed.
- The giver is told it was opened, and from when to when it runs (`notices.gift_redeemed`).
- It starts when what the recipient already has ends: now; at the end of a complimentary period
  still running (gifts add up); at the end of the paid period of a subscription that was
  cancelled and is ending.
- A subscription that renews (active, past due or paused) would go on charging while the gift
  ran, so the gift is kept for later: the link keeps working, and once the subscription is
  cancelled the gift starts when its paid period ends. So is a complimentary membership with no
  end date (nothing to add to).
"""

import calendar
from dataclasses import dataclass
from datetime import UTC, datetime

from ..extensions import db
from ..models import Gift, GiftState, MembershipStatus, SignupSource, User
from ..utc import aware
from . import accounts, gifts, mail, membership, money, notices
from .membership import CompGrant

CAUSE = "gift membership redeemed"
RENEWING = (MembershipStatus.ACTIVE, MembershipStatus.PAST_DUE, MembershipStatus.PAUSED)
_STATE_REFUSALS = {GiftState.REDEEMED: "redeemed", GiftState.REFUNDED: "refunded"}


class GiftRefused(ValueError):
    """A gift that cannot be redeemed now; `reason` keys the recipient's message: "redeemed",
    "refunded", "not_sent", "renewing" or "no_end" (the last two: kept for later)."""

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True)
class Redeemed:
    user: User
    created: bool  # the account was made for the gift
    starts: datetime
    until: datetime
    later: bool  # it starts when what the recipient had ends, not now


def add_months(moment: datetime, months: int) -> datetime:
    """The same day `months` calendar months on (the month's last day when it is shorter)."""
    index = moment.month - 1 + months
    year, month = moment.year + index // 12, index % 12 + 1
    return moment.replace(year=year, month=month,
                          day=min(moment.day, calendar.monthrange(year, month)[1]))  # fmt: skip


def gift_start(user: User, now: datetime) -> datetime:
    """When a gift redeemed by `user` now would start (see the module's rules); `GiftRefused`
    when it is kept for later."""
    current = user.membership
    if current is None:
        return now
    if current.status in RENEWING:
        raise GiftRefused("renewing")
    if current.comp_granted and current.comp_until is None:
        raise GiftRefused("no_end")
    start = now
    if current.status == MembershipStatus.ENDING and current.current_period_end:
        start = max(start, aware(current.current_period_end))
    if current.comp_granted and current.comp_until is not None:
        start = max(start, aware(current.comp_until))
    return start


def refusal(gift: Gift, now: datetime | None = None) -> str | None:
    """Why the gift cannot be redeemed now (a `GiftRefused` reason), or None; changes nothing,
    so the page can say it before the button is pressed."""
    if gift.state != GiftState.SENT:
        return _STATE_REFUSALS.get(gift.state, "not_sent")
    user = accounts.find_user(gift.recipient_email)
    try:
        if user is not None:
            gift_start(user, now or datetime.now(UTC))
    except GiftRefused as refused:
        return refused.reason
    return None


def redeem_gift(gift: Gift, now: datetime | None = None) -> Redeemed:
    """Redeem a sent gift for the account of its address (made if needed), and commit."""
    now = now or datetime.now(UTC)
    gifts.lock_gift(gift)
    if gift.state != GiftState.SENT:
        raise GiftRefused(_STATE_REFUSALS.get(gift.state, "not_sent"))
    user = accounts.find_user(gift.recipient_email)
    created = user is None
    if user is None:
        user = accounts.create_user(gift.recipient_email, None, gift.lang, source=SignupSource.GIFT)
        user.email_confirmed_at = now
        db.session.flush()
    else:
        money.lock_membership(user)
    starts = gift_start(user, now)
    until = add_months(starts, gift.months)
    membership.apply(user, CompGrant(until=until), CAUSE, now)
    gift.redeemed_by, gift.comp_from, gift.comp_until = user, starts, until
    gifts.set_gift_state(gift, GiftState.REDEEMED, now)
    notices.gift_redeemed(gift)
    if created:
        mail.send_email(
            user.email, "set_password", user.language, **accounts.set_password_email(user)
        )
    db.session.commit()
    return Redeemed(user, created, starts, until, later=starts > now)
