"""Reading queries: latest stories, one article with its translation and related stories, listings."""

from dataclasses import dataclass

from sqlalchemy import and_, func, select
from sqlalchemy.orm import aliased, joinedload

from ..extensions import cache, db
from ..models import Article, ArticleRelated, Section, Tag, article_tags
from ..pagecache import content_version

PER_PAGE = 12


@dataclass(frozen=True)
class Page:
    items: list[Article]
    number: int
    has_next: bool

    @property
    def has_previous(self) -> bool:
        return self.number > 1


@dataclass(frozen=True)
class ArticleView:
    article: Article
    translation: Article | None
    related: list[Article]


def _paginate(statement, number: int) -> Page:
    number = max(number, 1)
    rows = db.session.scalars(
        statement.order_by(Article.published_at.desc(), Article.id.desc())
        .limit(PER_PAGE + 1)
        .offset((number - 1) * PER_PAGE)
    ).all()
    return Page(items=list(rows[:PER_PAGE]), number=number, has_next=len(rows) > PER_PAGE)


def list_latest(lang: str, number: int = 1) -> Page:
    """The newest stories in a language, a page at a time."""
    return _paginate(select(Article).where(Article.lang == lang), number)


def get_article(lang: str, slug: str) -> ArticleView | None:
    """An article with its tags, other-language version and related stories, in two queries."""
    other = aliased(Article)
    row = (
        db.session.execute(
            select(Article, other)
            .outerjoin(
                other, and_(other.story_key == Article.story_key, other.lang != Article.lang)
            )
            .options(joinedload(Article.tags))
            .where(Article.lang == lang, Article.slug == slug)
        )
        .unique()
        .first()
    )
    if row is None:
        return None
    article, translation = row
    related = db.session.scalars(
        select(Article)
        .join(ArticleRelated, ArticleRelated.related_external_id == Article.external_id)
        .where(ArticleRelated.article_id == article.id, Article.lang == lang)
        .order_by(ArticleRelated.position)
    ).all()
    return ArticleView(article=article, translation=translation, related=list(related))


def find_section(lang: str, slug: str) -> Section | None:
    return db.session.scalar(select(Section).where(Section.lang == lang, Section.slug == slug))


def find_tag(lang: str, slug: str) -> Tag | None:
    return db.session.scalar(select(Tag).where(Tag.lang == lang, Tag.slug == slug))


def list_section_articles(section: Section, number: int = 1) -> Page:
    return _paginate(select(Article).where(Article.section_id == section.id), number)


def list_tag_articles(tag: Tag, number: int = 1) -> Page:
    statement = select(Article).join(article_tags).where(article_tags.c.tag_id == tag.id)
    return _paginate(statement, number)


def counterpart_section(section: Section, lang: str) -> Section | None:
    """The section in `lang` that holds most of the other-language versions of `section`'s stories
    (sections are named per language and carry no link between languages)."""
    return _counterpart(Section, Article.section_id == section.id, Article.section_id, lang)


def counterpart_tag(tag: Tag, lang: str) -> Tag | None:
    """As `counterpart_section`, for a tag."""
    tagged = select(article_tags.c.article_id).where(article_tags.c.tag_id == tag.id)
    return _counterpart(Tag, Article.id.in_(tagged), article_tags.c.tag_id, lang, join_tags=True)


def _counterpart(model, belongs, term_column, lang: str, join_tags: bool = False):
    stories = select(Article.story_key).where(belongs)
    versions = select(term_column, func.count().label("n")).select_from(Article)
    if join_tags:
        versions = versions.join(article_tags, article_tags.c.article_id == Article.id)
    versions = (
        versions.where(Article.lang == lang, Article.story_key.in_(stories))
        .group_by(term_column)
        .order_by(func.count().desc(), term_column)
        .limit(1)
    )
    row = db.session.execute(versions).first()
    return db.session.get(model, row[0]) if row and row[0] is not None else None


def list_nav_sections(lang: str) -> list[dict]:
    """Sections with stories, busiest first, as plain data cached per content version."""
    key = f"nav:{content_version()}:{lang}"
    sections = cache.get(key)
    if sections is None:
        rows = db.session.execute(
            select(Section.slug, Section.name, func.count(Article.id).label("stories"))
            .join(Article, Article.section_id == Section.id)
            .where(Section.lang == lang)
            .group_by(Section.id, Section.slug, Section.name)
            .order_by(func.count(Article.id).desc(), Section.name)
        ).all()
        sections = [{"slug": slug, "name": name} for slug, name, _ in rows]
        cache.set(key, sections)
    return sections
