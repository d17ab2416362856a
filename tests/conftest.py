"""Fixtures: one app per test session, migrations applied once, every test rolled back."""

import contextvars
import json
import os
import re
from datetime import UTC, datetime
from html import unescape
from pathlib import Path

import pytest
from flask.testing import FlaskClient
from flask_migrate import upgrade
from flask_sqlalchemy.session import _app_ctx_id
from sqlalchemy import MetaData, event
from sqlalchemy.orm import scoped_session, sessionmaker

from app import create_app
from app.extensions import cache, db, limiter
from app.jobs.queue import queue_of, run_queued
from config import TestingConfig

FIXTURES = Path(__file__).parent / "fixtures"
TRANSACTION_CONTROL = ("BEGIN", "COMMIT", "ROLLBACK", "SAVEPOINT", "RELEASE")


class IsolatedClient(FlaskClient):
    """A test client whose requests get their own app context, as in production.

    Tests hold an app context open for direct database access; without this, requests would share
    it, and with it `g` and the cached locale, from one request to the next.

    With a Stripe emulator attached, the webhooks Stripe would send about what a request did are
    delivered to `/stripe/webhook` once the request has finished (its transaction committed), as
    Stripe delivers them: asynchronously, over the same route. Then the jobs the request queued
    run, as the worker would run them.
    """

    emulator = None
    _delivering = False

    def open(self, *args, **kwargs):
        kwargs.setdefault("buffered", True)  # streamed bodies are read inside the request's context
        response = contextvars.Context().run(super().open, *args, **kwargs)
        if self.emulator is not None and not self._delivering:
            self.deliver_webhooks()
        if not self._delivering:
            run_queued(self.application)  # the worker's part: mail delivery, for one
        return response

    def deliver_webhooks(self, rounds: int = 10) -> int:
        """Let the emulator finish its asynchronous work and deliver every event due; returns how
        many deliveries were answered 2xx (failed ones stay queued, as Stripe retries them)."""
        delivered = 0
        self._delivering = True
        try:
            for _ in range(rounds):
                self.emulator.settle()
                answered = self.emulator.deliver(self._post_webhook)
                delivered += answered
                if not answered:
                    break
        finally:
            self._delivering = False
        return delivered

    def _post_webhook(self, payload: bytes, headers: dict) -> int:
        """Stripe's request: its own connection, without the reader's cookies."""
        stripe = self.application.test_client(use_cookies=False)
        return stripe.post("/stripe/webhook", data=payload, headers=headers).status_code


PRODUCTION_ENV = {
    "SECRET_KEY": "x",
    "DATABASE_URL": "sqlite://",
    "STRIPE_SECRET_KEY": "sk_live_x",
    "STRIPE_PUBLISHABLE_KEY": "pk_live_x",
    "STRIPE_WEBHOOK_SECRET": "whsec_x",
    "SITE_URL": "http://localhost",
    "REDIS_URL": "redis://127.0.0.1:6379/15",
    "MAIL_SERVER": "127.0.0.1",
}


@pytest.fixture
def production_env(monkeypatch):
    """The environment production needs (the test client's host, SQLite in memory); returns it so
    a test can change one setting."""
    for name, value in PRODUCTION_ENV.items():
        monkeypatch.setenv(name, value)
    for name in ("TRUSTED_HOSTS", "TRUSTED_PROXIES", "STRIPE_API_BASE"):
        monkeypatch.delenv(name, raising=False)
    return monkeypatch


@pytest.fixture
def now_at_start(request, monkeypatch):
    """For a module whose `NOW = datetime.now(UTC)`: NOW read again as each test starts, not when
    the module was imported minutes before. Rows take their own timestamps as they are written,
    and "this month" or "this week" then means the same period for both, unless the test itself
    straddles the boundary. Use with `pytestmark = pytest.mark.usefixtures("now_at_start")`."""
    monkeypatch.setattr(request.module, "NOW", datetime.now(UTC))


@pytest.fixture(scope="session")
def app(tmp_path_factory):
    config = TestingConfig()
    if not os.environ.get("TEST_DATABASE_URL"):
        config.SQLALCHEMY_DATABASE_URI = f"sqlite:///{tmp_path_factory.mktemp('db')}/test.sqlite"
    app = create_app(config)
    app.test_client_class = IsolatedClient
    with app.app_context():
        stale = MetaData()
        stale.reflect(bind=db.engine)
        stale.drop_all(bind=db.engine)
        upgrade()
    yield app
    with app.app_context():
        db.engine.dispose()


@pytest.fixture(autouse=True)
def db_session(request):
    """Run the test inside a transaction that is rolled back afterwards (savepoints inside)."""
    if request.node.get_closest_marker("own_app"):
        yield None
        return
    app = request.getfixturevalue("app")
    with app.app_context():
        connection = db.engine.connect()
        transaction = connection.begin()
        original = db.session
        db.session = scoped_session(
            sessionmaker(bind=connection, join_transaction_mode="create_savepoint"),
            scopefunc=_app_ctx_id,
        )
        cache.clear()
        limiter.reset()
        try:
            yield db.session
        finally:
            queue_of(app).huey.flush()  # jobs of rows this test wrote, which are rolled back
            db.session.remove()
            db.session = original
            transaction.rollback()
            connection.close()


