"""The staff charts' figures over time and by source: MRR at each month's end, retention of each
month's new supporters, and new supporters and revenue per article and per prompt. Each is one or two
grouped SQL queries, whatever the number of supporters.

The MRR history reads the membership history (`MembershipChange`): each row holds a membership's
status and plan after a change, and the membership stood so until its next row or, while ending,
until its period's end if that came sooner. The current month's point is the headline MRR itself
(`metrics.mrr`), so the two always agree.
"""

from dataclasses import dataclass
from datetime import UTC, date, datetime, time
from fractions import Fraction

from sqlalchemy import and_, case, func, or_, select, union_all

from ..extensions import db
from ..models import Article, Membership, MembershipChange, Payment, PaymentAttempt, Prompt
from . import metrics
from .metrics import COLLECTED, NEW, WITH_ACCESS, Status

SOURCES_SHOWN = 10


@dataclass(frozen=True)
class Standing:
    """Where memberships stood at the end of a month (this month: now)."""

    month: date
    supporters: int
    mrr: dict[str, Fraction]  # per currency, minor units


def _stood(moments: list[datetime]) -> list[tuple[int, dict[str, Fraction]]]:
    """(paying supporters, MRR per currency) at each moment, read from the membership history in one
    pass (a window over each membership's rows, then one conditional sum per moment)."""
    change = MembershipChange
    following = func.lead(change.at).over(
        partition_by=change.membership_id, order_by=(change.at, change.id)
    )
    rows = select(
        change.to_status, change.amount, change.currency, change.interval, change.period_end,
        change.at, following.label("next_at"),
    ).subquery()  # fmt: skip
    ends_sooner = and_(
        rows.c.to_status == Status.ENDING,
        rows.c.period_end.is_not(None),
        or_(rows.c.next_at.is_(None), rows.c.period_end < rows.c.next_at),
    )
    until = case((ends_sooner, rows.c.period_end), else_=rows.c.next_at)
    columns = []
    for moment in moments:
        held = and_(rows.c.at <= moment, or_(until.is_(None), until > moment))
        columns += [
            func.sum(case((held, 1), else_=0)),
            func.sum(case((held, func.coalesce(rows.c.amount, 0)), else_=0)),
        ]
    grouped = db.session.execute(
        select(rows.c.currency, rows.c.interval, *columns)
        .where(rows.c.to_status.in_(WITH_ACCESS))
        .group_by(rows.c.currency, rows.c.interval)
    ).all()
    result: list[tuple[int, dict[str, Fraction]]] = []
    for index in range(len(moments)):
        count, mrr = 0, {}  # type: tuple[int, dict[str, Fraction]]
        for currency, interval, *sums in grouped:
            members, total = int(sums[2 * index] or 0), int(sums[2 * index + 1] or 0)
            count += members
            if currency and members:
                share = Fraction(total, 12) if interval == "year" else Fraction(total)
                mrr[currency] = mrr.get(currency, Fraction(0)) + share
        result.append((count, mrr))
    return result


def _midnight(day: date) -> datetime:
    return datetime.combine(day, time.min, tzinfo=UTC)


def mrr_history(months: int = 12, now: datetime | None = None) -> list[Standing]:
    """Paying supporters and MRR at the end of each of the last `months` months, oldest first; the
    current month stands as it is now (the headline figures)."""
    now = now or datetime.now(UTC)
    starts = metrics.month_starts(months, now)
    stood = [*_stood([_midnight(start) for start in starts[1:]]), metrics.paying_totals(now)]
    return [
        Standing(month, count, figures)
        for month, (count, figures) in zip(starts, stood, strict=True)
    ]


def _started():
    """Each membership's first start (the first move to paying from none or pending)."""
    change = MembershipChange
    to, from_ = NEW
    return (
        select(change.membership_id, func.min(change.at).label("started"))
        .where(change.to_status.in_(to), change.from_status.in_(from_))
        .group_by(change.membership_id)
        .subquery()
    )


