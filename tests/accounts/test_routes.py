"""Accounts: registration, sessions, passwords, emailed links, limits and the account page."""

import re

import itsdangerous.timed
import pytest
from sqlalchemy import select

from app.extensions import db
from app.models import MembershipStatus, OutboxMessage, User
from app.services import accounts, membership
from tests.conftest import PASSWORD, csrf_token, page_text


def outbox(to):
    return db.session.scalars(
        select(OutboxMessage).where(OutboxMessage.to == to).order_by(OutboxMessage.id)
    ).all()


def link_in(message):
    return re.search(r"http://\S+", message.body).group(0).replace("http://localhost", "")


def register(client, email="new@example.org", password=PASSWORD, lang="en"):
    token = csrf_token(client, f"/{lang}/register")
    return client.post(
        f"/{lang}/register", data={"email": email, "password": password, "csrf_token": token}
    )


def test_register_signs_in_and_mails_a_confirmation_link(client):
    """Registering signs the reader in at once and mails them a confirmation link, in their language."""
    response = register(client, lang="ar")
    assert response.status_code == 302 and response.headers["Location"] == "/ar/account"
    assert "new@example.org" in client.get("/ar/account").get_data(as_text=True)
    [message] = outbox("new@example.org")
    assert message.lang == "ar" and "عنب بلدي" in message.body
    client.get(link_in(message))
    assert accounts.find_user("new@example.org").email_confirmed_at is not None


@pytest.mark.parametrize(
    ("password", "message"),
    [("short", "between 8 and 128"), ("x" * 129, "between 8 and 128"),
     ("password123", "too common"), ("new@example.org", "too common")],
)  # fmt: skip
def test_weak_passwords_are_refused(client, password, message):
    """Passwords must be 8-128 characters and not among the most common (or the email)."""
    response = register(client, password=password)
    assert response.status_code == 200
    assert message in response.get_data(as_text=True)
    assert accounts.find_user("new@example.org") is None


def test_a_taken_email_is_named(client, make_user):
    """Register says when an email already has an account, and creates nothing."""
    make_user("taken@example.org")
    response = register(client, email="Taken@Example.org")
    assert "already exists" in response.get_data(as_text=True)
    assert db.session.scalar(select(db.func.count(User.id))) == 1


def test_passwords_are_hashed_with_scrypt(make_user):
    """Only a scrypt hash is stored."""
    user = make_user()
    assert user.password_hash.startswith("scrypt:") and PASSWORD not in user.password_hash


def test_missing_csrf_gives_400(client, make_user):
    """Every form needs its CSRF token."""
    make_user()
    response = client.post("/en/login", data={"email": "reader@example.org", "password": PASSWORD})
    assert response.status_code == 400


def test_sign_in_renews_the_session(client, make_user, auth):
    """Signing in replaces whatever the session held before."""
    make_user()
    with client.session_transaction() as sess:
        sess["planted"] = "by an attacker"
    auth.login()
    with client.session_transaction() as sess:
        assert "planted" not in sess
        assert sess["_user_id"].endswith(":1")


def test_a_cookie_from_before_sign_out_is_refused(client, make_user, auth):
    """Replaying the session cookie captured before sign-out does not sign anyone in."""
    make_user()
    auth.login()
    stolen = client.get_cookie("session").value
    auth.logout()
    client.set_cookie("session", stolen)
    assert client.get("/en/account").status_code == 302


def test_a_password_change_refuses_older_sessions_and_remember_cookies(app, make_user, auth):
    """After a password change, older session and remember-me cookies no longer work."""
    user = make_user()
    other_device = app.test_client()
    from tests.conftest import Auth

    Auth(other_device).login(remember=True)
    remember = other_device.get_cookie("remember_token").value
    auth.login()
    accounts.set_password(user, "a whole new secret 42")
    assert other_device.get("/en/account").status_code == 302
    fresh = app.test_client()
    fresh.set_cookie("remember_token", remember)
    assert fresh.get("/en/account").status_code == 302


