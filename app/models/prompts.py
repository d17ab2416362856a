"""The support prompt's words and amounts per language, and its daily impression/click counts."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import JSON, Date, DateTime, ForeignKey, Index, String, Text, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column

from ..extensions import db
from .content import utcnow


class Prompt(db.Model):
    """Copy and amounts of a support prompt; at most one active prompt per language."""

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
    lines: Mapped[str] = mapped_column(Text)
    cta: Mapped[str] = mapped_column(String(200))
    monthly_amounts: Mapped[list[int]] = mapped_column(JSON)
    # No default: whoever creates a prompt names its currency (SUPPORT_CURRENCY, see save_prompt).
    currency: Mapped[str] = mapped_column(String(3))
    active: Mapped[bool] = mapped_column(default=False)
    updated_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), default=utcnow, onupdate=utcnow
    )

    @property
    def line_list(self) -> list[str]:
        return [line.strip() for line in self.lines.splitlines() if line.strip()]


class PromptStat(db.Model):
    """Impressions and clicks of one prompt on one day."""

    __tablename__ = "prompt_stats"
    __table_args__ = (UniqueConstraint("prompt_id", "day"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    prompt_id: Mapped[int] = mapped_column(ForeignKey("prompts.id", ondelete="CASCADE"))
    day: Mapped[date] = mapped_column(Date)
    impressions: Mapped[int] = mapped_column(default=0)
    clicks: Mapped[int] = mapped_column(default=0)
