"""The support prompt's words and amounts per language, its targeting rules, and its daily counts."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import JSON, Date, DateTime, ForeignKey, Index, String, Text, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column

from ..extensions import db
from .content import utcnow

FREQUENCIES = ("monthly", "annual", "once")


class PromptCopy:
    """What a reader reads and can press: shared by a prompt and each variant of its tests."""

    lines: Mapped[str] = mapped_column(Text)
    cta: Mapped[str] = mapped_column(String(200))
    monthly_amounts: Mapped[list[int]] = mapped_column(JSON)
    # The frequency the amounts are offered at ("monthly", "annual" or "once").
    frequency: Mapped[str] = mapped_column(String(8), default="monthly", server_default="monthly")
    # The amount drawn as the main button; None: the first.
    highlighted_amount: Mapped[int | None] = mapped_column()
    # A line "You have read 7 articles this month", counted in the reader's browser.
    article_count: Mapped[bool] = mapped_column(default=False, server_default=text("false"))

    @property
    def line_list(self) -> list[str]:
        return [line.strip() for line in self.lines.splitlines() if line.strip()]

    def copy_fields(self) -> dict:
        return {name: getattr(self, name) for name in COPY_FIELDS}


COPY_FIELDS = (
    "lines", "cta", "monthly_amounts", "frequency", "highlighted_amount", "article_count",
)  # fmt: skip


class Prompt(PromptCopy, db.Model):
    """Copy, amounts and targeting rules of a support prompt; at most one active prompt per language.

    The rules are applied in the reader's browser from its own storage (app/static/js/prompt.js):
    at most `max_shows` impressions in `show_days` days (0: no cap), none for `dismiss_days` days
    after the reader dismissed it (0: no dismiss button). `section_ids` limits it to articles and
    listings of those sections (empty: everywhere), decided when the page is rendered."""

    __tablename__ = "prompts"
    __table_args__ = (
        Index(
            "uq_prompts_active_lang",
            "lang",
            unique=True,
            sqlite_where=text("active"),
            postgresql_where=text("active"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    lang: Mapped[str] = mapped_column(String(8))
    name: Mapped[str] = mapped_column(String(200))
    # No default: whoever creates a prompt names its currency (SUPPORT_CURRENCY, see save_prompt).
    currency: Mapped[str] = mapped_column(String(3))
    active: Mapped[bool] = mapped_column(default=False)
    max_shows: Mapped[int] = mapped_column(default=0, server_default="0")
    show_days: Mapped[int] = mapped_column(default=0, server_default="0")
    dismiss_days: Mapped[int] = mapped_column(default=0, server_default="0")
    section_ids: Mapped[list[int]] = mapped_column(JSON, default=list, server_default="[]")
    updated_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), default=utcnow, onupdate=utcnow
    )


class PromptStat(db.Model):
    """Impressions and clicks of one prompt on one day."""

    __tablename__ = "prompt_stats"
    __table_args__ = (UniqueConstraint("prompt_id", "day"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    prompt_id: Mapped[int] = mapped_column(ForeignKey("prompts.id", ondelete="CASCADE"))
    day: Mapped[date] = mapped_column(Date)
    impressions: Mapped[int] = mapped_column(default=0)
    clicks: Mapped[int] = mapped_column(default=0)