@pytest.mark.parametrize(
    "target",
    ["//evil.example", "https://evil.example", "/\\evil.example", "javascript:alert(1)", "http:/x"],
)
def test_next_follows_same_site_paths_only(client, make_user, auth, target):
    """A next= pointing anywhere but a local path lands on the home page."""
    make_user()
    response = auth.login(next=target)
    assert response.headers["Location"] == "/en/"


def test_next_keeps_a_local_path(client, make_user, auth):
    """A local next= is followed after signing in."""
    make_user()
    assert auth.login(next="/en/account").headers["Location"] == "/en/account"


def test_switching_language_on_the_sign_in_page_moves_where_it_returns(client, make_user, auth):
    """From /ar/login?next=/ar/account the language link leads to the English sign-in page, and
    signing in there lands on the English account page."""
    from html import unescape
    from urllib.parse import parse_qs, urlsplit

    make_user()
    html = client.get("/ar/login?next=/ar/account").get_data(as_text=True)
    href = unescape(re.search(r'class="lang-switch"[^>]*href="([^"]+)"', html).group(1))
    switched = client.get(href)
    assert switched.headers["Location"] == "/en/login?next=/en/account"
    form_next = parse_qs(urlsplit(switched.headers["Location"]).query)["next"][0]
    assert auth.login(next=form_next).headers["Location"] == "/en/account"


def test_sign_in_is_rate_limited_per_account(client, make_user, auth):
    """Repeated attempts on one account get 429, with a page in the reader's language."""
    make_user()
    for _ in range(5):
        assert auth.login(password="wrong password!", lang="ar").status_code == 200
    response = auth.login(password="wrong password!", lang="ar")
    assert response.status_code == 429
    assert 'lang="ar"' in response.get_data(as_text=True)


def test_sign_in_is_rate_limited_per_ip(client, app, auth, monkeypatch):
    """Many accounts tried from one address get 429 too."""
    monkeypatch.setitem(app.config, "RATELIMIT_SIGN_IN_IP", "3 per minute")
    codes = [auth.login(email=f"user{n}@example.org").status_code for n in range(4)]
    assert codes == [200, 200, 200, 429]


def test_register_is_rate_limited(client, app):
    """Register's limit keeps it from serving as a list of who reads us."""
    statuses = [register(client, email=f"r{n}@example.org").status_code for n in range(11)]
    client.delete_cookie("session")
    assert statuses[-1] == 429


def test_reset_answers_the_same_for_known_and_unknown_emails(client, make_user):
    """The reset request's answer does not reveal whether an account exists."""
    make_user()

    def ask(email):
        token = csrf_token(client, "/en/reset-password")
        return client.post("/en/reset-password", data={"email": email, "csrf_token": token})

    known, unknown = ask("reader@example.org"), ask("nobody@example.org")
    assert known.status_code == unknown.status_code == 200
    assert known.get_data(as_text=True) == unknown.get_data(as_text=True)
    assert len(outbox("reader@example.org")) == 1 and outbox("nobody@example.org") == []


def test_a_reset_link_works_once(client, make_user):
    """The emailed link sets a new password once, then is refused."""
    make_user()
    accounts.request_password_reset("reader@example.org", "en")
    link = link_in(outbox("reader@example.org")[-1])
    data = {"password": "brand new secret 7", "confirm": "brand new secret 7",
            "csrf_token": csrf_token(client, link)}  # fmt: skip
    assert client.post(link, data=data).status_code == 302
    assert accounts.authenticate("reader@example.org", "brand new secret 7")
    assert client.get(link).status_code == 400


def test_a_reset_link_expires_after_an_hour(client, make_user, monkeypatch):
    """A link older than an hour is refused."""
    import time

    make_user()
    accounts.request_password_reset("reader@example.org", "en")
    link = link_in(outbox("reader@example.org")[-1])

    class Later:
        @staticmethod
        def time():
            return time.time() + 3601

    monkeypatch.setattr(itsdangerous.timed, "time", Later)
    assert client.get(link).status_code == 400


