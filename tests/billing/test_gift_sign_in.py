"""A signed-out giver on the gift form whose email has an account: they are sent a code, their
order waits in the session, and after the code it is checked again and goes on to its payment
page, through production's payment path on the Stripe emulator."""

import time
from datetime import timedelta

import pytest
from sqlalchemy import select

from app.accounts.sign_in_codes import GIFT_ORDER
from app.extensions import db
from app.models import Gift, GiftState, Payment, PaymentAttempt
from app.services import gifts
from tests.billing.test_gift_journey import give, mail_to
from tests.conftest import csrf_token, page_text
from tests.paying import OK, pay
from tests.signing_in import emailed_code, emailed_link, give_code, press_the_link_button

EMAIL = "giver@example.org"


@pytest.fixture
def returning(make_user):
    """A giver with an account, signed out in this browser."""
    return make_user(EMAIL, lang="ar", password=None)


def gifts_made():
    return db.session.scalars(select(Gift).order_by(Gift.id)).all()


def attempts():
    return db.session.scalars(select(PaymentAttempt).order_by(PaymentAttempt.id)).all()


def signed_in_with_the_code(client, lang="en", **order):
    """Fill in the gift form signed out with the account's email, then give the emailed code;
    the code page's text and where the code leads."""
    response = give(client, lang=lang, email=EMAIL, **order)
    assert response.headers["Location"] == f"/{lang}/sign-in/email/code"
    code_page = page_text(client.get(f"/{lang}/sign-in/email/code"))
    signed_in = give_code(client, emailed_code(EMAIL), lang=lang)
    return code_page, signed_in.headers["Location"]


def test_a_returning_giver_signs_in_with_a_code_and_pays_the_same_gift(
    client, stripe_emulator, returning
):
    """Six months at $10 with a message: a code (nothing made before it), then the payment page
    for exactly that gift, paid once, for the recipient as filled in."""
    later = (gifts.today() + timedelta(days=20)).isoformat()
    code_page, target = signed_in_with_the_code(
        client, months="6", amount="1000", giver_name="Sam", message="For your birthday",
        deliver_on=later,
    )  # fmt: skip
    assert "Then your gift continues to payment, as you filled it in: 6 months, $60 once" in (
        code_page
    )
    assert gifts_made() == [] and attempts() == []
    assert target == "/en/gift/continue"

    response = client.get("/en/gift/continue")
    assert response.headers["Location"].startswith("/en/support/pay/")
    [gift] = gifts_made()
    assert (gift.giver_id, gift.months, gift.amount, gift.giver_name) == (
        returning.id, 6, 6000, "Sam",
    )  # fmt: skip
    assert (gift.recipient_email, gift.message, gift.lang) == (
        "friend@example.org", "For your birthday", "en",
    )  # fmt: skip
    assert gift.deliver_on.isoformat() == later

    done = pay(client, stripe_emulator, response.headers["Location"], OK)
    assert done.response.status_code == 200
    db.session.refresh(gift)
    assert gift.state == GiftState.PAID
    [payment] = db.session.scalars(select(Payment).where(Payment.kind == "gift")).all()
    assert (payment.amount, payment.user_id) == (6000, returning.id)


def test_in_arabic_the_code_page_names_the_gift_and_the_gift_is_sent(client, returning):
    """On the Arabic form: the Arabic code page names the gift, and after the code the payment
    page pays it; the recipient's Arabic email goes today."""
    code_page, target = signed_in_with_the_code(client, lang="ar", giver_name="سارة")
    assert "ثم تنتقل هديتك إلى الدفع كما ملأتها" in code_page and "3 أشهر" in code_page
    assert target == "/ar/gift/continue"
    pay_url = client.get("/ar/gift/continue").headers["Location"]
    assert pay_url.startswith("/ar/support/pay/")
    pay(client, client.emulator, pay_url, OK)
    [gift] = gifts_made()
    assert (gift.state, gift.amount, gift.lang, gift.giver_name) == (
        GiftState.SENT, 1500, "ar", "سارة",
    )  # fmt: skip
    [email] = mail_to("friend@example.org")
    assert email.lang == "ar"


def test_the_emailed_link_in_the_same_browser_continues_the_gift(client, returning):
    """Pressing the email's button instead of typing the code leads to the same payment."""
    give(client, email=EMAIL, amount="1000")
    response = press_the_link_button(client, emailed_link(EMAIL))
    assert response.headers["Location"] == "/en/gift/continue"
    assert client.get("/en/gift/continue").headers["Location"].startswith("/en/support/pay/")
    assert [gift.amount for gift in gifts_made()] == [3000]


