"""The reader's whole journey through production's payment path: our pages, the real Stripe SDK,
the Stripe emulator (Stripe's rules), and its signed webhooks delivered to our ledger."""

import pytest
from sqlalchemy import func, select

from app.extensions import db
from app.models import (
    MembershipStatus,
    OutboxMessage,
    Payment,
    PaymentAttempt,
    User,
    WebhookEvent,
)  # fmt: skip
from app.services import accounts, membership
from tests.conftest import csrf_token, page_text
from tests.paying import (
    AUTH_ALWAYS,
    AUTH_ONCE,
    DECLINED,
    FAILS_LATER,
    NO_FUNDS,
    OK,
    advance,
    pay,
    renew,
    start,
)  # fmt: skip


@pytest.fixture
def reader(make_user, auth):
    user = make_user()
    auth.login()
    return user


def paid_payments(user):
    return db.session.scalars(
        select(Payment).where(Payment.user_id == user.id, Payment.status == "paid")
    ).all()


def test_a_reader_becomes_a_member_and_renews(client, stripe_emulator, reader):
    """$1 a month: the Payment Element pays, the return page welcomes, a renewal charges again."""
    response = start(client)
    assert "/en/support/pay/" in response.headers["Location"]
    page = page_text(client.get(response.headers["Location"]))
    assert "$1 today, then $1 every month" in page
    done = pay(client, stripe_emulator, response.headers["Location"])
    assert "Welcome, member!" in done.response.get_data(as_text=True)
    db.session.refresh(reader.membership)
    assert reader.membership.status == MembershipStatus.ACTIVE
    assert membership.perks_for(reader).ad_free
    renew(client, reader)
    assert sorted(p.amount for p in paid_payments(reader)) == [100, 100]
    db.session.refresh(reader.membership)
    assert reader.membership.status == MembershipStatus.ACTIVE


def test_cancel_resume_and_change_the_amount(client, stripe_emulator, reader):
    """Cancel at the period's end, resume, then move to $5 a month paid yearly."""
    pay(client, stripe_emulator, start(client).headers["Location"])
    client.post(
        "/en/account/support/cancel", data={"csrf_token": csrf_token(client, "/en/account")}
    )
    db.session.refresh(reader.membership)
    assert reader.membership.status == MembershipStatus.ENDING
    assert membership.perks_for(reader).member
    client.post(
        "/en/account/support/resume", data={"csrf_token": csrf_token(client, "/en/account")}
    )
    db.session.refresh(reader.membership)
    assert reader.membership.status == MembershipStatus.ACTIVE
    token = csrf_token(client, "/en/account/support/change")
    client.post("/en/account/support/change",
                data={"frequency": "annual", "amount": "5", "csrf_token": token})  # fmt: skip
    db.session.refresh(reader.membership)
    assert (reader.membership.amount, reader.membership.interval) == (6000, "year")
    assert "$60 a year" in page_text(client.get("/en/account"))


def test_a_past_due_member_recovers_with_a_new_card(client, stripe_emulator, reader):
    """A renewal fails on a card that cannot be charged; the new card saved on our page becomes the
    one Stripe charges, pays the open invoice, and the member is active again."""
    pay(client, stripe_emulator, start(client).headers["Location"])
    saved = pay(client, stripe_emulator, "/en/account/support/card", FAILS_LATER)
    assert saved.response.status_code == 302
    renew(client, reader)
    db.session.refresh(reader.membership)
    assert reader.membership.status == MembershipStatus.PAST_DUE
    assert membership.perks_for(reader).update_card_notice
    assert "update your card" in client.get("/en/account").get_data(as_text=True)
    pay(client, stripe_emulator, "/en/account/support/card", OK)
    db.session.refresh(reader.membership)
    assert reader.membership.status == MembershipStatus.ACTIVE
    assert len(paid_payments(reader)) == 2


