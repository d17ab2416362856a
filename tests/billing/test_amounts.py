"""Amount limits through the real pages: the support form, the change-amount form and a prompt
link's preselection refuse what is out of bounds before anything is written or sent to Stripe,
take exactly the maximum, and a zero-decimal SUPPORT_CURRENCY works end to end."""

import re

import pytest
from sqlalchemy import func, select

from app.extensions import db
from app.models import MembershipStatus, Payment, PaymentAttempt, User
from app.services import membership
from tests.conftest import csrf_token, page_text
from tests.paying import OK, pay, start

ARABIC_LETTERS = re.compile(r"[\u0621-\u064a]")
NOTICE = re.compile(r'<div class="notice notice--warning" role="alert">(.*?)</div>', re.S)
FIELD_ERRORS = re.compile(r'<ul class="errors" id="[^"]+-errors">(.*?)</ul>', re.S)


@pytest.fixture
def reader(make_user, auth):
    user = make_user()
    auth.login()
    return user


def posts(emulator, path_prefix):
    return [r for r in emulator.requests if r[0].upper() == "POST" and r[1].startswith(path_prefix)]


def attempts():
    return db.session.scalar(select(func.count(PaymentAttempt.id)))


def alert_text(response):
    match = NOTICE.search(response.get_data(as_text=True))
    assert match, "no refusal shown"
    return page_text(match.group(1))


def field_errors(response):
    return page_text(" ".join(FIELD_ERRORS.findall(response.get_data(as_text=True))))


# The support form --------------------------------------------------------------------------------


def test_a_billion_dollars_is_refused_in_english_and_nothing_is_written(
    client, stripe_emulator, reader
):
    """1e9 dollars a month was accepted and paid: now a 4xx with the maximum named, no attempt,
    no Stripe call."""
    response = start(client, amount="other", other_amount="1000000000")
    assert response.status_code == 422
    assert alert_text(response) == "The largest amount is \u2066$10,000\u2069 a month."
    assert attempts() == 0
    assert posts(stripe_emulator, "/v1/subscriptions") == []
    assert posts(stripe_emulator, "/v1/payment_intents") == []


def test_a_billion_dollars_is_refused_in_arabic_on_the_arabic_page(client, stripe_emulator, reader):
    """The same refusal on /ar/, in Arabic, naming the maximum as Arabic pages write amounts."""
    response = start(client, lang="ar", amount="other", other_amount="1000000000")
    assert response.status_code == 422
    message = alert_text(response)
    assert "10,000 US$" in message
    assert ARABIC_LETTERS.search(message), f"not in Arabic: {message}"
    assert attempts() == 0
    assert posts(stripe_emulator, "/v1/subscriptions") == []


def test_1e9_typed_literally_is_not_an_amount(client, stripe_emulator, reader):
    """'1e9' is not something we read as a number of dollars: the field says what to type."""
    response = start(client, lang="ar", amount="other", other_amount="1e9")
    assert response.status_code == 400
    assert "أدخل مبلغًا" in field_errors(response)
    assert attempts() == 0
    assert posts(stripe_emulator, "/v1/subscriptions") == []


def test_a_signed_out_reader_past_the_maximum_gets_no_account(client, stripe_emulator):
    """Refused before the account a new email would get is made."""
    before = db.session.scalar(select(func.count(User.id)))
    response = start(client, amount="other", other_amount="10000.01", email="big@example.org")
    assert response.status_code == 422
    assert db.session.scalar(select(func.count(User.id))) == before
    assert posts(stripe_emulator, "/v1/") == []


@pytest.mark.parametrize(
    ("lang", "said"),
    [("en", "Enter your email address."), ("ar", "أدخل بريدك الإلكتروني.")],
)
def test_a_signed_out_reader_without_an_email_is_asked_for_it(client, stripe_emulator, lang, said):
    """No email, signed out: the form again saying so (not an account with no address, then a
    code page for it the next time), nothing written, nothing sent to Stripe; twice alike."""
    before = db.session.scalar(select(func.count(User.id)))
    for _ in range(2):
        response = start(client, lang=lang, email="")
        assert response.status_code == 400 and said in field_errors(response)
    assert db.session.scalar(select(func.count(User.id))) == before and attempts() == 0
    assert posts(stripe_emulator, "/v1/") == []


def test_another_amount_left_empty_is_asked_for(client, stripe_emulator, reader):
    """ "Another amount" chosen and nothing typed: the field says what to type."""
    response = start(client, amount="other", other_amount="")
    assert response.status_code == 400
    assert field_errors(response) == "Enter an amount, for example 3 or 7.50."
    assert attempts() == 0


def test_exactly_the_maximum_a_month_is_accepted(client, stripe_emulator, reader):
    response = start(client, amount="other", other_amount="10000")
    assert "/en/support/pay/" in response.headers["Location"]
    attempt = db.session.scalar(select(PaymentAttempt))
    assert (attempt.amount, attempt.interval) == (1_000_000, "month")
    [created] = posts(stripe_emulator, "/v1/subscriptions")
    assert created[2]["items"][0]["price_data"]["unit_amount"] == "1000000"
    assert "$10,000 today" in page_text(client.get(response.headers["Location"]))


