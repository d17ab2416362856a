"""The whole sandbox journey: support page to paid member, renewal, failure, recovery, cancel."""

import re

import pytest
from sqlalchemy import func, select

from app.extensions import db
from app.models import (
    MembershipStatus,
    OutboxMessage,
    Payment,
    PaymentAttempt,
    SandboxObject,
    User,
    WebhookEvent,
)  # fmt: skip
from app.payments.gateway import GatewayUnavailable
from app.services import accounts, membership, sandbox_flow
from tests.conftest import csrf_token, page_text

OK, DECLINED, NO_FUNDS, AUTH = (
    "4242 4242 4242 4242", "4000 0000 0000 0002", "4000 0000 0000 9995", "4000 0000 0000 3155",
)  # fmt: skip


def start(client, lang="en", frequency="monthly", amount="100", **extra):
    data = {
        "frequency": frequency,
        "amount": amount,
        "csrf_token": csrf_token(client, f"/{lang}/support"),
    }
    data.update(extra)
    return client.post(f"/{lang}/support", data=data)


def pay(client, response, card=OK):
    pay_url = response.headers["Location"]
    token = csrf_token(client, pay_url)
    return client.post(f"{pay_url}/test-card", data={"card_number": card, "csrf_token": token})


@pytest.fixture
def reader(make_user, auth):
    user = make_user()
    auth.login()
    return user


def test_a_reader_becomes_a_member_and_keeps_it_through_its_lifecycle(client, reader):
    """$1 a month: pay, renew, fail, recover with a new card, cancel, resume, change the amount."""
    response = start(client)
    assert re.fullmatch(r"/en/support/pay/\w+", response.headers["Location"])
    page = page_text(client.get(response.headers["Location"]))
    assert "Test mode" in page and "$1 today, then $1 every month" in page
    done = pay(client, response)
    assert "/en/support/done/" in done.headers["Location"]
    assert "Welcome, member!" in client.get(done.headers["Location"]).get_data(as_text=True)
    assert reader.membership.status == MembershipStatus.ACTIVE
    assert membership.perks_for(reader).ad_free
    subscription_id = reader.membership.subscription_id

    sandbox_flow.advance_subscription(subscription_id, "renew_paid")
    paid = db.session.scalars(
        select(Payment).where(Payment.user_id == reader.id, Payment.status == "paid")
    ).all()
    assert len(paid) == 2 and {p.amount for p in paid} == {100}

    sandbox_flow.advance_subscription(subscription_id, "renew_failed")
    db.session.refresh(reader.membership)
    assert reader.membership.status == MembershipStatus.PAST_DUE
    perks = membership.perks_for(reader)
    assert perks.member and perks.update_card_notice  # within the grace period
    assert "update your card" in client.get("/en/account").get_data(as_text=True)

    card_page = client.get("/en/account/support/card").get_data(as_text=True)
    secret = re.search(r'name="client_secret" value="([^"]+)"', card_page).group(1)
    client.post("/en/account/support/card/test-card",
                data={"card_number": OK, "client_secret": secret, "csrf_token": csrf_token(client, "/en/account")})  # fmt: skip
    db.session.refresh(reader.membership)
    assert reader.membership.status == MembershipStatus.ACTIVE

    token = csrf_token(client, "/en/account")
    client.post("/en/account/support/cancel", data={"csrf_token": token})
    db.session.refresh(reader.membership)
    assert (
        reader.membership.status == MembershipStatus.ENDING and membership.perks_for(reader).member
    )
    client.post(
        "/en/account/support/resume", data={"csrf_token": csrf_token(client, "/en/account")}
    )
    db.session.refresh(reader.membership)
    assert reader.membership.status == MembershipStatus.ACTIVE

    token = csrf_token(client, "/en/account/support/change")
    client.post(
        "/en/account/support/change",
        data={"frequency": "annual", "amount": "5", "csrf_token": token},
    )
    db.session.refresh(reader.membership)
    assert (reader.membership.amount, reader.membership.interval) == (6000, "year")
    account = page_text(client.get("/en/account"))
    assert "$60 a year" in account and "Paid" in account