@pytest.fixture(autouse=True)
def stripe_emulator(request):
    """Stripe for this test: the app's own gateway and the real SDK, talking in-process (no
    sockets) to a fresh Stripe emulator, so every payment path is production's."""
    if request.node.get_closest_marker("own_app"):
        yield None
        return
    from app.payments.stripe_gateway import StripeGateway
    from stripe_emulator import Emulator

    app = request.getfixturevalue("app")
    emulator = Emulator(webhook_secret=app.config["STRIPE_WEBHOOK_SECRET"])
    gateway = StripeGateway.from_config(
        app.config, http_client=emulator.http_client(), max_network_retries=0
    )
    previous = app.extensions.get("payment_gateway")
    app.extensions["payment_gateway"] = gateway
    yield emulator
    if previous is None:
        app.extensions.pop("payment_gateway", None)
    else:
        app.extensions["payment_gateway"] = previous


@pytest.fixture
def client(app, stripe_emulator):
    client = app.test_client()
    client.emulator = stripe_emulator
    return client


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


PASSWORD = "olive grove 1987"
CSRF_FIELD = re.compile(
    r'name="csrf_token" type="hidden" value="([^"]+)"|name="csrf_token" value="([^"]+)"'
)


def page_text(response_or_html):
    """What a reader sees: the page's text, tags dropped, entities decoded, spaces collapsed."""
    html = (
        response_or_html
        if isinstance(response_or_html, str)
        else response_or_html.get_data(as_text=True)
    )
    return " ".join(unescape(re.sub(r"<[^>]+>", "", html)).split())


def csrf_token(client, url):
    """The CSRF token of the form on `url` (as a browser would read it)."""
    match = CSRF_FIELD.search(client.get(url).get_data(as_text=True))
    assert match, f"no CSRF token on {url}"
    return match.group(1) or match.group(2)


@pytest.fixture
def make_user(app):
    """Factory: an account (confirmed unless told otherwise), committed inside the test transaction."""
    from app.models import Role
    from app.services import accounts

    def make(email="reader@example.org", password=PASSWORD, lang="en", role=Role.READER):
        user = accounts.create_user(email, password, lang, role=role)
        db.session.commit()
        return user

    return make


class Auth:
    """Sign in and out through the real forms, CSRF included."""

    def __init__(self, client):
        self.client = client

    def login(
        self, email="reader@example.org", password=PASSWORD, lang="en", remember=False, next=""
    ):
        data = {"email": email, "password": password, "next": next,
                "csrf_token": csrf_token(self.client, f"/{lang}/login")}  # fmt: skip
        if remember:
            data["remember"] = "y"
        return self.client.post(f"/{lang}/login", data=data)

    def logout(self, lang="en"):
        token = csrf_token(self.client, f"/{lang}/account")
        return self.client.post(f"/{lang}/logout", data={"csrf_token": token})


@pytest.fixture
def auth(client):
    return Auth(client)


@pytest.fixture
def wordpress_posts():
    """WordPress's own REST fixture (one post), as published."""
    return json.loads((FIXTURES / "content" / "wordpress-rest-posts.json").read_text())


@pytest.fixture
def make_post():
    """Factory: a WordPress REST post in the embedded, Polylang-style shape."""

    def make(post_id, slug=None, lang="en", **overrides):
        post = {
            "id": post_id,
            "date_gmt": f"2020-01-{(post_id % 28) + 1:02d}T10:00:00",
            "slug": f"story-{post_id}" if slug is None else slug,
            "title": {"rendered": f"Story {post_id}"},
            "content": {"rendered": f"<p>Body of story {post_id}.</p>", "protected": False},
            "excerpt": {"rendered": f"<p>Standfirst {post_id}</p>", "protected": False},
            "lang": lang,
            "_embedded": {
                "author": [{"id": 1, "name": "Enab Baladi"}],
                "wp:term": [
                    [{"id": 3, "taxonomy": "category", "name": "News", "slug": "news"}],
                    [{"id": 11, "taxonomy": "post_tag", "name": "Idlib", "slug": "idlib"}],
                ],
            },
        }
        post.update(overrides)
        return post

    return make


@pytest.fixture
def import_posts(app):
    """Factory: validate and import posts as `flask content import` does."""
    from app.services import importer

    def run(posts, default_lang="en"):
        records = importer.parse_posts(posts, app.config["LANGUAGES"], default_lang)
        return importer.import_posts(records)

    return run


@pytest.fixture
def sample_content(import_posts):
    """The bundled sample stories, imported."""
    from app.cli import SAMPLE_POSTS

    return import_posts(json.loads(SAMPLE_POSTS.read_text()))


@pytest.fixture
def count_queries(app):
    """Context manager collecting the SQL queries run inside it (transaction control aside)."""
    from contextlib import contextmanager

    @contextmanager
    def counting():
        statements = []

        def record(conn, cursor, statement, *args):
            if not statement.lstrip().upper().startswith(TRANSACTION_CONTROL):
                statements.append(statement)

        event.listen(db.engine, "before_cursor_execute", record)
        try:
            yield statements
        finally:
            event.remove(db.engine, "before_cursor_execute", record)

    return counting
