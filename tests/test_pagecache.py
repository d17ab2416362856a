"""The signed-out page cache: no cookies, conditional requests, invalidation on change."""

import pytest

from app.extensions import db
from app.models import Prompt
from tests.conftest import page_text

SLUG = "putin-and-erdogan-meet-in-istanbul-amid-ongoing-battles-in-syrias-idlib"
URL = f"/en/articles/{SLUG}"


@pytest.fixture(autouse=True)
def content(sample_content):
    return sample_content


def test_signed_out_pages_set_no_cookie_and_are_public(client):
    """Reader pages carry no Set-Cookie, a public Cache-Control and an ETag."""
    for url in ("/en/", URL, "/ar/sections/news", "/ar/tags/idlib"):
        response = client.get(url)
        assert response.status_code == 200
        assert "Set-Cookie" not in response.headers, url
        assert response.headers["Cache-Control"].startswith("public, max-age=")
        assert response.headers["ETag"]


def test_etag_answers_304(client):
    """A repeated request with If-None-Match gets 304 and no body."""
    etag = client.get(URL).headers["ETag"]
    again = client.get(URL, headers={"If-None-Match": etag})
    assert again.status_code == 304
    assert again.data == b""


def test_second_request_is_served_without_queries(client, count_queries):
    """Once cached, the article is served without touching the database."""
    client.get(URL)
    with count_queries() as statements:
        response = client.get(URL)
    assert response.status_code == 200
    assert statements == []


def test_a_session_bypasses_the_cache(client):
    """A reader with a session cookie never gets the shared cached page."""
    client.get(URL)
    client.set_cookie("session", "anything")
    response = client.get(URL)
    assert "private" in response.headers["Cache-Control"]
    assert "ETag" not in response.headers, "a page with a session comes from Flask, not the cache"


def test_content_import_invalidates_cached_pages(client, import_posts, make_post):
    """Importing content bumps the version, so pages show the change at once."""
    assert b"Fresh story" not in client.get("/en/").data
    import_posts(
        [make_post(500, title={"rendered": "Fresh story"}, date_gmt="2030-01-01T00:00:00")]
    )
    assert b"Fresh story" in client.get("/en/").data


def test_prompt_change_invalidates_cached_pages(client):
    """Activating a new prompt shows on the next request."""
    from app.services.prompts import activate_prompt

    assert b"Independent journalism needs you" not in client.get(URL).data
    prompt = Prompt(
        lang="en",
        name="test",
        lines="Independent journalism needs you..",
        cta="Give now",
        monthly_amounts=[300],
        currency="usd",
    )
    db.session.add(prompt)
    db.session.flush()
    activate_prompt(prompt)
    html = client.get(URL).get_data(as_text=True)
    assert "Independent journalism needs you.." in html
    assert "$3 a month" in page_text(html)


def test_404_is_not_cached_publicly(client):
    """Error pages are not marked public."""
    response = client.get("/en/articles/missing")
    assert response.status_code == 404
    assert "public" not in response.headers.get("Cache-Control", "")


def test_article_page_query_budget(client, count_queries, import_posts, make_post):
    """An article page makes at most 4 queries, however many related stories or tags it has."""
    tags = [
        {"id": n, "taxonomy": "post_tag", "name": f"Tag {n}", "slug": f"tag-{n}"} for n in range(30)
    ]
    related = [{"id": n} for n in range(1001, 1021)]
    posts = [make_post(n) for n in range(1001, 1021)]
    big = make_post(1000, slug="big", **{"jetpack-related-posts": related})
    big["_embedded"]["wp:term"] = [
        [{"id": 3, "taxonomy": "category", "name": "News", "slug": "news"}],
        tags,
    ]
    import_posts([*posts, big])
    with count_queries() as statements:
        html = client.get("/en/articles/big").get_data(as_text=True)
    assert html.count('href="/en/tags/tag-') == 30
    assert html.count('href="/en/articles/story-10') >= 20
    assert len(statements) <= 4, statements


def test_head_and_conditional_requests_are_answered_from_the_cache(client):
    """Cached pages answer HEAD without a body and 304 to a matching If-None-Match."""
    first = client.get(URL)
    head = client.head(URL)
    assert head.status_code == 200 and head.data == b""
    assert head.headers["ETag"] == first.headers["ETag"]
    weak = client.get(URL, headers={"If-None-Match": f'"nope", {first.headers["ETag"]}'})
    assert weak.status_code == 304
    assert "Content-Security-Policy" in weak.headers


def test_cached_pages_keep_the_security_headers(client):
    """A page served from the cache carries the same headers as when rendered."""
    first = client.get(URL)
    second = client.get(URL)
    for name in ("Content-Security-Policy", "X-Content-Type-Options", "Cache-Control", "ETag"):
        assert second.headers[name] == first.headers[name]
