"""Import a WordPress REST API posts export (`/wp-json/wp/v2/posts`, optionally `?_embed`).

Languages and translations follow Polylang's REST fields (`lang`, `translations: {lang: id}`);
related posts follow Jetpack's `jetpack-related-posts`. The whole file is validated and written in one
transaction: a bad record raises `ImportFailed` naming it, and nothing is written.
"""

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import delete, select

from ..extensions import db
from ..models import Article, ArticleRelated, Section, Tag
from ..pagecache import bump_content_version
from ..utc import aware
from .sanitize import plain_text, sanitize_html


class ImportFailed(ValueError):
    """A file or record that cannot be imported; the message names the record."""


@dataclass
class ImportSummary:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    skipped: list[str] = field(default_factory=list)

    @property
    def total(self) -> int:
        return self.created + self.updated + self.unchanged


@dataclass(frozen=True)
class Term:
    slug: str
    name: str


@dataclass(frozen=True)
class PostRecord:
    """One post, validated and converted to our fields."""

    external_id: str
    lang: str
    slug: str
    story_key: str
    title: str
    standfirst: str
    body: str
    published_at: datetime
    author: str
    hero_url: str | None
    hero_alt: str
    hero_caption: str
    hero_credit: str
    section: Term | None
    tags: tuple[Term, ...]
    related: tuple[str, ...]


def parse_posts(data, languages: Iterable[str], default_lang: str) -> list[PostRecord]:
    """Validate a decoded export; raises ImportFailed naming the first bad record."""
    if not isinstance(data, list):
        raise ImportFailed("The file must hold a JSON array of posts (a /wp/v2/posts response).")
    languages = tuple(languages)
    records, seen = [], set()
    for index, post in enumerate(data, start=1):
        record = _parse_post(index, post, languages, default_lang)
        if (record.lang, record.slug) in seen:
            raise ImportFailed(f"{_name(index, post)}: slug {record.slug!r} appears twice")
        seen.add((record.lang, record.slug))
        records.append(record)
    return records


def import_posts(
    records: list[PostRecord], on_record: Callable[[PostRecord], None] | None = None
) -> ImportSummary:
    """Create or update articles by (language, slug) in one transaction."""
    summary = ImportSummary()
    terms: dict[tuple, Section | Tag] = {}
    try:
        for record in records:
            _upsert(record, summary, terms)
            if on_record:
                on_record(record)
        db.session.commit()
    except Exception:
        db.session.rollback()
        raise
    if summary.created or summary.updated:
        bump_content_version()
    return summary


def _name(index: int, post) -> str:
    if isinstance(post, dict):
        return f"record {index} (id {post.get('id')!r}, slug {post.get('slug')!r})"
    return f"record {index}"


def _rendered(source: dict, key: str, where: str, required: bool = True) -> str:
    value = source.get(key)
    if isinstance(value, dict):
        value = value.get("rendered")
    if value is None and not required:
        return ""
    if not isinstance(value, str) or (required and not value.strip()):
        raise ImportFailed(f"{where}: {key}.rendered is missing or empty")
    return value


def _parse_post(index: int, post, languages: tuple[str, ...], default_lang: str) -> PostRecord:
    where = _name(index, post)
    if not isinstance(post, dict):
        raise ImportFailed(f"{where}: expected an object")
    post_id = post.get("id")
    if not isinstance(post_id, int) or isinstance(post_id, bool):
        raise ImportFailed(f"{where}: id must be an integer")
    slug = post.get("slug")
    if not isinstance(slug, str) or not slug.strip() or len(slug) > 200 or "/" in slug:
        raise ImportFailed(f"{where}: slug is missing or invalid")
    lang = post.get("lang") or default_lang
    if lang not in languages:
        raise ImportFailed(f"{where}: language {lang!r} is not one of {', '.join(languages)}")
    translations = post.get("translations") or {}
    if not isinstance(translations, dict) or not all(
        isinstance(value, int) for value in translations.values()
    ):
        raise ImportFailed(f"{where}: translations must map languages to post ids")
    title = plain_text(_rendered(post, "title", where))
    body = sanitize_html(_rendered(post, "content", where))
    if not body:
        raise ImportFailed(f"{where}: content is empty once sanitized")
    embedded = post.get("_embedded") or {}
    section, tags = _terms(embedded.get("wp:term") or [], where)
    media = (embedded.get("wp:featuredmedia") or [{}])[0] or {}
    related = [
        item.get("id") for item in post.get("jetpack-related-posts") or [] if isinstance(item, dict)
    ]
    return PostRecord(
        external_id=f"wp:{post_id}",
        lang=lang,
        slug=slug.strip(),
        story_key=f"wp:{min([post_id, *translations.values()])}",
        title=title[:500],
        standfirst=_standfirst(plain_text(_rendered(post, "excerpt", where, required=False)), body),
        body=body,
        published_at=_published(post, where),
        author=str(((embedded.get("author") or [{}])[0] or {}).get("name") or "")[:200],
        hero_url=media.get("source_url") or None,
        hero_alt=plain_text(str(media.get("alt_text") or ""))[:500],
        hero_caption=plain_text(_rendered(media, "caption", where, required=False))[:1000],
        hero_credit=str(media.get("media_credit") or "")[:300],
        section=section,
        tags=tags,
        related=tuple(f"wp:{item}" for item in related if isinstance(item, int)),
    )


