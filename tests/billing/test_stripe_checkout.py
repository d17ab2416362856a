"""Checkout through the real Stripe SDK (fake network): ids, idempotency keys, locale, failures."""

from sqlalchemy import func, select

from app.extensions import db
from app.models import PaymentAttempt, Role, User
from app.services import accounts
from tests.billing.conftest import CUSTOMER, SUBSCRIPTION, subscription
from tests.conftest import csrf_token
from tests.stripe_fakes import stripe_object


def incomplete_subscription():
    sub = subscription(status="incomplete")
    invoice = stripe_object("invoice", status="open", customer=CUSTOMER)
    invoice["confirmation_secret"] = {
        "client_secret": "pi_123_secret_abc",
        "type": "payment_intent",
    }
    sub["latest_invoice"] = invoice
    return sub


def answer_checkout(stripe_http):
    stripe_http.route("post", "/v1/customers", 200, stripe_object("customer", id=CUSTOMER))
    stripe_http.route("post", "/v1/subscriptions", 200, incomplete_subscription())
    stripe_http.route("get", f"/v1/subscriptions/{SUBSCRIPTION}", 200, incomplete_subscription())


def start(client, lang="en"):
    token = csrf_token(client, f"/{lang}/support")
    return client.post(
        f"/{lang}/support", data={"frequency": "monthly", "amount": "500", "csrf_token": token}
    )


def test_checkout_sends_our_ids_as_idempotency_keys_and_reuses_the_customer(
    client, stripe_http, make_user, auth
):
    """One Customer per reader, ever; every create carries a key derived from our own ids."""
    user = make_user(lang="ar")
    auth.login(lang="ar")
    answer_checkout(stripe_http)
    assert start(client, "ar").status_code == 302
    attempt = db.session.scalar(select(PaymentAttempt))
    customer_call, subscription_call = [r for r in stripe_http.requests if r.method == "post"]
    assert customer_call.path == "/v1/customers"
    assert customer_call.idempotency_key == f"customer-{user.key}"
    assert customer_call.params["preferred_locales"] == ["ar"]
    assert subscription_call.idempotency_key == f"subscription-{attempt.key}"
    assert subscription_call.params["payment_behavior"] == "default_incomplete"
    assert subscription_call.params["items"][0]["price_data"]["unit_amount"] == "500"
    assert subscription_call.params["metadata"]["attempt"] == attempt.key
    db.session.refresh(user)
    assert user.stripe_customer_id == CUSTOMER

    stripe_http.requests.clear()
    start(client, "ar")  # an abandoned first attempt never blocks trying again
    posts = [r.path for r in stripe_http.requests if r.method == "post"]
    assert posts == ["/v1/subscriptions"]  # the stored customer is reused
    assert db.session.scalar(select(func.count(PaymentAttempt.id))) == 2


def test_the_payment_page_mounts_the_payment_element_in_arabic(
    client, stripe_http, make_user, auth
):
    """With Stripe, the page carries the client secret and locale ar, and the CSP admits Stripe.js."""
    make_user()
    auth.login(lang="ar")
    answer_checkout(stripe_http)
    page = client.get(start(client, "ar").headers["Location"])
    html = page.get_data(as_text=True)
    assert 'data-client-secret="pi_123_secret_abc"' in html and 'data-locale="ar"' in html
    assert 'dir="rtl"' in html and "https://js.stripe.com/v3/" in html
    assert "https://js.stripe.com" in page.headers["Content-Security-Policy"]
    assert "js.stripe.com" not in client.get("/ar/").headers["Content-Security-Policy"]


def test_stripe_down_at_checkout_leaves_nothing(client, stripe_http):
    """Stripe unreachable: a clear message, and no account, customer link or attempt left behind."""
    stripe_http.fail_connection()
    token = csrf_token(client, "/en/support")
    response = client.post("/en/support", data={"frequency": "monthly", "amount": "100",
                                                 "email": "hopeful@example.org", "csrf_token": token})  # fmt: skip
    assert response.status_code == 503
    assert "Nothing was charged" in response.get_data(as_text=True)
    assert db.session.scalar(select(func.count(User.id))) == 0
    assert db.session.scalar(select(func.count(PaymentAttempt.id))) == 0


def test_stripe_failing_after_the_customer_keeps_the_customer_for_next_time(
    client, stripe_http, make_user, auth
):
    """A reader's customer created before a failure is kept; the subscription is not half-made."""
    user = make_user()
    auth.login()
    stripe_http.respond(200, stripe_object("customer", id=CUSTOMER))
    stripe_http.respond_error(500, "api_error", "Stripe had a problem")
    assert start(client).status_code == 503
    db.session.refresh(user)
    assert db.session.scalar(select(func.count(PaymentAttempt.id))) == 0
    assert user.stripe_customer_id == CUSTOMER


def test_staff_drive_the_sandbox(client, make_user, auth):
    """The sandbox page is staff-only and moves a subscription to its next renewal."""
    make_user("staff@example.org", role=Role.STAFF)
    make_user()
    auth.login()
    from tests.billing.test_journey import pay
    from tests.billing.test_journey import start as start_sandbox

    pay(client, start_sandbox(client))
    reader = accounts.find_user("reader@example.org")
    assert client.get("/en/staff/sandbox").status_code == 404
    auth.logout()
    auth.login(email="staff@example.org")
    page = client.get("/en/staff/sandbox").get_data(as_text=True)
    subscription_id = reader.membership.subscription_id
    assert subscription_id in page
    token = csrf_token(client, "/en/staff/sandbox")
    client.post(
        "/en/staff/sandbox",
        data={"action": "cancel", "subscription": subscription_id, "csrf_token": token},
    )
    db.session.refresh(reader.membership)
    assert reader.membership.status.value == "lapsed"
