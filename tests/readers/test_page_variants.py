"""Signed-in readers' pages: a cached variant per perks, each reader's own parts filled in."""

import itertools
import re

import pytest
from itsdangerous import TimestampSigner

from app.extensions import db
from app.models import Article, ReadingMode, Role
from app.pagecache import bump_content_version
from app.pagevariants import PersonalData, VariantReader
from app.services import membership
from tests.conftest import Auth

SLUG = "putin-and-erdogan-meet-in-istanbul-amid-ongoing-battles-in-syrias-idlib"
URL = f"/en/articles/{SLUG}"
TOKEN = re.compile(r'name="csrf_token" value="([^"]+)"')


@pytest.fixture(autouse=True)
def content(sample_content):
    return sample_content


@pytest.fixture
def signed_in(app, stripe_emulator, make_user):
    """Factory: a client signed in as a new account with `email` (a member unless told not)."""

    def sign_in(email, member=True, role=Role.READER):
        user = make_user(email, role=role)
        if member:
            membership.grant_comp(user, None, "test")
            db.session.commit()
        client = app.test_client()
        client.emulator = stripe_emulator
        Auth(client).login(email)
        return user, client

    return sign_in


def tokens(html: str) -> set[str]:
    return set(TOKEN.findall(html))


def test_readers_never_see_each_others_page(signed_in):
    """Two members with the same variant, and a reader with another, each get their own CSRF
    token and variant, and nobody's email, however the cached variants are shared."""
    one, one_client = signed_in("one@example.org")
    two, two_client = signed_in("two@example.org")
    staff, staff_client = signed_in("three@example.org", member=False, role=Role.STAFF)
    pages = {}
    for _ in range(2):  # the second round is served from the cached variants
        for user, client in ((one, one_client), (two, two_client), (staff, staff_client)):
            pages[user.email] = client.get(URL).get_data(as_text=True)
    for email, html in pages.items():
        assert not any(other in html for other in pages), f"an email on {email}'s page"
    one_tokens, two_tokens = tokens(pages["one@example.org"]), tokens(pages["two@example.org"])
    assert len(one_tokens) == 1 and len(two_tokens) == 1  # sign-out and reading-mode forms
    assert one_tokens.isdisjoint(two_tokens) and one_tokens.isdisjoint(
        tokens(pages["three@example.org"])
    )
    assert (
        "data-ad-slot" not in pages["one@example.org"]
        and "data-versions" in pages["two@example.org"]
    )
    assert "data-ad-slot" in pages["three@example.org"] and ">Staff<" in pages["three@example.org"]
    assert ">Staff<" not in pages["one@example.org"]
    response = one_client.post("/en/logout", data={"csrf_token": one_tokens.pop()})
    assert response.status_code == 302, "the token filled in is the reader's own, and works"


def test_the_reading_mode_picks_the_variant(signed_in):
    """A member reading side by side and one reading a single version get their own layout."""
    side, side_client = signed_in("side@example.org")
    _, single_client = signed_in("single@example.org")
    side.reading_mode = ReadingMode.SIDE_BY_SIDE
    db.session.commit()
    single_client.get(URL)
    assert "versions--both" in side_client.get(URL).get_data(as_text=True)
    assert "versions--both" not in single_client.get(URL).get_data(as_text=True)


def test_a_change_of_perks_shows_on_the_next_request(signed_in):
    """A membership that ends, or begins, changes the very next page."""
    user, client = signed_in("member@example.org")
    assert "data-ad-slot" not in client.get(URL).get_data(as_text=True)
    membership.revoke_comp(user, "test")
    db.session.commit()
    assert "data-ad-slot" in client.get(URL).get_data(as_text=True)
    membership.grant_comp(user, None, "test")
    db.session.commit()
    html = client.get(URL).get_data(as_text=True)
    assert "data-ad-slot" not in html and 'class="badge"' in html


def test_flashed_messages_are_the_readers_own(signed_in):
    """A message flashed to one reader shows once, on their page only."""
    _, one_client = signed_in("one@example.org")
    _, two_client = signed_in("two@example.org")
    one_client.get(URL)
    with one_client.session_transaction() as session:
        session["_flashes"] = [("message", "Your card was updated.")]
    assert "Your card was updated." in one_client.get(URL).get_data(as_text=True)
    assert "Your card was updated." not in two_client.get(URL).get_data(as_text=True)
    assert "Your card was updated." not in one_client.get(URL).get_data(as_text=True)


