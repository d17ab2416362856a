"""Reader pages: language choice, articles, listings, RTL, errors and the support prompt."""

import re
from html import unescape
from pathlib import Path

import pytest

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "content"
SLUG = "putin-and-erdogan-meet-in-istanbul-amid-ongoing-battles-in-syrias-idlib"


@pytest.fixture(autouse=True)
def content(sample_content):
    return sample_content


def checked(html, name, value):
    """Whether the radio button `name`=`value` is preselected."""
    for tag in re.findall(r"<input[^>]*>", html):
        if f'name="{name}"' in tag and f'value="{value}"' in tag:
            return " checked" in tag
    return False


def text_of(html):
    return " ".join(unescape(re.sub(r"<[^>]+>", " ", html)).split())


@pytest.mark.parametrize(
    ("headers", "cookie", "expected"),
    [
        ({"Accept-Language": "ar,en;q=0.5"}, None, "/ar/"),
        ({"Accept-Language": "en-GB,en;q=0.9"}, None, "/en/"),
        ({"Accept-Language": "fr"}, None, "/en/"),
        ({"Accept-Language": "en"}, "ar", "/ar/"),
    ],
)
def test_root_redirects_by_saved_choice_then_browser(client, headers, cookie, expected):
    """/ goes to the saved language, else the browser's, else English."""
    if cookie:
        client.set_cookie("lang", cookie)
    response = client.get("/", headers=headers)
    assert response.status_code == 302
    assert response.headers["Location"] == expected


def test_choosing_a_language_saves_it_and_stays_on_site(client):
    """The language link saves the choice and follows only same-site paths."""
    response = client.get("/language/ar?next=/ar/articles/" + SLUG)
    assert response.headers["Location"] == "/ar/articles/" + SLUG
    assert "lang=ar" in response.headers["Set-Cookie"]
    for evil in ("//evil.example", "https://evil.example", "/\\evil.example", "javascript:x"):
        assert client.get("/language/en", query_string={"next": evil}).headers["Location"] == "/en/"


def test_the_sample_article_reads_as_published(client):
    """The outlet's article shows its headline, caption, body, Arabic link and related list."""
    html = client.get(f"/en/articles/{SLUG}").get_data(as_text=True)
    published = (FIXTURES / "enab-baladi-idlib-2020-01-08.txt").read_text()
    lines = [line.strip() for line in published.splitlines() if line.strip()]
    page = text_of(html)
    title, caption = lines[0], lines[1]
    assert title in page
    assert caption in page
    body = lines[3 : lines.index("النسخة العربية من المقال")]
    for paragraph in body:
        assert " ".join(paragraph.split()) in page
    assert 'href="/ar/articles/' + SLUG + '"' in html
    assert "النسخة العربية من المقال" in html
    related = lines[lines.index("Related Articles") + 1 : lines.index("Related Articles") + 5]
    for item in related:
        assert " ".join(item.split(". ", 1)[1].split()) in page
    assert "Propaganda distorts the truth and prolongs the war.." in page
    assert "$1 a month makes a difference.." in page


def test_arabic_pages_are_right_to_left(client):
    """Arabic pages declare lang=ar and dir=rtl; English pages ltr."""
    arabic = client.get(f"/ar/articles/{SLUG}").get_data(as_text=True)
    assert '<html lang="ar" dir="rtl">' in arabic
    assert "Read this article in English" in arabic
    assert "عنب بلدي" in arabic and "كانون الثاني 2020" in arabic
    english = client.get("/en/").get_data(as_text=True)
    assert '<html lang="en" dir="ltr">' in english


def test_css_uses_logical_properties_only():
    """No hard left/right in the stylesheet, so RTL mirrors by itself."""
    css = (Path(__file__).resolve().parents[2] / "app" / "static" / "css" / "site.css").read_text()
    assert not re.search(r"(margin|padding|border)-(left|right)|\b(left|right)\s*:|float:", css)
    assert not re.search(r"text-align:\s*(left|right)", css)


def test_pages_load_nothing_from_other_hosts(client):
    """Scripts, styles, images and fonts all come from our own origin."""
    for url in ("/en/", f"/en/articles/{SLUG}", "/ar/", f"/ar/articles/{SLUG}", "/en/support"):
        html = client.get(url).get_data(as_text=True)
        sources = re.findall(r'(?:src|href)="([^"]+)"', html)
        assert sources
        assert all(not s.startswith(("http:", "https:", "//")) for s in sources), url


