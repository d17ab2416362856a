"""A returning supporter on the support form, signed out: the email they give has an account, so
they are sent a code, and after it go straight to paying for the very choice they made (amount,
frequency, the card fee, and the prompt and article it came from), through production's payment
path on the Stripe emulator."""

import re

import pytest
from sqlalchemy import func, select

from app.extensions import db
from app.models import Article, MembershipStatus, PaymentAttempt, Prompt
from app.services import checkout
from tests.conftest import csrf_token, page_text
from tests.paying import pay, start
from tests.signing_in import (
    ask_for_code,
    emailed_code,
    emailed_link,
    give_code,
    press_the_link_button,
)

EMAIL = "returning@example.org"
CODE_PAGE = "/en/sign-in/email/code"


@pytest.fixture
def returning(make_user):
    """A reader who gave before on the support form (an account without a password)."""
    return make_user(EMAIL, password=None)


def checked(html: str, name: str, value: str) -> bool:
    """Whether the form's radio button `name` = `value` is the one checked."""
    return bool(re.search(rf'<input checked[^>]* name="{name}"[^>]* value="{value}"', html))


def attempts():
    return db.session.scalars(select(PaymentAttempt).order_by(PaymentAttempt.id)).all()


def test_a_returning_supporter_signs_in_with_a_code_and_pays_the_same_choice(
    client, stripe_emulator, returning, sample_content
):
    """$5 a month on the annual plan with the fee, from a prompt under an article: a code, then
    the payment page for exactly that, attributed to the prompt and the article; then paid."""
    article = db.session.scalar(select(Article).where(Article.lang == "en"))
    prompt = db.session.scalar(select(Prompt).where(Prompt.lang == "en", Prompt.active))
    response = start(client, email=EMAIL, frequency="annual", amount="500", covers_fee="y",
                     prompt=str(prompt.id), article=str(article.id))  # fmt: skip
    assert response.headers["Location"] == CODE_PAGE
    assert attempts() == []
    page = page_text(client.get(CODE_PAGE))
    assert "Then you continue to pay, as you chose: $60 a year" in page

    response = give_code(client, emailed_code(EMAIL))
    assert response.headers["Location"] == "/en/support/continue"
    response = client.get("/en/support/continue")
    assert response.headers["Location"].startswith("/en/support/pay/")
    [attempt] = attempts()
    assert attempt.user_id == returning.id and attempt.interval == "year" and attempt.covers_fee
    assert attempt.amount == checkout.charge_amount(500, "annual", True, "usd") > 6000
    assert (attempt.prompt_id, attempt.article_id) == (prompt.id, article.id)

    done = pay(client, stripe_emulator, response.headers["Location"])
    assert "Welcome, member!" in done.response.get_data(as_text=True)
    db.session.refresh(returning)
    assert returning.membership.status == MembershipStatus.ACTIVE
    assert returning.membership.prompt_id == prompt.id


def test_another_amount_and_a_donation_in_arabic_are_kept(client, returning):
    """On the Arabic form, 7.50 once: the Arabic code page names it, and the payment is for it."""
    response = start(client, lang="ar", email=EMAIL, frequency="once", amount="other",
                     other_amount="7.50")  # fmt: skip
    assert response.headers["Location"] == "/ar/sign-in/email/code"
    page = page_text(client.get("/ar/sign-in/email/code"))
    assert "7.50 US$" in page and "مرة واحدة" in page
    give_code(client, emailed_code(EMAIL), lang="ar")
    pay_page = client.get("/ar/support/continue")
    assert pay_page.headers["Location"].startswith("/ar/support/pay/")
    [attempt] = attempts()
    assert (attempt.amount, attempt.interval, attempt.lang) == (750, None, "ar")


def test_the_emailed_link_in_the_same_browser_continues_to_payment(client, returning):
    """Pressing the email's button instead of typing the code leads to the same payment."""
    start(client, email=EMAIL, frequency="monthly", amount="1000")
    response = press_the_link_button(client, emailed_link(EMAIL))
    assert response.headers["Location"] == "/en/support/continue"
    assert client.get("/en/support/continue").headers["Location"].startswith("/en/support/pay/")
    assert [a.amount for a in attempts()] == [1000]


