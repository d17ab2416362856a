"""What a supporter hears from us: each lifecycle event gives exactly its message, in the reader's
language, once, whether Stripe's events arrive once, twice or out of order, and the return page
fulfils the same payment; the HTML is fit for mail clients and the text part says the same."""

import re
from datetime import UTC, datetime, timedelta

import pytest
from flask_babel import force_locale

from app.currency import format_amount, format_isolated
from app.extensions import db
from app.models import MembershipStatus, NoticeKind
from app.services import membership, notices
from app.templating import long_date
from app.urls import external_url
from stripe_emulator import testing
from tests.billing.test_recovery import past_due_on
from tests.paying import AUTH_ALWAYS, FAILS_LATER, OK, pay, start

K = NoticeKind


def sent(user):
    """(kind, outbox message) of every notice the reader got, oldest first."""
    return [(notice.kind, message) for notice, message in reversed(notices.notices_of(user))]


def kinds(user):
    return sorted(kind.value for kind, _ in sent(user))


def message_of(user, kind):
    [message] = [message for found, message in sent(user) if found == kind]
    return message


def deliver(post, deliveries, times=1):
    for _ in range(times):
        for delivery in deliveries:
            assert post(delivery).status_code == 200


def plain(text):
    """Without the direction marks Babel puts around Arabic amounts."""
    return text.replace("\u200f", "").replace("\u200e", "")


def in_lang(lang, value):
    with force_locale(lang):
        return long_date(value)


@pytest.fixture
def arabic_subscriber(make_user, stripe_side):
    user = make_user("qari@example.org", lang="ar")
    stripe_side.customer(user)
    return user


def test_first_payment_welcomes_and_sends_a_receipt_once_in_arabic(
    arabic_subscriber, stripe_side, post
):
    """Every event of a first payment, delivered twice and then backwards: one welcome, one
    receipt, both in Arabic, the receipt naming the amount, the date and the receipt page."""
    stripe_side.subscribe(arabic_subscriber.stripe_customer_id, amount=500)
    deliveries = stripe_side.deliveries()
    deliver(post, deliveries, times=2)
    deliver(post, list(reversed(deliveries)))
    assert kinds(arabic_subscriber) == ["receipt", "welcome"]
    receipt = message_of(arabic_subscriber, K.RECEIPT)
    assert receipt.lang == "ar" and receipt.to == "qari@example.org"
    assert receipt.subject == "إيصال دعمك لعنب بلدي"
    amount = format_amount(500, "usd", "ar_SY")
    # Plain text has no <bdi>: the amount is isolated left to right there, so "5 US$" stays whole.
    assert format_isolated(500, "usd", "ar_SY") == f"\u2066{plain(amount)}\u2069"
    assert format_isolated(500, "usd", "ar_SY") in receipt.body and plain(amount) in receipt.html
    [payment] = arabic_subscriber_payments(arabic_subscriber)
    day = in_lang("ar", payment.paid_at)
    assert day in receipt.body and day in receipt.html
    link = external_url("accounts.receipt", lang="ar", payment_id=payment.id)
    assert link in receipt.body and f'href="{link}"' in receipt.html
    welcome = message_of(arabic_subscriber, K.WELCOME)
    assert "شكراً لأنك تدعم الصحافة السورية الحرة" in welcome.body


def arabic_subscriber_payments(user):
    from app.services.money import payments_of

    return payments_of(user)


def test_the_return_page_and_the_webhooks_welcome_once(client, auth, make_user):
    """Paid on our pages: the return page fulfils the payment and Stripe's events follow; the
    return page opened again sends nothing more."""
    user = make_user()
    auth.login()
    outcome = pay(client, client.emulator, start(client).headers["Location"], OK)
    assert outcome.response.status_code == 200
    client.get(outcome.response.request.full_path)
    assert kinds(user) == ["receipt", "welcome"]
    assert message_of(user, K.WELCOME).lang == "en"