def test_annual_support_at_the_maximum_is_twelve_times_it(client, stripe_emulator, reader):
    response = start(client, frequency="annual", amount="other", other_amount="10000")
    assert response.status_code == 302
    attempt = db.session.scalar(select(PaymentAttempt))
    assert (attempt.amount, attempt.interval) == (12_000_000, "year")
    refused = start(client, frequency="annual", amount="other", other_amount="10000.01")
    assert refused.status_code == 422
    assert "$10,000" in alert_text(refused)


def test_a_donation_may_be_twelve_times_the_monthly_maximum(client, stripe_emulator, reader):
    response = start(client, frequency="once", amount="other", other_amount="120000")
    assert response.status_code == 302
    assert db.session.scalar(select(PaymentAttempt)).amount == 12_000_000
    refused = start(client, frequency="once", amount="other", other_amount="120000.01")
    assert refused.status_code == 422
    assert alert_text(refused) == "The largest one-time donation is \u2066$120,000\u2069."
    assert attempts() == 1
    assert len(posts(stripe_emulator, "/v1/payment_intents")) == 1


def test_the_maximum_follows_the_setting(app, client, stripe_emulator, reader, monkeypatch):
    monkeypatch.setitem(app.config, "SUPPORT_MAX_MONTHLY", 50)
    refused = start(client, amount="other", other_amount="51")
    assert refused.status_code == 422
    assert alert_text(refused) == "The largest amount is \u2066$50\u2069 a month."
    assert start(client, amount="other", other_amount="50").status_code == 302


def test_the_minimum_is_named_and_kept(client, stripe_emulator, reader):
    """Below one dollar: refused as before (422), the message naming the configured minimum."""
    response = start(client, amount="other", other_amount="0.99")
    assert response.status_code == 422
    assert alert_text(response) == "The smallest amount is \u2066$1\u2069."
    assert "In US dollars, at least $1." in page_text(response)
    assert attempts() == 0


# The change-amount form -------------------------------------------------------------------------


@pytest.fixture
def member(client, stripe_emulator, reader):
    pay(client, stripe_emulator, start(client).headers["Location"], OK)
    db.session.refresh(reader.membership)
    assert reader.membership.status == MembershipStatus.ACTIVE
    return reader


def change(client, amount, frequency="monthly", lang="en"):
    token = csrf_token(client, f"/{lang}/account/support/change")
    return client.post(f"/{lang}/account/support/change",
                       data={"frequency": frequency, "amount": amount, "csrf_token": token})  # fmt: skip


def test_changing_to_more_than_the_maximum_is_refused(client, stripe_emulator, member):
    before = len(stripe_emulator.requests)
    response = change(client, "1000000000")
    assert response.status_code == 200  # the form again, with its reason beside the field
    assert field_errors(response) == "The largest amount is \u2066$10,000\u2069 a month."
    annual = change(client, "10000.01", frequency="annual")
    assert "$10,000" in field_errors(annual)
    assert not [r for r in stripe_emulator.requests[before:] if r[0].upper() == "POST"]
    db.session.refresh(member.membership)
    assert (member.membership.amount, member.membership.interval) == (100, "month")


def test_changing_is_refused_in_arabic_on_the_arabic_page(client, stripe_emulator, member):
    response = change(client, "١٠٠٠٠٠٠٠٠٠", lang="ar")
    message = field_errors(response)
    assert "10,000 US$" in message
    assert ARABIC_LETTERS.search(message), f"not in Arabic: {message}"
    db.session.refresh(member.membership)
    assert member.membership.amount == 100


def test_changing_to_exactly_the_maximum_is_accepted(client, stripe_emulator, member):
    response = change(client, "10000")
    assert response.status_code == 302
    db.session.refresh(member.membership)
    assert (member.membership.amount, member.membership.interval) == (1_000_000, "month")
    change(client, "10000", frequency="annual")
    db.session.refresh(member.membership)
    assert (member.membership.amount, member.membership.interval) == (12_000_000, "year")


def test_changing_below_the_minimum_is_refused_on_the_form(client, stripe_emulator, member):
    response = change(client, "0.50")
    assert field_errors(response) == "The smallest amount is \u2066$1\u2069."
    db.session.refresh(member.membership)
    assert member.membership.amount == 100


