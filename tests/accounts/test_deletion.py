"""Deleting an account: the page says what happens to a membership, and an account without a
password confirms with a code emailed to it."""

import pytest
from sqlalchemy import select

from app.extensions import db
from app.models import MembershipStatus, SignInCode, User
from app.payments import get_gateway
from app.services import membership
from tests.conftest import PASSWORD, csrf_token, page_text
from tests.paying import pay, start
from tests.signing_in import ask_for_code, emailed_code, give_code

EMAIL = "reader@example.org"
ENDS = {
    "en": "Deleting your account ends your membership now.",
    "ar": "حذف حسابك يُنهي عضويتك الآن.",
}
NOT_REFUNDED = {
    "en": "What you have paid for the rest of the current period, until",
    "ar": "لا يُستردّ ما دفعته عن بقية الفترة الحالية، حتى",
}


def delete_page(client, lang="en") -> str:
    return page_text(client.get(f"/{lang}/account/delete"))


def email_a_code(client, lang="en"):
    """Press "Email me a code" on the delete page."""
    token = csrf_token(client, f"/{lang}/account/delete")
    return client.post(f"/{lang}/account/delete/code", data={"csrf_token": token})


def delete_with(client, lang="en", **fields):
    token = csrf_token(client, f"/{lang}/account/delete")
    return client.post(f"/{lang}/account/delete", data={**fields, "csrf_token": token})


def deleted(user) -> bool:
    db.session.refresh(user)
    return user.deleted_at is not None


@pytest.fixture
def passwordless(make_user, client):
    """A reader made by the support form (no password), signed in with an emailed code."""
    user = make_user(EMAIL, password=None)
    ask_for_code(client, EMAIL)
    give_code(client, emailed_code(EMAIL))
    return user


@pytest.mark.parametrize("lang", ["en", "ar"])
def test_a_member_is_told_that_deleting_ends_the_membership_now(
    client, stripe_emulator, make_user, auth, lang
):
    """A live subscription: ended now, no further payment, the rest of the paid period (its
    end date named) not refunded; then deleting cancels it at Stripe."""
    user = make_user(lang=lang)
    auth.login(lang=lang)
    pay(client, stripe_emulator, start(client, lang=lang).headers["Location"])
    assert user.membership.status == MembershipStatus.ACTIVE
    page = delete_page(client, lang)
    assert ENDS[lang] in page and NOT_REFUNDED[lang] in page
    subscription_id = user.membership.subscription_id
    assert delete_with(client, lang, password=PASSWORD).status_code == 302
    assert get_gateway().retrieve_subscription(subscription_id).status == "canceled"
    assert deleted(user)


def test_a_reader_without_a_membership_is_told_nothing_about_one(client, make_user, auth):
    """No membership: no word of one on the page."""
    make_user()
    auth.login()
    page = delete_page(client)
    assert ENDS["en"] not in page and "member benefits" not in page


def test_a_complimentary_member_is_told_the_benefits_end_with_the_account(client, make_user, auth):
    """A membership with no subscription (complimentary): its benefits end with the account."""
    user = make_user()
    membership.grant_comp(user, None, "test")
    db.session.commit()
    auth.login()
    page = delete_page(client)
    assert "Your member benefits end with your account." in page and ENDS["en"] not in page


def test_an_account_with_a_password_still_gives_it(client, make_user, auth):
    """A wrong password deletes nothing."""
    user = make_user()
    auth.login()
    page = page_text(delete_with(client, password="not the password"))
    assert "Your password is not right." in page and not deleted(user)


def test_an_account_without_a_password_confirms_with_an_emailed_code(client, passwordless):
    """No password field: a code is emailed on request, and typing it deletes the account."""
    page = delete_page(client)
    assert "Your password" not in page and "Email me a code" in page
    response = email_a_code(client)
    assert response.headers["Location"] == "/en/account/delete"
    page = delete_page(client)
    assert "We have emailed a code to reader@example.org." in page
    assert "Send a new code" in page
    response = delete_with(client, code=emailed_code(EMAIL))
    assert response.status_code == 302 and response.headers["Location"] == "/en/"
    assert deleted(passwordless)
    assert client.get("/en/account").status_code == 302


