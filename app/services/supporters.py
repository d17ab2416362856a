"""Finding supporters: search, filters, sorting and pages over SQL; the CSV export; one
supporter's timeline."""

import csv
import io
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, datetime

from sqlalchemy import Select, func, or_, select

from ..currency import plain
from ..extensions import db
from ..models import (
    AuditEntry,
    Membership,
    MembershipChange,
    MembershipStatus,
    Payment,
    PaymentStatus,
    SignupSource,
    User,
)
from ..utc import aware
from . import notices, second_subscriptions

PER_PAGE = 50
SUBSCRIPTION_FILTERS = {
    "several": second_subscriptions.several_live,
    "second_ended": second_subscriptions.second_ended,
}
SORTS = {
    "newest": (User.created_at.desc(), User.id.desc()),
    "oldest": (User.created_at.asc(), User.id.asc()),
    "amount": (Membership.amount.desc().nulls_last(), User.id.desc()),
    "email": (User.email.asc(), User.id.asc()),
}


@dataclass(frozen=True)
class SupporterQuery:
    q: str = ""
    status: str = ""
    interval: str = ""
    min_amount: int | None = None
    max_amount: int | None = None
    lang: str = ""
    source: str = ""  # a SignupSource value
    since: date | None = None
    subscriptions: str = ""  # "several": more than one live now; "second_ended": one ended for them
    sort: str = "newest"
    page: int = 1


@dataclass(frozen=True)
class Giving:
    """What one reader has given: net of refunds, per currency, and when they last paid."""

    totals: dict[str, int] = field(default_factory=dict)
    last_paid_at: datetime | None = None


@dataclass(frozen=True)
class SupporterRow:
    id: int
    email: str
    language: str
    created_at: datetime
    status: MembershipStatus
    amount: int | None
    currency: str | None
    interval: str | None
    customer_id: str | None
    signup_source: SignupSource = SignupSource.REGISTER
    giving: Giving = Giving()


# Payments that brought money in (a refund is subtracted; a failed charge brought nothing).
GIVEN = (PaymentStatus.PAID, PaymentStatus.REFUNDED, PaymentStatus.DISPUTED)


def _statement(query: SupporterQuery) -> Select:
    """Every account that is not deleted, members or not (readers who registered and never paid,
    and one-time givers, have no membership row or one with status none)."""
    status = func.coalesce(Membership.status, MembershipStatus.NONE)
    statement = (
        select(User.id, User.email, User.language, User.created_at, status, Membership.amount,
               Membership.currency, Membership.interval, User.stripe_customer_id,
               User.signup_source)
        .outerjoin(Membership, Membership.user_id == User.id)
        .where(User.deleted_at.is_(None))
    )  # fmt: skip
    text = query.q.strip().lower()
    if text:
        if text.startswith(("cus_", "sub_")):
            # Each id through its own index (an OR across the join would read every account).
            wanted = query.q.strip()
            statement = statement.where(User.id.in_(
                select(User.id).where(User.stripe_customer_id == wanted)
                .union(select(Membership.user_id).where(Membership.subscription_id == wanted))
            ))  # fmt: skip
        else:
            statement = statement.where(User.email.like(f"%{_escape_like(text)}%", escape="\\"))
    if query.status == MembershipStatus.NONE.value:
        statement = statement.where(
            or_(Membership.id.is_(None), Membership.status == MembershipStatus.NONE)
        )
    elif query.status in {s.value for s in MembershipStatus}:
        statement = statement.where(Membership.status == MembershipStatus(query.status))
    if query.interval in ("month", "year"):
        statement = statement.where(Membership.interval == query.interval)
    if query.min_amount is not None:
        statement = statement.where(Membership.amount >= query.min_amount)
    if query.max_amount is not None:
        statement = statement.where(Membership.amount <= query.max_amount)
    if query.lang:
        statement = statement.where(User.language == query.lang)
    if query.source in {source.value for source in SignupSource}:
        statement = statement.where(User.signup_source == SignupSource(query.source))
    if query.since:
        statement = statement.where(
            User.created_at >= datetime.combine(query.since, datetime.min.time())
        )
    if query.subscriptions in SUBSCRIPTION_FILTERS:
        statement = statement.where(SUBSCRIPTION_FILTERS[query.subscriptions]())
    return statement


