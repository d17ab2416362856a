"""Tests of a prompt's variants: the variants' copy and traffic shares, and their daily counts."""

from __future__ import annotations

import enum
from datetime import date, datetime

from sqlalchemy import (
    JSON,
    Date,
    DateTime,
    Enum,
    ForeignKey,
    Index,
    String,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from .content import utcnow
from .prompts import Prompt, PromptCopy


class PromptTestStatus(enum.StrEnum):
    DRAFT = "draft"  # variants being written; nothing shown
    RUNNING = "running"  # readers are split between the variants
    ENDED = "ended"  # a winner was chosen; the figures are archived on the test


class PromptTest(db.Model):
    """A test of a prompt's variants against its control; at most one running per prompt.

    `minimum_impressions` is the staff's floor for a clear answer (per variant); `adaptive` lets
    the split follow the results (Thompson sampling) while the test runs."""

    __tablename__ = "prompt_tests"
    __table_args__ = (
        Index(
            "uq_prompt_tests_running_prompt",
            "prompt_id",
            unique=True,
            sqlite_where=text("status = 'running'"),
            postgresql_where=text("status = 'running'"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    prompt_id: Mapped[int] = mapped_column(ForeignKey("prompts.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(200))
    status: Mapped[PromptTestStatus] = mapped_column(
        Enum(PromptTestStatus, native_enum=False, length=16,
             values_callable=lambda members: [member.value for member in members]),
        default=PromptTestStatus.DRAFT,
    )  # fmt: skip
    minimum_impressions: Mapped[int] = mapped_column(default=1000)
    adaptive: Mapped[bool] = mapped_column(default=False)
    # The readout as it stood when the test ended (see services/prompt_tests.end_test).
    figures: Mapped[dict | None] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    started_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    ended_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

    prompt: Mapped[Prompt] = relationship()
    variants: Mapped[list[PromptVariant]] = relationship(
        back_populates="test", order_by="PromptVariant.id", cascade="all, delete-orphan"
    )

    @property
    def control(self) -> PromptVariant:
        return next(variant for variant in self.variants if variant.is_control)

    @property
    def winner(self) -> PromptVariant | None:
        return next((variant for variant in self.variants if variant.won), None)


class PromptVariant(PromptCopy, db.Model):
    """One arm of a test: its copy, and its share of the readers (the split, in whole parts).
    The control's copy is the prompt's own, taken when the test starts."""

    __tablename__ = "prompt_variants"

    id: Mapped[int] = mapped_column(primary_key=True)
    test_id: Mapped[int] = mapped_column(
        ForeignKey("prompt_tests.id", ondelete="CASCADE"), index=True
    )
    name: Mapped[str] = mapped_column(String(200))
    is_control: Mapped[bool] = mapped_column(default=False)
    share: Mapped[int] = mapped_column(default=1)
    won: Mapped[bool] = mapped_column(default=False)

    test: Mapped[PromptTest] = relationship(back_populates="variants")


class PromptVariantStat(db.Model):
    """Impressions and clicks of one variant on one day (counted once per page view)."""

    __tablename__ = "prompt_variant_stats"
    __table_args__ = (UniqueConstraint("variant_id", "day"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    variant_id: Mapped[int] = mapped_column(ForeignKey("prompt_variants.id", ondelete="CASCADE"))
    day: Mapped[date] = mapped_column(Date)
    impressions: Mapped[int] = mapped_column(default=0)
    clicks: Mapped[int] = mapped_column(default=0)
