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

from sqlalchemy import case, func, select

from ..extensions import db
from ..models import Article, Membership, Prompt
from . import history_figures, measures, member_figures, metrics, money_figures
from .measures import _started, attributed_payments

SOURCES_SHOWN = 10


@dataclass(frozen=True)
class Standing:
    """Where memberships stood at the end of a month (this month: now)."""

    month: date
    supporters: int
    mrr: dict[str, Fraction]  # per currency, minor units


def _stood(moments: list[datetime]) -> list[tuple[int, dict[str, Fraction]]]:
    """(paying supporters, MRR per currency) at each moment (`stood_rows`), past month starts read
    from the standings the worker stores (`history_figures.standings`)."""
    result: list[tuple[int, dict[str, Fraction]]] = []
    for rows in history_figures.standings(moments):
        count, mrr = 0, {}  # type: tuple[int, dict[str, Fraction]]
        for currency, interval, members, total in rows:
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
    starts = measures.month_starts(months, now)
    stood = [*_stood([_midnight(start) for start in starts[1:]]), metrics.paying_totals(now)]
    return [
        Standing(month, count, figures)
        for month, (count, figures) in zip(starts, stood, strict=True)
    ]


def retention(months: int = 12, now: datetime | None = None) -> list[tuple[date, int, int]]:
    """(month, supporters who started in it, how many of them pay now) for the last `months`
    months, oldest first. "Pay now" is the headline's rule (`measures.paying`)."""
    now = now or datetime.now(UTC)
    starts = measures.month_starts(months, now)
    summed = member_figures.start_sums(now, "month")
    if summed is None:
        started = _started()
        month = measures.month_of(started.c.started)
        rows = db.session.execute(
            select(month, func.count(), func.sum(case((measures.paying(now), 1), else_=0)))
            .join_from(started, Membership, Membership.id == started.c.membership_id)
            .where(started.c.started >= _midnight(starts[0]))
            .group_by(month)
        ).all()
    else:  # the worker's sums per month first started (`member_figures`)
        rows = [(month, n, still) for month, (n, still) in summed.items() if month >= starts[0]]
    cohorts: dict[date, tuple[int, int]] = {}
    for m, n, still in rows:
        month_started = date.fromisoformat(str(m)[:10])
        before = cohorts.get(month_started, (0, 0))
        cohorts[month_started] = (before[0] + int(n), before[1] + int(still or 0))
    return [(start, *cohorts.get(start, (0, 0))) for start in starts]


@dataclass(frozen=True)
class Source:
    """New supporters and the money their support brought, for one article or prompt (or none)."""

    id: int | None
    label: str | None  # the article's title or the prompt's name
    lang: str | None
    new_supporters: int
    revenue: dict[str, int]  # per currency, minor units, net of refunds and disputes


def revenue_by_attempt(attempt_column) -> dict[tuple[int | None, str], int]:
    """Money kept from each subscription and donation, all time, by the attempt that started it."""
    money = attributed_payments(attempt_column.label("source"))
    rows = db.session.execute(
        select(money.c.source, money.c.currency, func.sum(money.c.net))
        .group_by(money.c.source, money.c.currency)
    ).all()  # fmt: skip
    return {(source, currency): int(total or 0) for source, currency, total in rows}


def _new_by(source: str, membership_column) -> dict[int | None, int]:
    """Memberships that ever started paying, per the article or prompt they came from."""
    summed = member_figures.start_sums(datetime.now(UTC), source)
    if summed is None:
        started = _started()
        return dict(db.session.execute(  # type: ignore[arg-type]
            select(membership_column, func.count())
            .join_from(started, Membership, Membership.id == started.c.membership_id)
            .group_by(membership_column)
        ).all())  # fmt: skip
    return {key: members for key, (members, _) in summed.items()}


def _sources(source: str, membership_column, names) -> list[Source]:
    new = _new_by(source, membership_column)
    revenue: dict[int | None, dict[str, int]] = {}
    for (key, currency), total in money_figures.revenue_by_source(source).items():
        revenue.setdefault(key, {})[currency] = total
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

    return _sources("article", Membership.article_id, titles)


def by_prompt() -> list[Source]:
    """The same per prompt clicked; `id` None gathers support started without a prompt."""

    def names(ids):
        rows = db.session.execute(
            select(Prompt.id, Prompt.name, Prompt.lang).where(Prompt.id.in_(ids))
        )
        return {i: (name, lang) for i, name, lang in rows}

    return _sources("prompt", Membership.prompt_id, names)