def test_email_change_needs_the_link_sent_to_the_new_address(client, make_user, auth):
    """The address changes only when the link mailed to the new address is followed."""
    make_user()
    auth.login()
    token = csrf_token(client, "/en/account/email")
    client.post("/en/account/email", data={"email": "moved@example.org", "csrf_token": token})
    assert accounts.find_user("reader@example.org") is not None
    [message] = outbox("moved@example.org")
    client.get(link_in(message))
    assert accounts.find_user("moved@example.org") is not None
    assert accounts.find_user("reader@example.org") is None


def test_account_deletion_removes_personal_data_and_keeps_the_books(client, make_user, auth):
    """Deleting an account anonymises it; the membership record stays for the accounts."""
    user = make_user()
    membership.grant_comp(user, None, "test")
    db.session.commit()
    auth.login()
    token = csrf_token(client, "/en/account/delete")
    client.post("/en/account/delete", data={"password": PASSWORD, "csrf_token": token})
    db.session.refresh(user)
    assert user.email.endswith("@deleted.invalid") and user.password_hash is None
    assert user.membership is not None
    assert accounts.authenticate("reader@example.org", PASSWORD) is None
    assert client.get("/en/account").status_code == 302


def test_state_changes_are_posts(client, make_user, auth):
    """Signing out by GET does nothing."""
    make_user()
    auth.login()
    assert client.get("/en/logout").status_code == 405
    assert client.get("/en/account").status_code == 200


def test_signed_in_pages_are_private_and_never_from_the_page_cache(
    client, make_user, auth, sample_content
):
    """A signed-in reader never gets the shared cached copy, and their pages are private."""
    make_user()
    url = "/en/articles/putin-and-erdogan-meet-in-istanbul-amid-ongoing-battles-in-syrias-idlib"
    client.get(url)  # cached for signed-out readers
    auth.login()
    response = client.get(url)
    assert response.headers["Cache-Control"] == "private, no-store"
    assert "Sign out" in response.get_data(as_text=True)


def test_account_page_shows_the_membership(client, make_user, auth):
    """The account page shows email, status and plan, in the page's language."""
    user = make_user()
    membership.apply(user, membership.SubscriptionSnapshot(
        subscription_id="sub_1", status="active", created=membership.datetime.now(membership.UTC),
        current_period_end=None, amount=500, currency="usd", interval="month"), "test")  # fmt: skip
    db.session.commit()
    auth.login()
    html = client.get("/ar/account").get_data(as_text=True)
    assert "reader@example.org" in html
    assert user.membership.status == MembershipStatus.ACTIVE
    assert "5 US$ شهريًا" in page_text(html)  # the plan, formatted for Arabic


@pytest.mark.parametrize("lang", ["en", "ar"])
def test_a_declined_first_payment_is_named_on_the_account_with_a_way_to_try_again(
    client, stripe_emulator, make_user, auth, lang
):
    """While the first payment waits, the account says it is not completed; once declined, it
    says the payment did not go through and links back to the same payment, which then pays."""
    from html import unescape

    from tests.paying import DECLINED, pay, start

    reader = make_user()
    auth.login()
    pay_url = start(client, lang=lang).headers["Location"]
    waiting = page_text(client.get(f"/{lang}/account"))
    confirming = {"en": "First payment not completed", "ar": "لم تكتمل الدفعة الأولى"}[lang]
    assert confirming in waiting, waiting
    pay(client, stripe_emulator, pay_url, DECLINED)
    client.deliver_webhooks()  # Stripe's events about the decline
    assert reader.membership.status == MembershipStatus.PENDING
    html = client.get(f"/{lang}/account").get_data(as_text=True)
    declined = {"en": "Your payment did not go through", "ar": "لم تتم عملية الدفع"}[lang]
    assert declined in page_text(html) and confirming not in page_text(html)
    retry = re.search(r'href="([^"]*/support/pay/[^"]+)"', html)
    assert retry and retry.group(1).split("?")[0] == pay_url.split("?")[0]
    assert pay(client, stripe_emulator, unescape(retry.group(1))).response.status_code == 200
    db.session.refresh(reader.membership)
    assert reader.membership.status == MembershipStatus.ACTIVE
    assert declined not in page_text(client.get(f"/{lang}/account"))