def test_a_new_code_asked_for_on_the_way_keeps_the_gift(client, returning):
    """Sending a new code from the code page keeps the gift order."""
    give(client, email=EMAIL)
    url = "/en/sign-in/email/code"
    client.post("/en/sign-in/email", data={"email": EMAIL, "again": "1",
                                          "csrf_token": csrf_token(client, url)})  # fmt: skip
    assert "3 months, $15 once" in page_text(client.get(url))
    assert give_code(client, emailed_code(EMAIL)).headers["Location"] == "/en/gift/continue"


def test_reloading_the_continue_page_charges_once(client, returning):
    """Continuing again (a reload, the back button) goes to the same payment page: one gift, one
    payment at Stripe."""
    signed_in_with_the_code(client)
    first = client.get("/en/gift/continue").headers["Location"]
    assert client.get("/en/gift/continue").headers["Location"] == first
    assert client.get("/en/gift/continue").headers["Location"] == first
    assert len(gifts_made()) == 1 and len(attempts()) == 1
    intents = [r for r in client.emulator.requests
               if r[0].upper() == "POST" and r[1] == "/v1/payment_intents"]  # fmt: skip
    assert len(intents) == 1


def test_continuing_without_a_kept_order_opens_the_form(client, auth, make_user):
    """Signed in without a gift waiting: the gift form, nothing started; signed out: sign in."""
    assert client.get("/en/gift/continue").headers["Location"].startswith("/en/login")
    make_user("member@example.org")
    auth.login(email="member@example.org")
    assert client.get("/en/gift/continue").headers["Location"] == "/en/gift"
    assert gifts_made() == []


def keep(client, page_lang="en", **changes):
    """Sign in by code from the gift form, then change the order kept in the session."""
    signed_in_with_the_code(client, lang=page_lang)
    with client.session_transaction() as session:
        session[GIFT_ORDER] = {**session[GIFT_ORDER], **changes}


@pytest.mark.parametrize(
    "changes",
    [{"months": 2}, {"amount": 700}, {"amount": "lots"}, {"to": "not an email"},
     {"on": (gifts.today() + timedelta(days=400)).isoformat()}, {"name": None}],
)  # fmt: skip
def test_a_kept_order_changed_on_the_way_is_refused(client, returning, changes):
    """An order that no longer passes the form's own checks is not paid: the form again, filled
    in with it, saying why; nothing is made at Stripe or here."""
    keep(client, **changes)
    response = client.get("/en/gift/continue")
    assert response.status_code == 422
    assert "Your gift could not be continued as it was kept, so nothing was charged." in (
        page_text(response)
    )
    assert gifts_made() == [] and attempts() == []


def test_a_kept_order_refused_in_arabic_says_so_in_arabic(client, returning):
    """The refusal is in the reader's language, and the form shown posts (its token is current)."""
    keep(client, "ar", months=5)
    response = client.get("/ar/gift/continue")
    assert response.status_code == 422
    assert "تعذّرت متابعة هديتك كما حُفظت" in page_text(response)
    html = response.get_data(as_text=True)
    assert 'value="friend@example.org"' in html and 'name="csrf_token"' in html


def test_a_stale_kept_order_is_refused_and_shown_again(client, returning):
    """An order kept over an hour is shown again to be checked, in the reader's language; the
    form then pays it once submitted."""
    keep(client, "ar", at=int(time.time()) - 3601)
    response = client.get("/ar/gift/continue")
    assert response.status_code == 422
    text = page_text(response)
    assert "انتظرت هديتك طويلًا قبل الدفع، فلم نأخذ أي مبلغ." in text
    assert gifts_made() == []
    assert give(client, lang="ar").headers["Location"].startswith("/ar/support/pay/")
    assert len(gifts_made()) == 1


def test_a_delivery_date_gone_by_while_signing_in_is_refused(client, returning):
    """A date the kept order chose that has since passed (more than a day ago) is not paid."""
    keep(client, on=(gifts.today() - timedelta(days=3)).isoformat())
    response = client.get("/en/gift/continue")
    assert response.status_code == 422
    assert "Choose a date between today and a year from now." in page_text(response)
    assert gifts_made() == []


def test_a_kept_order_that_is_not_an_order_opens_the_form(client, returning):
    """Something else in the session's place: the gift form, nothing started."""
    signed_in_with_the_code(client)
    with client.session_transaction() as session:
        session[GIFT_ORDER] = ["not", "an", "order"]
    assert client.get("/en/gift/continue").headers["Location"] == "/en/gift"
    assert gifts_made() == []
