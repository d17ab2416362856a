"""Behind proxies: the client is the one the trusted proxies saw, and links never come from the
request's Host header."""

import re

import pytest
from sqlalchemy import select

from app import create_app
from app.extensions import db
from app.models import OutboxMessage
from config import TestingConfig
from tests.conftest import IsolatedClient, csrf_token


def _failed_sign_in(client, forwarded_for: str | None) -> int:
    headers = {"X-Forwarded-For": forwarded_for} if forwarded_for else {}
    token = csrf_token(client, "/en/login")
    data = {"email": "someone@example.org", "password": "not the password", "csrf_token": token}
    return client.post("/en/login", data=data, headers=headers).status_code


def _app_behind(app, proxies: int):
    """A second app on the same database (the test's transaction) with TRUSTED_PROXIES set."""
    config = TestingConfig()
    config.SQLALCHEMY_DATABASE_URI = app.config["SQLALCHEMY_DATABASE_URI"]
    config.TRUSTED_PROXIES = proxies
    config.RATELIMIT_SIGN_IN_IP = "2 per minute"
    proxied = create_app(config)
    proxied.test_client_class = IsolatedClient
    return proxied


@pytest.mark.parametrize("proxies", [0, 1])
def test_per_ip_limits_count_each_forwarded_client(app, proxies):
    """Behind one trusted proxy, one client using up the sign-in limit leaves the others alone.
    Without TRUSTED_PROXIES every client behind the proxy shares the proxy's address, so the
    second client is refused too: the fault the setting exists for."""
    proxied = _app_behind(app, proxies)
    client = proxied.test_client()
    with proxied.app_context():
        first = [_failed_sign_in(client, "203.0.113.7") for _ in range(3)]
        other = _failed_sign_in(client, "198.51.100.20")
    assert first == [200, 200, 429]
    assert other == (200 if proxies else 429)


def test_a_forged_host_never_reaches_a_link(client, make_user):
    """A reset requested with someone else's Host header still links to SITE_URL."""
    make_user(email="victim@example.org")
    client.environ_base["HTTP_HOST"] = "attacker.example"
    token = csrf_token(client, "/en/reset-password")
    client.post("/en/reset-password", data={"email": "victim@example.org", "csrf_token": token})
    message = db.session.scalars(
        select(OutboxMessage).where(OutboxMessage.to == "victim@example.org")
    ).one()
    links = re.findall(r"https?://[^/\s]+", message.body)
    assert links and set(links) == {client.application.config["SITE_URL"]}


def test_stripe_return_addresses_come_from_site_url(app, client, make_user, auth):
    """The address Stripe sends a reader back to after 3-D Secure is on our site, whatever Host the
    request carried."""
    from tests.paying import element_of, start

    make_user()
    client.environ_base["HTTP_HOST"] = "attacker.example"
    auth.login()
    page = client.get(start(client).headers["Location"])
    assert page.status_code == 200
    assert element_of(page.get_data(as_text=True))["return-url"].startswith(
        app.config["SITE_URL"] + "/en/"
    )


def test_production_answers_only_its_own_host(production_env):
    """Production answers requests for SITE_URL's host and refuses others with 400."""
    from config import ProductionConfig

    client = create_app(ProductionConfig()).test_client()
    assert client.get("/healthz", headers={"Host": "localhost"}).status_code in (200, 503)
    assert client.get("/healthz", headers={"Host": "attacker.example"}).status_code == 400


def test_static_urls_carry_their_content_version(app, tmp_path, monkeypatch):
    """Static URLs end in ?v=<hash of the file>: a changed file gets a new URL, so a proxy or CDN
    may keep each version for a year."""
    from flask import url_for

    (tmp_path / "site.css").write_text("body { color: black }")
    monkeypatch.setattr(app, "static_folder", str(tmp_path))
    with app.test_request_context():
        first = url_for("static", filename="site.css")
        assert first.startswith("/static/site.css?v=")
        (tmp_path / "site.css").write_text("body { color: navy }")
        second = url_for("static", filename="site.css")
        assert second != first and second.startswith("/static/site.css?v=")
        assert "?v=" not in url_for("static", filename="missing.css")