def test_failing_until_retries_end_cancels_and_perks_end(client, stripe_emulator, reader):
    """Renewals that keep failing on Stripe's retry schedule end in cancellation: no perks."""
    pay(client, stripe_emulator, start(client).headers["Location"])
    pay(client, stripe_emulator, "/en/account/support/card", FAILS_LATER)
    renew(client, reader)
    for _ in range(5):  # Stripe's retries come days apart, within about two weeks
        advance(client, reader, days=3)
    db.session.refresh(reader.membership)
    assert reader.membership.status == MembershipStatus.LAPSED
    assert not membership.perks_for(reader).member


def test_a_declined_card_shows_stripes_error_and_the_same_payment_can_be_retried(
    client, stripe_emulator, reader
):
    """4000 0000 0000 0002 is declined in place; 4242 on the same page pays once, one subscription."""
    pay_url = start(client, lang="ar").headers["Location"]
    declined = pay(client, stripe_emulator, pay_url, DECLINED)
    assert declined.error["decline_code"] == "generic_decline"
    assert not membership.perks_for(reader).member
    assert reader.membership.status == MembershipStatus.PENDING
    again = pay(client, stripe_emulator, pay_url, OK)
    assert again.response.status_code == 200
    db.session.refresh(reader.membership)
    assert membership.perks_for(reader).member
    assert len(paid_payments(reader)) == 1
    created = [r for r in stripe_emulator.requests
               if r[0].lower() == "post" and r[1] == "/v1/subscriptions"]  # fmt: skip
    assert len(created) == 1


def test_insufficient_funds_is_named(client, stripe_emulator, reader):
    """4000 0000 0000 9995: Stripe's insufficient-funds decline."""
    outcome = pay(client, stripe_emulator, start(client).headers["Location"], NO_FUNDS)
    assert outcome.error["decline_code"] == "insufficient_funds"


def test_authentication_on_the_first_payment(client, stripe_emulator, reader):
    """4000 0025 0000 3155 asks for 3-D Secure once; completing it pays, renewals need nothing."""
    outcome = pay(
        client, stripe_emulator, start(client).headers["Location"], AUTH_ONCE, approve=True
    )
    assert "Welcome, member!" in outcome.response.get_data(as_text=True)
    renew(client, reader)
    assert len(paid_payments(reader)) == 2


def test_failed_authentication_returns_to_the_same_payment_with_a_message(
    client, stripe_emulator, reader
):
    """Failing 3-D Secure: back on the payment page with a clear message in Arabic, no 500."""
    pay_url = start(client, lang="ar").headers["Location"]
    outcome = pay(client, stripe_emulator, pay_url, AUTH_ALWAYS, approve=False)
    assert outcome.response.status_code == 302
    page = client.get(outcome.location)
    assert page.status_code == 200
    assert "لم نتمكن من التحقق من بطاقتك" in page.get_data(as_text=True)
    assert not membership.perks_for(reader).member


def test_a_one_time_donation(client, stripe_emulator, reader):
    """Giving once charges once and records a donation, without a membership."""
    response = start(client, frequency="once", amount="other", other_amount="7.50")
    assert "$7.50 once, today" in page_text(client.get(response.headers["Location"]))
    pay(client, stripe_emulator, response.headers["Location"])
    [donation] = db.session.scalars(select(Payment).where(Payment.kind == "donation")).all()
    assert (donation.amount, donation.status, donation.user_id) == (750, "paid", reader.id)
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


def test_a_new_email_gets_an_account_and_a_set_password_link(client, stripe_emulator):
    """Signed out, a new email: account made on the spot, link mailed, and this browser signed in
    once it has paid (tests/billing/test_new_supporter_sign_in.py: only this one)."""
    response = start(client, email="newcomer@example.org")
    user = accounts.find_user("newcomer@example.org")
    assert user is not None and user.password_hash is None
    mails = db.session.scalars(
        select(OutboxMessage).where(OutboxMessage.to == "newcomer@example.org")
    ).all()
    assert any("password" in mail.subject.lower() for mail in mails)
    done = pay(client, stripe_emulator, response.headers["Location"])
    page = done.response.get_data(as_text=True)
    assert "Welcome, member!" in page and "link to set a password" in page
    assert client.get("/en/account").status_code == 200  # signed in


