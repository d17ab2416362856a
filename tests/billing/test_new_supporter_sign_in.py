"""A signed-out reader with a new email pays on the support form: the browser that started the
payment is signed in to the account made for it, and only that browser, only for that account."""

import pytest

from app.services import accounts
from tests.billing.test_gift_journey import give
from tests.conftest import page_text
from tests.paying import pay, start
from tests.signing_in import ask_for_code, emailed_code, give_code

SLUG = "putin-and-erdogan-meet-in-istanbul-amid-ongoing-battles-in-syrias-idlib"
EMAIL = "new-supporter@example.org"
TEXT = {
    "en": {"ad_free": "You now read without ads", "sign_out": "Sign out",
           "code": "To read without ads, sign in with a code we email you."},
    "ar": {"ad_free": "أصبحت تقرأ الآن من دون إعلانات", "sign_out": "تسجيل الخروج",
           "code": "لتقرأ من دون إعلانات، سجّل الدخول برمز نرسله إلى بريدك الإلكتروني."},
}  # fmt: skip


@pytest.fixture(autouse=True)
def content(sample_content):
    return sample_content


def browser(app, stripe_emulator):
    other = app.test_client()
    other.emulator = stripe_emulator
    return other


@pytest.mark.parametrize("lang", ["en", "ar"])
def test_the_new_supporter_is_signed_in_and_reads_without_ads(client, stripe_emulator, lang):
    """Paid: the welcome is true (signed in, Sign out in the header), the next article has no
    ads, and the account page opens."""
    pay_url = start(client, lang=lang, email=EMAIL).headers["Location"]
    done = pay(client, stripe_emulator, pay_url).response
    page = page_text(done)
    assert done.status_code == 200
    assert TEXT[lang]["ad_free"] in page and TEXT[lang]["sign_out"] in page
    article = client.get(f"/{lang}/articles/{SLUG}").get_data(as_text=True)
    assert "data-ad-slot" not in article and TEXT[lang]["sign_out"] in article
    assert client.get(f"/{lang}/account").status_code == 200
    again = client.get(pay_url.replace("/pay/", "/done/"))
    assert again.status_code == 200 and TEXT[lang]["ad_free"] in page_text(again)


def test_another_browser_with_the_done_address_is_not_signed_in(app, client, stripe_emulator):
    """The return page's address opened elsewhere shows nothing and signs nobody in."""
    pay_url = start(client, email=EMAIL).headers["Location"]
    pay(client, stripe_emulator, pay_url)
    stranger = browser(app, stripe_emulator)
    assert stranger.get(pay_url.replace("/pay/", "/done/")).status_code == 404
    assert stranger.get("/en/account").status_code == 302
    assert "Sign out" not in stranger.get(f"/en/articles/{SLUG}").get_data(as_text=True)


def test_another_browser_opening_it_first_does_not_take_the_sign_in(app, client, stripe_emulator):
    """Paid, then the address opened elsewhere before the reader's own return: still only the
    reader's browser is signed in."""
    pay_url = start(client, email=EMAIL).headers["Location"]
    done_url = pay_url.replace("/pay/", "/done/")
    stranger = browser(app, stripe_emulator)
    assert stranger.get(done_url).status_code == 404
    assert "Sign out" in page_text(pay(client, stripe_emulator, pay_url).response)
    assert stranger.get("/en/account").status_code == 302


def test_an_account_used_elsewhere_meanwhile_is_not_signed_in(app, client, stripe_emulator):
    """Someone signed in to the new account with a code in another browser before the payment
    came back: the return page signs nobody in, and says how to sign in instead of claiming
    ad-free reading."""
    pay_url = start(client, email=EMAIL).headers["Location"]
    elsewhere = browser(app, stripe_emulator)
    ask_for_code(elsewhere, EMAIL)
    give_code(elsewhere, emailed_code(EMAIL))
    done = pay(client, stripe_emulator, pay_url).response
    page = page_text(done)
    assert done.status_code == 200 and "Welcome, member!" in page
    assert TEXT["en"]["code"] in page and TEXT["en"]["ad_free"] not in page
    assert "Sign out" not in page and "/en/sign-in/email" in done.get_data(as_text=True)
    assert client.get("/en/account").status_code == 302