def test_failing_until_retries_end_cancels_and_perks_end(client, reader):
    """Renewals that keep failing end in cancellation: lapsed, no perks."""
    pay(client, start(client))
    subscription_id = reader.membership.subscription_id
    for _ in range(3):
        sandbox_flow.advance_subscription(subscription_id, "renew_failed")
    db.session.refresh(reader.membership)
    assert reader.membership.status == MembershipStatus.LAPSED
    assert not membership.perks_for(reader).member


def test_a_declined_card_shows_a_clear_error_in_arabic_and_grants_nothing(client, reader):
    """4000 0000 0000 0002 is declined: a message in the reader's language, no perks, retry works."""
    response = start(client, lang="ar")
    declined = pay(client, response, DECLINED)
    assert declined.status_code == 402
    assert "رُفضت بطاقتك. يرجى تجربة بطاقة أخرى." in declined.get_data(as_text=True)
    assert not membership.perks_for(reader).member
    assert reader.membership.status == MembershipStatus.PENDING
    again = pay(client, response, OK)
    assert "/ar/support/done/" in again.headers["Location"]
    db.session.refresh(reader.membership)
    assert membership.perks_for(reader).member


def test_insufficient_funds_is_named(client, reader):
    """4000 0000 0000 9995: insufficient funds, said as such."""
    response = pay(client, start(client), NO_FUNDS)
    assert response.status_code == 402 and "insufficient funds" in response.get_data(as_text=True)


def test_a_card_that_asks_for_authentication(client, reader):
    """4000 0000 0000 3155 asks for authentication first; completing it pays."""
    response = start(client)
    challenge = pay(client, response, AUTH)
    assert challenge.headers["Location"].endswith("/authenticate")
    token = csrf_token(client, challenge.headers["Location"])
    client.post(challenge.headers["Location"], data={"approve": "y", "csrf_token": token})
    assert reader.membership.status == MembershipStatus.ACTIVE


def test_a_one_time_gift(client, reader):
    """Giving once charges once and records a gift, without a membership."""
    response = start(client, frequency="once", amount="other", other_amount="7.50")
    page = page_text(client.get(response.headers["Location"]))
    assert "$7.50 once, today" in page
    pay(client, response)
    [gift] = db.session.scalars(select(Payment).where(Payment.kind == "gift")).all()
    assert (gift.amount, gift.status, gift.user_id) == (750, "paid", reader.id)
    assert not membership.perks_for(reader).member


def test_annual_support_is_the_yearly_sum_and_the_fee_can_be_covered(client, reader):
    """$5 a month, annual, with the card fee: (6000 + 30) / (1 - 2.9%) rounded up, once a year."""
    response = start(client, frequency="annual", amount="500", covers_fee="y")
    attempt = db.session.scalar(select(PaymentAttempt))
    assert (attempt.amount, attempt.interval, attempt.covers_fee) == (6211, "year", True)
    assert "every year" in client.get(response.headers["Location"]).get_data(as_text=True)


def test_amounts_below_one_dollar_are_refused(client, reader):
    """Another amount must be at least $1."""
    response = start(client, amount="other", other_amount="0.50")
    assert response.status_code == 422
    assert db.session.scalar(select(func.count(PaymentAttempt.id))) == 0


def test_a_new_email_gets_an_account_and_a_set_password_link(client, app):
    """Signed out, a new email: account made on the spot, link mailed, never signed in by paying."""
    response = start(client, email="newcomer@example.org")
    user = accounts.find_user("newcomer@example.org")
    assert user is not None and user.password_hash is None
    mails = db.session.scalars(
        select(OutboxMessage).where(OutboxMessage.to == "newcomer@example.org")
    ).all()
    assert any("password" in mail.subject.lower() for mail in mails)
    done = pay(client, response)
    page = client.get(done.headers["Location"]).get_data(as_text=True)
    assert "Welcome, member!" in page and "set your password" in page
    assert client.get("/en/account").status_code == 302  # not signed in


