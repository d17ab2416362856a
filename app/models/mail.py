"""The outbox: every message we send, with its delivery state, and the scheduled jobs' runs."""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import JSON, DateTime, Enum, Index, String, Text, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column

from ..extensions import db
from .content import utcnow


class MailState(enum.StrEnum):
    """Where a message is (`services.mail.deliver` moves it): waiting for the worker, handed to
    the mail server, given up on after its retries, or kept here only (no mail server configured,
    as in development)."""

    QUEUED = "queued"
    SENT = "sent"
    FAILED = "failed"
    KEPT = "kept"


class OutboxMessage(db.Model):
    __tablename__ = "outbox"
    __table_args__ = (Index("ix_outbox_created", text("created_at DESC"), text("id DESC")),)

    id: Mapped[int] = mapped_column(primary_key=True)
    to: Mapped[str] = mapped_column(String(254), index=True)
    subject: Mapped[str] = mapped_column(String(300))
    body: Mapped[str] = mapped_column(Text)
    html: Mapped[str | None] = mapped_column(Text)
    # Extra headers the message is sent with (List-Unsubscribe on optional messages).
    headers: Mapped[dict | None] = mapped_column(JSON)
    lang: Mapped[str] = mapped_column(String(8))
    state: Mapped[MailState] = mapped_column(
        Enum(
            MailState, native_enum=False, length=16, values_callable=lambda e: [m.value for m in e]
        ),
        default=MailState.QUEUED,
        index=True,
    )
    attempts: Mapped[int] = mapped_column(default=0)
    last_error: Mapped[str | None] = mapped_column(Text)
    sent_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class JobRun(db.Model):
    """One run of a scheduled job for one period: the unique pair is the claim that makes a job run
    once per period however many schedulers enqueue it."""

    __tablename__ = "job_runs"
    __table_args__ = (UniqueConstraint("job", "period"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    job: Mapped[str] = mapped_column(String(64))
    period: Mapped[str] = mapped_column(String(32))
    claimed_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    finished_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    result: Mapped[str | None] = mapped_column(Text)
