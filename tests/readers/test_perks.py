"""Member perks on reader pages: ad-free reading, the in-place language toggle, the badge."""

import re

import pytest

from app.extensions import db
from app.models import ReadingMode
from app.services import membership
from tests.conftest import csrf_token

SLUG = "putin-and-erdogan-meet-in-istanbul-amid-ongoing-battles-in-syrias-idlib"
URL = f"/en/articles/{SLUG}"


@pytest.fixture(autouse=True)
def content(sample_content):
    return sample_content


@pytest.fixture
def member(make_user, auth):
    user = make_user()
    membership.grant_comp(user, None, "test")
    db.session.commit()
    auth.login()
    return user


def test_readers_see_ads_the_prompt_and_the_plain_link(client, make_user, auth):
    """A signed-in reader without membership sees ads, the prompt and the other-version link."""
    make_user()
    auth.login()
    html = client.get(URL).get_data(as_text=True)
    assert "data-ad-slot" in html and "support-prompt" in html
    assert "النسخة العربية من المقال" in html
    assert "Members can switch between Arabic and English in place" in html
    assert "data-versions" not in html
    assert 'class="badge"' not in html


def test_members_read_without_ads_or_prompt(client, member):
    """Members get no ad slots and no support prompt, and a thank-you line instead."""
    for url in (URL, "/en/", "/en/sections/news"):
        html = client.get(url).get_data(as_text=True)
        assert "data-ad-slot" not in html, url
        assert "support-prompt" not in html, url
    assert "Thank you for supporting independent Syrian journalism." in client.get(URL).get_data(
        as_text=True
    )


def test_members_get_both_versions_to_switch_in_place(client, member):
    """A member's article page carries both language versions and the toggle controls."""
    html = client.get(URL).get_data(as_text=True)
    assert "data-versions" in html
    assert re.search(r'data-version="other" lang="ar" dir="rtl"[^>]*hidden', html)
    assert "بوتين وأردوغان" in html  # the Arabic title, ready to show without a reload
    assert f'href="/ar/articles/{SLUG}" data-show="other"' in html  # plain link without JS
    assert 'class="badge"' in html


def test_the_side_by_side_choice_is_remembered(client, member):
    """Choosing side by side is saved on the account and used on the next article."""
    token = csrf_token(client, URL)
    response = client.post(
        "/en/account/reading-mode",
        data={"mode": "side_by_side", "csrf_token": token, "next": URL},
        headers={"Accept": "application/json"},
    )
    assert response.json == {"mode": "side_by_side"}
    db.session.refresh(member)
    assert member.reading_mode == ReadingMode.SIDE_BY_SIDE
    html = client.get(URL).get_data(as_text=True)
    assert "versions--both" in html
    assert not re.search(r'data-version="other"[^>]*hidden', html)


def test_the_reading_mode_is_a_member_perk(client, make_user, auth):
    """Non-members cannot set the reading mode."""
    make_user()
    auth.login()
    token = csrf_token(client, "/en/account")
    response = client.post(
        "/en/account/reading-mode", data={"mode": "side_by_side", "csrf_token": token}
    )
    assert response.status_code == 403


def test_past_due_members_see_the_update_card_notice(client, make_user, auth):
    """A failed payment shows the update-card notice while perks last through the grace period."""
    user = make_user()
    snapshot = membership.SubscriptionSnapshot(
        subscription_id="sub_1", status="past_due", created=membership.datetime.now(membership.UTC)
    )
    membership.apply(user, snapshot, "invoice.payment_failed")
    db.session.commit()
    auth.login()
    html = client.get(URL).get_data(as_text=True)
    assert "Please update your card" in html
    assert "data-ad-slot" not in html  # still in grace


def test_signed_out_pages_stay_cookie_free_after_members_visit(client, app, member):
    """A member's visit never puts personal markup into the shared cache."""
    client.get(URL)
    anonymous = app.test_client()
    response = anonymous.get(URL)
    assert "Set-Cookie" not in response.headers
    assert "data-ad-slot" in response.get_data(as_text=True)
    assert "Sign out" not in response.get_data(as_text=True)
