"""Recovering: a past-due member sees "pay now" on the account page and pays the open invoice there
with the Payment Element, 3-D Secure included, through our real pages, the real Stripe SDK and the
Stripe emulator (its webhooks delivered to our ledger after each request)."""

import re

import pytest
from sqlalchemy import select

from app.extensions import db
from app.models import MembershipStatus, Payment, WebhookEvent
from app.payments import get_gateway
from app.payments.stripe_convert import intent_id_of
from app.services import membership
from stripe_emulator import testing
from tests.conftest import Auth, page_text
from tests.paying import AUTH_ALWAYS, FAILS_LATER, OK, element_of, follow, pay, renew, start

NOTICE = re.compile(r'<div class="notice notice--warning" role="alert">.*?</div>', re.S)


def become_member(client, emulator, lang):
    outcome = pay(client, emulator, start(client, lang=lang).headers["Location"])
    assert outcome.response.status_code == 200


def past_due_on(client, emulator, user, lang, card, approve=None):
    """A member whose renewal is left open: `card` saved on our card page, then the renewal."""
    become_member(client, emulator, lang)
    saved = pay(client, emulator, f"/{lang}/account/support/card", card, approve=approve)
    assert saved.response.status_code == 302
    renew(client, user)
    db.session.refresh(user.membership)
    assert user.membership.status == MembershipStatus.PAST_DUE


def latest_invoice(user):
    return get_gateway().retrieve_subscription(user.membership.subscription_id).latest_invoice_id


def payments_for(invoice_id):
    return db.session.scalars(select(Payment).where(Payment.invoice_id == invoice_id)).all()


def default_card_of(user):
    customer = get_gateway().client.v1.customers.retrieve(user.stripe_customer_id)
    return customer.invoice_settings.default_payment_method if customer.invoice_settings else None


@pytest.fixture
def reader(make_user, auth):
    user = make_user()
    auth.login()
    return user


@pytest.fixture
def arabic_reader(make_user, auth):
    user = make_user("qari@example.org", lang="ar")
    auth.login("qari@example.org", lang="ar")
    return user


def test_a_failed_renewal_is_paid_now_with_another_card(client, stripe_emulator, reader):
    """0341 fails the renewal; the account says what is due and until when the benefits last, and
    links to pay now; 4242 on that page pays the open invoice: active again, one paid payment for
    that invoice, and the card that paid is the one Stripe charges next."""
    past_due_on(client, stripe_emulator, reader, "en", FAILS_LATER)
    invoice_id = latest_invoice(reader)
    account = client.get("/en/account").get_data(as_text=True)
    notice = NOTICE.search(account).group(0)
    assert re.findall(r'href="([^"]+)"', notice) == [
        "/en/account/support/pay",
        "/en/account/support/card",
    ]
    grace = reader.membership.grace_until
    assert page_text(notice) == (
        "Your membership payment of $1 is due. You keep your member benefits until "
        f"{grace:%B} {grace.day}, {grace.year}. Pay now Update your card"
    )
    assert "Your last payment did not go through" not in account  # no notice pointing here
    pay_page = client.get("/en/account/support/pay")
    assert "Your membership payment of $1 is due. You will be charged $1 once, today." in (
        page_text(pay_page)
    )
    outcome = pay(client, stripe_emulator, "/en/account/support/pay", OK)
    assert outcome.location == "/en/account"
    assert "your payment went through" in page_text(client.get("/en/account"))
    db.session.refresh(reader.membership)
    assert reader.membership.status == MembershipStatus.ACTIVE
    assert reader.membership.grace_until is None
    [paid] = payments_for(invoice_id)
    assert (paid.status, paid.amount) == ("paid", 100)
    card = get_gateway().client.v1.payment_intents.retrieve(paid.payment_intent_id).payment_method
    assert default_card_of(reader) == card
    renew(client, reader)  # the next renewal charges the card that paid, not 0341
    db.session.refresh(reader.membership)
    assert reader.membership.status == MembershipStatus.ACTIVE
    assert payments_for(latest_invoice(reader))[0].status == "paid"


def test_a_renewal_that_needs_3d_secure_is_paid_in_arabic(client, stripe_emulator, arabic_reader):
    """3184 saved: the renewal needs authentication (invoice.payment_action_required), the member
    pays on the pay-now page in Arabic completing 3-D Secure, and is active again."""
    past_due_on(client, stripe_emulator, arabic_reader, "ar", AUTH_ALWAYS, approve=True)
    types = set(db.session.scalars(select(WebhookEvent.type)))
    assert "invoice.payment_action_required" in types
    invoice_id = latest_invoice(arabic_reader)
    notice = NOTICE.search(client.get("/ar/account").get_data(as_text=True)).group(0)
    assert 'href="/ar/account/support/pay"' in notice and "US$" in notice
    page = client.get("/ar/account/support/pay").get_data(as_text=True)
    assert 'data-locale="ar"' in page and 'dir="rtl"' in page
    outcome = pay(client, stripe_emulator, "/ar/account/support/pay", AUTH_ALWAYS, approve=True)
    assert outcome.location == "/ar/account"
    db.session.refresh(arabic_reader.membership)
    assert arabic_reader.membership.status == MembershipStatus.ACTIVE
    assert membership.perks_for(arabic_reader).member
    assert [p.status for p in payments_for(invoice_id)] == ["paid"]


