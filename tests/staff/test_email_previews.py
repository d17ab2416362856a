"""Staff preview every supporter email in both languages, rendered from sample data."""

import re
from pathlib import Path

import pytest
from jinja2 import StrictUndefined
from sqlalchemy import func, select

from app.extensions import db
from app.models import AccountEmail, Membership, NoticeKind, OutboxMessage, Payment, Role, User
from app.services import email_previews
from app.staff.emails import EMAIL_POLICY
from tests.conftest import page_text

EMAILS = Path(__file__).resolve().parents[2] / "templates" / "emails"
LANGS = ("en", "ar")
EVERY_KIND = [*NoticeKind, *AccountEmail]
EVERY_PREVIEW = [(kind.value, lang) for kind in EVERY_KIND for lang in LANGS]


@pytest.fixture
def staff_client(client, make_user, auth):
    make_user("staff@example.org", role=Role.STAFF)
    auth.login(email="staff@example.org")
    return client


def test_every_kind_has_a_template_pair_and_a_preview():
    """A new NoticeKind or AccountEmail needs its .txt, its .html and a sample context."""
    for kind in EVERY_KIND:
        assert (EMAILS / f"{kind.value}.txt").is_file(), kind
        assert (EMAILS / f"{kind.value}.html").is_file(), kind
        notice = isinstance(kind, NoticeKind)
        contexts = email_previews.SAMPLE_CONTEXTS if notice else email_previews.ACCOUNT_CONTEXTS
        assert kind in contexts, f"{kind} has no preview"
    assert email_previews.kinds() == EVERY_KIND


@pytest.mark.parametrize("lang", LANGS)
def test_each_sample_context_is_complete(app, monkeypatch, lang):
    """Every kind renders with strict undefined variables: its sample gives all the template reads."""
    monkeypatch.setattr(app.jinja_env, "undefined", StrictUndefined)
    monkeypatch.setattr(app.jinja_env, "cache", {})
    for kind in EVERY_KIND:
        preview = email_previews.render_preview(kind, lang)
        assert preview.subject and preview.text and preview.html, kind


def test_the_list_names_every_kind_with_its_links(staff_client):
    """The list shows each kind's translated label and links to both languages' previews."""
    english = staff_client.get("/en/staff/emails")
    assert english.status_code == 200
    html = english.get_data(as_text=True)
    assert "Receipt for a donation" in page_text(html)
    for kind in EVERY_KIND:
        for lang in LANGS:
            assert f'href="/en/staff/emails/{kind.value}/{lang}"' in html
    arabic = page_text(staff_client.get("/ar/staff/emails"))
    assert "إيصال" in arabic
    assert "ترحيب وشكر، الإنجليزية" in arabic and "ترحيب وشكر، العربية" in arabic
    assert ", English" not in arabic
    assert "Welcome and thanks, Arabic" in page_text(html)
    assert 'href="/en/staff/emails"' in staff_client.get("/en/staff/").get_data(as_text=True)


@pytest.mark.parametrize(("kind", "lang"), EVERY_PREVIEW)
def test_staff_preview_every_kind_in_both_languages(staff_client, app, kind, lang):
    """The preview page (subject, text in its language's direction, framed HTML) and the HTML
    itself under its strict policy: right to left in Arabic, nothing remote, links on SITE_URL."""
    page = staff_client.get(f"/en/staff/emails/{kind}/{lang}")
    assert page.status_code == 200
    body = page.get_data(as_text=True)
    direction = "rtl" if lang == "ar" else "ltr"
    assert f'<pre lang="{lang}" dir="{direction}">' in body
    frame = re.search(r"<iframe[^>]*>", body).group(0)
    assert " sandbox " in frame and f'src="/en/staff/emails/{kind}/{lang}.html"' in frame
    assert "frame-src 'self'" in page.headers["Content-Security-Policy"]

    email = staff_client.get(f"/en/staff/emails/{kind}/{lang}.html")
    assert email.status_code == 200 and email.mimetype == "text/html"
    assert email.headers["Content-Security-Policy"] == EMAIL_POLICY
    assert email.headers["X-Frame-Options"] == "SAMEORIGIN"
    html = email.get_data(as_text=True)
    assert f'<html lang="{lang}" dir="{direction}"' in html
    for remote in ('src="http', "url(", "@import"):
        assert remote not in html, f"{kind}/{lang}: {remote}"
    hrefs = re.findall(r'href="([^"]*)"', html)
    assert hrefs, kind
    for href in hrefs:
        assert href.startswith(app.config["SITE_URL"] + "/"), f"{kind}/{lang}: {href}"


def test_the_policy_allows_only_inline_styles_and_our_frames():
    """The email's policy: nothing fetched or run but its inline styles, framed by us alone."""
    directives = dict(part.strip().split(" ", 1) for part in EMAIL_POLICY.split(";"))
    assert directives == {
        "default-src": "'none'",
        "style-src": "'unsafe-inline'",
        "img-src": "data:",
        "frame-ancestors": "'self'",
    }


def test_the_receipt_preview_carries_the_sample_facts(staff_client):
    """The Arabic receipt: written to the sample reader, 5 US dollars, payment 1's number."""
    text = page_text(staff_client.get("/en/staff/emails/receipt/ar"))
    assert "reader@example.org" in text
    assert re.search(r"EB-\d{4}-000001", text)
    assert "US$" in text


def test_previews_write_nothing(staff_client):
    """Rendering every preview adds no account, membership, payment or message."""

    def counts():
        return [db.session.scalar(select(func.count()).select_from(model))
                for model in (User, Membership, Payment, OutboxMessage)]  # fmt: skip

    before = counts()
    for kind, lang in EVERY_PREVIEW:
        assert staff_client.get(f"/en/staff/emails/{kind}/{lang}.html").status_code == 200
    assert counts() == before


@pytest.mark.parametrize(
    "url",
    ["/en/staff/emails/nothing/en", "/en/staff/emails/receipt/fr", "/en/staff/emails/x/en.html"],
)
def test_unknown_kinds_and_languages_are_not_found(staff_client, url):
    assert staff_client.get(url).status_code == 404


@pytest.mark.parametrize(
    "url", ["/en/staff/emails", "/ar/staff/emails/receipt/ar", "/en/staff/emails/welcome/en.html"]
)
def test_readers_get_not_found(client, make_user, auth, url):
    """Readers get 404; signed-out visitors are sent to sign in."""
    assert client.get(url).status_code == 302
    make_user()
    auth.login()
    assert client.get(url).status_code == 404


def test_the_sign_in_code_preview_shows_a_code_and_its_link(staff_client):
    """The Arabic sign-in email: the sample code, and the link to the Arabic one-button page."""
    text = page_text(staff_client.get("/en/staff/emails/sign_in_code/ar"))
    assert email_previews.SAMPLE_CODE in text and "رمز الدخول" in text
    html = staff_client.get("/en/staff/emails/sign_in_code/ar.html").get_data(as_text=True)
    assert "/ar/sign-in/email/link/" in html
