"""Articles (one row per language version), sections, tags and related-article links."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import Column, DateTime, ForeignKey, Index, String, Table, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, declared_attr, mapped_column, relationship

from ..extensions import db


def utcnow() -> datetime:
    return datetime.now(UTC)


article_tags = Table(
    "article_tags",
    db.metadata,
    Column("article_id", ForeignKey("articles.id", ondelete="CASCADE"), primary_key=True),
    Column("tag_id", ForeignKey("tags.id", ondelete="CASCADE"), primary_key=True),
    Index("ix_article_tags_tag_id", "tag_id"),
)


class Term:
    """A section or tag: a name and slug in one language (each language has its own terms)."""

    id: Mapped[int] = mapped_column(primary_key=True)
    lang: Mapped[str] = mapped_column(String(8))
    slug: Mapped[str] = mapped_column(String(200))
    name: Mapped[str] = mapped_column(String(200))

    @declared_attr.directive
    def __table_args__(cls):
        return (UniqueConstraint("lang", "slug"),)


class Section(Term, db.Model):
    __tablename__ = "sections"


class Tag(Term, db.Model):
    __tablename__ = "tags"


class Article(db.Model):
    """One language version of a story; versions of one story share `story_key`."""

    __tablename__ = "articles"
    __table_args__ = (
        UniqueConstraint("lang", "slug"),
        UniqueConstraint("story_key", "lang"),
        Index("ix_articles_lang_published", "lang", "published_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    lang: Mapped[str] = mapped_column(String(8))
    slug: Mapped[str] = mapped_column(String(200))
    story_key: Mapped[str] = mapped_column(String(64))
    external_id: Mapped[str | None] = mapped_column(String(64), unique=True)
    title: Mapped[str] = mapped_column(String(500))
    standfirst: Mapped[str] = mapped_column(Text, default="")
    body: Mapped[str] = mapped_column(Text)
    hero_url: Mapped[str | None] = mapped_column(String(1000))
    hero_alt: Mapped[str] = mapped_column(String(500), default="")
    hero_caption: Mapped[str] = mapped_column(String(1000), default="")
    hero_credit: Mapped[str] = mapped_column(String(300), default="")
    author: Mapped[str] = mapped_column(String(200), default="")
    section_id: Mapped[int | None] = mapped_column(ForeignKey("sections.id"), index=True)
    published_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    updated_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), default=utcnow, onupdate=utcnow
    )

    section: Mapped[Section | None] = relationship(lazy="joined", innerjoin=False)
    tags: Mapped[list[Tag]] = relationship(secondary=article_tags, order_by=Tag.name)


class ArticleRelated(db.Model):
    """A related-article link by the target's external id, so targets may arrive in a later import."""

    __tablename__ = "article_related"

    article_id: Mapped[int] = mapped_column(
        ForeignKey("articles.id", ondelete="CASCADE"), primary_key=True
    )
    position: Mapped[int] = mapped_column(primary_key=True)
    related_external_id: Mapped[str] = mapped_column(String(64), index=True)