def test_a_wrong_or_malformed_code_deletes_nothing(client, passwordless):
    """A wrong code counts a try; letters are a format error; neither deletes."""
    email_a_code(client)
    code = emailed_code(EMAIL)
    wrong = f"{(int(code) + 1) % 1_000_000:06d}"
    assert "You have 4 tries left." in page_text(delete_with(client, code=wrong))
    page = page_text(delete_with(client, code="abcdef"))
    assert "A code is 6 digits." in page and not deleted(passwordless)
    row = db.session.scalar(select(SignInCode).where(SignInCode.email == EMAIL))
    assert row.wrong_tries == 1


def test_the_spent_sign_in_code_cannot_confirm_the_deletion(client, passwordless):
    """The code that signed the reader in is spent: typed on the delete page it deletes nothing."""
    page = page_text(delete_with(client, code=emailed_code(EMAIL)))
    assert "This code has expired or has already been used." in page
    assert not deleted(passwordless)


@pytest.mark.parametrize("lang", ["en", "ar"])
def test_stripe_down_keeps_the_code_for_the_next_try(client, stripe_emulator, passwordless, lang):
    """A member without a password types their code while Stripe is down: nothing is deleted,
    the page says so in their language, and the same code deletes the account (and its
    subscription) once Stripe answers. Nothing of the address's code stays after."""
    pay(client, stripe_emulator, start(client, lang=lang).headers["Location"])
    subscription_id = passwordless.membership.subscription_id
    email_a_code(client, lang)
    code = emailed_code(EMAIL)
    stripe_emulator.faults.fail_next(1, kind="connection")
    refused = delete_with(client, lang, code=code)
    assert refused.status_code == 503 and not deleted(passwordless)
    said = {"en": "your account was not deleted", "ar": "لم يُحذف حسابك"}[lang]
    assert said in page_text(refused)
    assert get_gateway().retrieve_subscription(subscription_id).status == "active"
    assert delete_with(client, lang, code=code).headers["Location"] == f"/{lang}/"
    assert deleted(passwordless)
    assert get_gateway().retrieve_subscription(subscription_id).status == "canceled"
    assert db.session.scalar(select(SignInCode).where(SignInCode.email == EMAIL)) is None


def test_an_arabic_reader_without_a_password_deletes_with_a_code(client, make_user):
    """The same in Arabic: the explanation, the code in an Arabic email, then the deletion."""
    user = make_user(EMAIL, password=None, lang="ar")
    ask_for_code(client, EMAIL, lang="ar")
    give_code(client, emailed_code(EMAIL), lang="ar")
    page = delete_page(client, "ar")
    assert "ليس لحسابك كلمة مرور" in page
    email_a_code(client, "ar")
    assert "أرسلنا رمزًا إلى reader@example.org." in delete_page(client, "ar")
    assert "الرمز 6 أرقام." in page_text(delete_with(client, "ar", code="١٢٣"))
    assert not deleted(user)
    typed = emailed_code(EMAIL).translate(str.maketrans("0123456789", "٠١٢٣٤٥٦٧٨٩"))
    assert delete_with(client, "ar", code=typed).headers["Location"] == "/ar/"
    assert deleted(user)
    assert db.session.scalar(select(User).where(User.email == EMAIL)) is None


def test_codes_for_the_delete_page_count_toward_the_address_limit(
    app, client, make_user, monkeypatch
):
    """Codes emailed from the delete page share the sign-in form's per-address limit."""
    monkeypatch.setitem(app.config, "RATELIMIT_SIGN_IN_CODE_EMAIL", "3 per hour")
    make_user(EMAIL, password=None)
    ask_for_code(client, EMAIL)  # the first of the three: signing in
    give_code(client, emailed_code(EMAIL))
    assert [email_a_code(client).status_code for _ in range(3)] == [302, 302, 429]