def test_home_lists_the_latest_stories_newest_first(client):
    """The home page shows at least ten stories per language, newest first."""
    html = client.get("/ar/").get_data(as_text=True)
    dates = re.findall(r'<time datetime="([^"]+)"', html)
    assert len(dates) >= 10
    assert dates == sorted(dates, reverse=True)


def test_section_and_tag_listings(client):
    """Section and tag pages list their stories; unknown ones are 404."""
    section = client.get("/en/sections/news")
    assert section.status_code == 200
    assert SLUG in section.get_data(as_text=True)
    tag = client.get("/ar/tags/idlib")
    assert tag.status_code == 200 and SLUG in tag.get_data(as_text=True)
    assert client.get("/en/sections/nope").status_code == 404
    assert client.get("/en/tags/nope").status_code == 404


@pytest.mark.parametrize(
    ("url", "lang", "words"),
    [("/en/articles/nope", "en", "Page not found"), ("/ar/nowhere", "ar", "الصفحة غير موجودة")],
)
def test_friendly_404_in_the_readers_language(client, url, lang, words):
    """Missing pages answer 404 with a page in the language of the address."""
    response = client.get(url)
    assert response.status_code == 404
    html = response.get_data(as_text=True)
    assert f'<html lang="{lang}"' in html and words in html


def test_unknown_language_prefix_is_404(client):
    """Only the site's languages exist as prefixes."""
    assert client.get("/fr/").status_code == 404


def test_ad_slots_in_the_body_and_sidebar(client):
    """House ads sit between paragraphs and in the sidebar, server-rendered."""
    html = client.get(f"/en/articles/{SLUG}").get_data(as_text=True)
    assert 'data-ad-slot="in-article"' in html and 'data-ad-slot="sidebar"' in html
    body = html[html.index('class="article__body"') :]
    assert body.index("</p>") < body.index('data-ad-slot="in-article"')


def test_prompt_amounts_lead_to_the_support_page_preselected(client):
    """Each prompt choice links to /<lang>/support with that choice, which shows it selected."""
    html = client.get(f"/en/articles/{SLUG}").get_data(as_text=True)
    links = re.findall(r'href="(/en/support\?[^"]+)"', html)
    assert any("amount=100" in link and "frequency=monthly" in link for link in links)
    assert any("frequency=once" in link for link in links)
    page = client.get("/en/support?frequency=monthly&amount=500").get_data(as_text=True)
    assert checked(page, "amount", "500") and checked(page, "frequency", "monthly")
    assert not checked(page, "amount", "100")
    once = client.get("/ar/support?frequency=once").get_data(as_text=True)
    assert checked(once, "frequency", "once") and 'dir="rtl"' in once


def test_arabic_prompt_in_arabic(client):
    """The prompt speaks the reader's language, amounts formatted by Babel."""
    html = client.get(f"/ar/articles/{SLUG}").get_data(as_text=True)
    assert "البروباغندا تشوّه الحقيقة وتطيل أمد الحرب.." in html
    assert "شهريًا" in html


def test_security_headers(client):
    """Every response carries the CSP and the other protective headers."""
    response = client.get(f"/en/articles/{SLUG}")
    csp = response.headers["Content-Security-Policy"]
    for directive in ("default-src 'self'", "object-src 'none'", "frame-ancestors 'none'"):
        assert directive in csp
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Referrer-Policy"]
    assert "Strict-Transport-Security" not in response.headers
    assert "Content-Security-Policy" in client.get("/en/nope").headers


def test_hsts_in_production(production_env):
    """Production adds HSTS."""
    from app import create_app
    from config import ProductionConfig

    app = create_app(ProductionConfig())
    assert "max-age" in app.test_client().get("/healthz").headers["Strict-Transport-Security"]


def language_link(response) -> str:
    """Where the language link leads (its `next`)."""
    from urllib.parse import parse_qs, urlsplit

    html = response.get_data(as_text=True)
    href = unescape(re.search(r'class="lang-switch"[^>]*href="([^"]+)"', html).group(1))
    return parse_qs(urlsplit(href).query)["next"][0]


