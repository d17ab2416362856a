"""Signing in with a code by email: the right code, wrong ones counting down, five spending it,
ten minutes, the emailed link's one button, the same answer for every address, and the limits."""

import hashlib
import hmac
import re
import time
from datetime import timedelta

import pyotp
import pytest
from sqlalchemy import func, select

from app.extensions import db
from app.models import OutboxMessage, Role, SignInCode
from app.services import accounts, sign_in_codes, two_factor
from tests.conftest import PASSWORD, csrf_token, page_text
from tests.signing_in import (
    ask_for_code,
    emailed_code,
    emailed_link,
    give_code,
    last_email,
    press_the_link_button,
)

EMAIL = "reader@example.org"
CODE_PAGE = "/en/sign-in/email/code"


@pytest.fixture
def passwordless(make_user):
    """A reader made by the support form: no password."""
    return make_user(EMAIL, password=None)


@pytest.fixture
def clock(monkeypatch):
    """The codes' clock, moved on by `clock.move(minutes=...)`."""

    class Clock:
        offset = timedelta()

        def move(self, **delta):
            self.offset += timedelta(**delta)

    moved, real = Clock(), sign_in_codes.now
    monkeypatch.setattr(sign_in_codes, "now", lambda: real() + moved.offset)
    return moved


def wrong(code: str) -> str:
    return f"{(int(code) + 1) % 1_000_000:06d}"


def signed_in(client) -> bool:
    return client.get("/en/account").status_code == 200


def test_a_reader_without_a_password_signs_in_with_the_emailed_code(client, passwordless):
    """The code from the email signs in, once; the address counts as confirmed."""
    response = ask_for_code(client, EMAIL)
    assert response.headers["Location"] == CODE_PAGE
    page = client.get(CODE_PAGE)
    assert "We have sent an email to: reader@example.org" in page_text(page)
    assert page.headers["Cache-Control"] == "private, no-store"
    email = last_email(EMAIL)
    assert email.subject == "Your code to sign in to Enab Baladi"
    assert "10 minutes" in email.body and '<html lang="en" dir="ltr"' in email.html
    response = give_code(client, emailed_code(EMAIL))
    assert response.headers["Location"] == "/en/"
    assert signed_in(client)
    db.session.refresh(passwordless)
    assert passwordless.email_confirmed_at is not None and passwordless.password_hash is None


def test_a_used_code_does_not_work_again(client, passwordless, auth):
    """After signing in and out, the same code is refused as expired."""
    ask_for_code(client, EMAIL)
    code = emailed_code(EMAIL)
    give_code(client, code)
    auth.logout()
    with client.session_transaction() as session:  # back on the code page, the same address
        session["sign_in_code"] = {"email": EMAIL, "next": "", "support": None}
    response = give_code(client, code)
    assert "This code has expired or has already been used." in page_text(response)
    assert not signed_in(client)


def test_wrong_codes_count_the_tries_down_and_the_right_one_still_works(client, passwordless):
    """Each wrong code names the tries left (4, 3, 2, 1); the right code then signs in."""
    ask_for_code(client, EMAIL)
    code = emailed_code(EMAIL)
    for left in (4, 3, 2):
        assert f"You have {left} tries left." in page_text(give_code(client, wrong(code)))
    assert "You have 1 try left." in page_text(give_code(client, wrong(code)))
    assert not signed_in(client)
    give_code(client, code)
    assert signed_in(client)


def test_five_wrong_codes_spend_it(client, passwordless):
    """The fifth wrong code spends the code: the right one is refused too, until a new one."""
    ask_for_code(client, EMAIL)
    code = emailed_code(EMAIL)
    for _ in range(4):
        give_code(client, wrong(code))
    fifth = page_text(give_code(client, wrong(code)))
    assert "That code was tried too many times and no longer works." in fifth
    assert "too many times" in page_text(give_code(client, code))
    assert not signed_in(client)
    ask_for_code(client, EMAIL)
    give_code(client, emailed_code(EMAIL))
    assert signed_in(client)


def test_a_code_works_for_ten_minutes(client, passwordless, clock):
    """Just under ten minutes the code works."""
    ask_for_code(client, EMAIL)
    clock.move(minutes=9, seconds=59)
    give_code(client, emailed_code(EMAIL))
    assert signed_in(client)


def test_a_code_expires_after_ten_minutes(client, passwordless, clock):
    """Ten minutes on, the code is refused as expired, and a new one works."""
    ask_for_code(client, EMAIL)
    clock.move(minutes=10)
    response = give_code(client, emailed_code(EMAIL))
    assert "This code has expired or has already been used." in page_text(response)
    assert not signed_in(client)
    ask_for_code(client, EMAIL)
    give_code(client, emailed_code(EMAIL))
    assert signed_in(client)