def test_an_email_with_an_account_must_sign_in_first(client, make_user):
    """A signed-out reader giving an email that has an account is sent a code to sign in with
    (tests/billing/test_support_sign_in.py follows it to the payment)."""
    make_user("known@example.org")
    response = start(client, email="known@example.org")
    assert response.headers["Location"] == "/en/sign-in/email/code"
    assert db.session.scalar(select(func.count(PaymentAttempt.id))) == 0


def test_someone_elses_payment_page_is_not_found(client, app, reader):
    """Payment pages belong to the browser or reader that started them."""
    response = start(client)
    stranger = app.test_client()
    assert stranger.get(response.headers["Location"]).status_code == 404


def test_repeated_declines_pause_new_payments(client, stripe_emulator, reader):
    """Card testing: after several declines from one source, new payments are refused for a while."""
    for _ in range(3):
        pay(client, stripe_emulator, start(client).headers["Location"], DECLINED)
    refused = start(client)
    assert refused.status_code == 422 and "paused" in refused.get_data(as_text=True)


def test_creating_payments_is_rate_limited(client, app, reader, monkeypatch):
    """Payment creation is limited per IP."""
    monkeypatch.setitem(app.config, "RATELIMIT_SUPPORT_IP", "2 per hour")
    codes = [start(client).status_code for _ in range(3)]
    assert codes[:2] == [302, 302] and codes[2] == 429


def test_stripe_down_at_checkout_leaves_nothing_half_made(client, stripe_emulator):
    """Stripe unreachable: a clear message in Arabic, no account, no attempt, no customer stored."""
    stripe_emulator.faults.fail_next(n=5, kind="connection")
    response = start(client, lang="ar", email="hopeful@example.org")
    assert response.status_code == 503
    assert "خدمة الدفع لدينا لا تستجيب حاليًا، ولم يُخصم أي مبلغ." in response.get_data(as_text=True)
    assert accounts.find_user("hopeful@example.org") is None
    assert db.session.scalar(select(func.count(PaymentAttempt.id))) == 0
    assert db.session.scalar(select(func.count(User.id))) == 0


def test_every_event_went_through_the_ledger_once(client, stripe_emulator, reader):
    """Stripe's signed events reach the webhook and are applied by the ledger, each exactly once."""
    pay(client, stripe_emulator, start(client).headers["Location"])
    events = db.session.scalars(select(WebhookEvent)).all()
    types = {event.type for event in events}
    assert {"customer.subscription.created", "invoice.paid",
            "customer.subscription.updated"} <= types  # fmt: skip
    assert all(event.state in ("applied", "ignored") and event.attempts == 1 for event in events)


def test_two_tabs_and_the_back_button_reach_one_payment(client, stripe_emulator, reader):
    """The support form sent twice for the same plan gives one payment page and one subscription;
    once it is paid, the other tab's page goes to the welcome instead of charging again."""
    first = start(client).headers["Location"]
    second = start(client).headers["Location"]
    assert first == second
    pay(client, stripe_emulator, first)
    again = client.get(second)
    assert again.status_code == 302 and "/support/done/" in again.headers["Location"]
    created = [r for r in stripe_emulator.requests
               if r[0].lower() == "post" and r[1] == "/v1/subscriptions"]  # fmt: skip
    assert len(created) == 1 and len(paid_payments(reader)) == 1


def test_an_abandoned_checkout_is_not_shown_as_processing(client, reader):
    """The return page of a payment never confirmed sends the reader back to pay, not to wait."""
    pay_url = start(client).headers["Location"]
    done = client.get(pay_url.replace("/pay/", "/done/"))
    assert done.status_code == 302 and done.headers["Location"].startswith(pay_url)
    status = client.get(pay_url.replace("/pay/", "/status/"))
    assert status.json == {"state": "unpaid"}


