"""The health check."""

import socket
import threading

import pytest
from flask_sqlalchemy.session import _app_ctx_id
from sqlalchemy.orm import scoped_session, sessionmaker

from app import create_app
from config import TestingConfig


def test_healthz_reports_a_reachable_database(client):
    """With the database up, /healthz answers 200 and says so."""
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json == {"status": "ok", "database": "ok"}


@pytest.mark.own_app
def test_healthz_reports_a_database_that_is_down(tmp_path):
    """With the database unreachable, /healthz answers 503 and names the database."""
    config = TestingConfig()
    config.SQLALCHEMY_DATABASE_URI = f"sqlite:///{tmp_path}/missing-dir/db.sqlite"
    response = create_app(config).test_client().get("/healthz")
    assert response.status_code == 503
    assert response.json["database"] == "unreachable"


@pytest.mark.own_app
def test_a_page_with_the_database_down_is_a_friendly_503(tmp_path):
    """A reader page with no database answers a friendly page in the reader's language, as 503
    (try again later), never a bare 500."""
    config = TestingConfig()
    config.SQLALCHEMY_DATABASE_URI = f"sqlite:///{tmp_path}/missing-dir/db.sqlite"
    app = create_app(config)
    app.testing = False  # let the error handler answer instead of raising
    response = app.test_client().get("/ar/")
    assert response.status_code == 503
    assert response.headers["Retry-After"]
    html = response.get_data(as_text=True)
    assert 'lang="ar" dir="rtl"' in html
    assert "سنعود بعد قليل" in html


@pytest.fixture
def silent_database():
    """An address that accepts connections and never answers, as a hung database server does (the
    kernel completes the handshake; nothing replies to the startup message)."""
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(64)
    yield f"postgresql+psycopg://postgres@127.0.0.1:{server.getsockname()[1]}/test"
    server.close()


def _answer(client, path):
    """The response, or a failure if none comes within a minute (a hang must not hang the suite)."""
    result = {}
    worker = threading.Thread(target=lambda: result.update(response=client.get(path)), daemon=True)
    worker.start()
    worker.join(60)
    assert "response" in result, f"{path} did not answer with the database hung"
    return result["response"]


@pytest.mark.own_app
def test_healthz_answers_503_when_the_database_hangs(silent_database):
    """A database that accepts connections and never answers: /healthz still answers, 503, after
    its own short connect deadline, and reader pages get the friendly 503 after
    DATABASE_CONNECT_TIMEOUT instead of holding the worker."""
    config = TestingConfig()
    config.SQLALCHEMY_DATABASE_URI = silent_database
    config.DATABASE_CONNECT_TIMEOUT = 2
    app = create_app(config)
    app.testing = False
    client = app.test_client()
    health = _answer(client, "/healthz")
    assert health.status_code == 503 and health.json["database"] == "unreachable"
    page = _answer(client, "/ar/")
    assert page.status_code == 503
    assert 'lang="ar"' in page.get_data(as_text=True)


@pytest.mark.own_app
def test_healthz_checks_redis_when_it_is_configured(tmp_path):
    """With REDIS_URL set, /healthz names Redis too, and answers 503 when it does not answer."""
    config = TestingConfig()
    config.SQLALCHEMY_DATABASE_URI = f"sqlite:///{tmp_path}/db.sqlite"
    closed = socket.socket()
    closed.bind(("127.0.0.1", 0))
    port = closed.getsockname()[1]
    closed.close()  # nothing listens there now
    config.REDIS_URL = f"redis://127.0.0.1:{port}/0"
    response = create_app(config).test_client().get("/healthz")
    assert response.status_code == 503
    assert response.json == {"status": "error", "database": "ok", "redis": "unreachable"}


@pytest.mark.postgres
def test_a_statement_stuck_behind_a_lock_is_cancelled(app, client, monkeypatch):
    """A statement waiting on a lock held elsewhere is cancelled by the statement timeout, and the
    reader gets the 503 page, instead of the worker waiting for as long as the lock is held."""
    from sqlalchemy import create_engine, text

    from app.extensions import db
    from config import database_options

    url = app.config["SQLALCHEMY_DATABASE_URI"]
    if not url.startswith("postgresql"):
        pytest.skip("needs PostgreSQL (set TEST_DATABASE_URL): SQLite has no statement timeout")
    impatient = create_engine(url, **database_options(url, 2, 1))
    holder = create_engine(url)
    monkeypatch.setattr(app, "testing", False)
    with holder.connect() as other, impatient.connect() as connection:
        other.execute(text("LOCK TABLE articles IN ACCESS EXCLUSIVE MODE"))
        original, db.session = (
            db.session,
            scoped_session(sessionmaker(bind=connection), scopefunc=_app_ctx_id),
        )
        try:
            response = _answer(client, "/en/")
        finally:
            db.session.remove()
            db.session = original
        other.rollback()
    impatient.dispose()
    holder.dispose()
    assert response.status_code == 503