def test_asking_again_replaces_the_code(client, passwordless):
    """One code per address: the first stops working once a second is sent."""
    ask_for_code(client, EMAIL)
    first = emailed_code(EMAIL)
    ask_for_code(client, EMAIL)
    second = emailed_code(EMAIL)
    assert db.session.scalar(select(func.count(SignInCode.id))) == 1
    if first != second:
        assert "tries left" in page_text(give_code(client, first))
    give_code(client, second)
    assert signed_in(client)


def test_only_a_keyed_hash_of_the_code_is_kept(app, client, passwordless):
    """The row holds the HMAC (SECRET_KEY) of address and code, never the code."""
    ask_for_code(client, EMAIL)
    code = emailed_code(EMAIL)
    row = db.session.scalar(select(SignInCode).where(SignInCode.email == EMAIL))
    key = app.config["SECRET_KEY"].encode()
    expected = hmac.new(key, f"sign-in-code:{EMAIL}:{code}".encode(), hashlib.sha256).hexdigest()
    assert row.code_hash == expected and code not in row.code_hash


def test_a_reader_with_a_password_can_use_either(client, make_user, auth):
    """A password stays optional: the same account signs in by code and by password."""
    make_user(EMAIL)
    ask_for_code(client, EMAIL.upper())  # addresses are matched as typed in any case
    give_code(client, emailed_code(EMAIL))
    assert signed_in(client)
    auth.logout()
    assert auth.login(email=EMAIL, password=PASSWORD).headers["Location"] == "/en/"


def test_arabic_digits_and_spaces_are_read(client, passwordless):
    """A code typed on an Arabic keyboard, with a space, signs in."""
    ask_for_code(client, EMAIL, lang="ar")
    code = emailed_code(EMAIL)
    typed = code[:3].translate(str.maketrans("0123456789", "٠١٢٣٤٥٦٧٨٩")) + " " + code[3:]
    give_code(client, typed, lang="ar")
    assert signed_in(client)


@pytest.mark.parametrize("typed", ["abcdef", "1234567890123", "12345", "12 34 5x", "١٢٣"])
def test_a_code_that_is_not_six_digits_spends_no_try(client, passwordless, typed):
    """Letters, too many or too few digits: a format error, and all 5 tries are still there."""
    ask_for_code(client, EMAIL)
    code = emailed_code(EMAIL)
    for _ in range(6):
        page = page_text(give_code(client, typed))
        assert "A code is 6 digits. Type the 6 digits from the email." in page
        assert "tries left" not in page and "too many times" not in page
    assert "You have 4 tries left." in page_text(give_code(client, wrong(code)))
    give_code(client, code)
    assert signed_in(client)


def test_the_format_error_is_in_arabic_on_the_arabic_page(client, passwordless):
    """On the Arabic page a 13-digit number gets the Arabic format error and spends no try."""
    ask_for_code(client, EMAIL, lang="ar")
    code = emailed_code(EMAIL)
    page = page_text(give_code(client, "١٢٣٤٥٦٧٨٩٠١٢٣", "ar"))
    assert "الرمز 6 أرقام. اكتب الأرقام الستة الواردة في الرسالة." in page
    assert "بقيت لك 4 محاولات." in page_text(give_code(client, wrong(code), "ar"))


def test_arabic_indic_and_persian_digits_with_dashes_are_read(client, passwordless):
    """Eastern Arabic digits (Arabic-Indic or Persian) with a dash are the digits they are."""
    ask_for_code(client, EMAIL, lang="ar")
    code = emailed_code(EMAIL)
    typed = code[:3].translate(str.maketrans("0123456789", "۰۱۲۳۴۵۶۷۸۹")) + "-" + code[3:]
    give_code(client, typed, lang="ar")
    assert signed_in(client)


def test_the_code_goes_where_the_reader_was_going(client, passwordless):
    """`next` from the sign-in page is followed after the code (same-site paths only)."""
    assert 'href="/en/sign-in/email?next=/en/account"' in client.get(
        "/en/login?next=/en/account"
    ).get_data(as_text=True)
    ask_for_code(client, EMAIL, next="/en/account")
    assert give_code(client, emailed_code(EMAIL)).headers["Location"] == "/en/account"


def test_the_code_page_in_the_other_language_returns_in_that_language(client, passwordless):
    """Asked for on an Arabic page going to /ar/account, entered on the English code page (the
    language link): the reader lands on /en/account, and its links lead to English pages."""
    ask_for_code(client, EMAIL, lang="ar", next="/ar/account")
    page = client.get(CODE_PAGE).get_data(as_text=True)
    assert 'href="/en/login?next=/en/account"' in page
    assert give_code(client, emailed_code(EMAIL)).headers["Location"] == "/en/account"


