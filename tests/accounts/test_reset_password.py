"""Choosing a password from an emailed link: the length rule on both fields, and the words for a
first password against a changed one."""

import re
from urllib.parse import urlsplit

import pytest
from sqlalchemy import func, select

from app.extensions import db
from app.models import OutboxMessage
from app.services import accounts
from tests.conftest import PASSWORD, csrf_token, page_text
from tests.signing_in import last_email

EMAIL = "reader@example.org"


def emailed_link(address: str) -> str:
    """The password link of the newest email to `address`, as a path on this site."""
    found = re.search(r"https?://\S+/reset-password/[^\s\u2066\u2069]+", last_email(address).body)
    assert found, "no password link in the email"
    return urlsplit(found.group(0)).path


def choose(client, link: str, password: str, confirm: str | None = None):
    data = {"password": password, "confirm": password if confirm is None else confirm,
            "csrf_token": csrf_token(client, link)}  # fmt: skip
    return client.post(link, data=data, follow_redirects=True)


def test_a_too_long_password_is_named_as_too_long_not_as_differing(client, make_user):
    """300 characters in both fields: the length error, never "the two passwords differ"."""
    make_user()
    accounts.request_password_reset(EMAIL, "en")
    page = page_text(choose(client, emailed_link(EMAIL), "x" * 300))
    assert "Use between 8 and 128 characters." in page
    assert "The two passwords differ." not in page
    assert accounts.authenticate(EMAIL, PASSWORD) is not None


def test_a_too_long_confirmation_gets_the_length_rule(client, make_user):
    """A fine password with a 300-character confirmation: the confirmation's length error."""
    make_user()
    accounts.request_password_reset(EMAIL, "en")
    page = page_text(choose(client, emailed_link(EMAIL), "brand new secret 7", "y" * 300))
    assert "Use between 8 and 128 characters." in page
    assert "The two passwords differ." not in page


def test_differing_passwords_are_still_named(client, make_user):
    """Two different passwords of a good length: "the two passwords differ" (here in Arabic)."""
    make_user(lang="ar")
    accounts.request_password_reset(EMAIL, "ar")
    page = page_text(
        choose(client, emailed_link(EMAIL), "brand new secret 7", "brand new secret 8")
    )
    assert "كلمتا المرور غير متطابقتين." in page


def test_the_password_fields_do_not_cut_a_pasted_password_short(client, make_user):
    """No maxlength on the new password's field: the server, not the browser, applies the rule."""
    make_user()
    accounts.request_password_reset(EMAIL, "en")
    html = client.get(emailed_link(EMAIL)).get_data(as_text=True)
    assert 'name="password"' in html and "maxlength" not in html


def test_a_changed_password_is_called_changed(client, make_user):
    """An account with a password: "Your password has been changed."."""
    make_user()
    accounts.request_password_reset(EMAIL, "en")
    page = page_text(choose(client, emailed_link(EMAIL), "brand new secret 7"))
    assert "Your password has been changed." in page


def test_a_first_password_is_called_set_in_both_languages(client, make_user):
    """An account made without a password: "Your password has been set.", in English or Arabic."""
    for lang, said in (("en", "Your password has been set."), ("ar", "تم تعيين كلمة المرور.")):
        address = f"{lang}@example.org"
        user = make_user(address, password=None, lang=lang)
        accounts.send_set_password_link(user)
        page = page_text(choose(client, emailed_link(address), "brand new secret 7"))
        assert said in page and "changed" not in page and "تم تغيير" not in page
        assert accounts.authenticate(address, "brand new secret 7") is not None
        client.delete_cookie("session")


@pytest.fixture
def later(monkeypatch):
    """Move the signed links' clock on by `later(seconds)`."""
    import time

    import itsdangerous.timed

    def move(seconds: float) -> None:
        class Later:
            @staticmethod
            def time():
                return time.time() + seconds

        monkeypatch.setattr(itsdangerous.timed, "time", Later)

    return move


def test_a_link_sent_unasked_works_for_a_week_and_says_so(client, make_user, later):
    """An account made without a password (here, by staff): the email says 7 days, and the link
    works until the end of the seventh."""
    user = make_user(password=None)
    accounts.send_set_password_link(user)
    body = last_email(EMAIL).body
    assert "open this link within 7 days. It works once:" in body and "an hour" not in body
    link = emailed_link(EMAIL)
    later(7 * 24 * 3600 - 60)
    assert client.get(link).status_code == 200
    later(7 * 24 * 3600 + 60)
    assert client.get(link).status_code == 400


def test_a_reset_the_reader_asked_for_still_lasts_an_hour(client, make_user, later):
    """A reset asked for on the site: "within an hour", and refused after it."""
    make_user()
    accounts.request_password_reset(EMAIL, "en")
    assert "within an hour" in last_email(EMAIL).body
    link = emailed_link(EMAIL)
    later(3500)
    assert client.get(link).status_code == 200
    later(3601)
    assert client.get(link).status_code == 400