def test_a_content_version_bump_renders_the_variant_again(signed_in):
    """An edited article shows to members as soon as the content version moves."""
    _, client = signed_in("member@example.org")
    client.get(URL)
    article = db.session.scalar(db.select(Article).where(Article.slug == SLUG))
    article.title = "A corrected headline"
    db.session.commit()
    assert "A corrected headline" not in client.get(URL).get_data(as_text=True)
    bump_content_version()
    assert "A corrected headline" in client.get(URL).get_data(as_text=True)


def test_a_members_cached_article_makes_one_query(signed_in, count_queries):
    """Once its variant is cached, a member's article page reads only the account (with its
    membership)."""
    _, client = signed_in("member@example.org")
    client.get(URL)
    with count_queries() as statements:
        response = client.get(URL)
    assert response.status_code == 200 and "Sign out" in response.get_data(as_text=True)
    assert len(statements) == 1, statements
    assert "FROM users" in statements[0] and "memberships" in statements[0]
    assert "private, no-store" in response.headers["Cache-Control"]


def test_a_variant_cannot_show_what_it_is_not_keyed_by():
    """While a variant renders, the reader carries only what names the variant."""
    reader = VariantReader(is_authenticated=True, is_staff=False, reading_mode=None)
    assert not reader.is_anonymous
    with pytest.raises(PersonalData):
        _ = reader.email


def test_a_signed_out_everywhere_session_gets_the_signed_out_page(signed_in):
    """Once the account's session version moves (sign-out everywhere, a new password), the old
    session cookie no longer reaches a member's page."""
    user, client = signed_in("member@example.org")
    assert "Sign out" in client.get(URL).get_data(as_text=True)
    user.session_version += 1
    db.session.commit()
    html = client.get(URL).get_data(as_text=True)
    assert "Sign out" not in html and "data-ad-slot" in html


def test_a_remember_cookie_alone_signs_the_member_in(app, stripe_emulator, make_user):
    """Without a session, the remember cookie signs the member in on a page variant too."""
    user = make_user("member@example.org")
    membership.grant_comp(user, None, "test")
    db.session.commit()
    device = app.test_client()
    Auth(device).login("member@example.org", remember=True)
    fresh = app.test_client()
    fresh.emulator = stripe_emulator
    fresh.set_cookie("remember_token", device.get_cookie("remember_token").value)
    html = fresh.get(URL).get_data(as_text=True)
    assert "Sign out" in html and "data-ad-slot" not in html


@pytest.fixture
def ticking_clock(monkeypatch):
    """Every signature made is a second later than the one before."""
    seconds = itertools.count(1_800_000_000)
    monkeypatch.setattr(TimestampSigner, "get_timestamp", lambda self: next(seconds))


def test_a_sessions_token_is_signed_once_and_works(signed_in, ticking_clock):
    """Every page of a session carries the same signed CSRF token, which the forms accept; a new
    sign-in gets another."""
    _, client = signed_in("member@example.org")
    first, second = (tokens(client.get(URL).get_data(as_text=True)) for _ in range(2))
    assert first == second and len(first) == 1
    assert client.post("/en/logout", data={"csrf_token": first.pop()}).status_code == 302
    Auth(client).login("member@example.org")
    assert tokens(client.get(URL).get_data(as_text=True)) != second


def test_with_expiring_tokens_each_page_signs_its_own(app, signed_in, ticking_clock, monkeypatch):
    """With WTF_CSRF_TIME_LIMIT set, no signed token is kept: each page's is signed when served."""
    monkeypatch.setitem(app.config, "WTF_CSRF_TIME_LIMIT", 3600)
    _, client = signed_in("member@example.org")
    first, second = (tokens(client.get(URL).get_data(as_text=True)) for _ in range(2))
    assert first != second and len(first) == len(second) == 1


def test_no_cacheable_page_has_a_rate_limit(app):
    """The limiter skips cacheable pages (pagecache), so none may carry a limit of its own."""
    from flask_limiter.util import get_qualified_name

    from app.extensions import limiter

    cacheable = [view for view in app.view_functions.values() if getattr(view, "page_cacheable", 0)]
    assert cacheable, "the reader pages are marked cacheable"
    limited = {get_qualified_name(view) for view in cacheable} & limiter._marked_for_limiting
    assert not limited, f"{limited}: a limit there would never be counted"
