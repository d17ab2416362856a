"""Checkout as Stripe sees it: what our gateway sends (ids, idempotency keys, locale, test clocks),
read back from the Stripe emulator's own records and events, and Stripe failing part-way."""

from sqlalchemy import func, select

from app.extensions import db
from app.models import PaymentAttempt, User
from app.payments import get_gateway
from tests.conftest import csrf_token


def start(client, lang="en", email=None, amount="500"):
    data = {
        "frequency": "monthly",
        "amount": amount,
        "csrf_token": csrf_token(client, f"/{lang}/support"),
    }
    if email:
        data["email"] = email
    return client.post(f"/{lang}/support", data=data)


def events_of(type_):
    """What Stripe's event list says happened, newest first, as the SDK reads it."""
    gateway = get_gateway()
    return list(gateway.client.v1.events.list(params={"type": type_, "limit": 100}).data)


def test_checkout_sends_our_ids_as_idempotency_keys_and_reuses_the_customer(
    client, make_user, auth
):
    """One Customer per reader, ever, on a test clock; every create carries a key of our ids."""
    user = make_user(lang="ar")
    auth.login(lang="ar")
    assert start(client, "ar").status_code == 302
    attempt = db.session.scalar(select(PaymentAttempt))
    [created] = events_of("customer.created")
    customer = created.data.object
    assert created.request.idempotency_key == f"customer-{user.key}"
    assert customer.preferred_locales == ["ar"] and customer.metadata["user_key"] == user.key
    assert customer.test_clock  # test mode: staff can move this reader's time on
    [subscribed] = events_of("customer.subscription.created")
    subscription = subscribed.data.object
    assert subscribed.request.idempotency_key == f"subscription-{user.key}-500usd-month-0"
    assert subscription.status == "incomplete"
    assert subscription["items"].data[0].price.unit_amount == 500
    assert subscription.metadata.to_dict() == {"user_key": user.key, "kind": "subscription"}
    assert attempt.subscription_id == subscription.id
    db.session.refresh(user)
    assert user.stripe_customer_id == customer.id

    again = start(client, "ar")  # a second tab, or the back button: the same payment again
    assert again.headers["Location"].endswith(attempt.key)
    assert len(events_of("customer.subscription.created")) == 1
    other = start(client, "ar", amount="1000")  # another plan is another payment
    assert not other.headers["Location"].endswith(attempt.key)
    assert len(events_of("customer.created")) == 1  # the stored customer is reused
    assert db.session.scalar(select(func.count(PaymentAttempt.id))) == 2


def test_the_payment_page_mounts_the_payment_element_in_arabic(client, app, make_user, auth):
    """The page carries the client secret and locale ar; offline the stand-in stripe.js is ours,
    and the CSP lets the page reach the emulator's API and nothing else."""
    make_user()
    auth.login(lang="ar")
    page = client.get(start(client, "ar").headers["Location"])
    html = page.get_data(as_text=True)
    assert 'data-client-secret="pi_' in html and 'data-locale="ar"' in html and 'dir="rtl"' in html
    assert "/static/js/stripe-standin.js" in html
    assert f'data-api-base="{app.config["STRIPE_API_BASE"]}"' in html
    policy = page.headers["Content-Security-Policy"]
    assert f"connect-src 'self' {app.config['STRIPE_API_BASE']}" in policy
    assert (
        app.config["STRIPE_API_BASE"] not in client.get("/ar/").headers["Content-Security-Policy"]
    )


def test_with_stripe_itself_the_page_loads_stripe_js(client, app, make_user, auth, monkeypatch):
    """Against Stripe (no emulator address), stripe.js comes from Stripe and the CSP admits it."""
    make_user()
    auth.login()
    location = start(client).headers["Location"]
    monkeypatch.setitem(app.config, "STRIPE_JS_URL", "https://js.stripe.com/v3/")
    monkeypatch.setitem(app.config, "STRIPE_API_BASE", None)
    from app import security

    policy = security.content_security_policy(app.config, stripe=True)
    html = client.get(location).get_data(as_text=True)
    assert '<script src="https://js.stripe.com/v3/">' in html
    assert "script-src 'self' https://js.stripe.com" in policy
    assert "connect-src 'self' https://api.stripe.com" in policy


def test_stripe_down_at_checkout_leaves_nothing(client, stripe_emulator):
    """Stripe unreachable: a clear message, and no account, customer link or attempt left behind."""
    stripe_emulator.faults.fail_next(n=3, kind="connection")
    response = start(client, email="hopeful@example.org")
    assert response.status_code == 503
    assert "Nothing was charged" in response.get_data(as_text=True)
    assert db.session.scalar(select(func.count(User.id))) == 0
    assert db.session.scalar(select(func.count(PaymentAttempt.id))) == 0


def test_stripe_failing_after_the_customer_keeps_the_customer_for_next_time(
    client, stripe_emulator, make_user, auth, monkeypatch
):
    """A reader's customer created before Stripe fails is kept; no subscription is half-made."""
    user = make_user()
    auth.login()
    gateway = get_gateway()
    create_subscription = gateway.create_subscription

    def failing_once(**kwargs):
        stripe_emulator.faults.fail_next(n=1, kind="500")
        return create_subscription(**kwargs)

    monkeypatch.setattr(gateway, "create_subscription", failing_once)
    assert start(client).status_code == 503
    db.session.refresh(user)
    assert db.session.scalar(select(func.count(PaymentAttempt.id))) == 0
    assert user.stripe_customer_id and user.stripe_customer_id.startswith("cus_")
    assert events_of("customer.subscription.created") == []


def test_events_that_beat_the_customer_link_are_applied_once_it_commits(
    client, stripe_emulator, make_user, auth, monkeypatch
):
    """Stripe's first events can arrive before the request that linked the customer commits (to
    another transaction the link is not there yet): each finds its reader by our metadata, or is
    parked and applied as soon as the request commits, never left for staff to replay."""
    from app.models import WebhookEvent
    from app.services import ledger, money

    make_user()
    auth.login()
    gateway = get_gateway()
    create_subscription = gateway.create_subscription

    def delivered_before_the_commit(**kwargs):
        subscription = create_subscription(**kwargs)
        with monkeypatch.context() as uncommitted:
            uncommitted.setattr(money, "reader_for_customer", lambda customer_id: None)
            for payload, headers in stripe_emulator.drain_deliveries():
                with client.application.app_context():
                    ledger.receive(payload, headers["Stripe-Signature"])
        return subscription

    monkeypatch.setattr(gateway, "create_subscription", delivered_before_the_commit)
    assert start(client).status_code == 302
    events = {e.type: e for e in db.session.scalars(select(WebhookEvent))}
    assert events["customer.subscription.created"].state == "applied"
    assert {e.state for e in events.values()} <= {"applied", "ignored"}