def test_an_existing_accounts_email_still_goes_through_the_code(client, stripe_emulator, make_user):
    """An address with an account (made by an earlier payment, no password) gets a code; the
    payment after it is the signed-in reader's, as before."""
    make_user(EMAIL, password=None)
    assert start(client, email=EMAIL).headers["Location"] == "/en/sign-in/email/code"
    assert "Sign out" not in client.get(f"/en/articles/{SLUG}").get_data(as_text=True)
    give_code(client, emailed_code(EMAIL))
    pay_url = client.get("/en/support/continue").headers["Location"]
    done = pay(client, stripe_emulator, pay_url).response
    assert TEXT["en"]["ad_free"] in page_text(done)
    assert "signed in on this device" not in page_text(done)


def test_a_donation_from_a_new_email_signs_in_too(client, stripe_emulator):
    """A one-time donation from a new address: thanked under its own title, and signed in."""
    pay_url = start(client, frequency="once", amount="500", email=EMAIL).headers["Location"]
    done = pay(client, stripe_emulator, pay_url).response
    html = done.get_data(as_text=True)
    assert "<title>Thank you for your donation" in html
    assert "You are signed in on this device." in page_text(done)
    assert accounts.find_user(EMAIL).password_hash is None


@pytest.mark.parametrize(
    ("lang", "title"), [("en", "Thank you for your gift"), ("ar", "شكرًا على هديتك")]
)
def test_the_gift_thank_you_page_is_titled_for_the_gift(client, stripe_emulator, lang, title):
    """The giver's return page is titled as a thank-you for the gift, not a welcome."""
    started = give(client, lang=lang, email="giver@example.org")
    done = pay(client, stripe_emulator, started.headers["Location"]).response
    assert f"<title>{title}" in done.get_data(as_text=True)


def test_the_owner_proving_the_address_signs_out_the_browser_that_typed_it(
    app, client, stripe_emulator
):
    """The payer typed an address nobody had proved and was signed in to the account made for it.
    Its owner's first code signs that browser out; a later code signs nobody else out."""
    pay(client, stripe_emulator, start(client, email=EMAIL).headers["Location"])
    assert client.get("/en/account").status_code == 200
    owner = browser(app, stripe_emulator)
    ask_for_code(owner, EMAIL)
    give_code(owner, emailed_code(EMAIL))
    assert owner.get("/en/account").status_code == 200
    assert client.get("/en/account").status_code == 302
    phone = browser(app, stripe_emulator)
    ask_for_code(phone, EMAIL)
    give_code(phone, emailed_code(EMAIL))
    assert (
        phone.get("/en/account").status_code == 200 and owner.get("/en/account").status_code == 200
    )


@pytest.mark.parametrize("lang", ["en", "ar"])
def test_a_gift_from_a_new_email_signs_the_giver_in(app, client, stripe_emulator, lang):
    """A giver with a new address is signed in on the thank-you page, as a new supporter is:
    their receipts and the gift are on their account page. The recipient's address has no
    account yet, and nobody is signed in to one for it."""
    started = give(client, lang=lang, email="giver@example.org")
    done = pay(client, stripe_emulator, started.headers["Location"]).response
    assert TEXT[lang]["sign_out"] in page_text(done)
    assert client.get(f"/{lang}/account").status_code == 200
    assert accounts.find_user("friend@example.org") is None
    again = client.get(started.headers["Location"].replace("/pay/", "/done/"))
    assert again.status_code == 200 and TEXT[lang]["sign_out"] in page_text(again)
    stranger = browser(app, stripe_emulator)
    assert stranger.get(f"/{lang}/account").status_code == 302
