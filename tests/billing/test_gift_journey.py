"""A gift membership through production's path: our gift form and payment page, the real Stripe
SDK confirming on the Stripe emulator, its webhooks delivered by the test client, the recipient's
email from the outbox, and the page its link opens."""

import re
from datetime import UTC, datetime, timedelta
from html import unescape

import pytest
from sqlalchemy import func, select

from app.extensions import db
from app.models import (
    Gift,
    GiftState,
    MembershipStatus,
    OutboxMessage,
    Payment,
    SignupSource,
    User,
)  # fmt: skip
from app.services import accounts, gift_redemption, gifts, membership
from app.utc import aware
from tests.conftest import csrf_token, page_text
from tests.paying import DECLINED, OK, pay

LINK = re.compile(r"(/(?:ar|en)/gift/redeem/[A-Za-z0-9_-]+)")


def give(client, lang="en", months="3", amount="500", **extra):
    """Fill in the gift form as a giver would (today's date, unless told otherwise)."""
    data = {"months": months, "amount": amount, "recipient_email": "friend@example.org",
            "lang": lang, "giver_name": "Sara", "message": "", "deliver_on": gifts.today().isoformat(),
            "csrf_token": csrf_token(client, f"/{lang}/gift")}  # fmt: skip
    data.update(extra)
    return client.post(f"/{lang}/gift", data=data)


def mail_to(address):
    return db.session.scalars(
        select(OutboxMessage).where(OutboxMessage.to == address).order_by(OutboxMessage.id)
    ).all()


def link_in(message) -> str:
    return LINK.search(message.body).group(1)


@pytest.fixture
def giver(make_user, auth):
    user = make_user("giver@example.org", lang="ar")
    auth.login(email="giver@example.org", lang="ar")
    return user


@pytest.fixture
def recipient_client(app, stripe_emulator):
    """The recipient's own browser (no cookies of the giver's)."""
    other = app.test_client()
    other.emulator = stripe_emulator
    return other


def test_a_gift_bought_and_redeemed_in_arabic(client, recipient_client, giver):
    """Three months at $5 bought in Arabic for an Arabic email: $15 charged once through the
    Payment Element; the recipient's Arabic email links to a page whose GET changes nothing and
    whose one button makes a new account complimentary for three months; the giver has a receipt."""
    started = give(client, lang="ar", giver_name="سارة", message="عيد ميلاد سعيد!")
    assert "/ar/support/pay/" in started.headers["Location"]
    page = page_text(client.get(started.headers["Location"]))
    assert "15 US$" in page.replace("\u200f", "").replace("\u200e", "")
    done = pay(client, client.emulator, started.headers["Location"], OK)
    assert done.response.status_code == 200
    thanks = page_text(done.response)
    assert "شكرًا على هديتك" in thanks and "friend@example.org" in thanks

    [gift] = db.session.scalars(select(Gift)).all()
    assert (gift.state, gift.amount, gift.months, gift.lang) == (GiftState.SENT, 1500, 3, "ar")
    [payment] = db.session.scalars(select(Payment).where(Payment.kind == "gift")).all()
    assert (payment.amount, payment.status, payment.user_id) == (1500, "paid", giver.id)

    [email] = mail_to("friend@example.org")
    assert email.lang == "ar" and "سارة" in email.body and "عيد ميلاد سعيد!" in email.body
    assert 'dir="rtl"' in email.html
    link = link_in(email)

    shown = recipient_client.get(link)
    assert shown.status_code == 200 and shown.headers["Cache-Control"] == "private, no-store"
    assert "عيد ميلاد سعيد!" in page_text(shown)
    db.session.refresh(gift)
    assert gift.state == GiftState.SENT and accounts.find_user("friend@example.org") is None

    redeemed = recipient_client.post(link, data={"csrf_token": csrf_token(recipient_client, link)})
    assert redeemed.status_code == 200
    assert "بدأت عضويتك" in page_text(redeemed)
    # The emailed link proved the address: the account it made is signed in, in this browser.
    assert "سجّلت الدخول على هذا الجهاز" in page_text(redeemed)
    assert "تسجيل الخروج" in page_text(redeemed)
    assert recipient_client.get("/ar/account").status_code == 200
    friend = accounts.find_user("friend@example.org")
    assert friend.signup_source == SignupSource.GIFT and friend.language == "ar"
    assert friend.email_confirmed_at is not None and friend.password_hash is None
    db.session.refresh(gift)
    assert (gift.state, gift.redeemed_by_id) == (GiftState.REDEEMED, friend.id)
    assert friend.membership.status == MembershipStatus.COMPLIMENTARY
    assert membership.perks_for(friend).ad_free
    # Three calendar months from the moment it was opened (Jan 31 runs to Apr 30).
    until, opened = friend.membership.comp_until, gift.comp_from
    assert aware(until) == gift_redemption.add_months(aware(opened), 3)
    assert timedelta(0) <= datetime.now(UTC) - aware(opened) < timedelta(minutes=1)
    assert any("password" in unescape(m.subject).lower() or "كلمة" in m.subject
               for m in mail_to("friend@example.org")[1:])  # fmt: skip

    [receipt] = [m for m in mail_to("giver@example.org") if "friend@example.org" in m.body]
    assert receipt.lang == "ar" and "EB-" in receipt.body
    receipt_page = page_text(client.get(f"/ar/account/receipts/{payment.id}"))
    assert "عضوية مُهداة إلى friend@example.org: 3 أشهر" in receipt_page
    account = client.get("/ar/account").get_data(as_text=True)
    assert 'data-gift-state="redeemed"' in account and "فُعّلت" in page_text(account)