def test_a_failed_renewal_is_told_once_with_the_grace_date_and_pay_now(
    subscriber, stripe_side, post
):
    """0341 fails the renewal: one "payment failed" however often its events come, with the date
    the benefits end and one button to the pay-now page."""
    customer = subscriber.stripe_customer_id
    subscription = stripe_side.subscribe(customer)
    deliver(post, stripe_side.deliveries())
    stripe_side.save_card(customer, subscription, FAILS_LATER)
    stripe_side.renew(customer, subscription)
    deliver(post, stripe_side.deliveries(), times=2)
    db.session.expire_all()
    assert subscriber.membership.status == MembershipStatus.PAST_DUE
    assert kinds(subscriber) == ["payment_failed", "receipt", "welcome"]
    failed = message_of(subscriber, K.PAYMENT_FAILED)
    grace = in_lang("en", subscriber.membership.grace_until)
    assert f"You keep your member benefits until {grace}." in failed.body
    assert grace in failed.html
    pay_now = external_url("billing.pay_now", lang="en")
    assert f"Pay now:\n{pay_now}\n" in failed.body
    assert f'href="{pay_now}"' in failed.html


def test_a_late_failure_after_the_payment_recovered_sends_no_failed_email(
    subscriber, stripe_side, post
):
    """The renewal failed and was then paid with a new card before anything was delivered; the
    failure arriving last finds the payment paid: a receipt, no "payment failed"."""
    customer = subscriber.stripe_customer_id
    subscription = stripe_side.subscribe(customer)
    deliver(post, stripe_side.deliveries())
    stripe_side.save_card(customer, subscription, FAILS_LATER)
    stripe_side.renew(customer, subscription)
    stripe_side.recover(customer, subscription, OK)
    deliveries = stripe_side.deliveries()
    failures = deliveries.of("invoice.payment_failed")
    assert failures
    deliver(post, [d for d in deliveries if d.type != "invoice.payment_failed"] + failures)
    db.session.expire_all()
    assert subscriber.membership.status == MembershipStatus.ACTIVE
    assert kinds(subscriber) == ["receipt", "receipt", "welcome"]


def test_a_renewal_needing_3d_secure_asks_for_it_once_in_arabic(client, make_user, auth):
    """3184 on the renewal: "confirm your payment" in Arabic with the pay-now button, and no
    "payment failed" besides."""
    user = make_user("qari@example.org", lang="ar")
    auth.login("qari@example.org", lang="ar")
    past_due_on(client, client.emulator, user, "ar", AUTH_ALWAYS, approve=True)
    assert kinds(user) == ["action_required", "receipt", "welcome"]
    message = message_of(user, K.ACTION_REQUIRED)
    assert message.lang == "ar" and 'dir="rtl"' in message.html
    assert f'href="{external_url("billing.pay_now", lang="ar")}"' in message.html


def test_cancelling_is_confirmed_once_and_the_end_is_told(subscriber, stripe_side, post):
    """Cancelled at the period's end: one confirmation naming the last day, then, when the period
    is over, one "membership ended"."""
    customer = subscriber.stripe_customer_id
    subscription = stripe_side.subscribe(customer)
    deliver(post, stripe_side.deliveries())
    stripe_side.cancel_at_period_end(subscription)
    deliver(post, stripe_side.deliveries(), times=2)
    db.session.expire_all()
    cancelled = message_of(subscriber, K.CANCELLATION)
    day = in_lang("en", subscriber.membership.current_period_end)
    assert f"until {day}." in cancelled.body and day in cancelled.html
    stripe_side.renew(customer, subscription)
    deliver(post, stripe_side.deliveries(), times=2)
    assert kinds(subscriber) == ["cancellation", "receipt", "subscription_ended", "welcome"]


def test_monthly_receipts_can_be_off_annual_ones_cannot(make_user, stripe_side, post):
    """With monthly receipts turned off, a monthly payment brings the welcome only; an annual
    payment brings its receipt anyway."""
    monthly, annual = make_user("m@example.org"), make_user("a@example.org")
    for user, interval in ((monthly, "month"), (annual, "year")):
        user.receipts_monthly = False
        db.session.commit()
        stripe_side.subscribe(stripe_side.customer(user, user.email), interval=interval)
    deliver(post, stripe_side.deliveries())
    assert kinds(monthly) == ["welcome"]
    assert kinds(annual) == ["receipt", "welcome"]