def test_a_member_changes_support_in_their_own_currency(
    app, client, stripe_emulator, reader, monkeypatch
):
    """A member who pays in Kuwaiti dinars (a three-decimal currency) after SUPPORT_CURRENCY has
    moved on: the change form reads, limits and names amounts in dinars, and Stripe gets fils."""
    monkeypatch.setitem(app.config, "SUPPORT_CURRENCY", "kwd")
    pay(client, stripe_emulator, start(client, amount="1000").headers["Location"], OK)
    db.session.refresh(reader.membership)
    assert (reader.membership.amount, reader.membership.currency) == (1000, "kwd")
    monkeypatch.setitem(app.config, "SUPPORT_CURRENCY", "usd")

    page = page_text(client.get("/en/account/support/change"))
    assert "Now: KWD 1 a month" in page
    assert "The monthly amount in Kuwaiti dinars, from KWD 1 to KWD 10,000;" in page
    assert field_errors(change(client, "0.5")) == "The smallest amount is \u2066KWD 1\u2069."
    assert field_errors(change(client, "10000.01")) == (
        "The largest amount is \u2066KWD 10,000\u2069 a month."
    )
    assert "Enter an amount" in field_errors(change(client, "5.125"))  # Stripe wants tens of fils
    before = len(stripe_emulator.requests)
    assert change(client, "5.12").status_code == 302
    db.session.refresh(reader.membership)
    assert (reader.membership.amount, reader.membership.currency) == (5120, "kwd")
    [changed] = [r for r in stripe_emulator.requests[before:]
                 if r[0].upper() == "POST" and r[1].startswith("/v1/subscriptions/")]  # fmt: skip
    assert "5120" in str(changed[2]) and "kwd" in str(changed[2])
    assert "KWD 5.120 a month" in page_text(client.get("/en/account"))


def test_the_change_form_in_arabic_names_the_members_currency(
    app, client, stripe_emulator, reader, monkeypatch
):
    monkeypatch.setitem(app.config, "SUPPORT_CURRENCY", "jpy")
    pay(client, stripe_emulator, start(client, amount="500").headers["Location"], OK)
    monkeypatch.setitem(app.config, "SUPPORT_CURRENCY", "usd")
    page = page_text(client.get("/ar/account/support/change"))
    assert "1 JP¥" in page and "10,000 JP¥" in page and "US$" not in page
    assert "10,000 JP¥" in field_errors(change(client, "10001", lang="ar"))


# A prompt link's preselection -------------------------------------------------------------------


def checked_amount(html):
    match = re.search(r'<input checked id="amount-\d+" name="amount" required type="radio" '
                      r'value="([^"]+)">', html)  # fmt: skip
    return match.group(1) if match else None


def test_a_prompt_link_past_the_maximum_preselects_another_amount(client):
    assert checked_amount(client.get("/en/support?amount=500").get_data(as_text=True)) == "500"
    page = client.get("/en/support?amount=100000000000").get_data(as_text=True)
    assert checked_amount(page) == "other"
    page = client.get("/en/support?frequency=once&amount=12000001").get_data(as_text=True)
    assert checked_amount(page) == "other"


# A zero-decimal currency ------------------------------------------------------------------------


def test_a_zero_decimal_currency_end_to_end(app, client, stripe_emulator, reader, monkeypatch):
    """SUPPORT_CURRENCY=jpy: yen typed, yen hinted, yen sent to Stripe, yen paid and shown."""
    monkeypatch.setitem(app.config, "SUPPORT_CURRENCY", "jpy")
    assert "Become a member from ¥1 a month" in page_text(client.get("/en/account"))
    page = page_text(client.get("/en/support"))
    assert "In Japanese yen, at least ¥1." in page
    assert "¥500 a month" in page
    fraction = start(client, amount="other", other_amount="1500.5")
    assert fraction.status_code == 400 and attempts() == 0
    too_much = start(client, amount="other", other_amount="10001")
    assert too_much.status_code == 422
    assert alert_text(too_much) == "The largest amount is \u2066¥10,000\u2069 a month."
    response = start(client, amount="other", other_amount="١٥٠٠")
    assert "/en/support/pay/" in response.headers["Location"]
    [created] = posts(stripe_emulator, "/v1/subscriptions")
    price = created[2]["items"][0]["price_data"]
    assert (price["currency"], price["unit_amount"]) == ("jpy", "1500")
    assert "¥1,500 today, then ¥1,500 every month" in page_text(
        client.get(response.headers["Location"])
    )
    done = pay(client, stripe_emulator, response.headers["Location"], OK)
    assert "Welcome, member!" in done.response.get_data(as_text=True)
    db.session.refresh(reader.membership)
    assert (reader.membership.amount, reader.membership.currency) == (1500, "jpy")
    assert membership.perks_for(reader).member
    [paid] = db.session.scalars(select(Payment).where(Payment.user_id == reader.id)).all()
    assert (paid.amount, paid.currency) == (1500, "jpy")
    assert "¥1,500" in page_text(client.get("/en/account"))


def test_a_zero_decimal_card_fee_has_no_cents(app, client, stripe_emulator, reader, monkeypatch):
    monkeypatch.setitem(app.config, "SUPPORT_CURRENCY", "jpy")
    start(client, frequency="once", amount="other", other_amount="1000", covers_fee="y")
    assert db.session.scalar(select(PaymentAttempt)).amount == 1030  # 1000 / 0.971, no 30¢
    [created] = posts(stripe_emulator, "/v1/payment_intents")
    assert (created[2]["currency"], created[2]["amount"]) == ("jpy", "1030")
