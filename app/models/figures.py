"""Summary rows behind the staff figures at scale. Each is recomputed from the rows it sums
(`services.figures`), never added to: a day's money from that day's payments, a reader's row from
their payments, a month's standing from the membership history."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import BigInteger, Date, DateTime, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from ..extensions import db


class PaymentDay(db.Model):
    """Money collected on one day (a payment's `paid_at`, or `created_at` when it has none), per
    kind, plan interval and currency: the amounts charged and what was kept of them."""

    __tablename__ = "payment_days"
    __table_args__ = (Index("ix_payment_days_day", "day"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    day: Mapped[date] = mapped_column(Date)
    kind: Mapped[str] = mapped_column(String(16))
    interval: Mapped[str | None] = mapped_column(String(8))
    currency: Mapped[str] = mapped_column(String(3))
    paid: Mapped[bool] = mapped_column()  # the payments had a `paid_at` (the day is its)
    amount: Mapped[int] = mapped_column(BigInteger)
    net: Mapped[int] = mapped_column(BigInteger)  # less refunds and disputed money


class SourceDay(db.Model):
    """The same money kept, per article and prompt of the attempt that started each payment."""

    __tablename__ = "source_days"
    __table_args__ = (Index("ix_source_days_day", "day"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    day: Mapped[date] = mapped_column(Date)
    currency: Mapped[str] = mapped_column(String(3))
    article_id: Mapped[int | None] = mapped_column()  # no foreign keys: the sums stand alone
    prompt_id: Mapped[int | None] = mapped_column()
    net: Mapped[int] = mapped_column(BigInteger)
    rows: Mapped[int] = mapped_column()  # payments (beside their attempts) summed


class SourceTotal(db.Model):
    """The source days summed over all time (what the figures per article and prompt read)."""

    __tablename__ = "source_totals"

    id: Mapped[int] = mapped_column(primary_key=True)
    currency: Mapped[str] = mapped_column(String(3))
    article_id: Mapped[int | None] = mapped_column()
    prompt_id: Mapped[int | None] = mapped_column()
    net: Mapped[int] = mapped_column(BigInteger)
    rows: Mapped[int] = mapped_column()


class RefundDay(db.Model):
    """Subscription money refunded on one day (the refund's own), per plan interval and currency."""

    __tablename__ = "refund_days"
    __table_args__ = (Index("ix_refund_days_day", "day"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    day: Mapped[date] = mapped_column(Date)
    interval: Mapped[str | None] = mapped_column(String(8))
    currency: Mapped[str] = mapped_column(String(3))
    amount: Mapped[int] = mapped_column(BigInteger)


class Payer(db.Model):
    """A reader who has paid for a subscription in this currency (lifetime value's divisor)."""

    __tablename__ = "payers"

    user_id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    currency: Mapped[str] = mapped_column(String(3), primary_key=True)


class PayerCount(db.Model):
    """How many payer rows each currency has."""

    __tablename__ = "payer_counts"

    currency: Mapped[str] = mapped_column(String(3), primary_key=True)
    payers: Mapped[int] = mapped_column()


class Standing(db.Model):
    """Paying memberships and their summed amounts at one past moment (a month's start), per
    currency and plan interval, as the membership history says they stood."""

    __tablename__ = "standings"
    __table_args__ = (Index("ix_standings_moment", "moment"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    moment: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    currency: Mapped[str | None] = mapped_column(String(3))
    interval: Mapped[str | None] = mapped_column(String(8))
    members: Mapped[int] = mapped_column()
    amount: Mapped[int] = mapped_column(BigInteger)


class WeekMove(db.Model):
    """Memberships that moved so (new, churned: `kind` names the move) in one past week."""

    __tablename__ = "week_moves"
    __table_args__ = (Index("ix_week_moves_week", "week"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    week: Mapped[date] = mapped_column(Date)  # its Monday
    kind: Mapped[str] = mapped_column(String(160))
    members: Mapped[int] = mapped_column()


class MembershipFact(db.Model):
    """One membership as the figures read it when the worker last looked: its plan, whether it
    paid then (`measures.paying`), when it first started paying and where it came from."""

    __tablename__ = "membership_facts"
    __table_args__ = (Index("ix_membership_facts_status_until", "status", "until"),)

    membership_id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    status: Mapped[str] = mapped_column(String(16))
    currency: Mapped[str | None] = mapped_column(String(3))
    interval: Mapped[str | None] = mapped_column(String(8))
    amount: Mapped[int | None] = mapped_column()
    until: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))  # the period's end
    paying: Mapped[bool] = mapped_column()
    started_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    article_id: Mapped[int | None] = mapped_column()
    prompt_id: Mapped[int | None] = mapped_column()


class MemberSum(db.Model):
    """The memberships that paid when the worker last looked, per currency and plan interval."""

    __tablename__ = "member_sums"

    id: Mapped[int] = mapped_column(primary_key=True)
    currency: Mapped[str | None] = mapped_column(String(3))
    interval: Mapped[str | None] = mapped_column(String(8))
    members: Mapped[int] = mapped_column()
    amount: Mapped[int] = mapped_column(BigInteger)


class StartSum(db.Model):
    """Memberships that ever started paying, per month they first did, article and prompt; and
    how many of them paid when the worker last looked."""

    __tablename__ = "start_sums"

    id: Mapped[int] = mapped_column(primary_key=True)
    month: Mapped[date] = mapped_column(Date)
    article_id: Mapped[int | None] = mapped_column()
    prompt_id: Mapped[int | None] = mapped_column()
    members: Mapped[int] = mapped_column()
    paying: Mapped[int] = mapped_column()


class FigureMark(db.Model):
    """How far a summary has read its rows: the newest id seen, when it last looked, and the
    rule it was computed by (a new rule recomputes it all)."""

    __tablename__ = "figure_marks"

    name: Mapped[str] = mapped_column(String(32), primary_key=True)
    last_id: Mapped[int] = mapped_column(BigInteger, default=0)
    looked_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    rule: Mapped[str] = mapped_column(String(64), default="")