def test_known_and_unknown_addresses_get_the_same_answer(client, passwordless):
    """The page and the tries read the same for an address without an account; that address is
    emailed an offer to create one (as Ghost does), with no code in it."""
    pages, tries = [], []
    for address in (EMAIL, "nobody@example.org"):
        response = ask_for_code(client, address)
        assert response.status_code == 302 and response.headers["Location"] == CODE_PAGE
        pages.append(page_text(client.get(CODE_PAGE)).replace(address, "ADDRESS"))
        tries.append(page_text(give_code(client, "000000")).replace(address, "ADDRESS"))
    assert pages[0] == pages[1] and tries[0] == tries[1]
    offer = last_email("nobody@example.org")
    assert offer.subject == "Signing in to Enab Baladi"
    assert "no account uses it" in offer.body and "/en/register" in offer.body
    assert not re.search(r"^\s+\d{6}\s*$", offer.body, re.M)
    assert accounts.find_user("nobody@example.org") is None


def test_the_email_is_in_the_language_of_the_page(client, passwordless):
    """Asked for on an Arabic page: an Arabic email, right to left, its link to an Arabic page."""
    ask_for_code(client, EMAIL, lang="ar")
    email = last_email(EMAIL)
    assert email.lang == "ar" and email.subject == "رمز الدخول إلى عنب بلدي"
    assert '<html lang="ar" dir="rtl"' in email.html
    assert emailed_link(EMAIL).startswith("/ar/sign-in/email/link/")


def test_errors_are_in_arabic_on_the_arabic_page(client, passwordless, clock):
    """Wrong code (with the tries left), too many tries and expired, each in Arabic."""
    ask_for_code(client, EMAIL, lang="ar")
    code = emailed_code(EMAIL)
    assert "الرمز غير صحيح. بقيت لك 4 محاولات." in page_text(give_code(client, wrong(code), "ar"))
    for _ in range(4):
        last = give_code(client, wrong(code), "ar")
    assert "جُرِّب هذا الرمز مرات كثيرة" in page_text(last)
    ask_for_code(client, EMAIL, lang="ar")
    clock.move(minutes=11)
    expired = page_text(give_code(client, emailed_code(EMAIL), "ar"))
    assert "انتهت صلاحية هذا الرمز أو سبق استخدامه." in expired


# The emailed link ---------------------------------------------------------------------------------


def test_the_link_signs_in_only_when_its_button_is_pressed(client, passwordless):
    """GET and HEAD (a mail scanner's) show one button and spend nothing; the POST signs in."""
    ask_for_code(client, EMAIL)
    link = emailed_link(EMAIL)
    scanner = client.application.test_client()
    assert scanner.head(link).status_code == 200
    page = scanner.get(link)
    assert page.status_code == 200 and page.headers["Cache-Control"] == "private, no-store"
    html = page.get_data(as_text=True)
    assert re.search(r'<form method="post"', html) and 'name="csrf_token"' in html
    assert "Press the button to sign in on this device as: reader@example.org" in page_text(page)
    assert client.get("/en/account").status_code == 302
    row = db.session.scalar(select(SignInCode).where(SignInCode.email == EMAIL))
    assert row.used_at is None and row.wrong_tries == 0
    response = press_the_link_button(client, link)
    assert response.headers["Location"] == "/en/"
    assert signed_in(client)
    assert client.application.test_client().get(link).status_code == 400  # used


def test_the_link_button_needs_its_csrf_token(client, passwordless):
    """A POST from elsewhere (no CSRF token) signs nobody in."""
    ask_for_code(client, EMAIL)
    assert client.post(emailed_link(EMAIL)).status_code == 400
    assert not signed_in(client)


def test_the_link_opened_in_another_browser_signs_that_browser_in(app, client, passwordless):
    """The link works on another device (the phone's mail app), where nothing was asked."""
    ask_for_code(client, EMAIL, next="/en/account")
    phone = app.test_client()
    assert press_the_link_button(phone, emailed_link(EMAIL)).headers["Location"] == "/en/account"
    assert phone.get("/en/account").status_code == 200
    assert not signed_in(client)


def test_a_replaced_or_tampered_link_does_not_work_and_spends_no_try(client, passwordless):
    """The first email's link once a second code is sent, and an altered link: 400, and the
    current code keeps its five tries."""
    ask_for_code(client, EMAIL)
    first_link = emailed_link(EMAIL)
    ask_for_code(client, EMAIL)
    second_link, code = emailed_link(EMAIL), emailed_code(EMAIL)
    if first_link != second_link:
        assert client.get(first_link).status_code == 400
    tampered = second_link[:-2] + ("AA" if not second_link.endswith("AA") else "BB")
    page = client.get(tampered)
    assert page.status_code == 400 and "This link does not work" in page_text(page)
    assert "You have 4 tries left." in page_text(give_code(client, wrong(code)))