def retention(months: int = 12, now: datetime | None = None) -> list[tuple[date, int, int]]:
    """(month, supporters who started in it, how many of them pay now) for the last `months`
    months, oldest first. "Pay now" is the headline's rule (`metrics.paying`)."""
    now = now or datetime.now(UTC)
    starts = metrics.month_starts(months, now)
    started = _started()
    month = metrics.month_of(started.c.started)
    rows = db.session.execute(
        select(month, func.count(), func.sum(case((metrics.paying(now), 1), else_=0)))
        .join_from(started, Membership, Membership.id == started.c.membership_id)
        .where(started.c.started >= _midnight(starts[0]))
        .group_by(month)
    ).all()
    cohorts = {date.fromisoformat(str(m)[:10]): (int(n), int(still or 0)) for m, n, still in rows}
    return [(start, *cohorts.get(start, (0, 0))) for start in starts]


@dataclass(frozen=True)
class Source:
    """New supporters and the money their support brought, for one article or prompt (or none)."""

    id: int | None
    label: str | None  # the article's title or the prompt's name
    lang: str | None
    new_supporters: int
    revenue: dict[str, int]  # per currency, minor units, net of refunds and disputes


def _revenue_by(attempt_column) -> dict[tuple[int | None, str], int]:
    """Money kept from each subscription and donation, all time, by the attempt that started it."""
    net = metrics.net_amount()
    collected = Payment.status.in_(COLLECTED)
    linked = [
        select(attempt_column.label("source"), Payment.currency.label("currency"), net.label("net"))
        .join(PaymentAttempt, PaymentAttempt.subscription_id == Payment.subscription_id)
        .where(Payment.kind == "subscription", collected),
        select(attempt_column, Payment.currency, net)
        .join(PaymentAttempt, PaymentAttempt.payment_intent_id == Payment.payment_intent_id)
        .where(Payment.kind == "donation", collected),
    ]
    money = union_all(*linked).subquery()
    rows = db.session.execute(
        select(money.c.source, money.c.currency, func.sum(money.c.net))
        .group_by(money.c.source, money.c.currency)
    ).all()  # fmt: skip
    return {(source, currency): int(total or 0) for source, currency, total in rows}


def _sources(attempt_column, membership_column, names) -> list[Source]:
    started = _started()
    new: dict[int | None, int] = dict(
        db.session.execute(  # type: ignore[arg-type]
            select(membership_column, func.count())
            .join_from(started, Membership, Membership.id == started.c.membership_id)
            .group_by(membership_column)
        ).all()
    )
    revenue: dict[int | None, dict[str, int]] = {}
    for (source, currency), total in _revenue_by(attempt_column).items():
        revenue.setdefault(source, {})[currency] = total
    ids = set(new) | set(revenue)
    ranked = sorted(
        ids, key=lambda i: (-int(new.get(i, 0)), -sum(revenue.get(i, {}).values()), i or 0)
    )[:SOURCES_SHOWN]
    labels = names([i for i in ranked if i is not None])
    rows = []
    for i in ranked:
        label, lang = labels.get(i, (None, None))
        rows.append(Source(i, label, lang, new.get(i, 0), revenue.get(i, {})))
    return rows


def by_article() -> list[Source]:
    """The articles whose prompt brought the most new supporters (then money), all time; `id` None
    gathers support started elsewhere (the banner on listings, the support page itself)."""

    def titles(ids):
        rows = db.session.execute(
            select(Article.id, Article.title, Article.lang).where(Article.id.in_(ids))
        )
        return {i: (title, lang) for i, title, lang in rows}

    return _sources(PaymentAttempt.article_id, Membership.article_id, titles)


def by_prompt() -> list[Source]:
    """The same per prompt clicked; `id` None gathers support started without a prompt."""

    def names(ids):
        rows = db.session.execute(
            select(Prompt.id, Prompt.name, Prompt.lang).where(Prompt.id.in_(ids))
        )
        return {i: (name, lang) for i, name, lang in rows}

    return _sources(PaymentAttempt.prompt_id, Membership.prompt_id, names)