def test_the_arabic_email_names_the_week_in_arabic(make_user):
    """The Arabic set-password email: 7 days, in Arabic."""
    user = make_user(password=None, lang="ar")
    accounts.send_set_password_link(user)
    assert "افتح هذا الرابط خلال 7 أيام" in last_email(EMAIL).body


def test_a_first_password_link_outlives_a_sign_in_by_code_and_is_spent_once_used(
    app, client, make_user
):
    """The welcome's set-password link still works after the reader signs in by code (which signs
    other browsers out of a passwordless account); choosing a password spends it, and a new
    address spends links sent to the old one."""
    from tests.signing_in import ask_for_code, emailed_code, give_code

    user = make_user(EMAIL, password=None)
    accounts.send_set_password_link(user)
    link = emailed_link(EMAIL)
    phone = app.test_client()
    ask_for_code(phone, EMAIL)
    give_code(phone, emailed_code(EMAIL))
    assert phone.get("/en/account").status_code == 200
    assert client.get(link).status_code == 200
    assert "Your password has been set." in page_text(choose(client, link, "a fine new password 7"))
    assert client.get(link).status_code == 400  # spent

    accounts.send_set_password_link(user)
    moved = emailed_link(EMAIL)
    user.email = "moved@example.org"
    db.session.commit()
    assert client.get(moved).status_code == 400


def test_the_page_for_a_first_password_does_not_call_it_new(client, make_user):
    """A first password is chosen, not a new one; a reset still chooses a new one."""
    accounts.send_set_password_link(make_user(EMAIL, password=None))
    html = client.get(emailed_link(EMAIL)).get_data(as_text=True)
    page = page_text(html)
    assert "Choose a password" in page and "new password" not in html
    assert "Repeat the password" in page and 'value="Save the password"' in html
    arabic = page_text(client.get(emailed_link(EMAIL).replace("/en/", "/ar/")))
    assert "أعد إدخال كلمة المرور" in arabic and "الجديدة" not in arabic
    make_user("other@example.org")
    accounts.request_password_reset("other@example.org", "en")
    html = client.get(emailed_link("other@example.org")).get_data(as_text=True)
    assert "Choose a new password" in html and 'value="Save the new password"' in html


@pytest.mark.parametrize(
    ("lang", "words"),
    [
        ("en", ("Choose a password", "we email a link to reader@example.org",
                "We have emailed a link to choose a password to reader@example.org.",
                "You asked to choose a password for your Enab Baladi account.")),
        ("ar", ("اختر كلمة مرور", "نرسل رابطًا إلى reader@example.org",
                "أرسلنا رابطًا لاختيار كلمة مرور إلى reader@example.org.",
                "طلبت اختيار كلمة مرور لحسابك في عنب بلدي.")),
    ],
)  # fmt: skip
def test_a_signed_in_reader_without_a_password_gets_the_link_from_the_account_page(
    client, make_user, lang, words
):
    """No password to give as the current one: the account page offers to choose one, and its
    page emails the link to the account's address (which alone may set it); the link works."""
    from tests.signing_in import ask_for_code, emailed_code, give_code

    make_user(EMAIL, password=None, lang=lang)
    ask_for_code(client, EMAIL, lang=lang)
    give_code(client, emailed_code(EMAIL), lang=lang)
    assert words[0] in page_text(client.get(f"/{lang}/account"))
    page = client.get(f"/{lang}/account/password").get_data(as_text=True)
    assert words[1] in page_text(page) and 'name="current"' not in page
    token = csrf_token(client, f"/{lang}/account/password")
    sent = client.post(f"/{lang}/account/password/link", data={"csrf_token": token})
    assert sent.headers["Location"] == f"/{lang}/account"
    assert words[2] in page_text(client.get(sent.headers["Location"]))
    assert words[3] in last_email(EMAIL).body
    choose(client, emailed_link(EMAIL), "a fine first password 7")
    assert accounts.authenticate(EMAIL, "a fine first password 7") is not None


def test_a_reader_with_a_password_changes_it_and_is_sent_no_link(client, make_user, auth):
    """With a password, the page asks for the current one; the link's address does nothing."""
    make_user()
    auth.login()
    assert "Change your password" in page_text(client.get("/en/account"))
    assert 'name="current"' in client.get("/en/account/password").get_data(as_text=True)
    token = csrf_token(client, "/en/account/password")
    response = client.post("/en/account/password/link", data={"csrf_token": token})
    assert response.headers["Location"] == "/en/account/password"
    assert db.session.scalar(select(func.count(OutboxMessage.id))) == 0