@pytest.mark.parametrize(
    ("path", "expected"),
    [
        ("/en/support?amount=500", "/ar/support?amount=500"),
        ("/ar/login", "/en/login"),
        ("/en/register", "/ar/register"),
        ("/en/", "/ar/"),
        ("/ar/login?next=/ar/account", "/en/login?next=/en/account"),
        ("/ar/sign-in/email?next=/ar/account", "/en/sign-in/email?next=/en/account"),
        ("/en/reset-password?next=/en/account&x=1", "/ar/reset-password?next=/ar/account&x=1"),
    ],
)
def test_the_language_link_keeps_the_readers_place(client, path, expected):
    """The same page in the other language, a return address in its query moved there too."""
    assert language_link(client.get(path)) == expected


def return_address(link: str) -> str:
    """The `next` of a page's address."""
    from urllib.parse import parse_qs, urlsplit

    return parse_qs(urlsplit(link).query)["next"][0]


def test_a_return_address_keeps_its_own_query_in_the_other_language(client):
    """`next=/en/support?amount=500` on the register page becomes the Arabic support page's."""
    link = language_link(client.get("/en/register?next=/en/support%3Famount%3D500"))
    assert link.startswith("/ar/register?") and return_address(link) == "/ar/support?amount=500"


@pytest.mark.parametrize(
    "target",
    ["/ar/articles/some-slug", "https://elsewhere.example/ar/account", "//evil/ar/", "/ar/nowhere"],
)
def test_the_language_link_leaves_other_return_addresses_alone(client, target):
    """An article (its slug is one language's), another site or an unknown path stays as it is."""
    from urllib.parse import quote

    link = language_link(client.get(f"/ar/login?next={quote(target, safe='')}"))
    assert link.startswith("/en/login?") and return_address(link) == target


def test_the_language_link_of_a_section_leads_to_its_counterpart(client):
    """Sections and tags are named per language: the link leads to the one holding most of the
    other-language versions of its stories, or to the other language's home without one."""
    from datetime import UTC, datetime

    from app.extensions import db
    from app.models import Article, Section, Tag

    def section(lang, slug):
        term = Section(lang=lang, slug=slug, name=slug)
        db.session.add(term)
        return term

    reports, taqarir, other = (
        section("en", "t-reports"),
        section("ar", "t-taqarir"),
        section("ar", "t-x"),
    )
    tag_en, tag_ar = (
        Tag(lang="en", slug="t-aleppo", name="Aleppo"),
        Tag(lang="ar", slug="t-halab", name="حلب"),
    )
    db.session.add_all([tag_en, tag_ar])
    when = datetime(2026, 1, 1, tzinfo=UTC)
    for n, arabic_section in enumerate([taqarir, taqarir, other]):
        db.session.add_all([
            Article(lang="en", slug=f"story-{n}", story_key=f"k{n}", title="T", body="<p>b</p>",
                    section=reports, tags=[tag_en], published_at=when),
            Article(lang="ar", slug=f"qissa-{n}", story_key=f"k{n}", title="ع", body="<p>ب</p>",
                    section=arabic_section, tags=[tag_ar], published_at=when),
        ])  # fmt: skip
    db.session.add(section("en", "t-lonely"))
    db.session.commit()
    assert language_link(client.get("/en/sections/t-reports")) == "/ar/sections/t-taqarir"
    assert language_link(client.get("/ar/sections/t-taqarir")) == "/en/sections/t-reports"
    assert language_link(client.get("/en/tags/t-aleppo")) == "/ar/tags/t-halab"
    assert language_link(client.get("/en/sections/t-lonely")) == "/ar/"


def test_the_language_link_of_an_account_page_keeps_it(client, make_user, auth):
    make_user()
    auth.login()
    assert language_link(client.get("/en/account")) == "/ar/account"


def test_an_article_describes_itself_for_search_and_sharing(client):
    """The meta description and the Open Graph and Twitter tags carry the title, the summary and
    the picture, every address absolute."""
    html = client.get(f"/en/articles/{SLUG}").get_data(as_text=True)
    description = re.search(r'<meta name="description" content="([^"]*)"', html).group(1)
    assert len(description) > 40
    tags = dict(
        re.findall(r'<meta (?:property|name)="((?:og|twitter):[a-z:_]+)" content="([^"]*)"', html)
    )
    assert tags["og:title"] and tags["og:description"] == description
    assert tags["og:url"].startswith("http") and tags["og:url"].endswith(f"/en/articles/{SLUG}")
    assert tags["og:image"].startswith("http")
    assert tags["twitter:card"] == "summary_large_image"


def test_favicon_is_served(client):
    response = client.get("/favicon.ico")
    assert response.status_code == 200 and response.data[:4] == b"\x00\x00\x01\x00"
