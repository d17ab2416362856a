"""Email preferences: the monthly-receipt switch on the account page and one-click unsubscribe."""

import pytest
from flask import current_app

from app.extensions import db
from app.models import User
from app.services import preferences
from tests.conftest import csrf_token, page_text


def unsubscribe_path(user):
    url = preferences.unsubscribe_url(user)
    site = current_app.config["SITE_URL"].rstrip("/")
    assert url.startswith(f"{site}/{user.language}/unsubscribe/")
    return url.removeprefix(site)


def receipts_on(user_id):
    db.session.expire_all()
    return db.session.get(User, user_id).receipts_monthly


def test_new_accounts_get_monthly_receipts(make_user):
    """Monthly receipts are on until the reader turns them off."""
    assert make_user().receipts_monthly is True


def test_the_account_page_form_toggles_the_preference(client, auth, make_user):
    """The account page's form turns monthly receipts off and on again, with CSRF."""
    user = make_user()
    auth.login()
    page = page_text(client.get("/en/account"))
    assert "Email me a receipt for each monthly payment" in page
    assert "payment problems and renewal notices are always sent" in page
    token = csrf_token(client, "/en/account")
    response = client.post("/en/account/email-preferences", data={"csrf_token": token})
    assert response.status_code == 302 and not receipts_on(user.id)
    client.post(
        "/en/account/email-preferences", data={"csrf_token": token, "receipts_monthly": "y"}
    )
    assert receipts_on(user.id)


def test_the_preference_form_needs_csrf(client, auth, make_user):
    """Without its CSRF token the preference form changes nothing."""
    user = make_user()
    auth.login()
    response = client.post("/en/account/email-preferences", data={})
    assert response.status_code == 400 and receipts_on(user.id)


def test_the_headers_follow_rfc_8058(app, make_user):
    """The headers name the absolute link and the one-click POST."""
    user = make_user(lang="ar")
    headers = preferences.unsubscribe_headers(user)
    assert headers["List-Unsubscribe"] == f"<{preferences.unsubscribe_url(user)}>"
    assert headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert "/ar/unsubscribe/" in headers["List-Unsubscribe"]


def test_the_link_asks_then_unsubscribes(client, make_user):
    """GET asks in the link's language (nothing written); the page's button (with CSRF) turns off."""
    user = make_user(lang="ar")
    path = unsubscribe_path(user)
    response = client.get(path)
    assert response.status_code == 200 and 'lang="ar" dir="rtl"' in response.get_data(as_text=True)
    assert "no-store" in response.headers["Cache-Control"]
    assert receipts_on(user.id)
    response = client.post(path, data={"csrf_token": csrf_token(client, path)})
    assert response.status_code == 200 and not receipts_on(user.id)


def test_a_browser_post_without_csrf_or_one_click_is_refused(client, make_user):
    """A plain form POST needs its CSRF token (only the RFC 8058 body goes without)."""
    user = make_user()
    response = client.post(unsubscribe_path(user), data={})
    assert response.status_code == 400 and receipts_on(user.id)


def test_one_click_post_needs_no_csrf(client, make_user):
    """A mail client's RFC 8058 POST turns monthly receipts off with the signed token alone."""
    user = make_user()
    response = client.post(unsubscribe_path(user), data={"List-Unsubscribe": "One-Click"})
    assert response.status_code == 200 and not receipts_on(user.id)
    again = client.post(unsubscribe_path(user), data={"List-Unsubscribe": "One-Click"})
    assert again.status_code == 200


@pytest.mark.parametrize("lang, words", [("en", "This unsubscribe link does not work"),
                                         ("ar", "رابط إلغاء الاشتراك هذا لا يعمل")])  # fmt: skip
def test_a_tampered_token_is_refused_and_nothing_written(client, make_user, lang, words):
    """A changed token gets 400 with a clear message in the page's language; nothing changes."""
    user = make_user()
    token = preferences.unsubscribe_token(user)
    tampered = token[:-2] + ("AA" if not token.endswith("AA") else "BB")
    for method in (client.get, client.post):
        response = method(f"/{lang}/unsubscribe/{tampered}", data={"List-Unsubscribe": "One-Click"})
        assert response.status_code == 400 and words in page_text(response)
    assert receipts_on(user.id)


def test_a_token_for_another_purpose_is_refused(app, client, make_user):
    """A token signed for another purpose (or naming an unknown list) does not unsubscribe."""
    from itsdangerous import URLSafeSerializer

    user = make_user()
    other = URLSafeSerializer(app.config["SECRET_KEY"], salt="accounts.confirm")
    bad_list = URLSafeSerializer(app.config["SECRET_KEY"], salt="preferences.unsubscribe")
    for token in (other.dumps({"k": user.key, "l": "receipts_monthly"}),
                  bad_list.dumps({"k": user.key, "l": "password_resets"})):  # fmt: skip
        response = client.post(f"/en/unsubscribe/{token}", data={"List-Unsubscribe": "One-Click"})
        assert response.status_code == 400
    assert receipts_on(user.id)


def test_set_receipt_preference(make_user):
    """The service stores the choice."""
    user = make_user()
    preferences.set_receipt_preference(user, False)
    assert not receipts_on(user.id)
    assert preferences.wants_receipt(user, "year") and not preferences.wants_receipt(user, "month")