def test_a_donation_gets_one_receipt_from_the_return_page_and_its_events(client, auth, make_user):
    """A one-time donation: the return page records it and the events follow: one donation receipt."""
    user = make_user()
    auth.login()
    started = start(client, frequency="once", amount="other", other_amount="7")
    outcome = pay(client, client.emulator, started.headers["Location"])
    assert outcome.response.status_code == 200
    assert kinds(user) == ["donation_receipt"]
    receipt = message_of(user, K.DONATION_RECEIPT)
    assert "$7" in receipt.body and "One-time donation" in receipt.body


def test_complimentary_memberships_are_told_when_granted_and_when_they_end(make_user):
    """A comp granted in Arabic, then ended by the hourly expiry: one message each."""
    user = make_user(lang="ar")
    until = datetime.now(UTC) + timedelta(days=30)
    membership.grant_comp(user, until, "test")
    db.session.commit()
    assert in_lang("ar", until) in message_of(user, K.COMP_GRANTED).body
    assert membership.expire_comps(now=until + timedelta(hours=1)) == 1
    assert membership.expire_comps(now=until + timedelta(hours=2)) == 0
    assert kinds(user) == ["comp_ended", "comp_granted"]


def test_annual_renewals_are_announced_a_week_ahead_once(make_user, stripe_side, post):
    """The daily job: an annual member renewing within 7 days is told the date and amount, once;
    a monthly member is not."""
    annual, monthly = make_user("a@example.org"), make_user("m@example.org")
    stripe_side.subscribe(stripe_side.customer(annual, annual.email), amount=6000, interval="year")
    stripe_side.subscribe(stripe_side.customer(monthly, monthly.email))
    deliver(post, stripe_side.deliveries())
    period_end = annual.membership.current_period_end
    now = period_end.replace(tzinfo=period_end.tzinfo or UTC) - timedelta(days=3)
    assert notices.remind_renewals(now=now) == 1
    assert notices.remind_renewals(now=now + timedelta(days=1)) == 0
    message = message_of(annual, K.RENEWAL_COMING)
    assert in_lang("en", period_end) in message.body and "$60" in message.body
    assert K.RENEWAL_COMING not in [kind for kind, _ in sent(monthly)]


def test_a_card_expiring_before_the_next_payment_is_told_once(subscriber, stripe_side, post):
    """The card Stripe charges expires this month, the next payment is next month: the daily job
    tells the member, once, naming the card and the date."""
    customer = subscriber.stripe_customer_id
    subscription = stripe_side.subscribe(customer)
    deliver(post, stripe_side.deliveries())
    today = datetime.now(UTC)
    card = testing.create_card(stripe_side.emulator, OK, exp_month=today.month,
                               exp_year=today.year)  # fmt: skip
    secret = stripe_side.gateway.create_setup_intent(customer_id=customer, idempotency_key="s-1")
    result = testing.confirm_setup(stripe_side.emulator, secret, payment_method=card,
                                   publishable_key=stripe_side.gateway.publishable_key)  # fmt: skip
    assert result["status"] == "succeeded"
    stripe_side.gateway.make_default_card(secret.split("_secret_")[0], customer_id=customer,
                                          subscription_id=subscription, idempotency_key="c-1")  # fmt: skip
    deliver(post, stripe_side.deliveries())
    period_end = subscriber.membership.current_period_end
    now = period_end.replace(tzinfo=period_end.tzinfo or UTC) - timedelta(days=7)
    assert notices.warn_expiring_cards(now=now) == 1
    assert notices.warn_expiring_cards(now=now + timedelta(hours=20)) == 0
    body = message_of(subscriber, K.CARD_EXPIRING).body
    assert "Visa ending in 4242" in body and in_lang("en", period_end) in body


def test_a_card_valid_past_the_next_payment_is_not_mentioned(subscriber, stripe_side, post):
    customer = subscriber.stripe_customer_id
    stripe_side.subscribe(customer)  # the test card expires in two years
    deliver(post, stripe_side.deliveries())
    period_end = subscriber.membership.current_period_end
    now = period_end.replace(tzinfo=period_end.tzinfo or UTC) - timedelta(days=7)
    assert notices.warn_expiring_cards(now=now) == 0


