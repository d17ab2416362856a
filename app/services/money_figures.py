"""The staff money figures' summaries (`figures` explains them): money collected and kept per day
(a payment's paid day, or made day while unpaid), per article and prompt it came from, refunds per
day, and the readers who ever paid for a subscription; and reading through them.

What changed: payments newer than the newest id the worker saw or updated since it looked (a
payment's row is filed under its paid or made day: both are recomputed), refunds updated since, and
attempts newer than the newest seen (an attempt names the source of payments that may be older).
"""

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import Date, cast, delete, func, insert, literal, null, or_, select, union_all

from ..extensions import db
from ..models import (
    Payer,
    PayerCount,
    Payment,
    PaymentAttempt,
    PaymentDay,
    Refund,
    RefundDay,
    SourceDay,
    SourceTotal,
)
from .figures import (
    AT_ONCE,
    END,
    EPOCH,
    Mark,
    as_day,
    chunks,
    day_of,
    midnight,
    per_dialect,
    ranges,
    read_mark,
    remembered,
    rule_of,
    write_mark,
)

MONEY = "money"
PUT_RIGHT_AT_MOST = 5000  # readers read one by one before one pass over the payments is cheaper
CHUNK_DAYS = 92  # made from scratch a quarter of payments at a time


def settled():
    """When a payment's money came: paid, else made (the day its summary row is filed under)."""
    return func.coalesce(Payment.paid_at, Payment.created_at)


# The definitions, over the rows of [start, end) ---------------------------------------------------


def _payment_sums(start: datetime, end: datetime):
    from .measures import COLLECTED, net_amount

    day, paid = day_of(settled()), Payment.paid_at.is_not(None)
    return (
        select(day, Payment.kind, Payment.interval, Payment.currency, paid,
               func.sum(Payment.amount), func.sum(net_amount()))
        .where(Payment.status.in_(COLLECTED), settled() >= start, settled() < end)
        .group_by(day, Payment.kind, Payment.interval, Payment.currency, paid)
    )  # fmt: skip


def _refund_sums(start: datetime, end: datetime):
    """Subscription refunds by the day they were made (`metrics.cash_by_month` takes them off)."""
    day = day_of(Refund.created)
    return (
        select(day, Payment.interval, Payment.currency, func.sum(Refund.amount))
        .join(Payment, Refund.payment_id == Payment.id)
        .where(Payment.kind == "subscription", Refund.status == "succeeded",
               Refund.created >= start, Refund.created < end)
        .group_by(day, Payment.interval, Payment.currency)
    )  # fmt: skip


def _source_sums(start: datetime, end: datetime):
    from .measures import attributed_payments

    money = attributed_payments(
        day_of(settled()).label("day"), PaymentAttempt.article_id.label("article_id"),
        PaymentAttempt.prompt_id.label("prompt_id"), where=(settled() >= start, settled() < end),
    )  # fmt: skip
    columns = (money.c.day, money.c.currency, money.c.article_id, money.c.prompt_id)
    return select(*columns, func.sum(money.c.net), func.count()).group_by(*columns)


def _payers(*where):
    from .measures import COLLECTED

    return (
        select(Payment.user_id, Payment.currency)
        .where(Payment.kind == "subscription", Payment.status.in_(COLLECTED),
               Payment.user_id.is_not(None), *where)
        .distinct()
    )  # fmt: skip


@per_dialect
def money_rule() -> str:
    return rule_of(_payment_sums(EPOCH, END), _refund_sums(EPOCH, END), _source_sums(EPOCH, END),
                   _payers())  # fmt: skip


# What changed since the worker last looked --------------------------------------------------------


@dataclass(frozen=True)
class Stale:
    """What the money summaries cannot answer: the days whose payments (`days`) or refunds
    (`refund_days`) changed since the worker last looked and the readers whose payments did, or
    everything (before the worker made them, or after a definition changed)."""

    everything: bool = False
    days: frozenset[date] = frozenset()
    refund_days: frozenset[date] = frozenset()
    users: frozenset[int] = frozenset()


