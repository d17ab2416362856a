"""Importing a WordPress REST API posts export."""

import pytest
from sqlalchemy import func, select

from app.extensions import db
from app.models import Article, Section, Tag
from app.services import content
from app.services.importer import ImportFailed


def count_articles():
    return db.session.scalar(select(func.count(Article.id)))


def test_wordpress_own_fixture_imports_as_it_is(import_posts, wordpress_posts):
    """WordPress's real /wp/v2/posts response imports unchanged (no embeds, no language field)."""
    summary = import_posts(wordpress_posts)
    assert (summary.created, summary.updated) == (1, 0)
    article = db.session.scalar(select(Article))
    assert article.slug == "restapi-client-fixture-post"
    assert article.lang == "en"
    assert article.title == "REST API Client Fixture: Post"
    assert article.body == "<p>Updated post content.</p>"
    assert article.standfirst == "REST API Client Fixture: Post"
    assert article.published_at.replace(tzinfo=None).isoformat() == "2017-02-14T00:00:00"
    assert article.external_id == "wp:4"


def test_reimport_is_idempotent(import_posts, make_post):
    """Importing the same file twice changes nothing the second time."""
    posts = [make_post(1), make_post(2)]
    import_posts(posts)
    summary = import_posts(posts)
    assert (summary.created, summary.updated, summary.unchanged) == (0, 0, 2)
    assert count_articles() == 2


def test_changed_posts_are_updated_in_place(import_posts, make_post):
    """A post whose text changed is updated, keyed by language and slug."""
    import_posts([make_post(1)])
    summary = import_posts([make_post(1, title={"rendered": "New title"})])
    assert (summary.created, summary.updated) == (0, 1)
    assert db.session.scalar(select(Article.title)) == "New title"


def test_a_renamed_slug_updates_the_same_article(import_posts, make_post):
    """A post re-slugged in WordPress (same id) moves its article rather than duplicating it."""
    import_posts([make_post(1, slug="old")])
    import_posts([make_post(1, slug="new")])
    assert db.session.scalars(select(Article.slug)).all() == ["new"]


def test_arabic_posts_and_translations_are_linked(import_posts, make_post):
    """Polylang's lang and translations fields link the two versions of one story."""
    import_posts(
        [
            make_post(10, slug="story", lang="en", translations={"en": 10, "ar": 20}),
            make_post(20, slug="story", lang="ar", translations={"en": 10, "ar": 20},
                      title={"rendered": "قصة"}),
        ]
    )  # fmt: skip
    view = content.get_article("ar", "story")
    assert view.article.title == "قصة"
    assert view.translation.lang == "en"
    assert view.translation.slug == "story"


def test_translations_arriving_in_separate_batches_link_up(import_posts, make_post):
    """Pagination-sized batches: a translation imported later still finds its other version."""
    import_posts([make_post(10, slug="story", translations={"en": 10, "ar": 20})])
    import_posts([make_post(20, slug="story", lang="ar", translations={"en": 10, "ar": 20})])
    assert content.get_article("en", "story").translation.lang == "ar"


def test_related_posts_resolve_across_batches(import_posts, make_post):
    """Related posts named before they are imported appear once they arrive, in order."""
    rel = [{"id": 3}, {"id": 2}]
    import_posts([make_post(1, **{"jetpack-related-posts": rel})])
    assert content.get_article("en", "story-1").related == []
    import_posts([make_post(2), make_post(3)])
    assert [a.slug for a in content.get_article("en", "story-1").related] == ["story-3", "story-2"]


def test_many_posts_sections_and_tags(import_posts, make_post):
    """A large export creates each section and tag once per language."""
    import_posts([make_post(n) for n in range(1, 201)])
    assert count_articles() == 200
    assert db.session.scalar(select(func.count(Section.id))) == 1
    assert db.session.scalar(select(func.count(Tag.id))) == 1
    assert len(content.list_latest("en").items) == content.PER_PAGE


def test_bodies_are_sanitized_on_import(import_posts, make_post):
    """Script, handlers and javascript: URLs never reach the stored body."""
    body = '<p onclick="x()">Hi<script>alert(1)</script><a href="javascript:alert(1)">a</a></p>'
    import_posts([make_post(1, content={"rendered": body})])
    stored = db.session.scalar(select(Article.body))
    assert "script" not in stored and "onclick" not in stored and "javascript" not in stored


@pytest.mark.parametrize(
    ("broken", "message"),
    [
        ({"title": {"rendered": ""}}, "title.rendered"),
        ({"content": None}, "content.rendered"),
        ({"slug": ""}, "slug"),
        ({"id": "seven"}, "id must be an integer"),
        ({"lang": "fr"}, "language 'fr'"),
        ({"date_gmt": "yesterday"}, "date_gmt"),
        ({"translations": {"ar": "x"}}, "translations"),
        ({"content": {"rendered": "<script>only()</script>"}}, "empty once sanitized"),
    ],
)
def test_a_bad_record_is_named_and_nothing_is_written(import_posts, make_post, broken, message):
    """One bad record stops the import with its position and id, and writes nothing at all."""
    posts = [make_post(1), make_post(2), make_post(3, **broken)]
    with pytest.raises(ImportFailed) as error:
        import_posts(posts)
    assert "record 3" in str(error.value)
    assert message in str(error.value)
    assert count_articles() == 0


def test_a_file_that_is_not_a_list_is_refused(import_posts):
    """The export must be the posts array WordPress returns."""
    with pytest.raises(ImportFailed, match="JSON array"):
        import_posts({"posts": []})


def test_a_duplicate_slug_in_one_file_is_refused(import_posts, make_post):
    """Two records with one language and slug are an error, not a silent overwrite."""
    with pytest.raises(ImportFailed, match="appears twice"):
        import_posts([make_post(1, slug="same"), make_post(2, slug="same")])
    assert count_articles() == 0


def test_a_database_failure_mid_import_leaves_nothing(import_posts, make_post, monkeypatch):
    """A failure while writing rolls the whole import back."""
    from app.services import importer

    real = importer._upsert
    calls = []

    def failing(record, summary, terms):
        calls.append(record)
        if len(calls) == 3:
            raise RuntimeError("database went away")
        real(record, summary, terms)

    monkeypatch.setattr(importer, "_upsert", failing)
    with pytest.raises(RuntimeError):
        import_posts([make_post(n) for n in range(1, 6)])
    assert count_articles() == 0


def test_an_automatic_excerpt_is_not_shown_twice(import_posts, make_post):
    """An excerpt that only repeats the body's opening (WordPress's default) is not a standfirst."""
    body = "<p>First words of the story, and more.</p><p>Second.</p>"
    import_posts([
        make_post(1, content={"rendered": body}, excerpt={"rendered": "<p>First words of the story, and more.</p>"}),
        make_post(2, content={"rendered": body}, excerpt={"rendered": "<p>First words [&hellip;]</p>"}),
        make_post(3, content={"rendered": body}, excerpt={"rendered": "<p>A summary of its own.</p>"}),
    ])  # fmt: skip
    standfirsts = db.session.scalars(select(Article.standfirst).order_by(Article.external_id)).all()
    assert standfirsts == ["", "", "A summary of its own."]