REMOTE = re.compile(r"""\bsrc\s*=|@import|url\(""", re.I)


def test_every_message_is_html_fit_for_mail_clients(make_user, stripe_side, post, app):
    """Arabic and English: `lang` and `dir` on the root, nothing loaded from anywhere, every link
    absolute to SITE_URL, a text part of its own."""
    for lang, direction in (("ar", "rtl"), ("en", "ltr")):
        user = make_user(f"{lang}@example.org", lang=lang)
        customer = stripe_side.customer(user, user.email)
        subscription = stripe_side.subscribe(customer)
        stripe_side.cancel_at_period_end(subscription)
        deliver(post, stripe_side.deliveries())
        messages = [message for _, message in sent(user)]
        assert len(messages) == 3
        for message in messages:
            html = message.html
            assert f'<html lang="{lang}" dir="{direction}">' in html
            assert not REMOTE.search(html), message.subject
            hrefs = re.findall(r'href="([^"]+)"', html)
            assert hrefs and all(h.startswith(app.config["SITE_URL"] + "/") for h in hrefs)
            assert all(h in message.body for h in hrefs if "/account" in h)
            assert "<" not in message.body


def test_a_monthly_receipt_can_be_turned_off_in_one_click(
    arabic_subscriber, stripe_side, post, app
):
    """The one optional message carries a one-click unsubscribe link, in the text and the HTML
    and as List-Unsubscribe headers (RFC 8058), and the link works with a mail client's POST."""
    from app.services import preferences
    from app.services.mail import _email_of

    stripe_side.subscribe(arabic_subscriber.stripe_customer_id, amount=500)
    deliver(post, stripe_side.deliveries())
    receipt = message_of(arabic_subscriber, K.RECEIPT)
    link = preferences.unsubscribe_url(arabic_subscriber)
    assert link in receipt.body and f'href="{link}"' in receipt.html
    assert receipt.headers == preferences.unsubscribe_headers(arabic_subscriber)
    email = _email_of(receipt, "Enab Baladi <support@example.org>")
    assert email["List-Unsubscribe"] == f"<{link}>"
    assert email["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert "List-Unsubscribe" not in _email_of(message_of(arabic_subscriber, K.WELCOME), "x")
    mail_client = app.test_client(use_cookies=False)
    assert mail_client.post(link, data={"List-Unsubscribe": "One-Click"}).status_code == 200
    db.session.refresh(arabic_subscriber)
    assert arabic_subscriber.receipts_monthly is False


def test_the_cancellation_email_resumes_in_one_click(subscriber, stripe_side, post, app):
    """The confirmation's button opens a page (a mail scanner's GET changes nothing) whose one
    button resumes the membership at Stripe; the same link then says it no longer applies."""
    import re as regex

    from tests.conftest import csrf_token

    customer = subscriber.stripe_customer_id
    subscription = stripe_side.subscribe(customer)
    deliver(post, stripe_side.deliveries())
    stripe_side.cancel_at_period_end(subscription)
    deliver(post, stripe_side.deliveries())
    cancelled = message_of(subscriber, K.CANCELLATION)
    link = regex.search(r"Resume my membership:\n(\S+)", cancelled.body).group(1)
    assert f'href="{link}"' in cancelled.html
    reader = app.test_client()  # the email is opened anywhere, signed in or not
    assert reader.get(link).status_code == 200
    db.session.expire_all()
    assert subscriber.membership.status == MembershipStatus.ENDING  # opening it changed nothing
    assert reader.post(link, data={"csrf_token": csrf_token(reader, link)}).status_code == 200
    deliver(post, stripe_side.deliveries())
    db.session.expire_all()
    assert subscriber.membership.status == MembershipStatus.ACTIVE
    assert stripe_side.gateway.retrieve_subscription(subscription).cancel_at_period_end is False
    assert reader.get(link).status_code == 400
    assert reader.get(link[:-3] + "xyz").status_code == 400