def test_the_link_expires_with_its_code(client, passwordless, clock):
    """Ten minutes on, the link's page says it does not work."""
    ask_for_code(client, EMAIL)
    clock.move(minutes=10, seconds=1)
    assert client.get(emailed_link(EMAIL)).status_code == 400


# Staff with two-factor sign-in -----------------------------------------------------------------


def test_staff_with_two_factor_still_give_their_second_factor(client, make_user):
    """A code signs staff in only halfway: the authenticator's code is asked next."""
    staff = make_user("staff@example.org", role=Role.STAFF)
    secret = pyotp.random_base32()
    earlier = time.time() - 120
    two_factor.enrol(staff, secret, pyotp.TOTP(secret).at(earlier), now=earlier)
    ask_for_code(client, "staff@example.org", next="/en/staff/emails")
    response = give_code(client, emailed_code("staff@example.org"))
    assert response.headers["Location"] == "/en/sign-in/code"
    assert client.get("/en/staff/emails").status_code == 302
    totp = {"code": pyotp.TOTP(secret).now(), "csrf_token": csrf_token(client, "/en/sign-in/code")}
    assert client.post("/en/sign-in/code", data=totp).headers["Location"] == "/en/staff/emails"
    assert client.get("/en/staff/emails").status_code == 200


# Limits -------------------------------------------------------------------------------------------


def test_codes_sent_to_one_address_are_limited(app, client, passwordless, monkeypatch):
    """Past the per-address limit: 429 with a page in the reader's language, and no email."""
    monkeypatch.setitem(app.config, "RATELIMIT_SIGN_IN_CODE_EMAIL", "2 per hour")
    assert [ask_for_code(client, EMAIL).status_code for _ in range(2)] == [302, 302]
    sent = db.session.scalar(select(func.count(OutboxMessage.id)))
    limited = ask_for_code(client, EMAIL, lang="ar")
    assert limited.status_code == 429
    assert "طُلبت رموز دخول كثيرة" in page_text(limited)
    assert db.session.scalar(select(func.count(OutboxMessage.id))) == sent
    assert ask_for_code(client, "other@example.org").status_code == 302  # another address


def test_a_form_with_errors_uses_up_no_code(app, client, monkeypatch):
    """Only a code sent counts toward the address's limit."""
    monkeypatch.setitem(app.config, "RATELIMIT_SIGN_IN_CODE_EMAIL", "1 per hour")
    url = "/en/sign-in/email"
    assert client.post(url, data={"email": EMAIL}).status_code == 400  # no CSRF token: not sent
    assert db.session.scalar(select(func.count(OutboxMessage.id))) == 0
    assert ask_for_code(client, EMAIL).status_code == 302


def test_codes_asked_for_from_one_client_are_limited(app, client, monkeypatch):
    """Many addresses from one client: 429 past the per-client limit."""
    monkeypatch.setitem(app.config, "RATELIMIT_SIGN_IN_CODE_IP", "2 per hour")
    codes = [ask_for_code(client, f"r{n}@example.org").status_code for n in range(3)]
    assert codes == [302, 302, 429]
    limited = ask_for_code(client, "r9@example.org")
    assert "Too many sign-in codes" in page_text(limited)
    assert "Please try again in about 60 minutes." in page_text(limited)
    assert 3500 < int(limited.headers["Retry-After"]) <= 3600


def test_the_code_limit_page_says_the_wait_in_arabic(app, client, monkeypatch):
    monkeypatch.setitem(app.config, "RATELIMIT_SIGN_IN_CODE_IP", "1 per minute")
    ask_for_code(client, "a1@example.org", lang="ar")
    limited = ask_for_code(client, "a2@example.org", lang="ar")
    assert limited.status_code == 429 and "بعد دقيقة واحدة" in page_text(limited)


def test_code_tries_from_one_client_are_limited(app, client, passwordless, monkeypatch):
    """Tries at codes are limited per client, as password sign-ins are."""
    monkeypatch.setitem(app.config, "RATELIMIT_SIGN_IN_IP", "3 per minute")
    ask_for_code(client, EMAIL)
    codes = [give_code(client, "000000").status_code for _ in range(4)]
    assert codes == [200, 200, 200, 429]


def test_the_code_page_without_a_request_goes_to_ask_for_one(client):
    """Nothing asked for in this browser: the code page sends to the form that asks."""
    assert client.get(CODE_PAGE).headers["Location"] == "/en/sign-in/email"