def test_an_email_with_an_account_must_sign_in_first(client, make_user):
    """A signed-out reader giving an email that has an account is sent to sign in."""
    make_user("known@example.org")
    response = start(client, email="known@example.org")
    assert response.headers["Location"].startswith("/en/login")
    assert db.session.scalar(select(func.count(PaymentAttempt.id))) == 0


def test_someone_elses_payment_page_is_not_found(client, app, reader):
    """Payment pages belong to the browser or reader that started them."""
    response = start(client)
    stranger = app.test_client()
    assert stranger.get(response.headers["Location"]).status_code == 404


def test_repeated_declines_pause_new_payments(client, reader):
    """Card testing: after several declines from one source, new payments are refused for a while."""
    for _ in range(3):
        pay(client, start(client), DECLINED)
    refused = start(client)
    assert refused.status_code == 422 and "paused" in refused.get_data(as_text=True)


def test_creating_payments_is_rate_limited(client, app, reader, monkeypatch):
    """Payment creation is limited per IP."""
    monkeypatch.setitem(app.config, "RATELIMIT_SUPPORT_IP", "2 per hour")
    codes = [start(client).status_code for _ in range(3)]
    assert codes[:2] == [302, 302] and codes[2] == 429


def test_the_provider_down_at_checkout_leaves_nothing_half_made(client, app, monkeypatch):
    """Stripe down: a clear message, no account, no attempt, no customer stored."""
    from app.payments import get_gateway

    with app.app_context():
        gateway = get_gateway()

    def down(**kwargs):
        raise GatewayUnavailable("timed out")

    monkeypatch.setattr(gateway, "create_subscription", down)
    response = start(client, lang="ar", email="hopeful@example.org")
    assert response.status_code == 503
    assert "خدمة الدفع لدينا لا تستجيب حاليًا، ولم يُخصم أي مبلغ." in response.get_data(as_text=True)
    assert accounts.find_user("hopeful@example.org") is None
    assert db.session.scalar(select(func.count(PaymentAttempt.id))) == 0
    assert db.session.scalar(select(func.count(User.id))) == 0


def test_every_sandbox_event_went_through_the_ledger_once(client, reader):
    """The sandbox's signed events are stored and applied by the ledger, each exactly once."""
    pay(client, start(client))
    events = db.session.scalars(select(WebhookEvent)).all()
    types = {event.type for event in events}
    assert {
        "customer.subscription.created",
        "invoice.paid",
        "customer.subscription.updated",
    } <= types
    assert all(event.state in ("applied", "ignored") and event.attempts == 1 for event in events)


def test_the_return_page_waits_while_the_payment_processes(client, app, reader, monkeypatch):
    """A payment still processing: the return page says so (and refreshes); once settled, welcome."""
    from app.payments import get_gateway

    with app.app_context():
        monkeypatch.setattr(get_gateway(), "settle_seconds", 3600)
    done = pay(client, start(client))
    waiting = client.get(done.headers["Location"]).get_data(as_text=True)
    assert "Processing your payment" in waiting and 'http-equiv="refresh"' in waiting
    assert not membership.perks_for(reader).member
    status_url = done.headers["Location"].replace("/done/", "/status/")
    assert client.get(status_url).json == {"state": "processing"}
    for intent in db.session.scalars(
        select(SandboxObject).where(SandboxObject.kind == "payment_intent")
    ):
        if intent.data["status"] == "processing":
            intent.data = {**intent.data, "settle_at": 0}  # the processing time is over
    db.session.commit()
    assert client.get(status_url).json == {"state": "succeeded"}
    assert "Welcome, member!" in client.get(done.headers["Location"]).get_data(as_text=True)