def _stale_since(mark: Mark) -> Stale:
    """In one query: each changed payment's made and paid days and reader (filed under its paid
    day, or its made day while unpaid: both are recomputed), the days of payments a new attempt
    claims, and the days of changed refunds (`kind` tells them apart)."""
    changed = or_(Payment.id > mark.ids[""], Payment.updated_at > mark.since())
    parts = [select(literal("payment"), day_of(Payment.created_at), day_of(Payment.paid_at), Payment.user_id)
             .where(changed)]  # fmt: skip
    for attempt_key, payment_key in ((PaymentAttempt.subscription_id, Payment.subscription_id),
                                     (PaymentAttempt.payment_intent_id, Payment.payment_intent_id)):  # fmt: skip
        parts.append(
            select(literal("claimed"), day_of(settled()), null(), null())
            .join(PaymentAttempt, attempt_key == payment_key)
            .where(PaymentAttempt.id > mark.ids.get("attempts", 0))
        )
    parts.append(select(literal("refund"), day_of(Refund.created), null(), null())
                 .where(Refund.updated_at > mark.since()))  # fmt: skip
    days: set[date] = set()
    refund_days: set[date] = set()
    users: set[int] = set()
    for kind, first, second, user_id in db.session.execute(union_all(*parts)):
        found = {as_day(value) for value in (first, second) if value is not None}
        (refund_days if kind == "refund" else days).update(found)
        if user_id is not None:
            users.add(user_id)
    return Stale(days=frozenset(days), refund_days=frozenset(refund_days), users=frozenset(users))


def stale_money() -> Stale:
    def stale() -> Stale:
        mark = read_mark(MONEY, money_rule())
        return Stale(everything=True) if mark is None else _stale_since(mark)

    return remembered("money", stale)


def _kept(column, days: frozenset[date]):
    """SQL: a summary row of a day whose rows did not change."""
    return column.not_in(sorted(days)) if days else column.is_not(None)


def _runs(stale: Stale, days: frozenset[date], since: datetime) -> list[tuple[datetime, datetime]]:
    """The periods to sum from the rows themselves."""
    if stale.everything:
        return [(since, END)]
    return [(max(a, since), b) for a, b in ranges(days) if b > since]


# Reads --------------------------------------------------------------------------------------------


def month_of_day(column):
    """The first day of a date column's month (SQL)."""
    if db.session.get_bind().dialect.name == "postgresql":
        return cast(func.date_trunc("month", column), Date)
    return func.date(column, "start of month")


def _live_payment_sums(start: datetime, end: datetime) -> list:
    """The payment sums of [start, end) from the rows, once a page (`figures.remembered`)."""
    return remembered(
        ("payment sums", start, end), lambda: db.session.execute(_payment_sums(start, end)).all()
    )


def subscription_net() -> dict[str, int]:
    """Subscription money kept (net of refunds and disputes), all time, per currency."""
    stale, totals = stale_money(), {}
    if not stale.everything:
        totals = {c: int(n) for c, n in db.session.execute(
            select(PaymentDay.currency, func.sum(PaymentDay.net))
            .where(PaymentDay.kind == "subscription", _kept(PaymentDay.day, stale.days))
            .group_by(PaymentDay.currency)
        )}  # fmt: skip
    for start, end in _runs(stale, stale.days, EPOCH):
        for _, kind, _, currency, _, _, net in _live_payment_sums(start, end):
            if kind == "subscription":
                totals[currency] = totals.get(currency, 0) + int(net or 0)
    return totals