def test_failed_3d_secure_returns_to_pay_now_with_a_message(client, stripe_emulator, arabic_reader):
    """Failing 3-D Secure there: back on the pay-now page with the message in Arabic, still past
    due, nothing paid, no 500; the same invoice can then be paid."""
    past_due_on(client, stripe_emulator, arabic_reader, "ar", AUTH_ALWAYS, approve=True)
    invoice_id = latest_invoice(arabic_reader)
    outcome = pay(client, stripe_emulator, "/ar/account/support/pay", AUTH_ALWAYS, approve=False)
    assert outcome.response.status_code == 302
    assert outcome.location.startswith("/ar/account/support/pay?failed=")
    page = client.get(outcome.location)
    assert page.status_code == 200
    assert "لم نتمكن من التحقق من بطاقتك" in page.get_data(as_text=True)
    db.session.refresh(arabic_reader.membership)
    assert arabic_reader.membership.status == MembershipStatus.PAST_DUE
    assert all(p.status != "paid" for p in payments_for(invoice_id))
    again = pay(client, stripe_emulator, "/ar/account/support/pay", OK)
    assert again.location == "/ar/account"
    assert [p.status for p in payments_for(invoice_id)] == ["paid"]


def test_nothing_open_to_pay_goes_to_the_account(client, stripe_emulator, reader):
    """No open invoice (not a member yet, or a member in good standing): the account, saying so."""
    for becoming_member in (True, False):
        response = client.get("/en/account/support/pay")
        assert response.headers["Location"] == "/en/account"
        assert "You have no payment due right now." in page_text(client.get("/en/account"))
        if becoming_member:
            become_member(client, stripe_emulator, "en")
    assert client.get("/en/account/support/paid").headers["Location"] == "/en/account"
    assert 'href="/en/account/support/pay"' not in client.get("/en/account").get_data(as_text=True)


def test_signed_out_and_someone_elses_payment(client, app, stripe_emulator, reader, make_user):
    """Signed out: the sign-in page. Another reader: nothing of this member's open invoice, and
    its return page is not found."""
    past_due_on(client, stripe_emulator, reader, "en", FAILS_LATER)
    page = client.get("/en/account/support/pay").get_data(as_text=True)
    intent = intent_id_of(element_of(page)["client-secret"])
    signed_out = app.test_client()
    for path in ("/en/account/support/pay", f"/en/account/support/paid?payment_intent={intent}"):
        assert signed_out.get(path).headers["Location"].startswith("/en/login")
    make_user("other@example.org")
    other = app.test_client()
    other.emulator = stripe_emulator
    Auth(other).login("other@example.org")
    assert other.get("/en/account/support/pay").headers["Location"] == "/en/account"
    returned = f"/en/account/support/paid?payment_intent={intent}&redirect_status=succeeded"
    assert other.get(returned).status_code == 404
    db.session.refresh(reader.membership)
    assert reader.membership.status == MembershipStatus.PAST_DUE


def test_stripe_down_on_the_pay_now_page(client, stripe_emulator, reader):
    """Stripe unreachable: the account with a clear message, nothing changed; back, it pays."""
    past_due_on(client, stripe_emulator, reader, "en", FAILS_LATER)
    stripe_emulator.faults.fail_next(kind="connection")
    response = client.get("/en/account/support/pay")
    assert response.headers["Location"] == "/en/account"
    assert "not answering" in page_text(follow(client, response.headers["Location"]))
    assert pay(client, stripe_emulator, "/en/account/support/pay", OK).location == "/en/account"


def test_a_stripe_hiccup_on_the_return_says_processing_then_paid(client, stripe_emulator, reader):
    """Stripe not answering when the member comes back from 3-D Secure: "processing", refreshing
    itself, never a 500 or a false failure; the next look finds the invoice paid."""
    past_due_on(client, stripe_emulator, reader, "en", FAILS_LATER)
    challenge = pay(client, stripe_emulator, "/en/account/support/pay", AUTH_ALWAYS).challenge
    returned = testing.authenticate(stripe_emulator, challenge, approve=True)
    stripe_emulator.faults.fail_next(kind="connection")
    waiting = follow(client, returned)
    assert waiting.status_code == 200
    assert "Processing your payment" in page_text(waiting)
    assert '<meta http-equiv="refresh" content="3">' in waiting.get_data(as_text=True)
    assert follow(client, returned).headers["Location"] == "/en/account"
    db.session.refresh(reader.membership)
    assert reader.membership.status == MembershipStatus.ACTIVE