def test_after_a_decline_the_return_page_tells_the_truth(client, stripe_emulator, reader):
    """A decline, then the return page: back on the payment page with the decline, nothing
    claimed as paid; a good card then pays once."""
    pay_url = start(client).headers["Location"]
    pay(client, stripe_emulator, pay_url, DECLINED)
    done = client.get(pay_url.replace("/pay/", "/done/"))
    assert done.status_code == 302
    page = page_text(client.get(done.headers["Location"]))
    assert "Your card was declined" in page and "Welcome" not in page
    assert "Welcome, member!" in pay(client, stripe_emulator, pay_url).response.get_data(
        as_text=True
    )
    assert len(paid_payments(reader)) == 1


def change(client, frequency, amount):
    token = csrf_token(client, "/en/account/support/change")
    return client.post("/en/account/support/change",
                       data={"frequency": frequency, "amount": amount, "csrf_token": token})  # fmt: skip


def test_a_new_amount_in_the_same_interval_charges_nothing_now(client, stripe_emulator, reader):
    """$1 to $5 a month: the plan changes, no invoice now, the next renewal charges $5."""
    pay(client, stripe_emulator, start(client).headers["Location"])
    change(client, "monthly", "5")
    db.session.refresh(reader.membership)
    assert (reader.membership.amount, reader.membership.interval) == (500, "month")
    assert len(paid_payments(reader)) == 1
    renew(client, reader)
    assert sorted(p.amount for p in paid_payments(reader)) == [100, 500]


def test_monthly_to_annual_is_charged_at_once_and_a_declined_switch_changes_nothing(
    client, stripe_emulator, reader
):
    """Switching to annual pays the prorated invoice now; with a card that fails every charge the
    plan stays as it was (pending_if_incomplete) and the member is told so."""
    pay(client, stripe_emulator, start(client).headers["Location"])
    pay(client, stripe_emulator, "/en/account/support/card", FAILS_LATER)
    response = change(client, "annual", "5")
    assert response.status_code == 302
    assert "your plan has not changed" in page_text(client.get("/en/account"))
    db.session.refresh(reader.membership)
    assert (reader.membership.amount, reader.membership.interval) == (100, "month")
    pay(client, stripe_emulator, "/en/account/support/card", OK)
    change(client, "annual", "5")
    db.session.refresh(reader.membership)
    assert (reader.membership.amount, reader.membership.interval) == (6000, "year")
    paid = paid_payments(reader)
    assert len(paid) == 2 and {p.interval for p in paid} == {"month", "year"}


def test_a_second_live_subscription_is_ended_and_refunded(client, stripe_emulator, reader):
    """A second subscription made outside our pages (Stripe's dashboard, say) and paid, while the
    first gives access: it is canceled and refunded, the member keeps the first, staff see it."""
    from app.models import AuditEntry
    from app.payments import get_gateway

    pay(client, stripe_emulator, start(client).headers["Location"])
    first = reader.membership.subscription_id
    gateway = get_gateway()
    second = gateway.create_subscription(
        customer_id=reader.stripe_customer_id, amount=500, currency="usd", interval="month",
        idempotency_key="dashboard-1", metadata={"user_key": reader.key},
    )  # fmt: skip
    intent = second.client_secret.split("_secret_")[0]
    gateway.client.v1.payment_intents.confirm(intent, params={"payment_method": "pm_card_visa"})
    client.deliver_webhooks()
    db.session.refresh(reader.membership)
    assert reader.membership.subscription_id == first
    assert (reader.membership.amount, reader.membership.status) == (100, MembershipStatus.ACTIVE)
    assert gateway.retrieve_subscription(second.id).status == "canceled"
    refunded = db.session.scalar(select(Payment).where(Payment.subscription_id == second.id))
    assert (refunded.status, refunded.amount_refunded) == ("refunded", 500)
    entry = db.session.scalar(
        select(AuditEntry).where(AuditEntry.action == "second subscription ended")
    )
    assert entry.target == second.id and entry.subject_id == reader.id