def paid_by_month(since: date) -> list[tuple[date, str | None, str, int]]:
    """(month, interval, currency, amount) of subscription money charged from `since` on, per
    month it was paid in (several rows may share a month: the caller adds them up)."""
    stale = stale_money()
    rows: list[tuple[date, str | None, str, int]] = []
    if not stale.everything:
        month = month_of_day(PaymentDay.day)
        rows = [(as_day(m), i, c, int(a)) for m, i, c, a in db.session.execute(
            select(month, PaymentDay.interval, PaymentDay.currency, func.sum(PaymentDay.amount))
            .where(PaymentDay.kind == "subscription", PaymentDay.paid, PaymentDay.day >= since,
                   _kept(PaymentDay.day, stale.days))
            .group_by(month, PaymentDay.interval, PaymentDay.currency)
        )]  # fmt: skip
    for start, end in _runs(stale, stale.days, midnight(since)):
        for day, kind, interval, currency, paid, amount, _ in _live_payment_sums(start, end):
            if kind == "subscription" and paid:
                rows.append((as_day(day).replace(day=1), interval, currency, int(amount or 0)))
    return rows


def refunded_by_month(since: date) -> list[tuple[date, str | None, str, int]]:
    """(month, interval, currency, amount) of subscription refunds made from `since` on."""
    stale = stale_money()
    rows: list[tuple[date, str | None, str, int]] = []
    if not stale.everything:
        month = month_of_day(RefundDay.day)
        rows = [(as_day(m), i, c, int(a)) for m, i, c, a in db.session.execute(
            select(month, RefundDay.interval, RefundDay.currency, func.sum(RefundDay.amount))
            .where(RefundDay.day >= since, _kept(RefundDay.day, stale.refund_days))
            .group_by(month, RefundDay.interval, RefundDay.currency)
        )]  # fmt: skip
    for start, end in _runs(stale, stale.refund_days, midnight(since)):
        for day, interval, currency, amount in db.session.execute(_refund_sums(start, end)):
            rows.append((as_day(day).replace(day=1), interval, currency, int(amount or 0)))
    return rows


def payer_counts() -> dict[str, int]:
    """Readers who ever paid for a subscription, per currency."""
    stale = stale_money()
    if stale.everything or len(stale.users) > PUT_RIGHT_AT_MOST:
        rows = _payers().subquery()
        return dict(db.session.execute(  # type: ignore[arg-type]
            select(rows.c.currency, func.count()).group_by(rows.c.currency)
        ).all())  # fmt: skip
    counts = {
        c: int(n) for c, n in db.session.execute(select(PayerCount.currency, PayerCount.payers))
    }
    for chunk in chunks(sorted(stale.users)):
        for currency, before in db.session.execute(
            select(Payer.currency, func.count()).where(Payer.user_id.in_(chunk)).group_by(Payer.currency)
        ):  # fmt: skip
            counts[currency] = counts.get(currency, 0) - int(before)
        for _, currency in db.session.execute(_payers(Payment.user_id.in_(chunk))):
            counts[currency] = counts.get(currency, 0) + 1
    return {currency: count for currency, count in counts.items() if count}


def revenue_by_source(source: str) -> dict[tuple[int | None, str], int]:
    """Money kept from each subscription and donation, all time, per "article" or "prompt" of the
    attempt that started it (`measures.attributed_payments`), read through the summary: the totals,
    less the stale days' rows, plus those days summed afresh."""
    stale = stale_money()
    totals: dict[tuple[int | None, str], list[int]] = {}

    def add(key, currency, net, rows, sign=1):
        total = totals.setdefault((key, currency), [0, 0])
        total[0] += sign * int(net or 0)
        total[1] += sign * int(rows or 0)

    if not stale.everything:
        column, day_column = (
            getattr(SourceTotal, f"{source}_id"),
            getattr(SourceDay, f"{source}_id"),
        )
        for row in db.session.execute(
            select(column, SourceTotal.currency, func.sum(SourceTotal.net), func.sum(SourceTotal.rows))
            .group_by(column, SourceTotal.currency)
        ):  # fmt: skip
            add(*row)
        if stale.days:
            for row in db.session.execute(
                select(day_column, SourceDay.currency, func.sum(SourceDay.net), func.sum(SourceDay.rows))
                .where(SourceDay.day.in_(sorted(stale.days))).group_by(day_column, SourceDay.currency)
            ):  # fmt: skip
                add(*row, sign=-1)
    for start, end in _runs(stale, stale.days, EPOCH):
        live = remembered(("source sums", start, end),
                          lambda start=start, end=end: db.session.execute(_source_sums(start, end)).all())  # fmt: skip
        for _, currency, article_id, prompt_id, net, rows in live:
            add(article_id if source == "article" else prompt_id, currency, net, rows)
    return {key: net for key, (net, rows) in totals.items() if rows}