def _escape_like(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def find_supporters(query: SupporterQuery) -> tuple[list[SupporterRow], bool]:
    """One page of supporters and whether another page follows (no total count: it costs a scan)."""
    statement = _statement(query).order_by(*SORTS.get(query.sort, SORTS["newest"]))
    rows = db.session.execute(
        statement.limit(PER_PAGE + 1).offset((max(query.page, 1) - 1) * PER_PAGE)
    ).all()
    giving = giving_of([row[0] for row in rows[:PER_PAGE]])
    page = [
        SupporterRow(
            *row[:4], MembershipStatus(row[4]), *row[5:], giving=giving.get(row[0], Giving())
        )
        for row in rows[:PER_PAGE]
    ]
    return page, len(rows) > PER_PAGE


def giving_of(user_ids: list[int]) -> dict[int, Giving]:
    """Lifetime giving (net of refunds, per currency) and last payment of these readers, in one
    query grouped by reader and currency (a page's worth at a time)."""
    if not user_ids:
        return {}
    rows = db.session.execute(
        select(Payment.user_id, Payment.currency,
               func.sum(Payment.amount - Payment.amount_refunded),
               func.max(func.coalesce(Payment.paid_at, Payment.created_at)))
        .where(Payment.user_id.in_(user_ids), Payment.status.in_(GIVEN))
        .group_by(Payment.user_id, Payment.currency)
    ).all()  # fmt: skip
    found: dict[int, Giving] = {}
    for user_id, currency, total, last in rows:
        before = found.get(user_id, Giving())
        last = aware(last) if last else None
        latest = max(filter(None, (before.last_paid_at, last)), default=None)
        found[user_id] = Giving({**before.totals, currency: int(total or 0)}, latest)
    return found


CSV_HEADER = [
    "email",
    "language",
    "joined",
    "status",
    "amount",
    "currency",
    "interval",
    "given",
    "given_currency",
    "last_payment",
    "signup_source",
    "stripe_customer",
]


def neutralise(value) -> str:
    """A CSV cell that a spreadsheet will not run as a formula (`=`, `+`, `-`, `@` lead cells)."""
    text = "" if value is None else str(value)
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


def export_csv(query: SupporterQuery) -> Iterator[str]:
    """The matching supporters as CSV, produced a chunk at a time (streamed, never all in memory)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(CSV_HEADER)
    statement = _statement(query).order_by(User.id).execution_options(yield_per=1000)
    for chunk in db.session.execute(statement).partitions(1000):
        giving = giving_of([row[0] for row in chunk])
        for row in chunk:
            user_id, email, lang, created, status, amount, currency, interval, customer, source = (
                row
            )
            given = giving.get(user_id, Giving())
            # One line per reader: their giving in the currency they gave most in, as decimals.
            given_currency = max(given.totals, key=given.totals.__getitem__, default="")
            writer.writerow([neutralise(v) for v in (
                email, lang, created.date().isoformat(), MembershipStatus(status).value,
                plain(amount, currency) if amount is not None and currency else "",
                (currency or "").upper(), interval,
                plain(given.totals[given_currency], given_currency) if given_currency else "",
                given_currency.upper(),
                given.last_paid_at.date().isoformat() if given.last_paid_at else "",
                SignupSource(source).value, customer,
            )])  # fmt: skip
        yield buffer.getvalue()
        buffer.seek(0)
        buffer.truncate()


@dataclass(frozen=True)
class TimelineItem:
    """One line of a reader's timeline; the page words it from `kind` and these fields."""

    at: datetime
    kind: str  # signup | change | payment | staff | email
    text: str = ""  # change: the cause; staff: the action; email: the notice kind
    detail: str = ""  # staff: who did it
    lang: str = ""  # an email's language
    state: str = ""  # an email's delivery state
    from_status: MembershipStatus | None = None
    to_status: MembershipStatus | None = None
    payment: Payment | None = None
    recorded: datetime | None = None  # a payment: when we recorded it (`at` is Stripe's time)


def timeline(user: User) -> list[TimelineItem]:
    """Sign-up, status changes, payments, staff actions and emails about one reader, newest
    first by our own clock: a payment shows the time Stripe paid it, but takes its place by when
    we recorded it, since Stripe's time may be a test clock's (frozen, or advanced by staff) and
    would then put a payment before the sign-up or after what followed it."""
    items = [TimelineItem(user.created_at, "signup")]
    if user.membership is not None:
        for change in db.session.scalars(
            select(MembershipChange).where(MembershipChange.membership_id == user.membership.id)
        ):
            items.append(TimelineItem(change.at, "change", change.cause,
                                      from_status=change.from_status, to_status=change.to_status))  # fmt: skip
    for payment in db.session.scalars(select(Payment).where(Payment.user_id == user.id)):
        items.append(TimelineItem(payment.paid_at or payment.created_at, "payment",
                                  payment=payment, recorded=payment.created_at))  # fmt: skip
    for entry in db.session.scalars(select(AuditEntry).where(AuditEntry.subject_id == user.id)):
        who = entry.actor.email if entry.actor else entry.target  # automatic: what it was about
        items.append(TimelineItem(entry.at, "staff", entry.action, who))
    for notice, message in notices.notices_of(user):
        items.append(TimelineItem(notice.created_at, "email", notice.kind.value,
                                  lang=message.lang if message else "",
                                  state=message.state.value if message else ""))  # fmt: skip
    # Within one moment, what was gathered later (a change after its sign-up) comes first.
    ordered = sorted(enumerate(items), reverse=True,
                     key=lambda pair: (aware(pair[1].recorded or pair[1].at), pair[0]))  # fmt: skip
    return [item for _, item in ordered]
