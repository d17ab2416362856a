"""Finding supporters: search, filters, sorting and pages over SQL; the CSV export; one
supporter's timeline."""

import csv
import io
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime

from sqlalchemy import Select, or_, select

from ..extensions import db
from ..models import AuditEntry, Membership, MembershipChange, MembershipStatus, Payment, User
from . import second_subscriptions

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
    since: date | None = None
    subscriptions: str = ""  # "several": more than one live now; "second_ended": one ended for them
    sort: str = "newest"
    page: int = 1


@dataclass(frozen=True)
class SupporterRow:
    id: int
    email: str
    language: str
    created_at: datetime
    status: str
    amount: int | None
    currency: str | None
    interval: str | None
    customer_id: str | None


def _statement(query: SupporterQuery) -> Select:
    statement = (
        select(User.id, User.email, User.language, User.created_at, Membership.status, Membership.amount,
               Membership.currency, Membership.interval, User.stripe_customer_id)
        .join(Membership, Membership.user_id == User.id)
        .where(User.deleted_at.is_(None))
    )  # fmt: skip
    text = query.q.strip().lower()
    if text:
        if text.startswith(("cus_", "sub_")):
            statement = statement.where(
                or_(
                    User.stripe_customer_id == query.q.strip(),
                    Membership.subscription_id == query.q.strip(),
                )
            )
        else:
            statement = statement.where(User.email.like(f"%{_escape_like(text)}%", escape="\\"))
    if query.status in {s.value for s in MembershipStatus}:
        statement = statement.where(Membership.status == MembershipStatus(query.status))
    if query.interval in ("month", "year"):
        statement = statement.where(Membership.interval == query.interval)
    if query.min_amount is not None:
        statement = statement.where(Membership.amount >= query.min_amount)
    if query.max_amount is not None:
        statement = statement.where(Membership.amount <= query.max_amount)
    if query.lang:
        statement = statement.where(User.language == query.lang)
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
    return [SupporterRow(*row) for row in rows[:PER_PAGE]], len(rows) > PER_PAGE


CSV_HEADER = [
    "email",
    "language",
    "joined",
    "status",
    "amount",
    "currency",
    "interval",
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
    for count, row in enumerate(db.session.execute(statement), start=1):
        _, email, lang, created, status, amount, currency, interval, customer = row
        writer.writerow([neutralise(v) for v in (email, lang, created.date().isoformat(), status.value,
                                                 amount, currency, interval, customer)])  # fmt: skip
        if count % 1000 == 0:
            yield buffer.getvalue()
            buffer.seek(0)
            buffer.truncate()
    yield buffer.getvalue()


@dataclass(frozen=True)
class TimelineItem:
    at: datetime
    kind: str  # change | payment | staff
    text: str
    detail: str = ""


def timeline(user: User) -> list[TimelineItem]:
    """Sign-up, status changes, payments and staff actions about one reader, newest first."""
    items = [TimelineItem(user.created_at, "signup", "signed up")]
    if user.membership is not None:
        for change in db.session.scalars(
            select(MembershipChange).where(MembershipChange.membership_id == user.membership.id)
        ):
            items.append(TimelineItem(change.at, "change", f"{change.from_status.value} → {change.to_status.value}",
                                      change.cause))  # fmt: skip
    for payment in db.session.scalars(select(Payment).where(Payment.user_id == user.id)):
        items.append(TimelineItem(payment.created_at, "payment", payment.status,
                                  f"{payment.kind} {payment.amount} {payment.currency}"))  # fmt: skip
    for entry in db.session.scalars(select(AuditEntry).where(AuditEntry.subject_id == user.id)):
        items.append(
            TimelineItem(
                entry.at, "staff", entry.action, entry.actor.email if entry.actor else entry.target
            )
        )
    return sorted(items, key=lambda item: _aware(item.at), reverse=True)


def _aware(value: datetime) -> datetime:
    return value if value.tzinfo else value.replace(tzinfo=UTC)