def refresh(now: datetime) -> str:
    rule, mark = money_rule(), read_mark(MONEY, money_rule())
    newest = db.session.scalar(select(func.max(Payment.id))) or 0
    newest_attempt = db.session.scalar(select(func.max(PaymentAttempt.id))) or 0
    if mark is None:
        for table in (PaymentDay, RefundDay, SourceDay, Payer):
            db.session.execute(delete(table))
        _make_all()
        done = "money: made"
    else:
        stale = _stale_since(mark)
        _recompute_days(stale.days)
        _recompute_refund_days(stale.refund_days)
        _recompute_payers(sorted(stale.users))
        done = f"money: {len(stale.days)} days, {len(stale.users)} readers recomputed"
    db.session.execute(delete(SourceTotal))
    keys = (SourceDay.currency, SourceDay.article_id, SourceDay.prompt_id)
    db.session.execute(insert(SourceTotal).from_select(
        ["currency", "article_id", "prompt_id", "net", "rows"],
        select(*keys, func.sum(SourceDay.net), func.sum(SourceDay.rows)).group_by(*keys),
    ))  # fmt: skip
    db.session.execute(delete(PayerCount))
    db.session.execute(insert(PayerCount).from_select(
        ["currency", "payers"], select(Payer.currency, func.count()).group_by(Payer.currency)
    ))  # fmt: skip
    write_mark(MONEY, rule, now, newest, attempts=newest_attempt)
    db.session.flush()
    return done


def _make_all() -> None:
    """Every summary row, a month of days at a time (each statement stays short)."""
    for column, recompute in (
        (settled(), _recompute_days),
        (Refund.created, _recompute_refund_days),
    ):
        first, last = db.session.execute(select(func.min(column), func.max(column))).one()
        if first is None:
            continue
        day, last_day = as_day(first) - timedelta(days=1), as_day(last)
        while day <= last_day + timedelta(days=1):
            recompute([day + timedelta(days=n) for n in range(CHUNK_DAYS)])
            day += timedelta(days=CHUNK_DAYS)
    low, high = db.session.execute(
        select(func.min(Payment.user_id), func.max(Payment.user_id))
    ).one()
    step = AT_ONCE * 50
    for start in range(low or 0, (high or -1) + 1, step):
        within = (Payment.user_id >= start, Payment.user_id < start + step)
        db.session.execute(insert(Payer).from_select(["user_id", "currency"], _payers(*within)))


def _recompute_days(days: Iterable[date]) -> None:
    for start, end in ranges(days):
        for table in (PaymentDay, SourceDay):
            db.session.execute(
                delete(table).where(table.day >= start.date(), table.day < end.date())
            )
        db.session.execute(insert(PaymentDay).from_select(
            ["day", "kind", "interval", "currency", "paid", "amount", "net"], _payment_sums(start, end)
        ))  # fmt: skip
        db.session.execute(insert(SourceDay).from_select(
            ["day", "currency", "article_id", "prompt_id", "net", "rows"], _source_sums(start, end)
        ))  # fmt: skip


def _recompute_refund_days(days: Iterable[date]) -> None:
    for start, end in ranges(days):
        db.session.execute(
            delete(RefundDay).where(RefundDay.day >= start.date(), RefundDay.day < end.date())
        )
        db.session.execute(insert(RefundDay).from_select(
            ["day", "interval", "currency", "amount"], _refund_sums(start, end)
        ))  # fmt: skip


def _recompute_payers(users: list[int]) -> None:
    for chunk in chunks(users):
        db.session.execute(delete(Payer).where(Payer.user_id.in_(chunk)))
        db.session.execute(
            insert(Payer).from_select(["user_id", "currency"], _payers(Payment.user_id.in_(chunk)))
        )