def test_the_link_in_another_browser_opens_the_form_with_the_choice(app, client, returning):
    """On another device nothing was chosen: signed in there, the support form preselects the
    choice (the reader presses Continue to payment)."""
    start(client, email=EMAIL, frequency="annual", amount="1000")
    phone = app.test_client()
    target = press_the_link_button(phone, emailed_link(EMAIL)).headers["Location"]
    assert target.startswith("/en/support?") and "frequency=annual" in target
    assert "amount=1000" in target
    form = phone.get(target).get_data(as_text=True)
    assert checked(form, "frequency", "annual") and checked(form, "amount", "1000")
    assert attempts() == []


def test_a_wrong_code_keeps_the_choice(client, returning):
    """A wrong code on the way says so and keeps the choice; the right one still continues."""
    start(client, email=EMAIL, amount="500")
    code = emailed_code(EMAIL)
    wrong = page_text(give_code(client, f"{(int(code) + 1) % 1_000_000:06d}"))
    assert "You have 4 tries left." in wrong and "$5 a month" in wrong
    give_code(client, code)
    assert client.get("/en/support/continue").headers["Location"].startswith("/en/support/pay/")


def test_a_new_code_asked_for_on_the_way_keeps_the_choice(client, returning):
    """Sending a new code from the code page keeps the choice made on the support form."""
    start(client, email=EMAIL, amount="500")
    token = csrf_token(client, CODE_PAGE)
    client.post("/en/sign-in/email", data={"email": EMAIL, "again": "1", "csrf_token": token})
    assert "$5 a month" in page_text(client.get(CODE_PAGE))
    give_code(client, emailed_code(EMAIL))
    assert client.get("/en/support/continue").headers["Location"].startswith("/en/support/pay/")
    assert [a.amount for a in attempts()] == [500]


def test_a_later_plain_sign_in_forgets_an_abandoned_choice(client, returning):
    """Left at the code page, then signing in from the sign-in page: no payment is started."""
    start(client, email=EMAIL, amount="500")
    ask_for_code(client, EMAIL)
    assert "$5 a month" not in page_text(client.get(CODE_PAGE))
    assert give_code(client, emailed_code(EMAIL)).headers["Location"] == "/en/"
    assert attempts() == []


def test_a_member_signing_in_from_the_form_is_told_so(client, stripe_emulator, returning, auth):
    """Already a member: after the code, the support form says so, with the choice shown."""
    start(client, email=EMAIL)
    give_code(client, emailed_code(EMAIL))
    pay(client, stripe_emulator, client.get("/en/support/continue").headers["Location"])
    auth.logout()
    start(client, email=EMAIL, amount="1000")
    give_code(client, emailed_code(EMAIL))
    response = client.get("/en/support/continue")
    assert response.status_code == 422
    assert "You are already a member." in page_text(response)
    assert checked(response.get_data(as_text=True), "amount", "1000")


def test_the_choice_is_paid_once(client, returning):
    """Continuing twice (the back button) starts one payment; without a choice, the form."""
    start(client, email=EMAIL)
    give_code(client, emailed_code(EMAIL))
    client.get("/en/support/continue")
    assert client.get("/en/support/continue").headers["Location"] == "/en/support"
    assert len(attempts()) == 1


def test_continuing_needs_a_signed_in_reader(client):
    """Signed out, the continue address sends to sign in and starts nothing."""
    assert client.get("/en/support/continue").headers["Location"].startswith("/en/login")
    assert db.session.scalar(select(func.count(PaymentAttempt.id))) == 0


def test_codes_from_the_support_form_share_the_per_address_limit(
    app, client, returning, monkeypatch
):
    """The form sends codes under the same per-address limit as the sign-in page; a new reader's
    email (no code sent) does not count."""
    monkeypatch.setitem(app.config, "RATELIMIT_SIGN_IN_CODE_EMAIL", "2 per hour")
    for n in range(3):
        assert start(client, email=f"new{n}@example.org").status_code == 302
    assert start(client, email=EMAIL).status_code == 302
    assert start(client, email=EMAIL).status_code == 302
    limited = start(client, email=EMAIL)
    assert limited.status_code == 429 and "Too many sign-in codes" in page_text(limited)