def test_the_redemption_is_single_use(client, recipient_client, giver):
    """A second press, or the link opened again, redeems nothing more and says it was redeemed."""
    pay(client, client.emulator, give(client).headers["Location"], OK)
    link = link_in(mail_to("friend@example.org")[0])
    token = csrf_token(recipient_client, link)
    assert recipient_client.post(link, data={"csrf_token": token}).status_code == 200
    friend = accounts.find_user("friend@example.org")
    until = friend.membership.comp_until
    again = recipient_client.post(link, data={"csrf_token": token})
    assert "This gift has been redeemed" in page_text(again)
    # The first press signed the recipient in: the page leads to their account, not to signing in.
    html = again.get_data(as_text=True)
    assert (
        'class="button" href="/en/account"' in html
        and 'class="button" href="/en/login"' not in html
    )
    signed_out = recipient_client.application.test_client().get(link).get_data(as_text=True)
    assert 'class="button" href="/en/login"' in signed_out
    db.session.refresh(friend.membership)
    assert friend.membership.comp_until == until
    assert recipient_client.get(link.rsplit("/", 1)[0] + "/not-a-secret").status_code == 404


def test_a_press_without_the_pages_token_redeems_nothing(client, recipient_client, giver):
    """The button's form carries its CSRF token; a post from elsewhere (no token, or another
    session's) leaves the gift waiting and makes no account."""
    pay(client, client.emulator, give(client).headers["Location"], OK)
    link = link_in(mail_to("friend@example.org")[0])
    for data in ({}, {"csrf_token": csrf_token(client, "/en/gift")}):
        assert "This gift has been redeemed" not in page_text(
            recipient_client.post(link, data=data)
        )
    db.session.expire_all()
    assert db.session.scalar(select(Gift.state)) == GiftState.SENT
    assert accounts.find_user("friend@example.org") is None


def test_an_existing_account_gets_the_gift_after_its_comp(
    client, recipient_client, giver, make_user
):
    """A recipient with an account keeps it (no new account, no password email), and a running
    complimentary period is extended: the gift starts when it ends."""
    friend = make_user("friend@example.org")
    ends = datetime.now(UTC) + timedelta(days=10)
    membership.apply(friend, membership.CompGrant(until=ends), "test")
    db.session.commit()
    pay(client, client.emulator, give(client, months="1", amount="100").headers["Location"], OK)
    link = link_in(mail_to("friend@example.org")[0])
    recipient_client.post(link, data={"csrf_token": csrf_token(recipient_client, link)})
    db.session.refresh(friend.membership)
    assert friend.membership.comp_until.replace(tzinfo=UTC).date() in {
        (ends + timedelta(days=days)).date() for days in (28, 29, 30, 31)
    }
    assert len(mail_to("friend@example.org")) == 1  # the gift's email only
    assert (
        recipient_client.get("/en/account").status_code == 302
    )  # an old account signs in as usual


def test_a_declined_card_keeps_the_gift_waiting_and_the_same_page_pays(client, giver):
    """4000 0000 0000 0002 is declined in place; nothing is sent; 4242 on the same page pays once."""
    pay_url = give(client).headers["Location"]
    assert (
        pay(client, client.emulator, pay_url, DECLINED).error["decline_code"] == "generic_decline"
    )
    [gift] = db.session.scalars(select(Gift)).all()
    assert gift.state == GiftState.PENDING_PAYMENT and mail_to("friend@example.org") == []
    pay(client, client.emulator, pay_url, OK)
    db.session.refresh(gift)
    assert gift.state == GiftState.SENT and len(mail_to("friend@example.org")) == 1


def test_a_signed_out_giver_with_a_new_email_gets_an_account(client):
    """Signed out: the giver's new address gets an account and a set-password link."""
    started = give(client, email="new-giver@example.org")
    assert "/en/support/pay/" in started.headers["Location"]
    giver = accounts.find_user("new-giver@example.org")
    assert giver is not None and giver.password_hash is None
    pay(client, client.emulator, started.headers["Location"], OK)
    assert db.session.scalar(select(Gift.state)) == GiftState.SENT


@pytest.mark.parametrize(("lang", "said"), [("en", "Enter your email address."),
                                            ("ar", "أدخل بريدك الإلكتروني.")])  # fmt: skip
def test_a_signed_out_giver_without_an_email_is_asked_for_it(client, lang, said):
    """Signed out with no email of their own: the form again, saying so; no account, no gift."""
    users = db.session.scalar(select(func.count(User.id)))
    response = give(client, lang=lang, email="")
    assert response.status_code == 400 and said in page_text(response)
    assert db.session.scalars(select(Gift)).all() == []
    assert db.session.scalar(select(func.count(User.id))) == users


def test_a_signed_out_giver_whose_email_has_an_account_is_sent_a_code(client, make_user):
    """An address with an account is not used without signing in: a code is sent and nothing is
    made until it is given (tests/billing/test_gift_sign_in.py follows the rest)."""
    make_user("giver@example.org")
    sent = give(client, email="giver@example.org")
    assert sent.headers["Location"] == "/en/sign-in/email/code"
    assert db.session.scalars(select(Gift)).all() == []


def test_the_form_refuses_dates_outside_a_year_and_lengths_not_offered(client, giver):
    """A date past a year from now, or 2 months, is refused with a message; nothing is created."""
    late = (gifts.today() + timedelta(days=400)).isoformat()
    assert give(client, lang="en", deliver_on=late).status_code == 400
    assert give(client, lang="en", months="2").status_code == 400
    assert give(client, lang="en", amount="700").status_code == 400
    assert db.session.scalars(select(Gift)).all() == []