def _standfirst(excerpt: str, body: str) -> str:
    """The excerpt, unless it is only the opening of the body (WordPress's automatic excerpt)."""
    opening = excerpt.removesuffix("[…]").strip()
    return "" if opening and plain_text(body).startswith(opening) else excerpt


def _published(post: dict, where: str) -> datetime:
    raw = post.get("date_gmt") or post.get("date")
    try:
        value = datetime.fromisoformat(raw)
    except (TypeError, ValueError):
        raise ImportFailed(f"{where}: date_gmt {raw!r} is not an ISO date") from None
    return aware(value)


def _terms(groups, where: str) -> tuple[Term | None, tuple[Term, ...]]:
    section, tags = None, []
    for group in groups:
        for term in group if isinstance(group, list) else []:
            if not isinstance(term, dict) or not term.get("slug") or not term.get("name"):
                raise ImportFailed(f"{where}: a term in _embedded.wp:term lacks slug or name")
            found = Term(slug=str(term["slug"])[:200], name=plain_text(str(term["name"]))[:200])
            if term.get("taxonomy") == "category" and section is None:
                section = found
            elif term.get("taxonomy") == "post_tag":
                tags.append(found)
    return section, tuple(tags)


def _term_row(model, lang: str, term: Term, terms: dict):
    key = (model, lang, term.slug)
    if key not in terms:
        row = db.session.scalar(select(model).where(model.lang == lang, model.slug == term.slug))
        if row is None:
            row = model(lang=lang, slug=term.slug, name=term.name)
            db.session.add(row)
        row.name = term.name
        terms[key] = row
    return terms[key]


def _upsert(record: PostRecord, summary: ImportSummary, terms: dict) -> None:
    section = _term_row(Section, record.lang, record.section, terms) if record.section else None
    tags = [_term_row(Tag, record.lang, term, terms) for term in record.tags]
    values = {
        "slug": record.slug,
        "external_id": record.external_id,
        "story_key": record.story_key,
        "title": record.title,
        "standfirst": record.standfirst,
        "body": record.body,
        "published_at": record.published_at,
        "author": record.author,
        "hero_url": record.hero_url,
        "hero_alt": record.hero_alt,
        "hero_caption": record.hero_caption,
        "hero_credit": record.hero_credit,
    }
    article = db.session.scalar(
        select(Article).where(Article.lang == record.lang, Article.slug == record.slug)
    ) or db.session.scalar(select(Article).where(Article.external_id == record.external_id))
    if article is None:
        article = Article(lang=record.lang, **values)
        db.session.add(article)
        summary.created += 1
    elif _same(article, values, section, tags, record.related):
        summary.unchanged += 1
        return
    else:
        summary.updated += 1
        for name, value in values.items():
            setattr(article, name, value)
    article.section = section
    article.tags = tags
    db.session.flush()
    db.session.execute(delete(ArticleRelated).where(ArticleRelated.article_id == article.id))
    for position, external_id in enumerate(record.related):
        db.session.add(
            ArticleRelated(
                article_id=article.id, position=position, related_external_id=external_id
            )
        )


def _same(article: Article, values: dict, section, tags: list, related: tuple[str, ...]) -> bool:
    current = {name: getattr(article, name) for name in values}
    current["published_at"] = aware(article.published_at)
    return (
        current == values
        and article.section_id == (section.id if section else None)
        and sorted(tag.slug for tag in article.tags) == sorted(tag.slug for tag in tags)
        and _related_of(article) == list(related)
    )


def _related_of(article: Article) -> list[str]:
    return list(
        db.session.scalars(
            select(ArticleRelated.related_external_id)
            .where(ArticleRelated.article_id == article.id)
            .order_by(ArticleRelated.position)
        )
    )
